//! [`Transport`]: executes one [`HttpRequest`] against a log's base URL over reqwest (rustls),
//! with timeouts, a bounded body, and retries that never resend a create that may have landed.
//!
//! The retry decision is [`classify`], a pure function of what one attempt produced and the
//! request's [`Idempotency`]; [`Transport::execute`] is the loop that sleeps between attempts.
//!
//! # The create rule
//!
//! An [`Idempotency::Create`] request is sent again only when the log certainly did not
//! process it:
//! - no connection could be made (reqwest's `is_connect()`: DNS, refused, TLS handshake,
//!   connect timeout); nothing was written;
//! - `429 Too Many Requests`: RFC 6585 §4 defines it as a refusal to handle the request, and
//!   rate limiters answer it before the request reaches the log.
//!
//! `503` is *not* on that list, even with `Retry-After`: proxies in front of a log answer 503
//! after forwarding the request (Envoy's "upstream connect error or disconnect/reset before
//! headers" is a 503 sent after the upstream had the request), so it does not prove the entry
//! was not appended. The costs are lopsided: a create wrongly treated as ambiguous costs the
//! caller one lookup; a create wrongly resent can append a second entry or hide the first
//! answer. Every other failure after the connection existed (a timeout, a reset, a 5xx, a 408,
//! a 2xx whose body is over the limit) is [`TransportError::MaybeCreated`].
//!
//! Below this layer, reqwest itself retries only protocol refusals that say the server did not
//! process the request (HTTP/2 `REFUSED_STREAM`, a graceful `GOAWAY`, a pooled connection
//! closed before the request was written); those keep the rule.

use std::time::{Duration, SystemTime};

use reqwest::header::{self, HeaderMap};
use reqwest::Url;
use tokio::time::Instant;
use tracing::debug;

use super::error::{Ambiguity, TransportError};
use super::retry::{parse_retry_after, Backoff};
use super::url::{join_url, parse_base_url};
use crate::http::{HttpRequest, HttpResponse, Idempotency, Method};

/// The `User-Agent` sent by default: `sigchain/<version>`.
pub const USER_AGENT: &str = concat!("sigchain/", env!("CARGO_PKG_VERSION"));

/// Timeouts, retry budget and identity of a [`Transport`].
///
/// ```
/// use std::time::Duration;
/// use sigchain_rekor::client::TransportConfig;
///
/// let config = TransportConfig {
///     max_attempts: 2,
///     attempt_timeout: Duration::from_secs(10),
///     ..TransportConfig::default()
/// };
/// assert_eq!(config.connect_timeout, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// How long establishing a connection (TCP and TLS) may take. A connect timeout means
    /// nothing was sent, so even a create may be retried after it; keep it below
    /// `attempt_timeout`, or a slow connect ends as an (ambiguous) attempt timeout instead.
    pub connect_timeout: Duration,
    /// How long one attempt may take in total: connecting, sending, and reading the whole
    /// body.
    pub attempt_timeout: Duration,
    /// Attempts in all, the first included (0 is taken as 1).
    pub max_attempts: u32,
    /// How long [`Transport::execute`] may take in all, sleeps included: the last attempt is
    /// cut short to end by then, and no retry starts whose delay would pass it.
    pub max_total_time: Duration,
    /// The delays between attempts when the server does not say.
    pub backoff: Backoff,
    /// The longest `Retry-After` honoured. A server asking for more ends the retries: its
    /// answer is returned rather than waiting that long.
    pub max_retry_after: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for TransportConfig {
    /// Connect within 10 s, 30 s per attempt, 4 attempts within 2 minutes, backoff
    /// [`Backoff::DEFAULT`], `Retry-After` honoured up to 60 s, [`USER_AGENT`].
    fn default() -> Self {
        TransportConfig {
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            max_attempts: 4,
            max_total_time: Duration::from_secs(120),
            backoff: Backoff::DEFAULT,
            max_retry_after: Duration::from_secs(60),
            user_agent: USER_AGENT.to_owned(),
        }
    }
}

/// Executes [`HttpRequest`]s against one log's base URL.
///
/// Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), sigchain_rekor::client::TransportError> {
/// use sigchain_rekor::client::{Transport, TransportConfig};
/// use sigchain_rekor::http::{HttpRequest, Idempotency, Method};
///
/// let transport = Transport::new("https://rekor.sigstore.dev", TransportConfig::default())?;
/// let request = HttpRequest {
///     method: Method::Get,
///     path_and_query: "/api/v1/log".to_owned(),
///     headers: Vec::new(),
///     body: None,
///     idempotency: Idempotency::Safe,
///     max_response_bytes: 64 * 1024,
/// };
/// let response = transport.execute(&request).await?;
/// println!("status {}", response.status);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    base_url: Url,
    config: TransportConfig,
}

impl Transport {
    /// A transport for the log at `base_url` (`http` or `https`, optionally with a path
    /// prefix such as `https://example.com/rekor`, with or without a trailing slash).
    pub fn new(base_url: &str, config: TransportConfig) -> Result<Transport, TransportError> {
        Transport::with_client_builder(base_url, config, reqwest::Client::builder())
    }

    /// Like [`Transport::new`], starting from the caller's reqwest builder (extra root
    /// certificates, proxies, a resolver). The transport then sets its own `User-Agent`,
    /// connect timeout, and turns redirects off: a log answers at its own URL, and following a
    /// redirect would send a create's body to a place the caller never named.
    pub fn with_client_builder(
        base_url: &str,
        config: TransportConfig,
        builder: reqwest::ClientBuilder,
    ) -> Result<Transport, TransportError> {
        let base_url =
            parse_base_url(base_url).map_err(|problem| TransportError::InvalidBaseUrl {
                base_url: base_url.to_owned(),
                problem,
            })?;
        let client = builder
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|source| TransportError::ClientSetup { source })?;
        Ok(Transport {
            client,
            base_url,
            config,
        })
    }

    /// The base URL, without a trailing slash on its path.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The configuration.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// The URL a request with this `path_and_query` goes to.
    pub fn url_for(&self, path_and_query: &str) -> Result<Url, TransportError> {
        join_url(&self.base_url, path_and_query).map_err(|problem| TransportError::InvalidPath {
            base_url: self.base_url.to_string(),
            path_and_query: path_and_query.to_owned(),
            problem,
        })
    }

    /// Sends `request`, retrying as its [`Idempotency`] allows (see the module
    /// documentation), and returns the answer: any status, with at most
    /// `max_response_bytes` of body.
    pub async fn execute(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let url = self.url_for(&request.path_and_query)?;
        let max_attempts = self.config.max_attempts.max(1);
        let started = Instant::now();
        // A configured "forever" (Duration::MAX) would overflow Instant; a century is forever.
        let deadline = started
            .checked_add(self.config.max_total_time)
            .unwrap_or_else(|| started + Duration::from_secs(100 * 365 * 86_400));
        let mut attempt = 1;
        loop {
            let budget = self
                .config
                .attempt_timeout
                .min(deadline.saturating_duration_since(Instant::now()));
            debug!(
                method = ?request.method,
                %url,
                attempt,
                max_attempts,
                idempotency = ?request.idempotency,
                "rekor transport: sending"
            );
            let outcome = self.attempt(&url, request, budget).await;
            let retry_after = match classify(&outcome, request.idempotency) {
                Verdict::Done => return finish(outcome, url, attempt),
                Verdict::Ambiguous => return Err(ambiguous(outcome, url, attempt)),
                Verdict::Retry { retry_after } => retry_after,
            };
            let reason = describe(&outcome);
            if attempt >= max_attempts {
                debug!(%url, attempt, reason, "rekor transport: giving up, out of attempts");
                return finish(outcome, url, attempt);
            }
            if let Some(asked) = retry_after.filter(|&asked| asked > self.config.max_retry_after) {
                debug!(
                    %url,
                    attempt,
                    reason,
                    retry_after_ms = asked.as_millis() as u64,
                    "rekor transport: giving up, Retry-After over the cap"
                );
                return finish(outcome, url, attempt);
            }
            let delay = retry_after
                .unwrap_or(Duration::ZERO)
                .max(self.config.backoff.delay(attempt - 1, fastrand::f64()));
            if Instant::now()
                .checked_add(delay)
                .is_none_or(|wake| wake >= deadline)
            {
                debug!(%url, attempt, reason, "rekor transport: giving up, out of time");
                return finish(outcome, url, attempt);
            }
            debug!(
                %url,
                attempt,
                reason,
                delay_ms = delay.as_millis() as u64,
                "rekor transport: retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, url: &Url, request: &HttpRequest, budget: Duration) -> Outcome {
        // One clock for the whole attempt (connect, send, body), so a server trickling its
        // body cannot stretch an attempt past the budget.
        match tokio::time::timeout(budget, self.send_and_read(url, request, budget)).await {
            Ok(outcome) => outcome,
            Err(_elapsed) => Err(Failure::TimedOut(budget)),
        }
    }

    async fn send_and_read(&self, url: &Url, request: &HttpRequest, budget: Duration) -> Outcome {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &request.body {
            if request.header("content-type").is_none() {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
            }
            builder = builder.body(body.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|error| Failure::from_send(error, budget))?;
        let status = response.status().as_u16();
        let headers = crate::http::KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                header_text(response.headers(), *name).map(|v| ((*name).to_owned(), v.to_owned()))
            })
            .collect();
        let retry_after = header_text(response.headers(), header::RETRY_AFTER)
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        let limit = request.max_response_bytes;
        // Refuse early on a declared length, but the count below is what is enforced: a
        // chunked body declares none, and a lying server may declare less than it sends.
        if let Some(declared) = response.content_length() {
            if declared > limit as u64 {
                return Err(Failure::TooLarge {
                    status,
                    limit,
                    at_least: declared,
                });
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(Failure::Request)? {
            let read = body.len().saturating_add(chunk.len());
            if read > limit {
                return Err(Failure::TooLarge {
                    status,
                    limit,
                    at_least: read as u64,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            response: HttpResponse {
                status,
                headers,
                body,
            },
            retry_after,
        })
    }
}

/// What one attempt produced.
type Outcome = Result<Answer, Failure>;

/// A complete answer.
#[derive(Debug)]
struct Answer {
    response: HttpResponse,
    /// The `Retry-After` header, parsed when it was sent.
    retry_after: Option<Duration>,
}

/// An attempt without a complete answer.
#[derive(Debug)]
enum Failure {
    /// reqwest refused to form the request; nothing was sent.
    Build(reqwest::Error),
    /// No connection; nothing was sent.
    Connect(reqwest::Error),
    /// The attempt ran out of time (connection up or not: unknown).
    TimedOut(Duration),
    /// Failed after connecting: the request may have been written.
    Request(reqwest::Error),
    /// The body is over the limit.
    TooLarge {
        status: u16,
        limit: usize,
        at_least: u64,
    },
}

impl Failure {
    fn from_send(error: reqwest::Error, budget: Duration) -> Failure {
        if error.is_builder() {
            Failure::Build(error)
        } else if error.is_connect() {
            // Checked before `is_timeout`: a connect timeout is both, and it sent nothing.
            Failure::Connect(error)
        } else if error.is_timeout() {
            // Only from a timeout set on a caller's builder; ours is the attempt budget.
            Failure::TimedOut(budget)
        } else {
            Failure::Request(error)
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Return the outcome as it is.
    Done,
    /// Another attempt may help; the server asked for this wait, if it said.
    Retry { retry_after: Option<Duration> },
    /// A create that may have been applied: report, never resend.
    Ambiguous,
}

/// The retry decision for one attempt's outcome (see the module documentation).
fn classify(outcome: &Outcome, idempotency: Idempotency) -> Verdict {
    let create = idempotency == Idempotency::Create;
    match outcome {
        Ok(answer) => {
            let status = answer.response.status;
            let retry = Verdict::Retry {
                retry_after: answer.retry_after,
            };
            if create && status == 429 {
                retry
            } else if create && !is_success(status) && may_have_applied(status) {
                Verdict::Ambiguous
            } else if !create && is_transient(status) {
                retry
            } else {
                Verdict::Done
            }
        }
        Err(Failure::Build(_)) => Verdict::Done,
        Err(Failure::Connect(_)) => Verdict::Retry { retry_after: None },
        Err(Failure::TimedOut(_) | Failure::Request(_)) if create => Verdict::Ambiguous,
        Err(Failure::TimedOut(_) | Failure::Request(_)) => Verdict::Retry { retry_after: None },
        // The same request gets the same body: retrying cannot help.
        Err(Failure::TooLarge { status, .. }) if create && may_have_applied(*status) => {
            Verdict::Ambiguous
        }
        Err(Failure::TooLarge { .. }) => Verdict::Done,
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Statuses worth another try of a safe request: 408, 429, and 5xx except the two that are
/// permanent by definition (501 Not Implemented, 505 HTTP Version Not Supported).
fn is_transient(status: u16) -> bool {
    matches!(status, 408 | 429) || ((500..600).contains(&status) && !matches!(status, 501 | 505))
}

/// Statuses after which a create may have been applied: success, and the answers a proxy
/// gives when the request may have reached the log (any 5xx, 408).
fn may_have_applied(status: u16) -> bool {
    is_success(status) || status == 408 || (500..600).contains(&status)
}

/// A short name of an outcome for the debug events (never a body).
fn describe(outcome: &Outcome) -> &'static str {
    match outcome {
        Ok(answer) => match answer.response.status {
            408 => "408 request timeout",
            429 => "429 too many requests",
            500 => "500 internal server error",
            502 => "502 bad gateway",
            503 => "503 service unavailable",
            504 => "504 gateway timeout",
            _ => "server error status",
        },
        Err(Failure::Build(_)) => "request not formed",
        Err(Failure::Connect(_)) => "connect failed",
        Err(Failure::TimedOut(_)) => "attempt timed out",
        Err(Failure::Request(_)) => "connection failed",
        Err(Failure::TooLarge { .. }) => "response too large",
    }
}

/// The outcome of the last attempt as [`Transport::execute`]'s result.
fn finish(outcome: Outcome, url: Url, attempts: u32) -> Result<HttpResponse, TransportError> {
    match outcome {
        Ok(answer) => {
            debug!(%url, attempts, status = answer.response.status, "rekor transport: answer");
            Ok(answer.response)
        }
        Err(Failure::Connect(source)) => Err(TransportError::Connect {
            url,
            attempts,
            source,
        }),
        Err(Failure::TimedOut(timeout)) => Err(TransportError::TimedOut {
            url,
            attempts,
            timeout,
        }),
        Err(Failure::Build(source) | Failure::Request(source)) => Err(TransportError::Request {
            url,
            attempts,
            source,
        }),
        Err(Failure::TooLarge {
            status,
            limit,
            at_least,
        }) => Err(TransportError::ResponseTooLarge {
            url,
            status,
            limit,
            at_least,
        }),
    }
}

/// The outcome of a create's last attempt as [`TransportError::MaybeCreated`].
fn ambiguous(outcome: Outcome, url: Url, attempts: u32) -> TransportError {
    let ambiguity = match outcome {
        Ok(answer) => Ambiguity::Status {
            response: Box::new(answer.response),
        },
        Err(Failure::TimedOut(timeout)) => Ambiguity::TimedOut { timeout },
        Err(Failure::Build(source) | Failure::Connect(source) | Failure::Request(source)) => {
            Ambiguity::ConnectionFailed { source }
        }
        Err(Failure::TooLarge {
            status,
            limit,
            at_least,
        }) => Ambiguity::ResponseTooLarge {
            status,
            limit,
            at_least,
        },
    };
    debug!(%url, attempts, %ambiguity, "rekor transport: create may have been applied");
    TransportError::MaybeCreated {
        url,
        attempts,
        ambiguity,
    }
}

/// A header's value if it is present once and is visible ASCII.
fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name)?.to_str().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retry_after: Option<u64>) -> Outcome {
        Ok(Answer {
            response: HttpResponse::new(status, Vec::new()),
            retry_after: retry_after.map(Duration::from_secs),
        })
    }

    const RETRY: Verdict = Verdict::Retry { retry_after: None };

    #[test]
    fn safe_requests_retry_transient_statuses_only() {
        for status in [408, 429, 500, 502, 503, 504, 599] {
            assert_eq!(
                classify(&answer(status, None), Idempotency::Safe),
                RETRY,
                "{status}"
            );
        }
        for status in [200, 201, 204, 301, 400, 401, 404, 409, 413, 501, 505] {
            assert_eq!(
                classify(&answer(status, None), Idempotency::Safe),
                Verdict::Done,
                "{status}"
            );
        }
        assert_eq!(
            classify(&answer(503, Some(7)), Idempotency::Safe),
            Verdict::Retry {
                retry_after: Some(Duration::from_secs(7))
            }
        );
    }

    #[test]
    fn creates_retry_429_only_and_report_5xx_as_ambiguous() {
        assert_eq!(
            classify(&answer(429, Some(1)), Idempotency::Create),
            Verdict::Retry {
                retry_after: Some(Duration::from_secs(1))
            }
        );
        for status in [408, 500, 501, 502, 503, 504, 505] {
            assert_eq!(
                classify(&answer(status, Some(0)), Idempotency::Create),
                Verdict::Ambiguous,
                "{status}"
            );
        }
        for status in [200, 201, 400, 404, 409, 413, 422] {
            assert_eq!(
                classify(&answer(status, None), Idempotency::Create),
                Verdict::Done,
                "{status}"
            );
        }
    }

    #[test]
    fn timeouts_retry_a_safe_request_and_make_a_create_ambiguous() {
        let timed_out = Err(Failure::TimedOut(Duration::from_secs(1)));
        assert_eq!(classify(&timed_out, Idempotency::Safe), RETRY);
        assert_eq!(
            classify(&timed_out, Idempotency::Create),
            Verdict::Ambiguous
        );
    }

    #[test]
    fn an_oversized_body_is_ambiguous_only_for_a_create_that_may_have_landed() {
        let too_large = |status| {
            Err(Failure::TooLarge {
                status,
                limit: 10,
                at_least: 11,
            })
        };
        assert_eq!(
            classify(&too_large(201), Idempotency::Create),
            Verdict::Ambiguous
        );
        assert_eq!(
            classify(&too_large(500), Idempotency::Create),
            Verdict::Ambiguous
        );
        assert_eq!(
            classify(&too_large(400), Idempotency::Create),
            Verdict::Done
        );
        assert_eq!(
            classify(&too_large(429), Idempotency::Create),
            Verdict::Done
        );
        assert_eq!(classify(&too_large(200), Idempotency::Safe), Verdict::Done);
        assert_eq!(classify(&too_large(503), Idempotency::Safe), Verdict::Done);
    }
}
