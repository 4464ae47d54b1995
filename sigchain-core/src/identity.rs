//! Who must have signed: the identity half of a verification policy.
//!
//! A Fulcio certificate names its signer twice: the Subject Alternative Name (a workflow
//! URI, an email, a username) and the OIDC issuer that vouched for it. A policy states what
//! both must be, exactly or by regular expression.
//!
//! Regular expressions follow cosign's `--certificate-identity-regexp` semantics: they are
//! **not anchored**, so `github.com/acme/` matches any SAN that merely contains it. Write
//! `^https://github\.com/acme/.*$` to pin the whole value; [`IdentityMatcher::regex_anchored`]
//! does that for you.
//!
//! ```
//! use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! let policy = CertificateIdentity::new(
//!     IdentityMatcher::regex_anchored(r"https://github\.com/acme/.+").unwrap(),
//!     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
//! );
//! assert!(policy
//!     .check("https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1",
//!            "https://token.actions.githubusercontent.com")
//!     .is_ok());
//! assert!(policy.check("https://github.com/evil/acme/", "https://token.actions.githubusercontent.com").is_err());
//! ```

use regex::Regex;

/// Largest regular expression accepted, in bytes of source (bounds compile time and memory).
pub const MAX_REGEX_LEN: usize = 4096;

/// Why an identity policy could not be built or was not met.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The regular expression does not compile (or is too large).
    #[error("invalid identity regular expression {pattern:?}: {reason}")]
    BadRegex {
        /// The pattern.
        pattern: String,
        /// The compiler's reason.
        reason: String,
    },
    /// The certificate's SAN does not match the policy.
    #[error("certificate identity {found:?} does not match {expected}")]
    SubjectMismatch {
        /// SAN found in the certificate.
        found: String,
        /// What the policy asked for.
        expected: String,
    },
    /// The certificate's OIDC issuer does not match the policy.
    #[error("certificate issuer {found:?} does not match {expected}")]
    IssuerMismatch {
        /// Issuer found in the certificate.
        found: String,
        /// What the policy asked for.
        expected: String,
    },
}

/// One string-valued requirement: an exact value or a regular expression.
#[derive(Debug, Clone)]
pub enum IdentityMatcher {
    /// The value must equal this string byte for byte.
    Exact(String),
    /// The value must contain a match of this expression (cosign semantics: unanchored).
    Regex(Regex),
}

impl IdentityMatcher {
    /// Match exactly this value.
    pub fn exact(value: impl Into<String>) -> Self {
        IdentityMatcher::Exact(value.into())
    }

    /// Match a regular expression anywhere in the value, as cosign does.
    pub fn regex(pattern: &str) -> Result<Self, IdentityError> {
        if pattern.len() > MAX_REGEX_LEN {
            return Err(IdentityError::BadRegex {
                pattern: pattern.chars().take(64).collect(),
                reason: format!("longer than {MAX_REGEX_LEN} bytes"),
            });
        }
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map(IdentityMatcher::Regex)
            .map_err(|e| IdentityError::BadRegex {
                pattern: pattern.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Match a regular expression against the whole value (`^(?:pattern)$`).
    pub fn regex_anchored(pattern: &str) -> Result<Self, IdentityError> {
        Self::regex(&format!("^(?:{pattern})$"))
    }

    /// Whether `value` satisfies this matcher.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            IdentityMatcher::Exact(expected) => expected == value,
            IdentityMatcher::Regex(re) => re.is_match(value),
        }
    }
}

impl std::fmt::Display for IdentityMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdentityMatcher::Exact(s) => write!(f, "{s:?}"),
            IdentityMatcher::Regex(re) => write!(f, "regex {:?}", re.as_str()),
        }
    }
}

/// A required certificate identity: SAN and OIDC issuer.
#[derive(Debug, Clone)]
pub struct CertificateIdentity {
    /// Requirement on the Subject Alternative Name.
    pub subject: IdentityMatcher,
    /// Requirement on the OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8 or .1.1).
    pub issuer: IdentityMatcher,
}

impl CertificateIdentity {
    /// A requirement on both SAN and issuer.
    pub fn new(subject: IdentityMatcher, issuer: IdentityMatcher) -> Self {
        CertificateIdentity { subject, issuer }
    }

    /// Check a certificate's SAN and issuer against this requirement.
    pub fn check(&self, subject: &str, issuer: &str) -> Result<(), IdentityError> {
        if !self.issuer.matches(issuer) {
            return Err(IdentityError::IssuerMismatch {
                found: issuer.to_owned(),
                expected: self.issuer.to_string(),
            });
        }
        if !self.subject.matches(subject) {
            return Err(IdentityError::SubjectMismatch {
                found: subject.to_owned(),
                expected: self.subject.to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "https://token.actions.githubusercontent.com";

    #[test]
    fn exact_requires_equality() {
        let id =
            CertificateIdentity::new(IdentityMatcher::exact("a@b.c"), IdentityMatcher::exact(ISS));
        assert!(id.check("a@b.c", ISS).is_ok());
        assert!(matches!(
            id.check("a@b.cd", ISS),
            Err(IdentityError::SubjectMismatch { .. })
        ));
        assert!(matches!(
            id.check("a@b.c", "https://accounts.google.com"),
            Err(IdentityError::IssuerMismatch { .. })
        ));
    }

    #[test]
    fn regex_is_unanchored_like_cosign() {
        let m = IdentityMatcher::regex("acme").unwrap();
        assert!(m.matches("https://github.com/acme/app"));
        let anchored = IdentityMatcher::regex_anchored("acme").unwrap();
        assert!(!anchored.matches("https://github.com/acme/app"));
        assert!(anchored.matches("acme"));
    }

    #[test]
    fn anchored_regex_cannot_be_escaped_by_alternation() {
        let anchored = IdentityMatcher::regex_anchored("a|b").unwrap();
        assert!(!anchored.matches("xa"));
        assert!(!anchored.matches("bx"));
    }

    #[test]
    fn bad_regex_is_an_error() {
        assert!(matches!(
            IdentityMatcher::regex("("),
            Err(IdentityError::BadRegex { .. })
        ));
        let long = "a".repeat(MAX_REGEX_LEN + 1);
        assert!(IdentityMatcher::regex(&long).is_err());
    }
}
