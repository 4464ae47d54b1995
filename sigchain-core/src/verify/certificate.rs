//! Steps for a certificate signer: chain to a trusted CA at every trusted time, embedded SCTs,
//! and the identity the policy requires.

use crate::identity::{CertificateIdentity, IdentityError};
use crate::sct::verify_embedded_scts_of;
use crate::time::Timestamp;
use crate::trust_root::TransparencyLog;
use crate::x509::{subject_identity, Certificate, FulcioClaims, FulcioError, TrustAnchors};

use super::config::VerifierConfig;
use super::error::VerifyError;
use super::policy::SignerPolicy;
use super::result::VerifiedCertificate;

/// Verify the certificate signer completely.
pub(crate) fn verify_certificate(
    anchors: &TrustAnchors,
    ctlogs: &[TransparencyLog],
    config: &VerifierConfig,
    leaf: &Certificate,
    rest: &[Certificate],
    at: &[Timestamp],
    policy: &SignerPolicy,
) -> Result<VerifiedCertificate, VerifyError> {
    let chain = anchors.verify_leaf(leaf, rest, at)?;
    let scts = if config.scts > 0 {
        verify_embedded_scts_of(leaf, chain.issuer().spki_der(), ctlogs)?.require(config.scts)?
    } else {
        Vec::new()
    };
    let identity = subject_identity(leaf)?;
    let claims = FulcioClaims::from_certificate(leaf)?;
    let issuer = claims.issuer.clone().ok_or(FulcioError::MissingIssuer)?;
    check_identity(policy, identity.as_str(), &issuer)?;
    Ok(VerifiedCertificate {
        identity,
        issuer,
        claims,
        chain,
        scts,
    })
}

/// The certificate's identity must satisfy one of the policy's identities.
fn check_identity(policy: &SignerPolicy, subject: &str, issuer: &str) -> Result<(), IdentityError> {
    let identities: &[CertificateIdentity] = match policy {
        SignerPolicy::Certificate(identities) => identities,
        // Chosen by name; the material step already refused a key policy with a certificate.
        SignerPolicy::UnsafeAnyCertificateIdentity | SignerPolicy::PublicKey(_) => return Ok(()),
    };
    let mut first_error = None;
    for identity in identities {
        match identity.check(subject, issuer) {
            Ok(()) => return Ok(()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(IdentityError::SubjectMismatch {
        found: subject.to_owned(),
        expected: "one of an empty list of identities".into(),
    }))
}
