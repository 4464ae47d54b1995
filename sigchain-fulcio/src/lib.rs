//! Fulcio for sigchain: **not implemented yet**.
//!
//! This crate will hold the [Fulcio](https://github.com/sigstore/fulcio) API types (the
//! `v2` signing-certificate request and response) and a small async client that moves them to
//! and from a Fulcio server, with request building and response parsing as plain functions.
//! Trust decisions stay in [`sigchain_core`]: a certificate this crate fetches is checked
//! there like any other.
//!
//! Today the crate contains nothing but a re-export of [`sigchain_core`], which already reads
//! the identity and the claims Fulcio writes into a certificate:
//!
//! ```
//! use sigchain_fulcio::sigchain_core::bundle::Bundle;
//! use sigchain_fulcio::sigchain_core::limits::Limits;
//! use sigchain_fulcio::sigchain_core::x509::{subject_identity, Certificate, FulcioClaims};
//! # let bundle_json = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
//! #     "/../../shared/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json"))?;
//! let bundle = Bundle::from_json(&bundle_json, &Limits::DEFAULT)?;
//! let der = bundle.verification_material().leaf_certificate_der().ok_or("no certificate")?;
//! let cert = Certificate::from_der(der)?;
//! // Unverified claims: only `sigchain_core::verify::Verifier` says whether to believe them.
//! let claims = FulcioClaims::from_certificate(&cert)?;
//! assert_eq!(claims.issuer.as_deref(), Some("https://token.actions.githubusercontent.com"));
//! println!("issued to {}", subject_identity(&cert)?.as_str());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use sigchain_core;
