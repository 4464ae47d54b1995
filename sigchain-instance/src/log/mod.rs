//! The transparency logs of the local instance.
//!
//! - [`tree`]: the Merkle tree in memory, every complete subtree hash level by level, so
//!   that roots and proofs for any size up to the current one are cheap;
//! - [`storage`]: [`LogStorage`], the append-only data file under it, written in
//!   group-committed batches and read back after a crash without ever serving a torn write;
//! - [`signer`]: the log's key, signing checkpoints and entry timestamps;
//! - [`submission`]: what the log accepts, verified and turned into canonical bodies;
//! - [`index`]: search keys read from the bodies;
//! - [`service`]: one running log ([`service::Log`]): storage, key, indexes and the sequencer
//!   that appends in batches;
//! - [`http`]: its Rekor v1, Rekor v2 and tiles routes.

mod error;
pub mod http;
pub mod index;
pub mod service;
pub mod signer;
pub mod storage;
pub mod submission;
pub mod tree;
mod wal;

pub use storage::{
    IoStep, LeafEntry, LogStorage, NewEntry, StorageConfig, StorageError, MAX_BATCH_BYTES,
    MAX_ENTRY_BYTES,
};
