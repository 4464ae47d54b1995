//! The TSA's routes: `POST /api/v1/timestamp` (DER `application/timestamp-query` in,
//! `application/timestamp-reply` out) and `GET /api/v1/timestamp/certchain` (PEM).

use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::{TimestampAuthority, MAX_REQUEST_BYTES};
use crate::oidc::http::unix_now;

/// The TSA's routes.
pub fn router(tsa: Arc<TimestampAuthority>) -> Router {
    Router::new()
        .route("/api/v1/timestamp", post(timestamp))
        .route("/api/v1/timestamp/certchain", get(certchain))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(tsa)
}

async fn timestamp(State(tsa): State<Arc<TimestampAuthority>>, body: Bytes) -> Response {
    let mut serial = [0u8; 16];
    if SystemRandom::new().fill(&mut serial).is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no randomness").into_response();
    }
    // A positive INTEGER with no leading zero octet.
    serial[0] = (serial[0] & 0x7f) | 0x01;
    match tsa.respond(&body, unix_now(), &serial) {
        Ok(reply) => (
            [(header::CONTENT_TYPE, "application/timestamp-reply")],
            reply,
        )
            .into_response(),
        Err(error) => {
            tracing::info!(%error, "timestamp request refused");
            (StatusCode::BAD_REQUEST, error.to_string()).into_response()
        }
    }
}

async fn certchain(State(tsa): State<Arc<TimestampAuthority>>) -> Response {
    let pem: String = tsa.chain_der().iter().map(|d| crate::pki::pem(d)).collect();
    (
        [(header::CONTENT_TYPE, "application/pem-certificate-chain")],
        pem,
    )
        .into_response()
}
