//! `sigchain sign-bundle`: sign a file (or an in-toto statement, as DSSE) into a v0.3 bundle,
//! per the sigstore-conformance CLI protocol, keyless or with a managed key.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sigchain_core::sign::config::{SigningConfig, MAX_SIGNING_CONFIG_BYTES};
use sigchain_core::sign::key::SigningKey;
use sigchain_core::sign::machine::{Content, SignedBundle};
use sigchain_core::time::Timestamp;
use sigchain_fulcio::client::{
    resolve_token, BundleSigner, GithubActionsTokenClient, KeyProof, TransportConfig,
};
use sigchain_fulcio::token::source::TokenOptions;

use crate::inputs;

/// Arguments of `sign-bundle`.
#[derive(clap::Args)]
pub struct Args {
    /// Sign against the Sigstore staging instance (its trusted root and signing config).
    #[arg(long)]
    staging: bool,
    /// FILE is an in-toto Statement: sign it as a DSSE envelope (payload type
    /// `application/vnd.in-toto+json`) instead of signing the file's digest.
    #[arg(long)]
    in_toto: bool,
    /// The OIDC identity token. Without it (and without `--identity-token-file`), the token
    /// comes from `SIGSTORE_ID_TOKEN`, then GitHub Actions' ambient credentials
    /// (`ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, audience `sigstore`).
    #[arg(long, conflicts_with = "key")]
    identity_token: Option<String>,
    /// A file holding the OIDC identity token.
    #[arg(long, conflicts_with_all = ["key", "identity_token"])]
    identity_token_file: Option<PathBuf>,
    /// Sign with this managed key (PEM PKCS#8 or SEC1, P-256) instead of a Fulcio certificate.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Where to write the bundle. Written only when signing succeeded (never a partial file).
    #[arg(long)]
    bundle: PathBuf,
    /// The trusted root the CA's chain, the log entries and the timestamps are checked against.
    #[arg(long, conflicts_with = "tuf_cache")]
    trusted_root: Option<PathBuf>,
    /// The signing config (protobuf-specs v0.2) naming the CA, logs and TSAs to use.
    #[arg(long, conflicts_with = "tuf_cache")]
    signing_config: Option<PathBuf>,
    /// Use the trusted root and signing config cached by `sigchain trust update --cache DIR`.
    #[arg(long, value_name = "DIR")]
    tuf_cache: Option<PathBuf>,
    /// Show the key to the CA with a proof of possession (as cosign) rather than a CSR.
    #[arg(long)]
    proof_of_possession: bool,
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
    let (trusted_root, signing_config) = trust_material(args)?;
    let content = content(args)?;
    let signer = BundleSigner::from_signing_config(
        trusted_root,
        &signing_config,
        TransportConfig::default(),
        Timestamp::now(),
    )
    .map_err(|e| e.to_string())?
    .with_key_proof(if args.proof_of_possession {
        KeyProof::ProofOfPossession
    } else {
        KeyProof::Csr
    });
    if let Some(path) = &args.key {
        let pem = inputs::read_limited(path, 64 * 1024)?;
        let pem = zeroize::Zeroizing::new(
            String::from_utf8(pem).map_err(|_| format!("key {}: not UTF-8 PEM", path.display()))?,
        );
        let key = SigningKey::from_pem(&pem).map_err(|e| format!("key {}: {e}", path.display()))?;
        let signed = signer
            .sign_with_key(key, content)
            .await
            .map_err(|e| e.to_string())?;
        let summary = signed.verified().summary();
        return Ok((signed, summary));
    }
    let options = TokenOptions {
        token: args.identity_token.clone(),
        token_file: args.identity_token_file.clone(),
        ..TokenOptions::default()
    };
    let github = GithubActionsTokenClient::new(TransportConfig::default());
    let (token, source) = resolve_token(&options, |name| std::env::var(name).ok(), &github)
        .await
        .map_err(|e| e.to_string())?;
    let signed = signer
        .sign_keyless(&token, content)
        .await
        .map_err(|e| e.to_string())?;
    let summary = format!("{}, token from {source}", signed.verified().summary());
    Ok((signed, summary))
}

fn trust_material(
    args: &Args,
) -> Result<(sigchain_core::trust_root::TrustedRoot, SigningConfig), String> {
    if let Some(dir) = &args.tuf_cache {
        let material = inputs::tuf_material(dir)?;
        let config = material
            .signing_config_json
            .as_deref()
            .ok_or_else(|| format!("TUF cache {}: holds no signing config", dir.display()))?;
        let config = SigningConfig::from_json(config)
            .map_err(|e| format!("TUF cache {}: signing config: {e}", dir.display()))?;
        return Ok((material.trusted_root, config));
    }
    let root = inputs::trusted_root(args.trusted_root.as_deref(), None, args.staging)?;
    let config = match &args.signing_config {
        Some(path) => {
            let json = inputs::read_limited(path, MAX_SIGNING_CONFIG_BYTES as u64)?;
            SigningConfig::from_json(&json)
                .map_err(|e| format!("signing config {}: {e}", path.display()))?
        }
        None if args.staging => SigningConfig::staging().clone(),
        None => SigningConfig::production().clone(),
    };
    Ok((root, config))
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
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
