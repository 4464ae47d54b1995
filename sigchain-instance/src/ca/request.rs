//! Fulcio v2 `CreateSigningCertificateRequest` JSON as the CA reads it, and the two proofs of
//! key possession it accepts, checked as Fulcio checks them:
//!
//! - `publicKeyRequest`: a PEM public key and `proofOfPossession`, a signature over the
//!   token's principal (the email, for email issuers) — ECDSA over SHA-256 (or, for P-384,
//!   SHA-384, as newer Fulcio releases verify it), Ed25519 over the bytes themselves;
//! - `certificateSigningRequest`: base64 of a PEM (or DER) PKCS#10 request whose own signature
//!   is the proof.
//!
//! Server-side types; the client-side ones live in `sigchain-fulcio`.

use base64::Engine as _;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use serde::{Deserialize, Serialize};
use sigchain_core::crypto::{HashAlgorithm, KeyKind, PublicKey};
use x509_cert::request::CertReq;

use super::CaError;

/// Largest request body accepted (a request with a CSR is ~2 KiB).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// `CreateSigningCertificateRequest` (protobuf JSON; snake_case names accepted too).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSigningCertificateRequest {
    /// The identity token.
    #[serde(default)]
    pub credentials: Option<Credentials>,
    /// A public key with a proof of possession.
    #[serde(default, alias = "public_key_request")]
    pub public_key_request: Option<PublicKeyRequest>,
    /// Base64 of a PEM PKCS#10 request.
    #[serde(
        default,
        alias = "certificate_signing_request",
        skip_serializing_if = "Option::is_none"
    )]
    pub certificate_signing_request: Option<String>,
}

/// `Credentials`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The OIDC identity token (JWS compact).
    #[serde(default, alias = "oidc_identity_token")]
    pub oidc_identity_token: Option<String>,
}

/// `PublicKeyRequest`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyRequest {
    /// The key.
    #[serde(default, alias = "public_key")]
    pub public_key: Option<PublicKeyWire>,
    /// Base64 of the signature over the challenge.
    #[serde(default, alias = "proof_of_possession")]
    pub proof_of_possession: Option<String>,
}

/// `PublicKey`: `algorithm` is informational (Fulcio reads the key from `content`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyWire {
    /// `ECDSA`, `ED25519`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// PEM (or base64 DER) SubjectPublicKeyInfo.
    #[serde(default)]
    pub content: Option<String>,
}

/// How the requester proves it holds the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProof {
    /// A public key (SPKI DER, not yet parsed) and a signature over the principal.
    PublicKey {
        /// The `content` field, as sent.
        content: String,
        /// The decoded signature.
        proof: Vec<u8>,
    },
    /// A PKCS#10 request, decoded from base64 (PEM or DER inside).
    Csr(Vec<u8>),
}

/// A request read from the wire: a token (not yet verified) and a proof (not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningCertRequest {
    /// The identity token.
    pub token: String,
    /// The proof of possession.
    pub proof: KeyProof,
}

/// Read a request body; `bearer` is the `Authorization: Bearer` token, which Fulcio accepts
/// when `credentials` is absent.
pub fn parse_request(body: &[u8], bearer: Option<&str>) -> Result<SigningCertRequest, CaError> {
    if body.len() > MAX_REQUEST_BYTES {
        return Err(CaError::TooLarge(body.len()));
    }
    let request: CreateSigningCertificateRequest =
        serde_json::from_slice(body).map_err(|e| CaError::MalformedRequest(e.to_string()))?;
    let token = request
        .credentials
        .and_then(|c| c.oidc_identity_token)
        .filter(|t| !t.is_empty())
        .or_else(|| bearer.map(str::to_owned))
        .ok_or(CaError::MissingToken)?;
    let proof = match (
        request
            .certificate_signing_request
            .filter(|c| !c.is_empty()),
        request.public_key_request,
    ) {
        (Some(csr), _) => KeyProof::Csr(decode_base64(&csr).ok_or(CaError::InvalidCsr)?),
        (None, Some(pk)) => KeyProof::PublicKey {
            content: pk.public_key.and_then(|k| k.content).unwrap_or_default(),
            proof: pk
                .proof_of_possession
                .as_deref()
                .and_then(decode_base64)
                .unwrap_or_default(),
        },
        (None, None) => KeyProof::PublicKey {
            content: String::new(),
            proof: Vec::new(),
        },
    };
    Ok(SigningCertRequest { token, proof })
}

/// Protobuf JSON writes bytes as standard base64 and reads URL-safe too.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    let text = text.trim();
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .ok()
}

/// The subject key, after checking its proof against `principal`: the key's SPKI DER.
pub fn verified_key(proof: &KeyProof, principal: &str) -> Result<PublicKey, CaError> {
    match proof {
        KeyProof::PublicKey { content, proof } => {
            let key = parse_public_key(content)?;
            check_key(&key)?;
            // Fulcio's challenge is the principal. Fulcio through 1.4 verified it with SHA-256
            // whatever the curve; later releases with the key's default hash (SHA-384 for
            // P-384). Either is a proof of possession, so both are accepted. Ed25519 signs the
            // bytes themselves (the hash is ignored).
            let verifies = |hash| key.verify(principal.as_bytes(), proof, hash).is_ok();
            let ok = verifies(HashAlgorithm::Sha256)
                || (key.kind() == KeyKind::EcdsaP384 && verifies(HashAlgorithm::Sha384));
            if !ok {
                return Err(CaError::InvalidSignature);
            }
            Ok(key)
        }
        KeyProof::Csr(bytes) => {
            let der = csr_der(bytes).ok_or(CaError::InvalidCsr)?;
            let csr = CertReq::from_der(&der).map_err(|_| CaError::InvalidCsr)?;
            let spki = csr
                .info
                .public_key
                .to_der()
                .map_err(|_| CaError::InvalidCsr)?;
            let key = PublicKey::from_spki_der(&spki).map_err(|_| CaError::InsecurePublicKey)?;
            check_key(&key)?;
            let info = csr.info.to_der().map_err(|_| CaError::InvalidCsr)?;
            let hash = csr_hash(csr.algorithm.oid, key.kind())?;
            key.verify(&info, csr.signature.raw_bytes(), hash)
                .map_err(|_| CaError::InvalidSignature)?;
            Ok(key)
        }
    }
}

fn parse_public_key(content: &str) -> Result<PublicKey, CaError> {
    if content.trim_start().starts_with("-----BEGIN") {
        let (label, der) = pem_rfc7468::decode_vec(content.trim().as_bytes())
            .map_err(|_| CaError::InvalidPublicKey)?;
        if label != "PUBLIC KEY" {
            return Err(CaError::InvalidPublicKey);
        }
        PublicKey::from_spki_der(&der).map_err(|_| CaError::InvalidPublicKey)
    } else {
        let der = decode_base64(content).ok_or(CaError::InvalidPublicKey)?;
        PublicKey::from_spki_der(&der).map_err(|_| CaError::InvalidPublicKey)
    }
}

fn csr_der(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok().map(str::trim);
    match text {
        Some(pem) if pem.starts_with("-----BEGIN") => {
            let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes()).ok()?;
            (label == "CERTIFICATE REQUEST" || label == "NEW CERTIFICATE REQUEST").then_some(der)
        }
        _ => Some(bytes.to_vec()),
    }
}

/// Keys the CA certifies: ECDSA P-256/P-384 and Ed25519 (what Sigstore clients make).
fn check_key(key: &PublicKey) -> Result<(), CaError> {
    match key.kind() {
        KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::Ed25519 => Ok(()),
        KeyKind::RsaPkcs1 => Err(CaError::InsecurePublicKey),
    }
}

const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

fn csr_hash(alg: ObjectIdentifier, kind: KeyKind) -> Result<HashAlgorithm, CaError> {
    match (alg, kind) {
        (ECDSA_WITH_SHA256, KeyKind::EcdsaP256 | KeyKind::EcdsaP384) => Ok(HashAlgorithm::Sha256),
        (ECDSA_WITH_SHA384, KeyKind::EcdsaP256 | KeyKind::EcdsaP384) => Ok(HashAlgorithm::Sha384),
        (ECDSA_WITH_SHA512, KeyKind::EcdsaP256 | KeyKind::EcdsaP384) => Ok(HashAlgorithm::Sha512),
        (ED25519, KeyKind::Ed25519) => Ok(HashAlgorithm::Sha512),
        _ => Err(CaError::InvalidSignature),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_forms_and_the_bearer_fallback() {
        let pk = br#"{"credentials":{"oidcIdentityToken":"t"},"publicKeyRequest":{"publicKey":{"algorithm":"ECDSA","content":"k"},"proofOfPossession":"AQI="}}"#;
        let parsed = parse_request(pk, None).unwrap();
        assert_eq!(parsed.token, "t");
        assert_eq!(
            parsed.proof,
            KeyProof::PublicKey {
                content: "k".into(),
                proof: vec![1, 2]
            }
        );
        let csr = br#"{"certificateSigningRequest":"AQI="}"#;
        let parsed = parse_request(csr, Some("b")).unwrap();
        assert_eq!(parsed.token, "b");
        assert_eq!(parsed.proof, KeyProof::Csr(vec![1, 2]));
        assert!(matches!(
            parse_request(csr, None),
            Err(CaError::MissingToken)
        ));
        assert!(matches!(
            parse_request(&vec![b' '; MAX_REQUEST_BYTES + 1], None),
            Err(CaError::TooLarge(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(request) = parse_request(&body, Some("t")) {
                let _ = verified_key(&request.proof, "x");
            }
        }

        #[test]
        fn arbitrary_csrs_and_keys_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..512), text in ".{0,200}") {
            let csr = KeyProof::Csr(bytes.clone());
            prop_assert!(verified_key(&csr, "x").is_err());
            let key = KeyProof::PublicKey { content: text, proof: bytes };
            prop_assert!(verified_key(&key, "x").is_err());
        }
    }
}
