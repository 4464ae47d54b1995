//! `sigchain verify-many`: verify a JSON-lines manifest of bundles in parallel.
//!
//! Each input line is one object:
//! `{"bundle": <path or inline bundle object>, "artifact": <path> | "digest": "sha256:<hex>",
//!   "identity": ..., "issuer": ... | "identity_regexp": ..., "issuer_regexp": ... | "key": <path>}`.
//! Relative paths are taken from the manifest's folder. One JSON line is printed per input, in
//! input order: `{"index": i, "ok": true}` or `{"index": i, "ok": false, "error": "..."}`.
//!
//! The manifest is streamed: lines are read one at a time, each at most `--max-line-bytes` (a
//! longer line is that line's error), verified on `--jobs` threads, and each result is written
//! as soon as it and all before it are done. Only a bounded window of lines is in flight, so a
//! manifest of any length runs in bounded memory. An inline bundle is handed to the verifier as
//! the exact JSON text the line holds: it is parsed once, by the verifier.

mod lines;
mod ordered;

use std::borrow::Cow;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde::Deserialize;
use serde_json::value::RawValue;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Policy, SignerPolicy, Verifier};

use crate::inputs;
use crate::options::VerifierOptions;
use lines::ManifestLine;
use ordered::{Sink, Window};

/// Longest manifest line by default: the largest bundle the verifier accepts, inline, plus room
/// for the paths and identities beside it.
const DEFAULT_MAX_LINE_BYTES: usize = Limits::DEFAULT.max_bundle_bytes + 64 * 1024;
/// Lines in flight (read, result not yet written) per worker: enough to keep every worker busy
/// while one slow bundle holds up the output.
const LINES_IN_FLIGHT_PER_JOB: usize = 8;
/// Bytes of manifest lines in flight, whatever `--jobs` says (one longer line is still let in).
const BYTES_IN_FLIGHT: usize = 64 * 1024 * 1024;

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Worker threads (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Use the Sigstore staging instance's trusted root.
    #[arg(long)]
    staging: bool,
    /// Trusted root JSON to use instead of the built-in one.
    #[arg(long)]
    trusted_root: Option<PathBuf>,
    /// Use the trusted root that `sigchain trust update` cached in this directory (the TUF cache;
    /// see `sigchain trust status` for its age).
    #[arg(long, conflicts_with_all = ["trusted_root", "staging"])]
    tuf_cache: Option<PathBuf>,
    /// Longest manifest line, in bytes; a longer line fails on its own and the rest go on.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES)]
    max_line_bytes: usize,
    #[command(flatten)]
    verifier: VerifierOptions,
    /// The manifest: one JSON object per line.
    manifest: PathBuf,
}

/// One manifest line. The bundle stays raw JSON text borrowed from the line: a path (a JSON
/// string) or the bundle object itself, which goes to the verifier as it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry<'a> {
    #[serde(borrow)]
    bundle: &'a RawValue,
    artifact: Option<String>,
    digest: Option<String>,
    identity: Option<String>,
    issuer: Option<String>,
    identity_regexp: Option<String>,
    issuer_regexp: Option<String>,
    key: Option<String>,
}

pub fn run(args: Args) -> ExitCode {
    match run_manifest(&args) {
        Ok(all_ok) if all_ok => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(reason) => {
            eprintln!("FAIL: {reason}");
            ExitCode::from(2)
        }
    }
}

fn run_manifest(args: &Args) -> Result<bool, String> {
    let started = Instant::now();
    let root: TrustedRoot = inputs::trusted_root(
        args.trusted_root.as_deref(),
        args.tuf_cache.as_deref(),
        args.staging,
    )?;
    let verifier = Verifier::new(&root, args.verifier.config());
    let manifest = std::fs::File::open(&args.manifest)
        .map_err(|e| format!("{}: {e}", args.manifest.display()))?;
    let mut manifest = BufReader::with_capacity(256 * 1024, manifest);
    let base = args
        .manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 1024);
    let now = Timestamp::now();

    // A line that cannot be an entry still gets its index and its error, so the output keeps
    // one result per non-blank line.
    let next_line = || loop {
        let line = lines::read_line(&mut manifest, args.max_line_bytes)
            .map_err(|e| format!("{}: {e}", args.manifest.display()))?;
        match line {
            None => return Ok(None),
            Some(ManifestLine::Blank) => continue,
            Some(ManifestLine::Entry(text)) => {
                let weight = text.len();
                return Ok(Some((Ok(text), weight)));
            }
            Some(unusable) => {
                let problem = unusable.problem().unwrap_or_default();
                return Ok(Some((Err(problem), 0)));
            }
        }
    };
    let verify = |line: Result<String, String>| {
        line.and_then(|text| verify_line(&verifier, &base, &text, now))
    };
    let window = Window {
        items: jobs.saturating_mul(LINES_IN_FLIGHT_PER_JOB),
        weight: BYTES_IN_FLIGHT,
    };
    let out = ResultLines {
        out: BufWriter::with_capacity(64 * 1024, io::stdout()),
        verified: 0,
        failed: 0,
    };
    let out = ordered::run(jobs, window, next_line, &verify, out)?;
    let total = out.verified + out.failed;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "verify-many: {} verified, {} failed, {total} total in {secs:.3} s ({:.0} bundles/s, {jobs} jobs)",
        out.verified,
        out.failed,
        total as f64 / secs.max(1e-9),
    );
    Ok(out.failed == 0)
}

/// Writes one result line per entry and counts them.
struct ResultLines<W> {
    out: W,
    verified: usize,
    failed: usize,
}

impl<W: Write> Sink<Result<(), String>> for ResultLines<W> {
    fn deliver(&mut self, index: usize, outcome: Result<(), String>) -> io::Result<()> {
        let line = match outcome {
            Ok(()) => {
                self.verified += 1;
                serde_json::json!({"index": index, "ok": true})
            }
            Err(error) => {
                self.failed += 1;
                serde_json::json!({"index": index, "ok": false, "error": error})
            }
        };
        writeln!(self.out, "{line}")
    }

    fn idle(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn verify_line(verifier: &Verifier, base: &Path, line: &str, now: Timestamp) -> Result<(), String> {
    let entry: Entry<'_> = serde_json::from_str(line).map_err(|e| format!("manifest line: {e}"))?;
    let resolve = |p: &str| base.join(p);
    let raw_bundle = entry.bundle.get();
    let bundle_json: Cow<'_, [u8]> = match raw_bundle.as_bytes().first() {
        Some(b'"') => {
            let path: String = serde_json::from_str(raw_bundle)
                .map_err(|e| format!("manifest bundle path: {e}"))?;
            Cow::Owned(inputs::read_limited(
                &resolve(&path),
                verifier.config().limits.max_bundle_bytes as u64,
            )?)
        }
        Some(b'{') => Cow::Borrowed(raw_bundle.as_bytes()),
        _ => return Err("manifest: \"bundle\" must be a path or an object".into()),
    };
    let artifact = match (&entry.artifact, &entry.digest) {
        (Some(path), None) => inputs::artifact_file(&resolve(path))?,
        (None, Some(digest)) => {
            let hex = digest
                .strip_prefix("sha256:")
                .ok_or("manifest: digest must be sha256:<hex>")?;
            inputs::ArtifactInput::Sha256(
                sigchain_core::crypto::Sha256Digest::from_hex(hex)
                    .ok_or("manifest: digest must be sha256:<64 hex>")?,
            )
        }
        _ => return Err("manifest: give exactly one of \"artifact\" and \"digest\"".into()),
    };
    let signer = match &entry.key {
        Some(key) => SignerPolicy::PublicKey(inputs::public_key(&resolve(key))?),
        None => {
            let subject = matcher(&entry.identity, &entry.identity_regexp, "identity")?;
            let issuer = matcher(&entry.issuer, &entry.issuer_regexp, "issuer")?;
            SignerPolicy::Certificate(vec![CertificateIdentity::new(subject, issuer)])
        }
    };
    let policy = Policy {
        artifact: artifact.as_artifact(),
        signer,
    };
    verifier
        .verify_json(&bundle_json, &policy, now)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn matcher(
    exact: &Option<String>,
    regexp: &Option<String>,
    what: &str,
) -> Result<IdentityMatcher, String> {
    match (exact, regexp) {
        (Some(s), None) => Ok(IdentityMatcher::exact(s.clone())),
        (None, Some(re)) => IdentityMatcher::regex(re).map_err(|e| e.to_string()),
        _ => Err(format!(
            "manifest: give exactly one of \"{what}\" and \"{what}_regexp\", or \"key\""
        )),
    }
}
