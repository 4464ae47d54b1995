//! What the clients report when they return nothing.

use sigchain_rekor::client::TransportError;

use crate::error::FulcioError;
use crate::token::github::GithubTokenError;
use crate::token::source::SourceError;
use crate::token::TokenError;
use crate::tsa::TsaError;

/// Why a client call returned nothing. Whatever the variant, nothing unchecked is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FulcioClientError {
    /// The request could not be carried out (connection, timeout, size, URL).
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The CA's answer was refused by its check.
    #[error("CA answer refused: {0}")]
    Fulcio(#[from] FulcioError),
    /// The identity token cannot be used (checked before contacting the CA).
    #[error("identity token: {0}")]
    Token(#[from] TokenError),
    /// No identity token could be found.
    #[error("{0}")]
    Source(#[from] SourceError),
    /// GitHub Actions gave no identity token.
    #[error("{0}")]
    Github(#[from] GithubTokenError),
    /// The timestamp authority's answer was refused, or its URL is unusable.
    #[error("{0}")]
    Tsa(#[from] TsaError),
}
