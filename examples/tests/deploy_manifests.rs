//! The Kubernetes manifests in `deploy/`, judged by `kubernetes-validate --strict` (PyPI
//! `kubernetes-validate`, whose Kubernetes JSON schemas are bundled: it validates offline)
//! and checked for what the webhook promises: two replicas or more, probes on `/healthz` over
//! HTTPS, fail-closed webhook configurations that leave out `kube-system` and the webhook's
//! own namespace, arguments the example accepts, policies the engine loads.
//!
//! `kubernetes-validate` runs from the venv whose python is `$SIGCHAIN_PYTHON`
//! (scripts/test-all.sh installs it); without it the tests fail, never skip.

#[allow(dead_code)]
#[path = "../examples/admission_webhook.rs"]
mod admission_webhook;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser as _;
use serde_json::Value;
use sigchain_policy::engine::{Engine, EngineConfig, PolicySet};
use sigchain_policy::yaml::{load_documents, YamlLimits};

/// Kubernetes versions validated against: the newest the pinned `kubernetes-validate` knows,
/// and two minors back.
const KUBERNETES_VERSIONS: [&str; 2] = ["1.37.0", "1.35.0"];
/// The webhook's namespace, as the manifests write it.
const NAMESPACE: &str = "sigchain-policy";

fn python() -> PathBuf {
    match std::env::var_os("SIGCHAIN_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "SIGCHAIN_PYTHON is not set: run scripts/test-all.sh (it installs \
             kubernetes-validate into <target>/py) or point it at a python that has it"
        ),
    }
}

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// Every Kubernetes manifest in deploy/ (kustomization.yaml is kustomize's, not an object).
fn manifests() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(deploy_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .filter(|path| path.file_name().unwrap() != "kustomization.yaml")
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no manifests in {}",
        deploy_dir().display()
    );
    files
}

fn documents(path: &Path) -> Vec<Value> {
    load_documents::<Value>(&std::fs::read(path).unwrap(), &YamlLimits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .filter(|doc| !doc.is_null())
        .collect()
}

/// Every object of every manifest, by `kind`.
fn objects() -> BTreeMap<String, Vec<Value>> {
    let mut by_kind: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for path in manifests() {
        for doc in documents(&path) {
            let kind = doc["kind"].as_str().unwrap().to_owned();
            by_kind.entry(kind).or_default().push(doc);
        }
    }
    by_kind
}

fn one<'a>(objects: &'a BTreeMap<String, Vec<Value>>, kind: &str) -> &'a Value {
    match objects.get(kind).map(Vec::as_slice) {
        Some([object]) => object,
        other => panic!("expected one {kind}, found {other:?}"),
    }
}

/// Run kubernetes-validate on `files`; its exit status and output.
fn kubernetes_validate(version: &str, files: &[PathBuf]) -> (bool, String) {
    let output = Command::new(python())
        .args([
            "-m",
            "kubernetes_validate",
            "--strict",
            "--kubernetes-version",
            version,
        ])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", python().display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn kubernetes_validate_strict_accepts_every_manifest() {
    let files = manifests();
    let expected: usize = files.iter().map(|f| documents(f).len()).sum();
    for version in KUBERNETES_VERSIONS {
        let (ok, output) = kubernetes_validate(version, &files);
        assert!(ok, "kubernetes-validate {version}:\n{output}");
        // A kind it has no schema for is only a WARN (exit 0): every line must be a pass.
        let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
        for line in &lines {
            assert!(
                line.starts_with("INFO ") && line.contains(" passed for resource "),
                "kubernetes-validate {version}: {line}\n{output}"
            );
        }
        assert_eq!(lines.len(), expected, "{output}");
    }
}

#[test]
fn kubernetes_validate_strict_refuses_an_unknown_field() {
    // The referee is only worth its passes if it fails: a Deployment with a misspelt field.
    let deployment = std::fs::read_to_string(deploy_dir().join("deployment.yaml")).unwrap();
    let broken = deployment.replacen("  replicas: 2\n", "  replicas: 2\n  replica: 2\n", 1);
    assert_ne!(broken, deployment);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deployment.yaml");
    std::fs::write(&file, broken).unwrap();
    let (ok, output) = kubernetes_validate(KUBERNETES_VERSIONS[0], &[file]);
    assert!(!ok, "{output}");
    assert!(output.contains("'replica' was unexpected"), "{output}");
}

#[test]
fn the_kustomization_lists_every_manifest() {
    let kustomization = documents(&deploy_dir().join("kustomization.yaml"));
    let listed: BTreeSet<String> = kustomization[0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    let present: BTreeSet<String> = manifests()
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, present);
    assert_eq!(kustomization[0]["images"][0]["name"], "IMAGE");
}

#[test]
fn every_object_is_in_the_webhook_namespace_or_cluster_scoped() {
    let objects = objects();
    let kinds: BTreeSet<&str> = objects.keys().map(String::as_str).collect();
    let expected = BTreeSet::from([
        "ConfigMap",
        "Deployment",
        "MutatingWebhookConfiguration",
        "Namespace",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
        "ValidatingWebhookConfiguration",
    ]);
    assert_eq!(kinds, expected);
    assert_eq!(one(&objects, "Namespace")["metadata"]["name"], NAMESPACE);
    for (kind, list) in &objects {
        for object in list {
            let cluster_scoped = matches!(
                kind.as_str(),
                "Namespace" | "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration"
            );
            let namespace = &object["metadata"]["namespace"];
            if cluster_scoped {
                assert!(namespace.is_null(), "{kind}: {object}");
            } else {
                assert_eq!(namespace, NAMESPACE, "{kind}: {object}");
            }
        }
    }
}

#[test]
fn the_deployment_runs_a_hardened_webhook_the_service_reaches() {
    let objects = objects();
    let deployment = one(&objects, "Deployment");
    assert!(deployment["spec"]["replicas"].as_u64().unwrap() >= 2);
    let pod = &deployment["spec"]["template"]["spec"];
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let [container] = pod["containers"].as_array().unwrap().as_slice() else {
        panic!("one container expected");
    };
    // No registry host written: a placeholder the operator sets (README.md).
    assert_eq!(container["image"], "IMAGE");
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]));
    for resource in ["cpu", "memory"] {
        assert!(
            container["resources"]["requests"][resource].is_string(),
            "{resource}"
        );
        assert!(
            container["resources"]["limits"][resource].is_string(),
            "{resource}"
        );
    }
    for probe in ["readinessProbe", "livenessProbe"] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["scheme"], "HTTPS", "{probe}");
        assert_eq!(get["path"], "/healthz", "{probe}");
        assert_eq!(get["port"], "https", "{probe}");
    }
    let port = &container["ports"][0];
    assert_eq!(port["name"], "https");
    assert_eq!(port["containerPort"], 8443);

    // The arguments are the example's, and name the mounted files.
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let parsed = admission_webhook::Args::try_parse_from(
        std::iter::once("admission_webhook").chain(args.iter().copied()),
    )
    .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert_eq!(parsed.addr.port(), 8443);
    let mounts: BTreeMap<&str, &str> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["mountPath"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(parsed.tls_cert.starts_with(mounts["tls"]));
    assert!(parsed.tls_key.starts_with(mounts["tls"]));
    for policy in &parsed.policies {
        assert!(
            policy.starts_with(mounts["policies"]),
            "{}",
            policy.display()
        );
    }
    let volumes: BTreeMap<&str, &Value> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v))
        .collect();
    assert_eq!(
        volumes["tls"]["secret"]["secretName"],
        "sigchain-policy-webhook-tls"
    );
    let config_map = one(&objects, "ConfigMap");
    assert_eq!(
        volumes["policies"]["configMap"]["name"],
        config_map["metadata"]["name"]
    );

    // Service 443 → the container's https port, selecting the pods; the PDB too.
    let service = one(&objects, "Service");
    assert_eq!(service["spec"]["ports"][0]["port"], 443);
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "https");
    let selector = service["spec"]["selector"].as_object().unwrap();
    for (key, value) in selector {
        assert_eq!(&labels[key], value, "service selector {key}");
    }
    let pdb = one(&objects, "PodDisruptionBudget");
    assert_eq!(pdb["spec"]["minAvailable"], 1);
    for (key, value) in pdb["spec"]["selector"]["matchLabels"].as_object().unwrap() {
        assert_eq!(&labels[key], value, "PDB selector {key}");
    }
    // The deadline leaves the API server's timeout room to receive the answer.
    let timeout_ms = one(&objects, "ValidatingWebhookConfiguration")["webhooks"][0]
        ["timeoutSeconds"]
        .as_u64()
        .unwrap()
        * 1000;
    assert!(
        parsed.deadline_ms < timeout_ms,
        "{} vs {timeout_ms}",
        parsed.deadline_ms
    );
}

#[test]
fn the_webhook_configurations_fail_closed_and_leave_out_system_namespaces() {
    let objects = objects();
    let service = one(&objects, "Service");
    for (kind, path) in [
        ("ValidatingWebhookConfiguration", "/validate"),
        ("MutatingWebhookConfiguration", "/mutate"),
    ] {
        let webhooks = one(&objects, kind)["webhooks"].as_array().unwrap();
        assert_eq!(webhooks.len(), 1, "{kind}");
        let webhook = &webhooks[0];
        assert_eq!(webhook["failurePolicy"], "Fail", "{kind}");
        assert_eq!(webhook["sideEffects"], "None", "{kind}");
        assert_eq!(
            webhook["admissionReviewVersions"],
            serde_json::json!(["v1"]),
            "{kind}"
        );
        let timeout = webhook["timeoutSeconds"].as_u64().unwrap();
        assert!((1..=30).contains(&timeout), "{kind}: {timeout}");
        let target = &webhook["clientConfig"]["service"];
        assert_eq!(target["name"], service["metadata"]["name"], "{kind}");
        assert_eq!(target["namespace"], NAMESPACE, "{kind}");
        assert_eq!(target["path"], path, "{kind}");
        assert_eq!(target["port"], 443, "{kind}");

        let expressions = webhook["namespaceSelector"]["matchExpressions"]
            .as_array()
            .unwrap();
        let excluded: BTreeSet<&str> = expressions
            .iter()
            .filter(|e| e["key"] == "kubernetes.io/metadata.name" && e["operator"] == "NotIn")
            .flat_map(|e| e["values"].as_array().unwrap())
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(excluded.contains("kube-system"), "{kind}: {excluded:?}");
        assert!(excluded.contains(NAMESPACE), "{kind}: {excluded:?}");

        // Pods and every workload kind whose pod template the engine reads.
        let mut covered = BTreeSet::new();
        for rule in webhook["rules"].as_array().unwrap() {
            let operations = rule["operations"].as_array().unwrap();
            assert!(operations.contains(&"CREATE".into()), "{kind}: {rule}");
            assert!(operations.contains(&"UPDATE".into()), "{kind}: {rule}");
            for group in rule["apiGroups"].as_array().unwrap() {
                for resource in rule["resources"].as_array().unwrap() {
                    covered.insert(format!(
                        "{}/{}",
                        group.as_str().unwrap(),
                        resource.as_str().unwrap()
                    ));
                }
            }
        }
        for resource in [
            "/pods",
            "/pods/ephemeralcontainers",
            "/replicationcontrollers",
            "apps/deployments",
            "apps/replicasets",
            "apps/statefulsets",
            "apps/daemonsets",
            "batch/jobs",
            "batch/cronjobs",
        ] {
            assert!(
                covered.contains(resource),
                "{kind} misses {resource}: {covered:?}"
            );
        }
    }
}

#[test]
fn the_policies_in_the_config_map_load() {
    let objects = objects();
    let config_map = one(&objects, "ConfigMap");
    let data = config_map["data"].as_object().unwrap();
    assert!(!data.is_empty());
    for (name, text) in data {
        let policies = PolicySet::load(text.as_str().unwrap().as_bytes(), &YamlLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        Engine::new(policies, EngineConfig::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
