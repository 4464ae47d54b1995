//! The `ClusterPolicy` / `Policy` (kyverno.io/v1) document, as far as `verifyImages` goes.
//!
//! Field names and shapes are Kyverno's (`api/kyverno/v1/*.go`). Every struct the engine
//! interprets refuses unknown fields (`deny_unknown_fields`), so a field Kyverno knows but we
//! do not (`kms`, `certificates`, `attestor`, `imageRegistryCredentials`, `validate`, …) is a
//! load-time error naming it, never silently ignored. `metadata` is the exception: Kubernetes
//! adds fields there (`uid`, `managedFields`, …) that do not change what a policy means, so
//! its unknown fields are accepted and ignored, and labels and annotations are kept.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

/// A Kyverno `ClusterPolicy` or `Policy`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KyvernoPolicy {
    /// Must be `kyverno.io/v1`.
    pub api_version: String,
    /// `ClusterPolicy` or `Policy`.
    pub kind: PolicyKind,
    /// Name, namespace (for a `Policy`), labels and annotations.
    pub metadata: ObjectMeta,
    /// The rules and policy-wide settings.
    pub spec: PolicySpec,
    /// Written by the cluster, meaningless in a file: accepted and ignored.
    #[serde(default)]
    pub status: Option<IgnoredAny>,
}

/// The two policy kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PolicyKind {
    /// Cluster-wide.
    ClusterPolicy,
    /// Applies to its own namespace only.
    Policy,
}

/// Object metadata. Unknown fields are accepted and ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// The policy's name.
    pub name: String,
    /// The namespace of a `Policy`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Labels (kept, not interpreted).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations (kept, not interpreted).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// `spec`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicySpec {
    /// The rules; each must be a `verifyImages` rule.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Policy-wide failure action; Kyverno's default is `Audit` (CRD default). Kyverno accepts
    /// `Audit`, `Enforce`, `audit` and `enforce` here.
    #[serde(default)]
    pub validation_failure_action: Option<FailureAction>,
    /// Per-namespace overrides of the failure action, first match wins.
    #[serde(default)]
    pub validation_failure_action_overrides: Vec<FailureActionOverride>,
    /// What the webhook does when the policy cannot be evaluated (`Fail` by default).
    #[serde(default)]
    pub failure_policy: Option<FailurePolicy>,
    /// Background scanning (not used in admission; accepted).
    #[serde(default)]
    pub background: Option<bool>,
    /// Whether rules apply during admission (default true).
    #[serde(default)]
    pub admission: Option<bool>,
    /// Webhook timeout in seconds (accepted, informational).
    #[serde(default)]
    pub webhook_timeout_seconds: Option<i32>,
    /// Emit warnings for Audit results (accepted).
    #[serde(default)]
    pub emit_warning: Option<bool>,
    /// Schema validation (accepted, informational).
    #[serde(default)]
    pub schema_validation: Option<bool>,
}

/// Audit or Enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum FailureAction {
    /// Report, admit.
    #[serde(alias = "audit")]
    Audit,
    /// Deny on failure.
    #[serde(alias = "enforce")]
    Enforce,
}

/// The per-rule `failureAction` accepts only the capitalised spellings (CRD enum
/// `Audit;Enforce`, `api/kyverno/v1/image_verification_types.go`).
fn strict_failure_action<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<FailureAction>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text.as_deref() {
        None => Ok(None),
        Some("Audit") => Ok(Some(FailureAction::Audit)),
        Some("Enforce") => Ok(Some(FailureAction::Enforce)),
        Some(other) => Err(serde::de::Error::custom(format!(
            "failureAction must be `Audit` or `Enforce`, not `{other}`"
        ))),
    }
}

/// `Fail` or `Ignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum FailurePolicy {
    /// Deny when the policy cannot be evaluated.
    Fail,
    /// Admit when the policy cannot be evaluated.
    Ignore,
}

/// One entry of `validationFailureActionOverrides`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FailureActionOverride {
    /// The action in the matched namespaces.
    pub action: FailureAction,
    /// Namespace wildcards; absent means "any namespace" (an empty list matches none).
    #[serde(default)]
    pub namespaces: Option<Vec<String>>,
    /// Namespace label selector, also required when present.
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
}

/// A rule. Only `verifyImages` rules are supported; the other rule kinds and the features
/// that change when a rule applies (`context`, `preconditions`, …) are captured only to be
/// refused by name at load time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rule {
    /// Rule name.
    pub name: String,
    /// Which resources the rule applies to.
    #[serde(rename = "match")]
    pub match_resources: MatchResources,
    /// Which of those it then leaves out.
    #[serde(default)]
    pub exclude: Option<MatchResources>,
    /// The image checks.
    #[serde(default)]
    pub verify_images: Vec<ImageVerification>,
    /// Extra properties for policy reports.
    #[serde(default)]
    pub report_properties: BTreeMap<String, String>,
    /// Background-request handling (accepted, not used in admission).
    #[serde(default)]
    pub skip_background_requests: Option<bool>,
    #[doc(hidden)]
    #[serde(default)]
    pub mutate: Option<IgnoredAny>,
    #[doc(hidden)]
    #[serde(default)]
    pub validate: Option<IgnoredAny>,
    #[doc(hidden)]
    #[serde(default)]
    pub generate: Option<IgnoredAny>,
    #[doc(hidden)]
    #[serde(default)]
    pub context: Option<IgnoredAny>,
    #[doc(hidden)]
    #[serde(default)]
    pub preconditions: Option<IgnoredAny>,
    #[doc(hidden)]
    #[serde(default)]
    pub cel_preconditions: Option<IgnoredAny>,
    #[doc(hidden)]
    #[serde(default)]
    pub image_extractors: Option<IgnoredAny>,
}

impl Rule {
    /// The unsupported rule parts present in this rule, by their YAML name.
    pub fn unsupported_parts(&self) -> Vec<&'static str> {
        [
            ("mutate", self.mutate.is_some()),
            ("validate", self.validate.is_some()),
            ("generate", self.generate.is_some()),
            ("context", self.context.is_some()),
            ("preconditions", self.preconditions.is_some()),
            ("celPreconditions", self.cel_preconditions.is_some()),
            ("imageExtractors", self.image_extractors.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect()
    }
}

/// `match` / `exclude`: `any` (OR) or `all` (AND) of resource filters, or the older direct
/// `resources` form. User-info filters (`roles`, `clusterRoles`, `subjects`) are not
/// supported and refused by name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchResources {
    /// Any one filter must match.
    #[serde(default)]
    pub any: Vec<ResourceFilter>,
    /// Every filter must match.
    #[serde(default)]
    pub all: Vec<ResourceFilter>,
    /// The older single-filter form.
    #[serde(default)]
    pub resources: Option<ResourceDescription>,
}

/// One filter of `any` / `all`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceFilter {
    /// The resource description.
    pub resources: ResourceDescription,
}

/// What resources a filter selects. Names, namespaces and kinds may hold wildcards.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceDescription {
    /// Kinds (`Pod`, `apps/v1/Deployment`, `*`).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// A single name (deprecated upstream in favour of `names`).
    #[serde(default)]
    pub name: Option<String>,
    /// Names.
    #[serde(default)]
    pub names: Vec<String>,
    /// Namespaces.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Annotations the resource must carry (values may hold wildcards).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Label selector on the resource.
    #[serde(default)]
    pub selector: Option<LabelSelector>,
    /// Label selector on the resource's namespace.
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
    /// Admission operations (`CREATE`, `UPDATE`, `DELETE`, `CONNECT`).
    #[serde(default)]
    pub operations: Vec<AdmissionOperation>,
}

/// An admission operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AdmissionOperation {
    /// CREATE.
    Create,
    /// UPDATE.
    Update,
    /// DELETE.
    Delete,
    /// CONNECT.
    Connect,
}

/// A Kubernetes label selector (`metav1.LabelSelector`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelector {
    /// Labels that must be present with these values.
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    #[serde(default)]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector (all requirements; an empty selector matches
    /// everything), as `metav1.LabelSelectorAsSelector` reads it.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|req| {
                let value = labels.get(&req.key);
                match req.operator {
                    SelectorOperator::In => value.is_some_and(|v| req.values.contains(v)),
                    SelectorOperator::NotIn => value.is_none_or(|v| !req.values.contains(v)),
                    SelectorOperator::Exists => value.is_some(),
                    SelectorOperator::DoesNotExist => value.is_none(),
                }
            })
    }
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelSelectorRequirement {
    /// Label key.
    pub key: String,
    /// The operator.
    pub operator: SelectorOperator,
    /// Values for `In` / `NotIn`.
    #[serde(default)]
    pub values: Vec<String>,
}

/// Label selector operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SelectorOperator {
    /// The label's value is one of `values`.
    In,
    /// The label is absent or its value is none of `values`.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// One `verifyImages` entry (`ImageVerification`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageVerification {
    /// Per-entry failure action; overrides the policy's when set.
    #[serde(default, deserialize_with = "strict_failure_action")]
    pub failure_action: Option<FailureAction>,
    /// Signature format; only `Cosign` (the default) is supported.
    #[serde(default, rename = "type")]
    pub verification_type: Option<VerificationType>,
    /// Image patterns the entry applies to (Kyverno wildcards).
    #[serde(default)]
    pub image_references: Vec<String>,
    /// Image patterns to skip even when matched.
    #[serde(default)]
    pub skip_image_references: Vec<String>,
    /// Signature requirements: every set must be satisfied.
    #[serde(default)]
    pub attestors: Vec<AttestorSet>,
    /// Attestation requirements.
    #[serde(default)]
    pub attestations: Vec<Attestation>,
    /// Alternate repository holding signatures and attestations.
    #[serde(default)]
    pub repository: Option<String>,
    /// Pin tags to digests in a mutation (default true).
    #[serde(default)]
    pub mutate_digest: Option<bool>,
    /// Require images to be referenced by digest (default true).
    #[serde(default)]
    pub verify_digest: Option<bool>,
    /// Require matched images to be verified (default true).
    #[serde(default)]
    pub required: Option<bool>,
    /// Cache verification results (default true).
    #[serde(default)]
    pub use_cache: Option<bool>,
    /// Use OCI 1.1 referrers for cosign signatures (default false).
    #[serde(default, rename = "cosignOCI11")]
    pub cosign_oci11: Option<bool>,
}

impl ImageVerification {
    /// `mutateDigest`, with Kyverno's default `true`.
    pub fn mutate_digest(&self) -> bool {
        self.mutate_digest.unwrap_or(true)
    }
    /// `verifyDigest`, with Kyverno's default `true`.
    pub fn verify_digest(&self) -> bool {
        self.verify_digest.unwrap_or(true)
    }
    /// `required`, with Kyverno's default `true`.
    pub fn required(&self) -> bool {
        self.required.unwrap_or(true)
    }
    /// `useCache`, with Kyverno's default `true`.
    pub fn use_cache(&self) -> bool {
        self.use_cache.unwrap_or(true)
    }
}

/// Signature formats. Kyverno also knows `SigstoreBundle` and `Notary`, refused here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum VerificationType {
    /// Cosign signatures (the default).
    Cosign,
}

/// A set of attestors and how many of them must verify.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestorSet {
    /// How many entries must verify; absent means all of them.
    #[serde(default)]
    pub count: Option<u32>,
    /// The attestors.
    #[serde(default)]
    pub entries: Vec<Attestor>,
}

impl AttestorSet {
    /// Kyverno's `RequiredCount` (`api/kyverno/v1/image_verification_types.go`): the count,
    /// or every entry when the count is absent or zero.
    pub fn required_count(&self) -> usize {
        match self.count {
            None | Some(0) => self.entries.len(),
            Some(n) => n as usize,
        }
    }
}

/// One attestor: a static key set or a keyless identity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Attestor {
    /// Public keys.
    #[serde(default)]
    pub keys: Option<StaticKeyAttestor>,
    /// A keyless (Fulcio certificate) identity.
    #[serde(default)]
    pub keyless: Option<KeylessAttestor>,
    /// Digest algorithm for key signatures (default sha256).
    #[serde(default)]
    pub signature_algorithm: Option<SignatureAlgorithm>,
}

/// Digest algorithms Kyverno accepts for key signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureAlgorithm {
    /// SHA-224.
    Sha224,
    /// SHA-256 (the default).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// `keys`: PEM public keys. Kyverno's `kms` and `secret` forms are refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StaticKeyAttestor {
    /// One or more PEM `PUBLIC KEY` blocks; each is a separate entry for `count`.
    pub public_keys: String,
    /// Deprecated place for the digest algorithm.
    #[serde(default)]
    pub signature_algorithm: Option<SignatureAlgorithm>,
    /// Transparency log settings.
    #[serde(default)]
    pub rekor: Option<Rekor>,
    /// Certificate transparency settings.
    #[serde(default)]
    pub ctlog: Option<CtLog>,
}

impl StaticKeyAttestor {
    /// The PEM blocks of `publicKeys`, each with its BEGIN and END lines.
    pub fn pem_blocks(&self) -> Vec<&str> {
        const END: &str = "-----END PUBLIC KEY-----";
        let mut blocks = Vec::new();
        let mut rest = self.public_keys.as_str();
        while let Some(end) = rest.find(END) {
            let (block, after) = rest.split_at(end + END.len());
            let block = block.trim();
            if !block.is_empty() {
                blocks.push(block);
            }
            rest = after;
        }
        blocks
    }
}

/// `keyless`: who must have signed, by Fulcio certificate identity.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeylessAttestor {
    /// Subject (certificate SAN) wildcard.
    #[serde(default)]
    pub subject: Option<String>,
    /// OIDC issuer wildcard.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Subject regular expression (Go syntax, unanchored).
    #[serde(default, rename = "subjectRegExp")]
    pub subject_regexp: Option<String>,
    /// Issuer regular expression (Go syntax, unanchored).
    #[serde(default, rename = "issuerRegExp")]
    pub issuer_regexp: Option<String>,
    /// PEM roots to chain the certificate to, instead of the trusted root.
    #[serde(default)]
    pub roots: Option<String>,
    /// Transparency log settings.
    #[serde(default)]
    pub rekor: Option<Rekor>,
    /// Certificate transparency settings.
    #[serde(default)]
    pub ctlog: Option<CtLog>,
}

/// `rekor`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rekor {
    /// Log URL (Kyverno: the public Rekor instance when empty).
    #[serde(default)]
    pub url: Option<String>,
    /// PEM public key of a custom log.
    #[serde(default)]
    pub pubkey: Option<String>,
    /// Skip transparency log verification.
    #[serde(default)]
    pub ignore_tlog: Option<bool>,
}

/// `ctlog`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CtLog {
    /// Skip the SCT check.
    #[serde(default, rename = "ignoreSCT")]
    pub ignore_sct: Option<bool>,
    /// PEM public key of a custom CT log.
    #[serde(default)]
    pub pubkey: Option<String>,
}

/// One `attestations` entry: an in-toto predicate type, who must have signed it, and
/// conditions on its predicate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Attestation {
    /// Variable name (accepted).
    #[serde(default)]
    pub name: Option<String>,
    /// Deprecated spelling of `type`.
    #[serde(default)]
    pub predicate_type: Option<String>,
    /// The predicate type URI.
    #[serde(default, rename = "type")]
    pub attestation_type: Option<String>,
    /// Who must have signed the attestation.
    #[serde(default)]
    pub attestors: Vec<AttestorSet>,
    /// Conditions over the predicate; every block must hold.
    #[serde(default)]
    pub conditions: Vec<AnyAllConditions>,
}

impl Attestation {
    /// `type`, or the deprecated `predicateType` when `type` is empty (Kyverno's fallback in
    /// `pkg/engine/internal/imageverifier.go`).
    pub fn predicate_type(&self) -> Option<&str> {
        match self.attestation_type.as_deref() {
            Some(t) if !t.is_empty() => Some(t),
            _ => self.predicate_type.as_deref().filter(|t| !t.is_empty()),
        }
    }
}

/// `any` (one must hold) and `all` (every one must hold) conditions.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnyAllConditions {
    /// At least one must hold. `None` (absent) holds; `Some(empty)` (`any: []`) never holds,
    /// as in Kyverno, which tells a nil list from an empty one.
    #[serde(default)]
    pub any: Option<Vec<Condition>>,
    /// All must hold.
    #[serde(default)]
    pub all: Vec<Condition>,
}

/// `key operator value`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The key: usually a `{{ }}` expression over the predicate.
    pub key: serde_json::Value,
    /// The operator.
    pub operator: ConditionOperator,
    /// The value compared with.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// Message on failure.
    #[serde(default)]
    pub message: Option<String>,
}

/// Condition operators (CRD enum in `api/kyverno/v1/common_types.go`).
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ConditionOperator {
    Equals,
    NotEquals,
    In,
    AnyIn,
    AllIn,
    NotIn,
    AnyNotIn,
    AllNotIn,
    GreaterThanOrEquals,
    GreaterThan,
    LessThanOrEquals,
    LessThan,
    DurationGreaterThanOrEquals,
    DurationGreaterThan,
    DurationLessThanOrEquals,
    DurationLessThan,
}
