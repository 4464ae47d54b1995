//! A Kubernetes admission webhook over HTTPS, answering with the `sigchain-policy` engine:
//! `POST /validate` (a validating webhook: admit or deny, no patch), `POST /mutate` (a mutating
//! webhook: the same decision plus the JSONPatch pinning tags to the digests that verified)
//! and `GET /healthz` (`200 ok`, for the kubelet's probes).
//!
//! ```text
//! cargo run -p sigchain-examples --example admission_webhook -- \
//!     --addr 127.0.0.1:8443 --tls-cert tls.crt --tls-key tls.key \
//!     --policy policies.yaml [--policy more.yaml ...] \
//!     [--evidence evidence.json | --trusted-root trusted_root.json \
//!      --registry-config config.json --insecure-registry HOST:PORT] \
//!     [--deadline-ms 8000] [--tls-reload-seconds 60] \
//!     [--namespace-labels in-cluster|FILE [--kube-api URL --kube-token-file FILE \
//!      --kube-ca-file FILE]]
//! ```
//!
//! - `--addr`: where to listen; port 0 picks a free port. The first line on stdout is
//!   `listening on https://ADDR` with the address actually bound.
//! - `--tls-cert`, `--tls-key`: the serving certificate chain and its private key (PEM; the
//!   key as PKCS#8, SEC1 or PKCS#1). The API server checks the chain against the webhook
//!   configuration's `caBundle`. Only HTTP/1.1 is offered (ALPN `http/1.1`). The files are
//!   read again every `--tls-reload-seconds` (default 60): a renewed certificate is served
//!   from the next handshake on, without a restart.
//! - `--policy`: policy files, YAML or JSON, several documents each (Kyverno `ClusterPolicy` /
//!   `Policy` / `PolicyException`, policy-controller `ClusterImagePolicy`), repeatable.
//! - Evidence, what verified for each image, comes from the registries by default: the
//!   registry provider of `sigchain-policy` (`RegistryEvidence`) fetches each image's
//!   signatures and attestations, verifies them against `--trusted-root` (default: the
//!   public-good Sigstore's root, embedded), and caches the results by image digest (per
//!   process: replicas share nothing). `--registry-config` is a Docker `config.json` with
//!   registry credentials (default: the Docker CLI's own, else anonymous);
//!   `--insecure-registry HOST:PORT` reaches a registry over plain HTTP.
//! - `--evidence`: answer from an evidence file instead, exactly as `sigchain policy eval
//!   --evidence` does: no registry is contacted, and an image the file does not name has no
//!   verified signatures. Handy for trying policies and for load tests.
//! - `--deadline-ms`: how long one admission request may spend gathering evidence (default
//!   8000, below the webhook configuration's `timeoutSeconds: 10`). When it runs out, every
//!   image still waiting counts as an evidence failure: Enforce denies, Audit admits with a
//!   warning.
//! - `--namespace-labels`: where the labels of a request's namespace come from, for policies
//!   that select by them (`namespaceSelector`): `in-cluster` reads the namespace from the API
//!   server as the pod's ServiceAccount (`--kube-*` replace its address, token and CA), FILE is
//!   a static `{namespace: {label: value}}` map. Looked up only when a loaded policy has a
//!   `namespaceSelector` (then the flag is required), cached per namespace, within the request's
//!   deadline; labels that cannot be read deny the request when a policy can enforce. See
//!   `sigchain_examples::namespace_labels`.
//!
//! A body that is not an `AdmissionReview` v1 (or is larger than the API server ever sends,
//! [`AdmissionLimits::max_body_bytes`]) is answered with HTTP 400 (413 when too large) and a
//! short message; everything else gets `200` and the `AdmissionReview` response. On SIGTERM
//! or SIGINT the listener closes, requests in flight are answered, idle connections are
//! closed, and the process exits 0.
//!
//! The handlers are thin: parse the body, `evaluate_until` (the engine's review, every
//! evidence query at once under the deadline, the decision), serialize the response. All
//! decisions are the engine's; `deploy/` holds the manifests that run this behind a
//! Kubernetes Service.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use clap::Parser;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_examples::namespace_labels::{CacheConfig, NamespaceLabelArgs, NamespaceLabels};
use sigchain_oci::client::{ClientConfig, CredentialsSource, RegistryClient};
use sigchain_policy::admission::{AdmissionLimits, AdmissionRequest, AdmissionResponse};
use sigchain_policy::engine::{Decision, Engine, EngineConfig, PolicySet, RequestContext};
use sigchain_policy::evidence::{EvidenceFile, EvidenceLimits};
use sigchain_policy::provider::{evaluate_until, ProviderConfig, RegistryEvidence};
use sigchain_policy::yaml::YamlLimits;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// The allocator: a review is parsed into a JSON tree of hundreds of small allocations that are
/// freed together; under load glibc's malloc took over a quarter of the webhook's CPU for that,
/// mimalloc far less (benches/load: CPU per review 180 → 120 µs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long shutdown waits for requests in flight (Kubernetes' default grace period is 30 s).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(25);

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "admission_webhook",
    about = "A Kubernetes admission webhook for image signature policies"
)]
pub struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub addr: SocketAddr,
    /// Serving certificate chain (PEM).
    #[arg(long, value_name = "PEM")]
    pub tls_cert: PathBuf,
    /// Private key of the serving certificate (PEM).
    #[arg(long, value_name = "PEM")]
    pub tls_key: PathBuf,
    /// Policy file (YAML or JSON, several documents allowed); repeatable.
    #[arg(long = "policy", value_name = "FILE", required = true, num_args = 1..)]
    pub policies: Vec<PathBuf>,
    /// Answer from this evidence file instead of asking registries.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["trusted_root", "registry_config", "insecure_registries"])]
    pub evidence: Option<PathBuf>,
    /// Trusted root (JSON) that signatures from registries are verified against [default: the
    /// public-good Sigstore's, embedded].
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Docker `config.json` with the credentials for registries [default: the Docker CLI's,
    /// else anonymous].
    #[arg(long, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
    /// A registry (`HOST[:PORT]`) reached over plain HTTP (loopback registries always are).
    /// Repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
    /// Time allowed per admission request for evidence lookups, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 8000)]
    pub deadline_ms: u64,
    /// How often to look for a renewed serving certificate, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub tls_reload_seconds: u64,
    /// Namespace labels for policies' namespaceSelectors.
    #[command(flatten)]
    pub namespace: NamespaceLabelArgs,
}

/// Where evidence comes from.
enum Evidence {
    /// An evidence file: answers as data, no network.
    File(EvidenceFile),
    /// The registries: signatures and attestations fetched and verified, cached by digest.
    Registry(RegistryEvidence),
}

/// What every request shares.
struct Webhook {
    engine: Engine,
    evidence: Evidence,
    limits: AdmissionLimits,
    deadline: Duration,
    namespaces: NamespaceLabels,
}

/// Which answer a request gets.
#[derive(Clone, Copy)]
enum Answer {
    Validating,
    Mutating,
}

impl Webhook {
    /// Parse, decide, answer.
    async fn answer(&self, body: &[u8], answer: Answer) -> Response {
        let request = match AdmissionRequest::parse_for_policy(body, &self.limits) {
            Ok(request) => request,
            Err(error) => return (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response(),
        };
        // The namespace's labels count against the request's deadline.
        let deadline = tokio::time::Instant::now() + self.deadline;
        let response: AdmissionResponse =
            match self.namespaces.for_request(&request, deadline).await {
                Ok(resolved) => {
                    let context = RequestContext {
                        now_unix: now_unix(),
                        namespace_labels: resolved.labels,
                    };
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    let decision = self.decide(&request, &context, left).await;
                    match answer {
                        Answer::Validating => decision.validating_response(),
                        Answer::Mutating => decision.mutating_response(),
                    }
                    .with_warnings(resolved.warning)
                }
                Err(refusal) => refusal,
            };
        match response.to_review_json() {
            Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
            Err(error) => {
                eprintln!("request {}: {error}", request.uid);
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "could not encode the response\n",
                )
                    .into_response()
            }
        }
    }

    /// The engine's decision, evidence gathered within the deadline: an image whose evidence
    /// is not in by then counts as failed (Enforce denies, Audit warns).
    async fn decide(
        &self,
        request: &AdmissionRequest,
        context: &RequestContext,
        deadline: Duration,
    ) -> Decision {
        let engine = &self.engine;
        match &self.evidence {
            Evidence::File(file) => evaluate_until(engine, request, context, file, deadline).await,
            Evidence::Registry(registry) => {
                evaluate_until(engine, request, context, registry, deadline).await
            }
        }
    }
}

async fn validate(State(webhook): State<Arc<Webhook>>, body: Bytes) -> Response {
    webhook.answer(&body, Answer::Validating).await
}

async fn mutate(State(webhook): State<Arc<Webhook>>, body: Bytes) -> Response {
    webhook.answer(&body, Answer::Mutating).await
}

async fn healthz() -> &'static str {
    "ok"
}

/// The routes, bodies bounded by the admission limits.
fn router(webhook: Arc<Webhook>) -> Router {
    let max_body = webhook.limits.max_body_bytes;
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(webhook)
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()).into())
}

/// The policies of every `--policy` file, as one set.
fn load_policies(paths: &[PathBuf]) -> Result<PolicySet, Failure> {
    let limits = YamlLimits::default();
    let mut policies: Option<PolicySet> = None;
    for path in paths {
        let loaded = PolicySet::load(&read(path)?, &limits)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        match policies.as_mut() {
            Some(all) => all
                .extend(loaded)
                .map_err(|error| format!("{}: {error}", path.display()))?,
            None => policies = Some(loaded),
        }
    }
    match policies {
        Some(policies) if !policies.is_empty() => Ok(policies),
        // Nothing to decide by would admit everything: surely a mistake.
        _ => Err("the --policy files hold no policy (only exceptions, or nothing)".into()),
    }
}

/// The certificate chain and private key in two PEM files, checked to belong together.
fn load_certified_key(
    cert: &Path,
    key: &Path,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, Failure> {
    let chain = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| format!("{}: {error}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate in the file", cert.display()).into());
    }
    let private_key = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|error| format!("{}: {error}", key.display()))?;
    CertifiedKey::from_der(chain, private_key, provider)
        .map_err(|error| format!("{} with {}: {error}", cert.display(), key.display()).into())
}

/// The serving certificate, handed to every handshake, and re-read by [`ServingCert::reload`]
/// when its files change: a Secret renewed by cert-manager appears in the mounted volume
/// without a restart, and must be served before the old certificate expires.
#[derive(Debug)]
struct ServingCert {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ServingCert {
    fn load(cert: &Path, key: &Path) -> Result<ServingCert, Failure> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let current = load_certified_key(cert, key, &provider)?;
        Ok(ServingCert {
            cert: cert.to_owned(),
            key: key.to_owned(),
            provider,
            current: RwLock::new(Arc::new(current)),
        })
    }

    /// Both files' bytes, to notice a change.
    fn files(&self) -> Result<Vec<u8>, Failure> {
        let mut bytes = read(&self.cert)?;
        bytes.extend(read(&self.key)?);
        Ok(bytes)
    }

    /// Every `period`, re-read the files; when they changed and hold a certificate and
    /// matching key, serve those from the next handshake on. A broken or half-written pair
    /// is reported and the current one kept (and tried again next time).
    async fn reload(self: Arc<Self>, period: Duration) {
        let mut seen = self.files().ok();
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let files = match self.files() {
                Ok(files) => files,
                Err(error) => {
                    eprintln!("keeping the serving certificate: {error}");
                    continue;
                }
            };
            if seen.as_ref() == Some(&files) {
                continue;
            }
            match load_certified_key(&self.cert, &self.key, &self.provider) {
                Ok(loaded) => {
                    *self.current.write().unwrap_or_else(PoisonError::into_inner) =
                        Arc::new(loaded);
                    seen = Some(files);
                    eprintln!("serving certificate reloaded from {}", self.cert.display());
                }
                Err(error) => eprintln!("keeping the serving certificate: {error}"),
            }
        }
    }
}

impl ResolvesServerCert for ServingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }
}

/// The TLS server configuration: rustls on aws-lc-rs, TLS 1.2 and 1.3, HTTP/1.1 only.
fn tls_config(cert: Arc<ServingCert>) -> Result<rustls::ServerConfig, Failure> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::clone(&cert.provider))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The registry evidence provider: registries read with the Docker credentials of
/// `--registry-config` (else the Docker CLI's own `config.json`, else anonymously), items
/// verified against `--trusted-root` (else the public-good Sigstore's embedded root).
fn registry_evidence(args: &Args) -> Result<RegistryEvidence, Failure> {
    let root = match &args.trusted_root {
        Some(path) => TrustedRoot::from_json(&read(path)?)
            .map_err(|error| format!("{}: {error}", path.display()))?,
        None => TrustedRoot::production().clone(),
    };
    let credentials = match &args.registry_config {
        Some(path) => CredentialsSource::DockerConfigFile(path.clone()),
        None => CredentialsSource::DockerConfig,
    };
    let client = RegistryClient::new(ClientConfig {
        credentials,
        insecure_registries: args.insecure_registries.clone(),
        ..ClientConfig::default()
    })?;
    let verifier = Verifier::new(&root, VerifierConfig::default());
    Ok(RegistryEvidence::new(
        client,
        verifier,
        ProviderConfig::default(),
    ))
}

/// Everything read at start-up.
fn setup(args: &Args) -> Result<(Arc<Webhook>, Arc<ServingCert>), Failure> {
    let cert = Arc::new(ServingCert::load(&args.tls_cert, &args.tls_key)?);
    let policies = load_policies(&args.policies)?;
    let deadline = Duration::from_millis(args.deadline_ms);
    let cache = CacheConfig {
        call_timeout: deadline,
        ..CacheConfig::default()
    };
    let namespaces = NamespaceLabels::new(&args.namespace, &policies, cache)?;
    let engine = Engine::new(policies, EngineConfig::default())?;
    let evidence = match &args.evidence {
        Some(path) => Evidence::File(
            EvidenceFile::parse(&read(path)?, &EvidenceLimits::default())
                .map_err(|error| format!("{}: {error}", path.display()))?,
        ),
        None => Evidence::Registry(registry_evidence(args)?),
    };
    let webhook = Webhook {
        limits: engine.config().admission_limits.clone(),
        engine,
        evidence,
        deadline,
        namespaces,
    };
    Ok((Arc::new(webhook), cert))
}

/// Serve one accepted connection: the TLS handshake, then HTTP/1.1 until the client closes
/// or shutdown asks the connection to finish its request and close.
async fn connection(
    tcp: TcpStream,
    tls: TlsAcceptor,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
        Ok(Ok(stream)) => stream,
        // A failed or stalled handshake is the client's problem; nothing to answer.
        Ok(Err(_)) | Err(_) => return,
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let served = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    // Errors here are a client going away mid-request; the next connection is unaffected.
    let _ = watcher.watch(served).await;
}

/// Accept connections until `shutdown` resolves, then let those open finish.
async fn serve(
    listener: TcpListener,
    tls: TlsAcceptor,
    app: Router,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => {
                    // An answer leaves as soon as it is written: with Nagle's algorithm a
                    // response's last TLS record can wait for the client's delayed ACK.
                    let _ = tcp.set_nodelay(true);
                    // The watcher is made here, before shutdown can start, so that
                    // shutdown waits for this connection too.
                    let watcher = graceful.watcher();
                    tokio::spawn(connection(tcp, tls.clone(), app.clone(), watcher));
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    eprintln!("accept: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    eprintln!("shutting down: waiting for requests in flight");
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("some connections were still open after {DRAIN_TIMEOUT:?}; closing them");
    }
}

/// A future resolving on SIGTERM (what the kubelet sends) or SIGINT (Ctrl-C). The handlers
/// are installed here, before the address is printed, so that a signal sent as soon as the
/// webhook says it listens is never met by the default action (death, exit code 143).
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// Set up, bind, print the address, serve until a signal.
pub async fn run(args: Args) -> Result<(), Failure> {
    let (webhook, cert) = setup(&args)?;
    let tls = tls_config(Arc::clone(&cert))?;
    let shutdown = shutdown_signal()?;
    let listener = TcpListener::bind(args.addr)
        .await
        .map_err(|error| format!("{}: {error}", args.addr))?;
    let addr = listener.local_addr()?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on https://{addr}")?;
    stdout.flush()?;
    drop(stdout);
    tokio::spawn(cert.reload(Duration::from_secs(args.tls_reload_seconds.max(1))));
    serve(
        listener,
        TlsAcceptor::from(Arc::new(tls)),
        router(webhook),
        shutdown,
    )
    .await;
    Ok(())
}

#[tokio::main]
pub async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("admission_webhook: {error}");
            ExitCode::FAILURE
        }
    }
}
