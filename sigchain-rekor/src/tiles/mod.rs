//! C2SP tlog-tiles (c2sp.org/tlog-tiles), sans-IO: tile and entry-bundle paths, their bytes,
//! and RFC 6962 proofs computed from tiles alone.
//!
//! A tiled log serves its Merkle tree as static files instead of answering proof queries: a
//! *tile* at level `L`, index `N` holds the hashes of up to 256 consecutive complete subtrees
//! of `256^L` leaves each; an *entry bundle* holds the entries of one level-0 tile. A client
//! (a verifier or a monitor) asks which tiles a proof needs, fetches them with any transport,
//! and computes the same inclusion and consistency proofs an RFC 6962 log would have sent,
//! which it then checks with [`sigchain_core::tlog`] against a signed checkpoint.
//!
//! - [`TileId`], [`EntryBundleId`], [`TileResource`]: the paths, encoded and parsed strictly;
//! - [`Tile`], [`encode_entry_bundle`], [`parse_entry_bundle`]: the bytes;
//! - [`required_tiles`], [`TileSet`], [`inclusion_from_tiles`], [`consistency_from_tiles`]:
//!   the client flow;
//! - [`NodeHashes`], [`inclusion_proof`], [`consistency_proof`], [`tree_root`]: proof
//!   construction over any store of subtree hashes, shared by the client flow and by servers
//!   that keep their tree in memory.
//!
//! ```
//! use sigchain_rekor::sigchain_core::tlog::merkle::{hash_leaf, verify_inclusion};
//! use sigchain_rekor::tiles::{inclusion_from_tiles, required_tiles, Tile, TileSet};
//!
//! // A log of three entries; its server publishes one partial level-0 tile of width 3.
//! let leaves: Vec<[u8; 32]> = [&b"a"[..], b"b", b"c"].iter().map(|e| hash_leaf(e)).collect();
//! let served = Tile::from_hashes(0, 0, leaves.clone()).unwrap().to_bytes();
//!
//! // The client: which tiles prove entry 1 in the tree of size 3?
//! let mut tiles = TileSet::new();
//! for id in required_tiles(1, 3).unwrap() {
//!     assert_eq!(id.path(), "tile/0/000.p/3");
//!     tiles.insert(id, &served).unwrap(); // bytes fetched from `id.path()`
//! }
//! let got = inclusion_from_tiles(1, 3, &tiles).unwrap();
//! // `got.root` must equal the root of a verified checkpoint of size 3; then:
//! verify_inclusion(1, 3, &hash_leaf(b"b"), &got.proof, &got.root).unwrap();
//! ```

mod bundle;
mod client;
#[cfg(test)]
mod format_tests;
mod path;
mod proof;
#[cfg(test)]
mod proof_tests;
mod tile;

pub use bundle::{check_bundle_against_tile, encode_entry_bundle, parse_entry_bundle};
pub use client::{
    consistency_from_tiles, inclusion_from_tiles, required_tiles, required_tiles_for_consistency,
    required_tiles_for_root, root_from_tiles, ConsistencyFromTiles, InclusionFromTiles, TileSet,
};
pub use path::{EntryBundleId, PathDefect, TileId, TileResource};
pub use proof::{consistency_proof, inclusion_proof, tree_root, NodeHashes};
pub use tile::Tile;

/// Tile height: a tile spans 8 levels of the Merkle tree.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile (and entries in a full entry bundle): `2^TILE_HEIGHT`.
pub const FULL_WIDTH: u16 = 256;
/// Highest tile level a path may name (the spec's bound; a tree of `u64` size uses 0..=7).
pub const MAX_LEVEL: u8 = 63;
/// Largest entry an entry bundle can carry: its length prefix is a `u16`.
pub const MAX_BUNDLE_ENTRY_BYTES: usize = u16::MAX as usize;
/// Longest resource path accepted by the parsers (the longest valid one is 52 bytes).
pub const MAX_PATH_BYTES: usize = 128;

const HASH_BYTES: usize = 32;

/// Why a tile, an entry bundle, a path or a proof request was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// A resource path longer than [`MAX_PATH_BYTES`].
    #[error("path is {len} bytes, over the {max}-byte limit")]
    PathTooLong {
        /// Bytes supplied.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A resource path that is not in the spec's canonical form.
    #[error("invalid tile path {path:?}: {defect}")]
    InvalidPath {
        /// The path as supplied (at most [`MAX_PATH_BYTES`] long).
        path: String,
        /// What is wrong with it.
        defect: PathDefect,
    },
    /// A tile level above [`MAX_LEVEL`].
    #[error("tile level {level} is above the maximum {MAX_LEVEL}")]
    LevelOutOfRange {
        /// The level supplied.
        level: u8,
    },
    /// A tile or bundle width outside `1..=256`.
    #[error("width {width} is outside 1..=256")]
    WidthOutOfRange {
        /// The width supplied.
        width: u16,
    },
    /// A tile whose byte length is not `32 × width`.
    #[error("tile {tile} is {got} bytes, its width requires {expected}")]
    TileLength {
        /// The tile the bytes were fetched for.
        tile: TileId,
        /// `32 × width`.
        expected: usize,
        /// Bytes supplied.
        got: usize,
    },
    /// A tile built from no hashes, or from more than 256.
    #[error("a tile holds 1 to 256 hashes, not {got}")]
    HashCount {
        /// Hashes supplied.
        got: usize,
    },
    /// An entry bundle with more entries than a bundle can hold.
    #[error("entry bundle has {got} entries, at most {max} allowed")]
    TooManyEntries {
        /// Entries supplied (or counted so far when parsing).
        got: usize,
        /// The limit.
        max: usize,
    },
    /// An entry too long for a bundle's `u16` length prefix.
    #[error("entry {position} is {len} bytes, over the {max}-byte bundle limit")]
    EntryTooLarge {
        /// Position of the entry in the bundle.
        position: usize,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A bundle that ends inside a length prefix or an entry.
    #[error("entry bundle truncated in entry {position} at byte {offset}")]
    BundleTruncated {
        /// Position of the entry being read.
        position: usize,
        /// Byte offset where it starts.
        offset: usize,
    },
    /// A bundle with a different number of entries than its width.
    #[error("entry bundle {bundle} has {got} entries, its width requires {expected}")]
    BundleEntryCount {
        /// The bundle the bytes were fetched for.
        bundle: EntryBundleId,
        /// Its width.
        expected: usize,
        /// Entries found.
        got: usize,
    },
    /// A bundle entry whose leaf hash differs from the level-0 tile's hash at that position.
    #[error("entry {position} of the bundle does not hash to the tile's leaf hash")]
    BundleMismatch {
        /// Position of the entry in the bundle.
        position: usize,
    },
    /// A bundle checked against a tile of another index, or a tile narrower than the bundle.
    #[error("entry bundle {bundle} does not belong to tile {tile}")]
    BundleTileMismatch {
        /// The bundle.
        bundle: EntryBundleId,
        /// The tile.
        tile: TileId,
    },
    /// A tile that a tree of this size does not have.
    #[error("tree of size {tree_size} has no tile {tile}")]
    TileNotInTree {
        /// The tile asked for.
        tile: TileId,
        /// The tree size.
        tree_size: u64,
    },
    /// An entry bundle that a tree of this size does not have.
    #[error("tree of size {tree_size} has no entry bundle {bundle}")]
    BundleNotInTree {
        /// The bundle asked for.
        bundle: EntryBundleId,
        /// The tree size.
        tree_size: u64,
    },
    /// An inclusion proof for a leaf outside the tree.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("consistency proof from size {old_size} to smaller size {new_size}")]
    SizesReversed {
        /// The older size.
        old_size: u64,
        /// The newer size.
        new_size: u64,
    },
    /// A consistency proof from the empty tree (RFC 9162 §2.1.4 needs `0 < old_size`).
    #[error("consistency from an empty tree to size {new_size} proves nothing")]
    EmptyOldTree {
        /// The newer size.
        new_size: u64,
    },
    /// A tile the computation needs is missing from the [`TileSet`], or narrower than needed.
    #[error("tile {tile} (or a wider one at that level and index) is needed")]
    MissingTile {
        /// The tile needed, with the width the tree size calls for.
        tile: TileId,
    },
    /// A subtree hash the [`NodeHashes`] store does not have.
    #[error("no hash for the subtree at level {level}, index {index}")]
    MissingNode {
        /// Height of the subtree (0 = a leaf).
        level: u8,
        /// Its index among subtrees of that height.
        index: u64,
    },
    /// A full tile whose hash differs from the entry for it in the tile above: the tiles do
    /// not come from one tree.
    #[error("tile {tile} does not hash to its entry in tile {parent}")]
    TileHashMismatch {
        /// The full tile.
        tile: TileId,
        /// The tile one level up.
        parent: TileId,
    },
    /// Two tiles at the same level and index whose common hashes differ.
    #[error("tile {tile} disagrees with a tile already held at that level and index")]
    ConflictingTile {
        /// The tile being added.
        tile: TileId,
    },
}
