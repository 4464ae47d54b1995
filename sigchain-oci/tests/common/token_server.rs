//! A token server for docker-registry's `auth: token` mode (the Bearer flow of Docker Hub and
//! GHCR), run in the test process on 127.0.0.1 with a free port and stopped when dropped.
//!
//! The registry answers 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...`;
//! the client GETs `realm?service=S&scope=T:NAME:ACTIONS` (scope repeated or space-separated),
//! with Basic credentials or none; this server answers
//! `{"token", "access_token", "expires_in", "issued_at"}` with a JWT granting what the user may
//! do of what was asked.
//!
//! What distribution 2.8 (`registry/auth/token/`) checks of the JWT, and so what is made here:
//! - `iss` equal to the configured `issuer`, `aud` a single string (an array fails to decode)
//!   equal to the configured `service`;
//! - `exp` and `nbf` against the registry's clock with 60 s leeway; `iat`, `jti` and `sub` are
//!   not checked (`sub` becomes the request's user name);
//! - header `alg` ES256 (raw `r || s` signature, as JWS says) and the signing key from `x5c`
//!   (leaf first, standard base64 DER; verified by Go's x509 up to a certificate of
//!   `rootcertbundle`, any extended key usage), else from `jwk`, else `kid` as the libtrust
//!   fingerprint of a root's key;
//! - `access`: `[{type, name, actions}]`; every action the request needs must be listed
//!   (`GET /v2/` needs none, only a valid token).
//!
//! Here the signing key has a leaf certificate issued by a fresh self-signed root; the root is
//! the `rootcertbundle`, the leaf goes in `x5c`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use sigchain_instance::pki::{self, CertificateSpec, Curve, EcKey};
use sigchain_oci::sigchain_core::time::Timestamp;

/// The `service` the registry names in its challenges and the tokens' `aud`.
pub const SERVICE: &str = "sigchain-test-registry";
/// The tokens' `iss`.
pub const ISSUER: &str = "sigchain-test-token-server";
/// How long a token is valid, seconds.
pub const EXPIRES_IN: i64 = 300;

/// What a user (or an anonymous request) may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token at all: the token server answers 401.
    Denied,
    /// A token granting `pull` where `pull` is asked, nothing else.
    Pull,
    /// A token granting every action asked (`pull`, `push`, `delete`, `*`).
    Full,
}

/// A running token server.
pub struct TokenServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    root_bundle: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

struct ServerState {
    users: HashMap<String, (String, Access)>,
    anonymous: Access,
    key: EncodingKey,
    leaf_b64: String,
    requests: AtomicUsize,
    issued: AtomicUsize,
    next_jti: AtomicU64,
    scopes: Mutex<Vec<Vec<String>>>,
}

impl TokenServer {
    /// Start a server that knows `users` (name, password, what they may do) and treats a
    /// request without credentials as `anonymous`. Wrong or unknown credentials always get 401.
    pub fn start(users: &[(&str, &str, Access)], anonymous: Access) -> TokenServer {
        let dir = tempfile::tempdir().unwrap();
        let (root_pem, leaf_der, key) = signing_material();
        let root_bundle = dir.path().join("token-root.pem");
        std::fs::write(&root_bundle, root_pem).unwrap();
        let state = Arc::new(ServerState {
            users: users
                .iter()
                .map(|(name, password, access)| {
                    ((*name).to_owned(), ((*password).to_owned(), *access))
                })
                .collect(),
            anonymous,
            key: EncodingKey::from_ec_der(key.pkcs8()),
            leaf_b64: base64::engine::general_purpose::STANDARD.encode(leaf_der),
            requests: AtomicUsize::new(0),
            issued: AtomicUsize::new(0),
            next_jti: AtomicU64::new(1),
            scopes: Mutex::new(Vec::new()),
        });

        // Bound here, before the thread starts, so the port is known and never raced for.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let app = axum::Router::new()
            .route("/token", axum::routing::get(token))
            .with_state(state.clone());
        // Its own thread and runtime, so sync and async tests use it alike and dropping it
        // never drops a runtime inside another.
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop.await;
                    })
                    .await
                    .unwrap();
            });
        });
        TokenServer {
            addr,
            state,
            root_bundle,
            shutdown: Some(shutdown),
            thread: Some(thread),
            _dir: dir,
        }
    }

    /// The token endpoint, `http://127.0.0.1:PORT/token`.
    pub fn realm(&self) -> String {
        format!("http://{}/token", self.addr)
    }

    /// The `auth:` section for [`super::registry::Registry::start_with`].
    pub fn registry_yaml(&self) -> String {
        format!(
            "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
            self.realm(),
            self.root_bundle.display()
        )
    }

    /// Token requests received, answered or refused.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Tokens issued.
    pub fn issued(&self) -> usize {
        self.state.issued.load(Ordering::SeqCst)
    }

    /// The scopes of every token request received, in order, each split into single scopes
    /// (`repository:NAME:pull,push`).
    pub fn scopes(&self) -> Vec<Vec<String>> {
        self.state.scopes.lock().unwrap().clone()
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A fresh root certificate (PEM), a leaf certificate (DER) it issued for the returned key.
fn signing_material() -> (String, Vec<u8>, EcKey) {
    let now = Timestamp::now().as_secs();
    let root_key = EcKey::generate(Curve::P256).unwrap();
    let root_name = pki::name("CN=sigchain test token root,O=sigchain-test").unwrap();
    let root = pki::sign_certificate(
        CertificateSpec {
            issuer: root_name.clone(),
            subject: root_name.clone(),
            not_before: now - 3600,
            not_after: now + 24 * 3600,
            subject_spki_der: root_key.spki_der().to_vec(),
            extensions: pki::ca_extensions(None).unwrap(),
        }
        .to_tbs(&root_key)
        .unwrap(),
        &root_key,
    )
    .unwrap();
    let key = EcKey::generate(Curve::P256).unwrap();
    let leaf = pki::sign_certificate(
        CertificateSpec {
            issuer: root_name,
            subject: pki::name("CN=sigchain test token signer,O=sigchain-test").unwrap(),
            not_before: now - 3600,
            not_after: now + 24 * 3600,
            subject_spki_der: key.spki_der().to_vec(),
            extensions: pki::key_id_extensions(key.spki_der(), root_key.spki_der())
                .unwrap()
                .to_vec(),
        }
        .to_tbs(&root_key)
        .unwrap(),
        &root_key,
    )
    .unwrap();
    (pki::pem(&root), leaf, key)
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "errors": [{ "code": "UNAUTHORIZED", "message": message }] }).to_string(),
    )
        .into_response()
}

/// `GET /token?service=S&scope=...` with optional Basic credentials.
async fn token(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let mut service = None;
    let mut scopes = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*key {
            "service" => service = Some(value.into_owned()),
            "scope" => scopes.extend(value.split(' ').filter(|s| !s.is_empty()).map(String::from)),
            _ => {}
        }
    }
    state.scopes.lock().unwrap().push(scopes.clone());
    if service.as_deref() != Some(SERVICE) {
        return refuse(StatusCode::BAD_REQUEST, "unknown or missing service");
    }

    let (subject, access) = match headers.get(header::AUTHORIZATION) {
        None => (String::new(), state.anonymous),
        Some(value) => match basic_credentials(value.as_bytes()) {
            Some((user, password)) => match state.users.get(&user) {
                Some((expected, access)) if *expected == password => (user, *access),
                _ => return refuse(StatusCode::UNAUTHORIZED, "incorrect username or password"),
            },
            None => return refuse(StatusCode::UNAUTHORIZED, "malformed Basic credentials"),
        },
    };
    if access == Access::Denied {
        return refuse(StatusCode::UNAUTHORIZED, "authentication required");
    }

    let granted: Vec<serde_json::Value> = scopes
        .iter()
        .filter_map(|scope| {
            // TYPE:NAME:ACTIONS; a name may hold a registry's `host:port`, so split from both ends.
            let (rest, actions) = scope.rsplit_once(':')?;
            let (kind, name) = rest.split_once(':')?;
            let actions: Vec<&str> = actions
                .split(',')
                .filter(|a| access == Access::Full || *a == "pull")
                .collect();
            (!actions.is_empty()).then(|| json!({ "type": kind, "name": name, "actions": actions }))
        })
        .collect();

    let now = Timestamp::now();
    let claims = json!({
        "iss": ISSUER,
        "sub": subject,
        "aud": SERVICE,
        "exp": now.as_secs() + EXPIRES_IN,
        "nbf": now.as_secs(),
        "iat": now.as_secs(),
        "jti": format!("token-{}", state.next_jti.fetch_add(1, Ordering::SeqCst)),
        "access": granted,
    });
    let mut header = Header::new(Algorithm::ES256);
    header.x5c = Some(vec![state.leaf_b64.clone()]);
    let jwt = match jsonwebtoken::encode(&header, &claims, &state.key) {
        Ok(jwt) => jwt,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    state.issued.fetch_add(1, Ordering::SeqCst);
    (
        [(header::CONTENT_TYPE, "application/json")],
        json!({
            "token": jwt,
            "access_token": jwt,
            "expires_in": EXPIRES_IN,
            "issued_at": now.to_rfc3339(),
        })
        .to_string(),
    )
        .into_response()
}

/// `Basic base64(user:password)` → (user, password).
fn basic_credentials(value: &[u8]) -> Option<(String, String)> {
    let value = std::str::from_utf8(value).ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (user, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
