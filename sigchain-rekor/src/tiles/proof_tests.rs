//! Proofs from tiles, checked with `sigchain-core`, on trees with up to three tile levels.

use super::*;
use proptest::prelude::*;
use sigchain_core::crypto::sha256;
use sigchain_core::tlog::merkle::{hash_children, hash_leaf, verify_consistency, verify_inclusion};

// ---- a reference log: every level kept, tiles served from it ----

/// Subtree hashes level by level, as a tiles server keeps them.
struct Log {
    levels: Vec<Vec<[u8; 32]>>,
}

impl Log {
    fn new(size: u64) -> Self {
        let leaves: Vec<[u8; 32]> = (0..size).map(|i| hash_leaf(&i.to_be_bytes())).collect();
        let mut levels = vec![leaves];
        while let Some(below) = levels.last().filter(|l| l.len() > 1) {
            let above = below
                .chunks_exact(2)
                .map(|p| hash_children(&p[0], &p[1]))
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// The tile as the server publishes it (any width the log has).
    fn serve(&self, id: TileId) -> Vec<u8> {
        Tile::from_nodes(id, self).unwrap().to_bytes()
    }

    /// The tiles a client fetches, each at the width it asks for.
    fn fetch(&self, ids: &[TileId]) -> TileSet {
        let mut set = TileSet::new();
        for id in ids {
            set.insert(*id, &self.serve(*id)).unwrap();
        }
        set
    }

    /// MTH(D[start..end]) by RFC 9162 §2.1.1's recursion, taking perfect subtrees from the
    /// levels (built by pairwise hashing, not by the code under test).
    fn mth(&self, start: u64, end: u64) -> [u8; 32] {
        match end - start {
            0 => sha256(b""),
            n if n.is_power_of_two() && start % n == 0 => {
                self.levels[n.trailing_zeros() as usize][(start / n) as usize]
            }
            n => {
                let k = 1 << (63 - (n - 1).leading_zeros());
                hash_children(&self.mth(start, start + k), &self.mth(start + k, end))
            }
        }
    }
}

impl NodeHashes for Log {
    fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]> {
        self.levels
            .get(usize::from(level))?
            .get(usize::try_from(index).ok()?)
            .copied()
    }
}

#[test]
fn partial_tiles_from_the_server_side() {
    let log = Log::new(300);
    assert_eq!(
        Tile::from_nodes(TileId::new(0, 1, 44).unwrap(), &log)
            .unwrap()
            .hashes(),
        &log.levels[0][256..]
    );
    assert_eq!(
        Tile::from_nodes(TileId::new(1, 0, 1).unwrap(), &log)
            .unwrap()
            .hashes(),
        &log.levels[8][..1]
    );
    assert_eq!(
        Tile::from_nodes(TileId::new(0, 1, 45).unwrap(), &log),
        Err(TileError::MissingNode {
            level: 0,
            index: 300
        })
    );
}

#[test]
fn small_trees_exhaustively() {
    let log = Log::new(600);
    let sizes = (1..=40).chain([255, 256, 257, 300, 511, 512, 513, 600]);
    for size in sizes {
        let root = log.mth(0, size);
        assert_eq!(tree_root(size, &log).unwrap(), root);
        let step = if size <= 40 { 1 } else { 13 };
        for index in (0..size).step_by(step) {
            let tiles = log.fetch(&required_tiles(index, size).unwrap());
            let got = inclusion_from_tiles(index, size, &tiles).unwrap();
            assert_eq!(got.root, root, "{index} {size}");
            assert_eq!(got.leaf_hash, log.levels[0][index as usize]);
            assert_eq!(got.proof, inclusion_proof(index, size, &log).unwrap());
            verify_inclusion(index, size, &got.leaf_hash, &got.proof, &root).unwrap();
        }
        for old in (1..=size).step_by(step) {
            let tiles = log.fetch(&required_tiles_for_consistency(old, size).unwrap());
            let got = consistency_from_tiles(old, size, &tiles).unwrap();
            assert_eq!((got.old_root, got.new_root), (log.mth(0, old), root));
            verify_consistency(old, size, &got.old_root, &root, &got.proof).unwrap();
        }
    }
}

#[test]
fn proof_requests_out_of_range() {
    let log = Log::new(5);
    let tiles = log.fetch(&required_tiles_for_root(5));
    assert_eq!(tree_root(0, &log).unwrap(), sha256(b""));
    assert_eq!(root_from_tiles(0, &TileSet::new()).unwrap(), sha256(b""));
    assert_eq!(root_from_tiles(5, &tiles).unwrap(), log.mth(0, 5));
    assert_eq!(
        required_tiles(5, 5),
        Err(TileError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert!(inclusion_from_tiles(5, 5, &tiles).is_err());
    assert!(inclusion_proof(0, 0, &log).is_err());
    assert_eq!(
        consistency_proof(3, 2, &log),
        Err(TileError::SizesReversed {
            old_size: 3,
            new_size: 2
        })
    );
    assert_eq!(
        consistency_proof(0, 2, &log),
        Err(TileError::EmptyOldTree { new_size: 2 })
    );
    assert_eq!(consistency_proof(0, 0, &log), Ok(Vec::new()));
    assert_eq!(consistency_proof(4, 4, &log), Ok(Vec::new()));
    assert!(required_tiles_for_consistency(0, 3).is_err());
    assert!(required_tiles_for_consistency(4, 3).is_err());
    assert_eq!(required_tiles_for_consistency(0, 0), Ok(Vec::new()));
    let empty = consistency_from_tiles(0, 0, &TileSet::new()).unwrap();
    assert_eq!(empty.new_root, sha256(b""));
    // Past the tree the store has no hashes.
    assert_eq!(
        inclusion_proof(3, 9, &log),
        Err(TileError::MissingNode { level: 2, index: 1 })
    );
}

#[test]
fn missing_and_conflicting_tiles() {
    let log = Log::new(70_000);
    let needed = required_tiles(5, 70_000).unwrap();
    for skip in 0..needed.len() {
        let mut rest = needed.clone();
        let missing = rest.remove(skip);
        let tiles = log.fetch(&rest);
        assert_eq!(
            inclusion_from_tiles(5, 70_000, &tiles),
            Err(TileError::MissingTile { tile: missing })
        );
    }
    // A narrower tile than needed does not count; a wider one (the full tile, when the
    // partial one is gone) does.
    let mut tiles = log.fetch(&needed);
    let narrow = TileId::new(0, 273, 100).unwrap();
    let mut with_narrow = TileSet::new();
    for id in &needed {
        let id = if id.level() == 0 && id.index() == 273 {
            narrow
        } else {
            *id
        };
        with_narrow.insert(id, &log.serve(id)).unwrap();
    }
    assert_eq!(
        inclusion_from_tiles(5, 70_000, &with_narrow),
        Err(TileError::MissingTile {
            tile: TileId::new(0, 273, 112).unwrap()
        })
    );
    let small = Log::new(1000);
    let mut wide = TileSet::new();
    for id in required_tiles(300, 700).unwrap() {
        let full = TileId::full(id.level(), id.index()).unwrap();
        let id = if full.is_in_tree(1000) { full } else { id };
        wide.insert(id, &small.serve(id)).unwrap();
    }
    let got = inclusion_from_tiles(300, 700, &wide).unwrap();
    verify_inclusion(300, 700, &got.leaf_hash, &got.proof, &small.mth(0, 700)).unwrap();
    // Two tiles at one place that disagree: a fork.
    let id = TileId::new(0, 273, 112).unwrap();
    let mut bytes = log.serve(id);
    bytes[40] ^= 1;
    assert_eq!(
        tiles.insert(TileId::new(0, 273, 2).unwrap(), &bytes[..64]),
        Err(TileError::ConflictingTile {
            tile: TileId::new(0, 273, 2).unwrap()
        })
    );
    assert!(tiles
        .insert(TileId::new(0, 273, 1).unwrap(), &bytes[..32])
        .is_ok());
}

// ---- random trees ----

fn flip_bit(bytes: &mut [u8], bit: usize) {
    let bit = bit % (bytes.len() * 8);
    bytes[bit / 8] ^= 1 << (bit % 8);
}

/// Fetch `needed` with one bit of one tile flipped (tile and bit chosen by `pick`).
fn fetch_with_flip(log: &Log, needed: &[TileId], pick: (usize, usize)) -> Option<TileSet> {
    let victim = pick.0 % needed.len();
    let mut set = TileSet::new();
    for (i, id) in needed.iter().enumerate() {
        let mut bytes = log.serve(*id);
        if i == victim {
            flip_bit(&mut bytes, pick.1);
        }
        set.insert(*id, &bytes).ok()?;
    }
    Some(set)
}

/// Check proofs from tiles for leaf `index` and sizes `old <= size` of `log`, and that any
/// flipped bit in a tile is caught.
fn check_tree(
    log: &Log,
    index: u64,
    size: u64,
    old: u64,
    pick: (usize, usize),
) -> Result<(), TestCaseError> {
    let root = log.mth(0, size);
    let needed = required_tiles(index, size).unwrap();
    for id in &needed {
        prop_assert!(id.is_in_tree(size) && !id.is_in_tree(0));
    }
    let got = inclusion_from_tiles(index, size, &log.fetch(&needed)).unwrap();
    prop_assert_eq!(got.root, root);
    prop_assert_eq!(
        verify_inclusion(
            index,
            size,
            &hash_leaf(&index.to_be_bytes()),
            &got.proof,
            &root
        ),
        Ok(())
    );
    // One flipped bit in any tile: the client, which accepts a proof only when the tiles
    // agree with each other, their root is the checkpoint's and the proof verifies against
    // it, rejects it.
    let leaf = hash_leaf(&index.to_be_bytes());
    if let Some(tiles) = fetch_with_flip(log, &needed, pick) {
        if let Ok(bad) = inclusion_from_tiles(index, size, &tiles) {
            let accepted = bad.root == root
                && bad.leaf_hash == leaf
                && verify_inclusion(index, size, &leaf, &bad.proof, &root).is_ok();
            prop_assert!(!accepted);
            // Stronger: every hash in the tiles is bound to the root.
            prop_assert_ne!(bad.root, root);
        }
    }

    let old_root = log.mth(0, old);
    let needed = required_tiles_for_consistency(old, size).unwrap();
    let got = consistency_from_tiles(old, size, &log.fetch(&needed)).unwrap();
    prop_assert_eq!((got.old_root, got.new_root), (old_root, root));
    prop_assert_eq!(
        verify_consistency(old, size, &old_root, &root, &got.proof),
        Ok(())
    );
    if let Some(tiles) = fetch_with_flip(log, &needed, pick) {
        if let Ok(bad) = consistency_from_tiles(old, size, &tiles) {
            let accepted = bad.old_root == old_root
                && bad.new_root == root
                && verify_consistency(old, size, &old_root, &root, &bad.proof).is_ok();
            prop_assert!(!accepted);
            prop_assert!(bad.old_root != old_root || bad.new_root != root);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn proofs_from_tiles_small_trees(
        log_size in 1u64..2_000,
        seeds in proptest::collection::vec(any::<(u64, u64, u64, usize, usize)>(), 8),
    ) {
        let log = Log::new(log_size);
        for (a, b, c, tile, bit) in seeds {
            let size = 1 + a % log.size();
            check_tree(&log, b % size, size, 1 + c % size, (tile, bit))?;
        }
    }
}

proptest! {
    // Trees with level-2 tiles: few cases, each of them slow in a debug build.
    #![proptest_config(ProptestConfig::with_cases(3))]

    #[test]
    fn proofs_from_tiles_large_trees(
        log_size in 65_536u64..70_000,
        seeds in proptest::collection::vec(any::<(u64, u64, u64, usize, usize)>(), 24),
    ) {
        let log = Log::new(log_size);
        for (a, b, c, tile, bit) in seeds {
            // Half the sizes large enough to have a level-2 tile.
            let size = if a % 2 == 0 { 65_536 + a % (log.size() - 65_535) } else { 1 + a % log.size() };
            check_tree(&log, b % size, size, 1 + c % size, (tile, bit))?;
        }
    }

    #[test]
    fn huge_sizes_never_panic(index in any::<u64>(), size in any::<u64>(), old in any::<u64>()) {
        let tiles = TileSet::new();
        let _ = required_tiles(index, size);
        let _ = required_tiles_for_consistency(old, size);
        let _ = required_tiles_for_root(size);
        let _ = inclusion_from_tiles(index, size, &tiles);
        let _ = consistency_from_tiles(old, size, &tiles);
        let _ = root_from_tiles(size, &tiles);
        let _ = tiles.node_hash((index % 256) as u8, size);
        let _ = TileId::in_tree((index % 64) as u8, old, size);
        let _ = EntryBundleId::in_tree(old, size);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_tiles_never_panic(
        tiles in proptest::collection::vec(
            (0u8..3, 0u64..4, proptest::collection::vec(any::<[u8; 32]>(), 1..=256)), 0..6),
        index in 0u64..100_000, size in 0u64..100_000, old in 0u64..100_000,
    ) {
        let mut set = TileSet::new();
        for (level, tile_index, hashes) in tiles {
            let _ = set.insert_tile(Tile::from_hashes(level, tile_index, hashes).unwrap());
        }
        let _ = inclusion_from_tiles(index, size, &set);
        let _ = consistency_from_tiles(old, size, &set);
        let _ = root_from_tiles(size, &set);
    }
}
