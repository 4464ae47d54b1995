//! The log file: reopening, torn writes, damage, bounds, and proofs from random logs
//! checked with `sigchain-core`.

use super::*;
use proptest::prelude::*;
use sigchain_core::crypto::sha256;
use sigchain_core::tlog::merkle::{hash_children, verify_consistency, verify_inclusion};
use sigchain_rekor::tiles::{parse_entry_bundle, Tile};
use std::collections::{BTreeMap, BTreeSet};

fn entry_data(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

/// Append entries `range` as one batch, integrated at time `1000 + i`.
fn append(log: &mut LogStorage, range: Range<u64>) -> Range<u64> {
    let data: Vec<Vec<u8>> = range.clone().map(entry_data).collect();
    let batch: Vec<NewEntry<'_>> = data
        .iter()
        .zip(range)
        .map(|(data, i)| NewEntry {
            data,
            integrated_time: 1000 + i as i64,
        })
        .collect();
    log.append_batch(&batch).unwrap()
}

fn open(path: &Path) -> LogStorage {
    LogStorage::open(path, StorageConfig::DEFAULT).unwrap()
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn new_log_is_the_empty_tree() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let log = open(&path);
    assert_eq!(log.tree_size(), 0);
    assert_eq!(log.root(0).unwrap(), sha256(b""));
    assert_eq!(file_len(&path), MAGIC.len() as u64);
    assert!(matches!(
        log.leaf(0),
        Err(StorageError::IndexOutOfRange {
            index: 0,
            tree_size: 0
        })
    ));
    assert!(log.leaf_hash(0).is_err());
    drop(log);
    assert_eq!(open(&path).root(0).unwrap(), sha256(b""));
}

#[test]
fn reopening_gives_the_same_tree_and_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut log = open(&path);
    assert_eq!(append(&mut log, 0..1), 0..1);
    assert_eq!(log.root(1).unwrap(), hash_leaf(&entry_data(0)));
    assert_eq!(append(&mut log, 1..300), 1..300);
    assert_eq!(log.append_batch(&[]).unwrap(), 300..300);
    let root = log.root(300).unwrap();
    drop(log);
    let mut log = open(&path);
    assert_eq!(log.tree_size(), 300);
    assert_eq!(log.root(300).unwrap(), root);
    for i in [0, 1, 255, 256, 299] {
        let leaf = log.leaf(i).unwrap();
        assert_eq!(leaf.data, entry_data(i));
        assert_eq!(leaf.integrated_time, 1000 + i as i64);
        assert_eq!(log.leaf_hash(i).unwrap(), hash_leaf(&entry_data(i)));
    }
    assert!(log.leaf(300).is_err());
    // And it keeps growing from there.
    assert_eq!(append(&mut log, 300..301), 300..301);
    drop(log);
    let log = open(&path);
    assert_eq!(log.tree_size(), 301);
    let proof = log.consistency_proof(300, 301).unwrap();
    verify_consistency(300, 301, &root, &log.root(301).unwrap(), &proof).unwrap();
}

/// A log of two batches (entries 0..3, then 3..6), and the file offset where the second
/// begins.
fn two_batches(path: &Path) -> (u64, [u8; 32]) {
    let mut log = open(path);
    append(&mut log, 0..3);
    let first_end = file_len(path);
    let root = log.root(3).unwrap();
    append(&mut log, 3..6);
    (first_end, root)
}

/// Reopening `bytes` serves exactly the first batch, and cuts the file back to it.
fn assert_second_batch_dropped(path: &Path, bytes: &[u8], first_end: u64, root: [u8; 32]) {
    std::fs::write(path, bytes).unwrap();
    let mut log = open(path);
    assert_eq!(log.tree_size(), 3);
    assert_eq!(log.root(3).unwrap(), root);
    assert_eq!(file_len(path), first_end);
    assert_eq!(log.leaf(2).unwrap().data, entry_data(2));
    // The cut file takes appends again.
    assert_eq!(append(&mut log, 3..4), 3..4);
    drop(log);
    assert_eq!(open(path).tree_size(), 4);
}

#[test]
fn a_torn_last_batch_is_dropped_at_every_cut_and_flip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let (first_end, root) = two_batches(&path);
    let whole = std::fs::read(&path).unwrap();
    let first_end_usize = first_end as usize;
    for cut in first_end_usize..whole.len() {
        assert_second_batch_dropped(&path, &whole[..cut], first_end, root);
    }
    for at in first_end_usize..whole.len() {
        let mut flipped = whole.clone();
        flipped[at] ^= 0x01;
        assert_second_batch_dropped(&path, &flipped, first_end, root);
    }
    // A whole batch of good records without its end record (cut at a record boundary).
    let record = RECORD_OVERHEAD + entry_data(3).len();
    assert_second_batch_dropped(&path, &whole[..first_end_usize + record], first_end, root);
    assert_second_batch_dropped(
        &path,
        &whole[..first_end_usize + 2 * record],
        first_end,
        root,
    );
    // The whole file is served whole.
    std::fs::write(&path, &whole).unwrap();
    assert_eq!(open(&path).tree_size(), 6);
}

#[test]
fn garbage_after_the_last_batch_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let (_, _) = two_batches(&path);
    let whole = std::fs::read(&path).unwrap();
    let root = open(&path).root(6).unwrap();
    let mut forged_end = Vec::new();
    // A well-formed record of a batch that never ended, and one with unknown flags.
    wal::encode_record(&mut forged_end, b"never committed", 9, false);
    let garbage: Vec<Vec<u8>> = vec![
        vec![0],
        vec![0; 4096],
        vec![0xff; 13],
        u32::MAX.to_be_bytes().to_vec(),
        (MAX_ENTRY_BYTES as u32 + 10).to_be_bytes().to_vec(),
        b"\x00\x00\x00\x09not a record at all".to_vec(),
        forged_end,
    ];
    for tail in garbage {
        let mut bytes = whole.clone();
        bytes.extend_from_slice(&tail);
        std::fs::write(&path, &bytes).unwrap();
        let log = open(&path);
        assert_eq!((log.tree_size(), log.root(6).unwrap()), (6, root));
        assert_eq!(file_len(&path), whole.len() as u64);
    }
}

#[test]
fn damage_before_the_last_batch_is_refused_not_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let config = StorageConfig {
        max_batch_bytes: 2048,
        ..StorageConfig::DEFAULT
    };
    let mut log = LogStorage::open(&path, config).unwrap();
    for start in (0..200).step_by(10) {
        append(&mut log, start..start + 10);
    }
    drop(log);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[MAGIC.len() + 10] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        LogStorage::open(&path, config),
        Err(StorageError::DamagedLog { offset, damaged_bytes, .. })
            if offset == MAGIC.len() as u64 && damaged_bytes > 2048
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was cut");

    // Damage in an acknowledged batch within a batch's worth of the end: the whole batches
    // behind it show it is not a torn write.
    let (first_end, _) = two_batches(&dir.path().join("small"));
    let mut log = open(&dir.path().join("small"));
    append(&mut log, 6..7);
    drop(log);
    let mut bytes = std::fs::read(dir.path().join("small")).unwrap();
    for at in [
        MAGIC.len(),
        MAGIC.len() + 20,
        first_end as usize - 1,
        first_end as usize + 3,
    ] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x04;
        std::fs::write(dir.path().join("small"), &damaged).unwrap();
        assert!(
            matches!(
                LogStorage::open(dir.path().join("small"), StorageConfig::DEFAULT),
                Err(StorageError::DamagedLog { .. })
            ),
            "{at}"
        );
    }
    // Damage in the last batch alone is a torn write.
    let last = bytes.len() - 5;
    bytes[last] ^= 0x04;
    std::fs::write(dir.path().join("small"), &bytes).unwrap();
    assert_eq!(open(&dir.path().join("small")).tree_size(), 6);
}

#[test]
fn headers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    std::fs::write(&path, b"some other file, not ours").unwrap();
    assert!(matches!(
        LogStorage::open(&path, StorageConfig::DEFAULT),
        Err(StorageError::NotALogFile { .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"some other file, not ours");
    std::fs::write(&path, b"x").unwrap();
    assert!(LogStorage::open(&path, StorageConfig::DEFAULT).is_err());
    // A header torn while the file was being created is written again.
    for cut in 0..MAGIC.len() {
        std::fs::write(&path, &MAGIC[..cut]).unwrap();
        assert_eq!(open(&path).tree_size(), 0);
        assert_eq!(std::fs::read(&path).unwrap(), MAGIC);
    }
    assert!(matches!(
        LogStorage::open(dir.path().join("no/such/dir"), StorageConfig::DEFAULT),
        Err(StorageError::Io {
            step: IoStep::Open,
            ..
        })
    ));
}

#[test]
fn bounds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    for bad in [
        StorageConfig {
            max_entry_bytes: MAX_ENTRY_BYTES + 1,
            ..StorageConfig::DEFAULT
        },
        StorageConfig {
            max_batch_bytes: MAX_BATCH_BYTES + 1,
            ..StorageConfig::DEFAULT
        },
    ] {
        assert!(matches!(
            LogStorage::open(&path, bad),
            Err(StorageError::InvalidConfig { .. })
        ));
    }
    let config = StorageConfig {
        max_entry_bytes: 70_000,
        max_batch_bytes: 200_000,
    };
    let mut log = LogStorage::open(&path, config).unwrap();
    let big = vec![7u8; 70_001];
    let fine = vec![7u8; 70_000];
    let entry = |data| NewEntry {
        data,
        integrated_time: 0,
    };
    assert!(matches!(
        log.append_batch(&[entry(b"ok"), entry(&big)]),
        Err(StorageError::EntryTooLarge {
            position: 1,
            len: 70_001,
            max: 70_000
        })
    ));
    assert!(matches!(
        log.append_batch(&[entry(&fine), entry(&fine), entry(&fine)]),
        Err(StorageError::BatchTooLarge { max: 200_000, .. })
    ));
    assert_eq!(log.tree_size(), 0, "refused batches leave nothing behind");
    assert_eq!(
        log.append_batch(&[entry(b"small"), entry(&fine)]).unwrap(),
        0..2
    );
    // An entry too large for a bundle: the log holds it, but cannot put it in a bundle.
    assert_eq!(log.leaf(1).unwrap().data, fine);
    assert!(matches!(
        log.entry_bundle(EntryBundleId::new(0, 2).unwrap()),
        Err(StorageError::Tiles(TileError::EntryTooLarge {
            position: 1,
            len: 70_000,
            ..
        }))
    ));
    drop(log);
    // Records over today's limit, written under a larger one, still count.
    let log = open(&path);
    assert_eq!(log.tree_size(), 2);
}

#[test]
fn tiles_and_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(&dir.path().join("log"));
    append(&mut log, 0..600);
    let size = log.tree_size();
    // A partial tile at the edge and a full one, against the tree's levels.
    let edge = TileId::in_tree(0, 2, size).unwrap();
    assert_eq!(edge.width(), 88);
    let tile = Tile::parse(edge, &log.tile(edge).unwrap()).unwrap();
    assert_eq!(tile.hashes()[87], hash_leaf(&entry_data(599)));
    let level1 = TileId::in_tree(1, 0, size).unwrap();
    assert_eq!(level1.width(), 2);
    let tile = Tile::parse(level1, &log.tile(level1).unwrap()).unwrap();
    let full = Tile::parse(
        TileId::full(0, 1).unwrap(),
        &log.tile(TileId::full(0, 1).unwrap()).unwrap(),
    )
    .unwrap();
    let mut layer = full.hashes().to_vec();
    while layer.len() > 1 {
        layer = layer
            .chunks_exact(2)
            .map(|p| hash_children(&p[0], &p[1]))
            .collect();
    }
    assert_eq!(tile.hashes()[1], layer[0]);
    // Narrower partial tiles of a size the log had are served too; wider ones are not.
    assert!(log.tile(TileId::new(0, 2, 10).unwrap()).is_ok());
    for past in [
        TileId::new(0, 2, 89).unwrap(),
        TileId::full(0, 3).unwrap(),
        TileId::new(1, 0, 3).unwrap(),
        TileId::new(2, 0, 1).unwrap(),
        TileId::new(63, 0, 1).unwrap(),
        TileId::full(0, u64::MAX).unwrap(),
    ] {
        assert!(
            matches!(
                log.tile(past),
                Err(StorageError::Tiles(TileError::TileNotInTree { .. }))
            ),
            "{past}"
        );
    }
    // Bundles: the entries, in order, hashing to the level-0 tile.
    let id = EntryBundleId::in_tree(2, size).unwrap();
    let bytes = log.entry_bundle(id).unwrap();
    let entries = parse_entry_bundle(id, &bytes).unwrap();
    assert_eq!(entries[0], entry_data(512));
    let tile = Tile::parse(edge, &log.tile(edge).unwrap()).unwrap();
    sigchain_rekor::tiles::check_bundle_against_tile(id, &entries, &tile).unwrap();
    let full = EntryBundleId::full(0).unwrap();
    assert_eq!(
        parse_entry_bundle(full, &log.entry_bundle(full).unwrap())
            .unwrap()
            .len(),
        256
    );
    for past in [
        EntryBundleId::new(2, 89).unwrap(),
        EntryBundleId::full(2).unwrap(),
        EntryBundleId::new(3, 1).unwrap(),
        EntryBundleId::full(u64::MAX).unwrap(),
    ] {
        assert!(matches!(
            log.entry_bundle(past),
            Err(StorageError::Tiles(TileError::BundleNotInTree { .. }))
        ));
    }
}

#[test]
fn damage_after_opening_is_detected_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut log = open(&path);
    append(&mut log, 0..4);
    let offset = MAGIC.len() + RECORD_OVERHEAD + entry_data(0).len() + 6;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[offset] ^= 1;
    // Rewrite in place (same inode, so the open handle sees it).
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    assert!(matches!(
        log.leaf(1),
        Err(StorageError::DamagedRecord { index: 1, .. })
    ));
    assert!(log.leaf(0).is_ok());
    assert!(log.entry_bundle(EntryBundleId::new(0, 4).unwrap()).is_err());
}

#[test]
fn a_failed_write_poisons_and_shows_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut log = open(&path);
    append(&mut log, 0..3);
    let (root, len) = (log.root(3).unwrap(), file_len(&path));
    log.fail_next_write = true;
    let batch = [NewEntry {
        data: b"lost",
        integrated_time: 0,
    }; 4];
    assert!(matches!(
        log.append_batch(&batch),
        Err(StorageError::Io {
            step: IoStep::Write,
            ..
        })
    ));
    assert_eq!((log.tree_size(), log.root(3).unwrap()), (3, root));
    assert!(log.leaf(3).is_err());
    assert_eq!(file_len(&path), len, "the partial batch was taken back");
    assert!(matches!(
        log.append_batch(&batch),
        Err(StorageError::Poisoned)
    ));
    drop(log);
    let mut log = open(&path);
    assert_eq!(log.tree_size(), 3);
    assert_eq!(log.append_batch(&batch).unwrap(), 3..7);
}

#[test]
fn storage_is_send_and_sync() {
    fn shareable<T: Send + Sync>() {}
    shareable::<LogStorage>();
    shareable::<MerkleTree>();
}

// ---- random logs: every proof verifies with sigchain-core, every mutation fails ----

/// The roots of the trees of the first `size` leaves for each of `sizes`, computed with a
/// stack of perfect subtrees (independent of the tree under test).
fn prefix_roots(leaves: &[[u8; 32]], sizes: &[u64]) -> BTreeMap<u64, [u8; 32]> {
    let wanted: BTreeSet<u64> = sizes.iter().copied().collect();
    let mut roots = BTreeMap::new();
    let mut stack: Vec<(u32, [u8; 32])> = Vec::new();
    for (i, leaf) in leaves.iter().enumerate() {
        let (mut height, mut node) = (0, *leaf);
        while let Some(&(h, left)) = stack.last() {
            if h != height {
                break;
            }
            stack.pop();
            (height, node) = (h + 1, hash_children(&left, &node));
        }
        stack.push((height, node));
        let size = i as u64 + 1;
        if wanted.contains(&size) {
            let mut nodes = stack.iter().rev().map(|(_, hash)| *hash);
            let last = nodes.next().unwrap();
            roots.insert(
                size,
                nodes.fold(last, |acc, left| hash_children(&left, &acc)),
            );
        }
    }
    roots
}

fn flip(hash: &[u8; 32], bit: usize) -> [u8; 32] {
    let mut out = *hash;
    out[(bit / 8) % 32] ^= 1 << (bit % 8);
    out
}

/// Proofs of a log of `n` entries for the pairs `seeds` picks.
fn check_log(log: &LogStorage, seeds: &[(u64, u64, u64, usize)]) -> Result<(), TestCaseError> {
    let n = log.tree_size();
    let leaves: Vec<[u8; 32]> = (0..n).map(|i| log.leaf_hash(i).unwrap()).collect();
    let root_of = |size: u64| log.root(size).unwrap();
    // The roots the proofs are checked against, computed independently first.
    let mut sizes = vec![n];
    for &(a, _, c, _) in seeds {
        sizes.extend([1 + a % n, 1 + c % (1 + a % n)]);
    }
    for (size, root) in prefix_roots(&leaves, &sizes) {
        prop_assert_eq!(root_of(size), root, "size {}", size);
    }
    for &(a, b, c, bit) in seeds {
        // Inclusion of `index` in the tree of `size`, and mutations of each input.
        let size = 1 + a % n;
        let index = b % size;
        let root = root_of(size);
        let leaf = leaves[index as usize];
        let proof = log.inclusion_proof(index, size).unwrap();
        prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = bit % bad.len();
            bad[at] = flip(&bad[at], bit);
            prop_assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
        }
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &flip(&root, bit)).is_err());
        prop_assert!(verify_inclusion(index, size, &flip(&leaf, bit), &proof, &root).is_err());
        if size > 1 {
            let other = (index + 1 + c % (size - 1)) % size;
            prop_assert!(verify_inclusion(other, size, &leaf, &proof, &root).is_err());
        }
        // The proof cannot pass for one in another tree of the log.
        {
            let other = index + 1 + c % (n - index);
            if other != size {
                prop_assert!(
                    verify_inclusion(index, other, &leaf, &proof, &root_of(other)).is_err()
                );
            }
        }

        // Consistency from `old` to `size`, and mutations.
        let old = 1 + c % size;
        let (old_root, proof) = (root_of(old), log.consistency_proof(old, size).unwrap());
        prop_assert_eq!(
            verify_consistency(old, size, &old_root, &root, &proof),
            Ok(())
        );
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = bit % bad.len();
            bad[at] = flip(&bad[at], bit);
            prop_assert!(verify_consistency(old, size, &old_root, &root, &bad).is_err());
        }
        if old < size {
            prop_assert!(
                verify_consistency(old, size, &flip(&old_root, bit), &root, &proof).is_err()
            );
        }
        prop_assert!(verify_consistency(old, size, &old_root, &flip(&root, bit), &proof).is_err());
        let other_old = 1 + (old + a) % size;
        if other_old != old {
            let r = root_of(other_old);
            prop_assert!(verify_consistency(other_old, size, &r, &root, &proof).is_err());
        }
        let other_new = old + b % (n - old + 1);
        if other_new != size {
            let r = root_of(other_new);
            prop_assert!(verify_consistency(old, other_new, &old_root, &r, &proof).is_err());
        }
    }
    Ok(())
}

/// A log of `n` entries appended in batches whose sizes `cuts` picks, reopened once midway.
fn random_log(dir: &Path, n: u64, cuts: &[u64]) -> LogStorage {
    let path = dir.join("log");
    let mut log = open(&path);
    let mut at = 0;
    for (i, cut) in cuts.iter().cycle().enumerate() {
        if at == n {
            break;
        }
        let next = (at + 1 + cut % n.div_ceil(4)).min(n);
        append(&mut log, at..next);
        at = next;
        if i == 1 {
            drop(log);
            log = open(&path);
        }
    }
    log
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn proofs_of_small_logs(
        n in 1u64..1_500,
        cuts in proptest::collection::vec(any::<u64>(), 1..6),
        seeds in proptest::collection::vec(any::<(u64, u64, u64, usize)>(), 16),
    ) {
        let dir = tempfile::tempdir().unwrap();
        check_log(&random_log(dir.path(), n, &cuts), &seeds)?;
    }
}

proptest! {
    // Logs up to 10^5 entries: few cases, each with many proofs.
    #![proptest_config(ProptestConfig::with_cases(3))]

    #[test]
    fn proofs_of_large_logs(
        n in 50_000u64..=100_000,
        cuts in proptest::collection::vec(any::<u64>(), 1..6),
        seeds in proptest::collection::vec(any::<(u64, u64, u64, usize)>(), 24),
    ) {
        let dir = tempfile::tempdir().unwrap();
        check_log(&random_log(dir.path(), n, &cuts), &seeds)?;
    }
}

// ---- nothing a log file holds panics ----

/// Open `bytes` as a log file: a typed refusal, or a log whose entries read back and prove.
fn open_any(path: &Path, bytes: &[u8], config: StorageConfig) -> Result<(), TestCaseError> {
    std::fs::write(path, bytes).unwrap();
    match LogStorage::open(path, config) {
        Ok(log) => {
            let size = log.tree_size();
            let on_disk = std::fs::read(path).unwrap();
            prop_assert!(on_disk.len() <= bytes.len().max(MAGIC.len()));
            prop_assert_eq!(&on_disk[..MAGIC.len()], &MAGIC[..]);
            let root = log.root(size).unwrap();
            for index in 0..size {
                let leaf = log.leaf(index).unwrap();
                let proof = log.inclusion_proof(index, size).unwrap();
                prop_assert_eq!(
                    verify_inclusion(index, size, &hash_leaf(&leaf.data), &proof, &root),
                    Ok(())
                );
            }
        }
        Err(StorageError::NotALogFile { .. } | StorageError::DamagedLog { .. }) => {}
        Err(other) => prop_assert!(false, "unexpected error {other}"),
    }
    Ok(())
}

/// Records of one or more batches, as the log writes them.
fn records() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        (
            proptest::collection::vec(any::<u8>(), 0..40),
            any::<i64>(),
            any::<bool>(),
        ),
        0..6,
    )
    .prop_map(|records| {
        let mut bytes = Vec::new();
        let count = records.len();
        for (i, (data, time, end)) in records.into_iter().enumerate() {
            wal::encode_record(&mut bytes, &data, time, end || i + 1 == count);
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_file_after_the_header_opens_or_is_refused(
        good in records(),
        tail in proptest::collection::vec(any::<u8>(), 0..300),
        edits in proptest::collection::vec((any::<usize>(), 1u8..), 0..3),
        header in any::<bool>(),
        small_batches in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut bytes = if header { MAGIC.to_vec() } else { Vec::new() };
        bytes.extend_from_slice(&good);
        bytes.extend_from_slice(&tail);
        let len = bytes.len();
        if len > 0 {
            for (at, xor) in edits {
                bytes[at % len] ^= xor;
            }
        }
        let config = if small_batches {
            StorageConfig { max_batch_bytes: 128, ..StorageConfig::DEFAULT }
        } else {
            StorageConfig::DEFAULT
        };
        open_any(&path, &bytes, config)?;
    }
}

/// A tail where every fifth byte starts a plausible batch-end record half the tail long:
/// before `wal::acknowledged_batch_in` had a budget, opening this took time in the square of
/// the tail (64 KiB: 5 s in a debug build; a 64 MiB tail, which the default batch bound lets
/// through, days). Now it is refused as damage, at once, and nothing is cut.
#[test]
fn a_tail_too_costly_to_search_is_refused_not_searched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    two_batches(&path);
    let end = file_len(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    let tail_len = 64 * 1024;
    let record_len = u32::try_from(tail_len / 2).unwrap();
    while bytes.len() < end as usize + tail_len {
        bytes.extend_from_slice(&record_len.to_be_bytes());
        bytes.push(1);
    }
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        LogStorage::open(&path, StorageConfig::DEFAULT),
        Err(StorageError::DamagedLog { offset, .. }) if offset == end
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was cut");
}
