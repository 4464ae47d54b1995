//! What can go wrong reading or writing an image layout, one variant per failed check.

use std::path::PathBuf;

/// An image layout could not be read or written; each variant names the check that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// A document or blob is larger than its limit (or than its descriptor says).
    #[error("{what} is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Which document or blob.
        what: &'static str,
        /// Its size, or a lower bound on it.
        size: u64,
        /// The limit it exceeds.
        limit: u64,
    },
    /// A document is not valid JSON of its kind.
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// Which document.
        what: &'static str,
        /// What the parser said.
        reason: String,
    },
    /// `oci-layout` names a layout version this reader does not know.
    #[error("unsupported image layout version {found:?} (expected \"1.0.0\")")]
    UnsupportedLayoutVersion {
        /// The `imageLayoutVersion` found.
        found: String,
    },
    /// An index or manifest has a `schemaVersion` other than 2.
    #[error("{what} has schemaVersion {found}, expected 2")]
    SchemaVersion {
        /// Which document.
        what: &'static str,
        /// The version found.
        found: u32,
    },
    /// A document's own `mediaType` disagrees with the media type it was expected to have
    /// (from its descriptor, or because it was read as an index).
    #[error("media type {found} where {expected} was expected")]
    MediaTypeMismatch {
        /// The media type expected.
        expected: String,
        /// The media type found.
        found: String,
    },
    /// A manifest's media type is not one of the image manifest or index types this crate knows.
    #[error("{media_type} is not an image manifest or index media type")]
    NotAManifest {
        /// The media type.
        media_type: String,
    },
    /// A manifest carries neither a media type nor the fields that would tell its kind, or both
    /// kinds' fields.
    #[error("cannot tell whether the manifest is an image manifest or an index")]
    AmbiguousManifest,
    /// A digest is not `sha256:` followed by 64 lowercase hex digits.
    #[error("invalid digest {digest:?}")]
    InvalidDigest {
        /// The digest text.
        digest: String,
    },
    /// A digest uses an algorithm other than SHA-256.
    #[error("unsupported digest algorithm in {digest:?} (only sha256)")]
    UnsupportedDigestAlgorithm {
        /// The digest text.
        digest: String,
    },
    /// Content's length differs from its descriptor's `size`.
    #[error("{digest}: descriptor says {expected} bytes, content has {found}")]
    SizeMismatch {
        /// The descriptor's digest.
        digest: String,
        /// The descriptor's size.
        expected: u64,
        /// The content's size (or a lower bound, when it ran past the expected size).
        found: u64,
    },
    /// Content does not hash to its descriptor's digest.
    #[error("content does not match its digest: expected {expected}, computed {computed}")]
    DigestMismatch {
        /// The descriptor's digest.
        expected: String,
        /// The digest of the content.
        computed: String,
    },
    /// A list holds more entries than its limit.
    #[error("{what} has {count} entries, over the limit of {limit}")]
    TooManyEntries {
        /// Which list.
        what: &'static str,
        /// How many entries it has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// No manifest in `index.json` has this name or digest.
    #[error("no manifest named {name:?} in the layout")]
    NotFound {
        /// The name or digest looked up.
        name: String,
    },
    /// More than one manifest in `index.json` carries this name, so which is meant is unknown.
    #[error("{count} manifests are named {name:?} in the layout")]
    AmbiguousName {
        /// The name looked up.
        name: String,
        /// How many manifests carry it.
        count: usize,
    },
    /// A manifest refers to a blob that is not in the layout.
    #[error("the manifest refers to {digest}, which is not in the layout")]
    MissingBlob {
        /// The missing blob's digest.
        digest: String,
    },
    /// A directory is not an image layout (no `oci-layout` file).
    #[error("{path} is not an OCI image layout (no oci-layout file)")]
    NotALayout {
        /// The directory.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}
