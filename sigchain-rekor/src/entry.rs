//! Entries a checker has verified, and the names Rekor v1 gives entries.

use std::fmt;

use sigchain_core::bundle::TlogEntry;
use sigchain_core::encoding::{hex_decode, hex_encode};
use sigchain_core::tlog::VerifiedCheckpoint;
use sigchain_core::verify::VerifiedLogEntry;

/// A Rekor v1 entry UUID: the 64 hex digits of the entry's leaf hash, optionally preceded by
/// the 16 hex digits of its shard's tree id (the 80-digit form sharded logs return).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryUuid {
    tree_id: Option<u64>,
    leaf_hash: [u8; 32],
}

impl EntryUuid {
    /// Parse either form; hex digits in either case.
    pub fn parse(text: &str) -> Option<EntryUuid> {
        let (tree_id, leaf) = match text.len() {
            64 => (None, text),
            80 => {
                // A byte count, not a char count: a multi-byte char may straddle byte 16.
                let (tree, leaf) = text.split_at_checked(16)?;
                let bytes: [u8; 8] = hex_decode(tree)?.try_into().ok()?;
                (Some(u64::from_be_bytes(bytes)), leaf)
            }
            _ => return None,
        };
        let leaf_hash = hex_decode(leaf)?.try_into().ok()?;
        Some(EntryUuid { tree_id, leaf_hash })
    }

    /// The UUID of the entry with this leaf hash in the shard `tree_id`.
    pub fn new(tree_id: Option<u64>, leaf_hash: [u8; 32]) -> EntryUuid {
        EntryUuid { tree_id, leaf_hash }
    }

    /// The shard's tree id, in the 80-digit form.
    pub fn tree_id(&self) -> Option<u64> {
        self.tree_id
    }

    /// The entry's RFC 6962 leaf hash.
    pub fn leaf_hash(&self) -> &[u8; 32] {
        &self.leaf_hash
    }
}

impl fmt::Display for EntryUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(tree_id) = self.tree_id {
            f.write_str(&hex_encode(&tree_id.to_be_bytes()))?;
        }
        f.write_str(&hex_encode(&self.leaf_hash))
    }
}

/// A log entry whose evidence verified: a signed checkpoint the log's trusted key made, an
/// inclusion proof to it, and (Rekor v1) the signed entry timestamp; when it answers a
/// submission, its body records exactly what was submitted. Only the checkers make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    pub(crate) uuid: Option<EntryUuid>,
    pub(crate) entry: TlogEntry,
    pub(crate) verified: VerifiedLogEntry,
}

impl LoggedEntry {
    /// The Rekor v1 UUID (Rekor v2 entries have none).
    pub fn uuid(&self) -> Option<&EntryUuid> {
        self.uuid.as_ref()
    }

    /// The entry in the form a bundle carries it.
    pub fn tlog_entry(&self) -> &TlogEntry {
        &self.entry
    }

    /// What the verification established (index, log, integrated time).
    pub fn verified(&self) -> &VerifiedLogEntry {
        &self.verified
    }

    /// The signed tree head the inclusion proof reached.
    pub fn checkpoint(&self) -> Option<&VerifiedCheckpoint> {
        self.verified.checkpoint()
    }

    /// The entry for a bundle's `verificationMaterial.tlogEntries`, which
    /// `sigchain_core::verify::Verifier` checks again when the bundle is verified.
    pub fn into_tlog_entry(self) -> TlogEntry {
        self.entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_forms() {
        let leaf = "ab".repeat(32);
        let short = EntryUuid::parse(&leaf).unwrap();
        assert_eq!(short.tree_id(), None);
        assert_eq!(short.to_string(), leaf);
        let long_text = format!("24296fb24b8ad77a{leaf}");
        let long = EntryUuid::parse(&long_text).unwrap();
        assert_eq!(long.tree_id(), Some(0x24296fb24b8ad77a));
        assert_eq!(long.to_string(), long_text);
        assert_eq!(long.leaf_hash(), short.leaf_hash());
        assert_eq!(
            EntryUuid::parse(&leaf.to_uppercase()).map(|u| u.to_string()),
            Some(leaf.clone())
        );
        for bad in ["", "ab", &leaf[..63], &format!("{leaf}0"), &"zz".repeat(32)] {
            assert_eq!(EntryUuid::parse(bad), None, "{bad:?}");
        }
    }

    /// 80 bytes with a two-byte char across byte 16, where the tree id ends: this used to
    /// panic in `str::split_at`, and a log's search answer or entry map hands such text over.
    #[test]
    fn a_char_across_the_tree_id_boundary_is_refused() {
        let text = format!("{}\u{e9}{}", "a".repeat(15), "b".repeat(63));
        assert_eq!(text.len(), 80);
        assert!(!text.is_char_boundary(16));
        assert_eq!(EntryUuid::parse(&text), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn any_text_parses_canonically_or_not_at_all(
            text in proptest::prop_oneof![
                ".{0,90}",
                "[0-9a-fA-F]{64}",
                "[0-9a-fA-F]{80}",
                "[0-9a-fA-FxX \u{e9}]{62,82}",
            ]
        ) {
            if let Some(uuid) = EntryUuid::parse(&text) {
                proptest::prop_assert_eq!(uuid.to_string(), text.to_ascii_lowercase());
                proptest::prop_assert_eq!(EntryUuid::parse(&uuid.to_string()), Some(uuid));
            }
        }
    }
}
