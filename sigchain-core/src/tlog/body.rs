//! Does the log entry record what the bundle carries?
//!
//! A log entry proves that *its* `canonicalizedBody` was logged. Unless every signature, key
//! or certificate, and digest in that body equals what the verifier checks, a valid entry for
//! other content could vouch for this content (CVE-2022-36056, cosign accepting a bundle whose
//! entry recorded a different signature). So each field the body commits to is compared with
//! the bundle, and bodies with fields this module does not know are rejected rather than
//! half-checked.
//!
//! Supported kinds, as Rekor writes them (rekor `pkg/types`, rekor-tiles `api/proto`):
//!
//! | kind/version | records |
//! |---|---|
//! | hashedrekord 0.0.1 | `spec.data.hash {algorithm, value(hex)}`, `spec.signature.content` (b64), `spec.signature.publicKey.content` (b64 PEM cert or key) |
//! | hashedrekord 0.0.2 | `spec.hashedRekordV002 {data {algorithm, digest(b64)}, signature {content, verifier {x509Certificate \| publicKey {rawBytes}, keyDetails}}}`; for a DSSE envelope (rekor-v2-spec §6.1.4) the digest is `H(PAE(payloadType, payload))` |
//! | dsse 0.0.1 | `spec.payloadHash`, `spec.envelopeHash`, `spec.signatures [{signature (b64), verifier (b64 PEM)}]` |
//! | dsse 0.0.2 | `spec.dsseV002 {payloadHash {algorithm, digest}, signatures [{content, verifier}]}` |
//! | intoto 0.0.2 | `spec.content {envelope {payloadType, payload?, signatures [{sig, publicKey, keyid?}]}, payloadHash, hash}`; `sig` and `payload` are base64 of the base64 text |
//!
//! Two recorded hashes cannot be recomputed from a bundle and are not compared, as in
//! sigstore-go and sigstore-python: dsse 0.0.1 `envelopeHash` and intoto 0.0.2 `hash` hash
//! the envelope JSON exactly as the client once serialized it, which a bundle does not keep.
//! The payload and signatures they cover are compared field by field instead.

use serde::Deserialize;

use crate::crypto::{CryptoError, HashAlgorithm, KeyKind, PublicKey};
use crate::encoding::{base64_decode, base64_encode, hex_decode, hex_encode};
use crate::limits::Limits;

/// What the bundle says was signed.
#[derive(Debug, Clone, Copy)]
pub enum SignedContent<'a> {
    /// A signature over an artifact digest.
    MessageSignature {
        /// The artifact digest the verifier computed (or was given).
        digest: &'a [u8],
        /// Its algorithm.
        digest_algorithm: HashAlgorithm,
        /// The signature bytes.
        signature: &'a [u8],
    },
    /// A DSSE envelope.
    Dsse {
        /// The envelope's payload type.
        payload_type: &'a str,
        /// The decoded payload.
        payload: &'a [u8],
        /// The decoded signatures, in envelope order.
        signatures: &'a [&'a [u8]],
    },
}

/// Who the bundle says signed.
#[derive(Debug, Clone, Copy)]
pub enum SignerMaterial<'a> {
    /// The leaf certificate, DER.
    Certificate(&'a [u8]),
    /// A public key, DER SubjectPublicKeyInfo.
    PublicKey(&'a [u8]),
}

/// Why a log entry's body does not match the bundle.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is larger than the bundle limit.
    #[error("entry body is {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Bytes supplied.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON of the shape its kind requires (unknown fields included).
    #[error("entry body JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The entry's declared kind/version differs from the body's own.
    #[error("entry declares {declared}, body is {body}")]
    KindMismatch {
        /// `kind/version` from the entry.
        declared: String,
        /// `kind/apiVersion` from the body.
        body: String,
    },
    /// A kind/version this module does not check.
    #[error("unsupported entry kind {0}")]
    UnsupportedKind(String),
    /// The entry records a different kind of content (e.g. a DSSE entry for a message signature).
    #[error("a {kind} entry cannot record this bundle's content")]
    ContentKind {
        /// `kind/version` of the entry.
        kind: String,
    },
    /// A hash algorithm name not known for this kind.
    #[error("unknown hash algorithm {0:?}")]
    UnknownHashAlgorithm(String),
    /// The entry and the bundle use different digest algorithms.
    #[error("entry digest uses {body:?}, bundle uses {bundle:?}")]
    DigestAlgorithmMismatch {
        /// In the entry.
        body: HashAlgorithm,
        /// In the bundle.
        bundle: HashAlgorithm,
    },
    /// A recorded digest differs from the bundle's.
    #[error("entry {field} is {body}, bundle gives {bundle}")]
    DigestMismatch {
        /// Which recorded digest.
        field: &'static str,
        /// Hex of the recorded value.
        body: String,
        /// Hex of the value from the bundle.
        bundle: String,
    },
    /// The recorded signatures differ from the bundle's.
    #[error("entry records a different signature than the bundle carries")]
    SignatureMismatch,
    /// The entry records a different number of signatures.
    #[error("entry records {body} signatures, bundle carries {bundle}")]
    SignatureCount {
        /// In the entry.
        body: usize,
        /// In the bundle.
        bundle: usize,
    },
    /// More signatures than the limit allows.
    #[error("more than {max} signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// The DSSE payload type differs.
    #[error("entry payload type {body:?}, bundle {bundle:?}")]
    PayloadTypeMismatch {
        /// In the entry.
        body: String,
        /// In the bundle.
        bundle: String,
    },
    /// The recorded DSSE payload differs.
    #[error("entry records a different DSSE payload")]
    PayloadMismatch,
    /// A field is not valid hex, base64 or PEM.
    #[error("entry field {0} is not validly encoded")]
    BadEncoding(&'static str),
    /// The recorded key or certificate is not the bundle's signer.
    #[error("entry records a different {0} than the bundle's signer")]
    VerifierMismatch(&'static str),
    /// A Rekor v2 verifier holds neither or both of a key and a certificate.
    #[error("entry verifier must hold exactly one of publicKey and x509Certificate")]
    AmbiguousVerifier,
    /// The recorded key details do not fit the signer's key.
    #[error("entry key details {key_details:?} do not fit a {key:?} key")]
    KeyDetailsMismatch {
        /// The recorded `keyDetails`.
        key_details: String,
        /// The signer's key type.
        key: KeyKind,
    },
    /// The signer's key or certificate cannot be parsed.
    #[error("signer key: {0}")]
    SignerKey(CryptoError),
}

/// Check that the entry body records exactly `content` signed by `signer`.
pub fn check_body_matches(
    kind: &str,
    version: &str,
    canonicalized_body: &[u8],
    content: &SignedContent,
    signer: &SignerMaterial,
    limits: &Limits,
) -> Result<(), BodyError> {
    if canonicalized_body.len() > limits.max_bundle_bytes {
        return Err(BodyError::TooLarge {
            len: canonicalized_body.len(),
            max: limits.max_bundle_bytes,
        });
    }
    let check = Check {
        kind: format!("{kind}/{version}"),
        content,
        signer,
        limits,
    };
    let body = canonicalized_body;
    match (kind, version) {
        ("hashedrekord", "0.0.1") => check.hashedrekord_v001(parse(body, kind, version)?),
        ("hashedrekord", "0.0.2") => check.hashedrekord_v002(parse(body, kind, version)?),
        ("dsse", "0.0.1") => check.dsse_v001(parse(body, kind, version)?),
        ("dsse", "0.0.2") => check.dsse_v002(parse(body, kind, version)?),
        ("intoto", "0.0.2") => check.intoto_v002(parse(body, kind, version)?),
        _ => {
            let header: wire::Header = serde_json::from_slice(body)?;
            same_kind(&header.kind, &header.api_version, kind, version)?;
            Err(BodyError::UnsupportedKind(format!("{kind}/{version}")))
        }
    }
}

/// Parse the body as the declared kind in one pass. Only when that fails is the body read
/// again for its own kind, so that an entry of another kind is reported as such rather
/// than as a JSON error.
fn parse<'de, T: Deserialize<'de>>(
    body: &'de [u8],
    kind: &str,
    version: &str,
) -> Result<T, BodyError> {
    match serde_json::from_slice::<wire::Entry<'de, T>>(body) {
        Ok(entry) => {
            same_kind(&entry.kind, &entry.api_version, kind, version)?;
            Ok(entry.spec)
        }
        Err(error) => {
            let header: wire::Header = serde_json::from_slice(body)?;
            same_kind(&header.kind, &header.api_version, kind, version)?;
            Err(error.into())
        }
    }
}

fn same_kind(
    body_kind: &str,
    body_version: &str,
    kind: &str,
    version: &str,
) -> Result<(), BodyError> {
    if body_kind != kind || body_version != version {
        return Err(BodyError::KindMismatch {
            declared: format!("{kind}/{version}"),
            body: format!("{body_kind}/{body_version}"),
        });
    }
    Ok(())
}

/// The DSSE parts of [`SignedContent::Dsse`].
struct Envelope<'a> {
    payload_type: &'a str,
    payload: &'a [u8],
    signatures: &'a [&'a [u8]],
}

struct Check<'c, 'a> {
    kind: String,
    content: &'c SignedContent<'a>,
    signer: &'c SignerMaterial<'a>,
    limits: &'c Limits,
}

impl Check<'_, '_> {
    fn wrong_content(&self) -> BodyError {
        BodyError::ContentKind {
            kind: self.kind.clone(),
        }
    }

    fn message_signature(&self) -> Result<(&[u8], HashAlgorithm, &[u8]), BodyError> {
        match *self.content {
            SignedContent::MessageSignature {
                digest,
                digest_algorithm,
                signature,
            } => Ok((digest, digest_algorithm, signature)),
            SignedContent::Dsse { .. } => Err(self.wrong_content()),
        }
    }

    fn dsse(&self) -> Result<Envelope<'_>, BodyError> {
        match *self.content {
            SignedContent::Dsse {
                payload_type,
                payload,
                signatures,
            } => {
                let max = self.limits.max_dsse_signatures;
                if signatures.len() > max {
                    return Err(BodyError::TooManySignatures { max });
                }
                Ok(Envelope {
                    payload_type,
                    payload,
                    signatures,
                })
            }
            SignedContent::MessageSignature { .. } => Err(self.wrong_content()),
        }
    }

    fn hashedrekord_v001(&self, spec: wire::HashedRekordV001) -> Result<(), BodyError> {
        let (digest, algorithm, signature) = self.message_signature()?;
        let body_alg = rekor_v1_hash(&spec.data.hash.algorithm)?;
        compare_digest(
            "data.hash",
            body_alg,
            &spec.data.hash.value,
            algorithm,
            digest,
        )?;
        if spec.signature.content.as_slice() != signature {
            return Err(BodyError::SignatureMismatch);
        }
        check_pem_signer(spec.signature.public_key.content.as_slice(), self.signer)
    }

    fn hashedrekord_v002(&self, spec: wire::HashedRekordSpecV002) -> Result<(), BodyError> {
        let entry = spec.hashed_rekord_v002;
        check_v2_verifier(&entry.signature.verifier, self.signer)?;
        let body_alg = rekor_v2_hash(&entry.data.algorithm)?;
        match *self.content {
            SignedContent::MessageSignature {
                digest,
                digest_algorithm,
                signature,
            } => {
                if body_alg != digest_algorithm {
                    return Err(BodyError::DigestAlgorithmMismatch {
                        body: body_alg,
                        bundle: digest_algorithm,
                    });
                }
                compare_bytes("data.digest", entry.data.digest.as_slice(), digest)?;
                if entry.signature.content.as_slice() != signature {
                    return Err(BodyError::SignatureMismatch);
                }
            }
            SignedContent::Dsse { .. } => {
                // rekor-v2-spec §6.1.4: one signature, over the envelope's PAE.
                let Envelope {
                    payload_type,
                    payload,
                    signatures,
                } = self.dsse()?;
                let [signature] = signatures else {
                    return Err(BodyError::SignatureCount {
                        body: 1,
                        bundle: signatures.len(),
                    });
                };
                let pae_digest = body_alg.digest(&pae(payload_type, payload));
                compare_bytes("data.digest", entry.data.digest.as_slice(), &pae_digest)?;
                if entry.signature.content.as_slice() != *signature {
                    return Err(BodyError::SignatureMismatch);
                }
            }
        }
        Ok(())
    }

    fn dsse_v001(&self, spec: wire::DsseV001) -> Result<(), BodyError> {
        let Envelope {
            payload,
            signatures,
            ..
        } = self.dsse()?;
        let alg = rekor_v1_hash(&spec.payload_hash.algorithm)?;
        if alg != HashAlgorithm::Sha256 {
            return Err(BodyError::UnknownHashAlgorithm(spec.payload_hash.algorithm));
        }
        compare_digest(
            "payloadHash",
            alg,
            &spec.payload_hash.value,
            alg,
            &alg.digest(payload),
        )?;
        let mut recorded = Vec::with_capacity(spec.signatures.len().min(16));
        for sig in &spec.signatures {
            check_pem_signer(sig.verifier.as_slice(), self.signer)?;
            recorded
                .push(base64_decode(&sig.signature).ok_or(BodyError::BadEncoding("signature"))?);
        }
        same_signatures(&recorded, signatures)
    }

    fn dsse_v002(&self, spec: wire::DsseSpecV002) -> Result<(), BodyError> {
        let entry = spec.dsse_v002;
        let Envelope {
            payload,
            signatures,
            ..
        } = self.dsse()?;
        let alg = rekor_v2_hash(&entry.payload_hash.algorithm)?;
        compare_bytes(
            "payloadHash",
            entry.payload_hash.digest.as_slice(),
            &alg.digest(payload),
        )?;
        let mut recorded = Vec::with_capacity(entry.signatures.len().min(16));
        for sig in &entry.signatures {
            check_v2_verifier(&sig.verifier, self.signer)?;
            recorded.push(sig.content.0.clone());
        }
        same_signatures(&recorded, signatures)
    }

    fn intoto_v002(&self, spec: wire::IntotoV002) -> Result<(), BodyError> {
        let Envelope {
            payload_type,
            payload,
            signatures,
        } = self.dsse()?;
        let content = spec.content;
        if content.envelope.payload_type != payload_type {
            return Err(BodyError::PayloadTypeMismatch {
                body: content.envelope.payload_type,
                bundle: payload_type.to_owned(),
            });
        }
        let alg = rekor_v1_hash(&content.payload_hash.algorithm)?;
        compare_digest(
            "payloadHash",
            alg,
            &content.payload_hash.value,
            alg,
            &alg.digest(payload),
        )?;
        // Go's []byte fields holding base64 text are base64-encoded again in JSON.
        if let Some(recorded) = &content.envelope.payload {
            let text = std::str::from_utf8(recorded.as_slice())
                .map_err(|_| BodyError::BadEncoding("envelope.payload"))?;
            let recorded = base64_decode(text).ok_or(BodyError::BadEncoding("envelope.payload"))?;
            if recorded != payload {
                return Err(BodyError::PayloadMismatch);
            }
        }
        let mut recorded = Vec::with_capacity(content.envelope.signatures.len().min(16));
        for sig in &content.envelope.signatures {
            check_pem_signer(sig.public_key.as_slice(), self.signer)?;
            // A signature that is not base64 text cannot equal any bundle signature.
            let text = std::str::from_utf8(sig.sig.as_slice())
                .map_err(|_| BodyError::SignatureMismatch)?;
            recorded.push(base64_decode(text).ok_or(BodyError::SignatureMismatch)?);
        }
        same_signatures(&recorded, signatures)
    }
}

/// DSSE pre-authentication encoding (DSSE v1 protocol).
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Hash names in Rekor v1 types.
fn rekor_v1_hash(name: &str) -> Result<HashAlgorithm, BodyError> {
    match name {
        "sha256" => Ok(HashAlgorithm::Sha256),
        "sha384" => Ok(HashAlgorithm::Sha384),
        "sha512" => Ok(HashAlgorithm::Sha512),
        _ => Err(BodyError::UnknownHashAlgorithm(name.to_owned())),
    }
}

/// protobuf-specs `HashAlgorithm` names, as Rekor v2 writes them.
fn rekor_v2_hash(name: &str) -> Result<HashAlgorithm, BodyError> {
    match name {
        "SHA2_256" => Ok(HashAlgorithm::Sha256),
        "SHA2_384" => Ok(HashAlgorithm::Sha384),
        "SHA2_512" => Ok(HashAlgorithm::Sha512),
        _ => Err(BodyError::UnknownHashAlgorithm(name.to_owned())),
    }
}

fn compare_digest(
    field: &'static str,
    body_alg: HashAlgorithm,
    body_hex: &str,
    bundle_alg: HashAlgorithm,
    bundle: &[u8],
) -> Result<(), BodyError> {
    if body_alg != bundle_alg {
        return Err(BodyError::DigestAlgorithmMismatch {
            body: body_alg,
            bundle: bundle_alg,
        });
    }
    let recorded = hex_decode(body_hex).ok_or(BodyError::BadEncoding(field))?;
    compare_bytes(field, &recorded, bundle)
}

fn compare_bytes(field: &'static str, body: &[u8], bundle: &[u8]) -> Result<(), BodyError> {
    if body != bundle {
        return Err(BodyError::DigestMismatch {
            field,
            body: hex_encode(body),
            bundle: hex_encode(bundle),
        });
    }
    Ok(())
}

/// The recorded signatures and the bundle's are the same multiset.
fn same_signatures(recorded: &[Vec<u8>], bundle: &[&[u8]]) -> Result<(), BodyError> {
    if recorded.len() != bundle.len() {
        return Err(BodyError::SignatureCount {
            body: recorded.len(),
            bundle: bundle.len(),
        });
    }
    let mut used = vec![false; recorded.len()];
    for sig in bundle {
        let found = recorded
            .iter()
            .zip(used.iter_mut())
            .find(|(r, u)| !**u && r.as_slice() == *sig);
        match found {
            Some((_, u)) => *u = true,
            None => return Err(BodyError::SignatureMismatch),
        }
    }
    Ok(())
}

/// A Rekor v1 verifier field: PEM text of a certificate or public key.
fn check_pem_signer(pem: &[u8], signer: &SignerMaterial) -> Result<(), BodyError> {
    let (label, body) = split_pem(pem).ok_or(BodyError::BadEncoding("verifier PEM"))?;
    let (wanted_label, der, what) = match signer {
        SignerMaterial::Certificate(der) => ("CERTIFICATE", der, "certificate"),
        SignerMaterial::PublicKey(der) => ("PUBLIC KEY", der, "public key"),
    };
    if label != wanted_label || !is_base64_of(body, der) {
        return Err(BodyError::VerifierMismatch(what));
    }
    Ok(())
}

/// Split exactly one PEM block into its label and base64 text. Rekor stores what clients
/// sent, and Go's encoder does not always wrap lines at 64 columns (intoto entries hold one
/// long line), so the base64 may hold any whitespace, unlike strict RFC 7468 parsing.
fn split_pem(pem: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(pem).ok()?.trim();
    let (label, rest) = text.strip_prefix("-----BEGIN ")?.split_once("-----")?;
    let body = rest
        .strip_suffix("-----")?
        .strip_suffix(label)?
        .strip_suffix("-----END ")?;
    Some((label, body))
}

/// Whether `text`, whitespace aside, is the base64 of `der`. Strict standard base64 gives
/// each byte string exactly one text, so encoding the expected bytes and comparing texts
/// decides the same as decoding would, without decoding the larger side.
fn is_base64_of(text: &str, der: &[u8]) -> bool {
    let expected = base64_encode(der);
    let mut rest = expected.as_bytes();
    for piece in text.split_ascii_whitespace() {
        match rest.strip_prefix(piece.as_bytes()) {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.is_empty()
}

/// A Rekor v2 verifier: DER of a certificate or key, and key details that fit the key.
fn check_v2_verifier(
    verifier: &wire::VerifierV002,
    signer: &SignerMaterial,
) -> Result<(), BodyError> {
    let spki = match (&verifier.x509_certificate, &verifier.public_key, signer) {
        (Some(cert), None, SignerMaterial::Certificate(der))
            if cert.raw_bytes.as_slice() == *der =>
        {
            spki_of_certificate(der)?
        }
        (Some(_), None, _) => return Err(BodyError::VerifierMismatch("certificate")),
        (None, Some(key), SignerMaterial::PublicKey(der)) if key.raw_bytes.as_slice() == *der => {
            der.to_vec()
        }
        (None, Some(_), _) => return Err(BodyError::VerifierMismatch("public key")),
        _ => return Err(BodyError::AmbiguousVerifier),
    };
    let key = PublicKey::from_spki_der(&spki).map_err(BodyError::SignerKey)?;
    // protobuf-specs PublicKeyDetails a Rekor v2 entry may name for each key type.
    let allowed: &[&str] = match key.kind() {
        KeyKind::EcdsaP256 => &["PKIX_ECDSA_P256_SHA_256"],
        KeyKind::EcdsaP384 => &["PKIX_ECDSA_P384_SHA_384"],
        KeyKind::Ed25519 => &["PKIX_ED25519_PH", "PKIX_ED25519"],
        KeyKind::RsaPkcs1 => &[
            "PKIX_RSA_PKCS1V15_2048_SHA256",
            "PKIX_RSA_PKCS1V15_3072_SHA256",
            "PKIX_RSA_PKCS1V15_4096_SHA256",
        ],
    };
    if !allowed.contains(&verifier.key_details.as_str()) {
        return Err(BodyError::KeyDetailsMismatch {
            key_details: verifier.key_details.clone(),
            key: key.kind(),
        });
    }
    Ok(())
}

pub(super) fn spki_of_certificate(der: &[u8]) -> Result<Vec<u8>, BodyError> {
    use der::{Decode as _, Encode as _};
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|_| BodyError::SignerKey(CryptoError::MalformedKey("not a DER certificate")))?;
    cert.tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|_| BodyError::SignerKey(CryptoError::MalformedKey("certificate key")))
}

/// The body shapes, field for field as Rekor writes them. Unknown fields are errors: a field
/// this module does not compare must not ride along in what the log vouches for.
#[path = "body_wire.rs"]
mod wire;

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
