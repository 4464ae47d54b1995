//! Vulnerability-scan attestations: a scanner's report turned into cosign's vulnerability
//! predicate (`https://cosign.sigstore.dev/attestation/vuln/v1`), ready for
//! `sigchain attest --type vuln`.
//!
//! Two report formats go in:
//! - a Trivy JSON report (`trivy image --format json`), read by [`trivy`];
//! - a SARIF 2.1.0 log (Trivy's `--format sarif` or any other scanner's), read by [`sarif`].
//!
//! Both reduce to the same scanner-neutral [`Finding`]s (vulnerability or rule id, package,
//! installed and fixed versions, severity, where found, title), and both become a
//! [`VulnPredicate`] whose `scanner.result` is the report itself, carried byte for byte. For
//! a Trivy report the predicate has the fields, names and order of Trivy's own
//! `trivy convert --format cosign-vuln`; the scan times come from the report's `CreatedAt`
//! where it records one, else from the caller ([`Options`]): nothing here reads a clock,
//! a file or the network.
//!
//! Inputs are untrusted: each is bounded by [`Options::max_report_bytes`], JSON nesting by
//! `serde_json`'s depth limit, and every failure is a [`VulnError`], never a panic.
//!
//! ```
//! use sigchain_sbom::vuln::{from_trivy_report, trivy_findings, Options, Severity};
//!
//! let report = br#"{
//!   "SchemaVersion": 2,
//!   "Trivy": {"Version": "0.76.0"},
//!   "CreatedAt": "2026-12-02T14:22:51.790811385Z",
//!   "ArtifactName": "app",
//!   "ArtifactType": "container_image",
//!   "Results": [{
//!     "Target": "app (debian 12.5)", "Class": "os-pkgs", "Type": "debian",
//!     "Vulnerabilities": [{
//!       "VulnerabilityID": "CVE-2024-2961", "PkgName": "libc6",
//!       "InstalledVersion": "2.36-9+deb12u7", "FixedVersion": "2.36-9+deb12u8",
//!       "Severity": "HIGH", "Title": "glibc: out-of-bounds write in iconv"
//!     }]
//!   }]
//! }"#;
//! let predicate = from_trivy_report(report, &Options::default())?;
//! assert_eq!(predicate.scanner.uri, "pkg:github/aquasecurity/trivy@0.76.0");
//! assert_eq!(predicate.metadata.scan_finished_on.as_str(), "2026-12-02T14:22:51.790811385Z");
//! let json: serde_json::Value = serde_json::from_slice(&predicate.to_json_pretty()?)?;
//! assert_eq!(json["scanner"]["result"]["ArtifactName"], "app");
//!
//! let findings = trivy_findings(report, &Options::default())?;
//! assert_eq!(findings[0].id, "CVE-2024-2961");
//! assert_eq!(findings[0].severity, Severity::High);
//! assert_eq!(findings[0].fixed_version.as_deref(), Some("2.36-9+deb12u8"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod finding;
mod predicate;
pub mod sarif;
pub mod trivy;

pub use error::VulnError;
pub use finding::{Finding, FindingKind, Severity};
pub use predicate::{
    from_sarif, from_trivy_report, Invocation, Options, ScanMetadata, ScanTime, Scanner, ScannerDb,
    VulnPredicate, DEFAULT_MAX_REPORT_BYTES, VULN_PREDICATE_TYPE,
};
pub use sarif::sarif_findings;
pub use trivy::trivy_findings;

#[cfg(test)]
mod tests;
