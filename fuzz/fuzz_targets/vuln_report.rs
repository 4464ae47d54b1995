//! Trivy JSON reports and SARIF logs never panic; what is accepted as a predicate carries the
//! input unchanged, serializes, and parses back; findings from an accepted report are those
//! the predicate's builder read.
//!
//! Input: a selector byte (Trivy JSON or SARIF), then the report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::vuln::{
    from_sarif, from_trivy_report, sarif_findings, trivy_findings, Options, ScanTime,
    VulnPredicate,
};

fuzz_target!(|data: &[u8]| {
    let Some((selector, report)) = data.split_first() else {
        return;
    };
    let options = Options {
        max_report_bytes: 1 << 20,
        scanner_version: (selector & 2 != 0).then(|| "0.0.1".to_owned()),
        scan_started_on: (selector & 4 != 0)
            .then(|| ScanTime::parse("2026-01-01T00:00:00Z").expect("a valid time")),
        ..Options::default()
    };
    let (predicate, findings) = if selector % 2 == 0 {
        (
            from_trivy_report(report, &options),
            trivy_findings(report, &options),
        )
    } else {
        (from_sarif(report, &options), sarif_findings(report, &options))
    };
    if let Ok(predicate) = predicate {
        assert_eq!(predicate.scanner.result.get().as_bytes(), report.trim_ascii());
        assert!(findings.is_ok(), "a report with a predicate has findings");
        let json = predicate.to_json_pretty().expect("a predicate serializes");
        let back: VulnPredicate = serde_json::from_slice(&json).expect("and parses back");
        assert_eq!(back.scanner.version, predicate.scanner.version);
        assert_eq!(back.metadata, predicate.metadata);
    }
});
