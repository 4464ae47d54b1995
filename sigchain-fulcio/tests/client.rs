//! The `client` feature against small axum servers on 127.0.0.1: a fake Fulcio, a fake
//! GitHub Actions token endpoint, and a fake timestamp authority.
#![cfg(feature = "client")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sigchain_fulcio::client::{
    resolve_token, Clock, FulcioClient, FulcioClientError, GithubActionsTokenClient, Transport,
    TransportConfig, TsaClient,
};
use sigchain_fulcio::sigchain_core::encoding::base64_decode;
use sigchain_fulcio::sigchain_core::time::Timestamp;
use sigchain_fulcio::token::source::{SourceError, TokenOptions, TokenSource};
use sigchain_fulcio::token::{unsigned_jwt, IdentityToken, TokenError};
use sigchain_fulcio::v2::{CertificateRequest, PublicKeyAlgorithm};
use sigchain_fulcio::wire::CreateSigningCertificateRequest;
use sigchain_fulcio::FulcioError;
use sigchain_rekor::client::Backoff;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

// ---- test data -------------------------------------------------------------------------

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared");
const NOW: Timestamp = Timestamp(1_700_000_000);

fn json_file(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(format!("{SHARED}/{path}")).unwrap()).unwrap()
}

fn pem(raw_b64: &str) -> String {
    let der = base64_decode(raw_b64).unwrap();
    pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &der).unwrap()
}

/// Leaf (from the conformance happy path), intermediate, root (public-good Fulcio).
fn chain_pems() -> Vec<String> {
    let bundle = json_file("conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json");
    let mut pems = vec![pem(bundle["verificationMaterial"]["certificate"]
        ["rawBytes"]
        .as_str()
        .unwrap())];
    let root = json_file("trust/production/trusted_root.json");
    let ca = root["certificateAuthorities"]
        .as_array()
        .unwrap()
        .last()
        .unwrap();
    for cert in ca["certChain"]["certificates"].as_array().unwrap() {
        pems.push(pem(cert["rawBytes"].as_str().unwrap()));
    }
    pems
}

fn email_token(exp: i64) -> IdentityToken {
    IdentityToken::parse(&unsigned_jwt(&json!({
        "iss": "http://127.0.0.1/oidc", "sub": "dev@example.com", "aud": "sigstore",
        "iat": exp - 600, "nbf": exp - 600, "exp": exp,
        "email": "dev@example.com", "email_verified": true,
    })))
    .unwrap()
}

fn github_jwt() -> String {
    unsigned_jwt(&json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:acme/app:ref:refs/heads/main", "aud": "sigstore",
        "iat": 1_699_999_990, "exp": 1_700_000_290,
        "job_workflow_ref": "acme/app/.github/workflows/release.yml@refs/heads/main",
    }))
}

// ---- servers ---------------------------------------------------------------------------

/// A server on 127.0.0.1:0, stopped when dropped.
struct Server {
    base_url: String,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(router: Router) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        // Bound before spawning: connections queue until `serve` accepts them.
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Server {
            base_url: format!("http://{address}"),
            task,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn config() -> TransportConfig {
    TransportConfig {
        max_attempts: 3,
        backoff: Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
        ..TransportConfig::default()
    }
}

fn transport(base_url: &str) -> Transport {
    Transport::with_client_builder(base_url, config(), reqwest::Client::builder().no_proxy())
        .unwrap()
}

/// What the fake Fulcio answers, and what it saw.
#[derive(Default)]
struct Fulcio {
    requests: AtomicUsize,
    /// Answer 503 to this many requests first.
    unavailable_first: usize,
    /// Answer this instead of a chain.
    answer: Option<Value>,
    seen: std::sync::Mutex<Vec<CreateSigningCertificateRequest>>,
}

async fn signing_cert(
    State(fulcio): State<Arc<Fulcio>>,
    headers: HeaderMap,
    Json(request): Json<CreateSigningCertificateRequest>,
) -> Response {
    let n = fulcio.requests.fetch_add(1, Ordering::SeqCst);
    if headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        != Some("application/json")
    {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    fulcio.seen.lock().unwrap().push(request.clone());
    if n < fulcio.unavailable_first {
        return (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response();
    }
    if IdentityToken::parse(&request.credentials.oidc_identity_token).is_err() {
        let error = json!({"code": 3, "message": "There was an error processing the identity token", "details": []});
        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
    }
    let answer = fulcio.answer.clone().unwrap_or_else(
        || json!({"signedCertificateEmbeddedSct": {"chain": {"certificates": chain_pems()}}}),
    );
    Json(answer).into_response()
}

async fn trust_bundle() -> Json<Value> {
    let pems = chain_pems();
    Json(json!({"chains": [{"certificates": pems[1..]}]}))
}

async fn start_fulcio(fulcio: Fulcio) -> (Server, Arc<Fulcio>) {
    let state = Arc::new(fulcio);
    let router = Router::new()
        .route("/api/v2/signingCert", post(signing_cert))
        .route("/api/v2/trustBundle", get(trust_bundle))
        .with_state(state.clone());
    (Server::start(router).await, state)
}

fn client(server: &Server) -> FulcioClient {
    FulcioClient::with_transport(transport(&server.base_url)).with_clock(Clock::fixed(NOW))
}

fn pop_request() -> CertificateRequest {
    CertificateRequest::public_key_der(PublicKeyAlgorithm::Ecdsa, &[0x30, 0x00], vec![1, 2, 3])
        .unwrap()
}

// ---- Fulcio ----------------------------------------------------------------------------

#[tokio::test]
async fn gets_a_chain_for_a_public_key() {
    let (server, fulcio) = start_fulcio(Fulcio::default()).await;
    let token = email_token(NOW.0 + 300);
    let chain = client(&server)
        .signing_certificate(&token, &pop_request())
        .await
        .unwrap();
    assert_eq!(chain.len(), 3);
    let seen = fulcio.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].credentials.oidc_identity_token, token.as_str());
    let key = seen[0].public_key_request.as_ref().unwrap();
    assert_eq!(key.proof_of_possession, "AQID");
    assert!(key
        .public_key
        .content
        .starts_with("-----BEGIN PUBLIC KEY-----"));
}

#[tokio::test]
async fn gets_a_chain_for_a_csr_after_a_503() {
    let (server, fulcio) = start_fulcio(Fulcio {
        unavailable_first: 1,
        ..Fulcio::default()
    })
    .await;
    let csr = CertificateRequest::csr_der(&[0x30, 0x00]).unwrap();
    let chain = client(&server)
        .signing_certificate(&email_token(NOW.0 + 300), &csr)
        .await
        .unwrap();
    assert_eq!(chain.len(), 3);
    assert_eq!(fulcio.requests.load(Ordering::SeqCst), 2);
    let seen = fulcio.seen.lock().unwrap();
    assert!(seen[1].certificate_signing_request.is_some());
}

#[tokio::test]
async fn an_expired_token_never_reaches_the_ca() {
    let (server, fulcio) = start_fulcio(Fulcio::default()).await;
    let error = client(&server)
        .signing_certificate(&email_token(NOW.0), &pop_request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, FulcioClientError::Token(TokenError::Expired { ref identity, .. }) if identity == "dev@example.com"),
        "{error:?}"
    );
    assert_eq!(fulcio.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_detached_sct_is_a_typed_error() {
    let (server, fulcio) = start_fulcio(Fulcio {
        answer: Some(json!({"signedCertificateDetachedSct": {
            "chain": {"certificates": chain_pems()}, "signedCertificateTimestamp": "e30="}})),
        ..Fulcio::default()
    })
    .await;
    let error = client(&server)
        .signing_certificate(&email_token(NOW.0 + 300), &pop_request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, FulcioClientError::Fulcio(FulcioError::DetachedSct)),
        "{error:?}"
    );
    assert_eq!(fulcio.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_ca_error_body_becomes_the_message() {
    async fn refuse() -> Response {
        let error =
            json!({"code": 16, "message": "There was an error processing the identity token"});
        (StatusCode::UNAUTHORIZED, Json(error)).into_response()
    }
    let server = Server::start(Router::new().route("/api/v2/signingCert", post(refuse))).await;
    let error = client(&server)
        .signing_certificate(&email_token(NOW.0 + 300), &pop_request())
        .await
        .unwrap_err();
    match error {
        FulcioClientError::Fulcio(FulcioError::Status {
            status,
            code,
            message,
        }) => {
            assert_eq!((status, code), (401, Some(16)));
            assert_eq!(message, "There was an error processing the identity token");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn fetches_the_trust_bundle() {
    let (server, _) = start_fulcio(Fulcio::default()).await;
    let bundle = client(&server).trust_bundle().await.unwrap();
    assert_eq!(bundle.chains().len(), 1);
    assert_eq!(bundle.chains()[0].len(), 2);
}

// ---- GitHub Actions --------------------------------------------------------------------

const REQUEST_TOKEN: &str = "request-token-123";

async fn github_token(
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && token == REQUEST_TOKEN
        });
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        )
            .into_response();
    }
    if query.get("api-version").map(String::as_str) != Some("2.0") {
        return (StatusCode::BAD_REQUEST, "api-version").into_response();
    }
    match query.get("audience").map(String::as_str) {
        Some("sigstore") => Json(json!({"count": 1, "value": github_jwt()})).into_response(),
        other => (StatusCode::BAD_REQUEST, format!("audience {other:?}")).into_response(),
    }
}

async fn start_github() -> (Server, String) {
    let server = Server::start(Router::new().route("/_apis/idtoken", get(github_token))).await;
    let url = format!("{}/_apis/idtoken?api-version=2.0", server.base_url);
    (server, url)
}

fn github_client() -> GithubActionsTokenClient {
    GithubActionsTokenClient::with_client_builder(config(), || {
        reqwest::Client::builder().no_proxy()
    })
}

#[tokio::test]
async fn fetches_a_github_actions_token() {
    let (_server, url) = start_github().await;
    let token = github_client()
        .fetch(&url, REQUEST_TOKEN, "sigstore")
        .await
        .unwrap();
    assert_eq!(token.as_str(), github_jwt());
    assert_eq!(
        token.signer().unwrap().san,
        "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
    );
}

#[tokio::test]
async fn github_refuses_a_wrong_bearer_or_audience() {
    let (_server, url) = start_github().await;
    let error = github_client()
        .fetch(&url, "wrong", "sigstore")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("401"), "{error}");
    assert!(error.to_string().contains("id-token: write"), "{error}");
    let error = github_client()
        .fetch(&url, REQUEST_TOKEN, "other")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("400"), "{error}");
}

#[tokio::test]
async fn resolves_ambient_github_credentials_and_says_so() {
    let (_server, url) = start_github().await;
    let env: HashMap<&str, String> = HashMap::from([
        ("ACTIONS_ID_TOKEN_REQUEST_URL", url),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN.to_owned()),
    ]);
    let (token, source) = resolve_token(
        &TokenOptions::default(),
        |name| env.get(name).cloned(),
        &github_client(),
    )
    .await
    .unwrap();
    assert_eq!(source, TokenSource::GithubActions);
    assert_eq!(token.as_str(), github_jwt());
}

#[tokio::test]
async fn resolves_a_token_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, format!("{}\n", github_jwt())).unwrap();
    let options = TokenOptions {
        token_file: Some(path.clone()),
        ..TokenOptions::default()
    };
    let (token, source) = resolve_token(&options, |_| None, &github_client())
        .await
        .unwrap();
    assert_eq!(source, TokenSource::File(path));
    assert_eq!(token.as_str(), github_jwt());

    let missing = TokenOptions {
        token_file: Some(dir.path().join("absent")),
        ..TokenOptions::default()
    };
    let error = resolve_token(&missing, |_| None, &github_client())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            FulcioClientError::Source(SourceError::FileRead { .. })
        ),
        "{error:?}"
    );
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'a'; sigchain_fulcio::MAX_TOKEN_FILE_BYTES + 10]).unwrap();
    let error = sigchain_fulcio::client::read_token_file(&big)
        .await
        .unwrap_err();
    assert!(
        matches!(error, SourceError::FileTooLarge { .. }),
        "{error:?}"
    );
}

// ---- timestamp authority ---------------------------------------------------------------

async fn timestamp(headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        != Some("application/timestamp-query")
    {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "want a timestamp query").into_response();
    }
    let mut reply = b"reply-to:".to_vec();
    reply.extend_from_slice(&body);
    (
        [(header::CONTENT_TYPE, "application/timestamp-reply")],
        reply,
    )
        .into_response()
}

#[tokio::test]
async fn moves_timestamp_bytes() {
    let server = Server::start(Router::new().route("/api/v1/timestamp", post(timestamp))).await;
    let url = format!("{}/api/v1/timestamp", server.base_url);
    let tsa = TsaClient::with_client_builder(&url, config(), reqwest::Client::builder().no_proxy())
        .unwrap();
    assert_eq!(tsa.timestamp(b"query").await.unwrap(), b"reply-to:query");
    let wrong = format!("{}/api/v1/other", server.base_url);
    let tsa =
        TsaClient::with_client_builder(&wrong, config(), reqwest::Client::builder().no_proxy())
            .unwrap();
    let error = tsa.timestamp(b"query").await.unwrap_err();
    assert!(error.to_string().contains("404"), "{error}");
}
