//! What the signing machine takes and gives: options, steps, requests, errors.

use crate::bundle::{Bundle, BundleError};
use crate::crypto::{HashAlgorithm, KeyKind, Sha256Digest};
use crate::intoto::IntotoError;
use crate::limits::Limits;
use crate::trust_root::LogId;
use crate::verify::{TlogError, VerifiedBundle, VerifierConfig, VerifyError};

use super::super::certificate::IssuedCertificateError;
use super::super::csr::{CertificateRequest, CsrError};
use super::super::key::KeyError;
use super::super::timestamp::{TimestampReplyError, TimestampRequest};

/// What to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// An artifact's bytes: a message signature over their SHA-256 digest.
    Artifact(Vec<u8>),
    /// An artifact known by its SHA-256 digest: the same message signature.
    ArtifactDigest(Sha256Digest),
    /// An in-toto Statement (JSON): a DSSE envelope of type `application/vnd.in-toto+json`.
    InTotoStatement(Vec<u8>),
}

/// The Rekor major API version the log entries come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RekorVersion {
    /// Rekor v1: entries with an integrated time and an inclusion promise.
    #[default]
    V1,
    /// Rekor v2 (rekor-tiles): no integrated time, so a signed timestamp is required.
    V2,
}

impl RekorVersion {
    /// The major API version number.
    pub fn major(self) -> u32 {
        match self {
            RekorVersion::V1 => 1,
            RekorVersion::V2 => 2,
        }
    }

    /// The entry body version this log writes.
    pub(super) fn entry_version(self) -> &'static str {
        match self {
            RekorVersion::V1 => "0.0.1",
            RekorVersion::V2 => "0.0.2",
        }
    }
}

/// Per-signing requirements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningOptions {
    /// How many log entries (from distinct logs) the bundle carries; at least one.
    pub log_entries: usize,
    /// Which Rekor the entries come from.
    pub rekor_version: RekorVersion,
    /// How many RFC 3161 timestamps to get, each from its own authority (at least one with
    /// Rekor v2). The bundle's verification then requires that many.
    pub timestamps: usize,
    /// How far a TSA's or log's time may be from `now`, in seconds.
    pub max_clock_skew_secs: i64,
    /// Bounds on what is parsed.
    pub limits: Limits,
}

impl Default for SigningOptions {
    fn default() -> Self {
        SigningOptions {
            log_entries: 1,
            rekor_version: RekorVersion::V1,
            timestamps: 0,
            max_clock_skew_secs: VerifierConfig::PUBLIC_GOOD.max_clock_skew_secs,
            limits: Limits::DEFAULT,
        }
    }
}

/// Why signing failed. Every error ends the machine.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// No log entry asked for, or more than the limits allow.
    #[error("{0} log entries requested; between 1 and the bundle limit are allowed")]
    LogEntryCount(usize),
    /// More timestamps asked for than the bundle limits allow.
    #[error("{0} timestamps requested; at most the bundle limit is allowed")]
    TimestampCount(usize),
    /// Rekor v2 entries carry no time, so the bundle needs a signed timestamp.
    #[error(
        "Rekor v2 needs a signed timestamp: name a timestamp authority (TSA) in the signing config"
    )]
    TimestampRequiredForRekorV2,
    /// Message signatures are over SHA-256 digests; this key signs with another hash.
    #[error("a message signature needs a P-256 key (SHA-256), not {0:?}")]
    KeyUnfitForMessageSignature(KeyKind),
    /// The in-toto Statement does not parse.
    #[error("in-toto statement: {0}")]
    Statement(IntotoError),
    /// The Statement names no subject by SHA-256, so the result cannot be verified.
    #[error("the in-toto statement has no subject with a sha256 digest")]
    StatementWithoutSha256Subject,
    /// Signing failed.
    #[error("signing: {0}")]
    Key(#[from] KeyError),
    /// Making the certificate request failed.
    #[error("certificate request: {0}")]
    Csr(#[from] CsrError),
    /// An answer given for another step than the one the machine is at.
    #[error("got a {got} while the machine needs {expected}")]
    OutOfOrder {
        /// What the machine needs now.
        expected: &'static str,
        /// What was given.
        got: &'static str,
    },
    /// The CA's chain failed a check.
    #[error("certificate: {0}")]
    Certificate(#[from] IssuedCertificateError),
    /// The TSA's reply failed a check.
    #[error("timestamp: {0}")]
    Timestamp(#[from] TimestampReplyError),
    /// A log entry of the wrong Rekor version.
    #[error("log entry {index} has version {found:?}, expected {expected:?}")]
    LogVersion {
        /// Which entry.
        index: usize,
        /// The version expected.
        expected: &'static str,
        /// The version found.
        found: String,
    },
    /// A second entry from a log that already gave one.
    #[error("log entry {index} is from log {log_id:?}, which already recorded this signature")]
    DuplicateLog {
        /// Which entry.
        index: usize,
        /// The log.
        log_id: LogId,
    },
    /// A log entry does not record this signature, or its proofs do not verify.
    #[error("log entry {index}: {source}")]
    LogEntry {
        /// Which entry.
        index: usize,
        /// Why.
        source: TlogError,
    },
    /// The assembled bundle is malformed (a bug, or an answer that slipped past a check).
    #[error("bundle: {0}")]
    Bundle(BundleError),
    /// The assembled bundle does not verify.
    #[error("the signed bundle does not verify: {0}")]
    Verification(VerifyError),
    /// The machine already failed (or finished) and takes no more input.
    #[error("signing already ended ({during}): {reason}")]
    Ended {
        /// The step at which it ended.
        during: &'static str,
        /// Why.
        reason: String,
    },
}

/// What the CA step needs: a CSR, or the public key and a proof of possession (from
/// [`Signing::proof_of_possession`](super::Signing::proof_of_possession)).
#[derive(Debug, Clone)]
pub struct CertificateNeeded {
    pub(super) csr: CertificateRequest,
    pub(super) public_key_pem: String,
}

impl CertificateNeeded {
    /// The DER PKCS#10 request.
    pub fn csr_der(&self) -> &[u8] {
        self.csr.der()
    }

    /// The PEM request (Fulcio's `certificateSigningRequest` is its base64).
    pub fn csr_pem(&self) -> String {
        self.csr.pem()
    }

    /// The public key as PEM (Fulcio's `publicKeyRequest.publicKey.content`).
    pub fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }
}

/// What was signed, as a log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogContent {
    /// A message signature over a digest (`hashedrekord`).
    MessageSignature {
        /// The digest's hash.
        digest_algorithm: HashAlgorithm,
        /// The artifact's digest.
        digest: Vec<u8>,
        /// The DER signature.
        signature: Vec<u8>,
    },
    /// A DSSE envelope (`dsse`, or `hashedrekord` over its PAE on Rekor v2).
    Dsse {
        /// The envelope JSON as it is submitted.
        envelope_json: Vec<u8>,
    },
}

/// Who signed, as a log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSigner {
    /// The leaf certificate, DER.
    Certificate(Vec<u8>),
    /// The public key, DER SubjectPublicKeyInfo.
    PublicKey(Vec<u8>),
}

/// What the log step needs: enough to build `sigchain_rekor::proposal::Proposal`
/// (`Proposal::hashed_rekord(alg, digest, signature, signer)` or
/// `Proposal::dsse(envelope_json, signer, limits)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntryNeeded {
    /// Which entry (0-based); entries must come from distinct logs.
    pub index: usize,
    /// How many entries in all.
    pub count: usize,
    /// The Rekor major version to write to.
    pub rekor_version: RekorVersion,
    /// What was signed.
    pub content: LogContent,
    /// Who signed.
    pub signer: LogSigner,
}

/// A bundle the machine built and the verifier accepted.
#[derive(Debug)]
pub struct SignedBundle {
    pub(super) bundle: Bundle,
    pub(super) verified: VerifiedBundle,
}

impl SignedBundle {
    /// The bundle.
    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }

    /// What the verifier proved about it.
    pub fn verified(&self) -> &VerifiedBundle {
        &self.verified
    }

    /// The bundle JSON (`.sigstore.json`).
    pub fn to_json(&self) -> String {
        self.bundle.to_json()
    }

    /// The bundle, consumed.
    pub fn into_bundle(self) -> Bundle {
        self.bundle
    }
}

/// What the machine needs next.
#[derive(Debug)]
pub enum Step<'a> {
    /// A certificate for the key: call [`Signing::provide_certificate_chain`](super::Signing::provide_certificate_chain).
    Certificate(&'a CertificateNeeded),
    /// A timestamp: POST [`TimestampRequest::der`] to a TSA, then
    /// [`Signing::provide_timestamp`](super::Signing::provide_timestamp).
    Timestamp(&'a TimestampRequest),
    /// A log entry: submit, then [`Signing::provide_log_entry`](super::Signing::provide_log_entry).
    LogEntry(&'a LogEntryNeeded),
    /// Finished: take the bundle with [`Signing::into_bundle`](super::Signing::into_bundle).
    Done(&'a SignedBundle),
    /// Failed; the machine takes no more input.
    Failed {
        /// The step at which it failed.
        during: &'static str,
        /// Why.
        reason: &'a str,
    },
}
