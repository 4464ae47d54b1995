//! Signing keys: an ephemeral P-256 key for keyless signing, or a managed key from PEM.
//!
//! The private key never leaves this type: it is not serialised, and the buffers this module
//! decodes it from are wiped when dropped (aws-lc-rs and the RustCrypto keys wipe their own
//! copies). Signatures are DER ECDSA, the form Fulcio, Rekor and bundles carry.
//!
//! ```
//! use sigchain_core::crypto::HashAlgorithm;
//! use sigchain_core::sign::key::SigningKey;
//! let key = SigningKey::generate_p256()?;
//! let signature = key.sign(b"hello")?;
//! key.public_key().verify(b"hello", &signature, HashAlgorithm::Sha256)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "aws-lc")]
#[path = "key/aws_lc.rs"]
mod backend;
#[cfg(all(feature = "rustcrypto", not(feature = "aws-lc")))]
#[path = "key/rustcrypto.rs"]
mod backend;
mod der_key;

use zeroize::Zeroizing;

use crate::crypto::{CryptoError, HashAlgorithm, KeyKind, PublicKey, Sha256Digest};

/// Why a key could not be made, read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text is not one PEM block.
    #[error("not a PEM private key")]
    NotPem,
    /// The PEM block is a password-protected key; decrypt it first (e.g. `openssl pkey`).
    #[error("the private key is encrypted; decrypt it before use")]
    Encrypted,
    /// A PEM label other than `PRIVATE KEY` or `EC PRIVATE KEY`.
    #[error("PEM label {0:?} is not a supported private key")]
    UnsupportedLabel(String),
    /// The DER does not hold the key structure its label names.
    #[error("malformed private key: {0}")]
    Malformed(&'static str),
    /// A key type or curve the signer does not support (P-256 and P-384 are).
    #[error("unsupported private key algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The crypto backend refused the key or failed to sign.
    #[error("crypto backend: {0}")]
    Backend(&'static str),
    /// A digest of the wrong length, or a hash the key does not sign with.
    #[error("cannot sign a {hash:?} digest of {len} bytes with a {kind:?} key")]
    Digest {
        /// The key's kind.
        kind: KeyKind,
        /// The hash named.
        hash: HashAlgorithm,
        /// Length of the digest given.
        len: usize,
    },
    /// The public key derived from the private key was rejected by the verifier side.
    #[error("public key: {0}")]
    PublicKey(CryptoError),
}

/// An ECDSA private key (P-256 or P-384) with its public key.
pub struct SigningKey {
    inner: backend::KeyPair,
    public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("SigningKey")
            .field("kind", &self.public.kind())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh P-256 key from the operating system's generator, for one keyless signing.
    pub fn generate_p256() -> Result<SigningKey, KeyError> {
        Self::from_pair(backend::KeyPair::generate_p256()?)
    }

    /// A managed key from PEM: PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`), on P-256 or
    /// P-384. Encrypted keys are refused with [`KeyError::Encrypted`].
    pub fn from_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let text = pem.trim();
        if text.contains("ENCRYPTED") {
            return Err(KeyError::Encrypted);
        }
        let (label, der) =
            pem_rfc7468::decode_vec(text.as_bytes()).map_err(|_| KeyError::NotPem)?;
        let der = Zeroizing::new(der);
        match label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "EC PRIVATE KEY" => Self::from_sec1_der(&der),
            other => Err(KeyError::UnsupportedLabel(other.to_owned())),
        }
    }

    /// A managed key from DER PKCS#8 `PrivateKeyInfo`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, KeyError> {
        let parsed = der_key::parse_pkcs8(der)?;
        Self::from_pair(backend::KeyPair::from_scalar(parsed.kind, parsed.scalar)?)
    }

    /// A managed key from DER SEC1 `ECPrivateKey` (the curve must be named inside).
    pub fn from_sec1_der(der: &[u8]) -> Result<SigningKey, KeyError> {
        let parsed = der_key::parse_sec1(der, None)?;
        Self::from_pair(backend::KeyPair::from_scalar(parsed.kind, parsed.scalar)?)
    }

    fn from_pair(inner: backend::KeyPair) -> Result<SigningKey, KeyError> {
        let spki = der_key::spki_der(inner.kind(), &inner.public_point())?;
        let public = PublicKey::from_spki_der(&spki).map_err(KeyError::PublicKey)?;
        Ok(SigningKey { inner, public })
    }

    /// The key's type and curve.
    pub fn kind(&self) -> KeyKind {
        self.public.kind()
    }

    /// The hash [`SigningKey::sign`] uses: SHA-256 for P-256, SHA-384 for P-384.
    pub fn hash(&self) -> HashAlgorithm {
        self.kind().default_hash()
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The public key as PEM `PUBLIC KEY` (what Fulcio's public-key request carries).
    pub fn public_key_pem(&self) -> String {
        pem_rfc7468::encode_string(
            "PUBLIC KEY",
            pem_rfc7468::LineEnding::LF,
            self.public.spki_der(),
        )
        .unwrap_or_default()
    }

    /// A DER ECDSA signature over `message`, hashed with [`SigningKey::hash`].
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.inner.sign(message)
    }

    /// A DER ECDSA signature over a precomputed `digest` made with `hash`, which must be the
    /// key's own hash (SHA-256 for P-256): what a `hashedrekord` over an artifact too large
    /// to hold, or known only by digest, needs.
    pub fn sign_prehashed(&self, hash: HashAlgorithm, digest: &[u8]) -> Result<Vec<u8>, KeyError> {
        if hash != self.hash() || digest.len() != hash.output_len() {
            return Err(KeyError::Digest {
                kind: self.kind(),
                hash,
                len: digest.len(),
            });
        }
        self.inner.sign_prehashed(hash, digest)
    }

    /// [`SigningKey::sign_prehashed`] for a SHA-256 digest.
    pub fn sign_sha256_digest(&self, digest: &Sha256Digest) -> Result<Vec<u8>, KeyError> {
        self.sign_prehashed(HashAlgorithm::Sha256, digest.as_bytes())
    }
}

/// `N` bytes from the operating system's generator (TSA nonces).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    backend::random_bytes()
}

#[cfg(test)]
mod tests;
