//! Why an answer from a log was refused.

use sigchain_core::bundle::BundleError;
use sigchain_core::tlog::{CheckpointError, MerkleError, WitnessError};
use sigchain_core::verify::TlogError;

use crate::proposal::ProposalError;

/// Why a log's answer was refused. Every variant means the caller got no entry, proof or tree
/// head from this answer.
#[derive(Debug, thiserror::Error)]
pub enum RekorError {
    /// The log answered with a status the request does not expect.
    #[error("log answered {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The log's error message, if it gave one.
        message: String,
    },
    /// The entry already exists (Rekor v1 409, Rekor v2 `AlreadyExists`): look it up.
    #[error("entry already in the log{}", .location.as_deref().map(|l| format!(" at {l}")).unwrap_or_default())]
    AlreadyExists {
        /// Where Rekor v1 says the entry is.
        location: Option<String>,
        /// The index Rekor v2 names.
        log_index: Option<u64>,
    },
    /// The answer is larger than the request allowed.
    #[error("answer is {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Bytes received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The answer is not JSON of the expected shape.
    #[error("answer JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field is missing, negative or not validly encoded.
    #[error("answer field {0} is malformed")]
    Malformed(&'static str),
    /// An entry map holds another number of entries than one.
    #[error("answer holds {0} entries, expected one")]
    EntryCount(usize),
    /// The entry's UUID does not end in the leaf hash of its body.
    #[error("entry UUID {uuid} does not name the leaf hash {leaf_hash} of its body")]
    UuidMismatch {
        /// The UUID the log gave.
        uuid: String,
        /// Hex leaf hash of the body.
        leaf_hash: String,
    },
    /// The log answered with another entry than the one asked for.
    #[error("asked for entry {asked}, got {got}")]
    WrongEntry {
        /// What was asked (UUID or index).
        asked: String,
        /// What came back.
        got: String,
    },
    /// The entry was logged by another log than the one written to.
    #[error("entry logged by {got}, the request went to {expected}")]
    WrongLog {
        /// Hex log id of the log written to.
        expected: String,
        /// Hex log id in the entry.
        got: String,
    },
    /// The entry is not of a shape a bundle may carry.
    #[error("entry: {0}")]
    Entry(#[from] BundleError),
    /// Rekor v1 always signs a promise for a new entry; this answer has none.
    #[error("the log gave no signed entry timestamp")]
    MissingPromise,
    /// The entry's evidence does not verify, or its body records other content.
    #[error("entry does not verify: {0}")]
    Verify(#[from] TlogError),
    /// The log's checkpoint does not verify.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The unsigned tree size or root next to a checkpoint differs from the signed one.
    #[error("{field} is {unsigned}, the signed checkpoint says {signed}")]
    DisagreesWithCheckpoint {
        /// Which field.
        field: &'static str,
        /// The unsigned value.
        unsigned: String,
        /// The signed value.
        signed: String,
    },
    /// A consistency proof does not connect the two tree heads.
    #[error("consistency proof: {0}")]
    Consistency(#[source] MerkleError),
    /// The checkpoint lacks the witness cosignatures the caller requires.
    #[error("witnesses: {0}")]
    Witness(#[from] WitnessError),
    /// The request cannot be made from this proposal.
    #[error("proposal: {0}")]
    Proposal(#[from] ProposalError),
}

/// The log's own message from an error body, or the body's start as text.
pub(crate) fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        message: Option<String>,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(Body {
            message: Some(message),
        }) => truncate(&message),
        _ => truncate(&String::from_utf8_lossy(body)),
    }
}

fn truncate(text: &str) -> String {
    const MAX: usize = 512;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
