//! The canonical entry bodies a log writes: what [`check_body_matches`](super::check_body_matches)
//! reads, built from the same inputs.
//!
//! A log computes the body it stores from what a client submitted, and the leaf hash covers
//! exactly these bytes. The builders here let a log server (`sigchain-instance`) write the
//! bodies Rekor writes, and a client predict the body, and so the leaf hash, of an entry it
//! submitted (to look it up after a lost answer). They are the inverse of the checker: every
//! body built here passes [`check_body_matches`](super::check_body_matches) for the content it
//! was built from, and the tests hold that for every kind.
//!
//! Rekor canonicalizes with RFC 8785 (JCS). Every value in these bodies is a base64 or hex
//! string or a fixed ASCII name, so JCS reduces to sorted keys and no whitespace, which
//! serde_json's ordered map gives directly.
//!
//! ```
//! use sigchain_core::crypto::HashAlgorithm;
//! use sigchain_core::tlog::canonical::hashedrekord_v001;
//! use sigchain_core::tlog::{check_body_matches, SignedContent, SignerMaterial};
//! # let spki = sigchain_core::encoding::base64_decode("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==").unwrap();
//! let digest = [7u8; 32];
//! let signer = SignerMaterial::PublicKey(&spki);
//! let body = hashedrekord_v001(HashAlgorithm::Sha256, &digest, b"sig", &signer);
//! let content = SignedContent::MessageSignature {
//!     digest: &digest,
//!     digest_algorithm: HashAlgorithm::Sha256,
//!     signature: b"sig",
//! };
//! let limits = sigchain_core::limits::Limits::DEFAULT;
//! check_body_matches("hashedrekord", "0.0.1", &body, &content, &signer, &limits).unwrap();
//! ```

use serde_json::{json, Value};

use crate::crypto::{sha256, HashAlgorithm, KeyKind, PublicKey};
use crate::encoding::{base64_encode, hex_encode};

use crate::dsse::pae;

use super::body::{spki_of_certificate, BodyError, SignerMaterial};

/// `hashedrekord` 0.0.1: the digest (hex), the signature, and the signer as base64 of PEM.
pub fn hashedrekord_v001(
    digest_algorithm: HashAlgorithm,
    digest: &[u8],
    signature: &[u8],
    signer: &SignerMaterial,
) -> Vec<u8> {
    to_bytes(json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": rekor_v1_hash_name(digest_algorithm), "value": hex_encode(digest)}},
            "signature": {
                "content": base64_encode(signature),
                "publicKey": {"content": base64_encode(signer_pem(signer).as_bytes())},
            },
        },
    }))
}

/// `hashedrekord` 0.0.2 (Rekor v2): the digest and signature as base64, the signer as DER
/// with the protobuf-specs key details Rekor v2 derives from the key.
pub fn hashedrekord_v002(
    digest_algorithm: HashAlgorithm,
    digest: &[u8],
    signature: &[u8],
    signer: &SignerMaterial,
) -> Result<Vec<u8>, BodyError> {
    Ok(to_bytes(json!({
        "apiVersion": "0.0.2",
        "kind": "hashedrekord",
        "spec": {"hashedRekordV002": {
            "data": {"algorithm": rekor_v2_hash_name(digest_algorithm), "digest": base64_encode(digest)},
            "signature": {"content": base64_encode(signature), "verifier": v2_verifier(signer)?},
        }},
    })))
}

/// `hashedrekord` 0.0.2 for a DSSE envelope with one signature (rekor-v2-spec §6.1.4): the
/// digest is the hash of the envelope's pre-authentication encoding.
pub fn hashedrekord_v002_for_dsse(
    digest_algorithm: HashAlgorithm,
    payload_type: &str,
    payload: &[u8],
    signature: &[u8],
    signer: &SignerMaterial,
) -> Result<Vec<u8>, BodyError> {
    let digest = digest_algorithm.digest(&pae(payload_type, payload));
    hashedrekord_v002(digest_algorithm, &digest, signature, signer)
}

/// `dsse` 0.0.1: hashes of the payload and of the envelope JSON exactly as submitted, and the
/// signatures (as the envelope's base64 text, sorted as Rekor sorts them) each with the
/// signer as base64 of PEM.
pub fn dsse_v001(
    envelope_json: &[u8],
    payload: &[u8],
    signatures: &[&[u8]],
    signer: &SignerMaterial,
) -> Vec<u8> {
    let verifier = base64_encode(signer_pem(signer).as_bytes());
    let mut texts: Vec<String> = signatures.iter().map(|s| base64_encode(s)).collect();
    texts.sort();
    let signatures: Vec<Value> = texts
        .into_iter()
        .map(|signature| json!({"signature": signature, "verifier": verifier}))
        .collect();
    to_bytes(json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex_encode(&sha256(envelope_json))},
            "payloadHash": {"algorithm": "sha256", "value": hex_encode(&sha256(payload))},
            "signatures": signatures,
        },
    }))
}

/// `dsse` 0.0.2 (Rekor v2, deprecated there in favour of hashedrekord over the PAE): the
/// payload hash and the signatures, each with the signer's DER and key details.
pub fn dsse_v002(
    payload: &[u8],
    signatures: &[&[u8]],
    signer: &SignerMaterial,
) -> Result<Vec<u8>, BodyError> {
    let verifier = v2_verifier(signer)?;
    let signatures: Vec<Value> = signatures
        .iter()
        .map(|s| json!({"content": base64_encode(s), "verifier": verifier}))
        .collect();
    Ok(to_bytes(json!({
        "apiVersion": "0.0.2",
        "kind": "dsse",
        "spec": {"dsseV002": {
            "payloadHash": {"algorithm": "SHA2_256", "digest": base64_encode(&sha256(payload))},
            "signatures": signatures,
        }},
    })))
}

/// The signer as PEM, the way Go's `pem.EncodeToMemory` writes it (64-column lines, final
/// newline), which is what Rekor v1 stores.
pub fn signer_pem(signer: &SignerMaterial) -> String {
    let (label, der) = match signer {
        SignerMaterial::Certificate(der) => ("CERTIFICATE", der),
        SignerMaterial::PublicKey(der) => ("PUBLIC KEY", der),
    };
    let text = base64_encode(der);
    let mut pem = String::with_capacity(text.len() + text.len() / 64 + 64);
    pem.push_str("-----BEGIN ");
    pem.push_str(label);
    pem.push_str("-----\n");
    for line in text.as_bytes().chunks(64) {
        // base64 text is ASCII, so any byte boundary is a char boundary.
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END ");
    pem.push_str(label);
    pem.push_str("-----\n");
    pem
}

/// The protobuf-specs `PublicKeyDetails` name Rekor v2 records for a key. RSA needs the
/// modulus size, which [`PublicKey`] does not expose, so it is refused here.
pub fn rekor_v2_key_details(key: &PublicKey) -> Result<&'static str, BodyError> {
    match key.kind() {
        KeyKind::EcdsaP256 => Ok("PKIX_ECDSA_P256_SHA_256"),
        KeyKind::EcdsaP384 => Ok("PKIX_ECDSA_P384_SHA_384"),
        KeyKind::Ed25519 => Ok("PKIX_ED25519_PH"),
        KeyKind::RsaPkcs1 => Err(BodyError::UnsupportedKind(
            "RSA verifier in a Rekor v2 body".to_owned(),
        )),
    }
}

fn v2_verifier(signer: &SignerMaterial) -> Result<Value, BodyError> {
    let (spki, field, der) = match signer {
        SignerMaterial::Certificate(der) => (spki_of_certificate(der)?, "x509Certificate", *der),
        SignerMaterial::PublicKey(der) => (der.to_vec(), "publicKey", *der),
    };
    let key = PublicKey::from_spki_der(&spki).map_err(BodyError::SignerKey)?;
    Ok(json!({
        "keyDetails": rekor_v2_key_details(&key)?,
        field: {"rawBytes": base64_encode(der)},
    }))
}

fn rekor_v1_hash_name(algorithm: HashAlgorithm) -> &'static str {
    match algorithm {
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
    }
}

fn rekor_v2_hash_name(algorithm: HashAlgorithm) -> &'static str {
    match algorithm {
        HashAlgorithm::Sha256 => "SHA2_256",
        HashAlgorithm::Sha384 => "SHA2_384",
        HashAlgorithm::Sha512 => "SHA2_512",
    }
}

fn to_bytes(value: Value) -> Vec<u8> {
    // serde_json's map (without `preserve_order`) iterates keys in byte order, which for
    // ASCII keys is the UTF-16 order RFC 8785 prescribes; serializing a Value cannot fail.
    serde_json::to_vec(&value).unwrap_or_default()
}

// Tested against every conformance bundle's body in `body_tests.rs`, where the conformance
// inputs are already gathered.
