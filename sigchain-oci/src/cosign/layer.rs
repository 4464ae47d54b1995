//! One signature as cosign's tag scheme stores it: a layer (the signed payload, or a DSSE
//! envelope) plus annotations carrying the signature, certificate, chain, Rekor bundle and
//! RFC 3161 timestamp, and the conversions between that and a Sigstore bundle.
//!
//! A layer read back becomes a **v0.1** bundle: cosign's Rekor bundle annotation carries the
//! log's signed promise (SET) but no inclusion proof. Either the proof is fetched from the log
//! and added ([`super::proof`]), after which the bundle verifies like any other, or the
//! verifier must be configured to accept promise-only entries
//! ([`VerifierConfig::require_inclusion_proof`] off), the trade cosign itself makes for this
//! form. Bundles stored as referrers keep their proofs.
//!
//! [`VerifierConfig::require_inclusion_proof`]: sigchain_core::verify::VerifierConfig::require_inclusion_proof

use std::collections::BTreeMap;

use sigchain_core::bundle::{
    Bundle, BundleParts, BundleVersion, Content, DigestAlgorithm, DsseEnvelope, DsseSignature,
    MessageDigest, MessageSignature, VerificationMaterial,
};
use sigchain_core::crypto::Sha256Digest;
use sigchain_core::dsse::Envelope;
use sigchain_core::encoding::{base64_decode, base64_encode, Base64Bytes};
use sigchain_core::intoto::Statement;
use sigchain_core::limits::Limits;

use super::annotations::{
    certificates_pem, parse_certificates_pem, parse_rekor_bundle, parse_rfc3161,
    rekor_bundle_annotation, rfc3161_annotation,
};
use super::wire::WireDescriptor;
use super::{
    CosignError, StorageLimits, BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION,
    DSSE_MEDIA_TYPE, PREDICATE_TYPE_ANNOTATION, RFC3161_ANNOTATION, SIGNATURE_ANNOTATION,
    SIMPLE_SIGNING_MEDIA_TYPE,
};

/// Which of cosign's signature forms a layer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    /// A `.sig` layer: a simple-signing payload, its signature in an annotation.
    Signature,
    /// A `.att` layer: a DSSE envelope holding an in-toto statement.
    Attestation,
}

impl LayerKind {
    /// The layer media type cosign writes for this kind.
    pub fn media_type(self) -> &'static str {
        match self {
            LayerKind::Signature => SIMPLE_SIGNING_MEDIA_TYPE,
            LayerKind::Attestation => DSSE_MEDIA_TYPE,
        }
    }
}

/// A signature layer: its content and annotations, as stored. Unverified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLayer {
    /// Which form.
    pub kind: LayerKind,
    /// The layer's bytes: the simple-signing payload, or the DSSE envelope JSON.
    pub content: Vec<u8>,
    /// The layer descriptor's annotations.
    pub annotations: BTreeMap<String, String>,
}

impl SignatureLayer {
    /// The `.sig` layer for a bundle whose message signature covers `payload` (a simple-signing
    /// payload, [`crate::simple_signing`]), as our signing machine makes it.
    ///
    /// The bundle's first log entry with an inclusion promise becomes the Rekor bundle
    /// annotation; a bundle whose entries have none (Rekor v2) cannot be stored in this form
    /// ([`CosignError::NoInclusionPromise`]): store it as a referrer instead.
    pub fn signature_from_bundle(
        bundle: &Bundle,
        payload: &[u8],
    ) -> Result<SignatureLayer, CosignError> {
        let Content::MessageSignature(signature) = bundle.content() else {
            return Err(CosignError::WrongContent {
                expected: "a message signature",
            });
        };
        let computed = Sha256Digest::of(payload);
        if signature.message_digest.algorithm != DigestAlgorithm::Sha2_256
            || signature.message_digest.digest != computed.as_bytes()[..]
        {
            return Err(CosignError::PayloadNotSigned);
        }
        let mut annotations = common_annotations(bundle)?;
        annotations.insert(
            SIGNATURE_ANNOTATION.to_owned(),
            base64_encode(&signature.signature),
        );
        Ok(SignatureLayer {
            kind: LayerKind::Signature,
            content: payload.to_vec(),
            annotations,
        })
    }

    /// The `.att` layer for a bundle holding a DSSE envelope with an in-toto statement: the
    /// envelope JSON as content, `predicateType` annotated, and an empty signature annotation
    /// (the signature is inside the envelope), as `cosign attest` writes it.
    pub fn attestation_from_bundle(bundle: &Bundle) -> Result<SignatureLayer, CosignError> {
        let Content::Dsse(envelope) = bundle.content() else {
            return Err(CosignError::WrongContent {
                expected: "a DSSE envelope",
            });
        };
        let statement = Statement::from_json(&envelope.payload, &Limits::DEFAULT)
            .map_err(|e| CosignError::Statement(e.to_string()))?;
        let mut annotations = common_annotations(bundle)?;
        annotations.insert(SIGNATURE_ANNOTATION.to_owned(), String::new());
        annotations.insert(
            PREDICATE_TYPE_ANNOTATION.to_owned(),
            statement.predicate_type.clone(),
        );
        Ok(SignatureLayer {
            kind: LayerKind::Attestation,
            content: envelope_json(envelope),
            annotations,
        })
    }

    /// The layer's descriptor (media type, size, digest, annotations).
    pub fn descriptor(&self) -> WireDescriptor {
        let mut descriptor = WireDescriptor::of(self.kind.media_type(), &self.content);
        descriptor.annotations = Some(self.annotations.clone());
        descriptor
    }

    /// Read a layer from its descriptor and content (already checked against the descriptor by
    /// the store). The media type decides the kind; anything else is refused.
    pub fn from_stored(
        descriptor: &WireDescriptor,
        content: Vec<u8>,
    ) -> Result<SignatureLayer, CosignError> {
        let kind = match descriptor.media_type.as_str() {
            SIMPLE_SIGNING_MEDIA_TYPE => LayerKind::Signature,
            DSSE_MEDIA_TYPE => LayerKind::Attestation,
            other => {
                return Err(CosignError::UnexpectedMediaType {
                    media_type: other.to_owned(),
                })
            }
        };
        Ok(SignatureLayer {
            kind,
            content,
            annotations: descriptor.annotations.clone().unwrap_or_default(),
        })
    }

    /// The `predicateType` annotation (unverified; the statement inside decides).
    pub fn predicate_type(&self) -> Option<&str> {
        self.annotations
            .get(PREDICATE_TYPE_ANNOTATION)
            .map(String::as_str)
    }

    /// The v0.1 bundle these annotations and this content make, for the verifier. Nothing is
    /// verified; every annotation is parsed under `limits`.
    pub fn to_bundle(&self, limits: &StorageLimits) -> Result<Bundle, CosignError> {
        let content = match self.kind {
            LayerKind::Signature => {
                let text = self
                    .annotations
                    .get(SIGNATURE_ANNOTATION)
                    .ok_or(CosignError::MissingAnnotation(SIGNATURE_ANNOTATION))?;
                let signature = base64_decode(text)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| CosignError::BadAnnotation {
                        annotation: SIGNATURE_ANNOTATION,
                        reason: "not base64, or empty".into(),
                    })?;
                Content::MessageSignature(MessageSignature {
                    message_digest: MessageDigest {
                        algorithm: DigestAlgorithm::Sha2_256,
                        digest: Sha256Digest::of(&self.content).as_bytes().to_vec(),
                    },
                    signature,
                })
            }
            LayerKind::Attestation => {
                let envelope = Envelope::from_json(&self.content, &Limits::DEFAULT)
                    .map_err(|e| CosignError::Envelope(e.to_string()))?;
                let [signature] = envelope.signatures.as_slice() else {
                    return Err(CosignError::Envelope(format!(
                        "{} signatures, one expected",
                        envelope.signatures.len()
                    )));
                };
                Content::Dsse(DsseEnvelope {
                    payload: envelope.payload.0.clone(),
                    payload_type: envelope.payload_type.clone(),
                    signature: DsseSignature {
                        sig: signature.sig.0.clone(),
                        keyid: signature.keyid.clone().unwrap_or_default(),
                    },
                })
            }
        };
        let certificate = self
            .annotations
            .get(CERTIFICATE_ANNOTATION)
            .filter(|text| !text.trim().is_empty());
        let verification_material = match certificate {
            Some(text) => {
                let mut chain = parse_certificates_pem(CERTIFICATE_ANNOTATION, text, 1, limits)?;
                if let Some(rest) = self.annotations.get(CHAIN_ANNOTATION) {
                    chain.extend(parse_certificates_pem(
                        CHAIN_ANNOTATION,
                        rest,
                        limits.max_chain_certificates,
                        limits,
                    )?);
                }
                VerificationMaterial::CertificateChain(chain)
            }
            // A key-signed layer: the verifier is given the key out of band.
            None => VerificationMaterial::PublicKey {
                hint: String::new(),
            },
        };
        let tlog_entries = match self.annotations.get(BUNDLE_ANNOTATION) {
            Some(text) => vec![parse_rekor_bundle(text, limits)?],
            None => Vec::new(),
        };
        let timestamps = match self.annotations.get(RFC3161_ANNOTATION) {
            Some(text) => vec![parse_rfc3161(text, limits)?],
            None => Vec::new(),
        };
        let parts = BundleParts {
            version: BundleVersion::V0_1,
            content,
            verification_material,
            tlog_entries,
            timestamps,
        };
        Bundle::from_parts(parts, &Limits::DEFAULT).map_err(CosignError::Bundle)
    }
}

/// Certificate, chain, Rekor bundle and timestamp annotations, as cosign writes them.
fn common_annotations(bundle: &Bundle) -> Result<BTreeMap<String, String>, CosignError> {
    let mut annotations = BTreeMap::new();
    match bundle.verification_material() {
        VerificationMaterial::Certificate(leaf) => {
            annotations.insert(
                CERTIFICATE_ANNOTATION.to_owned(),
                certificates_pem(std::slice::from_ref(leaf)),
            );
            // cosign writes the chain key even when it has no chain.
            annotations.insert(CHAIN_ANNOTATION.to_owned(), String::new());
        }
        VerificationMaterial::CertificateChain(chain) => {
            let (leaf, rest) = chain.split_first().ok_or(CosignError::WrongContent {
                expected: "a certificate",
            })?;
            annotations.insert(
                CERTIFICATE_ANNOTATION.to_owned(),
                certificates_pem(std::slice::from_ref(leaf)),
            );
            annotations.insert(CHAIN_ANNOTATION.to_owned(), certificates_pem(rest));
        }
        VerificationMaterial::PublicKey { .. } => {}
    }
    if let Some(first) = bundle.tlog_entries().first() {
        let promised = bundle
            .tlog_entries()
            .iter()
            .find_map(rekor_bundle_annotation)
            .ok_or(CosignError::NoInclusionPromise {
                kind_version: format!("{} {}", first.kind_version.kind, first.kind_version.version),
            })?;
        annotations.insert(BUNDLE_ANNOTATION.to_owned(), promised);
    }
    if let Some(stamp) = bundle.timestamps().first() {
        annotations.insert(RFC3161_ANNOTATION.to_owned(), rfc3161_annotation(stamp));
    }
    Ok(annotations)
}

/// The envelope JSON in the field order of the DSSE reference implementation cosign uses.
fn envelope_json(envelope: &DsseEnvelope) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Wire<'a> {
        #[serde(rename = "payloadType")]
        payload_type: &'a str,
        payload: Base64Bytes,
        signatures: [Sig<'a>; 1],
    }
    #[derive(serde::Serialize)]
    struct Sig<'a> {
        keyid: &'a str,
        sig: Base64Bytes,
    }
    let wire = Wire {
        payload_type: &envelope.payload_type,
        payload: Base64Bytes(envelope.payload.clone()),
        signatures: [Sig {
            keyid: &envelope.signature.keyid,
            sig: Base64Bytes(envelope.signature.sig.clone()),
        }],
    };
    serde_json::to_vec(&wire).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIMITS: StorageLimits = StorageLimits::DEFAULT;

    fn layer(kind: LayerKind, content: &[u8], annotations: &[(&str, &str)]) -> SignatureLayer {
        SignatureLayer {
            kind,
            content: content.to_vec(),
            annotations: annotations
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_key_signed_layer_without_log_entry_is_a_bundle_with_a_key_hint() {
        let bundle = layer(
            LayerKind::Signature,
            b"payload",
            &[(SIGNATURE_ANNOTATION, "AQID")],
        )
        .to_bundle(&LIMITS)
        .unwrap();
        assert_eq!(bundle.version(), BundleVersion::V0_1);
        assert!(matches!(
            bundle.verification_material(),
            VerificationMaterial::PublicKey { .. }
        ));
        let Content::MessageSignature(signature) = bundle.content() else {
            panic!("a message signature");
        };
        assert_eq!(signature.signature, vec![1, 2, 3]);
        assert_eq!(
            signature.message_digest.digest,
            Sha256Digest::of(b"payload").as_bytes()[..]
        );
        assert!(bundle.tlog_entries().is_empty());
    }

    #[test]
    fn unusable_layers_are_refused_with_their_reason() {
        assert!(matches!(
            layer(LayerKind::Signature, b"p", &[]).to_bundle(&LIMITS),
            Err(CosignError::MissingAnnotation(SIGNATURE_ANNOTATION))
        ));
        for bad in ["", "not base64!"] {
            assert!(matches!(
                layer(LayerKind::Signature, b"p", &[(SIGNATURE_ANNOTATION, bad)])
                    .to_bundle(&LIMITS),
                Err(CosignError::BadAnnotation { .. })
            ));
        }
        assert!(matches!(
            layer(
                LayerKind::Signature,
                b"p",
                &[
                    (SIGNATURE_ANNOTATION, "AQID"),
                    (CERTIFICATE_ANNOTATION, "junk")
                ]
            )
            .to_bundle(&LIMITS),
            Err(CosignError::BadAnnotation { .. })
        ));
        let two =
            br#"{"payloadType":"t","payload":"cA==","signatures":[{"sig":"AQ=="},{"sig":"Ag=="}]}"#;
        assert!(matches!(
            layer(LayerKind::Attestation, two, &[]).to_bundle(&LIMITS),
            Err(CosignError::Envelope(_))
        ));
        assert!(matches!(
            layer(LayerKind::Attestation, b"not json", &[]).to_bundle(&LIMITS),
            Err(CosignError::Envelope(_))
        ));
        let descriptor = WireDescriptor::of("application/octet-stream", b"x");
        assert!(matches!(
            SignatureLayer::from_stored(&descriptor, b"x".to_vec()),
            Err(CosignError::UnexpectedMediaType { .. })
        ));
    }

    #[test]
    fn an_attestation_layer_is_a_dsse_bundle() {
        let envelope = br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AQID"}]}"#;
        let bundle = layer(
            LayerKind::Attestation,
            envelope,
            &[(SIGNATURE_ANNOTATION, "")],
        )
        .to_bundle(&LIMITS)
        .unwrap();
        let Content::Dsse(dsse) = bundle.content() else {
            panic!("a DSSE envelope");
        };
        assert_eq!(dsse.payload, b"{}");
        assert_eq!(envelope_json(dsse), envelope.to_vec());
    }

    proptest! {
        #[test]
        fn conversion_never_panics(
            content in proptest::collection::vec(any::<u8>(), 0..200),
            signature in "\\PC{0,40}",
            certificate in "\\PC{0,80}",
            rekor in "\\PC{0,200}",
        ) {
            for kind in [LayerKind::Signature, LayerKind::Attestation] {
                let layer = layer(kind, &content, &[
                    (SIGNATURE_ANNOTATION, &signature),
                    (CERTIFICATE_ANNOTATION, &certificate),
                    (BUNDLE_ANNOTATION, &rekor),
                    (RFC3161_ANNOTATION, &rekor),
                ]);
                let _ = layer.to_bundle(&LIMITS);
            }
        }
    }
}
