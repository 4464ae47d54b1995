//! A fake GitHub Actions ID-token endpoint on 127.0.0.1: what a job with `id-token: write` sees
//! at `ACTIONS_ID_TOKEN_REQUEST_URL`. It answers `{"value": TOKEN}` only to
//! `Authorization: bearer REQUEST_TOKEN` and `audience=sigstore`, and records what it was asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header::AUTHORIZATION, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

/// One request the fake endpoint received.
#[derive(Debug, Clone)]
pub struct Asked {
    pub authorization: Option<String>,
    pub query: HashMap<String, String>,
}

#[derive(Clone)]
struct Endpoint {
    request_token: String,
    id_token: String,
    asked: Arc<Mutex<Vec<Asked>>>,
}

/// The running endpoint, stopped when dropped.
pub struct FakeActions {
    /// The value for `ACTIONS_ID_TOKEN_REQUEST_URL` (already with a query, as GitHub's).
    pub request_url: String,
    asked: Arc<Mutex<Vec<Asked>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeActions {
    /// Hands out `id_token` to callers that present `request_token`.
    pub async fn start(request_token: &str, id_token: &str) -> FakeActions {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let endpoint = Endpoint {
            request_token: request_token.to_owned(),
            id_token: id_token.to_owned(),
            asked: asked.clone(),
        };
        let app = Router::new()
            .route("/idtoken", get(answer))
            .with_state(endpoint);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeActions {
            request_url: format!("http://{address}/idtoken?api-version=2.0"),
            asked,
            server,
        }
    }

    /// What it was asked so far.
    pub fn asked(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }
}

impl Drop for FakeActions {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(
    State(endpoint): State<Endpoint>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    endpoint.asked.lock().unwrap().push(Asked {
        authorization: authorization.clone(),
        query: query.clone(),
    });
    let presented = authorization
        .as_deref()
        .and_then(|a| a.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token);
    if presented != Some(endpoint.request_token.as_str()) {
        return (StatusCode::UNAUTHORIZED, "bad request token").into_response();
    }
    if query.get("audience").map(String::as_str) != Some("sigstore") {
        return (StatusCode::BAD_REQUEST, "audience must be sigstore").into_response();
    }
    Json(serde_json::json!({ "value": endpoint.id_token })).into_response()
}
