//! What a [`RegistryClient`](super::RegistryClient) may do: which registries it may reach in
//! plain HTTP, how long it waits, how often it retries, how large answers may be, and where
//! its credentials come from.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::docker_config::Credential;
use crate::registry::RegistryLimits;

/// The `User-Agent` sent by default.
pub const USER_AGENT: &str = concat!("sigchain/", env!("CARGO_PKG_VERSION"));

/// Where credentials come from.
#[derive(Debug, Clone, Default)]
pub enum CredentialsSource {
    /// None: every registry anonymously.
    Anonymous,
    /// The Docker CLI's `config.json`: `$DOCKER_CONFIG/config.json`, else
    /// `$HOME/.docker/config.json`; a missing file means anonymous. Entries are found under
    /// [`Reference::credential_key`](crate::reference::Reference::credential_key).
    #[default]
    DockerConfig,
    /// A given `config.json`.
    DockerConfigFile(PathBuf),
    /// These credentials, by registry host (`127.0.0.1:5000`, as image references name it);
    /// other registries anonymously.
    Explicit(BTreeMap<String, Credential>),
}

/// Configuration of a [`RegistryClient`](super::RegistryClient).
///
/// ```
/// use sigchain_oci::client::{ClientConfig, CredentialsSource};
/// let config = ClientConfig {
///     insecure_registries: vec!["registry.internal:5000".to_owned()],
///     credentials: CredentialsSource::Anonymous,
///     ..ClientConfig::default()
/// };
/// assert_eq!(config.max_attempts, 3);
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Hosts (`host` or `host:port`) spoken to in plain HTTP besides loopback ones. Every
    /// other registry, and every token realm, is HTTPS only.
    pub insecure_registries: Vec<String>,
    /// How long a connection (TCP and TLS) may take.
    pub connect_timeout: Duration,
    /// How long a request with a bounded answer (all but blob bodies) may take in all.
    pub request_timeout: Duration,
    /// How long a blob body may go without a byte arriving.
    pub read_timeout: Duration,
    /// Attempts in all for a request that may be resent, on a 5xx, a 429 or a lost
    /// connection (0 is taken as 1).
    pub max_attempts: u32,
    /// The first backoff window; it doubles per retry, with full jitter.
    pub backoff_initial: Duration,
    /// The largest backoff window.
    pub backoff_max: Duration,
    /// The longest `Retry-After` (in seconds, on a 429 or 503) waited for; a registry asking
    /// for more ends the retries with its answer.
    pub max_retry_after: Duration,
    /// Bounds on answers.
    pub limits: RegistryLimits,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Where credentials come from.
    pub credentials: CredentialsSource,
    /// How long a credential helper may run.
    pub helper_timeout: Duration,
    /// Blobs larger than this are uploaded in chunks ([`ClientConfig::chunk_size`]).
    pub chunked_upload_threshold: usize,
    /// The size of an upload chunk.
    pub chunk_size: usize,
    /// Tags asked per page of a tag list (`?n=`), if any.
    pub tags_page_size: Option<usize>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            insecure_registries: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(60),
            max_attempts: 3,
            backoff_initial: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            limits: RegistryLimits::default(),
            user_agent: USER_AGENT.to_owned(),
            credentials: CredentialsSource::default(),
            helper_timeout: Duration::from_secs(30),
            chunked_upload_threshold: 16 * 1024 * 1024,
            chunk_size: 8 * 1024 * 1024,
            tags_page_size: None,
        }
    }
}
