//! What can go wrong executing a request, and why a create may have been applied.

use std::time::Duration;

use reqwest::Url;

#[cfg(doc)]
use super::transport::Transport;
use super::url::UrlProblem;
use crate::http::HttpResponse;

/// Why a create may have been applied although no usable answer came back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Ambiguity {
    /// The log (or a proxy in front of it) answered with a status that does not say whether
    /// the entry was appended: a 5xx or 408.
    #[error("the server answered {}", .response.status)]
    Status {
        /// The answer, body included (boxed: it is the bulk of the error).
        response: Box<HttpResponse>,
    },
    /// No complete answer within the attempt's time.
    #[error("no complete answer within {timeout:?}")]
    TimedOut {
        /// The time the attempt had.
        timeout: Duration,
    },
    /// The connection failed after the request may have been written, or while reading the
    /// answer.
    #[error("the connection failed after the request may have been sent")]
    ConnectionFailed {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The answer says the entry may exist but its body is over the request's limit.
    #[error(
        "the answer (status {status}) is over the {limit}-byte limit: at least {at_least} bytes"
    )]
    ResponseTooLarge {
        /// The answer's status.
        status: u16,
        /// The request's `max_response_bytes`.
        limit: usize,
        /// The declared `Content-Length`, or the bytes read when reading stopped.
        at_least: u64,
    },
}

/// What went wrong executing a request.
///
/// A final non-2xx answer (400, 404, 409, ...) is not an error: it is returned as an
/// [`HttpResponse`] for the response checkers to interpret. So is the last retryable answer
/// (a 503, a 429) when the retries run out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The base URL given to [`Transport::new`] cannot be used.
    #[error("base URL {base_url:?} cannot be used: {problem}")]
    InvalidBaseUrl {
        /// The URL as given.
        base_url: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// A request's `path_and_query` cannot be joined to the base URL.
    #[error("path {path_and_query:?} cannot be joined to {base_url}: {problem}")]
    InvalidPath {
        /// The transport's base URL.
        base_url: String,
        /// The request's path and query.
        path_and_query: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// reqwest could not build its client (e.g. no TLS roots).
    #[error("the HTTP client could not be built")]
    ClientSetup {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// No connection could be made; nothing was sent, so no create was applied.
    #[error("could not connect to {url} ({attempts} attempt(s))")]
    Connect {
        /// The request URL.
        url: Url,
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        #[source]
        source: reqwest::Error,
    },
    /// The last attempt of a safe request got no complete answer in time.
    #[error("no complete answer from {url} within {timeout:?} ({attempts} attempt(s))")]
    TimedOut {
        /// The request URL.
        url: Url,
        /// Attempts made.
        attempts: u32,
        /// The time the last attempt had.
        timeout: Duration,
    },
    /// The last attempt of a safe request failed after connecting (reset, broken body), or
    /// the request could not be formed.
    #[error("request to {url} failed ({attempts} attempt(s))")]
    Request {
        /// The request URL.
        url: Url,
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        #[source]
        source: reqwest::Error,
    },
    /// The answer's body is over the request's `max_response_bytes`; reading stopped there.
    #[error(
        "answer from {url} (status {status}) is over the {limit}-byte limit: at least {at_least} bytes"
    )]
    ResponseTooLarge {
        /// The request URL.
        url: Url,
        /// The answer's status.
        status: u16,
        /// The request's `max_response_bytes`.
        limit: usize,
        /// The declared `Content-Length`, or the bytes read when reading stopped.
        at_least: u64,
    },
    /// A create request may have been applied, but no usable answer came back. The
    /// transport did not resend it: look the entry up before sending it again.
    #[error("a create sent to {url} may have been applied ({attempts} attempt(s)); look it up before resending")]
    MaybeCreated {
        /// The request URL.
        url: Url,
        /// Attempts made (more than 1 only if earlier ones certainly were not processed).
        attempts: u32,
        /// What made it ambiguous.
        #[source]
        ambiguity: Ambiguity,
    },
}
