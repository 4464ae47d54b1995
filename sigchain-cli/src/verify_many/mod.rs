//! `sigchain verify-many`: verify a JSON-lines manifest of bundles in parallel.
//!
//! Each input line is one object:
//! `{"bundle": <path or inline bundle object>, "artifact": <path> | "digest": "sha256:<hex>",
//!   "identity": ..., "issuer": ... | "identity_regexp": ..., "issuer_regexp": ... | "key": <path>}`.
//! Relative paths are taken from the manifest's folder. One JSON line is printed per input, in
//! input order: `{"index": i, "ok": true}` or `{"index": i, "ok": false, "error": "..."}`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Policy, SignerPolicy, Verifier};

use crate::inputs;
use crate::options::VerifierOptions;

/// Largest manifest accepted.
const MAX_MANIFEST_BYTES: u64 = 1 << 30;

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
    #[command(flatten)]
    verifier: VerifierOptions,
    /// The manifest: one JSON object per line.
    manifest: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    bundle: serde_json::Value,
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
    let root: TrustedRoot = inputs::trusted_root(args.trusted_root.as_deref(), args.staging)?;
    let verifier = Verifier::new(&root, args.verifier.config());
    let text = inputs::read_limited(&args.manifest, MAX_MANIFEST_BYTES)?;
    let text = String::from_utf8(text).map_err(|_| "manifest is not UTF-8".to_string())?;
    let base = args
        .manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 1024);
    let now = Timestamp::now();
    let results: Vec<Mutex<Option<Result<(), String>>>> =
        lines.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(lines.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(line) = lines.get(i) else { break };
                let outcome = verify_line(&verifier, &base, line, now);
                if let Ok(mut slot) = results[i].lock() {
                    *slot = Some(outcome);
                }
            });
        }
    });
    let mut failed = 0usize;
    for (index, slot) in results.into_iter().enumerate() {
        let outcome = slot
            .into_inner()
            .ok()
            .flatten()
            .unwrap_or_else(|| Err("internal: no result".into()));
        let line = match outcome {
            Ok(()) => serde_json::json!({"index": index, "ok": true}),
            Err(error) => {
                failed += 1;
                serde_json::json!({"index": index, "ok": false, "error": error})
            }
        };
        println!("{line}");
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "verify-many: {} verified, {failed} failed, {} total in {secs:.3} s ({:.0} bundles/s, {jobs} jobs)",
        lines.len() - failed,
        lines.len(),
        lines.len() as f64 / secs.max(1e-9),
    );
    Ok(failed == 0)
}

fn verify_line(verifier: &Verifier, base: &Path, line: &str, now: Timestamp) -> Result<(), String> {
    let entry: Entry = serde_json::from_str(line).map_err(|e| format!("manifest line: {e}"))?;
    let resolve = |p: &str| base.join(p);
    let bundle_json = match &entry.bundle {
        serde_json::Value::String(path) => inputs::read_limited(
            &resolve(path),
            verifier.config().limits.max_bundle_bytes as u64,
        )?,
        object @ serde_json::Value::Object(_) => {
            serde_json::to_vec(object).map_err(|e| format!("manifest bundle: {e}"))?
        }
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
