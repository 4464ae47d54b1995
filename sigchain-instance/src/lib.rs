//! A self-contained local Sigstore for tests, demos and air-gapped labs.
//!
//! Today: the transparency log ([`log`]), an append-only RFC 6962 Merkle tree persisted to
//! disk, served with the Rekor v1 API, the Rekor v2 write API and the C2SP tlog-tiles read
//! API. Its key and origin go into the trusted root the instance writes, so
//! `sigchain-core`'s verifier checks its entries like any other log's.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod log;
pub mod server;
pub mod trust;
