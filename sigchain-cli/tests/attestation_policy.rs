//! ADR-007 end to end, admission included: two images pushed to a local registry (Debian's
//! `docker-registry`), each signed keyless by a GitHub Actions job of the local instance
//! (its stand-in issuer certifies the job as its workflow, with Fulcio's CI extensions) and
//! given an SPDX SBOM, a generated SLSA provenance and a vulnerability attestation from a
//! Trivy report. Then `sigchain policy eval` asks the registry for that evidence and decides a
//! Pod by a Kyverno policy whose attestation conditions read the provenance (builder, source
//! ref) and the scan (no CRITICAL findings, not older than a week): in Enforce the clean image
//! is admitted and the one with a CRITICAL finding denied; in Audit both are admitted, the
//! second with Kyverno's warning.

mod common;
#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;

use std::path::Path;
use std::process::{Command, Output};

use common::sign::{assert_success, sigchain, Instance, LogVersion};
use serde_json::{json, Value};

const WORKFLOW_REF: &str = "acme/app/.github/workflows/release.yml@refs/heads/main";
const WORKFLOW: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
const COMMIT: &str = "5f1c0ffee5f1c0ffee5f1c0ffee5f1c0ffee5f1c";

/// The release job, as its token's claims.
fn job() -> Value {
    json!({
        "repository": "acme/app",
        "repository_id": "101",
        "repository_owner": "acme",
        "repository_owner_id": "7",
        "repository_visibility": "public",
        "ref": "refs/heads/main",
        "sha": COMMIT,
        "workflow": "release",
        "workflow_ref": WORKFLOW_REF,
        "workflow_sha": COMMIT,
        "job_workflow_ref": WORKFLOW_REF,
        "job_workflow_sha": COMMIT,
        "event_name": "push",
        "run_id": "4242",
        "run_attempt": "1",
        "runner_environment": "github-hosted",
    })
}

/// The same job as the variables GitHub sets in its environment.
fn job_environment() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "acme/app"),
        ("GITHUB_REPOSITORY_ID", "101"),
        ("GITHUB_REPOSITORY_OWNER", "acme"),
        ("GITHUB_REPOSITORY_OWNER_ID", "7"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_SHA", COMMIT),
        ("GITHUB_WORKFLOW", "release"),
        ("GITHUB_WORKFLOW_REF", WORKFLOW_REF),
        ("GITHUB_WORKFLOW_SHA", COMMIT),
        ("GITHUB_RUN_ID", "4242"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("GITHUB_EVENT_NAME", "push"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
    ]
}

/// A one-layer image (a dpkg database, so the SBOM has packages) in a new OCI layout, tagged
/// `v1`; `name` makes each image's bytes differ.
fn layout_image(dir: &Path, name: &str) {
    let status = format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n\
         Maintainer: Acme <dev@acme.example>\n"
    );
    let os_release =
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";
    common::image::layout_image(
        dir,
        &[
            ("etc/os-release", os_release),
            ("var/lib/dpkg/status", status.as_str()),
        ],
    );
}

/// A Trivy JSON report of `image` made now, with one finding of each of `severities`.
fn trivy_report(image: &str, severities: &[&str]) -> Value {
    let now = now_rfc3339();
    let vulnerabilities: Vec<Value> = severities
        .iter()
        .enumerate()
        .map(|(i, severity)| {
            json!({
                "VulnerabilityID": format!("CVE-2026-{:04}", 1000 + i),
                "PkgName": "acme-lib",
                "InstalledVersion": "1.0-1",
                "FixedVersion": "1.0-2",
                "Status": "fixed",
                "Severity": severity,
                "Title": format!("a {severity} flaw"),
            })
        })
        .collect();
    json!({
        "SchemaVersion": 2,
        "Trivy": {"Version": "0.76.0"},
        "CreatedAt": now,
        "ArtifactName": image,
        "ArtifactType": "container_image",
        "Metadata": {"OS": {"Family": "debian", "Name": "12"}},
        "Results": [{
            "Target": format!("{image} (debian 12)"),
            "Class": "os-pkgs",
            "Type": "debian",
            "Vulnerabilities": vulnerabilities,
        }],
    })
}

fn now_rfc3339() -> String {
    sigchain_core::time::Timestamp::now().to_rfc3339()
}

/// Runs a signing command of the release job: its token, the instance's services.
fn as_the_job(instance: &Instance, token: &str, args: &[&str]) -> Output {
    let mut command: Command = sigchain();
    command
        .args(args)
        .args(["--trusted-root", instance.trusted_root().to_str().unwrap()])
        .args([
            "--signing-config",
            instance.signing_config(LogVersion::V1).to_str().unwrap(),
        ])
        .args(["--identity-token", token]);
    for (name, value) in job_environment() {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// Pushes, signs and attests one image; returns its reference by tag.
fn publish(
    instance: &Instance,
    registry: &registry::Registry,
    work: &Path,
    name: &str,
    severities: &[&str],
) -> String {
    let layout = work.join(name);
    layout_image(&layout, name);
    let tagged = format!("{}/acme/{name}:v1", registry.host);
    let digest = common::image::push(&layout, &registry.host, &format!("acme/{name}"));
    let image = format!("{}/acme/{name}@{digest}", registry.host);
    let token = instance.github_actions_token(&job());

    assert_success("sign", &as_the_job(instance, &token, &["sign", &image]));

    let sbom = work.join(format!("{name}.spdx.json"));
    let made = sigchain()
        .args([
            "sbom",
            &format!("registry:{image}"),
            "--allow-insecure-registry",
        ])
        .args(["-o", "spdx-json", "--file", sbom.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success("sbom", &made);
    assert_success(
        "attest --type spdxjson",
        &as_the_job(
            instance,
            &token,
            &[
                "attest",
                "--type",
                "spdxjson",
                "--predicate",
                sbom.to_str().unwrap(),
                &image,
            ],
        ),
    );

    assert_success(
        "attest --type slsaprovenance --generate",
        &as_the_job(
            instance,
            &token,
            &["attest", "--type", "slsaprovenance", "--generate", &image],
        ),
    );

    let report = work.join(format!("{name}.trivy.json"));
    std::fs::write(&report, trivy_report(&image, severities).to_string()).unwrap();
    let predicate = work.join(format!("{name}.vuln.json"));
    let converted = sigchain()
        .args(["vuln", "predicate", "--from", "trivy-json"])
        .arg(&report)
        .args(["--file", predicate.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success("vuln predicate", &converted);
    assert_success(
        "attest --type vuln",
        &as_the_job(
            instance,
            &token,
            &[
                "attest",
                "--type",
                "vuln",
                "--predicate",
                predicate.to_str().unwrap(),
                &image,
            ],
        ),
    );
    tagged
}

/// The release policy for the registry's `acme/*` images, in `action` mode.
fn policy(registry: &str, issuer: &str, action: &str, builder: &str) -> String {
    format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: release-attested
spec:
  validationFailureAction: {action}
  webhookTimeoutSeconds: 30
  rules:
    - name: release-attested
      match:
        any:
          - resources:
              kinds: [Pod]
      verifyImages:
        - imageReferences: ["{registry}/acme/*"]
          attestors:
            - entries:
                - keyless:
                    subject: "{WORKFLOW}"
                    issuer: "{issuer}"
          attestations:
            - type: https://spdx.dev/Document
            - type: https://slsa.dev/provenance/v1
              conditions:
                - all:
                    - key: "{{{{ runDetails.builder.id }}}}"
                      operator: Equals
                      value: "{builder}"
                      message: "built by {{{{ runDetails.builder.id }}}}"
                    - key: "{{{{ buildDefinition.externalParameters.workflow.ref }}}}"
                      operator: Equals
                      value: refs/heads/main
            - type: https://cosign.sigstore.dev/attestation/vuln/v1
              conditions:
                - all:
                    - key: "{{{{ scanner.result.Results[].Vulnerabilities[?Severity == 'CRITICAL'][] | length(@) }}}}"
                      operator: Equals
                      value: 0
                      message: "the scan found CRITICAL vulnerabilities"
                    - key: "{{{{ time_since('', '{{{{ metadata.scanFinishedOn }}}}', '') }}}}"
                      operator: DurationLessThanOrEquals
                      value: 168h
                      message: "the scan is older than a week"
"#
    )
}

fn pod_review(image: &str) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "6a1d7c62-3d0b-4c4e-9f8e-1f2a3b4c5d6e",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": "app",
            "namespace": "prod",
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "app", "namespace": "prod"},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    })
}

/// `sigchain policy eval` of a Pod running `image`, from the registry; the response.
fn decide(instance: &Instance, registry: &str, work: &Path, policy: &str, image: &str) -> Value {
    let policy_file = work.join("policy.yaml");
    std::fs::write(&policy_file, policy).unwrap();
    let review_file = work.join("review.json");
    std::fs::write(&review_file, pod_review(image).to_string()).unwrap();
    let output = sigchain()
        .args(["policy", "eval", "--policy", policy_file.to_str().unwrap()])
        .args(["--request", review_file.to_str().unwrap()])
        .args(["--trusted-root", instance.trusted_root().to_str().unwrap()])
        .args(["--insecure-registry", registry])
        .args(["--deadline-ms", "30000"])
        .output()
        .unwrap();
    assert_success("policy eval", &output);
    let review: Value = serde_json::from_slice(&output.stdout).unwrap();
    review["response"].clone()
}

fn message(response: &Value) -> String {
    response["status"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn attestation_contents_decide_admission_in_enforce_and_audit() {
    let instance = Instance::start();
    let registry = registry::Registry::start();
    let work = tempfile::tempdir().unwrap();
    let issuer = instance.github_actions_issuer();
    let clean = publish(&instance, &registry, work.path(), "app", &["LOW", "MEDIUM"]);
    let flawed = publish(
        &instance,
        &registry,
        work.path(),
        "legacy",
        &["HIGH", "CRITICAL"],
    );
    let host = registry.host.as_str();

    // Enforce: the clean image is admitted (its tag pinned to the verified digest)...
    let enforce = policy(host, &issuer, "Enforce", WORKFLOW);
    let response = decide(&instance, host, work.path(), &enforce, &clean);
    assert_eq!(response["allowed"], true, "{response}");
    // ...the one with a CRITICAL finding is denied, for that reason.
    let response = decide(&instance, host, work.path(), &enforce, &flawed);
    assert_eq!(response["allowed"], false, "{response}");
    let said = message(&response);
    assert!(
        said.contains("the scan found CRITICAL vulnerabilities"),
        "{said}"
    );
    assert!(said.contains("attestation checks failed"), "{said}");

    // A provenance from another builder than the policy wants is denied too, though signed
    // by the same identity.
    let other_builder = policy(
        host,
        &issuer,
        "Enforce",
        "https://github.com/acme/app/.github/workflows/other.yml@refs/heads/main",
    );
    let response = decide(&instance, host, work.path(), &other_builder, &clean);
    assert_eq!(response["allowed"], false, "{response}");
    assert!(
        message(&response).contains(&format!("built by {WORKFLOW}")),
        "{response}"
    );

    // Audit: both admitted; the flawed one with Kyverno's warning.
    let audit = policy(host, &issuer, "Audit", WORKFLOW);
    let response = decide(&instance, host, work.path(), &audit, &clean);
    assert_eq!(response["allowed"], true, "{response}");
    assert!(
        response["warnings"].as_array().is_none_or(Vec::is_empty),
        "{response}"
    );
    let response = decide(&instance, host, work.path(), &audit, &flawed);
    assert_eq!(response["allowed"], true, "{response}");
    let warnings = response["warnings"].to_string();
    assert!(
        warnings.contains("policy release-attested.release-attested:")
            && warnings.contains("the scan found CRITICAL vulnerabilities"),
        "{response}"
    );
}
