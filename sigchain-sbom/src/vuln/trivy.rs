//! Trivy's JSON report (`trivy ... --format json`, schema version 2): only the fields this
//! crate reads; every other field is tolerated and left alone (the predicate carries the
//! report's own bytes, not this model).

use std::borrow::Cow;

use serde::Deserialize;

use super::finding::{Finding, FindingKind, Severity};
use super::{Options, VulnError};

const FORMAT: &str = "Trivy JSON";

/// The report schema version this reader knows (Trivy's since 0.20).
pub const SCHEMA_VERSION: u64 = 2;

/// A Trivy report, borrowed from its bytes where no JSON escapes stand in the way.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Report<'a> {
    /// The report schema version (2).
    pub schema_version: Option<u64>,
    /// The Trivy that wrote the report.
    pub trivy: Option<TrivyInfo<'a>>,
    /// When the report was made (RFC 3339); Trivy 0.60 and later write it.
    #[serde(borrow)]
    pub created_at: Option<Cow<'a, str>>,
    /// What was scanned (an image name, a path).
    #[serde(borrow)]
    pub artifact_name: Option<Cow<'a, str>>,
    /// `container_image`, `filesystem`, `repository`, ...
    #[serde(borrow)]
    pub artifact_type: Option<Cow<'a, str>>,
    /// One result per target (the OS packages, a language's packages, a file's secrets).
    #[serde(borrow)]
    pub results: Option<Vec<ScanResult<'a>>>,
}

/// `Trivy` in a report.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TrivyInfo<'a> {
    /// Trivy's version, e.g. `0.76.0`.
    #[serde(borrow)]
    pub version: Option<Cow<'a, str>>,
}

/// One entry of `Results`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ScanResult<'a> {
    /// The target: `IMAGE (debian 12.5)`, `Python`, a file path.
    #[serde(borrow)]
    pub target: Option<Cow<'a, str>>,
    /// `os-pkgs`, `lang-pkgs`, `secret`, `config`, `license`, ...
    #[serde(borrow)]
    pub class: Option<Cow<'a, str>>,
    /// Vulnerabilities found in the target's packages.
    #[serde(borrow)]
    pub vulnerabilities: Option<Vec<Vulnerability<'a>>>,
    /// Secrets found in the target file.
    #[serde(borrow)]
    pub secrets: Option<Vec<Secret<'a>>>,
    /// Misconfigurations found in the target file.
    #[serde(borrow)]
    pub misconfigurations: Option<Vec<Misconfiguration<'a>>>,
    /// License findings.
    #[serde(borrow)]
    pub licenses: Option<Vec<License<'a>>>,
}

/// A detected vulnerability (Trivy's `DetectedVulnerability`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Vulnerability<'a> {
    /// `CVE-...`, `GHSA-...`, ...
    #[serde(rename = "VulnerabilityID", borrow)]
    pub vulnerability_id: Option<Cow<'a, str>>,
    /// The package's name.
    #[serde(borrow)]
    pub pkg_name: Option<Cow<'a, str>>,
    /// Where a language package was found (a lock file, a dist-info directory).
    #[serde(borrow)]
    pub pkg_path: Option<Cow<'a, str>>,
    /// The package's identifiers.
    #[serde(borrow)]
    pub pkg_identifier: Option<PkgIdentifier<'a>>,
    /// The installed version.
    #[serde(borrow)]
    pub installed_version: Option<Cow<'a, str>>,
    /// The fixing version(s), comma-separated.
    #[serde(borrow)]
    pub fixed_version: Option<Cow<'a, str>>,
    /// `UNKNOWN`, `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`.
    #[serde(borrow)]
    pub severity: Option<Cow<'a, str>>,
    /// One-line title.
    #[serde(borrow)]
    pub title: Option<Cow<'a, str>>,
}

/// `PkgIdentifier` of a vulnerability.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PkgIdentifier<'a> {
    /// The package URL.
    #[serde(rename = "PURL", borrow)]
    pub purl: Option<Cow<'a, str>>,
}

/// A secret found in a file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Secret<'a> {
    /// The rule that matched (`github-pat`, `aws-access-key-id`, ...).
    #[serde(rename = "RuleID", borrow)]
    pub rule_id: Option<Cow<'a, str>>,
    /// The rule's severity.
    #[serde(borrow)]
    pub severity: Option<Cow<'a, str>>,
    /// The rule's title.
    #[serde(borrow)]
    pub title: Option<Cow<'a, str>>,
}

/// A misconfiguration found in a configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Misconfiguration<'a> {
    /// The check's id (`AVD-DS-0002`, ...).
    #[serde(rename = "ID", borrow)]
    pub id: Option<Cow<'a, str>>,
    /// The check's severity.
    #[serde(borrow)]
    pub severity: Option<Cow<'a, str>>,
    /// The check's title.
    #[serde(borrow)]
    pub title: Option<Cow<'a, str>>,
}

/// A license finding.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct License<'a> {
    /// The package the license belongs to.
    #[serde(borrow)]
    pub pkg_name: Option<Cow<'a, str>>,
    /// The license's name.
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    /// Its severity under the scan's license policy.
    #[serde(borrow)]
    pub severity: Option<Cow<'a, str>>,
}

/// Parse a Trivy JSON report (schema version 2), bounded by `options.max_report_bytes`.
pub fn parse_report<'a>(bytes: &'a [u8], options: &Options) -> Result<Report<'a>, VulnError> {
    options.check_size(FORMAT, bytes)?;
    let report: Report<'a> =
        serde_json::from_slice(bytes).map_err(|source| VulnError::Malformed {
            format: FORMAT,
            source,
        })?;
    match report.schema_version {
        Some(SCHEMA_VERSION) => Ok(report),
        found => Err(VulnError::TrivySchemaVersion {
            found: found.unwrap_or(0),
        }),
    }
}

/// The findings of a Trivy JSON report, in report order: per result, its vulnerabilities,
/// misconfigurations, secrets and licenses (the order of Trivy's own SARIF).
pub fn trivy_findings(bytes: &[u8], options: &Options) -> Result<Vec<Finding>, VulnError> {
    Ok(parse_report(bytes, options)?.findings())
}

fn owned(text: &Option<Cow<'_, str>>) -> Option<String> {
    text.as_deref()
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn severity(text: &Option<Cow<'_, str>>) -> Severity {
    text.as_deref()
        .map_or(Severity::Unknown, Severity::from_name)
}

impl Report<'_> {
    /// The report's findings, as [`trivy_findings`] lists them.
    pub fn findings(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        for result in self.results.iter().flatten() {
            let target = owned(&result.target);
            let finding = |kind, id: &Option<Cow<'_, str>>, severity_name, title| Finding {
                kind,
                id: owned(id).unwrap_or_default(),
                package_name: None,
                purl: None,
                installed_version: None,
                fixed_version: None,
                severity: severity(severity_name),
                location: target.clone(),
                title,
            };
            for vulnerability in result.vulnerabilities.iter().flatten() {
                findings.push(Finding {
                    package_name: owned(&vulnerability.pkg_name),
                    purl: vulnerability
                        .pkg_identifier
                        .as_ref()
                        .and_then(|identifier| owned(&identifier.purl)),
                    installed_version: owned(&vulnerability.installed_version),
                    fixed_version: owned(&vulnerability.fixed_version),
                    location: owned(&vulnerability.pkg_path).or_else(|| target.clone()),
                    ..finding(
                        FindingKind::Vulnerability,
                        &vulnerability.vulnerability_id,
                        &vulnerability.severity,
                        owned(&vulnerability.title),
                    )
                });
            }
            for misconfiguration in result.misconfigurations.iter().flatten() {
                findings.push(finding(
                    FindingKind::Misconfiguration,
                    &misconfiguration.id,
                    &misconfiguration.severity,
                    owned(&misconfiguration.title),
                ));
            }
            for secret in result.secrets.iter().flatten() {
                findings.push(finding(
                    FindingKind::Secret,
                    &secret.rule_id,
                    &secret.severity,
                    owned(&secret.title),
                ));
            }
            for license in result.licenses.iter().flatten() {
                // Trivy names a license finding `PKG:LICENSE` and titles it `LICENSE in PKG`.
                let package = license.pkg_name.as_deref().unwrap_or_default();
                let name = license.name.as_deref().unwrap_or_default();
                findings.push(Finding {
                    id: format!("{package}:{name}"),
                    package_name: owned(&license.pkg_name),
                    ..finding(
                        FindingKind::License,
                        &None,
                        &license.severity,
                        Some(format!("{name} in {package}")),
                    )
                });
            }
        }
        findings
    }
}
