//! Fulcio v2 over HTTP, sans-IO: [`FulcioV2`] builds the requests
//! (`POST /api/v2/signingCert`, `GET /api/v2/trustBundle`) and checks the answers into an
//! [`UnverifiedCertificateChain`] or a [`CaTrustBundle`].
//!
//! The checks here are about shape: the status (with the CA's own error message), the size,
//! the JSON, and that every certificate is one bounded PEM certificate. Whether to believe
//! the chain (it leads to a trusted root, certifies the caller's key, names the expected
//! identity, carries a valid embedded SCT) is the core's decision.

use sigchain_core::encoding::base64_encode;
use sigchain_rekor::http::{HttpRequest, HttpResponse, Idempotency, Method};

use crate::chain::UnverifiedCertificateChain;
use crate::error::{expect_status, FulcioError, RequestError};
use crate::limits::FulcioLimits;
use crate::token::IdentityToken;
use crate::wire;

pub use crate::wire::PublicKeyAlgorithm;

/// The signing-certificate endpoint, relative to the CA's base URL.
pub const SIGNING_CERT_PATH: &str = "/api/v2/signingCert";
/// The trust-bundle endpoint, relative to the CA's base URL.
pub const TRUST_BUNDLE_PATH: &str = "/api/v2/trustBundle";

/// What the CA is asked to certify, and the proof that the caller holds the private key.
///
/// Fulcio accepts two forms:
/// - a public key with a signature over the token's challenge (see
///   [`IdentityToken::challenge`]) made with the private key;
/// - a PKCS#10 certificate signing request, whose self-signature is the proof. Fulcio reads
///   only its public key; the subject and other fields are ignored.
///
/// ```
/// use sigchain_fulcio::v2::{CertificateRequest, PublicKeyAlgorithm};
/// # let spki_der = [0x30, 0x03, 0x02, 0x01, 0x00];
/// // `spki_der`: the SubjectPublicKeyInfo of the signing key; `proof`: its signature over
/// // the token's challenge.
/// # let proof = vec![1, 2, 3];
/// let request = CertificateRequest::public_key_der(PublicKeyAlgorithm::Ecdsa, &spki_der, proof)?;
/// assert!(matches!(request, CertificateRequest::PublicKey { .. }));
/// # Ok::<(), sigchain_fulcio::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateRequest {
    /// A public key and a proof of possession.
    PublicKey {
        /// The key's algorithm (informational: Fulcio infers it from the key).
        algorithm: PublicKeyAlgorithm,
        /// PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
        public_key_pem: String,
        /// The signature over the challenge, raw (it is base64-encoded on the wire).
        proof_of_possession: Vec<u8>,
    },
    /// A certificate signing request.
    Csr {
        /// PEM `CERTIFICATE REQUEST`.
        csr_pem: String,
    },
}

impl CertificateRequest {
    /// A public key given as DER SubjectPublicKeyInfo, with its proof of possession.
    pub fn public_key_der(
        algorithm: PublicKeyAlgorithm,
        spki_der: &[u8],
        proof_of_possession: Vec<u8>,
    ) -> Result<CertificateRequest, RequestError> {
        let public_key_pem = to_pem("PUBLIC KEY", spki_der, "public key")?;
        CertificateRequest::public_key_pem(algorithm, public_key_pem, proof_of_possession)
    }

    /// A public key given as PEM, with its proof of possession.
    pub fn public_key_pem(
        algorithm: PublicKeyAlgorithm,
        public_key_pem: String,
        proof_of_possession: Vec<u8>,
    ) -> Result<CertificateRequest, RequestError> {
        if public_key_pem.trim().is_empty() {
            return Err(RequestError::Empty { what: "public key" });
        }
        if proof_of_possession.is_empty() {
            return Err(RequestError::EmptyProof);
        }
        Ok(CertificateRequest::PublicKey {
            algorithm,
            public_key_pem,
            proof_of_possession,
        })
    }

    /// A DER PKCS#10 certificate signing request.
    pub fn csr_der(csr_der: &[u8]) -> Result<CertificateRequest, RequestError> {
        let csr_pem = to_pem("CERTIFICATE REQUEST", csr_der, "CSR")?;
        CertificateRequest::csr_pem(csr_pem)
    }

    /// A PEM PKCS#10 certificate signing request.
    pub fn csr_pem(csr_pem: String) -> Result<CertificateRequest, RequestError> {
        if csr_pem.trim().is_empty() {
            return Err(RequestError::Empty { what: "CSR" });
        }
        Ok(CertificateRequest::Csr { csr_pem })
    }

    /// The request as it goes on the wire, with `token` as the credentials.
    pub fn to_wire(&self, token: &IdentityToken) -> wire::CreateSigningCertificateRequest {
        let credentials = wire::Credentials {
            oidc_identity_token: token.as_str().to_owned(),
        };
        match self {
            CertificateRequest::PublicKey {
                algorithm,
                public_key_pem,
                proof_of_possession,
            } => wire::CreateSigningCertificateRequest {
                credentials,
                public_key_request: Some(wire::PublicKeyRequest {
                    public_key: wire::PublicKey {
                        algorithm: *algorithm,
                        content: public_key_pem.clone(),
                    },
                    proof_of_possession: base64_encode(proof_of_possession),
                }),
                certificate_signing_request: None,
            },
            CertificateRequest::Csr { csr_pem } => wire::CreateSigningCertificateRequest {
                credentials,
                public_key_request: None,
                // `bytes` in protobuf JSON: the PEM text itself, base64-encoded.
                certificate_signing_request: Some(base64_encode(csr_pem.as_bytes())),
            },
        }
    }
}

fn to_pem(label: &'static str, der: &[u8], what: &'static str) -> Result<String, RequestError> {
    if der.is_empty() {
        return Err(RequestError::Empty { what });
    }
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der)
        .map_err(|_| RequestError::Pem { what })
}

/// The chains a CA says it issues under ([`FulcioV2::check_trust_bundle`]), each from its
/// first intermediate (if any) to its root. Unverified: a trusted root comes from TUF or the
/// operator, never from the CA it vouches for; this is for display and comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaTrustBundle {
    /// Never empty.
    chains: Vec<UnverifiedCertificateChain>,
}

impl CaTrustBundle {
    /// The chains, in the CA's order.
    pub fn chains(&self) -> &[UnverifiedCertificateChain] {
        &self.chains
    }

    /// The chains, by value.
    pub fn into_chains(self) -> Vec<UnverifiedCertificateChain> {
        self.chains
    }
}

/// Requests to and answers from one Fulcio v2 CA.
///
/// ```
/// use sigchain_fulcio::token::IdentityToken;
/// use sigchain_fulcio::v2::{CertificateRequest, FulcioV2};
/// use sigchain_fulcio::http::HttpResponse;
/// # let token = IdentityToken::parse(&sigchain_fulcio::token::unsigned_jwt(&serde_json::json!({
/// #     "iss": "https://issuer.example", "sub": "someone@example.com", "aud": "sigstore",
/// #     "exp": 1_900_000_000, "iat": 1_800_000_000,
/// #     "email": "someone@example.com", "email_verified": true})))?;
/// # let csr_der = [0x30, 0x03, 0x02, 0x01, 0x00];
/// let fulcio = FulcioV2::new();
/// let request = fulcio.signing_certificate(&token, &CertificateRequest::csr_der(&csr_der)?);
/// assert_eq!(request.path_and_query, "/api/v2/signingCert");
/// // ... a transport sends `request` to the CA's base URL and brings back `response` ...
/// let response = HttpResponse::new(400, br#"{"code":3,"message":"There was an error processing the identity token"}"#.to_vec());
/// let refused = fulcio.check_signing_certificate(&response).unwrap_err();
/// assert_eq!(
///     refused.to_string(),
///     "CA answered 400 (gRPC code 3): There was an error processing the identity token"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct FulcioV2 {
    limits: FulcioLimits,
}

impl FulcioV2 {
    /// With [`FulcioLimits::DEFAULT`].
    pub fn new() -> FulcioV2 {
        FulcioV2::with_limits(FulcioLimits::DEFAULT)
    }

    /// With the caller's bounds.
    pub fn with_limits(limits: FulcioLimits) -> FulcioV2 {
        FulcioV2 { limits }
    }

    /// The bounds.
    pub fn limits(&self) -> &FulcioLimits {
        &self.limits
    }

    /// `POST /api/v2/signingCert`: ask for a certificate for `request`'s key, as the identity
    /// `token` names.
    ///
    /// Marked [`Idempotency::Safe`]: a resent request costs the CA a second certificate (and
    /// its CT log a second entry), and either certificate serves the caller.
    pub fn signing_certificate(
        &self,
        token: &IdentityToken,
        request: &CertificateRequest,
    ) -> HttpRequest {
        let body = serde_json::to_vec(&request.to_wire(token)).unwrap_or_default();
        HttpRequest {
            method: Method::Post,
            path_and_query: SIGNING_CERT_PATH.to_owned(),
            headers: vec![("accept".to_owned(), "application/json".to_owned())],
            body: Some(body),
            idempotency: Idempotency::Safe,
            max_response_bytes: self.limits.max_answer_bytes,
        }
    }

    /// Check the answer to [`FulcioV2::signing_certificate`]: status 200 (201 is taken too),
    /// within the size limit, a `SigningCertificate` with the SCT embedded, and a bounded
    /// chain of PEM certificates, leaf first.
    pub fn check_signing_certificate(
        &self,
        response: &HttpResponse,
    ) -> Result<UnverifiedCertificateChain, FulcioError> {
        expect_success(response, self.limits.max_answer_bytes)?;
        let answer: wire::SigningCertificate = serde_json::from_slice(&response.body)?;
        match (
            answer.signed_certificate_embedded_sct,
            answer.signed_certificate_detached_sct,
        ) {
            (Some(_), Some(_)) => Err(FulcioError::BothCertificateForms),
            (None, Some(_)) => Err(FulcioError::DetachedSct),
            (None, None) => Err(FulcioError::NoCertificate),
            (Some(embedded), None) => Ok(UnverifiedCertificateChain::from_pem_list(
                &embedded.chain.certificates,
                &self.limits,
            )?),
        }
    }

    /// `GET /api/v2/trustBundle`: the chains the CA issues under.
    pub fn trust_bundle(&self) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            path_and_query: TRUST_BUNDLE_PATH.to_owned(),
            headers: vec![("accept".to_owned(), "application/json".to_owned())],
            body: None,
            idempotency: Idempotency::Safe,
            max_response_bytes: self.limits.max_answer_bytes,
        }
    }

    /// Check the answer to [`FulcioV2::trust_bundle`]: status 200, within the size limit, at
    /// least one and at most [`FulcioLimits::max_trust_bundle_chains`] chains, each a bounded
    /// list of PEM certificates.
    pub fn check_trust_bundle(
        &self,
        response: &HttpResponse,
    ) -> Result<CaTrustBundle, FulcioError> {
        // A read: 201 Created (tolerated for the signing certificate) has no meaning here.
        expect_status(response, 200, self.limits.max_answer_bytes)?;
        let answer: wire::TrustBundle = serde_json::from_slice(&response.body)?;
        if answer.chains.is_empty() {
            return Err(FulcioError::EmptyTrustBundle);
        }
        if answer.chains.len() > self.limits.max_trust_bundle_chains {
            return Err(FulcioError::TooManyChains {
                count: answer.chains.len(),
                max: self.limits.max_trust_bundle_chains,
            });
        }
        let chains = answer
            .chains
            .iter()
            .enumerate()
            .map(|(index, chain)| {
                UnverifiedCertificateChain::from_pem_list(&chain.certificates, &self.limits)
                    .map_err(|source| FulcioError::TrustBundleChain { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CaTrustBundle { chains })
    }
}

/// grpc-gateway answers 200; Fulcio's v1 API answered 201, which a reimplementation of v2
/// might copy. Both carry the same body.
fn expect_success(response: &HttpResponse, max: usize) -> Result<(), FulcioError> {
    let expected = if response.status == 201 { 201 } else { 200 };
    expect_status(response, expected, max)
}

#[cfg(test)]
mod tests;
