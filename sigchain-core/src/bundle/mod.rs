//! The Sigstore bundle (protobuf-specs `dev.sigstore.bundle.v1.Bundle`), parsed into typed,
//! shape-checked, **unverified** data.
//!
//! A [`Bundle`] is what a signer hands over: a signature or DSSE envelope, the key material
//! to check it with, and the transparency-log and timestamp evidence that it was made while
//! that material was valid. Parsing proves none of it; it only guarantees the structure the
//! verifier relies on, so each verification step can take its inputs without re-checking
//! them. Treat every value as a claim until `verify` has checked it.
//!
//! What parsing enforces beyond the JSON shape (protobuf-specs, and what sigstore-go and
//! sigstore-python enforce, whichever is stricter, without refusing bundles real clients
//! produce):
//! - the media type is one of the four known spellings of v0.1, v0.2 or v0.3;
//! - exactly one kind of verification material and exactly one kind of content;
//! - v0.3 uses a single `certificate` or a `publicKey`, never `x509CertificateChain`; v0.1
//!   and v0.2 never use `certificate` (it did not exist yet); a chain is never empty;
//! - v0.1: every log entry has an inclusion promise. v0.2+: every log entry has an inclusion
//!   proof with a checkpoint. Any checkpoint present is non-empty;
//! - required fields are present and non-empty; integers are non-negative; a proof's index
//!   lies inside its tree and its hashes are as long as its root; a message digest is as long
//!   as its algorithm says; a DSSE envelope has exactly one signature;
//! - sizes and counts stay within [`Limits`].
//!
//! ```
//! use sigchain_core::bundle::{Bundle, BundleVersion, Content};
//! use sigchain_core::limits::Limits;
//! # let json = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
//! #     "/../../shared/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json")).unwrap();
//! let bundle = Bundle::from_json(&json, &Limits::DEFAULT)?;
//! assert_eq!(bundle.version(), BundleVersion::V0_3);
//! assert!(matches!(bundle.content(), Content::MessageSignature(_)));
//! let again = Bundle::from_json(bundle.to_json().as_bytes(), &Limits::DEFAULT)?;
//! assert_eq!(again, bundle);
//! # Ok::<(), sigchain_core::bundle::BundleError>(())
//! ```

mod decode;
mod encode;
mod media_type;
mod model;
mod validate;
mod wire;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use media_type::{
    BundleVersion, MEDIA_TYPE_V0_1, MEDIA_TYPE_V0_2, MEDIA_TYPE_V0_3, MEDIA_TYPE_V0_3_LEGACY,
};
pub use model::{
    Checkpoint, Content, DigestAlgorithm, DsseEnvelope, DsseSignature, InclusionPromise,
    InclusionProof, KindVersion, MessageDigest, MessageSignature, TlogEntry, VerificationMaterial,
};

use crate::limits::Limits;

/// Why a bundle was refused at parse time.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The document is larger than `Limits::max_bundle_bytes`.
    #[error("bundle is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON, or not of the bundle's shape (wrong type, unknown or duplicate field).
    #[error("bundle JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The media type is not a Sigstore bundle media type.
    #[error("media type {media_type:?} is not a Sigstore bundle")]
    NotABundle {
        /// The media type given.
        media_type: String,
    },
    /// A bundle media type of a version this crate does not read.
    #[error("unsupported bundle version {version:?}")]
    UnsupportedVersion {
        /// The version string from the media type.
        version: String,
    },
    /// A required field is absent or empty.
    #[error("required field {field} is missing or empty")]
    MissingField {
        /// JSON path of the field.
        field: &'static str,
    },
    /// Two members of a protobuf `oneof` are both set.
    #[error("only one of {first} and {second} may be set")]
    ConflictingFields {
        /// One field set.
        first: &'static str,
        /// Another field set.
        second: &'static str,
    },
    /// A `bytes` field is not base64.
    #[error("{field} is not valid base64")]
    InvalidBase64 {
        /// JSON path of the field.
        field: &'static str,
    },
    /// An int64 field is neither an integer nor a string holding one.
    #[error("{field} is not a 64-bit integer: {text:?}")]
    InvalidInteger {
        /// JSON path of the field.
        field: &'static str,
        /// What was written.
        text: String,
    },
    /// An index, size or time is negative.
    #[error("{field} is negative ({value})")]
    NegativeInteger {
        /// JSON path of the field.
        field: &'static str,
        /// The value.
        value: i64,
    },
    /// A value too large for protobuf's int64 (only reachable through [`Bundle::from_parts`]).
    #[error("{field} = {value} does not fit in int64")]
    IntegerOutOfRange {
        /// JSON path of the field.
        field: &'static str,
        /// The value.
        value: u64,
    },
    /// A hash algorithm name or number that protobuf-specs does not define (or `UNSPECIFIED`).
    #[error("unknown hash algorithm {value:?}")]
    UnknownHashAlgorithm {
        /// What was written.
        value: String,
    },
    /// A message digest whose length does not match its algorithm.
    #[error("{algorithm:?} digest is {actual} bytes, expected {expected}")]
    DigestLength {
        /// The algorithm named.
        algorithm: DigestAlgorithm,
        /// Its output length.
        expected: usize,
        /// The digest's length.
        actual: usize,
    },
    /// An `x509CertificateChain` with no certificates: there is no signing certificate.
    #[error("empty certificate chain")]
    EmptyCertificateChain,
    /// A form of verification material the bundle version does not allow.
    #[error("{material} is not allowed in a {version} bundle")]
    MaterialNotAllowed {
        /// The bundle version.
        version: BundleVersion,
        /// The material's field name.
        material: &'static str,
    },
    /// More items than the limit allows.
    #[error("{field} has {count} items, over the limit of {limit}")]
    TooMany {
        /// JSON path of the list.
        field: &'static str,
        /// How many there are.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A DSSE payload over `Limits::max_dsse_payload_bytes`.
    #[error("DSSE payload is {size} bytes, over the limit of {limit}")]
    DssePayloadTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A DSSE envelope without exactly one signature (protobuf-specs requires one).
    #[error("DSSE envelope has {count} signatures, a bundle needs exactly one")]
    DsseSignatureCount {
        /// How many it has.
        count: usize,
    },
    /// A v0.1 log entry without an inclusion promise.
    #[error("log entry {entry} has no inclusion promise (required in {version} bundles)")]
    MissingInclusionPromise {
        /// The bundle version.
        version: BundleVersion,
        /// Index of the entry in `tlogEntries`.
        entry: usize,
    },
    /// A v0.2+ log entry without an inclusion proof.
    #[error("log entry {entry} has no inclusion proof (required in {version} bundles)")]
    MissingInclusionProof {
        /// The bundle version.
        version: BundleVersion,
        /// Index of the entry in `tlogEntries`.
        entry: usize,
    },
    /// A v0.2+ inclusion proof without a checkpoint.
    #[error(
        "log entry {entry}'s inclusion proof has no checkpoint (required in {version} bundles)"
    )]
    MissingCheckpoint {
        /// The bundle version.
        version: BundleVersion,
        /// Index of the entry in `tlogEntries`.
        entry: usize,
    },
    /// An inclusion proof for an index outside its tree.
    #[error("log entry {entry}'s proof index {log_index} is not below tree size {tree_size}")]
    ProofIndexOutOfRange {
        /// Index of the entry in `tlogEntries`.
        entry: usize,
        /// The proof's leaf index.
        log_index: u64,
        /// The proof's tree size.
        tree_size: u64,
    },
    /// An inclusion-proof hash whose length differs from the root hash's.
    #[error("log entry {entry}'s proof hash is {actual} bytes, the root hash {expected}")]
    ProofHashLength {
        /// Index of the entry in `tlogEntries`.
        entry: usize,
        /// The root hash's length.
        expected: usize,
        /// The offending hash's length.
        actual: usize,
    },
}

impl TlogEntry {
    /// Parse one protobuf-JSON `TransparencyLogEntry` on its own, as Rekor v2 answers a
    /// create request with it, under the rules of a v0.3 bundle's entries (an inclusion proof
    /// with a checkpoint is required). Nothing is verified.
    pub fn from_json(json: &[u8], limits: &Limits) -> Result<TlogEntry, BundleError> {
        if json.len() > limits.max_bundle_bytes {
            return Err(BundleError::TooLarge {
                size: json.len(),
                limit: limits.max_bundle_bytes,
            });
        }
        let doc: wire::TlogEntry = serde_json::from_slice(json)?;
        let entry = decode::decode_entry(doc)?;
        validate::check_entry(BundleVersion::V0_3, 0, &entry, limits)?;
        Ok(entry)
    }

    /// The entry as protobuf JSON, exactly as it appears inside a bundle.
    pub fn to_json(&self) -> String {
        // Serializing borrowed strings and scalars cannot fail.
        serde_json::to_string(&encode::entry(self)).unwrap_or_default()
    }
}

/// A parsed, shape-checked Sigstore bundle. **Unverified**: see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    media_type: &'static str,
    version: BundleVersion,
    content: Content,
    verification_material: VerificationMaterial,
    tlog_entries: Vec<TlogEntry>,
    timestamps: Vec<Vec<u8>>,
}

/// The pieces of a bundle, for building one ([`Bundle::from_parts`]) or taking one apart
/// ([`Bundle::into_parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleParts {
    /// The format version.
    pub version: BundleVersion,
    /// What was signed.
    pub content: Content,
    /// The key material.
    pub verification_material: VerificationMaterial,
    /// Transparency-log entries.
    pub tlog_entries: Vec<TlogEntry>,
    /// DER RFC 3161 `TimeStampResp` values over the signature.
    pub timestamps: Vec<Vec<u8>>,
}

impl Bundle {
    /// Parse and shape-check bundle JSON. Nothing is verified.
    pub fn from_json(json: &[u8], limits: &Limits) -> Result<Bundle, BundleError> {
        if json.len() > limits.max_bundle_bytes {
            return Err(BundleError::TooLarge {
                size: json.len(),
                limit: limits.max_bundle_bytes,
            });
        }
        let doc: wire::Bundle = serde_json::from_slice(json)?;
        let (media_type, parts) = decode::decode(doc)?;
        validate::validate(&parts, limits)?;
        Ok(Bundle::assemble(media_type, parts))
    }

    /// Build a bundle from its pieces, under the same rules as parsing; it gets the media
    /// type spelling current for its version.
    pub fn from_parts(parts: BundleParts, limits: &Limits) -> Result<Bundle, BundleError> {
        validate::validate(&parts, limits)?;
        Ok(Bundle::assemble(parts.version.media_type(), parts))
    }

    fn assemble(media_type: &'static str, parts: BundleParts) -> Bundle {
        Bundle {
            media_type,
            version: parts.version,
            content: parts.content,
            verification_material: parts.verification_material,
            tlog_entries: parts.tlog_entries,
            timestamps: parts.timestamps,
        }
    }

    /// Take the bundle apart.
    pub fn into_parts(self) -> BundleParts {
        BundleParts {
            version: self.version,
            content: self.content,
            verification_material: self.verification_material,
            tlog_entries: self.tlog_entries,
            timestamps: self.timestamps,
        }
    }

    /// Protobuf JSON: camelCase names, int64 as strings, standard padded base64, unset
    /// fields omitted. Compact; the media type keeps the spelling it was parsed with.
    pub fn to_json(&self) -> String {
        encode::encode(self)
    }

    /// The media type, exactly as given.
    pub fn media_type(&self) -> &'static str {
        self.media_type
    }

    /// The format version.
    pub fn version(&self) -> BundleVersion {
        self.version
    }

    /// What was signed (unverified).
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// The key material to verify with (unverified).
    pub fn verification_material(&self) -> &VerificationMaterial {
        &self.verification_material
    }

    /// The transparency-log entries (unverified claims).
    pub fn tlog_entries(&self) -> &[TlogEntry] {
        &self.tlog_entries
    }

    /// DER RFC 3161 `TimeStampResp` values over the signature (unverified).
    pub fn timestamps(&self) -> &[Vec<u8>] {
        &self.timestamps
    }
}
