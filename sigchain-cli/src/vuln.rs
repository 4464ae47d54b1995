//! `sigchain vuln predicate --from trivy-json|sarif REPORT`: a scanner's report as cosign's
//! vulnerability predicate, printed (or written to `--file`) so a pipeline can look at it
//! before `sigchain attest --type vuln --predicate FILE IMAGE` signs it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sigchain_sbom::vuln::{self, Options, ScanTime};

/// `sigchain vuln`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Turn a Trivy JSON report or a SARIF 2.1.0 log into cosign's vulnerability predicate
    /// (`https://cosign.sigstore.dev/attestation/vuln/v1`), the report carried unchanged as
    /// `scanner.result`.
    Predicate(PredicateArgs),
}

/// The report formats read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum From {
    /// `trivy ... --format json` (report schema version 2).
    TrivyJson,
    /// SARIF 2.1.0: Trivy's `--format sarif` or another scanner's.
    Sarif,
}

#[derive(clap::Args)]
struct PredicateArgs {
    /// The report's format.
    #[arg(long = "from", value_enum)]
    from: From,
    /// The report file.
    report: PathBuf,
    /// Write the predicate to this file instead of stdout.
    #[arg(long, value_name = "OUT")]
    file: Option<PathBuf>,
    /// The scanner's version, for a report that does not record it.
    #[arg(long)]
    scanner_version: Option<String>,
    /// When the scan ran (RFC 3339), for a report that does not record it; default: now.
    #[arg(long, value_name = "TIME")]
    scan_time: Option<String>,
    /// The largest report read, in bytes.
    #[arg(long, default_value_t = vuln::DEFAULT_MAX_REPORT_BYTES)]
    max_report_bytes: usize,
}

/// `sigchain vuln ...`.
pub fn run(args: Args) -> ExitCode {
    let Command::Predicate(args) = args.command;
    crate::finish(predicate(&args))
}

fn predicate(args: &PredicateArgs) -> Result<(), String> {
    let report = read_bounded(&args.report, args.max_report_bytes)?;
    let scan_time = match &args.scan_time {
        Some(text) => ScanTime::parse(text).map_err(|e| e.to_string())?,
        None => ScanTime::from(std::time::SystemTime::now()),
    };
    let options = Options {
        max_report_bytes: args.max_report_bytes,
        scanner_version: args.scanner_version.clone(),
        scan_started_on: Some(scan_time),
        ..Options::default()
    };
    let predicate = match args.from {
        From::TrivyJson => vuln::from_trivy_report(&report, &options),
        From::Sarif => vuln::from_sarif(&report, &options),
    }
    .map_err(|e| format!("{}: {e}", args.report.display()))?;
    let mut json = predicate.to_json_pretty().map_err(|e| e.to_string())?;
    json.push(b'\n');
    crate::inputs::write_output(args.file.as_deref(), &json)
}

/// The file, read no further than one byte past the limit (the library then says it is too
/// large).
fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(bytes)
}
