//! Why a TUF update or a cache read failed.

use std::path::PathBuf;

use super::index::IndexError;
use super::root_chain::RootError;
use crate::time::Timestamp;
use crate::trust_root::TrustRootError;

/// A failed TUF update or cache read. Every variant leaves the cache as it was.
#[derive(Debug, thiserror::Error)]
pub enum TufError {
    /// The repository URL cannot be a TUF base URL.
    #[error("TUF repository URL {url:?}: {reason}")]
    RepositoryUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
    /// A root rotation was refused (TUF 5.3; checked by [`super::root_chain`]).
    #[error("TUF root rotation refused: {0}")]
    Root(#[from] RootError),
    /// A newer version of metadata was seen before (rollback or replay of old metadata).
    #[error("rollback of {role} metadata: version {fetched} offered after version {trusted} was trusted")]
    Rollback {
        /// The role (`timestamp`, `snapshot`, `root`, ...).
        role: String,
        /// The version trusted before (from the cache or the previous root).
        trusted: u64,
        /// The older version the repository offered.
        fetched: u64,
    },
    /// Metadata not signed by a threshold of the keys the trusted root gives its role.
    #[error("{role} metadata is not signed as the trusted root requires: {reason}")]
    Signature {
        /// The role.
        role: String,
        /// tough's account (which threshold was not met, or which signature failed).
        reason: String,
    },
    /// A role's metadata expired before `now` (a freeze attack, or a repository not refreshed).
    #[error("{role} metadata version {version} expired at {expires} (now {now})")]
    Expired {
        /// The role.
        role: String,
        /// Its version.
        version: u64,
        /// Its `expires`.
        expires: Timestamp,
        /// The time the update ran at.
        now: Timestamp,
    },
    /// A target's content does not have the hash the targets metadata lists.
    #[error("target {target}: content hash {calculated} is not the listed {expected}")]
    TargetHash {
        /// The target name.
        target: String,
        /// The listed hash.
        expected: String,
        /// The hash of what was served.
        calculated: String,
    },
    /// The repository does not list a target the trust material needs.
    #[error("the TUF repository lists no target {0}")]
    MissingTarget(&'static str),
    /// Any other refusal by the TUF client (metadata shape, sizes, transport, ...).
    #[error("TUF update refused: {0}")]
    Repository(String),
    /// The `trusted_root.json` target verified under TUF but is not a usable trusted root.
    #[error("trusted_root.json from TUF: {0}")]
    TrustedRoot(#[source] TrustRootError),
    /// The cache directory could not be read or written.
    #[error("TUF cache {path}: {source}")]
    CacheIo {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The cache index could not be parsed.
    #[error("TUF cache index {path}: {source}")]
    CacheIndex {
        /// The index file.
        path: PathBuf,
        /// Why it was refused.
        source: IndexError,
    },
    /// A cached blob is missing or does not have the digest its index names.
    #[error("TUF cache file {path} is missing or altered")]
    CacheCorrupt {
        /// The blob.
        path: PathBuf,
    },
}

impl TufError {
    /// Name tough's refusals by the check that failed, keeping tough's account of the facts.
    /// tough reports some failures (a target's hash) from inside its byte stream, wrapped in a
    /// transport error, so the whole source chain is searched.
    pub(crate) fn from_tough(e: tough::error::Error) -> TufError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = cause {
            if let Some(found) = err.downcast_ref::<tough::error::Error>().and_then(classify) {
                return found;
            }
            cause = err.source();
        }
        TufError::Repository(e.to_string())
    }
}

fn classify(e: &tough::error::Error) -> Option<TufError> {
    use tough::error::Error as E;
    Some(match e {
        E::OlderMetadata {
            role,
            current_version,
            new_version,
            ..
        } => TufError::Rollback {
            role: role.to_string(),
            trusted: *current_version,
            fetched: *new_version,
        },
        E::OlderSnapshotInTimestamp {
            snapshot_new,
            snapshot_old,
            ..
        } => TufError::Rollback {
            role: "snapshot (in timestamp)".into(),
            trusted: *snapshot_old,
            fetched: *snapshot_new,
        },
        E::VerifyMetadata { role, source, .. } => TufError::Signature {
            role: role.to_string(),
            reason: source.to_string(),
        },
        E::VerifyRoleMetadata { role, source, .. } => TufError::Signature {
            role: role.clone(),
            reason: source.to_string(),
        },
        E::VerifyTrustedMetadata { source, .. } => TufError::Signature {
            role: "initial root".into(),
            reason: source.to_string(),
        },
        E::HashMismatch {
            context,
            calculated,
            expected,
            ..
        } => TufError::TargetHash {
            target: context.clone(),
            expected: expected.clone(),
            calculated: calculated.clone(),
        },
        _ => return None,
    })
}
