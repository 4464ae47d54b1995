//! Saving and loading a [`LogMonitor`]: versioned JSON, re-checked on load (see the parent
//! module's docs for what a state file is trusted for).

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sigchain_core::encoding::{hex_decode, hex_encode};
use sigchain_core::tlog::{parse_checkpoint, CheckpointError};

use super::{Known, LogMonitor, MonitorLimits, SignedTreeHead};

/// The [`MonitorState`] format this version writes and reads.
pub const STATE_VERSION: u32 = 1;

/// Why a saved state was refused.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Larger than [`MonitorLimits::max_state_bytes`].
    #[error("state is {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Bytes supplied.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON of the [`MonitorState`] shape.
    #[error("state JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A `version` this code does not read.
    #[error("state version {found}, this code reads {supported}")]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
        /// [`STATE_VERSION`].
        supported: u32,
    },
    /// More logs than [`MonitorLimits::max_logs`].
    #[error("state has {count} logs, the limit is {max}")]
    TooManyLogs {
        /// Logs in the file.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A stored note does not parse as a checkpoint.
    #[error("stored checkpoint for {origin:?}: {error}")]
    BadCheckpoint {
        /// The origin it is stored under.
        origin: String,
        /// The parse error.
        error: CheckpointError,
    },
    /// A record's field disagrees with its own note, or is not in its encoding.
    #[error("record for {origin:?}: {field} does not match its checkpoint or is malformed")]
    RecordMismatch {
        /// The origin it is stored under.
        origin: String,
        /// `origin`, `treeSize`, `rootHash` or `logId`.
        field: &'static str,
    },
}

/// The saved form of a [`LogMonitor`]: versioned JSON, one record per log origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorState {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// Records by origin.
    pub logs: BTreeMap<String, LogRecord>,
}

/// The newest verified checkpoint of one log. `tree_size` and `root_hash` repeat what the
/// note says, for people reading the file; loading checks that they agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogRecord {
    /// Hex log id (SHA-256 of the log's key) of the log that signed the note.
    pub log_id: String,
    /// Leaves in the tree.
    pub tree_size: u64,
    /// Base64 Merkle root, as in the note.
    pub root_hash: String,
    /// The whole signed checkpoint note.
    pub checkpoint: String,
}

impl MonitorState {
    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // A map of strings and integers always serializes.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parse state JSON, bounded by `limits` (its records are checked by
    /// [`LogMonitor::from_state`]).
    pub fn from_json(json: &[u8], limits: &MonitorLimits) -> Result<MonitorState, StateError> {
        if json.len() > limits.max_state_bytes {
            return Err(StateError::TooLarge {
                len: json.len(),
                max: limits.max_state_bytes,
            });
        }
        Ok(serde_json::from_slice(json)?)
    }
}

impl LogMonitor {
    /// A monitor resuming from saved state. Each record must agree with its own note; the
    /// notes' signatures are checked when each log is next observed (module docs).
    pub fn from_state(state: MonitorState, limits: MonitorLimits) -> Result<Self, StateError> {
        if state.version != STATE_VERSION {
            return Err(StateError::UnsupportedVersion {
                found: state.version,
                supported: STATE_VERSION,
            });
        }
        if state.logs.len() > limits.max_logs {
            return Err(StateError::TooManyLogs {
                count: state.logs.len(),
                max: limits.max_logs,
            });
        }
        let mut monitor = LogMonitor::new(limits);
        for (origin, record) in state.logs {
            let mismatch = |field| StateError::RecordMismatch {
                origin: origin.clone(),
                field,
            };
            let parsed =
                parse_checkpoint(&record.checkpoint, &limits.checkpoint).map_err(|error| {
                    StateError::BadCheckpoint {
                        origin: origin.clone(),
                        error,
                    }
                })?;
            if parsed.origin != origin {
                return Err(mismatch("origin"));
            }
            if parsed.tree_size != record.tree_size {
                return Err(mismatch("treeSize"));
            }
            if STANDARD.decode(&record.root_hash).ok().as_deref() != Some(&parsed.root_hash.0[..]) {
                return Err(mismatch("rootHash"));
            }
            let log_id = hex_decode(&record.log_id)
                .filter(|id| !id.is_empty())
                .ok_or_else(|| mismatch("logId"))?;
            let head = SignedTreeHead {
                tree_size: parsed.tree_size,
                root_hash: parsed.root_hash,
                note: record.checkpoint,
            };
            monitor.logs.insert(
                origin,
                Known {
                    log_id,
                    head,
                    signature_checked: false,
                },
            );
        }
        Ok(monitor)
    }

    /// The state to save.
    pub fn state(&self) -> MonitorState {
        let logs = self
            .logs
            .iter()
            .map(|(origin, known)| {
                let record = LogRecord {
                    log_id: hex_encode(&known.log_id),
                    tree_size: known.head.tree_size,
                    root_hash: STANDARD.encode(known.head.root_hash.0),
                    checkpoint: known.head.note.clone(),
                };
                (origin.clone(), record)
            })
            .collect();
        MonitorState {
            version: STATE_VERSION,
            logs,
        }
    }
}
