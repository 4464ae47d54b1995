//! Tile and entry-bundle identities and their paths (`tile/<L>/<N>[.p/<W>]`,
//! `tile/entries/<N>[.p/<W>]`).
//!
//! Parsing is strict: exactly one spelling of each resource is accepted (no leading zeros, no
//! `x000` group in front, no `.p/256`), so a server that maps paths to files or cache keys
//! cannot be made to serve one tile under two names or a name outside the tree.

use std::fmt;
use std::ops::Range;

use super::{TileError, FULL_WIDTH, MAX_LEVEL, MAX_PATH_BYTES, TILE_HEIGHT};

/// What is wrong with a resource path (see [`TileError::InvalidPath`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathDefect {
    /// Not `checkpoint`, `tile/<L>/...` or `tile/entries/...`.
    Prefix,
    /// The level is not a decimal in `0..=63` without leading zeros.
    Level,
    /// A group of the index is not three digits, `x`-prefixed except for the last.
    IndexGroup,
    /// The index starts with an `x000` group (it has a shorter spelling).
    IndexLeadingZeros,
    /// The index does not fit in 64 bits.
    IndexOverflow,
    /// The partial width is not a decimal in `1..=255` without leading zeros.
    Width,
}

impl fmt::Display for PathDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathDefect::Prefix => "not a checkpoint, tile or entry-bundle path",
            PathDefect::Level => "level is not a decimal in 0..=63 without leading zeros",
            PathDefect::IndexGroup => "index group is not 3 digits (x-prefixed but the last)",
            PathDefect::IndexLeadingZeros => "index starts with a zero group",
            PathDefect::IndexOverflow => "index does not fit in 64 bits",
            PathDefect::Width => "width is not a decimal in 1..=255 without leading zeros",
        })
    }
}

/// Number of hashes a tree of `tree_size` leaves has in tile `(level, index)`, if any: 256
/// for a full tile, `1..=255` for the partial tile at the right edge.
fn width_in_tree(level: u8, index: u64, tree_size: u64) -> Option<u16> {
    // Hashes at this level are complete subtrees of 256^level leaves.
    let count = tree_size.checked_shr(TILE_HEIGHT * u32::from(level))?;
    let start = index.checked_mul(u64::from(FULL_WIDTH))?;
    let available = count.checked_sub(start).filter(|n| *n > 0)?;
    Some(available.min(u64::from(FULL_WIDTH)) as u16)
}

fn check_width(width: u16) -> Result<(), TileError> {
    if width == 0 || width > FULL_WIDTH {
        return Err(TileError::WidthOutOfRange { width });
    }
    Ok(())
}

/// A Merkle-tree tile: level, index within the level, and width (256 when full).
///
/// The hashes of tile `(L, N)` are the roots of the complete subtrees of `256^L` leaves
/// numbered `N·256 .. N·256 + width` (tlog-tiles, "Merkle Tree").
///
/// ```
/// use sigchain_rekor::tiles::TileId;
/// let tile = TileId::new(1, 1_234_067, 17)?;
/// assert_eq!(tile.path(), "tile/1/x001/x234/067.p/17");
/// assert_eq!(TileId::parse_path("tile/1/x001/x234/067.p/17")?, tile);
/// // The tree of 70,000 leaves has a partial level-1 tile of width 17 at index 1.
/// assert_eq!(TileId::in_tree(1, 1, 70_000)?.width(), 17);
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    level: u8,
    index: u64,
    width: u16,
}

impl TileId {
    /// A tile id; `level` must be at most 63 and `width` in `1..=256`.
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > MAX_LEVEL {
            return Err(TileError::LevelOutOfRange { level });
        }
        check_width(width)?;
        Ok(Self {
            level,
            index,
            width,
        })
    }

    /// A full tile (256 hashes).
    pub fn full(level: u8, index: u64) -> Result<Self, TileError> {
        Self::new(level, index, FULL_WIDTH)
    }

    /// The tile `(level, index)` as a tree of `tree_size` leaves has it: full, or partial at
    /// the right edge. [`TileError::TileNotInTree`] when that tree has no hash in it.
    ///
    /// ```
    /// use sigchain_rekor::tiles::TileId;
    /// assert_eq!(TileId::in_tree(0, 0, 300)?.width(), 256);
    /// assert_eq!(TileId::in_tree(0, 1, 300)?.path(), "tile/0/001.p/44");
    /// assert!(TileId::in_tree(0, 2, 300).is_err());
    /// # Ok::<(), sigchain_rekor::tiles::TileError>(())
    /// ```
    pub fn in_tree(level: u8, index: u64, tree_size: u64) -> Result<Self, TileError> {
        match width_in_tree(level, index, tree_size) {
            Some(width) => Self::new(level, index, width),
            None => Err(TileError::TileNotInTree {
                tile: Self::full(level, index)?,
                tree_size,
            }),
        }
    }

    /// The level (0: leaf hashes).
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The index within the level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Number of hashes: 256 for a full tile.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile has all 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width == FULL_WIDTH
    }

    /// Size of the tile's bytes: 32 per hash.
    pub fn byte_len(&self) -> usize {
        usize::from(self.width) * super::HASH_BYTES
    }

    /// The subtree height of this tile's hashes (`8 × level`) and their indices among the
    /// subtrees of that height; `None` for tiles no tree of `u64` size can have.
    ///
    /// ```
    /// use sigchain_rekor::tiles::TileId;
    /// assert_eq!(TileId::new(1, 2, 10)?.hash_range(), Some((8, 512..522)));
    /// # Ok::<(), sigchain_rekor::tiles::TileError>(())
    /// ```
    pub fn hash_range(&self) -> Option<(u8, Range<u64>)> {
        let height = TILE_HEIGHT * u32::from(self.level);
        if height >= u64::BITS {
            return None;
        }
        let start = self.index.checked_mul(u64::from(FULL_WIDTH))?;
        let end = start.checked_add(u64::from(self.width))?;
        Some((height as u8, start..end))
    }

    /// Whether a tree of `tree_size` leaves has (at least) these `width` hashes in this tile.
    pub fn is_in_tree(&self, tree_size: u64) -> bool {
        width_in_tree(self.level, self.index, tree_size).is_some_and(|w| w >= self.width)
    }

    /// The path, relative to the log's prefix: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        let mut out = format!("tile/{}/", self.level);
        push_index_and_width(&mut out, self.index, self.width);
        out
    }

    /// Parse a tile path in its canonical spelling (relative to the log's prefix, no leading
    /// slash).
    ///
    /// ```
    /// use sigchain_rekor::tiles::TileId;
    /// assert_eq!(TileId::parse_path("tile/0/x001/000")?.index(), 1000);
    /// assert!(TileId::parse_path("tile/0/x000/001").is_err()); // "001" is the spelling
    /// assert!(TileId::parse_path("tile/0/001.p/256").is_err()); // full tiles have no ".p"
    /// # Ok::<(), sigchain_rekor::tiles::TileError>(())
    /// ```
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        match TileResource::parse(path)? {
            TileResource::Tile(tile) => Ok(tile),
            _ => Err(invalid(path, PathDefect::Prefix)),
        }
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// An entry bundle: the entries of level-0 tile `index`, `width` of them (256 when full).
///
/// ```
/// use sigchain_rekor::tiles::EntryBundleId;
/// let bundle = EntryBundleId::in_tree(3, 1000)?;
/// assert_eq!(bundle.path(), "tile/entries/003.p/232");
/// assert_eq!(bundle.leaf_range(), Some(768..1000));
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryBundleId {
    index: u64,
    width: u16,
}

impl EntryBundleId {
    /// A bundle id; `width` must be in `1..=256`.
    pub fn new(index: u64, width: u16) -> Result<Self, TileError> {
        check_width(width)?;
        Ok(Self { index, width })
    }

    /// A full bundle (256 entries).
    pub fn full(index: u64) -> Result<Self, TileError> {
        Self::new(index, FULL_WIDTH)
    }

    /// Bundle `index` as a tree of `tree_size` leaves has it; [`TileError::BundleNotInTree`]
    /// when that tree has no entry in it.
    pub fn in_tree(index: u64, tree_size: u64) -> Result<Self, TileError> {
        match width_in_tree(0, index, tree_size) {
            Some(width) => Self::new(index, width),
            None => Err(TileError::BundleNotInTree {
                bundle: Self::full(index)?,
                tree_size,
            }),
        }
    }

    /// The index (that of the level-0 tile with the same entries' hashes).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Number of entries: 256 for a full bundle.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the bundle has all 256 entries.
    pub fn is_full(&self) -> bool {
        self.width == FULL_WIDTH
    }

    /// The level-0 tile holding these entries' leaf hashes.
    pub fn tile(&self) -> TileId {
        TileId {
            level: 0,
            index: self.index,
            width: self.width,
        }
    }

    /// Indices of the leaves in this bundle; `None` past `u64`.
    pub fn leaf_range(&self) -> Option<Range<u64>> {
        self.tile().hash_range().map(|(_, range)| range)
    }

    /// Whether a tree of `tree_size` leaves has (at least) these `width` entries.
    pub fn is_in_tree(&self, tree_size: u64) -> bool {
        self.tile().is_in_tree(tree_size)
    }

    /// The path, relative to the log's prefix: `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        let mut out = String::from("tile/entries/");
        push_index_and_width(&mut out, self.index, self.width);
        out
    }

    /// Parse an entry-bundle path in its canonical spelling.
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        match TileResource::parse(path)? {
            TileResource::EntryBundle(bundle) => Ok(bundle),
            _ => Err(invalid(path, PathDefect::Prefix)),
        }
    }
}

impl fmt::Display for EntryBundleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// A resource of a tiled log, as named by a path relative to the log's prefix.
///
/// ```
/// use sigchain_rekor::tiles::{TileId, TileResource};
/// assert_eq!(TileResource::parse("checkpoint")?, TileResource::Checkpoint);
/// assert_eq!(TileResource::parse("tile/2/000.p/1")?, TileResource::Tile(TileId::new(2, 0, 1)?));
/// assert!(matches!(TileResource::parse("tile/entries/x001/000")?, TileResource::EntryBundle(_)));
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileResource {
    /// `checkpoint`: the signed tree head.
    Checkpoint,
    /// `tile/<L>/<N>[.p/<W>]`.
    Tile(TileId),
    /// `tile/entries/<N>[.p/<W>]`.
    EntryBundle(EntryBundleId),
}

impl TileResource {
    /// Parse a path relative to the log's prefix (no leading slash), accepting only the
    /// canonical spelling of each resource.
    pub fn parse(path: &str) -> Result<Self, TileError> {
        if path.len() > MAX_PATH_BYTES {
            return Err(TileError::PathTooLong {
                len: path.len(),
                max: MAX_PATH_BYTES,
            });
        }
        if path == "checkpoint" {
            return Ok(TileResource::Checkpoint);
        }
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| invalid(path, PathDefect::Prefix))?;
        let (head, rest) = rest
            .split_once('/')
            .ok_or_else(|| invalid(path, PathDefect::Prefix))?;
        let segments: Vec<&str> = rest.split('/').collect();
        let (index, width) = parse_index_and_width(&segments).map_err(|d| invalid(path, d))?;
        if head == "entries" {
            return Ok(TileResource::EntryBundle(EntryBundleId { index, width }));
        }
        let level = parse_decimal(head, 2)
            .filter(|l| *l <= u64::from(MAX_LEVEL))
            .ok_or_else(|| invalid(path, PathDefect::Level))?;
        Ok(TileResource::Tile(TileId {
            level: level as u8,
            index,
            width,
        }))
    }
}

fn invalid(path: &str, defect: PathDefect) -> TileError {
    TileError::InvalidPath {
        // Bounded: callers reject longer paths first (and the prefix check needs none).
        path: path.chars().take(MAX_PATH_BYTES).collect(),
        defect,
    }
}

/// `N` as zero-padded 3-digit groups, all but the last prefixed with `x`, then `.p/<W>` for a
/// partial width.
fn push_index_and_width(out: &mut String, index: u64, width: u16) {
    let mut groups = Vec::with_capacity(7);
    let mut rest = index;
    loop {
        groups.push(rest % 1000);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    let last = groups.len() - 1;
    for (i, group) in groups.iter().rev().enumerate() {
        if i < last {
            out.push_str(&format!("x{group:03}/"));
        } else {
            out.push_str(&format!("{group:03}"));
        }
    }
    if width != FULL_WIDTH {
        out.push_str(&format!(".p/{width}"));
    }
}

fn parse_index_and_width(segments: &[&str]) -> Result<(u64, u16), PathDefect> {
    let (groups, width) = match segments {
        [groups @ .., last_group, width] if last_group.ends_with(".p") => {
            let width = parse_decimal(width, 3)
                .filter(|w| (1..u64::from(FULL_WIDTH)).contains(w))
                .ok_or(PathDefect::Width)?;
            let last = last_group.strip_suffix(".p").unwrap_or(last_group);
            (groups.iter().copied().chain([last]).collect(), width as u16)
        }
        _ => (segments.to_vec(), FULL_WIDTH),
    };
    let last = groups.len().saturating_sub(1);
    let mut index: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i < last {
            group.strip_prefix('x').ok_or(PathDefect::IndexGroup)?
        } else {
            group
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PathDefect::IndexGroup);
        }
        let value: u64 = digits.parse().map_err(|_| PathDefect::IndexGroup)?;
        if i == 0 && i < last && value == 0 {
            return Err(PathDefect::IndexLeadingZeros);
        }
        index = index
            .checked_mul(1000)
            .and_then(|n| n.checked_add(value))
            .ok_or(PathDefect::IndexOverflow)?;
    }
    Ok((index, width))
}

/// A decimal of at most `max_digits` ASCII digits without leading zeros ("0" itself is fine).
fn parse_decimal(text: &str, max_digits: usize) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.len() <= max_digits
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse().ok()
}
