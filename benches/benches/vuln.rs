//! Vulnerability predicates: cosign's vuln predicate built from a large Trivy JSON report
//! (5,000 vulnerabilities over 1,000 packages, shaped like Trivy's own: package identifiers,
//! layers, CVSS, references, descriptions), and the report's findings, against the floor of
//! `serde_json` reading the same bytes into a `Value`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use sigchain_sbom::vuln::{from_trivy_report, trivy_findings, Options};

const PACKAGES: usize = 1_000;
/// One vulnerability of each severity per package.
const SEVERITIES: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];
const PER_PACKAGE: usize = SEVERITIES.len();

fn report() -> Vec<u8> {
    let layer = json!({"Digest": format!("sha256:{}", "a".repeat(64)),
        "DiffID": format!("sha256:{}", "b".repeat(64))});
    let mut packages = Vec::new();
    let mut vulnerabilities = Vec::new();
    for p in 0..PACKAGES {
        let name = format!("lib{p}");
        let purl = format!("pkg:deb/debian/{name}@1.{p}-1?arch=amd64&distro=debian-12.5");
        let identifier = json!({"PURL": purl, "UID": format!("{p:016x}")});
        packages.push(json!({"ID": format!("{name}@1.{p}-1"), "Name": name,
            "Identifier": identifier, "Version": format!("1.{p}"), "Release": "1",
            "Arch": "amd64", "SrcName": name, "Layer": layer, "AnalyzedBy": "dpkg"}));
        for (v, severity) in SEVERITIES.iter().enumerate() {
            let id = format!("CVE-2024-{:05}", p * PER_PACKAGE + v);
            vulnerabilities.push(json!({
                "VulnerabilityID": id, "PkgID": format!("{name}@1.{p}-1"), "PkgName": name,
                "PkgIdentifier": identifier, "InstalledVersion": format!("1.{p}-1"),
                "FixedVersion": if v % 2 == 0 { json!(format!("1.{p}-2")) } else { json!(null) },
                "Status": if v % 2 == 0 { "fixed" } else { "affected" }, "Layer": layer,
                "SeveritySource": "nvd",
                "PrimaryURL": format!("https://avd.aquasec.com/nvd/{}", id.to_lowercase()),
                "Title": format!("{name}: a flaw in the parser of {name} allows a crafted input to write out of bounds"),
                "Description": "A crafted input makes the parser write past the end of its buffer, \
                    which can crash the process or, with care, run code as the process's user.",
                "Severity": severity, "CweIDs": ["CWE-787"],
                "VendorSeverity": {"debian": 2, "nvd": 3},
                "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                    "V3Score": 9.8}},
                "References": [format!("https://security-tracker.debian.org/tracker/{id}"),
                    format!("https://nvd.nist.gov/vuln/detail/{id}")],
                "PublishedDate": "2024-04-17T18:15:15.833Z",
                "LastModifiedDate": "2024-07-22T18:15:03.19Z"}));
        }
    }
    serde_json::to_vec_pretty(&json!({
        "SchemaVersion": 2, "Trivy": {"Version": "0.76.0"},
        "CreatedAt": "2026-12-02T14:22:51.790811385Z", "ArtifactName": "app",
        "ArtifactType": "container_image",
        "Results": [{"Target": "app (debian 12.5)", "Class": "os-pkgs", "Type": "debian",
            "Packages": packages, "Vulnerabilities": vulnerabilities}],
    }))
    .expect("the report serializes")
}

fn vuln(c: &mut Criterion) {
    let report = report();
    let options = Options::default();
    eprintln!(
        "vuln: a Trivy report of {} vulnerabilities, {} bytes",
        PACKAGES * PER_PACKAGE,
        report.len()
    );
    let mut group = c.benchmark_group("vuln");
    group.throughput(Throughput::Bytes(report.len() as u64));
    group.sample_size(30);
    group.bench_function("serde_json_value_floor", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&report)).expect("JSON"))
    });
    group.bench_function("predicate_from_trivy_report", |b| {
        b.iter(|| from_trivy_report(black_box(&report), &options).expect("a predicate"))
    });
    group.bench_function("predicate_to_json", |b| {
        b.iter(|| {
            from_trivy_report(black_box(&report), &options)
                .expect("a predicate")
                .to_json_pretty()
                .expect("JSON")
        })
    });
    group.bench_function("trivy_findings", |b| {
        b.iter(|| trivy_findings(black_box(&report), &options).expect("findings"))
    });
    group.finish();
}

criterion_group!(benches, vuln);
criterion_main!(benches);
