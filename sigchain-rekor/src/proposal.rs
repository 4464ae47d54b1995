//! What a client submits to a log, and the body the log must then record.
//!
//! A [`Proposal`] holds the signed content and the signer once, and derives from them both
//! the request a log version expects and the canonical body it must write
//! ([`sigchain_core::tlog::canonical`]). The response checkers compare the logged body with
//! the proposal through [`sigchain_core::tlog::check_body_matches`], so an entry that records
//! anything else is refused.
//!
//! ```
//! use sigchain_core::crypto::HashAlgorithm;
//! use sigchain_rekor::proposal::{Proposal, Signer};
//! # let spki = sigchain_core::encoding::base64_decode("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==").unwrap();
//! let proposal = Proposal::hashed_rekord(
//!     HashAlgorithm::Sha256,
//!     vec![0u8; 32],
//!     b"signature".to_vec(),
//!     Signer::PublicKey(spki),
//! )?;
//! // Rekor v1 stores the hashedrekord request as its canonical body.
//! assert_eq!(proposal.v1_request_json(), proposal.v1_canonical_body());
//! # Ok::<(), sigchain_rekor::proposal::ProposalError>(())
//! ```

use serde_json::json;
use sigchain_core::crypto::{sha256, HashAlgorithm};
use sigchain_core::dsse::{DsseError, Envelope};
use sigchain_core::encoding::base64_encode;
use sigchain_core::limits::Limits;
use sigchain_core::tlog::canonical;
use sigchain_core::tlog::{hash_leaf, BodyError, SignedContent, SignerMaterial};

/// Who signed: the leaf certificate or the public key, as DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// The signing certificate, DER.
    Certificate(Vec<u8>),
    /// The public key, DER SubjectPublicKeyInfo.
    PublicKey(Vec<u8>),
}

impl Signer {
    /// As the core's body checker names it.
    pub fn material(&self) -> SignerMaterial<'_> {
        match self {
            Signer::Certificate(der) => SignerMaterial::Certificate(der),
            Signer::PublicKey(der) => SignerMaterial::PublicKey(der),
        }
    }
}

/// Why a proposal could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    /// The digest is not as long as its algorithm's output.
    #[error("a {algorithm:?} digest is {expected} bytes, got {got}")]
    DigestLength {
        /// The algorithm named.
        algorithm: HashAlgorithm,
        /// Its output length.
        expected: usize,
        /// The digest's length.
        got: usize,
    },
    /// An empty signature.
    #[error("the signature is empty")]
    EmptySignature,
    /// The DSSE envelope JSON does not parse or is over the limits.
    #[error("DSSE envelope: {0}")]
    Envelope(#[from] DsseError),
    /// A DSSE envelope without a signature.
    #[error("the DSSE envelope carries no signature")]
    UnsignedEnvelope,
    /// The body for this log version cannot be built (e.g. an RSA key for Rekor v2).
    #[error("entry body: {0}")]
    Body(#[from] BodyError),
}

/// Which Rekor v2 entry kind to create for a DSSE envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum V2DsseKind {
    /// `hashedrekord` 0.0.2 over the envelope's PAE (rekor-v2-spec §6.1.4), what the
    /// public-good Rekor v2 accepts today.
    #[default]
    HashedRekord,
    /// `dsse` 0.0.2, defined by protobuf-specs but deprecated (and refused by current
    /// rekor-tiles).
    Dsse,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    MessageSignature {
        digest_algorithm: HashAlgorithm,
        digest: Vec<u8>,
        signature: Vec<u8>,
    },
    Dsse {
        envelope_json: Vec<u8>,
        envelope: Envelope,
    },
}

/// A signature to submit to a log. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    content: Content,
    signer: Signer,
}

impl Proposal {
    /// A signature over an artifact digest (`hashedrekord`).
    pub fn hashed_rekord(
        digest_algorithm: HashAlgorithm,
        digest: Vec<u8>,
        signature: Vec<u8>,
        signer: Signer,
    ) -> Result<Proposal, ProposalError> {
        if digest.len() != digest_algorithm.output_len() {
            return Err(ProposalError::DigestLength {
                algorithm: digest_algorithm,
                expected: digest_algorithm.output_len(),
                got: digest.len(),
            });
        }
        if signature.is_empty() {
            return Err(ProposalError::EmptySignature);
        }
        Ok(Proposal {
            content: Content::MessageSignature {
                digest_algorithm,
                digest,
                signature,
            },
            signer,
        })
    }

    /// A DSSE envelope (`dsse`), given as the exact JSON to submit: Rekor v1 records the hash
    /// of these bytes.
    pub fn dsse(
        envelope_json: Vec<u8>,
        signer: Signer,
        limits: &Limits,
    ) -> Result<Proposal, ProposalError> {
        let envelope = Envelope::from_json(&envelope_json, limits)?;
        if envelope.signatures.is_empty() {
            return Err(ProposalError::UnsignedEnvelope);
        }
        Ok(Proposal {
            content: Content::Dsse {
                envelope_json,
                envelope,
            },
            signer,
        })
    }

    /// The signer.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Call `f` with the content and signer as the core's body checker takes them.
    pub fn with_recorded<R>(
        &self,
        f: impl FnOnce(&SignedContent<'_>, &SignerMaterial<'_>) -> R,
    ) -> R {
        let signer = self.signer.material();
        match &self.content {
            Content::MessageSignature {
                digest_algorithm,
                digest,
                signature,
            } => f(
                &SignedContent::MessageSignature {
                    digest,
                    digest_algorithm: *digest_algorithm,
                    signature,
                },
                &signer,
            ),
            Content::Dsse { envelope, .. } => {
                let signatures: Vec<&[u8]> = envelope
                    .signatures
                    .iter()
                    .map(|s| s.sig.as_slice())
                    .collect();
                f(
                    &SignedContent::Dsse {
                        payload_type: &envelope.payload_type,
                        payload: envelope.payload.as_slice(),
                        signatures: &signatures,
                    },
                    &signer,
                )
            }
        }
    }

    /// The Rekor v1 `ProposedEntry` JSON (`POST /api/v1/log/entries`).
    pub fn v1_request_json(&self) -> Vec<u8> {
        match &self.content {
            // Rekor v1's hashedrekord request has exactly the canonical body's shape.
            Content::MessageSignature { .. } => self.v1_canonical_body(),
            Content::Dsse { envelope_json, .. } => {
                let verifier =
                    base64_encode(canonical::signer_pem(&self.signer.material()).as_bytes());
                let envelope = String::from_utf8_lossy(envelope_json);
                to_vec(json!({
                    "apiVersion": "0.0.1",
                    "kind": "dsse",
                    "spec": {"proposedContent": {"envelope": envelope, "verifiers": [verifier]}},
                }))
            }
        }
    }

    /// The body Rekor v1 writes for this proposal.
    pub fn v1_canonical_body(&self) -> Vec<u8> {
        let signer = self.signer.material();
        match &self.content {
            Content::MessageSignature {
                digest_algorithm,
                digest,
                signature,
            } => canonical::hashedrekord_v001(*digest_algorithm, digest, signature, &signer),
            Content::Dsse {
                envelope_json,
                envelope,
            } => {
                let signatures: Vec<&[u8]> = envelope
                    .signatures
                    .iter()
                    .map(|s| s.sig.as_slice())
                    .collect();
                canonical::dsse_v001(
                    envelope_json,
                    envelope.payload.as_slice(),
                    &signatures,
                    &signer,
                )
            }
        }
    }

    /// The Rekor v1 leaf hash of this proposal's entry: the 64 hex digits that end its UUID,
    /// by which a client finds the entry after a lost answer.
    pub fn v1_leaf_hash(&self) -> [u8; 32] {
        hash_leaf(&self.v1_canonical_body())
    }

    /// The Rekor v2 `CreateEntryRequest` JSON (`POST /api/v2/log/entries`).
    pub fn v2_request_json(&self, dsse_kind: V2DsseKind) -> Result<Vec<u8>, ProposalError> {
        let signer = self.signer.material();
        let verifier = v2_verifier_json(&signer)?;
        Ok(match (&self.content, dsse_kind) {
            (
                Content::MessageSignature {
                    digest, signature, ..
                },
                _,
            ) => to_vec(json!({
                "hashedRekordRequestV002": {
                    "digest": base64_encode(digest),
                    "signature": {"content": base64_encode(signature), "verifier": verifier},
                }
            })),
            (Content::Dsse { envelope, .. }, V2DsseKind::HashedRekord) => {
                let signature = single_signature(envelope)?;
                let digest = HashAlgorithm::Sha256.digest(&envelope.pae());
                to_vec(json!({
                    "hashedRekordRequestV002": {
                        "digest": base64_encode(&digest),
                        "signature": {"content": base64_encode(signature), "verifier": verifier},
                    }
                }))
            }
            (Content::Dsse { envelope, .. }, V2DsseKind::Dsse) => to_vec(json!({
                "dsseRequestV002": {"envelope": envelope, "verifiers": [verifier]}
            })),
        })
    }

    /// The body Rekor v2 writes for this proposal.
    pub fn v2_canonical_body(&self, dsse_kind: V2DsseKind) -> Result<Vec<u8>, ProposalError> {
        let signer = self.signer.material();
        Ok(match (&self.content, dsse_kind) {
            (
                Content::MessageSignature {
                    digest_algorithm,
                    digest,
                    signature,
                },
                _,
            ) => canonical::hashedrekord_v002(*digest_algorithm, digest, signature, &signer)?,
            (Content::Dsse { envelope, .. }, V2DsseKind::HashedRekord) => {
                canonical::hashedrekord_v002_for_dsse(
                    HashAlgorithm::Sha256,
                    &envelope.payload_type,
                    envelope.payload.as_slice(),
                    single_signature(envelope)?,
                    &signer,
                )?
            }
            (Content::Dsse { envelope, .. }, V2DsseKind::Dsse) => {
                let signatures: Vec<&[u8]> = envelope
                    .signatures
                    .iter()
                    .map(|s| s.sig.as_slice())
                    .collect();
                canonical::dsse_v002(envelope.payload.as_slice(), &signatures, &signer)?
            }
        })
    }

    /// SHA-256 of the submitted DSSE envelope JSON, if this is a DSSE proposal.
    pub fn envelope_hash(&self) -> Option<[u8; 32]> {
        match &self.content {
            Content::Dsse { envelope_json, .. } => Some(sha256(envelope_json)),
            Content::MessageSignature { .. } => None,
        }
    }
}

/// rekor-v2-spec §6.1.4: a DSSE envelope logged as a hashedrekord carries one signature.
fn single_signature(envelope: &Envelope) -> Result<&[u8], ProposalError> {
    match envelope.signatures.as_slice() {
        [one] => Ok(one.sig.as_slice()),
        _ => Err(ProposalError::Body(BodyError::SignatureCount {
            body: 1,
            bundle: envelope.signatures.len(),
        })),
    }
}

fn v2_verifier_json(signer: &SignerMaterial<'_>) -> Result<serde_json::Value, ProposalError> {
    // The body's verifier and the request's are the same object: take it from the body the
    // core builds, so the two cannot drift apart.
    let body = canonical::hashedrekord_v002(HashAlgorithm::Sha256, &[0; 32], &[0], signer)?;
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(BodyError::Json)?;
    Ok(value["spec"]["hashedRekordV002"]["signature"]["verifier"].clone())
}

fn to_vec(value: serde_json::Value) -> Vec<u8> {
    // Serializing a Value cannot fail.
    serde_json::to_vec(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mutate::mutated_document;
    use proptest::prelude::*;

    fn envelope() -> serde_json::Value {
        json!({
            "payload": base64_encode(br#"{"_type":"https://in-toto.io/Statement/v1"}"#),
            "payloadType": "application/vnd.in-toto+json",
            "signatures": [{"sig": base64_encode(b"signature"), "keyid": ""}],
        })
    }

    #[test]
    fn a_signed_envelope_makes_a_proposal() {
        let json = serde_json::to_vec(&envelope()).unwrap();
        let proposal =
            Proposal::dsse(json.clone(), Signer::PublicKey(vec![1]), &Limits::DEFAULT).unwrap();
        assert_eq!(proposal.envelope_hash(), Some(sha256(&json)));
        let mut unsigned = envelope();
        unsigned["signatures"] = json!([]);
        assert!(matches!(
            Proposal::dsse(
                serde_json::to_vec(&unsigned).unwrap(),
                Signer::PublicKey(vec![1]),
                &Limits::DEFAULT
            ),
            Err(ProposalError::UnsignedEnvelope)
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_envelope_json_is_taken_or_refused(json in mutated_document(envelope())) {
            let signer = Signer::PublicKey(vec![0x30, 0x00]);
            if let Ok(proposal) = Proposal::dsse(json.clone(), signer, &Limits::DEFAULT) {
                prop_assert_eq!(proposal.envelope_hash(), Some(sha256(&json)));
                // Whatever was taken builds its requests and bodies without panicking (the
                // bogus key makes the Rekor v2 ones fail).
                let _ = proposal.v1_request_json();
                let _ = proposal.v1_leaf_hash();
                let _ = proposal.v2_request_json(V2DsseKind::HashedRekord);
                let _ = proposal.v2_canonical_body(V2DsseKind::Dsse);
            }
        }
    }
}
