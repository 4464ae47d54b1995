//! A sans-IO log monitor: remembers the newest checkpoint it verified for each log, moves on to
//! a newer one only when a consistency proof connects the two, and reports a log that shows
//! two different trees of the same size (a split view) or an older tree (a rollback).
//!
//! A log's signature on a checkpoint proves only that the log signed it. What keeps a log
//! honest is that everyone who looks sees one append-only history; the monitor checks that
//! for what *you* see, and its events are what to publish or alert on when it does not hold.
//!
//! # Flow
//!
//! 1. [`LogMonitor::observe`] a checkpoint note (from a bundle, `GET /api/v1/log`, a tile
//!    server's `checkpoint`, …). It is verified against the log's key (and witnesses, if a
//!    [`WitnessPolicy`] is given) before anything else; a checkpoint that fails changes
//!    nothing and is an error.
//! 2. The answer is an [`Observation`]: [`First`](Observation::First) (trusted on first use
//!    and stored), [`Unchanged`](Observation::Unchanged), an [`Event`](Observation::Event)
//!    ([`MonitorEvent::SplitView`], [`MonitorEvent::Rollback`], or
//!    [`MonitorEvent::Advanced`] from an empty tree), or
//!    [`NeedsConsistencyProof`](Observation::NeedsConsistencyProof) for a larger tree.
//! 3. For the last, fetch the proof the [`ConsistencyRequest`] names (Rekor v1:
//!    [`ConsistencyRequest::rekor_v1_request`]; a tiled log: compute it from tiles) and pass
//!    its hashes to [`LogMonitor::on_consistency_proof`]: [`MonitorEvent::Advanced`] (stored)
//!    or [`MonitorEvent::InconsistentProof`] (the old state is kept).
//! 4. Save [`LogMonitor::state`] (JSON, [`MonitorState::to_json`]) and load it next time with
//!    [`LogMonitor::from_state`].
//!
//! # What the state file is trusted for
//!
//! A state file is not trusted for signatures: [`LogMonitor::from_state`] checks only its
//! shape (each record agrees with its own note), and the stored note of a log is verified
//! against the log's key again the first time that log is observed after loading; one that
//! fails is [`MonitorError::StoredCheckpointInvalid`]. So an edited file cannot plant a tree
//! head the log never signed, which would make the monitor follow a fork. It can still be
//! replaced by an *older* genuine state; the monitor then checks consistency from that older
//! point only, so keep the file where others cannot write it.
//!
//! Pending proof requests live in memory only: after loading, observe the checkpoint again.
//!
//! ```
//! use sigchain_rekor::monitor::{LogMonitor, MonitorEvent, MonitorLimits, Observation};
//! # use sigchain_core::tlog::witness::{WitnessKey, WitnessPolicy};
//! # use sigchain_core::trust_root::{LogId, TransparencyLog, ValidityPeriod};
//! # use sigchain_core::crypto::{HashAlgorithm, PublicKey};
//! # let raw = sigchain_core::encoding::hex_decode(
//! #     "4644af2abd40f4895a003bca350f9d5912ab301a49c77f13e5b6d905c20a5fe6").unwrap();
//! # let der = [sigchain_core::encoding::hex_decode("302a300506032b6570032100").unwrap(), raw].concat();
//! # let log = TransparencyLog {
//! #     base_url: "https://test.sigsum.org/barreleye".into(),
//! #     log_id: LogId(sigchain_core::crypto::sha256(&der).to_vec()),
//! #     hash_algorithm: HashAlgorithm::Sha256,
//! #     key: PublicKey::from_spki_der(&der),
//! #     key_der: der,
//! #     validity: ValidityPeriod { start: None, end: None },
//! # };
//! # let witnesses: Vec<WitnessKey> = [
//! #     "sigsum-test1+e2ee26d4+BBwl+KRMY1RX4uOR0e+8p9TClRoK7wYiWogeRrmJYqxs",
//! #     "sigsum-test2+ca0a7fc5+BCjJKlo6BU0xfIb8LutqerIFTWIXEA0L5n3tW3QyPFgG",
//! # ].iter().map(|v| v.parse().unwrap()).collect();
//! # let policy = WitnessPolicy::new(witnesses, 2)?;
//! # let origin = "sigsum.org/v1/tree/4e89cc51651f0d95f3c6127c15e1a42e3ddf7046c5b17b752689c402e773bb4d";
//! # let checkpoint_930 = format!("{origin}\n930\n8kyit7I0w4BDj7635qPnSBcFrfIrjsq0fKBJsxtkK9g=\n\n\
//! # — {origin} d4YpsaPii/G46XZkuiUF7R8CNzr3CthvWnlLjd93yd/CzaN2ZHnMU5BjEtxwX1iSRy6xsaYIQ/H9Dg6jRCtt9qfxGAU=\n\
//! # — sigsum-test1 4u4m1AAAAABoQFJeXF+k0l93NMr1GcQbJeQCINVKexY3y2CKA01+54eFATE7Nsi4wOS2HHu30fEjqoVv/bgOA1ZQ6sS1m+D4d9aOAA==\n\
//! # — sigsum-test2 ygp/xQAAAABoQFJeYrJzP2AN8M8rL+bj4rXlJQSCgIcraN8/xLCECeMlyFe1qkuWgGztX8uO306xOOE3cvSNVcwN6CG7jmhmRD52Ag==\n");
//! # let checkpoint_1329 = format!("{origin}\n1329\nHJdtgUtv65KrZSmC6a5zb8u3slAjofjpIXInChHPsII=\n\n\
//! # — {origin} d4YpsXfS0FuvWT0qShrE6WjPSCqjNYVspAH2RjCBnNdM9VLo+ZoAE7b5hO+vEjMCLaYJtMnDUxxQzsHs1rOfiwuI1QQ=\n\
//! # — sigsum-test1 4u4m1AAAAABoUD+O/G4VVMoa/BhH9QObC6Cf/8R9ZMJOI75c7tD4Pgz1wMf+DSYlrT6gGVbHsFoWiO/ZQXYdqv+GvvCfqCdaJgY5Bg==\n\
//! # — sigsum-test2 ygp/xQAAAABoUD+OHqY7a3tP4m76jBsaI3g8r8r5RRnMtVIBFF5M/sFaaZEbTv3WXALVua3vkc0t8yyW2g4LTJfoi8UF64EbS5UJAQ==\n");
//! // `log`: the log's TransparencyLog entry; `policy`: 2 of its witnesses (optional).
//! let mut monitor = LogMonitor::new(MonitorLimits::DEFAULT);
//! let first = monitor.observe(&checkpoint_930, &log, Some(&policy))?;
//! assert!(matches!(first, Observation::First { tree_size: 930, .. }));
//!
//! let Observation::NeedsConsistencyProof(request) =
//!     monitor.observe(&checkpoint_1329, &log, Some(&policy))?
//! else {
//!     panic!("a larger tree needs a proof")
//! };
//! assert_eq!((request.first_size(), request.last_size()), (930, 1329));
//! // Fetch the proof for `request`; a proof that does not connect the trees is evidence.
//! let event = monitor.on_consistency_proof(&request, &[[0u8; 32]; 12])?;
//! assert!(matches!(event, MonitorEvent::InconsistentProof { .. }));
//! assert_eq!(monitor.latest(origin).map(|head| head.tree_size), Some(930));
//!
//! let saved = monitor.state().to_json();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use sigchain_core::crypto::Sha256Digest;
use sigchain_core::encoding::hex_encode;
use sigchain_core::limits::Limits;
use sigchain_core::tlog::checkpoint::MAX_CHECKPOINT_BYTES;
use sigchain_core::tlog::{
    parse_checkpoint, verify_consistency, CheckpointError, MerkleError, SignedCheckpoint,
    WitnessError, WitnessPolicy,
};
use sigchain_core::trust_root::TransparencyLog;

use crate::http::{HttpRequest, Idempotency, Method};

/// Bounds on what a monitor keeps and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorLimits {
    /// Bounds for parsing checkpoint notes.
    pub checkpoint: Limits,
    /// Most logs (origins) followed at once.
    pub max_logs: usize,
    /// Largest state JSON accepted, in bytes.
    pub max_state_bytes: usize,
}

impl MonitorLimits {
    /// Room for every Sigstore log shard and then some.
    pub const DEFAULT: MonitorLimits = MonitorLimits {
        checkpoint: Limits::DEFAULT,
        max_logs: 256,
        max_state_bytes: 16 * 1024 * 1024,
    };
}

impl Default for MonitorLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A tree head the log signed, with the note that proves it (publishable evidence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTreeHead {
    /// Leaves in the tree.
    pub tree_size: u64,
    /// The Merkle root.
    pub root_hash: Sha256Digest,
    /// The whole signed checkpoint note, signature lines included.
    pub note: String,
}

/// What observing a checkpoint found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// No earlier checkpoint of this log: this one is stored (trust on first use).
    First {
        /// The log's origin.
        origin: String,
        /// Its tree size.
        tree_size: u64,
    },
    /// The same tree head as the stored one.
    Unchanged {
        /// The log's origin.
        origin: String,
        /// Its tree size.
        tree_size: u64,
    },
    /// A larger tree: fetch this proof and call [`LogMonitor::on_consistency_proof`].
    NeedsConsistencyProof(ConsistencyRequest),
    /// Something to act on.
    Event(MonitorEvent),
}

/// A change of state, or evidence of misbehavior.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorEvent {
    /// A proof showed the new tree extends the stored one, which it now replaces.
    Advanced {
        /// The log's origin.
        origin: String,
        /// The stored tree size before.
        from_size: u64,
        /// The stored tree size now.
        to_size: u64,
    },
    /// Two trees of one size with different roots, both signed by the log: proof that the
    /// log shows different histories to different viewers. Publish both notes.
    SplitView {
        /// The log's origin.
        origin: String,
        /// The tree head already known (stored, or awaiting its consistency proof).
        known: SignedTreeHead,
        /// The conflicting tree head just observed.
        seen: SignedTreeHead,
    },
    /// An older, smaller tree than the stored one. Not proof of misbehavior by itself (a
    /// stale cache serves old checkpoints too), but nothing to move back to: state is kept.
    Rollback {
        /// The log's origin.
        origin: String,
        /// The stored tree size.
        known_size: u64,
        /// The observed, smaller size.
        seen_size: u64,
    },
    /// The proof does not connect the stored tree to the new one. Either the log forked
    /// (no valid proof exists) or the proof's source sent a wrong one; the stored state is
    /// kept, and observing the new checkpoint again makes a new request.
    InconsistentProof {
        /// The log's origin.
        origin: String,
        /// The stored tree head.
        known: SignedTreeHead,
        /// The tree head the proof was for.
        seen: SignedTreeHead,
        /// Why the proof failed.
        reason: MerkleError,
    },
}

/// A consistency proof the monitor waits for. Only [`LogMonitor::observe`] makes one, and
/// the monitor takes a proof only for its latest request for that log; the proof is then
/// checked against the tree heads the monitor stored, not against this value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyRequest {
    origin: String,
    first_size: u64,
    last_size: u64,
    ticket: u64,
}

impl ConsistencyRequest {
    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The stored (older) tree size.
    pub fn first_size(&self) -> u64 {
        self.first_size
    }

    /// The observed (newer) tree size.
    pub fn last_size(&self) -> u64 {
        self.last_size
    }

    /// Rekor v1's `GET /api/v1/log/proof` for this request. A Rekor v1 origin ending in
    /// ` - <tree id>` names its shard, which the query then selects with `treeID`, so the
    /// proof comes from the tree the checkpoints are of, active shard or not.
    ///
    /// The answer's `hashes` (hex) are the proof; its other fields are not needed.
    pub fn rekor_v1_request(&self) -> HttpRequest {
        let mut path_and_query = format!(
            "/api/v1/log/proof?firstSize={}&lastSize={}",
            self.first_size, self.last_size
        );
        if let Some((_, tree_id)) = self.origin.rsplit_once(" - ") {
            if !tree_id.is_empty() && tree_id.bytes().all(|b| b.is_ascii_digit()) {
                path_and_query.push_str("&treeID=");
                path_and_query.push_str(tree_id);
            }
        }
        HttpRequest {
            method: Method::Get,
            path_and_query,
            headers: Vec::new(),
            body: None,
            idempotency: Idempotency::Safe,
            // 64 hex hashes plus a checkpoint, with room for JSON around them.
            max_response_bytes: MAX_CHECKPOINT_BYTES + 64 * 1024,
        }
    }
}

/// Why an observation or a proof could not be used. State is unchanged in every case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    /// The checkpoint does not parse, or the log did not sign it.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint is not cosigned as the witness policy requires.
    #[error("witnesses: {0}")]
    Witness(WitnessError),
    /// Following this log would exceed [`MonitorLimits::max_logs`].
    #[error("already following {max} logs")]
    TooManyLogs {
        /// The limit.
        max: usize,
    },
    /// The stored checkpoint for this origin was verified with another log key: the caller
    /// passed the wrong log, or the log's key changed (a new log, to be followed anew).
    #[error("origin {origin:?} is stored for log {stored_log_id}, not {given_log_id}")]
    LogMismatch {
        /// The origin.
        origin: String,
        /// Hex log id stored with the origin.
        stored_log_id: String,
        /// Hex log id of the log passed in.
        given_log_id: String,
    },
    /// A checkpoint loaded from a state file does not verify against the log's key.
    #[error("stored checkpoint for {origin:?} does not verify: {error}")]
    StoredCheckpointInvalid {
        /// The origin.
        origin: String,
        /// Why it failed.
        error: CheckpointError,
    },
    /// No proof is awaited for this log.
    #[error("no consistency proof is awaited for {origin:?}")]
    NoPendingRequest {
        /// The origin named by the request.
        origin: String,
    },
    /// The request is not the one awaited for this log (a later observation replaced it,
    /// it was answered already, or another monitor made it).
    #[error("request {first_size}..{last_size} for {origin:?} is not the awaited one")]
    StaleRequest {
        /// The origin.
        origin: String,
        /// The request's first size.
        first_size: u64,
        /// The request's last size.
        last_size: u64,
    },
}

#[derive(Debug, Clone)]
struct Known {
    log_id: Vec<u8>,
    head: SignedTreeHead,
    // False for a record loaded from a file until the log's key has verified it again.
    signature_checked: bool,
}

#[derive(Debug, Clone)]
struct Pending {
    request: ConsistencyRequest,
    from_root: Sha256Digest,
    seen: SignedTreeHead,
}

/// Follows logs' checkpoints; see the module docs.
#[derive(Debug, Clone)]
pub struct LogMonitor {
    limits: MonitorLimits,
    logs: BTreeMap<String, Known>,
    pending: BTreeMap<String, Pending>,
    next_ticket: u64,
}

impl LogMonitor {
    /// A monitor with no state: the first checkpoint of each log is trusted on first use.
    pub fn new(limits: MonitorLimits) -> LogMonitor {
        LogMonitor {
            limits,
            logs: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_ticket: 1,
        }
    }

    /// The newest tree head verified for `origin`. A loaded record counts once its log has
    /// been observed (and its note verified) since loading.
    pub fn latest(&self, origin: &str) -> Option<&SignedTreeHead> {
        self.logs
            .get(origin)
            .filter(|known| known.signature_checked)
            .map(|known| &known.head)
    }

    /// The proof awaited for `origin`, if any.
    pub fn pending(&self, origin: &str) -> Option<&ConsistencyRequest> {
        self.pending.get(origin).map(|p| &p.request)
    }

    /// Verify `checkpoint_note` against `log` (and `witnesses`, when given) and compare it
    /// with what is stored for its origin.
    pub fn observe(
        &mut self,
        checkpoint_note: &str,
        log: &TransparencyLog,
        witnesses: Option<&WitnessPolicy>,
    ) -> Result<Observation, MonitorError> {
        let parsed = parse_checkpoint(checkpoint_note, &self.limits.checkpoint)?;
        let verified = match witnesses {
            Some(policy) => parsed
                .verify_witnessed(log, policy)
                .map_err(|e| match e {
                    WitnessError::Checkpoint(e) => MonitorError::Checkpoint(e),
                    e => MonitorError::Witness(e),
                })?
                .into_checkpoint(),
            None => parsed.verify(log)?,
        };
        let origin = verified.origin().to_owned();
        let seen = SignedTreeHead {
            tree_size: verified.tree_size(),
            root_hash: *verified.root_hash(),
            note: checkpoint_note.to_owned(),
        };

        let Some(known) = self.logs.get_mut(&origin) else {
            if self.logs.len() >= self.limits.max_logs {
                return Err(MonitorError::TooManyLogs {
                    max: self.limits.max_logs,
                });
            }
            let tree_size = seen.tree_size;
            self.logs.insert(
                origin.clone(),
                Known {
                    log_id: log.log_id.0.clone(),
                    head: seen,
                    signature_checked: true,
                },
            );
            return Ok(Observation::First { origin, tree_size });
        };
        check_stored(&origin, known, log, &self.limits.checkpoint)?;
        let known_head = &known.head;

        if seen.tree_size < known_head.tree_size {
            return Ok(Observation::Event(MonitorEvent::Rollback {
                origin,
                known_size: known_head.tree_size,
                seen_size: seen.tree_size,
            }));
        }
        if seen.tree_size == known_head.tree_size {
            if seen.root_hash == known_head.root_hash {
                return Ok(Observation::Unchanged {
                    origin,
                    tree_size: seen.tree_size,
                });
            }
            let known = known_head.clone();
            return Ok(Observation::Event(MonitorEvent::SplitView {
                origin,
                known,
                seen,
            }));
        }
        // Every tree extends the empty tree; RFC 9162 has no proof from size 0.
        if known_head.tree_size == 0 {
            let from_size = known_head.tree_size;
            let to_size = seen.tree_size;
            known.head = seen;
            self.pending.remove(&origin);
            return Ok(Observation::Event(MonitorEvent::Advanced {
                origin,
                from_size,
                to_size,
            }));
        }
        let (from_size, from_root) = (known_head.tree_size, known_head.root_hash);
        if let Some(pending) = self.pending.get(&origin) {
            if pending.seen.tree_size == seen.tree_size {
                if pending.seen.root_hash == seen.root_hash {
                    // The same tree head again: the same request stands.
                    return Ok(Observation::NeedsConsistencyProof(pending.request.clone()));
                }
                // Two signed heads of one size, neither yet proven consistent: a split view
                // all the same.
                let known = pending.seen.clone();
                return Ok(Observation::Event(MonitorEvent::SplitView {
                    origin,
                    known,
                    seen,
                }));
            }
        }
        let request = ConsistencyRequest {
            origin: origin.clone(),
            first_size: from_size,
            last_size: seen.tree_size,
            ticket: self.next_ticket,
        };
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.pending.insert(
            origin,
            Pending {
                request: request.clone(),
                from_root,
                seen,
            },
        );
        Ok(Observation::NeedsConsistencyProof(request))
    }

    /// Check `proof` (RFC 9162 consistency proof hashes, oldest-tree side first as logs send
    /// them) for the awaited `request`, and advance if it holds.
    ///
    /// The proof is checked against the roots the monitor stored when it made the request,
    /// never against anything the request carries.
    pub fn on_consistency_proof(
        &mut self,
        request: &ConsistencyRequest,
        proof: &[[u8; 32]],
    ) -> Result<MonitorEvent, MonitorError> {
        let origin = request.origin.clone();
        let Some(pending) = self.pending.get(&origin) else {
            return Err(MonitorError::NoPendingRequest { origin });
        };
        let stale = || MonitorError::StaleRequest {
            origin: origin.clone(),
            first_size: request.first_size,
            last_size: request.last_size,
        };
        if &pending.request != request {
            return Err(stale());
        }
        let known = self.logs.get_mut(&origin).ok_or_else(stale)?;
        if known.head.tree_size != pending.request.first_size
            || known.head.root_hash != pending.from_root
        {
            return Err(stale());
        }
        let Some(pending) = self.pending.remove(&origin) else {
            return Err(stale());
        };
        let result = verify_consistency(
            known.head.tree_size,
            pending.seen.tree_size,
            &known.head.root_hash.0,
            &pending.seen.root_hash.0,
            proof,
        );
        Ok(match result {
            Ok(()) => {
                let from_size = known.head.tree_size;
                let to_size = pending.seen.tree_size;
                known.head = pending.seen;
                MonitorEvent::Advanced {
                    origin,
                    from_size,
                    to_size,
                }
            }
            Err(reason) => MonitorEvent::InconsistentProof {
                origin,
                known: known.head.clone(),
                seen: pending.seen,
                reason,
            },
        })
    }
}

/// The stored record must be of the same log, and a loaded one must verify against its key.
fn check_stored(
    origin: &str,
    known: &mut Known,
    log: &TransparencyLog,
    limits: &Limits,
) -> Result<(), MonitorError> {
    if known.log_id != log.log_id.0 {
        return Err(MonitorError::LogMismatch {
            origin: origin.to_owned(),
            stored_log_id: hex_encode(&known.log_id),
            given_log_id: hex_encode(&log.log_id.0),
        });
    }
    if !known.signature_checked {
        let invalid = |error| MonitorError::StoredCheckpointInvalid {
            origin: origin.to_owned(),
            error,
        };
        let stored: SignedCheckpoint =
            parse_checkpoint(&known.head.note, limits).map_err(invalid)?;
        let verified = stored.verify(log).map_err(invalid)?;
        // from_state checked the record against this note; the origin is the log's own.
        if verified.origin() != origin {
            return Err(invalid(CheckpointError::OriginMismatch {
                origin: verified.origin().to_owned(),
                key_name: origin.to_owned(),
            }));
        }
        known.signature_checked = true;
    }
    Ok(())
}

#[path = "monitor_state.rs"]
mod state;
pub use state::{LogRecord, MonitorState, StateError, STATE_VERSION};

#[cfg(test)]
#[path = "monitor_tests.rs"]
mod tests;
