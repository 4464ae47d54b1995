//! Rekor for sigchain: **not implemented yet**.
//!
//! This crate will hold the [Rekor](https://github.com/sigstore/rekor) API types (v1 log
//! entries and Rekor v2 tiles) and a small async client that checks every proof it is given:
//! inclusion proofs against signed checkpoints, consistency between checkpoints, and that an
//! entry's body records what the caller submitted. Request building and response checking are
//! plain functions over bytes; the proofs themselves are checked by [`sigchain_core::tlog`].
//!
//! Today the crate contains nothing but a re-export of [`sigchain_core`], which already
//! verifies the Merkle inclusion proof a bundle carries for its Rekor entry:
//!
//! ```
//! use sigchain_rekor::sigchain_core::bundle::Bundle;
//! use sigchain_rekor::sigchain_core::crypto::Sha256Digest;
//! use sigchain_rekor::sigchain_core::limits::Limits;
//! use sigchain_rekor::sigchain_core::tlog::merkle::{hash_leaf, verify_inclusion};
//! # let bundle_json = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
//! #     "/../../shared/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json"))?;
//! let bundle = Bundle::from_json(&bundle_json, &Limits::DEFAULT)?;
//! let entry = bundle.tlog_entries().first().ok_or("no log entry")?;
//! let proof = entry.inclusion_proof.as_ref().ok_or("no inclusion proof")?;
//! let sha256 = |h: &[u8]| Sha256Digest::from_slice(h).map(|d| d.0).ok_or("not SHA-256");
//! let hashes = proof.hashes.iter().map(|h| sha256(h)).collect::<Result<Vec<_>, _>>()?;
//! let (leaf, root) = (hash_leaf(&entry.canonicalized_body), sha256(&proof.root_hash)?);
//! verify_inclusion(proof.log_index, proof.tree_size, &leaf, &hashes, &root)?;
//! // The entry is in the tree with that root. That the log signed the root (the checkpoint)
//! // is a separate check, which `sigchain_core::verify::Verifier` also makes.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use sigchain_core;
