//! Trust material over TUF: refresh `trusted_root.json` and `signing_config.v0.2.json` from a
//! Sigstore TUF repository, as sigstore-python, sigstore-js and cosign do, into a local cache.
//!
//! Behind the `tuf` feature: the only part of this crate that does network and disk I/O. The TUF
//! client is [`tough`]; the bytes move over our own reqwest client (rustls, timeouts, a size
//! bound). The embedded production/staging TUF `root.json` are the initial trust anchors; after
//! the first update the cached root is.
//!
//! # The clock
//! The caller passes `now` ([`TufConfig::now`]), so an update can be run and tested at a fixed
//! time. tough compares expiry with the system clock, so it is run with its expiration checks
//! off ([`tough::ExpirationEnforcement::Unsafe`]) and every role tough loaded — root, timestamp,
//! snapshot, targets and each delegated targets role — is checked here against `now` (TUF
//! 5.3.10, 5.4.4, 5.5.6, 5.6.5: `expires` must be later than the update's start), before any
//! target is read or anything is cached. Signature thresholds, version rollback, root rotation,
//! lengths and hashes stay tough's checks; none of them depends on the clock.
//!
//! # The cache
//! A directory of content-addressed blobs and an `index.json` (see [`index`]). tough's own
//! datastore is a temporary directory seeded from the cache (the trusted timestamp and snapshot,
//! for its rollback checks); the cache is written only after the whole update verified, and
//! replacing `index.json` is the commit point, so a failed update leaves it unchanged.
//!
//! ```no_run
//! # async fn run() -> Result<(), sigchain_core::tuf::TufError> {
//! use sigchain_core::time::Timestamp;
//! use sigchain_core::tuf::{default_cache_dir, TufClient, TufConfig, PRODUCTION_URL};
//!
//! let cache = default_cache_dir(PRODUCTION_URL).expect("a home directory");
//! let material = TufClient::new(TufConfig::production(cache, Timestamp::now()))
//!     .update()
//!     .await?;
//! println!("TUF root v{}, {} CAs", material.root_version,
//!     material.trusted_root.certificate_authorities.len());
//! # Ok(()) }
//! ```

mod cache;
mod error;
pub mod index;
pub mod root_chain;
mod transport;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tough::{ExpirationEnforcement, IntoVec as _, RepositoryLoader, TargetName};
use url::Url;

pub use cache::{default_cache_dir, INDEX_FILE};
pub use error::TufError;
use index::{CacheIndex, CachedFile};
use transport::RecordingTransport;
pub use transport::MAX_TUF_FILE_BYTES;

use crate::time::Timestamp;
use crate::trust_root::TrustedRoot;

/// The public-good production TUF repository (a TUF mirror, as sigstore clients use by default).
pub const PRODUCTION_URL: &str = "https://tuf-repo-cdn.sigstore.dev";
/// The public-good staging TUF repository.
pub const STAGING_URL: &str = "https://tuf-repo-cdn.sigstage.dev";

/// The production TUF `root.json` compiled in (version 15), the initial trust anchor.
pub const PRODUCTION_ROOT: &[u8] = include_bytes!("../../trust/production_tuf_root.json");
/// The staging TUF `root.json` compiled in (version 14).
pub const STAGING_ROOT: &[u8] = include_bytes!("../../trust/staging_tuf_root.json");

/// The target holding the protobuf-specs `TrustedRoot`.
pub const TRUSTED_ROOT_TARGET: &str = "trusted_root.json";
/// The target holding the protobuf-specs `SigningConfig` v0.2.
pub const SIGNING_CONFIG_TARGET: &str = "signing_config.v0.2.json";

/// Where to update from, what to trust first, where to cache, and when "now" is.
#[derive(Debug, Clone)]
pub struct TufConfig {
    /// The repository's base URL: metadata at `URL/N.root.json`, `URL/timestamp.json`, ...,
    /// targets under `URL/targets/`.
    pub repository_url: String,
    /// The `root.json` trusted before any update (shipped out of band). Used when the cache
    /// holds no root of this repository yet.
    pub initial_root: Vec<u8>,
    /// The cache directory (created if missing).
    pub cache_dir: PathBuf,
    /// The time the update runs at; metadata expired at this time is refused.
    pub now: Timestamp,
}

impl TufConfig {
    /// The public-good production repository with its embedded root.
    pub fn production(cache_dir: PathBuf, now: Timestamp) -> TufConfig {
        TufConfig {
            repository_url: PRODUCTION_URL.into(),
            initial_root: PRODUCTION_ROOT.to_vec(),
            cache_dir,
            now,
        }
    }

    /// The public-good staging repository with its embedded root.
    pub fn staging(cache_dir: PathBuf, now: Timestamp) -> TufConfig {
        TufConfig {
            repository_url: STAGING_URL.into(),
            initial_root: STAGING_ROOT.to_vec(),
            cache_dir,
            now,
        }
    }
}

/// Trust material from a verified TUF update (or from a cache an update wrote).
#[derive(Debug, Clone)]
pub struct TrustMaterial {
    /// The parsed `trusted_root.json` target.
    pub trusted_root: TrustedRoot,
    /// Its bytes, as the repository signed them.
    pub trusted_root_json: Vec<u8>,
    /// The `signing_config.v0.2.json` target's bytes, when the repository lists one (parsed by
    /// the signing code, not here).
    pub signing_config_json: Option<Vec<u8>>,
    /// When the update that produced this ran (its `now`).
    pub fetched_at: Timestamp,
    /// The version of the TUF root the update ended at.
    pub root_version: u64,
    /// The repository it came from.
    pub repository_url: String,
}

/// A TUF client for one repository and cache directory.
#[derive(Debug, Clone)]
pub struct TufClient {
    config: TufConfig,
}

impl TufClient {
    /// A client; nothing is fetched until [`TufClient::update`].
    pub fn new(config: TufConfig) -> TufClient {
        TufClient { config }
    }

    /// Run the TUF client workflow: walk root rotations from the trusted root, then timestamp,
    /// snapshot and targets, check every role's expiry against `now`, fetch the trust-material
    /// targets, and only then commit them to the cache.
    pub async fn update(&self) -> Result<TrustMaterial, TufError> {
        let config = &self.config;
        let metadata_base = base_url(&config.repository_url)?;
        let targets_base = metadata_base
            .join("targets/")
            .map_err(|e| url_error(&config.repository_url, e))?;
        let cached = cache::read(&config.cache_dir)?
            .filter(|c| c.index.repository_url == metadata_base.as_str());

        // tough's datastore holds its rollback state while it runs; it is a scratch copy so
        // that tough's writes never reach the cache before everything verified.
        let scratch = tempfile::tempdir().map_err(|source| TufError::CacheIo {
            path: std::env::temp_dir(),
            source,
        })?;
        let trusted_root = match &cached {
            Some(c) => {
                for file in [CachedFile::Timestamp, CachedFile::Snapshot] {
                    if let Some(bytes) = c.files.get(&file) {
                        let path = scratch.path().join(file.name());
                        std::fs::write(&path, bytes)
                            .map_err(|source| TufError::CacheIo { path, source })?;
                    }
                }
                c.files.get(&CachedFile::Root).cloned().unwrap_or_default()
            }
            None => config.initial_root.clone(),
        };

        let transport = RecordingTransport::new()?;
        let newest_root = walk_roots(&transport, &metadata_base, &trusted_root).await?;
        let repo = RepositoryLoader::new(&newest_root.json, metadata_base.clone(), targets_base)
            .transport(transport.clone())
            .datastore(scratch.path())
            .expiration_enforcement(ExpirationEnforcement::Unsafe)
            .load()
            .await
            .map_err(TufError::from_tough)?;

        check_expiry(&repo, config.now)?;

        let trusted_root_json = read_target(&repo, TRUSTED_ROOT_TARGET)
            .await?
            .ok_or(TufError::MissingTarget(TRUSTED_ROOT_TARGET))?;
        let parsed_root =
            TrustedRoot::from_json(&trusted_root_json).map_err(TufError::TrustedRoot)?;
        let signing_config_json = read_target(&repo, SIGNING_CONFIG_TARGET).await?;

        let root_version = repo.root().signed.version.get();
        let consistent = repo.root().signed.consistent_snapshot;
        let fetched = |name: String| -> Result<Vec<u8>, TufError> {
            let url = metadata_base
                .join(&name)
                .map_err(|e| url_error(&config.repository_url, e))?;
            transport.fetched(&url).ok_or_else(|| {
                TufError::Repository(format!("verified {name} was not fetched as expected"))
            })
        };
        let versioned = |v: u64, role: &str| {
            if consistent {
                format!("{v}.{role}")
            } else {
                role.to_owned()
            }
        };
        let mut files = BTreeMap::new();
        files.insert(CachedFile::Root, newest_root.json);
        files.insert(CachedFile::Timestamp, fetched("timestamp.json".into())?);
        files.insert(
            CachedFile::Snapshot,
            fetched(versioned(
                repo.snapshot().signed.version.get(),
                "snapshot.json",
            ))?,
        );
        files.insert(
            CachedFile::Targets,
            fetched(versioned(
                repo.targets().signed.version.get(),
                "targets.json",
            ))?,
        );
        files.insert(CachedFile::TrustedRoot, trusted_root_json.clone());
        if let Some(json) = &signing_config_json {
            files.insert(CachedFile::SigningConfig, json.clone());
        }
        let index = CacheIndex {
            repository_url: metadata_base.to_string(),
            fetched_at: config.now,
            root_version,
            files: files
                .iter()
                .map(|(f, b)| (*f, crate::crypto::Sha256Digest(crate::crypto::sha256(b))))
                .collect(),
        };
        cache::write(&config.cache_dir, &index, &files)?;

        Ok(TrustMaterial {
            trusted_root: parsed_root,
            trusted_root_json,
            signing_config_json,
            fetched_at: config.now,
            root_version,
            repository_url: metadata_base.to_string(),
        })
    }

    /// The material a previous update cached in `cache_dir`, for offline use; `Ok(None)` when
    /// the directory holds none. Blobs are checked against the index's digests; TUF signatures
    /// and expiry are not checked again (the cache is the user's own, written only after a
    /// verified update — [`TrustMaterial::fetched_at`] says how old it is).
    pub fn cached(cache_dir: &Path) -> Result<Option<TrustMaterial>, TufError> {
        let Some(contents) = cache::read(cache_dir)? else {
            return Ok(None);
        };
        let trusted_root_json = contents
            .files
            .get(&CachedFile::TrustedRoot)
            .cloned()
            .unwrap_or_default();
        let trusted_root =
            TrustedRoot::from_json(&trusted_root_json).map_err(TufError::TrustedRoot)?;
        Ok(Some(TrustMaterial {
            trusted_root,
            trusted_root_json,
            signing_config_json: contents.files.get(&CachedFile::SigningConfig).cloned(),
            fetched_at: contents.index.fetched_at,
            root_version: contents.index.root_version,
            repository_url: contents.index.repository_url,
        }))
    }
}

/// The repository URL as a base for relative joins (with a trailing slash).
fn base_url(repository_url: &str) -> Result<Url, TufError> {
    let with_slash = if repository_url.ends_with('/') {
        repository_url.to_owned()
    } else {
        format!("{repository_url}/")
    };
    let url = Url::parse(&with_slash).map_err(|e| url_error(repository_url, e))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TufError::RepositoryUrl {
            url: repository_url.into(),
            reason: "not http(s)".into(),
        });
    }
    Ok(url)
}

fn url_error(url: &str, e: url::ParseError) -> TufError {
    TufError::RepositoryUrl {
        url: url.into(),
        reason: e.to_string(),
    }
}

/// Most root rotations walked in one update (tough's default bound too).
const MAX_ROOT_UPDATES: u64 = 1024;

/// TUF 5.3: from the trusted root, fetch `N+1.root.json` until there is none, accepting each
/// only as [`root_chain`] allows. tough then starts from the newest root (and finds no newer).
async fn walk_roots(
    transport: &RecordingTransport,
    metadata_base: &Url,
    trusted_root: &[u8],
) -> Result<root_chain::TrustedTufRoot, TufError> {
    let mut root = root_chain::TrustedTufRoot::initial(trusted_root)?;
    let first = root.version;
    while root.version - first < MAX_ROOT_UPDATES {
        let name = format!("{}.root.json", root.version + 1);
        let url = metadata_base
            .join(&name)
            .map_err(|e| url_error(metadata_base.as_str(), e))?;
        match transport.get_optional(&url).await? {
            Some(next) => root = root.rotate(&next)?,
            None => break,
        }
    }
    Ok(root)
}

fn expired(role: &str, version: u64, expires: i64, now: Timestamp) -> Result<(), TufError> {
    if now.as_secs() < expires {
        Ok(())
    } else {
        Err(TufError::Expired {
            role: role.into(),
            version,
            expires: Timestamp(expires),
            now,
        })
    }
}

/// Every role tough loaded must be unexpired at `now` (tough ran with its own, system-clock,
/// expiry checks off). Delegated roles are checked too: tough loads them all, and with its own
/// checks on it refuses an expired one.
fn check_expiry(repo: &tough::Repository, now: Timestamp) -> Result<(), TufError> {
    let root = &repo.root().signed;
    expired("root", root.version.get(), root.expires.as_second(), now)?;
    let timestamp = &repo.timestamp().signed;
    expired(
        "timestamp",
        timestamp.version.get(),
        timestamp.expires.as_second(),
        now,
    )?;
    let snapshot = &repo.snapshot().signed;
    expired(
        "snapshot",
        snapshot.version.get(),
        snapshot.expires.as_second(),
        now,
    )?;
    let targets = &repo.targets().signed;
    expired(
        "targets",
        targets.version.get(),
        targets.expires.as_second(),
        now,
    )?;
    // tough loaded the delegation tree, so it is finite; walk it without recursion.
    let mut pending: Vec<&tough::schema::DelegatedRole> = targets
        .delegations
        .iter()
        .flat_map(|d| d.roles.iter())
        .collect();
    while let Some(role) = pending.pop() {
        if let Some(signed) = &role.targets {
            let t = &signed.signed;
            expired(&role.name, t.version.get(), t.expires.as_second(), now)?;
            pending.extend(t.delegations.iter().flat_map(|d| d.roles.iter()));
        }
    }
    Ok(())
}

/// A target's bytes (tough bounds them by the listed length and checks the listed hashes while
/// streaming); `Ok(None)` when the repository does not list it.
async fn read_target(repo: &tough::Repository, name: &str) -> Result<Option<Vec<u8>>, TufError> {
    let target = TargetName::new(name).map_err(TufError::from_tough)?;
    let Some(stream) = repo
        .read_target(&target)
        .await
        .map_err(TufError::from_tough)?
    else {
        return Ok(None);
    };
    stream
        .into_vec()
        .await
        .map(Some)
        .map_err(TufError::from_tough)
}
