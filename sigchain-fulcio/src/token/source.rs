//! Where an identity token comes from, and which source wins.
//!
//! [`plan`] looks at the caller's [`TokenOptions`] and an environment (a function from
//! variable name to value, so that tests and embedders never touch the process environment)
//! and says what to do, in this order:
//!
//! 1. an explicit token string ([`TokenOptions::token`], e.g. a `--identity-token` flag);
//! 2. a token file ([`TokenOptions::token_file`]): read it, then [`token_from_file`];
//! 3. the `SIGSTORE_ID_TOKEN` variable (the name sigstore-python, cosign and the GitHub
//!    sigstore actions share);
//! 4. GitHub Actions' ambient credentials, when `ACTIONS_ID_TOKEN_REQUEST_URL` and
//!    `ACTIONS_ID_TOKEN_REQUEST_TOKEN` are both set and [`TokenOptions::ambient`] allows:
//!    fetch with [`github::github_actions_token_request`](super::github).
//!
//! What the caller named beats what the environment offers, and a token given but broken is
//! an error, never a reason to try the next source: signing with another identity than the
//! one asked for would be worse than failing. Empty variables count as unset (CI systems
//! often define a variable they have no value for).

use std::fmt;
use std::path::{Path, PathBuf};

use super::github::{
    github_actions_token_request, GithubTokenError, ACTIONS_ID_TOKEN_REQUEST_TOKEN,
    ACTIONS_ID_TOKEN_REQUEST_URL,
};
use super::{IdentityToken, TokenError, SIGSTORE_AUDIENCE};
use crate::endpoint::RequestTo;
use crate::limits::MAX_TOKEN_FILE_BYTES;

/// The variable holding a ready identity token.
pub const SIGSTORE_ID_TOKEN: &str = "SIGSTORE_ID_TOKEN";

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// Given by the caller as a string.
    Explicit,
    /// Read from this file.
    File(PathBuf),
    /// The `SIGSTORE_ID_TOKEN` variable.
    Environment,
    /// Fetched with GitHub Actions' ambient credentials.
    GithubActions,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Explicit => f.write_str("the token given explicitly"),
            TokenSource::File(path) => write!(f, "the token file {}", path.display()),
            TokenSource::Environment => write!(f, "the {SIGSTORE_ID_TOKEN} variable"),
            TokenSource::GithubActions => f.write_str("GitHub Actions' ambient credentials"),
        }
    }
}

/// What the caller says about where to find a token.
#[derive(Clone)]
pub struct TokenOptions {
    /// A token given directly. A secret: `Debug` shows only whether it is set.
    pub token: Option<String>,
    /// A file holding a token (surrounding whitespace ignored).
    pub token_file: Option<PathBuf>,
    /// Whether ambient credentials (GitHub Actions) may be used.
    pub ambient: bool,
    /// The audience to ask ambient providers for.
    pub audience: String,
}

impl Default for TokenOptions {
    /// No explicit token or file; ambient credentials allowed, for audience `sigstore`.
    fn default() -> Self {
        TokenOptions {
            token: None,
            token_file: None,
            ambient: true,
            audience: SIGSTORE_AUDIENCE.to_owned(),
        }
    }
}

impl fmt::Debug for TokenOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenOptions")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("token_file", &self.token_file)
            .field("ambient", &self.ambient)
            .field("audience", &self.audience)
            .finish()
    }
}

/// What to do to get a token.
// Made once per signing; boxing the token to even out the variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum TokenPlan {
    /// The token is at hand.
    Ready {
        /// The token.
        token: IdentityToken,
        /// Where it came from.
        source: TokenSource,
    },
    /// Read this file (at most [`MAX_TOKEN_FILE_BYTES`]) and give its bytes to
    /// [`token_from_file`].
    ReadFile {
        /// The file.
        path: PathBuf,
    },
    /// Execute this request and give its answer to
    /// [`check_github_actions_token`](super::github::check_github_actions_token).
    FetchGithubActions(RequestTo),
}

/// Why no token could be found.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// No source offers a token.
    #[error("no identity token: give one explicitly or in a file, set {SIGSTORE_ID_TOKEN}, or run in GitHub Actions with `permissions: id-token: write`{}", if *.in_github_actions { " (this is GitHub Actions, but ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN are not both set: the job lacks `id-token: write`)" } else { "" })]
    NoToken {
        /// Whether `GITHUB_ACTIONS` is `true`, i.e. only the permission is missing.
        in_github_actions: bool,
    },
    /// The token a source gave does not parse.
    #[error("{source_name}: {error}")]
    Token {
        /// Which source.
        source_name: TokenSource,
        /// Why.
        #[source]
        error: TokenError,
    },
    /// The token file is larger than [`MAX_TOKEN_FILE_BYTES`].
    #[error("the token file {} is {len} bytes or more, over the limit of {max}", .path.display())]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// Its length, or the bytes read when reading stopped.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// The token file is not UTF-8 text.
    #[error("the token file {} is not UTF-8 text", .path.display())]
    FileNotText {
        /// The file.
        path: PathBuf,
    },
    /// The token file could not be read.
    #[error("the token file {} could not be read", .path.display())]
    FileRead {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        error: std::io::Error,
    },
    /// GitHub Actions gave no token.
    #[error(transparent)]
    Github(#[from] GithubTokenError),
}

/// Decide where the token comes from (order in the module documentation).
///
/// ```
/// use std::collections::HashMap;
/// use sigchain_fulcio::token::source::{plan, TokenOptions, TokenPlan, TokenSource};
/// # let jwt = sigchain_fulcio::token::unsigned_jwt(&serde_json::json!({
/// #     "iss": "https://issuer.example", "sub": "ci", "aud": "sigstore", "exp": 1_900_000_000}));
/// let env = HashMap::from([
///     ("SIGSTORE_ID_TOKEN".to_owned(), jwt),
///     ("ACTIONS_ID_TOKEN_REQUEST_URL".to_owned(), "https://gh.example/t?v=2".to_owned()),
///     ("ACTIONS_ID_TOKEN_REQUEST_TOKEN".to_owned(), "secret".to_owned()),
/// ]);
/// let planned = plan(&TokenOptions::default(), |name| env.get(name).cloned())?;
/// let TokenPlan::Ready { token, source } = planned else { unreachable!() };
/// assert_eq!(source, TokenSource::Environment);
/// assert_eq!(token.subject(), "ci");
/// # Ok::<(), sigchain_fulcio::token::source::SourceError>(())
/// ```
pub fn plan(
    options: &TokenOptions,
    env: impl Fn(&str) -> Option<String>,
) -> Result<TokenPlan, SourceError> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(token) = &options.token {
        return ready(token, TokenSource::Explicit);
    }
    if let Some(path) = &options.token_file {
        return Ok(TokenPlan::ReadFile { path: path.clone() });
    }
    if let Some(token) = var(SIGSTORE_ID_TOKEN) {
        return ready(&token, TokenSource::Environment);
    }
    if options.ambient {
        if let (Some(url), Some(request_token)) = (
            var(ACTIONS_ID_TOKEN_REQUEST_URL),
            var(ACTIONS_ID_TOKEN_REQUEST_TOKEN),
        ) {
            let request = github_actions_token_request(&url, &request_token, &options.audience)?;
            return Ok(TokenPlan::FetchGithubActions(request));
        }
    }
    Err(SourceError::NoToken {
        in_github_actions: options.ambient && var("GITHUB_ACTIONS").as_deref() == Some("true"),
    })
}

/// The token in a token file's `bytes` (read by the caller, at most
/// [`MAX_TOKEN_FILE_BYTES`]).
pub fn token_from_file(path: &Path, bytes: &[u8]) -> Result<IdentityToken, SourceError> {
    if bytes.len() > MAX_TOKEN_FILE_BYTES {
        return Err(SourceError::FileTooLarge {
            path: path.to_owned(),
            len: bytes.len() as u64,
            max: MAX_TOKEN_FILE_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| SourceError::FileNotText {
        path: path.to_owned(),
    })?;
    IdentityToken::parse(text).map_err(|error| SourceError::Token {
        source_name: TokenSource::File(path.to_owned()),
        error,
    })
}

fn ready(token: &str, source: TokenSource) -> Result<TokenPlan, SourceError> {
    match IdentityToken::parse(token) {
        Ok(token) => Ok(TokenPlan::Ready { token, source }),
        Err(error) => Err(SourceError::Token {
            source_name: source,
            error,
        }),
    }
}
