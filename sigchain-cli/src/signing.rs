//! The signer options every signing command takes (`sign-bundle`, `sign`, `attest`), spelled
//! the same way on each, and the signing they drive.

use std::path::PathBuf;

use sigchain_core::sign::config::{SigningConfig, MAX_SIGNING_CONFIG_BYTES};
use sigchain_core::sign::key::SigningKey;
use sigchain_core::sign::machine::{Content, SignedBundle};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_fulcio::client::{
    resolve_token, BundleSigner, GithubActionsTokenClient, KeyProof, TransportConfig,
};
use sigchain_fulcio::token::source::{TokenOptions, TokenSource};
use sigchain_fulcio::token::{IdentityRule, IdentityToken};

use crate::inputs;

/// Who signs, and against which services.
#[derive(clap::Args)]
pub struct SignerArgs {
    /// Sign against the Sigstore staging instance (its trusted root and signing config).
    #[arg(long)]
    pub staging: bool,
    /// The OIDC identity token. Without it (and without `--identity-token-file`), the token
    /// comes from `SIGSTORE_ID_TOKEN`, then GitHub Actions' ambient credentials
    /// (`ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, audience `sigstore`).
    #[arg(long, conflicts_with = "key")]
    pub identity_token: Option<String>,
    /// A file holding the OIDC identity token.
    #[arg(long, conflicts_with_all = ["key", "identity_token"])]
    pub identity_token_file: Option<PathBuf>,
    /// Sign with this managed key (PEM PKCS#8 or SEC1, P-256) instead of a Fulcio certificate.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// The trusted root the CA's chain, the log entries and the timestamps are checked against.
    #[arg(long, conflicts_with = "tuf_cache")]
    pub trusted_root: Option<PathBuf>,
    /// The signing config (protobuf-specs v0.2) naming the CA, logs and TSAs to use.
    #[arg(long, conflicts_with = "tuf_cache")]
    pub signing_config: Option<PathBuf>,
    /// Use the trusted root and signing config cached by `sigchain trust update --cache DIR`.
    #[arg(long, value_name = "DIR")]
    pub tuf_cache: Option<PathBuf>,
    /// Show the key to the CA with a proof of possession (as cosign) rather than a CSR.
    #[arg(long)]
    pub proof_of_possession: bool,
}

/// Who will sign, resolved before the content is made: a managed key, or an identity token
/// (whose identity is what the CA will certify).
pub enum SigningIdentity {
    /// `--key`.
    Key(SigningKey),
    /// A token, and where it came from.
    Token(Box<IdentityToken>, TokenSource),
}

impl SigningIdentity {
    /// The workflow a GitHub Actions job's token will be certified as: Fulcio's SAN and Build
    /// Signer URI (`https://github.com/{job_workflow_ref}`, the reusable workflow when the
    /// job runs one). `None` for a key or another kind of token.
    pub fn github_workflow(&self) -> Option<String> {
        match self {
            SigningIdentity::Token(token, _) => token
                .signer()
                .ok()
                .filter(|signer| signer.rule == IdentityRule::GithubActions)
                .map(|signer| signer.san),
            SigningIdentity::Key(_) => None,
        }
    }
}

impl SignerArgs {
    /// Sign `content`: the bundle (verified in full by the signing machine before it is
    /// returned) and a one-line summary of who signed and where it was logged.
    pub async fn sign(&self, content: Content) -> Result<(SignedBundle, String), String> {
        let identity = self.identity().await?;
        self.sign_as(identity, content).await
    }

    /// The key or token these options name (a GitHub Actions token is fetched here).
    pub async fn identity(&self) -> Result<SigningIdentity, String> {
        if let Some(path) = &self.key {
            let pem = inputs::read_limited(path, 64 * 1024)?;
            let pem = zeroize::Zeroizing::new(
                String::from_utf8(pem)
                    .map_err(|_| format!("key {}: not UTF-8 PEM", path.display()))?,
            );
            let key =
                SigningKey::from_pem(&pem).map_err(|e| format!("key {}: {e}", path.display()))?;
            return Ok(SigningIdentity::Key(key));
        }
        let options = TokenOptions {
            token: self.identity_token.clone(),
            token_file: self.identity_token_file.clone(),
            ..TokenOptions::default()
        };
        let github = GithubActionsTokenClient::new(TransportConfig::default());
        let (token, source) = resolve_token(&options, |name| std::env::var(name).ok(), &github)
            .await
            .map_err(|e| e.to_string())?;
        Ok(SigningIdentity::Token(Box::new(token), source))
    }

    /// Sign `content` as `identity` (from [`SignerArgs::identity`]).
    pub async fn sign_as(
        &self,
        identity: SigningIdentity,
        content: Content,
    ) -> Result<(SignedBundle, String), String> {
        let (trusted_root, signing_config) = self.trust_material()?;
        let signer = BundleSigner::from_signing_config(
            trusted_root,
            &signing_config,
            TransportConfig::default(),
            Timestamp::now(),
        )
        .map_err(|e| e.to_string())?
        .with_key_proof(if self.proof_of_possession {
            KeyProof::ProofOfPossession
        } else {
            KeyProof::Csr
        });
        match identity {
            SigningIdentity::Key(key) => {
                let signed = signer
                    .sign_with_key(key, content)
                    .await
                    .map_err(|e| e.to_string())?;
                let summary = signed.verified().summary();
                Ok((signed, summary))
            }
            SigningIdentity::Token(token, source) => {
                let signed = signer
                    .sign_keyless(&token, content)
                    .await
                    .map_err(|e| e.to_string())?;
                let summary = format!("{}, token from {source}", signed.verified().summary());
                Ok((signed, summary))
            }
        }
    }

    /// The trusted root and signing config these options name.
    pub fn trust_material(&self) -> Result<(TrustedRoot, SigningConfig), String> {
        if let Some(dir) = &self.tuf_cache {
            let material = inputs::tuf_material(dir)?;
            let config = material
                .signing_config_json
                .as_deref()
                .ok_or_else(|| format!("TUF cache {}: holds no signing config", dir.display()))?;
            let config = SigningConfig::from_json(config)
                .map_err(|e| format!("TUF cache {}: signing config: {e}", dir.display()))?;
            return Ok((material.trusted_root, config));
        }
        let root = inputs::trusted_root(self.trusted_root.as_deref(), None, self.staging)?;
        let config = match &self.signing_config {
            Some(path) => {
                let json = inputs::read_limited(path, MAX_SIGNING_CONFIG_BYTES as u64)?;
                SigningConfig::from_json(&json)
                    .map_err(|e| format!("signing config {}: {e}", path.display()))?
            }
            None if self.staging => SigningConfig::staging().clone(),
            None => SigningConfig::production().clone(),
        };
        Ok((root, config))
    }
}
