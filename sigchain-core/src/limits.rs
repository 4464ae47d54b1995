//! Resource bounds for untrusted input, in one place.
//!
//! Every parser and verification step checks its input against these before doing work that
//! grows with it, so a hostile bundle can neither exhaust memory nor make verification slow.

/// Bounds applied while parsing and verifying a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest bundle JSON accepted, in bytes.
    pub max_bundle_bytes: usize,
    /// Most transparency-log entries in one bundle.
    pub max_tlog_entries: usize,
    /// Most RFC 3161 timestamps in one bundle.
    pub max_timestamps: usize,
    /// Most certificates in a bundle's chain (leaf included).
    pub max_chain_len: usize,
    /// Most hashes in an inclusion proof (a tree of 2^64 leaves needs 64).
    pub max_proof_hashes: usize,
    /// Most signature lines in a checkpoint.
    pub max_checkpoint_signatures: usize,
    /// Largest DSSE payload, in bytes.
    pub max_dsse_payload_bytes: usize,
    /// Most signatures in a DSSE envelope.
    pub max_dsse_signatures: usize,
    /// Most subjects in an in-toto statement.
    pub max_statement_subjects: usize,
}

impl Limits {
    /// The defaults: generous for every real bundle seen, small enough to bound work.
    pub const DEFAULT: Limits = Limits {
        max_bundle_bytes: 32 * 1024 * 1024,
        max_tlog_entries: 32,
        max_timestamps: 32,
        max_chain_len: 10,
        max_proof_hashes: 64,
        max_checkpoint_signatures: 64,
        max_dsse_payload_bytes: 16 * 1024 * 1024,
        max_dsse_signatures: 16,
        max_statement_subjects: 4096,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
