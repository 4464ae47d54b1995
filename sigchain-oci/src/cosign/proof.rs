//! Completing a tag-scheme signature's log entry with the inclusion proof cosign did not store.
//!
//! cosign's `dev.sigstore.cosign/bundle` annotation keeps the Rekor v1 entry (body, integrated
//! time, index, log id) and the log's signed entry timestamp (SET), but no inclusion proof, so
//! the bundle [`SignatureLayer::to_bundle`](super::SignatureLayer::to_bundle) makes fails a
//! verifier that requires proofs. The log still has the entry: this module says which entry to
//! ask for ([`proof_request`]) and, given the entry the log answered with, puts its inclusion
//! proof and checkpoint into the bundle ([`complete_inclusion`]), sans-IO.
//!
//! Only the proof is taken from the answer, and only when the answer is the very entry the SET
//! vouched for: the same canonicalized body bytes, integrated time, index and log id. Anything
//! else is a [`ProofError`] naming what differs, never a quiet swap of one entry for another
//! (a log answering with something other than what it promised is misbehaving). The answer is
//! not trusted otherwise: the completed bundle goes to the strict verifier, which checks the
//! proof against a checkpoint signed by the log's trusted key, as for any bundle.

use sigchain_core::bundle::{Bundle, BundleError, TlogEntry};
use sigchain_core::encoding::hex_encode;
use sigchain_core::limits::Limits;
use sigchain_core::tlog::hash_leaf;
use sigchain_core::trust_root::{LogId, TrustedRoot};

/// The entry a promise-only log entry needs its inclusion proof from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofRequest {
    /// The log, as the entry names it (a trusted-root transparency log).
    pub log_id: LogId,
    /// The log's base URL, from the trusted root (not from the signature).
    pub log_url: String,
    /// The entry's global log index, as the SET vouches for it.
    pub log_index: u64,
}

/// Why a log entry could not be completed with a fetched inclusion proof.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// Tag-scheme bundles carry one log entry; this one carries another number.
    #[error("{0} log entries, one expected")]
    EntryCount(usize),
    /// The entry already has an inclusion proof: nothing to fetch.
    #[error("the log entry already carries an inclusion proof")]
    AlreadyProven,
    /// The entry names a log the trusted root does not have, so there is nowhere to ask.
    #[error("log {log_id} is not in the trusted root")]
    UnknownLog {
        /// The log id, hex.
        log_id: String,
    },
    /// The log answered with an entry of another log.
    #[error("the log answered with an entry of log {fetched}, not {carried}")]
    LogIdDiffers {
        /// The signature's log id, hex.
        carried: String,
        /// The answer's, hex.
        fetched: String,
    },
    /// The log answered with the entry at another index.
    #[error("the log answered with entry {fetched}, not {carried}")]
    IndexDiffers {
        /// The signature's index.
        carried: u64,
        /// The answer's.
        fetched: u64,
    },
    /// The log's entry was integrated at another time than the SET says.
    #[error("the log's entry was integrated at {fetched:?}, the signature's at {carried:?}")]
    IntegratedTimeDiffers {
        /// The signature's integrated time (seconds).
        carried: Option<i64>,
        /// The answer's.
        fetched: Option<i64>,
    },
    /// The log's entry records something else than the signature's entry.
    #[error("the log's entry body (leaf {fetched}) is not the signature's (leaf {carried})")]
    BodyDiffers {
        /// The RFC 6962 leaf hash of the signature's body, hex.
        carried: String,
        /// Of the answer's.
        fetched: String,
    },
    /// The answer carries no inclusion proof.
    #[error("the log answered without an inclusion proof")]
    NoProofInAnswer,
    /// The completed bundle is not well-formed.
    #[error("completed bundle: {0}")]
    Bundle(#[source] BundleError),
}

impl ProofError {
    /// Whether the log answered with something other than the entry the signature's SET
    /// vouches for (evidence against the log, never a reason to fall back to the promise).
    pub fn is_disagreement(&self) -> bool {
        matches!(
            self,
            ProofError::LogIdDiffers { .. }
                | ProofError::IndexDiffers { .. }
                | ProofError::IntegratedTimeDiffers { .. }
                | ProofError::BodyDiffers { .. }
                | ProofError::NoProofInAnswer
        )
    }
}

fn only_entry(bundle: &Bundle) -> Result<&TlogEntry, ProofError> {
    match bundle.tlog_entries() {
        [entry] => Ok(entry),
        entries => Err(ProofError::EntryCount(entries.len())),
    }
}

/// What `bundle` (made from a tag-scheme layer) lacks: `Ok(None)` when its entry already has
/// an inclusion proof, else the entry to fetch and the URL of its log, looked up by log id in
/// `root` (a signature cannot point the verifier at a server of its choosing).
pub fn proof_request(
    bundle: &Bundle,
    root: &TrustedRoot,
) -> Result<Option<ProofRequest>, ProofError> {
    let entry = only_entry(bundle)?;
    if entry.inclusion_proof.is_some() {
        return Ok(None);
    }
    let log = root
        .tlog(&entry.log_id.0)
        .ok_or_else(|| ProofError::UnknownLog {
            log_id: hex_encode(&entry.log_id.0),
        })?;
    Ok(Some(ProofRequest {
        log_id: entry.log_id.clone(),
        log_url: log.base_url.clone(),
        log_index: entry.log_index,
    }))
}

/// `bundle` with its one log entry completed by the inclusion proof (and its checkpoint) of
/// `fetched`, the entry the log answered with, when `fetched` is exactly the entry `bundle`
/// carries: same log id, index, integrated time and canonicalized body bytes. Everything else
/// of the carried entry is kept, its SET included (Rekor v1 signs a new SET for every read, so
/// the answer's need not be the same bytes). Verify the result with a verifier that requires
/// inclusion proofs: nothing here checks the proof.
pub fn complete_inclusion(bundle: &Bundle, fetched: &TlogEntry) -> Result<Bundle, ProofError> {
    let carried = only_entry(bundle)?;
    if carried.inclusion_proof.is_some() {
        return Err(ProofError::AlreadyProven);
    }
    if fetched.log_id != carried.log_id {
        return Err(ProofError::LogIdDiffers {
            carried: hex_encode(&carried.log_id.0),
            fetched: hex_encode(&fetched.log_id.0),
        });
    }
    if fetched.log_index != carried.log_index {
        return Err(ProofError::IndexDiffers {
            carried: carried.log_index,
            fetched: fetched.log_index,
        });
    }
    if fetched.integrated_time != carried.integrated_time {
        return Err(ProofError::IntegratedTimeDiffers {
            carried: carried.integrated_time.map(|t| t.as_secs()),
            fetched: fetched.integrated_time.map(|t| t.as_secs()),
        });
    }
    if fetched.canonicalized_body != carried.canonicalized_body {
        return Err(ProofError::BodyDiffers {
            carried: hex_encode(&hash_leaf(&carried.canonicalized_body)),
            fetched: hex_encode(&hash_leaf(&fetched.canonicalized_body)),
        });
    }
    let proof = fetched
        .inclusion_proof
        .clone()
        .ok_or(ProofError::NoProofInAnswer)?;
    let mut completed = carried.clone();
    completed.inclusion_proof = Some(proof);
    let mut parts = bundle.clone().into_parts();
    parts.tlog_entries = vec![completed];
    Bundle::from_parts(parts, &Limits::DEFAULT).map_err(ProofError::Bundle)
}

#[cfg(test)]
mod tests;
