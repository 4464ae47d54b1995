//! `sigchain verify-bundle`: the sigstore-conformance verification command.

use std::path::PathBuf;
use std::process::ExitCode;

use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::time::Timestamp;
use sigchain_core::verify::{Policy, SignerPolicy, Verifier};

use crate::inputs;
use crate::options::VerifierOptions;

/// Arguments, in the order the conformance protocol gives them.
#[derive(clap::Args)]
pub struct Args {
    /// Use the Sigstore staging instance's trusted root.
    #[arg(long)]
    staging: bool,
    /// The bundle to verify.
    #[arg(long)]
    bundle: PathBuf,
    /// Expected SAN of the signing certificate, exactly.
    #[arg(long, conflicts_with = "key")]
    certificate_identity: Option<String>,
    /// Expected SAN as a regular expression (unanchored, as cosign).
    #[arg(long, conflicts_with_all = ["key", "certificate_identity"])]
    certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer of the signing certificate, exactly.
    #[arg(long, conflicts_with = "key")]
    certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer as a regular expression (unanchored, as cosign).
    #[arg(long, conflicts_with_all = ["key", "certificate_oidc_issuer"])]
    certificate_oidc_issuer_regexp: Option<String>,
    /// PEM public key that must have made the signature (instead of an identity).
    #[arg(long)]
    key: Option<PathBuf>,
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
    let signer = signer_policy(args)?;
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

fn signer_policy(args: &Args) -> Result<SignerPolicy, String> {
    if let Some(key) = &args.key {
        return Ok(SignerPolicy::PublicKey(inputs::public_key(key)?));
    }
    let subject = match (
        &args.certificate_identity,
        &args.certificate_identity_regexp,
    ) {
        (Some(exact), None) => IdentityMatcher::exact(exact.clone()),
        (None, Some(re)) => IdentityMatcher::regex(re).map_err(|e| e.to_string())?,
        _ => return Err("policy: give --certificate-identity[-regexp] or --key".into()),
    };
    let issuer = match (
        &args.certificate_oidc_issuer,
        &args.certificate_oidc_issuer_regexp,
    ) {
        (Some(exact), None) => IdentityMatcher::exact(exact.clone()),
        (None, Some(re)) => IdentityMatcher::regex(re).map_err(|e| e.to_string())?,
        _ => return Err("policy: give --certificate-oidc-issuer[-regexp]".into()),
    };
    Ok(SignerPolicy::Certificate(vec![CertificateIdentity::new(
        subject, issuer,
    )]))
}
