//! Kyverno's `{{ }}` variable substitution (`pkg/engine/variables/vars.go`
//! `substituteVariablesIfAny`), over a JSON value whose strings may hold variables.
//!
//! - A variable is `{{ expression }}` whose body holds no braces but single-level `{…}`
//!   (Kyverno's `RegexVariables`); it is not a variable when preceded by `\`.
//! - **Whole string**: a string that is exactly one variable becomes the expression's JSON
//!   value (a number stays a number, a missing field is `null`).
//! - **Embedded**: otherwise each variable is replaced by its value's text: a string as it is,
//!   anything else as Go's `json.Marshal` writes it (`null`, `5`, `["a"]`).
//! - **Nested**: after a round, the string is scanned again, so
//!   `{{ time_since('', '{{ metadata.scanFinishedOn }}', '') }}` resolves the inner variable
//!   first and then the outer one. `{{- x }}` (shallow) substitutes once and stops, escaping
//!   any `{{` in its value.
//! - **Escaping**: `\{{` is left alone and becomes `{{` at the end.
//! - A field that is missing is `null`, not an error (JMESPath); an expression that does not
//!   parse or whose function fails is an error naming the variable and its JSON-pointer path.
//!
//! Bounds (a hostile policy or predicate): at most [`MAX_ROUNDS`] rounds of nesting, an
//! expression of at most [`MAX_EXPRESSION_LEN`] bytes, a substituted string of at most
//! [`MAX_STRING_LEN`] bytes.
//!
//! Not carried over: `$(…)` references (they point into the rule, not the predicate), the
//! `@` variable (the rule path), substitution in object keys.

use std::collections::HashMap;
use std::sync::LazyLock;

use jmespath::Expression;
use regex::Regex;
use serde_json::Value;

use super::functions::{EvalScope, RUNTIME};
use super::go_values::go_json;

/// Rounds of nested substitution in one string.
pub(crate) const MAX_ROUNDS: usize = 16;
/// Bytes of one `{{ }}` expression.
pub(crate) const MAX_EXPRESSION_LEN: usize = 4096;
/// Bytes of a string while it is substituted.
pub(crate) const MAX_STRING_LEN: usize = 64 << 10;

static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, covered by every test
    Regex::new(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})").unwrap()
});

static VARIABLE_AT_START: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, covered by every test
    Regex::new(r"^\{\{(\{[^{}]*\}|[^{}])*\}\}").unwrap()
});

/// Why a substitution failed, in Kyverno's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to resolve {variable} at path {path}: {reason}")]
pub(crate) struct SubstituteError {
    /// The expression.
    pub variable: String,
    /// JSON pointer of the string within the conditions.
    pub path: String,
    /// What went wrong.
    pub reason: String,
}

/// Expressions compiled once, when the policy loads: every variable a condition holds as
/// written (the innermost ones of nested variables; outer ones depend on the data).
#[derive(Default)]
pub(crate) struct ExpressionCache {
    compiled: HashMap<String, Expression<'static>>,
}

impl std::fmt::Debug for ExpressionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExpressionCache")
            .field("expressions", &self.compiled.len())
            .finish()
    }
}

impl ExpressionCache {
    /// Compile the variables `value`'s strings hold. One that does not compile is left for
    /// evaluation to report, as Kyverno reports it then.
    pub(crate) fn add_from(&mut self, value: &Value) {
        match value {
            Value::String(s) => {
                for found in VARIABLE.captures_iter(s) {
                    let Some(var) = found.get(2) else { continue };
                    let (expression, _) = expression_of(var.as_str());
                    if expression.len() > MAX_EXPRESSION_LEN
                        || self.compiled.contains_key(expression)
                    {
                        continue;
                    }
                    if let Ok(compiled) = RUNTIME.compile(expression) {
                        self.compiled.insert(expression.to_owned(), compiled);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.add_from(v)),
            Value::Object(map) => map.values().for_each(|v| self.add_from(v)),
            _ => {}
        }
    }

    /// How many expressions are compiled.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.compiled.len()
    }
}

/// Kyverno's `replaceBracesAndTrimSpaces`: the expression, and whether it is shallow (`{{-`).
fn expression_of(variable: &str) -> (&str, bool) {
    let inner = variable
        .strip_prefix("{{")
        .and_then(|v| v.strip_suffix("}}"))
        .unwrap_or(variable)
        .trim();
    match inner.strip_prefix('-') {
        Some(rest) => (rest.trim(), true),
        None => (inner, false),
    }
}

/// What variables are resolved against: the data and the compiled expressions.
pub(crate) struct Resolver<'a> {
    /// The document (the predicate merged into the context root).
    pub data: &'a Value,
    /// Expressions compiled at load.
    pub cache: &'a ExpressionCache,
    /// The evaluation's clock and budget.
    pub scope: &'a EvalScope,
}

impl Resolver<'_> {
    fn resolve(&self, expression: &str, path: &str) -> Result<Value, SubstituteError> {
        let error = |reason: String| SubstituteError {
            variable: expression.to_owned(),
            path: path.to_owned(),
            reason,
        };
        if expression.is_empty() {
            return Err(error("invalid query (nil)".to_owned()));
        }
        if expression.len() > MAX_EXPRESSION_LEN {
            return Err(error(format!(
                "expression longer than {MAX_EXPRESSION_LEN} bytes"
            )));
        }
        let compiled_now;
        let compiled = match self.cache.compiled.get(expression) {
            Some(compiled) => compiled,
            None => {
                compiled_now = RUNTIME
                    .compile(expression)
                    .map_err(|e| error(format!("incorrect query {expression}: {e}")))?;
                &compiled_now
            }
        };
        let result = super::interpret::search(compiled, &RUNTIME, self.data).map_err(|e| {
            let reason = self.scope.take_error().unwrap_or_else(|| e.to_string());
            error(format!("JMESPath query failed: {reason}"))
        })?;
        result
            .to_value()
            .map_err(|e| error(format!("JMESPath query failed: {e}")))
    }

    /// Substitute every variable in `value`; `path` is its JSON pointer (for messages).
    pub(crate) fn substitute(&self, value: &Value, path: &str) -> Result<Value, SubstituteError> {
        match value {
            Value::String(s) => self.substitute_string(s, path),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| self.substitute(v, &format!("{path}/{i}")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| {
                    let pointer = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                    Ok((k.clone(), self.substitute(v, &pointer)?))
                })
                .collect::<Result<serde_json::Map<_, _>, _>>()
                .map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    fn substitute_string(&self, text: &str, path: &str) -> Result<Value, SubstituteError> {
        if !text.contains("{{") {
            return Ok(Value::String(text.to_owned()));
        }
        let mut value = text.to_owned();
        let mut rounds = 0;
        loop {
            let found: Vec<(String, String)> = VARIABLE
                .captures_iter(&value)
                .filter_map(|c| {
                    let whole = c.get(0)?.as_str().to_owned();
                    let var = c.get(2)?.as_str().to_owned();
                    Some((whole, var))
                })
                .collect();
            if found.is_empty() {
                break;
            }
            rounds += 1;
            if rounds > MAX_ROUNDS {
                return Err(SubstituteError {
                    variable: found[0].1.clone(),
                    path: path.to_owned(),
                    reason: format!("more than {MAX_ROUNDS} rounds of nested variables"),
                });
            }
            let original = value.clone();
            let mut shallow = false;
            for (whole, var) in found {
                let initial = VARIABLE_AT_START.is_match(&whole);
                let prefix = if initial {
                    ""
                } else {
                    &whole[..whole.len() - var.len()]
                };
                let (expression, is_shallow) = expression_of(&var);
                shallow = is_shallow;
                let resolved = self.resolve(expression, path)?;
                if original == var {
                    return Ok(resolved);
                }
                let mut text = match resolved {
                    Value::String(s) => s,
                    other => go_json(&other),
                };
                if shallow {
                    text = text.replace("{{", "\\{{");
                }
                let target = format!("{prefix}{var}");
                let replacement = format!("{prefix}{text}");
                if value.len() - target.len() + replacement.len() > MAX_STRING_LEN {
                    return Err(SubstituteError {
                        variable: expression.to_owned(),
                        path: path.to_owned(),
                        reason: format!("substituted string longer than {MAX_STRING_LEN} bytes"),
                    });
                }
                value = value.replacen(&target, &replacement, 1);
            }
            if shallow {
                break;
            }
        }
        Ok(Value::String(value.replace("\\{{", "{{")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn substitute(template: Value, data: Value) -> Result<Value, SubstituteError> {
        let scope = EvalScope::enter(1_767_830_400);
        let mut cache = ExpressionCache::default();
        cache.add_from(&template);
        let resolver = Resolver {
            data: &data,
            cache: &cache,
            scope: &scope,
        };
        resolver.substitute(&template, "/0/all/0/key")
    }

    #[test]
    fn whole_string_keeps_the_json_type() {
        let data = json!({"n": 3, "list": ["a"], "s": "x"});
        assert_eq!(substitute(json!("{{ n }}"), data.clone()), Ok(json!(3)));
        assert_eq!(
            substitute(json!("{{list}}"), data.clone()),
            Ok(json!(["a"]))
        );
        assert_eq!(
            substitute(json!("{{ missing }}"), data.clone()),
            Ok(Value::Null)
        );
        assert_eq!(substitute(json!("{{ length(list) }}"), data), Ok(json!(1)));
    }

    #[test]
    fn embedded_variables_are_stringified_as_go() {
        let data = json!({"n": 3, "list": ["a"], "s": "x", "f": 1.5});
        assert_eq!(
            substitute(
                json!("n={{n}} l={{ list }} s={{s}} m={{missing}} f={{f}}"),
                data
            ),
            Ok(json!("n=3 l=[\"a\"] s=x m=null f=1.5"))
        );
        // Surrounding space makes it embedded: the result is a string.
        assert_eq!(
            substitute(json!(" {{ n }}"), json!({"n": 3})),
            Ok(json!(" 3"))
        );
    }

    #[test]
    fn nested_variables_resolve_inside_out() {
        let data = json!({"metadata": {"scanFinishedOn": "2026-01-01T00:00:00Z"}});
        assert_eq!(
            substitute(
                json!("{{ time_since('', '{{ metadata.scanFinishedOn }}', '') }}"),
                data
            ),
            Ok(json!("168h0m0s"))
        );
        let data = json!({"which": "b", "b": "found"});
        assert_eq!(
            substitute(json!("{{ {{which}} }}"), data),
            Ok(json!("found"))
        );
    }

    #[test]
    fn escaped_variables_stay() {
        let data = json!({"a": "x"});
        assert_eq!(
            substitute(json!("\\{{ a }} and {{ a }}"), data),
            Ok(json!("{{ a }} and x"))
        );
    }

    #[test]
    fn shallow_substitution_does_not_recurse() {
        let data = json!({"a": "{{ b }}", "b": "no"});
        assert_eq!(
            substitute(json!("v={{- a }}"), data.clone()),
            Ok(json!("v={{ b }}"))
        );
        assert_eq!(substitute(json!("v={{ a }}"), data), Ok(json!("v=no")));
    }

    #[test]
    fn objects_and_arrays_are_walked() {
        let data = json!({"a": "x"});
        assert_eq!(
            substitute(json!({"k": ["{{a}}", 1, {"z": "{{ a }}-y"}]}), data),
            Ok(json!({"k": ["x", 1, {"z": "x-y"}]}))
        );
    }

    #[test]
    fn errors_name_the_variable_and_path() {
        let error = substitute(json!("{{ a[ }}"), json!({})).unwrap_err();
        assert_eq!(error.variable, "a[");
        assert_eq!(error.path, "/0/all/0/key");
        assert!(error.reason.starts_with("incorrect query a[:"), "{error}");
        assert!(error
            .to_string()
            .starts_with("failed to resolve a[ at path /0/all/0/key: "));
        let error = substitute(json!("{{ to_upper(`1`) }}"), json!({})).unwrap_err();
        assert!(
            error.reason.starts_with("JMESPath query failed: "),
            "{error}"
        );
        let error = substitute(json!("x{{ }}"), json!({})).unwrap_err();
        assert_eq!(error.reason, "invalid query (nil)");
        let error = substitute(json!("{{ divide(`1`, `0`) }}"), json!({})).unwrap_err();
        assert_eq!(
            error.reason,
            "JMESPath query failed: JMESPath function 'divide': Zero divisor passed"
        );
    }

    #[test]
    fn bounds_hold() {
        // A predicate value that expands to more variables each round stops.
        let data = json!({"a": "{{a}}{{a}}"});
        let error = substitute(json!("x{{a}}"), data).unwrap_err();
        assert!(
            error.reason.contains("rounds") || error.reason.contains("longer than"),
            "{error}"
        );
        let long = format!("{{{{ '{}' }}}}", "a".repeat(MAX_EXPRESSION_LEN));
        let error = substitute(json!(long), json!({})).unwrap_err();
        assert!(error.reason.contains("longer than"), "{error}");
    }

    #[test]
    fn load_compiles_the_written_expressions() {
        let mut cache = ExpressionCache::default();
        cache.add_from(&json!([
            "{{ a }}",
            "{{ f('{{ b }}') }}",
            "{{ c[ }}",
            "plain"
        ]));
        // `a` and `b` (the inner one) compile; the outer one depends on data; `c[` fails.
        assert_eq!(cache.len(), 2);
    }
}
