//! Entry bundles: a sequence of entries, each prefixed with its length as a big-endian `u16`.

use sigchain_core::tlog::merkle::hash_leaf;

use super::{EntryBundleId, Tile, TileError, FULL_WIDTH, MAX_BUNDLE_ENTRY_BYTES};

/// The bytes of an entry bundle holding `entries` (1 to 256 of them, each at most 65,535
/// bytes).
///
/// ```
/// use sigchain_rekor::tiles::{encode_entry_bundle, parse_entry_bundle, EntryBundleId};
/// let bytes = encode_entry_bundle(&[&b"first"[..], b"second"])?;
/// assert_eq!(&bytes[..7], b"\x00\x05first");
/// let entries = parse_entry_bundle(EntryBundleId::new(0, 2)?, &bytes)?;
/// assert_eq!(entries, [&b"first"[..], b"second"]);
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let max = usize::from(FULL_WIDTH);
    if entries.is_empty() || entries.len() > max {
        return Err(TileError::TooManyEntries {
            got: entries.len(),
            max,
        });
    }
    let mut total = 0usize;
    for (position, entry) in entries.iter().enumerate() {
        let len = entry.as_ref().len();
        if len > MAX_BUNDLE_ENTRY_BYTES {
            return Err(TileError::EntryTooLarge {
                position,
                len,
                max: MAX_BUNDLE_ENTRY_BYTES,
            });
        }
        total += 2 + len;
    }
    let mut out = Vec::with_capacity(total);
    for entry in entries {
        let entry = entry.as_ref();
        out.extend_from_slice(&(entry.len() as u16).to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Split the bytes fetched for `bundle` into its entries: exactly `width` of them, with no
/// bytes left over. The entries borrow from `bytes`.
pub fn parse_entry_bundle(bundle: EntryBundleId, bytes: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let expected = usize::from(bundle.width());
    let mut entries = Vec::with_capacity(expected);
    let mut rest = bytes;
    while !rest.is_empty() {
        let position = entries.len();
        // Stop at the width: a bundle with extra entries is as wrong as one with too few,
        // and counting them all would let a hostile server make us do unbounded work.
        if position == expected {
            return Err(TileError::BundleEntryCount {
                bundle,
                expected,
                got: position + 1,
            });
        }
        let offset = bytes.len() - rest.len();
        let truncated = TileError::BundleTruncated { position, offset };
        let (len, body) = rest.split_first_chunk::<2>().ok_or(truncated.clone())?;
        let len = usize::from(u16::from_be_bytes(*len));
        if body.len() < len {
            return Err(truncated);
        }
        let (entry, tail) = body.split_at(len);
        entries.push(entry);
        rest = tail;
    }
    if entries.len() != expected {
        return Err(TileError::BundleEntryCount {
            bundle,
            expected,
            got: entries.len(),
        });
    }
    Ok(entries)
}

/// Check that each entry of `bundle` hashes (RFC 6962 leaf hash) to the level-0 `tile`'s
/// hash at the same position, so entries from an untrusted mirror can be tied to tiles that
/// were checked against a signed checkpoint.
///
/// ```
/// use sigchain_rekor::sigchain_core::tlog::merkle::hash_leaf;
/// use sigchain_rekor::tiles::{check_bundle_against_tile, EntryBundleId, Tile};
/// let tile = Tile::from_hashes(0, 0, vec![hash_leaf(b"a"), hash_leaf(b"b")])?;
/// let bundle = EntryBundleId::new(0, 2)?;
/// check_bundle_against_tile(bundle, &[&b"a"[..], b"b"], &tile)?;
/// assert!(check_bundle_against_tile(bundle, &[&b"a"[..], b"x"], &tile).is_err());
/// # Ok::<(), sigchain_rekor::tiles::TileError>(())
/// ```
pub fn check_bundle_against_tile(
    bundle: EntryBundleId,
    entries: &[&[u8]],
    tile: &Tile,
) -> Result<(), TileError> {
    let tile_id = tile.id();
    if tile_id.level() != 0 || tile_id.index() != bundle.index() || tile_id.width() < bundle.width()
    {
        return Err(TileError::BundleTileMismatch {
            bundle,
            tile: tile_id,
        });
    }
    if entries.len() != usize::from(bundle.width()) {
        return Err(TileError::BundleEntryCount {
            bundle,
            expected: usize::from(bundle.width()),
            got: entries.len(),
        });
    }
    for (position, (entry, leaf)) in entries.iter().zip(tile.hashes()).enumerate() {
        if &hash_leaf(entry) != leaf {
            return Err(TileError::BundleMismatch { position });
        }
    }
    Ok(())
}
