use super::*;
use crate::kyverno::image::KyvernoImage;
use proptest::prelude::*;

const ADR_007: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/ADR-007-supply-chain-security.md"
);

/// The first ```yaml block after the "### Kyverno Policy" heading, exactly as written.
fn adr_007_policy() -> String {
    let adr = std::fs::read_to_string(ADR_007).expect("ADR-007 is readable in ../shared");
    let section = adr
        .split_once("### Kyverno Policy")
        .expect("ADR-007 has a Kyverno Policy section")
        .1;
    let block = section.split_once("```yaml\n").expect("a yaml block").1;
    block
        .split_once("```")
        .expect("a closed yaml block")
        .0
        .to_owned()
}

fn load(text: &str) -> Result<Vec<KyvernoPolicy>, PolicyError> {
    load_policies(text.as_bytes(), &YamlLimits::default())
}

fn load_one(text: &str) -> KyvernoPolicy {
    let mut v = load(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.len(), 1);
    v.remove(0)
}

#[test]
fn adr_007_policy_loads_unchanged() {
    let policy = load_one(&adr_007_policy());
    assert_eq!(policy.kind, PolicyKind::ClusterPolicy);
    assert_eq!(policy.metadata.name, "verify-image-signature");
    assert_eq!(
        policy.spec.validation_failure_action,
        Some(FailureAction::Audit)
    );
    let rule = &policy.spec.rules[0];
    assert_eq!(rule.name, "verify-signature");
    assert_eq!(rule.match_resources.any[0].resources.kinds, ["Pod"]);
    let entry = &rule.verify_images[0];
    // The ADR's registry is whichever it names: the test reads it rather than repeating it.
    assert_eq!(entry.image_references.len(), 1);
    let pattern = &entry.image_references[0];
    assert!(pattern.ends_with("/illmadecoder/*"), "{pattern}");
    assert!(entry.mutate_digest() && entry.verify_digest() && entry.required());
    let keyless = entry.attestors[0].entries[0].keyless.as_ref().unwrap();
    assert_eq!(
        keyless.issuer.as_deref(),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(entry.attestors[0].required_count(), 1);

    let image = KyvernoImage::parse(&pattern.replace('*', "cicd-sample:latest")).unwrap();
    assert!(entry.applies_to(&image));
    assert!(!entry.applies_to(&KyvernoImage::parse("nginx").unwrap()));
    let id = KeylessIdentity::new(keyless).unwrap();
    let issuer = "https://token.actions.githubusercontent.com";
    assert!(id.matches(
        "https://github.com/illMadeCoder/illm-k8s-ai-labs/.github/workflows/cicd-sample.yaml@refs/heads/main",
        issuer
    ));
    assert!(!id.matches(
        "https://github.com/someone/else/.github/workflows/x.yaml@refs/heads/main",
        issuer
    ));
    assert!(!id.matches(
        "https://github.com/illMadeCoder/illm-k8s-ai-labs/.github/workflows/x@refs/heads/main",
        "https://accounts.google.com"
    ));
    // Audit with the default mutateDigest, and no rekor/roots: Kyverno would refuse; we warn.
    let warnings = policy.warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

const BASE: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
  labels: {team: a}
  annotations: {policies.kyverno.io/title: t}
  uid: ignored
  resourceVersion: "1"
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match:
        any:
          - resources:
              kinds: [Pod]
              namespaces: ["prod-*"]
      exclude:
        any:
          - resources:
              namespaces: [kube-system]
      verifyImages:
        - imageReferences: ["registry.example/acme/*"]
          skipImageReferences: ["registry.example/acme/base:*"]
          mutateDigest: false
          attestors:
            - count: 1
              entries:
                - keyless:
                    subjectRegExp: '^https://github\.com/acme/'
                    issuer: https://token.actions.githubusercontent.com
                    rekor: {url: "https://log.example", ignoreTlog: false}
                    ctlog: {ignoreSCT: true}
                - keys:
                    publicKeys: |-
                      -----BEGIN PUBLIC KEY-----
                      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
                      -----END PUBLIC KEY-----
          attestations:
            - type: https://spdx.dev/Document
              conditions:
                - all:
                    - key: "{{ creationInfo.licenseListVersion }}"
                      operator: Equals
                      value: "3.17"
"#;

#[test]
fn a_full_policy_loads_with_metadata_accepted() {
    let p = load_one(BASE);
    assert_eq!(p.metadata.labels["team"], "a");
    let entry = &p.spec.rules[0].verify_images[0];
    assert!(!entry.mutate_digest());
    assert_eq!(entry.attestors[0].required_count(), 1);
    assert_eq!(
        entry.attestors[0].entries[1]
            .keys
            .as_ref()
            .unwrap()
            .pem_blocks()
            .len(),
        1
    );
    assert_eq!(
        entry.attestations[0].predicate_type(),
        Some("https://spdx.dev/Document")
    );
    assert_eq!(
        entry.attestations[0].conditions[0].all[0].operator,
        ConditionOperator::Equals
    );
    assert!(p.warnings().is_empty(), "{:?}", p.warnings());
    assert!(entry.applies_to(&KyvernoImage::parse("registry.example/acme/app:v1").unwrap()));
    assert!(
        !entry.applies_to(&KyvernoImage::parse("registry.example/acme/base:v1").unwrap()),
        "skipped"
    );
}

#[test]
fn json_policies_load() {
    let json = r#"{"apiVersion":"kyverno.io/v1","kind":"Policy","metadata":{"name":"j","namespace":"n"},
      "spec":{"rules":[{"name":"r","match":{"resources":{"kinds":["Pod"]}},
      "verifyImages":[{"imageReferences":["*"],"attestors":[{"entries":[{"keyless":{"issuer":"i","subject":"s"}}]}]}]}]}}"#;
    let p = load_one(json);
    assert_eq!(p.kind, PolicyKind::Policy);
    assert!(p.spec.rules[0].match_resources.resources.is_some());
}

/// Replace `from` in BASE by `to` and return the load error's text.
fn error_after(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    match load(&BASE.replacen(from, to, 1)) {
        Ok(_) => panic!("{to:?} should be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unknown_and_unsupported_fields_are_named() {
    // (replace, with, the error must mention)
    let cases: &[(&str, &str, &str)] = &[
        (
            "mutateDigest: false",
            "mutateDigest: false\n          imageRegistryCredentials: {}",
            "imageRegistryCredentials",
        ),
        (
            "mutateDigest: false",
            "mutateDigest: false\n          image: nginx",
            "image",
        ),
        ("count: 1", "count: 1\n              bogus: 1", "bogus"),
        (
            "- keys:",
            "- certificates: {cert: x}\n                  keys:",
            "certificates",
        ),
        (
            "publicKeys: |-",
            "kms: gcpkms://x\n                    publicKeys: |-",
            "kms",
        ),
        (
            "ignoreSCT: true",
            "ignoreSCT: true, tsaCertChain: x",
            "tsaCertChain",
        ),
        ("ignoreTlog: false", "ignoreTlog: false, bogus: 1", "bogus"),
        (
            "subjectRegExp:",
            "additionalExtensions: {}\n                    subjectRegExp:",
            "additionalExtensions",
        ),
        (
            "namespaces: [\"prod-*\"]",
            "namespaces: [\"prod-*\"]\n            roles: [admin]",
            "roles",
        ),
        (
            "validationFailureAction: Enforce",
            "validationFailureAction: Enforce\n  applyRules: One",
            "applyRules",
        ),
        (
            "- name: r",
            "- name: r\n      validate: {pattern: {}}",
            "validate",
        ),
        ("- name: r", "- name: r\n      mutate: {}", "mutate"),
        ("- name: r", "- name: r\n      generate: {}", "generate"),
        (
            "- name: r",
            "- name: r\n      preconditions: {all: []}",
            "preconditions",
        ),
        ("- name: r", "- name: r\n      context: []", "context"),
        (
            "kind: ClusterPolicy",
            "kind: ValidatingPolicy",
            "ValidatingPolicy",
        ),
        (
            "apiVersion: kyverno.io/v1",
            "apiVersion: kyverno.io/v2beta1",
            "kyverno.io/v2beta1",
        ),
        (
            "mutateDigest: false",
            "mutateDigest: false\n          type: Notary",
            "Notary",
        ),
        (
            "validationFailureAction: Enforce",
            "validationFailureAction: Block",
            "Block",
        ),
        ("operator: Equals", "operator: Matches", "Matches"),
    ];
    for (from, to, needle) in cases {
        let err = error_after(from, to);
        assert!(err.contains(needle), "{to:?}: {err}");
    }
}

#[test]
fn kyverno_admission_checks_are_enforced() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "imageReferences: [\"registry.example/acme/*\"]",
            "imageReferences: []",
            "image reference is required",
        ),
        (
            "imageReferences: [\"registry.example/acme/*\"]",
            "imageReferences: [\"{{ x }}\"]",
            "variables",
        ),
        ("count: 1", "count: 3", "count cannot exceed"),
        ("count: 1", "count: 0", "at least 1"),
        ("type: https://spdx.dev/Document", "name: x", "missing type"),
        (
            "subjectRegExp: '^https://github\\.com/acme/'",
            "subjectRegExp: '(unclosed'",
            "invalid regular expression",
        ),
        ("kinds: [Pod]", "kinds: []", "kind"),
        (
            "- keys:",
            "- keyless: {issuer: x}\n                  keys:",
            "exactly one",
        ),
        ("-----BEGIN PUBLIC KEY-----", "k8s://ns/secret", "PEM"),
        (
            "mutateDigest: false",
            "mutateDigest: false\n          failureAction: audit",
            "failureAction",
        ),
    ];
    for (from, to, needle) in cases {
        let err = error_after(from, to);
        assert!(err.contains(needle), "{to:?}: {err}");
    }
}

#[test]
fn a_policy_without_rules_is_refused() {
    let empty =
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: e}\nspec: {rules: []}\n";
    assert!(matches!(load(empty), Err(PolicyError::NoRules { .. })));
    let other_rule = BASE.replace("      verifyImages:", "      verifyImagesX:");
    assert!(load(&other_rule).is_err());
}

#[test]
fn failure_action_resolution() {
    let mut p = load_one(BASE);
    let labels = BTreeMap::new();
    let rule = p.spec.rules[0].clone();
    assert_eq!(
        p.failure_action(&rule, "prod-a", &labels),
        FailureAction::Enforce,
        "policy-wide"
    );
    p.spec.validation_failure_action = None;
    assert_eq!(
        p.failure_action(&rule, "prod-a", &labels),
        FailureAction::Audit,
        "Kyverno's default"
    );
    p.spec.validation_failure_action_overrides = vec![FailureActionOverride {
        action: FailureAction::Enforce,
        namespaces: Some(vec!["prod-*".into()]),
        namespace_selector: None,
    }];
    assert_eq!(
        p.failure_action(&rule, "prod-a", &labels),
        FailureAction::Enforce,
        "override by wildcard"
    );
    assert_eq!(
        p.failure_action(&rule, "dev", &labels),
        FailureAction::Audit,
        "override misses"
    );
    p.spec.validation_failure_action_overrides[0].namespaces = Some(vec![]);
    assert_eq!(
        p.failure_action(&rule, "prod-a", &labels),
        FailureAction::Audit,
        "empty list matches none"
    );
    p.spec.validation_failure_action_overrides[0].namespaces = None;
    p.spec.validation_failure_action_overrides[0].namespace_selector = Some(LabelSelector {
        match_labels: [("tier".to_string(), "prod".to_string())].into(),
        match_expressions: vec![],
    });
    let prod = [("tier".to_string(), "prod".to_string())].into();
    assert_eq!(
        p.failure_action(&rule, "x", &prod),
        FailureAction::Enforce,
        "selector matches"
    );
    assert_eq!(
        p.failure_action(&rule, "x", &labels),
        FailureAction::Audit,
        "selector misses"
    );
    let mut rule2 = rule.clone();
    rule2.verify_images[0].failure_action = Some(FailureAction::Audit);
    assert_eq!(
        p.failure_action(&rule2, "x", &prod),
        FailureAction::Audit,
        "per-entry beats overrides"
    );
    let mut second = rule2.verify_images[0].clone();
    second.failure_action = Some(FailureAction::Enforce);
    rule2.verify_images.push(second);
    assert_eq!(
        p.failure_action(&rule2, "x", &labels),
        FailureAction::Enforce,
        "any Enforce entry wins"
    );
}

#[test]
fn lowercase_spellings_of_the_policy_action_are_accepted() {
    let p = load_one(&BASE.replace(
        "validationFailureAction: Enforce",
        "validationFailureAction: enforce",
    ));
    assert_eq!(
        p.spec.validation_failure_action,
        Some(FailureAction::Enforce)
    );
}

#[test]
fn count_semantics() {
    let set = |count, n| AttestorSet {
        count,
        entries: vec![
            Attestor {
                keys: None,
                keyless: Some(KeylessAttestor::default()),
                signature_algorithm: None,
            };
            n
        ],
    };
    assert_eq!(set(None, 3).required_count(), 3, "absent: all (AND)");
    assert_eq!(set(Some(0), 3).required_count(), 3, "zero: all");
    assert_eq!(set(Some(1), 3).required_count(), 1, "one: any (OR)");
    assert_eq!(set(Some(2), 3).required_count(), 2, "N of M");
}

/// (subject, subjectRegExp, issuer, issuerRegExp, cert subject, cert issuer, expected, why)
type IdCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
);
const GH: &str = "https://token.actions.githubusercontent.com";
const IDENTITY: &[IdCase] = &[
    (
        "",
        "",
        "",
        "",
        "anyone",
        "any",
        true,
        "nothing set: any signer",
    ),
    (
        "alice@x.io",
        "",
        "",
        "",
        "alice@x.io",
        "any",
        true,
        "subject exact",
    ),
    (
        "alice@x.io",
        "",
        "",
        "",
        "bob@x.io",
        "any",
        false,
        "subject mismatch",
    ),
    (
        "*@x.io",
        "",
        "",
        "",
        "bob@x.io",
        "any",
        true,
        "subject wildcard",
    ),
    (
        "",
        "^alice@",
        "",
        "",
        "alice@x.io",
        "any",
        true,
        "subject regexp",
    ),
    (
        "",
        "alice@",
        "",
        "",
        "malice@x.io",
        "any",
        true,
        "subject regexp unanchored",
    ),
    (
        "",
        "^alice@",
        "",
        "",
        "malice@x.io",
        "any",
        false,
        "subject regexp anchored",
    ),
    (
        "bob@x.io",
        "^alice@",
        "",
        "",
        "alice@x.io",
        "any",
        true,
        "subject OR subjectRegExp: regexp matches",
    ),
    (
        "bob@x.io",
        "^alice@",
        "",
        "",
        "bob@x.io",
        "any",
        true,
        "subject OR subjectRegExp: wildcard matches",
    ),
    (
        "bob@x.io",
        "^alice@",
        "",
        "",
        "carol@x.io",
        "any",
        false,
        "subject OR subjectRegExp: neither",
    ),
    ("", "", GH, "", "s", GH, true, "issuer exact"),
    (
        "",
        "",
        GH,
        "",
        "s",
        "https://accounts.google.com",
        false,
        "issuer mismatch",
    ),
    (
        "",
        "",
        "https://*.example.com",
        "",
        "s",
        "https://login.example.com",
        true,
        "issuer wildcard",
    ),
    (
        "",
        "",
        "",
        "^https://token\\.actions\\.",
        "s",
        GH,
        true,
        "issuer regexp",
    ),
    (
        "",
        "",
        GH,
        "google",
        "s",
        GH,
        false,
        "issuer AND issuerRegExp: regexp fails",
    ),
    (
        "",
        "",
        "https://*",
        "actions",
        "s",
        GH,
        true,
        "issuer AND issuerRegExp: both match",
    ),
    ("*", "", "*", "", "", "", true, "stars match empty values"),
    (
        "",
        "",
        "x",
        "",
        "s",
        "",
        false,
        "issuer set, certificate has none",
    ),
    (
        "https://github.com/acme/*",
        "",
        GH,
        "",
        "https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main",
        GH,
        true,
        "GitHub workflow identity",
    ),
    (
        "https://github.com/acme/*",
        "",
        GH,
        "",
        "https://github.com/acmecorp/app/.github/workflows/r.yml@refs/heads/main",
        GH,
        false,
        "sibling org refused by the slash",
    ),
];

#[test]
fn keyless_identity_table() {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    for (subject, subject_re, issuer, issuer_re, cert_subject, cert_issuer, expected, why) in
        IDENTITY
    {
        let id = KeylessIdentity::new(&KeylessAttestor {
            subject: opt(subject),
            subject_regexp: opt(subject_re),
            issuer: opt(issuer),
            issuer_regexp: opt(issuer_re),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(id.matches(cert_subject, cert_issuer), *expected, "{why}");
    }
}

/// (imageReferences pattern, image as written in the pod spec, applies?, why)
const IMAGES: &[(&str, &str, bool, &str)] = &[
    ("docker.io/nginx:*", "nginx", true, "nginx is docker.io/nginx:latest"),
    ("docker.io/library/nginx:*", "nginx", false, "Kyverno adds no library/"),
    ("docker.io/library/nginx:*", "library/nginx:1", true, "library/ when written"),
    ("docker.io/nginx:latest", "nginx", true, "default tag latest"),
    ("docker.io/nginx:latest", "nginx:1.25", false, "explicit tag"),
    ("index.docker.io/*", "nginx", false, "docker.io, not index.docker.io"),
    ("index.docker.io/*", "index.docker.io/nginx", true, "legacy name as written"),
    ("registry.example/acme/app:v1", "registry.example/acme/app:v1@sha256:0000000000000000000000000000000000000000000000000000000000000000", false, "a digest replaces the tag"),
    ("registry.example/acme/app@*", "registry.example/acme/app:v1@sha256:0000000000000000000000000000000000000000000000000000000000000000", true, "digest form"),
    ("registry.example/acme/*", "registry.example/acme/team/app", true, "star crosses slashes"),
    ("*", "localhost:5000/app", true, "star matches all"),
    ("localhost:5000/app:*", "localhost:5000/app", true, "registry with port kept"),
    ("nginx*", "nginx", false, "patterns see the registry"),
];

#[test]
fn image_reference_table() {
    for (pattern, written, expected, why) in IMAGES {
        let image = KyvernoImage::parse(written).unwrap();
        assert_eq!(
            wildcard::matches(pattern, &image.match_string()),
            *expected,
            "{pattern} vs {written}: {why}"
        );
    }
}

proptest! {
    #[test]
    fn loader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = load_policies(&bytes, &YamlLimits::default());
    }

    #[test]
    fn loader_never_panics_on_mutated_policies(cut in 0usize..2000, insert in "[-:{}\\[\\]* a-z\n]{0,8}") {
        let mut text = BASE.to_owned();
        let at = cut.min(text.len());
        if text.is_char_boundary(at) {
            text.insert_str(at, &insert);
        }
        let _ = load(&text);
    }

    #[test]
    fn image_parsing_never_panics(text in ".{0,80}") {
        if let Ok(image) = KyvernoImage::parse(&text) {
            let _ = image.match_string();
        }
    }
}
