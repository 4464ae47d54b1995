//! A walk over one document that builds nothing: it counts nodes (aliases expanded), bounds
//! the nesting depth, and refuses duplicate mapping keys, stopping at the first breach.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use super::YamlLimits;

/// The counters of one document's walk.
pub(super) struct Budget {
    nodes: Cell<usize>,
    max_nodes: usize,
    max_depth: usize,
    breach: RefCell<Option<String>>,
}

impl Budget {
    pub(super) fn new(limits: &YamlLimits) -> Self {
        Budget {
            nodes: Cell::new(0),
            max_nodes: limits.max_nodes,
            max_depth: limits.max_depth,
            breach: RefCell::new(None),
        }
    }

    pub(super) fn root(&self) -> Walk<'_> {
        Walk {
            budget: self,
            depth: 0,
        }
    }

    /// What limit was exceeded, if one was.
    pub(super) fn breach(&self) -> Option<String> {
        self.breach.borrow().clone()
    }

    fn refuse<E: de::Error>(&self, detail: String) -> E {
        let error = E::custom(&detail);
        *self.breach.borrow_mut() = Some(detail);
        error
    }

    fn count<E: de::Error>(&self) -> Result<(), E> {
        let n = self.nodes.get() + 1;
        self.nodes.set(n);
        if n > self.max_nodes {
            return Err(self.refuse(format!(
                "more than {} nodes in one document (after alias expansion)",
                self.max_nodes
            )));
        }
        Ok(())
    }
}

/// One node's place in the walk. Yields the node's text when it is a scalar (for the
/// duplicate-key check).
#[derive(Clone, Copy)]
pub(super) struct Walk<'b> {
    budget: &'b Budget,
    depth: usize,
}

impl Walk<'_> {
    fn child<E: de::Error>(self) -> Result<Self, E> {
        if self.depth + 1 > self.budget.max_depth {
            return Err(self
                .budget
                .refuse(format!("nesting deeper than {}", self.budget.max_depth)));
        }
        Ok(Walk {
            budget: self.budget,
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(Some(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(Some(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(Some(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(Some(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(Some(v.to_owned()))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.budget.count()?;
        Ok(Some("null".to_owned()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.budget.count()?;
        let child = self.child()?;
        while seq.next_element_seed(child)?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        self.budget.count()?;
        let child = self.child()?;
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key_seed(child)? {
            if let Some(key) = key {
                if !keys.insert(key.clone()) {
                    return Err(de::Error::custom(format!("duplicate mapping key `{key}`")));
                }
            }
            map.next_value_seed(child)?;
        }
        Ok(None)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        // A tagged node (`!tag value`).
        self.budget.count()?;
        let (_, variant) = data.variant::<de::IgnoredAny>()?;
        variant.newtype_variant_seed(self.child()?)?;
        Ok(None)
    }
}
