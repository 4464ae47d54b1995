//! The test issuer's routes, under `/oidc`: discovery, JWKS and token minting.
//!
//! `GET /oidc/token?sub=EMAIL` answers the raw JWT as `text/plain`. Optional parameters make
//! tokens a CA must refuse: `aud=OTHER`, `expired=true`, `email_verified=false`.
//!
//! The GitHub Actions stand-in serves `/oidc/github-actions/token` and `/jwks`; `token` takes
//! the job's claims as parameters (`repository`, `ref`, `sha`, `job_workflow_ref`, ... as
//! [`GithubActionsClaims`] names them). Its tokens name GitHub's issuer, so it publishes no
//! discovery document of its own.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::{GithubActionsClaims, OidcIssuer, TokenRequest, AUDIENCE};

/// The query of `GET /oidc/token`.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    /// The subject and email.
    pub sub: String,
    /// The audience (default `sigstore`).
    #[serde(default)]
    pub aud: Option<String>,
    /// Mint an already expired token.
    #[serde(default)]
    pub expired: bool,
    /// `email_verified` (default true).
    #[serde(default)]
    pub email_verified: Option<bool>,
}

/// The issuer's routes, mounted at `/oidc`.
pub fn router(issuer: Arc<OidcIssuer>) -> Router {
    Router::new()
        .route("/oidc/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/token", get(token))
        .with_state(issuer)
}

/// The GitHub Actions stand-in's routes, mounted at `/oidc/github-actions`.
pub fn github_actions_router(issuer: Arc<OidcIssuer>) -> Router {
    Router::new()
        .route("/oidc/github-actions/jwks", get(jwks))
        .route("/oidc/github-actions/token", get(github_actions_token))
        .with_state(issuer)
}

async fn github_actions_token(
    State(issuer): State<Arc<OidcIssuer>>,
    Query(job): Query<GithubActionsClaims>,
) -> Response {
    match issuer.mint_github_actions(&job, unix_now()) {
        Ok(jwt) => ([(header::CONTENT_TYPE, "text/plain")], jwt).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

async fn discovery(State(issuer): State<Arc<OidcIssuer>>) -> Response {
    Json(issuer.discovery()).into_response()
}

async fn jwks(State(issuer): State<Arc<OidcIssuer>>) -> Response {
    Json(issuer.jwks()).into_response()
}

async fn token(State(issuer): State<Arc<OidcIssuer>>, Query(query): Query<TokenQuery>) -> Response {
    let request = TokenRequest {
        subject: query.sub,
        audience: query.aud.unwrap_or_else(|| AUDIENCE.to_owned()),
        expired: query.expired,
        email_verified: query.email_verified.unwrap_or(true),
    };
    match issuer.mint(&request, unix_now()) {
        Ok(jwt) => ([(header::CONTENT_TYPE, "text/plain")], jwt).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// Seconds since the epoch, now: the one place the HTTP layer reads the clock.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
