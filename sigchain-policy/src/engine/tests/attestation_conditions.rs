//! Attestation `conditions` end to end: realistic predicates (a cosign vulnerability scan of
//! a Trivy report, SLSA provenance v1), each passing, failing with Kyverno's message, in
//! Audit (admitted with a warning) and Enforce (denied).

use super::*;

/// 2026-01-08T00:00:00Z.
const NOW: i64 = 1_767_830_400;
const VULN: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";
const SLSA: &str = "https://slsa.dev/provenance/v1";
const BUILDER: &str = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0";
const IMAGE: &str = "registry.example/acme/app:1.0";

fn policy(action: &str, predicate_type: &str, conditions: &str) -> String {
    format!(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: attested}}
spec:
  validationFailureAction: {action}
  rules:
    - name: r
      match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
      verifyImages:
        - imageReferences: ["registry.example/*"]
          mutateDigest: false
          verifyDigest: false
          attestations:
            - type: {predicate_type}
              attestors: [{{entries: [{{keyless: {{subject: "https://github.com/acme/*", issuer: "{GITHUB}"}}}}]}}]
              conditions:
{conditions}"#
    )
}

const VULN_CONDITIONS: &str = r#"                - all:
                    - key: "{{ scanner.result.Results[].Vulnerabilities[?Severity=='CRITICAL'][] | length(@) }}"
                      operator: Equals
                      value: 0
                      message: "the image has CRITICAL vulnerabilities"
                    - key: "{{ time_since('', '{{ metadata.scanFinishedOn }}', '') }}"
                      operator: DurationLessThanOrEquals
                      value: "168h"
                      message: "the vulnerability scan is older than 7 days"
"#;

const SLSA_CONDITIONS: &str = r#"                - all:
                    - key: "{{ runDetails.builder.id }}"
                      operator: Equals
                      value: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/*"
                      message: "not built by the SLSA generator"
                    - key: "{{ buildDefinition.externalParameters.workflow.ref }}"
                      operator: Equals
                      value: refs/heads/main
                      message: "not built from refs/heads/main"
"#;

/// A cosign vulnerability predicate around a Trivy report: `critical` CRITICAL findings among
/// a few others, the scan finished at `finished`.
pub(crate) fn vuln_predicate(critical: usize, finished: &str) -> Value {
    let mut vulnerabilities: Vec<Value> = ["LOW", "MEDIUM", "HIGH"]
        .iter()
        .enumerate()
        .map(|(i, severity)| {
            json!({"VulnerabilityID": format!("CVE-2025-{i:04}"), "PkgName": "openssl",
                   "InstalledVersion": "3.0.1", "Severity": severity})
        })
        .collect();
    for i in 0..critical {
        vulnerabilities.push(json!({"VulnerabilityID": format!("CVE-2025-9{i:03}"),
            "PkgName": "zlib", "InstalledVersion": "1.2.11", "Severity": "CRITICAL"}));
    }
    json!({
        "invocation": {"parameters": null, "uri": "", "event_id": "", "builder.id": ""},
        "scanner": {
            "uri": "pkg:github/aquasecurity/trivy@v0.58.0",
            "version": "0.58.0",
            "db": {"uri": "", "version": ""},
            "result": {
                "SchemaVersion": 2,
                "ArtifactName": IMAGE,
                "Results": [
                    {"Target": "app (debian 12.8)", "Class": "os-pkgs", "Vulnerabilities": vulnerabilities},
                    {"Target": "app/go.mod", "Class": "lang-pkgs"}
                ]
            }
        },
        "metadata": {"scanStartedOn": finished, "scanFinishedOn": finished}
    })
}

fn slsa_predicate(builder: &str, git_ref: &str) -> Value {
    json!({
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {"workflow": {
                "ref": git_ref, "repository": "https://github.com/acme/app",
                "path": ".github/workflows/release.yml"}},
            "resolvedDependencies": [{"uri": "git+https://github.com/acme/app@refs/heads/main",
                                      "digest": {"gitCommit": "a".repeat(40)}}]
        },
        "runDetails": {"builder": {"id": builder}, "metadata": {"invocationId": "1"}}
    })
}

fn with(predicate_type: &str, predicate: Value) -> ImageEvidence {
    ImageEvidence {
        digest: Some(digest('d')),
        signatures: vec![],
        attestations: vec![AttestationEvidence {
            predicate_type: predicate_type.into(),
            predicate,
            issuer: Some(GITHUB.into()),
            subject: Some(RELEASE.into()),
            public_key: None,
        }],
    }
}

fn decide_at(engine: &Engine, evidence: ImageEvidence) -> Decision {
    let request = pod("default", &[IMAGE]);
    let context = RequestContext {
        now_unix: NOW,
        ..RequestContext::default()
    };
    let review = engine.review(&request, &context);
    let answers = BTreeMap::from([(IMAGE.to_owned(), Ok(evidence))]);
    review.decide(&answers)
}

fn failure_text(predicate_type: &str, message: &str) -> String {
    format!(
        "failed to verify image {IMAGE}: .attestations[0]: attestation checks failed for {IMAGE} and predicate {predicate_type}: {message}"
    )
}

#[test]
fn clean_recent_scan_passes() {
    for action in ["Enforce", "Audit"] {
        let engine = engine(&policy(action, VULN, VULN_CONDITIONS));
        let decision = decide_at(
            &engine,
            with(VULN, vuln_predicate(0, "2026-01-06T10:00:00Z")),
        );
        assert!(decision.allowed(), "{action}");
        assert!(
            decision.warnings().is_empty(),
            "{action}: {:?}",
            decision.warnings()
        );
        assert_eq!(
            decision.results().next().unwrap().result,
            PolicyResult::Pass
        );
    }
}

#[test]
fn critical_vulnerabilities_deny_in_enforce_and_warn_in_audit() {
    let evidence = with(VULN, vuln_predicate(3, "2026-01-06T10:00:00Z"));
    let want = failure_text(VULN, "the image has CRITICAL vulnerabilities");

    let enforce = decide_at(
        &engine(&policy("Enforce", VULN, VULN_CONDITIONS)),
        evidence.clone(),
    );
    assert!(!enforce.allowed());
    assert!(
        enforce.failures()[0].reason.ends_with(&want),
        "{}",
        enforce.failures()[0].reason
    );
    assert_eq!(enforce.results().next().unwrap().result, PolicyResult::Fail);

    let audit = decide_at(&engine(&policy("Audit", VULN, VULN_CONDITIONS)), evidence);
    assert!(audit.allowed());
    assert!(
        audit.warnings()[0].contains(&want),
        "{:?}",
        audit.warnings()
    );
    assert_eq!(audit.results().next().unwrap().result, PolicyResult::Fail);
}

#[test]
fn stale_scan_fails() {
    // Seven days and one second before the request.
    let evidence = with(VULN, vuln_predicate(0, "2025-12-31T23:59:59Z"));
    let decision = decide_at(&engine(&policy("Enforce", VULN, VULN_CONDITIONS)), evidence);
    assert!(!decision.allowed());
    assert!(decision.failures()[0].reason.ends_with(&failure_text(
        VULN,
        "the vulnerability scan is older than 7 days"
    )));
}

#[test]
fn every_statement_of_the_type_must_pass() {
    let mut evidence = with(VULN, vuln_predicate(0, "2026-01-06T10:00:00Z"));
    let mut second = evidence.attestations[0].clone();
    second.predicate = vuln_predicate(1, "2026-01-06T10:00:00Z");
    evidence.attestations.push(second);
    let decision = decide_at(&engine(&policy("Enforce", VULN, VULN_CONDITIONS)), evidence);
    assert!(!decision.allowed());
}

/// Only the attestation's own attestors' statements are held to the conditions: one anyone
/// else signed and pushed beside the image neither blocks it nor, alone, passes it.
#[test]
fn statements_from_other_signers_are_not_the_attestations() {
    let engine = engine(&policy("Enforce", VULN, VULN_CONDITIONS));
    let mut evidence = with(VULN, vuln_predicate(0, "2026-01-06T10:00:00Z"));
    let mut stranger = evidence.attestations[0].clone();
    stranger.subject =
        Some("https://github.com/mallory/x/.github/workflows/x.yml@refs/heads/main".into());
    stranger.predicate = vuln_predicate(3, "2026-01-06T10:00:00Z");
    evidence.attestations.push(stranger.clone());
    assert!(decide_at(&engine, evidence).allowed());

    let only_stranger = ImageEvidence {
        attestations: vec![stranger],
        ..with(VULN, Value::Null)
    };
    assert!(!decide_at(&engine, only_stranger).allowed());
}

#[test]
fn slsa_provenance_from_main_by_the_generator() {
    let engine_enforce = engine(&policy("Enforce", SLSA, SLSA_CONDITIONS));
    let good = with(SLSA, slsa_predicate(BUILDER, "refs/heads/main"));
    assert!(decide_at(&engine_enforce, good).allowed());

    let branch = with(SLSA, slsa_predicate(BUILDER, "refs/heads/feature"));
    let decision = decide_at(&engine_enforce, branch.clone());
    assert!(!decision.allowed());
    assert!(decision.failures()[0]
        .reason
        .ends_with(&failure_text(SLSA, "not built from refs/heads/main")));

    let builder = with(
        SLSA,
        slsa_predicate("https://github.com/mallory/builder@v1", "refs/heads/main"),
    );
    let decision = decide_at(&engine_enforce, builder);
    assert!(decision.failures()[0]
        .reason
        .ends_with(&failure_text(SLSA, "not built by the SLSA generator")));

    let audit = decide_at(&engine(&policy("Audit", SLSA, SLSA_CONDITIONS)), branch);
    assert!(audit.allowed());
    assert!(audit.warnings()[0].contains("not built from refs/heads/main"));
}

#[test]
fn evaluation_errors_fail_closed() {
    let broken = r#"                - all:
                    - key: "{{ scanner.result.Results[ }}"
                      operator: Equals
                      value: 0
"#;
    let evidence = with(VULN, vuln_predicate(0, "2026-01-06T10:00:00Z"));
    let decision = decide_at(&engine(&policy("Enforce", VULN, broken)), evidence.clone());
    assert!(!decision.allowed());
    let reason = &decision.failures()[0].reason;
    assert!(
        reason.contains(".attestations[0]: failed to check attestations: failed to substitute variables in attestation conditions: failed to resolve scanner.result.Results[ at path /0/all/0/key: incorrect query"),
        "{reason}"
    );

    // A predicate that is not an object cannot be evaluated.
    let odd = with(VULN, json!(["not", "an", "object"]));
    let decision = decide_at(&engine(&policy("Enforce", VULN, VULN_CONDITIONS)), odd);
    assert!(decision.failures()[0]
        .reason
        .contains("failed to check attestations: failed to extract predicate from statement"));

    // Audit admits, with the error as the warning.
    let decision = decide_at(&engine(&policy("Audit", VULN, broken)), evidence);
    assert!(decision.allowed());
    assert!(decision.warnings()[0].contains("failed to check attestations"));
}

#[test]
fn the_original_sbom_condition_is_now_evaluated() {
    let conditions = "              conditions:\n                - all:\n                    - key: \"{{ spdxVersion }}\"\n                      operator: Equals\n                      value: SPDX-2.3\n";
    let engine = engine(&attesting(conditions, ""));
    let sbom = |version: &str| ImageEvidence {
        digest: Some(digest('d')),
        signatures: vec![],
        attestations: vec![AttestationEvidence {
            predicate_type: "https://spdx.dev/Document".into(),
            predicate: json!({"spdxVersion": version}),
            issuer: Some(GITHUB.into()),
            subject: Some(RELEASE.into()),
            public_key: None,
        }],
    };
    assert!(decide_at(&engine, sbom("SPDX-2.3")).allowed());
    assert!(!decide_at(&engine, sbom("SPDX-2.2")).allowed());
}
