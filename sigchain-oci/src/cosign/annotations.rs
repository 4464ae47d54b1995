//! The values cosign writes into a signature layer's annotations, each parsed on its own:
//! the Rekor "bundle" (`dev.sigstore.cosign/bundle`, the log's signed entry timestamp over an
//! entry), the RFC 3161 timestamp (`dev.sigstore.cosign/rfc3161timestamp`) and the PEM
//! certificate and chain.
//!
//! The Rekor bundle carries no inclusion proof and does not name the entry's kind: that is read
//! from the entry body (`kind`, `apiVersion`), which the log's signature covers.

use serde::{Deserialize, Serialize};
use sigchain_core::bundle::{InclusionPromise, KindVersion, TlogEntry};
use sigchain_core::encoding::{base64_decode, base64_encode, hex_decode, hex_encode, Base64Bytes};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::LogId;

use super::{CosignError, StorageLimits};

#[derive(Serialize, Deserialize)]
struct RekorBundleWire {
    #[serde(rename = "SignedEntryTimestamp")]
    signed_entry_timestamp: Base64Bytes,
    #[serde(rename = "Payload")]
    payload: RekorPayloadWire,
}

#[derive(Serialize, Deserialize)]
struct RekorPayloadWire {
    /// Base64 of the canonicalized entry body.
    body: serde_json::Value,
    #[serde(rename = "integratedTime")]
    integrated_time: i64,
    #[serde(rename = "logIndex")]
    log_index: i64,
    #[serde(rename = "logID")]
    log_id: String,
}

#[derive(Deserialize)]
struct BodyKind {
    kind: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
}

#[derive(Serialize, Deserialize)]
struct Rfc3161Wire {
    #[serde(rename = "SignedRFC3161Timestamp")]
    signed_rfc3161_timestamp: Base64Bytes,
}

fn check_len(what: &'static str, text: &str, limits: &StorageLimits) -> Result<(), CosignError> {
    if text.len() > limits.max_annotation_bytes {
        return Err(CosignError::TooLarge {
            what,
            size: u64::try_from(text.len()).unwrap_or(u64::MAX),
            limit: u64::try_from(limits.max_annotation_bytes).unwrap_or(u64::MAX),
        });
    }
    Ok(())
}

fn bad(annotation: &'static str, reason: impl Into<String>) -> CosignError {
    CosignError::BadAnnotation {
        annotation,
        reason: reason.into(),
    }
}

/// The `dev.sigstore.cosign/bundle` value for a log entry: its signed entry timestamp, body,
/// integrated time, index and log id. `None` when the entry has no inclusion promise (a Rekor
/// v2 entry), which this form cannot carry.
pub fn rekor_bundle_annotation(entry: &TlogEntry) -> Option<String> {
    let promise = entry.inclusion_promise.as_ref()?;
    let integrated_time = entry.integrated_time?;
    let wire = RekorBundleWire {
        signed_entry_timestamp: Base64Bytes(promise.signed_entry_timestamp.clone()),
        payload: RekorPayloadWire {
            body: serde_json::Value::String(base64_encode(&entry.canonicalized_body)),
            integrated_time: integrated_time.as_secs(),
            log_index: i64::try_from(entry.log_index).unwrap_or(i64::MAX),
            log_id: hex_encode(&entry.log_id.0),
        },
    };
    serde_json::to_string(&wire).ok()
}

/// Parse a `dev.sigstore.cosign/bundle` value into the log entry it promises (no inclusion
/// proof). Unverified: the verifier checks the promise, and that the body records this layer.
pub fn parse_rekor_bundle(text: &str, limits: &StorageLimits) -> Result<TlogEntry, CosignError> {
    const WHAT: &str = super::BUNDLE_ANNOTATION;
    check_len(WHAT, text, limits)?;
    let wire: RekorBundleWire = serde_json::from_str(text).map_err(|e| bad(WHAT, e.to_string()))?;
    let body_text = wire
        .payload
        .body
        .as_str()
        .ok_or_else(|| bad(WHAT, "Payload.body is not a base64 string"))?;
    let body = base64_decode(body_text).ok_or_else(|| bad(WHAT, "Payload.body is not base64"))?;
    if body.is_empty() {
        return Err(bad(WHAT, "Payload.body is empty"));
    }
    let kind: BodyKind = serde_json::from_slice(&body)
        .map_err(|e| bad(WHAT, format!("entry body has no kind/apiVersion: {e}")))?;
    let log_id = hex_decode(&wire.payload.log_id)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| bad(WHAT, "Payload.logID is not hex"))?;
    let log_index = u64::try_from(wire.payload.log_index)
        .map_err(|_| bad(WHAT, "Payload.logIndex is negative"))?;
    if wire.payload.integrated_time < 0 {
        return Err(bad(WHAT, "Payload.integratedTime is negative"));
    }
    if wire.signed_entry_timestamp.0.is_empty() {
        return Err(bad(WHAT, "SignedEntryTimestamp is empty"));
    }
    Ok(TlogEntry {
        log_index,
        log_id: LogId(log_id),
        kind_version: KindVersion {
            kind: kind.kind,
            version: kind.api_version,
        },
        integrated_time: Some(Timestamp(wire.payload.integrated_time)),
        inclusion_promise: Some(InclusionPromise {
            signed_entry_timestamp: wire.signed_entry_timestamp.0,
        }),
        inclusion_proof: None,
        canonicalized_body: body,
    })
}

/// The `dev.sigstore.cosign/rfc3161timestamp` value for a DER `TimeStampResp`.
pub fn rfc3161_annotation(response_der: &[u8]) -> String {
    let wire = Rfc3161Wire {
        signed_rfc3161_timestamp: Base64Bytes(response_der.to_vec()),
    };
    serde_json::to_string(&wire).unwrap_or_default()
}

/// Parse a `dev.sigstore.cosign/rfc3161timestamp` value into the DER `TimeStampResp`.
pub fn parse_rfc3161(text: &str, limits: &StorageLimits) -> Result<Vec<u8>, CosignError> {
    const WHAT: &str = super::RFC3161_ANNOTATION;
    check_len(WHAT, text, limits)?;
    let wire: Rfc3161Wire = serde_json::from_str(text).map_err(|e| bad(WHAT, e.to_string()))?;
    if wire.signed_rfc3161_timestamp.0.is_empty() {
        return Err(bad(WHAT, "SignedRFC3161Timestamp is empty"));
    }
    Ok(wire.signed_rfc3161_timestamp.0)
}

const CERT_LABEL: &str = "CERTIFICATE";
const END_CERT: &str = "-----END CERTIFICATE-----";

/// DER certificates as concatenated PEM blocks (what cosign writes; empty for none).
pub fn certificates_pem(ders: &[Vec<u8>]) -> String {
    ders.iter()
        .filter_map(|der| {
            pem_rfc7468::encode_string(CERT_LABEL, pem_rfc7468::LineEnding::LF, der).ok()
        })
        .collect()
}

/// Parse concatenated PEM certificate blocks (text between blocks ignored), at most
/// `max_certificates`. The DER is not parsed here: the verifier does that.
pub fn parse_certificates_pem(
    annotation: &'static str,
    text: &str,
    max_certificates: usize,
    limits: &StorageLimits,
) -> Result<Vec<Vec<u8>>, CosignError> {
    check_len(annotation, text, limits)?;
    let mut ders = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block_and_more = &rest[start..];
        let end = block_and_more
            .find(END_CERT)
            .ok_or_else(|| bad(annotation, "PEM block without its END line"))?;
        let block = &block_and_more[..end + END_CERT.len()];
        if ders.len() == max_certificates {
            return Err(CosignError::TooMany {
                what: annotation,
                count: ders.len() + 1,
                limit: max_certificates,
            });
        }
        let (label, der) = pem_rfc7468::decode_vec(block.as_bytes())
            .map_err(|e| bad(annotation, format!("PEM: {e}")))?;
        if label != CERT_LABEL {
            return Err(bad(annotation, format!("PEM block labelled {label:?}")));
        }
        ders.push(der);
        rest = &block_and_more[end + END_CERT.len()..];
    }
    if ders.is_empty() && !text.trim().is_empty() {
        return Err(bad(annotation, "no PEM certificate"));
    }
    Ok(ders)
}
