//! A stored signature checked by the core verifier, then bound to the image.
//!
//! The verifier proves who signed which bytes; this module adds what binds those bytes to the
//! image: a `.sig` payload's `docker-manifest-digest`, checked only after the signature over
//! the payload verified, and an attestation statement's subject, which must name the image
//! digest. The tag a signature was found under proves nothing.

use sigchain_core::bundle::{Bundle, Content};
use sigchain_core::crypto::Sha256Digest;
use sigchain_core::intoto::Statement;
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;
use sigchain_core::verify::{
    Artifact, Policy, SignerPolicy, VerifiedBundle, Verifier, VerifyError,
};

use super::layer::{LayerKind, SignatureLayer};
use super::{CosignError, StorageLimits};
use crate::reference::{Digest, DigestAlgorithm};
use crate::simple_signing::{SimpleSigning, SimpleSigningError};

/// Why a stored signature does not vouch for the image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageVerifyError {
    /// The layer and its annotations do not make a bundle.
    #[error("stored signature: {0}")]
    Layer(#[from] CosignError),
    /// A signature layer given where an attestation was expected, or the other way round.
    #[error("expected a {expected:?} layer")]
    WrongKind {
        /// The kind expected.
        expected: LayerKind,
    },
    /// The image digest is not SHA-256, which signatures name images by.
    #[error("image digest {0} is not SHA-256")]
    UnsupportedDigest(String),
    /// The core verifier refused the bundle.
    #[error("verification: {0}")]
    Verify(#[from] VerifyError),
    /// The verified payload is not a simple-signing payload.
    #[error("signed payload: {0}")]
    Payload(SimpleSigningError),
    /// The verified payload is a signature for another manifest.
    #[error("the signature is for manifest {signed}, not the image {image}")]
    OtherImage {
        /// The digest the payload names.
        signed: String,
        /// The image's digest.
        image: String,
    },
    /// The attestation's statement does not name the image among its subjects.
    #[error("the attestation's subjects do not include the image {image}")]
    AttestationForOtherImage {
        /// The image's digest.
        image: String,
    },
    /// The attestation's payload is not an in-toto statement.
    #[error("attestation statement: {0}")]
    Statement(String),
}

/// A `.sig` signature, verified and bound to the image.
#[derive(Debug)]
pub struct VerifiedImageSignature {
    /// The signed payload (its digest is the image's).
    pub payload: SimpleSigning,
    /// What the verifier proved.
    pub verified: VerifiedBundle,
}

/// An attestation, verified and naming the image as a subject.
#[derive(Debug)]
pub struct VerifiedAttestation {
    /// The statement.
    pub statement: Statement,
    /// What the verifier proved.
    pub verified: VerifiedBundle,
}

fn sha256_of_image(image: &Digest) -> Result<Sha256Digest, ImageVerifyError> {
    if image.algorithm() != DigestAlgorithm::Sha256 {
        return Err(ImageVerifyError::UnsupportedDigest(image.to_string()));
    }
    Sha256Digest::from_hex(image.hex())
        .ok_or_else(|| ImageVerifyError::UnsupportedDigest(image.to_string()))
}

/// Verify a `.sig` layer for `image`: the signature over the payload (with its certificate, log
/// entry and timestamps), then the payload's manifest digest. The verifier must accept
/// promise-only log entries (see [`super::layer`]), or use [`verify_signature_layer_bundle`]
/// with the bundle completed by its inclusion proof.
pub fn verify_signature_layer(
    verifier: &Verifier,
    layer: &SignatureLayer,
    image: &Digest,
    signer: &SignerPolicy,
    now: Timestamp,
    limits: &StorageLimits,
) -> Result<VerifiedImageSignature, ImageVerifyError> {
    if layer.kind != LayerKind::Signature {
        return Err(ImageVerifyError::WrongKind {
            expected: LayerKind::Signature,
        });
    }
    let bundle = layer.to_bundle(limits)?;
    verify_signature_layer_bundle(verifier, layer, &bundle, image, signer, now)
}

/// Verify a `.sig` layer for `image` with `bundle` standing for its annotations: the layer's
/// own bundle once completed with its inclusion proof ([`super::proof::complete_inclusion`]),
/// so that a verifier requiring proofs accepts it. The signature is checked over the layer's
/// content, so a bundle of another layer fails.
pub fn verify_signature_layer_bundle(
    verifier: &Verifier,
    layer: &SignatureLayer,
    bundle: &Bundle,
    image: &Digest,
    signer: &SignerPolicy,
    now: Timestamp,
) -> Result<VerifiedImageSignature, ImageVerifyError> {
    if layer.kind != LayerKind::Signature {
        return Err(ImageVerifyError::WrongKind {
            expected: LayerKind::Signature,
        });
    }
    let policy = Policy {
        artifact: Artifact::Bytes(&layer.content),
        signer: signer.clone(),
    };
    let verified = verifier.verify(bundle, &policy, now)?;
    // Only now is the payload authentic, and only its digest binds it to the image.
    let payload = SimpleSigning::from_json(&layer.content).map_err(ImageVerifyError::Payload)?;
    payload
        .check_image(image)
        .map_err(|_| ImageVerifyError::OtherImage {
            signed: payload.manifest_digest.to_string(),
            image: image.to_string(),
        })?;
    Ok(VerifiedImageSignature { payload, verified })
}

/// Verify a `.att` layer for `image`.
pub fn verify_attestation_layer(
    verifier: &Verifier,
    layer: &SignatureLayer,
    image: &Digest,
    signer: &SignerPolicy,
    now: Timestamp,
    limits: &StorageLimits,
) -> Result<VerifiedAttestation, ImageVerifyError> {
    if layer.kind != LayerKind::Attestation {
        return Err(ImageVerifyError::WrongKind {
            expected: LayerKind::Attestation,
        });
    }
    let bundle = layer.to_bundle(limits)?;
    verify_dsse_bundle_for_image(verifier, &bundle, image, signer, now)
}

/// Verify a bundle (as stored in a referrer) for `image`: a DSSE bundle's statement must name
/// the image; a message-signature bundle must sign the image manifest's digest itself.
pub fn verify_bundle_for_image(
    verifier: &Verifier,
    bundle: &Bundle,
    image: &Digest,
    signer: &SignerPolicy,
    now: Timestamp,
) -> Result<VerifiedBundle, ImageVerifyError> {
    match bundle.content() {
        Content::Dsse(_) => {
            verify_dsse_bundle_for_image(verifier, bundle, image, signer, now).map(|a| a.verified)
        }
        Content::MessageSignature(_) => {
            let policy = Policy {
                artifact: Artifact::Sha256(sha256_of_image(image)?),
                signer: signer.clone(),
            };
            Ok(verifier.verify(bundle, &policy, now)?)
        }
    }
}

/// Verify a DSSE bundle (as stored in a referrer) for `image`: its statement must name the
/// image among its subjects. Returns the statement, so the caller can check its predicate type.
pub fn verify_dsse_bundle_for_image(
    verifier: &Verifier,
    bundle: &Bundle,
    image: &Digest,
    signer: &SignerPolicy,
    now: Timestamp,
) -> Result<VerifiedAttestation, ImageVerifyError> {
    let digest = sha256_of_image(image)?;
    let Content::Dsse(envelope) = bundle.content() else {
        return Err(ImageVerifyError::WrongKind {
            expected: LayerKind::Attestation,
        });
    };
    let statement = Statement::from_json(&envelope.payload, &Limits::DEFAULT)
        .map_err(|e| ImageVerifyError::Statement(e.to_string()))?;
    // A refusal, so safe to decide before verifying; the verifier checks the subject again.
    if statement
        .subject_matching("sha256", digest.as_bytes())
        .is_none()
    {
        return Err(ImageVerifyError::AttestationForOtherImage {
            image: image.to_string(),
        });
    }
    let policy = Policy {
        artifact: Artifact::Sha256(digest),
        signer: signer.clone(),
    };
    let verified = verifier.verify(bundle, &policy, now)?;
    Ok(VerifiedAttestation {
        statement,
        verified,
    })
}
