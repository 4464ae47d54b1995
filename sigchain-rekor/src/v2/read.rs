//! Reading a Rekor v2 log through its tiles (c2sp.org/tlog-tiles under `/api/v2/`), sans-IO.
//!
//! Rekor v2 serves no entry and no proof on request: a reader fetches the entry bundle and
//! the Merkle tiles and computes the proof itself with [`crate::tiles`]. None of what the tile
//! server sends is trusted on its own; it counts only once it reaches a checkpoint the log
//! signed:
//!
//! 1. every answer has status 200 and the exact size its resource implies (a tile is 32 bytes
//!    per hash, a bundle holds its width of entries);
//! 2. the tiles agree with each other (each full tile hashes to its entry in the tile above),
//!    and the root they give equals the signed checkpoint's root;
//! 3. the entry from the bundle hashes to the leaf hash the tiles hold at its index;
//! 4. the entry, with the proof computed from the tiles and the signed note, passes
//!    `sigchain-core`'s transparency-log step ([`Verifier::verify_log_entry`] against a
//!    proposal, or [`Verifier::verify_log_entry_evidence`]), the check that decides trust;
//! 5. a consistency proof computed from the tiles of the newer tree connects the two signed
//!    checkpoints ([`sigchain_core::tlog::verify_consistency`]).
//!
//! A read is a small state machine: [`EntryRead::next_request`] names the next resource to
//! fetch, [`EntryRead::on_response`] takes its answer, and [`RekorV2::check_entry_read`]
//! (or [`RekorV2::check_proposed_entry_read`]) ends it. A partial tile or bundle may be gone
//! once the log has grown past it (tlog-tiles, "Partial Tiles"); on a 404 the read asks for
//! the full one instead, whose first hashes are the partial one's.
//!
//! ```no_run
//! # // Your HTTP stack goes here.
//! # fn fetch(_: &sigchain_rekor::http::HttpRequest) -> sigchain_rekor::http::HttpResponse {
//! #     sigchain_rekor::http::HttpResponse::new(404, Vec::new())
//! # }
//! # fn demo(rekor: &sigchain_rekor::v2::RekorV2) -> Result<(), sigchain_rekor::v2::TileReadError> {
//! use sigchain_rekor::sigchain_core::time::Timestamp;
//! let head = rekor.check_checkpoint(&fetch(&rekor.checkpoint()))?;
//! let mut read = rekor.read_entry(head.tree_size() - 1, &head)?;
//! while let Some(request) = read.next_request() {
//!     read.on_response(&fetch(&request))?;
//! }
//! let entry = rekor.check_entry_read(read, Timestamp::now())?;
//! println!("entry {} is in the tree of size {}", entry.verified().log_index(), head.tree_size());
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;

use sigchain_core::bundle::{Checkpoint, InclusionProof, KindVersion, TlogEntry};
use sigchain_core::encoding::hex_encode;
use sigchain_core::time::Timestamp;
use sigchain_core::tlog::{hash_leaf, verify_consistency, VerifiedCheckpoint};
#[cfg(doc)]
use sigchain_core::verify::Verifier;

use super::{RekorV2, TreeHead};
use crate::check::{expect_status, verify_answered_entry, Binding};
use crate::entry::LoggedEntry;
use crate::error::RekorError;
use crate::http::{HttpRequest, HttpResponse, Idempotency, Method};
use crate::proposal::Proposal;
use crate::tiles::{
    consistency_from_tiles, inclusion_from_tiles, parse_entry_bundle, required_tiles,
    required_tiles_for_consistency, EntryBundleId, TileError, TileId, TileSet, FULL_WIDTH,
    MAX_BUNDLE_ENTRY_BYTES,
};

/// Where the tlog-tiles resources of a Rekor v2 log live, under its base URL.
const TILES_PREFIX: &str = "/api/v2/";

/// Why an entry or a proof read through tiles was refused. Every variant means the caller got
/// no entry or proof from this read.
#[derive(Debug, thiserror::Error)]
pub enum TileReadError {
    /// An answer was refused as any log answer is (status, size), or the entry's evidence
    /// does not verify, or a consistency proof does not connect the two checkpoints.
    #[error(transparent)]
    Rekor(#[from] RekorError),
    /// A tile or bundle is malformed, the tiles disagree with each other, or the read asked
    /// for something the tree does not have.
    #[error("tiles: {0}")]
    Tiles(#[from] TileError),
    /// The tiles give another root than the signed checkpoint: they are not that tree's.
    #[error(
        "the tiles give root {tiles_root} for size {tree_size}, the signed checkpoint says {checkpoint_root}"
    )]
    TilesDisagreeWithCheckpoint {
        /// The tree size.
        tree_size: u64,
        /// Hex root the tiles give.
        tiles_root: String,
        /// Hex root the checkpoint signs.
        checkpoint_root: String,
    },
    /// The bundle's entry does not hash to the leaf hash the tiles hold at its index.
    #[error("entry {index} hashes to {entry_leaf}, the tiles hold {tile_leaf}")]
    EntryDisagreesWithTiles {
        /// The entry's index.
        index: u64,
        /// Hex leaf hash of the bundle's entry.
        entry_leaf: String,
        /// Hex leaf hash in the level-0 tile.
        tile_leaf: String,
    },
    /// Two checkpoints of different logs (origin or signing name differ).
    #[error("checkpoints of different logs: {old_origin:?} and {new_origin:?}")]
    DifferentLogs {
        /// The older checkpoint's origin.
        old_origin: String,
        /// The newer checkpoint's origin.
        new_origin: String,
    },
    /// The read was ended before every resource it needs was answered.
    #[error("{resource} was not fetched")]
    Unanswered {
        /// The path of the first resource not answered.
        resource: String,
    },
    /// An answer was given while no request was pending.
    #[error("an answer arrived but no request is pending")]
    NoRequestPending,
}

/// A resource of the tile API a read needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    Tile(TileId),
    Bundle(EntryBundleId),
}

impl Resource {
    fn path(&self) -> String {
        match self {
            Resource::Tile(id) => id.path(),
            Resource::Bundle(id) => id.path(),
        }
    }

    /// The full resource a partial one is the prefix of.
    fn full(&self) -> Option<Resource> {
        match self {
            Resource::Tile(id) if !id.is_full() => TileId::full(id.level(), id.index())
                .ok()
                .map(Resource::Tile),
            Resource::Bundle(id) if !id.is_full() => {
                EntryBundleId::full(id.index()).ok().map(Resource::Bundle)
            }
            _ => None,
        }
    }
}

/// The fetching both reads share: the resources still to fetch, and what came back.
#[derive(Debug, Clone)]
struct Fetch {
    pending: VecDeque<Resource>,
    tiles: TileSet,
    bundle: Option<(EntryBundleId, Vec<u8>)>,
    max_entry_bytes: usize,
}

impl Fetch {
    fn new(resources: impl IntoIterator<Item = Resource>, max_entry_bytes: usize) -> Fetch {
        Fetch {
            pending: resources.into_iter().collect(),
            tiles: TileSet::new(),
            bundle: None,
            max_entry_bytes: max_entry_bytes.min(MAX_BUNDLE_ENTRY_BYTES),
        }
    }

    fn max_response_bytes(&self, resource: Resource) -> usize {
        match resource {
            Resource::Tile(id) => id.byte_len(),
            // Each entry is a 2-byte length and at most `max_entry_bytes` bytes.
            Resource::Bundle(id) => usize::from(id.width()) * (2 + self.max_entry_bytes),
        }
    }

    fn next_request(&self) -> Option<HttpRequest> {
        let resource = *self.pending.front()?;
        Some(HttpRequest {
            method: Method::Get,
            path_and_query: format!("{TILES_PREFIX}{}", resource.path()),
            headers: Vec::new(),
            body: None,
            idempotency: Idempotency::Safe,
            max_response_bytes: self.max_response_bytes(resource),
        })
    }

    fn on_response(&mut self, response: &HttpResponse) -> Result<(), TileReadError> {
        let resource = *self
            .pending
            .front()
            .ok_or(TileReadError::NoRequestPending)?;
        if response.status == 404 {
            if let (Some(full), Some(front)) = (resource.full(), self.pending.front_mut()) {
                *front = full;
                return Ok(());
            }
        }
        expect_status(response, 200, self.max_response_bytes(resource))?;
        match resource {
            Resource::Tile(id) => self.tiles.insert(id, &response.body)?,
            Resource::Bundle(id) => {
                // Parsed now so that a bad bundle is refused where it arrived.
                let entries = parse_entry_bundle(id, &response.body)?;
                if let Some(len) = entries
                    .iter()
                    .map(|e| e.len())
                    .find(|&len| len > self.max_entry_bytes)
                {
                    return Err(RekorError::TooLarge {
                        len,
                        max: self.max_entry_bytes,
                    }
                    .into());
                }
                self.bundle = Some((id, response.body.clone()));
            }
        }
        self.pending.pop_front();
        Ok(())
    }

    fn all_answered(&self) -> Result<(), TileReadError> {
        match self.pending.front() {
            Some(resource) => Err(TileReadError::Unanswered {
                resource: resource.path(),
            }),
            None => Ok(()),
        }
    }
}

/// Reading entry `index` through tiles at one signed tree head. Made by
/// [`RekorV2::read_entry`], ended by [`RekorV2::check_entry_read`] or
/// [`RekorV2::check_proposed_entry_read`].
#[derive(Debug, Clone)]
pub struct EntryRead {
    index: u64,
    head: TreeHead,
    fetch: Fetch,
}

impl EntryRead {
    /// The entry's index.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The tree head the entry is proven against.
    pub fn tree_head(&self) -> &TreeHead {
        &self.head
    }

    /// The next resource to fetch (`GET /api/v2/tile/...`), or `None` when every one was
    /// answered and the read can be checked.
    pub fn next_request(&self) -> Option<HttpRequest> {
        self.fetch.next_request()
    }

    /// The answer to the request [`EntryRead::next_request`] named last.
    pub fn on_response(&mut self, response: &HttpResponse) -> Result<(), TileReadError> {
        self.fetch.on_response(response)
    }
}

/// Computing the consistency proof between two signed checkpoints from the tiles of the newer
/// tree. Made by [`RekorV2::read_consistency`], ended by [`RekorV2::check_consistency_read`].
#[derive(Debug, Clone)]
pub struct ConsistencyRead {
    old: VerifiedCheckpoint,
    new: VerifiedCheckpoint,
    fetch: Fetch,
}

impl ConsistencyRead {
    /// The next tile to fetch, or `None` when every one was answered.
    pub fn next_request(&self) -> Option<HttpRequest> {
        self.fetch.next_request()
    }

    /// The answer to the request [`ConsistencyRead::next_request`] named last.
    pub fn on_response(&mut self, response: &HttpResponse) -> Result<(), TileReadError> {
        self.fetch.on_response(response)
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BodyHeader {
    kind: String,
    api_version: String,
}

impl RekorV2 {
    /// Start reading entry `index` of the tree `head` signs: the entry bundle holding it, then
    /// the tiles its inclusion proof and the tree's root need. [`TileError::IndexOutOfRange`]
    /// when the tree does not have the entry yet (fetch a newer checkpoint).
    pub fn read_entry(&self, index: u64, head: &TreeHead) -> Result<EntryRead, TileReadError> {
        let size = head.tree_size();
        let tiles = required_tiles(index, size)?;
        let bundle = EntryBundleId::in_tree(index / u64::from(FULL_WIDTH), size)?;
        let resources =
            std::iter::once(Resource::Bundle(bundle)).chain(tiles.into_iter().map(Resource::Tile));
        Ok(EntryRead {
            index,
            head: head.clone(),
            fetch: Fetch::new(resources, self.limits().max_bundle_bytes),
        })
    }

    /// End `read`: the entry with an inclusion proof computed from the tiles to the signed
    /// tree head, verified with [`Verifier::verify_log_entry_evidence`]. Its body is not bound
    /// to any content: use [`RekorV2::check_proposed_entry_read`] for that.
    pub fn check_entry_read(
        &self,
        read: EntryRead,
        now: Timestamp,
    ) -> Result<LoggedEntry, TileReadError> {
        self.entry_from_read(read, None, now)
    }

    /// End `read` for an entry that must record exactly `proposal` (e.g. the one a `409`
    /// named): as [`RekorV2::check_entry_read`], verified with [`Verifier::verify_log_entry`],
    /// and the body byte-equal to the one the proposal implies.
    pub fn check_proposed_entry_read(
        &self,
        read: EntryRead,
        proposal: &Proposal,
        now: Timestamp,
    ) -> Result<LoggedEntry, TileReadError> {
        self.entry_from_read(read, Some(proposal), now)
    }

    fn entry_from_read(
        &self,
        read: EntryRead,
        proposal: Option<&Proposal>,
        now: Timestamp,
    ) -> Result<LoggedEntry, TileReadError> {
        let EntryRead { index, head, fetch } = read;
        fetch.all_answered()?;
        let size = head.tree_size();
        let inclusion = inclusion_from_tiles(index, size, &fetch.tiles)?;
        agree_with_checkpoint(size, &inclusion.root, head.checkpoint())?;
        let body = bundle_entry(&fetch, index)?;
        let entry_leaf = hash_leaf(body);
        if entry_leaf != inclusion.leaf_hash {
            return Err(TileReadError::EntryDisagreesWithTiles {
                index,
                entry_leaf: hex_encode(&entry_leaf),
                tile_leaf: hex_encode(&inclusion.leaf_hash),
            });
        }
        let header: BodyHeader = serde_json::from_slice(body).map_err(RekorError::Json)?;
        let entry = TlogEntry {
            log_index: index,
            log_id: self.log_id.clone(),
            kind_version: KindVersion {
                kind: header.kind,
                version: header.api_version,
            },
            // Rekor v2 signs no entry time and makes no promise: the proof is the evidence.
            integrated_time: None,
            inclusion_promise: None,
            inclusion_proof: Some(InclusionProof {
                log_index: index,
                root_hash: head.checkpoint().root_hash().as_bytes().to_vec(),
                tree_size: size,
                hashes: inclusion.proof.iter().map(|h| h.to_vec()).collect(),
                checkpoint: Some(Checkpoint {
                    envelope: head.note().to_owned(),
                }),
            }),
            canonicalized_body: body.to_vec(),
        };
        let expected;
        let binding = match proposal {
            Some(proposal) => {
                expected = proposal
                    .v2_canonical_body(self.dsse_kind)
                    .map_err(RekorError::from)?;
                Binding::Exactly(proposal, &expected)
            }
            None => Binding::Unbound,
        };
        let verified = verify_answered_entry(
            &self.verifier,
            &entry,
            binding,
            self.witnesses.as_ref(),
            now,
        )?;
        Ok(LoggedEntry {
            uuid: None,
            entry,
            verified,
        })
    }

    /// Start computing the consistency proof from `old` to `new`, two checkpoints of this log
    /// verified earlier: the tiles of the tree of `new`'s size that hold the proof and both
    /// roots. Equal sizes need no tile.
    pub fn read_consistency(
        &self,
        old: &VerifiedCheckpoint,
        new: &VerifiedCheckpoint,
    ) -> Result<ConsistencyRead, TileReadError> {
        if old.origin() != new.origin() || old.key_name() != new.key_name() {
            return Err(TileReadError::DifferentLogs {
                old_origin: old.origin().to_owned(),
                new_origin: new.origin().to_owned(),
            });
        }
        let tiles = if old.tree_size() == new.tree_size() {
            Vec::new()
        } else {
            required_tiles_for_consistency(old.tree_size(), new.tree_size())?
        };
        Ok(ConsistencyRead {
            old: old.clone(),
            new: new.clone(),
            fetch: Fetch::new(
                tiles.into_iter().map(Resource::Tile),
                self.limits().max_bundle_bytes,
            ),
        })
    }

    /// End `read`: the consistency proof, computed from tiles whose root is the newer
    /// checkpoint's and checked with [`sigchain_core::tlog::verify_consistency`] against
    /// both signed roots. [`RekorError::Consistency`] means the log signed two trees where
    /// the older is not a prefix of the newer.
    pub fn check_consistency_read(
        &self,
        read: ConsistencyRead,
    ) -> Result<Vec<[u8; 32]>, TileReadError> {
        let ConsistencyRead { old, new, fetch } = read;
        fetch.all_answered()?;
        let proof = if old.tree_size() == new.tree_size() {
            Vec::new()
        } else {
            let computed = consistency_from_tiles(old.tree_size(), new.tree_size(), &fetch.tiles)?;
            agree_with_checkpoint(new.tree_size(), &computed.new_root, &new)?;
            computed.proof
        };
        verify_consistency(
            old.tree_size(),
            new.tree_size(),
            &old.root_hash().0,
            &new.root_hash().0,
            &proof,
        )
        .map_err(RekorError::Consistency)?;
        Ok(proof)
    }
}

/// The tiles' root equals the signed one: otherwise they are not the signed tree's tiles.
fn agree_with_checkpoint(
    tree_size: u64,
    tiles_root: &[u8; 32],
    checkpoint: &VerifiedCheckpoint,
) -> Result<(), TileReadError> {
    if tiles_root != checkpoint.root_hash().as_bytes() {
        return Err(TileReadError::TilesDisagreeWithCheckpoint {
            tree_size,
            tiles_root: hex_encode(tiles_root),
            checkpoint_root: checkpoint.root_hash().to_hex(),
        });
    }
    Ok(())
}

/// Entry `index` of the fetched bundle (partial or, after a fallback, full).
fn bundle_entry(fetch: &Fetch, index: u64) -> Result<&[u8], TileReadError> {
    let (id, bytes) = fetch
        .bundle
        .as_ref()
        .ok_or_else(|| TileReadError::Unanswered {
            resource: "the entry bundle".to_owned(),
        })?;
    let entries = parse_entry_bundle(*id, bytes)?;
    let offset = usize::try_from(index % u64::from(FULL_WIDTH)).unwrap_or(usize::MAX);
    entries.get(offset).copied().ok_or_else(|| {
        TileReadError::from(TileError::IndexOutOfRange {
            index,
            size: id.leaf_range().map_or(0, |r| r.end),
        })
    })
}

#[cfg(test)]
mod tests;
