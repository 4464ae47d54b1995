//! Every sigstore-conformance case through the `sigchain` binary, exactly as the suite calls
//! it (CLI protocol argument order), plus `verify-many` over the same cases.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
struct Manifest {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    bundle: String,
    artifact: String,
    digest: String,
    identity: Option<String>,
    issuer: Option<String>,
    key: Option<String>,
    trusted_root: String,
    expect: String,
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

fn cases() -> Vec<Case> {
    let path = conformance_dir().join("cases.json");
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    manifest.cases
}

fn protocol_args(case: &Case, input: &str) -> Vec<String> {
    let dir = conformance_dir();
    let mut args = vec![
        "verify-bundle".to_string(),
        "--bundle".into(),
        dir.join(&case.bundle).display().to_string(),
    ];
    match &case.key {
        Some(key) => args.extend(["--key".into(), dir.join(key).display().to_string()]),
        None => args.extend([
            "--certificate-identity".into(),
            case.identity.clone().unwrap(),
            "--certificate-oidc-issuer".into(),
            case.issuer.clone().unwrap(),
        ]),
    }
    if case.trusted_root != "production" {
        args.extend([
            "--trusted-root".into(),
            dir.join(&case.trusted_root).display().to_string(),
        ]);
    }
    args.push(input.to_string());
    args
}

#[test]
fn verify_bundle_follows_the_conformance_protocol() {
    let dir = conformance_dir();
    let mut wrong = Vec::new();
    let mut runs = 0;
    for case in cases() {
        let path = dir.join(&case.artifact).display().to_string();
        for input in [path.as_str(), case.digest.as_str()] {
            runs += 1;
            let out = Command::new(env!("CARGO_BIN_EXE_sigchain"))
                .args(protocol_args(&case, input))
                .output()
                .unwrap();
            let passed = out.status.success();
            if passed != (case.expect == "pass") {
                wrong.push(format!(
                    "{} ({input}): exit {:?}, stderr {}",
                    case.name,
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            if !passed {
                // One line naming the failed step.
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(stderr.lines().count(), 1, "{}: {stderr}", case.name);
                assert!(stderr.starts_with("FAIL: "), "{}: {stderr}", case.name);
            }
        }
    }
    assert_eq!(runs, 140);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn regexp_identity_flags_work_like_cosign() {
    let dir = conformance_dir();
    let case = cases()
        .into_iter()
        .find(|c| c.name == "happy-path-v0.3")
        .unwrap();
    let run = |identity_re: &str, issuer_re: &str| {
        Command::new(env!("CARGO_BIN_EXE_sigchain"))
            .args([
                "verify-bundle",
                "--bundle",
                &dir.join(&case.bundle).display().to_string(),
                "--certificate-identity-regexp",
                identity_re,
                "--certificate-oidc-issuer-regexp",
                issuer_re,
                &case.digest,
            ])
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(run(
        "sigstore-conformance/extremely-dangerous",
        "githubusercontent"
    ));
    assert!(run(
        r"^https://github\.com/sigstore-conformance/.*$",
        r"^https://token\.actions\.githubusercontent\.com$"
    ));
    assert!(!run("^sigstore-conformance", "githubusercontent"));
    assert!(!run("sigstore-conformance", "accounts.google.com"));
}

#[test]
fn verify_many_reports_every_case_in_order() {
    let dir = conformance_dir();
    let tmp = std::env::temp_dir().join(format!("sigchain-verify-many-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let cases: Vec<Case> = cases()
        .into_iter()
        // verify-many uses one trusted root for the whole manifest.
        .filter(|c| c.trusted_root == "production")
        .collect();
    let mut manifest = String::new();
    for (i, case) in cases.iter().enumerate() {
        let mut entry = serde_json::Map::new();
        // Alternate between a bundle path and an inline bundle object.
        let bundle_path = dir.join(&case.bundle);
        let inline = i % 2 == 1
            && serde_json::from_slice::<serde_json::Value>(&std::fs::read(&bundle_path).unwrap())
                .is_ok();
        if inline {
            let value: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&bundle_path).unwrap()).unwrap();
            entry.insert("bundle".into(), value);
        } else {
            entry.insert("bundle".into(), bundle_path.display().to_string().into());
        }
        if i % 3 == 0 {
            entry.insert("digest".into(), case.digest.clone().into());
        } else {
            entry.insert(
                "artifact".into(),
                dir.join(&case.artifact).display().to_string().into(),
            );
        }
        match &case.key {
            Some(key) => {
                entry.insert("key".into(), dir.join(key).display().to_string().into());
            }
            None => {
                entry.insert("identity".into(), case.identity.clone().unwrap().into());
                entry.insert("issuer".into(), case.issuer.clone().unwrap().into());
            }
        }
        manifest.push_str(&serde_json::Value::Object(entry).to_string());
        manifest.push('\n');
    }
    let manifest_path = tmp.join("manifest.jsonl");
    std::fs::write(&manifest_path, manifest).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sigchain"))
        .args(["verify-many", "--jobs", "2"])
        .arg(&manifest_path)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&tmp).ok();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), cases.len());
    for (i, (line, case)) in lines.iter().zip(&cases).enumerate() {
        assert_eq!(line["index"], i);
        assert_eq!(line["ok"], case.expect == "pass", "{}: {line}", case.name);
        if case.expect == "fail" {
            assert!(line["error"].as_str().is_some_and(|e| !e.is_empty()));
        }
    }
    // Some cases are expected to fail, so the run as a whole fails.
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("verify-many:"), "{stderr}");
}
