//! Which resources a rule's `match` / `exclude` select, as Kyverno decides it
//! (`pkg/engine/utils/match.go` `MatchesResourceDescription` and
//! `doesResourceMatchConditionBlock`; kinds by `pkg/utils/match/kind.go` `CheckKind` and
//! `pkg/utils/kube/kind.go` `ParseKindSelector`; names and annotations by wildcards).
//!
//! Within one resource description every attribute given must match, and one entry of a
//! list attribute suffices. `match.any` needs one non-empty description to match,
//! `match.all` every one; an empty `match` matches nothing. `exclude.any` excludes when one
//! non-empty description matches, `exclude.all` when every one does. Autogen (pod
//! controllers) is not applied here: see the [module docs](super).

use std::collections::BTreeMap;

use super::model::{AdmissionOperation, MatchResources, ResourceDescription, Rule};
use super::wildcard;

/// What a rule is matched against: one admission request's resource.
#[derive(Debug, Clone, Copy)]
pub struct ResourceFacts<'a> {
    /// API group (`""` for core, `apps`, `batch`).
    pub group: &'a str,
    /// API version (`v1`).
    pub version: &'a str,
    /// Kind (`Pod`).
    pub kind: &'a str,
    /// Subresource (`""`, `ephemeralcontainers`).
    pub subresource: &'a str,
    /// The resource's name (or its `generateName` when it has none).
    pub name: &'a str,
    /// Its namespace (`""` for cluster-scoped resources).
    pub namespace: &'a str,
    /// Its labels.
    pub labels: &'a BTreeMap<String, String>,
    /// Its annotations.
    pub annotations: &'a BTreeMap<String, String>,
    /// The labels of its namespace.
    pub namespace_labels: &'a BTreeMap<String, String>,
    /// The admission operation.
    pub operation: AdmissionOperation,
}

/// `ParseKindSelector`: `Kind`, `version/Kind`, `group/version/Kind`, each with an optional
/// `/subresource` or `.subresource`, into (group, version, kind, subresource) patterns.
pub fn parse_kind_selector(input: &str) -> (String, String, String, String) {
    let mut parts: Vec<&str> = input.split('/').collect();
    if let Some(last) = parts.pop() {
        parts.extend(last.split('.'));
    }
    let s = |v: &str| v.to_owned();
    match parts.as_slice() {
        [kind] => (s("*"), s("*"), s(kind), s("")),
        ["*", "*"] => (s("*"), s("*"), s("*"), s("*")),
        ["*", sub] if sub.to_lowercase() == *sub => (s("*"), s("*"), s("*"), s(sub)),
        [version, kind] if is_version(version) => (s("*"), s(version), s(kind), s("")),
        [kind, sub] => (s("*"), s("*"), s(kind), s(sub)),
        [version, kind, sub] if is_version(version) => (s("*"), s(version), s(kind), s(sub)),
        [group, version, kind] => (s(group), s(version), s(kind), s("")),
        [group, version, kind, sub] => (s(group), s(version), s(kind), s(sub)),
        _ => (s(""), s(""), s(""), s("")),
    }
}

/// `^(v\d+((alpha|beta)\d+)?|\*)$`.
fn is_version(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = &rest[digits..];
    if rest.is_empty() {
        return true;
    }
    let Some(n) = rest
        .strip_prefix("alpha")
        .or_else(|| rest.strip_prefix("beta"))
    else {
        return false;
    };
    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
}

/// `CheckKind` with `allowEphemeralContainers`: whether one of `kinds` selects the resource.
pub fn check_kind(kinds: &[String], r: &ResourceFacts<'_>) -> bool {
    kinds.iter().any(|k| {
        let (group, version, kind, sub) = parse_kind_selector(k);
        wildcard::matches(&group, r.group)
            && wildcard::matches(&version, r.version)
            && wildcard::matches(&kind, r.kind)
            && (wildcard::matches(&sub, r.subresource)
                || (r.group.is_empty()
                    && r.version == "v1"
                    && r.kind == "Pod"
                    && r.subresource == "ephemeralcontainers"))
    })
}

impl ResourceDescription {
    /// Whether nothing is set (Kyverno's `IsEmpty`).
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
            && self.name.as_deref().unwrap_or("").is_empty()
            && self.names.is_empty()
            && self.namespaces.is_empty()
            && self.annotations.is_empty()
            && self.selector.is_none()
            && self.namespace_selector.is_none()
            && self.operations.is_empty()
    }

    /// `doesResourceMatchConditionBlock` without user info.
    pub fn matches(&self, r: &ResourceFacts<'_>) -> bool {
        if !self.operations.is_empty() && !self.operations.contains(&r.operation) {
            return false;
        }
        if !self.kinds.is_empty() && !check_kind(&self.kinds, r) {
            return false;
        }
        if let Some(name) = self.name.as_deref().filter(|n| !n.is_empty()) {
            if !wildcard::matches(name, r.name) {
                return false;
            }
        }
        if !self.names.is_empty() && !wildcard::matches_any(&self.names, r.name) {
            return false;
        }
        let namespace = if r.kind == "Namespace" {
            r.name
        } else {
            r.namespace
        };
        if !self.namespaces.is_empty() && !wildcard::matches_any(&self.namespaces, namespace) {
            return false;
        }
        let annotations_ok = self.annotations.iter().all(|(k, v)| {
            r.annotations
                .iter()
                .any(|(k1, v1)| wildcard::matches(k, k1) && wildcard::matches(v, v1))
        });
        if !annotations_ok {
            return false;
        }
        if let Some(selector) = &self.selector {
            if !selector.matches(r.labels) {
                return false;
            }
        }
        if let Some(selector) = &self.namespace_selector {
            if r.kind == "Namespace" {
                return false;
            }
            if !r.kind.is_empty() && !selector.matches(r.namespace_labels) {
                return false;
            }
        }
        true
    }
}

impl MatchResources {
    /// As a `match` block: whether it selects the resource.
    pub fn selects(&self, r: &ResourceFacts<'_>) -> bool {
        let hit = |d: &ResourceDescription| !d.is_empty() && d.matches(r);
        if !self.any.is_empty() {
            self.any.iter().any(|f| hit(&f.resources))
        } else if !self.all.is_empty() {
            self.all.iter().all(|f| hit(&f.resources))
        } else {
            self.resources.as_ref().is_some_and(hit)
        }
    }

    /// As an `exclude` block: whether it leaves the resource out.
    pub fn excludes(&self, r: &ResourceFacts<'_>) -> bool {
        let hit = |d: &ResourceDescription| !d.is_empty() && d.matches(r);
        if !self.any.is_empty() {
            self.any.iter().any(|f| hit(&f.resources))
        } else if !self.all.is_empty() {
            self.all.iter().all(|f| hit(&f.resources))
        } else {
            self.resources.as_ref().is_some_and(hit)
        }
    }
}

impl Rule {
    /// Whether the rule applies to the resource: its `match` selects it, its `exclude` does
    /// not leave it out, and, for a namespaced `Policy` (`policy_namespace`), the resource is
    /// in the policy's namespace.
    pub fn applies_to(&self, r: &ResourceFacts<'_>, policy_namespace: Option<&str>) -> bool {
        if policy_namespace.is_some_and(|ns| !ns.is_empty() && ns != r.namespace) {
            return false;
        }
        self.match_resources.selects(r) && !self.exclude.as_ref().is_some_and(|e| e.excludes(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kyverno::model::{LabelSelector, ResourceFilter};

    fn pod<'a>(
        name: &'a str,
        namespace: &'a str,
        empty: &'a BTreeMap<String, String>,
    ) -> ResourceFacts<'a> {
        ResourceFacts {
            group: "",
            version: "v1",
            kind: "Pod",
            subresource: "",
            name,
            namespace,
            labels: empty,
            annotations: empty,
            namespace_labels: empty,
            operation: AdmissionOperation::Create,
        }
    }

    fn kinds(k: &[&str]) -> ResourceDescription {
        ResourceDescription {
            kinds: k.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn kind_selectors() {
        // (selector, parsed, why) from ParseKindSelector.
        type Gvks<'a> = (&'a str, &'a str, &'a str, &'a str);
        let cases: &[(&str, Gvks<'_>, &str)] = &[
            ("Pod", ("*", "*", "Pod", ""), "kind only"),
            ("v1/Pod", ("*", "v1", "Pod", ""), "version/kind"),
            (
                "apps/v1/Deployment",
                ("apps", "v1", "Deployment", ""),
                "group/version/kind",
            ),
            ("Pod/exec", ("*", "*", "Pod", "exec"), "kind/subresource"),
            ("Pod.exec", ("*", "*", "Pod", "exec"), "dotted subresource"),
            ("*/*", ("*", "*", "*", "*"), "everything"),
            (
                "*/scale",
                ("*", "*", "*", "scale"),
                "any kind's subresource",
            ),
            ("v2beta1/HPA", ("*", "v2beta1", "HPA", ""), "beta version"),
            (
                "apps/v1/Deployment/scale",
                ("apps", "v1", "Deployment", "scale"),
                "four parts",
            ),
            ("a/b/c/d/e", ("", "", "", ""), "too many parts"),
        ];
        for (input, (g, v, k, s), why) in cases {
            let got = parse_kind_selector(input);
            assert_eq!(
                (
                    got.0.as_str(),
                    got.1.as_str(),
                    got.2.as_str(),
                    got.3.as_str()
                ),
                (*g, *v, *k, *s),
                "{input}: {why}"
            );
        }
    }

    #[test]
    fn descriptions_and_blocks() {
        let empty = BTreeMap::new();
        let p = pod("web-1", "prod-a", &empty);
        assert!(kinds(&["Pod"]).matches(&p), "kind");
        assert!(!kinds(&["Deployment"]).matches(&p), "other kind");
        assert!(kinds(&["*"]).matches(&p), "any kind");
        assert!(!kinds(&["apps/v1/Pod"]).matches(&p), "wrong group");
        let mut eph = p;
        eph.subresource = "ephemeralcontainers";
        assert!(
            kinds(&["Pod"]).matches(&eph),
            "ephemeral containers match Pod"
        );
        let d = ResourceDescription {
            namespaces: vec!["prod-*".into()],
            names: vec!["api-*".into(), "web-?".into()],
            ..kinds(&["Pod"])
        };
        assert!(d.matches(&p), "AND across attributes, OR within names");
        assert!(
            !d.matches(&pod("web-10", "prod-a", &empty)),
            "`?` is one rune"
        );
        assert!(
            !d.matches(&pod("web-1", "dev", &empty)),
            "namespace wildcard"
        );
        let ops = ResourceDescription {
            operations: vec![AdmissionOperation::Update],
            ..kinds(&["Pod"])
        };
        assert!(!ops.matches(&p), "operation must be listed");
        let labels: BTreeMap<String, String> = [("tier".to_string(), "prod".to_string())].into();
        let sel = ResourceDescription {
            namespace_selector: Some(LabelSelector {
                match_labels: labels.clone(),
                match_expressions: vec![],
            }),
            ..kinds(&["Pod"])
        };
        assert!(
            !sel.matches(&p),
            "namespace selector on the namespace's labels"
        );
        let mut labelled = p;
        labelled.namespace_labels = &labels;
        assert!(sel.matches(&labelled));

        let f = |d: ResourceDescription| ResourceFilter { resources: d };
        let any = MatchResources {
            any: vec![f(kinds(&["Deployment"])), f(kinds(&["Pod"]))],
            ..Default::default()
        };
        assert!(any.selects(&p), "any: one suffices");
        let all = MatchResources {
            all: vec![f(kinds(&["Deployment"])), f(kinds(&["Pod"]))],
            ..Default::default()
        };
        assert!(!all.selects(&p), "all: every one");
        assert!(
            !MatchResources::default().selects(&p),
            "an empty match selects nothing"
        );
        let excl = MatchResources {
            any: vec![f(ResourceDescription {
                namespaces: vec!["kube-system".into()],
                ..Default::default()
            })],
            ..Default::default()
        };
        assert!(excl.excludes(&pod("x", "kube-system", &empty)));
        assert!(!excl.excludes(&p));
        assert!(
            !MatchResources::default().excludes(&p),
            "an empty exclude excludes nothing"
        );
    }
}
