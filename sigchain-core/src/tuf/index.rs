//! The cache index: which verified files make up the cached trust material.
//!
//! The cache directory holds content-addressed blobs (`<sha256 hex>.<name>`) that are never
//! rewritten, and one `index.json` naming the blobs of the last update that verified in full.
//! Replacing `index.json` (a rename) is the single commit point of an update, so a reader sees
//! the old material or the new, never a mix, and a failed update leaves the cache as it was.
//!
//! This module only parses and writes the index (pure; fuzzed and proptested): the index is read
//! back from disk, where anything may have changed it.

use std::collections::BTreeMap;

use crate::crypto::Sha256Digest;
use crate::time::Timestamp;

/// Largest `index.json` accepted, in bytes (a real one is under 1 KiB).
pub const MAX_INDEX_BYTES: usize = 64 * 1024;

/// Most files one index may name.
pub const MAX_INDEX_FILES: usize = 32;

/// The index format written by this version.
const FORMAT: u32 = 1;

/// A cached file's role in the trust material (also its name inside the blob file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CachedFile {
    /// The newest verified TUF `root.json`: the trust anchor of the next update.
    Root,
    /// The last verified `timestamp.json` (rollback protection for the next update).
    Timestamp,
    /// The last verified `snapshot.json` (rollback protection for the next update).
    Snapshot,
    /// The last verified top-level `targets.json`.
    Targets,
    /// The `trusted_root.json` target.
    TrustedRoot,
    /// The `signing_config.v0.2.json` target.
    SigningConfig,
}

impl CachedFile {
    /// Every kind, in index order.
    pub const ALL: [CachedFile; 6] = [
        CachedFile::Root,
        CachedFile::Timestamp,
        CachedFile::Snapshot,
        CachedFile::Targets,
        CachedFile::TrustedRoot,
        CachedFile::SigningConfig,
    ];

    /// The file's name in the repository (and in the index).
    pub fn name(self) -> &'static str {
        match self {
            CachedFile::Root => "root.json",
            CachedFile::Timestamp => "timestamp.json",
            CachedFile::Snapshot => "snapshot.json",
            CachedFile::Targets => "targets.json",
            CachedFile::TrustedRoot => "trusted_root.json",
            CachedFile::SigningConfig => "signing_config.v0.2.json",
        }
    }

    fn from_name(name: &str) -> Option<CachedFile> {
        CachedFile::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The blob file name for content with this digest: `<sha256 hex>.<name>`.
    pub fn blob_name(self, digest: &Sha256Digest) -> String {
        format!("{}.{}", digest.to_hex(), self.name())
    }
}

/// Why an `index.json` was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IndexError {
    /// Over [`MAX_INDEX_BYTES`].
    #[error("cache index is {0} bytes, over the limit")]
    TooLarge(usize),
    /// Not JSON of the index shape.
    #[error("cache index JSON: {0}")]
    Json(String),
    /// Written by another (newer) format.
    #[error("cache index format {0} is not supported (expected {FORMAT})")]
    Format(u32),
    /// `fetchedAt` is not an RFC 3339 time.
    #[error("cache index time {0:?} is not RFC 3339")]
    BadTime(String),
    /// A file entry the index does not know.
    #[error("cache index names unknown file {0:?}")]
    UnknownFile(String),
    /// Over [`MAX_INDEX_FILES`] entries.
    #[error("cache index names {0} files, over the limit")]
    TooManyFiles(usize),
    /// A digest that is not 64 hex digits.
    #[error("cache index digest for {file} is not SHA-256 hex")]
    BadDigest {
        /// The file whose digest is malformed.
        file: String,
    },
    /// A file every cache must hold is not named.
    #[error("cache index does not name {0}")]
    Missing(&'static str),
}

/// The parsed index of a cache directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheIndex {
    /// The TUF repository the material came from.
    pub repository_url: String,
    /// When the update that wrote this index ran (the caller's `now`).
    pub fetched_at: Timestamp,
    /// The version of the cached TUF root.
    pub root_version: u64,
    /// The digest of each cached file.
    pub files: BTreeMap<CachedFile, Sha256Digest>,
}

mod wire {
    use std::collections::BTreeMap;

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct Index {
        pub format: u32,
        pub repository_url: String,
        pub fetched_at: String,
        pub root_version: u64,
        pub files: BTreeMap<String, String>,
    }
}

impl CacheIndex {
    /// Parse an `index.json`.
    pub fn from_json(json: &[u8]) -> Result<CacheIndex, IndexError> {
        if json.len() > MAX_INDEX_BYTES {
            return Err(IndexError::TooLarge(json.len()));
        }
        let doc: wire::Index =
            serde_json::from_slice(json).map_err(|e| IndexError::Json(e.to_string()))?;
        if doc.format != FORMAT {
            return Err(IndexError::Format(doc.format));
        }
        let fetched_at = Timestamp::parse_rfc3339(&doc.fetched_at)
            .ok_or_else(|| IndexError::BadTime(doc.fetched_at.clone()))?;
        if doc.files.len() > MAX_INDEX_FILES {
            return Err(IndexError::TooManyFiles(doc.files.len()));
        }
        let mut files = BTreeMap::new();
        for (name, hex) in &doc.files {
            let file =
                CachedFile::from_name(name).ok_or_else(|| IndexError::UnknownFile(name.clone()))?;
            let digest = Sha256Digest::from_hex(hex)
                .ok_or_else(|| IndexError::BadDigest { file: name.clone() })?;
            files.insert(file, digest);
        }
        for required in [
            CachedFile::Root,
            CachedFile::Timestamp,
            CachedFile::TrustedRoot,
        ] {
            if !files.contains_key(&required) {
                return Err(IndexError::Missing(required.name()));
            }
        }
        Ok(CacheIndex {
            repository_url: doc.repository_url,
            fetched_at,
            root_version: doc.root_version,
            files,
        })
    }

    /// Serialize for writing.
    pub fn to_json(&self) -> Vec<u8> {
        let doc = wire::Index {
            format: FORMAT,
            repository_url: self.repository_url.clone(),
            fetched_at: self.fetched_at.to_rfc3339(),
            root_version: self.root_version,
            files: self
                .files
                .iter()
                .map(|(f, d)| (f.name().to_owned(), d.to_hex()))
                .collect(),
        };
        // Serializing strings, integers and a string map cannot fail.
        serde_json::to_vec_pretty(&doc).unwrap_or_default()
    }

    /// The blob file names this index refers to.
    pub fn blob_names(&self) -> impl Iterator<Item = String> + '_ {
        self.files.iter().map(|(f, d)| f.blob_name(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> CacheIndex {
        let mut files = BTreeMap::new();
        for (i, f) in CachedFile::ALL.into_iter().enumerate() {
            files.insert(f, Sha256Digest([i as u8; 32]));
        }
        CacheIndex {
            repository_url: "http://127.0.0.1:1/".into(),
            fetched_at: Timestamp(1_787_356_800),
            root_version: 15,
            files,
        }
    }

    #[test]
    fn round_trip() {
        let index = sample();
        assert_eq!(CacheIndex::from_json(&index.to_json()).unwrap(), index);
    }

    #[test]
    fn refuses_missing_required_file() {
        let mut index = sample();
        index.files.remove(&CachedFile::TrustedRoot);
        assert_eq!(
            CacheIndex::from_json(&index.to_json()),
            Err(IndexError::Missing("trusted_root.json"))
        );
    }

    #[test]
    fn refuses_unknown_file_and_bad_digest_and_format() {
        let json = String::from_utf8(sample().to_json()).unwrap();
        let unknown = json.replace("\"targets.json\"", "\"../../etc/passwd\"");
        assert!(matches!(
            CacheIndex::from_json(unknown.as_bytes()),
            Err(IndexError::UnknownFile(_))
        ));
        let digest = Sha256Digest([0; 32]).to_hex();
        let bad = json.replacen(&digest, "zz", 1);
        assert!(matches!(
            CacheIndex::from_json(bad.as_bytes()),
            Err(IndexError::BadDigest { .. })
        ));
        let newer = json.replace("\"format\": 1", "\"format\": 2");
        assert_eq!(
            CacheIndex::from_json(newer.as_bytes()),
            Err(IndexError::Format(2))
        );
        let too_large = vec![b' '; MAX_INDEX_BYTES + 1];
        assert_eq!(
            CacheIndex::from_json(&too_large),
            Err(IndexError::TooLarge(MAX_INDEX_BYTES + 1))
        );
    }

    fn any_file() -> impl Strategy<Value = CachedFile> {
        proptest::sample::select(CachedFile::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = CacheIndex::from_json(&bytes);
        }

        #[test]
        fn any_valid_index_round_trips(
            url in "[ -~]{0,64}",
            secs in 0i64..253_402_300_799,
            root_version in any::<u64>(),
            extra in proptest::collection::btree_map(any_file(), any::<[u8; 32]>(), 0..6),
        ) {
            let mut index = sample();
            index.repository_url = url;
            index.fetched_at = Timestamp(secs);
            index.root_version = root_version;
            for (f, d) in extra {
                index.files.insert(f, Sha256Digest(d));
            }
            prop_assert_eq!(CacheIndex::from_json(&index.to_json()).unwrap(), index);
        }

        #[test]
        fn mutated_index_never_panics(pos in 0usize..2048, byte in any::<u8>()) {
            let mut json = sample().to_json();
            if !json.is_empty() {
                let i = pos % json.len();
                json[i] = byte;
            }
            let _ = CacheIndex::from_json(&json);
        }
    }
}
