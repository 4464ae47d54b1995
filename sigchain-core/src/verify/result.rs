//! What a successful verification proved. Only the verifier constructs these values.

use crate::bundle::BundleVersion;
use crate::crypto::PublicKey;
use crate::intoto::Statement;
use crate::sct::VerifiedSct;
use crate::time::Timestamp;
use crate::x509::{FulcioClaims, SubjectIdentity, VerifiedChain};

use super::tlog::VerifiedLogEntry;

/// A bundle that passed every step of [`Verifier::verify`](super::Verifier::verify).
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    pub(super) version: BundleVersion,
    pub(super) signer: VerifiedSigner,
    pub(super) times: Vec<VerifiedTime>,
    pub(super) log_entries: Vec<VerifiedLogEntry>,
    pub(super) statement: Option<Statement>,
}

impl VerifiedBundle {
    /// The bundle's format version.
    pub fn version(&self) -> BundleVersion {
        self.version
    }

    /// Who signed, as verified.
    pub fn signer(&self) -> &VerifiedSigner {
        &self.signer
    }

    /// The trusted times the signature was shown to exist at.
    pub fn times(&self) -> &[VerifiedTime] {
        &self.times
    }

    /// The verified transparency-log entries.
    pub fn log_entries(&self) -> &[VerifiedLogEntry] {
        &self.log_entries
    }

    /// The in-toto Statement, for a DSSE bundle carrying one.
    pub fn statement(&self) -> Option<&Statement> {
        self.statement.as_ref()
    }

    /// One line for humans: who signed and when.
    pub fn summary(&self) -> String {
        let when = self
            .times
            .iter()
            .map(|t| t.time)
            .min()
            .map(|t| t.to_string())
            .unwrap_or_else(|| "an unknown time".into());
        match &self.signer {
            VerifiedSigner::Certificate(cert) => format!(
                "signed by {} (issuer {}) at {when}",
                cert.identity.as_str(),
                cert.issuer
            ),
            VerifiedSigner::PublicKey(_) => format!("signed by the given key at {when}"),
        }
    }
}

/// The verified signer.
#[derive(Debug, Clone)]
pub enum VerifiedSigner {
    /// A Fulcio certificate that chained to the trusted root.
    Certificate(Box<VerifiedCertificate>),
    /// The managed key the policy named.
    PublicKey(PublicKey),
}

/// A signing certificate that passed chain, SCT and identity checks.
#[derive(Debug, Clone)]
pub struct VerifiedCertificate {
    pub(super) identity: SubjectIdentity,
    pub(super) issuer: String,
    pub(super) claims: FulcioClaims,
    pub(super) chain: VerifiedChain,
    pub(super) scts: Vec<VerifiedSct>,
}

impl VerifiedCertificate {
    /// The SAN identity.
    pub fn identity(&self) -> &SubjectIdentity {
        &self.identity
    }

    /// The OIDC issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Every Fulcio claim the certificate carries.
    pub fn claims(&self) -> &FulcioClaims {
        &self.claims
    }

    /// The verified path to the trusted CA.
    pub fn chain(&self) -> &VerifiedChain {
        &self.chain
    }

    /// The SCTs that verified.
    pub fn scts(&self) -> &[VerifiedSct] {
        &self.scts
    }
}

/// A time the signature is proven to have existed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTime {
    pub(super) source: TimeSource,
    pub(super) time: Timestamp,
}

impl VerifiedTime {
    /// Who vouches for the time.
    pub fn source(&self) -> &TimeSource {
        &self.source
    }

    /// The time.
    pub fn time(&self) -> Timestamp {
        self.time
    }
}

/// Who vouches for a verified time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeSource {
    /// A transparency log's signed integrated time (SET).
    TransparencyLog {
        /// The entry's log index.
        log_index: u64,
    },
    /// An RFC 3161 timestamp authority.
    TimestampAuthority {
        /// The authority's URI.
        uri: String,
    },
}
