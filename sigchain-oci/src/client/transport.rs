//! Moves one [`Request`] over reqwest (rustls): the URL checked against the plain-HTTP rule
//! before anything is sent, retries with jittered exponential backoff for requests that may be
//! resent, redirects followed for reads only (blob storage often lives elsewhere) with the
//! `Authorization` header dropped when the origin changes, and bounded bodies.

use std::sync::Arc;
use std::time::Duration;

use tracing::debug;
use url::Url;

use super::config::ClientConfig;
use crate::auth::token::AuthHeader;
use crate::registry::endpoint::{check_url, same_origin};
use crate::registry::http::{Idempotency, Method, Request, Response};
use crate::registry::RegistryError;

/// Most redirects followed for one read.
const MAX_REDIRECTS: usize = 5;
/// Most headers kept from an answer.
const MAX_HEADERS: usize = 128;

/// A `Retry-After` in delay-seconds (RFC 9110 §10.2.3); the HTTP-date form is left to the
/// backoff.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)))
}

#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    pub(crate) config: Arc<ClientConfig>,
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => String::new(),
    }
}

fn transport_error(url: &Url, error: reqwest::Error) -> RegistryError {
    // reqwest's message names the URL; ours carry no secrets (tokens go in headers and
    // bodies), but the query is dropped all the same.
    let mut shown = url.clone();
    shown.set_query(None);
    RegistryError::Transport {
        registry: host_of(url),
        reason: format!(
            "{} {shown}: {}",
            if error.is_timeout() {
                "timeout at"
            } else {
                "failed at"
            },
            error.without_url()
        ),
    }
}

impl Http {
    pub(crate) fn new(config: Arc<ClientConfig>) -> Result<Http, RegistryError> {
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| RegistryError::Transport {
                registry: String::new(),
                reason: format!("HTTP client setup: {e}"),
            })?;
        Ok(Http { client, config })
    }

    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        let window = self
            .config
            .backoff_initial
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.config.backoff_max);
        window.mul_f64(fastrand::f64())
    }

    async fn attempt(
        &self,
        request: &Request,
        url: &Url,
        auth: Option<&AuthHeader>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
        };
        let mut builder = self.client.request(method, url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(auth) = auth {
            builder = builder.header("authorization", auth.value());
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        builder.send().await
    }

    /// Send `request` (with `auth` while the URL stays on `auth_origin`) and return the
    /// answer with its body unread.
    pub(crate) async fn open(
        &self,
        request: &Request,
        auth: Option<&AuthHeader>,
        auth_origin: &Url,
    ) -> Result<reqwest::Response, RegistryError> {
        let insecure = &self.config.insecure_registries;
        let mut url = request.url.clone();
        let follows = matches!(request.method, Method::Get | Method::Head);
        let mut redirects = 0;
        loop {
            check_url(&url, insecure)?;
            let auth = auth.filter(|_| same_origin(&url, auth_origin));
            let response = self.with_retries(request, &url, auth).await?;
            let status = response.status().as_u16();
            if follows && matches!(status, 301 | 302 | 303 | 307 | 308) {
                let Some(location) = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                else {
                    return Ok(response);
                };
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(RegistryError::Transport {
                        registry: host_of(&request.url),
                        reason: format!("more than {MAX_REDIRECTS} redirects"),
                    });
                }
                url = url.join(location).map_err(|_| RegistryError::BadHeader {
                    registry: host_of(&url),
                    header: "Location",
                    problem: "not a URL".to_owned(),
                })?;
                debug!(url = %url.as_str().split('?').next().unwrap_or(""), "registry: following a redirect");
                continue;
            }
            return Ok(response);
        }
    }

    async fn with_retries(
        &self,
        request: &Request,
        url: &Url,
        auth: Option<&AuthHeader>,
    ) -> Result<reqwest::Response, RegistryError> {
        let max_attempts = self.config.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let outcome = self.attempt(request, url, auth).await;
            let mut asked = None;
            let retry = match &outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    asked = retry_after(response);
                    request.idempotency == Idempotency::Safe
                        && matches!(status, 429 | 500 | 502 | 503 | 504)
                }
                // Nothing was sent: any request may go again.
                Err(error) if error.is_connect() => true,
                Err(_) => request.idempotency == Idempotency::Safe,
            };
            let too_long = asked.is_some_and(|wait| wait > self.config.max_retry_after);
            if !retry || attempt >= max_attempts || too_long {
                return outcome.map_err(|e| transport_error(url, e));
            }
            let delay = self
                .backoff(attempt - 1)
                .max(asked.unwrap_or(Duration::ZERO));
            debug!(
                method = request.method.as_str(),
                attempt,
                delay_ms = delay.as_millis() as u64,
                "registry: retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// The headers of an answer, names lowercased; values over the limit or not text dropped.
    pub(crate) fn headers(&self, response: &reqwest::Response) -> Vec<(String, String)> {
        response
            .headers()
            .iter()
            .take(MAX_HEADERS)
            .filter_map(|(name, value)| {
                let value = value.to_str().ok()?;
                (value.len() <= self.config.limits.max_header_bytes)
                    .then(|| (name.as_str().to_ascii_lowercase(), value.to_owned()))
            })
            .collect()
    }

    /// Read a whole answer: a success's body up to `limit` (more is an error), an error's
    /// body up to the error limit (more is dropped).
    pub(crate) async fn read(
        &self,
        mut response: reqwest::Response,
        limit: u64,
        what: &'static str,
    ) -> Result<Response, RegistryError> {
        let status = response.status().as_u16();
        let headers = self.headers(&response);
        let success = (200..300).contains(&status);
        let limit = if success {
            limit
        } else {
            self.config.limits.max_error_bytes
        };
        // Only the bytes that arrive count: a declared length may lie, and the one of a HEAD
        // answer describes a body that is never sent.
        let url = response.url().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(&url, e))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                if success {
                    return Err(RegistryError::TooLarge { what, limit });
                }
                let room = (limit as usize).saturating_sub(body.len());
                body.extend_from_slice(&chunk[..room.min(chunk.len())]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// [`Http::open`] then [`Http::read`] within the request timeout.
    pub(crate) async fn fetch(
        &self,
        request: &Request,
        auth: Option<&AuthHeader>,
        auth_origin: &Url,
        what: &'static str,
    ) -> Result<Response, RegistryError> {
        let work = async {
            let response = self.open(request, auth, auth_origin).await?;
            self.read(response, request.max_response_bytes, what).await
        };
        tokio::time::timeout(self.config.request_timeout, work)
            .await
            .map_err(|_| RegistryError::Transport {
                registry: host_of(&request.url),
                reason: format!(
                    "{} {what}: no complete answer within {} s",
                    request.method.as_str(),
                    self.config.request_timeout.as_secs()
                ),
            })?
    }
}
