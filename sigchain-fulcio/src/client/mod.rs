//! The async adapter (feature `client`): moves the sans-IO requests of [`crate::v2`],
//! [`crate::token::github`] and [`crate::tsa`] over sigchain-rekor's [`Transport`] (reqwest
//! with rustls on tokio: timeouts, bounded bodies, retries with backoff and `Retry-After`)
//! and hands the answers to their checks. It decides nothing about trust.
//!
//! - [`FulcioClient`]: signing certificates (refusing an unusable token before the request)
//!   and trust bundles;
//! - [`GithubActionsTokenClient`]: identity tokens from GitHub Actions' ambient credentials;
//! - [`TsaClient`]: RFC 3161 timestamps, as bytes;
//! - [`resolve_token`]: carries out a [`TokenPlan`](crate::token::source::TokenPlan): reads
//!   the token file or fetches from GitHub Actions, and says which source gave the token.

mod error;
mod fulcio;
mod github;
mod resolve;
mod signer;
mod tsa;

pub use error::FulcioClientError;
pub use fulcio::FulcioClient;
pub use github::GithubActionsTokenClient;
pub use resolve::{read_token_file, resolve_token};
pub use sigchain_rekor::client::{Clock, Transport, TransportConfig, TransportError};
pub use signer::{
    BundleSigner, KeyProof, SignError, SUPPORTED_CA_VERSIONS, SUPPORTED_REKOR_VERSIONS,
    SUPPORTED_TSA_VERSIONS,
};
pub use tsa::TsaClient;
