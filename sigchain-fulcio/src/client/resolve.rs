//! Carrying out a token plan: read the file, or fetch from GitHub Actions.

use std::path::Path;

use tokio::io::AsyncReadExt;

use super::{FulcioClientError, GithubActionsTokenClient};
use crate::limits::MAX_TOKEN_FILE_BYTES;
use crate::token::source::{
    plan, token_from_file, SourceError, TokenOptions, TokenPlan, TokenSource,
};
use crate::token::IdentityToken;

/// Find a token as [`plan`] orders the sources, carry out the step it names, and say which
/// source gave the token. `env` is the environment to read (pass
/// `|name| std::env::var(name).ok()` for the process's own).
///
/// ```no_run
/// # async fn demo() -> Result<(), sigchain_fulcio::client::FulcioClientError> {
/// use sigchain_fulcio::client::{resolve_token, GithubActionsTokenClient, TransportConfig};
/// use sigchain_fulcio::token::source::TokenOptions;
/// let github = GithubActionsTokenClient::new(TransportConfig::default());
/// let (token, source) =
///     resolve_token(&TokenOptions::default(), |name| std::env::var(name).ok(), &github).await?;
/// eprintln!("using the identity token from {source}");
/// # Ok(())
/// # }
/// ```
pub async fn resolve_token(
    options: &TokenOptions,
    env: impl Fn(&str) -> Option<String>,
    github: &GithubActionsTokenClient,
) -> Result<(IdentityToken, TokenSource), FulcioClientError> {
    match plan(options, env)? {
        TokenPlan::Ready { token, source } => Ok((token, source)),
        TokenPlan::ReadFile { path } => {
            let token = read_token_file(&path).await?;
            Ok((token, TokenSource::File(path)))
        }
        TokenPlan::FetchGithubActions(to) => {
            Ok((github.execute(&to).await?, TokenSource::GithubActions))
        }
    }
}

/// The token in the file at `path`, reading at most [`MAX_TOKEN_FILE_BYTES`] (+1, to tell a
/// file over the limit).
pub async fn read_token_file(path: &Path) -> Result<IdentityToken, SourceError> {
    let read_error = |error| SourceError::FileRead {
        path: path.to_owned(),
        error,
    };
    let file = tokio::fs::File::open(path).await.map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(read_error)?;
    token_from_file(path, &bytes)
}
