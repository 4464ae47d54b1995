//! SLSA provenance from the command line: `sigchain provenance generate` with the variables
//! GitHub Actions sets, checked by the in-toto attestation framework's own Python bindings
//! (PyPI `in-toto-attestation`, pinned by scripts/test-all.sh); and `attest --generate` /
//! `verify-attestation` with provenance requirements, against a local instance and Debian's
//! `docker-registry` on 127.0.0.1.

mod common;
#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::python;
use common::sign::{assert_failure, assert_success, sigchain, Instance, LogVersion, EMAIL};
use common::Key;
use sigchain_core::provenance::github::ENV_VARS;

const REPOSITORY: &str = "octo/app";
const WORKFLOW_REF: &str = "octo/app/.github/workflows/release.yml@refs/tags/v1.2.3";
const BUILDER_ID: &str =
    "https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1.2.3";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// What GitHub Actions sets in a job (of those the provenance reads).
fn github_env() -> Vec<(&'static str, String)> {
    [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", REPOSITORY),
        ("GITHUB_REPOSITORY_ID", "123456"),
        ("GITHUB_REPOSITORY_OWNER_ID", "7890"),
        ("GITHUB_REF", "refs/tags/v1.2.3"),
        ("GITHUB_SHA", SHA),
        ("GITHUB_WORKFLOW_REF", WORKFLOW_REF),
        ("GITHUB_RUN_ID", "987654321"),
        ("GITHUB_RUN_ATTEMPT", "2"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
        ("GITHUB_EVENT_NAME", "push"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

/// `sigchain` with exactly `env` of the GitHub variables (the test's own environment may be a
/// real job's).
fn in_job(env: &[(&'static str, String)]) -> Command {
    let mut command = sigchain();
    for name in ENV_VARS {
        command.env_remove(name);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

fn stdout_json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn the_tests_job_environment_is_the_list_the_library_reads() {
    let mut given: Vec<&str> = github_env().iter().map(|(k, _)| *k).collect();
    given.sort();
    let mut read = ENV_VARS.to_vec();
    read.sort();
    assert_eq!(given, read);
}

#[test]
fn generate_prints_the_jobs_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("app.tar.gz");
    std::fs::write(&artifact, b"release").unwrap();
    let digest = sigchain_core::encoding::hex_encode(&sigchain_core::crypto::sha256(b"release"));
    let other = "ab".repeat(32);
    let output = in_job(&github_env())
        .args(["provenance", "generate", "--subject"])
        .arg(&artifact)
        .args(["--subject", &format!("sha256:{other}")])
        .output()
        .unwrap();
    assert_success("provenance generate", &output);
    let statement = stdout_json(&output);
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(statement["subject"][0]["name"], "app.tar.gz");
    assert_eq!(statement["subject"][0]["digest"]["sha256"], digest);
    assert_eq!(statement["subject"][1]["digest"]["sha256"], other);
    let predicate = &statement["predicate"];
    let definition = &predicate["buildDefinition"];
    assert_eq!(
        definition["buildType"],
        "https://actions.github.io/buildtypes/workflow/v1"
    );
    assert_eq!(
        definition["externalParameters"]["workflow"],
        serde_json::json!({"ref": "refs/tags/v1.2.3", "repository": "https://github.com/octo/app",
            "path": ".github/workflows/release.yml"})
    );
    assert_eq!(
        definition["internalParameters"]["github"],
        serde_json::json!({"event_name": "push", "repository_id": "123456",
            "repository_owner_id": "7890", "runner_environment": "github-hosted"})
    );
    assert_eq!(
        definition["resolvedDependencies"],
        serde_json::json!([{"uri": "git+https://github.com/octo/app@refs/tags/v1.2.3",
            "digest": {"gitCommit": SHA}}])
    );
    assert_eq!(predicate["runDetails"]["builder"]["id"], BUILDER_ID);
    assert_eq!(
        predicate["runDetails"]["metadata"]["invocationId"],
        "https://github.com/octo/app/actions/runs/987654321/attempts/2"
    );

    // --file: the same statement, written to the file.
    let out = dir.path().join("provenance.json");
    let written = in_job(&github_env())
        .args(["provenance", "generate", "--subject"])
        .arg(&artifact)
        .args(["--subject", &format!("sha256:{other}"), "--file"])
        .arg(&out)
        .output()
        .unwrap();
    assert_success("provenance generate --file", &written);
    let from_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(from_file, statement);
}

#[test]
fn generate_outside_a_job_or_with_a_variable_missing_fails() {
    let mut outside = github_env();
    outside.retain(|(k, _)| *k != "GITHUB_ACTIONS");
    let said = assert_failure(
        "generate outside GitHub Actions",
        &in_job(&outside)
            .args([
                "provenance",
                "generate",
                "--subject",
                &format!("sha256:{}", "ab".repeat(32)),
            ])
            .output()
            .unwrap(),
    );
    assert!(said.contains("not in a GitHub Actions job"), "{said}");
    let mut no_sha = github_env();
    no_sha.retain(|(k, _)| *k != "GITHUB_SHA");
    let said = assert_failure(
        "generate without GITHUB_SHA",
        &in_job(&no_sha)
            .args([
                "provenance",
                "generate",
                "--subject",
                &format!("sha256:{}", "ab".repeat(32)),
            ])
            .output()
            .unwrap(),
    );
    assert!(said.contains("GITHUB_SHA"), "{said}");
    let said = assert_failure(
        "generate without a subject",
        &in_job(&github_env())
            .args(["provenance", "generate"])
            .output()
            .unwrap(),
    );
    assert!(said.contains("--subject"), "{said}");
}

/// The Python that has `in-toto-attestation` (fails, naming scripts/test-all.sh, without it).
fn referee_python() -> PathBuf {
    let python = python::python();
    let probe = python::command(&python)
        .args([
            "-c",
            "import in_toto_attestation.predicates.provenance.v1.provenance_pb2, google.protobuf",
        ])
        .output();
    match probe {
        Ok(out) if out.status.success() => python,
        Ok(out) => panic!(
            "in-toto-attestation is not importable by {}: run scripts/test-all.sh (it installs \
             the pinned PyPI `in-toto-attestation` into a venv at <target>/py), or set \
             SIGCHAIN_PYTHON to a Python that has it.\n{}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "cannot run {}: {e}; run scripts/test-all.sh or set SIGCHAIN_PYTHON",
            python.display()
        ),
    }
}

fn referee(statements: &[&Path]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/provenance_referee.py");
    python::command(&referee_python())
        .arg(script)
        .args(statements)
        .output()
        .unwrap()
}

#[test]
fn the_in_toto_framework_accepts_generated_statements() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("app.tar.gz");
    std::fs::write(&artifact, b"release").unwrap();
    // A plain branch job, a tag with `@` in it, a self-hosted runner, several subjects.
    let mut tag_with_at = github_env();
    for (name, value) in &mut tag_with_at {
        match *name {
            "GITHUB_REF" => *value = "refs/tags/@octo/app@2.0.0".into(),
            "GITHUB_WORKFLOW_REF" => {
                *value = "octo/app/.github/workflows/release.yml@refs/tags/@octo/app@2.0.0".into()
            }
            "RUNNER_ENVIRONMENT" => *value = "self-hosted".into(),
            _ => {}
        }
    }
    let mut written = Vec::new();
    for (i, env) in [github_env(), tag_with_at].iter().enumerate() {
        let out = dir.path().join(format!("statement-{i}.json"));
        let output = in_job(env)
            .args(["provenance", "generate", "--subject"])
            .arg(&artifact)
            .args([
                "--subject",
                &format!("sha256:{}", "cd".repeat(32)),
                "--file",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert_success("provenance generate", &output);
        written.push(out);
    }
    let paths: Vec<&Path> = written.iter().map(PathBuf::as_path).collect();
    let judged = referee(&paths);
    assert_success("in-toto-attestation referee", &judged);
    let said = String::from_utf8_lossy(&judged.stdout);
    assert_eq!(said.matches("OK ").count(), 2, "{said}");

    // The referee is strict: a mistyped or unknown predicate field is refused.
    let statement: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&written[0]).unwrap()).unwrap();
    for (i, edit) in [
        |s: &mut serde_json::Value| s["predicate"]["runDetails"]["builder"]["id"] = 5.into(),
        |s: &mut serde_json::Value| s["predicate"]["buildDefinition"]["extra"] = true.into(),
        |s: &mut serde_json::Value| s["subject"] = serde_json::json!([]),
    ]
    .iter()
    .enumerate()
    {
        let mut bad = statement.clone();
        edit(&mut bad);
        let path = dir.path().join(format!("bad-{i}.json"));
        std::fs::write(&path, serde_json::to_vec(&bad).unwrap()).unwrap();
        assert_failure("the referee on a broken statement", &referee(&[&path]));
    }
}

fn signer_args(instance: &Instance) -> Vec<String> {
    vec![
        "--trusted-root".into(),
        instance.trusted_root().display().to_string(),
        "--signing-config".into(),
        instance
            .signing_config(LogVersion::V1)
            .display()
            .to_string(),
    ]
}

/// Push a small image to `registry` with skopeo; its reference by digest.
fn pushed_image(registry: &registry::Registry, repository: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    common::image::layout_image(dir.path(), &[("etc/name", repository)]);
    let digest = common::image::push(dir.path(), &registry.host, repository);
    format!("{}/{repository}@{digest}", registry.host)
}

fn verify_attestation(instance: &Instance, image: &str, args: &[&str]) -> Output {
    sigchain()
        .arg("verify-attestation")
        .arg("--trusted-root")
        .arg(instance.trusted_root())
        .args(["--type", "slsaprovenance1", "--allow-insecure-registry"])
        .args(args)
        .arg(image)
        .output()
        .unwrap()
}

#[test]
fn attest_generate_with_a_key_then_verify_the_requirements() {
    let instance = Instance::start();
    let registry = registry::Registry::start();
    let image = pushed_image(&registry, "team/keyed");
    let key = Key::new();
    let private = instance.file("key.pem", key.private_pem().as_bytes());
    let public = instance.file("key.pub", key.pem().as_bytes());

    // v0.2 cannot be generated; --generate and --predicate do not go together.
    let mut v02 = in_job(&github_env());
    v02.args([
        "attest",
        "--generate",
        "--type",
        "slsaprovenance02",
        "--key",
    ])
    .arg(&private)
    .args(signer_args(&instance))
    .args(["--allow-insecure-registry", &image]);
    let said = assert_failure("attest --generate v0.2", &v02.output().unwrap());
    assert!(said.contains("v1"), "{said}");
    let predicate = instance.file("p.json", b"{}");
    let mut both = in_job(&github_env());
    both.args([
        "attest",
        "--generate",
        "--type",
        "slsaprovenance",
        "--predicate",
    ])
    .arg(&predicate)
    .args(["--key"])
    .arg(&private)
    .args(signer_args(&instance))
    .arg(&image);
    assert_failure("attest --generate --predicate", &both.output().unwrap());

    let mut attest = in_job(&github_env());
    attest
        .args(["attest", "--generate", "--type", "slsaprovenance", "--key"])
        .arg(&private)
        .args(signer_args(&instance))
        .args(["--allow-insecure-registry", &image]);
    let attested = attest.output().unwrap();
    assert_success("attest --generate --key", &attested);
    let said = String::from_utf8_lossy(&attested.stderr);
    assert!(said.contains("NOT checked against a certificate"), "{said}");

    let key_arg = public.display().to_string();
    let matching = verify_attestation(
        &instance,
        &image,
        &[
            "--key",
            &key_arg,
            "--provenance-builder-id",
            BUILDER_ID,
            "--provenance-source-repo",
            "https://github.com/octo/app",
            "--provenance-source-ref",
            "refs/tags/v1.2.3",
        ],
    );
    assert_success("verify-attestation with matching requirements", &matching);
    let said = String::from_utf8_lossy(&matching.stderr);
    assert!(said.contains("NOT checked against a certificate"), "{said}");
    let statement: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&matching.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        statement["predicate"]["runDetails"]["builder"]["id"],
        BUILDER_ID
    );
    let regexp = verify_attestation(
        &instance,
        &image,
        &[
            "--key",
            &key_arg,
            "--provenance-builder-id-regexp",
            r"^https://github\.com/octo/app/\.github/workflows/release\.yml@refs/tags/v",
        ],
    );
    assert_success("verify-attestation with a builder id regexp", &regexp);

    for (flag, value) in [
        (
            "--provenance-builder-id",
            "https://github.com/octo/app/.github/workflows/other.yml@refs/tags/v1.2.3",
        ),
        ("--provenance-source-repo", "https://github.com/evil/app"),
        ("--provenance-source-ref", "refs/heads/main"),
    ] {
        let said = assert_failure(
            &format!("verify-attestation with a wrong {flag}"),
            &verify_attestation(&instance, &image, &["--key", &key_arg, flag, value]),
        );
        assert!(said.contains("required"), "{flag}: {said}");
    }
}

#[test]
fn keyless_provenance_must_agree_with_its_certificate() {
    let instance = Instance::start();
    let registry = registry::Registry::start();
    let image = pushed_image(&registry, "team/keyless");
    let token = instance.token(EMAIL, "");
    let identity = [
        "--certificate-identity".to_owned(),
        EMAIL.to_owned(),
        "--certificate-oidc-issuer".to_owned(),
        instance.issuer(),
    ];

    // The local instance certifies an email identity, which vouches for no workflow: the
    // generated provenance is signed, found not to agree, and not stored.
    let mut attest = in_job(&github_env());
    attest
        .args([
            "attest",
            "--generate",
            "--type",
            "slsaprovenance",
            "--identity-token",
            &token,
        ])
        .args(signer_args(&instance))
        .args(["--allow-insecure-registry", &image]);
    let said = assert_failure(
        "attest --generate keyless as an email",
        &attest.output().unwrap(),
    );
    assert!(said.contains("nothing stored"), "{said}");
    assert!(said.contains("Build Signer URI"), "{said}");
    let identity_args: Vec<&str> = identity.iter().map(String::as_str).collect();
    let said = assert_failure(
        "verify-attestation of what was not stored",
        &verify_attestation(&instance, &image, &identity_args),
    );
    assert!(said.contains("no valid"), "{said}");

    // A hand-written provenance that claims a workflow, attested keyless: stored, but
    // verification holds it to the certificate and refuses it.
    let run = sigchain_core::provenance::github::GithubActionsRun::from_lookup(|name| {
        github_env()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    })
    .unwrap();
    let claimed = instance.file(
        "claimed.json",
        &serde_json::to_vec(&run.provenance().to_json_object()).unwrap(),
    );
    let attested = sigchain()
        .args(["attest", "--type", "slsaprovenance1", "--predicate"])
        .arg(&claimed)
        .args(["--identity-token", &token])
        .args(signer_args(&instance))
        .args(["--allow-insecure-registry", &image])
        .output()
        .unwrap();
    assert_success("attest --predicate (a claimed workflow)", &attested);
    let said = assert_failure(
        "verify-attestation of a provenance its certificate contradicts",
        &verify_attestation(&instance, &image, &identity_args),
    );
    assert!(said.contains("signing certificate"), "{said}");
    assert!(said.contains("1.3.6.1.4.1.57264.1.9"), "{said}");
    // Asking for any type: the provenance is still held to the certificate.
    let all_types = sigchain()
        .arg("verify-attestation")
        .arg("--trusted-root")
        .arg(instance.trusted_root())
        .args(identity_args.iter())
        .args(["--allow-insecure-registry", &image])
        .output()
        .unwrap();
    let said = assert_failure("verify-attestation of every type", &all_types);
    assert!(said.contains("SLSA provenance"), "{said}");
}

#[test]
fn attest_a_blob_into_a_bundle() {
    let instance = Instance::start();
    let key = Key::new();
    let private = instance.file("key.pem", key.private_pem().as_bytes());
    let public = instance.file("key.pub", key.pem().as_bytes());
    let artifact = instance.file("app.tar.gz", b"release");
    let bundle = instance.work.join("app.provenance.sigstore.json");
    let mut attest = in_job(&github_env());
    attest
        .args(["attest", "--generate", "--type", "slsaprovenance", "--key"])
        .arg(&private)
        .args(signer_args(&instance))
        .arg("--blob")
        .arg(&artifact)
        .arg("--bundle")
        .arg(&bundle);
    assert_success("attest --blob --generate", &attest.output().unwrap());
    let written = common::sign::read_json(&bundle);
    let payload = sigchain_core::encoding::base64_decode(
        written["dsseEnvelope"]["payload"].as_str().unwrap(),
    )
    .unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["subject"][0]["name"], "app.tar.gz");
    assert_eq!(
        statement["predicate"]["runDetails"]["builder"]["id"],
        BUILDER_ID
    );
    // The bundle verifies for the artifact with the key, as any DSSE bundle.
    let verified = instance.verify_bundle(&bundle, &["--key", public.to_str().unwrap()], &artifact);
    assert_success("verify-bundle of the attested blob", &verified);

    // Keyless as an email: the certificate contradicts the provenance; no bundle is written.
    let token = instance.token(EMAIL, "");
    let refused = instance.work.join("refused.sigstore.json");
    let mut keyless = in_job(&github_env());
    keyless
        .args([
            "attest",
            "--generate",
            "--type",
            "slsaprovenance",
            "--identity-token",
            &token,
        ])
        .args(signer_args(&instance))
        .arg("--blob")
        .arg(&artifact)
        .arg("--bundle")
        .arg(&refused);
    let said = assert_failure(
        "attest --blob --generate keyless",
        &keyless.output().unwrap(),
    );
    assert!(said.contains("nothing stored"), "{said}");
    assert!(!refused.exists());
}

/// GitHub Actions token claims for the job [`github_env`] describes, with `job_workflow_ref`
/// the workflow the job runs (the top-level one, or a reusable one).
fn github_claims(job_workflow_ref: &str) -> serde_json::Value {
    serde_json::json!({
        "repository": REPOSITORY, "repository_id": "123456", "repository_owner": "octo",
        "repository_owner_id": "7890", "ref": "refs/tags/v1.2.3", "sha": SHA,
        "workflow_ref": WORKFLOW_REF, "workflow_sha": SHA,
        "job_workflow_ref": job_workflow_ref, "job_workflow_sha": SHA,
        "run_id": "987654321", "run_attempt": "2", "runner_environment": "github-hosted",
        "event_name": "push", "repository_visibility": "public", "workflow": "release"
    })
}

/// A token from the instance's GitHub Actions stand-in for a job with `claims` (its CA
/// certifies the job's workflow, with Fulcio's CI extensions).
fn github_token(instance: &Instance, claims: &serde_json::Value) -> String {
    instance.github_actions_token(claims)
}

#[test]
fn keyless_as_a_github_job_the_provenance_is_bound_to_its_certificate() {
    let instance = Instance::start();
    let registry = registry::Registry::start();
    let image = pushed_image(&registry, "team/built");
    // The job is certified as its workflow, by the GitHub Actions issuer.
    let identity = [
        "--certificate-identity".to_owned(),
        BUILDER_ID.to_owned(),
        "--certificate-oidc-issuer".to_owned(),
        instance.github_actions_issuer(),
    ];
    let identity: Vec<&str> = identity.iter().map(String::as_str).collect();
    let token = github_token(&instance, &github_claims(WORKFLOW_REF));

    let mut attest = in_job(&github_env());
    attest
        .args([
            "attest",
            "--generate",
            "--type",
            "slsaprovenance",
            "--identity-token",
            &token,
        ])
        .args(signer_args(&instance))
        .args(["--allow-insecure-registry", &image]);
    let attested = attest.output().unwrap();
    assert_success("attest --generate keyless as the job", &attested);
    let said = String::from_utf8_lossy(&attested.stderr);
    assert!(
        said.contains("agrees with its signing certificate"),
        "{said}"
    );

    let mut matching = identity.clone();
    matching.extend([
        "--provenance-builder-id",
        BUILDER_ID,
        "--provenance-source-repo",
        "https://github.com/octo/app",
        "--provenance-source-ref",
        "refs/tags/v1.2.3",
    ]);
    let verified = verify_attestation(&instance, &image, &matching);
    assert_success("verify-attestation with matching requirements", &verified);
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(
        said.contains("agrees with its signing certificate"),
        "{said}"
    );

    let mut wrong = identity.clone();
    wrong.extend([
        "--provenance-builder-id",
        "https://github.com/octo/app/.github/workflows/other.yml@refs/tags/v1.2.3",
    ]);
    let said = assert_failure(
        "verify-attestation with a wrong builder id",
        &verify_attestation(&instance, &image, &wrong),
    );
    assert!(said.contains("required"), "{said}");

    // A job of a reusable workflow signs as that workflow: its certificate's Build Signer URI
    // is the reusable workflow, and so is the generated provenance's builder, as GitHub's own
    // provenance names it (the top-level workflow stays the external parameter, held to the
    // certificate's Build Config URI).
    let other = pushed_image(&registry, "team/reused");
    let shared = "https://github.com/octo/shared/.github/workflows/build.yml@refs/heads/main";
    let reusable = github_token(
        &instance,
        &github_claims("octo/shared/.github/workflows/build.yml@refs/heads/main"),
    );
    let mut attest = in_job(&github_env());
    attest
        .args([
            "attest",
            "--generate",
            "--type",
            "slsaprovenance",
            "--identity-token",
            &reusable,
        ])
        .args(signer_args(&instance))
        .args(["--allow-insecure-registry", &other]);
    let attested = attest.output().unwrap();
    assert_success("attest --generate in a reusable workflow", &attested);
    let as_shared = [
        "--certificate-identity",
        shared,
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--provenance-builder-id",
        shared,
    ];
    let verified = verify_attestation(&instance, &other, &as_shared);
    assert_success(
        "verify-attestation of the reusable workflow's provenance",
        &verified,
    );
    let statement: serde_json::Value =
        serde_json::from_slice(verified.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(
        statement["predicate"]["buildDefinition"]["externalParameters"]["workflow"]["path"],
        ".github/workflows/release.yml"
    );

    // A hand-written provenance claiming another workflow than the job that signs it.
    let mut elsewhere = github_env();
    for (name, value) in &mut elsewhere {
        if *name == "GITHUB_WORKFLOW_REF" {
            *value = "octo/app/.github/workflows/other.yml@refs/tags/v1.2.3".into();
        }
    }
    let run = sigchain_core::provenance::github::GithubActionsRun::from_lookup(|name| {
        elsewhere
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let claimed = instance.file(
        "elsewhere.json",
        &serde_json::to_vec(&run.provenance().to_json_object()).unwrap(),
    );
    let forged = pushed_image(&registry, "team/forged");
    let attested = sigchain()
        .args(["attest", "--type", "slsaprovenance1", "--predicate"])
        .arg(&claimed)
        .args(["--identity-token", &token])
        .args(signer_args(&instance))
        .args(["--allow-insecure-registry", &forged])
        .output()
        .unwrap();
    assert_success("attest --predicate (another workflow)", &attested);
    let said = assert_failure(
        "verify-attestation of a provenance claiming another workflow",
        &verify_attestation(&instance, &forged, &identity),
    );
    assert!(said.contains("Build Signer URI"), "{said}");
    assert!(said.contains("other.yml"), "{said}");
}
