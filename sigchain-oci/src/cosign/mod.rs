//! Where cosign keeps signatures: its tag scheme (`sha256-<hex>.sig`, `.att`, `.sbom` in the
//! image's repository), read and written over any [`ArtifactStore`](crate::store::ArtifactStore).
//!
//! - [`layer`]: one signature as a layer plus annotations, and the conversions to and from a
//!   Sigstore bundle;
//! - [`tagged`]: the tag-scheme manifests (append a layer, de-duplicated, as cosign does; read
//!   them back, bounded);
//! - [`verify`](mod@verify): a stored signature or attestation checked by the core verifier and
//!   bound to the image digest;
//! - [`proof`]: a tag-scheme signature's promise-only log entry completed with the inclusion
//!   proof fetched from the log (sans-IO: what to ask for, and the check of the answer);
//! - [`sbom`]: SBOMs attached with `cosign attach sbom`;
//! - [`annotations`], [`wire`]: the formats, parsed on their own.
//!
//! Bundles stored as OCI 1.1 referrers are in [`crate::referrers`]; everything about one image
//! is gathered by [`crate::discover`].

pub mod annotations;
pub mod layer;
mod limits;
pub mod proof;
pub mod sbom;
pub mod tagged;
pub mod verify;
pub mod wire;

pub use layer::{LayerKind, SignatureLayer};
pub use limits::StorageLimits;

use sigchain_core::bundle::BundleError;

use crate::reference::ReferenceError;
use crate::store::StoreError;

/// The layer media type of a `.sig` layer: the simple-signing payload.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The layer media type of a `.att` layer: a DSSE envelope.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// The base64 signature over the layer (empty for attestations).
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The signing certificate, PEM.
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// The rest of the certificate chain, PEM (may be empty).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// The Rekor bundle: the log's signed entry timestamp and the entry.
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// An RFC 3161 timestamp over the signature.
pub const RFC3161_ANNOTATION: &str = "dev.sigstore.cosign/rfc3161timestamp";
/// An attestation's predicate type.
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";

/// Why storing or reading a signature failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CosignError {
    /// The store failed (including content that does not match its digest).
    #[error("store: {0}")]
    Store(#[source] StoreError),
    /// A tag could not be made for the digest.
    #[error("tag: {0}")]
    Tag(#[from] ReferenceError),
    /// Content larger than its limit.
    #[error("{what} of {size} bytes is over the limit of {limit}")]
    TooLarge {
        /// What.
        what: &'static str,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// More items than the limit.
    #[error("{what}: {count} items, over the limit of {limit}")]
    TooMany {
        /// What.
        what: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON of the expected shape.
    #[error("{what} JSON: {source}")]
    Json {
        /// What.
        what: &'static str,
        /// Why.
        source: serde_json::Error,
    },
    /// A manifest or index with another schema version than 2.
    #[error("schemaVersion {0}, expected 2")]
    SchemaVersion(u32),
    /// A descriptor's digest cannot be used.
    #[error("descriptor digest {digest:?}: {reason}")]
    BadDescriptor {
        /// The digest text.
        digest: String,
        /// Why.
        reason: String,
    },
    /// A layer of a media type that holds no signature.
    #[error("layer media type {media_type:?} holds no cosign signature")]
    UnexpectedMediaType {
        /// The media type.
        media_type: String,
    },
    /// A required annotation is absent.
    #[error("annotation {0} is missing")]
    MissingAnnotation(&'static str),
    /// An annotation's value does not parse.
    #[error("annotation {annotation}: {reason}")]
    BadAnnotation {
        /// Which annotation.
        annotation: &'static str,
        /// Why.
        reason: String,
    },
    /// The attestation layer's DSSE envelope does not parse, or has other than one signature.
    #[error("DSSE envelope: {0}")]
    Envelope(String),
    /// The attestation's in-toto statement does not parse.
    #[error("in-toto statement: {0}")]
    Statement(String),
    /// The layer and annotations do not make a valid bundle.
    #[error("bundle: {0}")]
    Bundle(#[source] BundleError),
    /// A bundle of the wrong content kind for the form it is to be stored in.
    #[error("the bundle does not hold {expected}")]
    WrongContent {
        /// What was needed.
        expected: &'static str,
    },
    /// The bundle's message digest is not the SHA-256 of the payload given with it.
    #[error("the bundle's signature is not over the given payload")]
    PayloadNotSigned,
    /// The bundle's log entries carry no inclusion promise (Rekor v2), which cosign's
    /// tag-scheme annotations cannot express.
    #[error("log entry ({kind_version}) has no inclusion promise, which a cosign tag-scheme layer needs; store the bundle as a referrer")]
    NoInclusionPromise {
        /// The entry's kind and version.
        kind_version: String,
    },
    /// The image manifest to attach to is not in the store.
    #[error("image {0} is not in the store")]
    ImageNotFound(String),
    /// A referrer manifest whose subject is not the image it was listed for.
    #[error("referrer {referrer} has subject {subject:?}, not {image}")]
    SubjectMismatch {
        /// The referrer's digest.
        referrer: String,
        /// Its subject's digest, if any.
        subject: Option<String>,
        /// The image.
        image: String,
    },
    /// A referrer that does not hold exactly one bundle layer.
    #[error("referrer {referrer}: {reason}")]
    NotABundleReferrer {
        /// The referrer's digest.
        referrer: String,
        /// Why.
        reason: String,
    },
}
