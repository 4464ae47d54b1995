//! sigstore-rust's `sigstore-verify` on the same bundles, for comparison.

use sigstore_verify::trust_root::{TrustedRoot, SIGSTORE_PRODUCTION_TRUSTED_ROOT};
use sigstore_verify::types::{Bundle, Sha256Hash};
use sigstore_verify::{VerificationPolicy, Verifier};

use crate::cases::Case;

/// Why the peer rejected a bundle.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// Its embedded trusted root or verifier could not be built.
    #[error("peer setup: {0}")]
    Setup(String),
    /// The bundle JSON did not parse.
    #[error("peer parse: {0}")]
    Parse(#[from] sigstore_verify::types::Error),
    /// Verification failed.
    #[error("peer verify: {0}")]
    Verify(#[from] sigstore_verify::Error),
}

/// A `sigstore_verify::Verifier` over the peer's embedded production trusted root, built once.
pub struct PeerVerifier {
    verifier: Verifier,
}

/// One case prepared for the peer: its policy and artifact digest, built outside timing.
pub struct PeerCase {
    bundle_json: String,
    digest: Sha256Hash,
    policy: VerificationPolicy,
}

impl PeerCase {
    /// Prepare `case`: identity and issuer policy, artifact given by SHA-256 digest.
    pub fn new(case: &Case) -> PeerCase {
        PeerCase {
            bundle_json: String::from_utf8_lossy(&case.bundle_json).into_owned(),
            digest: Sha256Hash::new(*case.artifact_digest.as_bytes()),
            policy: VerificationPolicy::new(case.identity.as_str(), case.issuer.as_str()),
        }
    }

    /// Parse the bundle only (`Bundle::from_json`), to separate parse from verify cost.
    pub fn parse(&self) -> Result<Bundle, PeerError> {
        Ok(Bundle::from_json(&self.bundle_json)?)
    }
}

impl PeerVerifier {
    /// Build the verifier for the production instance (the peer's own embedded root).
    pub fn production() -> Result<PeerVerifier, PeerError> {
        let root = TrustedRoot::from_json(SIGSTORE_PRODUCTION_TRUSTED_ROOT)
            .map_err(|e| PeerError::Setup(e.to_string()))?;
        let verifier = Verifier::new(&root)?;
        Ok(PeerVerifier { verifier })
    }

    /// Parse the bundle and verify it: the peer's equivalent of `Verifier::verify_json`.
    pub fn verify_json(&self, case: &PeerCase) -> Result<(), PeerError> {
        let bundle = Bundle::from_json(&case.bundle_json)?;
        self.verifier.verify(case.digest, &bundle, &case.policy)?;
        Ok(())
    }
}
