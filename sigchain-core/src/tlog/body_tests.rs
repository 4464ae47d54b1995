use super::*;
use crate::tlog::test_support::{b64, Case, CONFORMANCE};
use der::Decode as _;
use proptest::prelude::*;
use serde_json::Value;

/// What a verifier would hand this layer for a conformance case: the artifact digest from
/// the case manifest (not the bundle's own claim), the bundle's signature or envelope, and
/// its certificate or the case's managed key.
struct Inputs {
    kind: String,
    version: String,
    body: Vec<u8>,
    digest: Vec<u8>,
    signature: Vec<u8>,
    payload_type: String,
    payload: Vec<u8>,
    dsse_sigs: Vec<Vec<u8>>,
    is_dsse: bool,
    signer_der: Vec<u8>,
    signer_is_cert: bool,
}

fn manifest() -> Value {
    serde_json::from_slice(&std::fs::read(format!("{CONFORMANCE}/../cases.json")).unwrap()).unwrap()
}

fn inputs(case: &Case, manifest: &Value) -> Option<Inputs> {
    let entry = manifest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == case.name.as_str())?;
    let digest = crate::encoding::hex_decode(entry["digest"].as_str()?.strip_prefix("sha256:")?)?;
    let (signer_der, signer_is_cert) = match case.leaf_cert() {
        Some(cert) => (cert, true),
        None => {
            let key = entry["key"].as_str()?;
            let pem = std::fs::read_to_string(format!("{CONFORMANCE}/../{key}")).ok()?;
            (PublicKey::from_pem(&pem).ok()?.spki_der().to_vec(), false)
        }
    };
    let (kind, version) = case.kind_version();
    let b = &case.bundle;
    let env = &b["dsseEnvelope"];
    Some(Inputs {
        kind: kind.to_owned(),
        version: version.to_owned(),
        body: case.body(),
        digest,
        signature: b["messageSignature"]["signature"]
            .as_str()
            .and_then(base64_decode)
            .unwrap_or_default(),
        payload_type: env["payloadType"].as_str().unwrap_or("").to_owned(),
        payload: env["payload"]
            .as_str()
            .and_then(base64_decode)
            .unwrap_or_default(),
        dsse_sigs: env["signatures"]
            .as_array()
            .map(|s| s.iter().map(|s| b64(&s["sig"])).collect())
            .unwrap_or_default(),
        is_dsse: env.is_object(),
        signer_der,
        signer_is_cert,
    })
}

impl Inputs {
    fn check(&self) -> Result<(), BodyError> {
        self.check_with(&self.body)
    }

    fn check_with(&self, body: &[u8]) -> Result<(), BodyError> {
        let sigs: Vec<&[u8]> = self.dsse_sigs.iter().map(Vec::as_slice).collect();
        let content = if self.is_dsse {
            SignedContent::Dsse {
                payload_type: &self.payload_type,
                payload: &self.payload,
                signatures: &sigs,
            }
        } else {
            SignedContent::MessageSignature {
                digest: &self.digest,
                digest_algorithm: HashAlgorithm::Sha256,
                signature: &self.signature,
            }
        };
        let signer = if self.signer_is_cert {
            SignerMaterial::Certificate(&self.signer_der)
        } else {
            SignerMaterial::PublicKey(&self.signer_der)
        };
        check_body_matches(
            &self.kind,
            &self.version,
            body,
            &content,
            &signer,
            &Limits::DEFAULT,
        )
    }
}

fn load(name: &str) -> Inputs {
    inputs(&Case::load(name), &manifest()).unwrap()
}

/// Every conformance bundle with a tlog entry: which ones this layer rejects.
#[test]
fn conformance_sweep() {
    // The body records other content than the bundle carries. Starred cases are also (or
    // mainly) rejected by other layers: * bundle parsing, ** signature verification.
    let rejected_here = [
        "bundle-invalid-base64-signature_fail", // * signature is not base64
        "bundle-negative-log-index_fail",       // * body is a stub without `kind`
        "bundle-unknown-version_fail",          // * body is a stub without `kind`
        "dsse-invalid-sig_fail",                // ** entry records the valid signature
        "dsse-mismatch-envelope_fail",
        "dsse-mismatch-sig_fail",
        "incorrect-public-key_fail",
        "intoto-log-entry-mismatch_fail",
        "rekor2-dsse-invalid-sig_fail", // ** entry records the valid signature
        "rekor2-dsse-mismatch-envelope_fail",
        "rekor2-dsse-mismatch-sig_fail",
        "signature-mismatch_fail", // ** entry records the valid signature
        "wrong-hashedrekord-artifact_fail",
        "wrong-hashedrekord-cert-and-sig_fail",
        "wrong-hashedrekord-entry_fail",
        "wrong-material_fail", // the artifact is not the logged one
    ];
    // No signer to compare with: rejected before this layer.
    let no_inputs = [
        "bundle-empty-certificate-chain_fail",
        "managed-key-no-key_fail",
        "managed-key-wrong-key_fail", // the supplied key.pub does not parse
    ];
    let manifest = manifest();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for name in Case::names_with_prefix(&[""]) {
        if name == "bundle-malformed-json_fail" {
            continue;
        }
        let case = Case::load(&name);
        if case.entry().is_null() {
            continue;
        }
        match inputs(&case, &manifest) {
            None if no_inputs.contains(&name.as_str()) => {}
            None => wrong.push(format!("{name}: no inputs")),
            Some(i) => {
                checked += 1;
                let result = i.check();
                if result.is_err() != rejected_here.contains(&name.as_str()) {
                    wrong.push(format!("{name}: {result:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(checked > 60, "{checked}");
}

#[test]
fn conformance_mismatches_name_the_field() {
    type Expect = fn(&BodyError) -> bool;
    let cases: [(&str, Expect); 8] = [
        ("dsse-mismatch-envelope_fail", |e| {
            matches!(
                e,
                BodyError::DigestMismatch {
                    field: "payloadHash",
                    ..
                }
            )
        }),
        ("dsse-mismatch-sig_fail", |e| {
            matches!(e, BodyError::SignatureMismatch)
        }),
        ("rekor2-dsse-mismatch-envelope_fail", |e| {
            matches!(
                e,
                BodyError::DigestMismatch {
                    field: "data.digest",
                    ..
                }
            )
        }),
        ("rekor2-dsse-mismatch-sig_fail", |e| {
            matches!(e, BodyError::SignatureMismatch)
        }),
        ("wrong-hashedrekord-artifact_fail", |e| {
            matches!(
                e,
                BodyError::DigestMismatch {
                    field: "data.hash",
                    ..
                }
            )
        }),
        ("wrong-hashedrekord-cert-and-sig_fail", |e| {
            matches!(e, BodyError::SignatureMismatch)
        }),
        ("incorrect-public-key_fail", |e| {
            matches!(e, BodyError::VerifierMismatch("certificate"))
        }),
        ("intoto-log-entry-mismatch_fail", |e| {
            matches!(e, BodyError::SignatureMismatch)
        }),
    ];
    for (name, want) in cases {
        let err = load(name).check().unwrap_err();
        assert!(want(&err), "{name}: {err:?}");
    }
}

fn edit_body(inputs: &Inputs, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&inputs.body).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn declared_kind_must_match_body() {
    let mut i = load("happy-path-v0.3");
    i.version = "0.0.2".into();
    assert!(matches!(i.check(), Err(BodyError::KindMismatch { .. })));
    let i = load("happy-path-v0.3");
    let body = edit_body(&i, |v| v["kind"] = "rekord".into());
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::KindMismatch { .. })
    ));
    let mut i = load("happy-path-v0.3");
    i.kind = "rekord".into();
    let body = edit_body(&i, |v| v["kind"] = "rekord".into());
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::UnsupportedKind(_))
    ));
}

#[test]
fn content_kind_must_fit_entry_kind() {
    let mut i = load("happy-path-v0.3");
    i.is_dsse = true;
    assert!(matches!(i.check(), Err(BodyError::ContentKind { .. })));
    let mut i = load("happy-path-intoto-in-dsse-v3");
    i.is_dsse = false;
    assert!(matches!(i.check(), Err(BodyError::ContentKind { .. })));
}

#[test]
fn unknown_fields_are_rejected() {
    for name in [
        "happy-path-v0.3",
        "rekor2-happy-path",
        "happy-path-intoto-in-dsse-v3",
        "intoto-with-custom-trust-root",
    ] {
        let i = load(name);
        i.check().unwrap();
        let body = edit_body(&i, |v| v["spec"]["extra"] = 1.into());
        assert!(
            matches!(i.check_with(&body), Err(BodyError::Json(_))),
            "{name}"
        );
    }
}

#[test]
fn hashedrekord_v001_fields() {
    let i = load("happy-path-v0.3");
    let body = edit_body(&i, |v| {
        v["spec"]["data"]["hash"]["algorithm"] = "sha512".into()
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::DigestAlgorithmMismatch { .. })
    ));
    let body = edit_body(&i, |v| {
        v["spec"]["data"]["hash"]["algorithm"] = "md5".into()
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::UnknownHashAlgorithm(_))
    ));
    let body = edit_body(&i, |v| v["spec"]["data"]["hash"]["value"] = "zz".into());
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::BadEncoding(_))
    ));
    // The same certificate recorded as a public key is not the same signer.
    let mut as_key = load("happy-path-v0.3");
    as_key.signer_is_cert = false;
    assert!(matches!(
        as_key.check(),
        Err(BodyError::VerifierMismatch("public key"))
    ));
    let body = edit_body(&i, |v| {
        v["spec"]["signature"]["publicKey"]["content"] = "bm90IHBlbQ==".into()
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::BadEncoding("verifier PEM"))
    ));
}

#[test]
fn managed_key_entry_matches_key() {
    let i = load("managed-key-happy-path");
    assert!(!i.signer_is_cert);
    i.check().unwrap();
    let mut other = load("managed-key-happy-path");
    other.signer_der = load("rekor2-happy-path").signer_der;
    other.signer_is_cert = true;
    assert!(matches!(
        other.check(),
        Err(BodyError::VerifierMismatch("certificate"))
    ));
}

#[test]
fn hashedrekord_v002_fields() {
    let i = load("rekor2-happy-path");
    let hr = "hashedRekordV002";
    let body = edit_body(&i, |v| {
        v["spec"][hr]["data"]["algorithm"] = "SHA2_384".into()
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::DigestAlgorithmMismatch { .. })
    ));
    let body = edit_body(&i, |v| {
        v["spec"][hr]["signature"]["verifier"]["keyDetails"] = "PKIX_ECDSA_P384_SHA_384".into()
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::KeyDetailsMismatch { .. })
    ));
    let body = edit_body(&i, |v| {
        let cert = v["spec"][hr]["signature"]["verifier"]["x509Certificate"].clone();
        v["spec"][hr]["signature"]["verifier"]["publicKey"] = cert;
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::AmbiguousVerifier)
    ));
    let body = edit_body(&i, |v| {
        let verifier = &mut v["spec"][hr]["signature"]["verifier"];
        verifier["publicKey"] = verifier["x509Certificate"].clone();
        verifier.as_object_mut().unwrap().remove("x509Certificate");
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::VerifierMismatch("public key"))
    ));
    let body = edit_body(&i, |v| {
        v["spec"][hr]["signature"]["content"] = "AAAA".into()
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::SignatureMismatch)
    ));
}

#[test]
fn hashedrekord_v002_with_public_key() {
    // A Rekor v2 entry for a managed key records the key's DER.
    let cert_case = load("rekor2-happy-path");
    let cert = x509_cert::Certificate::from_der(&cert_case.signer_der).unwrap();
    let spki = der::Encode::to_der(&cert.tbs_certificate.subject_public_key_info).unwrap();
    let body = edit_body(&cert_case, |v| {
        let verifier = &mut v["spec"]["hashedRekordV002"]["signature"]["verifier"];
        verifier.as_object_mut().unwrap().remove("x509Certificate");
        verifier["publicKey"] =
            serde_json::json!({"rawBytes": crate::encoding::base64_encode(&spki)});
    });
    let mut i = load("rekor2-happy-path");
    i.signer_der = spki;
    i.signer_is_cert = false;
    i.check_with(&body).unwrap();
}

#[test]
fn dsse_over_hashedrekord_needs_one_signature() {
    let mut i = load("rekor2-dsse-happy-path");
    i.check().unwrap();
    let sig = i.dsse_sigs[0].clone();
    i.dsse_sigs.push(sig);
    assert!(matches!(
        i.check(),
        Err(BodyError::SignatureCount { body: 1, bundle: 2 })
    ));
    let mut i = load("rekor2-dsse-happy-path");
    i.payload_type = "application/other".into();
    assert!(matches!(i.check(), Err(BodyError::DigestMismatch { .. })));
}

/// A dsse 0.0.2 body (Rekor v2 before DSSE moved to hashedrekord) built from a real bundle.
fn dsse_v002(i: &Inputs, payload_digest: &[u8]) -> Vec<u8> {
    let b64 = crate::encoding::base64_encode;
    serde_json::to_vec(&serde_json::json!({
        "apiVersion": "0.0.2",
        "kind": "dsse",
        "spec": {"dsseV002": {
            "payloadHash": {"algorithm": "SHA2_256", "digest": b64(payload_digest)},
            "signatures": [{
                "content": b64(&i.dsse_sigs[0]),
                "verifier": {
                    "x509Certificate": {"rawBytes": b64(&i.signer_der)},
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256"
                }
            }]
        }}
    }))
    .unwrap()
}

#[test]
fn dsse_v002_fields() {
    let mut i = load("rekor2-dsse-happy-path");
    i.kind = "dsse".into();
    i.version = "0.0.2".into();
    let good = dsse_v002(&i, &crate::crypto::sha256(&i.payload));
    i.check_with(&good).unwrap();
    let bad_digest = dsse_v002(&i, &[0; 32]);
    assert!(matches!(
        i.check_with(&bad_digest),
        Err(BodyError::DigestMismatch { .. })
    ));
    let mut other_sig = load("rekor2-dsse-happy-path");
    other_sig.kind = "dsse".into();
    other_sig.version = "0.0.2".into();
    other_sig.dsse_sigs[0][10] ^= 1;
    assert!(matches!(
        other_sig.check_with(&good),
        Err(BodyError::SignatureMismatch)
    ));
    other_sig.dsse_sigs.clear();
    assert!(matches!(
        other_sig.check_with(&good),
        Err(BodyError::SignatureCount { .. })
    ));
}

#[test]
fn intoto_v002_fields() {
    let i = load("intoto-with-custom-trust-root");
    i.check().unwrap();
    let env = |v: &mut Value| v["spec"]["content"]["envelope"].clone();
    let body = edit_body(&i, |v| {
        let mut e = env(v);
        e["payload"] = crate::encoding::base64_encode(b"e30=").into();
        v["spec"]["content"]["envelope"] = e;
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::PayloadMismatch)
    ));
    let body = edit_body(&i, |v| {
        v["spec"]["content"]["envelope"]["payloadType"] = "text/plain".into();
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::PayloadTypeMismatch { .. })
    ));
    let body = edit_body(&i, |v| {
        v["spec"]["content"]["payloadHash"]["value"] = "00".repeat(32).into();
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::DigestMismatch { .. })
    ));
    // The payload is optional in the body: without it the payload hash carries the binding.
    let body = edit_body(&i, |v| {
        v["spec"]["content"]["envelope"]
            .as_object_mut()
            .unwrap()
            .remove("payload");
    });
    i.check_with(&body).unwrap();
}

#[test]
fn limits_are_enforced() {
    let i = load("happy-path-intoto-in-dsse-v3");
    let small = Limits {
        max_bundle_bytes: 100,
        max_dsse_signatures: 0,
        ..Limits::DEFAULT
    };
    let sigs: Vec<&[u8]> = i.dsse_sigs.iter().map(Vec::as_slice).collect();
    let content = SignedContent::Dsse {
        payload_type: &i.payload_type,
        payload: &i.payload,
        signatures: &sigs,
    };
    let signer = SignerMaterial::Certificate(&i.signer_der);
    assert!(matches!(
        check_body_matches("dsse", "0.0.1", &i.body, &content, &signer, &small),
        Err(BodyError::TooLarge { .. })
    ));
    let no_sigs = Limits {
        max_dsse_signatures: 0,
        ..Limits::DEFAULT
    };
    assert!(matches!(
        check_body_matches("dsse", "0.0.1", &i.body, &content, &signer, &no_sigs),
        Err(BodyError::TooManySignatures { max: 0 })
    ));
    // Exactly at each limit is allowed.
    let exact = Limits {
        max_bundle_bytes: i.body.len(),
        max_dsse_signatures: sigs.len(),
        ..Limits::DEFAULT
    };
    check_body_matches("dsse", "0.0.1", &i.body, &content, &signer, &exact).unwrap();
}

#[test]
fn hash_names_map_to_their_algorithms() {
    for (v1, v2, algorithm) in [
        ("sha256", "SHA2_256", HashAlgorithm::Sha256),
        ("sha384", "SHA2_384", HashAlgorithm::Sha384),
        ("sha512", "SHA2_512", HashAlgorithm::Sha512),
    ] {
        assert_eq!(rekor_v1_hash(v1).unwrap(), algorithm);
        assert_eq!(rekor_v2_hash(v2).unwrap(), algorithm);
        assert!(rekor_v1_hash(v2).is_err() && rekor_v2_hash(v1).is_err());
    }
}

#[test]
fn rekor_v2_verifier_must_be_the_signer() {
    // Another genuine certificate (or key) recorded in the entry is not this bundle's signer.
    let i = load("rekor2-happy-path");
    let other_cert = load("happy-path-v0.3").signer_der;
    let hr = "hashedRekordV002";
    let body = edit_body(&i, |v| {
        v["spec"][hr]["signature"]["verifier"]["x509Certificate"]["rawBytes"] =
            crate::encoding::base64_encode(&other_cert).into();
    });
    assert!(matches!(
        i.check_with(&body),
        Err(BodyError::VerifierMismatch("certificate"))
    ));
    // The same for a managed key: the recorded key must be the bundle's key.
    let cert = x509_cert::Certificate::from_der(&i.signer_der).unwrap();
    let spki = der::Encode::to_der(&cert.tbs_certificate.subject_public_key_info).unwrap();
    let other = x509_cert::Certificate::from_der(&other_cert).unwrap();
    let other_spki = der::Encode::to_der(&other.tbs_certificate.subject_public_key_info).unwrap();
    let body = edit_body(&i, |v| {
        let verifier = &mut v["spec"][hr]["signature"]["verifier"];
        verifier.as_object_mut().unwrap().remove("x509Certificate");
        verifier["publicKey"] =
            serde_json::json!({"rawBytes": crate::encoding::base64_encode(&other_spki)});
    });
    let mut as_key = load("rekor2-happy-path");
    as_key.signer_der = spki;
    as_key.signer_is_cert = false;
    assert!(matches!(
        as_key.check_with(&body),
        Err(BodyError::VerifierMismatch("public key"))
    ));
}

#[test]
fn pem_comparison_is_lenient_about_wrapping_only() {
    let (label, body) = split_pem(b"-----BEGIN X-----\nAAEC\nAw==\n-----END X-----\n").unwrap();
    assert_eq!(label, "X");
    assert!(is_base64_of(body, &[0, 1, 2, 3]));
    assert!(is_base64_of(" AA EC\r\nA w= = ", &[0, 1, 2, 3]));
    assert!(!is_base64_of(body, &[0, 1, 2]));
    assert!(!is_base64_of(body, &[0, 1, 2, 3, 4]));
    assert!(!is_base64_of("AAECAw", &[0, 1, 2, 3]));
    assert!(!is_base64_of("AAECAw==AA==", &[0, 1, 2, 3]));
    assert!(!is_base64_of("AAECAx==", &[0, 1, 2, 3]));
    assert!(split_pem(b"-----BEGIN X-----\nAAEC\n-----END Y-----").is_none());
    assert!(split_pem(b"-----BEGIN X-----\nAAEC\n-----END X-----\ntrailing").is_none());
    assert!(split_pem(b"-----BEGIN X-----AAEC").is_none());
    assert!(split_pem(b"\xff").is_none());
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let i = load("happy-path-v0.1");
        prop_assert!(i.check_with(&body).is_err());
    }

    #[test]
    fn mutated_bodies_never_panic(pos in any::<usize>(), byte in any::<u8>()) {
        for name in ["happy-path-v0.3", "rekor2-dsse-happy-path", "intoto-with-custom-trust-root"] {
            let i = load(name);
            let mut body = i.body.clone();
            let n = body.len();
            body[pos % n] = byte;
            let _ = i.check_with(&body);
        }
    }
}

/// The canonical builders write, byte for byte, the body the public-good logs wrote for every
/// conformance bundle whose body matches its inputs (dsse 0.0.1 up to its `envelopeHash`,
/// which hashes envelope JSON the bundle does not keep), and each built body passes the check.
#[test]
fn canonical_builders_reproduce_the_logs_bodies() {
    use crate::tlog::canonical;
    let manifest = manifest();
    let mut rebuilt = std::collections::BTreeMap::<String, usize>::new();
    for name in Case::names_with_prefix(&[""]) {
        if name == "bundle-malformed-json_fail" {
            continue;
        }
        let case = Case::load(&name);
        if case.entry().is_null() {
            continue;
        }
        let Some(inputs) = inputs(&case, &manifest) else {
            continue;
        };
        if inputs.check().is_err() {
            continue;
        }
        let signer = if inputs.signer_is_cert {
            SignerMaterial::Certificate(&inputs.signer_der)
        } else {
            SignerMaterial::PublicKey(&inputs.signer_der)
        };
        let sigs: Vec<&[u8]> = inputs.dsse_sigs.iter().map(Vec::as_slice).collect();
        let sha256 = HashAlgorithm::Sha256;
        let (built, expected) = match (inputs.kind.as_str(), inputs.version.as_str()) {
            ("hashedrekord", "0.0.1") => (
                canonical::hashedrekord_v001(sha256, &inputs.digest, &inputs.signature, &signer),
                inputs.body.clone(),
            ),
            ("hashedrekord", "0.0.2") if inputs.is_dsse => (
                canonical::hashedrekord_v002_for_dsse(
                    sha256,
                    &inputs.payload_type,
                    &inputs.payload,
                    sigs[0],
                    &signer,
                )
                .unwrap(),
                inputs.body.clone(),
            ),
            ("hashedrekord", "0.0.2") => (
                canonical::hashedrekord_v002(sha256, &inputs.digest, &inputs.signature, &signer)
                    .unwrap(),
                inputs.body.clone(),
            ),
            ("dsse", "0.0.1") => {
                let built = canonical::dsse_v001(b"{}", &inputs.payload, &sigs, &signer);
                let mut logged: Value = serde_json::from_slice(&inputs.body).unwrap();
                let ours: Value = serde_json::from_slice(&built).unwrap();
                logged["spec"]["envelopeHash"] = ours["spec"]["envelopeHash"].clone();
                (built, serde_json::to_vec(&logged).unwrap())
            }
            _ => continue,
        };
        assert_eq!(
            String::from_utf8_lossy(&built),
            String::from_utf8_lossy(&expected),
            "{name}"
        );
        inputs.check_with(&built).unwrap();
        *rebuilt
            .entry(format!("{}/{}", inputs.kind, inputs.version))
            .or_default() += 1;
    }
    // Each buildable kind was met, with a certificate and with a managed key.
    for kind in ["hashedrekord/0.0.1", "hashedrekord/0.0.2", "dsse/0.0.1"] {
        assert!(
            rebuilt.get(kind).copied().unwrap_or(0) > 0,
            "{kind}: {rebuilt:?}"
        );
    }
}

/// dsse 0.0.2 is no longer written by the public-good Rekor v2, so no bundle holds one: the
/// built body is checked by the checker, and mutating what it records is caught.
#[test]
fn canonical_dsse_v002_passes_the_check_and_binds_its_inputs() {
    use crate::tlog::canonical;
    let inputs = load("rekor2-dsse-happy-path");
    let signer = SignerMaterial::Certificate(&inputs.signer_der);
    let sigs: Vec<&[u8]> = inputs.dsse_sigs.iter().map(Vec::as_slice).collect();
    let content = SignedContent::Dsse {
        payload_type: &inputs.payload_type,
        payload: &inputs.payload,
        signatures: &sigs,
    };
    let built = canonical::dsse_v002(&inputs.payload, &sigs, &signer).unwrap();
    check_body_matches("dsse", "0.0.2", &built, &content, &signer, &Limits::DEFAULT).unwrap();
    let other = canonical::dsse_v002(b"another payload", &sigs, &signer).unwrap();
    assert!(matches!(
        check_body_matches("dsse", "0.0.2", &other, &content, &signer, &Limits::DEFAULT),
        Err(BodyError::DigestMismatch { .. })
    ));
}

#[test]
fn canonical_pem_is_what_go_writes() {
    use crate::tlog::canonical::signer_pem;
    let der = vec![0xAB; 100];
    let pem = signer_pem(&SignerMaterial::PublicKey(&der));
    let lines: Vec<&str> = pem.lines().collect();
    assert_eq!(lines[0], "-----BEGIN PUBLIC KEY-----");
    assert_eq!(lines[1].len(), 64);
    assert_eq!(lines.last(), Some(&"-----END PUBLIC KEY-----"));
    assert!(pem.ends_with("-----\n"));
    assert_eq!(
        pem_rfc7468::decode_vec(pem.as_bytes()).unwrap(),
        ("PUBLIC KEY", der)
    );
}
