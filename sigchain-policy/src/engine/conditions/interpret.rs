//! A JMESPath tree walker over jmespath.rs's public syntax tree.
//!
//! `jmespath::Expression::search` converts its input to a fresh `Variable` tree through serde
//! on every call (its identity conversion for an already-converted value needs the nightly
//! `specialized` feature, and its own walker is private before 0.5, which needs rustc 1.88).
//! For a vulnerability report of a few hundred findings that conversion costs far more than
//! the query. So a statement's predicate is converted once ([`to_variable`]) and every
//! expression of the conditions walks it here, by the JMESPath specification's rules;
//! functions, built-in and Kyverno's, are the runtime's own.

use jmespath::ast::Ast;
use jmespath::{Context, ErrorReason, JmespathError, Rcvar, RuntimeError, Variable};
use serde_json::Value;

/// How deep the walker recurses: expressions are bounded in length, so this only stops a
/// pathological nesting before the stack does.
const MAX_DEPTH: usize = 256;

/// The predicate as a JMESPath value, converted directly (the library's own conversion goes
/// through serde below the top level). Recursion follows the value's nesting, which
/// `serde_json` bounds when it parses.
pub(crate) fn to_variable(value: &Value) -> Rcvar {
    Rcvar::new(match value {
        Value::Null => Variable::Null,
        Value::Bool(b) => Variable::Bool(*b),
        Value::Number(n) => Variable::Number(n.clone()),
        Value::String(s) => Variable::String(s.clone()),
        Value::Array(items) => Variable::Array(items.iter().map(to_variable).collect()),
        Value::Object(map) => Variable::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_variable(v)))
                .collect(),
        ),
    })
}

/// Evaluate `ast` (compiled from `expression`) over `data`.
pub(crate) fn search(
    expression: &jmespath::Expression<'_>,
    runtime: &jmespath::Runtime,
    data: &Rcvar,
) -> Result<Rcvar, JmespathError> {
    let mut ctx = Context::new(expression.as_str(), runtime);
    walk(data, expression.as_ast(), &mut ctx, 0)
}

fn null() -> Rcvar {
    Rcvar::new(Variable::Null)
}

fn walk(
    data: &Rcvar,
    node: &Ast,
    ctx: &mut Context<'_>,
    depth: usize,
) -> Result<Rcvar, JmespathError> {
    if depth > MAX_DEPTH {
        return Err(JmespathError::from_ctx(
            ctx,
            ErrorReason::Parse(format!("expression nested deeper than {MAX_DEPTH}")),
        ));
    }
    let next = depth + 1;
    match node {
        Ast::Identity { .. } => Ok(data.clone()),
        Ast::Field { name, .. } => Ok(match &**data {
            Variable::Object(map) => map.get(name).cloned().unwrap_or_else(null),
            _ => null(),
        }),
        Ast::Subexpr { lhs, rhs, .. } => {
            let left = walk(data, lhs, ctx, next)?;
            if left.is_null() {
                Ok(left)
            } else {
                walk(&left, rhs, ctx, next)
            }
        }
        Ast::Index { idx, .. } => Ok(match &**data {
            Variable::Array(_) if *idx >= 0 => data.get_index(*idx as usize),
            Variable::Array(_) => data.get_negative_index(idx.unsigned_abs() as usize),
            _ => null(),
        }),
        Ast::Literal { value, .. } => Ok(value.clone()),
        Ast::Slice {
            start, stop, step, ..
        } => {
            if !data.is_array() {
                return Ok(null());
            }
            if *step == 0 {
                return Err(JmespathError::from_ctx(
                    ctx,
                    ErrorReason::Runtime(RuntimeError::InvalidSlice),
                ));
            }
            match data.slice(*start, *stop, *step) {
                Some(items) => Ok(Rcvar::new(Variable::Array(items))),
                None => Err(JmespathError::from_ctx(
                    ctx,
                    ErrorReason::Runtime(RuntimeError::InvalidSlice),
                )),
            }
        }
        Ast::Projection { lhs, rhs, .. } => {
            let left = walk(data, lhs, ctx, next)?;
            let Some(items) = left.as_array() else {
                return Ok(null());
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let projected = walk(item, rhs, ctx, next)?;
                if !projected.is_null() {
                    out.push(projected);
                }
            }
            Ok(Rcvar::new(Variable::Array(out)))
        }
        Ast::ObjectValues { node, .. } => {
            let inner = walk(data, node, ctx, next)?;
            Ok(match inner.as_object() {
                Some(map) => Rcvar::new(Variable::Array(map.values().cloned().collect())),
                None => null(),
            })
        }
        Ast::Flatten { node, .. } => {
            let inner = walk(data, node, ctx, next)?;
            let Some(items) = inner.as_array() else {
                return Ok(null());
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item.as_array() {
                    Some(nested) => out.extend(nested.iter().cloned()),
                    None => out.push(item.clone()),
                }
            }
            Ok(Rcvar::new(Variable::Array(out)))
        }
        Ast::MultiList { elements, .. } => {
            if data.is_null() {
                return Ok(null());
            }
            let items = elements
                .iter()
                .map(|e| walk(data, e, ctx, next))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Rcvar::new(Variable::Array(items)))
        }
        Ast::MultiHash { elements, .. } => {
            if data.is_null() {
                return Ok(null());
            }
            let mut map = std::collections::BTreeMap::new();
            for pair in elements {
                map.insert(pair.key.clone(), walk(data, &pair.value, ctx, next)?);
            }
            Ok(Rcvar::new(Variable::Object(map)))
        }
        Ast::Function {
            name, args, offset, ..
        } => {
            let values = args
                .iter()
                .map(|a| walk(data, a, ctx, next))
                .collect::<Result<Vec<_>, _>>()?;
            ctx.offset = *offset;
            let runtime = ctx.runtime;
            match runtime.get_function(name) {
                Some(function) => function.evaluate(&values, ctx),
                None => Err(JmespathError::from_ctx(
                    ctx,
                    ErrorReason::Runtime(RuntimeError::UnknownFunction(name.clone())),
                )),
            }
        }
        Ast::Expref { ast, .. } => Ok(Rcvar::new(Variable::Expref(*ast.clone()))),
        Ast::Not { node, .. } => {
            let inner = walk(data, node, ctx, next)?;
            Ok(Rcvar::new(Variable::Bool(!inner.is_truthy())))
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            let holds = walk(data, predicate, ctx, next)?;
            if holds.is_truthy() {
                walk(data, then, ctx, next)
            } else {
                Ok(null())
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
            Ok(match left.compare(comparator, &right) {
                Some(b) => Rcvar::new(Variable::Bool(b)),
                None => null(),
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

    /// The walker and the library's own `search` agree.
    #[test]
    fn agrees_with_the_library() {
        let data = json!({
            "a": {"b": [1, 2, {"c": 3}], "d": "x"},
            "people": [{"name": "a", "age": 30, "tags": ["x", "y"]}, {"name": "b", "age": 20, "tags": ["z"]},
                       {"name": "c"}],
            "m": {"k1": 1, "k2": 2}, "t": true, "f": false, "n": null
        });
        let rcvar = to_variable(&data);
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
            "a.d < 'y'",
        ] {
            let compiled = runtime.compile(expr).unwrap();
            let library = compiled.search(data.clone()).map(|v| (*v).clone());
            let ours = search(&compiled, runtime, &rcvar).map(|v| (*v).clone());
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
