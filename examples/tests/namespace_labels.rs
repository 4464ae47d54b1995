//! The `admission_webhook` example's namespace labels (`--namespace-labels`), driven over
//! HTTPS on 127.0.0.1: policies that exclude by `namespaceSelector` and override the failure
//! action by `namespaceSelector`, decided with the labels a fake API server holds (TLS with a
//! CA made for the run, a bearer token checked, calls counted), or a labels file.
//!
//! As in `admission_webhook.rs`, the example's source is compiled in and runs as a child
//! process of this binary (`SIGCHAIN_ADMISSION_WEBHOOK_CHILD` set), hence `harness = false`.

#[allow(dead_code)]
#[path = "../examples/admission_webhook.rs"]
mod admission_webhook;
#[path = "common/tls.rs"]
mod tls;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tls::{make_tls, Tls};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject as _;
use serde_json::{json, Value};

const CHILD: &str = "SIGCHAIN_ADMISSION_WEBHOOK_CHILD";
/// Covered by the Enforce policy that leaves out exempt namespaces.
const ACME: &str = "127.0.0.1:5000/acme/app:1.0";
/// Covered by the Audit policy that enforces in `tier: prod` namespaces.
const TEAM: &str = "127.0.0.1:5000/team/api:2.0";
const TOKEN: &str = "token-one";

// --- certificates --------------------------------------------------------------------------

// --- the fake API server -------------------------------------------------------------------

#[derive(Default)]
struct ApiState {
    /// Namespace → labels.
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// The bearer token accepted.
    token: Mutex<String>,
    /// Calls per namespace (whatever the answer).
    calls: Mutex<BTreeMap<String, u64>>,
    /// How long each answer waits.
    delay_ms: AtomicU64,
}

impl ApiState {
    fn calls(&self, namespace: &str) -> u64 {
        self.calls
            .lock()
            .unwrap()
            .get(namespace)
            .copied()
            .unwrap_or(0)
    }
}

async fn get_namespace(
    State(state): State<Arc<ApiState>>,
    UrlPath(namespace): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    *state
        .calls
        .lock()
        .unwrap()
        .entry(namespace.clone())
        .or_default() += 1;
    let delay = state.delay_ms.load(Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let expected = format!("Bearer {}", state.token.lock().unwrap());
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    }
    match state.namespaces.get(&namespace) {
        Some(labels) => axum::Json(json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": labels},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }))
        .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// An HTTPS server on 127.0.0.1, stopped when dropped.
struct FakeApi {
    addr: SocketAddr,
    state: Arc<ApiState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeApi {
    async fn start(tls: &Tls, namespaces: &[(&str, &[(&str, &str)])]) -> FakeApi {
        let state = Arc::new(ApiState {
            namespaces: namespaces
                .iter()
                .map(|(name, labels)| {
                    let labels = labels
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect();
                    ((*name).to_owned(), labels)
                })
                .collect(),
            token: Mutex::new(TOKEN.to_owned()),
            ..ApiState::default()
        });
        let app = Router::new()
            .route("/api/v1/namespaces/{name}", get(get_namespace))
            .with_state(Arc::clone(&state));
        let chain = rustls::pki_types::CertificateDer::pem_slice_iter(tls.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, app) = (acceptor.clone(), app.clone());
                tokio::spawn(async move {
                    if let Ok(stream) = acceptor.accept(tcp).await {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))
                            .await;
                    }
                });
            }
        });
        FakeApi { addr, state, task }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }
}

// --- files and the webhook process ---------------------------------------------------------

fn policy(name: &str, action: &str, images: &str, extra_spec: &str, extra_rule: &str) -> String {
    format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: {name}
spec:
  validationFailureAction: {action}
{extra_spec}  rules:
    - name: verify-signature
      match:
        any:
          - resources:
              kinds: [Pod]
{extra_rule}      verifyImages:
        - imageReferences: ["{images}"]
          attestors:
            - entries:
                - keyless:
                    subject: "https://github.com/acme/*"
                    issuer: "https://token.actions.githubusercontent.com"
"#
    )
}

/// Enforce for acme images, except in namespaces labelled `sigchain.dev/exempt: "true"`.
fn exempt_policy() -> String {
    policy(
        "acme-enforce",
        "Enforce",
        "127.0.0.1:5000/acme/*",
        "",
        "      exclude:\n        any:\n          - resources:\n              namespaceSelector:\n                matchLabels:\n                  sigchain.dev/exempt: \"true\"\n",
    )
}

/// Audit for team images, Enforce in namespaces labelled `tier: prod`.
fn override_policy() -> String {
    policy(
        "team-audit",
        "Audit",
        "127.0.0.1:5000/team/*",
        "  validationFailureActionOverrides:\n    - action: Enforce\n      namespaceSelector:\n        matchLabels:\n          tier: prod\n",
        "",
    )
}

/// Audit only, leaving out exempt namespaces.
fn audit_only_policy() -> String {
    policy(
        "acme-audit",
        "Audit",
        "127.0.0.1:5000/acme/*",
        "",
        "      exclude:\n        any:\n          - resources:\n              namespaceSelector:\n                matchLabels:\n                  sigchain.dev/exempt: \"true\"\n",
    )
}

struct Files {
    dir: tempfile::TempDir,
    tls: Tls,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        let tls = make_tls("sigchain namespace labels test CA", "127.0.0.1");
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("tls.crt", &tls.cert_pem);
        write("tls.key", &tls.key_pem);
        write("ca.crt", &tls.ca_pem);
        write("token", &format!("{TOKEN}\n"));
        write(
            "policies.yaml",
            &format!("{}---\n{}", exempt_policy(), override_policy()),
        );
        write("audit-only.yaml", &audit_only_policy());
        write(
            "plain.yaml",
            &policy("plain", "Enforce", "127.0.0.1:5000/acme/*", "", ""),
        );
        // No image has verified signatures.
        write("evidence.json", "{}");
        write(
            "labels.yaml",
            "sandbox:\n  sigchain.dev/exempt: \"true\"\nprod:\n  tier: prod\nshop: {}\n",
        );
        Files { dir, tls }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn args(&self, policy: &str, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "--addr".into(),
            "127.0.0.1:0".into(),
            "--tls-cert".into(),
            self.path("tls.crt"),
            "--tls-key".into(),
            self.path("tls.key"),
            "--evidence".into(),
            self.path("evidence.json"),
            "--policy".into(),
            self.path(policy),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    }

    /// In-cluster against `api_url`, with the test's token and CA.
    fn in_cluster(&self, policy: &str, api_url: &str, extra: &[&str]) -> Vec<String> {
        let mut args = self.args(
            policy,
            &[
                "--namespace-labels",
                "in-cluster",
                "--kube-api",
                api_url,
                "--kube-token-file",
                &self.path("token"),
                "--kube-ca-file",
                &self.path("ca.crt"),
            ],
        );
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    }

    fn client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.tls.ca_pem.as_bytes()).unwrap();
        reqwest::Client::builder()
            .tls_certs_only([ca])
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }
}

struct Webhook {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the example; its first stdout line, or its stderr and exit status when it fails.
fn spawn(args: &[String]) -> Result<Webhook, (Option<i32>, String)> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(args)
        .env(CHILD, "1")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    if line.is_empty() {
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        return Err((status.code(), stderr));
    }
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || std::io::copy(&mut BufReader::new(stderr), &mut std::io::stderr()));
    let addr = line
        .strip_prefix("listening on https://")
        .and_then(|rest| rest.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("first line is {line:?}"));
    Ok(Webhook { child, addr })
}

fn start(args: &[String]) -> Webhook {
    spawn(args).unwrap_or_else(|(code, stderr)| panic!("exit {code:?}: {stderr}"))
}

fn review(uid: &str, kind: &str, namespace: &str, operation: &str, object: Value) -> Value {
    let resource = format!("{}s", kind.to_lowercase());
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": kind},
            "resource": {"group": "", "version": "v1", "resource": resource},
            "name": "web",
            "namespace": namespace,
            "operation": operation,
            "userInfo": {"username": "alice"},
            "object": object,
        },
    })
}

fn pod(uid: &str, namespace: &str, image: &str) -> Value {
    review(
        uid,
        "Pod",
        namespace,
        "CREATE",
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {"containers": [{"name": "c", "image": image}]},
        }),
    )
}

/// POST to /validate; the AdmissionReview's `response`.
async fn validate(client: &reqwest::Client, webhook: &Webhook, review: &Value) -> Value {
    validate_at(client, webhook.addr.port(), review).await
}

async fn validate_at(client: &reqwest::Client, port: u16, review: &Value) -> Value {
    let response = client
        .post(format!("https://127.0.0.1:{port}/validate"))
        .header("content-type", "application/json")
        .body(review.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(answer["response"]["uid"], review["request"]["uid"]);
    answer["response"].clone()
}

fn allowed(response: &Value) -> bool {
    response["allowed"].as_bool().unwrap()
}

fn message(response: &Value) -> String {
    response["status"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn warnings(response: &Value) -> String {
    response["warnings"].to_string()
}

/// The decisions every label source must give: exempt namespaces left out of the Enforce
/// policy, the Audit policy enforcing in `tier: prod`.
async fn decisions_follow_labels(client: &reqwest::Client, webhook: &Webhook) {
    let r = validate(client, webhook, &pod("acme-shop", "shop", ACME)).await;
    assert!(!allowed(&r), "{r}");
    assert!(message(&r).contains(ACME), "{r}");
    let r = validate(client, webhook, &pod("acme-sandbox", "sandbox", ACME)).await;
    assert!(allowed(&r), "exempt namespace: {r}");
    assert!(r["warnings"].is_null(), "{r}");
    let r = validate(client, webhook, &pod("team-shop", "shop", TEAM)).await;
    assert!(allowed(&r), "{r}");
    assert!(warnings(&r).contains(TEAM), "Audit warns: {r}");
    let r = validate(client, webhook, &pod("team-prod", "prod", TEAM)).await;
    assert!(!allowed(&r), "tier: prod enforces: {r}");
    assert!(message(&r).contains(TEAM), "{r}");
}

// --- tests ---------------------------------------------------------------------------------

/// Labels from the API server decide; they are cached, calls for one namespace coalesce, a
/// rotated token is read, a `Namespace` object and a DELETE need no call; a namespace the API
/// server does not know, or a token it refuses, denies with the reason.
async fn in_cluster(files: &Files) {
    let api = FakeApi::start(
        &files.tls,
        &[
            ("shop", &[("team", "shop")]),
            ("sandbox", &[("sigchain.dev/exempt", "true")]),
            ("prod", &[("tier", "prod")]),
            ("burst", &[]),
            ("rotated", &[("sigchain.dev/exempt", "true")]),
        ],
    )
    .await;
    let webhook = start(&files.in_cluster("policies.yaml", &api.url(), &[]));
    let client = files.client();
    decisions_follow_labels(&client, &webhook).await;

    // Cached: asked again, no call.
    for (namespace, image) in [("shop", ACME), ("sandbox", ACME), ("prod", TEAM)] {
        let before = api.state.calls(namespace);
        assert_eq!(before, 1, "{namespace}");
        validate(&client, &webhook, &pod("again", namespace, image)).await;
        assert_eq!(api.state.calls(namespace), 1, "{namespace} asked again");
    }

    // Concurrent requests for one namespace: one call.
    api.state.delay_ms.store(300, Ordering::Relaxed);
    let requests: Vec<_> = (0..16)
        .map(|i| {
            let (client, review) = (client.clone(), pod(&format!("burst-{i}"), "burst", ACME));
            let port = webhook.addr.port();
            tokio::spawn(async move { allowed(&validate_at(&client, port, &review).await) })
        })
        .collect();
    for request in requests {
        assert!(!request.await.unwrap(), "burst is not exempt");
    }
    assert_eq!(api.state.calls("burst"), 1, "coalesced");
    api.state.delay_ms.store(0, Ordering::Relaxed);

    // The token file is read again: rotated on both sides, the next call succeeds.
    *api.state.token.lock().unwrap() = "token-two".to_owned();
    std::fs::write(files.dir.path().join("token.rotated"), "token-two\n").unwrap();
    std::fs::rename(
        files.dir.path().join("token.rotated"),
        files.dir.path().join("token"),
    )
    .unwrap();
    let r = validate(&client, &webhook, &pod("rotated", "rotated", ACME)).await;
    assert!(allowed(&r), "rotated token: {r}");

    // A Namespace object: its own labels, no call; a DELETE: no call.
    let r = validate(
        &client,
        &webhook,
        &review(
            "ns-create",
            "Namespace",
            "fresh",
            "CREATE",
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": "fresh", "labels": {"tier": "prod"}}}),
        ),
    )
    .await;
    assert!(allowed(&r), "{r}");
    let r = validate(
        &client,
        &webhook,
        &review("pod-delete", "Pod", "fresh", "DELETE", Value::Null),
    )
    .await;
    assert!(allowed(&r), "{r}");
    assert_eq!(api.state.calls("fresh"), 0);

    // Unknown namespace: denied, saying so.
    let r = validate(&client, &webhook, &pod("nowhere", "nowhere", ACME)).await;
    assert!(!allowed(&r), "{r}");
    assert!(message(&r).contains("\"nowhere\""), "{r}");
    assert!(message(&r).contains("no such namespace"), "{r}");
    assert_eq!(r["status"]["code"], 503, "{r}");
    drop(webhook);

    // A token the API server refuses.
    std::fs::write(files.dir.path().join("token"), "stale\n").unwrap();
    let webhook = start(&files.in_cluster("policies.yaml", &api.url(), &[]));
    let r = validate(&client, &webhook, &pod("refused", "sandbox", ACME)).await;
    assert!(!allowed(&r), "{r}");
    assert!(message(&r).contains("HTTP 401"), "{r}");
    std::fs::write(files.dir.path().join("token"), format!("{TOKEN}\n")).unwrap();
}

/// The API server down (nothing listening) or silent (never answers): Enforce denies with
/// the reason, within the deadline; with Audit-only policies the request is admitted with a
/// warning.
async fn api_down(files: &Files) {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("https://{closed}");
    let webhook = start(&files.in_cluster("policies.yaml", &url, &[]));
    let client = files.client();
    // Even a request the labels would have admitted (and a team image, Audit unless prod).
    for (uid, image) in [("down-acme", ACME), ("down-team", TEAM)] {
        let r = validate(&client, &webhook, &pod(uid, "sandbox", image)).await;
        assert!(!allowed(&r), "{r}");
        assert!(message(&r).contains("could not be read"), "{r}");
        assert!(message(&r).contains("did not answer"), "{r}");
    }
    drop(webhook);

    let webhook = start(&files.in_cluster("audit-only.yaml", &url, &[]));
    let r = validate(&client, &webhook, &pod("down-audit", "sandbox", ACME)).await;
    assert!(allowed(&r), "{r}");
    assert!(warnings(&r).contains("labels unavailable"), "{r}");
    drop(webhook);

    // Silent: accepts connections, never answers; the deadline denies.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", silent.local_addr().unwrap());
    let webhook = start(&files.in_cluster("policies.yaml", &url, &["--deadline-ms", "1000"]));
    let started = Instant::now();
    let r = validate(&client, &webhook, &pod("silent", "sandbox", ACME)).await;
    let took = started.elapsed();
    assert!(!allowed(&r), "{r}");
    assert!(message(&r).contains("deadline"), "{r}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    drop(silent);
}

/// `--namespace-labels FILE`: the same decisions, no API server.
async fn labels_file(files: &Files) {
    let labels = files.path("labels.yaml");
    let webhook = start(&files.args("policies.yaml", &["--namespace-labels", &labels]));
    decisions_follow_labels(&files.client(), &webhook).await;
    // A namespace the file does not name has no labels.
    let r = validate(&files.client(), &webhook, &pod("unlisted", "other", ACME)).await;
    assert!(!allowed(&r), "{r}");
}

/// Start-up: selectors without a label source, `--kube-*` without `in-cluster`, a broken
/// labels file, `in-cluster` outside a pod.
async fn startup_errors(files: &Files) {
    let bad = files.path("bad-labels.yaml");
    std::fs::write(&bad, "shop: [a, b]\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (files.args("policies.yaml", &[]), "--namespace-labels"),
        (
            files.args(
                "policies.yaml",
                &[
                    "--namespace-labels",
                    &files.path("labels.yaml"),
                    "--kube-api",
                    "https://127.0.0.1:1",
                ],
            ),
            "--namespace-labels in-cluster",
        ),
        (
            files.args("policies.yaml", &["--namespace-labels", &bad]),
            "bad-labels.yaml",
        ),
        (
            files.args("policies.yaml", &["--namespace-labels", "in-cluster"]),
            "KUBERNETES_SERVICE_HOST",
        ),
    ];
    for (args, said) in cases {
        match spawn(&args) {
            Ok(_) => panic!("{args:?} started"),
            Err((code, stderr)) => {
                assert_eq!(code, Some(1), "{args:?}: {stderr}");
                assert!(stderr.contains(said), "{said:?} not in {stderr:?}");
            }
        }
    }
    // Without selectors in the policies, no flag is needed.
    drop(start(&files.args("plain.yaml", &[])));
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        return admission_webhook::main();
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let list = std::env::args().any(|a| a == "--list");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let files = Files::new();
    type Test =
        for<'a> fn(&'a Files) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;
    let tests: [(&str, Test); 4] = [
        ("in_cluster_labels_decide_are_cached_and_coalesced", |f| {
            Box::pin(in_cluster(f))
        }),
        ("api_down_enforce_denies_audit_warns", |f| {
            Box::pin(api_down(f))
        }),
        ("labels_file_decides_the_same", |f| Box::pin(labels_file(f))),
        ("startup_errors_name_the_problem", |f| {
            Box::pin(startup_errors(f))
        }),
    ];
    if list {
        for (name, _) in &tests {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    let mut failed = 0;
    let mut ran = 0;
    for (name, test) in tests {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        ran += 1;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(test(&files))
        }));
        match outcome {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    println!(
        "\ntest result: {}. {} passed; {failed} failed",
        if failed == 0 { "ok" } else { "FAILED" },
        ran - failed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
