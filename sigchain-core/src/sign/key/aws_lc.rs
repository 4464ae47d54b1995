//! aws-lc-rs signing.

use aws_lc_rs::digest;
use aws_lc_rs::rand::{self, SystemRandom};
use aws_lc_rs::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P384_SHA384_ASN1_SIGNING,
};

use super::KeyError;
use crate::crypto::{HashAlgorithm, KeyKind};

/// The backend's key pair; aws-lc wipes the private key when it is freed.
pub(super) struct KeyPair {
    kind: KeyKind,
    pair: EcdsaKeyPair,
}

fn algorithm(kind: KeyKind) -> Result<&'static EcdsaSigningAlgorithm, KeyError> {
    match kind {
        KeyKind::EcdsaP256 => Ok(&ECDSA_P256_SHA256_ASN1_SIGNING),
        KeyKind::EcdsaP384 => Ok(&ECDSA_P384_SHA384_ASN1_SIGNING),
        other => Err(KeyError::UnsupportedAlgorithm(format!("{other:?}"))),
    }
}

impl KeyPair {
    pub(super) fn generate_p256() -> Result<KeyPair, KeyError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
            .map_err(|_| KeyError::Backend("key generation failed"))?;
        Ok(KeyPair {
            kind: KeyKind::EcdsaP256,
            pair,
        })
    }

    pub(super) fn from_scalar(kind: KeyKind, scalar: &[u8]) -> Result<KeyPair, KeyError> {
        let alg = algorithm(kind)?;
        // aws-lc takes a private key as DER; a minimal SEC1 ECPrivateKey carries only the
        // scalar, and aws-lc derives (and checks) the public point itself.
        let mut der = zeroize::Zeroizing::new(Vec::with_capacity(scalar.len() + 8));
        der.extend_from_slice(&[0x30, (scalar.len() + 5) as u8, 0x02, 0x01, 0x01, 0x04]);
        der.push(scalar.len() as u8);
        der.extend_from_slice(scalar);
        let pair = EcdsaKeyPair::from_private_key_der(alg, &der)
            .map_err(|_| KeyError::Backend("private key rejected by aws-lc"))?;
        Ok(KeyPair { kind, pair })
    }

    pub(super) fn kind(&self) -> KeyKind {
        self.kind
    }

    pub(super) fn public_point(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| KeyError::Backend("signing failed"))
    }

    pub(super) fn sign_prehashed(
        &self,
        hash: HashAlgorithm,
        digest_bytes: &[u8],
    ) -> Result<Vec<u8>, KeyError> {
        let alg = match hash {
            HashAlgorithm::Sha256 => &digest::SHA256,
            HashAlgorithm::Sha384 => &digest::SHA384,
            HashAlgorithm::Sha512 => &digest::SHA512,
        };
        let digest = digest::Digest::import_less_safe(digest_bytes, alg)
            .map_err(|_| KeyError::Backend("digest rejected by aws-lc"))?;
        self.pair
            .sign_digest(&digest)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| KeyError::Backend("signing failed"))
    }
}

pub(super) fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut out = [0u8; N];
    rand::fill(&mut out).map_err(|_| KeyError::Backend("random generator failed"))?;
    Ok(out)
}
