//! The scanner-neutral finding both report formats reduce to.

use serde::Serialize;

/// One thing a scanner found: a vulnerable package, a secret, a misconfiguration, ...
///
/// Fields a format does not carry are `None`: SARIF has no package URL, and a SARIF log from
/// a scanner other than Trivy names no package or versions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Finding {
    /// What kind of finding this is.
    pub kind: FindingKind,
    /// The vulnerability id (`CVE-2024-2961`, `GHSA-...`) or rule id (`github-pat`).
    pub id: String,
    /// The affected package's name.
    pub package_name: Option<String>,
    /// The affected package's package URL.
    pub purl: Option<String>,
    /// The installed version of the package.
    pub installed_version: Option<String>,
    /// The version(s) that fix it, as the scanner wrote them (Trivy: comma-separated).
    pub fixed_version: Option<String>,
    /// How severe the scanner says it is.
    pub severity: Severity,
    /// Where it was found: the report's target, or the package's own path where it has one.
    pub location: Option<String>,
    /// The finding's one-line title.
    pub title: Option<String>,
}

/// The kinds of finding a scanner reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A vulnerability in an installed package.
    Vulnerability,
    /// A secret (token, key, password) in a file.
    Secret,
    /// A misconfiguration in a configuration file.
    Misconfiguration,
    /// A license finding.
    License,
    /// The report does not say (a SARIF result from a scanner that does not tag its rules).
    Unspecified,
}

/// Severity on Trivy's scale (also the CVSS v3 qualitative bands).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Not known (Trivy's `UNKNOWN`, SARIF's `none` or no level).
    Unknown,
    /// CVSS 0.1–3.9.
    Low,
    /// CVSS 4.0–6.9.
    Medium,
    /// CVSS 7.0–8.9.
    High,
    /// CVSS 9.0–10.0.
    Critical,
}

impl Severity {
    /// Trivy's severity names (`LOW`, ..., `CRITICAL`, any case); anything else is `Unknown`.
    ///
    /// ```
    /// use sigchain_sbom::vuln::Severity;
    /// assert_eq!(Severity::from_name("CRITICAL"), Severity::Critical);
    /// assert_eq!(Severity::from_name("moderate"), Severity::Unknown);
    /// ```
    pub fn from_name(name: &str) -> Severity {
        Severity::from_known_name(name).unwrap_or(Severity::Unknown)
    }

    /// The severity a name spells, if it spells one (`UNKNOWN` included).
    pub(crate) fn from_known_name(name: &str) -> Option<Severity> {
        [
            ("UNKNOWN", Severity::Unknown),
            ("LOW", Severity::Low),
            ("MEDIUM", Severity::Medium),
            ("HIGH", Severity::High),
            ("CRITICAL", Severity::Critical),
        ]
        .into_iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, severity)| severity)
    }

    /// The CVSS v3 band of a score (GitHub code scanning reads SARIF's `security-severity`
    /// the same way); scores outside 0–10 are `Unknown`.
    ///
    /// ```
    /// use sigchain_sbom::vuln::Severity;
    /// assert_eq!(Severity::from_cvss_score(7.3), Severity::High);
    /// assert_eq!(Severity::from_cvss_score(0.0), Severity::Unknown);
    /// ```
    pub fn from_cvss_score(score: f64) -> Severity {
        match score {
            s if (9.0..=10.0).contains(&s) => Severity::Critical,
            s if (7.0..9.0).contains(&s) => Severity::High,
            s if (4.0..7.0).contains(&s) => Severity::Medium,
            s if s > 0.0 && s < 4.0 => Severity::Low,
            _ => Severity::Unknown,
        }
    }

    /// SARIF's `level` (`error`, `warning`, `note`, `none`) as Trivy assigns it: the coarsest
    /// reading, used only when a rule gives no better one.
    pub fn from_sarif_level(level: &str) -> Severity {
        match level {
            "error" => Severity::High,
            "warning" => Severity::Medium,
            "note" => Severity::Low,
            _ => Severity::Unknown,
        }
    }
}
