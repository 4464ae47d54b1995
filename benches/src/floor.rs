//! The crypto floor: the signature checks no keyless bundle verification can skip, with the
//! real keys and signatures of one conformance bundle.
//!
//! A Rekor v1 keyless bundle carries five signatures: the Fulcio intermediate's over the leaf
//! certificate (P-384), the leaf key's over the artifact, the CT log's over the embedded SCT,
//! and the Rekor key's over the SET and over the checkpoint (all P-256). Whatever else a
//! verifier does (parsing, chain building, Merkle hashing, policy) is overhead on top of these.

use aws_lc_rs::signature::{self, ParsedPublicKey, UnparsedPublicKey, VerificationAlgorithm};
use der::{Decode, Encode};
use sigchain_core::bundle::{Bundle, Content};
use sigchain_core::crypto::aws_lc::AwsLcBackend;
use sigchain_core::crypto::{CryptoBackend, HashAlgorithm, KeyKind, PreparedKey, PublicKey};
use sigchain_core::encoding::{base64_decode, base64_encode, hex_encode};
use sigchain_core::limits::Limits;
use sigchain_core::sct::parse_sct_list;
use sigchain_core::trust_root::TrustedRoot;
use x509_cert::Certificate;

use crate::cases::Case;
use crate::FixtureError;

const OID_ECDSA_SHA256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
// RFC 6962 §3.3: the embedded SCT list extension, removed again to rebuild the precertificate.
const OID_SCT_LIST: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

/// One signature with everything needed to check it.
#[derive(Debug, Clone)]
pub struct SignedMessage {
    /// Which signature this is, for messages.
    pub what: &'static str,
    /// The signer's key type.
    pub kind: KeyKind,
    /// The hash the signature was made with.
    pub hash: HashAlgorithm,
    /// The signer's public key as a SEC1 point.
    pub key_point: Vec<u8>,
    /// The signed bytes (hashed by the verify call).
    pub message: Vec<u8>,
    /// The ASN.1 DER ECDSA signature.
    pub signature: Vec<u8>,
}

impl SignedMessage {
    /// Check the signature with sigchain's backend `B`, preparing the key first.
    pub fn verifies_with<B: CryptoBackend>(&self) -> bool {
        B::prepare_key(self.kind, &self.key_point)
            .and_then(|key| key.verify(&self.message, &self.signature, self.hash))
            .is_ok()
    }

    /// The aws-lc-rs algorithm for this key type and hash, if it is one of the ECDSA pairs.
    pub fn aws_lc_algorithm(&self) -> Option<&'static dyn VerificationAlgorithm> {
        match (self.kind, self.hash) {
            (KeyKind::EcdsaP256, HashAlgorithm::Sha256) => Some(&signature::ECDSA_P256_SHA256_ASN1),
            (KeyKind::EcdsaP384, HashAlgorithm::Sha384) => Some(&signature::ECDSA_P384_SHA384_ASN1),
            (KeyKind::EcdsaP384, HashAlgorithm::Sha256) => Some(&signature::ECDSA_P384_SHA256_ASN1),
            _ => None,
        }
    }
}

/// The five floor signatures of one bundle.
#[derive(Debug, Clone)]
pub struct FloorInputs {
    /// Fulcio intermediate (P-384) over the leaf certificate's TBSCertificate.
    pub leaf_certificate: SignedMessage,
    /// Leaf key (P-256) over the artifact.
    pub artifact: SignedMessage,
    /// CT log key (P-256) over the precertificate SCT structure (RFC 6962 §3.2).
    pub sct: SignedMessage,
    /// Rekor key (P-256) over the canonical entry (the SET).
    pub set: SignedMessage,
    /// Rekor key (P-256) over the checkpoint note body.
    pub checkpoint: SignedMessage,
}

/// Split a DER SubjectPublicKeyInfo into key type and SEC1 point.
fn key_point(spki_der: &[u8]) -> Result<(KeyKind, Vec<u8>), FixtureError> {
    let kind = PublicKey::from_spki_der(spki_der)
        .map_err(|_| FixtureError::Malformed("public key"))?
        .kind();
    let spki = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(spki_der)?;
    Ok((kind, spki.subject_public_key.raw_bytes().to_vec()))
}

impl FloorInputs {
    /// Extract the five signatures from a keyless message-signature bundle, with the
    /// production trusted root's keys. Each one is checked before it is returned.
    pub fn extract(case: &Case) -> Result<FloorInputs, FixtureError> {
        let bundle = Bundle::from_json(&case.bundle_json, &Limits::default())?;
        let Content::MessageSignature(message_signature) = bundle.content() else {
            return Err(FixtureError::Missing("message signature"));
        };
        let signed = (case.artifact.clone(), message_signature.signature.clone());
        FloorInputs::extract_from(&bundle, TrustedRoot::production(), signed)
    }

    /// Extract the five signatures from any keyless Rekor v1 bundle and the trusted root it
    /// verifies against. `signed` is what the leaf key signed and its signature: the artifact
    /// for a message signature, the DSSE pre-authentication encoding
    /// ([`FloorInputs::dsse_signed`]) for an envelope. Each one is checked before it is
    /// returned.
    pub fn extract_from(
        bundle: &Bundle,
        root: &TrustedRoot,
        signed: (Vec<u8>, Vec<u8>),
    ) -> Result<FloorInputs, FixtureError> {
        let leaf_der = bundle
            .verification_material()
            .leaf_certificate_der()
            .ok_or(FixtureError::Missing("certificate"))?;
        let leaf = Certificate::from_der(leaf_der)?;
        let cas = root
            .certificate_authorities
            .iter()
            .flat_map(|ca| ca.chain.iter());
        let (leaf_certificate, issuer_spki_der) =
            issued_by("leaf certificate", &leaf, cas.map(Vec::as_slice))?;

        let (leaf_kind, leaf_point) =
            key_point(&leaf.tbs_certificate.subject_public_key_info.to_der()?)?;
        let (message, signature) = signed;
        let artifact = SignedMessage {
            what: "artifact",
            kind: leaf_kind,
            hash: HashAlgorithm::Sha256,
            key_point: leaf_point,
            message,
            signature,
        };

        let sct = sct_signature(&leaf, &issuer_spki_der, root)?;
        let entry = bundle
            .tlog_entries()
            .first()
            .ok_or(FixtureError::Missing("tlog entry"))?;
        let rekor = root
            .tlog(&entry.log_id.0)
            .ok_or(FixtureError::NoVerifyingKey("SET"))?;
        let (rekor_kind, rekor_point) = key_point(&rekor.key_der)?;

        let integrated_time = entry
            .integrated_time
            .ok_or(FixtureError::Missing("integrated time"))?;
        // The SET signs the entry's canonical JSON: keys sorted, no whitespace.
        let set_payload = format!(
            r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
            base64_encode(&entry.canonicalized_body),
            integrated_time.as_secs(),
            hex_encode(&entry.log_id.0),
            entry.log_index,
        );
        let set = SignedMessage {
            what: "SET",
            kind: rekor_kind,
            hash: HashAlgorithm::Sha256,
            key_point: rekor_point.clone(),
            message: set_payload.into_bytes(),
            signature: entry
                .inclusion_promise
                .as_ref()
                .ok_or(FixtureError::Missing("inclusion promise"))?
                .signed_entry_timestamp
                .clone(),
        };

        let envelope = &entry
            .inclusion_proof
            .as_ref()
            .and_then(|p| p.checkpoint.as_ref())
            .ok_or(FixtureError::Missing("checkpoint"))?
            .envelope;
        let checkpoint = checkpoint_signature(envelope, rekor_kind, rekor_point)?;

        let inputs = FloorInputs {
            leaf_certificate,
            artifact,
            sct,
            set,
            checkpoint,
        };
        for signed in inputs.all() {
            if !signed.verifies_with::<AwsLcBackend>() {
                return Err(FixtureError::NoVerifyingKey(signed.what));
            }
        }
        Ok(inputs)
    }

    /// What the leaf key of a DSSE bundle signed (the pre-authentication encoding of the
    /// envelope) and its signature; `None` for a message-signature bundle.
    pub fn dsse_signed(bundle: &Bundle) -> Option<(Vec<u8>, Vec<u8>)> {
        match bundle.content() {
            Content::Dsse(envelope) => Some((
                sigchain_core::dsse::pae(&envelope.payload_type, &envelope.payload),
                envelope.signature.sig.clone(),
            )),
            Content::MessageSignature(_) => None,
        }
    }

    /// The five signatures, in the order a verifier meets them.
    pub fn all(&self) -> [&SignedMessage; 5] {
        [
            &self.leaf_certificate,
            &self.artifact,
            &self.sct,
            &self.set,
            &self.checkpoint,
        ]
    }

    /// Parse the trusted keys once, as a verifier holding a trusted root would.
    pub fn prepare_aws_lc(&self) -> Result<AwsLcFloor<'_>, FixtureError> {
        let parse = |signed: &SignedMessage| {
            let alg = signed
                .aws_lc_algorithm()
                .ok_or(FixtureError::Malformed("key/hash pairing"))?;
            ParsedPublicKey::new(alg, &signed.key_point)
                .map_err(|_| FixtureError::Malformed("point"))
        };
        Ok(AwsLcFloor {
            inputs: self,
            fulcio: parse(&self.leaf_certificate)?,
            ctlog: parse(&self.sct)?,
            rekor: parse(&self.set)?,
        })
    }

    /// Check all five with aws-lc-rs directly; true when every one verifies.
    pub fn verify_all_aws_lc(&self) -> bool {
        self.prepare_aws_lc()
            .is_ok_and(|floor| floor.verify_all().is_ok())
    }
}

/// The floor with the trusted keys (Fulcio, CT log, Rekor) parsed ahead of time.
#[derive(Debug)]
pub struct AwsLcFloor<'a> {
    inputs: &'a FloorInputs,
    fulcio: ParsedPublicKey,
    ctlog: ParsedPublicKey,
    rekor: ParsedPublicKey,
}

impl AwsLcFloor<'_> {
    /// The five verifications in sequence. The leaf key comes with each bundle, so its point
    /// is decoded inside the call, as every verifier must; the trusted keys are not.
    pub fn verify_all(&self) -> Result<(), &'static str> {
        let i = self.inputs;
        let check = |key: &ParsedPublicKey, s: &SignedMessage| {
            key.verify_sig(&s.message, &s.signature).map_err(|_| s.what)
        };
        check(&self.fulcio, &i.leaf_certificate)?;
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, &i.artifact.key_point)
            .verify(&i.artifact.message, &i.artifact.signature)
            .map_err(|_| i.artifact.what)?;
        check(&self.ctlog, &i.sct)?;
        check(&self.rekor, &i.set)?;
        check(&self.rekor, &i.checkpoint)
    }
}

/// The signature of `leaf`'s issuer over it, found by trying each of `issuers`' keys (DER
/// certificates). Returns it with the issuer's SPKI DER (an SCT signs a hash of it).
fn issued_by<'a>(
    what: &'static str,
    leaf: &Certificate,
    issuers: impl Iterator<Item = &'a [u8]>,
) -> Result<(SignedMessage, Vec<u8>), FixtureError> {
    let hash = match leaf.signature_algorithm.oid {
        oid if oid == OID_ECDSA_SHA384 => HashAlgorithm::Sha384,
        oid if oid == OID_ECDSA_SHA256 => HashAlgorithm::Sha256,
        _ => return Err(FixtureError::Malformed("leaf signature algorithm")),
    };
    let message = leaf.tbs_certificate.to_der()?;
    let signature = leaf
        .signature
        .as_bytes()
        .ok_or(FixtureError::Malformed("leaf signature bits"))?
        .to_vec();
    for ca_der in issuers {
        let ca = Certificate::from_der(ca_der)?;
        let spki_der = ca.tbs_certificate.subject_public_key_info.to_der()?;
        let Ok((kind, key_point)) = key_point(&spki_der) else {
            continue;
        };
        let signed = SignedMessage {
            what,
            kind,
            hash,
            key_point,
            message: message.clone(),
            signature: signature.clone(),
        };
        if signed.verifies_with::<AwsLcBackend>() {
            return Ok((signed, spki_der));
        }
    }
    Err(FixtureError::NoVerifyingKey(what))
}

/// The signature checks of one RFC 3161 timestamp (a DER `TimeStampResp`, as bundles carry
/// it) that the verifier makes per bundle: the TSA's signature over the signed attributes, and
/// its issuer's over the TSA certificate unless the trusted root pins that very certificate
/// (then the link was checked once, when the verifier was built).
pub fn timestamp_signatures(
    signed_timestamp: &[u8],
    root: &TrustedRoot,
) -> Result<Vec<SignedMessage>, FixtureError> {
    use cms::cert::CertificateChoices;
    use cms::signed_data::{SignedData, SignerIdentifier};

    let response = x509_tsp::TimeStampResp::from_der(signed_timestamp)?;
    let token = response
        .time_stamp_token
        .ok_or(FixtureError::Missing("timestamp token"))?;
    let signed_data: SignedData = token.content.decode_as()?;
    let signer = signed_data
        .signer_infos
        .0
        .as_slice()
        .first()
        .ok_or(FixtureError::Missing("timestamp signer"))?;
    let signed_attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or(FixtureError::Missing("timestamp signed attributes"))?
        .to_der()?;
    let hash = match signer.signature_algorithm.oid {
        oid if oid == OID_ECDSA_SHA384 => HashAlgorithm::Sha384,
        oid if oid == OID_ECDSA_SHA256 => HashAlgorithm::Sha256,
        _ => return Err(FixtureError::Malformed("timestamp signature algorithm")),
    };
    let matches = |cert: &Certificate| match &signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            cert.tbs_certificate.issuer == id.issuer
                && cert.tbs_certificate.serial_number == id.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(_) => true,
    };
    let mut candidates: Vec<Certificate> = Vec::new();
    if let Some(set) = &signed_data.certificates {
        for choice in set.0.iter() {
            if let CertificateChoices::Certificate(cert) = choice {
                candidates.push(cert.clone());
            }
        }
    }
    for authority in &root.timestamp_authorities {
        if let Some(first) = authority.chain.first() {
            candidates.push(Certificate::from_der(first)?);
        }
    }
    for cert in candidates.iter().filter(|c| matches(c)) {
        let (kind, key_point) = key_point(&cert.tbs_certificate.subject_public_key_info.to_der()?)?;
        let attributes = SignedMessage {
            what: "timestamp",
            kind,
            hash,
            key_point,
            message: signed_attrs.clone(),
            signature: signer.signature.as_bytes().to_vec(),
        };
        if !attributes.verifies_with::<AwsLcBackend>() {
            continue;
        }
        let cert_der = cert.to_der()?;
        let pinned = root.timestamp_authorities.iter().any(|a| {
            a.chain.first() == Some(&cert_der)
                && Certificate::from_der(&cert_der).is_ok_and(|c| !is_ca(&c))
        });
        if pinned {
            return Ok(vec![attributes]);
        }
        let issuers = root
            .timestamp_authorities
            .iter()
            .flat_map(|a| a.chain.iter())
            .map(Vec::as_slice);
        let (link, _) = issued_by("timestamp certificate", cert, issuers)?;
        return Ok(vec![link, attributes]);
    }
    Err(FixtureError::NoVerifyingKey("timestamp"))
}

/// Whether a certificate's basic constraints say CA (RFC 5280 4.2.1.9).
fn is_ca(cert: &Certificate) -> bool {
    const OID_BASIC_CONSTRAINTS: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("2.5.29.19");
    cert.tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .find(|e| e.extn_id == OID_BASIC_CONSTRAINTS)
        .and_then(|e| {
            x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|bc| bc.ca)
}

/// The first embedded SCT and the precertificate structure it signs (RFC 6962 §3.2).
fn sct_signature(
    leaf: &Certificate,
    issuer_spki_der: &[u8],
    root: &TrustedRoot,
) -> Result<SignedMessage, FixtureError> {
    let extensions = leaf
        .tbs_certificate
        .extensions
        .as_deref()
        .ok_or(FixtureError::Missing("certificate extensions"))?;
    let sct_extension = extensions
        .iter()
        .find(|e| e.extn_id == OID_SCT_LIST)
        .ok_or(FixtureError::Missing("SCT extension"))?;
    let list = der::asn1::OctetString::from_der(sct_extension.extn_value.as_bytes())?;
    let sct = parse_sct_list(list.as_bytes())?
        .into_iter()
        .next()
        .ok_or(FixtureError::Missing("SCT"))?;
    let ctlog = root
        .ctlog(&sct.log_id)
        .ok_or(FixtureError::NoVerifyingKey("SCT"))?;
    let (kind, key_point) = key_point(&ctlog.key_der)?;
    let hash = match sct.hash_algorithm {
        4 => HashAlgorithm::Sha256,
        5 => HashAlgorithm::Sha384,
        _ => return Err(FixtureError::Malformed("SCT hash algorithm")),
    };

    let mut precert_tbs = leaf.tbs_certificate.clone();
    precert_tbs.extensions = Some(
        extensions
            .iter()
            .filter(|e| e.extn_id != OID_SCT_LIST)
            .cloned()
            .collect(),
    );
    let tbs_der = precert_tbs.to_der()?;
    let tbs_len = u32::try_from(tbs_der.len())
        .map_err(|_| FixtureError::Malformed("TBSCertificate length"))?;
    let ext_len = u16::try_from(sct.extensions.len())
        .map_err(|_| FixtureError::Malformed("SCT extensions length"))?;

    let mut message = Vec::with_capacity(tbs_der.len() + 64);
    message.push(0); // sct_version v1
    message.push(0); // signature_type certificate_timestamp
    message.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    message.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    message.extend_from_slice(&AwsLcBackend::sha256(issuer_spki_der));
    message.extend_from_slice(&tbs_len.to_be_bytes()[1..]); // uint24 length
    message.extend_from_slice(&tbs_der);
    message.extend_from_slice(&ext_len.to_be_bytes());
    message.extend_from_slice(&sct.extensions);
    Ok(SignedMessage {
        what: "SCT",
        kind,
        hash,
        key_point,
        message,
        signature: sct.signature,
    })
}

/// The Rekor signature line of a checkpoint note and the body it signs (C2SP signed-note):
/// the body is the text through the newline before the blank line.
fn checkpoint_signature(
    envelope: &str,
    kind: KeyKind,
    key_point: Vec<u8>,
) -> Result<SignedMessage, FixtureError> {
    let (body, signatures) = envelope
        .split_once("\n\n")
        .ok_or(FixtureError::Malformed("checkpoint note"))?;
    let message = format!("{body}\n").into_bytes();
    for line in signatures.lines() {
        let Some(encoded) = line
            .strip_prefix("\u{2014} ")
            .and_then(|rest| rest.rsplit(' ').next())
        else {
            continue;
        };
        // Four bytes of key hint, then the signature.
        let Some(signature) = base64_decode(encoded).and_then(|b| b.get(4..).map(<[u8]>::to_vec))
        else {
            continue;
        };
        let signed = SignedMessage {
            what: "checkpoint",
            kind,
            hash: HashAlgorithm::Sha256,
            key_point: key_point.clone(),
            message: message.clone(),
            signature,
        };
        if signed.verifies_with::<AwsLcBackend>() {
            return Ok(signed);
        }
    }
    Err(FixtureError::NoVerifyingKey("checkpoint"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::load_case;

    fn inputs() -> FloorInputs {
        FloorInputs::extract(&load_case("happy-path-v0.3").unwrap()).unwrap()
    }

    #[test]
    fn five_real_signatures_verify() {
        let inputs = inputs();
        assert!(inputs.verify_all_aws_lc());
        assert_eq!(inputs.leaf_certificate.kind, KeyKind::EcdsaP384);
        for signed in inputs.all() {
            assert!(signed.verifies_with::<sigchain_core::crypto::rustcrypto::RustCryptoBackend>());
        }
    }

    #[test]
    fn each_tampered_message_fails() {
        let clean = inputs();
        for i in 0..5 {
            let mut inputs = clean.clone();
            let signed = match i {
                0 => &mut inputs.leaf_certificate,
                1 => &mut inputs.artifact,
                2 => &mut inputs.sct,
                3 => &mut inputs.set,
                _ => &mut inputs.checkpoint,
            };
            let what = signed.what;
            if let Some(byte) = signed.message.last_mut() {
                *byte ^= 1;
            }
            let floor = inputs.prepare_aws_lc().unwrap();
            assert_eq!(floor.verify_all(), Err(what));
        }
    }

    #[test]
    fn dsse_bundle_has_no_message_signature() {
        let case = load_case("happy-path-intoto-in-dsse-v3").unwrap();
        assert!(matches!(
            FloorInputs::extract(&case),
            Err(FixtureError::Missing("message signature"))
        ));
    }
}
