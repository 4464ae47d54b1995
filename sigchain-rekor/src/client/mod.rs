//! The async adapter (feature `client`): moves the sans-IO [`crate::http`] values over the
//! network with reqwest (rustls) on tokio. It decides nothing about trust; the checkers do.
//!
//! - [`Transport`]: executes one [`HttpRequest`](crate::http::HttpRequest) against a base URL
//!   and returns its [`HttpResponse`](crate::http::HttpResponse), with timeouts, a bounded
//!   body, and retries that never resend a create that may have been applied;
//! - [`TransportError`]: what went wrong, with [`TransportError::MaybeCreated`] for a create
//!   that may have been applied (look it up before sending it again);
//! - [`Backoff`] and [`parse_retry_after`]: the retry schedule, as pure functions.

mod error;
mod retry;
mod transport;
mod url;

pub use error::{Ambiguity, TransportError};
pub use retry::{parse_retry_after, Backoff};
pub use transport::{Transport, TransportConfig, USER_AGENT};
pub use url::UrlProblem;
