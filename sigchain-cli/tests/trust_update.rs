//! Trust material over TUF through the binary, end to end: a TUF repository (built with
//! python-tuf by the core's `make_repos.py`) whose targets are a local instance's trusted root
//! and signing config is served on 127.0.0.1; `sigchain trust update` verifies and caches them;
//! `sign-bundle --tuf-cache` signs against the instance with that material and
//! `verify-bundle --tuf-cache` verifies. A rolled-back timestamp is then refused and the cache
//! stays as it was.

mod common;

use std::path::Path;
use std::process::Command;

use common::files::FileServer;
use common::python::python;
use common::sign::{assert_failure, assert_success, sigchain, Instance, LogVersion, EMAIL};

const MAKE_REPOS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sigchain-core/tests/tuf/make_repos.py"
);

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn trust_update_then_sign_and_verify_with_the_cached_material() {
    let instance = Instance::start();
    let repos = tempfile::tempdir().unwrap();
    let status = Command::new(python())
        .arg(MAKE_REPOS)
        .arg(repos.path())
        .arg(instance.trusted_root())
        .arg(instance.signing_config(LogVersion::V2))
        .status()
        .expect("run make_repos.py with SIGCHAIN_PYTHON (python-tuf)");
    assert!(status.success(), "make_repos.py failed (is tuf installed?)");
    let server = FileServer::start(&repos.path().join("good"));
    let cache = tempfile::tempdir().unwrap();
    let root_v1 = repos.path().join("good/1.root.json");

    let update = || {
        sigchain()
            .args(["trust", "update", "--tuf-url", &server.url, "--tuf-root"])
            .arg(&root_v1)
            .arg("--cache")
            .arg(cache.path())
            .output()
            .unwrap()
    };
    let output = update();
    assert_success("trust update", &output);
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(said.contains("trusted_root.json"), "{said}");

    let output = sigchain()
        .args(["trust", "status", "--cache"])
        .arg(cache.path())
        .output()
        .unwrap();
    assert_success("trust status", &output);
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!said.contains("empty"), "{said}");

    // Sign against the instance with the signing config and trusted root from the cache.
    let artifact = instance.file("artifact.txt", b"signed with material from TUF");
    let bundle = instance.work.join("artifact.sigstore.json");
    let token = instance.token(EMAIL, "");
    let output = sigchain()
        .args(["sign-bundle", "--identity-token", &token, "--tuf-cache"])
        .arg(cache.path())
        .arg("--bundle")
        .arg(&bundle)
        .arg(&artifact)
        .output()
        .unwrap();
    assert_success("sign-bundle --tuf-cache", &output);
    let issuer = instance.issuer();
    let verify = |cache: &Path| -> std::process::Output {
        sigchain()
            .args(["verify-bundle", "--tuf-cache"])
            .arg(cache)
            .arg("--bundle")
            .arg(&bundle)
            .args([
                "--certificate-identity",
                EMAIL,
                "--certificate-oidc-issuer",
                &issuer,
            ])
            .arg(&artifact)
            .output()
            .unwrap()
    };
    assert_success("verify-bundle --tuf-cache", &verify(cache.path()));
    // The same bundle does not verify against the embedded public-good root.
    let output = sigchain()
        .arg("verify-bundle")
        .arg("--bundle")
        .arg(&bundle)
        .args([
            "--certificate-identity",
            EMAIL,
            "--certificate-oidc-issuer",
            &issuer,
        ])
        .arg(&artifact)
        .output()
        .unwrap();
    assert_failure("verify-bundle against the production root", &output);

    // A replayed older timestamp: refused, the cache unchanged, verification still works.
    let before = snapshot(cache.path());
    server.switch_to(&repos.path().join("rollback"));
    let said = assert_failure("trust update from a rolled-back repository", &update());
    assert!(said.to_lowercase().contains("rollback"), "{said}");
    assert_eq!(snapshot(cache.path()), before, "the cache changed");
    assert_success(
        "verify-bundle --tuf-cache after the refused update",
        &verify(cache.path()),
    );
}
