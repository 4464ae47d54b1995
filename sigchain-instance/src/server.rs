//! A local instance: its logs opened from one data folder, served on one address, and the
//! trusted root that makes verifiers trust exactly them.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use sigchain_instance::server::{Instance, InstanceConfig};
//! let instance = Instance::open(InstanceConfig::new("/var/lib/sigchain"))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base_url = format!("http://{}", listener.local_addr()?);
//! std::fs::write("trusted_root.json", instance.trusted_root_json(&base_url)?)?;
//! instance.serve(listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use axum::Router;

use crate::log::http::{v1_router, v2_router, with_clean_paths};
use crate::log::service::{Log, LogConfig, LogError};
use crate::trust::TrustedRootBuilder;

/// Where an instance keeps its state, and what it calls itself.
#[derive(Debug, Clone)]
pub struct InstanceConfig {
    /// The data folder: `rekor-v1/` and `rekor-v2/` beneath it hold the logs and their keys.
    pub dir: PathBuf,
    /// The name the logs' checkpoints are signed under (`<name>/rekor-v1`, `<name>/rekor-v2`).
    pub name: String,
}

impl InstanceConfig {
    /// An instance in `dir` named `sigchain-instance.local`.
    pub fn new(dir: impl Into<PathBuf>) -> InstanceConfig {
        InstanceConfig {
            dir: dir.into(),
            name: "sigchain-instance.local".to_owned(),
        }
    }
}

/// A running instance's services.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The Rekor v1 log (ECDSA P-256 key, signed entry timestamps).
    pub rekor_v1: Log,
    /// The Rekor v2 log (Ed25519 key, tiles).
    pub rekor_v2: Log,
    config: InstanceConfig,
}

impl Instance {
    /// Open (or create) the instance's logs. Needs a tokio runtime (the logs' sequencers).
    pub fn open(config: InstanceConfig) -> Result<Instance, LogError> {
        let rekor_v1 = Log::open(LogConfig::v1(
            config.dir.join("rekor-v1"),
            &format!("{}/rekor-v1", config.name),
        ))?;
        let rekor_v2 = Log::open(LogConfig::v2(
            config.dir.join("rekor-v2"),
            &format!("{}/rekor-v2", config.name),
        ))?;
        Ok(Instance {
            rekor_v1,
            rekor_v2,
            config,
        })
    }

    /// All routes of all services, matched on cleaned paths as Rekor matches them.
    pub fn router(&self) -> Router {
        with_clean_paths(v1_router(self.rekor_v1.clone()).merge(v2_router(self.rekor_v2.clone())))
    }

    /// The trusted root for this instance served at `base_url`: both logs, each trusted from
    /// the time its key was made.
    pub fn trusted_root_json(&self, base_url: &str) -> Result<String, LogError> {
        let mut root = TrustedRootBuilder::new();
        for (log, folder) in [(&self.rekor_v1, "rekor-v1"), (&self.rekor_v2, "rekor-v2")] {
            let since = key_created(&self.config.dir.join(folder))?;
            root = root.tlog(base_url, log.signer(), since);
        }
        Ok(root.to_json())
    }

    /// Serve until `shutdown` completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// When the log's key file was written: the start of the key's validity.
fn key_created(dir: &std::path::Path) -> Result<i64, LogError> {
    let path = dir.join(crate::log::service::KEY_FILE);
    let modified = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .map_err(|source| LogError::KeyFile {
            path: path.clone(),
            source,
        })?;
    // A second's margin below: an entry logged in the same second must fall inside.
    Ok(modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        .saturating_sub(1))
}
