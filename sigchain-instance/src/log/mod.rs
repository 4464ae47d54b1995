//! The transparency log of the local instance.
//!
//! - [`tree`]: the Merkle tree in memory, every complete subtree hash level by level, so
//!   that roots and proofs for any size up to the current one are cheap;
//! - [`storage`]: [`LogStorage`], the append-only data file under it, written in
//!   group-committed batches and read back after a crash without ever serving a torn write.

mod error;
pub mod storage;
pub mod tree;
mod wal;

pub use storage::{
    IoStep, LeafEntry, LogStorage, NewEntry, StorageConfig, StorageError, MAX_BATCH_BYTES,
    MAX_ENTRY_BYTES,
};
