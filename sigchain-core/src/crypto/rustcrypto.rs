//! The pure-Rust RustCrypto backend (`p256`, `p384`, `ed25519-dalek`).

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use sha2::Digest as _;

use super::{CryptoBackend, CryptoError, HashAlgorithm, KeyKind, PreparedKey};

/// RustCrypto signature verification.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCryptoBackend;

/// A key decoded once by RustCrypto.
#[derive(Debug)]
pub enum RustCryptoKey {
    /// P-256 verifying key.
    P256(p256::ecdsa::VerifyingKey),
    /// P-384 verifying key.
    P384(p384::ecdsa::VerifyingKey),
    /// Ed25519 verifying key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// RSA public key (PKCS#1 v1.5 signatures).
    Rsa(rsa::RsaPublicKey),
}

impl CryptoBackend for RustCryptoBackend {
    type Key = RustCryptoKey;

    fn prepare_key(kind: KeyKind, raw: &[u8]) -> Result<RustCryptoKey, CryptoError> {
        let bad = |_| CryptoError::MalformedKey("point rejected by RustCrypto");
        Ok(match kind {
            KeyKind::EcdsaP256 => {
                RustCryptoKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(raw).map_err(bad)?)
            }
            KeyKind::EcdsaP384 => {
                RustCryptoKey::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(raw).map_err(bad)?)
            }
            KeyKind::RsaPkcs1 => {
                use rsa::pkcs1::DecodeRsaPublicKey;
                let key = rsa::RsaPublicKey::from_pkcs1_der(raw)
                    .map_err(|_| CryptoError::MalformedKey("RSA key rejected by RustCrypto"))?;
                // The same range aws-lc-rs accepts, so both backends agree.
                let bits = rsa::traits::PublicKeyParts::n(&key).bits();
                if !(2048..=8192).contains(&bits) {
                    return Err(CryptoError::MalformedKey(
                        "RSA key size outside 2048..8192 bits",
                    ));
                }
                RustCryptoKey::Rsa(key)
            }
            KeyKind::Ed25519 => {
                let bytes: [u8; 32] = raw
                    .try_into()
                    .map_err(|_| CryptoError::MalformedKey("Ed25519 key is not 32 bytes"))?;
                RustCryptoKey::Ed25519(
                    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                        .map_err(|_| CryptoError::MalformedKey("Ed25519 point rejected"))?,
                )
            }
        })
    }

    fn sha256(data: &[u8]) -> [u8; 32] {
        sha2::Sha256::digest(data).into()
    }

    fn sha384(data: &[u8]) -> [u8; 48] {
        sha2::Sha384::digest(data).into()
    }
}

impl RustCryptoKey {
    fn kind(&self) -> KeyKind {
        match self {
            RustCryptoKey::P256(_) => KeyKind::EcdsaP256,
            RustCryptoKey::P384(_) => KeyKind::EcdsaP384,
            RustCryptoKey::Ed25519(_) => KeyKind::Ed25519,
            RustCryptoKey::Rsa(_) => KeyKind::RsaPkcs1,
        }
    }
}

impl PreparedKey for RustCryptoKey {
    fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        hash: HashAlgorithm,
    ) -> Result<(), CryptoError> {
        if let RustCryptoKey::Ed25519(key) = self {
            let sig = ed25519_dalek::Signature::from_slice(signature)
                .map_err(|_| CryptoError::BadSignature)?;
            return key
                .verify_strict(message, &sig)
                .map_err(|_| CryptoError::BadSignature);
        }
        let digest = hash.digest(message);
        self.verify_prehashed(&digest, signature, hash)
    }

    fn verify_prehashed(
        &self,
        digest: &[u8],
        signature: &[u8],
        hash: HashAlgorithm,
    ) -> Result<(), CryptoError> {
        if let RustCryptoKey::Rsa(key) = self {
            let scheme = match hash {
                HashAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                HashAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                HashAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            return key
                .verify(scheme, digest, signature)
                .map_err(|_| CryptoError::BadSignature);
        }
        // Only the pairings the aws-lc backend offers, so both backends accept the same inputs.
        if hash == HashAlgorithm::Sha512 {
            return Err(CryptoError::UnsupportedHash {
                kind: self.kind(),
                hash,
            });
        }
        match self {
            RustCryptoKey::P256(key) => {
                let sig = p256::ecdsa::Signature::from_der(signature)
                    .map_err(|_| CryptoError::BadSignature)?;
                key.verify_prehash(digest, &sig)
                    .map_err(|_| CryptoError::BadSignature)
            }
            RustCryptoKey::P384(key) => {
                let sig = p384::ecdsa::Signature::from_der(signature)
                    .map_err(|_| CryptoError::BadSignature)?;
                key.verify_prehash(digest, &sig)
                    .map_err(|_| CryptoError::BadSignature)
            }
            RustCryptoKey::Ed25519(_) => Err(CryptoError::PrehashUnsupported(KeyKind::Ed25519)),
            RustCryptoKey::Rsa(_) => Err(CryptoError::BadSignature),
        }
    }
}
