//! [`GithubActionsTokenClient`]: fetches an identity token with GitHub Actions' ambient
//! credentials.

use std::fmt;
use std::sync::Arc;

use sigchain_rekor::client::{Transport, TransportConfig};

use super::FulcioClientError;
use crate::endpoint::RequestTo;
use crate::token::github::{check_github_actions_token, github_actions_token_request};
use crate::token::IdentityToken;

type BuilderFn = Arc<dyn Fn() -> reqwest::ClientBuilder + Send + Sync>;

/// Fetches identity tokens from GitHub Actions' token endpoint.
///
/// The endpoint's URL comes from the job's environment, so a transport is made per fetch.
///
/// ```no_run
/// # async fn demo() -> Result<(), sigchain_fulcio::client::FulcioClientError> {
/// use sigchain_fulcio::client::{GithubActionsTokenClient, TransportConfig};
/// let github = GithubActionsTokenClient::new(TransportConfig::default());
/// let url = std::env::var("ACTIONS_ID_TOKEN_REQUEST_URL").unwrap_or_default();
/// let bearer = std::env::var("ACTIONS_ID_TOKEN_REQUEST_TOKEN").unwrap_or_default();
/// let token = github.fetch(&url, &bearer, "sigstore").await?;
/// println!("token for {}", token.subject());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct GithubActionsTokenClient {
    config: TransportConfig,
    builder: BuilderFn,
}

impl GithubActionsTokenClient {
    /// With reqwest's default client settings.
    pub fn new(config: TransportConfig) -> GithubActionsTokenClient {
        GithubActionsTokenClient::with_client_builder(config, reqwest::Client::builder)
    }

    /// Starting each transport from `builder()` (proxies, extra roots).
    pub fn with_client_builder(
        config: TransportConfig,
        builder: impl Fn() -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> GithubActionsTokenClient {
        GithubActionsTokenClient {
            config,
            builder: Arc::new(builder),
        }
    }

    /// `GET {request_url}&audience={audience}` with the bearer `request_token`; the token
    /// in the answer, parsed (not verified).
    pub async fn fetch(
        &self,
        request_url: &str,
        request_token: &str,
        audience: &str,
    ) -> Result<IdentityToken, FulcioClientError> {
        let to = github_actions_token_request(request_url, request_token, audience)?;
        self.execute(&to).await
    }

    /// Carry out a request made by [`github_actions_token_request`] (e.g. from a
    /// [`TokenPlan`](crate::token::source::TokenPlan)).
    pub async fn execute(&self, to: &RequestTo) -> Result<IdentityToken, FulcioClientError> {
        let transport =
            Transport::with_client_builder(&to.base_url, self.config.clone(), (self.builder)())?;
        let response = transport.execute(&to.request).await?;
        Ok(check_github_actions_token(&response)?)
    }
}

impl fmt::Debug for GithubActionsTokenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubActionsTokenClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
