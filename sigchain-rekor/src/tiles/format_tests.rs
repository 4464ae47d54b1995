//! Tiles: path spelling, tile and bundle bytes, and parsers that never panic.

use super::*;
use proptest::prelude::*;
use sigchain_core::tlog::merkle::hash_leaf;

// ---- paths ----

fn tile_path(level: u8, index: u64, width: u16) -> String {
    TileId::new(level, index, width).unwrap().path()
}

#[test]
fn index_groups() {
    let cases: &[(u64, &str)] = &[
        (0, "000"),
        (7, "007"),
        (999, "999"),
        (1000, "x001/000"),
        (1001, "x001/001"),
        (999_999, "x999/999"),
        (1_000_000, "x001/x000/000"),
        (1_234_067, "x001/x234/067"),
        (u64::MAX, "x018/x446/x744/x073/x709/x551/615"),
    ];
    for (index, groups) in cases {
        let full = format!("tile/0/{groups}");
        assert_eq!(tile_path(0, *index, 256), full);
        assert_eq!(
            TileId::parse_path(&full).unwrap(),
            TileId::full(0, *index).unwrap()
        );
        let entries = format!("tile/entries/{groups}.p/9");
        assert_eq!(EntryBundleId::new(*index, 9).unwrap().path(), entries);
        assert_eq!(
            EntryBundleId::parse_path(&entries).unwrap(),
            EntryBundleId::new(*index, 9).unwrap()
        );
    }
}

fn defect(path: &str) -> PathDefect {
    match TileResource::parse(path) {
        Err(TileError::InvalidPath { defect, .. }) => defect,
        other => panic!("{path}: {other:?}"),
    }
}

#[test]
fn non_canonical_paths_are_rejected() {
    use PathDefect::*;
    let cases: &[(&str, PathDefect)] = &[
        // One past u64::MAX, and a group too many.
        ("tile/0/x018/x446/x744/x073/x709/x551/616", IndexOverflow),
        (
            "tile/0/x001/x000/x000/x000/x000/x000/x000/000",
            IndexOverflow,
        ),
        // Leading zeros: in a group, in front, in the level, in the width.
        ("tile/0/x000/001", IndexLeadingZeros),
        ("tile/0/x000/000", IndexLeadingZeros),
        ("tile/0/0001", IndexGroup),
        ("tile/0/01", IndexGroup),
        ("tile/0/1", IndexGroup),
        ("tile/00/000", Level),
        ("tile/01/000", Level),
        ("tile/0/000.p/01", Width),
        // Out of range.
        ("tile/64/000", Level),
        ("tile/100/000", Level),
        ("tile/0/000.p/0", Width),
        ("tile/0/000.p/256", Width),
        ("tile/0/000.p/1000", Width),
        // Misplaced or missing `x`.
        ("tile/0/001/000", IndexGroup),
        ("tile/0/x001/x000", IndexGroup),
        ("tile/0/x001", IndexGroup),
        ("tile/0/x01/000", IndexGroup),
        ("tile/0/X001/000", IndexGroup),
        // Shape.
        ("tile/0/000.p", IndexGroup),
        ("tile/0/000.p/", Width),
        ("tile/0/000/", IndexGroup),
        ("tile/0/", IndexGroup),
        ("tile/0", Prefix),
        ("tile/", Prefix),
        ("/tile/0/000", Prefix),
        ("tiles/0/000", Prefix),
        ("checkpoint/", Prefix),
        ("", Prefix),
        ("tile/-1/000", Level),
        ("tile/+1/000", Level),
        ("tile/0/+01", IndexGroup),
        ("tile/0/٣٣٣", IndexGroup),
        ("tile/entries/x000/000", IndexLeadingZeros),
        ("tile/entries/000.p/256", Width),
        ("tile/entries/000.p/5/", IndexGroup),
        ("tile/0/000.p/5.p/5", IndexGroup),
    ];
    for (path, want) in cases {
        assert_eq!(defect(path), *want, "{path}");
    }
    let long = format!("tile/0/{}000", "x001/".repeat(30));
    assert!(matches!(
        TileResource::parse(&long),
        Err(TileError::PathTooLong { .. })
    ));
    // The typed parsers refuse the other kinds of resource.
    assert!(TileId::parse_path("tile/entries/000").is_err());
    assert!(TileId::parse_path("checkpoint").is_err());
    assert!(EntryBundleId::parse_path("tile/0/000").is_err());
}

#[test]
fn canonical_edges_are_accepted() {
    assert_eq!(
        TileResource::parse("tile/63/000.p/255").unwrap(),
        TileResource::Tile(TileId::new(63, 0, 255).unwrap())
    );
    assert_eq!(
        TileResource::parse("tile/10/x001/000.p/1").unwrap(),
        TileResource::Tile(TileId::new(10, 1000, 1).unwrap())
    );
    assert_eq!(
        TileResource::parse("checkpoint").unwrap(),
        TileResource::Checkpoint
    );
    assert!(TileId::new(0, 0, 0).is_err());
    assert!(TileId::new(0, 0, 257).is_err());
    assert!(TileId::new(64, 0, 1).is_err());
    assert!(EntryBundleId::new(0, 0).is_err());
    assert!(EntryBundleId::new(0, 257).is_err());
    assert!(TileId::new(7, 0, 256).unwrap().hash_range().is_some());
    assert!(TileId::new(8, 0, 256).unwrap().hash_range().is_none());
    assert!(TileId::full(0, u64::MAX).unwrap().hash_range().is_none());
}

#[test]
fn widths_in_a_tree() {
    // The spec's example: a tree of 70,000 leaves.
    let w = |level, index| TileId::in_tree(level, index, 70_000).map(|t| t.width());
    assert_eq!(w(0, 272), Ok(256));
    assert_eq!(w(0, 273), Ok(112));
    assert!(matches!(w(0, 274), Err(TileError::TileNotInTree { .. })));
    assert_eq!(w(1, 0), Ok(256));
    assert_eq!(w(1, 1), Ok(17));
    assert_eq!(w(2, 0), Ok(1));
    assert!(w(3, 0).is_err());
    // "A tree of size 256 will be represented by a full level 0 tile and a partial level 1
    // tile of width 1."
    assert_eq!(
        required_tiles_for_root(256),
        [TileId::new(1, 0, 1).unwrap()]
    );
    assert_eq!(TileId::in_tree(0, 0, 256).unwrap().width(), 256);
    assert!(required_tiles_for_root(0).is_empty());
    assert_eq!(required_tiles_for_root(u64::MAX).len(), 8);
    assert!(TileId::new(0, 1, 44).unwrap().is_in_tree(300));
    assert!(!TileId::new(0, 1, 45).unwrap().is_in_tree(300));
    assert!(EntryBundleId::in_tree(2, 512).is_err());
}

// ---- bytes ----

#[test]
fn tile_bytes() {
    let id = TileId::new(0, 0, 2).unwrap();
    assert_eq!(
        Tile::parse(id, &[0; 63]),
        Err(TileError::TileLength {
            tile: id,
            expected: 64,
            got: 63
        })
    );
    assert!(Tile::parse(id, &[0; 65]).is_err());
    assert!(Tile::parse(id, &[]).is_err());
    assert!(Tile::parse(TileId::full(1, 0).unwrap(), &[0; 8192]).is_ok());
    assert_eq!(
        Tile::from_hashes(0, 0, Vec::new()),
        Err(TileError::HashCount { got: 0 })
    );
    assert_eq!(
        Tile::from_hashes(0, 0, vec![[0; 32]; 257]),
        Err(TileError::HashCount { got: 257 })
    );
    assert!(Tile::from_hashes(0, 0, vec![[0; 32]; 256])
        .unwrap()
        .id()
        .is_full());
}

#[test]
fn entry_bundles() {
    let bundle = |width| EntryBundleId::new(4, width).unwrap();
    let max = vec![0xab; MAX_BUNDLE_ENTRY_BYTES];
    let bytes = encode_entry_bundle(&[&b""[..], &max, b"x"]).unwrap();
    assert_eq!(bytes.len(), 2 + 2 + MAX_BUNDLE_ENTRY_BYTES + 2 + 1);
    assert_eq!(
        parse_entry_bundle(bundle(3), &bytes).unwrap(),
        [&b""[..], &max, b"x"]
    );
    // Wrong counts, either way, and bytes cut anywhere.
    assert_eq!(
        parse_entry_bundle(bundle(2), &bytes),
        Err(TileError::BundleEntryCount {
            bundle: bundle(2),
            expected: 2,
            got: 3
        })
    );
    assert!(matches!(
        parse_entry_bundle(bundle(4), &bytes),
        Err(TileError::BundleEntryCount { got: 3, .. })
    ));
    assert!(parse_entry_bundle(bundle(1), &[]).is_err());
    for cut in [1, 3, 100, bytes.len() - 1] {
        assert!(
            matches!(
                parse_entry_bundle(bundle(3), &bytes[..cut]),
                Err(TileError::BundleTruncated { .. } | TileError::BundleEntryCount { .. })
            ),
            "{cut}"
        );
    }
    // Limits on encoding.
    let too_long = vec![0; MAX_BUNDLE_ENTRY_BYTES + 1];
    assert_eq!(
        encode_entry_bundle(&[&b"a"[..], &too_long]),
        Err(TileError::EntryTooLarge {
            position: 1,
            len: MAX_BUNDLE_ENTRY_BYTES + 1,
            max: MAX_BUNDLE_ENTRY_BYTES
        })
    );
    assert!(encode_entry_bundle(&vec![b"e"; 256]).is_ok());
    assert!(matches!(
        encode_entry_bundle(&vec![b"e"; 257]),
        Err(TileError::TooManyEntries { got: 257, .. })
    ));
    assert!(encode_entry_bundle::<&[u8]>(&[]).is_err());
    // Against the level-0 tile.
    let entries = [&b"a"[..], b"b", b"c"];
    let tile = Tile::from_hashes(4, 0, entries.iter().map(|e| hash_leaf(e)).collect()).unwrap();
    assert!(matches!(
        check_bundle_against_tile(bundle(3), &entries, &tile),
        Err(TileError::BundleTileMismatch { .. })
    ));
    let tile = Tile::from_hashes(0, 4, tile.hashes().to_vec()).unwrap();
    check_bundle_against_tile(bundle(3), &entries, &tile).unwrap();
    check_bundle_against_tile(bundle(2), &entries[..2], &tile).unwrap();
    assert_eq!(
        check_bundle_against_tile(bundle(3), &[&b"a"[..], b"b", b"d"], &tile),
        Err(TileError::BundleMismatch { position: 2 })
    );
    assert!(check_bundle_against_tile(bundle(3), &entries[..2], &tile).is_err());
    assert!(check_bundle_against_tile(bundle(4), &entries, &tile).is_err());
}

// ---- nothing untrusted panics ----

fn path_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("tile/".to_string()),
        Just("entries/".to_string()),
        Just("x".to_string()),
        Just(".p/".to_string()),
        Just("/".to_string()),
        Just("checkpoint".to_string()),
        "[0-9]{1,4}",
        ".{0,3}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn paths_round_trip(level in 0u8..=63, index in any::<u64>(), width in 1u16..=256) {
        let tile = TileId::new(level, index, width).unwrap();
        prop_assert_eq!(TileId::parse_path(&tile.path()), Ok(tile));
        prop_assert_eq!(TileResource::parse(&tile.path()), Ok(TileResource::Tile(tile)));
        let bundle = EntryBundleId::new(index, width).unwrap();
        prop_assert_eq!(EntryBundleId::parse_path(&bundle.path()), Ok(bundle));
    }

    #[test]
    fn arbitrary_paths_never_panic_and_parse_canonically(path in path_like(), any_text in ".{0,80}") {
        for text in [&path, &any_text] {
            match TileResource::parse(text) {
                // Whatever parses is spelled exactly the canonical way.
                Ok(TileResource::Tile(tile)) => prop_assert_eq!(&tile.path(), text),
                Ok(TileResource::EntryBundle(bundle)) => prop_assert_eq!(&bundle.path(), text),
                Ok(TileResource::Checkpoint) => prop_assert_eq!(text.as_str(), "checkpoint"),
                Err(_) => {}
            }
        }
    }

    #[test]
    fn arbitrary_tile_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        level in 0u8..=63, index in any::<u64>(), width in 1u16..=256,
    ) {
        let id = TileId::new(level, index, width).unwrap();
        let result = Tile::parse(id, &bytes);
        prop_assert_eq!(result.is_ok(), bytes.len() == usize::from(width) * 32);
        let mut set = TileSet::new();
        let _ = set.insert(id, &bytes);
    }

    #[test]
    fn arbitrary_bundles_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        index in any::<u64>(), width in 1u16..=256,
    ) {
        let bundle = EntryBundleId::new(index, width).unwrap();
        if let Ok(entries) = parse_entry_bundle(bundle, &bytes) {
            prop_assert_eq!(entries.len(), usize::from(width));
            prop_assert_eq!(encode_entry_bundle(&entries), Ok(bytes));
        }
    }

    #[test]
    fn bundles_round_trip(entries in proptest::collection::vec(
        proptest::collection::vec(any::<u8>(), 0..40), 1..=256)
    ) {
        let bytes = encode_entry_bundle(&entries).unwrap();
        let bundle = EntryBundleId::new(9, entries.len() as u16).unwrap();
        let parsed = parse_entry_bundle(bundle, &bytes).unwrap();
        prop_assert_eq!(parsed, entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn bundles_against_any_tile_never_panic(
        entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 1..=8),
        bundle_index in any::<u64>(),
        level in 0u8..=63,
        tile_index in any::<u64>(),
        hashes in proptest::collection::vec(any::<[u8; 32]>(), 1..=8),
    ) {
        let bundle = EntryBundleId::new(bundle_index, entries.len() as u16).unwrap();
        let entries: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        let tile = Tile::from_hashes(level, tile_index, hashes).unwrap();
        if check_bundle_against_tile(bundle, &entries, &tile).is_ok() {
            prop_assert_eq!((tile.id().level(), tile.id().index()), (0, bundle_index));
            for (entry, leaf) in entries.iter().zip(tile.hashes()) {
                prop_assert_eq!(&hash_leaf(entry), leaf);
            }
        }
        let leaves = entries.iter().map(|e| hash_leaf(e)).collect();
        let matching = Tile::from_hashes(0, bundle_index, leaves).unwrap();
        prop_assert_eq!(check_bundle_against_tile(bundle, &entries, &matching), Ok(()));
    }

    /// Tiles near the edge of any tree size, from bytes of the right length or not, inserted
    /// over each other: the proofs from them never panic.
    #[test]
    fn raw_tiles_at_the_edge_of_any_tree_never_panic(
        size in any::<u64>(),
        inserts in proptest::collection::vec(
            (0u8..8, 0u64..3, 1u16..=256, proptest::collection::vec(any::<[u8; 32]>(), 1..=3), any::<bool>()),
            0..8,
        ),
        index in any::<u64>(),
        old in any::<u64>(),
    ) {
        let mut set = TileSet::new();
        for (level, back, width, hashes, exact) in inserts {
            let edge = size.checked_shr(8 * (u32::from(level) + 1)).unwrap_or(0);
            let id = TileId::new(level, edge.saturating_sub(back), width).unwrap();
            let mut bytes = hashes.concat();
            if exact {
                bytes.resize(id.byte_len(), 0x5a);
            }
            let _ = set.insert(id, &bytes);
        }
        let index = if size == 0 { index } else { index % size };
        let old = if size == 0 { old } else { 1 + old % size };
        let _ = inclusion_from_tiles(index, size, &set);
        let _ = consistency_from_tiles(old, size, &set);
        let _ = root_from_tiles(size, &set);
    }
}
