//! The bytes mover under tough: our reqwest client (rustls, timeouts, a size bound), which also
//! keeps what it fetched so the verified metadata can be cached byte for byte.
//!
//! tough's own `http` feature is not used: it brings the platform certificate verifier and its
//! own retry policy; this one uses the workspace's reqwest with rustls and webpki roots like the
//! other sigchain clients.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tough::{Transport, TransportError, TransportErrorKind, TransportStream};
use url::Url;

use super::TufError;

/// Largest file fetched from a TUF repository, in bytes. tough applies tighter per-role bounds
/// (1 MiB roots, the listed length for targets) on top; this one stops a server from making us
/// buffer more than this before tough's bound is reached.
pub const MAX_TUF_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Time to connect to the repository.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time for one whole request, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// reqwest under tough, recording every successful fetch by URL.
#[derive(Debug, Clone)]
pub(crate) struct RecordingTransport {
    client: reqwest::Client,
    fetched: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl RecordingTransport {
    pub(crate) fn new() -> Result<RecordingTransport, TufError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("sigchain/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TufError::Client(e.to_string()))?;
        Ok(RecordingTransport {
            client,
            fetched: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// The bytes fetched from `url`, if a fetch of it succeeded.
    pub(crate) fn fetched(&self, url: &Url) -> Option<Vec<u8>> {
        self.fetched
            .lock()
            .ok()
            .and_then(|map| map.get(url.as_str()).cloned())
    }

    /// A file that may not exist (the next root): `Ok(None)` when the server says so.
    pub(crate) async fn get_optional(&self, url: &Url) -> Result<Option<Vec<u8>>, TufError> {
        match self.get(url).await {
            Ok(body) => Ok(Some(body)),
            Err(e) if e.kind() == TransportErrorKind::FileNotFound => Ok(None),
            Err(e) => Err(TufError::Repository(e.to_string())),
        }
    }

    async fn get(&self, url: &Url) -> Result<Vec<u8>, TransportError> {
        let other = |e: reqwest::Error| {
            TransportError::new_with_cause(TransportErrorKind::Other, url.as_str(), e)
        };
        let mut response = self.client.get(url.clone()).send().await.map_err(other)?;
        let status = response.status();
        // Object stores answer 403 for a missing key; either way the next root does not exist.
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::FORBIDDEN {
            return Err(TransportError::new(
                TransportErrorKind::FileNotFound,
                url.as_str(),
            ));
        }
        if !status.is_success() {
            return Err(TransportError::new_with_cause(
                TransportErrorKind::Other,
                url.as_str(),
                format!("HTTP {status}"),
            ));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_TUF_FILE_BYTES as u64)
        {
            return Err(too_large(url));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(other)? {
            if body.len() + chunk.len() > MAX_TUF_FILE_BYTES {
                return Err(too_large(url));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn too_large(url: &Url) -> TransportError {
    TransportError::new_with_cause(
        TransportErrorKind::Other,
        url.as_str(),
        format!("answer larger than {MAX_TUF_FILE_BYTES} bytes"),
    )
}

#[tough::async_trait]
impl Transport for RecordingTransport {
    async fn fetch(&self, url: Url) -> Result<TransportStream, TransportError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TransportError::new(
                TransportErrorKind::UnsupportedUrlScheme,
                url.as_str(),
            ));
        }
        let body = self.get(&url).await?;
        if let Ok(mut map) = self.fetched.lock() {
            map.insert(url.as_str().to_owned(), body.clone());
        }
        let chunk: Result<tough::Bytes, TransportError> = Ok(tough::Bytes::from(body));
        Ok(Box::pin(futures_util::stream::iter([chunk])))
    }
}
