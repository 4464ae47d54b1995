//! Fixtures the Rekor and instance targets share: real conformance data (embedded at build
//! time from `../shared`, as `seed.py` reads it) and a small tiled log signed here.
// Each target uses a different part of this module.
#![allow(dead_code)]

use sigchain_core::crypto::HashAlgorithm;
use sigchain_core::encoding::base64_decode;
use sigchain_core::limits::Limits;
use sigchain_core::tlog::hash_leaf;
use sigchain_core::tlog::witness::{WitnessKey, WitnessPolicy};
use sigchain_core::trust_root::TrustedRoot;
use sigchain_instance::log::signer::{LogKeyKind, LogSigner};
use sigchain_instance::log::tree::MerkleTree;
use sigchain_instance::trust::TrustedRootBuilder;
use sigchain_rekor::http::{HttpRequest, HttpResponse};
use sigchain_rekor::proposal::{Proposal, Signer, V2DsseKind};
use sigchain_rekor::tiles::{encode_entry_bundle, TileResource, FULL_WIDTH};

macro_rules! conformance {
    ($case:literal, $file:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/conformance/bundle-verify/",
            $case,
            "/",
            $file
        ))
    };
}

/// happy-path-v0.3: a hashedrekord 0.0.1 entry of the production log, tree 75408393.
pub const V1_BUNDLE: &[u8] = conformance!("happy-path-v0.3", "bundle.sigstore.json");
/// happy-path-v0.1: an entry of the same production shard, tree 23083062.
pub const V1_OLDER_BUNDLE: &[u8] = conformance!("happy-path-v0.1", "bundle.sigstore.json");
/// rekor2-happy-path: a hashedrekord 0.0.2 entry of a staging Rekor v2 log.
pub const V2_BUNDLE: &[u8] = conformance!("rekor2-happy-path", "bundle.sigstore.json");
/// The trusted root that names that log.
pub const V2_ROOT: &[u8] = conformance!("rekor2-happy-path", "trusted_root.json");

/// The Sigsum test witnesses (as in the `witness` target).
pub const SIGSUM_TEST_WITNESSES: [&str; 3] = [
    "sigsum-test1+e2ee26d4+BBwl+KRMY1RX4uOR0e+8p9TClRoK7wYiWogeRrmJYqxs",
    "sigsum-test2+ca0a7fc5+BCjJKlo6BU0xfIb8LutqerIFTWIXEA0L5n3tW3QyPFgG",
    "sigsum-test3+d2e8302c+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
];

/// Statuses worth trying; a selector picks one.
pub const STATUSES: [u16; 8] = [200, 201, 404, 409, 500, 503, 400, 302];

pub fn witness_policy() -> WitnessPolicy {
    let keys = SIGSUM_TEST_WITNESSES
        .iter()
        .map(|v| WitnessKey::from_vkey(v).expect("known-good vkey"))
        .collect();
    WitnessPolicy::new(keys, 1).expect("one of three")
}

pub fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("conformance JSON")
}

/// The tlog entry of a conformance bundle.
pub fn bundle_entry(bundle: &serde_json::Value) -> &serde_json::Value {
    &bundle["verificationMaterial"]["tlogEntries"][0]
}

/// The hashedrekord proposal a conformance bundle's message signature makes.
pub fn bundle_proposal(bundle: &serde_json::Value) -> Proposal {
    let material = &bundle["verificationMaterial"];
    let cert = material["certificate"]["rawBytes"]
        .as_str()
        .or_else(|| material["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())
        .and_then(base64_decode)
        .expect("signing certificate");
    let signature = &bundle["messageSignature"];
    Proposal::hashed_rekord(
        HashAlgorithm::Sha256,
        signature["messageDigest"]["digest"]
            .as_str()
            .and_then(base64_decode)
            .expect("digest"),
        signature["signature"]
            .as_str()
            .and_then(base64_decode)
            .expect("signature"),
        Signer::Certificate(cert),
    )
    .expect("conformance proposal")
}

/// The checkpoint note an entry's inclusion proof carries.
pub fn entry_checkpoint(entry: &serde_json::Value) -> String {
    entry["inclusionProof"]["checkpoint"]["envelope"]
        .as_str()
        .expect("checkpoint")
        .to_owned()
}

pub fn v2_root() -> TrustedRoot {
    TrustedRoot::from_json(V2_ROOT).expect("conformance trusted root")
}

/// PKCS#8 v1 of a fixed Ed25519 key: answers and checkpoints are the same in every run.
const TEST_LOG_PKCS8: [u8; 48] = {
    let mut der = [0x5a; 48];
    let prefix = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let mut i = 0;
    while i < prefix.len() {
        der[i] = prefix[i];
        i += 1;
    }
    der
};

/// Entries in the test log: a full level-0 tile and a partial one.
pub const TEST_LOG_SIZE: u64 = 300;
/// The entry of the test log that records [`TestLog::proposal`].
pub const TEST_LOG_PROPOSAL_INDEX: u64 = 7;

/// A small Rekor v2 log, honest: its tiles and bundles as its server would serve them, and
/// checkpoints signed with its key.
pub struct TestLog {
    pub signer: LogSigner,
    pub root: TrustedRoot,
    pub proposal: Proposal,
    pub entries: Vec<Vec<u8>>,
    pub tree: MerkleTree,
}

impl TestLog {
    pub fn new() -> TestLog {
        let signer = LogSigner::from_pkcs8(
            LogKeyKind::Ed25519,
            &TEST_LOG_PKCS8,
            "fuzz.log.example",
            None,
        )
        .expect("fixed Ed25519 key");
        let root_json = TrustedRootBuilder::new()
            .tlog("http://127.0.0.1", &signer, 1_600_000_000)
            .to_json();
        let root = TrustedRoot::from_json(root_json.as_bytes()).expect("built root");
        let proposal = Proposal::hashed_rekord(
            HashAlgorithm::Sha256,
            vec![0xa5; 32],
            b"fuzz signature".to_vec(),
            Signer::PublicKey(signer.public_key().spki_der().to_vec()),
        )
        .expect("proposal");
        let entries: Vec<Vec<u8>> = (0..TEST_LOG_SIZE)
            .map(|i| {
                if i == TEST_LOG_PROPOSAL_INDEX {
                    proposal
                        .v2_canonical_body(V2DsseKind::default())
                        .expect("v2 body")
                } else {
                    format!(r#"{{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{{"n":{i}}}}}"#)
                        .into_bytes()
                }
            })
            .collect();
        let mut tree = MerkleTree::new();
        for entry in &entries {
            tree.push(hash_leaf(entry));
        }
        TestLog {
            signer,
            root,
            proposal,
            entries,
            tree,
        }
    }

    /// The signed checkpoint of the first `size` entries.
    pub fn checkpoint(&self, size: u64) -> String {
        let root = self.tree.root(size).expect("size within the log");
        self.signer
            .sign_checkpoint(size, &root)
            .expect("Ed25519 signs")
    }

    /// What the log's tile server answers to `request`.
    pub fn serve(&self, request: &HttpRequest) -> HttpResponse {
        let body = request
            .path_and_query
            .strip_prefix("/api/v2/")
            .and_then(|path| TileResource::parse(path).ok())
            .and_then(|resource| match resource {
                TileResource::Tile(id) => self.tree.tile(id).ok().map(|t| t.to_bytes()),
                TileResource::EntryBundle(id) => {
                    let range = id.leaf_range()?;
                    let entries = self.entries.get(
                        usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?,
                    )?;
                    encode_entry_bundle(entries).ok()
                }
                _ => None,
            });
        match body {
            Some(body) => HttpResponse::new(200, body),
            None => HttpResponse::new(404, Vec::new()),
        }
    }
}

/// Reads the input front to back; past its end, every read gives zeros.
pub struct Input<'a>(pub &'a [u8]);

impl<'a> Input<'a> {
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Up to `n` bytes.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

pub const DEFAULT_LIMITS: Limits = Limits::DEFAULT;

/// Bundle ids step by the full width.
pub const BUNDLE_WIDTH: u64 = FULL_WIDTH as u64;
