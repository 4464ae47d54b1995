//! Kyverno `ClusterPolicy` / `Policy` (kyverno.io/v1) `verifyImages` rules: the model, its
//! load-time checks, and Kyverno's matching semantics.
//!
//! Sources, in the kyverno/kyverno repository: the types and their defaults in
//! `api/kyverno/v1/image_verification_types.go`, `spec_types.go`, `rule_types.go`,
//! `match_resources_types.go`, `resource_description_types.go`, `common_types.go`; the
//! admission-time checks in `pkg/validation/policy/validate.go`; image matching in
//! `pkg/engine/utils/image.go` (`ImageMatches`), `pkg/engine/internal/imageverifier.go` and
//! `pkg/engine/internal/utils.go` (`matchReferences`); the image string in
//! `pkg/utils/image/infos.go`; identities in `pkg/image/verifiers/cpol/cosign/cosign.go`;
//! failure actions in `pkg/engine/api/engineresponse.go`.
//!
//! # Defaults
//!
//! | field | default | source |
//! |---|---|---|
//! | `spec.validationFailureAction` | `Audit` (`audit`/`enforce` also accepted) | `spec_types.go` `+kubebuilder:default=Audit` |
//! | `verifyImages[].failureAction` | unset: the policy's action; only `Audit`/`Enforce` | `image_verification_types.go` |
//! | `type` | `Cosign` | `GetType()` |
//! | `mutateDigest` | `true` | `+kubebuilder:default=true` |
//! | `verifyDigest` | `true` | `+kubebuilder:default=true` |
//! | `required` | `true` | `+kubebuilder:default=true` |
//! | `useCache` | `true` | `+kubebuilder:default=true` |
//! | attestor set `count` | absent or 0: **all** entries must verify; `N`: at least `N` (1 = any) | `AttestorSet.RequiredCount()` |
//! | attestation `type` | falls back to `predicateType` | `imageverifier.go` |
//! | attestation without `attestors` | one empty attestor (any signer) | `imageverifier.go` `verifyAttestations` |
//! | attestation without `conditions` | satisfied by any predicate of the type | `Attestation` doc |
//!
//! # Matching
//!
//! - Images: a `verifyImages` entry applies to an image when one of `imageReferences`
//!   matches [`image::KyvernoImage::match_string`] under [`wildcard::matches()`], and none of
//!   `skipImageReferences` does ([`ImageVerification::applies_to`]). The string is Kyverno's
//!   (`docker.io/nginx:latest` for `nginx`: no `library/`; a digest replaces the tag), see
//!   [`image`].
//! - Keyless identity ([`KeylessIdentity`]): when `subject` or `subjectRegExp` is set, the
//!   certificate subject must match the `subject` wildcard **or** the `subjectRegExp`; when
//!   `issuer` is set it must match as a wildcard, **and** when `issuerRegExp` is set it must
//!   match too. Nothing set means any signer verified against the roots. Regular expressions
//!   are Go's, unanchored ([`regexp`]).
//! - Failure action ([`KyvernoPolicy::failure_action`]): an Enforce `failureAction` on any
//!   `verifyImages` entry of the rule, else the first entry's `failureAction`, else the first
//!   `validationFailureActionOverrides` entry whose namespaces (wildcards) and selector match,
//!   else `validationFailureAction`, else `Audit`.
//!
//! # Resource matching and what is left to the engine
//!
//! - `match` / `exclude`, implemented in [`matching`] ([`Rule::applies_to`])
//!   (`pkg/engine/utils/match.go`, `doesResourceMatchConditionBlock`):
//!   within one resource description, every attribute given must match (AND), and within a
//!   list attribute one entry suffices (OR); `any` needs one description to match, `all`
//!   every one. `names`, `name`, `namespaces` are wildcards ([`wildcard::matches()`]); for a
//!   `Namespace` resource its own name is the namespace; `operations` must contain the
//!   request's operation when given.
//! - A namespaced `Policy` applies only to resources in its own namespace
//!   (`MatchesResourceDescription`: "policy and resource namespaces mismatch"); also in
//!   [`Rule::applies_to`].
//! - Not implemented here, for the engine: autogen (`pkg/autogen/v1/autogen.go`,
//!   `CanAutoGen`): a rule matching `Pod` (with no `name`/`names`/`selector`) is also applied to the pod templates of `DaemonSet`,
//!   `Deployment`, `Job`, `StatefulSet`, `ReplicaSet`, `ReplicationController` and `CronJob`,
//!   unless the `pod-policies.kyverno.io/autogen-controllers` annotation says otherwise.
//!
//! # Deliberate differences (all fail closed)
//!
//! - Kyverno skips the subject check when a certificate has no SAN; [`KeylessIdentity`]
//!   takes the subject and never skips.
//! - Invalid regular expressions are load errors here, run-time rule errors in Kyverno.
//! - Kyverno's admission webhook refuses two things the ADR-007 policy does (Audit with the
//!   default `mutateDigest: true`; a keyless attestor with neither `rekor` nor `roots`). Such
//!   policies load here, with [`KyvernoPolicy::warnings`] saying so.

pub mod image;
pub mod matching;
pub mod model;
pub mod regexp;
pub mod wildcard;

use std::collections::BTreeMap;

pub use model::*;

use crate::yaml::{load_documents, YamlError, YamlLimits};
use regexp::{GoRegex, RegexError};

/// The only API version read.
pub const API_VERSION: &str = "kyverno.io/v1";

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The YAML could not be read, or a document has an unknown field (named in the message).
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A document is not `kyverno.io/v1`.
    #[error("policy {policy:?}: apiVersion {found:?} is not supported (only {API_VERSION})")]
    UnsupportedApiVersion {
        /// The policy's name.
        policy: String,
        /// What it says.
        found: String,
    },
    /// The policy has no rules.
    #[error("policy {policy:?} has no rules")]
    NoRules {
        /// The policy's name.
        policy: String,
    },
    /// A rule uses a rule kind or feature other than `verifyImages`.
    #[error(
        "policy {policy:?} rule {rule:?}: `{field}` is not supported (only verifyImages rules)"
    )]
    UnsupportedRule {
        /// The policy's name.
        policy: String,
        /// The rule's name.
        rule: String,
        /// The unsupported field.
        field: &'static str,
    },
    /// A field's value breaks one of Kyverno's own admission checks.
    #[error("policy {policy:?} at {path}: {reason}")]
    Invalid {
        /// The policy's name.
        policy: String,
        /// Where, as a field path (`spec.rules[0].verifyImages[1].attestors[0]`).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A `subjectRegExp` or `issuerRegExp` does not compile.
    #[error("policy {policy:?} at {path}: {source}")]
    Regex {
        /// The policy's name.
        policy: String,
        /// Where.
        path: String,
        /// The compiler's complaint.
        source: RegexError,
    },
}

/// Load every document of a YAML or JSON file as a Kyverno policy, and check each.
///
/// ```
/// use sigchain_policy::kyverno::{load_policies, image::KyvernoImage};
/// use sigchain_policy::yaml::YamlLimits;
/// let yaml = br#"
/// apiVersion: kyverno.io/v1
/// kind: ClusterPolicy
/// metadata: {name: signed}
/// spec:
///   rules:
///     - name: r
///       match: {any: [{resources: {kinds: [Pod]}}]}
///       verifyImages:
///         - imageReferences: ["registry.example/acme/*"]
///           attestors: [{entries: [{keyless: {subject: "https://github.com/acme/*",
///                                             issuer: "https://token.actions.githubusercontent.com"}}]}]
/// "#;
/// let policies = load_policies(yaml, &YamlLimits::default())?;
/// let entry = &policies[0].spec.rules[0].verify_images[0];
/// assert!(entry.applies_to(&KyvernoImage::parse("registry.example/acme/app:v1")?));
/// assert!(!entry.applies_to(&KyvernoImage::parse("nginx")?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_policies(bytes: &[u8], limits: &YamlLimits) -> Result<Vec<KyvernoPolicy>, PolicyError> {
    let policies: Vec<KyvernoPolicy> = load_documents(bytes, limits)?;
    for policy in &policies {
        policy.check()?;
    }
    Ok(policies)
}

impl KyvernoPolicy {
    /// Kyverno's admission checks that apply to what we model, plus ours (every rule a
    /// `verifyImages` rule, every regular expression compiles). [`load_policies`] runs it.
    pub fn check(&self) -> Result<(), PolicyError> {
        let policy = self.metadata.name.clone();
        let invalid = |path: String, reason: &str| PolicyError::Invalid {
            policy: policy.clone(),
            path,
            reason: reason.to_owned(),
        };
        if self.api_version != API_VERSION {
            return Err(PolicyError::UnsupportedApiVersion {
                policy,
                found: self.api_version.clone(),
            });
        }
        if self.spec.rules.is_empty() {
            return Err(PolicyError::NoRules { policy });
        }
        for (r, rule) in self.spec.rules.iter().enumerate() {
            if let Some(field) = rule.unsupported_parts().first().copied() {
                return Err(PolicyError::UnsupportedRule {
                    policy,
                    rule: rule.name.clone(),
                    field,
                });
            }
            let rule_path = format!("spec.rules[{r}]");
            if rule.verify_images.is_empty() {
                return Err(invalid(rule_path, "a rule needs verifyImages"));
            }
            check_match(&rule.match_resources, &format!("{rule_path}.match"), true)
                .map_err(|(path, reason)| invalid(path, reason))?;
            if let Some(exclude) = &rule.exclude {
                check_match(exclude, &format!("{rule_path}.exclude"), false)
                    .map_err(|(path, reason)| invalid(path, reason))?;
            }
            for (v, entry) in rule.verify_images.iter().enumerate() {
                let path = format!("{rule_path}.verifyImages[{v}]");
                check_entry(entry, &path).map_err(|e| match e {
                    EntryError::Invalid(path, reason) => invalid(path, reason),
                    EntryError::Regex(path, source) => PolicyError::Regex {
                        policy: policy.clone(),
                        path,
                        source,
                    },
                })?;
            }
        }
        Ok(())
    }

    /// Things this policy does that real Kyverno would refuse or that are likely mistakes;
    /// the policy still loads. One line each, with the field path.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (r, rule) in self.spec.rules.iter().enumerate() {
            for (v, entry) in rule.verify_images.iter().enumerate() {
                let path = format!("spec.rules[{r}].verifyImages[{v}]");
                let audit = match entry.failure_action {
                    Some(action) => action == FailureAction::Audit,
                    None => self.spec.validation_failure_action != Some(FailureAction::Enforce),
                };
                if audit && entry.mutate_digest() {
                    out.push(format!(
                        "{path}: mutateDigest is true (the default) with the Audit failure action; Kyverno refuses this combination"
                    ));
                }
                let sets = entry
                    .attestors
                    .iter()
                    .chain(entry.attestations.iter().flat_map(|a| a.attestors.iter()));
                for set in sets {
                    for attestor in &set.entries {
                        if let Some(k) = &attestor.keyless {
                            if k.rekor.is_none() && k.roots.is_none() {
                                out.push(format!(
                                    "{path}: a keyless attestor has neither rekor nor roots; Kyverno refuses this, sigchain uses its configured trusted root"
                                ));
                            }
                            if [&k.subject, &k.subject_regexp, &k.issuer, &k.issuer_regexp]
                                .iter()
                                .all(|f| f.as_deref().unwrap_or("").is_empty())
                            {
                                out.push(format!(
                                    "{path}: a keyless attestor names no subject or issuer: any certificate from the roots is accepted"
                                ));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The failure action for `rule` on a resource in `namespace` whose namespace carries
    /// `namespace_labels`, resolved as Kyverno's `ruleAction` then `matchOverride` then the
    /// policy-wide action (`pkg/engine/api/engineresponse.go`).
    pub fn failure_action(
        &self,
        rule: &Rule,
        namespace: &str,
        namespace_labels: &BTreeMap<String, String>,
    ) -> FailureAction {
        let per_entry: Vec<FailureAction> = rule
            .verify_images
            .iter()
            .filter_map(|e| e.failure_action)
            .collect();
        if per_entry.contains(&FailureAction::Enforce) {
            return FailureAction::Enforce;
        }
        if let Some(first) = per_entry.first() {
            return *first;
        }
        for o in &self.spec.validation_failure_action_overrides {
            let selector_ok = o
                .namespace_selector
                .as_ref()
                .is_none_or(|s| s.matches(namespace_labels));
            let namespace_ok = match &o.namespaces {
                None => true,
                Some(list) => wildcard::matches_any(list, namespace),
            };
            if namespace_ok && selector_ok {
                return o.action;
            }
        }
        self.spec
            .validation_failure_action
            .unwrap_or(FailureAction::Audit)
    }
}

impl ImageVerification {
    /// Whether this entry applies to `image`: an `imageReferences` pattern matches Kyverno's
    /// image string and no `skipImageReferences` pattern does.
    pub fn applies_to(&self, image: &image::KyvernoImage) -> bool {
        let text = image.match_string();
        wildcard::matches_any(&self.image_references, &text)
            && !wildcard::matches_any(&self.skip_image_references, &text)
    }
}

/// A keyless attestor's identity requirement, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeylessIdentity {
    subject: Option<String>,
    subject_regexp: Option<GoRegex>,
    issuer: Option<String>,
    issuer_regexp: Option<GoRegex>,
}

impl KeylessIdentity {
    /// Compile the attestor's subject and issuer requirements. Empty strings count as unset,
    /// as in Kyverno (Go's zero value).
    pub fn new(keyless: &KeylessAttestor) -> Result<Self, RegexError> {
        let set = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let compile = |s: &Option<String>| set(s).map(|s| GoRegex::new(&s)).transpose();
        Ok(KeylessIdentity {
            subject: set(&keyless.subject),
            subject_regexp: compile(&keyless.subject_regexp)?,
            issuer: set(&keyless.issuer),
            issuer_regexp: compile(&keyless.issuer_regexp)?,
        })
    }

    /// Whether a certificate with this subject (SAN) and OIDC issuer satisfies the
    /// requirement (Kyverno's `matchCertificateData` and `matchExtensions`).
    ///
    /// ```
    /// use sigchain_policy::kyverno::{KeylessAttestor, KeylessIdentity};
    /// let id = KeylessIdentity::new(&KeylessAttestor {
    ///     subject: Some("https://github.com/acme/*".into()),
    ///     issuer: Some("https://token.actions.githubusercontent.com".into()),
    ///     ..Default::default()
    /// })?;
    /// let issuer = "https://token.actions.githubusercontent.com";
    /// assert!(id.matches("https://github.com/acme/app/.github/workflows/r.yml@refs/tags/v1", issuer));
    /// assert!(!id.matches("https://github.com/mallory/app/x.yml", issuer));
    /// # Ok::<(), sigchain_policy::kyverno::regexp::RegexError>(())
    /// ```
    pub fn matches(&self, subject: &str, issuer: &str) -> bool {
        let subject_ok = if self.subject.is_none() && self.subject_regexp.is_none() {
            true
        } else {
            self.subject
                .as_deref()
                .is_some_and(|p| wildcard::matches(p, subject))
                || self
                    .subject_regexp
                    .as_ref()
                    .is_some_and(|re| re.is_match(subject))
        };
        let issuer_ok = self
            .issuer
            .as_deref()
            .is_none_or(|p| wildcard::matches(p, issuer))
            && self
                .issuer_regexp
                .as_ref()
                .is_none_or(|re| re.is_match(issuer));
        subject_ok && issuer_ok
    }
}

fn check_match(
    m: &MatchResources,
    path: &str,
    is_match: bool,
) -> Result<(), (String, &'static str)> {
    let filters = !m.any.is_empty() || !m.all.is_empty();
    if filters && m.resources.is_some() {
        return Err((path.to_owned(), "use either any/all or resources, not both"));
    }
    let descriptions: Vec<(String, &ResourceDescription)> = match &m.resources {
        Some(d) => vec![(format!("{path}.resources"), d)],
        None => m
            .any
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("{path}.any[{i}].resources"), &f.resources))
            .chain(
                m.all
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (format!("{path}.all[{i}].resources"), &f.resources)),
            )
            .collect(),
    };
    if is_match && descriptions.is_empty() {
        return Err((path.to_owned(), "match needs any, all or resources"));
    }
    if is_match {
        for (p, d) in descriptions {
            if d.kinds.is_empty() {
                return Err((format!("{p}.kinds"), "at least one kind is required"));
            }
        }
    }
    Ok(())
}

enum EntryError {
    Invalid(String, &'static str),
    Regex(String, RegexError),
}

fn check_entry(entry: &ImageVerification, path: &str) -> Result<(), EntryError> {
    if entry.image_references.is_empty() {
        return Err(EntryError::Invalid(
            format!("{path}.imageReferences"),
            "an image reference is required",
        ));
    }
    if entry
        .image_references
        .iter()
        .chain(&entry.skip_image_references)
        .any(|r| r.contains("{{"))
    {
        return Err(EntryError::Invalid(
            format!("{path}.imageReferences"),
            "variables are not allowed in image references",
        ));
    }
    for (i, set) in entry.attestors.iter().enumerate() {
        check_set(set, &format!("{path}.attestors[{i}]"))?;
    }
    for (i, a) in entry.attestations.iter().enumerate() {
        let apath = format!("{path}.attestations[{i}]");
        if a.predicate_type().is_none() {
            return Err(EntryError::Invalid(format!("{apath}.type"), "missing type"));
        }
        for (j, set) in a.attestors.iter().enumerate() {
            check_set(set, &format!("{apath}.attestors[{j}]"))?;
        }
    }
    Ok(())
}

fn check_set(set: &AttestorSet, path: &str) -> Result<(), EntryError> {
    if set.entries.is_empty() {
        return Err(EntryError::Invalid(
            format!("{path}.entries"),
            "an entry is required",
        ));
    }
    if let Some(count) = set.count {
        if count == 0 {
            return Err(EntryError::Invalid(
                format!("{path}.count"),
                "count must be at least 1",
            ));
        }
        if count as usize > set.entries.len() {
            return Err(EntryError::Invalid(
                format!("{path}.count"),
                "count cannot exceed the number of entries",
            ));
        }
    }
    for (i, attestor) in set.entries.iter().enumerate() {
        let epath = format!("{path}.entries[{i}]");
        match (&attestor.keys, &attestor.keyless) {
            (Some(keys), None) => {
                let blocks = keys.pem_blocks();
                if blocks.is_empty()
                    || !blocks
                        .iter()
                        .all(|b| b.starts_with("-----BEGIN PUBLIC KEY-----"))
                {
                    return Err(EntryError::Invalid(
                        format!("{epath}.keys.publicKeys"),
                        "publicKeys must be PEM PUBLIC KEY blocks (kms, secrets and variables are not supported)",
                    ));
                }
            }
            (None, Some(keyless)) => {
                KeylessIdentity::new(keyless)
                    .map_err(|e| EntryError::Regex(format!("{epath}.keyless"), e))?;
            }
            _ => {
                return Err(EntryError::Invalid(
                    epath,
                    "exactly one of keys or keyless is required",
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
