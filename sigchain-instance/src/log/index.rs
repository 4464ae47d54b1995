//! Search keys of a logged body, read from the body itself, so that the keys of a new entry
//! and of one reread at startup come from one place.
//!
//! Keys: `<alg>:<hex>` of the artifact digest (hashedrekord) or of the DSSE payload (dsse),
//! and `signer:<hex SHA-256 of the signer's DER>` (certificate or SubjectPublicKeyInfo).

use serde_json::Value;
use sigchain_core::bundle::KindVersion;
use sigchain_core::crypto::sha256;
use sigchain_core::encoding::{base64_decode, hex_encode};

/// The search key for entries signed by `signer_der` (certificate or SPKI DER).
pub fn signer_key(signer_der: &[u8]) -> String {
    format!("signer:{}", hex_encode(&sha256(signer_der)))
}

/// The search key for an artifact digest given as `<alg>:<hex>` or bare hex (SHA-256), as
/// Rekor's `SearchIndex.hash` takes it; `None` if it is neither.
pub fn artifact_key(hash: &str) -> Option<String> {
    let hash = hash.trim().to_ascii_lowercase();
    let (alg, hex) = hash.split_once(':').unwrap_or(("sha256", &hash));
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return None,
    };
    (hex.len() == len && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("{alg}:{hex}"))
}

/// The body's `kind` and `apiVersion`.
pub fn kind_version(body: &[u8]) -> Option<KindVersion> {
    let value: Value = serde_json::from_slice(body).ok()?;
    Some(KindVersion {
        kind: value["kind"].as_str()?.to_owned(),
        version: value["apiVersion"].as_str()?.to_owned(),
    })
}

/// Every search key of a canonical body this log writes (none for a body it cannot read).
pub fn keys_of_body(body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let spec = &value["spec"];
    let mut keys = Vec::new();
    let mut push_hex = |alg: &str, hex: &str| {
        if let Some(key) = artifact_key(&format!("{alg}:{hex}")) {
            keys.push(key);
        }
    };
    match (value["kind"].as_str(), value["apiVersion"].as_str()) {
        (Some("hashedrekord"), Some("0.0.1")) => {
            let hash = &spec["data"]["hash"];
            push_hex(str_of(&hash["algorithm"]), str_of(&hash["value"]));
            keys.extend(pem_signer(&spec["signature"]["publicKey"]["content"]));
        }
        (Some("hashedrekord"), Some("0.0.2")) => {
            let entry = &spec["hashedRekordV002"];
            let data = &entry["data"];
            if let Some(digest) = base64_decode(str_of(&data["digest"])) {
                push_hex(v2_alg(str_of(&data["algorithm"])), &hex_encode(&digest));
            }
            keys.extend(v2_signer(&entry["signature"]["verifier"]));
        }
        (Some("dsse"), Some("0.0.1")) => {
            let hash = &spec["payloadHash"];
            push_hex(str_of(&hash["algorithm"]), str_of(&hash["value"]));
            for signature in spec["signatures"].as_array().into_iter().flatten() {
                keys.extend(pem_signer(&signature["verifier"]));
            }
        }
        (Some("dsse"), Some("0.0.2")) => {
            let entry = &spec["dsseV002"];
            let hash = &entry["payloadHash"];
            if let Some(digest) = base64_decode(str_of(&hash["digest"])) {
                push_hex(v2_alg(str_of(&hash["algorithm"])), &hex_encode(&digest));
            }
            for signature in entry["signatures"].as_array().into_iter().flatten() {
                keys.extend(v2_signer(&signature["verifier"]));
            }
        }
        _ => {}
    }
    keys.dedup();
    keys
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn v2_alg(name: &str) -> &str {
    match name {
        "SHA2_256" => "sha256",
        "SHA2_384" => "sha384",
        "SHA2_512" => "sha512",
        _ => "",
    }
}

/// A Rekor v1 verifier: base64 of PEM text.
fn pem_signer(content: &Value) -> Option<String> {
    let pem = base64_decode(content.as_str()?)?;
    pem_der(std::str::from_utf8(&pem).ok()?).map(|der| signer_key(&der))
}

/// The DER inside one PEM block, whitespace in the base64 aside.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let rest = pem.trim().strip_prefix("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let body = rest.strip_suffix(format!("-----END {label}-----").as_str())?;
    base64_decode(&body.split_ascii_whitespace().collect::<String>())
}

fn v2_signer(verifier: &Value) -> Option<String> {
    let raw = verifier["x509Certificate"]["rawBytes"]
        .as_str()
        .or_else(|| verifier["publicKey"]["rawBytes"].as_str())?;
    base64_decode(raw).map(|der| signer_key(&der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_keys_are_normalised() {
        let hex = "AB".repeat(32);
        let want = Some(format!("sha256:{}", hex.to_lowercase()));
        assert_eq!(artifact_key(&hex), want);
        assert_eq!(artifact_key(&format!("sha256:{hex}")), want);
        assert_eq!(artifact_key(&format!("SHA256:{hex}")), want);
        assert_eq!(artifact_key("sha256:abcd"), None);
        assert_eq!(artifact_key(&format!("md5:{hex}")), None);
        assert_eq!(artifact_key(&"zz".repeat(32)), None);
    }

    #[test]
    fn real_bodies_give_their_keys() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/conformance/bundle-verify"
        );
        for (case, digest) in [
            (
                "happy-path-v0.3",
                "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
            ),
            ("rekor2-happy-path", ""),
            ("happy-path-intoto-in-dsse-v3", ""),
        ] {
            let b: Value = serde_json::from_slice(
                &std::fs::read(format!("{dir}/{case}/bundle.sigstore.json")).unwrap(),
            )
            .unwrap();
            let body = base64_decode(
                b["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
            let keys = keys_of_body(&body);
            assert_eq!(keys.len(), 2, "{case}: {keys:?}");
            assert!(keys[0].starts_with("sha256:"), "{case}");
            if !digest.is_empty() {
                assert_eq!(keys[0], format!("sha256:{digest}"));
            }
            let cert = base64_decode(
                b["verificationMaterial"]["certificate"]["rawBytes"]
                    .as_str()
                    .or_else(|| {
                        b["verificationMaterial"]["x509CertificateChain"]["certificates"][0]
                            ["rawBytes"]
                            .as_str()
                    })
                    .unwrap(),
            )
            .unwrap();
            assert_eq!(keys[1], signer_key(&cert), "{case}");
        }
        assert!(keys_of_body(b"not json").is_empty());
        assert!(keys_of_body(br#"{"kind":"intoto","apiVersion":"0.0.2"}"#).is_empty());
    }
}
