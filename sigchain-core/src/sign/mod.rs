//! Sans-IO signing: everything a Sigstore signer decides, none of what it sends.
//!
//! Bytes, a trusted root and the time go in; requests to send and, at the end, a verified
//! bundle come out. The network (Fulcio, a TSA, Rekor) is the caller's, driven by the
//! [`machine::Signing`] state machine.
//!
//! - [`key`]: the signing key (ephemeral P-256, or a managed key from PEM);
//! - [`csr`]: a PKCS#10 certificate request and Fulcio's proof of possession;
//! - [`config`]: protobuf-specs `SigningConfig` v0.2 and choosing services from it;
//! - [`timestamp`]: the RFC 3161 request for a signature and the check of the TSA's reply;
//! - [`certificate`]: the check of the chain a CA issued for our key;
//! - [`machine`]: the signing state machine that composes them into a v0.3 bundle.

pub mod certificate;
pub mod config;
pub mod csr;
pub mod key;
pub mod machine;
#[cfg(any(test, feature = "test-double"))]
pub mod test_double;
pub mod timestamp;
