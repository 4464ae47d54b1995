//! Fixtures for the benchmarks: conformance bundles read in place, the raw signatures a keyless
//! verification cannot avoid (the crypto floor), a `verify-many` manifest of inline bundles
//! (to time the `sigchain` command against the library on the same work), and, behind the
//! `peer` feature, an adapter for sigstore-rust's `sigstore-verify` so both libraries run on the
//! same inputs.
//!
//! Nothing here is timed; `benches/verify.rs` and `benches/verify_many.rs` build everything
//! once through these functions and time only the verification work.
//!
//! ```no_run
//! let case = sigchain_benches::cases::load_case("happy-path-v0.3").unwrap();
//! let floor = sigchain_benches::floor::FloorInputs::extract(&case).unwrap();
//! assert!(floor.verify_all_aws_lc());
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cases;
pub mod floor;
pub mod manifest;
#[cfg(feature = "peer")]
pub mod peer;

/// Why a benchmark fixture could not be built. Fixtures are trusted repository data, so any
/// of these means the checkout is broken, not that a bundle is hostile.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// A fixture file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `cases.json` is not the manifest shape we expect.
    #[error("conformance manifest: {0}")]
    Manifest(#[from] serde_json::Error),
    /// No case of that name in the manifest.
    #[error("no conformance case named {0:?}")]
    UnknownCase(String),
    /// The case is not a keyless happy path against the production root.
    #[error("case {name:?} is not a production keyless happy path")]
    NotProductionHappyPath {
        /// The case name.
        name: String,
    },
    /// The bundle does not parse.
    #[error("bundle: {0}")]
    Bundle(#[from] sigchain_core::bundle::BundleError),
    /// A DER structure in the bundle or trusted root does not decode.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// The embedded SCT list does not parse.
    #[error("SCT list: {0}")]
    Sct(#[from] sigchain_core::sct::SctError),
    /// A field the floor needs is missing from the bundle.
    #[error("bundle has no {0}")]
    Missing(&'static str),
    /// A field is not the encoding it should be (hex, base64, a P-256/P-384 key).
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// No trusted-root key verifies this signature, so it cannot serve as a floor input.
    #[error("no trusted key verifies the {0} signature")]
    NoVerifyingKey(&'static str),
}
