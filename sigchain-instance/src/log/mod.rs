//! The transparency log of the local instance.

pub mod http;
pub mod index;
pub mod service;
pub mod signer;
pub mod storage;
pub mod submission;
