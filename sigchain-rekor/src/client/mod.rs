//! The async adapter (feature `client`): moves the sans-IO [`crate::http`] values over the
//! network with reqwest (rustls) on tokio. It decides nothing about trust; the checkers do.
//!
//! - [`Transport`]: executes one [`HttpRequest`](crate::http::HttpRequest) against a base URL
//!   and returns its [`HttpResponse`](crate::http::HttpResponse), with timeouts, a bounded
//!   body, and retries that never resend a create that may have been applied;
//! - [`TransportError`]: what went wrong, with [`TransportError::MaybeCreated`] for a create
//!   that may have been applied (look it up before sending it again);
//! - [`Backoff`] and [`parse_retry_after`]: the retry schedule, as pure functions;
//! - [`RekorV1Client`] and [`RekorV2Client`]: the log clients, a transport plus the sans-IO
//!   checks of [`crate::v1`] and [`crate::v2`], with the rule that a create that may have
//!   been applied is never sent again before the log is asked for the entry (Rekor v1) or
//!   can answer for it (Rekor v2's `409`);
//! - [`ClientError`], [`ClientConfig`], [`Clock`]: what they report and what bounds them.

mod client_error;
mod config;
mod error;
mod retry;
mod transport;
mod url;
mod v1;
mod v2;

pub use client_error::ClientError;
pub use config::{ClientConfig, Clock};
pub use error::{Ambiguity, TransportError};
pub use retry::{parse_retry_after, Backoff};
pub use transport::{Transport, TransportConfig, USER_AGENT};
pub use url::UrlProblem;
pub use v1::{RekorV1Client, SearchKey};
pub use v2::RekorV2Client;
