//! Inclusion proofs are required by default; `--insecure-allow-inclusion-promise-only` is the
//! opt-out for legacy v0.1 bundles whose entries carry only the log's promise (SET). Both
//! commands, both ways.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ACTIONS: &str = "https://token.actions.githubusercontent.com";
const OPT_OUT: &str = "--insecure-allow-inclusion-promise-only";
const MISSING_PROOF: &str =
    "transparency log entry 0: entry has no inclusion proof with a checkpoint, and one is required";

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/bundle-verify")
}

/// A scratch folder for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("sigchain-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// `case`'s bundle with every entry's inclusion proof removed and the media type set to v0.1:
/// a well-formed v0.1 bundle whose only log evidence is the promise.
fn promise_only_v0_1(case: &str) -> serde_json::Value {
    let json = std::fs::read(cases_dir().join(case).join("bundle.sigstore.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    doc["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1".into();
    for entry in doc["verificationMaterial"]["tlogEntries"]
        .as_array_mut()
        .unwrap()
    {
        entry.as_object_mut().unwrap().remove("inclusionProof");
    }
    doc
}

fn sigchain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigchain"))
        .args(args)
        .output()
        .unwrap()
}

fn verify_bundle(bundle: &Path, extra: &[&str]) -> Output {
    let bundle = bundle.display().to_string();
    let artifact = cases_dir().join("a.txt").display().to_string();
    let mut args = vec![
        "verify-bundle",
        "--bundle",
        &bundle,
        "--certificate-identity",
        BEACON,
        "--certificate-oidc-issuer",
        ACTIONS,
    ];
    args.extend_from_slice(extra);
    args.push(&artifact);
    sigchain(&args)
}

#[test]
fn verify_bundle_refuses_a_promise_only_bundle_unless_told() {
    let scratch = Scratch::new("promise-only-bundle");
    // happy-path-v0.1 without its proof; happy-path-v0.2 stripped and relabelled (the downgrade).
    for case in ["happy-path-v0.1", "happy-path-v0.2"] {
        let path = scratch.0.join(format!("{case}.json"));
        std::fs::write(&path, promise_only_v0_1(case).to_string()).unwrap();

        let out = verify_bundle(&path, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{case}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            format!("FAIL: {MISSING_PROOF}"),
            "{case}"
        );

        let out = verify_bundle(&path, &[OPT_OUT]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.starts_with("OK: "), "{case}: {stdout}");
    }
    // The untouched bundle, with its proof, passes either way.
    let full = cases_dir().join("happy-path-v0.1/bundle.sigstore.json");
    assert!(verify_bundle(&full, &[]).status.success());
    assert!(verify_bundle(&full, &[OPT_OUT]).status.success());
}

#[test]
fn verify_many_refuses_promise_only_bundles_unless_told() {
    let scratch = Scratch::new("promise-only-many");
    let stripped = scratch.0.join("stripped.json");
    std::fs::write(&stripped, promise_only_v0_1("happy-path-v0.2").to_string()).unwrap();
    let digest = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
    let entry = |bundle: serde_json::Value| {
        serde_json::json!({"bundle": bundle, "digest": digest, "identity": BEACON, "issuer": ACTIONS})
            .to_string()
    };
    let manifest = [
        // 0: a full bundle by path; 1: promise-only inline; 2: promise-only by path.
        entry(
            cases_dir()
                .join("happy-path-v0.1/bundle.sigstore.json")
                .display()
                .to_string()
                .into(),
        ),
        entry(promise_only_v0_1("happy-path-v0.1")),
        entry("stripped.json".into()),
    ]
    .join("\n");
    let manifest_path = scratch.0.join("manifest.jsonl");
    std::fs::write(&manifest_path, manifest).unwrap();
    let manifest_arg = manifest_path.display().to_string();

    let results = |out: &Output| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let out = sigchain(&["verify-many", "--jobs", "2", &manifest_arg]);
    assert_eq!(out.status.code(), Some(1));
    let lines = results(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], serde_json::json!({"index": 0, "ok": true}));
    for (i, line) in lines.iter().enumerate().skip(1) {
        assert_eq!(
            line,
            &serde_json::json!({"index": i, "ok": false, "error": MISSING_PROOF})
        );
    }

    let out = sigchain(&["verify-many", "--jobs", "2", OPT_OUT, &manifest_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = results(&out);
    assert_eq!(lines.len(), 3);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line, &serde_json::json!({"index": i, "ok": true}));
    }
}
