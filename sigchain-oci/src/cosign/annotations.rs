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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIMITS: StorageLimits = StorageLimits::DEFAULT;

    fn entry() -> TlogEntry {
        TlogEntry {
            log_index: 357_097_618,
            log_id: LogId(vec![0xc0; 32]),
            kind_version: KindVersion {
                kind: "hashedrekord".into(),
                version: "0.0.1".into(),
            },
            integrated_time: Some(Timestamp(1_754_488_662)),
            inclusion_promise: Some(InclusionPromise {
                signed_entry_timestamp: vec![1, 2, 3],
            }),
            inclusion_proof: None,
            canonicalized_body: br#"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}"#
                .to_vec(),
        }
    }

    #[test]
    fn the_rekor_bundle_round_trips_in_cosigns_shape() {
        let text = rekor_bundle_annotation(&entry()).unwrap();
        assert!(text.starts_with(r#"{"SignedEntryTimestamp":"AQID","Payload":{"body":""#));
        assert!(text.contains(r#""integratedTime":1754488662,"logIndex":357097618,"logID":"c0c0"#));
        assert_eq!(parse_rekor_bundle(&text, &LIMITS).unwrap(), entry());
    }

    #[test]
    fn an_entry_without_a_promise_has_no_rekor_bundle() {
        let mut entry = entry();
        entry.inclusion_promise = None;
        assert!(rekor_bundle_annotation(&entry).is_none());
    }

    #[test]
    fn bad_rekor_bundles_are_refused() {
        let good = rekor_bundle_annotation(&entry()).unwrap();
        let cases = [
            good.replace("\"logID\":\"c0", "\"logID\":\"zz"),
            good.replace("\"logIndex\":357097618", "\"logIndex\":-1"),
            good.replace("\"integratedTime\":1754488662", "\"integratedTime\":-5"),
            good.replace("\"SignedEntryTimestamp\":\"AQID\"", "\"SignedEntryTimestamp\":\"\""),
            good.replace("\"body\":\"", "\"body\":7,\"x\":\""),
            r#"{"SignedEntryTimestamp":"AQID","Payload":{"body":"bm90IGpzb24=","integratedTime":1,"logIndex":1,"logID":"00"}}"#.to_owned(),
            "[]".to_owned(),
        ];
        for case in cases {
            assert!(
                matches!(
                    parse_rekor_bundle(&case, &LIMITS),
                    Err(CosignError::BadAnnotation { .. })
                ),
                "{case}"
            );
        }
        let huge = " ".repeat(LIMITS.max_annotation_bytes + 1);
        assert!(matches!(
            parse_rekor_bundle(&huge, &LIMITS),
            Err(CosignError::TooLarge { .. })
        ));
    }

    #[test]
    fn the_timestamp_annotation_round_trips() {
        let text = rfc3161_annotation(&[0x30, 0x03, 0x02, 0x01, 0x00]);
        assert_eq!(text, r#"{"SignedRFC3161Timestamp":"MAMCAQA="}"#);
        assert_eq!(
            parse_rfc3161(&text, &LIMITS).unwrap(),
            vec![0x30, 3, 2, 1, 0]
        );
        assert!(parse_rfc3161(r#"{"SignedRFC3161Timestamp":""}"#, &LIMITS).is_err());
    }

    #[test]
    fn pem_chains_round_trip_and_are_bounded() {
        let ders = vec![vec![0x30, 0x01, 0x00], vec![0x30, 0x02, 0x05, 0x00]];
        let pem = certificates_pem(&ders);
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
        assert_eq!(
            parse_certificates_pem("chain", &pem, 10, &LIMITS).unwrap(),
            ders
        );
        assert!(matches!(
            parse_certificates_pem("chain", &pem, 1, &LIMITS),
            Err(CosignError::TooMany { .. })
        ));
        assert_eq!(
            parse_certificates_pem("chain", "", 10, &LIMITS).unwrap(),
            Vec::<Vec<u8>>::new()
        );
        assert!(parse_certificates_pem("chain", "garbage", 10, &LIMITS).is_err());
        let key = pem.replace("CERTIFICATE", "PUBLIC KEY");
        assert!(parse_certificates_pem("chain", &key, 10, &LIMITS).is_err());
        let cut = &pem[..pem.len() - 10];
        assert!(parse_certificates_pem("chain", cut, 10, &LIMITS).is_err());
    }

    proptest! {
        #[test]
        fn annotation_parsers_never_panic(text in "\\PC{0,400}") {
            let _ = parse_rekor_bundle(&text, &LIMITS);
            let _ = parse_rfc3161(&text, &LIMITS);
            let _ = parse_certificates_pem("x", &text, 3, &LIMITS);
        }

        #[test]
        fn pem_round_trips(ders in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..200), 0..4)) {
            let pem = certificates_pem(&ders);
            prop_assert_eq!(parse_certificates_pem("x", &pem, 4, &LIMITS).unwrap(), ders);
        }

        #[test]
        fn rekor_bundles_round_trip(index in 0u64..i64::MAX as u64, time in 0i64..i64::MAX, set in proptest::collection::vec(any::<u8>(), 1..80)) {
            let mut entry = entry();
            entry.log_index = index;
            entry.integrated_time = Some(Timestamp(time));
            entry.inclusion_promise = Some(InclusionPromise { signed_entry_timestamp: set });
            let text = rekor_bundle_annotation(&entry).unwrap();
            prop_assert_eq!(parse_rekor_bundle(&text, &LIMITS).unwrap(), entry);
        }
    }
}
