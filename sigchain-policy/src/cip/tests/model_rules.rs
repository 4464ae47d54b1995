//! `ClusterImagePolicy` loading: policy-controller's validation and defaults
//! (`pkg/apis/policy/v1beta1/clusterimagepolicy_{validation,defaults}.go`), one case per
//! rule, and every field we do not implement refused by name.

use serde_json::{json, Value};
use sigchain_core::crypto::HashAlgorithm;

use crate::cip::model::{
    ApiVersion, CipError, ClusterImagePolicy, Mode, SignatureFormat, StaticAction, Verifier,
    MAX_LIST_LEN, PUBLIC_FULCIO_URL,
};

const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAQfeYPeP9CPV7PE9dF6c1PCneteG\nTFDYxpXBqK/xiUmozzM42QuoJAGsTZPsnNEvkCjFhOjHvkOxbXA2NVGCMg==\n-----END PUBLIC KEY-----\n";
const ISS: &str = "https://token.actions.githubusercontent.com";

fn keyless() -> Value {
    json!({"keyless": {"identities": [{"issuer": ISS, "subjectRegExp": "^https://github\\.com/acme/"}]}})
}

fn policy(authorities: Value) -> Value {
    json!({
        "apiVersion": "policy.sigstore.dev/v1beta1",
        "kind": "ClusterImagePolicy",
        "metadata": {"name": "p", "labels": {"team": "x"}},
        "spec": {"images": [{"glob": "reg.example.com/**"}], "authorities": authorities}
    })
}

/// Set `spec.<pointer>` in a policy with one keyless authority.
fn with(pointer: &str, value: Value) -> Value {
    let mut doc = policy(json!([keyless()]));
    set(&mut doc, pointer, value);
    doc
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{parent}"));
    match target {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer}"),
    }
}

fn load(doc: &Value) -> Result<ClusterImagePolicy, CipError> {
    ClusterImagePolicy::from_value(doc)
}

#[test]
fn a_keyless_policy_loads_with_defaults() {
    let p = load(&policy(json!([keyless()]))).unwrap();
    assert_eq!(p.api_version, ApiVersion::V1beta1);
    assert_eq!(p.name, "p");
    assert_eq!(p.spec.mode, Mode::Enforce, "mode defaults to enforce");
    let a = &p.spec.authorities[0];
    assert_eq!(a.name, "authority-0", "authorities are named by index");
    assert_eq!(a.signature_format, SignatureFormat::Legacy);
    let Verifier::Keyless(k) = &a.verifier else {
        panic!()
    };
    assert_eq!(
        k.url, PUBLIC_FULCIO_URL,
        "keyless url defaults to the public Fulcio"
    );
    assert!(!k.insecure_ignore_sct);
    assert!(k.identity_matches("https://github.com/acme/app", ISS));
    assert!(!k.identity_matches(
        "https://github.com/acme/app",
        "https://accounts.example.com"
    ));
    assert!(p.warnings.is_empty());
}

#[test]
fn v1alpha1_has_the_same_schema() {
    let mut doc = policy(json!([keyless()]));
    doc["apiVersion"] = json!("policy.sigstore.dev/v1alpha1");
    assert_eq!(load(&doc).unwrap().api_version, ApiVersion::V1alpha1);
}

#[test]
fn a_full_policy_loads() {
    let doc = json!({
        "apiVersion": "policy.sigstore.dev/v1beta1",
        "kind": "ClusterImagePolicy",
        "metadata": {"name": "full"},
        "spec": {
            "mode": "warn",
            "images": [{"glob": "reg.example.com/**"}, {"glob": "*"}],
            "match": [{"group": "apps", "version": "*", "resource": "deployments",
                       "selector": {"matchLabels": {"tier": "web"}}}],
            "authorities": [
                {"name": "release", "keyless": {"url": "https://fulcio.example.com",
                    "insecureIgnoreSCT": true,
                    "identities": [{"issuer": ISS, "subject": "https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main"}]},
                 "ctlog": {"url": "https://rekor.example.com"},
                 "source": [{"oci": "reg.example.com/signatures", "tagPrefix": "prod-"}],
                 "signatureFormat": "bundle",
                 "attestations": [{"name": "prov", "predicateType": "https://slsa.dev/provenance/v1"},
                                  {"name": "sbom", "predicateType": "spdxjson"}]},
                {"key": {"data": PEM, "hashAlgorithm": " SHA384 "}},
                {"static": {"action": "fail", "message": "no"}}
            ]
        },
        "status": {"conditions": []}
    });
    let p = load(&doc).unwrap();
    assert_eq!(p.spec.mode, Mode::Warn);
    assert_eq!(p.spec.images.len(), 2);
    assert_eq!(p.spec.match_resources[0].resource, "deployments");
    assert_eq!(
        p.spec.match_resources[0].match_labels.as_ref().unwrap()["tier"],
        "web"
    );
    let [release, key, statik] = &p.spec.authorities[..] else {
        panic!()
    };
    assert_eq!(release.name, "release");
    assert_eq!(release.signature_format, SignatureFormat::Bundle);
    assert_eq!(
        release.ctlog.as_ref().unwrap().url.as_deref(),
        Some("https://rekor.example.com")
    );
    let source = release.source.as_ref().unwrap();
    assert_eq!(source.oci.as_deref(), Some("reg.example.com/signatures"));
    assert_eq!(source.tag_prefix.as_deref(), Some("prod-"));
    assert_eq!(release.attestations.len(), 2);
    let Verifier::Keyless(k) = &release.verifier else {
        panic!()
    };
    assert_eq!(k.url, "https://fulcio.example.com");
    assert!(k.insecure_ignore_sct);
    let Verifier::Key(k) = &key.verifier else {
        panic!()
    };
    assert_eq!(
        k.hash_algorithm,
        HashAlgorithm::Sha384,
        "trimmed and lower-cased"
    );
    assert_eq!(key.name, "authority-1");
    let Verifier::Static(s) = &statik.verifier else {
        panic!()
    };
    assert_eq!(
        (s.action, s.message.as_deref()),
        (StaticAction::Fail, Some("no"))
    );
    assert_eq!(
        p.warnings.len(),
        1,
        "the short predicate type warns: {:?}",
        p.warnings
    );
    assert!(p.selects_admitted("nginx").unwrap(), "through glob *");
    assert!(!p.selects_admitted("acme/app").unwrap());
}

#[test]
fn a_key_defaults_to_sha256() {
    let p = load(&policy(json!([{"key": {"data": PEM}}]))).unwrap();
    let Verifier::Key(k) = &p.spec.authorities[0].verifier else {
        panic!()
    };
    assert_eq!(k.hash_algorithm, HashAlgorithm::Sha256);
}

fn unsupported(doc: &Value, want: &str) {
    match load(doc) {
        Err(CipError::Unsupported { path, .. }) => assert_eq!(path, want),
        other => panic!("{want}: {other:?}"),
    }
}

#[test]
fn unimplemented_fields_are_refused_by_name() {
    let a = "/spec/authorities/0";
    unsupported(
        &policy(json!([{"key": {"kms": "gcpkms://x"}}])),
        "spec.authorities[0].key.kms",
    );
    unsupported(
        &policy(json!([{"key": {"secretRef": {"name": "k"}}}])),
        "spec.authorities[0].key.secretRef",
    );
    unsupported(
        &policy(json!([{"key": {"data": PEM, "hashAlgorithm": "sha224"}}])),
        "spec.authorities[0].key.hashAlgorithm",
    );
    unsupported(
        &with(&format!("{a}/keyless/ca-cert"), json!({"data": "x"})),
        "spec.authorities[0].keyless.ca-cert",
    );
    unsupported(
        &with(&format!("{a}/keyless/trustRootRef"), json!("root")),
        "spec.authorities[0].keyless.trustRootRef",
    );
    unsupported(
        &with(&format!("{a}/ctlog"), json!({"trustRootRef": "root"})),
        "spec.authorities[0].ctlog.trustRootRef",
    );
    unsupported(
        &with(
            &format!("{a}/rfc3161timestamp"),
            json!({"trustRootRef": "root"}),
        ),
        "spec.authorities[0].rfc3161timestamp",
    );
    unsupported(
        &with(
            &format!("{a}/source"),
            json!([{"signaturePullSecrets": [{"name": "s"}]}]),
        ),
        "spec.authorities[0].source[0].signaturePullSecrets",
    );
    unsupported(
        &with("/spec/policy", json!({"type": "cue", "data": "x"})),
        "spec.policy",
    );
    unsupported(
        &with(
            &format!("{a}/attestations"),
            json!([{"name": "a", "predicateType": "https://x.example/p", "policy": {"type": "cue", "data": "x"}}]),
        ),
        "spec.authorities[0].attestations[0].policy",
    );
    unsupported(
        &with(
            "/spec/match",
            json!([{"resource": "pods", "selector": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}]),
        ),
        "spec.match[0].selector.matchExpressions",
    );
}

#[test]
fn unset_unsupported_fields_are_not_refused() {
    // Go reads null and "" as unset; so do we.
    let a = "/spec/authorities/0";
    assert!(load(&with(&format!("{a}/keyless/trustRootRef"), json!(""))).is_ok());
    assert!(load(&with(&format!("{a}/rfc3161timestamp"), Value::Null)).is_ok());
    assert!(load(&with("/spec/policy", Value::Null)).is_ok());
}

fn missing(doc: &Value, want: &str) {
    match load(doc) {
        Err(CipError::MissingField { path }) => assert_eq!(path, want),
        other => panic!("{want}: {other:?}"),
    }
}

#[test]
fn required_fields() {
    missing(&with("/spec/images", json!([])), "spec.images");
    missing(&with("/spec/images", Value::Null), "spec.images");
    missing(
        &with("/spec/images/0", json!({"glob": ""})),
        "spec.images[0].glob",
    );
    missing(&with("/spec/authorities", json!([])), "spec.authorities");
    missing(
        &with("/spec/authorities/0/keyless/identities", json!([])),
        "spec.authorities[0].keyless.identities",
    );
    missing(
        &policy(json!([{"static": {}}])),
        "spec.authorities[0].static.action",
    );
    missing(
        &with(
            "/spec/authorities/0/attestations",
            json!([{"predicateType": "https://x.example/p"}]),
        ),
        "spec.authorities[0].attestations[0].name",
    );
    missing(
        &with("/spec/authorities/0/attestations", json!([{"name": "a"}])),
        "spec.authorities[0].attestations[0].predicateType",
    );
    missing(&with("/metadata/name", Value::Null), "metadata.name");
    let mut doc = policy(json!([keyless()]));
    doc.as_object_mut().unwrap().remove("spec");
    missing(&doc, "spec");
}

#[test]
fn exactly_one_verifier_per_authority() {
    assert!(matches!(
        load(&policy(json!([{}]))),
        Err(CipError::MissingOneOf {
            fields: "key, keyless, static",
            ..
        })
    ));
    let mut both = keyless();
    both["key"] = json!({"data": PEM});
    assert!(matches!(
        load(&policy(json!([both]))),
        Err(CipError::MultipleOneOf {
            fields: "key, keyless, static",
            ..
        })
    ));
    let mut both = keyless();
    both["static"] = json!({"action": "pass"});
    assert!(matches!(
        load(&policy(json!([both]))),
        Err(CipError::MultipleOneOf { .. })
    ));
    assert!(
        matches!(
            load(&policy(json!([{"key": {}}]))),
            Err(CipError::MissingOneOf {
                fields: "data, kms, secretRef",
                ..
            })
        ),
        "an empty key is still a key"
    );
}

#[test]
fn static_excludes_verification_settings() {
    for (field, value) in [
        (
            "attestations",
            json!([{"name": "a", "predicateType": "https://x.example/p"}]),
        ),
        ("source", json!([{"oci": "reg.example.com/s"}])),
        ("ctlog", json!({})),
    ] {
        let mut a = json!({"static": {"action": "pass"}});
        a[field] = value;
        assert!(
            matches!(
                load(&policy(json!([a]))),
                Err(CipError::MultipleOneOf { .. })
            ),
            "{field}"
        );
    }
    assert!(matches!(
        load(&policy(json!([{"static": {"action": "allow"}}]))),
        Err(CipError::InvalidValue { .. })
    ));
    let p = load(&policy(json!([{"static": {"action": "pass"}}]))).unwrap();
    assert!(
        matches!(&p.spec.authorities[0].verifier, Verifier::Static(s) if s.action == StaticAction::Pass)
    );
}

fn invalid(doc: &Value, want: &str) {
    match load(doc) {
        Err(CipError::InvalidValue { path, .. }) => assert_eq!(path, want),
        other => panic!("{want}: {other:?}"),
    }
}

#[test]
fn invalid_values() {
    let a = "/spec/authorities/0";
    invalid(&with("/spec/mode", json!("audit")), "spec.mode");
    invalid(
        &with("/spec/images/0", json!({"glob": "reg.example.com/[a-z]*"})),
        "spec.images[0].glob",
    );
    invalid(
        &policy(json!([{"key": {"data": "not a pem"}}])),
        "spec.authorities[0].key.data",
    );
    invalid(
        &policy(json!([{"key": {"data": PEM.replace("PUBLIC KEY", "RSA PUBLIC KEY")}}])),
        "spec.authorities[0].key.data",
    );
    invalid(
        &policy(json!([{"key": {"data": PEM, "hashAlgorithm": "md5"}}])),
        "spec.authorities[0].key.hashAlgorithm",
    );
    invalid(
        &with(&format!("{a}/source"), json!([{"oci": "a"}, {"oci": "b"}])),
        "spec.authorities[0].source",
    );
    invalid(
        &with(
            &format!("{a}/source"),
            json!([{"oci": "reg.example.com/Bad"}]),
        ),
        "spec.authorities[0].source[0].oci",
    );
    invalid(
        &with(&format!("{a}/signatureFormat"), json!("protobuf")),
        "spec.authorities[0].signatureFormat",
    );
    invalid(
        &with(
            "/spec/match",
            json!([{"selector": {"matchLabels": {"a": "b"}}}]),
        ),
        "spec.match[0].selector",
    );
    invalid(
        &with(
            &format!("{a}/keyless/identities/0/subjectRegExp"),
            json!("("),
        ),
        "spec.authorities[0].keyless.identities[0].subjectRegExp",
    );
}

#[test]
fn the_document_must_be_a_cluster_image_policy() {
    let mut doc = policy(json!([keyless()]));
    doc["kind"] = json!("ImagePolicy");
    assert!(matches!(load(&doc), Err(CipError::Kind(_))));
    doc["kind"] = json!("ClusterImagePolicy");
    doc["apiVersion"] = json!("policy.sigstore.dev/v1");
    assert!(matches!(load(&doc), Err(CipError::ApiVersion(_))));
    doc["apiVersion"] = json!("kyverno.io/v1");
    assert!(matches!(load(&doc), Err(CipError::ApiVersion(_))));
    assert!(matches!(load(&json!([])), Err(CipError::WrongType { .. })));
    assert!(matches!(
        ClusterImagePolicy::from_json(b"{"),
        Err(CipError::Json(_))
    ));
}

#[test]
fn unknown_fields_and_wrong_types_are_named() {
    let cases = [
        (
            with("/spec/images/0/regex", json!("x")),
            "spec.images[0].regex",
        ),
        (
            with("/spec/authorities/0/keyless/identity", json!("x")),
            "spec.authorities[0].keyless.identity",
        ),
        (
            with("/spec/authorities/0/rekor", json!({})),
            "spec.authorities[0].rekor",
        ),
        (with("/spec/verifyImages", json!([])), "spec.verifyImages"),
        (with("/extra", json!(1)), "extra"),
    ];
    for (doc, want) in cases {
        match load(&doc) {
            Err(CipError::UnknownField { path }) => assert_eq!(path, want),
            other => panic!("{want}: {other:?}"),
        }
    }
    for (doc, want) in [
        (with("/spec/images", json!({"glob": "x"})), "spec.images"),
        (with("/spec/mode", json!(true)), "spec.mode"),
        (
            with(
                "/spec/authorities/0/keyless/insecureIgnoreSCT",
                json!("yes"),
            ),
            "spec.authorities[0].keyless.insecureIgnoreSCT",
        ),
        (
            with("/spec/authorities/0/keyless", json!("x")),
            "spec.authorities[0].keyless",
        ),
    ] {
        match load(&doc) {
            Err(CipError::WrongType { path, .. }) => assert_eq!(path, want),
            other => panic!("{want}: {other:?}"),
        }
    }
}

#[test]
fn lists_are_bounded() {
    let images: Vec<Value> = (0..=MAX_LIST_LEN).map(|_| json!({"glob": "*"})).collect();
    assert!(matches!(
        load(&with("/spec/images", Value::Array(images))),
        Err(CipError::TooMany { .. })
    ));
}

#[test]
fn predicate_type_warnings() {
    for (predicate, warns) in [
        ("https://slsa.dev/provenance/v1", false),
        ("https://cyclonedx.org/bom", false),
        ("cyclonedx", true),
        ("vuln", true),
        ("my-custom-type", true),
    ] {
        let doc = with(
            "/spec/authorities/0/attestations",
            json!([{"name": "a", "predicateType": predicate}]),
        );
        let p = load(&doc).unwrap();
        assert_eq!(!p.warnings.is_empty(), warns, "{predicate}");
        assert_eq!(
            p.spec.authorities[0].attestations[0].predicate_type,
            predicate
        );
    }
}

#[test]
fn match_without_selector_and_version_wildcard() {
    let p = load(&with(
        "/spec/match",
        json!([{"version": "v1", "resource": "pods"}]),
    ))
    .unwrap();
    let m = &p.spec.match_resources[0];
    assert_eq!(
        (m.group.as_str(), m.version.as_str(), m.resource.as_str()),
        ("", "v1", "pods")
    );
    assert!(m.match_labels.is_none());
}

#[test]
fn oversized_json_is_refused_before_parsing() {
    let bytes = vec![b' '; crate::cip::model::MAX_JSON_LEN + 1];
    assert!(matches!(
        ClusterImagePolicy::from_json(&bytes),
        Err(CipError::Json(_))
    ));
}

#[test]
fn label_values_are_strings_and_may_be_empty() {
    let doc = with(
        "/spec/match",
        json!([{"resource": "pods", "selector": {"matchLabels": {"a": ""}}}]),
    );
    let p = load(&doc).unwrap();
    assert_eq!(
        p.spec.match_resources[0].match_labels.as_ref().unwrap()["a"],
        ""
    );
    let doc = with(
        "/spec/match",
        json!([{"resource": "pods", "selector": {"matchLabels": {"a": 1}}}]),
    );
    assert!(
        matches!(load(&doc), Err(CipError::WrongType { path, .. }) if path == "spec.match[0].selector.matchLabels.a")
    );
}
