//! Where the inclusion proofs of cosign tag-scheme signatures come from when the signature
//! does not carry one: an [`InclusionProofSource`] answers "the entry at this index of this
//! log", and [`crate::flow::verify_image_fetching_proofs`] holds the answer to the entry the
//! signature's SET vouches for ([`crate::cosign::proof`]) before the strict verifier checks
//! the proof.
//!
//! `RekorV1Proofs` (feature `client`) asks the log over HTTP with `sigchain-rekor`'s Rekor v1
//! client, which checks every answer (the entry's SET, its inclusion proof to a checkpoint
//! signed by the log's trusted key) before returning it.

use std::future::Future;

use sigchain_core::bundle::TlogEntry;

pub use crate::cosign::proof::ProofRequest;

/// Fetching an entry failed (the log unreachable, an answer that does not check, no such
/// entry): the signature then has only its promise.
#[derive(Debug, thiserror::Error)]
#[error("entry {log_index} of the log at {log_url}: {source}")]
pub struct ProofFetchError {
    /// The log asked.
    pub log_url: String,
    /// The entry asked for.
    pub log_index: u64,
    /// Whether the log could not be reached at all (no connection, timeouts): then it is not
    /// asked again within the same verification. An answer that was refused, or "no such
    /// entry", says nothing about the log's other entries.
    pub log_unreachable: bool,
    /// Why it failed.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// Answers for log entries, by log and index.
///
/// A test double can answer from memory; what it returns is trusted no more than a network
/// answer: it must be the entry the signature promised, and its proof must verify.
pub trait InclusionProofSource {
    /// The entry `request` names, as the log holds it, with its inclusion proof and checkpoint.
    fn fetch_entry(
        &self,
        request: &ProofRequest,
    ) -> impl Future<Output = Result<TlogEntry, ProofFetchError>> + Send;
}

/// A source that is never asked: verification without one stays offline.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Offline;

impl InclusionProofSource for Offline {
    fn fetch_entry(
        &self,
        request: &ProofRequest,
    ) -> impl Future<Output = Result<TlogEntry, ProofFetchError>> + Send {
        std::future::ready(Err(ProofFetchError {
            log_url: request.log_url.clone(),
            log_index: request.log_index,
            log_unreachable: true,
            source: "offline".into(),
        }))
    }
}

#[cfg(feature = "client")]
pub use online::RekorV1Proofs;
/// The timeouts and retries of [`RekorV1Proofs`]' requests (sigchain-rekor's).
#[cfg(feature = "client")]
pub use sigchain_rekor::client::TransportConfig;

#[cfg(feature = "client")]
mod online {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use sigchain_core::bundle::TlogEntry;
    use sigchain_core::trust_root::TrustedRoot;
    use sigchain_core::verify::{Verifier, VerifierConfig};
    use sigchain_rekor::client::{ClientError, RekorV1Client, TransportConfig};
    use sigchain_rekor::v1::RekorV1;

    use super::{InclusionProofSource, ProofFetchError, ProofRequest};

    /// Entries fetched from Rekor v1 logs (`GET /api/v1/log/entries?logIndex=N`) at the base
    /// URL the trusted root gives each log, every answer checked by
    /// [`RekorV1Client::get_entry_by_index`] against `root` before it is returned.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use sigchain_oci::proof_source::{InclusionProofSource, ProofRequest, RekorV1Proofs};
    /// use sigchain_oci::sigchain_core::trust_root::TrustedRoot;
    /// use sigchain_oci::sigchain_core::verify::VerifierConfig;
    ///
    /// let root = TrustedRoot::production();
    /// let proofs = RekorV1Proofs::new(root.clone(), VerifierConfig::default(), Default::default());
    /// let request = ProofRequest {
    ///     log_id: root.tlogs[0].log_id.clone(),
    ///     log_url: root.tlogs[0].base_url.clone(),
    ///     log_index: 42,
    /// };
    /// let entry = proofs.fetch_entry(&request).await;
    /// # }
    /// ```
    pub struct RekorV1Proofs {
        root: TrustedRoot,
        config: VerifierConfig,
        transport: TransportConfig,
        // One client per (log URL, log id), made when first needed: most verifications never
        // ask, and building one parses the trusted root again.
        clients: Mutex<BTreeMap<ClientKey, Arc<RekorV1Client>>>,
    }

    /// A log's base URL and id.
    type ClientKey = (String, Vec<u8>);

    impl std::fmt::Debug for RekorV1Proofs {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("RekorV1Proofs")
                .field("logs", &self.root.tlogs.len())
                .field("transport", &self.transport)
                .finish_non_exhaustive()
        }
    }

    impl RekorV1Proofs {
        /// Answers checked against `root` with a verifier of `config` (an answer must carry an
        /// inclusion proof to a signed checkpoint whatever `config` says), sent with
        /// `transport`'s timeouts and retries.
        pub fn new(
            root: TrustedRoot,
            config: VerifierConfig,
            transport: TransportConfig,
        ) -> RekorV1Proofs {
            RekorV1Proofs {
                root,
                config,
                transport,
                clients: Mutex::new(BTreeMap::new()),
            }
        }

        fn client(&self, request: &ProofRequest) -> Result<Arc<RekorV1Client>, ClientError> {
            let key = (request.log_url.clone(), request.log_id.0.clone());
            let mut clients = self
                .clients
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(client) = clients.get(&key) {
                return Ok(Arc::clone(client));
            }
            let rekor = RekorV1::new(
                Verifier::new(&self.root, self.config.clone()),
                request.log_id.clone(),
            );
            let client = Arc::new(RekorV1Client::new(
                &request.log_url,
                rekor,
                self.transport.clone(),
            )?);
            clients.insert(key, Arc::clone(&client));
            Ok(client)
        }

        async fn fetch(&self, request: &ProofRequest) -> Result<TlogEntry, ClientError> {
            let client = self.client(request)?;
            let logged = client.get_entry_by_index(request.log_index).await?;
            Ok(logged.into_tlog_entry())
        }
    }

    impl InclusionProofSource for RekorV1Proofs {
        async fn fetch_entry(&self, request: &ProofRequest) -> Result<TlogEntry, ProofFetchError> {
            self.fetch(request).await.map_err(|source| ProofFetchError {
                log_url: request.log_url.clone(),
                log_index: request.log_index,
                log_unreachable: matches!(source, ClientError::Transport(_)),
                source: Box::new(source),
            })
        }
    }
}
