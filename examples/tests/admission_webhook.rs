//! The `admission_webhook` example as a process, driven over HTTPS on 127.0.0.1 with real
//! `AdmissionReview` bodies.
//!
//! The example's source is compiled into this test binary and its own `main` runs when the
//! binary is started with `SIGCHAIN_ADMISSION_WEBHOOK_CHILD` set: so the server under test is
//! always the current source (with no separately built example to go stale), and it is a real
//! process — its first stdout line, its exit code and its answer to SIGTERM are what a
//! cluster sees. Hence `harness = false`: libtest would print on the child's stdout first.
//!
//! Each run makes a CA and a serving certificate for `127.0.0.1` (with the local Sigstore's
//! key and X.509 code), writes policies and an evidence file, starts the webhook on port 0,
//! and checks: signed and unsigned images in Pods and Deployments, Audit (admitted with
//! warnings) and Enforce (denied, the message naming the image), `/mutate`'s JSONPatch
//! pinning the tag to the digest in the evidence and `/validate` admitting the pinned image,
//! `/healthz`, 400 for bodies that are not an `AdmissionReview`, 413 for oversized ones,
//! start-up errors, a renewed certificate served without a restart, the README's example
//! files, evidence from a real registry (Debian's `docker-registry`, images signed by the
//! local Sigstore; a registry that never answers is denied at the deadline), and graceful
//! shutdown (a request in flight when SIGTERM arrives is answered, then
//! the process exits 0).

#[allow(dead_code)]
#[path = "../examples/admission_webhook.rs"]
mod admission_webhook;
#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;
#[path = "common/tls.rs"]
mod tls;

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tls::{make_tls, Tls};

use base64::Engine as _;
use serde_json::{json, Value};
use sigchain_core::sign::config::SigningConfig;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_examples::local_sigstore::LocalSigstore;
use sigchain_fulcio::client::{BundleSigner, TransportConfig as SigstoreTransport};
use sigchain_fulcio::token::IdentityToken;
use sigchain_oci::client::{ClientConfig, CredentialsSource, RegistryClient, RegistryRepository};
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::flow::{self, PreparedSignature, ResolvedImage, SignatureFormat};
use sigchain_oci::layout::oci_spec::image::{ImageManifestBuilder, MediaType};
use sigchain_oci::reference::{Digest, Reference};
use sigchain_oci::store::ArtifactStore as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Set in the environment of the child: run the example's `main`.
const CHILD: &str = "SIGCHAIN_ADMISSION_WEBHOOK_CHILD";

const ISSUER: &str = "https://token.actions.githubusercontent.com";
const RELEASE: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0";
const MALLORY: &str =
    "https://github.com/mallory/app/.github/workflows/release.yml@refs/heads/main";
/// Signed by the release workflow.
const SIGNED: &str = "127.0.0.1:5000/acme/app:1.0";
/// Signed, but by someone else.
const WRONG_SIGNER: &str = "127.0.0.1:5000/acme/sidecar:2.0";
/// Not in the evidence file at all.
const UNSIGNED: &str = "127.0.0.1:5000/acme/unsigned:1.0";
/// Matched by no policy.
const UNMATCHED: &str = "127.0.0.1:5000/elsewhere/tool:3";

fn digest_of(image: &str) -> String {
    let byte = match image {
        SIGNED => "a1",
        WRONG_SIGNER => "b2",
        _ => "c3",
    };
    format!("sha256:{}", byte.repeat(32))
}

// --- fixtures ------------------------------------------------------------------------------

/// A Kyverno ClusterPolicy for the acme images, signed by acme's release workflows.
fn kyverno_policy(name: &str, action: &str, images: &str, mutate_digest: bool) -> String {
    kyverno_policy_with(name, action, images, mutate_digest, false)
}

/// The same, choosing `verifyDigest` too.
fn kyverno_policy_with(
    name: &str,
    action: &str,
    images: &str,
    mutate_digest: bool,
    verify_digest: bool,
) -> String {
    format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: {name}
spec:
  validationFailureAction: {action}
  rules:
    - name: verify-signature
      match:
        any:
          - resources:
              kinds: [Pod, Deployment]
      verifyImages:
        - imageReferences: ["{images}"]
          mutateDigest: {mutate_digest}
          verifyDigest: {verify_digest}
          attestors:
            - entries:
                - keyless:
                    subject: "https://github.com/acme/app/.github/workflows/*"
                    issuer: "{ISSUER}"
"#
    )
}

/// [`SIGNED`] as `/mutate` pins it.
fn pinned() -> String {
    format!("{SIGNED}@{}", digest_of(SIGNED))
}

fn evidence() -> Value {
    let mut evidence = json!({
        SIGNED: {
            "digest": digest_of(SIGNED),
            "signatures": [{"issuer": ISSUER, "subject": RELEASE}],
        },
        WRONG_SIGNER: {
            "digest": digest_of(WRONG_SIGNER),
            "signatures": [{"issuer": ISSUER, "subject": MALLORY}],
        },
        UNMATCHED: {"digest": digest_of(UNMATCHED)},
    });
    // What a registry provider finds for the pinned image: the same signature.
    evidence[pinned()] = evidence[SIGNED].clone();
    evidence
}

/// The files a webhook is started with.
struct Files {
    dir: tempfile::TempDir,
    tls: Tls,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        let tls = make_tls(
            "sigchain admission webhook test CA",
            "sigchain-policy-webhook",
        );
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("tls.crt", &tls.cert_pem);
        write("tls.key", &tls.key_pem);
        write(
            "audit.yaml",
            &kyverno_policy("acme-audit", "Audit", "127.0.0.1:5000/acme/*", false),
        );
        write(
            "enforce.yaml",
            &kyverno_policy("acme-enforce", "Enforce", "127.0.0.1:5000/acme/*", true),
        );
        // A second file, two documents, for images no request here uses: `--policy` repeats.
        write(
            "more.yaml",
            &format!(
                "{}---\n{}",
                kyverno_policy("tools", "Enforce", "127.0.0.1:5000/tools/*", true),
                kyverno_policy("more-tools", "Enforce", "127.0.0.1:5000/more-tools/*", true)
            ),
        );
        // Kyverno's defaults: /validate wants images pinned by digest.
        write(
            "enforce-digest.yaml",
            &kyverno_policy_with(
                "acme-digest",
                "Enforce",
                "127.0.0.1:5000/acme/*",
                true,
                true,
            ),
        );
        write("evidence.json", &evidence().to_string());
        Files { dir, tls }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// The arguments for a webhook with these policy files (and the evidence file).
    fn args(&self, policies: &[&str]) -> Vec<String> {
        let mut args = vec![
            "--addr".into(),
            "127.0.0.1:0".into(),
            "--tls-cert".into(),
            self.path("tls.crt"),
            "--tls-key".into(),
            self.path("tls.key"),
            "--evidence".into(),
            self.path("evidence.json"),
        ];
        for policy in policies {
            args.push("--policy".into());
            args.push(self.path(policy));
        }
        args
    }

    /// An HTTPS client trusting only the test CA.
    fn client(&self) -> reqwest::Client {
        Files::client_for(&self.tls.ca_pem)
    }

    /// An HTTPS client trusting only `ca_pem`.
    fn client_for(ca_pem: &str) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
        reqwest::Client::builder()
            .tls_certs_only([ca])
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    /// A raw TLS client configuration trusting only the test CA.
    fn tls_connector(&self) -> tokio_rustls::TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        let ca = rustls::pki_types::CertificateDer::from(
            pem_rfc7468::decode_vec(self.tls.ca_pem.as_bytes())
                .unwrap()
                .1,
        );
        roots.add(ca).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        tokio_rustls::TlsConnector::from(Arc::new(config))
    }
}

// --- the process ---------------------------------------------------------------------------

/// A running webhook; killed if a test fails before stopping it.
struct Webhook {
    child: Child,
    addr: SocketAddr,
    stderr: mpsc::Receiver<String>,
}

/// Start this binary as the example with `args`; the first line it prints.
fn spawn(args: &[String]) -> (Child, Result<String, String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(args)
        .env(CHILD, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        let read = reader.read_line(&mut line).map(|_| line);
        let _ = tx.send(read);
        // Keep draining so the child never blocks on a full pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let first = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(line)) if !line.is_empty() => Ok(line),
        Ok(Ok(_)) => Err("stdout closed with no line".to_owned()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("no line on stdout within 60 s".to_owned()),
    };
    (child, first)
}

impl Webhook {
    fn start(args: &[String]) -> Webhook {
        let (mut child, first) = spawn(args);
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            let _ = tx.send(text);
        });
        let line = match first {
            Ok(line) => line,
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{error}; stderr: {}", rx.recv().unwrap_or_default());
            }
        };
        let addr = line
            .strip_prefix("listening on https://")
            .and_then(|rest| rest.trim_end().parse::<SocketAddr>().ok())
            .unwrap_or_else(|| panic!("first line is {line:?}"));
        assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
        Webhook {
            child,
            addr,
            stderr: rx,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.addr.port())
    }

    /// SIGTERM, then the exit status and stderr (within 30 s).
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        signal(&self.child, "TERM");
        let status = wait_for(&mut self.child, Duration::from_secs(30));
        let stderr = self
            .stderr
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default();
        (status, stderr)
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} failed");
}

fn wait_for(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < limit,
            "the webhook did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// --- requests ------------------------------------------------------------------------------

fn pod(uid: &str, images: &[&str]) -> Value {
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, image)| json!({"name": format!("c{i}"), "image": image}))
        .collect();
    review(
        uid,
        ("", "v1", "Pod", "pods"),
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": containers},
        }),
    )
}

fn deployment(uid: &str, image: &str) -> Value {
    review(
        uid,
        ("apps", "v1", "Deployment", "deployments"),
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "initContainers": [{"name": "init", "image": UNMATCHED}],
                        "containers": [{"name": "web", "image": image}],
                    },
                },
            },
        }),
    )
}

fn review(
    uid: &str,
    (group, version, kind, resource): (&str, &str, &str, &str),
    object: Value,
) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": resource},
            "requestKind": {"group": group, "version": version, "kind": kind},
            "requestResource": {"group": group, "version": version, "resource": resource},
            "name": "web",
            "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": object,
            "oldObject": null,
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
        },
    })
}

/// POST `body` to `path`; the HTTP status and the body.
async fn post(
    client: &reqwest::Client,
    webhook: &Webhook,
    path: &str,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let response = client
        .post(webhook.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e:?}"));
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// POST a review; the `response` of the AdmissionReview answer, checked for its envelope and
/// uid.
async fn admit(client: &reqwest::Client, webhook: &Webhook, path: &str, review: &Value) -> Value {
    let (status, body) = post(client, webhook, path, review.to_string().into_bytes()).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{path}: {text}");
    let answer: Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(answer["apiVersion"], "admission.k8s.io/v1", "{text}");
    assert_eq!(answer["kind"], "AdmissionReview", "{text}");
    let response = answer["response"].clone();
    assert_eq!(response["uid"], review["request"]["uid"], "{text}");
    response
}

fn allowed(response: &Value) -> bool {
    response["allowed"]
        .as_bool()
        .unwrap_or_else(|| panic!("no allowed: {response}"))
}

fn warnings(response: &Value) -> Vec<String> {
    response["warnings"]
        .as_array()
        .map(|all| all.iter().map(|w| w.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn message(response: &Value) -> String {
    response["status"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// The decoded JSONPatch, if any; `patchType` checked.
fn patch(response: &Value) -> Option<Vec<Value>> {
    let encoded = response["patch"].as_str()?;
    assert_eq!(response["patchType"], "JSONPatch", "{response}");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    Some(serde_json::from_slice(&bytes).unwrap())
}

// --- tests ---------------------------------------------------------------------------------

/// Enforce: signed images admitted (and pinned by /mutate), others denied by name.
async fn enforce(files: &Files) {
    let webhook = Webhook::start(&files.args(&["enforce.yaml", "more.yaml"]));
    let client = files.client();

    let response = admit(&client, &webhook, "/validate", &pod("p-signed", &[SIGNED])).await;
    assert!(allowed(&response), "{response}");
    assert!(
        patch(&response).is_none(),
        "/validate never patches: {response}"
    );

    let response = admit(&client, &webhook, "/mutate", &pod("m-signed", &[SIGNED])).await;
    assert!(allowed(&response), "{response}");
    let operations = patch(&response).unwrap_or_else(|| panic!("no patch: {response}"));
    assert_eq!(operations.len(), 1, "{operations:?}");
    assert_eq!(operations[0]["op"], "replace");
    assert_eq!(operations[0]["path"], "/spec/containers/0/image");
    let pinned = operations[0]["value"].as_str().unwrap();
    assert!(
        pinned.ends_with(&format!("acme/app:1.0@{}", digest_of(SIGNED))),
        "{pinned}"
    );

    // A Deployment: the template's image is pinned; the init container matches no policy.
    let response = admit(
        &client,
        &webhook,
        "/mutate",
        &deployment("m-deploy", SIGNED),
    )
    .await;
    assert!(allowed(&response), "{response}");
    let operations = patch(&response).unwrap_or_else(|| panic!("no patch: {response}"));
    let paths: Vec<&str> = operations
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["/spec/template/spec/containers/0/image"],
        "{operations:?}"
    );
    assert!(operations[0]["value"]
        .as_str()
        .unwrap()
        .ends_with(&format!("@{}", digest_of(SIGNED))));

    for (uid, images) in [
        ("p-unsigned", vec![UNSIGNED]),
        ("p-wrong", vec![WRONG_SIGNER]),
        ("p-mixed", vec![SIGNED, UNSIGNED, WRONG_SIGNER]),
    ] {
        for path in ["/validate", "/mutate"] {
            let response = admit(&client, &webhook, path, &pod(uid, &images)).await;
            assert!(!allowed(&response), "{path} {uid}: {response}");
            assert!(
                patch(&response).is_none(),
                "a denial has no patch: {response}"
            );
            let message = message(&response);
            for image in images.iter().filter(|image| **image != SIGNED) {
                assert!(
                    message.contains(image),
                    "{path} {uid}: {image} not in {message:?}"
                );
            }
            assert_eq!(response["status"]["code"], 403, "{response}");
        }
    }

    let response = admit(
        &client,
        &webhook,
        "/validate",
        &deployment("d-unsigned", UNSIGNED),
    )
    .await;
    assert!(!allowed(&response), "{response}");
    assert!(message(&response).contains(UNSIGNED), "{response}");

    // Images no policy matches are admitted.
    let response = admit(
        &client,
        &webhook,
        "/validate",
        &pod("p-unmatched", &[UNMATCHED]),
    )
    .await;
    assert!(allowed(&response), "{response}");

    let (status, stderr) = webhook.terminate();
    assert!(status.success(), "{status}: {stderr}");
}

/// Audit: everything admitted, failures as warnings naming the image; no patch (Kyverno
/// refuses mutateDigest in Audit).
async fn audit(files: &Files) {
    let webhook = Webhook::start(&files.args(&["audit.yaml"]));
    let client = files.client();
    for path in ["/validate", "/mutate"] {
        let response = admit(
            &client,
            &webhook,
            path,
            &pod("a-unsigned", &[SIGNED, UNSIGNED]),
        )
        .await;
        assert!(allowed(&response), "{path}: {response}");
        let said = warnings(&response);
        assert!(
            said.iter().any(|w| w.contains(UNSIGNED)),
            "{path}: {said:?}"
        );
        assert!(!said.iter().any(|w| w.contains(SIGNED)), "{path}: {said:?}");
        assert!(patch(&response).is_none(), "{response}");

        let response = admit(
            &client,
            &webhook,
            path,
            &deployment("a-deploy", WRONG_SIGNER),
        )
        .await;
        assert!(allowed(&response), "{path}: {response}");
        assert!(
            warnings(&response).iter().any(|w| w.contains(WRONG_SIGNER)),
            "{path}: {response}"
        );

        let response = admit(&client, &webhook, path, &pod("a-signed", &[SIGNED])).await;
        assert!(allowed(&response), "{path}: {response}");
        assert!(warnings(&response).is_empty(), "{path}: {response}");
    }
    let (status, stderr) = webhook.terminate();
    assert!(status.success(), "{status}: {stderr}");
}

/// /healthz, bad bodies, wrong methods and paths.
async fn http_edges(files: &Files) {
    let webhook = Webhook::start(&files.args(&["enforce.yaml"]));
    let client = files.client();

    let response = client.get(webhook.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");

    let mut v1beta1 = pod("old", &[SIGNED]);
    v1beta1["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let mut no_uid = pod("", &[SIGNED]);
    no_uid["request"]["uid"] = json!("");
    for (what, body) in [
        ("garbage", b"this is not JSON".to_vec()),
        ("empty", Vec::new()),
        ("a JSON array", b"[1, 2, 3]".to_vec()),
        ("v1beta1", v1beta1.to_string().into_bytes()),
        (
            "no request",
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.to_vec(),
        ),
        ("an empty uid", no_uid.to_string().into_bytes()),
    ] {
        for path in ["/validate", "/mutate"] {
            let (status, body) = post(&client, &webhook, path, body.clone()).await;
            let text = String::from_utf8_lossy(&body);
            assert_eq!(status, 400, "{what} to {path}: {text}");
            assert!(!text.is_empty() && text.len() < 300, "{what}: {text:?}");
        }
    }

    // Larger than the API server ever sends: refused before it is read in full.
    let limit = sigchain_policy::admission::AdmissionLimits::default().max_body_bytes;
    let (status, _) = post(&client, &webhook, "/validate", vec![b' '; limit + 1]).await;
    assert_eq!(status, 413);

    let response = client.get(webhook.url("/validate")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let response = client.get(webhook.url("/nothing")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);

    // Still serving after all that.
    let response = admit(&client, &webhook, "/validate", &pod("after", &[SIGNED])).await;
    assert!(allowed(&response), "{response}");
    let (status, stderr) = webhook.terminate();
    assert!(status.success(), "{status}: {stderr}");
}

/// A request in flight when SIGTERM arrives is answered; new connections are refused; the
/// process exits 0.
async fn graceful_shutdown(files: &Files) {
    let webhook = Webhook::start(&files.args(&["enforce.yaml"]));
    let body = pod("in-flight", &[SIGNED]).to_string();
    let (head, tail) = body.as_bytes().split_at(body.len() / 2);

    let tcp = tokio::net::TcpStream::connect(webhook.addr).await.unwrap();
    let server_name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = files
        .tls_connector()
        .connect(server_name, tcp)
        .await
        .unwrap();
    let request = format!(
        "POST /validate HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    tls.write_all(head).await.unwrap();
    tls.flush().await.unwrap();
    // The request is being read when the signal arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&webhook.child, "TERM");
    // The listener closes (new connections are refused) while the request is still open.
    let start = Instant::now();
    while tokio::net::TcpStream::connect(webhook.addr).await.is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the listener is still open 10 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tls.write_all(tail).await.unwrap();
    tls.flush().await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), tls.read_to_end(&mut answer))
        .await
        .expect("the answer within 30 s")
        .ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let json = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let response: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {answer}"));
    assert_eq!(response["response"]["uid"], "in-flight");
    assert_eq!(response["response"]["allowed"], true, "{answer}");

    let mut webhook = webhook;
    let status = wait_for(&mut webhook.child, Duration::from_secs(30));
    let stderr = webhook
        .stderr
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
}

/// The cluster's order with Kyverno's default `verifyDigest`: /validate refuses the tagged
/// image, /mutate pins it, /validate admits the pinned one.
async fn mutate_then_validate(files: &Files) {
    let webhook = Webhook::start(&files.args(&["enforce-digest.yaml"]));
    let client = files.client();
    let response = admit(&client, &webhook, "/validate", &pod("tagged", &[SIGNED])).await;
    assert!(!allowed(&response), "{response}");
    assert!(message(&response).contains(SIGNED), "{response}");

    let response = admit(&client, &webhook, "/mutate", &pod("pin", &[SIGNED])).await;
    assert!(allowed(&response), "{response}");
    let operations = patch(&response).unwrap_or_else(|| panic!("no patch: {response}"));
    assert_eq!(operations[0]["value"], pinned(), "{operations:?}");

    let response = admit(&client, &webhook, "/validate", &pod("pinned", &[&pinned()])).await;
    assert!(allowed(&response), "{response}");
    // Pinned already: nothing to patch.
    let response = admit(&client, &webhook, "/mutate", &pod("again", &[&pinned()])).await;
    assert!(allowed(&response), "{response}");
    assert!(patch(&response).is_none(), "{response}");
    let (status, stderr) = webhook.terminate();
    assert!(status.success(), "{status}: {stderr}");
}

/// Push a small image (its content depends on `seed`) to `image`'s tag; its digest.
async fn push(client: &RegistryClient, image: &str, seed: &str) -> Digest {
    let reference = Reference::parse(image).unwrap();
    let store = RegistryRepository::new(client.clone(), &reference);
    let layer = store
        .put_blob(MediaType::ImageLayer, format!("layer {seed}").into_bytes())
        .await
        .unwrap();
    let config = store
        .put_blob(
            MediaType::ImageConfig,
            br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
                .to_vec(),
        )
        .await
        .unwrap();
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config)
        .layers(vec![layer])
        .build()
        .unwrap();
    let descriptor = store
        .put_manifest(
            MediaType::ImageManifest,
            serde_json::to_vec(&manifest).unwrap(),
            reference.tag(),
        )
        .await
        .unwrap();
    Digest::parse(descriptor.digest().as_ref()).unwrap()
}

/// Sign `image` (at `digest`) keyless as `email` with the local Sigstore, stored as a
/// Sigstore bundle next to the image.
async fn sign(
    client: &RegistryClient,
    sigstore: &LocalSigstore,
    image: &str,
    digest: &Digest,
    email: &str,
) {
    let root = TrustedRoot::from_json(&std::fs::read(&sigstore.trusted_root).unwrap()).unwrap();
    let config =
        SigningConfig::from_json(&std::fs::read(&sigstore.signing_config).unwrap()).unwrap();
    let signer = BundleSigner::from_signing_config(
        root,
        &config,
        SigstoreTransport::default(),
        Timestamp::now(),
    )
    .unwrap();
    let reference = Reference::parse(image).unwrap();
    let resolved = ResolvedImage {
        name: reference.name(),
        digest: digest.clone(),
        media_type: MediaType::ImageManifest.to_string(),
        resolved_tag: None,
    };
    let prepared = PreparedSignature::new(&resolved, SignatureFormat::Bundle);
    let token = IdentityToken::parse(&sigstore.token(email).unwrap()).unwrap();
    let signed = signer
        .sign_keyless(&token, prepared.content())
        .await
        .unwrap();
    flow::attach_signature(
        &RegistryRepository::new(client.clone(), &reference),
        &resolved,
        &prepared,
        signed.bundle(),
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .await
    .unwrap();
}

/// Without `--evidence`: images in Debian's `docker-registry`, signed keyless by the local
/// Sigstore, verified by the webhook against its trusted root. Signed and pinned images are
/// admitted, unsigned or other signers' denied, an image whose registry does not answer is
/// denied at the deadline (Enforce fails closed).
async fn registry_evidence(files: &Files) {
    let dir = tempfile::tempdir().unwrap();
    let sigstore = LocalSigstore::start(dir.path()).await.unwrap();
    let registry = registry::Registry::start();
    let client = RegistryClient::new(ClientConfig {
        credentials: CredentialsSource::Anonymous,
        ..ClientConfig::default()
    })
    .unwrap();
    let signed = format!("{}/acme/app:1.0", registry.host);
    let other = format!("{}/acme/other:1.0", registry.host);
    let unsigned = format!("{}/acme/unsigned:1.0", registry.host);
    let missing = format!("{}/acme/missing:1.0", registry.host);
    let digest = push(&client, &signed, "app").await;
    sign(&client, &sigstore, &signed, &digest, "ci@example.com").await;
    let other_digest = push(&client, &other, "other").await;
    sign(
        &client,
        &sigstore,
        &other,
        &other_digest,
        "mallory@example.com",
    )
    .await;
    push(&client, &unsigned, "unsigned").await;
    // A "registry" that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let slow = format!("{}/acme/slow:1.0", silent.local_addr().unwrap());

    let policy = dir.path().join("registry.yaml");
    std::fs::write(
        &policy,
        format!(
            r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: acme-signed
spec:
  validationFailureAction: Enforce
  rules:
    - name: verify-signature
      match:
        any:
          - resources:
              kinds: [Pod]
      verifyImages:
        - imageReferences: ["127.0.0.1:*/acme/*"]
          attestors:
            - entries:
                - keyless:
                    subject: ci@example.com
                    issuer: "{}"
"#,
            sigstore.issuer_url()
        ),
    )
    .unwrap();
    let docker_config = dir.path().join("config.json");
    std::fs::write(&docker_config, r#"{"auths": {}}"#).unwrap();
    let mut args = files.args(&[]);
    let at = args.iter().position(|a| a == "--evidence").unwrap();
    args.drain(at..at + 2);
    for (flag, value) in [
        ("--policy", policy.display().to_string()),
        (
            "--trusted-root",
            sigstore.trusted_root.display().to_string(),
        ),
        ("--registry-config", docker_config.display().to_string()),
        ("--deadline-ms", "3000".to_owned()),
    ] {
        args.extend([flag.to_owned(), value]);
    }
    let webhook = Webhook::start(&args);
    let client = files.client();

    // /mutate pins the signed tag to the digest the registry holds; /validate (verifyDigest)
    // refuses the tag and admits the pinned image.
    let response = admit(&client, &webhook, "/mutate", &pod("r-mutate", &[&signed])).await;
    assert!(allowed(&response), "{response}");
    let operations = patch(&response).unwrap_or_else(|| panic!("no patch: {response}"));
    let pinned = format!("{signed}@{digest}");
    assert_eq!(operations[0]["value"], pinned.as_str(), "{operations:?}");
    let response = admit(&client, &webhook, "/validate", &pod("r-pinned", &[&pinned])).await;
    assert!(allowed(&response), "{response}");
    let response = admit(&client, &webhook, "/validate", &pod("r-tag", &[&signed])).await;
    assert!(!allowed(&response), "{response}");

    for (uid, image) in [
        ("r-unsigned", &unsigned),
        ("r-other", &other),
        ("r-missing", &missing),
    ] {
        let response = admit(&client, &webhook, "/mutate", &pod(uid, &[image])).await;
        assert!(!allowed(&response), "{uid}: {response}");
        assert!(
            message(&response).contains(image.as_str()),
            "{uid}: {response}"
        );
        assert!(patch(&response).is_none(), "{uid}: {response}");
    }

    // The denial says whose signature was found instead.
    let response = admit(&client, &webhook, "/validate", &pod("r-other", &[&other])).await;
    assert!(
        message(&response).contains("mallory@example.com"),
        "{response}"
    );

    let start = Instant::now();
    let response = admit(&client, &webhook, "/validate", &pod("r-slow", &[&slow])).await;
    let took = start.elapsed();
    assert!(!allowed(&response), "{response}");
    assert!(message(&response).contains("deadline"), "{response}");
    assert!(took < Duration::from_secs(8), "{took:?}");
    drop(silent);

    let (status, stderr) = webhook.terminate();
    assert!(status.success(), "{status}: {stderr}");
    sigstore.stop().await.unwrap();
}

/// The README's example files answer as the README says.
async fn readme_example(files: &Files) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/admission");
    let at = |name: &str| data.join(name).display().to_string();
    let mut args = files.args(&[]);
    let evidence = args.iter().position(|a| a == "--evidence").unwrap();
    args[evidence + 1] = at("evidence.json");
    args.extend(["--policy".to_owned(), at("policy.yaml")]);
    let webhook = Webhook::start(&args);
    let client = files.client();
    let review: Value =
        serde_json::from_slice(&std::fs::read(data.join("pod-review.json")).unwrap()).unwrap();
    let response = admit(&client, &webhook, "/validate", &review).await;
    assert!(!allowed(&response), "{response}");
    let said = message(&response);
    assert!(said.contains("127.0.0.1:5000/acme/metrics:0.3"), "{said}");
    assert!(!said.contains("127.0.0.1:5000/acme/app:1.0"), "{said}");

    let mut app_only = review.clone();
    app_only["request"]["object"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    let response = admit(&client, &webhook, "/mutate", &app_only).await;
    assert!(allowed(&response), "{response}");
    let operations = patch(&response).unwrap_or_else(|| panic!("no patch: {response}"));
    assert_eq!(
        operations[0]["path"], "/spec/containers/0/image",
        "{operations:?}"
    );
    let pinned = operations[0]["value"].as_str().unwrap();
    assert!(
        pinned.ends_with(&format!(
            "127.0.0.1:5000/acme/app:1.0@sha256:{}",
            "a1".repeat(32)
        )),
        "{pinned}"
    );
    let (status, stderr) = webhook.terminate();
    assert!(status.success(), "{status}: {stderr}");
}

/// A renewed certificate written over the files is served without a restart.
async fn certificate_reload(files: &Files) {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert, &files.tls.cert_pem).unwrap();
    std::fs::write(&key, &files.tls.key_pem).unwrap();
    let mut args = files.args(&["audit.yaml"]);
    let at = args.iter().position(|a| a == "--tls-cert").unwrap();
    args[at + 1] = cert.display().to_string();
    args[at + 3] = key.display().to_string();
    args.extend(["--tls-reload-seconds".to_owned(), "1".to_owned()]);
    let webhook = Webhook::start(&args);
    let old = files.client();
    let healthz = webhook.url("/healthz");
    assert!(old.get(&healthz).send().await.is_ok());

    let renewed = make_tls(
        "sigchain admission webhook test CA",
        "sigchain-policy-webhook",
    );
    let new = Files::client_for(&renewed.ca_pem);
    // A new key and certificate, written one after the other as a volume update might: at
    // least one reload (every second) sees the new key with the old certificate in between.
    std::fs::write(&key, &renewed.key_pem).unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    std::fs::write(&cert, &renewed.cert_pem).unwrap();
    let start = Instant::now();
    while new.get(&healthz).send().await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the renewed certificate is not served"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Fresh connections (pooled ones keep their session) see only the new certificate.
    assert!(files.client().get(&healthz).send().await.is_err());
    let (status, stderr) = webhook.terminate();
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.contains("serving certificate reloaded"), "{stderr}");
    assert!(
        stderr.contains("keeping the serving certificate"),
        "{stderr}"
    );
}

/// SIGINT stops it too, with exit code 0.
async fn sigint(files: &Files) {
    let mut webhook = Webhook::start(&files.args(&["audit.yaml"]));
    signal(&webhook.child, "INT");
    let status = wait_for(&mut webhook.child, Duration::from_secs(30));
    assert!(status.success(), "{status}");
}

/// Start-up errors: a message on stderr naming the problem, exit 1, nothing on stdout.
async fn startup_errors(files: &Files) {
    let bad_policy = files.dir.path().join("bad.yaml");
    std::fs::write(
        &bad_policy,
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec: [\n",
    )
    .unwrap();
    let missing = files.path("missing.yaml");
    let mut bad_root = files.args(&["enforce.yaml"]);
    let at = bad_root.iter().position(|a| a == "--evidence").unwrap();
    bad_root[at] = "--trusted-root".into();
    bad_root[at + 1] = files.path("tls.crt");
    let mut bad_key = files.args(&["enforce.yaml"]);
    let at = bad_key.iter().position(|a| a == "--tls-key").unwrap();
    bad_key[at + 1] = files.path("tls.crt");
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "a policy that does not parse",
            files.args(&["bad.yaml"]),
            "bad.yaml",
        ),
        (
            "a missing policy file",
            files.args(&["missing.yaml"]),
            &missing,
        ),
        ("a trusted root that is not one", bad_root, "tls.crt"),
        ("a certificate as the key", bad_key, "tls.crt"),
    ];
    for (what, args, named) in cases {
        let (mut child, first) = spawn(&args);
        let status = wait_for(&mut child, Duration::from_secs(30));
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(status.code(), Some(1), "{what}: {stderr}");
        assert!(first.is_err(), "{what}: printed {first:?}");
        assert!(
            stderr.contains(named),
            "{what}: {named:?} not in {stderr:?}"
        );
    }
}

/// The libtest arguments this harness honours: name filters (`cargo test -- NAME`, with
/// `--exact`), `--skip NAME` and `--list`; other flags (and their values) are ignored.
#[derive(Default)]
struct Options {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    list: bool,
}

impl Options {
    fn parse(args: impl Iterator<Item = String>) -> Options {
        let mut options = Options::default();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--skip" => options.skip.extend(args.next()),
                "--exact" => options.exact = true,
                "--list" => options.list = true,
                // libtest's options that take a value.
                "--test-threads" | "--format" | "--color" | "--logfile" | "-Z"
                | "--shuffle-seed" => {
                    args.next();
                }
                flag if flag.starts_with('-') => {}
                _ => options.filters.push(arg),
            }
        }
        options
    }

    fn selects(&self, name: &str) -> bool {
        let matches = |pattern: &String| {
            if self.exact {
                name == pattern
            } else {
                name.contains(pattern.as_str())
            }
        };
        (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skip.iter().any(matches)
    }
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        return admission_webhook::main();
    }
    let options = Options::parse(std::env::args().skip(1));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let files = Files::new();
    type Test =
        for<'a> fn(&'a Files) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;
    let tests: [(&str, Test); 10] = [
        ("enforce_denies_by_image_and_mutate_pins_digests", |f| {
            Box::pin(enforce(f))
        }),
        ("audit_admits_with_warnings", |f| Box::pin(audit(f))),
        ("mutate_pins_then_validate_admits_the_pinned_image", |f| {
            Box::pin(mutate_then_validate(f))
        }),
        (
            "registry_evidence_from_docker_registry_and_the_local_sigstore",
            |f| Box::pin(registry_evidence(f)),
        ),
        ("healthz_and_bad_bodies", |f| Box::pin(http_edges(f))),
        ("sigterm_finishes_the_request_in_flight_and_exits_0", |f| {
            Box::pin(graceful_shutdown(f))
        }),
        ("sigint_exits_0", |f| Box::pin(sigint(f))),
        ("a_renewed_certificate_is_served_without_a_restart", |f| {
            Box::pin(certificate_reload(f))
        }),
        ("the_readme_example_files_answer_as_documented", |f| {
            Box::pin(readme_example(f))
        }),
        ("startup_errors_name_the_problem", |f| {
            Box::pin(startup_errors(f))
        }),
    ];
    if options.list {
        for (name, _) in &tests {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, test) in tests {
        if !options.selects(name) {
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
                failed.push(name);
            }
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        ran - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
