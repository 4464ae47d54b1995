//! What a log accepts: a submitted entry is parsed, its signature verified with the submitted
//! key or certificate, and its canonical body built, as Rekor does before it appends anything.
//!
//! Every refusal is a [`SubmissionError`] that the HTTP layer returns as `400` with its text.
//! The bodies are built by [`sigchain_core::tlog::canonical`], the inverse of the checker the
//! verifier runs, so what this log writes is what a verifier expects.
//!
//! Supported: Rekor v1 `hashedrekord` 0.0.1 and `dsse` 0.0.1 (one verifier), Rekor v2
//! `hashedRekordRequestV002` and `dsseRequestV002` (one verifier). Rekor v1 `intoto` is
//! read-only in sigchain (verifiers check such entries; this log does not create them).
//! Certificates are not judged: a log records who claimed to sign, the verifier decides whether
//! to trust them.

use serde::Deserialize;
use sigchain_core::crypto::{HashAlgorithm, PublicKey};
use sigchain_core::dsse::Envelope;
use sigchain_core::encoding::{base64_decode, hex_decode, Base64Bytes};
use sigchain_core::limits::Limits;
use sigchain_core::tlog::canonical;
use sigchain_core::tlog::SignerMaterial;
use sigchain_core::x509::Certificate;

/// Largest request body a log reads, in bytes (Rekor's default is 32 MiB for DSSE).
pub const MAX_SUBMISSION_BYTES: usize = 32 * 1024 * 1024;

/// Largest canonical body a log records: what one tlog-tiles entry bundle entry can hold.
pub const MAX_ENTRY_BODY_BYTES: usize = sigchain_rekor::tiles::MAX_BUNDLE_ENTRY_BYTES;

/// Why a submission was refused (the reason an HTTP 400 carries).
#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    /// The request body is over [`MAX_SUBMISSION_BYTES`].
    #[error("request is {0} bytes, over the {MAX_SUBMISSION_BYTES}-byte limit")]
    TooLarge(usize),
    /// The entry's canonical body would be over [`MAX_ENTRY_BODY_BYTES`].
    #[error("entry body would be {0} bytes, over the {MAX_ENTRY_BODY_BYTES}-byte limit")]
    BodyTooLarge(usize),
    /// Not JSON of the expected shape.
    #[error("malformed entry: {0}")]
    Json(#[from] serde_json::Error),
    /// A kind/version this log does not create.
    #[error("unsupported entry kind {0}")]
    UnsupportedKind(String),
    /// A field is missing or not validly encoded.
    #[error("malformed field {0}")]
    Malformed(&'static str),
    /// The key or certificate cannot be used.
    #[error("unusable verifier: {0}")]
    Verifier(String),
    /// The signature does not verify with the submitted key.
    #[error("signature does not verify with the submitted key or certificate")]
    BadSignature,
    /// The digest's length or algorithm does not fit.
    #[error("digest: {0}")]
    Digest(String),
}

/// A verified submission, ready to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedEntry {
    /// The canonical body: the leaf's data.
    pub body: Vec<u8>,
    /// Its search keys ([`super::index::keys_of_body`]).
    pub index_keys: Vec<String>,
}

impl AcceptedEntry {
    fn new(body: Vec<u8>) -> Result<AcceptedEntry, SubmissionError> {
        // A leaf must fit a tlog-tiles entry bundle (and the storage's record bound).
        if body.len() > MAX_ENTRY_BODY_BYTES {
            return Err(SubmissionError::BodyTooLarge(body.len()));
        }
        Ok(AcceptedEntry {
            index_keys: super::index::keys_of_body(&body),
            body,
        })
    }
}

/// A signer as submitted, parsed once: its DER (certificate or SPKI) and its key.
struct Signer {
    der: Vec<u8>,
    is_certificate: bool,
    key: PublicKey,
}

impl Signer {
    fn material(&self) -> SignerMaterial<'_> {
        if self.is_certificate {
            SignerMaterial::Certificate(&self.der)
        } else {
            SignerMaterial::PublicKey(&self.der)
        }
    }

    fn from_der(der: Vec<u8>, is_certificate: bool) -> Result<Signer, SubmissionError> {
        let key = if is_certificate {
            Certificate::from_der(&der)
                .map_err(|e| SubmissionError::Verifier(e.to_string()))?
                .public_key()
                .map_err(|e| SubmissionError::Verifier(e.to_string()))?
                .clone()
        } else {
            PublicKey::from_spki_der(&der).map_err(|e| SubmissionError::Verifier(e.to_string()))?
        };
        Ok(Signer {
            der,
            is_certificate,
            key,
        })
    }

    /// Rekor v1 verifiers: base64 of a PEM certificate or public key.
    fn from_v1_pem(pem_base64: &str) -> Result<Signer, SubmissionError> {
        let pem = base64_decode(pem_base64).ok_or(SubmissionError::Malformed("verifier"))?;
        let pem = std::str::from_utf8(&pem).map_err(|_| SubmissionError::Malformed("verifier"))?;
        let label = pem
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.split_once("-----"))
            .map(|(label, _)| label)
            .ok_or(SubmissionError::Malformed("verifier PEM"))?;
        let der = super::index::pem_der(pem).ok_or(SubmissionError::Malformed("verifier PEM"))?;
        match label {
            "CERTIFICATE" => Signer::from_der(der, true),
            "PUBLIC KEY" => Signer::from_der(der, false),
            other => Err(SubmissionError::Verifier(format!("PEM label {other}"))),
        }
    }
}

/// A Rekor v1 `ProposedEntry` (`POST /api/v1/log/entries`).
pub fn accept_v1(request: &[u8], limits: &Limits) -> Result<AcceptedEntry, SubmissionError> {
    if request.len() > MAX_SUBMISSION_BYTES {
        return Err(SubmissionError::TooLarge(request.len()));
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Proposed {
        kind: String,
        api_version: String,
        spec: serde_json::Value,
    }
    let proposed: Proposed = serde_json::from_slice(request)?;
    match (proposed.kind.as_str(), proposed.api_version.as_str()) {
        ("hashedrekord", "0.0.1") => hashedrekord_v001(proposed.spec),
        ("dsse", "0.0.1") => dsse_v001(proposed.spec, limits),
        (kind, version) => Err(SubmissionError::UnsupportedKind(format!(
            "{kind}/{version}"
        ))),
    }
}

fn hashedrekord_v001(spec: serde_json::Value) -> Result<AcceptedEntry, SubmissionError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Spec {
        signature: Signature,
        data: Data,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Signature {
        content: String,
        public_key: Content,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Content {
        content: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Data {
        hash: Hash,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Hash {
        algorithm: String,
        value: String,
    }
    let spec: Spec = serde_json::from_value(spec)?;
    let algorithm = match spec.data.hash.algorithm.as_str() {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        other => {
            return Err(SubmissionError::Digest(format!(
                "unknown algorithm {other}"
            )))
        }
    };
    let digest =
        hex_decode(&spec.data.hash.value).ok_or(SubmissionError::Malformed("data.hash.value"))?;
    if digest.len() != algorithm.output_len() {
        return Err(SubmissionError::Digest(format!(
            "{} bytes for {algorithm:?}",
            digest.len()
        )));
    }
    let signature = base64_decode(&spec.signature.content)
        .filter(|s| !s.is_empty())
        .ok_or(SubmissionError::Malformed("signature.content"))?;
    let signer = Signer::from_v1_pem(&spec.signature.public_key.content)?;
    signer
        .key
        .verify_prehashed(&digest, &signature, algorithm)
        .map_err(|_| SubmissionError::BadSignature)?;
    AcceptedEntry::new(canonical::hashedrekord_v001(
        algorithm,
        &digest,
        &signature,
        &signer.material(),
    ))
}

fn dsse_v001(spec: serde_json::Value, limits: &Limits) -> Result<AcceptedEntry, SubmissionError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Spec {
        proposed_content: ProposedContent,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ProposedContent {
        envelope: String,
        verifiers: Vec<String>,
    }
    let spec: Spec = serde_json::from_value(spec)?;
    let [verifier] = spec.proposed_content.verifiers.as_slice() else {
        return Err(SubmissionError::Verifier(format!(
            "{} verifiers given; this log records entries with exactly one",
            spec.proposed_content.verifiers.len()
        )));
    };
    let signer = Signer::from_v1_pem(verifier)?;
    let envelope_json = spec.proposed_content.envelope.as_bytes();
    let envelope = verified_envelope(envelope_json, &signer, limits)?;
    let signatures: Vec<&[u8]> = envelope
        .signatures
        .iter()
        .map(|s| s.sig.as_slice())
        .collect();
    AcceptedEntry::new(canonical::dsse_v001(
        envelope_json,
        envelope.payload.as_slice(),
        &signatures,
        &signer.material(),
    ))
}

/// Every signature of the envelope verifies with the signer (Rekor refuses an envelope with
/// a signature no verifier accounts for).
fn verified_envelope(
    json: &[u8],
    signer: &Signer,
    limits: &Limits,
) -> Result<Envelope, SubmissionError> {
    let envelope =
        Envelope::from_json(json, limits).map_err(|_| SubmissionError::Malformed("envelope"))?;
    if envelope.signatures.is_empty() {
        return Err(SubmissionError::Malformed("envelope.signatures"));
    }
    let pae = envelope.pae();
    for signature in &envelope.signatures {
        signer
            .key
            .verify(
                &pae,
                signature.sig.as_slice(),
                signer.key.kind().default_hash(),
            )
            .map_err(|_| SubmissionError::BadSignature)?;
    }
    Ok(envelope)
}

/// A Rekor v2 `CreateEntryRequest` (`POST /api/v2/log/entries`).
pub fn accept_v2(request: &[u8], limits: &Limits) -> Result<AcceptedEntry, SubmissionError> {
    if request.len() > MAX_SUBMISSION_BYTES {
        return Err(SubmissionError::TooLarge(request.len()));
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Request {
        hashed_rekord_request_v002: Option<HashedRekord>,
        dsse_request_v002: Option<Dsse>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct HashedRekord {
        digest: Base64Bytes,
        signature: Signature,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Signature {
        content: Base64Bytes,
        verifier: Verifier,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Dsse {
        envelope: serde_json::Value,
        verifiers: Vec<Verifier>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Verifier {
        public_key: Option<RawBytes>,
        x509_certificate: Option<RawBytes>,
        key_details: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct RawBytes {
        raw_bytes: Base64Bytes,
    }
    fn signer(verifier: Verifier) -> Result<Signer, SubmissionError> {
        let signer = match (verifier.public_key, verifier.x509_certificate) {
            (Some(key), None) => Signer::from_der(key.raw_bytes.0, false)?,
            (None, Some(cert)) => Signer::from_der(cert.raw_bytes.0, true)?,
            _ => {
                return Err(SubmissionError::Verifier(
                    "exactly one of publicKey and x509Certificate".to_owned(),
                ))
            }
        };
        let details = canonical::rekor_v2_key_details(&signer.key)
            .map_err(|e| SubmissionError::Verifier(e.to_string()))?;
        if details != verifier.key_details {
            return Err(SubmissionError::Verifier(format!(
                "keyDetails {} do not fit a {:?} key (expected {details})",
                verifier.key_details,
                signer.key.kind()
            )));
        }
        Ok(signer)
    }

    let request: Request = serde_json::from_slice(request)?;
    match (
        request.hashed_rekord_request_v002,
        request.dsse_request_v002,
    ) {
        (Some(entry), None) => {
            let signer = signer(entry.signature.verifier)?;
            let algorithm = signer.key.kind().default_hash();
            let digest = entry.digest.0;
            if digest.len() != algorithm.output_len() {
                return Err(SubmissionError::Digest(format!(
                    "{} bytes, {algorithm:?} needs {}",
                    digest.len(),
                    algorithm.output_len()
                )));
            }
            let signature = entry.signature.content.0;
            signer
                .key
                .verify_prehashed(&digest, &signature, algorithm)
                .map_err(|_| SubmissionError::BadSignature)?;
            let body =
                canonical::hashedrekord_v002(algorithm, &digest, &signature, &signer.material())
                    .map_err(|e| SubmissionError::Verifier(e.to_string()))?;
            AcceptedEntry::new(body)
        }
        (None, Some(entry)) => {
            let mut verifiers = entry.verifiers.into_iter();
            let (Some(verifier), None) = (verifiers.next(), verifiers.next()) else {
                return Err(SubmissionError::Verifier(
                    "this log records DSSE entries with exactly one verifier".to_owned(),
                ));
            };
            let signer = signer(verifier)?;
            let json = serde_json::to_vec(&entry.envelope)?;
            let envelope = verified_envelope(&json, &signer, limits)?;
            let signatures: Vec<&[u8]> = envelope
                .signatures
                .iter()
                .map(|s| s.sig.as_slice())
                .collect();
            let body =
                canonical::dsse_v002(envelope.payload.as_slice(), &signatures, &signer.material())
                    .map_err(|e| SubmissionError::Verifier(e.to_string()))?;
            AcceptedEntry::new(body)
        }
        _ => Err(SubmissionError::UnsupportedKind(
            "a request must hold exactly one of hashedRekordRequestV002 and dsseRequestV002"
                .to_owned(),
        )),
    }
}

#[cfg(test)]
#[path = "submission_tests.rs"]
mod tests;
