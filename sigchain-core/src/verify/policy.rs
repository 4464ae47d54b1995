//! Per-verification policy: which artifact, and who must have signed it.

use crate::crypto::{PublicKey, Sha256Digest};
use crate::identity::CertificateIdentity;

/// The artifact a bundle is checked against. There is no "no artifact" option: a signature
/// proves nothing until it is tied to the bytes the caller cares about.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// The artifact's SHA-256 digest, computed by the caller (e.g. while streaming a file).
    Sha256(Sha256Digest),
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum SignerPolicy {
    /// A Fulcio certificate whose SAN and issuer satisfy at least one of these identities.
    Certificate(Vec<CertificateIdentity>),
    /// A managed key: the bundle must have been signed by exactly this key.
    PublicKey(PublicKey),
    /// Accept any certificate that chains to the trusted root, whoever it names.
    ///
    /// Almost never what you want: anyone can get a Fulcio certificate. The name says so.
    UnsafeAnyCertificateIdentity,
}

/// One verification's policy: the artifact and the required signer.
#[derive(Debug, Clone)]
pub struct Policy<'a> {
    /// The artifact the signature must cover.
    pub artifact: Artifact<'a>,
    /// The signer that must have produced it.
    pub signer: SignerPolicy,
}

impl<'a> Policy<'a> {
    /// Require a certificate with this identity over `artifact`.
    pub fn identity(artifact: Artifact<'a>, identity: CertificateIdentity) -> Self {
        Policy {
            artifact,
            signer: SignerPolicy::Certificate(vec![identity]),
        }
    }

    /// Require a signature by `key` over `artifact`.
    pub fn key(artifact: Artifact<'a>, key: PublicKey) -> Self {
        Policy {
            artifact,
            signer: SignerPolicy::PublicKey(key),
        }
    }
}
