//! From token to certificate identity: which SAN and issuer Fulcio will write for a token,
//! what its proof of possession must sign, and whether the token is still usable.
//!
//! Fulcio decides by the *type* its configuration gives the issuer (`pkg/config`,
//! `pkg/identity/*`, `pkg/challenges`). A client does not see that configuration; it knows
//! the public-good instance's and the token's claims. The rules, in order:
//!
//! 1. **GitHub Actions** (`iss` is `https://token.actions.githubusercontent.com`; Fulcio's
//!    `github-workflow` / `ci-provider` type): the SAN is the URI
//!    `https://github.com/{job_workflow_ref}` (the workflow file the job runs, with its ref),
//!    the issuer is `iss`, and the challenge is `sub`.
//! 2. **Email** (the token has an `email` claim; Fulcio's `email` type: Google, Sigstore's
//!    Dex, most interactive providers): the SAN is the address, and the challenge is the
//!    address too (`principal.Name` of an email principal). Fulcio refuses the token unless
//!    `email_verified` is true (or `"true"`); so does this crate, as no public issuer is
//!    configured to skip that. The issuer is `federated_claims.connector_id` when the token
//!    has one (Fulcio's `issuer-claim` for Dex at `oauth2.sigstore.dev` names the upstream
//!    provider, e.g. `https://github.com/login/oauth`), else `iss`.
//! 3. **Subject**, every other token: SAN `sub`, issuer `iss`, challenge `sub` (Fulcio's
//!    challenge claim for all non-email types is `sub`). This is exact for `username`-like
//!    providers and a guess for types whose SAN is built from other claims (Kubernetes,
//!    SPIFFE, GitLab, Buildkite): a caller signing with those should state the identity it
//!    expects rather than use [`IdentityToken::expected_identity`].
//!
//! sigstore-python differs in one place: it uses the `email` claim only for issuers it knows
//! to be email issuers and `sub` otherwise; rule 2 here also covers private email issuers.

use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::time::Timestamp;

use super::{IdentityToken, TokenError};

/// The audience Fulcio requires of every token (`client-id: sigstore` in its configuration).
pub const SIGSTORE_AUDIENCE: &str = "sigstore";

/// Which of the rules (module documentation) gave a token's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRule {
    /// A GitHub Actions workflow: SAN `https://github.com/{job_workflow_ref}`.
    GithubActions,
    /// An email identity: SAN the verified address.
    Email,
    /// Anything else: SAN `sub`.
    Subject,
}

/// The identity a CA will certify for a token, as far as a client can know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerIdentity {
    /// Which rule applied.
    pub rule: IdentityRule,
    /// The Subject Alternative Name the certificate will hold.
    pub san: String,
    /// The OIDC issuer the certificate will name (extension 1.3.6.1.4.1.57264.1.8).
    pub issuer: String,
    /// What the proof of possession signs (the bytes of this string).
    pub challenge: String,
}

impl SignerIdentity {
    /// The exact identity to hold the issued certificate to.
    pub fn certificate_identity(&self) -> CertificateIdentity {
        CertificateIdentity::new(
            IdentityMatcher::exact(self.san.clone()),
            IdentityMatcher::exact(self.issuer.clone()),
        )
    }
}

/// What [`IdentityToken::check_usable_with`] requires.
///
/// ```
/// use sigchain_fulcio::token::UsePolicy;
/// let policy = UsePolicy { audience: "my-private-ca".to_owned(), ..UsePolicy::default() };
/// assert_eq!(policy.clock_skew_secs, 300);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsePolicy {
    /// The audience the CA requires ([`SIGSTORE_AUDIENCE`] for Fulcio).
    pub audience: String,
    /// How far ahead `nbf` may be. 300 s is the leeway the CA's verifier (go-oidc) allows;
    /// refusing tokens the CA would take helps no one. `exp` gets no leeway: an expired token
    /// is refused by the CA too.
    pub clock_skew_secs: u32,
}

impl Default for UsePolicy {
    fn default() -> Self {
        UsePolicy {
            audience: SIGSTORE_AUDIENCE.to_owned(),
            clock_skew_secs: 300,
        }
    }
}

impl IdentityToken {
    /// The identity a CA will certify for this token, by the rules in the module
    /// documentation.
    pub fn signer(&self) -> Result<SignerIdentity, TokenError> {
        let claims = &self.claims;
        if let Some(github) = &claims.github_actions {
            let job_workflow_ref = github
                .job_workflow_ref
                .as_deref()
                .filter(|r| !r.is_empty())
                .ok_or(TokenError::MissingClaim {
                    claim: "job_workflow_ref",
                })?;
            return Ok(SignerIdentity {
                rule: IdentityRule::GithubActions,
                san: format!("https://github.com/{job_workflow_ref}"),
                issuer: claims.iss.clone(),
                challenge: claims.sub.clone(),
            });
        }
        if let Some(email) = claims.email.as_deref().filter(|e| !e.is_empty()) {
            let issuer = claims
                .federated_issuer
                .clone()
                .unwrap_or_else(|| claims.iss.clone());
            if claims.email_verified != Some(true) {
                return Err(TokenError::EmailNotVerified {
                    email: email.to_owned(),
                    issuer,
                });
            }
            return Ok(SignerIdentity {
                rule: IdentityRule::Email,
                san: email.to_owned(),
                issuer,
                challenge: email.to_owned(),
            });
        }
        Ok(SignerIdentity {
            rule: IdentityRule::Subject,
            san: claims.sub.clone(),
            issuer: claims.iss.clone(),
            challenge: claims.sub.clone(),
        })
    }

    /// The identity the issued certificate must name: exact SAN and issuer matchers.
    pub fn expected_identity(&self) -> Result<CertificateIdentity, TokenError> {
        Ok(self.signer()?.certificate_identity())
    }

    /// What the proof of possession signs: the address for an email identity, else `sub`.
    pub fn challenge(&self) -> Result<String, TokenError> {
        Ok(self.signer()?.challenge)
    }

    /// Refuse, before contacting the CA, a token it would refuse: expired at `now`, not yet
    /// valid (beyond 300 s of clock skew), or not for the `sigstore` audience.
    pub fn check_usable(&self, now: Timestamp) -> Result<(), TokenError> {
        self.check_usable_with(now, &UsePolicy::default())
    }

    /// [`IdentityToken::check_usable`] with another audience or clock skew.
    pub fn check_usable_with(&self, now: Timestamp, policy: &UsePolicy) -> Result<(), TokenError> {
        let claims = &self.claims;
        if now.0 >= claims.exp.0 {
            return Err(TokenError::Expired {
                identity: self.display_identity(),
                issuer: claims.iss.clone(),
                expired_at: claims.exp,
                now,
            });
        }
        if let Some(not_before) = claims.nbf {
            if not_before.0 > now.0.saturating_add(i64::from(policy.clock_skew_secs)) {
                return Err(TokenError::NotYetValid {
                    identity: self.display_identity(),
                    issuer: claims.iss.clone(),
                    not_before,
                    now,
                });
            }
        }
        if !claims.aud.contains(&policy.audience) {
            return Err(TokenError::WrongAudience {
                identity: self.display_identity(),
                issuer: claims.iss.clone(),
                expected: policy.audience.clone(),
                found: claims.aud.values().to_vec(),
            });
        }
        Ok(())
    }

    /// Whom the token names, for messages: the SAN when the rules give one, else `sub`.
    fn display_identity(&self) -> String {
        match self.signer() {
            Ok(signer) => signer.san,
            Err(_) => self
                .claims
                .email
                .clone()
                .unwrap_or_else(|| self.claims.sub.clone()),
        }
    }
}
