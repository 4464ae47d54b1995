//! Dead Simple Signing Envelopes (secure-systems-lab/dsse, `protocol.md` and `envelope.md`).
//!
//! A DSSE signature covers the pre-authentication encoding (PAE) of the payload type and the
//! payload, never the JSON: the type is authenticated, so a payload signed as one kind of
//! document cannot be replayed as another, and no JSON canonicalisation is needed.
//!
//! ```
//! use sigchain_core::dsse::pae;
//! assert_eq!(
//!     pae("http://example.com/HelloWorld", b"hello world"),
//!     b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
//! );
//! ```

use serde::{Deserialize, Serialize};

use crate::crypto::{CryptoError, PublicKey};
use crate::encoding::Base64Bytes;
use crate::limits::Limits;

/// Why an envelope was rejected.
#[derive(Debug, thiserror::Error)]
pub enum DsseError {
    /// The JSON is larger than the bundle limit.
    #[error("envelope JSON is {size} bytes, over the limit of {max}")]
    JsonTooLarge {
        /// Bytes given.
        size: usize,
        /// The bound ([`Limits::max_bundle_bytes`]).
        max: usize,
    },
    /// Not JSON of the envelope shape (or a base64 field does not decode).
    #[error("envelope JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The payload is larger than [`Limits::max_dsse_payload_bytes`].
    #[error("DSSE payload is {size} bytes, over the limit of {max}")]
    PayloadTooLarge {
        /// Decoded payload bytes.
        size: usize,
        /// The bound.
        max: usize,
    },
    /// More signatures than [`Limits::max_dsse_signatures`].
    #[error("DSSE envelope has {count} signatures, over the limit of {max}")]
    TooManySignatures {
        /// Signatures present.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// A Sigstore bundle's envelope must carry exactly one signature.
    #[error("DSSE envelope in a bundle must have exactly one signature, found {count}")]
    SignatureCount {
        /// Signatures present.
        count: usize,
    },
    /// The signature does not verify over the PAE under the given key.
    #[error("DSSE signature does not verify: {0}")]
    BadSignature(CryptoError),
}

/// A DSSE envelope as JSON carries it (`envelope.md`; protobuf-specs `io.intoto.Envelope`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The signed bytes, base64 in JSON.
    pub payload: Base64Bytes,
    /// How to interpret the payload, e.g. `application/vnd.in-toto+json`. Authenticated.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The signatures over [`Envelope::pae`]. Protobuf JSON omits an empty list.
    #[serde(default)]
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// The signature (ASN.1 DER for ECDSA, 64 bytes for Ed25519), base64 in JSON.
    pub sig: Base64Bytes,
    /// Unauthenticated key hint; DSSE forbids basing any decision on it, so it is never read
    /// during verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyid: Option<String>,
}

impl Envelope {
    /// Parse envelope JSON and check it against `limits`.
    pub fn from_json(json: &[u8], limits: &Limits) -> Result<Envelope, DsseError> {
        if json.len() > limits.max_bundle_bytes {
            return Err(DsseError::JsonTooLarge {
                size: json.len(),
                max: limits.max_bundle_bytes,
            });
        }
        let envelope: Envelope = serde_json::from_slice(json)?;
        envelope.check_limits(limits)?;
        Ok(envelope)
    }

    /// Check payload size and signature count against `limits`.
    pub fn check_limits(&self, limits: &Limits) -> Result<(), DsseError> {
        if self.payload.0.len() > limits.max_dsse_payload_bytes {
            return Err(DsseError::PayloadTooLarge {
                size: self.payload.0.len(),
                max: limits.max_dsse_payload_bytes,
            });
        }
        if self.signatures.len() > limits.max_dsse_signatures {
            return Err(DsseError::TooManySignatures {
                count: self.signatures.len(),
                max: limits.max_dsse_signatures,
            });
        }
        Ok(())
    }

    /// The bytes every signature in this envelope signs.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload.0)
    }
}

/// DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal without
/// leading zeros. The lengths make the split between type and body unambiguous.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let type_len = payload_type.len().to_string();
    let body_len = payload.len().to_string();
    let mut out = Vec::with_capacity(
        6 + 4 + type_len.len() + payload_type.len() + body_len.len() + payload.len(),
    );
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(type_len.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(body_len.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Verify a bundle's envelope under `key`, with the default [`Limits`].
///
/// See [`verify_envelope_with_limits`].
pub fn verify_envelope(envelope: &Envelope, key: &PublicKey) -> Result<(), DsseError> {
    verify_envelope_with_limits(envelope, key, &Limits::DEFAULT)
}

/// Verify a bundle's envelope under `key`.
///
/// A Sigstore bundle carries one verification key, so its envelope must have exactly one
/// signature (protobuf-specs `Bundle.dsse_envelope`; sigstore-go's `verifyEnvelope` rejects any
/// other count with "exactly one signature is required"). Accepting "any of several" would let
/// unverifiable extra signatures ride along and confuse whoever reads the envelope next.
///
/// The signature is checked over [`pae`] with the key's default hash (SHA-256 for P-256,
/// SHA-384 for P-384; Ed25519 signs the PAE itself). The payload type is not judged here: the
/// caller checks it is the one it expects (see `crate::intoto`).
pub fn verify_envelope_with_limits(
    envelope: &Envelope,
    key: &PublicKey,
    limits: &Limits,
) -> Result<(), DsseError> {
    envelope.check_limits(limits)?;
    let [signature] = envelope.signatures.as_slice() else {
        return Err(DsseError::SignatureCount {
            count: envelope.signatures.len(),
        });
    };
    key.verify(
        &envelope.pae(),
        signature.sig.as_slice(),
        key.kind().default_hash(),
    )
    .map_err(DsseError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};
    use proptest::prelude::*;

    // The DSSE protocol.md test vector: its P-256 key, and its raw r||s signature re-encoded
    // as ASN.1 DER (the form sigchain's ECDSA verification takes).
    const SPEC_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZ805D3eqNZywjCI19lInBJOp7YMr
CrzAH3CVTAOQ0jgMeCvVTiaRJaRPRDOv8UMs6U4SvKc6pnrIDOoSYI3fdA==
-----END PUBLIC KEY-----";
    const SPEC_ENVELOPE: &str = r#"{"payload": "aGVsbG8gd29ybGQ=",
        "payloadType": "http://example.com/HelloWorld",
        "signatures": [{"sig": "MEQCIANyarEBrVbCdjtsaqyOSHJ14qeRk6CdxfhZ2fjvPEo7AiBR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}"#;

    fn shared(path: &str) -> Vec<u8> {
        let full = format!("{}/../../shared/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    /// A conformance case's envelope and the key of its leaf certificate.
    fn case(name: &str) -> (Envelope, PublicKey) {
        let json = shared(&format!(
            "conformance/bundle-verify/{name}/bundle.sigstore.json"
        ));
        let bundle: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let envelope: Envelope = serde_json::from_value(bundle["dsseEnvelope"].clone()).unwrap();
        let material = &bundle["verificationMaterial"];
        let raw = material["certificate"]["rawBytes"]
            .as_str()
            .or_else(|| material["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())
            .unwrap();
        let cert_der = crate::encoding::base64_decode(raw).unwrap();
        let cert = x509_cert::Certificate::from_der(&cert_der).unwrap();
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap();
        (envelope, PublicKey::from_spki_der(&spki).unwrap())
    }

    #[test]
    fn pae_matches_spec_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn spec_envelope_verifies() {
        let key = PublicKey::from_pem(SPEC_KEY_PEM).unwrap();
        let envelope = Envelope::from_json(SPEC_ENVELOPE.as_bytes(), &Limits::DEFAULT).unwrap();
        assert_eq!(envelope.payload.as_slice(), b"hello world");
        verify_envelope(&envelope, &key).unwrap();
    }

    #[test]
    fn payload_type_and_payload_are_authenticated() {
        let key = PublicKey::from_pem(SPEC_KEY_PEM).unwrap();
        let envelope = Envelope::from_json(SPEC_ENVELOPE.as_bytes(), &Limits::DEFAULT).unwrap();

        let mut other_type = envelope.clone();
        other_type.payload_type = "http://example.com/HelloWorlD".into();
        assert!(matches!(
            verify_envelope(&other_type, &key),
            Err(DsseError::BadSignature(CryptoError::BadSignature))
        ));

        let mut other_body = envelope;
        other_body.payload.0.push(b'!');
        assert!(matches!(
            verify_envelope(&other_body, &key),
            Err(DsseError::BadSignature(_))
        ));
    }

    #[test]
    fn conformance_happy_paths_verify() {
        for name in [
            "happy-path-intoto-in-dsse-v3",
            "rekor2-dsse-happy-path",
            "intoto-with-custom-trust-root",
        ] {
            let (envelope, key) = case(name);
            assert_eq!(envelope.payload_type, "application/vnd.in-toto+json");
            verify_envelope(&envelope, &key).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn conformance_invalid_signatures_are_rejected() {
        for name in ["dsse-invalid-sig_fail", "rekor2-dsse-invalid-sig_fail"] {
            let (envelope, key) = case(name);
            assert!(
                matches!(
                    verify_envelope(&envelope, &key),
                    Err(DsseError::BadSignature(_))
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn exactly_one_signature_is_required() {
        let (envelope, key) = case("happy-path-intoto-in-dsse-v3");

        let mut none = envelope.clone();
        none.signatures.clear();
        assert!(matches!(
            verify_envelope(&none, &key),
            Err(DsseError::SignatureCount { count: 0 })
        ));

        // Even two copies of a valid signature are refused: the bundle has one key.
        let mut two = envelope.clone();
        two.signatures.push(envelope.signatures[0].clone());
        assert!(matches!(
            verify_envelope(&two, &key),
            Err(DsseError::SignatureCount { count: 2 })
        ));
    }

    #[test]
    fn limits_are_enforced() {
        let (envelope, key) = case("happy-path-intoto-in-dsse-v3");
        let small_payload = Limits {
            max_dsse_payload_bytes: envelope.payload.0.len() - 1,
            ..Limits::DEFAULT
        };
        assert!(matches!(
            verify_envelope_with_limits(&envelope, &key, &small_payload),
            Err(DsseError::PayloadTooLarge { .. })
        ));
        let exact = Limits {
            max_dsse_payload_bytes: envelope.payload.0.len(),
            ..Limits::DEFAULT
        };
        verify_envelope_with_limits(&envelope, &key, &exact).unwrap();

        let no_signatures = Limits {
            max_dsse_signatures: 0,
            ..Limits::DEFAULT
        };
        assert!(matches!(
            verify_envelope_with_limits(&envelope, &key, &no_signatures),
            Err(DsseError::TooManySignatures { count: 1, max: 0 })
        ));

        let json = serde_json::to_vec(&envelope).unwrap();
        assert!(matches!(
            Envelope::from_json(&json, &small_payload),
            Err(DsseError::PayloadTooLarge { .. })
        ));
        let tiny_json = Limits {
            max_bundle_bytes: json.len() - 1,
            ..Limits::DEFAULT
        };
        assert!(matches!(
            Envelope::from_json(&json, &tiny_json),
            Err(DsseError::JsonTooLarge { .. })
        ));
        // Exactly at every limit is allowed.
        let exact_everything = Limits {
            max_bundle_bytes: json.len(),
            max_dsse_payload_bytes: envelope.payload.0.len(),
            max_dsse_signatures: envelope.signatures.len(),
            ..Limits::DEFAULT
        };
        Envelope::from_json(&json, &exact_everything).unwrap();
    }

    #[test]
    fn json_field_names_and_bad_base64() {
        let envelope = Envelope {
            payload: Base64Bytes(b"hi".to_vec()),
            payload_type: "t".into(),
            signatures: vec![EnvelopeSignature {
                sig: Base64Bytes(vec![1, 2]),
                keyid: Some(String::new()),
            }],
        };
        assert_eq!(
            serde_json::to_string(&envelope).unwrap(),
            r#"{"payload":"aGk=","payloadType":"t","signatures":[{"sig":"AQI=","keyid":""}]}"#
        );
        let bad = br#"{"payload":"!!","payloadType":"t","signatures":[]}"#;
        assert!(matches!(
            Envelope::from_json(bad, &Limits::DEFAULT),
            Err(DsseError::Json(_))
        ));
        let missing_type = br#"{"payload":"aGk=","signatures":[]}"#;
        assert!(Envelope::from_json(missing_type, &Limits::DEFAULT).is_err());
    }

    fn arb_envelope() -> impl Strategy<Value = Envelope> {
        let sig = (
            proptest::collection::vec(any::<u8>(), 0..80),
            proptest::option::of(".{0,12}"),
        )
            .prop_map(|(sig, keyid)| EnvelopeSignature {
                sig: Base64Bytes(sig),
                keyid,
            });
        (
            proptest::collection::vec(any::<u8>(), 0..200),
            ".{0,40}",
            proptest::collection::vec(sig, 0..4),
        )
            .prop_map(|(payload, payload_type, signatures)| Envelope {
                payload: Base64Bytes(payload),
                payload_type,
                signatures,
            })
    }

    proptest! {
        #[test]
        fn envelope_json_round_trips(envelope in arb_envelope()) {
            let json = serde_json::to_vec(&envelope).unwrap();
            prop_assert_eq!(Envelope::from_json(&json, &Limits::DEFAULT).unwrap(), envelope);
        }

        #[test]
        fn from_json_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Envelope::from_json(&bytes, &Limits::DEFAULT);
        }

        #[test]
        fn pae_splits_unambiguously(t in ".{0,20}", body in proptest::collection::vec(any::<u8>(), 0..40)) {
            let encoded = pae(&t, &body);
            let header = format!("DSSEv1 {} {} {} ", t.len(), t, body.len());
            prop_assert_eq!(&encoded[..header.len()], header.as_bytes());
            prop_assert_eq!(&encoded[header.len()..], body.as_slice());
        }
    }
}
