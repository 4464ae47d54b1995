//! [`RekorV2Client`]: the async driver of [`RekorV2`]. Creates go to
//! `POST /api/v2/log/entries`; everything else is read through the tile API (see
//! [`crate::v2`]), every answer checked by the sans-IO checks before it is returned.
//!
//! # Creating an entry
//!
//! Rekor v2 has no lookup by content, but it deduplicates: a create for an entry the log
//! already holds is answered `409` with the entry's index in `x-log-index`. So:
//!
//! - `201` → the checked new entry;
//! - `409` → the entry at `x-log-index`, read through tiles at a checkpoint that includes it
//!   (fetched again, up to [`ClientConfig::checkpoint_polls`] times, while it does not) and
//!   checked to record exactly the proposal;
//! - [`TransportError::MaybeCreated`] → the create is sent again (the log answers `409` if the
//!   first one landed), up to [`ClientConfig::max_create_rounds`] in all, then
//!   [`ClientError::GaveUp`].

use sigchain_core::tlog::VerifiedCheckpoint;

use super::client_error::ClientError;
use super::config::{ClientConfig, Clock};
use super::error::TransportError;
use super::transport::{Transport, TransportConfig};
use crate::entry::LoggedEntry;
use crate::error::RekorError;
use crate::proposal::Proposal;
use crate::v2::{RekorV2, TreeHead};

/// A Rekor v2 log client: [`RekorV2`]'s requests and tile reads over a [`Transport`]. See the
/// module docs.
///
/// ```no_run
/// # async fn demo(rekor: sigchain_rekor::v2::RekorV2) -> Result<(), sigchain_rekor::client::ClientError> {
/// use sigchain_rekor::client::{RekorV2Client, TransportConfig};
///
/// let client = RekorV2Client::new("https://log2025-1.rekor.sigstore.dev", rekor, TransportConfig::default())?;
/// let head = client.checkpoint().await?;
/// let newest = client.entry_at(head.tree_size() - 1, &head).await?;
/// println!("{:?}", newest.tlog_entry().kind_version);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct RekorV2Client {
    transport: Transport,
    rekor: RekorV2,
    config: ClientConfig,
}

impl RekorV2Client {
    /// A client for the log at `base_url`, checking answers with `rekor`.
    pub fn new(
        base_url: &str,
        rekor: RekorV2,
        transport: TransportConfig,
    ) -> Result<RekorV2Client, ClientError> {
        Ok(RekorV2Client::from_transport(
            Transport::new(base_url, transport)?,
            rekor,
        ))
    }

    /// A client over a transport built by the caller (e.g. with
    /// [`Transport::with_client_builder`]).
    pub fn from_transport(transport: Transport, rekor: RekorV2) -> RekorV2Client {
        RekorV2Client {
            transport,
            rekor,
            config: ClientConfig::default(),
        }
    }

    /// Use `config` instead of [`ClientConfig::default`].
    pub fn with_config(mut self, config: ClientConfig) -> RekorV2Client {
        self.config = config;
        self
    }

    /// Read the time from `clock` (e.g. [`Clock::fixed`] in tests).
    pub fn with_clock(mut self, clock: Clock) -> RekorV2Client {
        self.config.clock = clock;
        self
    }

    /// The checks.
    pub fn rekor(&self) -> &RekorV2 {
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
        let create = self.rekor.create_entry(proposal)?;
        let rounds = self.config.max_create_rounds.max(1);
        let mut round = 1;
        loop {
            let ambiguity = match self.transport.execute(&create).await {
                Ok(response) => {
                    return match self.rekor.check_created(
                        proposal,
                        &response,
                        self.config.clock.now(),
                    ) {
                        Ok(entry) => Ok(entry),
                        Err(RekorError::AlreadyExists {
                            log_index: Some(index),
                            ..
                        }) => self.proposed_entry(index, proposal).await,
                        Err(RekorError::AlreadyExists {
                            log_index: None, ..
                        }) => Err(ClientError::ExistingIndexMissing),
                        Err(refused) => Err(refused.into()),
                    };
                }
                Err(ambiguity @ TransportError::MaybeCreated { .. }) => ambiguity,
                Err(other) => return Err(other.into()),
            };
            if round >= rounds {
                return Err(ClientError::GaveUp {
                    rounds: round,
                    last: Box::new(ambiguity),
                });
            }
            round += 1;
        }
    }

    /// Entry `index`, which must record `proposal`, at a checkpoint that includes it.
    async fn proposed_entry(
        &self,
        index: u64,
        proposal: &Proposal,
    ) -> Result<LoggedEntry, ClientError> {
        let head = self.checkpoint_including(index).await?;
        let mut read = self.rekor.read_entry(index, &head)?;
        while let Some(request) = read.next_request() {
            read.on_response(&self.transport.execute(&request).await?)?;
        }
        Ok(self
            .rekor
            .check_proposed_entry_read(read, proposal, self.config.clock.now())?)
    }

    /// The newest checkpoint, fetched again while it does not include entry `index`.
    async fn checkpoint_including(&self, index: u64) -> Result<TreeHead, ClientError> {
        let mut head = self.checkpoint().await?;
        let mut polls = 0;
        while head.tree_size() <= index {
            if polls >= self.config.checkpoint_polls {
                return Err(ClientError::NotInCheckpoint {
                    index,
                    tree_size: head.tree_size(),
                    polls,
                });
            }
            tokio::time::sleep(self.config.checkpoint_poll_interval).await;
            polls += 1;
            head = self.checkpoint().await?;
        }
        Ok(head)
    }

    /// The log's current signed checkpoint.
    pub async fn checkpoint(&self) -> Result<TreeHead, ClientError> {
        let response = self.transport.execute(&self.rekor.checkpoint()).await?;
        Ok(self.rekor.check_checkpoint(&response)?)
    }

    /// Entry `index`, proven against the log's current checkpoint;
    /// [`ClientError::NotInCheckpoint`] when that checkpoint does not include it.
    pub async fn entry(&self, index: u64) -> Result<LoggedEntry, ClientError> {
        let head = self.checkpoint().await?;
        if index >= head.tree_size() {
            return Err(ClientError::NotInCheckpoint {
                index,
                tree_size: head.tree_size(),
                polls: 0,
            });
        }
        self.entry_at(index, &head).await
    }

    /// Entry `index`, proven against `head` (a checkpoint of this log fetched earlier). Its
    /// body is not bound to any content.
    pub async fn entry_at(&self, index: u64, head: &TreeHead) -> Result<LoggedEntry, ClientError> {
        let mut read = self.rekor.read_entry(index, head)?;
        while let Some(request) = read.next_request() {
            read.on_response(&self.transport.execute(&request).await?)?;
        }
        Ok(self.rekor.check_entry_read(read, self.config.clock.now())?)
    }

    /// The consistency proof from `old` to `new`, two verified checkpoints of this log,
    /// computed from the log's tiles and checked to connect them. Returns the proof hashes.
    pub async fn consistency(
        &self,
        old: &VerifiedCheckpoint,
        new: &VerifiedCheckpoint,
    ) -> Result<Vec<[u8; 32]>, ClientError> {
        let mut read = self.rekor.read_consistency(old, new)?;
        while let Some(request) = read.next_request() {
            read.on_response(&self.transport.execute(&request).await?)?;
        }
        Ok(self.rekor.check_consistency_read(read)?)
    }
}
