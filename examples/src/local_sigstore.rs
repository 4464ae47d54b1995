//! A whole Sigstore (CA with its CT log, Rekor logs, timestamp authority and a test OIDC
//! issuer) served inside this process on 127.0.0.1, from a data folder: what
//! `sigchain instance serve` runs, without a second process. `ci_pipeline` signs against it
//! when run with no arguments.

use std::path::{Path, PathBuf};

use sigchain_core::time::Timestamp;
use sigchain_instance::oidc::{GithubActionsClaims, OidcIssuer, TokenRequest};
use sigchain_instance::server::{Instance, InstanceConfig};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What can go wrong starting or stopping the instance.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A running local Sigstore; [`LocalSigstore::stop`] ends it.
#[derive(Debug)]
pub struct LocalSigstore {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The trusted root naming its CA, logs and TSA.
    pub trusted_root: PathBuf,
    /// The signing config naming its services (Rekor v1).
    pub signing_config: PathBuf,
    issuer: OidcIssuer,
    github_actions: OidcIssuer,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
}

impl LocalSigstore {
    /// Open (or create) an instance in `dir`, serve it on a free port of 127.0.0.1 and write
    /// its trust files (`trusted_root.json`, `signing_config.json`, ...) into `dir`.
    pub async fn start(dir: &Path) -> Result<LocalSigstore, Error> {
        let instance = Instance::open(InstanceConfig::new(dir))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        instance.write_trust_files(&base_url)?;
        let issuer = instance.oidc_issuer(&base_url)?;
        let github_actions = instance.github_actions_issuer()?;
        let (stop, stopped) = oneshot::channel::<()>();
        // The listener is bound: requests wait in its queue until the task accepts them.
        let server = tokio::spawn(instance.serve(listener, async {
            let _ = stopped.await;
        }));
        Ok(LocalSigstore {
            base_url,
            trusted_root: dir.join("trusted_root.json"),
            signing_config: dir.join("signing_config.json"),
            issuer,
            github_actions,
            stop,
            server,
        })
    }

    /// An identity token for `email` from the instance's test OIDC issuer (`BASE/oidc`), as a
    /// CI system's OIDC provider hands one to a job.
    pub fn token(&self, email: &str) -> Result<String, Error> {
        Ok(self
            .issuer
            .mint(&TokenRequest::for_email(email), Timestamp::now().as_secs())?)
    }

    /// A GitHub Actions job's token from the instance's stand-in for GitHub's issuer: the CA
    /// certifies the job's workflow, with Fulcio's CI extensions.
    pub fn github_actions_token(&self, job: &GithubActionsClaims) -> Result<String, Error> {
        Ok(self
            .github_actions
            .mint_github_actions(job, Timestamp::now().as_secs())?)
    }

    /// The issuer URL tokens name (`BASE/oidc`).
    pub fn issuer_url(&self) -> &str {
        self.issuer.url()
    }

    /// Stop serving: finish the requests under way, then return.
    pub async fn stop(self) -> Result<(), Error> {
        let _ = self.stop.send(());
        self.server.await??;
        Ok(())
    }
}
