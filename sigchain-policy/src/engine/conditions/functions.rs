//! Kyverno's custom JMESPath functions (`pkg/engine/jmespath/functions.go`, `time.go`,
//! `arithmetic.go`), registered beside the standard ones in one shared runtime.
//!
//! Registered: `compare`, `equal_fold`, `replace`, `replace_all`, `to_upper`, `to_lower`,
//! `trim`, `trim_prefix`, `split`, `regex_replace_all`, `regex_replace_all_literal`,
//! `regex_match`, `pattern_match`, `to_boolean`, `add`, `sum`, `subtract`, `multiply`,
//! `divide`, `modulo`, `round`, `base64_decode`, `base64_encode`, `truncate`,
//! `semver_compare`, `parse_json`, and the time functions of [`super::time_functions`].
//!
//! Not registered (a call is an unknown-function error, so a condition using one fails
//! closed): `label_match`, `path_canonicalize`, `parse_yaml`, `lookup`, `items`,
//! `object_from_lists`, `random` (not reproducible), `x509_decode`, `image_normalize`,
//! `is_external_url`, `sha256`, `sha1`, `md5`. Arithmetic on Kubernetes quantities
//! (`add('1Gi','1Gi')`) is refused with an error for the same reason; numbers and durations
//! work. Time layouts other than RFC 3339 (Go reference-time layouts) are refused.
//!
//! **The clock** is the request's ([`crate::engine::RequestContext::now_unix`]), set for the
//! duration of one evaluation ([`EvalScope`]), never the system clock: the same request and
//! evidence always get the same decision. `time_now` answers in UTC.
//!
//! **Bounds**: every string or array a function makes, and every value copied out of the
//! predicate (function arguments, results), counts against a per-evaluation budget
//! ([`OUTPUT_BUDGET`]), so neither a projection over a large predicate calling `replace_all`
//! nor `[@, @, @, …]` can grow memory without bound; regular expressions are compiled with a
//! size limit.

use std::cell::RefCell;
use std::sync::LazyLock;

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use jmespath::functions::{ArgumentType, CustomFunction, Signature};
use jmespath::{Context, ErrorReason, JmespathError, Rcvar, Runtime, RuntimeError, Variable};
use serde_json::Value;

use super::go_values::{go_format_float32, parse_quantity, GoDuration};

/// Bytes of strings and values functions may make or copy in one evaluation: a few times the
/// largest predicate an evidence file holds (16 MiB), so any condition over a real report fits.
pub(crate) const OUTPUT_BUDGET: usize = 64 << 20;

/// Compiled size limit of a regular expression given to `regex_match` and friends.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The JMESPath runtime with the standard and Kyverno's functions.
pub(crate) static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let mut runtime = Runtime::new();
    runtime.register_builtin_functions();
    register(&mut runtime);
    runtime
});

struct ScopeState {
    now_unix: i64,
    budget_left: usize,
    error: Option<String>,
}

thread_local! {
    static SCOPE: RefCell<Option<ScopeState>> = const { RefCell::new(None) };
}

/// The clock and budget of one evaluation, in force until dropped.
pub(crate) struct EvalScope {
    previous: Option<ScopeState>,
}

impl EvalScope {
    /// Start an evaluation at `now_unix`.
    pub(crate) fn enter(now_unix: i64) -> EvalScope {
        EvalScope::with_budget(now_unix, OUTPUT_BUDGET)
    }

    /// Start an evaluation at `now_unix` with `budget` bytes (tests use small ones).
    pub(crate) fn with_budget(now_unix: i64, budget: usize) -> EvalScope {
        let previous = SCOPE.with(|s| {
            s.borrow_mut().replace(ScopeState {
                now_unix,
                budget_left: budget,
                error: None,
            })
        });
        EvalScope { previous }
    }

    /// The error a custom function raised since the last call, in Kyverno's words.
    pub(crate) fn take_error(&self) -> Option<String> {
        SCOPE.with(|s| s.borrow_mut().as_mut().and_then(|st| st.error.take()))
    }
}

impl Drop for EvalScope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        SCOPE.with(|s| *s.borrow_mut() = previous);
    }
}

pub(super) fn now() -> DateTime<Utc> {
    let secs = SCOPE.with(|s| s.borrow().as_ref().map_or(0, |st| st.now_unix));
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// A function failed: remember Kyverno's message, hand the interpreter an error.
pub(crate) fn fail(ctx: &Context<'_>, message: String) -> JmespathError {
    SCOPE.with(|s| {
        if let Some(st) = s.borrow_mut().as_mut() {
            st.error.get_or_insert(message);
        }
    });
    JmespathError::from_ctx(
        ctx,
        ErrorReason::Runtime(RuntimeError::UnknownFunction("(failed)".to_owned())),
    )
}

pub(super) fn generic(name: &str, what: impl std::fmt::Display) -> String {
    format!("JMESPath function '{name}': {what}")
}

/// Take `bytes` from the evaluation's budget; false when it is spent.
pub(crate) fn charge(bytes: usize) -> bool {
    SCOPE.with(|s| match s.borrow_mut().as_mut() {
        Some(st) if st.budget_left >= bytes => {
            st.budget_left -= bytes;
            true
        }
        Some(_) => false,
        None => true,
    })
}

fn spend(ctx: &Context<'_>, name: &str, bytes: usize) -> Result<(), JmespathError> {
    if charge(bytes) {
        Ok(())
    } else {
        Err(fail(
            ctx,
            generic(name, "output exceeds the evaluation budget"),
        ))
    }
}

pub(super) fn string_out(ctx: &Context<'_>, name: &str, s: String) -> Result<Rcvar, JmespathError> {
    spend(ctx, name, s.len())?;
    Ok(Rcvar::new(Variable::String(s)))
}

fn number_out(ctx: &Context<'_>, name: &str, n: f64) -> Result<Rcvar, JmespathError> {
    match serde_json::Number::from_f64(n) {
        Some(n) => Ok(Rcvar::new(Variable::Number(n))),
        None => Err(fail(ctx, generic(name, "result is not a finite number"))),
    }
}

pub(super) fn bool_out(b: bool) -> Result<Rcvar, JmespathError> {
    Ok(Rcvar::new(Variable::Bool(b)))
}

pub(super) fn str_arg(args: &[Rcvar], i: usize) -> &str {
    args.get(i)
        .and_then(|a| a.as_string())
        .map_or("", String::as_str)
}

fn num_arg(args: &[Rcvar], i: usize) -> f64 {
    args.get(i).and_then(|a| a.as_number()).unwrap_or(0.0)
}

/// Kyverno's `ifaceToString`: a string, or a number as a `float32` in plain notation.
fn string_or_number(
    ctx: &Context<'_>,
    name: &str,
    args: &[Rcvar],
    i: usize,
) -> Result<String, JmespathError> {
    match args.get(i).map(|a| &**a) {
        Some(Variable::String(s)) => Ok(s.clone()),
        Some(Variable::Number(n)) => Ok(go_format_float32(n.as_f64().unwrap_or(0.0))),
        Some(Variable::Bool(b)) => Ok(b.to_string()),
        _ => Err(fail(
            ctx,
            generic(
                name,
                format!("argument #{} is not of type String or Real", i + 1),
            ),
        )),
    }
}

fn compile_regex(
    ctx: &Context<'_>,
    name: &str,
    pattern: &str,
) -> Result<regex::Regex, JmespathError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| fail(ctx, generic(name, e)))
}

/// An arithmetic operand (Kyverno's `parseArithemticOperand`).
#[derive(Clone, Copy)]
enum Operand {
    Scalar(f64),
    Duration(GoDuration),
}

fn operand(ctx: &Context<'_>, name: &str, v: &Variable) -> Result<Operand, JmespathError> {
    match v {
        Variable::Number(n) => Ok(Operand::Scalar(n.as_f64().unwrap_or(0.0))),
        Variable::String(s) => {
            if parse_quantity(s).is_some() {
                // Kyverno reads a quantity first ("5m" is 5 milli, not five minutes).
                return Err(fail(
                    ctx,
                    generic(name, "arithmetic on quantities is not supported"),
                ));
            }
            match GoDuration::parse(s) {
                Ok(d) => Ok(Operand::Duration(d)),
                Err(_) => Err(fail(ctx, generic(name, "invalid operand"))),
            }
        }
        _ => Err(fail(ctx, generic(name, "invalid operand"))),
    }
}

fn arithmetic(
    ctx: &Context<'_>,
    name: &str,
    left: &Variable,
    right: &Variable,
) -> Result<Rcvar, JmespathError> {
    let (a, b) = (operand(ctx, name, left)?, operand(ctx, name, right)?);
    let mismatch = || fail(ctx, generic(name, "Types mismatch"));
    let zero = || fail(ctx, generic(name, "Zero divisor passed"));
    let duration = |d: i64| string_out(ctx, name, GoDuration(d).to_string());
    match (name, a, b) {
        ("add" | "sum", Operand::Scalar(x), Operand::Scalar(y)) => number_out(ctx, name, x + y),
        ("add" | "sum", Operand::Duration(x), Operand::Duration(y)) => {
            duration(x.0.wrapping_add(y.0))
        }
        ("subtract", Operand::Scalar(x), Operand::Scalar(y)) => number_out(ctx, name, x - y),
        ("subtract", Operand::Duration(x), Operand::Duration(y)) => duration(x.0.wrapping_sub(y.0)),
        ("multiply", Operand::Scalar(x), Operand::Scalar(y)) => number_out(ctx, name, x * y),
        ("multiply", Operand::Duration(d), Operand::Scalar(s))
        | ("multiply", Operand::Scalar(s), Operand::Duration(d)) => {
            duration(GoDuration::from_seconds_f64(d.seconds() * s).0)
        }
        ("divide", Operand::Scalar(x), Operand::Scalar(y)) => {
            if y == 0.0 {
                return Err(zero());
            }
            number_out(ctx, name, x / y)
        }
        ("divide", Operand::Duration(x), Operand::Duration(y)) => {
            if y.seconds() == 0.0 {
                return Err(zero());
            }
            number_out(ctx, name, x.seconds() / y.seconds())
        }
        ("divide", Operand::Duration(x), Operand::Scalar(y)) => {
            if y == 0.0 {
                return Err(zero());
            }
            duration(GoDuration::from_seconds_f64(x.seconds() / y).0)
        }
        ("modulo", Operand::Scalar(x), Operand::Scalar(y)) => {
            let (i, j) = (x as i64, y as i64);
            if x != i as f64 || y != j as f64 {
                return Err(fail(
                    ctx,
                    generic(name, "Non-integer argument(s) passed for modulo"),
                ));
            }
            if j == 0 {
                return Err(zero());
            }
            number_out(ctx, name, i.wrapping_rem(j) as f64)
        }
        ("modulo", Operand::Duration(x), Operand::Duration(y)) => {
            if y.0 == 0 {
                return Err(zero());
            }
            duration(x.0.wrapping_rem(y.0))
        }
        _ => Err(mismatch()),
    }
}

/// blang/semver's `ParseRange`: ranges joined by `||`, each a space-separated list of
/// comparators (`>=1.0.0 <2.0.0`), every comparator `[op]version` with op one of `>`, `>=`,
/// `<`, `<=`, `=`, `==`, `!`, `!=` (none: equal). Wildcard versions (`1.x`) are refused.
fn semver_in_range(version: &semver::Version, range: &str) -> Result<bool, String> {
    let mut any = false;
    for alternative in range.split("||") {
        let mut all = true;
        let mut seen = false;
        for comparator in alternative.split_whitespace() {
            seen = true;
            let op_len = comparator
                .bytes()
                .take_while(|b| matches!(b, b'>' | b'<' | b'=' | b'!'))
                .count();
            let (op, text) = comparator.split_at(op_len);
            let wanted = semver::Version::parse(text)
                .map_err(|e| format!("Could not parse Range {range:?}: {e}"))?;
            let cmp = version.cmp_precedence(&wanted);
            let holds = match op {
                "" | "=" | "==" => cmp.is_eq(),
                "!" | "!=" => cmp.is_ne(),
                ">" => cmp.is_gt(),
                ">=" => cmp.is_ge(),
                "<" => cmp.is_lt(),
                "<=" => cmp.is_le(),
                _ => return Err(format!("Could not parse Range {range:?}: invalid operator")),
            };
            all &= holds;
        }
        if !seen {
            return Err(format!("Could not parse Range {range:?}: empty range"));
        }
        any |= all;
    }
    Ok(any)
}

/// Go's `strings.Trim(s, cutset)`.
fn go_trim<'a>(s: &'a str, cutset: &str) -> &'a str {
    s.trim_matches(|c| cutset.contains(c))
}

/// Go's `strings.Split`: an empty separator splits into characters.
fn go_split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        s.chars().map(String::from).collect()
    } else {
        s.split(sep).map(str::to_owned).collect()
    }
}

/// Go's `strings.Replace(s, old, new, n)`: `n < 0` replaces all.
fn go_replace(s: &str, old: &str, new: &str, n: i64) -> String {
    if n < 0 {
        s.replace(old, new)
    } else {
        s.replacen(old, new, usize::try_from(n).unwrap_or(usize::MAX))
    }
}

fn json_to_var(ctx: &Context<'_>, name: &str, value: Value) -> Result<Rcvar, JmespathError> {
    Variable::from_serializable(value)
        .map(Rcvar::new)
        .map_err(|e| fail(ctx, generic(name, e)))
}

/// A function's body: its name (for messages), its arguments (checked against its signature),
/// the interpreter's context.
pub(super) type Handler =
    fn(&'static str, &[Rcvar], &mut Context<'_>) -> Result<Rcvar, JmespathError>;

fn register(runtime: &mut Runtime) {
    use ArgumentType as T;
    let sn = || T::Union(vec![T::String, T::Number]);
    let mut add = |name: &'static str, inputs: Vec<ArgumentType>, f: Handler| {
        runtime.register_function(
            name,
            Box::new(CustomFunction::new(
                Signature::new(inputs, None),
                Box::new(move |args: &[Rcvar], ctx: &mut Context<'_>| f(name, args, ctx)),
            )),
        );
    };

    add("compare", vec![T::String, T::String], |_, a, _| {
        let ord = str_arg(a, 0).cmp(str_arg(a, 1)) as i8;
        Ok(Rcvar::new(Variable::Number(ord.into())))
    });
    add("equal_fold", vec![T::String, T::String], |_, a, _| {
        bool_out(go_equal_fold(str_arg(a, 0), str_arg(a, 1)))
    });
    add(
        "replace",
        vec![T::String, T::String, T::String, T::Number],
        |n, a, c| {
            let out = go_replace(
                str_arg(a, 0),
                str_arg(a, 1),
                str_arg(a, 2),
                num_arg(a, 3) as i64,
            );
            string_out(c, n, out)
        },
    );
    add(
        "replace_all",
        vec![T::String, T::String, T::String],
        |n, a, c| {
            string_out(
                c,
                n,
                go_replace(str_arg(a, 0), str_arg(a, 1), str_arg(a, 2), -1),
            )
        },
    );
    add("to_upper", vec![T::String], |n, a, c| {
        string_out(c, n, str_arg(a, 0).to_uppercase())
    });
    add("to_lower", vec![T::String], |n, a, c| {
        string_out(c, n, str_arg(a, 0).to_lowercase())
    });
    add("trim", vec![T::String, T::String], |n, a, c| {
        string_out(c, n, go_trim(str_arg(a, 0), str_arg(a, 1)).to_owned())
    });
    add("trim_prefix", vec![T::String, T::String], |n, a, c| {
        let s = str_arg(a, 0);
        string_out(c, n, s.strip_prefix(str_arg(a, 1)).unwrap_or(s).to_owned())
    });
    add("split", vec![T::String, T::String], |n, a, c| {
        let parts = go_split(str_arg(a, 0), str_arg(a, 1));
        spend(c, n, parts.iter().map(|p| p.len() + 16).sum())?;
        Ok(Rcvar::new(Variable::Array(
            parts
                .into_iter()
                .map(|p| Rcvar::new(Variable::String(p)))
                .collect(),
        )))
    });
    for name in ["regex_replace_all", "regex_replace_all_literal"] {
        add(name, vec![T::String, sn(), sn()], |n, a, c| {
            let re = compile_regex(c, n, str_arg(a, 0))?;
            let src = string_or_number(c, n, a, 1)?;
            let repl = string_or_number(c, n, a, 2)?;
            let out = if n == "regex_replace_all_literal" {
                re.replace_all(&src, regex::NoExpand(&repl)).into_owned()
            } else {
                re.replace_all(&src, repl.as_str()).into_owned()
            };
            string_out(c, n, out)
        });
    }
    add("regex_match", vec![T::String, sn()], |n, a, c| {
        let re = compile_regex(c, n, str_arg(a, 0))?;
        bool_out(re.is_match(&string_or_number(c, n, a, 1)?))
    });
    add("pattern_match", vec![T::String, sn()], |n, a, c| {
        let text = string_or_number(c, n, a, 1)?;
        bool_out(crate::kyverno::wildcard::matches(str_arg(a, 0), &text))
    });
    add("to_boolean", vec![T::String], |n, a, c| {
        match str_arg(a, 0).to_lowercase().as_str() {
            "true" => bool_out(true),
            "false" => bool_out(false),
            _ => Err(fail(
                c,
                generic(
                    n,
                    format!(
                        "lowercase argument must be 'true' or 'false' (provided: '{}')",
                        str_arg(a, 0)
                    ),
                ),
            )),
        }
    });
    for name in ["add", "subtract", "multiply", "divide", "modulo"] {
        add(name, vec![T::Any, T::Any], |n, a, c| {
            arithmetic(c, n, &a[0], &a[1])
        });
    }
    add("sum", vec![T::Array], |n, a, c| {
        let items = a[0].as_array().map(Vec::as_slice).unwrap_or_default();
        let Some(first) = items.first() else {
            return Err(fail(
                c,
                generic(n, "at least one element in the array is required"),
            ));
        };
        let mut total = first.clone();
        for item in &items[1..] {
            total = arithmetic(c, n, &total, item)?;
        }
        // A lone element comes back as it is, whatever its type (as Kyverno's).
        Ok(total)
    });
    add("round", vec![T::Number, T::Number], |n, a, c| {
        let places = num_arg(a, 1);
        if !places.is_finite() || places.trunc() != places {
            return Err(fail(
                c,
                generic(n, "Non-integer argument(s) passed for round off"),
            ));
        }
        if places < 0.0 {
            return Err(fail(c, generic(n, "2 argument is out of bounds (0)")));
        }
        let shift = 10f64.powf(places);
        number_out(c, n, (num_arg(a, 0) * shift).round() / shift)
    });
    add("base64_decode", vec![T::String], |n, a, c| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(str_arg(a, 0))
            .map_err(|e| fail(c, generic(n, e)))?;
        string_out(c, n, String::from_utf8_lossy(&bytes).into_owned())
    });
    add("base64_encode", vec![T::String], |n, a, c| {
        string_out(
            c,
            n,
            base64::engine::general_purpose::STANDARD.encode(str_arg(a, 0)),
        )
    });
    add("truncate", vec![T::String, T::Number], |n, a, c| {
        let length = num_arg(a, 1).max(0.0) as usize;
        string_out(c, n, str_arg(a, 0).chars().take(length).collect())
    });
    add("semver_compare", vec![T::String, T::String], |_, a, c| {
        // Kyverno ignores a version that does not parse (it compares as 0.0.0).
        let version =
            semver::Version::parse(str_arg(a, 0)).unwrap_or(semver::Version::new(0, 0, 0));
        semver_in_range(&version, str_arg(a, 1))
            .map_err(|e| fail(c, e))
            .and_then(bool_out)
    });
    add("parse_json", vec![T::String], |n, a, c| {
        let s = str_arg(a, 0);
        spend(c, n, s.len())?;
        let value: Value = serde_json::from_str(s).map_err(|e| fail(c, generic(n, e)))?;
        json_to_var(c, n, value)
    });
    super::time_functions::register(&mut add);
}

/// Go's `strings.EqualFold` (simple Unicode case folding).
fn go_equal_fold(a: &str, b: &str) -> bool {
    let mut x = a.chars();
    let mut y = b.chars();
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) => {
                if p != q
                    && !p.to_lowercase().eq(q.to_lowercase())
                    && !p.to_uppercase().eq(q.to_uppercase())
                {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use serde_json::json;

    /// Evaluate `expr` over `data` at 2026-01-08T00:00:00Z; a function error comes back as
    /// Kyverno's message.
    fn eval(expr: &str, data: Value) -> Result<Value, String> {
        let scope = EvalScope::enter(1_767_830_400);
        let compiled = RUNTIME.compile(expr).map_err(|e| e.to_string())?;
        match compiled.search(data) {
            Ok(v) => serde_json::to_value(&*v).map_err(|e| e.to_string()),
            Err(e) => Err(scope.take_error().unwrap_or_else(|| e.to_string())),
        }
    }

    pub(crate) fn ok(expr: &str) -> Value {
        eval(expr, json!({})).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    pub(crate) fn err(expr: &str) -> String {
        eval(expr, json!({})).expect_err(expr)
    }

    #[test]
    fn string_functions() {
        assert_eq!(ok("compare('a', 'b')"), json!(-1));
        assert_eq!(ok("compare('b', 'a')"), json!(1));
        assert_eq!(ok("compare('a', 'a')"), json!(0));
        assert_eq!(ok("equal_fold('Go', 'GO')"), json!(true));
        assert_eq!(ok("equal_fold('Go', 'Ga')"), json!(false));
        assert_eq!(ok("replace('aaa', 'a', 'b', `2`)"), json!("bba"));
        assert_eq!(ok("replace('aaa', 'a', 'b', `-1`)"), json!("bbb"));
        assert_eq!(ok("replace_all('a-b-c', '-', '/')"), json!("a/b/c"));
        assert_eq!(ok("to_upper('abc')"), json!("ABC"));
        assert_eq!(ok("to_lower('ABC')"), json!("abc"));
        assert_eq!(ok("trim('--x--', '-')"), json!("x"));
        assert_eq!(
            ok("trim_prefix('refs/heads/main', 'refs/heads/')"),
            json!("main")
        );
        assert_eq!(ok("trim_prefix('main', 'refs/')"), json!("main"));
        assert_eq!(ok("split('a,b', ',')"), json!(["a", "b"]));
        assert_eq!(ok("split('ab', '')"), json!(["a", "b"]));
        assert_eq!(ok("truncate('abcdef', `3`)"), json!("abc"));
        assert_eq!(ok("truncate('abc', `-1`)"), json!(""));
        assert_eq!(ok("base64_encode('hi')"), json!("aGk="));
        assert_eq!(ok("base64_decode('aGk=')"), json!("hi"));
        assert!(err("base64_decode('!!')").starts_with("JMESPath function 'base64_decode'"));
        assert_eq!(ok("to_boolean('TrUe')"), json!(true));
        assert!(err("to_boolean('yes')").contains("must be 'true' or 'false'"));
        assert_eq!(ok("parse_json('{\"a\": [1]}').a[0]"), json!(1));
        assert!(err("parse_json('{')").starts_with("JMESPath function 'parse_json'"));
    }

    #[test]
    fn type_mismatches_are_errors() {
        assert!(eval("to_upper(`1`)", json!({})).is_err());
        assert!(eval("compare('a')", json!({})).is_err());
        assert!(eval("truncate('a', 'b')", json!({})).is_err());
        assert!(eval("no_such_function('a')", json!({})).is_err());
        assert!(eval("x509_decode('a')", json!({})).is_err());
    }

    #[test]
    fn regex_and_patterns() {
        assert_eq!(ok("regex_match('^v[0-9]+$', 'v12')"), json!(true));
        assert_eq!(ok("regex_match('^v[0-9]+$', 'x12')"), json!(false));
        assert_eq!(ok("regex_match('^1', `12`)"), json!(true));
        assert!(err("regex_match('(', 'x')").starts_with("JMESPath function 'regex_match'"));
        assert_eq!(
            ok("pattern_match('registry.example/*', 'registry.example/a/b')"),
            json!(true)
        );
        assert_eq!(ok("pattern_match('a?', 'abc')"), json!(false));
        assert_eq!(
            ok("regex_replace_all('([a-z])-', 'a-b-', '${1}_')"),
            json!("a_b_")
        );
        assert_eq!(
            ok("regex_replace_all_literal('-', 'a-b', '$1')"),
            json!("a$1b")
        );
    }

    #[test]
    fn arithmetic() {
        assert_eq!(ok("add(`1`, `2`)"), json!(3.0));
        assert_eq!(ok("add('1h', '30m0s')"), json!("1h30m0s"));
        assert_eq!(ok("subtract(`5`, `7`)"), json!(-2.0));
        assert_eq!(ok("subtract('2h', '30s')"), json!("1h59m30s"));
        assert_eq!(ok("multiply('1h', `2`)"), json!("2h0m0s"));
        assert_eq!(ok("multiply(`3`, `2`)"), json!(6.0));
        assert_eq!(ok("divide(`6`, `4`)"), json!(1.5));
        assert_eq!(ok("divide('1h', '30m0s')"), json!(2.0));
        assert_eq!(ok("divide('1h', `4`)"), json!("15m0s"));
        assert_eq!(ok("modulo(`7`, `3`)"), json!(1.0));
        assert_eq!(ok("sum(`[1, 2, 3]`)"), json!(6.0));
        assert_eq!(ok("sum(['1h', '1h0m0s'])"), json!("2h0m0s"));
        assert_eq!(ok("round(`1.256`, `2`)"), json!(1.26));
        assert!(err("divide(`1`, `0`)").ends_with("Zero divisor passed"));
        assert!(err("modulo(`1.5`, `1`)").contains("Non-integer"));
        assert!(err("add(`1`, '1h')").ends_with("Types mismatch"));
        assert!(err("add('x', '1h')").ends_with("invalid operand"));
        assert!(err("add('1Gi', '1Gi')").contains("quantities"));
        assert!(err("sum(`[]`)").contains("at least one element"));
        assert!(err("round(`1.5`, `0.5`)").contains("Non-integer"));
    }

    #[test]
    fn semver() {
        assert_eq!(ok("semver_compare('1.2.3', '>=1.0.0 <2.0.0')"), json!(true));
        assert_eq!(
            ok("semver_compare('2.2.3', '>=1.0.0 <2.0.0')"),
            json!(false)
        );
        assert_eq!(
            ok("semver_compare('3.0.0', '<1.0.0 || >=3.0.0')"),
            json!(true)
        );
        assert_eq!(ok("semver_compare('1.0.0', '!1.0.0')"), json!(false));
        assert_eq!(ok("semver_compare('1.0.0', '1.0.0')"), json!(true));
        assert!(eval("semver_compare('1.0.0', '>=1.x')", json!({})).is_err());
    }

    #[test]
    fn outputs_are_budgeted() {
        let run = |expr: &str, data: Value| {
            let scope = EvalScope::with_budget(0, 1 << 20);
            let compiled = RUNTIME.compile(expr).unwrap();
            super::super::interpret::search(&compiled, &RUNTIME, &data)
                .map(|_| ())
                .map_err(|e| scope.take_error().unwrap_or_else(|| e.to_string()))
        };
        let data = json!({"items": vec!["x".repeat(100 << 10); 20]});
        let error = run("items[*].to_upper(@)", data.clone()).unwrap_err();
        assert!(error.contains("budget"), "{error}");
        // Under the budget: fine.
        assert!(run("items[:3].to_upper(@)", data).is_ok());
    }
}
