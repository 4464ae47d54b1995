use std::cell::RefCell;
use std::collections::BTreeMap;

use proptest::prelude::*;

use super::github::{GithubActionsRun, GithubEnvError, BUILD_TYPE, ENV_VARS};
use super::*;
use crate::dsse::Envelope;
use crate::limits::Limits;
use crate::x509::testdata::{bundle, leaf, shared};
use crate::x509::FulcioClaims;

/// The environment of the real GitHub Actions job whose provenance (made by GitHub's own
/// attestation action) is the statement of the conformance case `happy-path-intoto-in-dsse-v3`.
fn aa_test_env() -> BTreeMap<&'static str, String> {
    [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "loosebazooka/aa-test"),
        ("GITHUB_REPOSITORY_ID", "891715444"),
        ("GITHUB_REPOSITORY_OWNER_ID", "1304826"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_SHA", "ebff8dfbd609b7b22237c7719ce07f2dc7934f5f"),
        (
            "GITHUB_WORKFLOW_REF",
            "loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main",
        ),
        ("GITHUB_RUN_ID", "11941425487"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
        ("GITHUB_EVENT_NAME", "workflow_dispatch"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

const BEACON: &str = "sigstore-conformance/extremely-dangerous-public-oidc-beacon";

/// The environment of the real job whose certificate signed `happy-path-intoto-in-dsse-v3`
/// (read back from that certificate's claims).
fn beacon_env() -> BTreeMap<&'static str, String> {
    let mut env = aa_test_env();
    for (name, value) in [
        ("GITHUB_REPOSITORY", BEACON.to_owned()),
        ("GITHUB_REPOSITORY_ID", "632596897".into()),
        ("GITHUB_REPOSITORY_OWNER_ID", "131804563".into()),
        (
            "GITHUB_SHA",
            "82a3bfe6dd50fe9c71d6315eae66da15307856cf".into(),
        ),
        (
            "GITHUB_WORKFLOW_REF",
            format!(
                "{BEACON}/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
            ),
        ),
        ("GITHUB_RUN_ID", "12359147651".into()),
    ] {
        env.insert(name, value);
    }
    env
}

/// The beacon job's provenance, as generated here, as a JSON predicate.
fn beacon_predicate() -> serde_json::Value {
    let run = run_of(&beacon_env()).unwrap();
    serde_json::Value::Object(run.provenance().to_json_object())
}

/// A change made to a predicate's JSON.
type Edit = Box<dyn Fn(&mut serde_json::Value)>;

fn run_of(env: &BTreeMap<&'static str, String>) -> Result<GithubActionsRun, GithubEnvError> {
    GithubActionsRun::from_lookup(|name| env.get(name).cloned())
}

/// The claims of the real certificate that signed `happy-path-intoto-in-dsse-v3`: issued to
/// the beacon's job, not to the job the statement describes.
fn beacon_claims() -> FulcioClaims {
    FulcioClaims::from_certificate(&leaf("happy-path-intoto-in-dsse-v3")).unwrap()
}

/// The statement GitHub's attestation action signed in that job.
fn aa_test_statement() -> Statement {
    let signed = bundle("happy-path-intoto-in-dsse-v3");
    let envelope: Envelope = serde_json::from_value(signed["dsseEnvelope"].clone()).unwrap();
    Statement::from_envelope(&envelope, &Limits::DEFAULT).unwrap()
}

fn a_txt() -> [u8; 32] {
    crate::crypto::sha256(&shared("conformance/bundle-verify/a.txt"))
}

fn statement_with(predicate: serde_json::Value) -> Statement {
    Statement::new(
        StatementType::V1,
        vec![Subject::sha256("a.txt", &a_txt())],
        PREDICATE_TYPE.into(),
        predicate.as_object().unwrap().clone(),
    )
    .unwrap()
}

/// The beacon job's predicate with `edit` applied.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Statement {
    let mut predicate = beacon_predicate();
    edit(&mut predicate);
    statement_with(predicate)
}

#[test]
fn generated_provenance_equals_githubs_own_for_the_same_job() {
    let run = run_of(&aa_test_env()).unwrap();
    let generated = generate(&run, vec![Subject::sha256("a.txt", &a_txt())]).unwrap();
    let theirs = aa_test_statement();
    let ours: serde_json::Value = serde_json::from_str(generated.predicate_json()).unwrap();
    let github: serde_json::Value = serde_json::from_str(theirs.predicate_json()).unwrap();
    assert_eq!(ours, github);
    assert_eq!(generated.subjects, theirs.subjects);
    assert_eq!(generated.predicate_type, theirs.predicate_type);
    assert_eq!(generated.statement_type, theirs.statement_type);
}

#[test]
fn generated_provenance_agrees_with_the_real_certificate_of_its_job() {
    let run = run_of(&beacon_env()).unwrap();
    let generated = generate(&run, vec![Subject::sha256("a.txt", &a_txt())]).unwrap();
    let provenance = Provenance::from_statement(&generated).unwrap();
    check_against_certificate(&provenance, &beacon_claims()).unwrap();
    let verified = verify(
        &generated,
        &a_txt(),
        Signer::Certificate(&beacon_claims()),
        &ProvenanceRequirements::builder_id_exact(run.builder_id()),
    )
    .unwrap();
    assert_eq!(verified.binding(), Binding::Certificate);
    assert!(verified
        .summary()
        .contains("agrees with its signing certificate"));
}

#[test]
fn generated_statement_round_trips() {
    let run = run_of(&aa_test_env()).unwrap();
    let statement = generate(&run, vec![Subject::sha256("a", &[1; 32])]).unwrap();
    let again = Statement::from_json(&statement.to_json(), &Limits::DEFAULT).unwrap();
    assert_eq!(again, statement);
    assert_eq!(
        Provenance::from_statement(&again).unwrap(),
        run.provenance()
    );
    assert!(generate(&run, vec![]).is_err());
}

#[test]
fn env_vars_lists_exactly_what_is_read() {
    let env = aa_test_env();
    let asked = RefCell::new(Vec::new());
    GithubActionsRun::from_lookup(|name| {
        asked.borrow_mut().push(name.to_owned());
        env.get(name).cloned()
    })
    .unwrap();
    let mut asked = asked.into_inner();
    asked.sort();
    asked.dedup();
    let mut listed: Vec<String> = ENV_VARS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(asked, listed);
    let mut given: Vec<&str> = env.keys().copied().collect();
    given.sort();
    assert_eq!(given, listed);
}

#[test]
fn environment_is_checked() {
    let env = aa_test_env();
    let mut outside = env.clone();
    outside.insert("GITHUB_ACTIONS", "false".into());
    assert_eq!(run_of(&outside), Err(GithubEnvError::NotGithubActions));
    outside.remove("GITHUB_ACTIONS");
    assert_eq!(run_of(&outside), Err(GithubEnvError::NotGithubActions));
    for name in ENV_VARS.iter().filter(|n| **n != "GITHUB_ACTIONS") {
        let mut missing = env.clone();
        missing.remove(name);
        assert_eq!(
            run_of(&missing),
            Err(GithubEnvError::Missing(name)),
            "{name}"
        );
        missing.insert(name, String::new());
        assert_eq!(
            run_of(&missing),
            Err(GithubEnvError::Missing(name)),
            "{name}"
        );
    }
    let malformed = [
        ("GITHUB_SERVER_URL", "github.com"),
        ("GITHUB_REPOSITORY", "just-a-name"),
        ("GITHUB_REPOSITORY", "a/b/c"),
        ("GITHUB_REPOSITORY_ID", "12a"),
        ("GITHUB_REPOSITORY_OWNER_ID", "-1"),
        ("GITHUB_SHA", "EBFF8DFBD609B7B22237C7719CE07F2DC7934F5F"),
        ("GITHUB_SHA", "ebff8d"),
        ("GITHUB_RUN_ID", "1.5"),
        ("GITHUB_RUN_ATTEMPT", "one"),
        // Another repository's workflow, no ref, no path.
        (
            "GITHUB_WORKFLOW_REF",
            "other/repo/.github/workflows/a.yml@refs/heads/main",
        ),
        (
            "GITHUB_WORKFLOW_REF",
            "loosebazooka/aa-test/.github/workflows/a.yml",
        ),
        (
            "GITHUB_WORKFLOW_REF",
            "loosebazooka/aa-test/@refs/heads/main",
        ),
    ];
    for (name, value) in malformed {
        let mut bad = env.clone();
        bad.insert(name, value.into());
        assert!(
            matches!(run_of(&bad), Err(GithubEnvError::Malformed { name: n, .. }) if n == name),
            "{name}={value}"
        );
    }
    // A trailing slash on the server URL is dropped.
    let mut slash = env.clone();
    slash.insert("GITHUB_SERVER_URL", "https://github.com/".into());
    assert_eq!(run_of(&slash).unwrap().server_url(), "https://github.com");
}

#[test]
fn a_tag_with_at_signs_keeps_them_in_the_ref() {
    let mut env = aa_test_env();
    env.insert("GITHUB_REF", "refs/tags/@scope/pkg@1.0.0".into());
    env.insert(
        "GITHUB_WORKFLOW_REF",
        "loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/tags/@scope/pkg@1.0.0".into(),
    );
    let run = run_of(&env).unwrap();
    let provenance = run.provenance();
    let workflow = &provenance.build_definition.external_parameters["workflow"];
    assert_eq!(workflow["path"], ".github/workflows/provenance.yaml");
    assert_eq!(workflow["ref"], "refs/tags/@scope/pkg@1.0.0");
    let facts = github::GithubWorkflowFacts::of(&provenance);
    assert_eq!(
        facts.source,
        Some((
            "https://github.com/loosebazooka/aa-test".into(),
            "refs/tags/@scope/pkg@1.0.0".into()
        ))
    );
}

#[test]
fn a_real_provenance_signed_by_another_jobs_certificate_is_refused() {
    // The conformance case carries GitHub's provenance of one repository's job, signed with a
    // certificate issued to another repository's job: the provenance claims a workflow that
    // did not sign it.
    let claims = beacon_claims();
    let error = verify(
        &aa_test_statement(),
        &a_txt(),
        Signer::Certificate(&claims),
        &ProvenanceRequirements::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            &error,
            ProvenanceError::ContradictsCertificate {
                claim: CertificateClaim::BuildSignerUri,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("1.3.6.1.4.1.57264.1.9"),
        "{error}"
    );
    // The caller's requirements hold for it (they are about what it says, not who signed).
    let exact = crate::identity::IdentityMatcher::exact;
    let required = ProvenanceRequirements {
        builder_id: Some(
            crate::identity::IdentityMatcher::regex_anchored(
                r"https://github\.com/loosebazooka/aa-test/\.github/workflows/provenance\.yaml@refs/heads/.*",
            )
            .unwrap(),
        ),
        source_repository: Some(exact("https://github.com/loosebazooka/aa-test")),
        source_ref: Some(exact("refs/heads/main")),
    };
    let verified = verify(&aa_test_statement(), &a_txt(), Signer::Key, &required).unwrap();
    assert_eq!(verified.statement(), &aa_test_statement());
}

#[test]
fn each_certificate_claim_is_held_to() {
    let claims = beacon_claims();
    let base = |_: &mut serde_json::Value| {};
    let cases: Vec<(CertificateClaim, Edit)> = vec![
        (
            CertificateClaim::BuildSignerUri,
            Box::new(|p| {
                p["runDetails"]["builder"]["id"] = format!(
                    "https://github.com/{BEACON}/.github/workflows/other.yaml@refs/heads/main"
                )
                .into()
            }),
        ),
        (
            CertificateClaim::SourceRepositoryUri,
            Box::new(|p| {
                p["buildDefinition"]["resolvedDependencies"][0]["uri"] =
                    "git+https://github.com/evil/aa-test@refs/heads/main".into()
            }),
        ),
        (
            CertificateClaim::SourceRepositoryRef,
            Box::new(|p| {
                p["buildDefinition"]["resolvedDependencies"][0]["uri"] =
                    format!("git+https://github.com/{BEACON}@refs/tags/v1").into()
            }),
        ),
        (
            CertificateClaim::SourceRepositoryDigest,
            Box::new(|p| {
                p["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"] =
                    "0".repeat(40).into()
            }),
        ),
        (
            CertificateClaim::RunInvocationUri,
            Box::new(|p| {
                p["runDetails"]["metadata"]["invocationId"] =
                    format!("https://github.com/{BEACON}/actions/runs/1/attempts/1").into()
            }),
        ),
        (
            CertificateClaim::BuildConfigUri,
            Box::new(|p| {
                p["buildDefinition"]["externalParameters"]["workflow"]["path"] =
                    ".github/workflows/other.yaml".into()
            }),
        ),
        (
            CertificateClaim::BuildTrigger,
            Box::new(|p| {
                p["buildDefinition"]["internalParameters"]["github"]["event_name"] = "push".into()
            }),
        ),
        (
            CertificateClaim::SourceRepositoryIdentifier,
            Box::new(|p| {
                p["buildDefinition"]["internalParameters"]["github"]["repository_id"] = "1".into()
            }),
        ),
        (
            CertificateClaim::SourceRepositoryOwnerIdentifier,
            Box::new(|p| {
                p["buildDefinition"]["internalParameters"]["github"]["repository_owner_id"] =
                    "1".into()
            }),
        ),
        (
            CertificateClaim::RunnerEnvironment,
            Box::new(|p| {
                p["buildDefinition"]["internalParameters"]["github"]["runner_environment"] =
                    "self-hosted".into()
            }),
        ),
        // Required fields missing from the provenance.
        (
            CertificateClaim::SourceRepositoryUri,
            Box::new(|p| p["buildDefinition"]["resolvedDependencies"] = serde_json::json!([])),
        ),
        (
            CertificateClaim::RunInvocationUri,
            Box::new(|p| p["runDetails"]["metadata"] = serde_json::json!({})),
        ),
    ];
    for (claim, edit) in cases {
        let statement = edited(|p| {
            base(p);
            edit(p)
        });
        let error = verify(
            &statement,
            &a_txt(),
            Signer::Certificate(&claims),
            &ProvenanceRequirements::default(),
        )
        .unwrap_err();
        assert!(
            matches!(&error, ProvenanceError::ContradictsCertificate { claim: c, .. } if *c == claim),
            "{claim}: {error}"
        );
        // Signed by a key, the same statement passes, marked as unbound.
        let verified = verify(
            &statement,
            &a_txt(),
            Signer::Key,
            &ProvenanceRequirements::default(),
        )
        .unwrap();
        assert_eq!(verified.binding(), Binding::Key);
        assert!(verified
            .summary()
            .contains("NOT checked against a certificate"));
    }
    // Optional fields left out are not held to anything.
    let sparse = edited(|p| {
        base(p);
        p["buildDefinition"]["internalParameters"] = serde_json::json!({});
        p["buildDefinition"]["externalParameters"] = serde_json::json!({});
    });
    verify(
        &sparse,
        &a_txt(),
        Signer::Certificate(&claims),
        &ProvenanceRequirements::default(),
    )
    .unwrap();
}

#[test]
fn a_reusable_workflows_certificate_contradicts_the_callers_builder_id() {
    let run = run_of(&beacon_env()).unwrap();
    let statement = generate(&run, vec![Subject::sha256("a.txt", &a_txt())]).unwrap();
    let mut claims = beacon_claims();
    claims.build_signer_uri =
        Some("https://github.com/octo/shared/.github/workflows/build.yml@refs/tags/v1".into());
    let error = verify(
        &statement,
        &a_txt(),
        Signer::Certificate(&claims),
        &ProvenanceRequirements::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("Build Signer URI"), "{error}");
    // An email certificate vouches for no workflow at all.
    let error = verify(
        &statement,
        &a_txt(),
        Signer::Certificate(&FulcioClaims::default()),
        &ProvenanceRequirements::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("absent"), "{error}");
}

#[test]
fn subject_predicate_and_build_type_steps() {
    let claims = beacon_claims();
    let none = ProvenanceRequirements::default();
    // Another artifact.
    assert!(matches!(
        verify(&aa_test_statement(), &[7; 32], Signer::Key, &none),
        Err(ProvenanceError::SubjectMismatch { .. })
    ));
    // Another predicate type.
    let other = Statement::new(
        StatementType::V1,
        vec![Subject::sha256("a.txt", &a_txt())],
        "https://slsa.dev/provenance/v0.2".into(),
        serde_json::Map::new(),
    )
    .unwrap();
    assert!(matches!(
        verify(&other, &a_txt(), Signer::Key, &none),
        Err(ProvenanceError::PredicateType { .. })
    ));
    // A build type this verifier does not know.
    let unknown =
        edited(|p| p["buildDefinition"]["buildType"] = "https://example.com/ci/v1".into());
    assert!(matches!(
        verify(&unknown, &a_txt(), Signer::Certificate(&claims), &none),
        Err(ProvenanceError::UnknownBuildType { .. })
    ));
    // A real SLSA v1 statement without the required externalParameters.
    let rekor2 = bundle("rekor2-dsse-happy-path");
    let envelope: Envelope = serde_json::from_value(rekor2["dsseEnvelope"].clone()).unwrap();
    let incomplete = Statement::from_envelope(&envelope, &Limits::DEFAULT).unwrap();
    let error = verify(&incomplete, &a_txt(), Signer::Key, &none).unwrap_err();
    assert!(error.to_string().contains("externalParameters"), "{error}");
    // The previous name of GitHub's build type is known; this real one (from an early
    // version of GitHub's action) names the runner, not the workflow, as its builder, and
    // its certificate's Build Signer URI says otherwise.
    let custom = bundle("intoto-with-custom-trust-root");
    let envelope: Envelope = serde_json::from_value(custom["dsseEnvelope"].clone()).unwrap();
    let early = Statement::from_envelope(&envelope, &Limits::DEFAULT).unwrap();
    let artifact = crate::crypto::sha256(&shared(
        "conformance/bundle-verify/intoto-with-custom-trust-root/artifact",
    ));
    verify(&early, &artifact, Signer::Key, &none).unwrap();
    let early_claims =
        FulcioClaims::from_certificate(&leaf("intoto-with-custom-trust-root")).unwrap();
    assert!(matches!(
        verify(&early, &artifact, Signer::Certificate(&early_claims), &none),
        Err(ProvenanceError::ContradictsCertificate {
            claim: CertificateClaim::BuildSignerUri,
            ..
        })
    ));
}

#[test]
fn requirements_step() {
    let statement = aa_test_statement();
    let exact = crate::identity::IdentityMatcher::exact;
    let wrong = [
        ProvenanceRequirements::builder_id_exact(
            "https://github.com/loosebazooka/aa-test/.github/workflows/other.yaml@refs/heads/main",
        ),
        ProvenanceRequirements {
            source_repository: Some(exact("https://github.com/evil/aa-test")),
            ..Default::default()
        },
        ProvenanceRequirements {
            source_ref: Some(exact("refs/tags/v1")),
            ..Default::default()
        },
    ];
    for (required, field) in wrong
        .iter()
        .zip(["builder id", "source repository", "source ref"])
    {
        let error = verify(&statement, &a_txt(), Signer::Key, required).unwrap_err();
        assert!(
            matches!(&error, ProvenanceError::RequirementNotMet { field: f, .. } if *f == field),
            "{error}"
        );
    }
    let right = ProvenanceRequirements {
        builder_id: Some(exact(
            "https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main",
        )),
        source_repository: Some(exact("https://github.com/loosebazooka/aa-test")),
        source_ref: Some(exact("refs/heads/main")),
    };
    verify(&statement, &a_txt(), Signer::Key, &right).unwrap();
}

#[test]
fn predicate_reads_strictly() {
    let base = serde_json::json!({
        "buildDefinition": {"buildType": BUILD_TYPE, "externalParameters": {},
            "resolvedDependencies": [{"uri": "git+https://h/o/r@refs/heads/main",
                "digest": {"gitCommit": "ebff8dfbd609b7b22237c7719ce07f2dc7934f5f"}}]},
        "runDetails": {"builder": {"id": "https://h/o/r/.github/workflows/a.yml@refs/heads/main"}}
    });
    let read = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut p = base.clone();
        edit(&mut p);
        Provenance::from_predicate_json(&p.to_string())
    };
    read(&|_| {}).unwrap();
    // Unknown fields anywhere are ignored.
    read(&|p| p["runDetails"]["builder"]["future"] = 1.into()).unwrap();
    let bad: Vec<Edit> = vec![
        Box::new(|p| p["buildDefinition"]["buildType"] = 1.into()),
        Box::new(|p| p["buildDefinition"]["buildType"] = "".into()),
        Box::new(|p| p["buildDefinition"]["externalParameters"] = "x".into()),
        Box::new(|p| {
            p["buildDefinition"]
                .as_object_mut()
                .unwrap()
                .remove("externalParameters");
        }),
        Box::new(|p| p["runDetails"]["builder"]["id"] = "".into()),
        Box::new(|p| p["runDetails"]["builder"]["version"] = serde_json::json!({"a": 1})),
        Box::new(|p| p["runDetails"]["metadata"] = serde_json::json!({"invocationId": 5})),
        Box::new(|p| p["runDetails"]["byproducts"] = serde_json::json!([{"name": "log"}])),
        Box::new(|p| {
            p["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"] = "XYZ".into()
        }),
        Box::new(|p| p["buildDefinition"]["resolvedDependencies"][0]["content"] = "!!".into()),
        Box::new(|p| p["buildDefinition"]["resolvedDependencies"] = serde_json::json!({})),
    ];
    for (i, edit) in bad.iter().enumerate() {
        assert!(read(edit.as_ref()).is_err(), "case {i}");
    }
    // A digest algorithm twice, or a field twice: other parsers could read either value.
    let text = base.to_string();
    let twice = text.replace(
        r#""gitCommit":"#,
        r#""gitCommit":"0000000000000000000000000000000000000000","gitCommit":"#,
    );
    assert!(Provenance::from_predicate_json(&twice).is_err());
    let twice = text.replace(r#""builder":{"#, r#""builder":{"id":"https://x","#);
    assert!(Provenance::from_predicate_json(&twice).is_err());
}

fn arb_value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9/@._:-]{1,20}"
}

proptest! {
    #[test]
    fn predicate_reading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Provenance::from_predicate_json(&text);
    }

    #[test]
    fn predicate_reading_never_panics_on_near_valid(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut json = serde_json::Value::Object(beacon_predicate().as_object().unwrap().clone())
            .to_string()
            .into_bytes();
        let i = at.index(json.len());
        json[i] = byte;
        let text = String::from_utf8_lossy(&json);
        if let Ok(provenance) = Provenance::from_predicate_json(&text) {
            // Whatever still reads is checked against the real claims without panicking.
            let _ = check_against_certificate(&provenance, &beacon_claims());
        }
    }

    #[test]
    fn generated_provenance_round_trips_and_agrees_with_matching_claims(
        owner in "[a-z]{1,8}", name in "[a-z]{1,8}", path in "[a-z/]{1,12}\\.yml",
        git_ref in arb_value(), sha in "[0-9a-f]{40}", run_id in "[0-9]{1,12}",
        event in "[a-z_]{1,12}", runner in arb_value(),
    ) {
        let mut env = aa_test_env();
        env.insert("GITHUB_REPOSITORY", format!("{owner}/{name}"));
        env.insert("GITHUB_WORKFLOW_REF", format!("{owner}/{name}/{path}@{git_ref}"));
        env.insert("GITHUB_REF", git_ref.clone());
        env.insert("GITHUB_SHA", sha.clone());
        env.insert("GITHUB_RUN_ID", run_id.clone());
        env.insert("GITHUB_EVENT_NAME", event.clone());
        env.insert("RUNNER_ENVIRONMENT", runner.clone());
        let run = run_of(&env).unwrap();
        let statement = generate(&run, vec![Subject::sha256("x", &[3; 32])]).unwrap();
        let again = Statement::from_json(&statement.to_json(), &Limits::DEFAULT).unwrap();
        let provenance = Provenance::from_statement(&again).unwrap();
        prop_assert_eq!(&provenance, &run.provenance());
        // The claims Fulcio would issue to that job.
        let repository = format!("https://github.com/{owner}/{name}");
        let claims = FulcioClaims {
            build_signer_uri: Some(format!("{repository}/{path}@{git_ref}")),
            build_config_uri: Some(format!("{repository}/{path}@{git_ref}")),
            source_repository_uri: Some(repository.clone()),
            source_repository_digest: Some(sha),
            source_repository_ref: Some(git_ref),
            source_repository_identifier: Some("891715444".into()),
            source_repository_owner_identifier: Some("1304826".into()),
            build_trigger: Some(event),
            run_invocation_uri: Some(format!("{repository}/actions/runs/{run_id}/attempts/1")),
            runner_environment: Some(runner),
            ..FulcioClaims::default()
        };
        prop_assert!(check_against_certificate(&provenance, &claims).is_ok());
    }
}
