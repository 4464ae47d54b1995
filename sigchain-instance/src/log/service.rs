//! One transparency log: its storage, its key, its search indexes, and the sequencer that
//! appends submissions in batches.
//!
//! Appends go through one sequencer task: it takes every submission waiting (up to a batch
//! bound), drops those already logged, appends the rest with one `fsync`
//! ([`LogStorage::append_batch`]), signs one checkpoint for the new tree, and only then
//! answers each submitter. So no entry is acknowledged before it is durable, and concurrent
//! clients share the cost of a sync. Reads take the state's read lock and build their answer
//! from the current signed checkpoint.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use sigchain_core::bundle::{Checkpoint, InclusionPromise, InclusionProof, KindVersion, TlogEntry};
use sigchain_core::encoding::{base64_encode, hex_encode};
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;
use sigchain_core::tlog::hash_leaf;
use sigchain_rekor::entry::EntryUuid;
use sigchain_rekor::tiles::{EntryBundleId, TileId};
use sigchain_rekor::v1::wire;
use tokio::sync::{mpsc, oneshot};

use super::signer::{LogKeyKind, LogSigner, SignerError};
use super::storage::{LogStorage, NewEntry, StorageConfig, StorageError};
use super::submission::AcceptedEntry;

/// Which API a log serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogApi {
    /// Rekor v1 (`/api/v1`): entries with integrated times and signed entry timestamps; the
    /// log key must be ECDSA.
    V1,
    /// Rekor v2 (`/api/v2`): entries without integrated times, read through tiles.
    V2,
}

/// How to open a log.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// The folder holding the log's data file and key.
    pub dir: PathBuf,
    /// The API it serves.
    pub api: LogApi,
    /// The name its checkpoints are signed under (and, for v2, its origin).
    pub key_name: String,
    /// The tree id in a Rekor v1 origin (`<name> - <tree id>`) and entry UUIDs.
    pub tree_id: Option<u64>,
    /// Most submissions appended with one sync.
    pub max_batch: usize,
    /// Bounds on submissions.
    pub limits: Limits,
    /// Test-only misbehaviour: every inclusion proof served is corrupted, so that clients'
    /// failure paths can be exercised. Never set outside tests.
    pub bad_inclusion_proofs: bool,
}

impl LogConfig {
    /// A Rekor v1 log in `dir` (ECDSA P-256 key, tree id 1).
    pub fn v1(dir: impl Into<PathBuf>, key_name: &str) -> LogConfig {
        LogConfig {
            dir: dir.into(),
            api: LogApi::V1,
            key_name: key_name.to_owned(),
            tree_id: Some(1),
            max_batch: 256,
            limits: Limits::DEFAULT,
            bad_inclusion_proofs: false,
        }
    }

    /// A Rekor v2 log in `dir` (Ed25519 key).
    pub fn v2(dir: impl Into<PathBuf>, key_name: &str) -> LogConfig {
        LogConfig {
            dir: dir.into(),
            api: LogApi::V2,
            key_name: key_name.to_owned(),
            tree_id: None,
            max_batch: 256,
            limits: Limits::DEFAULT,
            bad_inclusion_proofs: false,
        }
    }
}

/// Why the log could not open or serve a request.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The storage failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// The key could not be made, loaded or used.
    #[error("log key: {0}")]
    Signer(#[from] SignerError),
    /// The key file could not be read or written.
    #[error("key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The sequencer stopped (the log is shutting down or its storage failed).
    #[error("the log is not accepting entries")]
    Stopped,
    /// No such entry.
    #[error("no such entry")]
    NotFound,
    /// A request outside what the tree holds (e.g. a proof past its size).
    #[error("{0}")]
    BadRequest(String),
}

/// A signed tree head, kept as the note and the values it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHead {
    /// Leaves in the signed tree.
    pub tree_size: u64,
    /// Its root.
    pub root_hash: [u8; 32],
    /// The signed note.
    pub note: String,
}

/// What the sequencer answers a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Newly appended at this index.
    New(u64),
    /// Already in the log at this index.
    Duplicate(u64),
}

struct State {
    storage: LogStorage,
    by_leaf: HashMap<[u8; 32], u64>,
    by_key: HashMap<String, Vec<u64>>,
    head: SignedHead,
}

struct Pending {
    entry: AcceptedEntry,
    reply: oneshot::Sender<Result<Appended, String>>,
}

/// A running log; cheap to clone (shared).
#[derive(Clone)]
pub struct Log {
    inner: Arc<Inner>,
}

struct Inner {
    api: LogApi,
    tree_id: Option<u64>,
    limits: Limits,
    bad_inclusion_proofs: bool,
    signer: LogSigner,
    state: RwLock<State>,
    sequencer: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("api", &self.inner.api)
            .field("origin", &self.inner.signer.origin())
            .finish_non_exhaustive()
    }
}

pub(crate) const KEY_FILE: &str = "log-key.pk8";
const DATA_FILE: &str = "log.data";

impl Log {
    /// Open (or create) the log in `config.dir` and start its sequencer on the current tokio
    /// runtime. The key is created on first open and read back afterwards.
    pub fn open(config: LogConfig) -> Result<Log, LogError> {
        std::fs::create_dir_all(&config.dir).map_err(|source| LogError::KeyFile {
            path: config.dir.clone(),
            source,
        })?;
        let kind = match config.api {
            LogApi::V1 => LogKeyKind::EcdsaP256,
            LogApi::V2 => LogKeyKind::Ed25519,
        };
        let signer = load_or_create_key(&config.dir, kind, &config.key_name, config.tree_id)?;
        let storage = LogStorage::open(config.dir.join(DATA_FILE), StorageConfig::DEFAULT)?;
        let mut by_leaf = HashMap::new();
        let mut by_key: HashMap<String, Vec<u64>> = HashMap::new();
        for index in 0..storage.tree_size() {
            by_leaf.insert(storage.leaf_hash(index)?, index);
            let leaf = storage.leaf(index)?;
            for key in super::index::keys_of_body(&leaf.data) {
                by_key.entry(key).or_default().push(index);
            }
        }
        let size = storage.tree_size();
        let root = storage.root(size)?;
        let head = SignedHead {
            tree_size: size,
            root_hash: root,
            note: signer.sign_checkpoint(size, &root)?,
        };
        let (sender, receiver) = mpsc::channel(config.max_batch.max(1) * 4);
        let inner = Arc::new(Inner {
            api: config.api,
            tree_id: config.tree_id,
            limits: config.limits,
            bad_inclusion_proofs: config.bad_inclusion_proofs,
            signer,
            state: RwLock::new(State {
                storage,
                by_leaf,
                by_key,
                head,
            }),
            sequencer: sender,
        });
        tokio::spawn(sequence(
            Arc::downgrade(&inner),
            receiver,
            config.max_batch.max(1),
        ));
        Ok(Log { inner })
    }

    /// The API this log serves.
    pub fn api(&self) -> LogApi {
        self.inner.api
    }

    /// The tree id in its origin and UUIDs (Rekor v1).
    pub fn tree_id(&self) -> Option<u64> {
        self.inner.tree_id
    }

    /// The log's key.
    pub fn signer(&self) -> &LogSigner {
        &self.inner.signer
    }

    /// Bounds on submissions.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    fn state(&self) -> RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written: every write
        // happens after the storage call that could fail. So a poisoned lock is still usable.
        self.inner
            .state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current signed tree head.
    pub fn head(&self) -> SignedHead {
        self.state().head.clone()
    }

    /// Append `entry` (or find it, if already logged). Returns once it is durable and covered
    /// by the signed checkpoint.
    pub async fn append(&self, entry: AcceptedEntry) -> Result<Appended, LogError> {
        // Refused here, not by the storage: a batch the storage refuses stops the log.
        if entry.body.len() > StorageConfig::DEFAULT.max_entry_bytes {
            return Err(LogError::BadRequest(format!(
                "entry body is {} bytes, over the {}-byte limit",
                entry.body.len(),
                StorageConfig::DEFAULT.max_entry_bytes
            )));
        }
        if let Some(&index) = self.state().by_leaf.get(&hash_leaf(&entry.body)) {
            return Ok(Appended::Duplicate(index));
        }
        let (reply, answer) = oneshot::channel();
        self.inner
            .sequencer
            .send(Pending { entry, reply })
            .await
            .map_err(|_| LogError::Stopped)?;
        match answer.await {
            Ok(Ok(appended)) => Ok(appended),
            Ok(Err(reason)) => Err(LogError::BadRequest(reason)),
            Err(_) => Err(LogError::Stopped),
        }
    }

    /// The index of the entry with this leaf hash.
    pub fn find(&self, leaf_hash: &[u8; 32]) -> Option<u64> {
        self.state().by_leaf.get(leaf_hash).copied()
    }

    /// Indices of entries under a search key (see [`super::submission::AcceptedEntry`]).
    pub fn search(&self, key: &str) -> Vec<u64> {
        self.state().by_key.get(key).cloned().unwrap_or_default()
    }

    /// The UUID Rekor v1 gives the entry with this leaf hash.
    pub fn uuid(&self, leaf_hash: [u8; 32]) -> EntryUuid {
        EntryUuid::new(self.inner.tree_id, leaf_hash)
    }

    /// The UUID of entry `index` of the signed tree.
    pub fn uuid_at(&self, index: u64) -> Result<EntryUuid, LogError> {
        let state = self.state();
        if index >= state.head.tree_size {
            return Err(LogError::NotFound);
        }
        Ok(self.uuid(state.storage.leaf_hash(index)?))
    }

    /// Entry `index` as Rekor v1 answers with it (`{ uuid: entry }`), its proof to the current
    /// signed checkpoint and a signed entry timestamp.
    pub fn v1_entry(&self, index: u64) -> Result<(EntryUuid, wire::LogEntryAnon), LogError> {
        let entry = self.tlog_entry(index)?;
        let uuid = self.uuid(hash_leaf(&entry.canonicalized_body));
        let proof = entry.inclusion_proof.as_ref().ok_or(LogError::NotFound)?;
        let anon = wire::LogEntryAnon {
            body: base64_encode(&entry.canonicalized_body),
            integrated_time: entry.integrated_time.map_or(0, |t| t.as_secs()),
            log_id: hex_encode(&entry.log_id.0),
            log_index: to_i64(entry.log_index),
            attestation: None,
            verification: Some(wire::Verification {
                inclusion_proof: Some(wire::InclusionProof {
                    checkpoint: proof
                        .checkpoint
                        .as_ref()
                        .map(|c| c.envelope.clone())
                        .unwrap_or_default(),
                    hashes: proof.hashes.iter().map(|h| hex_encode(h)).collect(),
                    log_index: to_i64(proof.log_index),
                    root_hash: hex_encode(&proof.root_hash),
                    tree_size: to_i64(proof.tree_size),
                }),
                signed_entry_timestamp: entry
                    .inclusion_promise
                    .as_ref()
                    .map(|p| base64_encode(&p.signed_entry_timestamp)),
            }),
        };
        Ok((uuid, anon))
    }

    /// Entry `index` in the form a bundle carries it, with an inclusion proof to the current
    /// signed checkpoint; for a v1 log also its integrated time and signed entry timestamp.
    pub fn tlog_entry(&self, index: u64) -> Result<TlogEntry, LogError> {
        let state = self.state();
        if index >= state.head.tree_size {
            return Err(LogError::NotFound);
        }
        let leaf = state.storage.leaf(index)?;
        let mut hashes = state.storage.inclusion_proof(index, state.head.tree_size)?;
        if self.inner.bad_inclusion_proofs {
            // Test-only: a proof that cannot lead to the signed root.
            match hashes.first_mut() {
                Some(first) => first[0] ^= 1,
                None => hashes.push([0; 32]),
            }
        }
        let kind_version = super::index::kind_version(&leaf.data).unwrap_or(KindVersion {
            kind: String::new(),
            version: String::new(),
        });
        let (integrated_time, inclusion_promise) = match self.inner.api {
            LogApi::V1 => (
                Some(Timestamp(leaf.integrated_time)),
                self.inner
                    .signer
                    .sign_entry_timestamp(&leaf.data, leaf.integrated_time, to_i64(index))?
                    .map(|signed_entry_timestamp| InclusionPromise {
                        signed_entry_timestamp,
                    }),
            ),
            LogApi::V2 => (None, None),
        };
        Ok(TlogEntry {
            log_index: index,
            log_id: self.inner.signer.log_id(),
            kind_version,
            integrated_time,
            inclusion_promise,
            inclusion_proof: Some(InclusionProof {
                log_index: index,
                root_hash: state.head.root_hash.to_vec(),
                tree_size: state.head.tree_size,
                hashes: hashes.iter().map(|h| h.to_vec()).collect(),
                checkpoint: Some(Checkpoint {
                    envelope: state.head.note.clone(),
                }),
            }),
            canonicalized_body: leaf.data,
        })
    }

    /// A consistency proof from `first_size` to `last_size`, with the root at `last_size`.
    /// Sizes out of order or past the signed tree are a bad request.
    pub fn consistency(
        &self,
        first_size: u64,
        last_size: u64,
    ) -> Result<(Vec<[u8; 32]>, [u8; 32]), LogError> {
        let state = self.state();
        let size = state.head.tree_size;
        if first_size == 0 || first_size > last_size || last_size > size {
            return Err(LogError::BadRequest(format!(
                "firstSize {first_size} and lastSize {last_size} must satisfy 1 <= firstSize <= lastSize <= {size}"
            )));
        }
        Ok((
            state.storage.consistency_proof(first_size, last_size)?,
            state.storage.root(last_size)?,
        ))
    }

    /// A tile of the signed tree, if the tree holds all its hashes.
    pub fn tile(&self, id: TileId) -> Result<Vec<u8>, LogError> {
        let state = self.state();
        if !id.is_in_tree(state.head.tree_size) {
            return Err(LogError::NotFound);
        }
        Ok(state.storage.tile(id)?)
    }

    /// An entry bundle of the signed tree.
    pub fn entry_bundle(&self, id: EntryBundleId) -> Result<Vec<u8>, LogError> {
        let state = self.state();
        if !id.is_in_tree(state.head.tree_size) {
            return Err(LogError::NotFound);
        }
        Ok(state.storage.entry_bundle(id)?)
    }
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn load_or_create_key(
    dir: &Path,
    kind: LogKeyKind,
    key_name: &str,
    tree_id: Option<u64>,
) -> Result<LogSigner, LogError> {
    let path = dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(pkcs8) => Ok(LogSigner::from_pkcs8(kind, &pkcs8, key_name, tree_id)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let signer = LogSigner::generate(kind, key_name, tree_id)?;
            write_private(&path, signer.pkcs8())
                .map_err(|source| LogError::KeyFile { path, source })?;
            Ok(signer)
        }
        Err(source) => Err(LogError::KeyFile { path, source }),
    }
}

/// Write a private key durably, readable by its owner only, without ever leaving a partial
/// file under the final name.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

/// The sequencer: batches of submissions, one sync and one checkpoint per batch.
async fn sequence(
    log: std::sync::Weak<Inner>,
    mut receiver: mpsc::Receiver<Pending>,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while receiver.recv_many(&mut batch, max_batch).await > 0 {
        let Some(inner) = log.upgrade() else { return };
        let pending = std::mem::take(&mut batch);
        let outcome = tokio::task::spawn_blocking(move || {
            let result = append_batch(&inner, &pending);
            (pending, result)
        })
        .await;
        let Ok((pending, result)) = outcome else {
            // The append panicked: nobody gets an answer, the senders see the log as stopped.
            return;
        };
        match result {
            Ok(answers) => {
                for (p, answer) in pending.into_iter().zip(answers) {
                    let _ = p.reply.send(Ok(answer));
                }
            }
            Err(error) => {
                tracing::error!(%error, "append failed; the log stops accepting entries");
                let reason = error.to_string();
                for p in pending {
                    let _ = p.reply.send(Err(reason.clone()));
                }
                return;
            }
        }
    }
}

fn append_batch(inner: &Inner, pending: &[Pending]) -> Result<Vec<Appended>, LogError> {
    let mut state = inner
        .state
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let now = Timestamp::now().as_secs();
    let start = state.storage.tree_size();
    // Decide each submission's index first: duplicates of logged entries, or of an earlier
    // submission in the same batch, get the existing index.
    let mut answers = Vec::with_capacity(pending.len());
    let mut fresh: Vec<usize> = Vec::new();
    let mut batch_leaves: HashMap<[u8; 32], u64> = HashMap::new();
    for (i, p) in pending.iter().enumerate() {
        let leaf = hash_leaf(&p.entry.body);
        if let Some(&index) = state.by_leaf.get(&leaf).or_else(|| batch_leaves.get(&leaf)) {
            answers.push(Appended::Duplicate(index));
        } else {
            let index = start + fresh.len() as u64;
            batch_leaves.insert(leaf, index);
            fresh.push(i);
            answers.push(Appended::New(index));
        }
    }
    if fresh.is_empty() {
        return Ok(answers);
    }
    let entries: Vec<NewEntry<'_>> = fresh
        .iter()
        .map(|&i| NewEntry {
            data: &pending[i].entry.body,
            integrated_time: now,
        })
        .collect();
    let range = state.storage.append_batch(&entries)?;
    debug_assert_eq!(range.start, start);
    for (&i, index) in fresh.iter().zip(range.clone()) {
        let entry = &pending[i].entry;
        state.by_leaf.insert(hash_leaf(&entry.body), index);
        for key in &entry.index_keys {
            state.by_key.entry(key.clone()).or_default().push(index);
        }
    }
    let size = range.end;
    let root = state.storage.root(size)?;
    state.head = SignedHead {
        tree_size: size,
        root_hash: root,
        note: inner.signer.sign_checkpoint(size, &root)?,
    };
    Ok(answers)
}
