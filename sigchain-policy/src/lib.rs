//! Admission policies for sigchain: **not implemented yet**.
//!
//! This crate will hold a policy engine that reads Kyverno `verifyImages`-compatible policies
//! (which images need which signatures and attestations, from whom) and answers Kubernetes
//! `AdmissionReview` requests. The engine will be sans-IO; an adapter gathers the evidence
//! (signatures, attestations) from registries, and [`sigchain_core`] decides whether it holds.
//!
//! Today the crate contains nothing but a re-export of [`sigchain_core`], which already
//! expresses and checks the keyless identity such a policy names (Kyverno's `subject` and
//! `issuer`, or their regular-expression forms):
//!
//! ```
//! use sigchain_policy::sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! let identity = CertificateIdentity::new(
//!     IdentityMatcher::regex_anchored(r"https://github\.com/acme/.+/\.github/workflows/.+")?,
//!     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
//! );
//! let issuer = "https://token.actions.githubusercontent.com";
//! let release = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0";
//! assert!(identity.check(release, issuer).is_ok());
//! assert!(identity.check("https://github.com/mallory/app/x.yml", issuer).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admission;

pub use sigchain_core;
