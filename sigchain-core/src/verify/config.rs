//! Verifier-wide requirements: what every bundle must prove, whatever the policy.

use crate::limits::Limits;

/// Requirements applied to every verification a [`Verifier`](super::Verifier) performs.
///
/// The defaults match sigstore-go's public-good settings: one transparency-log entry, one SCT,
/// and at least one trusted time (an integrated time backed by the log, or an RFC 3161
/// timestamp). Every log entry must also carry an inclusion proof to a checkpoint the log signed
/// (see [`require_inclusion_proof`](Self::require_inclusion_proof)).
///
/// ```
/// use sigchain_core::verify::VerifierConfig;
///
/// let config = VerifierConfig::default();
/// assert!(config.require_inclusion_proof);
/// // Legacy v0.1 bundles that carry only a promise (SET): an explicit, weaker opt-out.
/// let legacy = VerifierConfig {
///     require_inclusion_proof: false,
///     ..VerifierConfig::PUBLIC_GOOD
/// };
/// assert_ne!(legacy, config);
/// ```
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
    /// Require every log entry to carry an inclusion proof that reaches a checkpoint the log
    /// signed. On by default.
    ///
    /// An inclusion promise (SET) is only the log's signed promise to add the entry; a proof to
    /// a signed checkpoint shows the entry is in the tree the log publishes, so anyone
    /// monitoring the log can see it and hold the log to it. Bundle v0.1 allowed a promise alone,
    /// which makes a downgrade possible: strip the proof from a newer bundle, relabel it v0.1,
    /// and a verifier that accepts promises alone still passes it.
    ///
    /// Setting this to `false` accepts such promise-only entries (legacy v0.1 bundles made
    /// before Rekor returned proofs). What that costs: the verifier then trusts the log's word
    /// alone; without a proof nobody can hold the log to its signed checkpoints, so an entry
    /// that was promised but never published (by a faulty or compromised log, or with a stolen
    /// log key) goes unnoticed. An entry that does carry a proof is still checked in full, and
    /// a proof without a checkpoint never counts (its root is unsigned).
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
        require_inclusion_proof: true,
        max_clock_skew_secs: 60,
        limits: Limits::DEFAULT,
    };
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self::PUBLIC_GOOD
    }
}
