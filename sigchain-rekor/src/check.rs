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
