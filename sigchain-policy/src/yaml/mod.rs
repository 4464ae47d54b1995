//! Bounded loading of YAML (and JSON) files holding one or more documents.
//!
//! Policy files come from people and pipelines, so the reader is hostile-input safe: the
//! file's size is checked before it is read as text, and the parser runs under budgets on
//! nesting depth, document count, nodes, anchors, aliases and — the YAML bomb ("billion
//! laughs") defence — the total number of events replayed through aliases. A document whose
//! aliases would expand past the budget is refused while it is being read, never expanded
//! first. JSON is read as YAML (YAML 1.2 is a superset of JSON), under the same limits.
//! Duplicate mapping keys are an error, not "last one wins": a second `imageReferences`
//! silently replacing the first is how a policy gets weaker unnoticed.
//!
//! The parser is [`yaml_serde`], the YAML organisation's maintained continuation of
//! `serde_yaml` (pure Rust, on `libyaml-rs`). `serde-saphyr` was the other candidate: it
//! exposes every budget (depth, documents, nodes, aliases, alias replay) as options, but all
//! its releases since 0.0.14 need rustc 1.87 or later (`is_multiple_of`, let-chains), above
//! this workspace's 1.85. `yaml_serde` has fixed internal bounds (recursion depth 128; alias
//! jumps at most 100 × the document's events), which stop self-referencing and runaway
//! aliases but not a wide expansion of a large anchor. So every document is first walked
//! without building anything, counting nodes *as expanded through aliases* and nesting
//! depth, and refused at the first breach of [`YamlLimits`]; only then is it deserialized.
//! The walk stops at the limit, so a bomb costs at most `max_nodes` steps. Documents are
//! read one at a time and counted, so a file with too many is refused at the first extra one.
//!
//! ```
//! use sigchain_policy::yaml::{load_documents, YamlLimits};
//! #[derive(serde::Deserialize)]
//! struct Doc { name: String }
//! let docs: Vec<Doc> = load_documents(b"name: a\n---\nname: b\n", &YamlLimits::default())?;
//! assert_eq!(docs.len(), 2);
//! assert_eq!(docs[1].name, "b");
//! # Ok::<(), sigchain_policy::yaml::YamlError>(())
//! ```

use serde::de::DeserializeOwned;

/// The bounds a YAML file is read under. The defaults fit any real policy file with room
/// to spare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlLimits {
    /// Largest file, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of mappings and sequences (the parser's own bound, 128, also holds).
    pub max_depth: usize,
    /// Most documents in one file.
    pub max_documents: usize,
    /// Most nodes (scalars, mappings, sequences) in one document, counted after alias
    /// expansion: the YAML bomb bound.
    pub max_nodes: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_bytes: 4 << 20,
            max_depth: 64,
            max_documents: 256,
            max_nodes: 250_000,
        }
    }
}

/// Why a file was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    /// The file is larger than [`YamlLimits::max_bytes`]; nothing was parsed.
    #[error("file of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// The file's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The file is not UTF-8 text.
    #[error("file is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// A budget (depth, documents, nodes, aliases, alias expansion) was exceeded.
    #[error("YAML limit exceeded: {detail}")]
    LimitExceeded {
        /// The parser's description of the breach, with its location.
        detail: String,
    },
    /// The text is not valid YAML, or a document does not have the expected shape (an
    /// unknown or missing field, a wrong type). The message names the field and location.
    #[error("{message}")]
    Invalid {
        /// The parser's message.
        message: String,
    },
}

/// Read every document of `bytes` as a `T`, under `limits`.
pub fn load_documents<T: DeserializeOwned>(
    bytes: &[u8],
    limits: &YamlLimits,
) -> Result<Vec<T>, YamlError> {
    if bytes.len() > limits.max_bytes {
        return Err(YamlError::TooLarge {
            len: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| YamlError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    // Pass 1: count and bound every document before anything is built.
    for (index, document) in yaml_serde::Deserializer::from_str(text).enumerate() {
        if index >= limits.max_documents {
            return Err(YamlError::LimitExceeded {
                detail: format!("more than {} documents", limits.max_documents),
            });
        }
        let budget = walk::Budget::new(limits);
        let walked = serde::de::DeserializeSeed::deserialize(budget.root(), document);
        if let Some(detail) = budget.breach() {
            return Err(YamlError::LimitExceeded { detail });
        }
        walked.map_err(classify)?;
    }
    // Pass 2: the typed read of documents now known to be small.
    let mut out = Vec::new();
    for document in yaml_serde::Deserializer::from_str(text) {
        out.push(T::deserialize(document).map_err(classify)?);
    }
    Ok(out)
}

fn classify(error: yaml_serde::Error) -> YamlError {
    let message = error.to_string();
    // `yaml_serde`'s own bounds have no public error kind; their messages are fixed.
    if message.contains("recursion limit exceeded") || message.contains("repetition limit exceeded")
    {
        YamlError::LimitExceeded { detail: message }
    } else {
        YamlError::Invalid { message }
    }
}

mod walk;

#[cfg(test)]
mod tests;
