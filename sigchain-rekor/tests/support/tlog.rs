//! A small Rekor v2 log: entries, their Merkle tree level by level, the tiles and entry
//! bundles the tiles module's server-side helpers make from it, and checkpoints signed with
//! an Ed25519 key that a trusted root built from JSON names.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use serde_json::json;
use sigchain_rekor::sigchain_core::crypto::{sha256, PublicKey};
use sigchain_rekor::sigchain_core::encoding::base64_encode;
use sigchain_rekor::sigchain_core::tlog::{hash_children, hash_leaf, key_hint};
use sigchain_rekor::sigchain_core::trust_root::{LogId, TrustedRoot};
use sigchain_rekor::tiles::{
    encode_entry_bundle, inclusion_proof, tree_root, NodeHashes, Tile, TileResource,
};

/// Subtree hashes level by level, as an append-only log keeps them.
pub struct Levels(Vec<Vec<[u8; 32]>>);

impl Levels {
    pub fn new(leaves: Vec<[u8; 32]>) -> Levels {
        let mut levels = vec![leaves];
        while let Some(below) = levels.last().filter(|l| l.len() > 1) {
            let above = below
                .chunks_exact(2)
                .map(|pair| hash_children(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Levels(levels)
    }
}

impl NodeHashes for Levels {
    fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]> {
        self.0
            .get(usize::from(level))?
            .get(usize::try_from(index).ok()?)
            .copied()
    }
}

pub struct TestLog {
    pub origin: String,
    key: Ed25519KeyPair,
    pub spki: Vec<u8>,
    pub root: TrustedRoot,
    pub entries: Vec<Vec<u8>>,
    levels: Levels,
}

impl TestLog {
    /// A log holding `entries`, in order.
    pub fn new(origin: &str, entries: Vec<Vec<u8>>) -> TestLog {
        let key = Ed25519KeyPair::generate().unwrap();
        let spki = key.public_key().as_der().unwrap().as_ref().to_vec();
        let root = TrustedRoot::from_json(trusted_root_json(&spki).to_string().as_bytes()).unwrap();
        let levels = Levels::new(entries.iter().map(|e| hash_leaf(e)).collect());
        TestLog {
            origin: origin.to_owned(),
            key,
            spki,
            root,
            entries,
            levels,
        }
    }

    /// `count` filler entries of the shape Rekor v2 bodies have.
    pub fn filler(count: usize) -> Vec<Vec<u8>> {
        (0..count)
            .map(|i| {
                format!(r#"{{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{{"n":{i}}}}}"#)
                    .into_bytes()
            })
            .collect()
    }

    pub fn log_id(&self) -> LogId {
        LogId(sha256(&self.spki).to_vec())
    }

    pub fn root_hash(&self, size: u64) -> [u8; 32] {
        tree_root(size, &self.levels).unwrap()
    }

    /// The signed checkpoint of the tree of the first `size` entries.
    pub fn checkpoint(&self, size: u64) -> String {
        self.sign_note(size, &self.root_hash(size))
    }

    /// A checkpoint signed by the log's key for any root.
    pub fn sign_note(&self, size: u64, root: &[u8; 32]) -> String {
        let origin = &self.origin;
        let text = format!("{origin}\n{size}\n{}\n", base64_encode(root));
        let public = PublicKey::from_spki_der(&self.spki).unwrap();
        let mut signature = key_hint(&public, origin).unwrap().to_vec();
        signature.extend_from_slice(self.key.sign(text.as_bytes()).as_ref());
        format!("{text}\n\u{2014} {origin} {}\n", base64_encode(&signature))
    }

    /// The bytes of a tile or entry bundle at `path` (under `/api/v2/`), or `None` if the
    /// log has no such resource.
    pub fn tile_resource(&self, path: &str) -> Option<Vec<u8>> {
        let path = path.strip_prefix("/api/v2/")?;
        match TileResource::parse(path).ok()? {
            TileResource::Tile(id) => Tile::from_nodes(id, &self.levels)
                .ok()
                .map(|t| t.to_bytes()),
            TileResource::EntryBundle(id) => {
                let range = id.leaf_range()?;
                let entries = self
                    .entries
                    .get(usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?)?;
                encode_entry_bundle(entries).ok()
            }
            _ => None,
        }
    }

    /// The `TransparencyLogEntry` a create of entry `index` is answered with, proven in the
    /// tree of `size`.
    pub fn created_answer(&self, index: u64, size: u64) -> serde_json::Value {
        let body = &self.entries[index as usize];
        let header: serde_json::Value = serde_json::from_slice(body).unwrap();
        let proof = inclusion_proof(index, size, &self.levels).unwrap();
        json!({
            "logIndex": index.to_string(),
            "logId": {"keyId": base64_encode(&self.log_id().0)},
            "kindVersion": {"kind": header["kind"], "version": header["apiVersion"]},
            "inclusionProof": {
                "logIndex": index.to_string(),
                "rootHash": base64_encode(&self.root_hash(size)),
                "treeSize": size.to_string(),
                "hashes": proof.iter().map(|h| base64_encode(h)).collect::<Vec<_>>(),
                "checkpoint": {"envelope": self.checkpoint(size)},
            },
            "canonicalizedBody": base64_encode(body),
        })
    }
}

/// A minimal protobuf-specs trusted root naming one Ed25519 log key.
fn trusted_root_json(spki: &[u8]) -> serde_json::Value {
    json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{
            "baseUrl": "http://127.0.0.1",
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": base64_encode(spki),
                "keyDetails": "PKIX_ED25519",
                "validFor": {"start": "2020-01-01T00:00:00Z"}
            },
            "logId": {"keyId": base64_encode(&sha256(spki))}
        }]
    })
}
