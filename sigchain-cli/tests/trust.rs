//! `sigchain trust status` and `--tuf-cache` without a network: the embedded snapshot's age, an
//! empty cache reported as such, and verification refusing to run on a cache that holds nothing.

use std::process::Command;

const SIGCHAIN: &str = env!("CARGO_BIN_EXE_sigchain");

#[test]
fn status_reports_the_embedded_snapshot_and_an_empty_cache() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(SIGCHAIN)
        .args(["trust", "status", "--cache"])
        .arg(cache.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("embedded trusted root (production): snapshot of 2026-08-21T00:00:00Z"),
        "{stdout}"
    );
    assert!(stdout.contains("empty"), "{stdout}");
}

#[test]
fn verify_bundle_with_an_empty_tuf_cache_fails_clearly() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(SIGCHAIN)
        .args([
            "verify-bundle",
            "--bundle",
            "/nonexistent.json",
            "--key",
            "/k.pem",
        ])
        .arg("--tuf-cache")
        .arg(cache.path())
        .arg("sha256:0000000000000000000000000000000000000000000000000000000000000000")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("TUF cache") && stderr.contains("empty"),
        "{stderr}"
    );
}
