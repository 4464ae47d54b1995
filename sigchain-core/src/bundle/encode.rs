//! Back to protobuf JSON, in proto field order, omitting unset fields as protobuf does.

use super::model::{Content, TlogEntry, VerificationMaterial};
use super::wire::{self, Scalar};
use super::Bundle;
use std::borrow::Cow;

use crate::encoding::base64_encode;

pub(super) fn encode(bundle: &Bundle) -> String {
    let (message_signature, dsse_envelope) = match bundle.content() {
        Content::MessageSignature(ms) => (
            Some(wire::MessageSignature {
                message_digest: Some(wire::HashOutput {
                    algorithm: Some(Scalar::Text(
                        ms.message_digest.algorithm.proto_name().into(),
                    )),
                    digest: b64(&ms.message_digest.digest),
                }),
                signature: b64(&ms.signature),
            }),
            None,
        ),
        Content::Dsse(env) => (
            None,
            Some(wire::Envelope {
                payload: b64(&env.payload),
                payload_type: env.payload_type.as_str().into(),
                signatures: vec![wire::Signature {
                    sig: b64(&env.signature.sig),
                    keyid: env.signature.keyid.as_str().into(),
                }],
            }),
        ),
    };
    let (public_key, x509_certificate_chain, certificate) = match bundle.verification_material() {
        VerificationMaterial::PublicKey { hint } => (
            Some(wire::PublicKeyIdentifier {
                hint: hint.as_str().into(),
            }),
            None,
            None,
        ),
        VerificationMaterial::CertificateChain(chain) => (
            None,
            Some(wire::CertificateChain {
                certificates: chain.iter().map(|der| certificate(der)).collect(),
            }),
            None,
        ),
        VerificationMaterial::Certificate(der) => (None, None, Some(certificate(der))),
    };
    let timestamps = bundle.timestamps();
    let doc = wire::Bundle {
        media_type: bundle.media_type().into(),
        verification_material: Some(wire::VerificationMaterial {
            public_key,
            x509_certificate_chain,
            certificate,
            tlog_entries: bundle.tlog_entries().iter().map(entry).collect(),
            timestamp_verification_data: (!timestamps.is_empty()).then(|| {
                wire::TimestampVerificationData {
                    rfc3161_timestamps: timestamps
                        .iter()
                        .map(|ts| wire::SignedTimestamp {
                            signed_timestamp: b64(ts),
                        })
                        .collect(),
                }
            }),
        }),
        message_signature,
        dsse_envelope,
    };
    // Serializing plain structs of strings and vectors cannot fail; an empty object is the
    // harmless fallback should serde_json ever disagree.
    serde_json::to_string(&doc).unwrap_or_else(|_| String::from("{}"))
}

fn certificate(der: &[u8]) -> wire::Certificate<'static> {
    wire::Certificate {
        raw_bytes: b64(der),
    }
}

/// protobuf JSON omits a zero int64.
fn int64(value: i64) -> Option<Scalar<'static>> {
    (value != 0).then_some(Scalar::Number(value))
}

/// Indices and sizes are written even when zero, unlike other int64 fields: protobuf JSON
/// may omit a zero, but rekor-tiles writes these, and strict clients (sigstore-python) refuse
/// an entry without them, which a log's first entry (index 0) would otherwise be. Indices are
/// at most `i64::MAX` (checked when the bundle was built).
fn index(value: u64) -> Option<Scalar<'static>> {
    Some(Scalar::Number(i64::try_from(value).unwrap_or(i64::MAX)))
}

pub(super) fn entry(entry: &TlogEntry) -> wire::TlogEntry<'_> {
    wire::TlogEntry {
        log_index: index(entry.log_index),
        log_id: Some(wire::LogId {
            key_id: b64(&entry.log_id.0),
        }),
        kind_version: Some(wire::KindVersion {
            kind: entry.kind_version.kind.as_str().into(),
            version: entry.kind_version.version.as_str().into(),
        }),
        integrated_time: entry.integrated_time.and_then(|t| int64(t.as_secs())),
        inclusion_promise: entry
            .inclusion_promise
            .as_ref()
            .map(|p| wire::InclusionPromise {
                signed_entry_timestamp: b64(&p.signed_entry_timestamp),
            }),
        inclusion_proof: entry
            .inclusion_proof
            .as_ref()
            .map(|proof| wire::InclusionProof {
                log_index: index(proof.log_index),
                root_hash: b64(&proof.root_hash),
                tree_size: index(proof.tree_size),
                hashes: proof.hashes.iter().map(|h| b64(h)).collect(),
                checkpoint: proof.checkpoint.as_ref().map(|c| wire::Checkpoint {
                    envelope: c.envelope.as_str().into(),
                }),
            }),
        canonicalized_body: b64(&entry.canonicalized_body),
    }
}

fn b64(bytes: &[u8]) -> Cow<'static, str> {
    Cow::Owned(base64_encode(bytes))
}
