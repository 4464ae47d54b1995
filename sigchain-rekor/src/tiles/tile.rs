//! A tile's bytes: `width` hashes of 32 bytes, concatenated.

use super::{NodeHashes, TileError, TileId, FULL_WIDTH, HASH_BYTES, TILE_HEIGHT};

/// A tile: its id and its hashes.
///
/// ```
/// use sigchain_rekor::tiles::{Tile, TileId};
/// // Server side: the hashes of a range, as bytes to serve at `tile.id().path()`.
/// let tile = Tile::from_hashes(0, 7, vec![[1; 32], [2; 32]])?;
/// assert_eq!(tile.id().path(), "tile/0/007.p/2");
/// let bytes = tile.to_bytes();
/// // Client side: bytes fetched for an id.
/// assert_eq!(Tile::parse(tile.id(), &bytes)?, tile);
/// assert!(Tile::parse(TileId::new(0, 7, 3)?, &bytes).is_err());
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    id: TileId,
    hashes: Vec<[u8; 32]>,
}

impl Tile {
    /// Parse the bytes fetched for `id`: exactly `32 × width` bytes.
    pub fn parse(id: TileId, bytes: &[u8]) -> Result<Self, TileError> {
        if bytes.len() != id.byte_len() {
            return Err(TileError::TileLength {
                tile: id,
                expected: id.byte_len(),
                got: bytes.len(),
            });
        }
        let hashes = bytes
            .chunks_exact(HASH_BYTES)
            .map(|chunk| {
                let mut hash = [0u8; 32];
                hash.copy_from_slice(chunk);
                hash
            })
            .collect();
        Ok(Self { id, hashes })
    }

    /// The tile `(level, index)` holding `hashes` (1 to 256 of them; fewer than 256 make a
    /// partial tile).
    pub fn from_hashes(level: u8, index: u64, hashes: Vec<[u8; 32]>) -> Result<Self, TileError> {
        let width = u16::try_from(hashes.len())
            .ok()
            .filter(|w| (1..=FULL_WIDTH).contains(w))
            .ok_or(TileError::HashCount { got: hashes.len() })?;
        let id = TileId::new(level, index, width)?;
        Ok(Self { id, hashes })
    }

    /// Server side: tile `id` read from a store of subtree hashes (an append-only tree kept
    /// level by level holds exactly what tiles publish). [`TileError::MissingNode`] for a
    /// hash the store does not have, such as one past the tree.
    ///
    /// ```
    /// use sigchain_rekor::tiles::{NodeHashes, Tile, TileId};
    /// struct Leaves(Vec<[u8; 32]>);
    /// impl NodeHashes for Leaves {
    ///     fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]> {
    ///         if level == 0 { self.0.get(index as usize).copied() } else { None }
    ///     }
    /// }
    /// let leaves = Leaves(vec![[7; 32]; 300]);
    /// assert_eq!(Tile::from_nodes(TileId::new(0, 1, 44)?, &leaves)?.hashes().len(), 44);
    /// assert!(Tile::from_nodes(TileId::full(0, 1)?, &leaves).is_err());
    /// # Ok::<(), sigchain_rekor::tiles::TileError>(())
    /// ```
    pub fn from_nodes(id: TileId, nodes: &(impl NodeHashes + ?Sized)) -> Result<Self, TileError> {
        let (height, range) = id.hash_range().ok_or(TileError::MissingNode {
            level: id.level().saturating_mul(TILE_HEIGHT as u8),
            index: id.index(),
        })?;
        let hashes = range
            .map(|index| {
                nodes
                    .node_hash(height, index)
                    .ok_or(TileError::MissingNode {
                        level: height,
                        index,
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { id, hashes })
    }

    /// The tile's id (its width is the number of hashes).
    pub fn id(&self) -> TileId {
        self.id
    }

    /// The hashes, left to right.
    pub fn hashes(&self) -> &[[u8; 32]] {
        &self.hashes
    }

    /// The bytes to serve: the hashes concatenated.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.hashes.concat()
    }
}
