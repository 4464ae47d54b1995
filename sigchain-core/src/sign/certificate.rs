//! The check of the certificate chain a CA issued for our key.
//!
//! A signer must not put into a bundle a certificate it would not accept as a verifier, and
//! must notice a CA that misbehaves: one the trusted root does not know, one that certifies
//! another key or another identity, one that skipped certificate transparency. Each check
//! fails with its own [`IssuedCertificateError`] variant, and all reuse the verifier's code
//! (the Fulcio leaf policy of [`TrustAnchors::verify_leaf`], [`verify_embedded_scts_of`]).
//!
//! The chain's own intermediates and root are not used to build the path: as in
//! verification, only the trusted root's certificates are (the CA's answer could name any).

use crate::crypto::PublicKey;
use crate::identity::{CertificateIdentity, IdentityError};
use crate::sct::{verify_embedded_scts_of, SctError, VerifiedSct};
use crate::time::Timestamp;
use crate::trust_root::TrustedRoot;
use crate::x509::{
    subject_identity, CertError, Certificate, ChainError, FulcioClaims, FulcioError,
    SubjectIdentity, TrustAnchors, VerifiedChain,
};

/// Most certificates accepted in a CA's answer.
pub const MAX_ISSUED_CHAIN_LEN: usize = 10;

/// Why an issued certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssuedCertificateError {
    /// The CA returned no certificate.
    #[error("the CA returned an empty chain")]
    EmptyChain,
    /// More certificates than [`MAX_ISSUED_CHAIN_LEN`].
    #[error("the CA returned {len} certificates, over the limit of {max}")]
    ChainTooLong {
        /// Certificates returned.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A certificate of the chain is not DER X.509.
    #[error("certificate {index} of the chain: {source}")]
    Malformed {
        /// Position in the chain.
        index: usize,
        /// Why.
        source: CertError,
    },
    /// The leaf certifies another public key than ours.
    #[error("the issued certificate is for another public key")]
    KeyMismatch,
    /// The leaf is not valid at the signer's time.
    #[error("the issued certificate is valid {not_before}..{not_after}, not at {now}")]
    NotValidNow {
        /// Its notBefore.
        not_before: Timestamp,
        /// Its notAfter.
        not_after: Timestamp,
        /// The signer's time.
        now: Timestamp,
    },
    /// No certificate authority of the trusted root issued it.
    #[error("the issued certificate does not chain to the trusted root: {0}")]
    UnknownIssuer(ChainError),
    /// It chains to a trusted CA but breaks the Fulcio leaf policy or a validity rule.
    #[error("the issued certificate is not acceptable: {0}")]
    Chain(ChainError),
    /// It carries no embedded SCT (a detached SCT is not supported).
    #[error("the issued certificate has no embedded SCT")]
    MissingSct,
    /// Its SCTs do not verify under the trusted root's CT logs.
    #[error("the issued certificate's SCT does not verify: {0}")]
    BadSct(SctError),
    /// The SAN or Fulcio claims cannot be read.
    #[error("the issued certificate's identity: {0}")]
    Identity(FulcioError),
    /// The SAN is not the expected identity.
    #[error("the issued certificate names {found:?}, expected {expected}")]
    WrongSubject {
        /// The SAN value.
        found: String,
        /// The requirement.
        expected: String,
    },
    /// The OIDC issuer extension is not the expected issuer.
    #[error("the issued certificate names issuer {found:?}, expected {expected}")]
    WrongIssuer {
        /// The extension value.
        found: String,
        /// The requirement.
        expected: String,
    },
}

/// A certificate that passed every check of [`check_issued_chain`].
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    leaf: Certificate,
    chain: VerifiedChain,
    scts: Vec<VerifiedSct>,
    identity: SubjectIdentity,
    issuer: String,
}

impl IssuedCertificate {
    /// The leaf certificate (what a v0.3 bundle carries).
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// The path to the trusted CA.
    pub fn chain(&self) -> &VerifiedChain {
        &self.chain
    }

    /// The SCTs that verified.
    pub fn scts(&self) -> &[VerifiedSct] {
        &self.scts
    }

    /// The SAN identity.
    pub fn identity(&self) -> &SubjectIdentity {
        &self.identity
    }

    /// The OIDC issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

/// Check the DER chain a CA answered (leaf first) for `our_key` and the `expected` identity
/// at `now`, against `trusted_root`'s CAs and CT logs. A leaf that starts at most
/// `max_clock_skew_secs` after `now` is accepted (checked at its notBefore): the CA's clock may
/// run ahead of ours, or cross into the next second while we wait.
///
/// ```
/// use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
/// use sigchain_core::sign::certificate::{check_issued_chain, IssuedCertificateError};
/// use sigchain_core::sign::key::SigningKey;
/// use sigchain_core::time::Timestamp;
/// use sigchain_core::trust_root::TrustedRoot;
/// let key = SigningKey::generate_p256()?;
/// let expected = CertificateIdentity::new(
///     IdentityMatcher::exact("user@example.com"),
///     IdentityMatcher::exact("https://issuer.example"),
/// );
/// let result = check_issued_chain(&[], TrustedRoot::production(), key.public_key(), &expected, Timestamp::now(), 60);
/// assert_eq!(result.unwrap_err(), IssuedCertificateError::EmptyChain);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_issued_chain(
    chain_der: &[Vec<u8>],
    trusted_root: &TrustedRoot,
    our_key: &PublicKey,
    expected: &CertificateIdentity,
    now: Timestamp,
    max_clock_skew_secs: i64,
) -> Result<IssuedCertificate, IssuedCertificateError> {
    let anchors = TrustAnchors::new(&trusted_root.certificate_authorities);
    check_issued_chain_with(
        chain_der,
        &anchors,
        trusted_root,
        our_key,
        expected,
        now,
        max_clock_skew_secs,
    )
}

/// [`check_issued_chain`] with the trusted root's CAs already parsed (the signing machine's
/// verifier holds them), so a signing does not parse and check them a second time.
pub(crate) fn check_issued_chain_with(
    chain_der: &[Vec<u8>],
    anchors: &TrustAnchors,
    trusted_root: &TrustedRoot,
    our_key: &PublicKey,
    expected: &CertificateIdentity,
    now: Timestamp,
    max_clock_skew_secs: i64,
) -> Result<IssuedCertificate, IssuedCertificateError> {
    let leaf_der = chain_der
        .first()
        .ok_or(IssuedCertificateError::EmptyChain)?;
    if chain_der.len() > MAX_ISSUED_CHAIN_LEN {
        return Err(IssuedCertificateError::ChainTooLong {
            len: chain_der.len(),
            max: MAX_ISSUED_CHAIN_LEN,
        });
    }
    let leaf = Certificate::from_der(leaf_der)
        .map_err(|source| IssuedCertificateError::Malformed { index: 0, source })?;
    for (index, der) in chain_der.iter().enumerate().skip(1) {
        Certificate::from_der(der)
            .map_err(|source| IssuedCertificateError::Malformed { index, source })?;
    }

    // 1. It certifies our key: a CA that swaps keys would make us publish a bundle whose
    //    signature does not verify, or worse, one for a key we do not hold.
    if leaf.spki_der() != our_key.spki_der() {
        return Err(IssuedCertificateError::KeyMismatch);
    }
    // 2. Valid now: a certificate that is not yet or no longer valid fails verification at
    //    the log's integrated time. A notBefore a little ahead of our clock is the CA's clock
    //    (or the second that passed during the request), not a wrong certificate; the final
    //    verification still holds the log's and TSA's times to the validity period.
    let ahead = leaf.not_before().as_secs().saturating_sub(now.as_secs());
    let at = if ahead > 0 && ahead <= max_clock_skew_secs {
        leaf.not_before()
    } else {
        now
    };
    if !leaf.is_valid_at(at) {
        return Err(IssuedCertificateError::NotValidNow {
            not_before: leaf.not_before(),
            not_after: leaf.not_after(),
            now,
        });
    }
    // 3. Chains to a CA of the trusted root, under the Fulcio leaf policy.
    let chain = anchors
        .verify_leaf(&leaf, &[], &[at])
        .map_err(|e| match e {
            ChainError::UntrustedIssuer { .. } | ChainError::LeafSignature { .. } => {
                IssuedCertificateError::UnknownIssuer(e)
            }
            other => IssuedCertificateError::Chain(other),
        })?;
    // 4. Publicly logged: an embedded SCT from a trusted CT log.
    let scts = verify_embedded_scts_of(&leaf, chain.issuer().spki_der(), &trusted_root.ctlogs)
        .and_then(|report| report.require(1))
        .map_err(|e| match e {
            SctError::NoEmbeddedScts => IssuedCertificateError::MissingSct,
            other => IssuedCertificateError::BadSct(other),
        })?;
    // 5. The identity the token named.
    let identity = subject_identity(&leaf).map_err(IssuedCertificateError::Identity)?;
    let claims = FulcioClaims::from_certificate(&leaf).map_err(IssuedCertificateError::Identity)?;
    let issuer = claims
        .issuer
        .ok_or(IssuedCertificateError::Identity(FulcioError::MissingIssuer))?;
    expected
        .check(identity.as_str(), &issuer)
        .map_err(|e| match e {
            IdentityError::SubjectMismatch { found, expected } => {
                IssuedCertificateError::WrongSubject { found, expected }
            }
            IdentityError::IssuerMismatch { found, expected } => {
                IssuedCertificateError::WrongIssuer { found, expected }
            }
            other => IssuedCertificateError::WrongSubject {
                found: identity.as_str().to_owned(),
                expected: other.to_string(),
            },
        })?;
    Ok(IssuedCertificate {
        leaf,
        chain,
        scts,
        identity,
        issuer,
    })
}

#[cfg(test)]
mod tests;
