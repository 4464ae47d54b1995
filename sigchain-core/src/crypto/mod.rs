//! Signature verification and hashing behind a small backend trait.
//!
//! Two backends implement [`CryptoBackend`]: aws-lc-rs (feature `aws-lc`, the default, several
//! times faster for ECDSA) and RustCrypto (feature `rustcrypto`, pure Rust, for wasm32 and other
//! targets without a C toolchain). When both are enabled aws-lc-rs is used by [`PublicKey`]; the
//! other stays callable through its backend type so the two can be cross-checked.
//!
//! ```
//! use sigchain_core::crypto::{PublicKey, HashAlgorithm};
//! let pem = "-----BEGIN PUBLIC KEY-----\n\
//! MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr\n\
//! kBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n\
//! -----END PUBLIC KEY-----\n";
//! let key = PublicKey::from_pem(pem).unwrap();
//! assert!(key.verify(b"msg", b"\x30\x06\x02\x01\x01\x02\x01\x01", HashAlgorithm::Sha256).is_err());
//! ```

#[cfg(feature = "aws-lc")]
pub mod aws_lc;
#[cfg(feature = "rustcrypto")]
pub mod rustcrypto;

mod hash;
mod key;

pub use hash::{sha256, sha384, sha512, HashAlgorithm, Sha256Digest, Sha256Stream};
pub use key::{KeyKind, PublicKey};

#[cfg(not(any(feature = "aws-lc", feature = "rustcrypto")))]
compile_error!("sigchain-core needs a crypto backend: enable feature `aws-lc` or `rustcrypto`");

/// Why a cryptographic operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The key is not a well-formed SubjectPublicKeyInfo, PEM block, or point.
    #[error("malformed public key: {0}")]
    MalformedKey(&'static str),
    /// The key's algorithm is not one sigchain verifies.
    #[error("unsupported public key algorithm {oid}")]
    UnsupportedKeyAlgorithm {
        /// The algorithm OID (and curve OID for EC keys) found in the key.
        oid: String,
    },
    /// The hash algorithm cannot be combined with this key type.
    #[error("hash {hash:?} cannot be used with a {kind:?} key")]
    UnsupportedHash {
        /// The key type.
        kind: KeyKind,
        /// The requested hash.
        hash: HashAlgorithm,
    },
    /// Ed25519 signs messages, not digests: a digest-only check is impossible.
    #[error("a {0:?} key cannot verify a signature over a precomputed digest")]
    PrehashUnsupported(KeyKind),
    /// The digest has the wrong length for its algorithm.
    #[error("digest has {got} bytes, {hash:?} needs {want}")]
    DigestLength {
        /// Hash algorithm.
        hash: HashAlgorithm,
        /// Bytes supplied.
        got: usize,
        /// Bytes required.
        want: usize,
    },
    /// The signature does not verify (or is not well-formed).
    #[error("signature does not verify")]
    BadSignature,
}

/// A key prepared by a backend: parsing and point decoding are done once, so repeated
/// verifications with a trusted-root key pay only for the signature check.
pub trait PreparedKey: Send + Sync + std::fmt::Debug {
    /// Verify `signature` over `message`, hashed with `hash` (ignored for Ed25519).
    fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        hash: HashAlgorithm,
    ) -> Result<(), CryptoError>;
    /// Verify `signature` over a digest computed elsewhere with `hash`.
    fn verify_prehashed(
        &self,
        digest: &[u8],
        signature: &[u8],
        hash: HashAlgorithm,
    ) -> Result<(), CryptoError>;
}

/// A signature-verification and hashing backend.
pub trait CryptoBackend {
    /// The backend's prepared key.
    type Key: PreparedKey + 'static;
    /// Prepare a key of `kind` from its raw encoding (SEC1 point or 32-byte Ed25519 key).
    fn prepare_key(kind: KeyKind, raw: &[u8]) -> Result<Self::Key, CryptoError>;
    /// SHA-256 of `data`.
    fn sha256(data: &[u8]) -> [u8; 32];
    /// SHA-384 of `data`.
    fn sha384(data: &[u8]) -> [u8; 48];
}

/// The backend [`PublicKey`] uses: aws-lc-rs when enabled, RustCrypto otherwise.
#[cfg(feature = "aws-lc")]
pub type DefaultBackend = aws_lc::AwsLcBackend;
/// The backend [`PublicKey`] uses: aws-lc-rs when enabled, RustCrypto otherwise.
#[cfg(all(feature = "rustcrypto", not(feature = "aws-lc")))]
pub type DefaultBackend = rustcrypto::RustCryptoBackend;
