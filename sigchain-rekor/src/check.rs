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
