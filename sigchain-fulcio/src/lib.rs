//! Fulcio for sigchain: the v2 API types, sans-IO signing-certificate requests and answer
//! checks, OIDC identity tokens, RFC 3161 transport helpers, and (feature `client`) an async
//! adapter.
//!
//! Nothing here decides trust. A [`UnverifiedCertificateChain`] from a CA is parsed and
//! bounded, and the core (the signer's issued-chain check) decides whether it chains to a
//! trusted root, certifies the caller's key, names the identity
//! [`IdentityToken::expected_identity`](token::IdentityToken::expected_identity) predicts, and
//! carries a valid SCT.
//!
//! - [`wire`]: the Fulcio v2 JSON (`fulcio.proto` in protobuf JSON);
//! - [`v2`]: [`FulcioV2`](v2::FulcioV2), request builders and answer checks for
//!   `/api/v2/signingCert` and `/api/v2/trustBundle`;
//! - [`token`]: identity tokens (claims, expected identity, proof-of-possession challenge,
//!   usability before contacting the CA) and their [`sources`](token::source);
//! - [`tsa`]: RFC 3161 over HTTP, bytes only;
//! - [`http`]: sigchain-rekor's request and response values, shared so one transport serves
//!   every Sigstore service;
//! - `client` (feature `client`): the async driver.
//!
//! ```
//! use sigchain_fulcio::http::HttpResponse;
//! use sigchain_fulcio::token::IdentityToken;
//! use sigchain_fulcio::v2::{CertificateRequest, FulcioV2};
//! use sigchain_fulcio::sigchain_core::time::Timestamp;
//! # let jwt = sigchain_fulcio::token::unsigned_jwt(&serde_json::json!({
//! #     "iss": "https://accounts.google.com", "sub": "1234", "aud": "sigstore",
//! #     "iat": 1_700_000_000, "exp": 1_700_000_600,
//! #     "email": "dev@example.com", "email_verified": true}));
//! # let csr_der = [0x30, 0x03, 0x02, 0x01, 0x00];
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/bundle-verify/happy-path-v0.3");
//! # let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(format!("{dir}/bundle.sigstore.json"))?)?;
//! # let leaf_der = sigchain_fulcio::sigchain_core::encoding::base64_decode(
//! #     bundle["verificationMaterial"]["certificate"]["rawBytes"].as_str().unwrap()).unwrap();
//! # let pem = pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &leaf_der).unwrap();
//! # let answer_json = serde_json::to_vec(&serde_json::json!(
//! #     {"signedCertificateEmbeddedSct": {"chain": {"certificates": [pem]}}}))?;
//! let token = IdentityToken::parse(&jwt)?;
//! token.check_usable(Timestamp(1_700_000_060))?; // before contacting the CA
//! let expected = token.expected_identity()?; // SAN dev@example.com, issuer accounts.google.com
//! let fulcio = FulcioV2::new();
//! let request = fulcio.signing_certificate(&token, &CertificateRequest::csr_der(&csr_der)?);
//! // ... POST `request` to the CA; `answer_json` is its body ...
//! let chain = fulcio.check_signing_certificate(&HttpResponse::new(200, answer_json))?;
//! // `chain.der_list()` and `expected` go to the core's issued-chain check.
//! assert!(!chain.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use sigchain_core;
pub use sigchain_rekor::http;

mod chain;
#[cfg(feature = "client")]
pub mod client;
pub mod endpoint;
mod error;
mod limits;
#[cfg(test)]
mod testdata;
pub mod token;
pub mod tsa;
pub mod v2;
pub mod wire;

pub use chain::{PemChainError, UnverifiedCertificateChain};
pub use error::{FulcioError, RequestError};
pub use limits::{
    FulcioLimits, MAX_TIMESTAMP_ANSWER_BYTES, MAX_TOKEN_ANSWER_BYTES, MAX_TOKEN_BYTES,
    MAX_TOKEN_FILE_BYTES,
};
