//! The verifier's error: which step failed, and the facts of why.

use crate::bundle::BundleError;
use crate::identity::IdentityError;
use crate::sct::SctError;
use crate::timestamp::TimestampError;
use crate::x509::{CertError, ChainError, FulcioError};

use super::signature::SignatureError;
use super::tlog::TlogError;

/// Why a bundle did not verify. The variant names the pipeline step; its payload says why.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The bundle could not be parsed, or breaks its version's rules.
    #[error("bundle: {0}")]
    Bundle(#[from] BundleError),
    /// The bundle's verification material does not fit the policy.
    #[error("material: {0}")]
    Material(#[from] MaterialError),
    /// The signature does not cover the artifact.
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    /// A transparency-log entry failed.
    #[error("transparency log entry {index}: {source}")]
    TransparencyLog {
        /// The entry's position in the bundle.
        index: usize,
        /// What failed.
        source: TlogError,
    },
    /// An RFC 3161 timestamp failed.
    #[error("signed timestamp {index}: {source}")]
    SignedTimestamp {
        /// The timestamp's position in the bundle.
        index: usize,
        /// What failed.
        source: TimestampError,
    },
    /// Too little evidence verified.
    #[error("thresholds: {0}")]
    Threshold(#[from] ThresholdError),
    /// The signing certificate does not chain to a trusted CA at the verified times.
    #[error("certificate chain: {0}")]
    CertificateChain(#[from] ChainError),
    /// Too few embedded SCTs verified.
    #[error("sct: {0}")]
    Sct(#[from] SctError),
    /// The certificate's Fulcio extensions or SAN could not be read.
    #[error("certificate identity: {0}")]
    Fulcio(#[from] FulcioError),
    /// The certificate's identity is not the one the policy requires.
    #[error("identity: {0}")]
    Identity(#[from] IdentityError),
}

impl VerifyError {
    /// The name of the step that failed, for logs and metrics.
    pub fn step(&self) -> &'static str {
        match self {
            VerifyError::Bundle(_) => "bundle",
            VerifyError::Material(_) => "material",
            VerifyError::Signature(_) => "signature",
            VerifyError::TransparencyLog { .. } => "transparency-log",
            VerifyError::SignedTimestamp { .. } => "signed-timestamp",
            VerifyError::Threshold(_) => "thresholds",
            VerifyError::CertificateChain(_) => "certificate-chain",
            VerifyError::Sct(_) => "sct",
            VerifyError::Fulcio(_) => "certificate-identity",
            VerifyError::Identity(_) => "identity",
        }
    }
}

/// The bundle's verification material cannot serve the policy.
#[derive(Debug, thiserror::Error)]
pub enum MaterialError {
    /// The policy requires a certificate identity but the bundle names only a key hint.
    #[error(
        "bundle is signed with a key (hint only) but the policy requires a certificate identity"
    )]
    KeyHintWithoutKey,
    /// The policy names a key but the bundle carries a certificate.
    #[error("policy requires a managed key but the bundle carries a certificate")]
    CertificateNotKey,
    /// A certificate in the bundle could not be parsed.
    #[error("certificate {index}: {source}")]
    Certificate {
        /// Position in the bundle's chain.
        index: usize,
        /// Why.
        source: CertError,
    },
}

/// Too little evidence verified for the verifier's configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    /// Fewer transparency-log entries than required.
    #[error("{verified} transparency-log entries verified, {required} required")]
    TlogEntries {
        /// Verified.
        verified: usize,
        /// Required.
        required: usize,
    },
    /// Fewer signed timestamps than required.
    #[error("{verified} signed timestamps verified, {required} required")]
    SignedTimestamps {
        /// Verified.
        verified: usize,
        /// Required.
        required: usize,
    },
    /// Fewer trusted times (SET integrated times and signed timestamps) than required.
    #[error("{verified} trusted times found (SET-backed integrated times and signed timestamps), {required} required")]
    ObserverTimestamps {
        /// Verified.
        verified: usize,
        /// Required.
        required: usize,
    },
    /// A log entry without a signed integrated time (Rekor v2) in a bundle without a signed
    /// timestamp: nothing says when that entry was made.
    #[error(
        "log entry {index} has no signed integrated time and the bundle has no signed timestamp"
    )]
    EntryWithoutTrustedTime {
        /// Entry position.
        index: usize,
    },
    /// A log entry without a signed integrated time from a log not trusted at the signed
    /// timestamps' times.
    #[error("log entry {index} is from a log not trusted at the signed time {time}")]
    LogOutsideValidity {
        /// Entry position.
        index: usize,
        /// The signed time checked.
        time: crate::time::Timestamp,
    },
}
