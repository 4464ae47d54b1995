//! A local instance: its services opened from one data folder, served on one address, and the
//! trust material (trusted root, signing configs) that makes clients use exactly them.
//!
//! Data folder layout: `rekor-v1/`, `rekor-v2/` (logs and their keys), `ca/` (`root.pem`,
//! `intermediate.pem`, `intermediate.key.p8`), `ct/key.p8`, `tsa/` (`root.pem`, `tsa.pem`,
//! `tsa.key.p8`), `oidc/key.p8`; and, written by [`Instance::write_trust_files`],
//! `trusted_root.json`, `signing_config.json`, `signing_config.rekor-v2.json` and
//! `client_trust_config.json`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use sigchain_instance::server::{Instance, InstanceConfig};
//! let instance = Instance::open(InstanceConfig::new("/var/lib/sigchain"))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base_url = format!("http://{}", listener.local_addr()?);
//! instance.write_trust_files(&base_url)?;
//! instance.serve(listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::Router;

use crate::ca::CertificateAuthority;
use crate::ct::CtLog;
use crate::log::http::{v1_router, v2_router, with_clean_paths};
use crate::log::service::{Log, LogConfig, LogError};
use crate::misbehavior::Misbehavior;
use crate::oidc::{OidcIssuer, TokenVerifier, TrustedIssuer};
use crate::pki::{Curve, EcKey, PkiError};
use crate::signing_config::{client_trust_config, signing_config};
use crate::trust::TrustedRootBuilder;
use crate::tsa::TimestampAuthority;

/// Where an instance keeps its state, and what it calls itself.
#[derive(Debug, Clone)]
pub struct InstanceConfig {
    /// The data folder (layout in the module docs).
    pub dir: PathBuf,
    /// The name the logs' checkpoints are signed under (`<name>/rekor-v1`, `<name>/rekor-v2`).
    pub name: String,
    /// Issuers the CA accepts tokens from besides the instance's own (`BASE/oidc`).
    pub extra_issuers: Vec<TrustedIssuer>,
    /// **Test-only**: how the services misbehave ([`Misbehavior::None`] outside tests).
    pub misbehavior: Misbehavior,
}

impl InstanceConfig {
    /// An instance in `dir` named `sigchain-instance.local`.
    pub fn new(dir: impl Into<PathBuf>) -> InstanceConfig {
        InstanceConfig {
            dir: dir.into(),
            name: "sigchain-instance.local".to_owned(),
            extra_issuers: Vec::new(),
            misbehavior: Misbehavior::None,
        }
    }
}

/// Why an instance could not be opened or its files written.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// A log failed to open.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A key or certificate could not be read or made.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// The OIDC issuer's key is unusable.
    #[error(transparent)]
    Token(#[from] crate::oidc::TokenError),
}

/// A running instance's services.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The Rekor v1 log (ECDSA P-256 key, signed entry timestamps).
    pub rekor_v1: Log,
    /// The Rekor v2 log (Ed25519 key, tiles).
    pub rekor_v2: Log,
    /// The certificate authority with its CT log.
    pub ca: Arc<CertificateAuthority>,
    /// The timestamp authority.
    pub tsa: Arc<TimestampAuthority>,
    oidc_key: Arc<Vec<u8>>,
    config: InstanceConfig,
}

impl Instance {
    /// Open (or create) the instance's services. Needs a tokio runtime (the logs' sequencers).
    pub fn open(config: InstanceConfig) -> Result<Instance, InstanceError> {
        let bad_proofs = config.misbehavior == Misbehavior::LogBadInclusionProof;
        let mut v1 = LogConfig::v1(
            config.dir.join("rekor-v1"),
            &format!("{}/rekor-v1", config.name),
        );
        v1.bad_inclusion_proofs = bad_proofs;
        let mut v2 = LogConfig::v2(
            config.dir.join("rekor-v2"),
            &format!("{}/rekor-v2", config.name),
        );
        v2.bad_inclusion_proofs = bad_proofs;
        let rekor_v1 = Log::open(v1)?;
        let rekor_v2 = Log::open(v2)?;
        let now = crate::oidc::http::unix_now();
        let ct = CtLog::new(EcKey::load_or_create(
            &config.dir.join("ct/key.p8"),
            Curve::P256,
        )?);
        let ca = CertificateAuthority::open(&config.dir.join("ca"), ct, config.misbehavior, now)?;
        let tsa = TimestampAuthority::open(&config.dir.join("tsa"), config.misbehavior, now)?;
        let oidc_key = EcKey::load_or_create(&config.dir.join("oidc/key.p8"), Curve::P256)?;
        Ok(Instance {
            rekor_v1,
            rekor_v2,
            ca: Arc::new(ca),
            tsa: Arc::new(tsa),
            oidc_key: Arc::new(oidc_key.pkcs8().to_vec()),
            config,
        })
    }

    /// The test OIDC issuer as served at `base_url` (its URL is `base_url/oidc`).
    pub fn oidc_issuer(&self, base_url: &str) -> Result<OidcIssuer, InstanceError> {
        Ok(OidcIssuer::new(
            &format!("{}/oidc", base_url.trim_end_matches('/')),
            self.oidc_key()?,
        )?)
    }

    /// The stand-in for GitHub Actions' OIDC issuer: its tokens name GitHub's issuer
    /// ([`GITHUB_ACTIONS_ISSUER`](crate::oidc::github_actions::GITHUB_ACTIONS_ISSUER)), as a job's
    /// do, so clients apply their GitHub rules to them, but are signed with this instance's key,
    /// which only this instance's CA trusts for that name. Served at
    /// `base_url/oidc/github-actions`.
    pub fn github_actions_issuer(&self) -> Result<OidcIssuer, InstanceError> {
        Ok(OidcIssuer::github_actions(
            crate::oidc::github_actions::GITHUB_ACTIONS_ISSUER,
            self.oidc_key()?,
        )?)
    }

    /// The key both test issuers sign with.
    fn oidc_key(&self) -> Result<EcKey, InstanceError> {
        Ok(
            EcKey::from_pkcs8(Curve::P256, &self.oidc_key).ok_or_else(|| PkiError::BadKey {
                path: self.config.dir.join("oidc/key.p8"),
                curve: Curve::P256,
            })?,
        )
    }

    /// What the CA accepts tokens from when served at `base_url`: the instance's issuers (email
    /// and GitHub Actions) and the configured [`InstanceConfig::extra_issuers`].
    pub fn token_verifier(&self, base_url: &str) -> Result<TokenVerifier, InstanceError> {
        let mut issuers = vec![
            self.oidc_issuer(base_url)?.trusted(),
            self.github_actions_issuer()?.trusted(),
        ];
        issuers.extend(self.config.extra_issuers.iter().cloned());
        Ok(TokenVerifier::new(issuers))
    }

    /// All routes of all services served at `base_url`, matched on cleaned paths as Rekor
    /// matches them.
    pub fn router(&self, base_url: &str) -> Result<Router, InstanceError> {
        let issuer = Arc::new(self.oidc_issuer(base_url)?);
        let github_actions = Arc::new(self.github_actions_issuer()?);
        let tokens = Arc::new(self.token_verifier(base_url)?);
        // Each log also answers under its own path, `BASE/<its checkpoint key name>`, the URL
        // the trust files name: sigstore-js accepts a checkpoint only when its signature's key
        // name is part of the log's base URL (as `rekor.sigstore.dev` is part of
        // `https://rekor.sigstore.dev`), and a port-independent name must be a path here.
        let v1 = v1_router(self.rekor_v1.clone());
        let v2 = v2_router(self.rekor_v2.clone());
        Ok(with_clean_paths(
            Router::new()
                .nest(
                    &format!("/{}", self.rekor_v1.signer().key_name()),
                    v1.clone(),
                )
                .nest(
                    &format!("/{}", self.rekor_v2.signer().key_name()),
                    v2.clone(),
                )
                .merge(v1)
                .merge(v2)
                .merge(crate::ca::http::router(self.ca.clone(), tokens))
                .merge(crate::tsa::http::router(self.tsa.clone()))
                .merge(crate::oidc::http::router(issuer))
                .merge(crate::oidc::http::github_actions_router(github_actions)),
        ))
    }

    /// The trusted root for this instance served at `base_url`: both logs, each trusted from
    /// the time its key was made; the CA (intermediate and root), its CT log and the TSA.
    pub fn trusted_root_json(&self, base_url: &str) -> Result<String, InstanceError> {
        Ok(self.trusted_root(base_url)?.to_json())
    }

    fn trusted_root(&self, base_url: &str) -> Result<TrustedRootBuilder, InstanceError> {
        let mut root = TrustedRootBuilder::new();
        for (log, folder) in [(&self.rekor_v1, "rekor-v1"), (&self.rekor_v2, "rekor-v2")] {
            let since = key_created(
                &self
                    .config
                    .dir
                    .join(folder)
                    .join(crate::log::service::KEY_FILE),
            )?;
            root = root.tlog(&log_url(base_url, log), log.signer(), since);
        }
        let ct_since = key_created(&self.config.dir.join("ct/key.p8"))?;
        Ok(root
            .certificate_authority(
                base_url,
                "sigchain-instance",
                &self.ca.trust_bundle(),
                self.ca.valid_from(),
            )
            .ctlog(base_url, self.ca.ct_log().spki_der(), ct_since)
            .timestamp_authority(
                &format!("{base_url}/api/v1/timestamp"),
                "sigchain-instance TSA",
                &self.tsa.chain_der(),
                self.tsa.valid_from(),
            ))
    }

    /// Write `trusted_root.json`, `signing_config.json` (Rekor v1), `signing_config.rekor-v2.json`
    /// and `client_trust_config.json` into the data folder, for the instance at `base_url`.
    pub fn write_trust_files(&self, base_url: &str) -> Result<(), InstanceError> {
        let dir = &self.config.dir;
        let root = self.trusted_root(base_url)?.to_value();
        let since = self.ca.valid_from();
        let v1 = signing_config(base_url, &log_url(base_url, &self.rekor_v1), 1, since);
        let v2 = signing_config(base_url, &log_url(base_url, &self.rekor_v2), 2, since);
        let client = client_trust_config(root.clone(), v1.clone());
        for (file, value) in [
            ("trusted_root.json", &root),
            ("signing_config.json", &v1),
            ("signing_config.rekor-v2.json", &v2),
            ("client_trust_config.json", &client),
        ] {
            let text = serde_json::to_string_pretty(value).unwrap_or_default();
            crate::pki::write_public(&dir.join(file), text.as_bytes())?;
        }
        Ok(())
    }

    /// Serve until `shutdown` completes, at `http://<the listener's address>`.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let base_url = format!("http://{}", listener.local_addr()?);
        let router = self.router(&base_url).map_err(std::io::Error::other)?;
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Where `log` is served and what the trust files call it: `base_url/<key name>`.
pub fn log_url(base_url: &str, log: &Log) -> String {
    format!(
        "{}/{}",
        base_url.trim_end_matches('/'),
        log.signer().key_name()
    )
}

/// When a key file was written: the start of the key's validity.
fn key_created(path: &Path) -> Result<i64, InstanceError> {
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|source| LogError::KeyFile {
            path: path.to_owned(),
            source,
        })?;
    // A second's margin below: an entry logged in the same second must fall inside.
    Ok(modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        .saturating_sub(1))
}
