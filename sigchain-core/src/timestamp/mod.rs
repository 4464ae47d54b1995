//! RFC 3161 signed timestamps from trusted timestamp authorities.
//!
//! A bundle's `rfc3161Timestamps[].signedTimestamp` holds a DER `TimeStampResp` (RFC 3161
//! 2.4.2), as sigstore-go (digitorus `timestamp.ParseResponse`) and sigstore-python
//! (`decode_timestamp_response`) read it; its token timestamps the signature bytes (the
//! message signature, or the DSSE envelope's signature).
//!
//! ```
//! use sigchain_core::trust_root::TrustedRoot;
//! use sigchain_core::timestamp::TimestampAuthorities;
//! let tsas = TimestampAuthorities::new(&TrustedRoot::production().timestamp_authorities);
//! assert!(tsas.verify(b"not a timestamp", b"signature").is_err());
//! ```

mod rfc3161;

pub(crate) use rfc3161::parse_response;
pub use rfc3161::{TimestampAuthorities, VerifiedTimestamp, MAX_SIGNED_TIMESTAMP_BYTES};

use const_oid::ObjectIdentifier;

use crate::x509::{CertError, ChainError};

/// Why a signed timestamp was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The signed timestamp is larger than [`MAX_SIGNED_TIMESTAMP_BYTES`].
    #[error("signed timestamp is {0} bytes, over the limit")]
    TooLarge(usize),
    /// A part of the response does not decode.
    #[error("malformed {part}: {error}")]
    Decode {
        /// Which structure.
        part: &'static str,
        /// The decoding error.
        error: der::Error,
    },
    /// The TSA did not grant the request (PKIStatus other than granted / grantedWithMods).
    #[error("timestamp response status {status} is not granted")]
    NotGranted {
        /// The PKIStatus value.
        status: u8,
    },
    /// A granted response without a token.
    #[error("timestamp response has no token")]
    MissingToken,
    /// The token's ContentInfo is not SignedData.
    #[error("timestamp token content type {content_type} is not signedData")]
    NotSignedData {
        /// The content type found.
        content_type: ObjectIdentifier,
    },
    /// The encapsulated content is not a TSTInfo.
    #[error("encapsulated content type {content_type} is not id-ct-TSTInfo")]
    NotTstInfo {
        /// The content type found.
        content_type: ObjectIdentifier,
    },
    /// The SignedData carries no encapsulated TSTInfo.
    #[error("timestamp token has no encapsulated content")]
    MissingContent,
    /// RFC 3161 2.4.1: a token has exactly one signer.
    #[error("timestamp token has {count} signers, expected one")]
    SignerCount {
        /// Signers found.
        count: usize,
    },
    /// A hash algorithm not accepted for timestamps (SHA-1 and others are refused).
    #[error("unsupported hash algorithm {oid}")]
    UnsupportedHash {
        /// The algorithm.
        oid: ObjectIdentifier,
    },
    /// The token timestamps other bytes than the signature it was given for.
    #[error("message imprint does not match the timestamped signature")]
    MessageImprintMismatch {
        /// The imprint in the token.
        expected: Vec<u8>,
        /// The hash of the bytes given.
        computed: Vec<u8>,
    },
    /// RFC 5652 5.3: with a non-data content type the signer must sign attributes.
    #[error("timestamp signer has no signed attributes")]
    MissingSignedAttributes,
    /// A required signed attribute is absent, repeated, or has other than one value.
    #[error("signed attribute {oid} must appear once with one value")]
    AttributeCount {
        /// The attribute type.
        oid: ObjectIdentifier,
    },
    /// The content-type attribute does not name id-ct-TSTInfo.
    #[error("content-type attribute is not id-ct-TSTInfo")]
    ContentTypeAttribute,
    /// The message-digest attribute is not the hash of the TSTInfo.
    #[error("message-digest attribute does not match the TSTInfo")]
    MessageDigestAttribute,
    /// No embedded certificate and no trusted TSA certificate matches the signer identifier.
    #[error("no certificate matches the timestamp signer")]
    SignerNotFound,
    /// The signer certificate does not validate to a trusted timestamp authority at genTime.
    #[error("timestamp signer not trusted: {0}")]
    Chain(ChainError),
    /// The signature over the signed attributes does not verify.
    #[error("timestamp signature: {0}")]
    Signature(CertError),
}
