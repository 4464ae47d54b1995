//! What one lookup reads, read once.
//!
//! A lookup verifies an image's stored items several times over: once for any certificate
//! identity and once per public key of the query, for signatures and for attestations. Each
//! pass walks the same manifests, referrers and blobs (and, for cosign tag-scheme items, the
//! same log entries): [`MemoStore`] and [`MemoProofs`] answer the later passes from what the
//! first one fetched, so one lookup is one round of registry (and log) requests. They live
//! only as long as the lookup, so what they hold is bounded by the storage limits of one
//! image.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use sigchain_core::bundle::TlogEntry;
use sigchain_oci::flow::{InclusionProofSource, ProofFetchError, ProofRequest};
use sigchain_oci::layout::oci_spec::image::{Descriptor, MediaType};
use sigchain_oci::reference::{Digest, Tag};
use sigchain_oci::store::{ArtifactStore, ManifestRef, Referrers, StoreError, StoredManifest};

/// A store whose successful reads are remembered (failures are not: they are asked again).
#[derive(Debug)]
pub(crate) struct MemoStore<S> {
    inner: S,
    manifests: Mutex<HashMap<String, Option<StoredManifest>>>,
    blobs: Mutex<HashMap<String, Vec<u8>>>,
    referrers: Mutex<HashMap<(String, Option<String>), Referrers>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<S> MemoStore<S> {
    pub(crate) fn new(inner: S) -> Self {
        MemoStore {
            inner,
            manifests: Mutex::default(),
            blobs: Mutex::default(),
            referrers: Mutex::default(),
        }
    }
}

impl<S: ArtifactStore + Sync> ArtifactStore for MemoStore<S> {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn manifest(
        &self,
        reference: &ManifestRef,
    ) -> Result<Option<StoredManifest>, StoreError> {
        let key = reference.to_string();
        if let Some(known) = lock(&self.manifests).get(&key) {
            return Ok(known.clone());
        }
        let fetched = self.inner.manifest(reference).await?;
        lock(&self.manifests).insert(key, fetched.clone());
        Ok(fetched)
    }

    async fn blob(&self, descriptor: &Descriptor) -> Result<Vec<u8>, StoreError> {
        // The inner store checked the bytes against this digest (and size) when it fetched
        // them; a descriptor naming the same digest with another size is asked again.
        let key = format!("{}:{}", descriptor.digest(), descriptor.size());
        if let Some(known) = lock(&self.blobs).get(&key) {
            return Ok(known.clone());
        }
        let fetched = self.inner.blob(descriptor).await?;
        lock(&self.blobs).insert(key, fetched.clone());
        Ok(fetched)
    }

    async fn put_blob(
        &self,
        media_type: MediaType,
        content: Vec<u8>,
    ) -> Result<Descriptor, StoreError> {
        self.inner.put_blob(media_type, content).await
    }

    async fn put_manifest(
        &self,
        media_type: MediaType,
        bytes: Vec<u8>,
        tag: Option<&Tag>,
    ) -> Result<Descriptor, StoreError> {
        // Nothing remembered may go stale: a lookup never writes, but if it did the next read
        // goes to the store.
        lock(&self.manifests).clear();
        lock(&self.referrers).clear();
        self.inner.put_manifest(media_type, bytes, tag).await
    }

    async fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers, StoreError> {
        let key = (subject.to_string(), artifact_type.map(str::to_owned));
        if let Some(known) = lock(&self.referrers).get(&key) {
            return Ok(known.clone());
        }
        let fetched = self.inner.referrers(subject, artifact_type).await?;
        lock(&self.referrers).insert(key, fetched.clone());
        Ok(fetched)
    }
}

/// A proof source whose answers, entries and failures alike, are remembered: a log that could
/// not be reached for one pass is not waited for again by the next.
#[derive(Debug)]
pub(crate) struct MemoProofs<'a, P> {
    inner: &'a P,
    answers: Mutex<HashMap<(String, u64), Result<TlogEntry, Failed>>>,
}

/// A failed fetch, as remembered.
#[derive(Debug, Clone)]
struct Failed {
    log_unreachable: bool,
    reason: String,
}

impl<'a, P> MemoProofs<'a, P> {
    pub(crate) fn new(inner: &'a P) -> Self {
        MemoProofs {
            inner,
            answers: Mutex::default(),
        }
    }
}

impl<P: InclusionProofSource + Sync> InclusionProofSource for MemoProofs<'_, P> {
    async fn fetch_entry(&self, request: &ProofRequest) -> Result<TlogEntry, ProofFetchError> {
        let key = (request.log_url.clone(), request.log_index);
        let known = lock(&self.answers).get(&key).cloned();
        let answer = match known {
            Some(answer) => answer,
            None => {
                let answer = self.inner.fetch_entry(request).await.map_err(|e| Failed {
                    log_unreachable: e.log_unreachable,
                    reason: e.source.to_string(),
                });
                lock(&self.answers).insert(key, answer.clone());
                answer
            }
        };
        answer.map_err(|failed| ProofFetchError {
            log_url: request.log_url.clone(),
            log_index: request.log_index,
            log_unreachable: failed.log_unreachable,
            source: failed.reason.into(),
        })
    }
}
