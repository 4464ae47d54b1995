//! Blocks, messages and errors of [`CompiledConditions`]; the operators, functions and
//! substitution have their own tests beside them.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

/// 2026-01-08T00:00:00Z.
const NOW: i64 = 1_767_830_400;

fn conditions(yaml: Value) -> CompiledConditions {
    let blocks: Vec<AnyAllConditions> = serde_json::from_value(yaml).expect("conditions");
    CompiledConditions::compile(&blocks)
}

fn vuln_predicate(critical: usize, finished: &str) -> Value {
    let mut vulns = vec![json!({"VulnerabilityID": "CVE-1", "Severity": "LOW"})];
    for i in 0..critical {
        vulns.push(json!({"VulnerabilityID": format!("CVE-C{i}"), "Severity": "CRITICAL"}));
    }
    json!({
        "scanner": {"uri": "pkg:github/aquasecurity/trivy", "version": "0.50.0",
                    "result": {"Results": [{"Target": "app", "Vulnerabilities": vulns}]}},
        "metadata": {"scanStartedOn": finished, "scanFinishedOn": finished}
    })
}

fn vuln_conditions() -> CompiledConditions {
    conditions(json!([{"all": [
        {"key": "{{ scanner.result.Results[].Vulnerabilities[?Severity=='CRITICAL'][] | length(@) }}",
         "operator": "Equals", "value": 0, "message": "critical vulnerabilities found"},
        {"key": "{{ time_since('', '{{ metadata.scanFinishedOn }}', '') }}",
         "operator": "DurationLessThanOrEquals", "value": "168h", "message": "scan older than 7 days"}
    ]}]))
}

#[test]
fn vulnerability_scan_conditions() {
    let c = vuln_conditions();
    assert_eq!(
        c.evaluate(&vuln_predicate(0, "2026-01-05T00:00:00Z"), NOW),
        Ok(ConditionsVerdict::Hold)
    );
    assert_eq!(
        c.evaluate(&vuln_predicate(2, "2026-01-05T00:00:00Z"), NOW),
        Ok(ConditionsVerdict::Fail(
            "critical vulnerabilities found".into()
        ))
    );
    assert_eq!(
        c.evaluate(&vuln_predicate(0, "2025-12-31T23:59:59Z"), NOW),
        Ok(ConditionsVerdict::Fail("scan older than 7 days".into()))
    );
    // Exactly seven days: LessThanOrEquals holds.
    assert_eq!(
        c.evaluate(&vuln_predicate(0, "2026-01-01T00:00:00Z"), NOW),
        Ok(ConditionsVerdict::Hold)
    );
}

#[test]
fn any_needs_one_all_needs_every() {
    let c = conditions(json!([{
        "any": [{"key": "{{a}}", "operator": "Equals", "value": 1, "message": "a"},
                {"key": "{{b}}", "operator": "Equals", "value": 1, "message": "b"}],
        "all": [{"key": "{{c}}", "operator": "Equals", "value": 1, "message": "c"}]
    }]));
    let eval = |data: Value| c.evaluate(&data, NOW).expect("evaluates");
    assert_eq!(
        eval(json!({"a": 1, "b": 0, "c": 1})),
        ConditionsVerdict::Hold
    );
    assert_eq!(
        eval(json!({"a": 0, "b": 1, "c": 1})),
        ConditionsVerdict::Hold
    );
    assert_eq!(
        eval(json!({"a": 0, "b": 0, "c": 1})),
        ConditionsVerdict::Fail("a; b".into())
    );
    assert_eq!(
        eval(json!({"a": 0, "b": 0, "c": 0})),
        ConditionsVerdict::Fail("a; b; c".into())
    );
    assert_eq!(
        eval(json!({"a": 1, "c": 0})),
        ConditionsVerdict::Fail("c".into())
    );
}

#[test]
fn empty_blocks() {
    let absent = conditions(json!([{}]));
    assert_eq!(
        absent.evaluate(&json!({}), NOW),
        Ok(ConditionsVerdict::Hold)
    );
    let empty_any = conditions(json!([{"any": []}]));
    assert_eq!(
        empty_any.evaluate(&json!({}), NOW),
        Ok(ConditionsVerdict::Fail(String::new()))
    );
    let empty_all = conditions(json!([{"all": []}]));
    assert_eq!(
        empty_all.evaluate(&json!({}), NOW),
        Ok(ConditionsVerdict::Hold)
    );
    assert!(conditions(json!([])).is_empty());
}

#[test]
fn the_first_failing_block_decides() {
    let c = conditions(json!([
        {"all": [{"key": "{{a}}", "operator": "Equals", "value": 1, "message": "first"}]},
        {"all": [{"key": "{{a}}", "operator": "Equals", "value": 2, "message": "second"}]}
    ]));
    assert_eq!(
        c.evaluate(&json!({"a": 1}), NOW),
        Ok(ConditionsVerdict::Fail("second".into()))
    );
    assert_eq!(
        c.evaluate(&json!({"a": 3}), NOW),
        Ok(ConditionsVerdict::Fail("first".into()))
    );
}

#[test]
fn messages_are_substituted() {
    let c = conditions(json!([{"all": [
        {"key": "{{ length(vulns) }}", "operator": "LessThan", "value": 1,
         "message": "{{ length(vulns) }} vulnerabilities in {{ name }}"}
    ]}]));
    assert_eq!(
        c.evaluate(&json!({"vulns": [1, 2], "name": "app"}), NOW),
        Ok(ConditionsVerdict::Fail("2 vulnerabilities in app".into()))
    );
}

#[test]
fn errors_fail_closed() {
    let c = conditions(json!([
        {"all": [{"key": "{{ a }}", "operator": "Equals", "value": 1}]},
        {"all": [{"key": "{{ to_upper(`1`) }}", "operator": "Equals", "value": "1"}]}
    ]));
    // Every variable is substituted before any block is evaluated: the second block's error
    // wins over the first block's failure.
    let error = c.evaluate(&json!({"a": 2}), NOW).unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with(
            "failed to substitute variables in attestation conditions: failed to resolve to_upper(`1`) at path /1/all/0/key: JMESPath query failed: "
        ),
        "{text}"
    );
    let error = c
        .evaluate(&json!(["not", "an", "object"]), NOW)
        .unwrap_err();
    assert!(error
        .to_string()
        .starts_with("failed to extract predicate from statement"));
    // A missing field is null, and null equals nothing: the condition fails, not errs.
    let c = conditions(
        json!([{"all": [{"key": "{{ nothing.here }}", "operator": "Equals", "value": 0}]}]),
    );
    assert_eq!(
        c.evaluate(&json!({}), NOW),
        Ok(ConditionsVerdict::Fail(String::new()))
    );
}

#[test]
fn the_clock_is_the_callers() {
    let c = conditions(json!([{"all": [
        {"key": "{{ time_since('', scanned, '') }}", "operator": "DurationLessThan", "value": "1h"}
    ]}]));
    let data = json!({"scanned": "2026-01-08T00:00:00Z"});
    assert_eq!(c.evaluate(&data, NOW + 60), Ok(ConditionsVerdict::Hold));
    assert_eq!(
        c.evaluate(&data, NOW + 7200),
        Ok(ConditionsVerdict::Fail(String::new()))
    );
}

#[test]
fn expressions_compile_once_at_load() {
    assert_eq!(vuln_conditions().cache.len(), 2);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9{}@.*?'` \\\\|\\[\\]()-]{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_operator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Equals",
        "NotEquals",
        "In",
        "AnyIn",
        "AllIn",
        "NotIn",
        "AnyNotIn",
        "AllNotIn",
        "GreaterThanOrEquals",
        "GreaterThan",
        "LessThanOrEquals",
        "LessThan",
        "DurationGreaterThanOrEquals",
        "DurationGreaterThan",
        "DurationLessThanOrEquals",
        "DurationLessThan",
    ])
}

proptest! {
    /// Arbitrary predicates, keys, values and operators never panic, whatever they hold.
    #[test]
    fn never_panics(
        predicate in arb_json(),
        key in arb_json(),
        value in arb_json(),
        expression in "[a-z_.()'`@|\\[\\]?=!<>*, 0-9{}-]{0,40}",
        operator in arb_operator(),
    ) {
        let c = conditions(json!([{"any": [
            {"key": key, "operator": operator, "value": value.clone()},
            {"key": format!("{{{{ {expression} }}}}"), "operator": operator, "value": value}
        ]}]));
        let _ = c.evaluate(&predicate, NOW);
        let _ = c.evaluate(&json!({"p": predicate}), NOW);
    }
}
