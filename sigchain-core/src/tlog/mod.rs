//! Transparency-log proofs: what a Rekor entry in a bundle proves, checked without I/O.
//!
//! A bundle's transparency-log entry makes several kinds of claim, each checked here by a pure
//! function of the entry's bytes and the trusted root:
//!
//! - [`merkle`]: the entry's leaf is in a Merkle tree with a given root (RFC 6962 / 9162
//!   inclusion and consistency proofs).
//! - [`checkpoint`]: the log signed that root, as a C2SP signed-note checkpoint (Rekor v1 and
//!   v2); only [`checkpoint::verify_checkpoint`] can produce a [`VerifiedCheckpoint`].
//! - [`set`]: the log promised to include the entry at a given time (Rekor v1's signed entry
//!   timestamp).
//! - [`canonical`]: the bodies a log writes, built from what was submitted (the inverse of
//!   [`body`]);
//! - [`witness`]: witnesses cosigned that root (C2SP tlog-cosignature): a
//!   [`WitnessPolicy`] of `k` of `n` witness keys (parsed from vkeys), checked by
//!   [`SignedCheckpoint::verify_cosignatures`], or together with the log's signature by
//!   [`SignedCheckpoint::verify_witnessed`], which alone makes a [`WitnessedCheckpoint`]. A
//!   log can sign two different trees for two audiences; witnesses that check consistency
//!   before cosigning do not, so a quorum of them rules out such a split view.
//! - [`body`]: the entry's `canonicalizedBody` records exactly the signature, key or
//!   certificate, and digest the bundle carries (the CVE-2022-36056 class of bug: a valid log
//!   entry for *other* content must not vouch for this content).
//!
//! ```
//! use sigchain_core::tlog::merkle::{hash_children, hash_leaf, verify_inclusion};
//! let leaves = [hash_leaf(b"first entry"), hash_leaf(b"second entry")];
//! let root = hash_children(&leaves[0], &leaves[1]);
//! // Leaf 0 of a 2-leaf tree is proven by its sibling.
//! verify_inclusion(0, 2, &leaves[0], &[leaves[1]], &root).unwrap();
//! assert!(verify_inclusion(0, 2, &leaves[1], &[leaves[1]], &root).is_err());
//! ```

pub mod body;
pub mod canonical;
pub mod checkpoint;
pub mod merkle;
pub mod set;
#[cfg(test)]
mod test_support;
pub mod witness;

pub use body::{check_body_matches, BodyError, SignedContent, SignerMaterial};
pub use checkpoint::{
    key_hash, key_hint, parse_checkpoint, verify_checkpoint, CheckpointError, NoteSignature,
    SignedCheckpoint, VerifiedCheckpoint,
};
pub use merkle::{
    hash_children, hash_leaf, root_from_inclusion_proof, verify_consistency, verify_inclusion,
    MerkleError,
};
pub use set::{inclusion_promise_payload, verify_inclusion_promise, SetError};
pub use witness::{
    verify_witnessed_checkpoint, VerifiedCosignature, VkeyError, WitnessError, WitnessKey,
    WitnessPolicy, WitnessPolicyError, WitnessedCheckpoint,
};
