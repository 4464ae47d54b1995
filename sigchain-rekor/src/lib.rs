//! Rekor for sigchain: API types, sans-IO request builders and response checkers, witness
//! cosignatures, a log monitor, and (feature `client`) an async HTTP adapter.
//!
//! Everything that decides trust is a plain function over bytes that calls into
//! [`sigchain_core::tlog`]: an answer from a log is checked (signed checkpoint, inclusion
//! proof, inclusion promise, and that the entry records what was submitted) before it is
//! returned, so a caller never holds an unchecked entry.
//!
//! - [`proposal`]: what is submitted, and the body the log must record for it;
//! - [`v1`]: Rekor v1 (`/api/v1/...`): create, get, search, log info, consistency proofs;
//! - [`v2`]: Rekor v2 (`POST /api/v2/log/entries`);
//! - [`tiles`]: the C2SP tlog-tiles read API, with inclusion proofs computed from tiles alone;
//! - [`monitor`]: a [`LogMonitor`](monitor::LogMonitor) that accepts a newer checkpoint only
//!   with a valid consistency proof;
//! - `client` (feature `client`): the async driver.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use sigchain_core;

mod check;
#[cfg(feature = "client")]
pub mod client;
pub mod entry;
pub mod error;
pub mod http;
pub mod monitor;
#[cfg(any(test, feature = "test-strategies"))]
#[doc(hidden)]
pub mod mutate;
pub mod proposal;
pub mod tiles;
pub mod v1;
pub mod v2;

pub use entry::{EntryUuid, LoggedEntry};
pub use error::RekorError;
pub use proposal::{Proposal, Signer};
