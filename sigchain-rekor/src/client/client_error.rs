//! What a log client reports when it returns no entry, proof or tree head.

use super::error::TransportError;
use crate::error::RekorError;
use crate::v2::TileReadError;

/// Why a log client call returned nothing. Whatever the variant, nothing unchecked is
/// returned: answers the checks refuse end here as [`ClientError::Rekor`] or
/// [`ClientError::Tiles`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A request could not be carried out (connection, timeout, size, URL).
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The log's answer was refused by its check.
    #[error("log answer refused: {0}")]
    Rekor(#[from] RekorError),
    /// A read through tiles (Rekor v2) was refused.
    #[error("read through tiles refused: {0}")]
    Tiles(#[from] TileReadError),
    /// Every round of a create may have been applied, yet the log showed no entry for it.
    #[error("gave up after {rounds} create round(s), the last one may have been applied")]
    GaveUp {
        /// Rounds made.
        rounds: u32,
        /// What made the last round ambiguous.
        #[source]
        last: Box<TransportError>,
    },
    /// Rekor v1 answered a create with 409, but has no entry with the proposal's leaf hash.
    #[error("the log says the entry exists{} but does not serve it", .location.as_deref().map(|l| format!(" at {l}")).unwrap_or_default())]
    ExistingEntryNotFound {
        /// The `Location` the 409 named.
        location: Option<String>,
    },
    /// Rekor v2 answered a create with 409 without naming the existing entry's index.
    #[error("the log says the entry exists but names no index (x-log-index)")]
    ExistingIndexMissing,
    /// Rekor v2 named an entry its newest checkpoint does not yet include.
    #[error("entry {index} is not in the log's checkpoint of size {tree_size} after {polls} more fetch(es)")]
    NotInCheckpoint {
        /// The entry's index.
        index: u64,
        /// The size of the last checkpoint fetched.
        tree_size: u64,
        /// Checkpoint fetches after the first.
        polls: u32,
    },
    /// A search found more entries than the caller allowed to be fetched.
    #[error("the search found {found} entries, more than the {limit} allowed")]
    TooManyResults {
        /// Entries found.
        found: usize,
        /// The caller's limit.
        limit: usize,
    },
}
