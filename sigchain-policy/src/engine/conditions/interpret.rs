//! A JMESPath tree walker over jmespath.rs's public syntax tree, reading the predicate where it
//! lies.
//!
//! `jmespath::Expression::search` converts its input to a fresh `Variable` tree (through serde,
//! below the top level) on every call; its own walker is private before 0.5, which needs rustc
//! 1.88. For a vulnerability report of a few hundred findings that conversion costs far more
//! than the query. So expressions are walked here, by the JMESPath specification's rules, over
//! the predicate's `serde_json::Value` as it is: navigation, projections and filters borrow;
//! only what a function receives, a comparison's operands and the final result are converted.
//! Functions, built-in and Kyverno's, are the runtime's own.

use std::collections::BTreeMap;

use jmespath::ast::{Ast, Comparator};
use jmespath::{Context, ErrorReason, JmespathError, Rcvar, RuntimeError, Variable};
use serde_json::Value;

/// How deep the walker recurses: expressions are bounded in length, so this only stops a
/// pathological nesting before the stack does.
const MAX_DEPTH: usize = 256;

const NULL: &Value = &Value::Null;

/// A value met while walking: borrowed from the document, or made on the way.
#[derive(Debug, Clone)]
pub(crate) enum Node<'a> {
    /// Part of the document.
    Json(&'a Value),
    /// A literal or a function's result.
    Var(Rcvar),
    /// A list made by a projection, a flatten, a multi-select or object values.
    List(Vec<Node<'a>>),
    /// An object made by a multi-select hash.
    Map(BTreeMap<String, Node<'a>>),
}

/// Bytes charged per copied value besides its text: the cost of a node, roughly.
const NODE_COST: usize = 32;

const OVER_BUDGET: &str = "values copied out of the predicate exceed the evaluation budget";

fn charge(value_len: usize) -> Result<(), String> {
    if super::functions::charge(NODE_COST + value_len) {
        Ok(())
    } else {
        Err(OVER_BUDGET.to_owned())
    }
}

/// A JSON value as a JMESPath value (what a function receives), converted directly and
/// charged to the evaluation's budget.
pub(crate) fn to_variable(value: &Value) -> Result<Rcvar, String> {
    Ok(Rcvar::new(match value {
        Value::Null => Variable::Null,
        Value::Bool(b) => Variable::Bool(*b),
        Value::Number(n) => Variable::Number(n.clone()),
        Value::String(s) => {
            charge(s.len())?;
            Variable::String(s.clone())
        }
        Value::Array(items) => {
            charge(0)?;
            Variable::Array(items.iter().map(to_variable).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => {
            charge(0)?;
            Variable::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), to_variable(v)?)))
                    .collect::<Result<_, String>>()?,
            )
        }
    }))
}

/// A copy of `value`, charged to the evaluation's budget.
fn copy_value(value: &Value) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => {
            charge(s.len())?;
            Value::String(s.clone())
        }
        Value::Array(items) => {
            charge(0)?;
            Value::Array(items.iter().map(copy_value).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => {
            charge(0)?;
            Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), copy_value(v)?)))
                    .collect::<Result<_, String>>()?,
            )
        }
        other => other.clone(),
    })
}

impl<'a> Node<'a> {
    fn null() -> Node<'a> {
        Node::Json(NULL)
    }

    fn is_null(&self) -> bool {
        match self {
            Node::Json(v) => v.is_null(),
            Node::Var(v) => v.is_null(),
            _ => false,
        }
    }

    /// JMESPath truthiness: `null`, `false`, `""`, `[]` and `{}` are false.
    fn is_truthy(&self) -> bool {
        match self {
            Node::Json(Value::Null) | Node::Json(Value::Bool(false)) => false,
            Node::Json(Value::String(s)) => !s.is_empty(),
            Node::Json(Value::Array(a)) => !a.is_empty(),
            Node::Json(Value::Object(o)) => !o.is_empty(),
            Node::Json(_) => true,
            Node::Var(v) => v.is_truthy(),
            Node::List(items) => !items.is_empty(),
            Node::Map(map) => !map.is_empty(),
        }
    }

    fn field(&self, name: &str) -> Node<'a> {
        match self {
            Node::Json(Value::Object(map)) => map.get(name).map_or_else(Node::null, Node::Json),
            Node::Var(v) if v.is_object() => Node::Var(v.get_field(name)),
            Node::Map(map) => map.get(name).cloned().unwrap_or_else(Node::null),
            _ => Node::null(),
        }
    }

    /// The elements, when this is an array.
    fn elements(&self) -> Option<Vec<Node<'a>>> {
        match self {
            Node::Json(Value::Array(items)) => Some(items.iter().map(Node::Json).collect()),
            Node::Var(v) => v
                .as_array()
                .map(|items| items.iter().cloned().map(Node::Var).collect()),
            Node::List(items) => Some(items.clone()),
            _ => None,
        }
    }

    fn index(&self, idx: i32) -> Node<'a> {
        let Some(items) = self.elements() else {
            return Node::null();
        };
        let at = if idx >= 0 {
            Some(idx as usize)
        } else {
            items.len().checked_sub(idx.unsigned_abs() as usize)
        };
        at.and_then(|i| items.get(i).cloned())
            .unwrap_or_else(Node::null)
    }

    fn object_values(&self) -> Option<Vec<Node<'a>>> {
        match self {
            Node::Json(Value::Object(map)) => Some(map.values().map(Node::Json).collect()),
            Node::Var(v) => v
                .as_object()
                .map(|map| map.values().cloned().map(Node::Var).collect()),
            Node::Map(map) => Some(map.values().cloned().collect()),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Json(Value::String(s)) => Some(s),
            Node::Var(v) => v.as_string().map(String::as_str),
            _ => None,
        }
    }

    /// As a JMESPath value (for functions and comparisons).
    pub(crate) fn to_rcvar(&self) -> Result<Rcvar, String> {
        match self {
            Node::Json(v) => to_variable(v),
            Node::Var(v) => Ok(v.clone()),
            Node::List(items) => Ok(Rcvar::new(Variable::Array(
                items.iter().map(Node::to_rcvar).collect::<Result<_, _>>()?,
            ))),
            Node::Map(map) => Ok(Rcvar::new(Variable::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), v.to_rcvar()?)))
                    .collect::<Result<_, String>>()?,
            ))),
        }
    }

    /// As JSON (the substituted value).
    pub(crate) fn to_value(&self) -> Result<Value, String> {
        match self {
            Node::Json(v) => copy_value(v),
            Node::Var(v) => serde_json::to_value(&**v).map_err(|e| e.to_string()),
            Node::List(items) => items
                .iter()
                .map(Node::to_value)
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Node::Map(map) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), v.to_value()?)))
                .collect::<Result<serde_json::Map<_, _>, String>>()
                .map(Value::Object),
        }
    }
}

/// Evaluate `expression` over `data`.
pub(crate) fn search<'a>(
    expression: &jmespath::Expression<'_>,
    runtime: &jmespath::Runtime,
    data: &'a Value,
) -> Result<Node<'a>, JmespathError> {
    let mut ctx = Context::new(expression.as_str(), runtime);
    walk(&Node::Json(data), expression.as_ast(), &mut ctx, 0)
}

fn invalid_slice(ctx: &Context<'_>) -> JmespathError {
    JmespathError::from_ctx(ctx, ErrorReason::Runtime(RuntimeError::InvalidSlice))
}

fn walk<'a>(
    data: &Node<'a>,
    node: &Ast,
    ctx: &mut Context<'_>,
    depth: usize,
) -> Result<Node<'a>, JmespathError> {
    if depth > MAX_DEPTH {
        return Err(JmespathError::from_ctx(
            ctx,
            ErrorReason::Parse(format!("expression nested deeper than {MAX_DEPTH}")),
        ));
    }
    let next = depth + 1;
    match node {
        Ast::Identity { .. } => Ok(data.clone()),
        Ast::Field { name, .. } => Ok(data.field(name)),
        Ast::Subexpr { lhs, rhs, .. } => {
            let left = walk(data, lhs, ctx, next)?;
            if left.is_null() {
                Ok(left)
            } else {
                walk(&left, rhs, ctx, next)
            }
        }
        Ast::Index { idx, .. } => Ok(data.index(*idx)),
        Ast::Literal { value, .. } => Ok(Node::Var(value.clone())),
        Ast::Slice {
            start, stop, step, ..
        } => {
            let Some(items) = data.elements() else {
                return Ok(Node::null());
            };
            if *step == 0 {
                return Err(invalid_slice(ctx));
            }
            // Slice positions, by the library's own rules, over placeholders.
            let positions = Variable::Array(
                (0..items.len())
                    .map(|i| Rcvar::new(Variable::Number(i.into())))
                    .collect(),
            );
            let picked = positions
                .slice(*start, *stop, *step)
                .ok_or_else(|| invalid_slice(ctx))?;
            Ok(Node::List(
                picked
                    .iter()
                    .filter_map(|p| p.as_number())
                    .filter_map(|p| items.get(p as usize).cloned())
                    .collect(),
            ))
        }
        Ast::Projection { lhs, rhs, .. } => {
            let left = walk(data, lhs, ctx, next)?;
            let Some(items) = left.elements() else {
                return Ok(Node::null());
            };
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                let projected = walk(item, rhs, ctx, next)?;
                if !projected.is_null() {
                    out.push(projected);
                }
            }
            Ok(Node::List(out))
        }
        Ast::ObjectValues { node, .. } => {
            let inner = walk(data, node, ctx, next)?;
            Ok(inner.object_values().map_or_else(Node::null, Node::List))
        }
        Ast::Flatten { node, .. } => {
            let inner = walk(data, node, ctx, next)?;
            let Some(items) = inner.elements() else {
                return Ok(Node::null());
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item.elements() {
                    Some(nested) => out.extend(nested),
                    None => out.push(item),
                }
            }
            Ok(Node::List(out))
        }
        Ast::MultiList { elements, .. } => {
            if data.is_null() {
                return Ok(Node::null());
            }
            let items = elements
                .iter()
                .map(|e| walk(data, e, ctx, next))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Node::List(items))
        }
        Ast::MultiHash { elements, .. } => {
            if data.is_null() {
                return Ok(Node::null());
            }
            let mut map = BTreeMap::new();
            for pair in elements {
                map.insert(pair.key.clone(), walk(data, &pair.value, ctx, next)?);
            }
            Ok(Node::Map(map))
        }
        Ast::Function {
            name, args, offset, ..
        } => {
            let values = args
                .iter()
                .map(|a| {
                    let node = walk(data, a, ctx, next)?;
                    node.to_rcvar().map_err(|e| super::functions::fail(ctx, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            ctx.offset = *offset;
            let runtime = ctx.runtime;
            match runtime.get_function(name) {
                Some(function) => function.evaluate(&values, ctx).map(Node::Var),
                None => Err(JmespathError::from_ctx(
                    ctx,
                    ErrorReason::Runtime(RuntimeError::UnknownFunction(name.clone())),
                )),
            }
        }
        Ast::Expref { ast, .. } => Ok(Node::Var(Rcvar::new(Variable::Expref(*ast.clone())))),
        Ast::Not { node, .. } => {
            let inner = walk(data, node, ctx, next)?;
            Ok(Node::Var(Rcvar::new(Variable::Bool(!inner.is_truthy()))))
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            let holds = walk(data, predicate, ctx, next)?;
            if holds.is_truthy() {
                walk(data, then, ctx, next)
            } else {
                Ok(Node::null())
            }
        }
        Ast::Comparison {
            comparator,
            lhs,
            rhs,
            ..
        } => {
            let left = walk(data, lhs, ctx, next)?;
            let right = walk(data, rhs, ctx, next)?;
            // Strings are compared where they lie (the common filter `[?Severity=='X']`).
            let answer = match (comparator, left.as_str(), right.as_str()) {
                (Comparator::Equal, Some(a), Some(b)) => Some(a == b),
                (Comparator::NotEqual, Some(a), Some(b)) => Some(a != b),
                _ => {
                    let fail = |e| super::functions::fail(ctx, e);
                    let (l, r) = (
                        left.to_rcvar().map_err(fail)?,
                        right.to_rcvar().map_err(fail)?,
                    );
                    l.compare(comparator, &r)
                }
            };
            Ok(match answer {
                Some(b) => Node::Var(Rcvar::new(Variable::Bool(b))),
                None => Node::null(),
            })
        }
        Ast::And { lhs, rhs, .. } => {
            let left = walk(data, lhs, ctx, next)?;
            if left.is_truthy() {
                walk(data, rhs, ctx, next)
            } else {
                Ok(left)
            }
        }
        Ast::Or { lhs, rhs, .. } => {
            let left = walk(data, lhs, ctx, next)?;
            if left.is_truthy() {
                Ok(left)
            } else {
                walk(data, rhs, ctx, next)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn copies_are_budgeted() {
        let scope = super::super::functions::EvalScope::with_budget(0, 1 << 20);
        let data = json!({"s": "x".repeat(100 << 10)});
        let expr = format!("[{}]", vec!["@"; 40].join(","));
        let runtime = &*super::super::functions::RUNTIME;
        let compiled = runtime.compile(&expr).unwrap();
        // Walking only borrows; copying the result out is what the budget stops.
        let result = search(&compiled, runtime, &data).unwrap();
        assert_eq!(result.to_value().unwrap_err(), OVER_BUDGET);
        let compiled = runtime.compile(&format!("length({expr})")).unwrap();
        assert!(search(&compiled, runtime, &data).is_err());
        assert_eq!(scope.take_error().as_deref(), Some(OVER_BUDGET));
    }

    /// The walker and the library's own `search` agree.
    #[test]
    fn agrees_with_the_library() {
        let _scope = super::super::functions::EvalScope::enter(0);
        let data = json!({
            "a": {"b": [1, 2, {"c": 3}], "d": "x"},
            "people": [{"name": "a", "age": 30, "tags": ["x", "y"]}, {"name": "b", "age": 20, "tags": ["z"]},
                       {"name": "c"}],
            "m": {"k1": 1, "k2": 2}, "t": true, "f": false, "n": null
        });
        let runtime = &*super::super::functions::RUNTIME;
        for expr in [
            "a.b[0]",
            "a.b[-1].c",
            "a.b[5]",
            "a.x.y",
            "a.b[1:]",
            "a.b[::-1]",
            "people[*].name",
            "people[?age > `25`].name",
            "people[?age].name | length(@)",
            "people[].tags[]",
            "people[].tags",
            "m.*",
            "[a.d, t]",
            "{x: a.d, y: m.k2}",
            "!t",
            "t && f",
            "f || a.d",
            "n || `5`",
            "sort_by(people[?age], &age)[0].name",
            "max_by(people[?age], &age).name",
            "people[?name == 'b'] | [0].age",
            "a.b[?@ == `2`]",
            "`[1,[2,[3]]]`[]",
            "a.d.e",
            "people[*].age",
            "n.x",
            "length(people)",
            "to_upper(a.d)",
            "people[?contains(tags || `[]`, 'x')].name",
            "a.b[0:2:0]",
            "nope(`1`)",
            "people[0].{n: name, a: age}",
            "m.k1 == `1`",
            "a.b[-2:]",
            "a.b[::2]",
            "a.b[10:]",
            "m.*.x",
            "{x: a.d}.x",
            "[a.d, t][0]",
            "people[?tags[?@ == 'x']].name",
            "a.b[?@ > `1`]",
            "people[*].tags[0]",
            "`{\"k\": [1,2]}`.k[1]",
            "people[-1].name",
            "people[?age > `25` || name == 'c'].name",
            "m | keys(@)",
            "people[*].[name, age]",
            "people[].[name][]",
            "people[?name != 'a'] | length(@)",
            "a.b[2].*",
            "f.x || `\"d\"`",
            "a.d < 'y'",
        ] {
            let compiled = runtime.compile(expr).unwrap();
            let library = compiled.search(data.clone()).map(|v| (*v).clone());
            let ours = search(&compiled, runtime, &data).map(|v| v.to_value().unwrap());
            let library = library.map(|v| serde_json::to_value(&v).unwrap());
            assert_eq!(
                ours.is_ok(),
                library.is_ok(),
                "{expr}: {ours:?} vs {library:?}"
            );
            if let (Ok(o), Ok(l)) = (ours, library) {
                assert_eq!(o, l, "{expr}");
            }
        }
    }
}
