//! The sans-IO signing state machine.
//!
//! Like `quinn-proto` and `rustls`, it never touches the network: [`Signing::step`] says what
//! it needs next, the caller fetches it however it likes, and hands the answer back with
//! `provide_*`. Every answer is checked before it is used, and the finished bundle is run
//! through the full [`Verifier`] against the expected identity (or the managed key) before
//! it is released: the machine fails closed, and any error ends it.
//!
//! Keyless (`Signing::keyless`): certificate → timestamp (optional with Rekor v1) → log
//! entries → done. With a managed key (`Signing::with_key`) the certificate step is skipped
//! and the bundle names the key by a hint.
//!
//! The whole loop, against the in-process doubles of `sign::test_double` (feature
//! `test-double`); a real driver makes HTTP calls where this example calls `services`:
//!
#![cfg_attr(feature = "test-double", doc = "```")]
#![cfg_attr(not(feature = "test-double"), doc = "```ignore")]
//! # use sigchain_core::sign::test_double::Services;
//! use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! use sigchain_core::sign::key::SigningKey;
//! use sigchain_core::sign::machine::{Content, RekorVersion, Signing, SigningOptions, Step};
//! # let services = Services::new();
//! # let trusted_root = services.trusted_root();
//! # let now = services.now();
//! // `services` stands in for Fulcio, a TSA and Rekor.
//! let identity = CertificateIdentity::new(
//!     IdentityMatcher::exact("user@example.com"),
//!     IdentityMatcher::exact("https://issuer.example"),
//! );
//! let options = SigningOptions { rekor_version: RekorVersion::V2, timestamps: 1, ..SigningOptions::default() };
//! let mut signing = Signing::keyless(
//!     &trusted_root,
//!     SigningKey::generate_p256()?,
//!     Content::Artifact(b"hello".to_vec()),
//!     identity,
//!     options,
//!     now,
//! )?;
//! let bundle = loop {
//!     match signing.step() {
//!         Step::Certificate(request) => {
//!             let chain = services.issue(request.public_key_pem(), "user@example.com");
//!             signing.provide_certificate_chain(chain)?;
//!         }
//!         Step::Timestamp(request) => {
//!             let reply = services.timestamp(request.der());
//!             signing.provide_timestamp(&reply)?;
//!         }
//!         Step::LogEntry(request) => {
//!             let entry = services.log(request);
//!             signing.provide_log_entry(entry)?;
//!         }
//!         Step::Done(_) => break signing.into_bundle()?,
//!         Step::Failed { reason, .. } => panic!("{reason}"),
//!     }
//! };
//! assert!(bundle.to_json().contains("application/vnd.dev.sigstore.bundle.v0.3+json"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::bundle::{
    Bundle, BundleParts, BundleVersion, Content as BundleContent, DigestAlgorithm, DsseEnvelope,
    DsseSignature, MessageDigest, MessageSignature, TlogEntry, VerificationMaterial,
};
use crate::crypto::{HashAlgorithm, PublicKey, Sha256Digest};
use crate::dsse::{self, Envelope, EnvelopeSignature};
use crate::encoding::{hex_encode, Base64Bytes};
use crate::identity::CertificateIdentity;
use crate::intoto::{Statement, PAYLOAD_TYPE};
use crate::limits::Limits;
use crate::time::Timestamp;
use crate::tlog::{SignedContent, SignerMaterial};
use crate::trust_root::TrustedRoot;
use crate::verify::{Artifact, Policy, TlogError, Verifier, VerifierConfig};

use super::certificate::check_issued_chain_with;
use super::csr::CertificateRequest;
use super::key::SigningKey;
use super::timestamp::TimestampRequest;

mod types;

pub use types::{
    CertificateNeeded, Content, LogContent, LogEntryNeeded, LogSigner, RekorVersion, SignedBundle,
    SigningError, SigningOptions, Step,
};

/// The signed content, kept in the forms the bundle and the log checks need.
#[derive(Debug, Clone)]
enum Signed {
    Message {
        digest: Sha256Digest,
        signature: Vec<u8>,
    },
    Dsse {
        payload: Vec<u8>,
        signature: Vec<u8>,
        envelope_json: Vec<u8>,
        subject: Sha256Digest,
    },
}

impl Signed {
    fn signature(&self) -> &[u8] {
        match self {
            Signed::Message { signature, .. } | Signed::Dsse { signature, .. } => signature,
        }
    }

    fn artifact(&self) -> Artifact<'static> {
        match self {
            Signed::Message { digest, .. } => Artifact::Sha256(*digest),
            Signed::Dsse { subject, .. } => Artifact::Sha256(*subject),
        }
    }

    fn log_content(&self) -> LogContent {
        match self {
            Signed::Message { digest, signature } => LogContent::MessageSignature {
                digest_algorithm: HashAlgorithm::Sha256,
                digest: digest.0.to_vec(),
                signature: signature.clone(),
            },
            Signed::Dsse { envelope_json, .. } => LogContent::Dsse {
                envelope_json: envelope_json.clone(),
            },
        }
    }

    fn bundle_content(&self) -> BundleContent {
        match self {
            Signed::Message { digest, signature } => {
                BundleContent::MessageSignature(MessageSignature {
                    message_digest: MessageDigest {
                        algorithm: DigestAlgorithm::Sha2_256,
                        digest: digest.0.to_vec(),
                    },
                    signature: signature.clone(),
                })
            }
            Signed::Dsse {
                payload, signature, ..
            } => BundleContent::Dsse(DsseEnvelope {
                payload: payload.clone(),
                payload_type: PAYLOAD_TYPE.into(),
                signature: DsseSignature {
                    sig: signature.clone(),
                    keyid: String::new(),
                },
            }),
        }
    }
}

#[derive(Debug)]
enum State {
    Certificate(CertificateNeeded),
    Timestamp(TimestampRequest),
    LogEntry(LogEntryNeeded),
    Done(Box<SignedBundle>),
    Failed {
        during: &'static str,
        reason: String,
    },
    /// Only while a transition is in progress.
    Moving,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::Certificate(_) => "a certificate chain",
            State::Timestamp(_) => "a timestamp",
            State::LogEntry(_) => "a log entry",
            State::Done(_) => "nothing (done)",
            State::Failed { .. } | State::Moving => "nothing (failed)",
        }
    }
}

/// The signing state machine; see the module docs.
#[derive(Debug)]
pub struct Signing {
    key: SigningKey,
    identity: Option<CertificateIdentity>,
    options: SigningOptions,
    now: Timestamp,
    verifier: Verifier,
    signed: Signed,
    leaf_der: Option<Vec<u8>>,
    timestamps: Vec<Vec<u8>>,
    entries: Vec<TlogEntry>,
    state: State,
}

impl Signing {
    /// Keyless signing: the CA certifies `key` (normally [`SigningKey::generate_p256`]) for
    /// `identity`, the identity the caller's OIDC token names.
    pub fn keyless(
        trusted_root: &TrustedRoot,
        key: SigningKey,
        content: Content,
        identity: CertificateIdentity,
        options: SigningOptions,
        now: Timestamp,
    ) -> Result<Signing, SigningError> {
        let needed = CertificateNeeded {
            csr: CertificateRequest::new(&key)?,
            public_key_pem: key.public_key_pem(),
        };
        let mut signing = Self::new(trusted_root, key, content, Some(identity), options, now)?;
        signing.state = State::Certificate(needed);
        Ok(signing)
    }

    /// Signing with a managed key: no CA; the bundle carries a public-key hint and verifies
    /// with that key.
    pub fn with_key(
        trusted_root: &TrustedRoot,
        key: SigningKey,
        content: Content,
        options: SigningOptions,
        now: Timestamp,
    ) -> Result<Signing, SigningError> {
        let mut signing = Self::new(trusted_root, key, content, None, options, now)?;
        signing.state = signing.after_certificate()?;
        Ok(signing)
    }

    fn new(
        trusted_root: &TrustedRoot,
        key: SigningKey,
        content: Content,
        identity: Option<CertificateIdentity>,
        options: SigningOptions,
        now: Timestamp,
    ) -> Result<Signing, SigningError> {
        if options.log_entries == 0 || options.log_entries > options.limits.max_tlog_entries {
            return Err(SigningError::LogEntryCount(options.log_entries));
        }
        if options.rekor_version == RekorVersion::V2 && options.timestamps == 0 {
            return Err(SigningError::TimestampRequiredForRekorV2);
        }
        if options.timestamps > options.limits.max_timestamps {
            return Err(SigningError::TimestampCount(options.timestamps));
        }
        let signed = sign_content(&key, content, &options.limits)?;
        let config = VerifierConfig {
            tlog_entries: options.log_entries,
            scts: usize::from(identity.is_some()),
            signed_timestamps: options.timestamps,
            observer_timestamps: 1,
            require_inclusion_proof: true,
            max_clock_skew_secs: options.max_clock_skew_secs,
            limits: options.limits,
        };
        Ok(Signing {
            verifier: Verifier::new(trusted_root, config),
            key,
            identity,
            options,
            now,
            signed,
            leaf_der: None,
            timestamps: Vec::new(),
            entries: Vec::new(),
            state: State::Moving,
        })
    }

    /// What the machine needs next.
    pub fn step(&self) -> Step<'_> {
        match &self.state {
            State::Certificate(needed) => Step::Certificate(needed),
            State::Timestamp(request) => Step::Timestamp(request),
            State::LogEntry(needed) => Step::LogEntry(needed),
            State::Done(bundle) => Step::Done(bundle),
            State::Failed { during, reason } => Step::Failed { during, reason },
            State::Moving => Step::Failed {
                during: "a transition",
                reason: "interrupted",
            },
        }
    }

    /// The signing key's public key.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// Fulcio's proof of possession: the key's signature over `challenge` (the token's
    /// subject), for a public-key certificate request.
    pub fn proof_of_possession(&self, challenge: &[u8]) -> Result<Vec<u8>, SigningError> {
        Ok(super::csr::proof_of_possession(&self.key, challenge)?)
    }

    /// The CA's answer: DER certificates, leaf first.
    pub fn provide_certificate_chain(&mut self, chain: Vec<Vec<u8>>) -> Result<(), SigningError> {
        self.advance("a certificate chain", |this, state| match state {
            State::Certificate(_) => {
                let identity = this.identity.as_ref().ok_or(SigningError::OutOfOrder {
                    expected: "nothing",
                    got: "a certificate chain",
                })?;
                let issued = check_issued_chain_with(
                    &chain,
                    this.verifier.anchors(),
                    this.verifier.trusted_root(),
                    this.key.public_key(),
                    identity,
                    this.now,
                    this.options.max_clock_skew_secs,
                )?;
                this.leaf_der = Some(issued.leaf().der().to_vec());
                this.after_certificate()
            }
            other => Err(out_of_order(other, "a certificate chain")),
        })
    }

    /// The TSA's DER `TimeStampResp`.
    pub fn provide_timestamp(&mut self, response_der: &[u8]) -> Result<(), SigningError> {
        self.advance("a timestamp", |this, state| match state {
            State::Timestamp(request) => {
                let checked = request.check_reply(
                    response_der,
                    this.verifier.timestamp_authorities(),
                    this.now,
                    this.options.max_clock_skew_secs,
                )?;
                this.timestamps.push(checked.into_response_der());
                this.next_timestamp_or_log()
            }
            other => Err(out_of_order(other, "a timestamp")),
        })
    }

    /// A log's entry for the request of [`Step::LogEntry`] (e.g. parsed with
    /// [`TlogEntry::from_json`]).
    pub fn provide_log_entry(&mut self, entry: TlogEntry) -> Result<(), SigningError> {
        self.advance("a log entry", |this, state| match state {
            State::LogEntry(needed) => {
                let index = needed.index;
                let expected = this.options.rekor_version.entry_version();
                if entry.kind_version.version != expected {
                    return Err(SigningError::LogVersion {
                        index,
                        expected,
                        found: entry.kind_version.version.clone(),
                    });
                }
                if this.entries.iter().any(|e| e.log_id == entry.log_id) {
                    return Err(SigningError::DuplicateLog {
                        index,
                        log_id: entry.log_id,
                    });
                }
                this.check_log_entry(&entry)
                    .map_err(|source| SigningError::LogEntry { index, source })?;
                this.entries.push(entry);
                if this.entries.len() < this.options.log_entries {
                    Ok(this.log_step(this.entries.len()))
                } else {
                    Ok(State::Done(Box::new(this.finish()?)))
                }
            }
            other => Err(out_of_order(other, "a log entry")),
        })
    }

    /// The verified bundle, once [`Step::Done`]; otherwise why not.
    pub fn into_bundle(self) -> Result<SignedBundle, SigningError> {
        match self.state {
            State::Done(bundle) => Ok(*bundle),
            State::Failed { during, reason } => Err(SigningError::Ended { during, reason }),
            other => Err(SigningError::OutOfOrder {
                expected: other.name(),
                got: "a request for the bundle",
            }),
        }
    }

    /// Run one transition; on error the machine ends in `Failed`.
    fn advance(
        &mut self,
        got: &'static str,
        transition: impl FnOnce(&mut Self, &State) -> Result<State, SigningError>,
    ) -> Result<(), SigningError> {
        let state = std::mem::replace(&mut self.state, State::Moving);
        if let State::Failed { during, reason } = &state {
            let err = SigningError::Ended {
                during,
                reason: reason.clone(),
            };
            self.state = state;
            return Err(err);
        }
        match transition(self, &state) {
            Ok(next) => {
                self.state = next;
                Ok(())
            }
            Err(e) => {
                self.state = State::Failed {
                    during: got,
                    reason: e.to_string(),
                };
                Err(e)
            }
        }
    }

    fn after_certificate(&self) -> Result<State, SigningError> {
        self.next_timestamp_or_log()
    }

    /// A fresh request (its own nonce) while timestamps are missing, then the first log entry.
    fn next_timestamp_or_log(&self) -> Result<State, SigningError> {
        if self.timestamps.len() < self.options.timestamps {
            Ok(State::Timestamp(TimestampRequest::new(
                self.signed.signature(),
            )?))
        } else {
            Ok(self.log_step(0))
        }
    }

    fn signer(&self) -> LogSigner {
        match &self.leaf_der {
            Some(der) => LogSigner::Certificate(der.clone()),
            None => LogSigner::PublicKey(self.key.public_key().spki_der().to_vec()),
        }
    }

    fn log_step(&self, index: usize) -> State {
        State::LogEntry(LogEntryNeeded {
            index,
            count: self.options.log_entries,
            rekor_version: self.options.rekor_version,
            content: self.signed.log_content(),
            signer: self.signer(),
        })
    }

    fn check_log_entry(&self, entry: &TlogEntry) -> Result<(), TlogError> {
        let signer = self.signer();
        let material = match &signer {
            LogSigner::Certificate(der) => SignerMaterial::Certificate(der),
            LogSigner::PublicKey(der) => SignerMaterial::PublicKey(der),
        };
        let signatures: [&[u8]; 1] = [self.signed.signature()];
        let content = match &self.signed {
            Signed::Message { digest, signature } => SignedContent::MessageSignature {
                digest: digest.as_bytes(),
                digest_algorithm: HashAlgorithm::Sha256,
                signature,
            },
            Signed::Dsse { payload, .. } => SignedContent::Dsse {
                payload_type: PAYLOAD_TYPE,
                payload,
                signatures: &signatures,
            },
        };
        self.verifier
            .verify_log_entry(entry, &content, &material, self.now)
            .map(|_| ())
    }

    /// Assemble the v0.3 bundle and verify it as a verifier would.
    fn finish(&self) -> Result<SignedBundle, SigningError> {
        let verification_material = match &self.leaf_der {
            Some(der) => VerificationMaterial::Certificate(der.clone()),
            None => VerificationMaterial::PublicKey {
                hint: hex_encode(&crate::crypto::sha256(self.key.public_key().spki_der())),
            },
        };
        let parts = BundleParts {
            version: BundleVersion::V0_3,
            content: self.signed.bundle_content(),
            verification_material,
            tlog_entries: self.entries.clone(),
            timestamps: self.timestamps.clone(),
        };
        let bundle =
            Bundle::from_parts(parts, &self.options.limits).map_err(SigningError::Bundle)?;
        let artifact = self.signed.artifact();
        let policy = match &self.identity {
            Some(identity) => Policy::identity(artifact, identity.clone()),
            None => Policy::key(artifact, self.key.public_key().clone()),
        };
        let verified = self
            .verifier
            .verify(&bundle, &policy, self.now)
            .map_err(SigningError::Verification)?;
        Ok(SignedBundle { bundle, verified })
    }
}

fn out_of_order(state: &State, got: &'static str) -> SigningError {
    SigningError::OutOfOrder {
        expected: state.name(),
        got,
    }
}

fn sign_content(
    key: &SigningKey,
    content: Content,
    limits: &Limits,
) -> Result<Signed, SigningError> {
    let message = |digest: Sha256Digest| -> Result<Signed, SigningError> {
        if key.hash() != HashAlgorithm::Sha256 {
            return Err(SigningError::KeyUnfitForMessageSignature(key.kind()));
        }
        Ok(Signed::Message {
            signature: key.sign_sha256_digest(&digest)?,
            digest,
        })
    };
    match content {
        Content::Artifact(bytes) => message(Sha256Digest::of(&bytes)),
        Content::ArtifactDigest(digest) => message(digest),
        Content::InTotoStatement(json) => {
            let statement = Statement::from_json(&json, limits).map_err(SigningError::Statement)?;
            let subject = statement
                .subjects
                .iter()
                .find_map(|s| s.digest.get("sha256"))
                .and_then(|hex| Sha256Digest::from_hex(hex))
                .ok_or(SigningError::StatementWithoutSha256Subject)?;
            let signature = key.sign(&dsse::pae(PAYLOAD_TYPE, &json))?;
            let envelope = Envelope {
                payload: Base64Bytes(json.clone()),
                payload_type: PAYLOAD_TYPE.into(),
                signatures: vec![EnvelopeSignature {
                    sig: Base64Bytes(signature.clone()),
                    keyid: None,
                }],
            };
            // Plain strings and bytes always serialize.
            let envelope_json = serde_json::to_vec(&envelope).unwrap_or_default();
            Ok(Signed::Dsse {
                payload: json,
                signature,
                envelope_json,
                subject,
            })
        }
    }
}

#[cfg(test)]
mod tests;
