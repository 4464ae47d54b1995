//! Policy test cases in the Kyverno CLI's format (`kyverno test DIR`), decided by the engine
//! with evidence as data: a test file names policies, resources, expected results per
//! policy, rule and resource, and — our addition — an evidence file, because image
//! verification needs to know what verified (Kyverno's CLI always asks the registry).
//!
//! The test file (`kyverno-test.yaml`), schema `cli.kyverno.io/v1alpha1` `Test` (Kyverno
//! `cmd/cli/kubectl-kyverno/apis/v1alpha1`), with paths relative to it:
//!
//! ```yaml
//! apiVersion: cli.kyverno.io/v1alpha1
//! kind: Test
//! metadata: {name: signed-images}
//! policies: [policy.yaml]
//! resources: [resources.yaml]
//! exceptions: [exceptions.yaml]      # optional
//! evidence: evidence.json            # sigchain: what verified, per image (optional)
//! now: "2026-01-08T00:00:00Z"        # sigchain: the decisions' clock (optional; default:
//!                                    # the system clock), for time-based conditions
//! results:
//!   - policy: signed
//!     rule: release
//!     resources: [web, kube-system/agent]
//!     kind: Pod
//!     result: fail                   # pass | fail | warn | error | skip
//! ```
//!
//! Comparison, as Kyverno's `printTestResult`: a result's `rule` also covers the rule's
//! autogen names (`autogen-<rule>`, `autogen-cronjob-<rule>`); only the last `/` segment
//! of `policy` is compared; every image result of the rule on the resource must equal the
//! expected result (an Audit failure is `fail`, as Kyverno reports it). `kind` is accepted
//! and, as in Kyverno, not compared. Each image gives one row per rule (Kyverno's CLI gives
//! two, one from its mutating and one from its validating phase, which must agree anyway).
//! One deliberate difference, failing closed: when the rule gives the resource no result at
//! all, Kyverno counts the row as passed ("Excluded") whatever was expected; here only an
//! expected `skip` passes then.
//!
//! Fields Kyverno has that need what this engine does not model (`variables`, `userinfo`,
//! `values`, context and API-call mocks, generate and mutate checks) are refused by name.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::admission::{
    AdmissionRequest, GroupVersionKind, GroupVersionResource, Operation, PolicyResult, Uid,
    UserInfo,
};
use crate::engine::Decision;
use crate::yaml::{load_documents, YamlError, YamlLimits};

/// The test file's name the runner looks for.
pub const TEST_FILE_NAME: &str = "kyverno-test.yaml";

/// The API version of test files.
pub const TEST_API_VERSION: &str = "cli.kyverno.io/v1alpha1";

/// A `Test` document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TestCase {
    /// `cli.kyverno.io/v1alpha1`.
    pub api_version: String,
    /// `Test`.
    pub kind: String,
    /// The test's name.
    #[serde(default)]
    pub metadata: TestMetadata,
    /// Deprecated spelling of `metadata.name`.
    #[serde(default)]
    pub name: Option<String>,
    /// Policy files (YAML or JSON, several documents each).
    #[serde(default)]
    pub policies: Vec<String>,
    /// Resource files (Kubernetes objects, several documents each).
    #[serde(default)]
    pub resources: Vec<String>,
    /// `PolicyException` files.
    #[serde(default)]
    pub exceptions: Vec<String>,
    /// The evidence file (sigchain): what verified for which image. Without it, no image has
    /// verified signatures.
    #[serde(default)]
    pub evidence: Option<String>,
    /// The clock of the decisions (sigchain), RFC 3339: attestation conditions over time
    /// (`time_since`) give the same result on every run. Without it, the caller's clock.
    #[serde(default)]
    pub now: Option<String>,
    /// Expected results.
    #[serde(default)]
    pub results: Vec<ExpectedResult>,
}

impl TestCase {
    /// [`TestCase::now`] as seconds since the Unix epoch, when given.
    ///
    /// ```
    /// # use sigchain_policy::policy_test::TestCase;
    /// let test: TestCase = serde_json::from_value(serde_json::json!({
    ///     "apiVersion": "cli.kyverno.io/v1alpha1", "kind": "Test",
    ///     "now": "2026-01-08T00:00:00Z"}))?;
    /// assert_eq!(test.now_unix(), Ok(Some(1_767_830_400)));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn now_unix(&self) -> Result<Option<i64>, String> {
        match &self.now {
            None => Ok(None),
            Some(text) => sigchain_core::time::Timestamp::parse_rfc3339(text)
                .map(|t| Some(t.as_secs()))
                .ok_or_else(|| format!("now: {text:?} is not an RFC 3339 time")),
        }
    }
}

/// `metadata` of a test.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestMetadata {
    /// The name.
    #[serde(default)]
    pub name: String,
}

/// One expected result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExpectedResult {
    /// The policy (`name`, or `namespace/name`; the last segment is compared).
    pub policy: String,
    /// The rule (its autogen names are covered too).
    pub rule: String,
    /// The resources: `name` or `namespace/name`.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Deprecated single resource.
    #[serde(default)]
    pub resource: Option<String>,
    /// The resource kind (accepted, not compared, as in Kyverno).
    #[serde(default)]
    pub kind: Option<String>,
    /// The expected result.
    pub result: PolicyResult,
}

impl TestCase {
    /// The test's name.
    pub fn display_name(&self) -> &str {
        if self.metadata.name.is_empty() {
            self.name.as_deref().unwrap_or("")
        } else {
            &self.metadata.name
        }
    }
}

/// Why a test file or resource was refused.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// Not YAML within the limits, or a field that is not in the schema (named).
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// Not a `cli.kyverno.io/v1alpha1` `Test`.
    #[error("not a {TEST_API_VERSION} Test (apiVersion {api_version:?}, kind {kind:?})")]
    NotATest {
        /// What it says.
        api_version: String,
        /// What it says.
        kind: String,
    },
    /// A resource that is not a Kubernetes object with `apiVersion`, `kind` and a name.
    #[error("resource {index}: {reason}")]
    Resource {
        /// Which document of the resource files.
        index: usize,
        /// What is missing.
        reason: String,
    },
}

/// Read the test documents of a `kyverno-test.yaml`.
pub fn parse_tests(bytes: &[u8], limits: &YamlLimits) -> Result<Vec<TestCase>, TestError> {
    let tests: Vec<TestCase> = load_documents(bytes, limits)?;
    for test in &tests {
        if test.api_version != TEST_API_VERSION || test.kind != "Test" {
            return Err(TestError::NotATest {
                api_version: test.api_version.clone(),
                kind: test.kind.clone(),
            });
        }
    }
    Ok(tests)
}

/// A resource under test, and the admission request that creates it.
#[derive(Debug, Clone)]
pub struct TestResource {
    /// `namespace/name` (or `name` for cluster-scoped and namespace-less objects).
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its namespace as written (`""` when none).
    pub namespace: String,
    /// Its kind.
    pub kind: String,
    /// A `CREATE` request for it.
    pub request: AdmissionRequest,
}

/// The plural resource name Kubernetes gives the kinds a pod spec lives in (and others,
/// by the usual rule).
fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with('s') {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

/// The resources of resource files' documents, each as a `CREATE` request as the API server
/// would send it (namespace from `metadata.namespace`, `default` when unset, as the CLI
/// assumes).
pub fn test_resources(documents: &[Value]) -> Result<Vec<TestResource>, TestError> {
    let mut out = Vec::new();
    for (index, object) in documents.iter().enumerate() {
        if object.is_null() {
            continue;
        }
        let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str);
        let bad = |reason: &str| TestError::Resource {
            index,
            reason: reason.to_owned(),
        };
        let api_version = text("/apiVersion").ok_or_else(|| bad("no apiVersion"))?;
        let kind = text("/kind").ok_or_else(|| bad("no kind"))?;
        let name = text("/metadata/name").ok_or_else(|| bad("no metadata.name"))?;
        let namespace = text("/metadata/namespace").unwrap_or("");
        let (group, version) = match api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        };
        let request_namespace = if kind == "Namespace" {
            ""
        } else if namespace.is_empty() {
            "default"
        } else {
            namespace
        };
        let request = AdmissionRequest {
            uid: Uid::new(format!("test-{index}")),
            kind: GroupVersionKind {
                group: group.to_owned(),
                version: version.to_owned(),
                kind: kind.to_owned(),
            },
            resource: GroupVersionResource {
                group: group.to_owned(),
                version: version.to_owned(),
                resource: plural(kind),
            },
            sub_resource: String::new(),
            request_kind: None,
            request_resource: None,
            name: name.to_owned(),
            namespace: request_namespace.to_owned(),
            operation: Operation::Create,
            user_info: UserInfo::default(),
            object: Some(object.clone()),
            old_object: None,
            dry_run: Some(true),
        };
        out.push(TestResource {
            key: if request_namespace.is_empty() {
                name.to_owned()
            } else {
                format!("{request_namespace}/{name}")
            },
            name: name.to_owned(),
            namespace: namespace.to_owned(),
            kind: kind.to_owned(),
            request,
        });
    }
    Ok(out)
}

/// One compared row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRow {
    /// The policy as expected.
    pub policy: String,
    /// The rule as reported (autogen names included).
    pub rule: String,
    /// The resource as expected.
    pub resource: String,
    /// What was expected.
    pub expected: PolicyResult,
    /// What the engine said (`None`: no result).
    pub got: Option<PolicyResult>,
    /// Whether they agree.
    pub passed: bool,
    /// Why it failed, or `Ok`/`Excluded`.
    pub reason: String,
    /// The engine's message.
    pub message: String,
}

/// Compare a test's expected results with the engine's decisions on its resources.
pub fn compare(test: &TestCase, decided: &[(TestResource, Decision)]) -> Vec<TestRow> {
    let mut rows = Vec::new();
    for expected in &test.results {
        let names: Vec<&String> = expected
            .resources
            .iter()
            .chain(expected.resource.iter())
            .collect();
        let want_policy = last_segment(&expected.policy);
        let rule_names = [
            expected.rule.clone(),
            format!("autogen-{}", expected.rule),
            format!("autogen-cronjob-{}", expected.rule),
        ];
        for name in names {
            let resources: Vec<&(TestResource, Decision)> = decided
                .iter()
                .filter(|(r, _)| {
                    if name.contains('/') {
                        &r.key == name
                    } else {
                        &r.name == name
                    }
                })
                .collect();
            let row =
                |rule: &str, got: Option<PolicyResult>, reason: &str, message: &str| TestRow {
                    policy: expected.policy.clone(),
                    rule: rule.to_owned(),
                    resource: name.clone(),
                    expected: expected.result,
                    got,
                    passed: got == Some(expected.result)
                        || (got.is_none()
                            && expected.result == PolicyResult::Skip
                            && reason == "Excluded"),
                    reason: reason.to_owned(),
                    message: message.to_owned(),
                };
            if resources.is_empty() {
                rows.push(row(&expected.rule, None, "Not found", ""));
                continue;
            }
            for (_, decision) in resources {
                let mut found = false;
                for result in decision.results() {
                    if last_segment(&result.policy) != want_policy
                        || !rule_names.contains(&result.rule)
                    {
                        continue;
                    }
                    let images = result.images(decision.images());
                    if images.is_empty() {
                        found = true;
                        rows.push(row(
                            &result.rule,
                            Some(result.result),
                            &reason_for(result.result, expected.result),
                            &result.message,
                        ));
                    }
                    for image in images {
                        found = true;
                        rows.push(row(
                            &result.rule,
                            Some(image.result),
                            &reason_for(image.result, expected.result),
                            image.message,
                        ));
                    }
                }
                if !found {
                    rows.push(row(&expected.rule, None, "Excluded", ""));
                }
            }
        }
    }
    rows
}

fn reason_for(got: PolicyResult, expected: PolicyResult) -> String {
    if got == expected {
        "Ok".to_owned()
    } else {
        format!("Want {}, got {}", result_name(expected), result_name(got))
    }
}

/// `pass`, `fail`, `warn`, `error` or `skip`.
pub fn result_name(result: PolicyResult) -> &'static str {
    match result {
        PolicyResult::Pass => "pass",
        PolicyResult::Fail => "fail",
        PolicyResult::Warn => "warn",
        PolicyResult::Error => "error",
        PolicyResult::Skip => "skip",
    }
}

fn last_segment(policy: &str) -> &str {
    policy.rsplit('/').next().unwrap_or(policy)
}

/// The rows as Kyverno's CLI prints them, with a summary line; and whether all passed.
pub fn render(rows: &[TestRow], detailed: bool) -> (String, bool) {
    let mut table: Vec<Vec<String>> =
        vec![["ID", "POLICY", "RULE", "RESOURCE", "RESULT", "REASON"]
            .iter()
            .map(|s| s.to_string())
            .collect()];
    if detailed {
        table[0].push("MESSAGE".to_owned());
    }
    for (i, row) in rows.iter().enumerate() {
        let mut line = vec![
            (i + 1).to_string(),
            row.policy.clone(),
            row.rule.clone(),
            row.resource.clone(),
            if row.passed { "Pass" } else { "Fail" }.to_owned(),
            row.reason.clone(),
        ];
        if detailed {
            line.push(row.message.replace('\n', " "));
        }
        table.push(line);
    }
    let mut widths: BTreeMap<usize, usize> = BTreeMap::new();
    for line in &table {
        for (c, cell) in line.iter().enumerate() {
            let width = widths.entry(c).or_default();
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &table {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[&c]))
            .collect();
        out.push_str("  ");
        out.push_str(cells.join(" | ").trim_end());
        out.push('\n');
    }
    let failed = rows.iter().filter(|r| !r.passed).count();
    out.push_str(&format!(
        "\nTest Summary: {} tests passed and {failed} tests failed\n",
        rows.len() - failed
    ));
    (out, failed == 0)
}
