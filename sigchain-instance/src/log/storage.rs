//! Append-only, crash-safe storage of the log: one data file of records (format in `wal.rs`)
//! plus the Merkle tree rebuilt from it in memory.
//!
//! # Durability
//!
//! - [`LogStorage::append_batch`] writes a whole batch, then `fdatasync`s once (group commit);
//!   only after the sync succeeds do the entries enter the tree, so nothing is ever served,
//!   counted in [`LogStorage::tree_size`] or covered by a root before it is on disk.
//! - A failed write or sync poisons the storage: further appends are refused until the log is
//!   reopened (after a failed `fsync` the kernel may have dropped the dirty pages and a
//!   retried one may "succeed"; reopening re-reads what the disk actually holds).
//! - [`LogStorage::open`] reads the records back, keeps every complete batch whose records
//!   all have good checksums, and cuts the file after the last one (a torn write from a
//!   crash), then syncs the file, so what it serves is durable even if the previous process
//!   died between its write and its sync. It refuses to cut what a torn write cannot explain
//!   ([`StorageError::DamagedLog`]): more than one batch's worth of bytes, or damage followed
//!   by a whole batch (batches are written one after the other's sync, so a torn one is
//!   always the last). That is damage to acknowledged entries, for an operator to look at,
//!   not for a silent truncation.
//!
//! One process at a time may open a log file.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use sigchain_core::tlog::merkle::hash_leaf;
use sigchain_rekor::tiles::{
    encode_entry_bundle, EntryBundleId, TileError, TileId, MAX_BUNDLE_ENTRY_BYTES,
};

pub use super::error::{IoStep, StorageError};
use super::tree::MerkleTree;
use super::wal::{self, Defect, MAGIC, RECORD_OVERHEAD};

/// Largest entry the storage can hold at all, in bytes (a bound on what a damaged length
/// field can make [`LogStorage::open`] allocate).
pub const MAX_ENTRY_BYTES: usize = 16 * 1024 * 1024;
/// Largest batch, in encoded bytes, that [`StorageConfig::max_batch_bytes`] may allow.
pub const MAX_BATCH_BYTES: usize = 256 * 1024 * 1024;

/// Bounds on what the log accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageConfig {
    /// Largest entry accepted by [`LogStorage::append_batch`]. The default, 65,535, is the
    /// largest entry a tlog-tiles entry bundle can carry; at most [`MAX_ENTRY_BYTES`].
    pub max_entry_bytes: usize,
    /// Largest batch accepted, in encoded bytes, and so the most [`LogStorage::open`] may cut
    /// from the end of the file as a torn write; at most [`MAX_BATCH_BYTES`]. Raising it
    /// between runs is always safe; lowering it can make a torn tail look like damage.
    pub max_batch_bytes: usize,
}

impl StorageConfig {
    /// The defaults: entries that fit an entry bundle, batches up to 64 MiB.
    pub const DEFAULT: StorageConfig = StorageConfig {
        max_entry_bytes: MAX_BUNDLE_ENTRY_BYTES,
        max_batch_bytes: 64 * 1024 * 1024,
    };
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// An entry to append: the bytes its leaf hash covers and when it was integrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewEntry<'a> {
    /// The leaf data (for Rekor, the canonicalized entry body).
    pub data: &'a [u8],
    /// Integration time, seconds since the Unix epoch (the caller's clock).
    pub integrated_time: i64,
}

/// An entry read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafEntry {
    /// The leaf data.
    pub data: Vec<u8>,
    /// Integration time, seconds since the Unix epoch.
    pub integrated_time: i64,
}

/// The log's storage: the data file and the tree over it.
///
/// Appends take `&mut self`, reads `&self`; the type is `Send + Sync`, so a server can share
/// it behind an `RwLock` and read from many threads.
///
/// ```
/// use sigchain_core::tlog::merkle::{hash_leaf, verify_inclusion};
/// use sigchain_instance::log::{LogStorage, NewEntry, StorageConfig};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("log");
/// let mut log = LogStorage::open(&path, StorageConfig::DEFAULT)?;
/// let batch = [
///     NewEntry { data: b"first", integrated_time: 1_700_000_000 },
///     NewEntry { data: b"second", integrated_time: 1_700_000_001 },
/// ];
/// assert_eq!(log.append_batch(&batch)?, 0..2);
/// let root = log.root(2)?;
/// verify_inclusion(1, 2, &hash_leaf(b"second"), &log.inclusion_proof(1, 2)?, &root).unwrap();
/// drop(log);
///
/// // Reopened: the same tree and entries.
/// let log = LogStorage::open(&path, StorageConfig::DEFAULT)?;
/// assert_eq!(log.root(2)?, root);
/// assert_eq!(log.leaf(0)?.data, b"first");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct LogStorage {
    path: PathBuf,
    file: File,
    config: StorageConfig,
    tree: MerkleTree,
    /// File offset of each entry's record.
    offsets: Vec<u64>,
    /// End of the last durable batch: where the next batch goes.
    end: u64,
    poisoned: bool,
    /// Test hook: make the next write fail, as a full disk would.
    #[cfg(test)]
    fail_next_write: bool,
}

impl LogStorage {
    /// Open the log at `path`, creating it if absent, and rebuild its tree (see the module
    /// notes for what happens to a torn tail).
    pub fn open(path: impl AsRef<Path>, config: StorageConfig) -> Result<Self, StorageError> {
        let path = path.as_ref().to_path_buf();
        check_config(&config)?;
        let io_err = |step| {
            let path = path.clone();
            move |source| StorageError::Io { step, path, source }
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err(IoStep::Open))?;
        let mut log = Self {
            path: path.clone(),
            file,
            config,
            tree: MerkleTree::new(),
            offsets: Vec::new(),
            end: MAGIC.len() as u64,
            poisoned: false,
            #[cfg(test)]
            fail_next_write: false,
        };
        log.init_header()?;
        let file_len = log.file.metadata().map_err(io_err(IoStep::Read))?.len();
        let stopped_by = log.scan()?;
        if file_len > log.end {
            let damaged_bytes = file_len - log.end;
            let damaged = || StorageError::DamagedLog {
                path: path.clone(),
                offset: log.end,
                damaged_bytes,
                max_batch_bytes: config.max_batch_bytes,
            };
            // A torn write is at most one batch, and nothing whole follows it (see
            // `wal::acknowledged_batch_in`); anything else is damage to acknowledged entries.
            if damaged_bytes > config.max_batch_bytes as u64 {
                return Err(damaged());
            }
            let mut tail = vec![0u8; damaged_bytes as usize];
            read_exact_at(&log.file, &mut tail, log.end).map_err(io_err(IoStep::Read))?;
            if wal::acknowledged_batch_in(&tail) {
                return Err(damaged());
            }
            let reason = stopped_by.map_or_else(
                || "a batch without its last record".to_string(),
                |defect| defect.to_string(),
            );
            tracing::warn!(
                path = %path.display(),
                offset = log.end,
                dropped_bytes = damaged_bytes,
                %reason,
                "dropping a torn write at the end of the transparency log"
            );
            log.file
                .set_len(log.end)
                .map_err(io_err(IoStep::Truncate))?;
        }
        // Whatever is served from now on must be durable, including records the previous
        // process wrote but died before syncing.
        log.file.sync_all().map_err(io_err(IoStep::Sync))?;
        Ok(log)
    }

    /// Write the header to a new (or torn new) file; check it on an existing one.
    fn init_header(&mut self) -> Result<(), StorageError> {
        let mut head = Vec::with_capacity(MAGIC.len());
        (&self.file)
            .take(MAGIC.len() as u64)
            .read_to_end(&mut head)
            .map_err(|e| self.io(IoStep::Read, e))?;
        if head.as_slice() == MAGIC {
            return Ok(());
        }
        // A crash while creating the file can leave part of the header; anything else is
        // someone else's file.
        if !MAGIC.starts_with(&head) {
            return Err(StorageError::NotALogFile {
                path: self.path.clone(),
            });
        }
        self.file
            .set_len(0)
            .map_err(|e| self.io(IoStep::Truncate, e))?;
        (&self.file)
            .seek(SeekFrom::Start(0))
            .and_then(|_| (&self.file).write_all(MAGIC))
            .map_err(|e| self.io(IoStep::Write, e))?;
        self.file.sync_all().map_err(|e| self.io(IoStep::Sync, e))?;
        sync_parent_dir(&self.path).map_err(|e| self.io(IoStep::Sync, e))
    }

    /// Read every record, keeping complete batches; leaves `end` after the last one. Returns
    /// what stopped the scan before the end of the file, if anything did.
    fn scan(&mut self) -> Result<Option<Defect>, StorageError> {
        (&self.file)
            .seek(SeekFrom::Start(MAGIC.len() as u64))
            .map_err(|e| self.io(IoStep::Read, e))?;
        let mut reader = BufReader::with_capacity(1 << 16, &self.file);
        let mut offset = self.end;
        let mut pending: Vec<(u64, [u8; 32])> = Vec::new();
        loop {
            // Records written under a larger `max_entry_bytes` than today's still count.
            let record = match wal::read_record(&mut reader, MAX_ENTRY_BYTES) {
                Ok(Some(record)) => record,
                Ok(None) => return Ok(None),
                Err(Defect::Io(e)) => return Err(self.io(IoStep::Read, e)),
                Err(defect) => return Ok(Some(defect)),
            };
            pending.push((offset, hash_leaf(&record.data)));
            offset += (RECORD_OVERHEAD + record.data.len()) as u64;
            if record.batch_end {
                for (record_offset, leaf_hash) in pending.drain(..) {
                    self.offsets.push(record_offset);
                    self.tree.push(leaf_hash);
                }
                self.end = offset;
            }
        }
    }

    fn io(&self, step: IoStep, source: io::Error) -> StorageError {
        StorageError::Io {
            step,
            path: self.path.clone(),
            source,
        }
    }

    /// Append `entries` as one batch: written, synced to disk, then added to the tree. The
    /// indices they got; an empty batch writes nothing and returns an empty range.
    ///
    /// On error nothing is added: a bound error leaves the log as it was; an I/O error
    /// poisons it (see the module notes).
    pub fn append_batch(&mut self, entries: &[NewEntry<'_>]) -> Result<Range<u64>, StorageError> {
        if self.poisoned {
            return Err(StorageError::Poisoned);
        }
        let start = self.tree.size();
        let max = self.config.max_entry_bytes;
        let mut bytes = 0usize;
        for (position, entry) in entries.iter().enumerate() {
            if entry.data.len() > max {
                return Err(StorageError::EntryTooLarge {
                    position,
                    len: entry.data.len(),
                    max,
                });
            }
            bytes = bytes.saturating_add(RECORD_OVERHEAD + entry.data.len());
        }
        if bytes > self.config.max_batch_bytes {
            return Err(StorageError::BatchTooLarge {
                bytes,
                max: self.config.max_batch_bytes,
            });
        }
        if entries.is_empty() {
            return Ok(start..start);
        }
        let mut buffer = Vec::with_capacity(bytes);
        let mut offsets = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            offsets.push(self.end + buffer.len() as u64);
            wal::encode_record(
                &mut buffer,
                entry.data,
                entry.integrated_time,
                i + 1 == entries.len(),
            );
        }
        #[cfg(test)]
        let buffer = if std::mem::take(&mut self.fail_next_write) {
            // Half a batch reaches the file, then the "disk" fails.
            let half = buffer.len() / 2;
            let _ = self.write_durably(&buffer[..half]);
            return self.fail_append(StorageError::Io {
                step: IoStep::Write,
                path: self.path.clone(),
                source: io::ErrorKind::StorageFull.into(),
            });
        } else {
            buffer
        };
        if let Err(error) = self.write_durably(&buffer) {
            return self.fail_append(error);
        }
        // Durable: now, and only now, the entries become visible.
        self.end += buffer.len() as u64;
        self.offsets.extend(offsets);
        for entry in entries {
            self.tree.push(hash_leaf(entry.data));
        }
        Ok(start..self.tree.size())
    }

    /// Poison the log after a failed write and take the batch back off the file, best effort.
    ///
    /// If the cut fails too, reopening drops a partial batch; a whole one that reached the
    /// disk is kept, like an entry whose acknowledgement was lost: the caller was told the
    /// append failed, not that it did not happen.
    fn fail_append<T>(&mut self, error: StorageError) -> Result<T, StorageError> {
        self.poisoned = true;
        let _ = self.file.set_len(self.end);
        Err(error)
    }

    fn write_durably(&self, buffer: &[u8]) -> Result<(), StorageError> {
        (&self.file)
            .seek(SeekFrom::Start(self.end))
            .and_then(|_| (&self.file).write_all(buffer))
            .map_err(|e| self.io(IoStep::Write, e))?;
        self.file.sync_data().map_err(|e| self.io(IoStep::Sync, e))
    }

    /// Number of durable entries.
    pub fn tree_size(&self) -> u64 {
        self.tree.size()
    }

    /// The tree (read-only), for anything not wrapped here.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// The file holding the log.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The root of the tree of the first `size` entries.
    pub fn root(&self, size: u64) -> Result<[u8; 32], StorageError> {
        self.tree.root(size)
    }

    /// The inclusion proof for entry `index` in the tree of the first `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<[u8; 32]>, StorageError> {
        self.tree.inclusion_proof(index, size)
    }

    /// The consistency proof between the trees of the first `old_size` and `new_size` entries.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<[u8; 32]>, StorageError> {
        self.tree.consistency_proof(old_size, new_size)
    }

    /// The leaf hash of entry `index`.
    pub fn leaf_hash(&self, index: u64) -> Result<[u8; 32], StorageError> {
        self.tree
            .leaf_hash(index)
            .ok_or(StorageError::IndexOutOfRange {
                index,
                tree_size: self.tree_size(),
            })
    }

    /// Entry `index`, read back from the file and checked against its leaf hash.
    pub fn leaf(&self, index: u64) -> Result<LeafEntry, StorageError> {
        let mut entries = self.read_entries(index..index.saturating_add(1), MAX_ENTRY_BYTES)?;
        entries.pop().ok_or(StorageError::IndexOutOfRange {
            index,
            tree_size: self.tree_size(),
        })
    }

    /// The bytes of tile `id` (full or partial), if the log has all its hashes.
    pub fn tile(&self, id: TileId) -> Result<Vec<u8>, StorageError> {
        Ok(self.tree.tile(id)?.to_bytes())
    }

    /// The bytes of entry bundle `id`, if the log has all its entries (each at most 65,535
    /// bytes, which the default [`StorageConfig`] ensures).
    pub fn entry_bundle(&self, id: EntryBundleId) -> Result<Vec<u8>, StorageError> {
        let range = id
            .leaf_range()
            .filter(|_| id.is_in_tree(self.tree_size()))
            .ok_or(TileError::BundleNotInTree {
                bundle: id,
                tree_size: self.tree_size(),
            })?;
        let entries = self.read_entries(range, MAX_BUNDLE_ENTRY_BYTES)?;
        Ok(encode_entry_bundle(
            &entries
                .iter()
                .map(|e| e.data.as_slice())
                .collect::<Vec<_>>(),
        )?)
    }

    /// Entries `range`, each of at most `max_data` bytes, read in one go (their records are
    /// adjacent) and checked against their leaf hashes.
    fn read_entries(
        &self,
        range: Range<u64>,
        max_data: usize,
    ) -> Result<Vec<LeafEntry>, StorageError> {
        let tree_size = self.tree_size();
        let out_of_range = StorageError::IndexOutOfRange {
            index: range.start.max(tree_size),
            tree_size,
        };
        if range.is_empty() || range.end > tree_size {
            return Err(out_of_range);
        }
        // Record i spans offsets[i]..offsets[i + 1], the last one ..end.
        let (start, end) = (range.start as usize, range.end as usize);
        let next = self.offsets.get(end).copied().unwrap_or(self.end);
        let bounds: Vec<u64> = match self.offsets.get(start..end) {
            Some(offsets) => offsets.iter().copied().chain([next]).collect(),
            None => return Err(out_of_range),
        };
        // Check the sizes before reading, so a bundle request cannot make us read a huge range.
        for (position, pair) in bounds.windows(2).enumerate() {
            let record_len = pair.last().zip(pair.first()).map_or(0, |(b, a)| b - a);
            let data_len = usize::try_from(record_len)
                .unwrap_or(usize::MAX)
                .saturating_sub(RECORD_OVERHEAD);
            if data_len > max_data {
                return Err(TileError::EntryTooLarge {
                    position,
                    len: data_len,
                    max: max_data,
                }
                .into());
            }
        }
        let first = self.offsets.get(start).copied().unwrap_or(self.end);
        let mut buffer = vec![0u8; (next - first) as usize];
        read_exact_at(&self.file, &mut buffer, first).map_err(|e| self.io(IoStep::Read, e))?;
        let mut entries = Vec::with_capacity(end - start);
        for (index, pair) in (range.start..).zip(bounds.windows(2)) {
            let (a, b) = match pair {
                [a, b] => (*a, *b),
                _ => (first, first),
            };
            let damaged = StorageError::DamagedRecord { index, offset: a };
            let record = buffer
                .get((a - first) as usize..(b - first) as usize)
                .and_then(|bytes| wal::decode_record(bytes, MAX_ENTRY_BYTES).ok())
                .filter(|record| Some(hash_leaf(&record.data)) == self.tree.leaf_hash(index))
                .ok_or(damaged)?;
            entries.push(LeafEntry {
                data: record.data,
                integrated_time: record.integrated_time,
            });
        }
        Ok(entries)
    }
}

fn check_config(config: &StorageConfig) -> Result<(), StorageError> {
    if config.max_entry_bytes > MAX_ENTRY_BYTES {
        return Err(StorageError::InvalidConfig {
            what: "max_entry_bytes",
            value: config.max_entry_bytes,
            max: MAX_ENTRY_BYTES,
        });
    }
    if config.max_batch_bytes > MAX_BATCH_BYTES {
        return Err(StorageError::InvalidConfig {
            what: "max_batch_bytes",
            value: config.max_batch_bytes,
            max: MAX_BATCH_BYTES,
        });
    }
    Ok(())
}

/// Make a newly created file's directory entry durable (POSIX needs the directory synced).
fn sync_parent_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(parent)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Positional read, leaving the file cursor alone where the platform allows it, so that
/// readers need only `&self`.
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut filled = 0;
        while filled < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[filled..],
                offset + filled as u64,
            )?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            filled += n;
        }
        Ok(())
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = (file, buf, offset);
        Err(io::ErrorKind::Unsupported.into())
    }
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
