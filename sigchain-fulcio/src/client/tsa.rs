//! [`TsaClient`]: RFC 3161 timestamps over HTTP, as bytes.

use sigchain_rekor::client::{Transport, TransportConfig};

use super::FulcioClientError;
use crate::endpoint::split_url;
use crate::tsa::{timestamp_answer, timestamp_request};

/// Sends DER `TimeStampReq`s to one timestamp authority and returns the DER
/// `TimeStampResp`s, unchecked beyond status, content type and size: the core checks them.
///
/// ```no_run
/// # async fn demo(request_der: Vec<u8>) -> Result<(), sigchain_fulcio::client::FulcioClientError> {
/// use sigchain_fulcio::client::{TransportConfig, TsaClient};
/// let tsa = TsaClient::new("https://tsa.example/api/v1/timestamp", TransportConfig::default())?;
/// let response_der = tsa.timestamp(&request_der).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TsaClient {
    transport: Transport,
    url: String,
}

impl TsaClient {
    /// A client for the endpoint `url` (the full URL, as a signing config's `tsaUrls[].url`).
    pub fn new(url: &str, config: TransportConfig) -> Result<TsaClient, FulcioClientError> {
        TsaClient::with_client_builder(url, config, reqwest::Client::builder())
    }

    /// Like [`TsaClient::new`], starting from the caller's reqwest builder.
    pub fn with_client_builder(
        url: &str,
        config: TransportConfig,
        builder: reqwest::ClientBuilder,
    ) -> Result<TsaClient, FulcioClientError> {
        let (base_url, _) = split_url(url).map_err(crate::tsa::TsaError::from)?;
        Ok(TsaClient {
            transport: Transport::with_client_builder(&base_url, config, builder)?,
            url: url.to_owned(),
        })
    }

    /// The DER `TimeStampResp` for the DER `TimeStampReq` `request_der`.
    pub async fn timestamp(&self, request_der: &[u8]) -> Result<Vec<u8>, FulcioClientError> {
        let to = timestamp_request(&self.url, request_der)?;
        let response = self.transport.execute(&to.request).await?;
        Ok(timestamp_answer(&response)?)
    }
}
