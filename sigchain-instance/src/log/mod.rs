//! The transparency log of the local instance.

pub mod signer;
pub mod storage;
pub mod submission;
