//! Verifier options that both commands take, spelled the same way on each.

use sigchain_core::verify::VerifierConfig;

/// Departures from the public-good verifier requirements ([`VerifierConfig::PUBLIC_GOOD`]).
#[derive(clap::Args)]
pub struct VerifierOptions {
    /// INSECURE: accept log entries with only an inclusion promise (SET), as legacy v0.1 bundles
    /// may have, instead of requiring an inclusion proof to a signed checkpoint.
    ///
    /// The promise is only the log's word: without a proof nobody can hold the log to its
    /// signed checkpoints, and a newer bundle whose proof was stripped and that was relabelled
    /// v0.1 passes too. Entries that do carry a proof are still checked in full.
    #[arg(long)]
    insecure_allow_inclusion_promise_only: bool,
}

impl VerifierOptions {
    /// The verifier configuration these options ask for.
    pub fn config(&self) -> VerifierConfig {
        VerifierConfig {
            require_inclusion_proof: !self.insecure_allow_inclusion_promise_only,
            ..VerifierConfig::PUBLIC_GOOD
        }
    }
}
