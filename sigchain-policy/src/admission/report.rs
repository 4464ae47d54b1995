//! PolicyReport (wgpolicyk8s.io/v1alpha2) types, as Kyverno writes them.
//!
//! Shapes: Kyverno `api/policyreport/v1alpha2/common.go` (`PolicyReportResult`,
//! `PolicyReportSummary`, the result and severity values) and `policyreport_types.go`
//! (`PolicyReport`: metadata, `scope`, `summary`, `results`). How Kyverno fills them
//! (`pkg/utils/report/results.go`, `new.go`, `metadata.go`): one report per resource, named
//! by the resource's uid, `scope` the resource, in its namespace (a `ClusterPolicyReport`
//! for cluster-scoped resources), labelled `app.kubernetes.io/managed-by: kyverno`;
//! `source: kyverno`; the policy named `namespace/name` for a namespaced `Policy` and `name`
//! for a `ClusterPolicy`; a timestamp with whole seconds; `scored` true unless the policy's
//! annotation says otherwise; the summary counts each result value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `apiVersion` of the reports.
pub const POLICY_REPORT_API_VERSION: &str = "wgpolicyk8s.io/v1alpha2";

/// The outcome of one rule for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyResult {
    /// The rule held.
    Pass,
    /// The rule failed (Enforce denied, or Audit recorded it).
    Fail,
    /// The rule failed but only warns.
    Warn,
    /// The rule could not be evaluated (e.g. a registry error).
    Error,
    /// The rule did not apply.
    Skip,
}

/// How severe a failure of the policy is (the policy's `policies.kyverno.io/severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicySeverity {
    /// `critical`.
    Critical,
    /// `high`.
    High,
    /// `medium`.
    Medium,
    /// `low`.
    Low,
    /// `info`.
    Info,
}

/// `metav1.Timestamp`: seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTimestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    #[serde(default)]
    pub seconds: i64,
    /// Nanoseconds, 0 to 999,999,999 (Kyverno writes 0).
    #[serde(default)]
    pub nanos: i32,
}

/// `corev1.ObjectReference`: the resource a result is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// API version (`v1`, `apps/v1`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Kind.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Namespace, empty for cluster-scoped resources.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Uid.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Resource version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// A field within the object.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field_path: String,
}

/// One result of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyReportResult {
    /// The engine (`kyverno`; we write what the caller says).
    pub source: String,
    /// The policy's name (`name` or `namespace/name`).
    pub policy: String,
    /// The rule's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rule: String,
    /// The resources checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ObjectReference>,
    /// What happened, for people.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The outcome.
    pub result: PolicyResult,
    /// Whether the result counts towards a score.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scored: bool,
    /// Further key/value facts (Kyverno puts e.g. `process: admission review` here).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
    /// When.
    #[serde(default)]
    pub timestamp: ReportTimestamp,
    /// The policy's category.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// The policy's severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<PolicySeverity>,
}

/// Counts of each result value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyReportSummary {
    /// `pass` results.
    #[serde(default)]
    pub pass: u64,
    /// `fail` results.
    #[serde(default)]
    pub fail: u64,
    /// `warn` results.
    #[serde(default)]
    pub warn: u64,
    /// `error` results.
    #[serde(default)]
    pub error: u64,
    /// `skip` results.
    #[serde(default)]
    pub skip: u64,
}

impl PolicyReportSummary {
    /// Count `results` as Kyverno's `CalculateSummary` does.
    pub fn of(results: &[PolicyReportResult]) -> Self {
        let mut summary = PolicyReportSummary::default();
        for result in results {
            let count = match result.result {
                PolicyResult::Pass => &mut summary.pass,
                PolicyResult::Fail => &mut summary.fail,
                PolicyResult::Warn => &mut summary.warn,
                PolicyResult::Error => &mut summary.error,
                PolicyResult::Skip => &mut summary.skip,
            };
            *count = count.saturating_add(1);
        }
        summary
    }
}

/// The report's metadata: what a report for one resource needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMetadata {
    /// The report's name (Kyverno: the resource's uid).
    pub name: String,
    /// The namespace; empty for a `ClusterPolicyReport`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A `PolicyReport` (namespaced resource) or `ClusterPolicyReport` (cluster-scoped).
///
/// ```
/// use sigchain_policy::admission::{ObjectReference, PolicyReport, PolicyReportResult, PolicyResult, ReportTimestamp};
/// let pod = ObjectReference {
///     api_version: "v1".into(), kind: "Pod".into(), namespace: "shop".into(),
///     name: "web".into(), uid: "0b3c6a40-1c1e-4d5e-9f7a-2d5e1c7b9a10".into(), ..Default::default()
/// };
/// let result = PolicyReportResult {
///     source: "sigchain".into(), policy: "verify-image-signature".into(),
///     rule: "check-signature".into(), resources: vec![pod.clone()],
///     message: "image nginx:1.27 has no signature from the required attestor".into(),
///     result: PolicyResult::Fail, scored: true, properties: Default::default(),
///     timestamp: ReportTimestamp { seconds: 1_764_662_400, nanos: 0 },
///     category: String::new(), severity: None,
/// };
/// let report = PolicyReport::for_resource(&pod, "sigchain", vec![result]);
/// assert_eq!(report.kind, "PolicyReport");
/// assert_eq!(report.metadata.name, pod.uid);
/// assert_eq!(report.summary.fail, 1);
/// let json = serde_json::to_value(&report)?;
/// assert_eq!(json["apiVersion"], "wgpolicyk8s.io/v1alpha2");
/// assert_eq!(json["results"][0]["result"], "fail");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyReport {
    /// `wgpolicyk8s.io/v1alpha2`.
    pub api_version: String,
    /// `PolicyReport` or `ClusterPolicyReport`.
    pub kind: String,
    /// Name, namespace, labels.
    pub metadata: ReportMetadata,
    /// The resource the report is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ObjectReference>,
    /// Counts of each result value.
    #[serde(default)]
    pub summary: PolicyReportSummary,
    /// The results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<PolicyReportResult>,
}

impl PolicyReport {
    /// The report on one resource as Kyverno lays it out: named by the resource's uid, in
    /// its namespace (`ClusterPolicyReport` when it has none), scoped to it, labelled
    /// `app.kubernetes.io/managed-by: <manager>`, with the summary counted from `results`.
    ///
    /// `manager` is ours to choose: labelling reports `kyverno` would let Kyverno's report
    /// controller take them over or delete them.
    pub fn for_resource(
        resource: &ObjectReference,
        manager: &str,
        results: Vec<PolicyReportResult>,
    ) -> Self {
        let kind = if resource.namespace.is_empty() {
            "ClusterPolicyReport"
        } else {
            "PolicyReport"
        };
        let mut labels = BTreeMap::new();
        labels.insert(
            "app.kubernetes.io/managed-by".to_owned(),
            manager.to_owned(),
        );
        PolicyReport {
            api_version: POLICY_REPORT_API_VERSION.to_owned(),
            kind: kind.to_owned(),
            metadata: ReportMetadata {
                name: resource.uid.clone(),
                namespace: resource.namespace.clone(),
                labels,
            },
            scope: Some(resource.clone()),
            summary: PolicyReportSummary::of(&results),
            results,
        }
    }
}
