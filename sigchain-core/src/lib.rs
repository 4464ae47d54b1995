//! Sans-IO Sigstore verification.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bundle;
pub mod crypto;
pub mod dsse;
pub mod encoding;
pub mod identity;
pub mod intoto;
pub mod limits;
pub mod sct;
pub mod time;
pub mod timestamp;
pub mod tlog;
pub mod trust_root;
pub mod verify;
pub mod x509;
