//! SBOMs for sigchain: **not implemented yet**.
//!
//! This crate will hold catalogers (finding the packages in a directory or OCI image),
//! writers and readers for SPDX 2.3 and CycloneDX documents, and SBOM attestations: in-toto
//! Statements with an SBOM predicate, signed in DSSE envelopes and verified by
//! [`sigchain_core`].
//!
//! Today the crate contains nothing but a re-export of [`sigchain_core`], which already parses
//! the in-toto Statement an SBOM attestation carries and finds the subject an artifact digest
//! names:
//!
//! ```
//! use sigchain_sbom::sigchain_core::encoding::hex_decode;
//! use sigchain_sbom::sigchain_core::intoto::Statement;
//! use sigchain_sbom::sigchain_core::limits::Limits;
//! let json = br#"{"_type": "https://in-toto.io/Statement/v1",
//!   "subject": [{"name": "app.tar", "digest": {"sha256":
//!     "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"}}],
//!   "predicateType": "https://spdx.dev/Document",
//!   "predicate": {"spdxVersion": "SPDX-2.3", "packages": []}}"#;
//! let statement = Statement::from_json(json, &Limits::DEFAULT)?;
//! assert_eq!(statement.predicate_type, "https://spdx.dev/Document");
//! let digest = hex_decode("a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf")
//!     .ok_or("bad hex")?;
//! assert!(statement.subject_matching("sha256", &digest).is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalog;
pub mod model;

pub use sigchain_core;
