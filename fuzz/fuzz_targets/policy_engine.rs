//! Mixed policy files and evidence files, then a decision: `PolicySet::load` and
//! `EvidenceFile::parse` never panic on any bytes, and whatever loads compiles into an engine
//! that decides a fixed three-container Pod with the fuzzed evidence without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_policy::admission::{AdmissionLimits, AdmissionRequest};
use sigchain_policy::engine::{Engine, EngineConfig, PolicySet, RequestContext};
use sigchain_policy::evidence::{EvidenceFile, EvidenceLimits};
use sigchain_policy::yaml::YamlLimits;

const REVIEW: &[u8] = br#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
  "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "default",
    "operation": "CREATE", "object": {"metadata": {"name": "p"}, "spec": {
      "initContainers": [{"name": "i", "image": "nginx"}],
      "containers": [{"name": "a", "image": "registry.example/acme/app:1.0"},
                     {"name": "b", "image": "registry.example/acme/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]}}}}"#;

fuzz_target!(|data: &[u8]| {
    // One input holds both files: the policies, then (after a NUL) the evidence.
    let (policies, evidence) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"{}"[..]),
    };
    let evidence = EvidenceFile::parse(evidence, &EvidenceLimits::default()).unwrap_or_default();
    let Ok(set) = PolicySet::load(policies, &YamlLimits::default()) else {
        return;
    };
    let Ok(engine) = Engine::new(set, EngineConfig::default()) else {
        return;
    };
    let request = AdmissionRequest::parse(REVIEW, &AdmissionLimits::default()).expect("valid review");
    let review = engine.review(&request, &RequestContext::default());
    let decision = review.decide(&evidence.answers(review.queries()));
    let _ = decision.mutating_response().to_review_json();
    let _ = decision.validating_response().to_review_json();
    let _ = serde_json::to_string(&decision.policy_report());
});
