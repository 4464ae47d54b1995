//! `sigchain verify-many` on hand-made manifests: results in input order whatever `--jobs`,
//! inline and path bundles alike, and a bad line (malformed, over-long, not UTF-8) failing on
//! its own while the lines around it are verified.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ACTIONS: &str = "https://token.actions.githubusercontent.com";
/// SHA-256 of the conformance artifact `a.txt`.
const DIGEST: &str = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/bundle-verify")
}

fn bundle_path(case: &str) -> String {
    cases_dir()
        .join(case)
        .join("bundle.sigstore.json")
        .display()
        .to_string()
}

/// The case's bundle as a JSON value, to put inline.
fn bundle_value(case: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(bundle_path(case)).unwrap()).unwrap()
}

/// One manifest line for a beacon-signed bundle over `a.txt`, by digest.
fn line(bundle: serde_json::Value) -> String {
    serde_json::json!({"bundle": bundle, "digest": DIGEST, "identity": BEACON, "issuer": ACTIONS})
        .to_string()
}

/// A scratch folder for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("sigchain-many-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn verify_many(manifest: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigchain"))
        .arg("verify-many")
        .args(extra)
        .arg(manifest)
        .output()
        .unwrap()
}

fn results(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn oks(out: &Output) -> Vec<bool> {
    results(out)
        .iter()
        .enumerate()
        .map(|(i, r)| {
            assert_eq!(r["index"], i, "{r}");
            r["ok"].as_bool().unwrap()
        })
        .collect()
}

#[test]
fn results_keep_input_order_with_many_jobs() {
    let scratch = Scratch::new("order");
    // Passing and failing bundles interleaved unevenly; failures are quick (refused early),
    // passes slow, so with several jobs results finish out of order.
    let pass = [
        "happy-path-v0.3",
        "happy-path-v0.1",
        "happy-path-intoto-in-dsse-v3",
    ];
    let fail = ["signature-mismatch_fail", "bundle-malformed-json_fail"];
    let mut lines = Vec::new();
    let mut expected = Vec::new();
    for i in 0..60 {
        if i % 7 == 3 || i % 11 == 5 {
            let case = fail[i % fail.len()];
            lines.push(line(bundle_path(case).into()));
            expected.push(false);
        } else {
            let case = pass[i % pass.len()];
            let bundle = if i % 2 == 0 {
                bundle_value(case)
            } else {
                bundle_path(case).into()
            };
            lines.push(line(bundle));
            expected.push(true);
        }
    }
    let manifest = scratch.write("manifest.jsonl", lines.join("\n"));
    for jobs in ["1", "2", "3", "8"] {
        let out = verify_many(&manifest, &["--jobs", jobs]);
        assert_eq!(out.status.code(), Some(1), "--jobs {jobs}");
        assert_eq!(oks(&out), expected, "--jobs {jobs}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let failed = expected.iter().filter(|ok| !**ok).count();
        assert!(
            stderr.contains(&format!(
                "{} verified, {failed} failed, 60 total",
                60 - failed
            )),
            "{stderr}"
        );
    }
}

#[test]
fn inline_and_path_bundles_give_the_same_verdicts() {
    let scratch = Scratch::new("inline");
    let cases = [
        "happy-path-v0.1",
        "happy-path-v0.2",
        "happy-path-v0.3",
        "happy-path-v0.3-new-mediaType",
        "happy-path-intoto-in-dsse-v3",
        "signature-mismatch_fail",
        "set-invalid-signature_fail",
        "message-digest-mismatch_fail",
    ];
    // A path relative to the manifest's folder works too.
    let relative = scratch.write(
        "relative.sigstore.json",
        std::fs::read(bundle_path("happy-path-v0.3")).unwrap(),
    );
    let mut lines = vec![line("relative.sigstore.json".into())];
    for case in cases {
        lines.push(line(bundle_value(case)));
        lines.push(line(bundle_path(case).into()));
    }
    // Whitespace inside and around the inline object changes nothing.
    let spaced = format!(
        "{{ \"digest\": \"{DIGEST}\", \"bundle\" :  {} , \"identity\": \"{BEACON}\", \"issuer\": \"{ACTIONS}\" }}",
        serde_json::to_string_pretty(&bundle_value("happy-path-v0.3"))
            .unwrap()
            .replace('\n', " ")
    );
    lines.push(spaced);
    let manifest = scratch.write("manifest.jsonl", lines.join("\n") + "\n");
    let out = verify_many(&manifest, &["--jobs", "2"]);
    let results = results(&out);
    assert_eq!(results.len(), 2 + 2 * cases.len());
    assert_eq!(results[0]["ok"], true, "{}: {}", relative, results[0]);
    for (i, case) in cases.iter().enumerate() {
        let (inline, by_path) = (&results[1 + 2 * i], &results[2 + 2 * i]);
        assert_eq!(inline["ok"], !case.ends_with("_fail"), "{case}: {inline}");
        // Same verdict and the same reason: the verifier saw the same bundle.
        assert_eq!(inline["ok"], by_path["ok"], "{case}");
        assert_eq!(inline["error"], by_path["error"], "{case}");
    }
    assert_eq!(results.last().unwrap()["ok"], true);
}

#[test]
fn a_malformed_line_fails_alone() {
    let scratch = Scratch::new("malformed");
    let good = line(bundle_value("happy-path-v0.3"));
    let lines = [
        good.clone(),
        "{not json".to_string(),
        good.clone(),
        "[1, 2]".to_string(),
        r#"{"bundle": "x.json", "digest": "sha256:00", "identity": "a", "issuer": "b", "extra": 1}"#
            .to_string(),
        r#"{"bundle": 7, "digest": "sha256:00", "identity": "a", "issuer": "b"}"#.to_string(),
        r#"{"bundle": {"mediaType": "nonsense"}, "digest": "nope", "identity": "a", "issuer": "b"}"#
            .to_string(),
        good.clone(),
        // Blank lines are not entries and get no index.
        "   ".to_string(),
        String::new(),
        good,
    ];
    let manifest = scratch.write("manifest.jsonl", lines.join("\n"));
    let out = verify_many(&manifest, &["--jobs", "2"]);
    assert_eq!(out.status.code(), Some(1));
    let results = results(&out);
    let oks: Vec<bool> = results.iter().map(|r| r["ok"] == true).collect();
    assert_eq!(
        oks,
        [true, false, true, false, false, false, false, true, true]
    );
    let error = |i: usize| results[i]["error"].as_str().unwrap().to_string();
    assert!(error(1).starts_with("manifest line: "), "{}", error(1));
    assert!(error(3).starts_with("manifest line: "), "{}", error(3));
    assert!(error(4).contains("unknown field `extra`"), "{}", error(4));
    assert_eq!(error(5), "manifest: \"bundle\" must be a path or an object");
    assert_eq!(error(6), "manifest: digest must be sha256:<hex>");
}

#[test]
fn an_over_long_or_non_utf8_line_fails_alone() {
    let scratch = Scratch::new("long");
    let good = line(bundle_value("happy-path-v0.3"));
    let limit = good.len() + 10;
    let too_long = line(serde_json::json!({
        "padding": "x".repeat(limit),
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"
    }));
    let mut manifest = Vec::new();
    for bytes in [good.as_bytes(), too_long.as_bytes(), good.as_bytes()] {
        manifest.extend_from_slice(bytes);
        manifest.push(b'\n');
    }
    manifest.extend_from_slice(b"{\"bundle\": \"\xff\xfe\"}\n");
    manifest.extend_from_slice(good.as_bytes());
    let manifest = scratch.write("manifest.jsonl", manifest);
    let limit_arg = limit.to_string();
    let out = verify_many(&manifest, &["--jobs", "2", "--max-line-bytes", &limit_arg]);
    assert_eq!(out.status.code(), Some(1));
    let results = results(&out);
    assert_eq!(results.len(), 5);
    assert_eq!(oks(&out), [true, false, true, false, true]);
    assert_eq!(
        results[1]["error"],
        format!("manifest line longer than {limit} bytes")
    );
    assert_eq!(results[3]["error"], "manifest line is not UTF-8");
    // With the default limit the long line is read, and fails as a bundle instead.
    let out = verify_many(&manifest, &["--jobs", "2"]);
    assert_eq!(oks(&out), [true, false, true, false, true]);
    let results = self::results(&out);
    assert!(
        results[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("bundle: "),
        "{}",
        results[1]
    );
}

#[test]
fn a_manifest_that_cannot_be_read_is_a_usage_error() {
    let out = verify_many("/nonexistent/manifest.jsonl", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("FAIL: /nonexistent/manifest.jsonl: "),
        "{stderr}"
    );
}

#[test]
fn an_empty_manifest_verifies_nothing_and_succeeds() {
    let scratch = Scratch::new("empty");
    let manifest = scratch.write("manifest.jsonl", "\n  \n");
    let out = verify_many(&manifest, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("0 verified, 0 failed, 0 total"), "{stderr}");
}
