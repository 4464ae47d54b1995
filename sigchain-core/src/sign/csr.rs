//! A PKCS#10 certificate request for the signing key, and Fulcio's proof of possession.
//!
//! Fulcio takes either a CSR (the key proves possession by signing the request) or a public
//! key with a signature over a challenge (the identity token's subject). The subject may be
//! empty, as sigstore-python and sigstore-go send it: Fulcio takes the identity from the
//! token, never from the request.
//!
//! ```
//! use sigchain_core::sign::csr::CertificateRequest;
//! use sigchain_core::sign::key::SigningKey;
//! let key = SigningKey::generate_p256()?;
//! let csr = CertificateRequest::new(&key)?;
//! assert!(csr.pem().starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use der::asn1::{BitString, SetOfVec};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::name::RdnSequence;
use x509_cert::request::{CertReq, CertReqInfo, Version};

use super::key::{KeyError, SigningKey};
use crate::crypto::KeyKind;
use crate::x509::oid;

/// Why a request could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    /// Encoding the request failed.
    #[error("encoding the certificate request: {0}")]
    Encode(der::Error),
    /// Signing the request failed.
    #[error("signing the certificate request: {0}")]
    Key(#[from] KeyError),
}

/// A DER PKCS#10 `CertificationRequest` signed by the key it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    der: Vec<u8>,
}

impl CertificateRequest {
    /// A request with an empty subject and no attributes for `key`.
    pub fn new(key: &SigningKey) -> Result<CertificateRequest, CsrError> {
        let public_key = SubjectPublicKeyInfoOwned::from_der(key.public_key().spki_der())
            .map_err(CsrError::Encode)?;
        let info = CertReqInfo {
            version: Version::V1,
            subject: RdnSequence::default(),
            public_key,
            attributes: SetOfVec::new(),
        };
        let info_der = info.to_der().map_err(CsrError::Encode)?;
        let signature = key.sign(&info_der)?;
        let algorithm = AlgorithmIdentifierOwned {
            oid: match key.kind() {
                KeyKind::EcdsaP384 => oid::ECDSA_WITH_SHA384,
                _ => oid::ECDSA_WITH_SHA256,
            },
            parameters: None,
        };
        let request = CertReq {
            info,
            algorithm,
            signature: BitString::from_bytes(&signature).map_err(CsrError::Encode)?,
        };
        Ok(CertificateRequest {
            der: request.to_der().map_err(CsrError::Encode)?,
        })
    }

    /// The DER request.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The request as PEM `CERTIFICATE REQUEST` (what Fulcio's `certificateSigningRequest`
    /// carries, base64-encoded once more).
    pub fn pem(&self) -> String {
        pem_rfc7468::encode_string(
            "CERTIFICATE REQUEST",
            pem_rfc7468::LineEnding::LF,
            &self.der,
        )
        .unwrap_or_default()
    }
}

/// Fulcio's proof of possession for a public-key request: `key`'s signature over the
/// challenge bytes (the identity token's `sub` claim, or its `email` for email identities).
pub fn proof_of_possession(key: &SigningKey, challenge: &[u8]) -> Result<Vec<u8>, KeyError> {
    key.sign(challenge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::PublicKey;

    #[test]
    fn request_names_the_key_and_is_signed_by_it() {
        let key = SigningKey::generate_p256().unwrap();
        let csr = CertificateRequest::new(&key).unwrap();
        let parsed = CertReq::from_der(csr.der()).unwrap();
        assert_eq!(parsed.info.subject, RdnSequence::default());
        assert_eq!(parsed.algorithm.oid, oid::ECDSA_WITH_SHA256);
        let spki = parsed.info.public_key.to_der().unwrap();
        let named = PublicKey::from_spki_der(&spki).unwrap();
        assert_eq!(&named, key.public_key());
        named
            .verify(
                &parsed.info.to_der().unwrap(),
                parsed.signature.raw_bytes(),
                crate::crypto::HashAlgorithm::Sha256,
            )
            .unwrap();
        let pem = csr.pem();
        let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
        assert_eq!(label, "CERTIFICATE REQUEST");
        assert_eq!(der, csr.der());
    }

    #[test]
    fn proof_of_possession_signs_the_challenge() {
        let key = SigningKey::generate_p256().unwrap();
        let proof = proof_of_possession(&key, b"user@example.com").unwrap();
        key.public_key()
            .verify(
                b"user@example.com",
                &proof,
                crate::crypto::HashAlgorithm::Sha256,
            )
            .unwrap();
        assert!(key
            .public_key()
            .verify(
                b"other@example.com",
                &proof,
                crate::crypto::HashAlgorithm::Sha256
            )
            .is_err());
    }
}
