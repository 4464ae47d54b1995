//! Kyverno's attestation `conditions` over one in-toto statement's predicate
//! (`pkg/engine/internal/utils.go` `EvaluateConditions`, `pkg/engine/variables/evaluate.go`).
//!
//! The steps, as Kyverno takes them:
//!
//! 1. The statement's `predicate` must be an object; it becomes the root of the JMESPath
//!    context (Kyverno merges it into its context root, beside `request` and the rest; here
//!    the predicate is the whole context, so `request.…` is `null`).
//! 2. Every `{{ }}` variable in the conditions — keys, values and messages — is substituted
//!    ([`substitute`]) before any condition is evaluated: an expression that fails anywhere
//!    fails the evaluation.
//! 3. The blocks are evaluated in order; the first that does not hold decides, with its
//!    message. A block holds when its `any` list (if present) has one condition that holds
//!    and every condition of its `all` list holds. An absent `any` holds; an empty `any: []`
//!    does not (Kyverno tells nil from empty). An empty `all` holds.
//! 4. Each condition is its operator over the substituted key and value ([`operators`]).
//!
//! The failure message of a block is the non-empty `message`s of the conditions that did not
//! hold (those of `any`, then the failing one of `all`), joined with `"; "`.
//!
//! Expressions are compiled once per policy load ([`CompiledConditions::compile`]); the clock
//! is the request's, passed in, never the system's ([`functions`]).

mod functions;
mod go_values;
mod interpret;
mod operators;
mod substitute;
mod time_functions;

use serde_json::{json, Value};

use crate::kyverno::{AnyAllConditions, Condition, ConditionOperator};

use functions::EvalScope;
use substitute::{ExpressionCache, Resolver};

/// The answer of the conditions over one predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConditionsVerdict {
    /// Every block holds.
    Hold,
    /// A block does not hold: its message (possibly empty).
    Fail(String),
}

/// Why the conditions could not be evaluated, in Kyverno's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ConditionsError {
    /// The statement's predicate is not a JSON object.
    #[error("failed to extract predicate from statement: predicate is {0}, not an object")]
    PredicateNotObject(&'static str),
    /// A variable did not resolve.
    #[error("failed to substitute variables in attestation conditions: {0}")]
    Substitute(#[from] substitute::SubstituteError),
}

#[derive(Debug, Clone)]
struct CompiledCondition {
    key: Value,
    operator: ConditionOperator,
    value: Value,
    message: Value,
}

#[derive(Debug, Clone)]
struct CompiledBlock {
    any: Option<Vec<CompiledCondition>>,
    all: Vec<CompiledCondition>,
}

/// An attestation's `conditions`, with their expressions compiled.
#[derive(Debug, Default)]
pub(crate) struct CompiledConditions {
    blocks: Vec<CompiledBlock>,
    cache: ExpressionCache,
}

fn compile_condition(condition: &Condition, cache: &mut ExpressionCache) -> CompiledCondition {
    let value = condition.value.clone().unwrap_or(Value::Null);
    let message = json!(condition.message.clone().unwrap_or_default());
    cache.add_from(&condition.key);
    cache.add_from(&value);
    cache.add_from(&message);
    CompiledCondition {
        key: condition.key.clone(),
        operator: condition.operator,
        value,
        message,
    }
}

impl CompiledConditions {
    /// Compile the blocks (expressions that do not parse are reported when evaluated, as
    /// Kyverno does).
    pub(crate) fn compile(blocks: &[AnyAllConditions]) -> CompiledConditions {
        let mut cache = ExpressionCache::default();
        let blocks = blocks
            .iter()
            .map(|block| CompiledBlock {
                any: block.any.as_ref().map(|any| {
                    any.iter()
                        .map(|c| compile_condition(c, &mut cache))
                        .collect()
                }),
                all: block
                    .all
                    .iter()
                    .map(|c| compile_condition(c, &mut cache))
                    .collect(),
            })
            .collect();
        CompiledConditions { blocks, cache }
    }

    /// No blocks: nothing to evaluate (Kyverno passes without looking at the statement).
    pub(crate) fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Evaluate over one statement's `predicate` at `now_unix` (the request's clock).
    pub(crate) fn evaluate(
        &self,
        predicate: &Value,
        now_unix: i64,
    ) -> Result<ConditionsVerdict, ConditionsError> {
        if !predicate.is_object() {
            return Err(ConditionsError::PredicateNotObject(type_name(predicate)));
        }
        let scope = EvalScope::enter(now_unix);
        let resolver = Resolver {
            data: predicate,
            cache: &self.cache,
            scope: &scope,
        };
        // Step 2: substitute everything first.
        let mut substituted = Vec::with_capacity(self.blocks.len());
        for (b, block) in self.blocks.iter().enumerate() {
            let one = |kind: &str, list: &[CompiledCondition]| {
                list.iter()
                    .enumerate()
                    .map(|(c, cond)| {
                        let at = format!("/{b}/{kind}/{c}");
                        Ok((
                            resolver.substitute(&cond.key, &format!("{at}/key"))?,
                            cond.operator,
                            resolver.substitute(&cond.value, &format!("{at}/value"))?,
                            message_text(
                                resolver.substitute(&cond.message, &format!("{at}/message"))?,
                            ),
                        ))
                    })
                    .collect::<Result<Vec<_>, ConditionsError>>()
            };
            let any = match &block.any {
                Some(any) => Some(one("any", any)?),
                None => None,
            };
            let all = one("all", &block.all)?;
            substituted.push((any, all));
        }
        // Steps 3 and 4.
        for (any, all) in &substituted {
            let mut false_messages: Vec<&str> = Vec::new();
            let mut any_holds = true;
            if let Some(any) = any {
                any_holds = false;
                for (key, operator, value, message) in any {
                    if operators::holds(*operator, key, value) {
                        any_holds = true;
                        break;
                    }
                    false_messages.push(message);
                }
            }
            let mut all_holds = true;
            for (key, operator, value, message) in all {
                if !operators::holds(*operator, key, value) {
                    all_holds = false;
                    false_messages.push(message);
                    break;
                }
            }
            if !(any_holds && all_holds) {
                let message: Vec<&str> = false_messages
                    .into_iter()
                    .filter(|m| !m.is_empty())
                    .collect();
                return Ok(ConditionsVerdict::Fail(message.join("; ")));
            }
        }
        Ok(ConditionsVerdict::Hold)
    }
}

fn message_text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => go_values::go_json(&other),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
