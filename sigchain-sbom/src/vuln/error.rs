//! What can go wrong reading a scanner's report.

/// A report that cannot become findings or a predicate; each variant names the failed check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VulnError {
    /// The report is larger than [`super::Options::max_report_bytes`].
    #[error("the {format} report is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Which format was being read.
        format: &'static str,
        /// The report's size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The report is not JSON of the format's shape.
    #[error("the {format} report is not valid: {source}")]
    Malformed {
        /// Which format was being read.
        format: &'static str,
        /// What `serde_json` found.
        source: serde_json::Error,
    },
    /// A Trivy report of a schema version this reader does not know (it reads version 2).
    #[error("Trivy report schema version {found} is not supported (expected 2)")]
    TrivySchemaVersion {
        /// The report's `SchemaVersion`.
        found: u64,
    },
    /// A SARIF log of a version other than 2.1.0.
    #[error("SARIF version {found:?} is not supported (expected \"2.1.0\")")]
    SarifVersion {
        /// The log's `version`.
        found: String,
    },
    /// A SARIF log with no run: there is no tool to name as the scanner.
    #[error("the SARIF log has no runs")]
    SarifNoRuns,
    /// The report records no scanner version and the caller gave none.
    #[error("the report does not say the scanner's version; give one")]
    ScannerVersionUnknown,
    /// The report records no scan time and the caller gave none.
    #[error("the report does not say when the scan ran; give the scan times")]
    ScanTimeUnknown,
    /// A time in the report is not an RFC 3339 date-time.
    #[error("{field} {value:?} is not an RFC 3339 date-time")]
    BadTime {
        /// Which field held it.
        field: &'static str,
        /// What it held.
        value: String,
    },
}
