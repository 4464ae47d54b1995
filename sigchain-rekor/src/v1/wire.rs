//! Rekor v1 JSON, field for field as Rekor's OpenAPI document names them. A log server
//! writes these and a client reads them, so the two cannot disagree on a name.
//!
//! Responses are read leniently about fields they do not use (a newer Rekor may add some):
//! nothing here decides trust, the checkers in [`super`] do, over the fields they read.

use serde::{Deserialize, Serialize};

/// One log entry, as the value of the `{ "<uuid>": ... }` map Rekor answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntryAnon {
    /// Base64 of the canonical body.
    pub body: String,
    /// Seconds since the epoch at which the log integrated the entry.
    pub integrated_time: i64,
    /// Hex SHA-256 of the log's DER public key.
    #[serde(rename = "logID")]
    pub log_id: String,
    /// The entry's global index (across shards).
    pub log_index: i64,
    /// Attestation storage (unused by sigchain, carried through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<serde_json::Value>,
    /// The log's evidence for the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

/// The evidence part of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The Merkle inclusion proof with the checkpoint it reaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    /// Base64 of the signed entry timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_entry_timestamp: Option<String>,
}

/// A Merkle inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    /// The signed note of the tree head the proof reaches.
    pub checkpoint: String,
    /// Hex sibling hashes, leaf to root.
    pub hashes: Vec<String>,
    /// The entry's index in its shard's tree.
    pub log_index: i64,
    /// Hex root hash of the tree the proof is for.
    pub root_hash: String,
    /// Size of that tree.
    pub tree_size: i64,
}

/// `GET /api/v1/log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogInfo {
    /// Hex root hash of the current tree.
    pub root_hash: String,
    /// The current signed checkpoint.
    pub signed_tree_head: String,
    /// The current tree size.
    pub tree_size: i64,
    /// The active shard's tree id (decimal).
    #[serde(rename = "treeID")]
    pub tree_id: String,
    /// Earlier shards, frozen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_shards: Option<Vec<InactiveShardLogInfo>>,
}

/// A frozen shard in [`LogInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InactiveShardLogInfo {
    /// Hex root hash.
    pub root_hash: String,
    /// Its signed checkpoint.
    pub signed_tree_head: String,
    /// Its tree size.
    pub tree_size: i64,
    /// Its tree id.
    #[serde(rename = "treeID")]
    pub tree_id: String,
}

/// `GET /api/v1/log/proof`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsistencyProof {
    /// Hex root hash of the larger tree.
    pub root_hash: String,
    /// Hex proof hashes.
    pub hashes: Vec<String>,
}

/// `POST /api/v1/index/retrieve`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchIndex {
    /// An email address in a certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A public key or certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<SearchPublicKey>,
    /// `sha256:<hex>` (or bare hex) of an artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// `and` or `or` when several criteria are given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// A key to search by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPublicKey {
    /// `x509` for PEM keys and certificates.
    pub format: String,
    /// Base64 of the PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// Rekor's error body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
