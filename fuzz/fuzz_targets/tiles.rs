//! C2SP tlog-tiles: resource paths, tile bytes, entry bundles, and proofs computed from any
//! set of tiles never panic; what parses is canonical, and a proof computed from tiles
//! verifies against the root computed from the same tiles (the module's claim that every
//! hash used is bound to that root).
//!
//! Input: a path line (`TileResource::parse`), then a header (leaf index, tree size, older
//! size: u16 each; bundle index and width: one byte each) and bundle bytes up to a `0xff 0xff`
//! pair, then tiles, each a byte for the level (0..3), a byte for the index (0..4), a byte
//! for the width (1..=256) and up to `32 × width` bytes (`TileSet::insert`, length checked).
#![no_main]

mod common;

use common::Input;
use libfuzzer_sys::fuzz_target;
use sigchain_core::tlog::merkle::{verify_consistency, verify_inclusion};
use sigchain_rekor::tiles::{
    check_bundle_against_tile, consistency_from_tiles, encode_entry_bundle, inclusion_from_tiles,
    parse_entry_bundle, required_tiles, required_tiles_for_consistency, root_from_tiles,
    EntryBundleId, TileId, TileResource, TileSet,
};

fuzz_target!(|data: &[u8]| {
    let (path, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    if let Ok(text) = std::str::from_utf8(path) {
        match TileResource::parse(text) {
            Ok(TileResource::Tile(id)) => {
                assert_eq!(id.path(), text);
                assert_eq!(TileId::parse_path(text), Ok(id));
            }
            Ok(TileResource::EntryBundle(id)) => {
                assert_eq!(id.path(), text);
                assert_eq!(EntryBundleId::parse_path(text), Ok(id));
            }
            Ok(TileResource::Checkpoint) => assert_eq!(text, "checkpoint"),
            Err(_) => {}
        }
    }

    let mut input = Input(rest);
    let index = u64::from(input.u16());
    let size = u64::from(input.u16());
    let old_size = u64::from(input.u16());
    let bundle_index = u64::from(input.byte() % 4);
    let bundle_width = u16::from(input.byte()) + 1;
    let bundle_bytes = {
        let rest = input.0;
        let end = rest
            .windows(2)
            .position(|w| w == [0xff, 0xff])
            .unwrap_or(rest.len());
        let bytes = input.take(end);
        input.take(2);
        bytes
    };
    let bundle = EntryBundleId::new(bundle_index, bundle_width).expect("width in 1..=256");
    let entries = parse_entry_bundle(bundle, bundle_bytes);
    if let Ok(entries) = &entries {
        assert_eq!(entries.len(), usize::from(bundle_width));
        assert_eq!(encode_entry_bundle(entries).as_deref(), Ok(bundle_bytes));
    }

    let mut tiles = TileSet::new();
    while !input.is_empty() {
        let level = input.byte() % 3;
        let tile_index = u64::from(input.byte() % 4);
        let width = u16::from(input.byte()) + 1;
        let id = TileId::new(level, tile_index, width).expect("level and width in range");
        let bytes = input.take(id.byte_len());
        let held = tiles.len();
        if tiles.insert(id, bytes).is_ok() {
            assert!(tiles.len() == held || tiles.len() == held + 1);
        }
    }
    if let (Ok(entries), Some(tile)) = (&entries, tiles.get(0, bundle_index)) {
        let _ = check_bundle_against_tile(bundle, entries, tile);
    }

    let _ = required_tiles(index, size);
    let _ = required_tiles_for_consistency(old_size, size);
    if let Ok(got) = inclusion_from_tiles(index, size, &tiles) {
        assert_eq!(
            verify_inclusion(index, size, &got.leaf_hash, &got.proof, &got.root),
            Ok(()),
            "inclusion of {index} in {size}"
        );
        assert_eq!(root_from_tiles(size, &tiles), Ok(got.root));
    }
    if let Ok(got) = consistency_from_tiles(old_size, size, &tiles) {
        assert_eq!(
            verify_consistency(old_size, size, &got.old_root, &got.new_root, &got.proof),
            Ok(()),
            "consistency of {old_size} and {size}"
        );
    }
    let _ = root_from_tiles(size, &tiles);
});
