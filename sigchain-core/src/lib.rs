//! Sans-IO Sigstore verification and signing.
//!
//! `sigchain-core` decides whether a [Sigstore](https://sigstore.dev) bundle proves that an
//! artifact was signed by an expected identity, and makes such bundles. It never opens a file
//! or a socket and never reads the clock inside a check: bytes, a trusted root and the current
//! time go in, a typed verdict (or the next request to send) comes out. Fetching bundles,
//! trusted roots or log entries, and talking to Fulcio, a TSA or Rekor, is the caller's job.
//!
//! What it verifies:
//! - the trusted root (protobuf-specs `TrustedRoot`), with compiled-in snapshots of the
//!   public-good production and staging roots (no TUF client: refreshing them is up to you);
//! - bundles v0.1, v0.2 and v0.3 (message signatures and DSSE envelopes);
//! - X.509 path validation to the Fulcio CAs and Fulcio's identity extensions;
//! - Signed Certificate Timestamps embedded in the leaf certificate;
//! - transparency-log evidence: inclusion promises (SETs), Merkle inclusion proofs, signed
//!   checkpoints, and that the log entry records this very signature (Rekor v1 and v2);
//! - RFC 3161 timestamps from trusted timestamp authorities;
//! - DSSE envelopes and in-toto Statements, and SLSA Provenance v1 held to its signing
//!   certificate's claims;
//! - all of it composed by [`verify::Verifier`], with thresholds on log entries and timestamps.
//!
//! What it signs, with [`sign::machine::Signing`] (a state machine the caller drives over
//! the network):
//! - keyless (an ephemeral P-256 key certified by a Fulcio-compatible CA, its chain, identity
//!   and embedded SCT checked) or with a managed key from PEM;
//! - message signatures over an artifact or its SHA-256 digest, or DSSE envelopes of in-toto
//!   Statements;
//! - RFC 3161 timestamps (request, and the reply checked against the trusted root), and log
//!   entries from Rekor v1 or v2, each verified before use;
//! - a v0.3 bundle, released only after the full verifier accepted it; services chosen from a
//!   protobuf-specs `SigningConfig` (compiled-in production and staging copies).
//!
//! # Modules
//!
//! - [`verify`]: the [`Verifier`](verify::Verifier) pipeline, the [`Policy`](verify::Policy)
//!   it checks against, and the [`VerifiedBundle`](verify::VerifiedBundle) it returns;
//! - [`sign`]: keys, certificate requests, signing configs, timestamp requests, the check of
//!   an issued certificate, and the signing state machine;
//! - [`bundle`]: bundle JSON, parsed into shape-checked, still unverified data;
//! - [`trust_root`]: trusted roots (CAs, transparency logs, CT logs, timestamp authorities);
//! - [`identity`]: the certificate identity a policy requires, exact or by regular expression;
//! - [`x509`]: certificates, Fulcio claims, chain building to trusted CAs;
//! - [`sct`]: Signed Certificate Timestamps (RFC 6962);
//! - [`tlog`]: Merkle proofs, signed checkpoints, inclusion promises, entry bodies;
//! - [`timestamp`]: RFC 3161 signed timestamps;
//! - [`dsse`] and [`intoto`]: DSSE envelopes and in-toto Statements;
//! - [`provenance`]: SLSA Provenance v1 — generated from a GitHub Actions job's environment,
//!   and verified against the artifact, the caller's requirements and the Fulcio certificate
//!   that signed it (so a provenance cannot claim another workflow than its signer);
//! - [`crypto`]: public keys, signature checks and hashes behind a backend trait;
//! - [`encoding`], [`time`], [`limits`]: base64 and hex, seconds since the epoch, bounds on
//!   untrusted input.
//!
//! # Cargo features
//!
//! - `aws-lc` (default): signatures with aws-lc-rs (fast; needs a C toolchain).
//! - `rustcrypto`: pure-Rust signatures with p256, p384 and ed25519-dalek (for wasm32 and
//!   targets without a C compiler). Build with `default-features = false, features =
//!   ["rustcrypto"]`. When both backends are enabled, aws-lc-rs is used.
//! - `rustcrypto-rsa`: adds RSA PKCS#1 v1.5 to the RustCrypto backend (aws-lc-rs always has
//!   it). The public-good instance uses no RSA keys; some private CAs do.
//!
//! - `test-double`: `sign::test_double`, an in-process CA with a CT log, a TSA and Rekor logs
//!   that answer the signing machine, for tests of code that drives it (never for trust).
//!
//! At least one of `aws-lc` and `rustcrypto` must be enabled. Both sign as well as verify.
//!
//! # Example
//!
//! Verify a bundle made by GitHub Actions against the public-good trusted root:
//!
//! ```
//! use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! use sigchain_core::time::Timestamp;
//! use sigchain_core::trust_root::TrustedRoot;
//! use sigchain_core::verify::{Artifact, Policy, Verifier, VerifierConfig};
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/bundle-verify");
//! # let bundle_json = std::fs::read(format!("{dir}/happy-path-v0.3/bundle.sigstore.json"))?;
//! # let artifact = std::fs::read(format!("{dir}/a.txt"))?;
//! // `bundle_json`: the `.sigstore.json` bytes; `artifact`: the bytes that were signed.
//! let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
//! let identity = CertificateIdentity::new(
//!     IdentityMatcher::regex_anchored(
//!         r"https://github\.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.+",
//!     )?,
//!     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
//! );
//! let policy = Policy::identity(Artifact::Bytes(&artifact), identity);
//! let verified = verifier.verify_json(&bundle_json, &policy, Timestamp::now())?;
//! println!("{}", verified.summary());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bundle;
pub mod crypto;
pub mod dsse;
pub mod encoding;
pub mod identity;
pub mod intoto;
pub mod limits;
pub mod provenance;
pub mod sct;
pub mod sign;
pub mod time;
pub mod timestamp;
pub mod tlog;
pub mod trust_root;
#[cfg(feature = "tuf")]
pub mod tuf;
pub mod verify;
pub mod x509;
