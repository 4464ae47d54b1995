//! The labels of an admission request's namespace, for the `admission_webhook` example: an
//! `AdmissionReview` names the namespace but does not carry its labels, and a Kyverno policy's
//! `namespaceSelector` (in `match` / `exclude`, in a `PolicyException`'s `match`, and in
//! `validationFailureActionOverrides`) is decided by them. Kyverno reads them from the API
//! server (through an informer); the webhook does the same, on demand:
//!
//! - `--namespace-labels in-cluster`: `GET /api/v1/namespaces/{name}` on the API server, as
//!   the pod's ServiceAccount (it needs `get` on `namespaces`, nothing more: see `deploy/`).
//!   The address comes from `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`, the
//!   bearer token and the CA from `/var/run/secrets/kubernetes.io/serviceaccount/` (`token`,
//!   `ca.crt`); `--kube-api URL`, `--kube-token-file FILE` and `--kube-ca-file FILE` replace
//!   each. The token file is read again for every call to the API server (at most one per
//!   namespace per cache TTL), so a projected token the kubelet rotates is picked up.
//! - `--namespace-labels FILE`: a static map `{namespace: {label: value}}` in JSON or YAML,
//!   for clusters the webhook cannot ask (and for tests). A namespace the file does not name
//!   has no labels. (A file named `in-cluster` is given as `./in-cluster`.)
//!
//! Without the flag no labels are looked up, and start-up fails if a loaded policy selects by
//! namespace labels: its selectors would silently see none.
//!
//! Lookups are made only when they can matter: when a loaded policy or exception has a
//! `namespaceSelector` (computed once, [`SelectorUse::of`]), for `CREATE` and `UPDATE` of a
//! namespaced object. Cluster-scoped objects have no namespace; a `Namespace` object's own
//! labels are in the request (Kyverno ignores `namespaceSelector`s for the `Namespace` kind
//! anyway, and a namespace being created cannot be looked up yet).
//!
//! Answers are cached per namespace for [`CacheConfig::ttl`] (30 s), at most
//! [`CacheConfig::capacity`] namespaces; concurrent requests for one namespace share one
//! call to the API server; a failed call is remembered for [`CacheConfig::failure_ttl`] (1 s)
//! so that a failing API server is not called by every request.
//!
//! **Fail closed.** The lookup counts against the request's evidence deadline. When the labels
//! are needed and cannot be had (the API server refuses, is unreachable, or does not answer in
//! time; the namespace does not exist), the request cannot be decided as the policies say:
//! - if a loaded Kyverno policy can block (a policy-wide `Enforce`, an override to
//!   `Enforce`, an entry's `failureAction: Enforce`, or `failurePolicy: Fail`, under which
//!   errors block even in Audit), the request is **denied**, the
//!   message saying which namespace's labels could not be read and why (HTTP code 503 in the
//!   status: the cause is transient);
//! - otherwise (every Kyverno policy audits) the request is decided with no namespace labels
//!   and admitted or denied as that decision says, with a warning that the labels were
//!   missing: such a policy never denies, so nothing is admitted that labels would have
//!   refused.
//!
//! Not the "evidence error" route (an unknown image answer, so that Enforce denies and Audit
//! warns per rule): with labels unknown, neither which rules apply (`match` / `exclude`) nor
//! their failure action (`validationFailureActionOverrides`) is known, so there is no rule
//! whose action could be consulted; the policy-set-wide test above is the sound version.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sigchain_policy::admission::{AdmissionRequest, AdmissionResponse, Operation, Status};
use sigchain_policy::engine::PolicySet;
use sigchain_policy::kyverno::model::{FailureAction, FailurePolicy, MatchResources};
use sigchain_policy::yaml::{load_documents, YamlLimits};
use tokio::sync::watch;
use tokio::time::Instant;

/// Labels of one namespace.
pub type Labels = BTreeMap<String, String>;

/// Where the service account's files are mounted in a pod.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The largest namespace object read from the API server.
const MAX_NAMESPACE_BYTES: usize = 1024 * 1024;

/// The command-line flags (flattened into the webhook's).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NamespaceLabelArgs {
    /// Where namespace labels come from, for policies' namespaceSelectors: `in-cluster` (the
    /// API server, as the pod's ServiceAccount) or a JSON/YAML file `{namespace: {label:
    /// value}}`.
    #[arg(long = "namespace-labels", value_name = "in-cluster|FILE")]
    pub namespace_labels: Option<String>,
    /// With `in-cluster`: the API server's URL [default: https://$KUBERNETES_SERVICE_HOST:
    /// $KUBERNETES_SERVICE_PORT].
    #[arg(long, value_name = "URL", requires = "namespace_labels")]
    pub kube_api: Option<String>,
    /// With `in-cluster`: the bearer token file, re-read for each call [default: the
    /// ServiceAccount's].
    #[arg(long, value_name = "FILE", requires = "namespace_labels")]
    pub kube_token_file: Option<PathBuf>,
    /// With `in-cluster`: the CA certificates (PEM) the API server is checked against
    /// [default: the ServiceAccount's ca.crt].
    #[arg(long, value_name = "FILE", requires = "namespace_labels")]
    pub kube_ca_file: Option<PathBuf>,
}

/// A start-up problem.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The `--namespace-labels` file is not a map of maps of strings.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// `in-cluster` without an API server address.
    #[error("--namespace-labels in-cluster: {0}")]
    InCluster(String),
    /// `--kube-*` flags without `--namespace-labels in-cluster`.
    #[error(
        "--kube-api, --kube-token-file and --kube-ca-file go with --namespace-labels in-cluster"
    )]
    KubeFlagsWithoutInCluster,
    /// Policies select by namespace labels but nothing provides them.
    #[error(
        "the policies select by namespace labels ({0}); give --namespace-labels in-cluster \
         (or a FILE of labels), or their selectors would see no labels"
    )]
    LabelsNeeded(String),
}

/// How the loaded policies use namespace labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectorUse {
    /// Where a `namespaceSelector` appears (policy or exception names with the place), empty
    /// when none does: then no lookup is ever needed.
    pub selectors: Vec<String>,
    /// Whether some Kyverno policy can block: a rule can resolve to `Enforce`, or the policy
    /// says `failurePolicy: Fail` (errors block under Audit too).
    pub can_enforce: bool,
}

fn selects_by_namespace_labels(m: &MatchResources) -> bool {
    m.any
        .iter()
        .chain(&m.all)
        .map(|f| &f.resources)
        .chain(&m.resources)
        .any(|d| d.namespace_selector.is_some())
}

impl SelectorUse {
    /// Look through every Kyverno policy's rules (`match`, `exclude`) and failure action
    /// overrides, and every exception's `match`.
    pub fn of(policies: &PolicySet) -> SelectorUse {
        let mut used = SelectorUse::default();
        for policy in &policies.kyverno {
            let name = &policy.metadata.name;
            for rule in &policy.spec.rules {
                if selects_by_namespace_labels(&rule.match_resources) {
                    used.selectors
                        .push(format!("{name}: rule {} match", rule.name));
                }
                if rule
                    .exclude
                    .as_ref()
                    .is_some_and(selects_by_namespace_labels)
                {
                    used.selectors
                        .push(format!("{name}: rule {} exclude", rule.name));
                }
                if rule
                    .verify_images
                    .iter()
                    .any(|e| e.failure_action == Some(FailureAction::Enforce))
                {
                    used.can_enforce = true;
                }
            }
            let spec = &policy.spec;
            if spec
                .validation_failure_action_overrides
                .iter()
                .any(|o| o.namespace_selector.is_some())
            {
                used.selectors
                    .push(format!("{name}: validationFailureActionOverrides"));
            }
            if spec.validation_failure_action == Some(FailureAction::Enforce)
                || spec.failure_policy == Some(FailurePolicy::Fail)
                || spec
                    .validation_failure_action_overrides
                    .iter()
                    .any(|o| o.action == FailureAction::Enforce)
            {
                used.can_enforce = true;
            }
        }
        for exception in &policies.exceptions {
            if selects_by_namespace_labels(&exception.spec.match_resources) {
                used.selectors.push(format!(
                    "PolicyException {}: match",
                    exception.metadata.name
                ));
            }
        }
        used
    }

    /// Whether any `namespaceSelector` is loaded.
    pub fn needed(&self) -> bool {
        !self.selectors.is_empty()
    }
}

/// Bounds of the per-namespace cache.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// How long labels read from the API server are used.
    pub ttl: Duration,
    /// How long a failed call is remembered (requests meanwhile fail at once).
    pub failure_ttl: Duration,
    /// At most this many namespaces are remembered.
    pub capacity: usize,
    /// How long one call to the API server may take (its answer serves every request
    /// waiting; each waits only until its own deadline).
    pub call_timeout: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            ttl: Duration::from_secs(30),
            failure_ttl: Duration::from_secs(1),
            capacity: 4096,
            call_timeout: Duration::from_secs(8),
        }
    }
}

/// The API server, as a ServiceAccount.
#[derive(Debug)]
struct Api {
    /// `https://host:port`, no trailing slash.
    base: String,
    token_file: PathBuf,
    client: reqwest::Client,
}

impl Api {
    fn in_cluster(args: &NamespaceLabelArgs) -> Result<Api, SetupError> {
        let dir = Path::new(SERVICE_ACCOUNT_DIR);
        let base = match &args.kube_api {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let var = |name: &str| {
                    std::env::var(name).map_err(|_| {
                        SetupError::InCluster(format!(
                            "{name} is not set (not in a pod?); give --kube-api"
                        ))
                    })
                };
                let (host, port) = (
                    var("KUBERNETES_SERVICE_HOST")?,
                    var("KUBERNETES_SERVICE_PORT")?,
                );
                if host.contains(':') {
                    format!("https://[{host}]:{port}")
                } else {
                    format!("https://{host}:{port}")
                }
            }
        };
        if !base.starts_with("https://") {
            return Err(SetupError::InCluster(format!(
                "{base}: the API server is reached over https only"
            )));
        }
        let ca_file = args
            .kube_ca_file
            .clone()
            .unwrap_or_else(|| dir.join("ca.crt"));
        let ca_pem = read(&ca_file)?;
        let roots =
            reqwest::Certificate::from_pem_bundle(&ca_pem).map_err(|error| SetupError::File {
                path: ca_file.display().to_string(),
                reason: error.to_string(),
            })?;
        if roots.is_empty() {
            return Err(SetupError::File {
                path: ca_file.display().to_string(),
                reason: "no certificate in the file".to_owned(),
            });
        }
        let token_file = args
            .kube_token_file
            .clone()
            .unwrap_or_else(|| dir.join("token"));
        // Read now too: a missing token is a start-up error, not a denial per request.
        read(&token_file)?;
        let client = reqwest::Client::builder()
            .tls_certs_only(roots)
            .https_only(true)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|error| SetupError::InCluster(error.to_string()))?;
        Ok(Api {
            base,
            token_file,
            client,
        })
    }

    /// `GET /api/v1/namespaces/{name}`: its labels.
    async fn labels(&self, namespace: &str) -> Result<Labels, String> {
        let token = tokio::fs::read_to_string(&self.token_file)
            .await
            .map_err(|error| format!("{}: {error}", self.token_file.display()))?;
        let url = format!("{}/api/v1/namespaces/{namespace}", self.base);
        let mut response = self
            .client
            .get(&url)
            .bearer_auth(token.trim())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| format!("the API server did not answer: {}", chain(&error)))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err("no such namespace".to_owned());
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(format!(
                "the API server refused (HTTP {}): the webhook's ServiceAccount needs get on namespaces",
                status.as_u16()
            ));
        }
        if !status.is_success() {
            return Err(format!("the API server answered HTTP {}", status.as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| format!("reading the namespace: {}", chain(&error)))?
        {
            if body.len() + chunk.len() > MAX_NAMESPACE_BYTES {
                return Err(format!(
                    "the namespace object is larger than {MAX_NAMESPACE_BYTES} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        #[derive(serde::Deserialize)]
        struct Namespace {
            metadata: Metadata,
        }
        #[derive(serde::Deserialize)]
        struct Metadata {
            #[serde(default)]
            name: String,
            #[serde(default)]
            labels: Labels,
        }
        let object: Namespace = serde_json::from_slice(&body)
            .map_err(|error| format!("the API server's answer is not a Namespace: {error}"))?;
        if object.metadata.name != namespace {
            return Err(format!(
                "the API server answered with namespace {:?}",
                object.metadata.name
            ));
        }
        Ok(object.metadata.labels)
    }
}

/// An error and its sources, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn read(path: &Path) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path).map_err(|source| SetupError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// A Kubernetes namespace name: an RFC 1123 label.
fn valid_namespace(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

type Outcome = Result<Arc<Labels>, Arc<str>>;

enum Entry {
    /// Known until `until` (labels, or a failure remembered briefly).
    Done { outcome: Outcome, until: Instant },
    /// A call to the API server is under way; its outcome arrives here.
    Pending(watch::Receiver<Option<Outcome>>),
}

/// The per-namespace cache in front of the API server.
struct Cache {
    api: Api,
    config: CacheConfig,
    entries: Mutex<HashMap<String, Entry>>,
    /// Calls made to the API server (for tests and logs).
    calls: std::sync::atomic::AtomicU64,
}

impl Cache {
    /// The labels of `namespace`, waiting at most until `deadline`.
    async fn labels(self: &Arc<Self>, namespace: &str, deadline: Instant) -> Outcome {
        let mut receiver = {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            match entries.get(namespace) {
                Some(Entry::Done { outcome, until }) if *until > now => return outcome.clone(),
                Some(Entry::Pending(receiver)) => receiver.clone(),
                _ => {
                    let (sender, receiver) = watch::channel(None);
                    Cache::make_room(&mut entries, self.config.capacity, now);
                    entries.insert(namespace.to_owned(), Entry::Pending(receiver.clone()));
                    // The call runs on its own: a request that gives up at its deadline does
                    // not cancel it for the others waiting.
                    tokio::spawn(Arc::clone(self).call(namespace.to_owned(), sender));
                    receiver
                }
            }
        };
        let waited = tokio::time::timeout_at(deadline, receiver.wait_for(Option::is_some))
            .await
            .map(|answer| answer.map(|outcome| outcome.clone()));
        match waited {
            Ok(Ok(outcome)) => outcome.unwrap_or_else(|| Err("no answer".into())),
            Ok(Err(_)) => Err("the lookup was abandoned".into()),
            Err(_) => Err("no answer from the API server within the request's deadline".into()),
        }
    }

    /// One call to the API server, its outcome remembered and handed to every waiter.
    async fn call(self: Arc<Self>, namespace: String, sender: watch::Sender<Option<Outcome>>) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let outcome: Outcome =
            match tokio::time::timeout(self.config.call_timeout, self.api.labels(&namespace)).await
            {
                Ok(Ok(labels)) => Ok(Arc::new(labels)),
                Ok(Err(reason)) => Err(reason.into()),
                Err(_) => Err(format!(
                    "no answer from the API server within the lookup deadline ({:?})",
                    self.config.call_timeout
                )
                .into()),
            };
        let ttl = match outcome {
            Ok(_) => self.config.ttl,
            Err(_) => self.config.failure_ttl,
        };
        {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            entries.insert(
                namespace,
                Entry::Done {
                    outcome: outcome.clone(),
                    until: Instant::now() + ttl,
                },
            );
        }
        sender.send_replace(Some(outcome));
    }

    /// Keep the map below `capacity`: drop what expired, then the entries expiring first
    /// (calls under way stay; there are at most as many as requests in flight).
    fn make_room(entries: &mut HashMap<String, Entry>, capacity: usize, now: Instant) {
        if entries.len() < capacity {
            return;
        }
        entries.retain(|_, entry| !matches!(entry, Entry::Done { until, .. } if *until <= now));
        while entries.len() >= capacity {
            let oldest = entries
                .iter()
                .filter_map(|(name, entry)| match entry {
                    Entry::Done { until, .. } => Some((*until, name)),
                    Entry::Pending(_) => None,
                })
                .min()
                .map(|(_, name)| name.clone());
            match oldest {
                Some(name) => {
                    entries.remove(&name);
                }
                None => break,
            }
        }
    }
}

enum Source {
    /// No flag: no labels (start-up made sure no policy needs them).
    None,
    /// A static file.
    File(HashMap<String, Arc<Labels>>),
    /// The API server, cached.
    Api(Arc<Cache>),
}

/// Namespace labels for admission requests, as the flags say.
pub struct NamespaceLabels {
    source: Source,
    used: SelectorUse,
}

impl std::fmt::Debug for NamespaceLabels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            Source::None => "none",
            Source::File(_) => "file",
            Source::Api(_) => "api",
        };
        f.debug_struct("NamespaceLabels")
            .field("source", &source)
            .field("used", &self.used)
            .finish()
    }
}

/// The labels a request is decided with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The namespace's labels (empty when not needed, or unavailable with a warning).
    pub labels: Labels,
    /// Set when the labels were needed and could not be had, and the policies only audit:
    /// a warning to add to the answer.
    pub warning: Option<String>,
}

impl NamespaceLabels {
    /// From the flags and the loaded policies. Fails when the flags are inconsistent, a file
    /// cannot be read, or the policies use `namespaceSelector`s and no source is given.
    pub fn new(
        args: &NamespaceLabelArgs,
        policies: &PolicySet,
        config: CacheConfig,
    ) -> Result<NamespaceLabels, SetupError> {
        let used = SelectorUse::of(policies);
        let in_cluster = args.namespace_labels.as_deref() == Some("in-cluster");
        let overrides = args.kube_api.is_some()
            || args.kube_token_file.is_some()
            || args.kube_ca_file.is_some();
        if overrides && !in_cluster {
            return Err(SetupError::KubeFlagsWithoutInCluster);
        }
        let source = match args.namespace_labels.as_deref() {
            None if used.needed() => {
                return Err(SetupError::LabelsNeeded(used.selectors.join(", ")))
            }
            None => Source::None,
            Some("in-cluster") => Source::Api(Arc::new(Cache {
                api: Api::in_cluster(args)?,
                config,
                entries: Mutex::new(HashMap::new()),
                calls: std::sync::atomic::AtomicU64::new(0),
            })),
            Some(path) => Source::File(load_file(Path::new(path))?),
        };
        Ok(NamespaceLabels { source, used })
    }

    /// How the policies use namespace labels.
    pub fn selector_use(&self) -> &SelectorUse {
        &self.used
    }

    /// Calls made to the API server so far.
    pub fn api_calls(&self) -> u64 {
        match &self.source {
            Source::Api(cache) => cache.calls.load(std::sync::atomic::Ordering::Relaxed),
            _ => 0,
        }
    }

    /// The namespace labels to decide `request` with, looked up (if needed) before
    /// `deadline`; `Err` is the answer when they are needed, cannot be had, and a policy can
    /// enforce: a denial saying why.
    pub async fn for_request(
        &self,
        request: &AdmissionRequest,
        deadline: Instant,
    ) -> Result<Resolved, AdmissionResponse> {
        if !self.used.needed()
            || !matches!(request.operation, Operation::Create | Operation::Update)
        {
            return Ok(Resolved::default());
        }
        if request.kind.kind == "Namespace" && request.kind.group.is_empty() {
            let labels = request
                .object
                .as_ref()
                .and_then(|o| o.pointer("/metadata/labels"))
                .and_then(|l| serde_json::from_value::<Labels>(l.clone()).ok())
                .unwrap_or_default();
            return Ok(Resolved {
                labels,
                warning: None,
            });
        }
        let namespace = request.namespace.as_str();
        if namespace.is_empty() {
            return Ok(Resolved::default());
        }
        let outcome: Outcome = if !valid_namespace(namespace) {
            Err("not a valid namespace name".into())
        } else {
            match &self.source {
                Source::None => Ok(Arc::default()),
                Source::File(map) => Ok(map.get(namespace).cloned().unwrap_or_default()),
                Source::Api(cache) => cache.labels(namespace, deadline).await,
            }
        };
        match outcome {
            Ok(labels) => Ok(Resolved {
                labels: Labels::clone(&labels),
                warning: None,
            }),
            Err(reason) if self.used.can_enforce => {
                let message = format!(
                    "the labels of namespace {namespace:?} could not be read ({reason}); the \
                     policies select by namespace labels, so the request cannot be decided and \
                     is denied"
                );
                let mut response = AdmissionResponse::deny(&request.uid, message.clone());
                response.status = Some(Status {
                    status: "Failure".to_owned(),
                    message,
                    reason: "ServiceUnavailable".to_owned(),
                    code: Some(503),
                });
                Err(response)
            }
            Err(reason) => Ok(Resolved {
                labels: Labels::new(),
                warning: Some(format!(
                    "namespace {namespace:?}: labels unavailable ({reason}); namespaceSelectors saw none"
                )),
            }),
        }
    }
}

/// `{namespace: {label: value}}`, one JSON or YAML document.
fn load_file(path: &Path) -> Result<HashMap<String, Arc<Labels>>, SetupError> {
    let bytes = read(path)?;
    let invalid = |reason: String| SetupError::File {
        path: path.display().to_string(),
        reason,
    };
    let documents: Vec<Option<BTreeMap<String, Labels>>> =
        load_documents(&bytes, &YamlLimits::default()).map_err(|e| invalid(e.to_string()))?;
    let map = match documents.as_slice() {
        [] | [None] => BTreeMap::new(),
        [Some(map)] => map.clone(),
        _ => {
            return Err(invalid(
                "one document expected: {namespace: {label: value}}".to_owned(),
            ))
        }
    };
    if let Some(bad) = map.keys().find(|name| !valid_namespace(name)) {
        return Err(invalid(format!("{bad:?} is not a namespace name")));
    }
    Ok(map
        .into_iter()
        .map(|(name, labels)| (name, Arc::new(labels)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policies(yaml: &str) -> PolicySet {
        PolicySet::load(yaml.as_bytes(), &YamlLimits::default()).unwrap()
    }

    const BASE: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  validationFailureAction: Audit
  rules:
    - name: r
      match:
        any:
          - resources:
              kinds: [Pod]
      verifyImages:
        - imageReferences: ["*"]
          attestors:
            - entries:
                - keyless:
                    subject: "s"
                    issuer: "i"
"#;

    #[test]
    fn selector_use_finds_every_place() {
        let none = SelectorUse::of(&policies(BASE));
        assert!(!none.needed());
        assert!(!none.can_enforce);

        let exclude = BASE.replace(
            "      verifyImages:",
            "      exclude:\n        any:\n          - resources:\n              namespaceSelector:\n                matchLabels: {a: b}\n      verifyImages:",
        );
        let used = SelectorUse::of(&policies(&exclude));
        assert_eq!(used.selectors, ["p: rule r exclude"]);
        assert!(!used.can_enforce);

        let matched = BASE.replace(
            "              kinds: [Pod]",
            "              kinds: [Pod]\n              namespaceSelector: {matchLabels: {a: b}}",
        );
        assert_eq!(
            SelectorUse::of(&policies(&matched)).selectors,
            ["p: rule r match"]
        );

        let overrides = BASE.replace(
            "  validationFailureAction: Audit",
            "  validationFailureAction: Audit\n  validationFailureActionOverrides:\n    - action: Enforce\n      namespaceSelector: {matchLabels: {tier: prod}}",
        );
        let used = SelectorUse::of(&policies(&overrides));
        assert_eq!(used.selectors, ["p: validationFailureActionOverrides"]);
        assert!(used.can_enforce);

        let fail = BASE.replace(
            "  validationFailureAction: Audit",
            "  validationFailureAction: Audit\n  failurePolicy: Fail",
        );
        assert!(SelectorUse::of(&policies(&fail)).can_enforce);

        let entry = BASE.replace(
            "        - imageReferences: [\"*\"]",
            "        - imageReferences: [\"*\"]\n          failureAction: Enforce",
        );
        assert!(SelectorUse::of(&policies(&entry)).can_enforce);

        let exception = format!(
            "{BASE}---\napiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {{name: e, namespace: kyverno}}\nspec:\n  exceptions: [{{policyName: p, ruleNames: [r]}}]\n  match:\n    any:\n      - resources:\n          kinds: [Pod]\n          namespaceSelector: {{matchLabels: {{a: b}}}}\n"
        );
        assert_eq!(
            SelectorUse::of(&policies(&exception)).selectors,
            ["PolicyException e: match"]
        );
    }

    #[test]
    fn the_cache_drops_the_expired_then_the_oldest_never_a_call_under_way() {
        let now = Instant::now();
        let done = |secs: u64| Entry::Done {
            outcome: Ok(Arc::default()),
            until: now + Duration::from_secs(secs),
        };
        let mut entries = HashMap::new();
        entries.insert(
            "expired".to_owned(),
            Entry::Done {
                outcome: Err("down".into()),
                until: now,
            },
        );
        entries.insert("late".to_owned(), done(30));
        entries.insert("early".to_owned(), done(10));
        let (_sender, receiver) = watch::channel(None);
        entries.insert("pending".to_owned(), Entry::Pending(receiver));
        Cache::make_room(&mut entries, 5, now);
        assert_eq!(entries.len(), 4, "room already");
        Cache::make_room(&mut entries, 3, now);
        let mut left: Vec<&str> = entries.keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["late", "pending"]);
        Cache::make_room(&mut entries, 1, now);
        assert_eq!(entries.keys().collect::<Vec<_>>(), ["pending"]);
    }

    #[test]
    fn namespace_names() {
        for good in ["a", "shop", "kube-system", "a1-b2", &"a".repeat(63)] {
            assert!(valid_namespace(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "A",
            "a/b",
            "a.b",
            "..",
            "a%2F",
            &"a".repeat(64),
        ] {
            assert!(!valid_namespace(bad), "{bad}");
        }
    }

    #[test]
    fn flags_must_agree_and_selectors_need_a_source() {
        let exclude = BASE.replace(
            "      verifyImages:",
            "      exclude:\n        any:\n          - resources:\n              namespaceSelector:\n                matchLabels: {a: b}\n      verifyImages:",
        );
        let error = NamespaceLabels::new(
            &NamespaceLabelArgs::default(),
            &policies(&exclude),
            CacheConfig::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("p: rule r exclude"), "{error}");
        assert!(NamespaceLabels::new(
            &NamespaceLabelArgs::default(),
            &policies(BASE),
            CacheConfig::default()
        )
        .is_ok());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("labels.yaml");
        std::fs::write(&file, "shop: {team: a}\n").unwrap();
        let args = NamespaceLabelArgs {
            namespace_labels: Some(file.display().to_string()),
            kube_api: Some("https://127.0.0.1:1".into()),
            ..NamespaceLabelArgs::default()
        };
        assert!(matches!(
            NamespaceLabels::new(&args, &policies(BASE), CacheConfig::default()),
            Err(SetupError::KubeFlagsWithoutInCluster)
        ));
        std::fs::write(&file, "Shop: {team: a}\n").unwrap();
        let args = NamespaceLabelArgs {
            namespace_labels: Some(file.display().to_string()),
            ..NamespaceLabelArgs::default()
        };
        let error =
            NamespaceLabels::new(&args, &policies(BASE), CacheConfig::default()).unwrap_err();
        assert!(error.to_string().contains("Shop"), "{error}");
        std::fs::write(&file, "shop: {team: [a]}\n").unwrap();
        assert!(NamespaceLabels::new(&args, &policies(BASE), CacheConfig::default()).is_err());
    }
}
