//! [`FulcioClient`]: a transport to one CA plus the sans-IO checks of [`FulcioV2`].

use sigchain_rekor::client::{Clock, Transport, TransportConfig, TransportError};

use super::FulcioClientError;
use crate::chain::UnverifiedCertificateChain;
use crate::limits::FulcioLimits;
use crate::token::{IdentityToken, UsePolicy};
use crate::v2::{CaTrustBundle, CertificateRequest, FulcioV2};

/// An async client of one Fulcio v2 CA.
///
/// ```no_run
/// # async fn demo(token: sigchain_fulcio::token::IdentityToken,
/// #               request: sigchain_fulcio::v2::CertificateRequest)
/// #     -> Result<(), sigchain_fulcio::client::FulcioClientError> {
/// use sigchain_fulcio::client::{FulcioClient, TransportConfig};
/// let fulcio = FulcioClient::new("https://fulcio.example", TransportConfig::default())?;
/// // Refuses an expired token before sending anything.
/// let chain = fulcio.signing_certificate(&token, &request).await?;
/// // `chain` is unverified: the core's issued-chain check decides whether to use it.
/// println!("{} certificate(s)", chain.len());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FulcioClient {
    transport: Transport,
    api: FulcioV2,
    clock: Clock,
    use_policy: UsePolicy,
}

impl FulcioClient {
    /// A client for the CA at `base_url` (e.g. `https://fulcio.sigstore.dev`, or a signing
    /// config's `caUrls[].url`).
    pub fn new(base_url: &str, config: TransportConfig) -> Result<FulcioClient, TransportError> {
        Ok(FulcioClient::with_transport(Transport::new(
            base_url, config,
        )?))
    }

    /// A client over the caller's transport (custom roots, proxies).
    pub fn with_transport(transport: Transport) -> FulcioClient {
        FulcioClient {
            transport,
            api: FulcioV2::new(),
            clock: Clock::system(),
            use_policy: UsePolicy::default(),
        }
    }

    /// With other bounds on answers.
    pub fn with_limits(mut self, limits: FulcioLimits) -> FulcioClient {
        self.api = FulcioV2::with_limits(limits);
        self
    }

    /// With another clock for the token's validity check.
    pub fn with_clock(mut self, clock: Clock) -> FulcioClient {
        self.clock = clock;
        self
    }

    /// With another audience or clock skew for the token check.
    pub fn with_use_policy(mut self, use_policy: UsePolicy) -> FulcioClient {
        self.use_policy = use_policy;
        self
    }

    /// The transport.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Ask for a certificate for `request`'s key. The token is checked first
    /// ([`IdentityToken::check_usable_with`]): an expired token or one for another audience
    /// never reaches the CA.
    pub async fn signing_certificate(
        &self,
        token: &IdentityToken,
        request: &CertificateRequest,
    ) -> Result<UnverifiedCertificateChain, FulcioClientError> {
        token.check_usable_with(self.clock.now(), &self.use_policy)?;
        let http = self.api.signing_certificate(token, request);
        let response = self.transport.execute(&http).await?;
        Ok(self.api.check_signing_certificate(&response)?)
    }

    /// The chains the CA issues under (unverified; see [`CaTrustBundle`]).
    pub async fn trust_bundle(&self) -> Result<CaTrustBundle, FulcioClientError> {
        let response = self.transport.execute(&self.api.trust_bundle()).await?;
        Ok(self.api.check_trust_bundle(&response)?)
    }
}
