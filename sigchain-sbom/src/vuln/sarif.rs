//! SARIF 2.1.0 logs (OASIS), as Trivy's `--format sarif` and other scanners write them: only
//! the fields findings are made from; everything else is tolerated.
//!
//! Trivy's SARIF carries a vulnerability's package and versions only in its result message
//! (`Package: ...`, `Installed Version: ...`, `Fixed Version: ...` lines), its severity as a
//! rule tag (`HIGH`) and its kind as another (`vulnerability`, `secret`, ...). Other scanners'
//! results are read generically: the rule id, the severity from the rule's
//! `security-severity` (a CVSS score) or else the SARIF level, the first location's URI and
//! the rule's short description.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;

use super::finding::{Finding, FindingKind, Severity};
use super::{Options, VulnError};

const FORMAT: &str = "SARIF";

/// The SARIF version this reader knows.
pub const SARIF_VERSION: &str = "2.1.0";

/// A SARIF log.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SarifLog<'a> {
    /// The SARIF version (`2.1.0`).
    #[serde(borrow)]
    pub version: Option<Cow<'a, str>>,
    /// One run per tool invocation.
    #[serde(borrow)]
    pub runs: Vec<Run<'a>>,
}

/// One run of one tool.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Run<'a> {
    /// The tool that ran.
    #[serde(borrow)]
    pub tool: Tool<'a>,
    /// When and how it ran.
    #[serde(borrow)]
    pub invocations: Vec<Invocation<'a>>,
    /// What it found.
    #[serde(borrow)]
    pub results: Vec<SarifResult<'a>>,
}

/// `tool` of a run.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Tool<'a> {
    /// The tool's main component.
    #[serde(borrow)]
    pub driver: Driver<'a>,
}

/// `tool.driver`: the scanner, with its rules.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Driver<'a> {
    /// The tool's name (`Trivy`).
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    /// The tool's version as it spells it.
    #[serde(borrow)]
    pub version: Option<Cow<'a, str>>,
    /// The tool's semantic version, where it gives one.
    #[serde(borrow)]
    pub semantic_version: Option<Cow<'a, str>>,
    /// The tool's home page.
    #[serde(borrow)]
    pub information_uri: Option<Cow<'a, str>>,
    /// The rules its results refer to.
    #[serde(borrow)]
    pub rules: Vec<Rule<'a>>,
}

/// `invocations[]` of a run.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Invocation<'a> {
    /// When the run started (RFC 3339, UTC).
    #[serde(borrow)]
    pub start_time_utc: Option<Cow<'a, str>>,
    /// When it ended.
    #[serde(borrow)]
    pub end_time_utc: Option<Cow<'a, str>>,
}

/// A rule (Trivy: one per vulnerability id or secret rule).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Rule<'a> {
    /// The rule id results name in `ruleId`.
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    /// One-line description.
    #[serde(borrow)]
    pub short_description: Option<Message<'a>>,
    /// The level results of this rule have unless they say otherwise.
    #[serde(borrow)]
    pub default_configuration: Option<Configuration<'a>>,
    /// The property bag: `tags`, `security-severity`.
    #[serde(borrow)]
    pub properties: Option<RuleProperties<'a>>,
}

/// A message (only its plain text is read).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Message<'a> {
    /// The plain text.
    #[serde(borrow)]
    pub text: Option<Cow<'a, str>>,
}

/// `defaultConfiguration` of a rule.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Configuration<'a> {
    /// `error`, `warning`, `note`, `none`.
    #[serde(borrow)]
    pub level: Option<Cow<'a, str>>,
}

/// The rule property bag's known members.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RuleProperties<'a> {
    /// Tags (Trivy: the finding kind, `security`, the severity name).
    #[serde(borrow)]
    pub tags: Vec<Cow<'a, str>>,
    /// A CVSS score, as a string by convention (a number is accepted too).
    #[serde(rename = "security-severity")]
    pub security_severity: Option<serde_json::Value>,
}

/// One result.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SarifResult<'a> {
    /// The rule it is an instance of.
    #[serde(borrow)]
    pub rule_id: Option<Cow<'a, str>>,
    /// The rule's index in `tool.driver.rules`.
    pub rule_index: Option<u64>,
    /// `error`, `warning`, `note`, `none`.
    #[serde(borrow)]
    pub level: Option<Cow<'a, str>>,
    /// What was found.
    #[serde(borrow)]
    pub message: Message<'a>,
    /// Where.
    #[serde(borrow)]
    pub locations: Vec<Location<'a>>,
}

/// `locations[]` of a result.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Location<'a> {
    /// The file and region.
    #[serde(borrow)]
    pub physical_location: Option<PhysicalLocation<'a>>,
}

/// `physicalLocation` of a location.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PhysicalLocation<'a> {
    /// The file.
    #[serde(borrow)]
    pub artifact_location: Option<ArtifactLocation<'a>>,
}

/// `artifactLocation` of a physical location.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ArtifactLocation<'a> {
    /// The file's URI (relative to a base, for Trivy `ROOTPATH`).
    #[serde(borrow)]
    pub uri: Option<Cow<'a, str>>,
}

/// Parse a SARIF 2.1.0 log, bounded by `options.max_report_bytes`.
pub fn parse_log<'a>(bytes: &'a [u8], options: &Options) -> Result<SarifLog<'a>, VulnError> {
    options.check_size(FORMAT, bytes)?;
    let log: SarifLog<'a> =
        serde_json::from_slice(bytes).map_err(|source| VulnError::Malformed {
            format: FORMAT,
            source,
        })?;
    match log.version.as_deref() {
        Some(SARIF_VERSION) => Ok(log),
        found => Err(VulnError::SarifVersion {
            found: found.unwrap_or_default().to_owned(),
        }),
    }
}

/// The findings of a SARIF 2.1.0 log: every result of every run, in log order.
///
/// ```
/// use sigchain_sbom::vuln::{sarif_findings, FindingKind, Options, Severity};
///
/// let log = br#"{"version": "2.1.0", "runs": [{
///   "tool": {"driver": {"name": "scanner", "rules": [
///     {"id": "R1", "properties": {"security-severity": "9.1"}}]}},
///   "results": [{"ruleId": "R1", "message": {"text": "found"},
///     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/app.py"}}}]}]
/// }]}"#;
/// let findings = sarif_findings(log, &Options::default())?;
/// assert_eq!(findings[0].id, "R1");
/// assert_eq!(findings[0].severity, Severity::Critical);
/// assert_eq!(findings[0].kind, FindingKind::Unspecified);
/// assert_eq!(findings[0].location.as_deref(), Some("src/app.py"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sarif_findings(bytes: &[u8], options: &Options) -> Result<Vec<Finding>, VulnError> {
    Ok(parse_log(bytes, options)?.findings())
}

impl SarifLog<'_> {
    /// The log's findings, as [`sarif_findings`] lists them.
    pub fn findings(&self) -> Vec<Finding> {
        self.runs.iter().flat_map(Run::findings).collect()
    }
}

impl Run<'_> {
    /// Whether Trivy wrote this run (its messages then carry package and versions).
    pub fn is_trivy(&self) -> bool {
        self.tool
            .driver
            .name
            .as_deref()
            .is_some_and(|name| name.eq_ignore_ascii_case("trivy"))
    }

    fn findings(&self) -> Vec<Finding> {
        let rules = &self.tool.driver.rules;
        let by_id: HashMap<&str, &Rule<'_>> = rules
            .iter()
            .filter_map(|rule| Some((rule.id.as_deref()?, rule)))
            .collect();
        let trivy = self.is_trivy();
        self.results
            .iter()
            .map(|result| {
                // `ruleIndex` is only a hint: a rule is trusted only if its id is the one named.
                let indexed = result
                    .rule_index
                    .and_then(|index| rules.get(usize::try_from(index).ok()?));
                let rule = match (result.rule_id.as_deref(), indexed) {
                    (Some(id), Some(rule)) if rule.id.as_deref() == Some(id) => Some(rule),
                    (Some(id), _) => by_id.get(id).copied(),
                    (None, indexed) => indexed,
                };
                finding(result, rule, trivy)
            })
            .collect()
    }
}

fn non_empty(text: Option<&str>) -> Option<String> {
    text.filter(|text| !text.is_empty()).map(str::to_owned)
}

fn finding(result: &SarifResult<'_>, rule: Option<&Rule<'_>>, trivy: bool) -> Finding {
    let tags = rule
        .and_then(|rule| rule.properties.as_ref())
        .map(|properties| properties.tags.as_slice())
        .unwrap_or_default();
    let kind = tags
        .iter()
        .find_map(|tag| match tag.as_ref() {
            "vulnerability" => Some(FindingKind::Vulnerability),
            "secret" => Some(FindingKind::Secret),
            "misconfiguration" => Some(FindingKind::Misconfiguration),
            "license" => Some(FindingKind::License),
            _ => None,
        })
        .unwrap_or(FindingKind::Unspecified);
    let message = result.message.text.as_deref().unwrap_or_default();
    let line = |name: &str| trivy.then(|| message_line(message, name)).flatten();
    let (package_name, installed_version, fixed_version) = match kind {
        FindingKind::Vulnerability => (
            line("Package: "),
            line("Installed Version: "),
            line("Fixed Version: "),
        ),
        FindingKind::License => (line("PkgName: "), None, None),
        _ => (None, None, None),
    };
    Finding {
        kind,
        id: non_empty(result.rule_id.as_deref())
            .or_else(|| non_empty(rule.and_then(|rule| rule.id.as_deref())))
            .unwrap_or_default(),
        package_name,
        purl: None,
        installed_version,
        fixed_version,
        severity: severity(result, rule, tags),
        location: non_empty(
            result
                .locations
                .iter()
                .filter_map(|location| location.physical_location.as_ref())
                .filter_map(|physical| physical.artifact_location.as_ref())
                .find_map(|artifact| artifact.uri.as_deref()),
        ),
        title: non_empty(
            rule.and_then(|rule| rule.short_description.as_ref())
                .and_then(|description| description.text.as_deref()),
        ),
    }
}

/// A severity name among the tags (Trivy's), else the `security-severity` score, else the
/// result's or the rule's level.
fn severity(result: &SarifResult<'_>, rule: Option<&Rule<'_>>, tags: &[Cow<'_, str>]) -> Severity {
    if let Some(named) = tags.iter().find_map(|tag| Severity::from_known_name(tag)) {
        return named;
    }
    let score = rule
        .and_then(|rule| rule.properties.as_ref())
        .and_then(|properties| properties.security_severity.as_ref())
        .and_then(|score| match score {
            serde_json::Value::String(text) => text.trim().parse::<f64>().ok(),
            other => other.as_f64(),
        });
    if let Some(score) = score {
        return Severity::from_cvss_score(score);
    }
    result
        .level
        .as_deref()
        .or_else(|| {
            rule.and_then(|rule| rule.default_configuration.as_ref())
                .and_then(|configuration| configuration.level.as_deref())
        })
        .map_or(Severity::Unknown, Severity::from_sarif_level)
}

/// The value of a `Name: value` line of a Trivy message; an empty value is `None`.
fn message_line(message: &str, name: &str) -> Option<String> {
    message
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|value| non_empty(Some(value.trim())))
}
