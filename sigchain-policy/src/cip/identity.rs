//! `keyless.identities[]`: who may have signed, matched as policy-controller (through
//! cosign) matches it.
//!
//! Facts, from sigstore/policy-controller `pkg/apis/policy/v1beta1/clusterimagepolicy_validation.go`
//! (`Identity.Validate`), `pkg/webhook/validator.go` (`checkOptsFromAuthority` hands each
//! identity to cosign unchanged) and sigstore/cosign `pkg/cosign/verify.go`
//! (`CheckCertificatePolicy`):
//! - Each identity needs an issuer (`issuer` or `issuerRegExp`, not both) and a subject
//!   (`subject` or `subjectRegExp`, not both).
//! - `issuer` and `subject` compare byte for byte.
//! - `issuerRegExp` and `subjectRegExp` are Go `regexp.MatchString`: **unanchored**, a match
//!   anywhere in the value passes. `subjectRegExp: "acme"` accepts
//!   `https://github.com/not-acme/...`; write `^...$` to pin the whole value. (sigstore-go's
//!   `NewSANMatcher`, used for the bundle signature format, is unanchored too.)
//! - The subject is compared with every Subject Alternative Name of the certificate; one
//!   match is enough. The identity holds when both issuer and subject hold; the authority
//!   holds when any one of its identities does.
//!
//! Regular expressions compile with `regex-lite` (through
//! [`sigchain_core::identity::IdentityMatcher`]), whose `\d`, `\w`, `\s` and `\b` are ASCII
//! as in Go's RE2 (the `regex` crate's are Unicode, which would accept more than the policy's
//! author meant). Where the two engines differ, ours refuses or matches less: Unicode classes
//! (`\pL`) and other syntax `regex-lite` lacks are load-time errors, and `(?i)` folds ASCII
//! only.

use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};

/// One entry of `keyless.identities`: an issuer and a subject requirement.
///
/// ```
/// use sigchain_policy::cip::Identity;
/// use sigchain_policy::sigchain_core::identity::IdentityMatcher;
/// let identity = Identity::new(
///     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
///     IdentityMatcher::regex(r"^https://github\.com/acme/")?,
/// );
/// let issuer = "https://token.actions.githubusercontent.com";
/// assert!(identity.matches("https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main", issuer));
/// assert!(!identity.matches("https://github.com/mallory/acme/", issuer));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Identity {
    /// The OIDC issuer requirement (`issuer` or `issuerRegExp`).
    pub issuer: IdentityMatcher,
    /// The Subject Alternative Name requirement (`subject` or `subjectRegExp`).
    pub subject: IdentityMatcher,
}

impl Identity {
    /// An identity from its two requirements.
    pub fn new(issuer: IdentityMatcher, subject: IdentityMatcher) -> Self {
        Identity { issuer, subject }
    }

    /// Whether a certificate with this SAN and issuer satisfies the identity.
    pub fn matches(&self, subject: &str, issuer: &str) -> bool {
        self.matches_any_san([subject], issuer)
    }

    /// Whether a certificate with these SANs and this issuer satisfies the identity: the
    /// issuer must match, and at least one SAN must (cosign's `CheckCertificatePolicy`).
    pub fn matches_any_san<'a>(
        &self,
        sans: impl IntoIterator<Item = &'a str>,
        issuer: &str,
    ) -> bool {
        self.issuer.matches(issuer) && sans.into_iter().any(|san| self.subject.matches(san))
    }

    /// The same requirement as `sigchain-core`'s verifier states it.
    pub fn to_certificate_identity(&self) -> CertificateIdentity {
        CertificateIdentity::new(self.subject.clone(), self.issuer.clone())
    }
}
