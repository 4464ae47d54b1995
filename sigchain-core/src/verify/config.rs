//! Verifier-wide requirements: what every bundle must prove, whatever the policy.

use crate::limits::Limits;

/// Requirements applied to every verification a [`Verifier`](super::Verifier) performs.
///
/// The defaults match sigstore-go's public-good settings: one transparency-log entry, one SCT,
/// and at least one trusted time (an integrated time backed by the log, or an RFC 3161
/// timestamp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// Transparency-log entries that must verify.
    pub tlog_entries: usize,
    /// Embedded SCTs in the leaf certificate that must verify (0 turns the check off).
    pub scts: usize,
    /// RFC 3161 signed timestamps that must verify.
    pub signed_timestamps: usize,
    /// Trusted times (log integrated times plus signed timestamps) that must be found.
    pub observer_timestamps: usize,
    /// Refuse entries that carry only an inclusion promise (SET) and no inclusion proof, i.e.
    /// refuse the v0.1 downgrade.
    pub require_inclusion_proof: bool,
    /// Seconds of clock skew tolerated when checking that a log's time is not in the future.
    pub max_clock_skew_secs: i64,
    /// Resource bounds for untrusted input.
    pub limits: Limits,
}

impl VerifierConfig {
    /// The public-good defaults (see the type's documentation).
    pub const PUBLIC_GOOD: VerifierConfig = VerifierConfig {
        tlog_entries: 1,
        scts: 1,
        signed_timestamps: 0,
        observer_timestamps: 1,
        require_inclusion_proof: false,
        max_clock_skew_secs: 60,
        limits: Limits::DEFAULT,
    };
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self::PUBLIC_GOOD
    }
}
