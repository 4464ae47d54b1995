//! Attestation `conditions` over fuzzed predicates: the input is a condition key, an operator
//! index, a condition value and a predicate (NUL-separated); the key and the value go into a
//! fixed Kyverno policy as written, the predicate into an attestation of the wanted type, and
//! the engine decides a Pod with it. Substitution, JMESPath with Kyverno's functions and
//! every operator must never panic, whatever the policy and the predicate hold.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use sigchain_policy::admission::{AdmissionLimits, AdmissionRequest};
use sigchain_policy::engine::{Engine, EngineConfig, PolicySet, RequestContext};
use sigchain_policy::evidence::{AttestationEvidence, ImageEvidence};
use sigchain_policy::yaml::YamlLimits;

const REVIEW: &[u8] = br#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
  "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "default",
    "operation": "CREATE", "object": {"metadata": {"name": "p"}, "spec": {
      "containers": [{"name": "a", "image": "registry.example/acme/app:1.0"}]}}}}"#;

const OPERATORS: [&str; 16] = [
    "Equals", "NotEquals", "In", "AnyIn", "AllIn", "NotIn", "AnyNotIn", "AllNotIn",
    "GreaterThanOrEquals", "GreaterThan", "LessThanOrEquals", "LessThan",
    "DurationGreaterThanOrEquals", "DurationGreaterThan", "DurationLessThanOrEquals",
    "DurationLessThan",
];

const TYPE: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";

fn as_json_or_string(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == 0);
    let key = parts.next().unwrap_or_default();
    let operator = parts.next().and_then(|p| p.first()).copied().unwrap_or(0);
    let value = parts.next().unwrap_or_default();
    let predicate = parts.next().unwrap_or_default();
    let condition = json!({
        "key": as_json_or_string(key),
        "operator": OPERATORS[usize::from(operator) % OPERATORS.len()],
        "value": as_json_or_string(value),
        "message": "m {{ scanner.version }}",
    });
    let blocks = if operator & 0x80 == 0 {
        json!([{"all": [condition]}])
    } else {
        json!([{"any": [condition]}, {"all": []}])
    };
    let policy = json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": "conditions"},
        "spec": {"validationFailureAction": "Enforce", "rules": [{
            "name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "verifyImages": [{"imageReferences": ["registry.example/*"], "mutateDigest": false,
                "verifyDigest": false,
                "attestations": [{"type": TYPE, "conditions": blocks}]}]}]}
    });
    let Ok(set) = PolicySet::load(policy.to_string().as_bytes(), &YamlLimits::default()) else {
        return;
    };
    let Ok(engine) = Engine::new(set, EngineConfig::default()) else {
        return;
    };
    let evidence = ImageEvidence {
        digest: None,
        signatures: vec![],
        attestations: vec![AttestationEvidence {
            predicate_type: TYPE.into(),
            predicate: as_json_or_string(predicate),
            issuer: None,
            subject: None,
            public_key: Some(String::new()),
        }],
    };
    let request = AdmissionRequest::parse(REVIEW, &AdmissionLimits::default()).expect("valid review");
    let context = RequestContext { now_unix: 1_767_830_400, ..RequestContext::default() };
    let review = engine.review(&request, &context);
    let answers = BTreeMap::from([("registry.example/acme/app:1.0".to_owned(), Ok(evidence))]);
    let decision = review.decide(&answers);
    let _ = decision.validating_response().to_review_json();
});
