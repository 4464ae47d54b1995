//! `sigchain sign-bundle`: sign a file (or an in-toto statement, as DSSE) into a v0.3 bundle,
//! per the sigstore-conformance CLI protocol, keyless or with a managed key.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sigchain_core::sign::machine::{Content, SignedBundle};

use crate::inputs;
use crate::signing::SignerArgs;

/// Arguments of `sign-bundle`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    signing: SignerArgs,
    /// FILE is an in-toto Statement: sign it as a DSSE envelope (payload type
    /// `application/vnd.in-toto+json`) instead of signing the file's digest.
    #[arg(long)]
    in_toto: bool,
    /// Where to write the bundle. Written only when signing succeeded (never a partial file).
    #[arg(long)]
    bundle: PathBuf,
    /// The file to sign.
    file: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("tokio runtime: {e}")),
    };
    match runtime.block_on(sign(&args)) {
        Ok((signed, summary)) => {
            match write_atomically(&args.bundle, signed.to_json().as_bytes()) {
                Ok(()) => {
                    eprintln!("OK: {summary}; bundle written to {}", args.bundle.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&format!("bundle {}: {e}", args.bundle.display())),
            }
        }
        Err(reason) => fail(&reason),
    }
}

fn fail(reason: &str) -> ExitCode {
    eprintln!("FAIL: {reason}");
    ExitCode::FAILURE
}

async fn sign(args: &Args) -> Result<(SignedBundle, String), String> {
    let content = content(args)?;
    args.signing.sign(content).await
}

fn content(args: &Args) -> Result<Content, String> {
    if args.in_toto {
        let statement = inputs::read_limited(&args.file, 16 * 1024 * 1024)?;
        return Ok(Content::InTotoStatement(statement));
    }
    Ok(match inputs::artifact_file(&args.file)? {
        inputs::ArtifactInput::Bytes(bytes) => Content::Artifact(bytes),
        inputs::ArtifactInput::Sha256(digest) => Content::ArtifactDigest(digest),
    })
}

/// Write `bytes` to `path` through a temporary file beside it, renamed into place: a reader
/// (or a crash) sees the old file or the whole new one, never a partial bundle.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
