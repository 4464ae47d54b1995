//! Mutations of real documents for never-panic property tests (this crate's, and
//! `sigchain-instance`'s through the `test-strategies` feature; not a stable API): random bytes
//! alone rarely get past a JSON parser, so the tests also change one field of a real document at a time, or a
//! few of its bytes.

use proptest::prelude::*;
use serde_json::Value;

/// One edit of a JSON document: the value at the `at`-th node (in document order, modulo the
/// node count) becomes `with`, or is removed from its parent when `with` is `None`.
#[derive(Debug, Clone)]
pub struct JsonEdit {
    at: usize,
    with: Option<Value>,
}

/// Values of every JSON type, including the edge cases parsers trip over.
pub fn any_json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        Just(Value::from(i64::MIN)),
        Just(Value::from(-1)),
        Just(Value::from(0)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        "[0-9a-fA-F]{0,80}".prop_map(Value::from),
        "[A-Za-z0-9+/=]{0,60}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            proptest::collection::btree_map(".{0,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

pub fn json_edit() -> impl Strategy<Value = JsonEdit> {
    (
        any::<usize>(),
        proptest::option::weighted(0.9, any_json_value()),
    )
        .prop_map(|(at, with)| JsonEdit { at, with })
}

/// `value` with `edits` applied one after the other.
pub fn edit_json(value: &Value, edits: &[JsonEdit]) -> Value {
    let mut value = value.clone();
    for edit in edits {
        let count = count_nodes(&value);
        let mut target = edit.at % count;
        // Removing the root leaves it as it was.
        let _ = apply(&mut value, &mut target, edit.with.as_ref());
    }
    value
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

enum Walk {
    NotYet,
    Done,
    RemoveMe,
}

/// Walk to node number `target` (counting down) and edit it.
fn apply(value: &mut Value, target: &mut usize, with: Option<&Value>) -> Walk {
    if *target == 0 {
        return match with {
            Some(new) => {
                *value = new.clone();
                Walk::Done
            }
            None => Walk::RemoveMe,
        };
    }
    *target -= 1;
    match value {
        Value::Array(items) => {
            for i in 0..items.len() {
                match apply(&mut items[i], target, with) {
                    Walk::NotYet => {}
                    Walk::Done => return Walk::Done,
                    Walk::RemoveMe => {
                        items.remove(i);
                        return Walk::Done;
                    }
                }
            }
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let Some(child) = map.get_mut(&key) else {
                    continue;
                };
                match apply(child, target, with) {
                    Walk::NotYet => {}
                    Walk::Done => return Walk::Done,
                    Walk::RemoveMe => {
                        map.remove(&key);
                        return Walk::Done;
                    }
                }
            }
        }
        _ => {}
    }
    Walk::NotYet
}

/// Byte-level damage: `(position, xor)` flips (positions modulo the length) and a cut.
pub fn byte_edits() -> impl Strategy<Value = (Vec<(usize, u8)>, Option<usize>)> {
    (
        proptest::collection::vec((any::<usize>(), 1u8..), 0..4),
        proptest::option::of(any::<usize>()),
    )
}

pub fn edit_bytes(bytes: &[u8], (flips, cut): &(Vec<(usize, u8)>, Option<usize>)) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if !out.is_empty() {
        for (at, xor) in flips {
            let len = out.len();
            out[at % len] ^= xor;
        }
    }
    if let Some(cut) = cut {
        out.truncate(cut % (out.len() + 1));
    }
    out
}

/// A document: a real one edited field by field, the same with bytes damaged, or any bytes.
pub fn mutated_document(real: Value) -> impl Strategy<Value = Vec<u8>> {
    let edited = {
        let real = real.clone();
        proptest::collection::vec(json_edit(), 0..4).prop_map(move |edits| {
            serde_json::to_vec(&edit_json(&real, &edits)).unwrap_or_default()
        })
    };
    let damaged = {
        let bytes = serde_json::to_vec(&real).unwrap_or_default();
        byte_edits().prop_map(move |edits| edit_bytes(&bytes, &edits))
    };
    prop_oneof![
        4 => edited,
        2 => damaged,
        1 => proptest::collection::vec(any::<u8>(), 0..256),
    ]
}
