//! Checks every answer gets, whichever API it comes from.

use crate::error::{error_message, RekorError};
use crate::http::HttpResponse;

/// The answer is within `max` bytes and has the `status` the call expects.
pub(crate) fn expect_status(
    response: &HttpResponse,
    status: u16,
    max: usize,
) -> Result<(), RekorError> {
    if response.body.len() > max {
        return Err(RekorError::TooLarge {
            len: response.body.len(),
            max,
        });
    }
    if response.status != status {
        return Err(RekorError::Status {
            status: response.status,
            message: error_message(&response.body),
        });
    }
    Ok(())
}

/// An unsigned value beside a signed checkpoint equals the signed one.
pub(crate) fn agree(field: &'static str, unsigned: &str, signed: &str) -> Result<(), RekorError> {
    if unsigned != signed {
        return Err(RekorError::DisagreesWithCheckpoint {
            field,
            unsigned: unsigned.to_owned(),
            signed: signed.to_owned(),
        });
    }
    Ok(())
}

/// The checkpoint `note` carries the cosignatures `policy` requires (none required without a
/// policy). The log's own signature was verified by the caller.
pub(crate) fn witnessed(
    note: &str,
    policy: Option<&sigchain_core::tlog::WitnessPolicy>,
    limits: &sigchain_core::limits::Limits,
) -> Result<(), RekorError> {
    if let Some(policy) = policy {
        sigchain_core::tlog::parse_checkpoint(note, limits)?.verify_cosignatures(policy)?;
    }
    Ok(())
}

/// How an answered entry must bind to what was submitted.
pub(crate) enum Binding<'a> {
    /// The body records the proposal, field by field (the core's body check).
    Recorded(&'a crate::proposal::Proposal),
    /// As `Recorded`, and the body is byte for byte `canonical` (Rekor v2 writes exactly the
    /// canonical body of the request).
    Exactly(&'a crate::proposal::Proposal, &'a [u8]),
    /// Nothing submitted: only what the log proves about the body.
    Unbound,
}

/// Verify an entry a log answered with, with the core's transparency-log step, and hold it to
/// what every answer must prove whatever the verifier's configuration: an inclusion proof to
/// a signed checkpoint, cosigned as `witnesses` require.
pub(crate) fn verify_answered_entry(
    verifier: &sigchain_core::verify::Verifier,
    entry: &sigchain_core::bundle::TlogEntry,
    binding: Binding<'_>,
    witnesses: Option<&sigchain_core::tlog::WitnessPolicy>,
    now: sigchain_core::time::Timestamp,
) -> Result<sigchain_core::verify::VerifiedLogEntry, RekorError> {
    use sigchain_core::verify::TlogError;
    let verified = match binding {
        Binding::Recorded(proposal) | Binding::Exactly(proposal, _) => {
            proposal.with_recorded(|content, signer| {
                verifier.verify_log_entry(entry, content, signer, now)
            })?
        }
        Binding::Unbound => verifier.verify_log_entry_evidence(entry, now)?,
    };
    if !verified.inclusion_proven() {
        return Err(RekorError::Verify(TlogError::MissingInclusionProof));
    }
    // Without a signed entry timestamp nothing signs the entry's own index (Rekor v2 has none,
    // and no shards): it must be the index the proof proved, or a caller would be told of an
    // entry at an index the log never vouched for.
    if let (None, Some(proof)) = (&entry.inclusion_promise, &entry.inclusion_proof) {
        if entry.log_index != proof.log_index {
            return Err(RekorError::WrongEntry {
                asked: format!("the proven index {}", proof.log_index),
                got: format!("an entry claiming index {}", entry.log_index),
            });
        }
    }
    if let Some(checkpoint) = entry
        .inclusion_proof
        .as_ref()
        .and_then(|p| p.checkpoint.as_ref())
    {
        witnessed(&checkpoint.envelope, witnesses, &verifier.config().limits)?;
    }
    if let Binding::Exactly(_, canonical) = binding {
        if entry.canonicalized_body != canonical {
            return Err(RekorError::Malformed(
                "canonicalizedBody (not the canonical body of the request)",
            ));
        }
    }
    Ok(verified)
}
