//! `sigchain policy eval` and `sigchain policy test`, run as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/policy")
        .join(name)
}

fn sigchain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigchain"))
        .args(args)
        .output()
        .expect("sigchain runs")
}

fn eval(extra: &[&str]) -> (Value, Output) {
    let policies = data("policies.yaml");
    let request = data("review-pod.json");
    let evidence = data("evidence.json");
    let mut args = vec![
        "policy",
        "eval",
        "--policy",
        policies.to_str().unwrap(),
        "--request",
        request.to_str().unwrap(),
        "--evidence",
        evidence.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = sigchain(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    (json, output)
}

#[test]
fn eval_denies_the_pod_naming_the_one_image_that_failed() {
    let (review, _) = eval(&[]);
    assert_eq!(review["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(review["kind"], "AdmissionReview");
    let response = &review["response"];
    assert_eq!(response["uid"], "3f0c7a2e-9a51-4d7e-8f65-2b1f6c3d9e10");
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["code"], 403);
    let message = response["status"]["message"].as_str().unwrap();
    assert!(message.contains("registry.example/acme/worker:2.0 (/spec/initContainers/0/image)"));
    assert!(
        !message.contains("registry.example/acme/web"),
        "the signed image passed: {message}"
    );
    assert!(
        !message.contains("nginx"),
        "no rule covers nginx: {message}"
    );
    assert!(
        response.get("patch").is_none(),
        "a denied request is not patched"
    );
}

#[test]
fn eval_admits_and_pins_when_every_image_verifies() {
    // The same review without the worker: the web image is signed and attested.
    let review = std::fs::read_to_string(data("review-pod.json")).unwrap();
    let mut body: Value = serde_json::from_str(&review).unwrap();
    body["request"]["object"]["spec"]["initContainers"] = Value::Array(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.json");
    std::fs::write(&path, body.to_string()).unwrap();
    let output = sigchain(&[
        "policy",
        "eval",
        "--policy",
        data("policies.yaml").to_str().unwrap(),
        "--request",
        path.to_str().unwrap(),
        "--evidence",
        data("evidence.json").to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let review: Value = serde_json::from_slice(&output.stdout).unwrap();
    let response = &review["response"];
    assert_eq!(response["allowed"], true);
    assert_eq!(response["patchType"], "JSONPatch");
    let patch = base64::engine::general_purpose::STANDARD
        .decode(response["patch"].as_str().unwrap())
        .unwrap();
    let patch: Value = serde_json::from_slice(&patch).unwrap();
    assert_eq!(
        patch,
        serde_json::json!([{"op": "replace", "path": "/spec/containers/0/image",
            "value": "registry.example/acme/web:1.4.2@sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}])
    );

    // The validating webhook, seeing the image still unpinned, wants the digest.
    let output = sigchain(&[
        "policy",
        "eval",
        "--policy",
        data("policies.yaml").to_str().unwrap(),
        "--request",
        path.to_str().unwrap(),
        "--evidence",
        data("evidence.json").to_str().unwrap(),
        "--output",
        "validating",
    ]);
    let review: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(review["response"]["allowed"], false);
    assert!(review["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .contains("missing digest for registry.example/acme/web:1.4.2"));
}

#[test]
fn eval_prints_a_policy_report() {
    let (report, _) = eval(&["--output", "report"]);
    assert_eq!(report["apiVersion"], "wgpolicyk8s.io/v1alpha2");
    assert_eq!(report["kind"], "PolicyReport");
    assert_eq!(report["scope"]["name"], "shop");
    assert_eq!(report["summary"]["pass"], 1);
    assert_eq!(report["summary"]["fail"], 1);
    let results = report["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["policy"] == "release-signed"
        && r["category"] == "Supply Chain"
        && r["severity"] == "high"));
}

#[test]
fn eval_without_evidence_fails_closed_when_the_registry_is_unreachable() {
    // Nothing listens on port 1: every lookup fails, and the Enforce policy denies.
    let dir = tempfile::tempdir().unwrap();
    let review = std::fs::read_to_string(data("review-pod.json"))
        .unwrap()
        .replace("registry.example/acme/", "127.0.0.1:1/acme/");
    let policies = std::fs::read_to_string(data("policies.yaml"))
        .unwrap()
        .replace("registry.example/acme/*", "127.0.0.1:1/acme/*");
    std::fs::write(dir.path().join("review.json"), review).unwrap();
    std::fs::write(dir.path().join("policies.yaml"), policies).unwrap();
    let output = sigchain(&[
        "policy",
        "eval",
        "--policy",
        dir.path().join("policies.yaml").to_str().unwrap(),
        "--request",
        dir.path().join("review.json").to_str().unwrap(),
        "--insecure-registry",
        "127.0.0.1:1",
        "--deadline-ms",
        "5000",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let review: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(review["response"]["allowed"], false);
    let message = review["response"]["status"]["message"].as_str().unwrap();
    assert!(message.contains("127.0.0.1:1/acme/web:1.4.2"), "{message}");
    assert!(message.contains("127.0.0.1:1/acme/worker:2.0"), "{message}");
}

#[test]
fn eval_refuses_bad_inputs_with_a_reason() {
    let bad_policy = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        bad_policy.path(),
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x}\nspec:\n  rulez: []\n",
    )
    .unwrap();
    let output = sigchain(&[
        "policy",
        "eval",
        "--policy",
        bad_policy.path().to_str().unwrap(),
        "--request",
        data("review-pod.json").to_str().unwrap(),
        "--evidence",
        data("evidence.json").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rulez"), "{stderr}");

    let output = sigchain(&[
        "policy",
        "eval",
        "--policy",
        data("policies.yaml").to_str().unwrap(),
        "--request",
        data("evidence.json").to_str().unwrap(),
        "--evidence",
        data("evidence.json").to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "an evidence file is no AdmissionReview"
    );
}

#[test]
fn policy_test_runs_a_suite() {
    let output = sigchain(&["policy", "test", data("suite").to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("Test Summary: 6 tests passed and 0 tests failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("autogen-cronjob-signed-by-release"),
        "{stdout}"
    );
}

#[test]
fn policy_test_fails_when_a_result_differs() {
    let dir = tempfile::tempdir().unwrap();
    let suite = std::fs::read_to_string(data("suite/kyverno-test.yaml"))
        .unwrap()
        .replace("../", &format!("{}/", data("").display()))
        .replace(
            "resources.yaml",
            &data("suite/resources.yaml").display().to_string(),
        )
        .replace(
            "resources: [web]\n    kind: Pod\n    result: pass",
            "resources: [web]\n    kind: Pod\n    result: fail",
        );
    std::fs::write(dir.path().join("kyverno-test.yaml"), suite).unwrap();
    let output = sigchain(&["policy", "test", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Want fail, got pass"), "{stdout}");
    assert!(
        stdout.contains("Test Summary: 5 tests passed and 1 tests failed"),
        "{stdout}"
    );
}

#[test]
fn policy_test_evaluates_attestation_conditions() {
    let output = sigchain(&["policy", "test", data("conditions").to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("Test Summary: 8 tests passed and 0 tests failed"),
        "{stdout}"
    );
}

#[test]
fn policy_test_conditions_use_the_pinned_clock() {
    // A month later every scan is stale: the clean image fails too, and the test says so.
    let dir = tempfile::tempdir().unwrap();
    for name in ["policies.yaml", "resources.yaml", "evidence.json"] {
        std::fs::copy(data("conditions").join(name), dir.path().join(name)).unwrap();
    }
    let suite = std::fs::read_to_string(data("conditions/kyverno-test.yaml"))
        .unwrap()
        .replace("2026-01-08T00:00:00Z", "2026-02-08T00:00:00Z");
    std::fs::write(dir.path().join("kyverno-test.yaml"), suite).unwrap();
    let output = sigchain(&["policy", "test", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("Test Summary: 6 tests passed and 2 tests failed"),
        "{stdout}"
    );
}
