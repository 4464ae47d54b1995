//! X.509 for Sigstore: certificates decoded once, Fulcio's identity extensions, and path
//! validation against the trusted root's certificate authorities.
//!
//! ```
//! use sigchain_core::trust_root::TrustedRoot;
//! use sigchain_core::x509::TrustAnchors;
//! let anchors = TrustAnchors::new(&TrustedRoot::production().certificate_authorities);
//! assert_eq!(anchors.unusable().count(), 0);
//! ```

mod cert;
mod chain;
mod fulcio;
#[cfg(test)]
pub(crate) mod testdata;

pub use cert::Certificate;
pub(crate) use cert::{signature_hash, EXTENSIONS_TAG};
pub use chain::{AuthorityPool, ChainError, LeafPolicy, TrustAnchors, VerifiedChain};
pub use fulcio::{subject_identity, FulcioClaims, FulcioError, SubjectIdentity};

use const_oid::ObjectIdentifier;

/// Why a certificate could not be parsed or its signature checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// Not well-formed DER for a certificate (or trailing bytes after it).
    #[error("malformed certificate DER: {0}")]
    Der(der::Error),
    /// Text that is not a PEM block.
    #[error("not a PEM block")]
    NotPem,
    /// A PEM block that is not a certificate.
    #[error("PEM label is {label:?}, not CERTIFICATE")]
    PemLabel {
        /// The label found.
        label: String,
    },
    /// tbsCertificate.signature differs from signatureAlgorithm (RFC 5280 4.1.1.2).
    #[error("inner and outer signature algorithms differ")]
    SignatureAlgorithmMismatch,
    /// The same extension appears twice (RFC 5280 4.2).
    #[error("extension {oid} appears more than once")]
    DuplicateExtension {
        /// The repeated extension.
        oid: ObjectIdentifier,
    },
    /// An extension sigchain reads does not decode.
    #[error("extension {oid} is malformed: {error}")]
    MalformedExtension {
        /// The extension.
        oid: ObjectIdentifier,
        /// The decoding error.
        error: der::Error,
    },
    /// The certificate's key cannot be used for verification.
    #[error("certificate key unusable: {0}")]
    UnusableKey(crate::crypto::CryptoError),
    /// A signature algorithm sigchain does not verify.
    #[error("unsupported signature algorithm {oid}")]
    UnsupportedSignatureAlgorithm {
        /// The algorithm.
        oid: ObjectIdentifier,
    },
    /// ECDSA and Ed25519 signature algorithm identifiers must omit parameters.
    #[error("signature algorithm {oid} has parameters")]
    SignatureAlgorithmParameters {
        /// The algorithm.
        oid: ObjectIdentifier,
    },
    /// The signature algorithm does not fit the signer's key type.
    #[error("signature algorithm {oid} cannot be made by a {key:?} key")]
    KeyAlgorithmMismatch {
        /// The signer's key type.
        key: KeyKind,
        /// The algorithm.
        oid: ObjectIdentifier,
    },
    /// The signature BIT STRING has unused bits.
    #[error("signature bit string has unused bits")]
    SignatureBitString,
    /// The certificate's issuer name is not the candidate issuer's subject name.
    #[error("issuer name {expected} does not match candidate subject {found}")]
    IssuerNameMismatch {
        /// The certificate's issuer name.
        expected: String,
        /// The candidate's subject name.
        found: String,
    },
    /// The signature does not verify with the issuer's key.
    #[error("certificate signature does not verify: {0}")]
    BadSignature(crate::crypto::CryptoError),
}

use crate::crypto::KeyKind;

/// Object identifiers used by the X.509, Fulcio and RFC 3161 code.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// id-ce-basicConstraints
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    /// id-ce-keyUsage
    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    /// id-ce-extKeyUsage
    pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
    /// id-ce-subjectAltName
    pub const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
    /// id-ce-subjectKeyIdentifier
    pub const SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
    /// id-ce-authorityKeyIdentifier
    pub const AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
    /// id-ce-certificatePolicies
    pub const CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
    /// anyExtendedKeyUsage
    pub const ANY_EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37.0");
    /// id-kp-codeSigning
    pub const KP_CODE_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.3");
    /// id-kp-timeStamping
    pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
    /// ecdsa-with-SHA256
    pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384
    pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    /// ecdsa-with-SHA512
    pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    /// id-Ed25519
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
    /// sha256WithRSAEncryption (RFC 4055).
    pub const RSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption (RFC 4055).
    pub const RSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption (RFC 4055).
    pub const RSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    /// id-ecPublicKey (some CMS signers name the key, not the signature, algorithm)
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// id-sha256
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// id-sha384
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// id-sha512
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
}
