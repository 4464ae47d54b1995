//! RustCrypto signing (p256, p384).

use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::signature::Signer;
use rand_core::{OsRng, RngCore};

use super::KeyError;
use crate::crypto::{HashAlgorithm, KeyKind};

/// The backend's key pair; the RustCrypto signing keys wipe themselves when dropped.
pub(super) enum KeyPair {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl KeyPair {
    pub(super) fn generate_p256() -> Result<KeyPair, KeyError> {
        Ok(KeyPair::P256(p256::ecdsa::SigningKey::random(&mut OsRng)))
    }

    pub(super) fn from_scalar(kind: KeyKind, scalar: &[u8]) -> Result<KeyPair, KeyError> {
        let bad = |_| KeyError::Backend("private key rejected by RustCrypto");
        match kind {
            KeyKind::EcdsaP256 => Ok(KeyPair::P256(
                p256::ecdsa::SigningKey::from_slice(scalar).map_err(bad)?,
            )),
            KeyKind::EcdsaP384 => Ok(KeyPair::P384(
                p384::ecdsa::SigningKey::from_slice(scalar).map_err(bad)?,
            )),
            other => Err(KeyError::UnsupportedAlgorithm(format!("{other:?}"))),
        }
    }

    pub(super) fn kind(&self) -> KeyKind {
        match self {
            KeyPair::P256(_) => KeyKind::EcdsaP256,
            KeyPair::P384(_) => KeyKind::EcdsaP384,
        }
    }

    pub(super) fn public_point(&self) -> Vec<u8> {
        match self {
            KeyPair::P256(k) => k
                .verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
            KeyPair::P384(k) => k
                .verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
        }
    }

    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let failed = |_| KeyError::Backend("signing failed");
        Ok(match self {
            KeyPair::P256(k) => {
                let sig: p256::ecdsa::Signature = k.try_sign(message).map_err(failed)?;
                sig.to_der().as_bytes().to_vec()
            }
            KeyPair::P384(k) => {
                let sig: p384::ecdsa::Signature = k.try_sign(message).map_err(failed)?;
                sig.to_der().as_bytes().to_vec()
            }
        })
    }

    pub(super) fn sign_prehashed(
        &self,
        _hash: HashAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, KeyError> {
        let failed = |_| KeyError::Backend("signing failed");
        Ok(match self {
            KeyPair::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign_prehash(digest).map_err(failed)?;
                sig.to_der().as_bytes().to_vec()
            }
            KeyPair::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign_prehash(digest).map_err(failed)?;
                sig.to_der().as_bytes().to_vec()
            }
        })
    }
}

pub(super) fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut out = [0u8; N];
    OsRng
        .try_fill_bytes(&mut out)
        .map_err(|_| KeyError::Backend("random generator failed"))?;
    Ok(out)
}
