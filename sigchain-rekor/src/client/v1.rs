//! [`RekorV1Client`]: the async driver of [`RekorV1`]. It sends the requests the sans-IO
//! builders make through a [`Transport`] and returns only what their checks accept; it decides
//! nothing about trust itself.
//!
//! # Creating an entry
//!
//! A create whose answer was lost may have been applied; sending it again blindly could hide
//! the entry it made. So a create is sent again only after the log was asked for the entry
//! (by the proposal's leaf hash, which is its UUID) and answered that it has none:
//!
//! - `201` → the checked new entry;
//! - `409` (already logged) → the entry looked up and checked to record the proposal;
//! - [`TransportError::MaybeCreated`] → the entry looked up: found → it, checked as above;
//!   `404` → another round, up to [`ClientConfig::max_create_rounds`], then
//!   [`ClientError::GaveUp`].

use sigchain_core::crypto::Sha256Digest;
use sigchain_core::encoding::base64_encode;
use sigchain_core::tlog::canonical::signer_pem;
use sigchain_core::tlog::VerifiedCheckpoint;

use super::client_error::ClientError;
use super::config::{ClientConfig, Clock};
use super::error::TransportError;
use super::transport::{Transport, TransportConfig};
use crate::entry::{EntryUuid, LoggedEntry};
use crate::error::RekorError;
use crate::proposal::{Proposal, Signer};
use crate::v1::wire::{SearchIndex, SearchPublicKey};
use crate::v1::{EntryQuery, RekorV1, TreeHead};

/// A key or certificate to search a Rekor v1 log's index by.
#[derive(Debug, Clone, Copy)]
pub enum SearchKey<'a> {
    /// PEM text of a public key or certificate.
    Pem(&'a str),
    /// DER of a certificate or SubjectPublicKeyInfo.
    Der(&'a Signer),
}

/// A Rekor v1 log client: [`RekorV1`]'s requests over a [`Transport`]. See the module docs.
///
/// ```no_run
/// # async fn demo(proposal: sigchain_rekor::Proposal) -> Result<(), sigchain_rekor::client::ClientError> {
/// use sigchain_core::trust_root::TrustedRoot;
/// use sigchain_core::verify::{Verifier, VerifierConfig};
/// use sigchain_rekor::client::{RekorV1Client, TransportConfig};
/// use sigchain_rekor::sigchain_core;
/// use sigchain_rekor::v1::RekorV1;
///
/// let root = TrustedRoot::production();
/// let rekor = RekorV1::new(Verifier::new(root, VerifierConfig::default()), root.tlogs[0].log_id.clone());
/// let client = RekorV1Client::new("https://rekor.sigstore.dev", rekor, TransportConfig::default())?;
/// let entry = client.create_entry(&proposal).await?;
/// println!("logged at index {}", entry.verified().log_index());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct RekorV1Client {
    transport: Transport,
    rekor: RekorV1,
    config: ClientConfig,
}

impl RekorV1Client {
    /// A client for the log at `base_url`, checking answers with `rekor`.
    pub fn new(
        base_url: &str,
        rekor: RekorV1,
        transport: TransportConfig,
    ) -> Result<RekorV1Client, ClientError> {
        Ok(RekorV1Client::from_transport(
            Transport::new(base_url, transport)?,
            rekor,
        ))
    }

    /// A client over a transport built by the caller (e.g. with
    /// [`Transport::with_client_builder`]).
    pub fn from_transport(transport: Transport, rekor: RekorV1) -> RekorV1Client {
        RekorV1Client {
            transport,
            rekor,
            config: ClientConfig::default(),
        }
    }

    /// Use `config` instead of [`ClientConfig::default`].
    pub fn with_config(mut self, config: ClientConfig) -> RekorV1Client {
        self.config = config;
        self
    }

    /// Read the time from `clock` (e.g. [`Clock::fixed`] in tests).
    pub fn with_clock(mut self, clock: Clock) -> RekorV1Client {
        self.config.clock = clock;
        self
    }

    /// The checks.
    pub fn rekor(&self) -> &RekorV1 {
        &self.rekor
    }

    /// The transport.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The bounds.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Submit `proposal` and return the entry that records it, new or already logged. See the
    /// module docs for when the create is sent again.
    pub async fn create_entry(&self, proposal: &Proposal) -> Result<LoggedEntry, ClientError> {
        let create = self.rekor.create_entry(proposal);
        let rounds = self.config.max_create_rounds.max(1);
        let mut round = 1;
        loop {
            let ambiguity = match self.transport.execute(&create).await {
                Ok(response) => {
                    match self
                        .rekor
                        .check_created(proposal, &response, self.config.clock.now())
                    {
                        Ok(entry) => return Ok(entry),
                        Err(RekorError::AlreadyExists { location, .. }) => {
                            return self
                                .find_proposed_entry(proposal)
                                .await?
                                .ok_or(ClientError::ExistingEntryNotFound { location });
                        }
                        Err(refused) => return Err(refused.into()),
                    }
                }
                Err(ambiguity @ TransportError::MaybeCreated { .. }) => ambiguity,
                Err(other) => return Err(other.into()),
            };
            if let Some(entry) = self.find_proposed_entry(proposal).await? {
                return Ok(entry);
            }
            if round >= rounds {
                return Err(ClientError::GaveUp {
                    rounds: round,
                    last: Box::new(ambiguity),
                });
            }
            round += 1;
        }
    }

    /// The entry `proposal` makes, if the log has it, checked to record the proposal.
    async fn find_proposed_entry(
        &self,
        proposal: &Proposal,
    ) -> Result<Option<LoggedEntry>, ClientError> {
        let response = self
            .transport
            .execute(&self.rekor.find_proposed_entry(proposal))
            .await?;
        Ok(self
            .rekor
            .check_proposed_entry(proposal, &response, self.config.clock.now())?)
    }

    /// The entry with this UUID, its evidence verified.
    pub async fn get_entry_by_uuid(&self, uuid: &EntryUuid) -> Result<LoggedEntry, ClientError> {
        self.get_entry(&EntryQuery::Uuid(uuid.clone())).await
    }

    /// The entry at this global index, its evidence verified.
    pub async fn get_entry_by_index(&self, log_index: u64) -> Result<LoggedEntry, ClientError> {
        self.get_entry(&EntryQuery::Index(log_index)).await
    }

    async fn get_entry(&self, query: &EntryQuery) -> Result<LoggedEntry, ClientError> {
        let request = match query {
            EntryQuery::Uuid(uuid) => self.rekor.get_entry_by_uuid(uuid),
            EntryQuery::Index(index) => self.rekor.get_entry_by_index(*index),
        };
        let response = self.transport.execute(&request).await?;
        Ok(self
            .rekor
            .check_entry(query, &response, self.config.clock.now())?)
    }

    /// UUIDs of the entries whose artifact has this SHA-256 digest. Names only: fetch an
    /// entry to learn anything about it ([`RekorV1Client::get_entries`]).
    pub async fn search_by_artifact_hash(
        &self,
        digest: &Sha256Digest,
    ) -> Result<Vec<EntryUuid>, ClientError> {
        self.search(&artifact_hash_query(digest)).await
    }

    /// UUIDs of the entries signed by this key or certificate.
    pub async fn search_by_public_key(
        &self,
        key: SearchKey<'_>,
    ) -> Result<Vec<EntryUuid>, ClientError> {
        self.search(&public_key_query(key)).await
    }

    /// UUIDs of the entries matching `query`.
    pub async fn search(&self, query: &SearchIndex) -> Result<Vec<EntryUuid>, ClientError> {
        let response = self
            .transport
            .execute(&self.rekor.search_index(query))
            .await?;
        Ok(self.rekor.check_search(&response)?)
    }

    /// The entries matching `query`, each fetched and its evidence verified;
    /// [`ClientError::TooManyResults`] when there are more than `limit`.
    pub async fn search_entries(
        &self,
        query: &SearchIndex,
        limit: usize,
    ) -> Result<Vec<LoggedEntry>, ClientError> {
        let uuids = self.search(query).await?;
        self.get_entries(&uuids, limit).await
    }

    /// The entries with these UUIDs, each fetched and its evidence verified, one at a time;
    /// [`ClientError::TooManyResults`] (before any request) when there are more than `limit`.
    pub async fn get_entries(
        &self,
        uuids: &[EntryUuid],
        limit: usize,
    ) -> Result<Vec<LoggedEntry>, ClientError> {
        // Refused rather than cut short: a partial list would read as "these are all".
        if uuids.len() > limit {
            return Err(ClientError::TooManyResults {
                found: uuids.len(),
                limit,
            });
        }
        let mut entries = Vec::with_capacity(uuids.len());
        for uuid in uuids {
            entries.push(self.get_entry_by_uuid(uuid).await?);
        }
        Ok(entries)
    }

    /// The log's current signed tree head.
    pub async fn log_info(&self) -> Result<TreeHead, ClientError> {
        let response = self.transport.execute(&self.rekor.log_info()).await?;
        Ok(self.rekor.check_log_info(&response)?)
    }

    /// The consistency proof from `old` to `new`, two verified checkpoints of this log's
    /// active shard, checked to connect them. Returns the proof hashes.
    pub async fn consistency(
        &self,
        old: &VerifiedCheckpoint,
        new: &VerifiedCheckpoint,
    ) -> Result<Vec<[u8; 32]>, ClientError> {
        let request = self
            .rekor
            .consistency_proof(old.tree_size(), new.tree_size());
        let response = self.transport.execute(&request).await?;
        Ok(self.rekor.check_consistency_proof(&response, old, new)?)
    }
}

/// Rekor's index takes `sha256:<hex>`.
fn artifact_hash_query(digest: &Sha256Digest) -> SearchIndex {
    SearchIndex {
        hash: Some(format!("sha256:{}", digest.to_hex())),
        ..SearchIndex::default()
    }
}

/// Rekor's index takes PEM keys and certificates, base64-encoded, as format `x509`.
fn public_key_query(key: SearchKey<'_>) -> SearchIndex {
    let pem = match key {
        SearchKey::Pem(pem) => pem.to_owned(),
        SearchKey::Der(signer) => signer_pem(&signer.material()),
    };
    SearchIndex {
        public_key: Some(SearchPublicKey {
            format: "x509".to_owned(),
            content: Some(base64_encode(pem.as_bytes())),
        }),
        ..SearchIndex::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_queries_are_shaped_like_rekors() {
        let query = artifact_hash_query(&Sha256Digest([0xab; 32]));
        assert_eq!(
            serde_json::to_value(&query).unwrap(),
            serde_json::json!({ "hash": format!("sha256:{}", "ab".repeat(32)) })
        );
        let signer = Signer::PublicKey(vec![1, 2, 3]);
        let from_der = public_key_query(SearchKey::Der(&signer));
        let pem = "-----BEGIN PUBLIC KEY-----\nAQID\n-----END PUBLIC KEY-----\n";
        assert_eq!(from_der, public_key_query(SearchKey::Pem(pem)));
        assert_eq!(
            serde_json::to_value(&from_der).unwrap(),
            serde_json::json!({
                "publicKey": {"format": "x509", "content": base64_encode(pem.as_bytes())}
            })
        );
    }
}
