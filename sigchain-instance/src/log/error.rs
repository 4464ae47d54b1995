//! Why a log operation failed.

use std::io;
use std::path::PathBuf;

use sigchain_rekor::tiles::TileError;

/// What the storage was doing when an I/O error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoStep {
    /// Opening or creating the file.
    Open,
    /// Reading records (at open or for a read request).
    Read,
    /// Writing a batch or the header.
    Write,
    /// Syncing to disk.
    Sync,
    /// Cutting a torn tail.
    Truncate,
}

/// Why a log operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The operating system refused an operation.
    #[error("{step:?} failed on {path}: {source}")]
    Io {
        /// What was being done.
        step: IoStep,
        /// The log file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The file exists but does not start with the log header: not ours to touch.
    #[error("{path} is not a sigchain log file")]
    NotALogFile {
        /// The file.
        path: PathBuf,
    },
    /// The file is damaged where a torn write cannot reach (more than one batch's worth of
    /// bytes, or followed by a whole batch): entries that were acknowledged. Nothing was cut.
    #[error(
        "{path}: {damaged_bytes} bytes from offset {offset} on are damaged, which no torn write \
         (at most one {max_batch_bytes}-byte batch, the last) explains"
    )]
    DamagedLog {
        /// The file.
        path: PathBuf,
        /// End of the last good batch.
        offset: u64,
        /// Bytes from there to the end of the file.
        damaged_bytes: u64,
        /// The configured batch bound.
        max_batch_bytes: usize,
    },
    /// A configuration bound above the hard limit.
    #[error("{what} of {value} is over the limit of {max}")]
    InvalidConfig {
        /// Which bound.
        what: &'static str,
        /// The configured value.
        value: usize,
        /// The hard limit.
        max: usize,
    },
    /// An entry larger than [`StorageConfig::max_entry_bytes`](super::StorageConfig::max_entry_bytes).
    #[error("entry {position} of the batch is {len} bytes, over the {max}-byte limit")]
    EntryTooLarge {
        /// Position in the batch.
        position: usize,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A batch larger than [`StorageConfig::max_batch_bytes`](super::StorageConfig::max_batch_bytes) once encoded.
    #[error("batch is {bytes} bytes encoded, over the {max}-byte limit")]
    BatchTooLarge {
        /// Encoded size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A write or sync failed earlier; the log must be reopened before appending again.
    #[error("an earlier write failed; reopen the log before appending")]
    Poisoned,
    /// A tree size larger than the log.
    #[error("tree size {size} is beyond the log's {tree_size} entries")]
    SizeBeyondTree {
        /// The size asked for.
        size: u64,
        /// The log's size.
        tree_size: u64,
    },
    /// An entry index outside the log.
    #[error("entry {index} is outside the log's {tree_size} entries")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The log's size.
        tree_size: u64,
    },
    /// A stored record no longer reads back as written (damage after the log was opened).
    #[error("record of entry {index} at offset {offset} is damaged")]
    DamagedRecord {
        /// The entry.
        index: u64,
        /// Its offset in the file.
        offset: u64,
    },
    /// A proof, tile or bundle request the log cannot answer (sizes reversed, tile past the
    /// tree, entry too large for a bundle, ...).
    #[error(transparent)]
    Tiles(#[from] TileError),
}
