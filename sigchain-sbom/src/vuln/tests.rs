use proptest::prelude::*;
use serde_json::json;

use super::*;

fn trivy_report(vulnerabilities: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "SchemaVersion": 2,
        "Trivy": {"Version": "0.76.0"},
        "CreatedAt": "2026-12-02T14:22:51.790811385Z",
        "ArtifactName": "app",
        "Results": [
            {"Target": "app (debian 12.5)", "Class": "os-pkgs", "Vulnerabilities": vulnerabilities},
            {"Target": "/app/.env", "Class": "secret", "Secrets": [
                {"RuleID": "github-pat", "Severity": "CRITICAL", "Title": "GitHub PAT"}]},
        ],
    }))
    .unwrap()
}

#[test]
fn trivy_predicate_has_trivys_members_in_trivys_order() {
    let predicate = from_trivy_report(&trivy_report(json!([])), &Options::default()).unwrap();
    let text = String::from_utf8(predicate.to_json_pretty().unwrap()).unwrap();
    let order = [
        "\"invocation\"",
        "\"parameters\": null",
        "\"uri\": \"\"",
        "\"event_id\"",
        "\"builder.id\"",
        "\"scanner\"",
        "\"uri\": \"pkg:github/aquasecurity/trivy@0.76.0\"",
        "\"version\": \"0.76.0\"",
        "\"db\"",
        "\"result\"",
        "\"metadata\"",
        "\"scanStartedOn\": \"2026-12-02T14:22:51.790811385Z\"",
        "\"scanFinishedOn\": \"2026-12-02T14:22:51.790811385Z\"",
    ];
    let mut from = 0;
    for member in order {
        let at = text[from..]
            .find(member)
            .unwrap_or_else(|| panic!("{member} after byte {from} in {text}"));
        from += at + member.len();
    }
    let round: VulnPredicate = serde_json::from_str(&text).unwrap();
    assert_eq!(round.scanner.version, "0.76.0");
}

#[test]
fn the_report_is_carried_byte_for_byte() {
    let report =
        b"{\"SchemaVersion\":2,\"Trivy\":{\"Version\":\"0.76.0\"},\"Zeta\":1,\"Alpha\":[1.50]}";
    let options = Options {
        scan_started_on: Some(ScanTime::parse("2026-01-01T00:00:00Z").unwrap()),
        ..Options::default()
    };
    let predicate = from_trivy_report(report, &options).unwrap();
    assert_eq!(predicate.scanner.result.get().as_bytes(), report);
    assert_eq!(
        predicate.metadata.scan_finished_on.as_str(),
        "2026-01-01T00:00:00Z"
    );
}

#[test]
fn missing_facts_come_from_the_caller_or_are_errors() {
    let bare = br#"{"SchemaVersion": 2}"#;
    assert!(matches!(
        from_trivy_report(bare, &Options::default()),
        Err(VulnError::ScannerVersionUnknown)
    ));
    let versioned = Options {
        scanner_version: Some("0.50.0".into()),
        ..Options::default()
    };
    assert!(matches!(
        from_trivy_report(bare, &versioned),
        Err(VulnError::ScanTimeUnknown)
    ));
    let timed = Options {
        scan_started_on: Some(ScanTime::parse("2026-01-01T00:00:00Z").unwrap()),
        scan_finished_on: Some(ScanTime::parse("2026-01-01T00:01:00Z").unwrap()),
        ..versioned
    };
    let predicate = from_trivy_report(bare, &timed).unwrap();
    assert_eq!(
        predicate.scanner.uri,
        "pkg:github/aquasecurity/trivy@0.50.0"
    );
    assert_eq!(
        predicate.metadata.scan_finished_on.as_str(),
        "2026-01-01T00:01:00Z"
    );
}

#[test]
fn bad_reports_are_typed_errors() {
    let small = Options {
        max_report_bytes: 10,
        ..Options::default()
    };
    assert!(matches!(
        from_trivy_report(&trivy_report(json!([])), &small),
        Err(VulnError::TooLarge { max: 10, .. })
    ));
    assert!(matches!(
        from_sarif(&[b' '; 11], &small),
        Err(VulnError::TooLarge { len: 11, .. })
    ));
    assert!(matches!(
        from_trivy_report(br#"{"SchemaVersion": 1}"#, &Options::default()),
        Err(VulnError::TrivySchemaVersion { found: 1 })
    ));
    assert!(matches!(
        from_trivy_report(
            br#"{"SchemaVersion": 2, "Results": "no"}"#,
            &Options::default()
        ),
        Err(VulnError::Malformed { .. })
    ));
    assert!(matches!(
        from_trivy_report(
            br#"{"SchemaVersion": 2, "Trivy": {"Version": "1"}, "CreatedAt": "noon"}"#,
            &Options::default()
        ),
        Err(VulnError::BadTime {
            field: "CreatedAt",
            ..
        })
    ));
    assert!(matches!(
        from_sarif(br#"{"version": "2.0.0", "runs": []}"#, &Options::default()),
        Err(VulnError::SarifVersion { .. })
    ));
    assert!(matches!(
        from_sarif(br#"{"version": "2.1.0", "runs": []}"#, &Options::default()),
        Err(VulnError::SarifNoRuns)
    ));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(matches!(
        trivy_findings(deep.as_bytes(), &Options::default()),
        Err(VulnError::Malformed { .. })
    ));
}

#[test]
fn trivy_findings_read_vulnerabilities_and_secrets() {
    let report = trivy_report(json!([
        {"VulnerabilityID": "CVE-1", "PkgName": "libc6", "InstalledVersion": "2.36",
         "PkgIdentifier": {"PURL": "pkg:deb/debian/libc6@2.36"}, "FixedVersion": "2.37",
         "Severity": "HIGH", "Title": "t"},
        {"VulnerabilityID": "CVE-2", "PkgName": "requests", "PkgPath": "app/METADATA",
         "InstalledVersion": "1.0", "Severity": "bogus"},
    ]));
    let findings = trivy_findings(&report, &Options::default()).unwrap();
    assert_eq!(
        findings[0],
        Finding {
            kind: FindingKind::Vulnerability,
            id: "CVE-1".into(),
            package_name: Some("libc6".into()),
            purl: Some("pkg:deb/debian/libc6@2.36".into()),
            installed_version: Some("2.36".into()),
            fixed_version: Some("2.37".into()),
            severity: Severity::High,
            location: Some("app (debian 12.5)".into()),
            title: Some("t".into()),
        }
    );
    assert_eq!(findings[1].location.as_deref(), Some("app/METADATA"));
    assert_eq!(findings[1].severity, Severity::Unknown);
    assert_eq!(findings[1].fixed_version, None);
    assert_eq!(findings[2].kind, FindingKind::Secret);
    assert_eq!(findings[2].id, "github-pat");
    assert_eq!(findings[2].location.as_deref(), Some("/app/.env"));
}

#[test]
fn generic_sarif_severity_falls_back_from_tags_to_score_to_level() {
    let log = json!({"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": "other", "version": "3", "informationUri": "https://scanner.example",
        "rules": [
            {"id": "A", "properties": {"tags": ["security", "low"], "security-severity": "9.8"}},
            {"id": "B", "properties": {"security-severity": 5.0}},
            {"id": "C", "defaultConfiguration": {"level": "error"}},
        ]}},
    "invocations": [{"startTimeUtc": "2026-01-01T00:00:00Z", "endTimeUtc": "2026-01-01T00:00:09Z"}],
    "results": [
        {"ruleId": "A", "ruleIndex": 2, "message": {"text": "Package: not-trivy"}},
        {"ruleId": "B", "message": {}},
        {"ruleId": "C", "message": {}},
        {"ruleId": "C", "level": "note", "message": {}},
        {"ruleIndex": 99, "message": {}},
    ]}]});
    let bytes = serde_json::to_vec(&log).unwrap();
    let findings = sarif_findings(&bytes, &Options::default()).unwrap();
    let severities: Vec<_> = findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        severities,
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Low,
            Severity::Unknown
        ]
    );
    assert_eq!(
        findings[0].package_name, None,
        "only Trivy's messages are read"
    );
    let predicate = from_sarif(&bytes, &Options::default()).unwrap();
    assert_eq!(predicate.scanner.uri, "https://scanner.example");
    assert_eq!(predicate.scanner.version, "3");
    assert_eq!(
        predicate.metadata.scan_started_on.as_str(),
        "2026-01-01T00:00:00Z"
    );
}

#[test]
fn scan_times_from_a_clock_are_written_like_go() {
    use chrono::TimeZone;
    let whole = chrono::Utc.timestamp_opt(1_764_000_000, 0).unwrap();
    assert_eq!(ScanTime::from(whole).as_str(), "2025-11-24T16:00:00Z");
    let fraction = chrono::Utc
        .timestamp_opt(1_764_000_000, 120_000_000)
        .unwrap();
    assert_eq!(ScanTime::from(fraction).as_str(), "2025-11-24T16:00:00.12Z");
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[A-Za-z0-9 .:-]{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("2.1.0"),
            Just("Trivy"),
            Just("vulnerability"),
            Just("HIGH"),
            Just("2026-01-01T00:00:00Z")
        ]
        .prop_map(serde_json::Value::from),
    ];
    let keys = prop_oneof![
        Just("SchemaVersion".to_owned()),
        Just("Results".to_owned()),
        Just("Vulnerabilities".to_owned()),
        Just("Secrets".to_owned()),
        Just("Trivy".to_owned()),
        Just("Version".to_owned()),
        Just("CreatedAt".to_owned()),
        Just("version".to_owned()),
        Just("runs".to_owned()),
        Just("tool".to_owned()),
        Just("driver".to_owned()),
        Just("rules".to_owned()),
        Just("results".to_owned()),
        Just("ruleIndex".to_owned()),
        Just("properties".to_owned()),
        Just("tags".to_owned()),
        "[a-z]{1,6}",
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

fn all_readers(bytes: &[u8]) {
    let options = Options::default();
    let _ = trivy_findings(bytes, &options);
    let _ = sarif_findings(bytes, &options);
    let _ = from_trivy_report(bytes, &options);
    let _ = from_sarif(bytes, &options);
}

proptest! {
    #[test]
    fn hostile_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        all_readers(&bytes);
    }

    #[test]
    fn hostile_json_never_panics(value in json_value()) {
        all_readers(&serde_json::to_vec(&value).unwrap());
    }

    /// Findings written into a Trivy report are read back as written, and the predicate
    /// carries the report unchanged.
    #[test]
    fn trivy_findings_round_trip(
        rows in prop::collection::vec(
            ("[A-Z]{3}-[0-9]{1,5}", "[a-z][a-z0-9+.-]{0,10}", "[0-9][0-9.:~+-]{0,8}",
             prop::option::of("[0-9][0-9.]{0,6}"), 0usize..5, prop::option::of("[ -~]{1,20}")),
            0..8,
        )
    ) {
        let names = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
        let vulnerabilities: Vec<_> = rows.iter().map(|(id, name, installed, fixed, severity, title)| json!({
            "VulnerabilityID": id, "PkgName": name, "InstalledVersion": installed,
            "FixedVersion": fixed, "Severity": names[*severity], "Title": title,
        })).collect();
        let report = trivy_report(serde_json::Value::from(vulnerabilities));
        let findings = trivy_findings(&report, &Options::default()).unwrap();
        prop_assert_eq!(findings.len(), rows.len() + 1);
        for (finding, (id, name, installed, fixed, severity, title)) in findings.iter().zip(&rows) {
            prop_assert_eq!(&finding.id, id);
            prop_assert_eq!(finding.package_name.as_ref(), Some(name));
            prop_assert_eq!(finding.installed_version.as_ref(), Some(installed));
            prop_assert_eq!(finding.fixed_version.as_ref(), fixed.as_ref());
            prop_assert_eq!(finding.severity, Severity::from_name(names[*severity]));
            prop_assert_eq!(finding.title.as_ref(), title.as_ref());
        }
        let predicate = from_trivy_report(&report, &Options::default()).unwrap();
        prop_assert_eq!(predicate.scanner.result.get().as_bytes(), &report[..]);
    }
}
