//! The structural rules a bundle must meet before any verification step sees it.
//!
//! Sources: protobuf-specs `sigstore_bundle.proto` / `sigstore_rekor.proto` (REQUIRED fields,
//! per-version rules), sigstore-go `pkg/bundle/bundle.go` `validate` and
//! `pkg/tlog/entry.go` (negative index, checkpoint with every proof), sigstore-python
//! `Bundle._verify` (checkpoint required from v0.2, non-empty chain).

use super::media_type::BundleVersion;
use super::model::{Content, InclusionProof, TlogEntry, VerificationMaterial};
use super::{BundleError, BundleParts};
use crate::limits::Limits;

pub(super) fn validate(parts: &BundleParts, limits: &Limits) -> Result<(), BundleError> {
    check_count(
        "verificationMaterial.tlogEntries",
        parts.tlog_entries.len(),
        limits.max_tlog_entries,
    )?;
    check_count(
        "verificationMaterial.timestampVerificationData.rfc3161Timestamps",
        parts.timestamps.len(),
        limits.max_timestamps,
    )?;
    check_material(parts.version, &parts.verification_material, limits)?;
    check_content(&parts.content, limits)?;
    for (index, entry) in parts.tlog_entries.iter().enumerate() {
        check_entry(parts.version, index, entry, limits)?;
    }
    if parts.timestamps.iter().any(Vec::is_empty) {
        return Err(BundleError::MissingField {
            field:
                "verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp",
        });
    }
    Ok(())
}

fn check_material(
    version: BundleVersion,
    material: &VerificationMaterial,
    limits: &Limits,
) -> Result<(), BundleError> {
    // v0.3 replaced the chain by a lone leaf so bundles stop shipping (attacker-chosen) CA
    // certificates; `certificate` did not exist before v0.3, so no older bundle has one.
    let allowed = match material {
        VerificationMaterial::CertificateChain(_) => version < BundleVersion::V0_3,
        VerificationMaterial::Certificate(_) => version >= BundleVersion::V0_3,
        VerificationMaterial::PublicKey { .. } => true,
    };
    if !allowed {
        return Err(BundleError::MaterialNotAllowed {
            version,
            material: material.field_name(),
        });
    }
    match material {
        VerificationMaterial::CertificateChain(chain) => {
            if chain.is_empty() {
                return Err(BundleError::EmptyCertificateChain);
            }
            check_count(
                "verificationMaterial.x509CertificateChain.certificates",
                chain.len(),
                limits.max_chain_len,
            )?;
            if chain.iter().any(Vec::is_empty) {
                return Err(BundleError::MissingField {
                    field: "verificationMaterial.x509CertificateChain.certificates[].rawBytes",
                });
            }
        }
        VerificationMaterial::Certificate(der) => {
            if der.is_empty() {
                return Err(BundleError::MissingField {
                    field: "verificationMaterial.certificate.rawBytes",
                });
            }
        }
        // The hint is optional: the verifier is handed the key out of band.
        VerificationMaterial::PublicKey { .. } => {}
    }
    Ok(())
}

fn check_content(content: &Content, limits: &Limits) -> Result<(), BundleError> {
    match content {
        Content::MessageSignature(ms) => {
            if ms.signature.is_empty() {
                return Err(BundleError::MissingField {
                    field: "messageSignature.signature",
                });
            }
            let algorithm = ms.message_digest.algorithm;
            let actual = ms.message_digest.digest.len();
            if actual != algorithm.output_len() {
                return Err(BundleError::DigestLength {
                    algorithm,
                    expected: algorithm.output_len(),
                    actual,
                });
            }
        }
        Content::Dsse(env) => {
            // The model holds exactly one signature (protobuf-specs); a limit below one
            // still refuses it, so the limit keeps its meaning.
            check_count("dsseEnvelope.signatures", 1, limits.max_dsse_signatures)?;
            if env.payload.is_empty() {
                return Err(BundleError::MissingField {
                    field: "dsseEnvelope.payload",
                });
            }
            if env.payload.len() > limits.max_dsse_payload_bytes {
                return Err(BundleError::DssePayloadTooLarge {
                    size: env.payload.len(),
                    limit: limits.max_dsse_payload_bytes,
                });
            }
            if env.payload_type.is_empty() {
                return Err(BundleError::MissingField {
                    field: "dsseEnvelope.payloadType",
                });
            }
            if env.signature.sig.is_empty() {
                return Err(BundleError::MissingField {
                    field: "dsseEnvelope.signatures[].sig",
                });
            }
        }
    }
    Ok(())
}

pub(super) fn check_entry(
    version: BundleVersion,
    index: usize,
    entry: &TlogEntry,
    limits: &Limits,
) -> Result<(), BundleError> {
    check_int64(
        "verificationMaterial.tlogEntries[].logIndex",
        entry.log_index,
    )?;
    let required = [
        (
            entry.log_id.0.is_empty(),
            "verificationMaterial.tlogEntries[].logId.keyId",
        ),
        (
            entry.kind_version.kind.is_empty(),
            "verificationMaterial.tlogEntries[].kindVersion.kind",
        ),
        (
            entry.kind_version.version.is_empty(),
            "verificationMaterial.tlogEntries[].kindVersion.version",
        ),
        (
            entry.canonicalized_body.is_empty(),
            "verificationMaterial.tlogEntries[].canonicalizedBody",
        ),
    ];
    if let Some((_, field)) = required.into_iter().find(|(missing, _)| *missing) {
        return Err(BundleError::MissingField { field });
    }
    if let Some(t) = entry.integrated_time {
        // Zero cannot be told from "unset" in protobuf JSON; before it, no log existed.
        if t.as_secs() <= 0 {
            return Err(BundleError::NegativeInteger {
                field: "verificationMaterial.tlogEntries[].integratedTime",
                value: t.as_secs(),
            });
        }
    }
    match &entry.inclusion_promise {
        Some(promise) if promise.signed_entry_timestamp.is_empty() => {
            return Err(BundleError::MissingField {
                field: "verificationMaterial.tlogEntries[].inclusionPromise.signedEntryTimestamp",
            });
        }
        // v0.1 predates proofs in bundles: the promise is its only log evidence.
        None if version == BundleVersion::V0_1 => {
            return Err(BundleError::MissingInclusionPromise {
                version,
                entry: index,
            });
        }
        _ => {}
    }
    match &entry.inclusion_proof {
        Some(proof) => check_proof(version, index, proof, limits),
        // From v0.2 a verifier must not have to ask the log (no online lookups), and a
        // promise alone lets a log sign for entries it never publishes.
        None if version >= BundleVersion::V0_2 => Err(BundleError::MissingInclusionProof {
            version,
            entry: index,
        }),
        None => Ok(()),
    }
}

fn check_proof(
    version: BundleVersion,
    index: usize,
    proof: &InclusionProof,
    limits: &Limits,
) -> Result<(), BundleError> {
    check_int64(
        "verificationMaterial.tlogEntries[].inclusionProof.logIndex",
        proof.log_index,
    )?;
    check_int64(
        "verificationMaterial.tlogEntries[].inclusionProof.treeSize",
        proof.tree_size,
    )?;
    if proof.log_index >= proof.tree_size {
        return Err(BundleError::ProofIndexOutOfRange {
            entry: index,
            log_index: proof.log_index,
            tree_size: proof.tree_size,
        });
    }
    if proof.root_hash.is_empty() {
        return Err(BundleError::MissingField {
            field: "verificationMaterial.tlogEntries[].inclusionProof.rootHash",
        });
    }
    check_count(
        "verificationMaterial.tlogEntries[].inclusionProof.hashes",
        proof.hashes.len(),
        limits.max_proof_hashes,
    )?;
    if let Some(hash) = proof
        .hashes
        .iter()
        .find(|h| h.len() != proof.root_hash.len())
    {
        return Err(BundleError::ProofHashLength {
            entry: index,
            expected: proof.root_hash.len(),
            actual: hash.len(),
        });
    }
    match &proof.checkpoint {
        Some(checkpoint) if checkpoint.envelope.is_empty() => Err(BundleError::MissingField {
            field: "verificationMaterial.tlogEntries[].inclusionProof.checkpoint.envelope",
        }),
        Some(_) => Ok(()),
        // Without a signed checkpoint the root hash is the bundle's word alone. Early v0.1
        // bundles carried such proofs next to their promise; sigstore-python ignores them,
        // so we accept them and leave the proof unanchored (`checkpoint: None`).
        None if version >= BundleVersion::V0_2 => Err(BundleError::MissingCheckpoint {
            version,
            entry: index,
        }),
        None => Ok(()),
    }
}

fn check_count(field: &'static str, count: usize, limit: usize) -> Result<(), BundleError> {
    if count > limit {
        return Err(BundleError::TooMany {
            field,
            count,
            limit,
        });
    }
    Ok(())
}

/// Indices and sizes travel as protobuf int64.
fn check_int64(field: &'static str, value: u64) -> Result<(), BundleError> {
    if i64::try_from(value).is_err() {
        return Err(BundleError::IntegerOutOfRange { field, value });
    }
    Ok(())
}
