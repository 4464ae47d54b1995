//! GitHub Actions' ambient credentials, sans-IO: the request for an identity token and the
//! check of its answer.
//!
//! A job with `permissions: id-token: write` finds two variables in its environment:
//! `ACTIONS_ID_TOKEN_REQUEST_URL` (a URL that already has a query, `?api-version=2.0`) and
//! `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (a bearer token for it). `GET {url}&audience=sigstore`
//! with `Authorization: bearer {token}` answers `{"value": "<JWT>", ...}`; the JWT's issuer
//! is `https://token.actions.githubusercontent.com` and its `aud` the audience asked for
//! (the same protocol `@actions/core`'s `getIDToken` and sigstore-python's `id` speak).

use sigchain_rekor::http::{HttpRequest, HttpResponse, Idempotency, Method};

use super::{IdentityToken, TokenError};
use crate::endpoint::{query_value, split_url, EndpointError, RequestTo};
use crate::error::{error_body, truncate};
use crate::limits::MAX_TOKEN_ANSWER_BYTES;

/// The variable holding the token endpoint's URL.
pub const ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// The variable holding the bearer token for that endpoint.
pub const ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// Why GitHub Actions gave no identity token.
#[derive(Debug, thiserror::Error)]
pub enum GithubTokenError {
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` is not a usable URL.
    #[error("{ACTIONS_ID_TOKEN_REQUEST_URL}: {0}")]
    Url(#[from] EndpointError),
    /// The request token is empty or not a valid header value.
    #[error("{ACTIONS_ID_TOKEN_REQUEST_TOKEN} is empty or holds characters a header cannot")]
    RequestToken,
    /// The endpoint answered with another status than 200. A 401 or 403 usually means the
    /// job lacks `permissions: id-token: write` or the request token expired.
    #[error("the GitHub Actions token endpoint answered {status}: {message}{}", if matches!(.status, 401 | 403) { " (does the job have `permissions: id-token: write`?)" } else { "" })]
    Status {
        /// The HTTP status.
        status: u16,
        /// The endpoint's message, or the start of its body.
        message: String,
    },
    /// The answer is over the size limit.
    #[error("the GitHub Actions token answer is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Bytes received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The answer is not `{"value": "<JWT>"}`.
    #[error("the GitHub Actions token answer is not {{\"value\": \"<JWT>\"}}: {0}")]
    Json(#[source] serde_json::Error),
    /// The token in the answer does not parse.
    #[error("the token GitHub Actions gave: {0}")]
    Token(#[source] TokenError),
}

/// `GET {request_url}&audience={audience}` with `Authorization: bearer {request_token}`.
///
/// ```
/// use sigchain_fulcio::token::github::github_actions_token_request;
/// let to = github_actions_token_request(
///     "https://pipelines.actions.example/abc/idtoken?api-version=2.0",
///     "request-token",
///     "sigstore",
/// )?;
/// assert_eq!(to.base_url, "https://pipelines.actions.example");
/// assert_eq!(to.request.path_and_query, "/abc/idtoken?api-version=2.0&audience=sigstore");
/// assert_eq!(to.request.header("authorization"), Some("bearer request-token"));
/// # Ok::<(), sigchain_fulcio::token::github::GithubTokenError>(())
/// ```
pub fn github_actions_token_request(
    request_url: &str,
    request_token: &str,
    audience: &str,
) -> Result<RequestTo, GithubTokenError> {
    let request_token = request_token.trim();
    // A header value must be visible ASCII; anything else would be refused by the HTTP
    // stack later, with a message that hides which variable was wrong.
    if request_token.is_empty() || !request_token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(GithubTokenError::RequestToken);
    }
    let (base_url, mut path_and_query) = split_url(request_url)?;
    path_and_query.push(if path_and_query.contains('?') {
        '&'
    } else {
        '?'
    });
    path_and_query.push_str("audience=");
    path_and_query.push_str(&query_value(audience));
    Ok(RequestTo {
        base_url,
        request: HttpRequest {
            method: Method::Get,
            path_and_query,
            headers: vec![
                (
                    "authorization".to_owned(),
                    format!("bearer {request_token}"),
                ),
                ("accept".to_owned(), "application/json".to_owned()),
            ],
            body: None,
            idempotency: Idempotency::Safe,
            max_response_bytes: MAX_TOKEN_ANSWER_BYTES,
        },
    })
}

/// Check the answer to [`github_actions_token_request`]: status 200, bounded, JSON with a
/// string `value` that parses as an identity token.
pub fn check_github_actions_token(
    response: &HttpResponse,
) -> Result<IdentityToken, GithubTokenError> {
    if response.body.len() > MAX_TOKEN_ANSWER_BYTES {
        return Err(GithubTokenError::TooLarge {
            len: response.body.len(),
            max: MAX_TOKEN_ANSWER_BYTES,
        });
    }
    if response.status != 200 {
        let (_, message) = error_body(&response.body);
        return Err(GithubTokenError::Status {
            status: response.status,
            message: truncate(&message),
        });
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        value: String,
    }
    let answer: Answer = serde_json::from_slice(&response.body).map_err(GithubTokenError::Json)?;
    IdentityToken::parse(&answer.value).map_err(GithubTokenError::Token)
}
