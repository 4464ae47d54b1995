//! The client side of a tiled log, sans-IO: which tiles a proof needs at a tree size, and the
//! proof computed from those tiles once fetched.
//!
//! # Which tiles
//!
//! For leaf `i` in the tree of `size` leaves, the flow asks for
//!
//! - the *chain* of `i`: the tile holding `i` at each level, from level 0 up to and including
//!   the first partial one (above it, the leaf's ancestors are incomplete subtrees); and
//! - the *edge* of the tree: its partial tiles, one per level where `size` has a nonzero
//!   base-256 digit (tlog-tiles, "Partial Tiles"). The root is made of their hashes.
//!
//! Every hash of an inclusion proof lies in these tiles: a sibling of an ancestor sits in the
//! same tile as the ancestor, and an incomplete sibling is tiled by edge hashes. A
//! consistency proof from `old` to `new` is, in the same way, covered by the chain of leaf
//! `old - 1` and the edge of `new`.
//!
//! # Why the tiles can be trusted
//!
//! Each full tile in the chain must hash to its entry in the chain tile one level up
//! ([`TileError::TileHashMismatch`] otherwise), and the chain ends in an edge tile, whose hashes
//! all go into the computed root. So every hash used, the leaf hash included, is bound to the
//! root: when the root equals a verified checkpoint's, a server cannot have altered any of them
//! without a SHA-256 collision. The caller still checks the proof with
//! [`sigchain_core::tlog`] (for instance `VerifiedCheckpoint::verify_inclusion`), which
//! is the check that decides trust.

use std::collections::BTreeMap;

use sigchain_core::tlog::merkle::hash_children;

use super::proof::{consistency_proof, inclusion_proof, tree_root, NodeHashes};
use super::{Tile, TileError, TileId, FULL_WIDTH, TILE_HEIGHT};

/// Number of tile levels a tree of `u64` size can have (256^8 = 2^64).
const TILE_LEVELS: u8 = (u64::BITS / TILE_HEIGHT) as u8;

/// Tiles fetched by a client, by level and index; a [`NodeHashes`] store over them.
///
/// A full tile may stand in for a partial one of the same level and index (the spec lets a
/// client fetch the full tile when the partial one is gone): a tile's first hashes never
/// change as the log grows.
#[derive(Debug, Clone, Default)]
pub struct TileSet {
    tiles: BTreeMap<(u8, u64), Tile>,
}

impl TileSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse the bytes fetched for `id` and add the tile (see [`TileSet::insert_tile`]).
    pub fn insert(&mut self, id: TileId, bytes: &[u8]) -> Result<(), TileError> {
        self.insert_tile(Tile::parse(id, bytes)?)
    }

    /// Add a tile. A tile already held at the same level and index must agree on the hashes
    /// both have ([`TileError::ConflictingTile`] otherwise: the server forked); the wider
    /// one is kept.
    pub fn insert_tile(&mut self, tile: Tile) -> Result<(), TileError> {
        let id = tile.id();
        let key = (id.level(), id.index());
        if let Some(held) = self.tiles.get(&key) {
            let common = held.hashes().len().min(tile.hashes().len());
            if held.hashes().get(..common) != tile.hashes().get(..common) {
                return Err(TileError::ConflictingTile { tile: id });
            }
            if held.hashes().len() >= tile.hashes().len() {
                return Ok(());
            }
        }
        self.tiles.insert(key, tile);
        Ok(())
    }

    /// The tile held at `(level, index)`, whatever its width.
    pub fn get(&self, level: u8, index: u64) -> Option<&Tile> {
        self.tiles.get(&(level, index))
    }

    /// Number of tiles held.
    pub fn len(&self) -> usize {
        self.tiles.len()
    }

    /// Whether no tile is held.
    pub fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }

    /// Whether a tile at `id`'s level and index, at least as wide, is held.
    fn has(&self, id: &TileId) -> bool {
        self.get(id.level(), id.index())
            .is_some_and(|tile| tile.id().width() >= id.width())
    }
}

impl NodeHashes for TileSet {
    fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]> {
        // Subtree (level, index) is the perfect subtree over 2^r consecutive hashes of the
        // tile at level / 8, where r = level % 8.
        let tile_level = level / TILE_HEIGHT as u8;
        let height_in_tile = u32::from(level) % TILE_HEIGHT;
        let first = index.checked_mul(1 << height_in_tile)?;
        let tile = self.get(tile_level, first >> TILE_HEIGHT)?;
        let offset = usize::try_from(first % u64::from(FULL_WIDTH)).ok()?;
        let hashes = tile.hashes().get(offset..offset + (1 << height_in_tile))?;
        Some(perfect_subtree_hash(hashes))
    }
}

/// The root of the perfect subtree over `hashes` (a power-of-two count, at most 256).
fn perfect_subtree_hash(hashes: &[[u8; 32]]) -> [u8; 32] {
    let mut layer = hashes.to_vec();
    while layer.len() > 1 {
        layer = layer
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [left, right] => Some(hash_children(left, right)),
                _ => None,
            })
            .collect();
    }
    layer.first().copied().unwrap_or_default()
}

/// Width of tile `(level, index)` in a tree of `size` leaves (0 if it has none).
fn width_at(level: u8, index: u64, size: u64) -> u16 {
    TileId::in_tree(level, index, size).map_or(0, |id| id.width())
}

/// The tiles holding `leaf` at each level, up to the first partial one.
fn chain_tiles(leaf: u64, size: u64, out: &mut BTreeMap<(u8, u64), u16>) {
    for level in 0..TILE_LEVELS {
        let index = leaf
            .checked_shr(TILE_HEIGHT * (u32::from(level) + 1))
            .unwrap_or(0);
        let width = width_at(level, index, size);
        if width == 0 {
            break;
        }
        out.insert((level, index), width);
        if width < FULL_WIDTH {
            break;
        }
    }
}

/// The partial tiles of a tree of `size` leaves: the right edge, where the root's hashes are.
fn edge_tiles(size: u64, out: &mut BTreeMap<(u8, u64), u16>) {
    for level in 0..TILE_LEVELS {
        let count = size >> (TILE_HEIGHT * u32::from(level));
        let width = (count % u64::from(FULL_WIDTH)) as u16;
        if width != 0 {
            out.insert((level, count / u64::from(FULL_WIDTH)), width);
        }
    }
}

fn to_ids(tiles: BTreeMap<(u8, u64), u16>) -> Vec<TileId> {
    tiles
        .into_iter()
        .filter_map(|((level, index), width)| TileId::new(level, index, width).ok())
        .collect()
}

/// The tiles holding the root of the tree of `size` leaves: its partial tiles (none for the
/// empty tree).
///
/// ```
/// use sigchain_rekor::tiles::required_tiles_for_root;
/// let paths: Vec<String> = required_tiles_for_root(70_000).iter().map(|t| t.path()).collect();
/// assert_eq!(paths, ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]);
/// ```
pub fn required_tiles_for_root(size: u64) -> Vec<TileId> {
    let mut tiles = BTreeMap::new();
    edge_tiles(size, &mut tiles);
    to_ids(tiles)
}

/// The tiles needed to prove leaf `index` in the tree of `size` leaves (and to compute that
/// tree's root), with the widths that tree gives them; sorted by level, then index.
///
/// ```
/// use sigchain_rekor::tiles::required_tiles;
/// let paths: Vec<String> = required_tiles(5, 70_000)?.iter().map(|t| t.path()).collect();
/// assert_eq!(
///     paths,
///     ["tile/0/000", "tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"]
/// );
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
pub fn required_tiles(index: u64, size: u64) -> Result<Vec<TileId>, TileError> {
    if index >= size {
        return Err(TileError::IndexOutOfRange { index, size });
    }
    let mut tiles = BTreeMap::new();
    chain_tiles(index, size, &mut tiles);
    edge_tiles(size, &mut tiles);
    Ok(to_ids(tiles))
}

/// The tiles (at size `new_size`) needed for the consistency proof from `old_size` to
/// `new_size` and for both roots.
pub fn required_tiles_for_consistency(
    old_size: u64,
    new_size: u64,
) -> Result<Vec<TileId>, TileError> {
    check_sizes(old_size, new_size)?;
    let mut tiles = BTreeMap::new();
    if old_size > 0 {
        chain_tiles(old_size - 1, new_size, &mut tiles);
    }
    edge_tiles(new_size, &mut tiles);
    Ok(to_ids(tiles))
}

fn check_sizes(old_size: u64, new_size: u64) -> Result<(), TileError> {
    if old_size > new_size {
        return Err(TileError::SizesReversed { old_size, new_size });
    }
    if old_size == 0 && new_size > 0 {
        return Err(TileError::EmptyOldTree { new_size });
    }
    Ok(())
}

fn check_present(required: &[TileId], tiles: &TileSet) -> Result<(), TileError> {
    match required.iter().find(|id| !tiles.has(id)) {
        Some(missing) => Err(TileError::MissingTile { tile: *missing }),
        None => Ok(()),
    }
}

/// Check each full tile of `leaf`'s chain against its entry in the chain tile above.
fn authenticate_chain(leaf: u64, size: u64, tiles: &TileSet) -> Result<(), TileError> {
    let mut chain = BTreeMap::new();
    chain_tiles(leaf, size, &mut chain);
    let chain = to_ids(chain);
    for pair in chain.windows(2) {
        let [tile, parent] = pair else { continue };
        if !tile.is_full() {
            continue;
        }
        let held = tiles
            .get(tile.level(), tile.index())
            .and_then(|held| held.hashes().get(..usize::from(FULL_WIDTH)))
            .ok_or(TileError::MissingTile { tile: *tile })?;
        // The tile's hash is subtree (8 × (level + 1), index), held by the parent tile.
        let entry = tiles
            .node_hash((tile.level() + 1) * TILE_HEIGHT as u8, tile.index())
            .ok_or(TileError::MissingTile { tile: *parent })?;
        if perfect_subtree_hash(held) != entry {
            return Err(TileError::TileHashMismatch {
                tile: *tile,
                parent: *parent,
            });
        }
    }
    Ok(())
}

/// An inclusion proof computed from tiles. None of it is trusted until checked against a
/// verified checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionFromTiles {
    /// The leaf hash the tiles hold at the index (compare with the entry's own leaf hash).
    pub leaf_hash: [u8; 32],
    /// The RFC 6962 audit path, from the leaf up.
    pub proof: Vec<[u8; 32]>,
    /// The root of the tree of that size according to the tiles (compare with the
    /// checkpoint's: a difference means the tiles are not that tree's).
    pub root: [u8; 32],
}

/// The inclusion proof for leaf `index` in the tree of `size` leaves, from `tiles` (which
/// must hold [`required_tiles`]`(index, size)`).
///
/// The tiles are checked against each other first (see the module notes), so a result's
/// `root` equal to a verified checkpoint's root vouches for `leaf_hash` and `proof` too.
pub fn inclusion_from_tiles(
    index: u64,
    size: u64,
    tiles: &TileSet,
) -> Result<InclusionFromTiles, TileError> {
    check_present(&required_tiles(index, size)?, tiles)?;
    authenticate_chain(index, size, tiles)?;
    let leaf_hash = tiles
        .node_hash(0, index)
        .ok_or(TileError::MissingNode { level: 0, index })?;
    Ok(InclusionFromTiles {
        leaf_hash,
        proof: inclusion_proof(index, size, tiles)?,
        root: tree_root(size, tiles)?,
    })
}

/// A consistency proof computed from tiles, with both roots as the tiles give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyFromTiles {
    /// The RFC 9162 consistency proof.
    pub proof: Vec<[u8; 32]>,
    /// The root of the older tree according to the tiles.
    pub old_root: [u8; 32],
    /// The root of the newer tree according to the tiles.
    pub new_root: [u8; 32],
}

/// The consistency proof from `old_size` to `new_size`, from `tiles` (which must hold
/// [`required_tiles_for_consistency`]`(old_size, new_size)`).
///
/// A monitor holding a verified checkpoint of `old_size` checks the result with
/// [`sigchain_core::tlog::verify_consistency`] against that checkpoint's root and the new
/// checkpoint's root.
///
/// ```
/// use sigchain_rekor::sigchain_core::tlog::merkle::{hash_leaf, verify_consistency};
/// use sigchain_rekor::tiles::{consistency_from_tiles, required_tiles_for_consistency};
/// use sigchain_rekor::tiles::{Tile, TileSet};
/// let leaves: Vec<[u8; 32]> = (0u8..5).map(|i| hash_leaf(&[i])).collect();
/// let served = Tile::from_hashes(0, 0, leaves)?.to_bytes(); // the server's only tile
/// let needed = required_tiles_for_consistency(3, 5)?;
/// assert_eq!(needed.len(), 1);
/// let mut tiles = TileSet::new();
/// tiles.insert(needed[0], &served)?;
/// let got = consistency_from_tiles(3, 5, &tiles)?;
/// // `old_root`: from the monitor's trusted checkpoint; `new_root`: from the new one.
/// verify_consistency(3, 5, &got.old_root, &got.new_root, &got.proof).unwrap();
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
pub fn consistency_from_tiles(
    old_size: u64,
    new_size: u64,
    tiles: &TileSet,
) -> Result<ConsistencyFromTiles, TileError> {
    check_present(&required_tiles_for_consistency(old_size, new_size)?, tiles)?;
    if old_size > 0 {
        authenticate_chain(old_size - 1, new_size, tiles)?;
    }
    Ok(ConsistencyFromTiles {
        proof: consistency_proof(old_size, new_size, tiles)?,
        old_root: tree_root(old_size, tiles)?,
        new_root: tree_root(new_size, tiles)?,
    })
}

/// The root of the tree of `size` leaves, from `tiles` (which must hold
/// [`required_tiles_for_root`]`(size)`).
pub fn root_from_tiles(size: u64, tiles: &TileSet) -> Result<[u8; 32], TileError> {
    check_present(&required_tiles_for_root(size), tiles)?;
    tree_root(size, tiles)
}
