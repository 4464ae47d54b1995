//! Admission decisions: an AdmissionReview for a 3-container Pod decided by a Kyverno
//! `verifyImages` policy and a ClusterImagePolicy with warm evidence (everything a webhook does
//! per request except HTTP and TLS), against the floor of reading the same body with
//! `serde_json`; and the throughput of image matching (Kyverno wildcards, policy-controller
//! globs) against the `regex` crate matching the equivalent anchored expression.
//!
//! `policy/conditions`: one image with one vulnerability attestation (a Trivy report of 300
//! findings), decided by an attestation with two conditions (no CRITICAL finding, scan at most
//! 7 days old) against the same decision without conditions; the ratio is the price of
//! evaluating conditions.
//!
//! After criterion's groups, a latency distribution of the decision (p50 / p99 / max over
//! 20,000 timed calls) is printed, since the target is stated as a p99.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, Criterion, Throughput};
use sigchain_policy::admission::{AdmissionLimits, AdmissionRequest};
use sigchain_policy::cip::Glob;
use sigchain_policy::engine::{Engine, EngineConfig, NoMatchPolicy, PolicySet, RequestContext};
use sigchain_policy::evidence::{
    AttestationEvidence, EvidenceAnswer, EvidenceFile, EvidenceLimits, ImageEvidence,
};
use sigchain_policy::kyverno::wildcard;
use sigchain_policy::yaml::YamlLimits;

const POLICIES: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: release-signed}
spec:
  validationFailureAction: Enforce
  rules:
    - name: signed-by-release
      match: {any: [{resources: {kinds: [Pod]}}]}
      verifyImages:
        - imageReferences: ["registry.example/acme/*"]
          attestors:
            - entries:
                - keyless:
                    subject: "https://github.com/acme/*/.github/workflows/release.yml@refs/*"
                    issuer: "https://token.actions.githubusercontent.com"
          attestations:
            - type: https://spdx.dev/Document
---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: system, namespace: kyverno}
spec:
  exceptions: [{policyName: release-signed, ruleNames: ["*"]}]
  match: {any: [{resources: {namespaces: [kube-system]}}]}
---
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: acme}
spec:
  images: [{glob: "registry.example/acme/**"}]
  authorities:
    - keyless:
        identities:
          - issuer: https://token.actions.githubusercontent.com
            subjectRegExp: "^https://github\\.com/acme/"
"#;

fn evidence_entry(digest: char) -> String {
    format!(
        r#"{{"digest": "sha256:{}",
            "signatures": [{{"issuer": "https://token.actions.githubusercontent.com",
              "subject": "https://github.com/acme/web/.github/workflows/release.yml@refs/tags/v1"}}],
            "attestations": [{{"predicateType": "https://spdx.dev/Document", "predicate": {{"spdxVersion": "SPDX-2.3"}},
              "issuer": "https://token.actions.githubusercontent.com",
              "subject": "https://github.com/acme/web/.github/workflows/release.yml@refs/tags/v1"}}]}}"#,
        digest.to_string().repeat(64)
    )
}

const IMAGES: [&str; 3] = [
    "registry.example/acme/web:1.4.2",
    "registry.example/acme/sidecar:0.9",
    "registry.example/acme/migrate:1.4.2",
];

fn review_body() -> Vec<u8> {
    let containers: Vec<String> = IMAGES
        .iter()
        .enumerate()
        .map(|(i, image)| format!(r#"{{"name": "c{i}", "image": "{image}", "ports": [{{"containerPort": 8080}}], "resources": {{"limits": {{"cpu": "500m", "memory": "128Mi"}}}}}}"#))
        .collect();
    format!(
        r#"{{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
  "request": {{"uid": "3f0c7a2e-9a51-4d7e-8f65-2b1f6c3d9e10",
    "kind": {{"group": "", "version": "v1", "kind": "Pod"}},
    "resource": {{"group": "", "version": "v1", "resource": "pods"}},
    "name": "shop", "namespace": "prod", "operation": "CREATE",
    "userInfo": {{"username": "system:serviceaccount:kube-system:replicaset-controller", "groups": ["system:serviceaccounts", "system:authenticated"]}},
    "object": {{"apiVersion": "v1", "kind": "Pod",
      "metadata": {{"name": "shop", "namespace": "prod", "labels": {{"app": "shop", "tier": "web"}}}},
      "spec": {{"containers": [{}]}}}}}}}}"#,
        containers.join(", ")
    )
    .into_bytes()
}

struct Setup {
    engine: Engine,
    evidence: EvidenceFile,
    body: Vec<u8>,
}

/// The load test's inputs (`benches/load/`): its policy, warm evidence and the 5 KB review of a
/// 3-container Pod as an API server sends it; or, `mixed`, this file's Kyverno policy,
/// exception and ClusterImagePolicy over a smaller review.
fn setup(mixed: bool) -> Setup {
    if !mixed {
        let set = PolicySet::load(
            include_bytes!("../load/policy.yaml"),
            &YamlLimits::default(),
        )
        .unwrap();
        return Setup {
            engine: Engine::new(set, EngineConfig::default()).unwrap(),
            evidence: EvidenceFile::parse(
                include_bytes!("../load/evidence.json"),
                &EvidenceLimits::default(),
            )
            .unwrap(),
            body: include_bytes!("../load/pod-review.json").to_vec(),
        };
    }
    let set = PolicySet::load(POLICIES.as_bytes(), &YamlLimits::default()).unwrap();
    let config = EngineConfig {
        cip_no_match: NoMatchPolicy::Deny,
        ..EngineConfig::default()
    };
    let engine = Engine::new(set, config).unwrap();
    let json = format!(
        "{{{}}}",
        IMAGES
            .iter()
            .zip(['a', 'b', 'c'])
            .map(|(image, d)| format!("\"{image}\": {}", evidence_entry(d)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let evidence = EvidenceFile::parse(json.as_bytes(), &EvidenceLimits::default()).unwrap();
    Setup {
        engine,
        evidence,
        body: review_body(),
    }
}

/// What the webhook does per request, minus HTTP and TLS: read the review, review it, answer
/// from warm evidence, decide, write the mutating response.
fn handle(setup: &Setup) -> String {
    let request =
        AdmissionRequest::parse_for_policy(&setup.body, &AdmissionLimits::default()).unwrap();
    let review = setup.engine.review(&request, &RequestContext::default());
    let decision = review.decide(&setup.evidence.answers(review.queries()));
    assert!(decision.allowed());
    decision.mutating_response().to_review_json().unwrap()
}

fn decision(c: &mut Criterion) {
    for (name, mixed) in [
        ("load-test review (5 KB)", false),
        ("kyverno + exception + cip", true),
    ] {
        let setup = setup(mixed);
        let mut group = c.benchmark_group(format!("policy/decide-3-container-pod/{name}"));
        group.bench_function("sigchain (read + decide + response)", |b| {
            b.iter(|| black_box(handle(&setup)))
        });
        group.bench_function("floor: serde_json skims the body (IgnoredAny)", |b| {
            b.iter(|| {
                black_box(
                    serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&setup.body))
                        .unwrap(),
                )
            })
        });
        group.bench_function("reference: serde_json builds the body's Value", |b| {
            b.iter(|| {
                black_box(
                    serde_json::from_slice::<serde_json::Value>(black_box(&setup.body)).unwrap(),
                )
            })
        });
        group.finish();
    }
}

fn matching(c: &mut Criterion) {
    let names: Vec<String> = (0..1000)
        .map(|i| match i % 4 {
            0 => format!("registry.example/acme/service-{i}:v{i}"),
            1 => format!("index.docker.io/library/nginx-{i}:1.27"),
            2 => format!("registry.example.com/team-{i}/app/worker:{i}"),
            _ => format!("registry.example/other/acme-{i}@sha256:{}", "0".repeat(64)),
        })
        .collect();
    let mut group = c.benchmark_group("policy/match-1000-images");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("kyverno wildcard registry.example/acme/*", |b| {
        b.iter(|| {
            names
                .iter()
                .filter(|n| wildcard::matches("registry.example/acme/*", n))
                .count()
        })
    });
    let glob = Glob::compile("registry.example/acme/**").unwrap();
    group.bench_function("policy-controller glob registry.example/acme/**", |b| {
        b.iter(|| names.iter().filter(|n| glob.is_match(n)).count())
    });
    let peer = regex::Regex::new(r"^registry\.example/acme/.*$").unwrap();
    group.bench_function("peer: regex crate ^registry\\.example/acme/.*$", |b| {
        b.iter(|| names.iter().filter(|n| peer.is_match(n)).count())
    });
    group.finish();
}

/// p50 / p99 / max of `handle`, over many timed calls.
fn latency_distribution() {
    let setup = setup(false);
    for _ in 0..2_000 {
        black_box(handle(&setup));
    }
    let mut samples: Vec<u128> = (0..20_000)
        .map(|_| {
            let start = Instant::now();
            black_box(handle(&setup));
            start.elapsed().as_nanos()
        })
        .collect();
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize] as f64 / 1000.0;
    println!(
        "policy/decide-3-container-pod (load-test review) latency over {} calls: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        samples.len(),
        at(0.50),
        at(0.99),
        samples[samples.len() - 1] as f64 / 1000.0
    );
}

const VULN_TYPE: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";
const CONDITIONS_IMAGE: &str = "registry.example/acme/app:1.0";

fn conditions_policy(with_conditions: bool) -> String {
    let conditions = if with_conditions {
        r#"              conditions:
                - all:
                    - key: "{{ scanner.result.Results[].Vulnerabilities[?Severity=='CRITICAL'][] | length(@) }}"
                      operator: Equals
                      value: 0
                      message: "the image has CRITICAL vulnerabilities"
                    - key: "{{ time_since('', '{{ metadata.scanFinishedOn }}', '') }}"
                      operator: DurationLessThanOrEquals
                      value: "168h"
                      message: "the vulnerability scan is older than 7 days"
"#
    } else {
        ""
    };
    format!(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: vuln-scan}}
spec:
  validationFailureAction: Enforce
  rules:
    - name: no-critical
      match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
      verifyImages:
        - imageReferences: ["registry.example/acme/*"]
          mutateDigest: false
          verifyDigest: false
          attestations:
            - type: {VULN_TYPE}
              attestors: [{{entries: [{{keyless: {{subject: "https://github.com/acme/*", issuer: "https://token.actions.githubusercontent.com"}}}}]}}]
{conditions}"#
    )
}

/// A cosign vulnerability predicate around a Trivy report of `findings` non-critical findings.
fn vuln_predicate(findings: usize) -> serde_json::Value {
    let severities = ["LOW", "MEDIUM", "HIGH", "UNKNOWN"];
    let vulnerabilities: Vec<serde_json::Value> = (0..findings)
        .map(|i| {
            serde_json::json!({
                "VulnerabilityID": format!("CVE-2025-{i:05}"),
                "PkgName": format!("pkg-{}", i % 40),
                "InstalledVersion": "1.2.3",
                "FixedVersion": "1.2.4",
                "Severity": severities[i % severities.len()],
                "Title": "a finding with a title of ordinary length for a Trivy report",
                "PrimaryURL": format!("https://avd.example/CVE-2025-{i:05}")
            })
        })
        .collect();
    serde_json::json!({
        "invocation": {"parameters": null, "uri": "", "event_id": "", "builder.id": ""},
        "scanner": {"uri": "pkg:github/aquasecurity/trivy@v0.58.0", "version": "0.58.0",
            "db": {"uri": "", "version": ""},
            "result": {"SchemaVersion": 2, "Results": [
                {"Target": "app (debian 12.8)", "Class": "os-pkgs", "Vulnerabilities": vulnerabilities}]}},
        "metadata": {"scanStartedOn": "2026-01-06T10:00:00Z", "scanFinishedOn": "2026-01-06T10:00:00Z"}
    })
}

fn conditions(c: &mut Criterion) {
    let body = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "default", "operation": "CREATE",
            "object": {"metadata": {"name": "app"},
                "spec": {"containers": [{"name": "app", "image": CONDITIONS_IMAGE}]}}}
    })
    .to_string();
    let request = AdmissionRequest::parse(body.as_bytes(), &AdmissionLimits::default()).unwrap();
    let evidence: EvidenceAnswer = Ok(ImageEvidence {
        digest: None,
        signatures: vec![],
        attestations: vec![AttestationEvidence {
            predicate_type: VULN_TYPE.into(),
            predicate: vuln_predicate(300),
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            subject: Some(
                "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main".into(),
            ),
            public_key: None,
        }],
    });
    let answers = std::collections::BTreeMap::from([(CONDITIONS_IMAGE.to_owned(), evidence)]);
    let context = RequestContext {
        now_unix: 1_767_830_400, // 2026-01-08T00:00:00Z
        ..RequestContext::default()
    };
    let mut group = c.benchmark_group("policy/conditions/1 attestation, 300 findings");
    for (name, with_conditions) in [
        ("two conditions (no CRITICAL, scan <= 168h)", true),
        ("no conditions", false),
    ] {
        let set = PolicySet::load(
            conditions_policy(with_conditions).as_bytes(),
            &YamlLimits::default(),
        )
        .unwrap();
        let engine = Engine::new(set, EngineConfig::default()).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let review = engine.review(&request, &context);
                let decision = review.decide(&answers);
                assert!(decision.allowed());
                black_box(decision)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decision, matching, conditions);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    latency_distribution();
}
