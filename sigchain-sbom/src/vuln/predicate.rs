//! cosign's vulnerability-scan predicate (`https://cosign.sigstore.dev/attestation/vuln/v1`)
//! and its builders from a Trivy JSON report and a SARIF log.
//!
//! The JSON has the member names and order of Trivy's `convert --format cosign-vuln`
//! (`invocation` with `parameters`, `uri`, `event_id`, `builder.id`; `scanner` with `uri`,
//! `version`, `db`, `result`; `metadata` with `scanStartedOn`, `scanFinishedOn`). Trivy
//! re-encodes the report it embeds; here `scanner.result` is the report's own bytes, so the
//! attestation says exactly what the scanner said (Trivy writes a report already in the order
//! its `convert` sorts to, so for Trivy's reports the two agree field for field).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{sarif, trivy, VulnError};

/// The in-toto predicate type of [`VulnPredicate`] (`sigchain attest --type vuln`).
pub const VULN_PREDICATE_TYPE: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";

/// The default bound on a report's size: 256 MiB, far above a large image's Trivy report
/// (tens of MB) yet a bound.
pub const DEFAULT_MAX_REPORT_BYTES: usize = 256 << 20;

/// cosign's vulnerability-scan predicate.
#[derive(Debug, Serialize, Deserialize)]
pub struct VulnPredicate {
    /// How the scan was invoked (Trivy leaves it empty).
    pub invocation: Invocation,
    /// The scanner and its result.
    pub scanner: Scanner,
    /// When the scan ran.
    pub metadata: ScanMetadata,
}

/// `invocation`: what ran the scan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// The scan's parameters (`null` when not given).
    pub parameters: Option<serde_json::Value>,
    /// Where the invocation is described (a CI run's URL).
    pub uri: String,
    /// The invoking event's id.
    pub event_id: String,
    /// The builder's id.
    #[serde(rename = "builder.id")]
    pub builder_id: String,
}

/// `scanner`: who scanned, with which database, and what it found.
#[derive(Debug, Serialize, Deserialize)]
pub struct Scanner {
    /// The scanner's URI; for Trivy its package URL, `pkg:github/aquasecurity/trivy@VERSION`.
    pub uri: String,
    /// The scanner's version.
    pub version: String,
    /// The vulnerability database used.
    pub db: ScannerDb,
    /// The scanner's report, unchanged: a Trivy JSON report or a SARIF log.
    pub result: Box<RawValue>,
}

/// `scanner.db`: the vulnerability database (Trivy leaves both empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannerDb {
    /// Where the database came from.
    pub uri: String,
    /// Its version.
    pub version: String,
}

/// `metadata`: when the scan ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanMetadata {
    /// When the scan started.
    #[serde(rename = "scanStartedOn")]
    pub scan_started_on: ScanTime,
    /// When it finished.
    #[serde(rename = "scanFinishedOn")]
    pub scan_finished_on: ScanTime,
}

/// An RFC 3339 date-time, kept as written (Go writes nanoseconds with trailing zeros cut).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScanTime(String);

impl ScanTime {
    /// Check and keep an RFC 3339 date-time.
    ///
    /// ```
    /// use sigchain_sbom::vuln::ScanTime;
    /// assert!(ScanTime::parse("2026-12-02T14:22:51.79Z").is_ok());
    /// assert!(ScanTime::parse("yesterday").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<ScanTime, VulnError> {
        ScanTime::checked("time", text)
    }

    fn checked(field: &'static str, text: &str) -> Result<ScanTime, VulnError> {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|_| ScanTime(text.to_owned()))
            .map_err(|_| VulnError::BadTime {
                field,
                value: text.to_owned(),
            })
    }

    /// The date-time as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<chrono::DateTime<chrono::Utc>> for ScanTime {
    /// Written like Go's `time.RFC3339Nano` in UTC, as Trivy writes its times.
    fn from(time: chrono::DateTime<chrono::Utc>) -> ScanTime {
        let text = time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        // Go cuts trailing zeros of the fraction, and the fraction when it is all zeros.
        let text = match text.split_once('.') {
            Some((seconds, fraction)) => {
                let digits = fraction.trim_end_matches('Z').trim_end_matches('0');
                if digits.is_empty() {
                    format!("{seconds}Z")
                } else {
                    format!("{seconds}.{digits}Z")
                }
            }
            None => text,
        };
        ScanTime(text)
    }
}

impl From<std::time::SystemTime> for ScanTime {
    /// A clock reading, written as [`From<chrono::DateTime<chrono::Utc>>`] writes it.
    fn from(time: std::time::SystemTime) -> ScanTime {
        ScanTime::from(chrono::DateTime::<chrono::Utc>::from(time))
    }
}

impl TryFrom<String> for ScanTime {
    type Error = VulnError;
    fn try_from(text: String) -> Result<ScanTime, VulnError> {
        ScanTime::parse(&text)
    }
}

impl From<ScanTime> for String {
    fn from(time: ScanTime) -> String {
        time.0
    }
}

/// What the caller supplies: bounds, and the facts a report may not record.
#[derive(Clone, Debug)]
pub struct Options {
    /// The largest report accepted, in bytes.
    pub max_report_bytes: usize,
    /// The scanner's version, for a report that does not record it.
    pub scanner_version: Option<String>,
    /// When the scan started, for a report that does not record it.
    pub scan_started_on: Option<ScanTime>,
    /// When the scan finished, for a report that does not record it.
    pub scan_finished_on: Option<ScanTime>,
    /// The predicate's `invocation` (empty by default, as Trivy writes it).
    pub invocation: Invocation,
    /// The predicate's `scanner.db` (empty by default, as Trivy writes it).
    pub db: ScannerDb,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_report_bytes: DEFAULT_MAX_REPORT_BYTES,
            scanner_version: None,
            scan_started_on: None,
            scan_finished_on: None,
            invocation: Invocation::default(),
            db: ScannerDb::default(),
        }
    }
}

impl Options {
    pub(crate) fn check_size(&self, format: &'static str, bytes: &[u8]) -> Result<(), VulnError> {
        if bytes.len() > self.max_report_bytes {
            return Err(VulnError::TooLarge {
                format,
                len: bytes.len(),
                max: self.max_report_bytes,
            });
        }
        Ok(())
    }

    /// The report's times where it has them, else the caller's (one given time serves both).
    fn scan_times(
        &self,
        started: Option<ScanTime>,
        finished: Option<ScanTime>,
    ) -> Result<ScanMetadata, VulnError> {
        let started = started.or_else(|| self.scan_started_on.clone());
        let finished = finished.or_else(|| self.scan_finished_on.clone());
        match (started, finished) {
            (Some(started), Some(finished)) => Ok(ScanMetadata {
                scan_started_on: started,
                scan_finished_on: finished,
            }),
            (Some(only), None) | (None, Some(only)) => Ok(ScanMetadata {
                scan_started_on: only.clone(),
                scan_finished_on: only,
            }),
            (None, None) => Err(VulnError::ScanTimeUnknown),
        }
    }

    fn scanner_version(&self, recorded: Option<&str>) -> Result<String, VulnError> {
        recorded
            .filter(|version| !version.is_empty())
            .or(self.scanner_version.as_deref())
            .map(str::to_owned)
            .ok_or(VulnError::ScannerVersionUnknown)
    }
}

/// Trivy's package URL, as Trivy names itself in its own predicate.
fn trivy_purl(version: &str) -> String {
    format!("pkg:github/aquasecurity/trivy@{version}")
}

fn raw_report(format: &'static str, bytes: &[u8]) -> Result<Box<RawValue>, VulnError> {
    serde_json::from_slice(bytes).map_err(|source| VulnError::Malformed { format, source })
}

/// The predicate for a Trivy JSON report: Trivy's version from the report (`Trivy.Version`),
/// both scan times its `CreatedAt` (Trivy's own `convert` uses its clock for both), the
/// report itself as `scanner.result`.
pub fn from_trivy_report(bytes: &[u8], options: &Options) -> Result<VulnPredicate, VulnError> {
    let report = trivy::parse_report(bytes, options)?;
    let version = options.scanner_version(
        report
            .trivy
            .as_ref()
            .and_then(|trivy| trivy.version.as_deref()),
    )?;
    let created = report
        .created_at
        .as_deref()
        .map(|text| ScanTime::checked("CreatedAt", text))
        .transpose()?;
    let metadata = options.scan_times(created.clone(), created)?;
    Ok(VulnPredicate {
        invocation: options.invocation.clone(),
        scanner: Scanner {
            uri: trivy_purl(&version),
            version,
            db: options.db.clone(),
            result: raw_report("Trivy JSON", bytes)?,
        },
        metadata,
    })
}

/// The predicate for a SARIF 2.1.0 log: the scanner is the first run's `tool.driver` (Trivy
/// named by its package URL as in its own predicate, another tool by its `informationUri`,
/// else its name), the scan times the first run's first invocation's start and end, the log
/// itself as `scanner.result`.
pub fn from_sarif(bytes: &[u8], options: &Options) -> Result<VulnPredicate, VulnError> {
    let log = sarif::parse_log(bytes, options)?;
    let run = log.runs.first().ok_or(VulnError::SarifNoRuns)?;
    let driver = &run.tool.driver;
    let version = options.scanner_version(
        driver
            .semantic_version
            .as_deref()
            .or(driver.version.as_deref()),
    )?;
    let uri = if run.is_trivy() {
        trivy_purl(&version)
    } else {
        driver
            .information_uri
            .as_deref()
            .or(driver.name.as_deref())
            .unwrap_or_default()
            .to_owned()
    };
    let invocation = run.invocations.first();
    let time =
        |field, text: Option<&str>| text.map(|text| ScanTime::checked(field, text)).transpose();
    let metadata = options.scan_times(
        time(
            "startTimeUtc",
            invocation.and_then(|i| i.start_time_utc.as_deref()),
        )?,
        time(
            "endTimeUtc",
            invocation.and_then(|i| i.end_time_utc.as_deref()),
        )?,
    )?;
    Ok(VulnPredicate {
        invocation: options.invocation.clone(),
        scanner: Scanner {
            uri,
            version,
            db: options.db.clone(),
            result: raw_report("SARIF", bytes)?,
        },
        metadata,
    })
}

impl VulnPredicate {
    /// The predicate as indented JSON (the embedded report keeps its own layout).
    pub fn to_json_pretty(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec_pretty(self)
    }
}
