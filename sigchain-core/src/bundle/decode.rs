//! From the JSON shape to typed values: media type, base64, int64, enums and `oneof`s.
//!
//! Emptiness and cross-field rules are left to `validate`, which also guards
//! `Bundle::from_parts`, so each rule lives in one place.

use super::media_type::{classify, MediaTypeMatch};
use super::model::{
    Checkpoint, Content, DigestAlgorithm, DsseEnvelope, DsseSignature, InclusionPromise,
    InclusionProof, KindVersion, MessageDigest, MessageSignature, TlogEntry, VerificationMaterial,
};
use super::wire::{self, Scalar};
use super::{BundleError, BundleParts};
use crate::encoding::base64_decode;
use crate::time::Timestamp;
use crate::trust_root::LogId;

pub(super) fn decode(doc: wire::Bundle) -> Result<(&'static str, BundleParts), BundleError> {
    let (version, media_type) = match classify(&doc.media_type) {
        MediaTypeMatch::Known(version, spelling) => (version, spelling),
        MediaTypeMatch::UnsupportedVersion(version) => {
            return Err(BundleError::UnsupportedVersion { version })
        }
        MediaTypeMatch::NotABundle => {
            return Err(BundleError::NotABundle {
                media_type: doc.media_type.into_owned(),
            })
        }
    };
    let material = doc.verification_material.ok_or(BundleError::MissingField {
        field: "verificationMaterial",
    })?;
    let content = decode_content(doc.message_signature, doc.dsse_envelope)?;
    let verification_material = decode_material(
        material.public_key,
        material.x509_certificate_chain,
        material.certificate,
    )?;
    let tlog_entries = material
        .tlog_entries
        .into_iter()
        .map(decode_entry)
        .collect::<Result<_, _>>()?;
    let timestamps = material
        .timestamp_verification_data
        .map(|data| data.rfc3161_timestamps)
        .unwrap_or_default()
        .into_iter()
        .map(|ts| {
            bytes(
                "verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp",
                &ts.signed_timestamp,
            )
        })
        .collect::<Result<_, _>>()?;
    Ok((
        media_type,
        BundleParts {
            version,
            content,
            verification_material,
            tlog_entries,
            timestamps,
        },
    ))
}

fn decode_content(
    message_signature: Option<wire::MessageSignature>,
    dsse_envelope: Option<wire::Envelope>,
) -> Result<Content, BundleError> {
    match (message_signature, dsse_envelope) {
        (Some(_), Some(_)) => Err(BundleError::ConflictingFields {
            first: "messageSignature",
            second: "dsseEnvelope",
        }),
        (None, None) => Err(BundleError::MissingField {
            field: "messageSignature | dsseEnvelope",
        }),
        (Some(ms), None) => {
            let digest = ms.message_digest.ok_or(BundleError::MissingField {
                field: "messageSignature.messageDigest",
            })?;
            Ok(Content::MessageSignature(MessageSignature {
                message_digest: MessageDigest {
                    algorithm: digest_algorithm(digest.algorithm)?,
                    digest: bytes("messageSignature.messageDigest.digest", &digest.digest)?,
                },
                signature: bytes("messageSignature.signature", &ms.signature)?,
            }))
        }
        (None, Some(env)) => {
            let count = env.signatures.len();
            let mut signatures = env.signatures.into_iter();
            let (Some(only), None) = (signatures.next(), signatures.next()) else {
                return Err(BundleError::DsseSignatureCount { count });
            };
            Ok(Content::Dsse(DsseEnvelope {
                payload: bytes("dsseEnvelope.payload", &env.payload)?,
                payload_type: env.payload_type.into_owned(),
                signature: DsseSignature {
                    sig: bytes("dsseEnvelope.signatures[].sig", &only.sig)?,
                    keyid: only.keyid.into_owned(),
                },
            }))
        }
    }
}

fn decode_material(
    public_key: Option<wire::PublicKeyIdentifier>,
    chain: Option<wire::CertificateChain>,
    certificate: Option<wire::Certificate>,
) -> Result<VerificationMaterial, BundleError> {
    const KEY: &str = "verificationMaterial.publicKey";
    const CHAIN: &str = "verificationMaterial.x509CertificateChain";
    const CERT: &str = "verificationMaterial.certificate";
    match (public_key, chain, certificate) {
        (Some(key), None, None) => Ok(VerificationMaterial::PublicKey {
            hint: key.hint.into_owned(),
        }),
        (None, Some(chain), None) => Ok(VerificationMaterial::CertificateChain(
            chain
                .certificates
                .iter()
                .map(|c| {
                    bytes(
                        "verificationMaterial.x509CertificateChain.certificates[].rawBytes",
                        &c.raw_bytes,
                    )
                })
                .collect::<Result<_, _>>()?,
        )),
        (None, None, Some(cert)) => Ok(VerificationMaterial::Certificate(bytes(
            "verificationMaterial.certificate.rawBytes",
            &cert.raw_bytes,
        )?)),
        (None, None, None) => Err(BundleError::MissingField {
            field: "verificationMaterial.publicKey | x509CertificateChain | certificate",
        }),
        (Some(_), Some(_), _) => Err(BundleError::ConflictingFields {
            first: KEY,
            second: CHAIN,
        }),
        (Some(_), None, Some(_)) => Err(BundleError::ConflictingFields {
            first: KEY,
            second: CERT,
        }),
        (None, Some(_), Some(_)) => Err(BundleError::ConflictingFields {
            first: CHAIN,
            second: CERT,
        }),
    }
}

pub(super) fn decode_entry(entry: wire::TlogEntry) -> Result<TlogEntry, BundleError> {
    let log_id = entry.log_id.ok_or(BundleError::MissingField {
        field: "verificationMaterial.tlogEntries[].logId",
    })?;
    let kind_version = entry.kind_version.ok_or(BundleError::MissingField {
        field: "verificationMaterial.tlogEntries[].kindVersion",
    })?;
    // protobuf JSON omits a zero int64, so absence means 0: a genuine first entry (index 0)
    // or a Rekor v2 entry (no integrated time) looks exactly like this.
    let integrated_time = non_negative_i64(
        "verificationMaterial.tlogEntries[].integratedTime",
        entry.integrated_time,
    )?;
    Ok(TlogEntry {
        log_index: non_negative(
            "verificationMaterial.tlogEntries[].logIndex",
            entry.log_index,
        )?,
        log_id: LogId(bytes(
            "verificationMaterial.tlogEntries[].logId.keyId",
            &log_id.key_id,
        )?),
        kind_version: KindVersion {
            kind: kind_version.kind.into_owned(),
            version: kind_version.version.into_owned(),
        },
        // Zero is "unset" in protobuf JSON, and no log integrates at the epoch.
        integrated_time: (integrated_time > 0).then_some(Timestamp(integrated_time)),
        inclusion_promise: entry
            .inclusion_promise
            .map(|p| {
                bytes(
                    "verificationMaterial.tlogEntries[].inclusionPromise.signedEntryTimestamp",
                    &p.signed_entry_timestamp,
                )
                .map(|set| InclusionPromise {
                    signed_entry_timestamp: set,
                })
            })
            .transpose()?,
        inclusion_proof: entry.inclusion_proof.map(decode_proof).transpose()?,
        canonicalized_body: bytes(
            "verificationMaterial.tlogEntries[].canonicalizedBody",
            &entry.canonicalized_body,
        )?,
    })
}

fn decode_proof(proof: wire::InclusionProof) -> Result<InclusionProof, BundleError> {
    Ok(InclusionProof {
        log_index: non_negative(
            "verificationMaterial.tlogEntries[].inclusionProof.logIndex",
            proof.log_index,
        )?,
        root_hash: bytes(
            "verificationMaterial.tlogEntries[].inclusionProof.rootHash",
            &proof.root_hash,
        )?,
        tree_size: non_negative(
            "verificationMaterial.tlogEntries[].inclusionProof.treeSize",
            proof.tree_size,
        )?,
        hashes: proof
            .hashes
            .iter()
            .map(|h| {
                bytes(
                    "verificationMaterial.tlogEntries[].inclusionProof.hashes[]",
                    h,
                )
            })
            .collect::<Result<_, _>>()?,
        checkpoint: proof.checkpoint.map(|c| Checkpoint {
            envelope: c.envelope.into_owned(),
        }),
    })
}

/// protobuf JSON `bytes`. Line breaks are skipped as Go's protojson (via `encoding/base64`)
/// and Python's `b64decode` skip them: tools such as `base64(1)` wrap at 76 columns, and
/// real bundles (conformance `rekor2-timestamp-with-incorrect-time_fail`) carry such text.
fn bytes(field: &'static str, text: &str) -> Result<Vec<u8>, BundleError> {
    // Line-wrapped base64 (as Go and Python accept) is rare: only strip line breaks when the
    // plain decode fails.
    base64_decode(text)
        .or_else(|| {
            let unwrapped: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
            (unwrapped.len() != text.len())
                .then(|| base64_decode(&unwrapped))
                .flatten()
        })
        .ok_or(BundleError::InvalidBase64 { field })
}

/// An int64 field that must not be negative (indices, sizes, times); absent means 0.
fn non_negative_i64(field: &'static str, value: Option<Scalar>) -> Result<i64, BundleError> {
    let n = match value {
        None => 0,
        Some(Scalar::Number(n)) => n,
        Some(Scalar::Text(text)) => match text.parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                return Err(BundleError::InvalidInteger {
                    field,
                    text: text.into_owned(),
                })
            }
        },
    };
    if n < 0 {
        return Err(BundleError::NegativeInteger { field, value: n });
    }
    Ok(n)
}

/// As [`non_negative_i64`], for indices and sizes.
fn non_negative(field: &'static str, value: Option<Scalar>) -> Result<u64, BundleError> {
    let n = non_negative_i64(field, value)?;
    u64::try_from(n).map_err(|_| BundleError::NegativeInteger { field, value: n })
}

fn digest_algorithm(value: Option<Scalar>) -> Result<DigestAlgorithm, BundleError> {
    let found = match &value {
        Some(Scalar::Text(name)) => DigestAlgorithm::ALL
            .into_iter()
            .find(|a| a.proto_name() == name),
        Some(Scalar::Number(n)) => DigestAlgorithm::ALL
            .into_iter()
            .find(|a| a.proto_number() == *n),
        None => None,
    };
    found.ok_or_else(|| BundleError::UnknownHashAlgorithm {
        value: match value {
            Some(Scalar::Text(name)) => name.into_owned(),
            Some(Scalar::Number(n)) => n.to_string(),
            None => "HASH_ALGORITHM_UNSPECIFIED".to_owned(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int64_accepts_strings_and_numbers() {
        let f = "f";
        assert_eq!(non_negative(f, None).unwrap(), 0);
        assert_eq!(non_negative(f, Some(Scalar::Number(7))).unwrap(), 7);
        assert_eq!(
            non_negative(f, Some(Scalar::Text("42".into()))).unwrap(),
            42
        );
        assert!(matches!(
            non_negative(f, Some(Scalar::Text("-1".into()))),
            Err(BundleError::NegativeInteger { value: -1, .. })
        ));
        assert!(matches!(
            non_negative(f, Some(Scalar::Number(-5))),
            Err(BundleError::NegativeInteger { value: -5, .. })
        ));
        assert!(matches!(
            non_negative(f, Some(Scalar::Text("1.5".into()))),
            Err(BundleError::InvalidInteger { .. })
        ));
        assert!(matches!(
            non_negative(f, Some(Scalar::Text("18446744073709551615".into()))),
            Err(BundleError::InvalidInteger { .. })
        ));
    }

    #[test]
    fn base64_skips_line_breaks_only() {
        assert_eq!(bytes("f", "+/8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(bytes("f", "+/\r\n8=\n").unwrap(), vec![0xfb, 0xff]);
        assert!(matches!(
            bytes("f", "+/ 8="),
            Err(BundleError::InvalidBase64 { field: "f" })
        ));
        assert!(bytes("f", "!!").is_err());
    }

    #[test]
    fn algorithm_by_name_or_number_only_if_defined() {
        assert_eq!(
            digest_algorithm(Some(Scalar::Text("SHA2_384".into()))).unwrap(),
            DigestAlgorithm::Sha2_384
        );
        assert_eq!(
            digest_algorithm(Some(Scalar::Number(1))).unwrap(),
            DigestAlgorithm::Sha2_256
        );
        for bad in [
            Some(Scalar::Text("MD5".into())),
            Some(Scalar::Text("HASH_ALGORITHM_UNSPECIFIED".into())),
            Some(Scalar::Number(0)),
            Some(Scalar::Number(9)),
            None,
        ] {
            assert!(matches!(
                digest_algorithm(bad),
                Err(BundleError::UnknownHashAlgorithm { .. })
            ));
        }
    }
}
