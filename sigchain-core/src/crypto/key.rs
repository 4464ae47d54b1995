use std::sync::Arc;

use der::Decode;
use spki::SubjectPublicKeyInfoRef;

use super::{CryptoBackend, CryptoError, DefaultBackend, HashAlgorithm, PreparedKey};

const OID_EC_PUBLIC_KEY: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_RSA: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ED25519: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.101.112");

/// Public key types sigchain verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA over NIST P-256.
    EcdsaP256,
    /// ECDSA over NIST P-384.
    EcdsaP384,
    /// Ed25519 (RFC 8032, pure).
    Ed25519,
    /// RSA with PKCS#1 v1.5 signatures, 2048 to 8192 bits (some private CAs and CT logs).
    RsaPkcs1,
}

impl KeyKind {
    /// The hash Sigstore pairs with this key when nothing else says which.
    pub fn default_hash(self) -> HashAlgorithm {
        match self {
            KeyKind::EcdsaP256 => HashAlgorithm::Sha256,
            KeyKind::EcdsaP384 => HashAlgorithm::Sha384,
            KeyKind::Ed25519 => HashAlgorithm::Sha512,
            KeyKind::RsaPkcs1 => HashAlgorithm::Sha256,
        }
    }
}

/// A parsed, ready-to-use public key. Cheap to clone (the prepared key is shared).
#[derive(Clone, Debug)]
pub struct PublicKey {
    kind: KeyKind,
    spki_der: Arc<[u8]>,
    prepared: Arc<<DefaultBackend as CryptoBackend>::Key>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}
impl Eq for PublicKey {}

impl PublicKey {
    /// Parse a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, CryptoError> {
        let (kind, raw) = parse_spki(der)?;
        let prepared = DefaultBackend::prepare_key(kind, raw)?;
        Ok(PublicKey {
            kind,
            spki_der: Arc::from(der),
            prepared: Arc::new(prepared),
        })
    }

    /// Parse a PEM `PUBLIC KEY` block (SubjectPublicKeyInfo).
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes())
            .map_err(|_| CryptoError::MalformedKey("not a PEM block"))?;
        if label != "PUBLIC KEY" {
            return Err(CryptoError::MalformedKey("PEM label is not PUBLIC KEY"));
        }
        Self::from_spki_der(&der)
    }

    /// The key type.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The DER SubjectPublicKeyInfo this key was parsed from.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The raw key bits inside the SubjectPublicKeyInfo (SEC1 point, 32-byte Ed25519 key, or
    /// PKCS#1 RSAPublicKey).
    pub fn raw_key_bytes(&self) -> &[u8] {
        // The DER was parsed successfully when this key was made.
        parse_spki(&self.spki_der).map_or(&[], |(_, raw)| raw)
    }

    /// Verify `signature` (ASN.1 DER for ECDSA, 64 bytes for Ed25519) over `message`.
    pub fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        hash: HashAlgorithm,
    ) -> Result<(), CryptoError> {
        self.prepared.verify(message, signature, hash)
    }

    /// Verify `signature` over a digest computed elsewhere (ECDSA only).
    pub fn verify_prehashed(
        &self,
        digest: &[u8],
        signature: &[u8],
        hash: HashAlgorithm,
    ) -> Result<(), CryptoError> {
        if digest.len() != hash.output_len() {
            return Err(CryptoError::DigestLength {
                hash,
                got: digest.len(),
                want: hash.output_len(),
            });
        }
        self.prepared.verify_prehashed(digest, signature, hash)
    }
}

/// Split a SubjectPublicKeyInfo into its key type and raw key bits.
pub(crate) fn parse_spki(der: &[u8]) -> Result<(KeyKind, &[u8]), CryptoError> {
    let spki = SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|_| CryptoError::MalformedKey("not a DER SubjectPublicKeyInfo"))?;
    let raw = spki
        .subject_public_key
        .as_bytes()
        .ok_or(CryptoError::MalformedKey(
            "public key bit string has unused bits",
        ))?;
    let alg = spki.algorithm.oid;
    let kind = if alg == OID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters_oid()
            .map_err(|_| CryptoError::MalformedKey("EC key without a named curve"))?;
        if curve == OID_P256 {
            KeyKind::EcdsaP256
        } else if curve == OID_P384 {
            KeyKind::EcdsaP384
        } else {
            return Err(CryptoError::UnsupportedKeyAlgorithm {
                oid: format!("{alg}/{curve}"),
            });
        }
    } else if alg == OID_RSA {
        // RFC 3279 2.3.1: the parameters are NULL (some encoders omit them).
        if let Some(params) = &spki.algorithm.parameters {
            if !params.is_null() {
                return Err(CryptoError::MalformedKey("RSA key parameters are not NULL"));
            }
        }
        KeyKind::RsaPkcs1
    } else if alg == OID_ED25519 {
        if spki.algorithm.parameters.is_some() {
            return Err(CryptoError::MalformedKey("Ed25519 key with parameters"));
        }
        KeyKind::Ed25519
    } else {
        return Err(CryptoError::UnsupportedKeyAlgorithm {
            oid: alg.to_string(),
        });
    };
    Ok((kind, raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A P-256 key and a signature over b"hello" made with it (openssl, SHA-256).
    const P256_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr
kBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==
-----END PUBLIC KEY-----";

    #[test]
    fn parses_p256_pem() {
        let key = PublicKey::from_pem(P256_PEM).unwrap();
        assert_eq!(key.kind(), KeyKind::EcdsaP256);
    }

    #[test]
    fn rejects_garbage() {
        assert!(PublicKey::from_spki_der(b"\x30\x03\x02\x01\x00").is_err());
        assert!(PublicKey::from_pem(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
        )
        .is_err());
        assert!(PublicKey::from_spki_der(&[]).is_err());
    }

    #[test]
    fn prehashed_digest_length_is_checked() {
        let key = PublicKey::from_pem(P256_PEM).unwrap();
        assert!(matches!(
            key.verify_prehashed(&[0u8; 31], b"sig", HashAlgorithm::Sha256),
            Err(CryptoError::DigestLength { .. })
        ));
    }
}
