//! Conformance sweep and one negative test per parse rule.

use super::*;
use serde_json::{json, Value};

const CONFORMANCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance");

fn read(path: &str) -> Vec<u8> {
    let full = format!("{CONFORMANCE}/{path}");
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn case_json(case: &str) -> Value {
    serde_json::from_slice(&read(&format!("bundle-verify/{case}/bundle.sigstore.json"))).unwrap()
}

fn parse_value(v: &Value) -> Result<Bundle, BundleError> {
    Bundle::from_json(v.to_string().as_bytes(), &Limits::DEFAULT)
}

fn mutate(case: &str, f: impl FnOnce(&mut Value)) -> Result<Bundle, BundleError> {
    let mut v = case_json(case);
    f(&mut v);
    parse_value(&v)
}

fn parse_case(case: &str) -> Result<Bundle, BundleError> {
    Bundle::from_json(
        &read(&format!("bundle-verify/{case}/bundle.sigstore.json")),
        &Limits::DEFAULT,
    )
}

const V01: &str = "happy-path-v0.1";
const V02: &str = "happy-path-v0.2";
const V03: &str = "happy-path-v0.3";
const DSSE: &str = "happy-path-intoto-in-dsse-v3";
const REKOR2: &str = "rekor2-happy-path";

/// Cases rejected at parse, with why each is genuinely invalid.
const REJECTED_AT_PARSE: &[&str] = &[
    "bundle-empty-certificate-chain_fail", // no signing certificate
    "bundle-invalid-base64-signature_fail", // signature is not base64
    "bundle-malformed-json_fail",          // truncated JSON
    "bundle-negative-log-index_fail",      // log indices are >= 0
    "bundle-unknown-version_fail",         // version 99.9
    "intoto-missing-inclusion-proof_fail", // v0.2 requires a proof
    "invalid-inclusion-proof_fail",        // v0.2 proof without its required checkpoint
    "rekor2-no-inclusion-proof_fail",      // v0.3 requires a proof
];

#[test]
fn conformance_bundles_parse_or_fail_as_expected() {
    let cases: Value = serde_json::from_slice(&read("cases.json")).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 60);
    let mut rejected = Vec::new();
    let (mut round_tripped, mut canonical) = (0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let raw = read(case["bundle"].as_str().unwrap());
        match Bundle::from_json(&raw, &Limits::DEFAULT) {
            Ok(bundle) => {
                let facts = &case["bundle_facts"];
                assert_eq!(
                    bundle.version().as_str(),
                    facts["bundle_version"].as_str().unwrap()
                );
                assert_eq!(bundle.media_type(), facts["media_type"].as_str().unwrap());
                assert_eq!(
                    bundle.tlog_entries().len(),
                    facts["tlog_entries"].as_array().unwrap().len()
                );
                assert_eq!(
                    bundle.timestamps().len() as u64,
                    facts["rfc3161_timestamps"].as_u64().unwrap()
                );
                let out = bundle.to_json();
                let again = Bundle::from_json(out.as_bytes(), &Limits::DEFAULT)
                    .unwrap_or_else(|e| panic!("{name}: re-parse: {e}"));
                assert_eq!(again, bundle, "{name}: round trip");
                assert_eq!(again.to_json(), out, "{name}: output is a fixed point");
                round_tripped += 1;
                let input: Value = serde_json::from_slice(&raw).unwrap();
                let output: Value = serde_json::from_str(&out).unwrap();
                if input == output {
                    canonical += 1;
                } else {
                    println!("non-canonical input (explicit defaults or wrapped base64): {name}");
                }
            }
            Err(e) => {
                assert_eq!(case["expect"], "fail", "{name} must parse: {e}");
                println!("rejected at parse: {name}: {e}");
                rejected.push(name.to_owned());
            }
        }
    }
    rejected.sort();
    assert_eq!(rejected, REJECTED_AT_PARSE);
    println!("round-tripped {round_tripped}, byte-for-byte canonical (as JSON values) {canonical}");
    assert!(canonical >= 50);
}

#[test]
fn named_malformed_cases_fail_with_the_right_error() {
    assert!(matches!(
        parse_case("bundle-malformed-json_fail"),
        Err(BundleError::Json(_))
    ));
    assert!(matches!(
        parse_case("bundle-unknown-version_fail"),
        Err(BundleError::UnsupportedVersion { version }) if version == "99.9"
    ));
    assert!(matches!(
        parse_case("bundle-empty-certificate-chain_fail"),
        Err(BundleError::EmptyCertificateChain)
    ));
    // `"INVALID!!!BASE64!!!ENCODING===="`: `!` is in neither base64 alphabet.
    assert!(matches!(
        parse_case("bundle-invalid-base64-signature_fail"),
        Err(BundleError::InvalidBase64 {
            field: "messageSignature.signature"
        })
    ));
    assert!(matches!(
        parse_case("bundle-negative-log-index_fail"),
        Err(BundleError::NegativeInteger {
            field: "verificationMaterial.tlogEntries[].logIndex",
            value: -1
        })
    ));
    assert!(matches!(
        parse_case("intoto-missing-inclusion-proof_fail"),
        Err(BundleError::MissingInclusionProof {
            version: BundleVersion::V0_2,
            entry: 0
        })
    ));
    assert!(matches!(
        parse_case("rekor2-no-inclusion-proof_fail"),
        Err(BundleError::MissingInclusionProof {
            version: BundleVersion::V0_3,
            entry: 0
        })
    ));
    assert!(matches!(
        parse_case("invalid-inclusion-proof_fail"),
        Err(BundleError::MissingCheckpoint {
            version: BundleVersion::V0_2,
            entry: 0
        })
    ));
}

#[test]
fn accessors_expose_the_typed_contents() {
    let b = parse_case(V01).unwrap();
    assert_eq!(b.version(), BundleVersion::V0_1);
    let VerificationMaterial::CertificateChain(chain) = b.verification_material() else {
        panic!("chain expected");
    };
    assert_eq!(chain.first().unwrap().first(), Some(&0x30)); // DER SEQUENCE
    let entry = &b.tlog_entries()[0];
    assert_eq!(entry.kind_version.kind, "hashedrekord");
    assert!(entry.integrated_time.is_some() && entry.inclusion_promise.is_some());
    let Content::MessageSignature(ms) = b.content() else {
        panic!("message signature expected");
    };
    assert_eq!(ms.message_digest.algorithm, DigestAlgorithm::Sha2_256);

    let dsse = parse_case(DSSE).unwrap();
    let Content::Dsse(env) = dsse.content() else {
        panic!("dsse expected");
    };
    assert_eq!(env.payload_type, "application/vnd.in-toto+json");
    assert!(dsse
        .verification_material()
        .leaf_certificate_der()
        .is_some());

    let key = parse_case("managed-key-happy-path").unwrap();
    assert!(
        matches!(key.verification_material(), VerificationMaterial::PublicKey { hint } if !hint.is_empty())
    );
    assert_eq!(key.timestamps().len(), 1);

    // Rekor v2: no integrated time, no promise.
    let v2 = parse_case(REKOR2).unwrap();
    let entry = &v2.tlog_entries()[0];
    assert_eq!(entry.integrated_time, None);
    assert_eq!(entry.inclusion_promise, None);
    assert!(entry.inclusion_proof.as_ref().unwrap().checkpoint.is_some());
}

#[test]
fn output_is_protobuf_json() {
    let b = parse_case(V03).unwrap();
    let out: Value = serde_json::from_str(&b.to_json()).unwrap();
    let entry = &out["verificationMaterial"]["tlogEntries"][0];
    assert!(entry["logIndex"].is_string() && entry["integratedTime"].is_string());
    assert!(entry["inclusionProof"]["treeSize"].is_string());
    assert_eq!(
        out["messageSignature"]["messageDigest"]["algorithm"],
        "SHA2_256"
    );
    // Lenient input, canonical output: numbers, unpadded URL-safe base64, proto names.
    let mut v = case_json(V03);
    v["verificationMaterial"]["tlogEntries"][0]["logIndex"] = json!(79571823);
    let sig = v["messageSignature"]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let url_safe = sig
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    v["messageSignature"]["signature"] = json!(url_safe);
    let vm = v
        .as_object_mut()
        .unwrap()
        .remove("verificationMaterial")
        .unwrap();
    v["verification_material"] = vm;
    let lenient = parse_value(&v).unwrap();
    assert_eq!(lenient, b);
    assert_eq!(lenient.to_json(), b.to_json());
}

/// An absent index reads as 0 (protobuf JSON may omit a zero), and an index is written even
/// when it is 0, with the proof's hashes even when there are none: rekor-tiles writes them,
/// and strict clients (sigstore-python) refuse a log's first entry without them.
#[test]
fn zero_and_absent_int64_are_the_same() {
    let b = mutate("intoto-with-custom-trust-root", |_| {}).unwrap();
    let proof = b.tlog_entries()[0].inclusion_proof.as_ref().unwrap();
    assert_eq!((proof.log_index, proof.tree_size), (0, 1));
    let out: Value = serde_json::from_str(&b.to_json()).unwrap();
    let written = &out["verificationMaterial"]["tlogEntries"][0]["inclusionProof"];
    assert_eq!(written["logIndex"], "0");
    assert_eq!(written["hashes"], json!([]));
    let again = Bundle::from_json(b.to_json().as_bytes(), &Limits::DEFAULT).unwrap();
    assert_eq!(again, b);
}

fn entry0(v: &mut Value) -> &mut Value {
    &mut v["verificationMaterial"]["tlogEntries"][0]
}

fn remove(v: &mut Value, key: &str) {
    v.as_object_mut().unwrap().remove(key);
}

#[test]
fn size_limit() {
    let raw = read(&format!("bundle-verify/{V03}/bundle.sigstore.json"));
    let limits = Limits {
        max_bundle_bytes: raw.len() - 1,
        ..Limits::DEFAULT
    };
    assert!(matches!(
        Bundle::from_json(&raw, &limits),
        Err(BundleError::TooLarge { .. })
    ));
}

#[test]
fn shape_errors() {
    assert!(matches!(
        mutate(V03, |v| v["unexpected"] = json!(1)),
        Err(BundleError::Json(_))
    ));
    assert!(matches!(
        mutate(V03, |v| entry0(v)["logIndex"] = json!(1.5)),
        Err(BundleError::Json(_))
    ));
    assert!(matches!(
        mutate(V03, |v| entry0(v)["logIndex"] = json!("12x")),
        Err(BundleError::InvalidInteger { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| v["mediaType"] = json!("application/json")),
        Err(BundleError::NotABundle { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| remove(v, "mediaType")),
        Err(BundleError::NotABundle { .. })
    ));
}

#[test]
fn oneofs_need_exactly_one_member() {
    assert!(matches!(
        mutate(V03, |v| remove(v, "verificationMaterial")),
        Err(BundleError::MissingField {
            field: "verificationMaterial"
        })
    ));
    assert!(matches!(
        mutate(V03, |v| remove(v, "messageSignature")),
        Err(BundleError::MissingField { .. })
    ));
    let env = case_json(DSSE)["dsseEnvelope"].clone();
    assert!(matches!(
        mutate(V03, |v| v["dsseEnvelope"] = env),
        Err(BundleError::ConflictingFields { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| remove(
            &mut v["verificationMaterial"],
            "certificate"
        )),
        Err(BundleError::MissingField { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| v["verificationMaterial"]["publicKey"] =
            json!({"hint": "x"})),
        Err(BundleError::ConflictingFields { .. })
    ));
}

#[test]
fn material_must_suit_the_version() {
    let chain = case_json(V02)["verificationMaterial"]["x509CertificateChain"].clone();
    let cert = case_json(V03)["verificationMaterial"]["certificate"].clone();
    assert!(matches!(
        mutate(V03, |v| {
            remove(&mut v["verificationMaterial"], "certificate");
            v["verificationMaterial"]["x509CertificateChain"] = chain;
        }),
        Err(BundleError::MaterialNotAllowed {
            version: BundleVersion::V0_3,
            material: "x509CertificateChain"
        })
    ));
    assert!(matches!(
        mutate(V02, |v| {
            remove(&mut v["verificationMaterial"], "x509CertificateChain");
            v["verificationMaterial"]["certificate"] = cert;
        }),
        Err(BundleError::MaterialNotAllowed {
            version: BundleVersion::V0_2,
            material: "certificate"
        })
    ));
    assert!(matches!(
        mutate(V02, |v| v["verificationMaterial"]["x509CertificateChain"]
            ["certificates"][0]["rawBytes"] = json!("")),
        Err(BundleError::MissingField { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| v["verificationMaterial"]["certificate"]
            ["rawBytes"] = json!("")),
        Err(BundleError::MissingField { .. })
    ));
}

#[test]
fn promise_proof_and_checkpoint_rules_per_version() {
    assert!(matches!(
        mutate(V01, |v| remove(entry0(v), "inclusionPromise")),
        Err(BundleError::MissingInclusionPromise {
            version: BundleVersion::V0_1,
            entry: 0
        })
    ));
    // v0.1 may omit the proof, and may carry one without a checkpoint.
    assert!(mutate(V01, |v| remove(entry0(v), "inclusionProof")).is_ok());
    let b = mutate(V01, |v| {
        remove(&mut entry0(v)["inclusionProof"], "checkpoint")
    })
    .unwrap();
    assert!(b.tlog_entries()[0]
        .inclusion_proof
        .as_ref()
        .unwrap()
        .checkpoint
        .is_none());
    // v0.2+ may omit the promise (Rekor v2), never the proof or its checkpoint.
    assert!(mutate(V02, |v| remove(entry0(v), "inclusionPromise")).is_ok());
    assert!(matches!(
        mutate(V03, |v| remove(
            &mut entry0(v)["inclusionProof"],
            "checkpoint"
        )),
        Err(BundleError::MissingCheckpoint {
            version: BundleVersion::V0_3,
            ..
        })
    ));
    assert!(matches!(
        mutate(V01, |v| entry0(v)["inclusionProof"]["checkpoint"]
            ["envelope"] = json!("")),
        Err(BundleError::MissingField { .. })
    ));
    assert!(matches!(
        mutate(V01, |v| entry0(v)["inclusionPromise"]
            ["signedEntryTimestamp"] = json!("")),
        Err(BundleError::MissingField { .. })
    ));
}

#[test]
fn entry_fields_are_required_and_sane() {
    for key in ["logId", "kindVersion", "canonicalizedBody"] {
        assert!(
            matches!(
                mutate(V03, |v| remove(entry0(v), key)),
                Err(BundleError::MissingField { .. })
            ),
            "{key}"
        );
    }
    assert!(matches!(
        mutate(V03, |v| entry0(v)["kindVersion"]["version"] = json!("")),
        Err(BundleError::MissingField { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| entry0(v)["logId"]["keyId"] = json!("")),
        Err(BundleError::MissingField { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| entry0(v)["integratedTime"] = json!("-5")),
        Err(BundleError::NegativeInteger { value: -5, .. })
    ));
    assert!(matches!(
        mutate(V03, |v| entry0(v)["inclusionProof"]["treeSize"] = json!(-1)),
        Err(BundleError::NegativeInteger { value: -1, .. })
    ));
    assert!(matches!(
        mutate(V03, |v| entry0(v)["inclusionProof"]["treeSize"] =
            json!("75408392")),
        Err(BundleError::ProofIndexOutOfRange {
            log_index: 75408392,
            tree_size: 75408392,
            ..
        })
    ));
    assert!(matches!(
        mutate(V03, |v| entry0(v)["inclusionProof"]["rootHash"] = json!("")),
        Err(BundleError::MissingField { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| entry0(v)["inclusionProof"]["hashes"][1] =
            json!("AAAA")),
        Err(BundleError::ProofHashLength {
            expected: 32,
            actual: 3,
            ..
        })
    ));
}

#[test]
fn content_fields_are_required_and_sane() {
    assert!(matches!(
        mutate(V03, |v| v["messageSignature"]["signature"] = json!("")),
        Err(BundleError::MissingField {
            field: "messageSignature.signature"
        })
    ));
    assert!(matches!(
        mutate(V03, |v| remove(&mut v["messageSignature"], "messageDigest")),
        Err(BundleError::MissingField { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| v["messageSignature"]["messageDigest"]
            ["algorithm"] = json!("MD5")),
        Err(BundleError::UnknownHashAlgorithm { .. })
    ));
    assert!(matches!(
        mutate(V03, |v| v["messageSignature"]["messageDigest"]
            ["algorithm"] = json!("SHA2_512")),
        Err(BundleError::DigestLength {
            expected: 64,
            actual: 32,
            ..
        })
    ));
    assert!(mutate(V03, |v| v["messageSignature"]["messageDigest"]
        ["algorithm"] = json!(1))
    .is_ok());
    for (key, _) in [("payload", 0), ("payloadType", 1)] {
        assert!(matches!(
            mutate(DSSE, |v| remove(&mut v["dsseEnvelope"], key)),
            Err(BundleError::MissingField { .. })
        ));
    }
    assert!(matches!(
        mutate(DSSE, |v| v["dsseEnvelope"]["signatures"][0]["sig"] =
            json!("")),
        Err(BundleError::MissingField { .. })
    ));
    assert!(matches!(
        mutate(DSSE, |v| v["dsseEnvelope"]["signatures"] = json!([])),
        Err(BundleError::DsseSignatureCount { count: 0 })
    ));
    assert!(matches!(
        mutate(DSSE, |v| {
            let sig = v["dsseEnvelope"]["signatures"][0].clone();
            v["dsseEnvelope"]["signatures"]
                .as_array_mut()
                .unwrap()
                .push(sig);
        }),
        Err(BundleError::DsseSignatureCount { count: 2 })
    ));
    assert!(matches!(
        mutate(REKOR2, |v| v["verificationMaterial"]
            ["timestampVerificationData"]["rfc3161Timestamps"][0]
            ["signedTimestamp"] = json!("")),
        Err(BundleError::MissingField { .. })
    ));
}

#[test]
fn limits_bound_every_list() {
    let tight = |f: fn(&mut Limits)| {
        let mut l = Limits::DEFAULT;
        f(&mut l);
        l
    };
    let cases: [(&str, Limits, &str); 6] = [
        (
            V03,
            tight(|l| l.max_tlog_entries = 0),
            "verificationMaterial.tlogEntries",
        ),
        (
            REKOR2,
            tight(|l| l.max_timestamps = 0),
            "verificationMaterial.timestampVerificationData.rfc3161Timestamps",
        ),
        (
            V01,
            tight(|l| l.max_chain_len = 0),
            "verificationMaterial.x509CertificateChain.certificates",
        ),
        (
            V03,
            tight(|l| l.max_proof_hashes = 2),
            "verificationMaterial.tlogEntries[].inclusionProof.hashes",
        ),
        (
            DSSE,
            tight(|l| l.max_dsse_signatures = 0),
            "dsseEnvelope.signatures",
        ),
        (V03, Limits::DEFAULT, ""),
    ];
    for (case, limits, field) in cases {
        let raw = read(&format!("bundle-verify/{case}/bundle.sigstore.json"));
        let result = Bundle::from_json(&raw, &limits);
        if field.is_empty() {
            assert!(result.is_ok());
        } else {
            assert!(
                matches!(&result, Err(BundleError::TooMany { field: f, .. }) if *f == field),
                "{field}: {result:?}"
            );
        }
    }
    let raw = read(&format!("bundle-verify/{DSSE}/bundle.sigstore.json"));
    let limits = tight(|l| l.max_dsse_payload_bytes = 10);
    assert!(matches!(
        Bundle::from_json(&raw, &limits),
        Err(BundleError::DssePayloadTooLarge { limit: 10, .. })
    ));
}

#[test]
fn from_parts_applies_the_same_rules() {
    let b = parse_case(V03).unwrap();
    let rebuilt = Bundle::from_parts(b.clone().into_parts(), &Limits::DEFAULT).unwrap();
    // The input uses the legacy v0.3 spelling; a built bundle gets the current one.
    assert_eq!(b.media_type(), MEDIA_TYPE_V0_3_LEGACY);
    assert_eq!(rebuilt.media_type(), MEDIA_TYPE_V0_3);
    assert_eq!(rebuilt.clone().into_parts(), b.clone().into_parts());

    let mut parts = b.clone().into_parts();
    parts.tlog_entries[0].log_index = u64::MAX;
    assert!(matches!(
        Bundle::from_parts(parts, &Limits::DEFAULT),
        Err(BundleError::IntegerOutOfRange {
            value: u64::MAX,
            ..
        })
    ));
    let mut parts = b.clone().into_parts();
    parts.tlog_entries[0].integrated_time = Some(crate::time::Timestamp(0));
    assert!(matches!(
        Bundle::from_parts(parts, &Limits::DEFAULT),
        Err(BundleError::NegativeInteger { value: 0, .. })
    ));
    let mut parts = b.into_parts();
    parts.version = BundleVersion::V0_1;
    assert!(matches!(
        Bundle::from_parts(parts, &Limits::DEFAULT),
        Err(BundleError::MaterialNotAllowed { .. })
    ));
}

#[test]
fn escaped_json_strings_read_the_same() {
    // Borrowed text is the fast path; JSON escapes (legal anywhere, e.g. `\/` from PHP or
    // `\u0030` from some encoders) must give the same bundle.
    let plain = read("bundle-verify/happy-path-v0.3/bundle.sigstore.json");
    let text = String::from_utf8(plain.clone()).unwrap();
    assert!(text.contains('/'));
    let escaped = text
        .replace('/', "\\/")
        .replace("\"logIndex\": \"", "\"logIndex\": \"\\u0030")
        .replace("\"logIndex\":\"", "\"logIndex\":\"\\u0030");
    assert!(escaped.contains("\\u0030"));
    let limits = Limits::DEFAULT;
    let a = Bundle::from_json(&plain, &limits).unwrap();
    let b = Bundle::from_json(escaped.as_bytes(), &limits).unwrap();
    assert_eq!(a.content(), b.content());
    assert_eq!(a.verification_material(), b.verification_material());
    let (ea, eb) = (&a.tlog_entries()[0], &b.tlog_entries()[0]);
    assert_eq!(ea.canonicalized_body, eb.canonicalized_body);
    assert_eq!(ea.inclusion_proof, eb.inclusion_proof);
    assert_eq!(
        ea.log_index, eb.log_index,
        "a leading escaped zero changes nothing"
    );
}

/// A log entry on its own, as Rekor v2 answers a create request: parsed, written back the same,
/// and held to the v0.3 rules (an inclusion proof is required).
#[test]
fn tlog_entry_alone_round_trips_and_needs_a_proof() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/bundle-verify"
    );
    for case in ["rekor2-happy-path", "happy-path-v0.3"] {
        let json: serde_json::Value = serde_json::from_slice(
            &std::fs::read(format!("{dir}/{case}/bundle.sigstore.json")).unwrap(),
        )
        .unwrap();
        let entry_json = json["verificationMaterial"]["tlogEntries"][0].to_string();
        let entry = TlogEntry::from_json(entry_json.as_bytes(), &Limits::DEFAULT).unwrap();
        let bundle = Bundle::from_json(json.to_string().as_bytes(), &Limits::DEFAULT).unwrap();
        assert_eq!(&entry, &bundle.tlog_entries()[0]);
        let again = TlogEntry::from_json(entry.to_json().as_bytes(), &Limits::DEFAULT).unwrap();
        assert_eq!(entry, again);

        let mut stripped: serde_json::Value = serde_json::from_str(&entry_json).unwrap();
        stripped.as_object_mut().unwrap().remove("inclusionProof");
        assert!(matches!(
            TlogEntry::from_json(stripped.to_string().as_bytes(), &Limits::DEFAULT),
            Err(BundleError::MissingInclusionProof { .. })
        ));
    }
    assert!(matches!(
        TlogEntry::from_json(br#"{"unknown": 1}"#, &Limits::DEFAULT),
        Err(BundleError::Json(_))
    ));
}
