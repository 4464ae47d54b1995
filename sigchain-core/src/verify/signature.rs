//! Step: the signature covers the caller's artifact.
//!
//! For a message signature, the artifact's digest must equal the digest the bundle claims and
//! the signature must verify over it. For a DSSE envelope, the signature must verify over the
//! envelope's PAE and the artifact must be one of the in-toto Statement's subjects (or, for a
//! non-in-toto payload, the payload itself).

use crate::bundle::{DsseEnvelope, MessageSignature};
use crate::crypto::{CryptoError, HashAlgorithm, KeyKind, PublicKey, Sha256Digest};
use crate::dsse;
use crate::intoto::{IntotoError, Statement, PAYLOAD_TYPE};
use crate::limits::Limits;

use super::policy::Artifact;

/// Why the signature step failed.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The artifact's digest differs from the digest the bundle says was signed.
    #[error("artifact digest {artifact} differs from the bundle's message digest {bundle}")]
    DigestMismatch {
        /// Hex digest of the caller's artifact.
        artifact: String,
        /// Hex digest in the bundle.
        bundle: String,
    },
    /// The bundle's digest algorithm cannot be checked against the artifact as given.
    #[error("the bundle signs a {algorithm} digest, which cannot be checked from {given}")]
    UncheckableDigest {
        /// The bundle's digest algorithm.
        algorithm: &'static str,
        /// What the caller supplied.
        given: &'static str,
    },
    /// The signature does not verify with the signer's key.
    #[error("signature does not verify: {0}")]
    BadSignature(#[source] CryptoError),
    /// The DSSE payload is an in-toto Statement that could not be parsed.
    #[error("in-toto statement: {0}")]
    Statement(#[source] IntotoError),
    /// No subject of the Statement has the artifact's digest.
    #[error("artifact {artifact} is not a subject of the in-toto statement")]
    NotASubject {
        /// The artifact's digest.
        artifact: Sha256Digest,
    },
    /// A non-in-toto DSSE payload is not the artifact.
    #[error("artifact {artifact} is not the DSSE payload (payload type {payload_type:?})")]
    PayloadMismatch {
        /// The artifact's digest.
        artifact: Sha256Digest,
        /// The envelope's payload type.
        payload_type: String,
    },
}

/// Check a message signature over the artifact.
pub(crate) fn verify_message_signature(
    signature: &MessageSignature,
    key: &PublicKey,
    artifact: &Artifact<'_>,
) -> Result<(), SignatureError> {
    let claimed = &signature.message_digest;
    let algorithm =
        claimed
            .algorithm
            .hash_algorithm()
            .ok_or(SignatureError::UncheckableDigest {
                algorithm: claimed.algorithm.proto_name(),
                given: "any input",
            })?;
    let artifact_digest = match (artifact, algorithm) {
        (Artifact::Bytes(bytes), _) => algorithm.digest(bytes),
        (Artifact::Sha256(d), HashAlgorithm::Sha256) => d.0.to_vec(),
        (Artifact::Sha256(_), _) => {
            return Err(SignatureError::UncheckableDigest {
                algorithm: claimed.algorithm.proto_name(),
                given: "a SHA-256 digest",
            })
        }
    };
    // The bundle's digest is unsigned: it must name the artifact, or a signature over another
    // file could be presented as this one's.
    if artifact_digest != claimed.digest {
        return Err(SignatureError::DigestMismatch {
            artifact: crate::encoding::hex_encode(&artifact_digest),
            bundle: crate::encoding::hex_encode(&claimed.digest),
        });
    }
    let result = match (key.kind(), artifact) {
        // Ed25519 signs the message itself; it cannot be checked from a digest.
        (KeyKind::Ed25519, Artifact::Bytes(bytes)) => {
            key.verify(bytes, &signature.signature, algorithm)
        }
        _ => key.verify_prehashed(&artifact_digest, &signature.signature, algorithm),
    };
    result.map_err(SignatureError::BadSignature)
}

/// Check a DSSE envelope's signature and that it is about the artifact. Returns the in-toto
/// Statement when the payload is one.
pub(crate) fn verify_dsse(
    envelope: &DsseEnvelope,
    key: &PublicKey,
    artifact: &Artifact<'_>,
    limits: &Limits,
) -> Result<Option<Statement>, SignatureError> {
    let pae = dsse::pae(&envelope.payload_type, &envelope.payload);
    key.verify(&pae, &envelope.signature.sig, key.kind().default_hash())
        .map_err(SignatureError::BadSignature)?;
    let artifact_digest = match artifact {
        Artifact::Bytes(bytes) => Sha256Digest::of(bytes),
        Artifact::Sha256(d) => *d,
    };
    if envelope.payload_type == PAYLOAD_TYPE {
        let statement =
            Statement::from_json(&envelope.payload, limits).map_err(SignatureError::Statement)?;
        let mut matched = statement
            .subject_matching("sha256", artifact_digest.as_bytes())
            .is_some();
        // Some ecosystems name subjects by SHA-512 only (npm provenance); with the artifact's
        // bytes at hand, check those too.
        if let (false, Artifact::Bytes(bytes)) = (matched, artifact) {
            matched = [
                ("sha384", HashAlgorithm::Sha384),
                ("sha512", HashAlgorithm::Sha512),
            ]
            .into_iter()
            .any(|(name, alg)| {
                statement
                    .subjects
                    .iter()
                    .any(|s| s.digest.contains_key(name))
                    && statement
                        .subject_matching(name, &alg.digest(bytes))
                        .is_some()
            });
        }
        if !matched {
            return Err(SignatureError::NotASubject {
                artifact: artifact_digest,
            });
        }
        return Ok(Some(statement));
    }
    if Sha256Digest::of(&envelope.payload) != artifact_digest {
        return Err(SignatureError::PayloadMismatch {
            artifact: artifact_digest,
            payload_type: envelope.payload_type.clone(),
        });
    }
    Ok(None)
}
