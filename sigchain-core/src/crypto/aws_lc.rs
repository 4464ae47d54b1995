//! The aws-lc-rs backend.

use std::sync::OnceLock;

use aws_lc_rs::{digest, signature};

use super::{CryptoBackend, CryptoError, HashAlgorithm, KeyKind, PreparedKey};

/// aws-lc-rs signature verification.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcBackend;

/// A key parsed once by aws-lc-rs, for each hash it may be used with.
#[derive(Debug)]
pub struct AwsLcKey {
    kind: KeyKind,
    raw: Box<[u8]>,
    // One parsed key per (curve, hash) pairing, made on first use so no verification re-parses.
    sha256: OnceLock<Option<signature::ParsedPublicKey>>,
    sha384: OnceLock<Option<signature::ParsedPublicKey>>,
    sha512: OnceLock<Option<signature::ParsedPublicKey>>,
    ed25519: Option<signature::ParsedPublicKey>,
}

fn parsed(
    alg: &'static dyn signature::VerificationAlgorithm,
    raw: &[u8],
) -> Result<signature::ParsedPublicKey, CryptoError> {
    signature::ParsedPublicKey::new(alg, raw)
        .map_err(|_| CryptoError::MalformedKey("point rejected by aws-lc"))
}

impl CryptoBackend for AwsLcBackend {
    type Key = AwsLcKey;

    fn prepare_key(kind: KeyKind, raw: &[u8]) -> Result<AwsLcKey, CryptoError> {
        let key = AwsLcKey {
            kind,
            raw: raw.into(),
            sha256: OnceLock::new(),
            sha384: OnceLock::new(),
            sha512: OnceLock::new(),
            ed25519: match kind {
                KeyKind::Ed25519 => Some(parsed(&signature::ED25519, raw)?),
                _ => None,
            },
        };
        // Reject a bad point now rather than at first use.
        if kind != KeyKind::Ed25519 {
            key.for_hash(kind.default_hash())?;
        }
        Ok(key)
    }

    fn sha256(data: &[u8]) -> [u8; 32] {
        let d = digest::digest(&digest::SHA256, data);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }

    fn sha384(data: &[u8]) -> [u8; 48] {
        let d = digest::digest(&digest::SHA384, data);
        let mut out = [0u8; 48];
        out.copy_from_slice(d.as_ref());
        out
    }
}

impl AwsLcKey {
    fn for_hash(&self, hash: HashAlgorithm) -> Result<&signature::ParsedPublicKey, CryptoError> {
        let unsupported = CryptoError::UnsupportedHash {
            kind: self.kind,
            hash,
        };
        let (slot, alg): (_, &'static dyn signature::VerificationAlgorithm) =
            match (self.kind, hash) {
                (KeyKind::EcdsaP256, HashAlgorithm::Sha256) => {
                    (&self.sha256, &signature::ECDSA_P256_SHA256_ASN1)
                }
                (KeyKind::EcdsaP256, HashAlgorithm::Sha384) => {
                    (&self.sha384, &signature::ECDSA_P256_SHA384_ASN1)
                }
                (KeyKind::EcdsaP384, HashAlgorithm::Sha256) => {
                    (&self.sha256, &signature::ECDSA_P384_SHA256_ASN1)
                }
                (KeyKind::EcdsaP384, HashAlgorithm::Sha384) => {
                    (&self.sha384, &signature::ECDSA_P384_SHA384_ASN1)
                }
                (KeyKind::RsaPkcs1, HashAlgorithm::Sha256) => {
                    (&self.sha256, &signature::RSA_PKCS1_2048_8192_SHA256)
                }
                (KeyKind::RsaPkcs1, HashAlgorithm::Sha384) => {
                    (&self.sha384, &signature::RSA_PKCS1_2048_8192_SHA384)
                }
                (KeyKind::RsaPkcs1, HashAlgorithm::Sha512) => {
                    (&self.sha512, &signature::RSA_PKCS1_2048_8192_SHA512)
                }
                _ => return Err(unsupported),
            };
        slot.get_or_init(|| parsed(alg, &self.raw).ok())
            .as_ref()
            .ok_or(CryptoError::MalformedKey("point rejected by aws-lc"))
    }
}

impl PreparedKey for AwsLcKey {
    fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        hash: HashAlgorithm,
    ) -> Result<(), CryptoError> {
        let key = match &self.ed25519 {
            Some(key) => key,
            None => self.for_hash(hash)?,
        };
        key.verify_sig(message, signature)
            .map_err(|_| CryptoError::BadSignature)
    }

    fn verify_prehashed(
        &self,
        digest_bytes: &[u8],
        signature: &[u8],
        hash: HashAlgorithm,
    ) -> Result<(), CryptoError> {
        if self.kind == KeyKind::Ed25519 {
            return Err(CryptoError::PrehashUnsupported(self.kind));
        }
        let key = self.for_hash(hash)?;
        let alg = match hash {
            HashAlgorithm::Sha256 => &digest::SHA256,
            HashAlgorithm::Sha384 => &digest::SHA384,
            HashAlgorithm::Sha512 => &digest::SHA512,
        };
        let digest = digest::Digest::import_less_safe(digest_bytes, alg).map_err(|_| {
            CryptoError::DigestLength {
                hash,
                got: digest_bytes.len(),
                want: hash.output_len(),
            }
        })?;
        key.verify_digest_sig(&digest, signature)
            .map_err(|_| CryptoError::BadSignature)
    }
}
