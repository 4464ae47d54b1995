//! The log's Merkle tree in memory: the hash of every complete aligned subtree, level by
//! level (level 0: the leaf hashes; level `k`: the subtrees of `2^k` leaves).
//!
//! A subtree that is complete at some size stays complete and unchanged as the log grows, so
//! these levels hold every hash that a root, an inclusion proof or a consistency proof needs
//! for *any* size up to the current one, and exactly what tlog-tiles publishes (tile level `L`
//! is level `8L` here). About two hashes are kept per leaf. Proofs are built by
//! [`sigchain_rekor::tiles`]'s proof construction, the one a tiles client uses, and are what
//! [`sigchain_core::tlog::merkle`]'s verifiers accept.

use sigchain_core::tlog::merkle::hash_children;
use sigchain_rekor::tiles::{self, NodeHashes, Tile, TileError, TileId};

use super::StorageError;

/// An append-only RFC 6962 Merkle tree holding all complete-subtree hashes.
///
/// ```
/// use sigchain_core::tlog::merkle::{hash_leaf, verify_consistency, verify_inclusion};
/// use sigchain_instance::log::tree::MerkleTree;
///
/// let mut tree = MerkleTree::new();
/// for entry in [&b"a"[..], b"b", b"c"] {
///     tree.push(hash_leaf(entry));
/// }
/// // Proofs for any size up to the current one.
/// let root2 = tree.root(2)?;
/// verify_inclusion(1, 2, &hash_leaf(b"b"), &tree.inclusion_proof(1, 2)?, &root2).unwrap();
/// let proof = tree.consistency_proof(2, 3)?;
/// verify_consistency(2, 3, &root2, &tree.root(3)?, &proof).unwrap();
/// # Ok::<(), sigchain_instance::log::StorageError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MerkleTree {
    levels: Vec<Vec<[u8; 32]>>,
}

impl MerkleTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Append a leaf hash, completing the subtrees it closes.
    pub fn push(&mut self, leaf_hash: [u8; 32]) {
        let mut node = leaf_hash;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let Some(nodes) = self.levels.get_mut(level) else {
                return;
            };
            nodes.push(node);
            // An even count means the new node is a right child: its parent is complete.
            match nodes.as_slice() {
                [.., left, right] if nodes.len() % 2 == 0 => node = hash_children(left, right),
                _ => return,
            }
            level += 1;
        }
    }

    /// The leaf hash at `index`, if the tree has it.
    pub fn leaf_hash(&self, index: u64) -> Option<[u8; 32]> {
        self.node_hash(0, index)
    }

    fn check_size(&self, size: u64) -> Result<(), StorageError> {
        if size > self.size() {
            return Err(StorageError::SizeBeyondTree {
                size,
                tree_size: self.size(),
            });
        }
        Ok(())
    }

    /// The root of the tree of the first `size` leaves (SHA-256 of the empty string for 0).
    pub fn root(&self, size: u64) -> Result<[u8; 32], StorageError> {
        self.check_size(size)?;
        Ok(tiles::tree_root(size, self)?)
    }

    /// The RFC 9162 inclusion proof for leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<[u8; 32]>, StorageError> {
        self.check_size(size)?;
        Ok(tiles::inclusion_proof(index, size, self)?)
    }

    /// The RFC 9162 consistency proof from the first `old_size` leaves to the first
    /// `new_size` (empty for equal sizes; an empty old tree is refused).
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<[u8; 32]>, StorageError> {
        self.check_size(new_size)?;
        Ok(tiles::consistency_proof(old_size, new_size, self)?)
    }

    /// Tile `id`, full or partial, if the tree has all its hashes.
    pub fn tile(&self, id: TileId) -> Result<Tile, StorageError> {
        if !id.is_in_tree(self.size()) {
            return Err(TileError::TileNotInTree {
                tile: id,
                tree_size: self.size(),
            }
            .into());
        }
        Ok(Tile::from_nodes(id, self)?)
    }
}

impl NodeHashes for MerkleTree {
    fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]> {
        self.levels
            .get(usize::from(level))?
            .get(usize::try_from(index).ok()?)
            .copied()
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
