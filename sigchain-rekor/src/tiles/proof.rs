//! RFC 9162 inclusion and consistency proofs (§2.1.3.1, §2.1.4.1) and tree roots, built from
//! the hashes of complete aligned subtrees.
//!
//! Every hash in a proof is the Merkle Tree Hash of a range `D[a..b]` whose start is aligned
//! to a power of two at least as large as the range; such a range is tiled, left to right, by
//! the complete subtrees given by the binary digits of `b - a`, so the proof needs nothing but
//! complete-subtree hashes. Those are what tiles hold and what an append-only tree keeps
//! level by level, which is why one implementation serves both the tile client and a server.
//! Checking a proof is not done here: that is [`sigchain_core::tlog::merkle`]'s job.

use sigchain_core::crypto::sha256;
use sigchain_core::tlog::merkle::hash_children;

use super::TileError;

/// A store of complete-subtree hashes: `node_hash(level, index)` is the Merkle Tree Hash of
/// the `2^level` leaves starting at leaf `index × 2^level` (level 0: the leaf hashes).
///
/// ```
/// use sigchain_rekor::sigchain_core::tlog::merkle::{hash_children, hash_leaf};
/// use sigchain_rekor::tiles::{inclusion_proof, tree_root, NodeHashes};
///
/// /// Subtree hashes level by level, as an append-only log keeps them.
/// struct Levels(Vec<Vec<[u8; 32]>>);
/// impl NodeHashes for Levels {
///     fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]> {
///         self.0.get(usize::from(level))?.get(usize::try_from(index).ok()?).copied()
///     }
/// }
/// let leaves = vec![hash_leaf(b"a"), hash_leaf(b"b"), hash_leaf(b"c")];
/// let levels = Levels(vec![leaves.clone(), vec![hash_children(&leaves[0], &leaves[1])]]);
/// assert_eq!(inclusion_proof(2, 3, &levels)?, [hash_children(&leaves[0], &leaves[1])]);
/// assert_eq!(tree_root(2, &levels)?, hash_children(&leaves[0], &leaves[1]));
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
pub trait NodeHashes {
    /// The hash of complete subtree `(level, index)`, or `None` if it is not held.
    fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]>;
}

fn node(nodes: &(impl NodeHashes + ?Sized), level: u8, index: u64) -> Result<[u8; 32], TileError> {
    nodes
        .node_hash(level, index)
        .ok_or(TileError::MissingNode { level, index })
}

/// The complete subtrees `(level, index)` that tile `D[start..end]`, left to right.
///
/// Requires `start < end` and `start` aligned to the largest power of two in `end - start`
/// (true of every range in a proof and of `0..size`), so that each piece is aligned.
pub(super) fn range_pieces(start: u64, end: u64) -> impl Iterator<Item = (u8, u64)> {
    let len = end - start;
    let mut pos = start;
    (0..u64::BITS).rev().filter_map(move |bit| {
        if (len >> bit) & 1 == 0 {
            return None;
        }
        debug_assert!(
            pos & ((1u64 << bit) - 1) == 0,
            "unaligned range {start}..{end}"
        );
        let piece = (bit as u8, pos >> bit);
        pos += 1 << bit;
        Some(piece)
    })
}

/// MTH(D[start..end]) (RFC 9162 §2.1.1): the pieces folded from the right, since the split
/// point of a range is its largest power of two.
fn range_hash(
    start: u64,
    end: u64,
    nodes: &(impl NodeHashes + ?Sized),
) -> Result<[u8; 32], TileError> {
    let mut pieces = Vec::with_capacity(64);
    for (level, index) in range_pieces(start, end) {
        pieces.push(node(nodes, level, index)?);
    }
    let mut folded = pieces.pop().ok_or(TileError::MissingNode {
        level: 0,
        index: start,
    })?;
    while let Some(left) = pieces.pop() {
        folded = hash_children(&left, &folded);
    }
    Ok(folded)
}

/// The largest power of two smaller than `n` (RFC 9162's `k`), for `n >= 2`.
fn split_point(n: u64) -> u64 {
    1 << (u64::BITS - 1 - (n - 1).leading_zeros())
}

/// The root of the tree of the first `size` leaves; SHA-256 of the empty string when
/// `size` is 0 (RFC 9162 §2.1.1).
pub fn tree_root(size: u64, nodes: &(impl NodeHashes + ?Sized)) -> Result<[u8; 32], TileError> {
    if size == 0 {
        return Ok(sha256(b""));
    }
    range_hash(0, size, nodes)
}

/// The ranges whose hashes make up the inclusion proof for `index` in a tree of `size`
/// leaves, in proof order (from the leaf up). Requires `index < size`.
pub(super) fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let mut ranges = Vec::with_capacity(64);
    let (mut lo, mut hi) = (0, size);
    while hi - lo > 1 {
        let mid = lo + split_point(hi - lo);
        if index < mid {
            ranges.push((mid, hi));
            hi = mid;
        } else {
            ranges.push((lo, mid));
            lo = mid;
        }
    }
    // PATH appends each sibling after the path below it: the top sibling comes last.
    ranges.reverse();
    ranges
}

/// The ranges whose hashes make up the consistency proof from `old_size` to `new_size`, in
/// proof order. Requires `0 < old_size < new_size`.
pub(super) fn consistency_ranges(old_size: u64, new_size: u64) -> Vec<(u64, u64)> {
    let mut ranges = Vec::with_capacity(65);
    let (mut lo, mut hi) = (0, new_size);
    // Whether D[lo..hi] starts the old tree, so that its old part is the old root itself
    // and needs no hash (SUBPROOF's `b`).
    let mut starts_old_tree = true;
    loop {
        if old_size == hi {
            if !starts_old_tree {
                ranges.push((lo, hi));
            }
            break;
        }
        let mid = lo + split_point(hi - lo);
        if old_size <= mid {
            ranges.push((mid, hi));
            hi = mid;
        } else {
            ranges.push((lo, mid));
            lo = mid;
            starts_old_tree = false;
        }
    }
    ranges.reverse();
    ranges
}

/// The RFC 9162 §2.1.3.1 inclusion proof for leaf `index` in the tree of the first `size`
/// leaves: what [`sigchain_core::tlog::verify_inclusion`] accepts.
pub fn inclusion_proof(
    index: u64,
    size: u64,
    nodes: &(impl NodeHashes + ?Sized),
) -> Result<Vec<[u8; 32]>, TileError> {
    if index >= size {
        return Err(TileError::IndexOutOfRange { index, size });
    }
    inclusion_ranges(index, size)
        .into_iter()
        .map(|(start, end)| range_hash(start, end, nodes))
        .collect()
}

/// The RFC 9162 §2.1.4.1 consistency proof from the tree of the first `old_size` leaves to
/// that of the first `new_size`: what [`sigchain_core::tlog::verify_consistency`] accepts.
///
/// Equal sizes give an empty proof; an empty old tree is refused, as the verifier refuses it.
///
/// ```
/// use sigchain_rekor::sigchain_core::tlog::merkle::{hash_children, hash_leaf, verify_consistency};
/// use sigchain_rekor::tiles::{consistency_proof, NodeHashes};
/// struct Leaves(Vec<[u8; 32]>); // enough for the proofs of trees of up to three leaves
/// impl NodeHashes for Leaves {
///     fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]> {
///         if level == 0 { self.0.get(index as usize).copied() } else { None }
///     }
/// }
/// let (a, b, c) = (hash_leaf(b"a"), hash_leaf(b"b"), hash_leaf(b"c"));
/// let proof = consistency_proof(1, 3, &Leaves(vec![a, b, c]))?;
/// assert_eq!(proof, [b, c]);
/// verify_consistency(1, 3, &a, &hash_children(&hash_children(&a, &b), &c), &proof).unwrap();
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
pub fn consistency_proof(
    old_size: u64,
    new_size: u64,
    nodes: &(impl NodeHashes + ?Sized),
) -> Result<Vec<[u8; 32]>, TileError> {
    if old_size > new_size {
        return Err(TileError::SizesReversed { old_size, new_size });
    }
    if old_size == new_size {
        return Ok(Vec::new());
    }
    if old_size == 0 {
        return Err(TileError::EmptyOldTree { new_size });
    }
    consistency_ranges(old_size, new_size)
        .into_iter()
        .map(|(start, end)| range_hash(start, end, nodes))
        .collect()
}
