//! [`BundleSigner`]: the async driver of the core's sans-IO signing machine
//! ([`sigchain_core::sign::machine::Signing`]).
//!
//! The machine decides everything: which request comes next, whether the CA's chain, the
//! timestamp and each log entry may be used, and whether the finished bundle verifies. The
//! driver only picks the services (from a protobuf-specs `SigningConfig`, as sigstore-go and
//! sigstore-python do), moves bytes to and from them, and hands the answers back.

use sigchain_core::bundle::TlogEntry;
use sigchain_core::limits::Limits;
use sigchain_core::sign::config::{SelectionError, Service, SigningConfig};
use sigchain_core::sign::key::{KeyError, SigningKey};
use sigchain_core::sign::machine::{
    Content, LogContent, LogEntryNeeded, LogSigner, RekorVersion, SignedBundle, Signing,
    SigningError, SigningOptions, Step,
};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::{LogId, TrustedRoot};
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_rekor::client::{ClientError, RekorV1Client, RekorV2Client};
use sigchain_rekor::proposal::{Proposal, ProposalError, Signer};
use sigchain_rekor::v1::RekorV1;
use sigchain_rekor::v2::RekorV2;

use super::{Clock, FulcioClient, FulcioClientError, TransportConfig, TransportError, TsaClient};
use crate::token::{IdentityToken, TokenError};
use crate::v2::CertificateRequest;
use crate::RequestError;

/// The API versions this driver speaks, as a signing config numbers them: Fulcio v2's API is
/// major version 1 there (as in the public-good config), the TSA API 1, Rekor 1 and 2.
pub const SUPPORTED_CA_VERSIONS: &[u32] = &[1];
/// See [`SUPPORTED_CA_VERSIONS`].
pub const SUPPORTED_TSA_VERSIONS: &[u32] = &[1];
/// See [`SUPPORTED_CA_VERSIONS`].
pub const SUPPORTED_REKOR_VERSIONS: &[u32] = &[1, 2];

/// How the key is shown to the CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyProof {
    /// A PKCS#10 certificate signing request (what sigstore-python sends).
    #[default]
    Csr,
    /// The public key and a signature over the token's challenge (what cosign sends).
    ProofOfPossession,
}

/// Why a signing produced no bundle. Nothing is signed or written for any of them; the
/// variant says which service or check refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The signing config offers no usable service of a kind.
    #[error("signing config: {0}")]
    Selection(#[from] SelectionError),
    /// The selected logs differ in API version (one signing writes one kind of entry). The
    /// core's selection picks one version, so this is a guard against a selection that would
    /// not, failing closed rather than sending a log a body of the other version.
    #[error("the signing config selects logs of different API versions ({0:?}); choose one")]
    MixedLogVersions(Vec<u32>),
    /// A log the signing config names is not in the trusted root, so nothing it returns
    /// could be verified.
    #[error("the signing config's log {url} is not a log of the trusted root")]
    UntrustedLog {
        /// The log's URL.
        url: String,
    },
    /// A keyless signing without a CA in the signing config.
    #[error("keyless signing needs a CA in the signing config")]
    NoCa,
    /// The identity token cannot be used (expired, wrong audience, no identity).
    #[error("identity token: {0}")]
    Token(#[from] TokenError),
    /// The ephemeral key could not be made.
    #[error("signing key: {0}")]
    Key(#[from] KeyError),
    /// A client could not be built for a service URL.
    #[error("service {url}: {source}")]
    Endpoint {
        /// The URL.
        url: String,
        /// Why.
        source: Box<TransportError>,
    },
    /// The certificate request could not be built.
    #[error("certificate request: {0}")]
    Request(#[from] RequestError),
    /// The CA gave no usable answer.
    #[error("CA {url}: {source}")]
    Ca {
        /// The CA's URL.
        url: String,
        /// Why.
        source: Box<FulcioClientError>,
    },
    /// The timestamp authority gave no usable answer.
    #[error("timestamp authority {url}: {source}")]
    Tsa {
        /// The TSA's URL.
        url: String,
        /// Why.
        source: Box<FulcioClientError>,
    },
    /// The log entry could not be proposed.
    #[error("log entry: {0}")]
    Proposal(#[from] ProposalError),
    /// The log gave no usable answer (its proofs are checked by the Rekor client).
    #[error("log {url}: {source}")]
    Log {
        /// The log's URL.
        url: String,
        /// Why.
        source: Box<ClientError>,
    },
    /// The signing machine refused an answer, or the finished bundle did not verify.
    #[error("{0}")]
    Signing(Box<SigningError>),
}

impl From<SigningError> for SignError {
    fn from(error: SigningError) -> SignError {
        SignError::Signing(Box::new(error))
    }
}

enum LogClient {
    V1(RekorV1Client),
    V2(RekorV2Client),
}

struct ChosenLog {
    url: String,
    client: LogClient,
}

/// Signs artifacts and in-toto statements into Sigstore bundles (v0.3), keyless (Fulcio) or
/// with a managed key, against the services a signing config names.
///
/// ```no_run
/// # async fn demo(token: sigchain_fulcio::token::IdentityToken) -> Result<(), Box<dyn std::error::Error>> {
/// use sigchain_fulcio::client::{BundleSigner, TransportConfig};
/// use sigchain_fulcio::sigchain_core::sign::config::SigningConfig;
/// use sigchain_fulcio::sigchain_core::sign::machine::Content;
/// use sigchain_fulcio::sigchain_core::time::Timestamp;
/// use sigchain_fulcio::sigchain_core::trust_root::TrustedRoot;
///
/// let signer = BundleSigner::from_signing_config(
///     TrustedRoot::production().clone(),
///     SigningConfig::production(),
///     TransportConfig::default(),
///     Timestamp::now(),
/// )?;
/// let signed = signer.sign_keyless(&token, Content::Artifact(b"hello".to_vec())).await?;
/// std::fs::write("hello.sigstore.json", signed.to_json())?;
/// # Ok(()) }
/// ```
pub struct BundleSigner {
    trusted_root: TrustedRoot,
    ca: Option<(String, FulcioClient)>,
    tsas: Vec<(String, TsaClient)>,
    logs: Vec<ChosenLog>,
    rekor_version: RekorVersion,
    clock: Clock,
    key_proof: KeyProof,
    limits: Limits,
}

impl std::fmt::Debug for BundleSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleSigner")
            .field("ca", &self.ca.as_ref().map(|(url, _)| url))
            .field(
                "tsas",
                &self.tsas.iter().map(|(url, _)| url).collect::<Vec<_>>(),
            )
            .field(
                "logs",
                &self.logs.iter().map(|l| l.url.as_str()).collect::<Vec<_>>(),
            )
            .field("rekor_version", &self.rekor_version)
            .field("key_proof", &self.key_proof)
            .finish_non_exhaustive()
    }
}

impl BundleSigner {
    /// The services `config` selects at `now`: a CA (if it names one), the logs per its
    /// `rekorTlogConfig` (all of one API version, each a log of `trusted_root`), and the TSAs
    /// per its `tsaConfig` (none if it names none; Rekor v2 needs one), each giving the bundle
    /// one timestamp.
    pub fn from_signing_config(
        trusted_root: TrustedRoot,
        config: &SigningConfig,
        transport: TransportConfig,
        now: Timestamp,
    ) -> Result<BundleSigner, SignError> {
        let ca = match config.select_ca(SUPPORTED_CA_VERSIONS, now) {
            Ok(service) => Some((
                service.url.clone(),
                FulcioClient::new(&service.url, transport.clone())
                    .map_err(|source| endpoint(service, source))?,
            )),
            Err(_) if config.ca_urls.is_empty() => None,
            Err(e) => return Err(e.into()),
        };
        let tsas = config
            .select_tsas(SUPPORTED_TSA_VERSIONS, now)?
            .into_iter()
            .map(|service| {
                TsaClient::new(&service.url, transport.clone())
                    .map(|client| (service.url.clone(), client))
                    .map_err(|source| SignError::Tsa {
                        url: service.url.clone(),
                        source: Box::new(source),
                    })
            })
            .collect::<Result<Vec<_>, SignError>>()?;
        let services = config.select_rekor_tlogs(SUPPORTED_REKOR_VERSIONS, now)?;
        let mut versions: Vec<u32> = services.iter().map(|s| s.major_api_version).collect();
        versions.dedup();
        let rekor_version = match versions.as_slice() {
            [2] => RekorVersion::V2,
            [_] => RekorVersion::V1,
            _ => return Err(SignError::MixedLogVersions(versions)),
        };
        let logs = services
            .iter()
            .map(|service| {
                let log_id = trusted_log(&trusted_root, &service.url).ok_or_else(|| {
                    SignError::UntrustedLog {
                        url: service.url.clone(),
                    }
                })?;
                let log_error = |source| SignError::Log {
                    url: service.url.clone(),
                    source: Box::new(source),
                };
                let client = match rekor_version {
                    RekorVersion::V1 => LogClient::V1(
                        RekorV1Client::new(
                            &service.url,
                            RekorV1::new(
                                Verifier::new(&trusted_root, VerifierConfig::default()),
                                log_id,
                            ),
                            transport.clone(),
                        )
                        .map_err(log_error)?,
                    ),
                    RekorVersion::V2 => LogClient::V2(
                        RekorV2Client::new(
                            &service.url,
                            RekorV2::new(
                                Verifier::new(&trusted_root, VerifierConfig::default()),
                                log_id,
                            ),
                            transport.clone(),
                        )
                        .map_err(log_error)?,
                    ),
                };
                Ok(ChosenLog {
                    url: service.url.clone(),
                    client,
                })
            })
            .collect::<Result<Vec<_>, SignError>>()?;
        Ok(BundleSigner {
            trusted_root,
            ca,
            tsas,
            logs,
            rekor_version,
            clock: Clock::system(),
            key_proof: KeyProof::default(),
            limits: Limits::DEFAULT,
        })
    }

    /// With another clock (the machine's `now`, and the clients' token check).
    pub fn with_clock(mut self, clock: Clock) -> BundleSigner {
        if let Some((url, ca)) = self.ca.take() {
            self.ca = Some((url, ca.with_clock(clock.clone())));
        }
        self.clock = clock;
        self
    }

    /// With another way of showing the key to the CA.
    pub fn with_key_proof(mut self, key_proof: KeyProof) -> BundleSigner {
        self.key_proof = key_proof;
        self
    }

    /// The trusted root the machine checks every answer against.
    pub fn trusted_root(&self) -> &TrustedRoot {
        &self.trusted_root
    }

    /// The URLs chosen: CA, TSAs, logs.
    pub fn service_urls(&self) -> (Option<&str>, Vec<&str>, Vec<&str>) {
        (
            self.ca.as_ref().map(|(url, _)| url.as_str()),
            self.tsas.iter().map(|(url, _)| url.as_str()).collect(),
            self.logs.iter().map(|l| l.url.as_str()).collect(),
        )
    }

    fn options(&self) -> SigningOptions {
        SigningOptions {
            log_entries: self.logs.len(),
            rekor_version: self.rekor_version,
            timestamps: self.tsas.len(),
            limits: self.limits,
            ..SigningOptions::default()
        }
    }

    /// Keyless: an ephemeral P-256 key, certified by the CA for the identity in `token`. The
    /// token is checked (unexpired, audience `sigstore`) before anything is sent.
    pub async fn sign_keyless(
        &self,
        token: &IdentityToken,
        content: Content,
    ) -> Result<SignedBundle, SignError> {
        let (ca_url, ca) = self.ca.as_ref().ok_or(SignError::NoCa)?;
        let now = self.clock.now();
        token.check_usable(now)?;
        let identity = token.expected_identity()?;
        let signing = Signing::keyless(
            &self.trusted_root,
            SigningKey::generate_p256()?,
            content,
            identity,
            self.options(),
            now,
        )?;
        self.drive(signing, Some((ca_url, ca, token))).await
    }

    /// With a managed key: no CA; the bundle names the key by a hint and verifiers need the
    /// public key.
    pub async fn sign_with_key(
        &self,
        key: SigningKey,
        content: Content,
    ) -> Result<SignedBundle, SignError> {
        let signing = Signing::with_key(
            &self.trusted_root,
            key,
            content,
            self.options(),
            self.clock.now(),
        )?;
        self.drive(signing, None).await
    }

    async fn drive(
        &self,
        mut signing: Signing,
        ca: Option<(&String, &FulcioClient, &IdentityToken)>,
    ) -> Result<SignedBundle, SignError> {
        // The machine asks for one timestamp per TSA chosen, one after the other.
        let mut timestamps_asked = 0;
        loop {
            // What the machine asks for, copied out so the machine can take the answer.
            let action = match signing.step() {
                Step::Certificate(needed) => Action::Certificate(match self.key_proof {
                    KeyProof::Csr => CertificateRequest::csr_der(needed.csr_der())?,
                    KeyProof::ProofOfPossession => {
                        let public_key_pem = needed.public_key_pem().to_owned();
                        Action::proof_request(public_key_pem)
                    }
                }),
                Step::Timestamp(request) => Action::Timestamp(request.der().to_vec()),
                Step::LogEntry(needed) => Action::Log(needed.clone()),
                // A failed machine's `into_bundle` returns why it failed.
                Step::Done(_) | Step::Failed { .. } => return Ok(signing.into_bundle()?),
            };
            match action {
                Action::Certificate(mut request) => {
                    let (url, client, token) = ca.ok_or(SignError::NoCa)?;
                    if let CertificateRequest::PublicKey {
                        proof_of_possession,
                        ..
                    } = &mut request
                    {
                        *proof_of_possession =
                            signing.proof_of_possession(token.challenge()?.as_bytes())?;
                    }
                    let chain =
                        client
                            .signing_certificate(token, &request)
                            .await
                            .map_err(|source| SignError::Ca {
                                url: url.clone(),
                                source: Box::new(source),
                            })?;
                    let chain = chain.der_list().into_iter().map(<[u8]>::to_vec).collect();
                    signing.provide_certificate_chain(chain)?;
                }
                Action::Timestamp(der) => {
                    let (url, client) = self.tsas.get(timestamps_asked).ok_or(SignError::from(
                        SigningError::TimestampCount(timestamps_asked + 1),
                    ))?;
                    timestamps_asked += 1;
                    let reply = client
                        .timestamp(&der)
                        .await
                        .map_err(|source| SignError::Tsa {
                            url: url.clone(),
                            source: Box::new(source),
                        })?;
                    signing.provide_timestamp(&reply)?;
                }
                Action::Log(needed) => {
                    let entry = self.log(&needed).await?;
                    signing.provide_log_entry(entry)?;
                }
            }
        }
    }

    async fn log(&self, needed: &LogEntryNeeded) -> Result<TlogEntry, SignError> {
        let log =
            self.logs
                .get(needed.index)
                .ok_or(SignError::from(SigningError::LogEntryCount(
                    needed.index + 1,
                )))?;
        let signer = match &needed.signer {
            LogSigner::Certificate(der) => Signer::Certificate(der.clone()),
            LogSigner::PublicKey(der) => Signer::PublicKey(der.clone()),
        };
        let proposal = match &needed.content {
            LogContent::MessageSignature {
                digest_algorithm,
                digest,
                signature,
            } => Proposal::hashed_rekord(
                *digest_algorithm,
                digest.clone(),
                signature.clone(),
                signer,
            )?,
            LogContent::Dsse { envelope_json } => {
                Proposal::dsse(envelope_json.clone(), signer, &self.limits)?
            }
        };
        let logged = match &log.client {
            LogClient::V1(client) => client.create_entry(&proposal).await,
            LogClient::V2(client) => client.create_entry(&proposal).await,
        }
        .map_err(|source| SignError::Log {
            url: log.url.clone(),
            source: Box::new(source),
        })?;
        Ok(logged.tlog_entry().clone())
    }
}

enum Action {
    Certificate(CertificateRequest),
    Timestamp(Vec<u8>),
    Log(LogEntryNeeded),
}

impl Action {
    /// A proof-of-possession request whose proof is filled in once the machine is free to sign
    /// the challenge.
    fn proof_request(public_key_pem: String) -> CertificateRequest {
        CertificateRequest::PublicKey {
            algorithm: crate::wire::PublicKeyAlgorithm::Ecdsa,
            public_key_pem,
            proof_of_possession: Vec::new(),
        }
    }
}

fn endpoint(service: &Service, source: TransportError) -> SignError {
    SignError::Endpoint {
        url: service.url.clone(),
        source: Box::new(source),
    }
}

/// The trusted root's log served at `url` (base URLs compared without a trailing slash).
fn trusted_log(root: &TrustedRoot, url: &str) -> Option<LogId> {
    let url = url.trim_end_matches('/');
    root.tlogs
        .iter()
        .find(|log| log.base_url.trim_end_matches('/') == url)
        .map(|log| log.log_id.clone())
}
