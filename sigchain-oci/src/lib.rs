//! OCI for sigchain: **not implemented yet**.
//!
//! This crate will hold OCI image references (parsing and normalising
//! `registry/repository:tag@sha256:...`), a registry client (the OCI distribution API), storage
//! of signatures and attestations in the layout cosign uses (so cosign can read what sigchain
//! writes and the other way round), and OCI image layouts on disk. It will move bytes only;
//! whether a signature is trusted is decided by [`sigchain_core`].
//!
//! Today the crate contains nothing but a re-export of [`sigchain_core`], which already
//! verifies a Sigstore bundle against an artifact known only by its SHA-256 digest, the way an
//! image manifest is named:
//!
//! ```
//! use sigchain_oci::sigchain_core::crypto::Sha256Digest;
//! use sigchain_oci::sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! use sigchain_oci::sigchain_core::time::Timestamp;
//! use sigchain_oci::sigchain_core::trust_root::TrustedRoot;
//! use sigchain_oci::sigchain_core::verify::{Artifact, Policy, Verifier, VerifierConfig};
//! # let bundle_json = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
//! #     "/../../shared/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json"))?;
//! let digest = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
//! let hex = digest.strip_prefix("sha256:").ok_or("not a SHA-256 digest")?;
//! let artifact = Artifact::Sha256(Sha256Digest::from_hex(hex).ok_or("bad hex")?);
//! let identity = CertificateIdentity::new(
//!     IdentityMatcher::regex_anchored(r"https://github\.com/sigstore-conformance/.+")?,
//!     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
//! );
//! let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
//! let policy = Policy::identity(artifact, identity);
//! verifier.verify_json(&bundle_json, &policy, Timestamp::now())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cosign_tags;
pub mod reference;

pub use sigchain_core;
