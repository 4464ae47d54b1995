//! `sigchain sign-bundle` when something goes wrong, and where its identity token comes from.
//!
//! Each misbehaving service (a `--misbehave` mode of the instance) makes signing fail with an
//! error naming what was wrong, and leaves no bundle behind: no file where there was none, and
//! an existing file at the `--bundle` path untouched. An expired token or one for another
//! audience is refused before the CA is asked. Tokens come from `--identity-token-file`,
//! `SIGSTORE_ID_TOKEN` or GitHub Actions' ambient credentials (a fake endpoint on 127.0.0.1).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::github::FakeActions;
use common::sign::{
    assert_failure, assert_success, read_json, sigchain, Instance, LogVersion, EMAIL,
};

/// The scratch folder's files and their contents.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

/// Signing with `sign` (all but `--bundle` and the file) fails, saying `expected`; no bundle
/// is written, and a file already at the bundle path is left as it was.
#[track_caller]
fn assert_refused_without_bundle(
    instance: &Instance,
    sign: impl Fn() -> Command,
    expected: &str,
) -> String {
    let artifact = instance.file("artifact.txt", b"never signed");
    let bundle = instance.work.join("bundle.sigstore.json");
    let before = snapshot(&instance.work);
    let output = sign()
        .arg("--bundle")
        .arg(&bundle)
        .arg(&artifact)
        .output()
        .unwrap();
    let said = assert_failure("sign-bundle", &output);
    assert!(said.contains("FAIL"), "{said}");
    assert!(said.contains(expected), "expected {expected:?} in: {said}");
    assert!(!bundle.exists(), "a bundle was left behind");
    assert_eq!(snapshot(&instance.work), before, "the folder changed");

    let existing = b"an older bundle the user keeps".to_vec();
    std::fs::write(&bundle, &existing).unwrap();
    let before = snapshot(&instance.work);
    let output = sign()
        .arg("--bundle")
        .arg(&bundle)
        .arg(&artifact)
        .output()
        .unwrap();
    let again = assert_failure("sign-bundle over an existing file", &output);
    assert!(
        again.contains(expected),
        "expected {expected:?} in: {again}"
    );
    assert_eq!(std::fs::read(&bundle).unwrap(), existing);
    assert_eq!(snapshot(&instance.work), before, "the folder changed");
    std::fs::remove_file(&bundle).unwrap();
    said
}

/// Keyless signing on both logs against an instance misbehaving as `mode`.
fn misbehaving(mode: &str, expected: &str) {
    let instance = Instance::start_with(&["--misbehave", mode]);
    for log in LogVersion::ALL {
        let token = instance.token(EMAIL, "");
        let said = assert_refused_without_bundle(
            &instance,
            || {
                let mut sign = instance.sign_bundle(log);
                sign.args(["--identity-token", &token]);
                sign
            },
            expected,
        );
        println!("{mode} on {log:?}: {said}");
    }
}

#[test]
fn a_ca_chaining_to_an_unknown_root_leaves_no_bundle() {
    misbehaving("ca-unknown-root", "does not chain to the trusted root");
}

#[test]
fn a_ca_certifying_another_identity_leaves_no_bundle() {
    misbehaving(
        "ca-wrong-san",
        &format!("names \"not-{EMAIL}\", expected \"{EMAIL}\""),
    );
}

#[test]
fn a_ca_with_a_bad_sct_leaves_no_bundle() {
    misbehaving("ca-bad-sct", "SCT does not verify");
}

#[test]
fn a_log_with_a_bad_inclusion_proof_leaves_no_bundle() {
    misbehaving("log-bad-inclusion-proof", "inclusion proof");
}

#[test]
fn a_managed_key_bundle_with_a_bad_inclusion_proof_is_not_written() {
    let instance = Instance::start_with(&["--misbehave", "log-bad-inclusion-proof"]);
    let key = instance.file("key.pem", common::Key::new().private_pem().as_bytes());
    for log in LogVersion::ALL {
        assert_refused_without_bundle(
            &instance,
            || {
                let mut sign = instance.sign_bundle(log);
                sign.arg("--key").arg(&key);
                sign
            },
            "inclusion proof",
        );
    }
}

#[test]
fn a_tsa_stamping_the_wrong_hash_leaves_no_bundle() {
    // Both of the instance's signing configs name its TSA.
    misbehaving(
        "tsa-wrong-hash",
        "timestamp token does not cover the signature",
    );
}

/// The instance's signing config for `log` with its CA at a port nobody listens on: a token
/// refused there was refused before the CA was asked.
fn config_with_an_unreachable_ca(instance: &Instance, log: LogVersion) -> PathBuf {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = read_json(&instance.signing_config(log));
    config["caUrls"][0]["url"] = format!("http://127.0.0.1:{port}").into();
    instance.file(
        &format!("unreachable-ca.{log:?}.json"),
        &serde_json::to_vec(&config).unwrap(),
    )
}

fn refused_token(query: &str, expected: &str) {
    let instance = Instance::start();
    for log in LogVersion::ALL {
        let config = config_with_an_unreachable_ca(&instance, log);
        let token = instance.token(EMAIL, query);
        let said = assert_refused_without_bundle(
            &instance,
            || {
                let mut sign = sigchain();
                sign.arg("sign-bundle")
                    .arg("--trusted-root")
                    .arg(instance.trusted_root())
                    .arg("--signing-config")
                    .arg(&config)
                    .args(["--identity-token", &token]);
                sign
            },
            expected,
        );
        assert!(!said.contains("connect"), "the CA was asked: {said}");
    }
    // The same token with the instance's own CA: still refused, by the client.
    let token = instance.token(EMAIL, query);
    assert_refused_without_bundle(
        &instance,
        || {
            let mut sign = instance.sign_bundle(LogVersion::V1);
            sign.args(["--identity-token", &token]);
            sign
        },
        expected,
    );
}

#[test]
fn an_expired_token_is_refused_before_the_ca_is_asked() {
    refused_token("&expired=true", "expired");
}

#[test]
fn a_token_for_another_audience_is_refused_before_the_ca_is_asked() {
    refused_token("&aud=other", "audience [\"other\"], not \"sigstore\"");
}

/// The bundle at `bundle` verifies for [`EMAIL`], and sign-bundle said where its token came from.
#[track_caller]
fn assert_signed(
    instance: &Instance,
    output: &Output,
    source: &str,
    bundle: &Path,
    artifact: &Path,
) {
    assert_success("sign-bundle", output);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains(&format!("token from {source}")), "{said}");
    assert_success("verify-bundle", &instance.verify_identity(bundle, artifact));
}

#[test]
fn the_token_comes_from_a_file_or_sigstore_id_token() {
    let instance = Instance::start();
    let artifact = instance.file("artifact.txt", b"token sources");
    for log in LogVersion::ALL {
        let file_bundle = instance.work.join(format!("file.{log:?}.json"));
        let token_file = instance.file(
            "token",
            format!("{}\n", instance.token(EMAIL, "")).as_bytes(),
        );
        let output = instance
            .sign_bundle(log)
            .arg("--identity-token-file")
            .arg(&token_file)
            .arg("--bundle")
            .arg(&file_bundle)
            .arg(&artifact)
            .output()
            .unwrap();
        assert_signed(
            &instance,
            &output,
            "the token file",
            &file_bundle,
            &artifact,
        );

        let env_bundle = instance.work.join(format!("env.{log:?}.json"));
        let output = instance
            .sign_bundle(log)
            .env("SIGSTORE_ID_TOKEN", instance.token(EMAIL, ""))
            .arg("--bundle")
            .arg(&env_bundle)
            .arg(&artifact)
            .output()
            .unwrap();
        assert_signed(
            &instance,
            &output,
            "the SIGSTORE_ID_TOKEN variable",
            &env_bundle,
            &artifact,
        );
    }
    // No token from anywhere: a clear refusal, no bundle.
    assert_refused_without_bundle(
        &instance,
        || instance.sign_bundle(LogVersion::V1),
        "no identity token",
    );
}

/// Run `command` off the runtime's threads, so that the fake endpoint keeps answering.
async fn output_of(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_comes_from_github_actions_ambient_credentials() {
    let instance = Instance::start();
    // The instance mints email identities; what matters here is where the token came from.
    let id_token = instance.token(EMAIL, "");
    let actions = FakeActions::start("request-token-from-the-runner", &id_token).await;
    let artifact = instance.file("artifact.txt", b"signed in a workflow");
    for log in LogVersion::ALL {
        let bundle = instance.work.join(format!("actions.{log:?}.json"));
        let mut sign = instance.sign_bundle(log);
        sign.env("ACTIONS_ID_TOKEN_REQUEST_URL", &actions.request_url)
            .env(
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                "request-token-from-the-runner",
            )
            .arg("--bundle")
            .arg(&bundle)
            .arg(&artifact);
        let output = output_of(sign).await;
        assert_signed(
            &instance,
            &output,
            "GitHub Actions' ambient credentials",
            &bundle,
            &artifact,
        );
    }
    let asked = actions.asked();
    assert_eq!(asked.len(), 2, "{asked:?}");
    for asked in &asked {
        assert_eq!(
            asked.query.get("audience").map(String::as_str),
            Some("sigstore")
        );
        assert_eq!(
            asked.query.get("api-version").map(String::as_str),
            Some("2.0")
        );
        assert_eq!(
            asked.authorization.as_deref().map(str::to_ascii_lowercase),
            Some("bearer request-token-from-the-runner".to_owned())
        );
    }

    // A request token the endpoint does not accept: a clear failure, no bundle.
    let bundle = instance.work.join("refused.json");
    let mut sign = instance.sign_bundle(LogVersion::V1);
    sign.env("ACTIONS_ID_TOKEN_REQUEST_URL", &actions.request_url)
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "a-stale-request-token")
        .arg("--bundle")
        .arg(&bundle)
        .arg(&artifact);
    let output = output_of(sign).await;
    let said = assert_failure("sign-bundle with a wrong request token", &output);
    assert!(
        said.contains("GitHub Actions token endpoint answered 401"),
        "{said}"
    );
    assert!(!bundle.exists());
}
