//! Kyverno's autogen: a rule written for `Pod` also governs the pod templates of the
//! controllers that create Pods, so that a Deployment is refused at admission rather than
//! its Pods later (`pkg/autogen/v1/autogen.go`: `CanAutoGen`, `GetAutogenRuleNames`).
//!
//! A rule is carried over when every kind in its `match` and `exclude` is `Pod` and it selects
//! no Pods by name or label selector (those describe Pods, not controllers). The policy's
//! `pod-policies.kyverno.io/autogen-controllers` annotation lists the controllers (`none`:
//! autogen off); without it, all of them. The carried-over rules are named
//! `autogen-<rule>` (and `autogen-cronjob-<rule>` for CronJobs), which is how reports and
//! exceptions name them.

use crate::kyverno::matching::parse_kind_selector;
use crate::kyverno::{KyvernoPolicy, MatchResources, ResourceDescription, Rule};

/// The annotation naming the controllers rules are carried over to.
pub const AUTOGEN_ANNOTATION: &str = "pod-policies.kyverno.io/autogen-controllers";

/// The controllers carried over to when the annotation is absent.
pub const DEFAULT_CONTROLLERS: [&str; 7] = [
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

/// Which controllers a policy's Pod rules are carried over to.
pub(crate) fn controllers(policy: &KyvernoPolicy) -> Vec<String> {
    match policy.metadata.annotations.get(AUTOGEN_ANNOTATION) {
        None => DEFAULT_CONTROLLERS.iter().map(|s| s.to_string()).collect(),
        Some(value) if value.trim() == "none" => Vec::new(),
        Some(value) => value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// Whether the rule is carried over to controllers at all.
pub(crate) fn can_autogen(rule: &Rule) -> bool {
    let blocks = std::iter::once(&rule.match_resources).chain(rule.exclude.iter());
    let mut any_kind = false;
    for block in blocks {
        for description in descriptions(block) {
            for kind in &description.kinds {
                any_kind = true;
                let (_, _, kind, _) = parse_kind_selector(kind);
                if kind != "Pod" {
                    return false;
                }
            }
            let has_name = description.name.as_deref().is_some_and(|n| !n.is_empty())
                || !description.names.is_empty();
            if has_name || description.selector.is_some() || !description.annotations.is_empty() {
                return false;
            }
        }
    }
    any_kind
}

fn descriptions(block: &MatchResources) -> impl Iterator<Item = &ResourceDescription> {
    block
        .any
        .iter()
        .chain(block.all.iter())
        .map(|f| &f.resources)
        .chain(block.resources.iter())
}

/// The name Kyverno gives the rule carried over to `kind`.
pub(crate) fn rule_name(rule: &str, kind: &str) -> String {
    if kind == "CronJob" {
        format!("autogen-cronjob-{rule}")
    } else {
        format!("autogen-{rule}")
    }
}
