//! Path validation from a leaf certificate to a trusted-root authority.
//!
//! Authorities are parsed and their own links verified once, when the pool is built; verifying
//! a bundle then costs one signature (leaf → issuer) plus cheap field checks. As sigstore-go
//! does, only certificates from the trusted root form the path: intermediates a bundle carries
//! are never trusted (a bundle could otherwise bring its own CA).

use const_oid::ObjectIdentifier;

use super::{oid, CertError, Certificate};
use crate::limits::Limits;
use crate::time::Timestamp;
use crate::trust_root::{CertificateAuthority, ValidityPeriod};

/// Extensions whose meaning path validation understands; any other critical extension makes
/// a certificate unusable (RFC 5280 4.2), e.g. the CT precertificate poison.
const HANDLED_EXTENSIONS: [ObjectIdentifier; 7] = [
    oid::BASIC_CONSTRAINTS,
    oid::KEY_USAGE,
    oid::EXT_KEY_USAGE,
    oid::SUBJECT_ALT_NAME,
    oid::SUBJECT_KEY_ID,
    oid::AUTHORITY_KEY_ID,
    oid::CERTIFICATE_POLICIES,
];

/// Why a certificate path was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// No time was given to check validity at.
    #[error("no verification time given")]
    NoVerificationTime,
    /// The path (leaf included) is longer than `Limits::max_chain_len`.
    #[error("certificate chain of {len} exceeds the limit of {max}")]
    ChainTooLong {
        /// Certificates in the chain.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bundle's chain carries a self-issued (root) certificate, which protobuf-specs
    /// forbids: a root must come from the trusted root, never from the bundle.
    #[error("bundle certificate {index} ({subject}) is a self-issued root")]
    BundleChainContainsRoot {
        /// Position in the bundle chain (leaf is 0).
        index: usize,
        /// Its subject.
        subject: String,
    },
    /// The leaf asserts basicConstraints cA.
    #[error("leaf certificate {subject} is a CA")]
    LeafIsCa {
        /// Leaf subject.
        subject: String,
    },
    /// The leaf's keyUsage is missing or lacks digitalSignature.
    #[error("leaf certificate {subject} does not allow digitalSignature")]
    LeafKeyUsage {
        /// Leaf subject.
        subject: String,
    },
    /// The leaf's extKeyUsage is missing or lacks the required purpose.
    #[error("leaf certificate {subject} lacks extended key usage {required}")]
    LeafExtKeyUsage {
        /// Leaf subject.
        subject: String,
        /// The purpose required.
        required: ObjectIdentifier,
    },
    /// RFC 3161 2.3: a TSA certificate's extKeyUsage must be critical and name only
    /// timeStamping.
    #[error("leaf certificate {subject} extended key usage must be critical and sole")]
    LeafExtKeyUsageNotExclusive {
        /// Leaf subject.
        subject: String,
    },
    /// A critical extension path validation does not understand.
    #[error("certificate {subject} has unhandled critical extension {oid}")]
    UnhandledCriticalExtension {
        /// The certificate's subject.
        subject: String,
        /// The extension.
        oid: ObjectIdentifier,
    },
    /// No trusted authority holds a certificate that issued the leaf.
    #[error("no trusted authority issued a certificate with issuer {issuer}")]
    UntrustedIssuer {
        /// The leaf's issuer name.
        issuer: String,
    },
    /// A trusted certificate has the leaf's issuer name, but its key does not verify the
    /// leaf's signature.
    #[error("leaf not signed by trusted issuer {issuer}: {source}")]
    LeafSignature {
        /// The candidate issuer's subject.
        issuer: String,
        /// Why the signature check failed.
        source: Box<CertError>,
    },
    /// An issuing certificate is not a CA.
    #[error("issuing certificate {subject} is not a CA")]
    IssuerNotCa {
        /// Its subject.
        subject: String,
    },
    /// An issuing certificate's keyUsage lacks keyCertSign.
    #[error("issuing certificate {subject} does not allow keyCertSign")]
    IssuerKeyUsage {
        /// Its subject.
        subject: String,
    },
    /// An issuing certificate's pathLenConstraint is exceeded.
    #[error("{subject} allows {path_len} intermediates below it, path has {intermediates}")]
    PathLenExceeded {
        /// Its subject.
        subject: String,
        /// Its pathLenConstraint.
        path_len: u8,
        /// Non-self-issued intermediates below it.
        intermediates: usize,
    },
    /// An issuing certificate restricts extended key usage to purposes excluding the leaf's.
    #[error("issuing certificate {subject} does not allow extended key usage {required}")]
    IssuerExtKeyUsage {
        /// Its subject.
        subject: String,
        /// The purpose required.
        required: ObjectIdentifier,
    },
    /// A certificate in the path is not yet valid at a verification time.
    #[error("certificate {subject} not valid before {not_before}, checked at {at}")]
    NotYetValid {
        /// Its subject.
        subject: String,
        /// Its notBefore.
        not_before: Timestamp,
        /// The time checked.
        at: Timestamp,
    },
    /// A certificate in the path has expired at a verification time.
    #[error("certificate {subject} expired at {not_after}, checked at {at}")]
    Expired {
        /// Its subject.
        subject: String,
        /// Its notAfter.
        not_after: Timestamp,
        /// The time checked.
        at: Timestamp,
    },
    /// The authority's trusted-root validity period does not contain a verification time.
    #[error("authority {uri} is not trusted at {at}")]
    OutsideAuthorityValidity {
        /// The authority.
        uri: String,
        /// The time checked.
        at: Timestamp,
    },
    /// A trusted-root certificate does not parse.
    #[error("authority {uri} certificate {index}: {source}")]
    AuthorityCertificate {
        /// The authority.
        uri: String,
        /// Position in its chain.
        index: usize,
        /// The parse error.
        source: Box<CertError>,
    },
    /// A trusted-root chain link does not verify, or its issuer is not a CA.
    #[error("authority {uri} certificate {index} is not issued by the next: {source}")]
    AuthorityLink {
        /// The authority.
        uri: String,
        /// Position of the issued certificate in its chain.
        index: usize,
        /// Why the link failed.
        source: Box<ChainError>,
    },
    /// The authority lists only an end-entity certificate, with nothing that issued it.
    #[error("authority {uri} has an end-entity certificate and no issuer")]
    AuthorityWithoutIssuer {
        /// The authority.
        uri: String,
    },
    /// A certificate failed to parse or verify.
    #[error(transparent)]
    Certificate(Box<CertError>),
}

impl From<CertError> for ChainError {
    fn from(e: CertError) -> Self {
        ChainError::Certificate(Box::new(e))
    }
}

/// What the end-entity certificate of a path must allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafPolicy {
    required_eku: ObjectIdentifier,
    exclusive_critical_eku: bool,
}

impl LeafPolicy {
    /// A Fulcio signing certificate: extKeyUsage codeSigning.
    pub const CODE_SIGNING: LeafPolicy = LeafPolicy {
        required_eku: oid::KP_CODE_SIGNING,
        exclusive_critical_eku: false,
    };
    /// A timestamp authority (RFC 3161 2.3): a critical extKeyUsage of timeStamping only.
    pub const TIME_STAMPING: LeafPolicy = LeafPolicy {
        required_eku: oid::KP_TIME_STAMPING,
        exclusive_critical_eku: true,
    };

    /// The extended key usage the leaf must carry.
    pub fn required_eku(&self) -> ObjectIdentifier {
        self.required_eku
    }

    fn check_leaf(&self, leaf: &Certificate) -> Result<(), ChainError> {
        let subject = || leaf.subject_string();
        if leaf.is_ca() {
            return Err(ChainError::LeafIsCa { subject: subject() });
        }
        if !leaf.key_usage().is_some_and(|ku| ku.digital_signature()) {
            return Err(ChainError::LeafKeyUsage { subject: subject() });
        }
        if !leaf.has_ext_key_usage(self.required_eku) {
            return Err(ChainError::LeafExtKeyUsage {
                subject: subject(),
                required: self.required_eku,
            });
        }
        if self.exclusive_critical_eku {
            let sole = leaf.ext_key_usage().is_some_and(|eku| eku.0.len() == 1);
            if !sole || !leaf.ext_key_usage_is_critical() {
                return Err(ChainError::LeafExtKeyUsageNotExclusive { subject: subject() });
            }
        }
        check_critical_extensions(leaf)
    }
}

fn check_critical_extensions(cert: &Certificate) -> Result<(), ChainError> {
    match cert
        .extensions()
        .find(|e| e.critical && !HANDLED_EXTENSIONS.contains(&e.extn_id))
    {
        Some(ext) => Err(ChainError::UnhandledCriticalExtension {
            subject: cert.subject_string(),
            oid: ext.extn_id,
        }),
        None => Ok(()),
    }
}

/// An issuing certificate must be a CA allowed to sign certificates (RFC 5280 4.2.1.3, 4.2.1.9).
fn check_issuer_is_ca(cert: &Certificate) -> Result<(), ChainError> {
    if !cert.is_ca() {
        return Err(ChainError::IssuerNotCa {
            subject: cert.subject_string(),
        });
    }
    if !cert.key_usage().is_some_and(|ku| ku.key_cert_sign()) {
        return Err(ChainError::IssuerKeyUsage {
            subject: cert.subject_string(),
        });
    }
    check_critical_extensions(cert)
}

#[derive(Debug)]
struct Authority {
    index: usize,
    uri: String,
    validity: ValidityPeriod,
    /// Issuing certificate (or pinned end-entity) first, anchor last.
    chain: Vec<Certificate>,
    /// `chain[0]` is an end-entity: the authority vouches for that one certificate only.
    pins_leaf: bool,
}

/// Trusted authorities, parsed and link-checked once, for any leaf policy.
#[derive(Debug)]
pub struct AuthorityPool {
    usable: Vec<Authority>,
    unusable: Vec<(String, ChainError)>,
    limits: Limits,
}

impl AuthorityPool {
    /// Prepare every authority. One whose certificates do not parse or link is set aside
    /// (see [`AuthorityPool::unusable`]) rather than failing the whole pool, as a trusted root
    /// keeps serving the authorities that work.
    pub fn new(authorities: &[CertificateAuthority], limits: Limits) -> AuthorityPool {
        let mut usable = Vec::new();
        let mut unusable = Vec::new();
        for (index, ca) in authorities.iter().enumerate() {
            match prepare_authority(index, ca, &limits) {
                Ok(a) => usable.push(a),
                Err(e) => unusable.push((ca.uri.clone(), e)),
            }
        }
        AuthorityPool {
            usable,
            unusable,
            limits,
        }
    }

    /// Authorities that could not be prepared, with why.
    pub fn unusable(&self) -> impl Iterator<Item = (&str, &ChainError)> {
        self.unusable.iter().map(|(uri, e)| (uri.as_str(), e))
    }

    /// End-entity certificates the authorities pin (a TSA's signing certificate), for tokens
    /// that do not embed their signer.
    pub fn pinned_leaves(&self) -> impl Iterator<Item = &Certificate> {
        self.usable
            .iter()
            .filter(|a| a.pins_leaf)
            .filter_map(|a| a.chain.first())
    }

    /// Validate a path from `leaf` to a trusted authority, valid at every time in `at`.
    pub fn verify_path(
        &self,
        leaf: &Certificate,
        policy: &LeafPolicy,
        at: &[Timestamp],
    ) -> Result<VerifiedChain, ChainError> {
        if at.is_empty() {
            return Err(ChainError::NoVerificationTime);
        }
        policy.check_leaf(leaf)?;
        let mut first_error = None;
        for authority in &self.usable {
            let starts: Vec<usize> = if authority.pins_leaf {
                if authority.chain.first() == Some(leaf) {
                    vec![1]
                } else {
                    Vec::new()
                }
            } else {
                (0..authority.chain.len())
                    .filter(|&i| {
                        authority
                            .chain
                            .get(i)
                            .is_some_and(|c| c.subject_der() == leaf.issuer_der())
                    })
                    .collect()
            };
            for start in starts {
                match self.check_path(authority, start, leaf, policy, at) {
                    Ok(chain) => return Ok(chain),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        Err(first_error.unwrap_or_else(|| ChainError::UntrustedIssuer {
            issuer: leaf.issuer_string(),
        }))
    }

    fn check_path(
        &self,
        authority: &Authority,
        start: usize,
        leaf: &Certificate,
        policy: &LeafPolicy,
        at: &[Timestamp],
    ) -> Result<VerifiedChain, ChainError> {
        let path = authority.chain.get(start..).unwrap_or(&[]);
        let Some(issuer) = path.first() else {
            return Err(ChainError::AuthorityWithoutIssuer {
                uri: authority.uri.clone(),
            });
        };
        let len = path.len() + 1;
        if len > self.limits.max_chain_len {
            return Err(ChainError::ChainTooLong {
                len,
                max: self.limits.max_chain_len,
            });
        }
        if !authority.pins_leaf {
            // A pinned leaf's link was verified when the pool was built.
            leaf.verify_issued_by(issuer)
                .map_err(|source| ChainError::LeafSignature {
                    issuer: issuer.subject_string(),
                    source: Box::new(source),
                })?;
        }
        let mut intermediates_below = 0usize;
        for ca in path {
            check_issuer_is_ca(ca)?;
            if let Some(path_len) = ca.basic_constraints().and_then(|bc| bc.path_len_constraint) {
                if intermediates_below > usize::from(path_len) {
                    return Err(ChainError::PathLenExceeded {
                        subject: ca.subject_string(),
                        path_len,
                        intermediates: intermediates_below,
                    });
                }
            }
            // Extended key usage nests: a CA restricted to other purposes cannot vouch for
            // this one (the rule Go's x509 and the TSA verifier apply).
            if let Some(eku) = ca.ext_key_usage() {
                if !eku.0.contains(&policy.required_eku) && !eku.0.contains(&oid::ANY_EXT_KEY_USAGE)
                {
                    return Err(ChainError::IssuerExtKeyUsage {
                        subject: ca.subject_string(),
                        required: policy.required_eku,
                    });
                }
            }
            if !ca.is_self_issued() {
                intermediates_below += 1;
            }
        }
        for &t in at {
            if !authority.validity.contains(t) {
                return Err(ChainError::OutsideAuthorityValidity {
                    uri: authority.uri.clone(),
                    at: t,
                });
            }
            for cert in std::iter::once(leaf).chain(path) {
                check_validity(cert, t)?;
            }
        }
        Ok(VerifiedChain {
            leaf: leaf.clone(),
            path: path.to_vec(),
            authority_index: authority.index,
            authority_uri: authority.uri.clone(),
            authority_validity: authority.validity,
        })
    }
}

fn check_validity(cert: &Certificate, t: Timestamp) -> Result<(), ChainError> {
    if t < cert.not_before() {
        return Err(ChainError::NotYetValid {
            subject: cert.subject_string(),
            not_before: cert.not_before(),
            at: t,
        });
    }
    if t > cert.not_after() {
        return Err(ChainError::Expired {
            subject: cert.subject_string(),
            not_after: cert.not_after(),
            at: t,
        });
    }
    Ok(())
}

fn prepare_authority(
    index: usize,
    ca: &CertificateAuthority,
    limits: &Limits,
) -> Result<Authority, ChainError> {
    if ca.chain.len() > limits.max_chain_len {
        return Err(ChainError::ChainTooLong {
            len: ca.chain.len(),
            max: limits.max_chain_len,
        });
    }
    let chain = ca
        .chain
        .iter()
        .enumerate()
        .map(|(i, der)| {
            Certificate::from_der(der).map_err(|source| ChainError::AuthorityCertificate {
                uri: ca.uri.clone(),
                index: i,
                source: Box::new(source),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (i, pair) in chain.windows(2).enumerate() {
        let [child, parent] = pair else { continue };
        let link = check_issuer_is_ca(parent)
            .and_then(|()| child.verify_issued_by(parent).map_err(ChainError::from));
        link.map_err(|source| ChainError::AuthorityLink {
            uri: ca.uri.clone(),
            index: i,
            source: Box::new(source),
        })?;
    }
    let pins_leaf = chain.first().is_some_and(|c| !c.is_ca());
    if pins_leaf && chain.len() < 2 {
        return Err(ChainError::AuthorityWithoutIssuer {
            uri: ca.uri.clone(),
        });
    }
    Ok(Authority {
        index,
        uri: ca.uri.clone(),
        validity: ca.validity,
        chain,
        pins_leaf,
    })
}

/// A leaf certificate validated to a trusted authority. Only this module makes one.
#[derive(Debug, Clone)]
pub struct VerifiedChain {
    leaf: Certificate,
    path: Vec<Certificate>,
    authority_index: usize,
    authority_uri: String,
    authority_validity: ValidityPeriod,
}

impl VerifiedChain {
    /// The validated leaf.
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// The certificate that issued the leaf (its SPKI is the SCT issuer key).
    pub fn issuer(&self) -> &Certificate {
        // check_path never builds an empty path.
        self.path.first().unwrap_or(&self.leaf)
    }

    /// The trusted certificates above the leaf, issuer first, anchor last.
    pub fn path(&self) -> &[Certificate] {
        &self.path
    }

    /// Index of the authority in the slice the pool was built from.
    pub fn authority_index(&self) -> usize {
        self.authority_index
    }

    /// The authority's URI.
    pub fn authority_uri(&self) -> &str {
        &self.authority_uri
    }

    /// The authority's trusted-root validity period.
    pub fn authority_validity(&self) -> ValidityPeriod {
        self.authority_validity
    }
}

/// The Fulcio certificate authorities of a trusted root, ready to validate signing
/// certificates.
///
/// ```
/// use sigchain_core::trust_root::TrustedRoot;
/// use sigchain_core::x509::TrustAnchors;
/// let anchors = TrustAnchors::new(&TrustedRoot::production().certificate_authorities);
/// # let _ = anchors;
/// ```
#[derive(Debug)]
pub struct TrustAnchors {
    pool: AuthorityPool,
}

impl TrustAnchors {
    /// Prepare the authorities with the default [`Limits`].
    pub fn new(authorities: &[CertificateAuthority]) -> TrustAnchors {
        Self::with_limits(authorities, Limits::DEFAULT)
    }

    /// Prepare the authorities with explicit limits.
    pub fn with_limits(authorities: &[CertificateAuthority], limits: Limits) -> TrustAnchors {
        TrustAnchors {
            pool: AuthorityPool::new(authorities, limits),
        }
    }

    /// Authorities that could not be prepared, with why.
    pub fn unusable(&self) -> impl Iterator<Item = (&str, &ChainError)> {
        self.pool.unusable()
    }

    /// The underlying pool.
    pub fn pool(&self) -> &AuthorityPool {
        &self.pool
    }

    /// Validate a Fulcio signing certificate at every time in `at` (each a verified
    /// signing time: a log's integrated time or an RFC 3161 timestamp).
    ///
    /// `bundle_chain_rest` is what a bundle's `x509CertificateChain` holds after the leaf.
    /// It is not used to build the path (only trusted-root certificates are), but a
    /// self-issued root there rejects the bundle, as protobuf-specs forbids it.
    pub fn verify_leaf(
        &self,
        leaf: &Certificate,
        bundle_chain_rest: &[Certificate],
        at: &[Timestamp],
    ) -> Result<VerifiedChain, ChainError> {
        let len = bundle_chain_rest.len() + 1;
        if len > self.pool.limits.max_chain_len {
            return Err(ChainError::ChainTooLong {
                len,
                max: self.pool.limits.max_chain_len,
            });
        }
        if let Some((i, root)) = bundle_chain_rest
            .iter()
            .enumerate()
            .find(|(_, c)| c.is_self_issued())
        {
            return Err(ChainError::BundleChainContainsRoot {
                index: i + 1,
                subject: root.subject_string(),
            });
        }
        self.pool.verify_path(leaf, &LeafPolicy::CODE_SIGNING, at)
    }
}

#[cfg(test)]
mod tests;
