//! Kyverno's condition operators (`pkg/engine/variables/operator/*.go`): a substituted key, an
//! operator, a substituted value in; whether the condition holds out.
//!
//! Kyverno reads every number as a `float64` (the context is decoded JSON), so here every
//! number is an `f64`. Type rules, per operator:
//!
//! - **Equals / NotEquals**: a string key is compared as a Go duration when either side is one
//!   (`"168h"` equals `604800`), else as a Kubernetes quantity when the key is one (`"1Gi"`
//!   equals `"1024Mi"`), else by Kyverno's wildcard with the value as the pattern. A number
//!   equals a number or a string that parses as one; booleans only booleans; objects and
//!   arrays by deep equality. A `null` key is neither equal nor unequal to anything.
//! - **In / NotIn** (deprecated): a string (or number, boolean) key is in an array when a
//!   member matches it by wildcard either way, in a string when the string matches it as a
//!   pattern or is a JSON array of strings holding it; an array key (strings only) by exact
//!   set inclusion.
//! - **AnyIn / AllIn / AnyNotIn / AllNotIn**: members and keys are compared as `fmt.Sprint`
//!   text by wildcard either way; a string value that is not JSON stands for itself.
//! - **GreaterThan… / LessThan…**: durations, then quantities, then numbers, then semantic
//!   versions (`"1.10.0" > "1.9.0"`).
//! - **Duration…**: both sides as durations; a number is whole seconds.
//!
//! A type the operator does not handle makes the condition false (Kyverno logs and answers
//! false), so a mistyped condition never passes. Kyverno's numeric ranges in `AnyIn` values
//! (`"1-10"`) are not recognised: such a value is compared as a string.

use std::cmp::Ordering;

use serde_json::Value;

use super::go_values::{go_sprint, parse_quantity, GoDuration};
use crate::kyverno::wildcard;
use crate::kyverno::ConditionOperator;

/// Whether `key operator value` holds.
pub(crate) fn holds(operator: ConditionOperator, key: &Value, value: &Value) -> bool {
    use ConditionOperator as Op;
    match operator {
        Op::Equals => equals(key, value),
        Op::NotEquals => not_equals(key, value),
        Op::In | Op::NotIn => in_family(operator, key, value),
        Op::AnyIn | Op::AnyNotIn | Op::AllIn | Op::AllNotIn => in_family(operator, key, value),
        Op::GreaterThan | Op::GreaterThanOrEquals | Op::LessThan | Op::LessThanOrEquals => {
            numeric(operator, key, value)
        }
        Op::DurationGreaterThan
        | Op::DurationGreaterThanOrEquals
        | Op::DurationLessThan
        | Op::DurationLessThanOrEquals => duration(operator, key, value),
    }
}

/// Kyverno's `parseDuration(key, value)`: both as durations when at least one is a duration
/// string and the other is one too or a number (whole seconds).
fn duration_pair(key: &Value, value: &Value) -> Option<(GoDuration, GoDuration)> {
    let as_duration = |v: &Value| match v {
        Value::String(s) if s != "0" => GoDuration::parse(s).ok(),
        _ => None,
    };
    let (k, v) = (as_duration(key), as_duration(value));
    if k.is_none() && v.is_none() {
        return None;
    }
    let or_seconds = |parsed: Option<GoDuration>, raw: &Value| match parsed {
        Some(d) => Some(d),
        None => raw.as_f64().map(whole_seconds),
    };
    Some((or_seconds(k, key)?, or_seconds(v, value)?))
}

/// Go's `time.Duration(n) * time.Second` for a number: fractional seconds dropped.
fn whole_seconds(n: f64) -> GoDuration {
    GoDuration((n as i64).saturating_mul(1_000_000_000))
}

/// Go's `strconv.ParseFloat(s, 64)`.
fn parse_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains('_') {
        return None;
    }
    s.parse().ok()
}

/// Deep equality with numbers compared as `float64`.
fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| deep_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        _ => a == b,
    }
}

fn equals(key: &Value, value: &Value) -> bool {
    match key {
        Value::Bool(k) => value.as_bool() == Some(*k),
        Value::Number(k) => {
            let k = k.as_f64().unwrap_or(f64::NAN);
            match value {
                Value::Number(v) => v.as_f64() == Some(k),
                Value::String(s) => parse_float(s) == Some(k),
                _ => false,
            }
        }
        Value::String(k) => {
            if let Some((kd, vd)) = duration_pair(key, value) {
                return kd.seconds() == vd.seconds();
            }
            if let Some(kq) = parse_quantity(k) {
                if let Value::String(v) = value {
                    return parse_quantity(v) == Some(kq);
                }
            }
            match value {
                Value::String(v) => wildcard::matches(v, k),
                _ => false,
            }
        }
        Value::Object(_) => value.is_object() && deep_equal(key, value),
        Value::Array(_) => value.is_array() && deep_equal(key, value),
        Value::Null => false,
    }
}

/// Kyverno's NotEquals is Equals negated, except that a null key is neither equal nor unequal.
fn not_equals(key: &Value, value: &Value) -> bool {
    !key.is_null() && !equals(key, value)
}

fn either_way(a: &str, b: &str) -> bool {
    wildcard::matches(a, b) || wildcard::matches(b, a)
}

/// A JSON array of strings in a string (`json.Unmarshal` into `[]string`; `null` is empty).
fn string_list(s: &str) -> Option<Vec<String>> {
    match serde_json::from_str::<Option<Vec<String>>>(s) {
        Ok(list) => Some(list.unwrap_or_default()),
        Err(_) => None,
    }
}

/// The value as a list of strings, for the `Any…`/`All…` operators: `None` when its type is
/// not handled. A string that is not JSON stands for itself.
fn any_all_members(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => Some(items.iter().map(go_sprint).collect()),
        Value::String(s) => {
            if serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok() {
                string_list(s)
            } else {
                Some(vec![s.clone()])
            }
        }
        _ => None,
    }
}

fn in_family(operator: ConditionOperator, key: &Value, value: &Value) -> bool {
    use ConditionOperator as Op;
    let deprecated = matches!(operator, Op::In | Op::NotIn);
    match key {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            let key = go_sprint(key);
            let found = if deprecated {
                key_in_deprecated(&key, value)
            } else {
                key_in(&key, value)
            };
            match found {
                None => false,
                Some(found) => match operator {
                    Op::In | Op::AnyIn | Op::AllIn => found,
                    _ => !found,
                },
            }
        }
        Value::Array(items) => {
            let keys: Vec<String> = if deprecated {
                let strings: Option<Vec<String>> = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect();
                match strings {
                    Some(keys) => keys,
                    None => return false,
                }
            } else {
                items.iter().map(go_sprint).collect()
            };
            set_in(operator, &keys, value).unwrap_or(false)
        }
        _ => false,
    }
}

/// `keyExistsInArray` (In, NotIn): `None` when the value's type is not handled.
fn key_in_deprecated(key: &str, value: &Value) -> Option<bool> {
    match value {
        Value::Array(items) => Some(items.iter().any(|v| either_way(&go_sprint(v), key))),
        Value::String(s) => {
            if wildcard::matches(s, key) {
                return Some(true);
            }
            Some(string_list(s)?.iter().any(|v| v == key))
        }
        _ => None,
    }
}

/// `anyKeyExistsInArray` / `allKeyExistsInArray` (the same for one key).
fn key_in(key: &str, value: &Value) -> Option<bool> {
    match value {
        Value::Array(items) => Some(items.iter().any(|v| either_way(&go_sprint(v), key))),
        Value::String(s) => {
            if wildcard::matches(s, key) {
                return Some(true);
            }
            Some(any_all_members(value)?.iter().any(|v| v == key))
        }
        _ => None,
    }
}

/// A list key against the value (`setExistsInArray`, `anySetExistsInArray`,
/// `allSetExistsInArray`): `None` when the value's type is not handled.
fn set_in(operator: ConditionOperator, keys: &[String], value: &Value) -> Option<bool> {
    use ConditionOperator as Op;
    let negated = matches!(operator, Op::NotIn | Op::AnyNotIn | Op::AllNotIn);
    if let Value::String(s) = value {
        if keys.len() == 1 && &keys[0] == s {
            // Kyverno answers this shortcut before looking at the operator, except for the
            // Any/All negations.
            return Some(matches!(operator, Op::In | Op::NotIn) || !negated);
        }
    }
    let members: Vec<String> = match (operator, value) {
        (Op::In | Op::NotIn, Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()?,
        (Op::In | Op::NotIn, Value::String(s)) => string_list(s)?,
        (Op::AnyIn | Op::AnyNotIn, Value::Number(_) | Value::Bool(_)) => vec![go_sprint(value)],
        (Op::In | Op::NotIn, _) => return None,
        _ => any_all_members(value)?,
    };
    let matched = |k: &String| members.iter().any(|m| either_way(k, m));
    let exact = |k: &String| members.iter().any(|m| m == k);
    Some(match operator {
        Op::In => keys.iter().all(exact),
        Op::NotIn => !keys.iter().all(exact),
        Op::AnyIn => keys.iter().any(matched),
        Op::AnyNotIn => !keys.iter().all(matched),
        Op::AllIn => keys.iter().all(matched),
        Op::AllNotIn => !keys.iter().any(matched),
        _ => false,
    })
}

fn compare(operator: ConditionOperator, ordering: Option<Ordering>) -> bool {
    use ConditionOperator as Op;
    let Some(ordering) = ordering else {
        return false;
    };
    match operator {
        Op::GreaterThan | Op::DurationGreaterThan => ordering.is_gt(),
        Op::GreaterThanOrEquals | Op::DurationGreaterThanOrEquals => ordering.is_ge(),
        Op::LessThan | Op::DurationLessThan => ordering.is_lt(),
        Op::LessThanOrEquals | Op::DurationLessThanOrEquals => ordering.is_le(),
        _ => false,
    }
}

fn numeric_number_key(
    operator: ConditionOperator,
    key: f64,
    raw_key: &Value,
    value: &Value,
) -> bool {
    match value {
        Value::Number(v) => compare(operator, key.partial_cmp(&v.as_f64().unwrap_or(f64::NAN))),
        Value::String(s) => {
            if let Some((kd, vd)) = duration_pair(raw_key, value) {
                return compare(operator, kd.seconds().partial_cmp(&vd.seconds()));
            }
            match parse_float(s) {
                Some(v) => compare(operator, key.partial_cmp(&v)),
                None => false,
            }
        }
        _ => false,
    }
}

fn numeric(operator: ConditionOperator, key: &Value, value: &Value) -> bool {
    match key {
        Value::Number(k) => {
            numeric_number_key(operator, k.as_f64().unwrap_or(f64::NAN), key, value)
        }
        Value::String(k) => {
            if let Some((kd, vd)) = duration_pair(key, value) {
                return compare(operator, kd.seconds().partial_cmp(&vd.seconds()));
            }
            if let (Some(kq), Some(vq)) =
                (parse_quantity(k), value.as_str().and_then(parse_quantity))
            {
                return compare(operator, kq.partial_cmp(&vq));
            }
            if let Some(kf) = parse_float(k) {
                // Kyverno hands the parsed key to its number rule, durations included.
                return numeric_number_key(operator, kf, &Value::from(kf), value);
            }
            if let Ok(kv) = semver::Version::parse(k) {
                return match value.as_str().map(semver::Version::parse) {
                    Some(Ok(vv)) => compare(operator, Some(kv.cmp_precedence(&vv))),
                    _ => false,
                };
            }
            false
        }
        _ => false,
    }
}

fn duration(operator: ConditionOperator, key: &Value, value: &Value) -> bool {
    let key = match key {
        Value::Number(n) => whole_seconds(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => match GoDuration::parse(s) {
            Ok(d) => d,
            Err(_) => return false,
        },
        _ => return false,
    };
    let value = match value {
        Value::Number(n) => whole_seconds(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => match GoDuration::parse(s) {
            Ok(d) => d,
            Err(_) => return false,
        },
        _ => return false,
    };
    compare(operator, Some(key.cmp(&value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use ConditionOperator as Op;

    fn check(op: Op, key: Value, value: Value) -> bool {
        holds(op, &key, &value)
    }

    #[test]
    fn equals() {
        assert!(check(Op::Equals, json!(0), json!(0)));
        assert!(check(Op::Equals, json!(0), json!(0.0)));
        assert!(check(Op::Equals, json!(3), json!("3")));
        assert!(!check(Op::Equals, json!(3), json!(4)));
        assert!(!check(Op::Equals, json!(3), json!(true)));
        assert!(check(Op::Equals, json!("abc"), json!("a*")));
        assert!(
            !check(Op::Equals, json!("a*"), json!("abc")),
            "the value is the pattern"
        );
        assert!(check(Op::Equals, json!("168h"), json!(604800)));
        assert!(check(Op::Equals, json!("1h"), json!("60m")));
        assert!(check(Op::Equals, json!("1Gi"), json!("1024Mi")));
        assert!(!check(Op::Equals, json!("1Gi"), json!("x")));
        assert!(check(Op::Equals, json!(true), json!(true)));
        assert!(!check(Op::Equals, json!(true), json!("true")));
        assert!(check(Op::Equals, json!({"a": [1]}), json!({"a": [1.0]})));
        assert!(!check(Op::Equals, json!({"a": 1}), json!([1])));
        assert!(check(Op::Equals, json!(["a"]), json!(["a"])));
        assert!(!check(Op::Equals, Value::Null, Value::Null));
        assert!(!check(Op::Equals, json!("x"), Value::Null));
    }

    #[test]
    fn not_equals() {
        assert!(check(Op::NotEquals, json!(1), json!(0)));
        assert!(!check(Op::NotEquals, json!(0), json!(0)));
        assert!(check(Op::NotEquals, json!(1), json!(true)));
        assert!(check(Op::NotEquals, json!("abc"), json!("x*")));
        assert!(!check(Op::NotEquals, json!("abc"), json!("a*")));
        assert!(!check(Op::NotEquals, json!("1h"), json!(3600)));
        assert!(check(Op::NotEquals, json!("1Gi"), json!("1Mi")));
        assert!(check(Op::NotEquals, json!("5"), json!("")));
        assert!(check(Op::NotEquals, json!(["a"]), json!(["b"])));
        assert!(!check(Op::NotEquals, json!(["a"]), json!(["a"])));
        assert!(check(Op::NotEquals, json!(["a"]), json!("a")));
        assert!(!check(Op::NotEquals, Value::Null, json!(1)));
    }

    #[test]
    fn deprecated_in_and_not_in() {
        assert!(check(Op::In, json!("a"), json!(["a", "b"])));
        assert!(check(Op::In, json!("abc"), json!(["a*"])));
        assert!(!check(Op::In, json!("c"), json!(["a", "b"])));
        assert!(check(Op::In, json!("a"), json!("[\"a\"]")));
        assert!(
            !check(Op::In, json!("a"), json!(5)),
            "an unhandled value type is false"
        );
        assert!(check(Op::In, json!(["a", "b"]), json!(["a", "b", "c"])));
        assert!(!check(Op::In, json!(["a", "d"]), json!(["a", "b"])));
        assert!(
            !check(Op::In, json!([1]), json!(["1"])),
            "In takes string lists only"
        );
        assert!(check(Op::NotIn, json!("c"), json!(["a", "b"])));
        assert!(!check(Op::NotIn, json!("a"), json!(["a"])));
        assert!(!check(Op::NotIn, json!("a"), json!(5)));
        assert!(check(Op::NotIn, json!(["a", "d"]), json!(["a", "b"])));
        assert!(!check(Op::NotIn, json!(["a"]), json!(["a", "b"])));
    }

    #[test]
    fn any_in_and_any_not_in() {
        assert!(check(
            Op::AnyIn,
            json!(["CRITICAL", "LOW"]),
            json!(["CRITICAL", "HIGH"])
        ));
        assert!(!check(
            Op::AnyIn,
            json!(["LOW"]),
            json!(["CRITICAL", "HIGH"])
        ));
        assert!(check(Op::AnyIn, json!([1, 2]), json!([2])));
        assert!(check(Op::AnyIn, json!("x"), json!("x")));
        assert!(check(Op::AnyIn, json!(["x"]), json!("x")));
        assert!(check(Op::AnyIn, json!(["1"]), json!(1)));
        assert!(check(Op::AnyIn, json!(["ab"]), json!(["a*"])));
        assert!(!check(Op::AnyIn, json!("a"), json!(5)));
        assert!(!check(Op::AnyIn, Value::Null, json!(["a"])));
        assert!(check(Op::AnyNotIn, json!(["a", "z"]), json!(["a"])));
        assert!(!check(Op::AnyNotIn, json!(["a"]), json!(["a", "b"])));
        assert!(!check(Op::AnyNotIn, json!(["x"]), json!("x")));
        assert!(check(Op::AnyNotIn, json!("z"), json!(["a"])));
    }

    #[test]
    fn all_in_and_all_not_in() {
        assert!(check(Op::AllIn, json!(["a", "b"]), json!(["a", "b", "c"])));
        assert!(!check(Op::AllIn, json!(["a", "z"]), json!(["a", "b"])));
        assert!(check(Op::AllIn, json!(["a"]), json!("a")));
        assert!(
            !check(Op::AllIn, json!(["1"]), json!(1)),
            "AllIn takes no number value"
        );
        assert!(check(Op::AllNotIn, json!(["x", "y"]), json!(["a", "b"])));
        assert!(!check(Op::AllNotIn, json!(["x", "a"]), json!(["a", "b"])));
        assert!(!check(Op::AllNotIn, json!("a"), json!(["a"])));
        assert!(check(Op::AllNotIn, json!("q"), json!(["a"])));
    }

    #[test]
    fn numeric() {
        assert!(check(Op::GreaterThan, json!(5), json!(3)));
        assert!(!check(Op::GreaterThan, json!(3), json!(3)));
        assert!(check(Op::GreaterThanOrEquals, json!(3), json!("3")));
        assert!(check(Op::LessThan, json!("2"), json!(3)));
        assert!(!check(Op::LessThan, json!(4), json!("x")));
        assert!(check(Op::LessThanOrEquals, json!("1Gi"), json!("1024Mi")));
        assert!(check(Op::LessThan, json!("500m"), json!("1")));
        assert!(check(Op::GreaterThan, json!("2h"), json!("30m")));
        assert!(check(Op::GreaterThan, json!("1.10.0"), json!("1.9.0")));
        assert!(!check(Op::GreaterThan, json!("1.10.0"), json!(1)));
        assert!(!check(Op::GreaterThan, json!(true), json!(false)));
        assert!(!check(Op::LessThan, Value::Null, json!(1)));
    }

    #[test]
    fn durations() {
        assert!(check(Op::DurationLessThan, json!("167h59m"), json!("168h")));
        assert!(!check(Op::DurationLessThan, json!("168h"), json!("168h")));
        assert!(check(
            Op::DurationLessThanOrEquals,
            json!("168h"),
            json!("168h")
        ));
        assert!(check(Op::DurationGreaterThan, json!("169h"), json!("168h")));
        assert!(check(
            Op::DurationGreaterThanOrEquals,
            json!(3600),
            json!("1h")
        ));
        assert!(
            check(Op::DurationLessThan, json!(1.9), json!(2)),
            "1.9 is 1s"
        );
        assert!(!check(Op::DurationLessThan, json!("soon"), json!("1h")));
        assert!(!check(Op::DurationLessThan, json!("1h"), json!(true)));
        assert!(!check(Op::DurationLessThan, Value::Null, json!("1h")));
    }
}
