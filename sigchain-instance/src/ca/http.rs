//! The CA's routes: `POST /api/v2/signingCert` and `GET /api/v2/trustBundle`, answering as
//! Fulcio's grpc-gateway does (errors as `{"code":N,"message":"...","details":[]}`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::request::{parse_request, MAX_REQUEST_BYTES};
use super::{CaError, CertificateAuthority};
use crate::oidc::http::unix_now;
use crate::oidc::TokenVerifier;

type CaState = (Arc<CertificateAuthority>, Arc<TokenVerifier>);

/// The CA's routes.
pub fn router(ca: Arc<CertificateAuthority>, tokens: Arc<TokenVerifier>) -> Router {
    Router::new()
        .route("/api/v2/signingCert", post(signing_cert))
        .route("/api/v2/trustBundle", get(trust_bundle))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state((ca, tokens))
}

async fn signing_cert(
    State((ca, tokens)): State<CaState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let result =
        parse_request(&body, bearer).and_then(|request| ca.issue(&request, &tokens, unix_now()));
    match result {
        Ok(chain) => Json(json!({
            "signedCertificateEmbeddedSct": {"chain": {"certificates": chain.pem()}}
        }))
        .into_response(),
        Err(error) => error_response(&error),
    }
}

/// Fulcio's error answer for `error`.
pub fn error_response(error: &CaError) -> Response {
    tracing::info!(%error, "signing certificate refused");
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({
        "code": error.grpc_code(),
        "message": error.client_message(),
        "details": [],
    });
    (status, Json(body)).into_response()
}

async fn trust_bundle(State((ca, _)): State<CaState>) -> Response {
    let chain: Vec<String> = ca
        .trust_bundle()
        .iter()
        .map(|d| crate::pki::pem(d))
        .collect();
    Json(json!({"chains": [{"certificates": chain}]})).into_response()
}
