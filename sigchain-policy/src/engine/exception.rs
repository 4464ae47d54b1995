//! Kyverno `PolicyException` (kyverno.io/v2, v2beta1): named rules of named policies do not
//! apply to the resources the exception matches — ADR-007's "allow system images
//! (kube-system)".
//!
//! Sources (kyverno/kyverno): `api/kyverno/v2/policy_exception_types.go` (schema, `Contains`),
//! `pkg/engine/exceptions.go` and `pkg/engine/utils/exceptions.go` (`MatchesException`: an
//! excepted rule's result is `skip`; `operations` are not looked at).
//!
//! Kyverno applies exceptions only when its `--enablePolicyException` flag is on and only
//! from the namespace `--exceptionNamespace` names; here an exception applies when it is
//! loaded — choosing which files to load is that switch. `conditions` and `podSecurity`
//! are refused at load (not evaluated here).
//!
//! An exception names policies as Kyverno does, exactly: a `ClusterPolicy` by its name, a
//! namespaced `Policy` as `namespace/name`. Rule names are wildcards and include the autogen names Kyverno gives the same
//! rule on pod controllers (`autogen-<rule>`, `autogen-cronjob-<rule>`), so an exception for
//! Pods and their controllers lists all three, as in Kyverno.

use serde::Deserialize;

use crate::kyverno::matching::ResourceFacts;
use crate::kyverno::{wildcard, MatchResources, ObjectMeta};

use super::load::LoadError;

/// A loaded `PolicyException`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyException {
    /// `kyverno.io/v2` or `kyverno.io/v2beta1`.
    pub api_version: String,
    /// `PolicyException`.
    pub kind: String,
    /// Name and namespace.
    pub metadata: ObjectMeta,
    /// What is excepted, for which resources.
    pub spec: ExceptionSpec,
}

/// `spec` of a [`PolicyException`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExceptionSpec {
    /// Whether background scans honour it (accepted; admission always does).
    #[serde(default)]
    pub background: Option<bool>,
    /// The resources excepted (`any`/`all` of resource descriptions).
    #[serde(rename = "match")]
    pub match_resources: MatchResources,
    /// The policies and rules excepted.
    pub exceptions: Vec<Exception>,
}

/// One `spec.exceptions` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Exception {
    /// The policy: `name` for a `ClusterPolicy`, `namespace/name` for a `Policy`.
    pub policy_name: String,
    /// The rules (wildcards allowed).
    pub rule_names: Vec<String>,
}

impl PolicyException {
    /// The checks Kyverno's admission applies to what is modelled.
    pub fn check(&self) -> Result<(), LoadError> {
        let invalid = |reason: &str| LoadError::Exception {
            name: self.metadata.name.clone(),
            reason: reason.to_owned(),
        };
        if self.spec.exceptions.is_empty() {
            return Err(invalid("spec.exceptions is empty"));
        }
        for (i, exception) in self.spec.exceptions.iter().enumerate() {
            if exception.policy_name.is_empty() {
                return Err(invalid(&format!(
                    "spec.exceptions[{i}].policyName is empty"
                )));
            }
            if exception.rule_names.is_empty() {
                return Err(invalid(&format!("spec.exceptions[{i}].ruleNames is empty")));
            }
        }
        let m = &self.spec.match_resources;
        if m.any.is_empty() && m.all.is_empty() && m.resources.is_none() {
            return Err(invalid("spec.match needs any, all or resources"));
        }
        Ok(())
    }

    /// `namespace/name` (or `name` when cluster-wide), for messages.
    pub fn qualified_name(&self) -> String {
        match self.metadata.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => format!("{ns}/{}", self.metadata.name),
            _ => self.metadata.name.clone(),
        }
    }

    /// Whether it excepts `rule` of `policy` (as Kyverno names them): the policy name
    /// exactly, rule names as wildcards (`Exception.Contains`).
    pub fn covers(&self, policy: &str, rule: &str) -> bool {
        self.spec.exceptions.iter().any(|e| {
            e.policy_name == policy && e.rule_names.iter().any(|r| wildcard::matches(r, rule))
        })
    }

    /// Whether it excepts `rule` of `policy` for this resource.
    pub fn applies(&self, policy: &str, rule: &str, resource: &ResourceFacts<'_>) -> bool {
        self.covers(policy, rule) && self.spec.match_resources.selects(resource)
    }
}
