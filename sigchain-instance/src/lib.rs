//! A self-contained local Sigstore for tests, demos and air-gapped labs.
//!
//! - [`log`]: the transparency log, an append-only RFC 6962 Merkle tree persisted to disk,
//!   served with the Rekor v1 API, the Rekor v2 write API and the C2SP tlog-tiles read API;
//! - [`ca`]: a Fulcio-v2-compatible certificate authority, logging precertificates to the
//!   instance's [`ct`] log and embedding the SCTs;
//! - [`tsa`]: an RFC 3161 timestamp authority;
//! - [`oidc`]: a test OpenID Connect issuer, and a stand-in for GitHub Actions' whose job
//!   tokens the CA certifies as workflows with Fulcio's CI extensions; the only issuers the CA
//!   trusts by default;
//! - [`trust`] and [`signing_config`]: the trusted root and signing configs naming all of them,
//!   so `sigchain-core`'s verifier (or any Sigstore client) trusts and uses exactly them;
//! - [`server`]: all of it opened from one folder and served on one address.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ca;
pub mod ct;
pub mod log;
pub mod misbehavior;
pub mod oidc;
pub mod pki;
pub mod server;
pub mod signing_config;
pub mod trust;
pub mod tsa;
