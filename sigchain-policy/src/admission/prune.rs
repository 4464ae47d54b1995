//! Reading a request's `object` as far as admission decisions look, and skipping the rest.
//!
//! An API server's Pod carries managed fields, environment, volumes, probes: most of a review
//! body, hundreds of small JSON values that [`crate::engine`] never reads. Building them into a
//! [`Value`] tree and freeing it again was the largest single cost of the admission webhook
//! under load (38% of its CPU with mimalloc, profiled with `perf`). This reader keeps only the
//! paths the engine and [`super::workload_images`] read — `apiVersion`, `kind`, `metadata`'s
//! name, generated name, namespace, uid, labels and annotations, and through `spec`,
//! `spec.template` and `spec.jobTemplate.spec.template` the pod template's metadata and each
//! container's `name` and `image` — and passes over everything else without building it.
//!
//! What it keeps is what the full value has at those paths, with the same types: a container
//! list that is not an array stays a non-array, an entry that is not an object stays one, so
//! the images found and their problems are the same (a property test in
//! `tests/engine_props.rs` compares whole decisions).

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Where in the object a value sits, which says what of it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// The object itself.
    Root,
    /// A `metadata` block.
    Metadata,
    /// A `spec` that may hold container lists, a `template` or a `jobTemplate`.
    Spec,
    /// A `template`: its `metadata` and `spec`.
    Template,
    /// A `jobTemplate`: its `spec`.
    JobTemplate,
    /// A container list.
    List,
    /// One container list entry.
    Container,
}

impl Shape {
    /// The shape of `key`'s value inside a map of this shape; `None` when it is skipped,
    /// `Some(None)` when it is kept whole.
    fn child(self, key: &str) -> Option<Option<Shape>> {
        match (self, key) {
            (Shape::Root, "apiVersion" | "kind") => Some(None),
            (Shape::Root | Shape::Template, "metadata") => Some(Some(Shape::Metadata)),
            (Shape::Root | Shape::Template | Shape::JobTemplate, "spec") => Some(Some(Shape::Spec)),
            (
                Shape::Metadata,
                "name" | "generateName" | "namespace" | "uid" | "labels" | "annotations",
            ) => Some(None),
            (Shape::Spec, "initContainers" | "containers" | "ephemeralContainers") => {
                Some(Some(Shape::List))
            }
            (Shape::Spec, "template") => Some(Some(Shape::Template)),
            (Shape::Spec, "jobTemplate") => Some(Some(Shape::JobTemplate)),
            (Shape::Container, "name" | "image") => Some(None),
            _ => None,
        }
    }
}

/// Deserialize a value of this shape.
struct Pruned(Shape);

impl<'de> DeserializeSeed<'de> for Pruned {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Pruned {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        if self.0 == Shape::List {
            while let Some(entry) = seq.next_element_seed(Pruned(Shape::Container))? {
                out.push(entry);
            }
        } else {
            // Nothing is read inside an array anywhere else: it only has to stay an array.
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Key(self.0))? {
            match key {
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
                Some((key, None)) => {
                    let value = map.next_value::<Value>()?;
                    out.insert(key, value);
                }
                Some((key, Some(shape))) => {
                    let value = map.next_value_seed(Pruned(shape))?;
                    out.insert(key, value);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// A key of a map of this shape: the key and its value's shape when it is kept, `None` (and
/// nothing allocated) when it is skipped.
struct Key(Shape);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<(String, Option<Shape>)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Option<(String, Option<Shape>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.child(key).map(|shape| (key.to_owned(), shape)))
    }
}

/// `deserialize_with` for a request's `object`: the pruned value, `null` read as absent.
pub(super) fn object<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Value>, D::Error> {
    let value = Pruned(Shape::Root).deserialize(deserializer)?;
    Ok(if value.is_null() { None } else { Some(value) })
}

/// `deserialize_with` that reads a value without keeping it (`oldObject`).
pub(super) fn skip<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    IgnoredAny::deserialize(deserializer)?;
    Ok(None)
}
