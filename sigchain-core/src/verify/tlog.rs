//! Step: each transparency-log entry proves the bundle's content was logged.
//!
//! Per entry, in order: the log is one the trusted root names; the entry's body records exactly
//! the bundle's signature, digest or envelope, and signer (CVE-2022-36056 class); the inclusion
//! promise (SET) verifies, which makes the integrated time a trusted time; the inclusion proof
//! reaches a checkpoint the log signed, and the proof's unsigned tree size and root equal the
//! checkpoint's signed ones; an integrated time is not in the future.
//!
//! The proof is required unless [`VerifierConfig::require_inclusion_proof`] is turned off for
//! legacy v0.1 bundles: a promise alone is only the log's word, and a newer bundle stripped of
//! its proof and relabelled v0.1 would otherwise pass on it.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::bundle::TlogEntry;
use crate::crypto::Sha256Digest;
use crate::time::Timestamp;
use crate::tlog::{
    check_body_matches, hash_leaf, verify_checkpoint, verify_inclusion_promise, BodyError,
    CheckpointError, MerkleError, SetError, SignedContent, SignerMaterial, VerifiedCheckpoint,
};
use crate::trust_root::{LogId, TransparencyLog, TrustedRoot, ValidityPeriod};

use super::config::VerifierConfig;

/// Why a transparency-log entry failed to verify.
#[derive(Debug, thiserror::Error)]
pub enum TlogError {
    /// The entry names a log the trusted root does not contain.
    #[error("log {} is not in the trusted root", crate::encoding::hex_encode(&.0 .0))]
    UnknownLog(LogId),
    /// The entry's body does not record this bundle's content and signer.
    #[error("entry body does not match the bundle: {0}")]
    Body(#[source] BodyError),
    /// The inclusion promise (SET) does not verify.
    #[error("inclusion promise: {0}")]
    InclusionPromise(#[source] SetError),
    /// An inclusion promise without the integrated time it signs.
    #[error("inclusion promise present but integrated time missing")]
    PromiseWithoutTime,
    /// The checkpoint does not verify.
    #[error("checkpoint: {0}")]
    Checkpoint(#[source] CheckpointError),
    /// The proof's unsigned tree size or root differs from the signed checkpoint's.
    #[error(
        "inclusion proof claims tree size {proof_size} root {proof_root}, the signed checkpoint says size {checkpoint_size} root {checkpoint_root}"
    )]
    ProofDisagreesWithCheckpoint {
        /// Tree size in the proof.
        proof_size: u64,
        /// Root hash in the proof (hex).
        proof_root: String,
        /// Tree size in the checkpoint.
        checkpoint_size: u64,
        /// Root hash in the checkpoint (hex).
        checkpoint_root: String,
    },
    /// The inclusion proof does not lead to the checkpoint's root.
    #[error("inclusion proof: {0}")]
    InclusionProof(#[source] MerkleError),
    /// A proof hash is not 32 bytes.
    #[error("inclusion proof hash of {0} bytes")]
    ProofHashLength(usize),
    /// The entry has no inclusion proof with a checkpoint and the verifier requires one (the
    /// default; see [`VerifierConfig::require_inclusion_proof`]).
    #[error("entry has no inclusion proof with a checkpoint, and one is required")]
    MissingInclusionProof,
    /// The entry has neither a verifiable promise nor a verifiable proof.
    #[error("entry carries no inclusion promise and no inclusion proof with a checkpoint")]
    NoEvidence,
    /// The log claims to have integrated the entry after `now`.
    #[error("integrated time {integrated} is in the future (now {now})")]
    IntegratedTimeInFuture {
        /// The entry's integrated time.
        integrated: Timestamp,
        /// The verifier's clock.
        now: Timestamp,
    },
}

/// What one verified entry contributes to the verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLogEntry {
    log_index: u64,
    log_id: LogId,
    integrated_time: Option<Timestamp>,
    inclusion_proven: bool,
    checkpoint: Option<VerifiedCheckpoint>,
    pub(crate) log_validity: ValidityPeriod,
}

impl VerifiedLogEntry {
    /// The entry's index in its log, as the entry states it. A verified inclusion promise
    /// signs it; without one (Rekor v2) nothing does, and only the inclusion proof's own index
    /// is proven: a Rekor v1 v0.2+ entry from a sharded log may carry a proof for its shard
    /// index and omit the promise, so the two are not required to agree here
    /// (`sigchain-rekor` requires it of Rekor v2 answers, which have no shards).
    pub fn log_index(&self) -> u64 {
        self.log_index
    }

    /// The log.
    pub fn log_id(&self) -> &LogId {
        &self.log_id
    }

    /// The integrated time, when the log signed it (SET); `None` for Rekor v2 entries.
    pub fn integrated_time(&self) -> Option<Timestamp> {
        self.integrated_time
    }

    /// Whether an inclusion proof to a signed checkpoint was verified.
    pub fn inclusion_proven(&self) -> bool {
        self.inclusion_proven
    }

    /// The signed checkpoint the inclusion proof reached, when one was verified: the tree
    /// head a log monitor compares with the log's later ones.
    pub fn checkpoint(&self) -> Option<&VerifiedCheckpoint> {
        self.checkpoint.as_ref()
    }
}

/// Checkpoints already verified, by log and note hash: many bundles cite the same checkpoint,
/// and its signature need not be checked twice.
#[derive(Debug, Default)]
pub(crate) struct CheckpointCache {
    seen: Mutex<HashMap<(LogId, Sha256Digest), VerifiedCheckpoint>>,
}

const CHECKPOINT_CACHE_CAPACITY: usize = 4096;

impl CheckpointCache {
    fn verify(
        &self,
        note: &str,
        log: &TransparencyLog,
        config: &VerifierConfig,
    ) -> Result<VerifiedCheckpoint, CheckpointError> {
        let key = (log.log_id.clone(), Sha256Digest::of(note.as_bytes()));
        if let Some(hit) = self.seen.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(hit);
        }
        let verified = verify_checkpoint(note, log, &config.limits)?;
        if let Ok(mut map) = self.seen.lock() {
            if map.len() >= CHECKPOINT_CACHE_CAPACITY {
                map.clear();
            }
            map.insert(key, verified.clone());
        }
        Ok(verified)
    }
}

/// Verify one entry.
pub(crate) fn verify_entry(
    entry: &TlogEntry,
    root: &TrustedRoot,
    content: &SignedContent<'_>,
    signer: &SignerMaterial<'_>,
    config: &VerifierConfig,
    checkpoints: &CheckpointCache,
    now: Timestamp,
) -> Result<VerifiedLogEntry, TlogError> {
    verify_entry_with(
        entry,
        root,
        Some((content, signer)),
        config,
        checkpoints,
        now,
    )
}

/// Verify one entry; `recorded` is what its body must record, or `None` to check only what
/// the log proves about the body, whatever it records.
pub(crate) fn verify_entry_with(
    entry: &TlogEntry,
    root: &TrustedRoot,
    recorded: Option<(&SignedContent<'_>, &SignerMaterial<'_>)>,
    config: &VerifierConfig,
    checkpoints: &CheckpointCache,
    now: Timestamp,
) -> Result<VerifiedLogEntry, TlogError> {
    let log = root
        .tlog(&entry.log_id.0)
        .ok_or_else(|| TlogError::UnknownLog(entry.log_id.clone()))?;
    if let Some((content, signer)) = recorded {
        check_body_matches(
            &entry.kind_version.kind,
            &entry.kind_version.version,
            &entry.canonicalized_body,
            content,
            signer,
            &config.limits,
        )
        .map_err(TlogError::Body)?;
    }

    let integrated_time = match &entry.inclusion_promise {
        Some(promise) => {
            let time = entry.integrated_time.ok_or(TlogError::PromiseWithoutTime)?;
            verify_inclusion_promise(
                &promise.signed_entry_timestamp,
                &entry.canonicalized_body,
                time.as_secs(),
                i64::try_from(entry.log_index).unwrap_or(i64::MAX),
                log,
            )
            .map_err(TlogError::InclusionPromise)?;
            Some(time)
        }
        None => None,
    };

    let checkpoint = match &entry.inclusion_proof {
        Some(proof) => match &proof.checkpoint {
            Some(checkpoint) => {
                let signed = checkpoints
                    .verify(&checkpoint.envelope, log, config)
                    .map_err(TlogError::Checkpoint)?;
                if signed.tree_size() != proof.tree_size
                    || signed.root_hash().as_bytes()[..] != proof.root_hash[..]
                {
                    return Err(TlogError::ProofDisagreesWithCheckpoint {
                        proof_size: proof.tree_size,
                        proof_root: crate::encoding::hex_encode(&proof.root_hash),
                        checkpoint_size: signed.tree_size(),
                        checkpoint_root: signed.root_hash().to_hex(),
                    });
                }
                let hashes = proof
                    .hashes
                    .iter()
                    .map(|h| {
                        <[u8; 32]>::try_from(&h[..])
                            .map_err(|_| TlogError::ProofHashLength(h.len()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                signed
                    .verify_inclusion(
                        proof.log_index,
                        &hash_leaf(&entry.canonicalized_body),
                        &hashes,
                    )
                    .map_err(TlogError::InclusionProof)?;
                Some(signed)
            }
            // A v0.1 proof without a checkpoint proves nothing: its root is unsigned.
            None => None,
        },
        None => None,
    };
    let inclusion_proven = checkpoint.is_some();
    // A verified SET is the log's promise, not proof; it stands in for one only when the caller
    // opted out for legacy v0.1 bundles (otherwise stripping the proof is a downgrade).
    if config.require_inclusion_proof && !inclusion_proven {
        return Err(TlogError::MissingInclusionProof);
    }
    if integrated_time.is_none() && !inclusion_proven {
        return Err(TlogError::NoEvidence);
    }
    // Checked on any integrated time, signed or not: a log from the future is broken or lying.
    if let Some(t) = entry.integrated_time {
        if t.as_secs() > now.as_secs().saturating_add(config.max_clock_skew_secs) {
            return Err(TlogError::IntegratedTimeInFuture { integrated: t, now });
        }
    }
    Ok(VerifiedLogEntry {
        log_index: entry.log_index,
        log_id: entry.log_id.clone(),
        integrated_time,
        inclusion_proven,
        checkpoint,
        log_validity: log.validity,
    })
}
