//! Test helpers: conformance bundles and trusted roots read in place from `shared/`, and the
//! synthetic certificates under `tests/data/x509/`.

use serde_json::Value;

use super::Certificate;
use crate::encoding::base64_decode;
use crate::time::Timestamp;
use crate::trust_root::{CertificateAuthority, TrustedRoot, ValidityPeriod};

pub(crate) fn shared(path: &str) -> Vec<u8> {
    let full = format!("{}/../../shared/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

pub(crate) fn bundle(case: &str) -> Value {
    let bytes = shared(&format!(
        "conformance/bundle-verify/{case}/bundle.sigstore.json"
    ));
    serde_json::from_slice(&bytes).unwrap()
}

fn b64(v: &Value) -> Vec<u8> {
    // Some conformance bundles wrap base64 at 76 columns (Go and Python decoders skip the
    // line breaks).
    let text: String = v.as_str().unwrap().split_whitespace().collect();
    base64_decode(&text).unwrap()
}

/// The bundle's certificates, leaf first (v0.3 `certificate` or older `x509CertificateChain`).
pub(crate) fn bundle_certs(case: &str) -> Vec<Certificate> {
    let b = bundle(case);
    let vm = &b["verificationMaterial"];
    let raws: Vec<Vec<u8>> = if vm["certificate"].is_object() {
        vec![b64(&vm["certificate"]["rawBytes"])]
    } else {
        vm["x509CertificateChain"]["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| b64(&c["rawBytes"]))
            .collect()
    };
    raws.iter()
        .map(|der| Certificate::from_der(der).unwrap())
        .collect()
}

pub(crate) fn leaf(case: &str) -> Certificate {
    bundle_certs(case).remove(0)
}

pub(crate) fn integrated_time(case: &str) -> Timestamp {
    let b = bundle(case);
    let t = b["verificationMaterial"]["tlogEntries"][0]["integratedTime"]
        .as_str()
        .unwrap();
    Timestamp(t.parse().unwrap())
}

/// The case's own trusted root, or the production root when it has none.
pub(crate) fn trusted_root(case: &str) -> TrustedRoot {
    let path = format!(
        "{}/../../shared/conformance/bundle-verify/{case}/trusted_root.json",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read(&path) {
        Ok(json) => TrustedRoot::from_json(&json).unwrap(),
        Err(_) => production(),
    }
}

pub(crate) fn production() -> TrustedRoot {
    TrustedRoot::from_json(&shared("trust/production/trusted_root.json")).unwrap()
}

pub(crate) fn staging() -> TrustedRoot {
    TrustedRoot::from_json(&shared("trust/staging/trusted_root.json")).unwrap()
}

/// The first RFC 3161 signed timestamp of the bundle.
pub(crate) fn signed_timestamp(case: &str) -> Vec<u8> {
    let b = bundle(case);
    b64(
        &b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
            ["signedTimestamp"],
    )
}

/// The bytes a timestamp covers: the message signature or the DSSE envelope signature.
pub(crate) fn timestamped_signature(case: &str) -> Vec<u8> {
    let b = bundle(case);
    if b["messageSignature"].is_object() {
        b64(&b["messageSignature"]["signature"])
    } else {
        b64(&b["dsseEnvelope"]["signatures"][0]["sig"])
    }
}

/// A synthetic certificate from `tests/data/x509/`.
pub(crate) fn synthetic(name: &str) -> Certificate {
    let path = format!("{}/tests/data/x509/{name}.pem", env!("CARGO_MANIFEST_DIR"));
    Certificate::from_pem(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A trusted-root authority made of synthetic certificates (issuing first), valid forever.
pub(crate) fn synthetic_authority(names: &[&str]) -> CertificateAuthority {
    CertificateAuthority {
        uri: format!("https://{}.test", names.first().unwrap()),
        organization: "sigchain-test".into(),
        common_name: names.first().unwrap().to_string(),
        chain: names.iter().map(|n| synthetic(n).der().to_vec()).collect(),
        validity: ValidityPeriod {
            start: None,
            end: None,
        },
    }
}
