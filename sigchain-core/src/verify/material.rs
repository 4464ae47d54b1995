//! Step: decide who the bundle claims signed, and whether the policy can accept that kind of
//! signer at all.

use crate::bundle::{Bundle, VerificationMaterial};
use crate::crypto::PublicKey;
use crate::x509::Certificate;

use super::error::MaterialError;
use super::policy::SignerPolicy;

/// The signer the bundle names, decoded but not yet trusted.
#[derive(Debug)]
pub(crate) enum ClaimedSigner {
    /// A leaf certificate and any further certificates the bundle carries.
    Certificate {
        leaf: Certificate,
        rest: Vec<Certificate>,
    },
    /// The policy's managed key (the bundle only hints at it).
    Key(PublicKey),
}

impl ClaimedSigner {
    /// The key the signature must verify under. For a certificate whose key sigchain cannot
    /// use, the error surfaces as a material error.
    pub(crate) fn public_key(&self) -> Result<&PublicKey, MaterialError> {
        match self {
            ClaimedSigner::Certificate { leaf, .. } => leaf
                .public_key()
                .map_err(|source| MaterialError::Certificate { index: 0, source }),
            ClaimedSigner::Key(key) => Ok(key),
        }
    }
}

/// Decode the bundle's material and match its kind against the policy.
pub(crate) fn claimed_signer(
    bundle: &Bundle,
    policy: &SignerPolicy,
) -> Result<ClaimedSigner, MaterialError> {
    let certificates: &[Vec<u8>] = match bundle.verification_material() {
        VerificationMaterial::PublicKey { .. } => {
            return match policy {
                SignerPolicy::PublicKey(key) => Ok(ClaimedSigner::Key(key.clone())),
                _ => Err(MaterialError::KeyHintWithoutKey),
            }
        }
        VerificationMaterial::Certificate(der) => std::slice::from_ref(der),
        VerificationMaterial::CertificateChain(chain) => chain,
    };
    if matches!(policy, SignerPolicy::PublicKey(_)) {
        return Err(MaterialError::CertificateNotKey);
    }
    let mut decoded = certificates.iter().enumerate().map(|(index, der)| {
        Certificate::from_der(der).map_err(|source| MaterialError::Certificate { index, source })
    });
    // The bundle parser guarantees at least one certificate; stay total anyway.
    let leaf = match decoded.next() {
        Some(leaf) => leaf?,
        None => {
            return Err(MaterialError::Certificate {
                index: 0,
                source: crate::x509::CertError::Der(der::Error::from(der::ErrorKind::Length {
                    tag: der::Tag::Sequence,
                })),
            })
        }
    };
    let rest = decoded.collect::<Result<Vec<_>, _>>()?;
    let signer = ClaimedSigner::Certificate { leaf, rest };
    signer.public_key()?;
    Ok(signer)
}
