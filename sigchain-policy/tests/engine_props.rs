//! The engine never panics, whatever the AdmissionReview and the evidence: arbitrary JSON in
//! the places a request has, workload shapes with hostile image strings, and any mix of
//! answers. And it fails closed: an Enforce policy never admits an image it covers without
//! evidence that satisfies it.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Value};
use sigchain_policy::admission::{AdmissionLimits, AdmissionRequest};
use sigchain_policy::engine::{Engine, EngineConfig, PolicySet, RequestContext};
use sigchain_policy::evidence::{
    AttestationEvidence, EvidenceAnswer, EvidenceFailure, ImageEvidence, Signer,
};
use sigchain_policy::yaml::YamlLimits;

const POLICIES: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: signed}
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: {any: [{resources: {kinds: [Pod]}}]}
      verifyImages:
        - imageReferences: ["*"]
          attestors: [{count: 1, entries: [{keyless: {subject: "https://github.com/acme/*", issuer: "https://token.actions.githubusercontent.com"}}]}]
          attestations: [{type: "https://spdx.dev/Document"}]
---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: sys, namespace: kyverno}
spec:
  exceptions: [{policyName: signed, ruleNames: ["autogen-*"]}]
  match: {any: [{resources: {namespaces: ["kube-*"]}}]}
---
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: acme}
spec:
  mode: warn
  images: [{glob: "**"}]
  authorities: [{keyless: {identities: [{issuer: "https://token.actions.githubusercontent.com", subjectRegExp: "^https://github\\.com/acme/"}]}}]
"#;

fn engine() -> Engine {
    let set = PolicySet::load(POLICIES.as_bytes(), &YamlLimits::default()).unwrap();
    Engine::new(set, EngineConfig::default()).unwrap()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn image() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("registry.example/acme/app:1.0".to_owned()),
        Just("nginx".to_owned()),
        Just(format!(
            "registry.example/acme/app@sha256:{}",
            "a".repeat(64)
        )),
        "[a-z0-9./:@_-]{0,40}",
        ".{0,30}",
    ]
}

fn container() -> impl Strategy<Value = Value> {
    prop_oneof![
        image().prop_map(|i| json!({"name": "c", "image": i})),
        json_value(),
    ]
}

fn workload() -> impl Strategy<Value = (String, Value)> {
    let spec = (
        prop::collection::vec(container(), 0..4),
        prop::collection::vec(container(), 0..3),
        json_value(),
    )
        .prop_map(|(containers, init, other)| {
            json!({"containers": containers, "initContainers": init, "volumes": other})
        });
    let kind = prop_oneof![
        Just("Pod"),
        Just("Deployment"),
        Just("CronJob"),
        Just("Job"),
        Just("ConfigMap"),
        Just("StatefulSet"),
    ];
    (kind, spec, json_value(), prop_oneof![Just("default"), Just("kube-system"), Just("")])
        .prop_map(|(kind, spec, labels, namespace)| {
            let object = match kind {
                "Pod" => json!({"metadata": {"name": "p", "labels": labels}, "spec": spec}),
                "CronJob" => json!({"metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}),
                _ => json!({"metadata": {"name": "d", "annotations": labels}, "spec": {"template": {"spec": spec}}}),
            };
            let body = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": kind},
                    "resource": {"group": "", "version": "v1", "resource": "pods"},
                    "namespace": namespace, "operation": "CREATE", "object": object}});
            (kind.to_owned(), body)
        })
}

fn answer() -> impl Strategy<Value = EvidenceAnswer> {
    let signer = prop_oneof![
        Just(Signer::keyless(
            "https://token.actions.githubusercontent.com",
            "https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main"
        )),
        (".{0,20}", ".{0,20}").prop_map(|(i, s)| Signer::keyless(i, s)),
        ".{0,40}".prop_map(Signer::key),
    ];
    let attestation = (
        prop_oneof![Just("https://spdx.dev/Document".to_owned()), ".{0,20}"],
        json_value(),
    )
        .prop_map(|(predicate_type, predicate)| AttestationEvidence {
            predicate_type,
            predicate,
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            subject: Some("https://github.com/acme/x".into()),
            public_key: None,
        });
    prop_oneof![
        (
            prop::option::of(prop_oneof![Just('a'), Just('b')]),
            prop::collection::vec(signer, 0..3),
            prop::collection::vec(attestation, 0..3)
        )
            .prop_map(|(digest, signatures, attestations)| Ok(ImageEvidence {
                digest: digest.map(|c| format!("sha256:{}", c.to_string().repeat(64))
                    .parse()
                    .unwrap()),
                signatures,
                attestations,
            })),
        Just(Err(EvidenceFailure::deadline())),
        ".{0,20}".prop_map(|m| Err(EvidenceFailure::error(m))),
    ]
}

fn decided(
    engine: &Engine,
    request: &AdmissionRequest,
    answers: &[EvidenceAnswer],
) -> (String, String, String) {
    let review = engine.review(request, &RequestContext::default());
    let map: BTreeMap<String, EvidenceAnswer> = review
        .queries()
        .iter()
        .zip(answers.iter().cloned().cycle())
        .map(|(q, a)| (q.image.clone(), a))
        .collect();
    let decision = review.decide(&map);
    (
        decision.mutating_response().to_review_json().unwrap(),
        decision.validating_response().to_review_json().unwrap(),
        serde_json::to_string(&decision.policy_report()).unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The pruned read of a request decides exactly as the full one.
    #[test]
    fn pruned_requests_decide_as_full_ones(
        (_, body) in workload(),
        extra in json_value(),
        answers in prop::collection::vec(answer(), 1..6),
    ) {
        let mut body = body;
        // Noise where a real object has it, and an old object.
        body["request"]["object"]["status"] = extra.clone();
        body["request"]["object"]["spec"]["volumes"] = extra.clone();
        body["request"]["oldObject"] = extra;
        let bytes = body.to_string();
        let limits = AdmissionLimits::default();
        let full = AdmissionRequest::parse(bytes.as_bytes(), &limits);
        let pruned = AdmissionRequest::parse_for_policy(bytes.as_bytes(), &limits);
        prop_assert_eq!(full.is_ok(), pruned.is_ok());
        if let (Ok(full), Ok(pruned)) = (full, pruned) {
            let engine = engine();
            prop_assert_eq!(decided(&engine, &full, &answers), decided(&engine, &pruned, &answers));
        }
    }

    #[test]
    fn the_engine_never_panics((_, body) in workload(), answers in prop::collection::vec(answer(), 0..6)) {
        let engine = engine();
        let Ok(request) = AdmissionRequest::parse(body.to_string().as_bytes(), &AdmissionLimits::default()) else {
            return Ok(());
        };
        let review = engine.review(&request, &RequestContext::default());
        let map: BTreeMap<String, EvidenceAnswer> = review
            .queries()
            .iter()
            .zip(answers.into_iter().cycle())
            .map(|(q, a)| (q.image.clone(), a))
            .collect();
        let decision = review.decide(&map);
        let _ = decision.mutating_response().to_review_json();
        let _ = decision.validating_response().to_review_json();
        let _ = serde_json::to_string(&decision.policy_report());
    }

    #[test]
    fn arbitrary_request_parts_never_panic(object in json_value(), kind in ".{0,10}", namespace in ".{0,10}") {
        let engine = engine();
        let body = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": kind},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": namespace, "operation": "UPDATE", "object": object}});
        if let Ok(request) = AdmissionRequest::parse(body.to_string().as_bytes(), &AdmissionLimits::default()) {
            let review = engine.review(&request, &RequestContext::default());
            let decision = review.decide(&BTreeMap::new());
            let _ = decision.mutating_response().to_review_json();
        }
    }

    #[test]
    fn enforce_never_admits_a_covered_pod_image_without_satisfying_evidence(
        images in prop::collection::vec(image(), 1..4),
        answers in prop::collection::vec(answer(), 1..4),
    ) {
        let engine = engine();
        let containers: Vec<Value> = images.iter().map(|i| json!({"name": "c", "image": i})).collect();
        let body = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "default", "operation": "CREATE",
                "object": {"metadata": {"name": "p"}, "spec": {"containers": containers}}}});
        let request = AdmissionRequest::parse(body.to_string().as_bytes(), &AdmissionLimits::default()).unwrap();
        let review = engine.review(&request, &RequestContext::default());
        let map: BTreeMap<String, EvidenceAnswer> = review
            .queries()
            .iter()
            .zip(answers.iter().cloned().cycle())
            .map(|(q, a)| (q.image.clone(), a))
            .collect();
        let decision = review.decide(&map);
        if decision.allowed() {
            // Every image was covered ("*") and must have had satisfying evidence.
            for query in review.queries() {
                let Some(Ok(evidence)) = map.get(&query.image) else {
                    return Err(TestCaseError::fail(format!("{} admitted without evidence", query.image)));
                };
                let signed = evidence.signatures.iter().any(|s| {
                    s.issuer.as_deref() == Some("https://token.actions.githubusercontent.com")
                        && s.subject.as_deref().is_some_and(|x| x.starts_with("https://github.com/acme/"))
                });
                let attested = evidence.attestations.iter().any(|a| a.predicate_type == "https://spdx.dev/Document");
                prop_assert!(signed && attested, "{} admitted: {:?}", query.image, evidence);
            }
        }
    }
}
