//! `sigchain verify-bundle`: the sigstore-conformance verification command.

use std::path::PathBuf;
use std::process::ExitCode;

use sigchain_core::time::Timestamp;
use sigchain_core::verify::{Policy, Verifier};

use crate::inputs;
use crate::options::{IdentityOptions, VerifierOptions};

/// Arguments, in the order the conformance protocol gives them.
#[derive(clap::Args)]
pub struct Args {
    /// Use the Sigstore staging instance's trusted root.
    #[arg(long)]
    staging: bool,
    /// The bundle to verify.
    #[arg(long)]
    bundle: PathBuf,
    #[command(flatten)]
    identity: IdentityOptions,
    /// Trusted root JSON to use instead of the built-in one.
    #[arg(long)]
    trusted_root: Option<PathBuf>,
    /// Use the trusted root that `sigchain trust update` cached in this directory (the TUF cache;
    /// see `sigchain trust status` for its age).
    #[arg(long, conflicts_with_all = ["trusted_root", "staging"])]
    tuf_cache: Option<PathBuf>,
    #[command(flatten)]
    verifier: VerifierOptions,
    /// The artifact: a path, or `sha256:<64 hex>`.
    file_or_digest: String,
}

pub fn run(args: Args) -> ExitCode {
    match verify(&args) {
        Ok(summary) => {
            println!("OK: {summary}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("FAIL: {reason}");
            ExitCode::FAILURE
        }
    }
}

fn verify(args: &Args) -> Result<String, String> {
    let root = inputs::trusted_root(
        args.trusted_root.as_deref(),
        args.tuf_cache.as_deref(),
        args.staging,
    )?;
    let signer = args.identity.signer_policy()?;
    let artifact = inputs::artifact(&args.file_or_digest)?;
    let config = args.verifier.config();
    let bundle_json = inputs::read_limited(&args.bundle, config.limits.max_bundle_bytes as u64)?;
    let verifier = Verifier::new(&root, config);
    let policy = Policy {
        artifact: artifact.as_artifact(),
        signer,
    };
    let verified = verifier
        .verify_json(&bundle_json, &policy, Timestamp::now())
        .map_err(|e| e.to_string())?;
    Ok(verified.summary())
}
