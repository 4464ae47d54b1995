//! Policy files as users keep them: YAML or JSON, several documents per file, Kyverno
//! policies, Kyverno policy exceptions and policy-controller `ClusterImagePolicy`s mixed.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::cip::{CipError, ClusterImagePolicy};
use crate::kyverno::{KyvernoPolicy, PolicyError};
use crate::yaml::{load_documents, YamlError, YamlLimits};

use super::exception::PolicyException;

/// Why a policy file (or a set of them) was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file is not YAML/JSON within the limits.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A document is not an object with `apiVersion` and `kind`.
    #[error("document {index}: not an object with apiVersion and kind")]
    NotAResource {
        /// Which document (0-based).
        index: usize,
    },
    /// A document is of a kind this engine does not read.
    #[error("document {index}: {api_version} {kind} is not a policy this engine reads (kyverno.io/v1 ClusterPolicy or Policy, kyverno.io/v2 or v2beta1 PolicyException, policy.sigstore.dev ClusterImagePolicy)")]
    UnsupportedKind {
        /// Which document.
        index: usize,
        /// Its `apiVersion`.
        api_version: String,
        /// Its `kind`.
        kind: String,
    },
    /// A field does not fit the schema (unknown, misspelt or mistyped); the path names it.
    #[error("document {index} ({kind} {name:?}) at {path}: {message}")]
    Schema {
        /// Which document.
        index: usize,
        /// Its kind.
        kind: String,
        /// Its `metadata.name`.
        name: String,
        /// The field path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A Kyverno policy breaks one of its admission checks.
    #[error(transparent)]
    Kyverno(#[from] PolicyError),
    /// A `ClusterImagePolicy` breaks one of policy-controller's checks.
    #[error("ClusterImagePolicy {name:?}: {source}")]
    ClusterImagePolicy {
        /// Its name.
        name: String,
        /// What is wrong.
        source: CipError,
    },
    /// A `PolicyException` is invalid.
    #[error("PolicyException {name:?}: {reason}")]
    Exception {
        /// Its name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Two policies of one kind share a name (later rules would be unreachable in reports).
    #[error("{kind} {name:?} is defined twice")]
    Duplicate {
        /// The kind.
        kind: &'static str,
        /// The name (`namespace/name` for namespaced ones).
        name: String,
    },
}

/// Everything the engine decides by: Kyverno policies, their exceptions, and
/// `ClusterImagePolicy`s.
///
/// ```
/// use sigchain_policy::engine::PolicySet;
/// use sigchain_policy::yaml::YamlLimits;
/// let file = br#"
/// apiVersion: kyverno.io/v1
/// kind: ClusterPolicy
/// metadata: {name: signed}
/// spec:
///   validationFailureAction: Enforce
///   rules:
///     - name: r
///       match: {any: [{resources: {kinds: [Pod]}}]}
///       verifyImages:
///         - imageReferences: ["registry.example/acme/*"]
///           attestors: [{entries: [{keyless: {subject: "https://github.com/acme/*",
///                                             issuer: "https://token.actions.githubusercontent.com"}}]}]
/// ---
/// apiVersion: kyverno.io/v2
/// kind: PolicyException
/// metadata: {name: system, namespace: kyverno}
/// spec:
///   exceptions: [{policyName: signed, ruleNames: [r, autogen-r, autogen-cronjob-r]}]
///   match: {any: [{resources: {namespaces: [kube-system]}}]}
/// "#;
/// let set = PolicySet::load(file, &YamlLimits::default())?;
/// assert_eq!((set.kyverno.len(), set.exceptions.len(), set.cluster_image_policies.len()), (1, 1, 0));
/// # Ok::<(), sigchain_policy::engine::LoadError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Kyverno `ClusterPolicy` / `Policy` documents.
    pub kyverno: Vec<KyvernoPolicy>,
    /// Kyverno `PolicyException` documents.
    pub exceptions: Vec<PolicyException>,
    /// policy-controller `ClusterImagePolicy` documents.
    pub cluster_image_policies: Vec<ClusterImagePolicy>,
}

impl PolicySet {
    /// Read every document of one file (YAML or JSON; see [`YamlLimits`] for the bounds).
    pub fn load(bytes: &[u8], limits: &YamlLimits) -> Result<PolicySet, LoadError> {
        let documents: Vec<Value> = load_documents(bytes, limits)?;
        let mut set = PolicySet::default();
        for (index, document) in documents.into_iter().enumerate() {
            // An empty document (`---` at the end of a file) is no resource.
            if document.is_null() {
                continue;
            }
            let text = |key: &str| document.get(key).and_then(Value::as_str).map(str::to_owned);
            let (Some(api_version), Some(kind)) = (text("apiVersion"), text("kind")) else {
                return Err(LoadError::NotAResource { index });
            };
            let group = api_version.split('/').next().unwrap_or("");
            match (group, api_version.as_str(), kind.as_str()) {
                (_, "kyverno.io/v1", "ClusterPolicy" | "Policy") => {
                    let policy: KyvernoPolicy = typed(index, &kind, document)?;
                    policy.check()?;
                    set.kyverno.push(policy);
                }
                (_, "kyverno.io/v2" | "kyverno.io/v2beta1", "PolicyException") => {
                    let exception: PolicyException = typed(index, &kind, document)?;
                    exception.check()?;
                    set.exceptions.push(exception);
                }
                ("policy.sigstore.dev", _, "ClusterImagePolicy") => {
                    let policy = ClusterImagePolicy::from_value(&document).map_err(|source| {
                        LoadError::ClusterImagePolicy {
                            name: name_of(&document),
                            source,
                        }
                    })?;
                    set.cluster_image_policies.push(policy);
                }
                _ => {
                    return Err(LoadError::UnsupportedKind {
                        index,
                        api_version,
                        kind,
                    })
                }
            }
        }
        set.check_unique()?;
        Ok(set)
    }

    /// Add the policies of `other` (another file).
    pub fn extend(&mut self, other: PolicySet) -> Result<(), LoadError> {
        self.kyverno.extend(other.kyverno);
        self.exceptions.extend(other.exceptions);
        self.cluster_image_policies
            .extend(other.cluster_image_policies);
        self.check_unique()
    }

    /// Whether there is nothing to decide by.
    pub fn is_empty(&self) -> bool {
        self.kyverno.is_empty() && self.cluster_image_policies.is_empty()
    }

    fn check_unique(&self) -> Result<(), LoadError> {
        let mut seen = std::collections::BTreeSet::new();
        for policy in &self.kyverno {
            let name = super::kyverno_eval::qualified_name(policy);
            if !seen.insert(("policy", name.clone())) {
                return Err(LoadError::Duplicate {
                    kind: "Kyverno policy",
                    name,
                });
            }
        }
        for policy in &self.cluster_image_policies {
            if !seen.insert(("cip", policy.name.clone())) {
                return Err(LoadError::Duplicate {
                    kind: "ClusterImagePolicy",
                    name: policy.name.clone(),
                });
            }
        }
        Ok(())
    }
}

fn name_of(document: &Value) -> String {
    document
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn typed<T: DeserializeOwned>(index: usize, kind: &str, document: Value) -> Result<T, LoadError> {
    let name = name_of(&document);
    serde_path_to_error::deserialize(document).map_err(|error| LoadError::Schema {
        index,
        kind: kind.to_owned(),
        name,
        path: error.path().to_string(),
        message: error.inner().to_string(),
    })
}
