//! Why an answer from a Fulcio CA was refused, or a request could not be made.

use crate::chain::PemChainError;

/// Why a Fulcio answer was refused. Every variant means the caller got no certificate chain
/// or trust bundle from this answer.
#[derive(Debug, thiserror::Error)]
pub enum FulcioError {
    /// The CA answered with another status than 200. `message` is the CA's own (e.g. "There
    /// was an error processing the identity token" for a token it does not accept).
    #[error("CA answered {status}{}: {message}", .code.map(|c| format!(" (gRPC code {c})")).unwrap_or_default())]
    Status {
        /// The HTTP status.
        status: u16,
        /// The gRPC status code in grpc-gateway's error body, if there was one.
        code: Option<i64>,
        /// The CA's message, or the start of the body as text.
        message: String,
    },
    /// The answer is larger than the limit.
    #[error("answer is {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Bytes received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The answer is not JSON of the expected shape.
    #[error("answer JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The answer sets neither form of certificate (the `certificate` oneof is empty).
    #[error("the answer holds no certificate chain")]
    NoCertificate,
    /// The answer sets both forms of certificate, which protobuf forbids for a oneof.
    #[error("the answer holds both an embedded-SCT and a detached-SCT chain")]
    BothCertificateForms,
    /// The CA answered with a detached SCT. A Sigstore bundle carries no SCT of its own: the
    /// verifier reads it from the leaf, so the CA must embed it (a CA backed by a CT log).
    #[error("the CA returned its SCT detached from the certificate; Sigstore bundles need the SCT embedded in the leaf (is the CA configured with a CT log?)")]
    DetachedSct,
    /// A chain in the answer is not a bounded list of PEM certificates.
    #[error("certificate chain: {0}")]
    Chain(#[from] PemChainError),
    /// A chain in the trust bundle is refused.
    #[error("trust bundle chain {index}: {source}")]
    TrustBundleChain {
        /// Which chain (0 is the first).
        index: usize,
        /// Why.
        #[source]
        source: PemChainError,
    },
    /// The trust bundle holds no chain.
    #[error("the trust bundle holds no chain")]
    EmptyTrustBundle,
    /// More chains than [`FulcioLimits::max_trust_bundle_chains`](crate::FulcioLimits).
    #[error("the trust bundle holds {count} chains, over the limit of {max}")]
    TooManyChains {
        /// Chains sent.
        count: usize,
        /// The limit.
        max: usize,
    },
}

/// Why a signing-certificate request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A DER value could not be written as PEM (it is too long for the encoder).
    #[error("{what} could not be written as PEM")]
    Pem {
        /// Which value.
        what: &'static str,
    },
    /// The proof of possession is empty.
    #[error("the proof of possession is empty")]
    EmptyProof,
    /// The public key or CSR is empty.
    #[error("the {what} is empty")]
    Empty {
        /// Which value.
        what: &'static str,
    },
}

/// The status check every answer gets: within `max` bytes and status `expected`.
pub(crate) fn expect_status(
    response: &sigchain_rekor::http::HttpResponse,
    expected: u16,
    max: usize,
) -> Result<(), FulcioError> {
    if response.body.len() > max {
        return Err(FulcioError::TooLarge {
            len: response.body.len(),
            max,
        });
    }
    if response.status != expected {
        let (code, message) = error_body(&response.body);
        return Err(FulcioError::Status {
            status: response.status,
            code,
            message,
        });
    }
    Ok(())
}

/// The gRPC code and message of grpc-gateway's error body, or the body's start as text.
pub(crate) fn error_body(body: &[u8]) -> (Option<i64>, String) {
    match serde_json::from_slice::<crate::wire::ErrorBody>(body) {
        Ok(crate::wire::ErrorBody {
            code,
            message: Some(message),
        }) => (code, truncate(&message)),
        Ok(crate::wire::ErrorBody {
            code,
            message: None,
        }) => (code, truncate(&String::from_utf8_lossy(body))),
        Err(_) => (None, truncate(&String::from_utf8_lossy(body))),
    }
}

/// At most 512 characters of an untrusted message, so that an error stays readable.
pub(crate) fn truncate(text: &str) -> String {
    const MAX: usize = 512;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
