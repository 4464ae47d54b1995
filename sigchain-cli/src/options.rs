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

/// Who must have signed: a certificate identity (exact or regular expression, SAN and OIDC
/// issuer) or a public key.
#[derive(clap::Args)]
pub struct IdentityOptions {
    /// Expected SAN of the signing certificate, exactly.
    #[arg(long, conflicts_with = "key")]
    pub certificate_identity: Option<String>,
    /// Expected SAN as a regular expression (unanchored, as cosign).
    #[arg(long, conflicts_with_all = ["key", "certificate_identity"])]
    pub certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer of the signing certificate, exactly.
    #[arg(long, conflicts_with = "key")]
    pub certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer as a regular expression (unanchored, as cosign).
    #[arg(long, conflicts_with_all = ["key", "certificate_oidc_issuer"])]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// PEM public key that must have made the signature (instead of an identity).
    #[arg(long)]
    pub key: Option<std::path::PathBuf>,
}

impl IdentityOptions {
    /// The signer policy these options ask for.
    pub fn signer_policy(&self) -> Result<sigchain_core::verify::SignerPolicy, String> {
        use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
        use sigchain_core::verify::SignerPolicy;
        if let Some(key) = &self.key {
            return Ok(SignerPolicy::PublicKey(crate::inputs::public_key(key)?));
        }
        let subject = match (
            &self.certificate_identity,
            &self.certificate_identity_regexp,
        ) {
            (Some(exact), None) => IdentityMatcher::exact(exact.clone()),
            (None, Some(re)) => IdentityMatcher::regex(re).map_err(|e| e.to_string())?,
            _ => return Err("policy: give --certificate-identity[-regexp] or --key".into()),
        };
        let issuer = match (
            &self.certificate_oidc_issuer,
            &self.certificate_oidc_issuer_regexp,
        ) {
            (Some(exact), None) => IdentityMatcher::exact(exact.clone()),
            (None, Some(re)) => IdentityMatcher::regex(re).map_err(|e| e.to_string())?,
            _ => return Err("policy: give --certificate-oidc-issuer[-regexp]".into()),
        };
        Ok(SignerPolicy::Certificate(vec![CertificateIdentity::new(
            subject, issuer,
        )]))
    }
}
