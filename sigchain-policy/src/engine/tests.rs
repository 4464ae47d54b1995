//! Decisions, end to end through the engine, each case with the fact it checks.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sigchain_core::sign::key::SigningKey;

use super::*;
use crate::admission::{AdmissionLimits, AdmissionRequest};
use crate::evidence::{AttestationEvidence, EvidenceFailure, ImageEvidence, Signer};
use crate::yaml::YamlLimits;

mod attestation_conditions;

const GITHUB: &str = "https://token.actions.githubusercontent.com";
const RELEASE: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";

fn digest(c: char) -> Digest {
    format!("sha256:{}", c.to_string().repeat(64))
        .parse()
        .unwrap()
}

fn engine(yaml: &str) -> Engine {
    engine_with(yaml, EngineConfig::default())
}

fn engine_with(yaml: &str, config: EngineConfig) -> Engine {
    let set = PolicySet::load(yaml.as_bytes(), &YamlLimits::default()).expect("policies load");
    Engine::new(set, config).expect("policies compile")
}

fn kyverno(action: &str, extra_entry: &str) -> String {
    format!(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: signed}}
spec:
  validationFailureAction: {action}
  rules:
    - name: release
      match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
      verifyImages:
        - imageReferences: ["registry.example/acme/*"]
          attestors: [{{entries: [{{keyless: {{subject: "https://github.com/acme/*", issuer: "{GITHUB}"}}}}]}}]
{extra_entry}
"#
    )
}

fn review_json(kind: &str, namespace: &str, object: Value, operation: &str) -> AdmissionRequest {
    let (group, resource) = match kind {
        "Pod" => ("", "pods"),
        "Deployment" => ("apps", "deployments"),
        "CronJob" => ("batch", "cronjobs"),
        "Job" => ("batch", "jobs"),
        _ => ("", "others"),
    };
    let body = json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "uid-1",
            "kind": {"group": group, "version": "v1", "kind": kind},
            "resource": {"group": group, "version": "v1", "resource": resource},
            "namespace": namespace, "operation": operation,
            "object": object,
        }
    });
    AdmissionRequest::parse(body.to_string().as_bytes(), &AdmissionLimits::default()).unwrap()
}

fn pod(namespace: &str, images: &[&str]) -> AdmissionRequest {
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, image)| json!({"name": format!("c{i}"), "image": image}))
        .collect();
    review_json(
        "Pod",
        namespace,
        json!({"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {"containers": containers}}),
        "CREATE",
    )
}

fn deployment(images: &[&str]) -> AdmissionRequest {
    let containers: Vec<Value> = images
        .iter()
        .map(|image| json!({"name": "c", "image": image}))
        .collect();
    review_json(
        "Deployment",
        "default",
        json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": containers}}}}),
        "CREATE",
    )
}

fn cronjob(image: &str) -> AdmissionRequest {
    review_json(
        "CronJob",
        "default",
        json!({"metadata": {"name": "nightly"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}}}}),
        "CREATE",
    )
}

fn signed_by(subject: &str, d: char) -> ImageEvidence {
    ImageEvidence {
        digest: Some(digest(d)),
        signatures: vec![Signer::keyless(GITHUB, subject)],
        attestations: vec![],
    }
}

fn decide(
    engine: &Engine,
    request: &AdmissionRequest,
    evidence: &[(&str, EvidenceAnswer)],
) -> Decision {
    let review = engine.review(request, &RequestContext::default());
    let answers: BTreeMap<String, EvidenceAnswer> = evidence
        .iter()
        .map(|(image, answer)| (image.to_string(), answer.clone()))
        .collect();
    review.decide(&answers)
}

fn rules(decision: &Decision) -> Vec<(String, PolicyResult)> {
    decision
        .results()
        .map(|r| (r.rule.clone(), r.result))
        .collect()
}

#[test]
fn enforce_denies_unsigned_and_admits_signed_pinned() {
    let engine = engine(&kyverno("Enforce", ""));
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    let unsigned = decide(
        &engine,
        &request,
        &[(
            "registry.example/acme/app:1.0",
            Ok(ImageEvidence::default()),
        )],
    );
    assert!(!unsigned.allowed());
    let message = unsigned.mutating_response().status.unwrap().message;
    assert!(
        message.contains("registry.example/acme/app:1.0 (/spec/containers/0/image): policy signed.release: failed to verify image registry.example/acme/app:1.0: .attestors[0]: no signatures found"),
        "{message}"
    );

    let signed = decide(
        &engine,
        &request,
        &[("registry.example/acme/app:1.0", Ok(signed_by(RELEASE, 'a')))],
    );
    assert!(signed.allowed());
    let response = signed.mutating_response();
    let patch: Value = serde_json::from_slice(&response.decoded_patch().unwrap()).unwrap();
    assert_eq!(
        patch,
        json!([{"op": "replace", "path": "/spec/containers/0/image",
                "value": format!("registry.example/acme/app:1.0@{}", digest('a'))}]),
        "Kyverno keeps the tag and adds the digest"
    );
    assert_eq!(
        rules(&signed),
        vec![("release".to_owned(), PolicyResult::Pass)]
    );
}

#[test]
fn wrong_identity_fails_and_lists_the_verified_signers() {
    let engine = engine(&kyverno("Enforce", ""));
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    let mallory = "https://github.com/mallory/app/.github/workflows/x.yml@refs/heads/main";
    let decision = decide(
        &engine,
        &request,
        &[("registry.example/acme/app:1.0", Ok(signed_by(mallory, 'a')))],
    );
    assert!(!decision.allowed());
    let reason = &decision.failures()[0].reason;
    assert!(
        reason.contains("no matching signatures") && reason.contains(mallory),
        "{reason}"
    );
    // A wrong issuer with the right subject is no better (issuer wildcard AND).
    let wrong_issuer = ImageEvidence {
        signatures: vec![Signer::keyless("https://accounts.example.com", RELEASE)],
        ..signed_by(RELEASE, 'a')
    };
    let decision = decide(
        &engine,
        &request,
        &[("registry.example/acme/app:1.0", Ok(wrong_issuer))],
    );
    assert!(!decision.allowed());
    // A key signer is not a keyless signer.
    let key = SigningKey::generate_p256().unwrap().public_key_pem();
    let keyed = ImageEvidence {
        signatures: vec![Signer::key(key)],
        ..signed_by(RELEASE, 'a')
    };
    assert!(!decide(
        &engine,
        &request,
        &[("registry.example/acme/app:1.0", Ok(keyed))]
    )
    .allowed());
}

#[test]
fn audit_admits_with_kyverno_warnings_and_pins_nothing_unverified() {
    let engine = engine(&kyverno("Audit", ""));
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    let decision = decide(
        &engine,
        &request,
        &[(
            "registry.example/acme/app:1.0",
            Ok(ImageEvidence::default()),
        )],
    );
    assert!(decision.allowed());
    let response = decision.mutating_response();
    assert!(response.allowed && response.patch.is_none());
    assert_eq!(
        response.warnings,
        vec!["policy signed.release: failed to verify image registry.example/acme/app:1.0: .attestors[0]: no signatures found".to_owned()]
    );
    assert_eq!(
        rules(&decision),
        vec![("release".to_owned(), PolicyResult::Fail)]
    );
}

#[test]
fn images_no_entry_matches_give_no_query_and_no_result() {
    let engine = engine(&kyverno("Enforce", ""));
    let request = pod("default", &["nginx:1.27", "docker.io/library/redis"]);
    let review = engine.review(&request, &RequestContext::default());
    assert!(review.queries().is_empty(), "nothing to ask about nginx");
    let decision = review.decide(&BTreeMap::new());
    assert!(decision.allowed());
    assert_eq!(
        decision.results().count(),
        0,
        "Kyverno gives such a rule no response"
    );
}

#[test]
fn only_failing_images_are_listed_among_several() {
    let engine = engine(&kyverno("Enforce", ""));
    let request = pod(
        "default",
        &[
            "registry.example/acme/app:1.0",
            "registry.example/acme/sidecar:2",
            "nginx",
        ],
    );
    let decision = decide(
        &engine,
        &request,
        &[
            ("registry.example/acme/app:1.0", Ok(signed_by(RELEASE, 'a'))),
            (
                "registry.example/acme/sidecar:2",
                Ok(ImageEvidence::default()),
            ),
        ],
    );
    assert!(!decision.allowed());
    assert_eq!(decision.failures().len(), 1);
    assert_eq!(
        decision.failures()[0].image,
        "registry.example/acme/sidecar:2"
    );
    assert_eq!(
        decision.failures()[0].pointer.as_str(),
        "/spec/containers/1/image"
    );
    assert!(decision.patch().is_empty() || !decision.mutating_response().allowed);
}

#[test]
fn evidence_failures_fail_closed_in_enforce_and_warn_in_audit() {
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    for (action, failure) in [
        ("Enforce", EvidenceFailure::deadline()),
        ("Enforce", EvidenceFailure::error("registry said 500")),
    ] {
        let engine = engine(&kyverno(action, ""));
        let decision = decide(
            &engine,
            &request,
            &[("registry.example/acme/app:1.0", Err(failure.clone()))],
        );
        assert!(!decision.allowed(), "{action} {failure:?}");
        assert_eq!(
            rules(&decision),
            vec![("release".to_owned(), PolicyResult::Error)]
        );
    }
    let engine = engine(&kyverno("Audit", ""));
    let decision = decide(
        &engine,
        &request,
        &[(
            "registry.example/acme/app:1.0",
            Err(EvidenceFailure::deadline()),
        )],
    );
    assert!(decision.allowed());
    assert!(decision.warnings()[0].contains("admission deadline"));
    // No answer at all is a failed lookup, never a pass.
    let engine = self::engine(&kyverno("Enforce", ""));
    assert!(!decide(&engine, &request, &[]).allowed());
}

#[test]
fn autogen_carries_pod_rules_to_controllers_under_kyverno_names() {
    let engine = engine(&kyverno("Enforce", ""));
    let decision = decide(
        &engine,
        &deployment(&["registry.example/acme/app:1.0"]),
        &[("registry.example/acme/app:1.0", Ok(signed_by(RELEASE, 'b')))],
    );
    assert_eq!(
        rules(&decision),
        vec![("autogen-release".to_owned(), PolicyResult::Pass)]
    );
    let patch: Value =
        serde_json::from_slice(&decision.mutating_response().decoded_patch().unwrap()).unwrap();
    assert_eq!(patch[0]["path"], "/spec/template/spec/containers/0/image");

    let decision = decide(
        &engine,
        &cronjob("registry.example/acme/app:1.0"),
        &[(
            "registry.example/acme/app:1.0",
            Ok(ImageEvidence::default()),
        )],
    );
    assert_eq!(
        rules(&decision),
        vec![("autogen-cronjob-release".to_owned(), PolicyResult::Fail)]
    );
    assert!(!decision.allowed());
}

#[test]
fn autogen_annotation_limits_or_disables_controllers() {
    let with = |value: &str| {
        kyverno("Enforce", "").replace(
            "metadata: {name: signed}",
            &format!("metadata: {{name: signed, annotations: {{pod-policies.kyverno.io/autogen-controllers: \"{value}\"}}}}"),
        )
    };
    let unsigned = [(
        "registry.example/acme/app:1.0",
        Ok(ImageEvidence::default()),
    )];
    let none = engine(&with("none"));
    assert!(
        decide(
            &none,
            &deployment(&["registry.example/acme/app:1.0"]),
            &unsigned
        )
        .allowed(),
        "none: off"
    );
    let only_deployments = engine(&with("Deployment"));
    assert!(!decide(
        &only_deployments,
        &deployment(&["registry.example/acme/app:1.0"]),
        &unsigned
    )
    .allowed());
    assert!(decide(
        &only_deployments,
        &cronjob("registry.example/acme/app:1.0"),
        &unsigned
    )
    .allowed());
}

#[test]
fn autogen_does_not_apply_to_rules_selecting_pods_by_name_or_label() {
    let policy = kyverno("Enforce", "").replace(
        "resources: {kinds: [Pod]}",
        "resources: {kinds: [Pod], selector: {matchLabels: {app: web}}}",
    );
    let engine = engine(&policy);
    let unsigned = [(
        "registry.example/acme/app:1.0",
        Ok(ImageEvidence::default()),
    )];
    assert!(decide(
        &engine,
        &deployment(&["registry.example/acme/app:1.0"]),
        &unsigned
    )
    .allowed());
    assert!(!decide(
        &engine,
        &pod("default", &["registry.example/acme/app:1.0"]),
        &unsigned
    )
    .allowed());
}

const EXCEPTION: &str = r#"
---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: system, namespace: kyverno}
spec:
  exceptions: [{policyName: signed, ruleNames: ["release", "autogen-*"]}]
  match: {any: [{resources: {namespaces: [kube-system]}}]}
"#;

#[test]
fn exceptions_skip_rules_for_what_they_match() {
    let engine = engine(&(kyverno("Enforce", "") + EXCEPTION));
    let request = pod("kube-system", &["registry.example/acme/app:1.0"]);
    let review = engine.review(&request, &RequestContext::default());
    assert!(review.queries().is_empty(), "an excepted rule asks nothing");
    let decision = review.decide(&BTreeMap::new());
    assert!(decision.allowed());
    assert_eq!(
        rules(&decision),
        vec![("release".to_owned(), PolicyResult::Skip)]
    );
    let result = decision.results().next().unwrap();
    assert_eq!(
        result.message,
        "rule is skipped due to policy exceptions kyverno/system"
    );
    // Elsewhere the rule holds.
    let elsewhere = decide(
        &engine,
        &pod("default", &["registry.example/acme/app:1.0"]),
        &[(
            "registry.example/acme/app:1.0",
            Ok(ImageEvidence::default()),
        )],
    );
    assert!(!elsewhere.allowed());
    // Wildcard rule names cover the autogen rules.
    let mut deployment = deployment(&["registry.example/acme/app:1.0"]);
    deployment.namespace = "kube-system".to_owned();
    assert!(decide(&engine, &deployment, &[]).allowed());
}

#[test]
fn exceptions_name_policies_exactly() {
    let engine = engine(
        &(kyverno("Enforce", "") + &EXCEPTION.replace("policyName: signed", "policyName: sign*")),
    );
    let decision = decide(
        &engine,
        &pod("kube-system", &["registry.example/acme/app:1.0"]),
        &[(
            "registry.example/acme/app:1.0",
            Ok(ImageEvidence::default()),
        )],
    );
    assert!(!decision.allowed(), "policyName is not a wildcard");
}

#[test]
fn attestor_count_any_or_all() {
    let two = |count: &str| {
        format!(
            r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: two}}
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
      verifyImages:
        - imageReferences: ["*"]
          attestors:
            - {count}
              entries:
                - keyless: {{subject: "https://github.com/acme/*", issuer: "{GITHUB}"}}
                - keyless: {{subject: "security@acme.example", issuer: "https://accounts.acme.example"}}
"#
        )
    };
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    let one_signer = [("registry.example/acme/app:1.0", Ok(signed_by(RELEASE, 'a')))];
    assert!(
        !decide(&engine(&two("")), &request, &one_signer).allowed(),
        "no count: all entries"
    );
    assert!(
        decide(&engine(&two("count: 1")), &request, &one_signer).allowed(),
        "count 1: any"
    );
    let both = ImageEvidence {
        signatures: vec![
            Signer::keyless(GITHUB, RELEASE),
            Signer::keyless("https://accounts.acme.example", "security@acme.example"),
        ],
        ..signed_by(RELEASE, 'a')
    };
    assert!(decide(
        &engine(&two("")),
        &request,
        &[("registry.example/acme/app:1.0", Ok(both))]
    )
    .allowed());
}

#[test]
fn several_public_keys_are_several_entries() {
    let first = SigningKey::generate_p256().unwrap().public_key_pem();
    let second = SigningKey::generate_p256().unwrap().public_key_pem();
    let indent = |pem: &str| {
        pem.trim()
            .lines()
            .map(|l| format!("                      {l}\n"))
            .collect::<String>()
    };
    let policy = |count: &str| {
        format!(
            r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: keys}}
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
      verifyImages:
        - imageReferences: ["*"]
          attestors:
            - {count}
              entries:
                - keys:
                    publicKeys: |
{}{}"#,
            indent(&first),
            indent(&second)
        )
    };
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    let by_first = ImageEvidence {
        digest: Some(digest('c')),
        signatures: vec![Signer::key(first.clone())],
        attestations: vec![],
    };
    let answer = [("registry.example/acme/app:1.0", Ok(by_first))];
    assert!(
        !decide(&engine(&policy("")), &request, &answer).allowed(),
        "every key without count"
    );
    assert!(
        decide(&engine(&policy("count: 1")), &request, &answer).allowed(),
        "any key with count 1"
    );
    let review = engine(&policy(""))
        .review(&request, &RequestContext::default())
        .queries()
        .to_vec();
    assert_eq!(
        review[0].public_keys.len(),
        2,
        "the provider is told both keys"
    );
}

fn attesting(conditions: &str, attestors: &str) -> String {
    format!(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: sbom}}
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
      verifyImages:
        - imageReferences: ["registry.example/*"]
          mutateDigest: false
          verifyDigest: false
          attestations:
            - type: https://spdx.dev/Document
{attestors}{conditions}"#
    )
}

#[test]
fn attestations_need_a_verified_statement_from_a_satisfying_signer() {
    let attestors = format!(
        "              attestors: [{{entries: [{{keyless: {{subject: \"https://github.com/acme/*\", issuer: \"{GITHUB}\"}}}}]}}]\n"
    );
    let engine = engine(&attesting("", &attestors));
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    let sbom = |subject: &str| AttestationEvidence {
        predicate_type: "https://spdx.dev/Document".into(),
        predicate: json!({"spdxVersion": "SPDX-2.3"}),
        issuer: Some(GITHUB.into()),
        subject: Some(subject.into()),
        public_key: None,
    };
    let with = |attestations: Vec<AttestationEvidence>| ImageEvidence {
        digest: Some(digest('d')),
        signatures: vec![],
        attestations,
    };
    let none = decide(
        &engine,
        &request,
        &[("registry.example/acme/app:1.0", Ok(with(vec![])))],
    );
    assert!(none.failures()[0]
        .reason
        .contains("no verified attestations of predicate type https://spdx.dev/Document"));
    let wrong = decide(
        &engine,
        &request,
        &[(
            "registry.example/acme/app:1.0",
            Ok(with(vec![sbom("https://github.com/mallory/x")])),
        )],
    );
    assert!(!wrong.allowed());
    let right = decide(
        &engine,
        &request,
        &[(
            "registry.example/acme/app:1.0",
            Ok(with(vec![sbom(RELEASE)])),
        )],
    );
    assert!(right.allowed());
    assert_eq!(right.results().next().unwrap().result, PolicyResult::Pass);
    let other_type = AttestationEvidence {
        predicate_type: "https://cyclonedx.org/bom".into(),
        ..sbom(RELEASE)
    };
    assert!(!decide(
        &engine,
        &request,
        &[("registry.example/acme/app:1.0", Ok(with(vec![other_type])))]
    )
    .allowed());

    // Without attestors any verified signer will do.
    let anyone = self::engine(&attesting("", ""));
    assert!(decide(
        &anyone,
        &request,
        &[(
            "registry.example/acme/app:1.0",
            Ok(with(vec![sbom("https://github.com/mallory/x")]))
        )]
    )
    .allowed());
    let review = anyone.review(&request, &RequestContext::default());
    assert!(
        !review.queries()[0].signatures,
        "attestations only: no signatures asked"
    );
    assert!(review.queries()[0]
        .predicate_types
        .contains("https://spdx.dev/Document"));
}

#[test]
fn digest_rules() {
    // verifyDigest without mutateDigest: tags fail, digests pass.
    let strict = engine(&kyverno("Enforce", "          mutateDigest: false\n"));
    let tag = pod("default", &["registry.example/acme/app:1.0"]);
    let decision = decide(
        &strict,
        &tag,
        &[("registry.example/acme/app:1.0", Ok(signed_by(RELEASE, 'a')))],
    );
    assert_eq!(
        decision.failures()[0].reason,
        "policy signed.release: missing digest for registry.example/acme/app:1.0"
    );
    let pinned_image = format!("registry.example/acme/app@{}", digest('a'));
    let pinned = pod("default", &[&pinned_image]);
    let decision = decide(
        &strict,
        &pinned,
        &[(&pinned_image, Ok(signed_by(RELEASE, 'a')))],
    );
    assert!(decision.allowed() && decision.patch().is_empty());
    // Evidence for another digest than the one written is no evidence.
    let decision = decide(
        &strict,
        &pinned,
        &[(&pinned_image, Ok(signed_by(RELEASE, 'b')))],
    );
    assert!(!decision.allowed());
    assert!(decision.failures()[0].reason.contains("is pinned to"));

    // mutateDigest (default) with verifyDigest (default): the mutating response pins; the
    // validating response for the unpinned object says the digest is missing.
    let default = engine(&kyverno("Enforce", ""));
    let decision = decide(
        &default,
        &tag,
        &[("registry.example/acme/app:1.0", Ok(signed_by(RELEASE, 'a')))],
    );
    assert!(decision.mutating_response().allowed);
    let validating = decision.validating_response();
    assert!(!validating.allowed);
    assert!(validating
        .status
        .unwrap()
        .message
        .contains("missing digest for registry.example/acme/app:1.0"));
    // A signed image whose digest was not resolved cannot be pinned: error, denied.
    let unresolved = ImageEvidence {
        digest: None,
        ..signed_by(RELEASE, 'a')
    };
    let decision = decide(
        &default,
        &tag,
        &[("registry.example/acme/app:1.0", Ok(unresolved))],
    );
    assert!(!decision.allowed());
    assert_eq!(
        rules(&decision),
        vec![("release".to_owned(), PolicyResult::Error)]
    );
}

#[test]
fn failure_action_overrides_by_namespace() {
    let policy = kyverno("Audit", "").replace(
        "  validationFailureAction: Audit\n",
        "  validationFailureAction: Audit\n  validationFailureActionOverrides: [{action: Enforce, namespaces: [\"prod-*\"]}]\n",
    );
    let engine = engine(&policy);
    let unsigned = [(
        "registry.example/acme/app:1.0",
        Ok(ImageEvidence::default()),
    )];
    assert!(!decide(
        &engine,
        &pod("prod-eu", &["registry.example/acme/app:1.0"]),
        &unsigned
    )
    .allowed());
    assert!(decide(
        &engine,
        &pod("dev", &["registry.example/acme/app:1.0"]),
        &unsigned
    )
    .allowed());
}

#[test]
fn namespaced_policies_hold_in_their_namespace_only() {
    let policy = kyverno("Enforce", "").replace(
        "kind: ClusterPolicy\nmetadata: {name: signed}",
        "kind: Policy\nmetadata: {name: signed, namespace: team-a}",
    );
    let engine = engine(&policy);
    let unsigned = [(
        "registry.example/acme/app:1.0",
        Ok(ImageEvidence::default()),
    )];
    let decision = decide(
        &engine,
        &pod("team-a", &["registry.example/acme/app:1.0"]),
        &unsigned,
    );
    assert!(!decision.allowed());
    assert_eq!(decision.results().next().unwrap().policy, "team-a/signed");
    assert!(decide(
        &engine,
        &pod("team-b", &["registry.example/acme/app:1.0"]),
        &unsigned
    )
    .allowed());
}

#[test]
fn deletes_are_not_checked() {
    let engine = engine(&kyverno("Enforce", ""));
    let mut request = pod("default", &["registry.example/acme/app:1.0"]);
    request.operation = Operation::Delete;
    let review = engine.review(&request, &RequestContext::default());
    assert!(review.queries().is_empty());
    assert!(review.decide(&BTreeMap::new()).allowed());
}

#[test]
fn unreadable_pod_specs_are_rule_errors() {
    let engine = engine(&kyverno("Enforce", ""));
    let request = review_json(
        "Pod",
        "default",
        json!({"metadata": {"name": "x"}, "spec": {"containers": {"not": "a list"}}}),
        "CREATE",
    );
    let decision = decide(&engine, &request, &[]);
    assert!(!decision.allowed());
    assert_eq!(
        rules(&decision),
        vec![("release".to_owned(), PolicyResult::Error)]
    );
}

const CIP: &str = r#"
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: acme-release}
spec:
  images: [{glob: "registry.example/acme/**"}]
  authorities:
    - keyless:
        identities: [{issuer: "https://token.actions.githubusercontent.com", subjectRegExp: "^https://github\\.com/acme/"}]
"#;

#[test]
fn cluster_image_policies_admit_signed_and_deny_unsigned() {
    let engine = engine(CIP);
    let request = pod("default", &["registry.example/acme/team/app:1.0"]);
    let signed = decide(
        &engine,
        &request,
        &[(
            "registry.example/acme/team/app:1.0",
            Ok(signed_by(RELEASE, 'e')),
        )],
    );
    assert!(signed.allowed());
    assert_eq!(
        rules(&signed),
        vec![("authorities".to_owned(), PolicyResult::Pass)]
    );
    assert!(
        signed.mutating_response().patch.is_some(),
        "policy-controller pins to digests"
    );
    let unsigned = decide(
        &engine,
        &request,
        &[(
            "registry.example/acme/team/app:1.0",
            Ok(ImageEvidence {
                digest: Some(digest('e')),
                ..Default::default()
            }),
        )],
    );
    assert!(!unsigned.allowed());
    assert!(unsigned.failures()[0].reason.contains(
        "failed policy: acme-release: registry.example/acme/team/app:1.0 signature keyless validation failed for authority authority-0 for registry.example/acme/team/app:1.0: no signatures found"
    ), "{}", unsigned.failures()[0].reason);
}

#[test]
fn cluster_image_policy_no_match_and_warn_mode() {
    let request = pod("default", &["nginx:1.27"]);
    let resolved = [(
        "nginx:1.27",
        Ok(ImageEvidence {
            digest: Some(digest('f')),
            ..Default::default()
        }),
    )];
    let deny = engine(CIP);
    let decision = decide(&deny, &request, &resolved);
    assert!(!decision.allowed());
    assert_eq!(decision.failures()[0].reason, "no matching policies");
    let allow = engine_with(
        CIP,
        EngineConfig {
            cip_no_match: NoMatchPolicy::Allow,
            ..EngineConfig::default()
        },
    );
    let decision = decide(&allow, &request, &resolved);
    assert!(decision.allowed());
    assert!(
        decision.mutating_response().patch.is_some(),
        "unmatched images are pinned too"
    );
    assert!(
        !decision.validating_response().allowed,
        "and unpinned ones refused by the validator"
    );

    let warn = engine(&CIP.replace("spec:\n", "spec:\n  mode: warn\n"));
    let request = pod("default", &["registry.example/acme/app:2"]);
    let decision = decide(
        &warn,
        &request,
        &[(
            "registry.example/acme/app:2",
            Ok(ImageEvidence {
                digest: Some(digest('a')),
                ..Default::default()
            }),
        )],
    );
    assert!(decision.allowed());
    assert!(
        decision.warnings()[0]
            .starts_with("failed policy: acme-release: /spec/containers/0/image\n"),
        "{:?}",
        decision.warnings()
    );
    let report = decision.policy_report();
    assert_eq!(report.results[0].result, PolicyResult::Warn);
}

#[test]
fn cluster_image_policy_key_and_static_authorities() {
    let key = SigningKey::generate_p256().unwrap().public_key_pem();
    let indented: String = key
        .trim()
        .lines()
        .map(|l| format!("          {l}\n"))
        .collect();
    let policy = format!(
        "apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {{name: keyed}}\nspec:\n  images: [{{glob: \"**\"}}]\n  authorities:\n    - key:\n        data: |\n{indented}"
    );
    let engine = engine(&policy);
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    let keyed = ImageEvidence {
        digest: Some(digest('a')),
        signatures: vec![Signer::key(key.clone())],
        attestations: vec![],
    };
    assert!(decide(
        &engine,
        &request,
        &[("registry.example/acme/app:1.0", Ok(keyed))]
    )
    .allowed());
    let other = ImageEvidence {
        digest: Some(digest('a')),
        signatures: vec![Signer::key(
            SigningKey::generate_p256().unwrap().public_key_pem(),
        )],
        attestations: vec![],
    };
    let decision = decide(
        &engine,
        &request,
        &[("registry.example/acme/app:1.0", Ok(other))],
    );
    assert!(decision.failures()[0]
        .reason
        .contains("no matching signatures"));
    let review = engine.review(&request, &RequestContext::default());
    assert!(review.queries()[0].public_keys.contains(key.trim()));

    let fixed = |action: &str| {
        format!("apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {{name: fixed}}\nspec:\n  images: [{{glob: \"**\"}}]\n  authorities: [{{static: {{action: {action}, message: frozen}}}}]\n")
    };
    let resolved = [(
        "registry.example/acme/app:1.0",
        Ok(ImageEvidence {
            digest: Some(digest('a')),
            ..Default::default()
        }),
    )];
    assert!(decide(&engine_with_default(&fixed("pass")), &request, &resolved).allowed());
    let decision = decide(&engine_with_default(&fixed("fail")), &request, &resolved);
    assert!(decision.failures()[0]
        .reason
        .contains("disallowed by static policy: frozen"));
}

fn engine_with_default(yaml: &str) -> Engine {
    engine(yaml)
}

#[test]
fn reports_have_one_result_per_image_and_rule() {
    let policy = kyverno("Enforce", "").replace(
        "metadata: {name: signed}",
        "metadata: {name: signed, annotations: {policies.kyverno.io/category: Supply Chain, policies.kyverno.io/severity: high}}",
    );
    let engine = engine(&policy);
    let request = pod(
        "default",
        &["registry.example/acme/app:1.0", "registry.example/acme/b:1"],
    );
    let decision = decide(
        &engine,
        &request,
        &[
            ("registry.example/acme/app:1.0", Ok(signed_by(RELEASE, 'a'))),
            ("registry.example/acme/b:1", Ok(ImageEvidence::default())),
        ],
    );
    let report = decision.policy_report();
    assert_eq!(report.kind, "PolicyReport");
    assert_eq!(report.results.len(), 2);
    assert_eq!((report.summary.pass, report.summary.fail), (1, 1));
    assert_eq!(
        report.results[0].message,
        "verified image signatures for registry.example/acme/app:1.0"
    );
    assert_eq!(report.results[0].category, "Supply Chain");
    assert_eq!(report.results[0].severity, Some(PolicySeverity::High));
    assert_eq!(
        report.results[1].resources[0].field_path,
        "/spec/containers/1/image"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["apiVersion"], "wgpolicyk8s.io/v1alpha2");
}

#[test]
fn the_adr_policy_audits_its_registrys_images() {
    let adr = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/ADR-007-supply-chain-security.md"
    ))
    .expect("ADR-007 beside the checkout");
    let start = adr.find("apiVersion: kyverno.io/v1").unwrap();
    let end = start + adr[start..].find("```").unwrap();
    let engine = engine(&adr[start..end]);
    // The image under the policy's own reference pattern, whatever registry the ADR names.
    let pattern = adr[start..end]
        .lines()
        .find_map(|line| {
            line.split('"')
                .find(|part| part.ends_with("/illmadecoder/*"))
        })
        .expect("the ADR policy's imageReferences");
    let image = pattern.replace('*', "cicd-sample:latest");
    let image = image.as_str();
    let request = pod("default", &[image]);
    let decision = decide(&engine, &request, &[(image, Ok(ImageEvidence::default()))]);
    assert!(decision.allowed(), "Audit admits");
    assert!(decision.warnings()[0]
        .starts_with("policy verify-image-signature.verify-signature: failed to verify image"));
    let lab = "https://github.com/illMadeCoder/illm-k8s-ai-labs/.github/workflows/cicd-sample.yaml@refs/heads/main";
    let decision = decide(&engine, &request, &[(image, Ok(signed_by(lab, 'a')))]);
    assert!(decision.allowed() && decision.warnings().is_empty());
}

#[test]
fn load_errors_name_what_is_wrong() {
    let limits = YamlLimits::default();
    let unknown = PolicySet::load(
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        &limits,
    )
    .unwrap_err();
    assert!(
        matches!(unknown, LoadError::UnsupportedKind { .. }),
        "{unknown}"
    );
    let typo = kyverno("Enforce", "").replace("imageReferences", "imageReference");
    let error = PolicySet::load(typo.as_bytes(), &limits)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("spec.rules[0].verifyImages[0]") && error.contains("imageReference"),
        "{error}"
    );
    let twice = format!("{}\n---\n{}", kyverno("Enforce", ""), kyverno("Audit", ""));
    assert!(matches!(
        PolicySet::load(twice.as_bytes(), &limits),
        Err(LoadError::Duplicate { .. })
    ));
    let bad_exception =
        EXCEPTION.replace("ruleNames: [\"release\", \"autogen-*\"]", "ruleNames: []");
    assert!(PolicySet::load(bad_exception.as_bytes(), &limits).is_err());
}

#[test]
fn failure_policy_fail_blocks_errors_even_under_audit() {
    let request = pod("default", &["registry.example/acme/app:1.0"]);
    let deadline = [(
        "registry.example/acme/app:1.0",
        Err(EvidenceFailure::deadline()),
    )];
    let unsigned = [(
        "registry.example/acme/app:1.0",
        Ok(ImageEvidence::default()),
    )];
    let strict = engine(&kyverno("Audit", "").replace(
        "  validationFailureAction: Audit\n",
        "  validationFailureAction: Audit\n  failurePolicy: Fail\n",
    ));
    assert!(
        !decide(&strict, &request, &deadline).allowed(),
        "an error with failurePolicy Fail blocks"
    );
    assert!(
        decide(&strict, &request, &unsigned).allowed(),
        "a failure under Audit still only warns"
    );
    let lenient = engine(&kyverno("Audit", "").replace(
        "  validationFailureAction: Audit\n",
        "  validationFailureAction: Audit\n  failurePolicy: Ignore\n",
    ));
    assert!(decide(&lenient, &request, &deadline).allowed());
}
