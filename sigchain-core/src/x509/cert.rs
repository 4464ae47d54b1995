//! One X.509 certificate, decoded once: its DER, prepared public key, validity times and the
//! extensions path validation and Fulcio policy read.

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::{Decode, Reader, SliceReader};
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;

use super::oid;
use super::CertError;
use crate::crypto::{HashAlgorithm, KeyKind, PublicKey};
use crate::time::Timestamp;

/// A parsed certificate. Cheap to clone: the decoded form is shared.
///
/// ```
/// use sigchain_core::x509::Certificate;
/// assert!(Certificate::from_der(b"\x30\x00").is_err());
/// ```
#[derive(Clone)]
pub struct Certificate(Arc<Inner>);

struct Inner {
    cert: x509_cert::Certificate,
    der: Vec<u8>,
    /// Where the TBSCertificate and three of its fields lie in `der`.
    parts: RawParts,
    public_key: Result<PublicKey, crate::crypto::CryptoError>,
    not_before: Timestamp,
    not_after: Timestamp,
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    ext_key_usage: Option<ExtendedKeyUsage>,
    eku_critical: bool,
    subject_alt_name: Option<SubjectAltName>,
    subject_key_id: Option<Vec<u8>>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_string())
            .field("issuer", &self.issuer_string())
            .field("not_before", &self.0.not_before)
            .field("not_after", &self.0.not_after)
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.0.der == other.0.der
    }
}
impl Eq for Certificate {}

impl Certificate {
    /// Parse one DER certificate; trailing bytes are an error.
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertError> {
        let cert = x509_cert::Certificate::from_der(der).map_err(CertError::Der)?;
        // The signature covers the TBS bytes as sent, and names are compared as sent (as
        // RFC 5280 7.1 allows for DER); re-encoding a decoded form could differ from them for
        // a legal-but-unusual encoding, so the original bytes are used.
        let parts = RawParts::find(der).map_err(CertError::Der)?;
        let tbs = &cert.tbs_certificate;
        if tbs.signature != cert.signature_algorithm {
            // RFC 5280 4.1.1.2: the inner and outer algorithm fields MUST match.
            return Err(CertError::SignatureAlgorithmMismatch);
        }
        let not_before = to_timestamp(tbs.validity.not_before);
        let not_after = to_timestamp(tbs.validity.not_after);

        let mut inner = Inner {
            public_key: PublicKey::from_spki_der(parts.spki.of(der)),
            cert,
            der: der.to_vec(),
            parts,
            not_before,
            not_after,
            basic_constraints: None,
            key_usage: None,
            ext_key_usage: None,
            eku_critical: false,
            subject_alt_name: None,
            subject_key_id: None,
        };
        // Taken out while the decoded fields are filled in, then put back.
        let taken = inner.cert.tbs_certificate.extensions.take();
        let extensions: &[Extension] = taken.as_deref().unwrap_or(&[]);
        for (i, ext) in extensions.iter().enumerate() {
            // RFC 5280 4.2: a certificate MUST NOT include more than one instance of an
            // extension; a second copy could say something different to another parser.
            if extensions
                .get(..i)
                .unwrap_or(&[])
                .iter()
                .any(|e| e.extn_id == ext.extn_id)
            {
                return Err(CertError::DuplicateExtension { oid: ext.extn_id });
            }
            let value = ext.extn_value.as_bytes();
            let malformed = |error| CertError::MalformedExtension {
                oid: ext.extn_id,
                error,
            };
            match ext.extn_id {
                oid::BASIC_CONSTRAINTS => {
                    inner.basic_constraints =
                        Some(BasicConstraints::from_der(value).map_err(malformed)?)
                }
                oid::KEY_USAGE => {
                    inner.key_usage = Some(KeyUsage::from_der(value).map_err(malformed)?)
                }
                oid::EXT_KEY_USAGE => {
                    inner.ext_key_usage =
                        Some(ExtendedKeyUsage::from_der(value).map_err(malformed)?);
                    inner.eku_critical = ext.critical;
                }
                oid::SUBJECT_ALT_NAME => {
                    inner.subject_alt_name =
                        Some(SubjectAltName::from_der(value).map_err(malformed)?)
                }
                oid::SUBJECT_KEY_ID => {
                    let ski = SubjectKeyIdentifier::from_der(value).map_err(malformed)?;
                    inner.subject_key_id = Some(ski.0.as_bytes().to_vec());
                }
                _ => {}
            }
        }
        inner.cert.tbs_certificate.extensions = taken;
        Ok(Certificate(Arc::new(inner)))
    }

    /// Parse one PEM `CERTIFICATE` block.
    pub fn from_pem(pem: &str) -> Result<Certificate, CertError> {
        let (label, der) =
            pem_rfc7468::decode_vec(pem.trim().as_bytes()).map_err(|_| CertError::NotPem)?;
        if label != "CERTIFICATE" {
            return Err(CertError::PemLabel {
                label: label.to_owned(),
            });
        }
        Self::from_der(&der)
    }

    /// The decoded certificate.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.0.cert
    }

    /// The DER encoding this certificate was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// The DER TBSCertificate exactly as it appeared in [`Certificate::der`].
    pub fn tbs_der(&self) -> &[u8] {
        self.0.parts.tbs.of(&self.0.der)
    }

    /// The certificate's public key, or why it cannot be used (e.g. an RSA key).
    pub fn public_key(&self) -> Result<&PublicKey, CertError> {
        self.0
            .public_key
            .as_ref()
            .map_err(|e| CertError::UnusableKey(e.clone()))
    }

    /// The DER SubjectPublicKeyInfo (what SCT verification hashes as the issuer key).
    pub fn spki_der(&self) -> &[u8] {
        self.0.parts.spki.of(&self.0.der)
    }

    /// Start of the validity period (inclusive).
    pub fn not_before(&self) -> Timestamp {
        self.0.not_before
    }

    /// End of the validity period (inclusive, RFC 5280 4.1.2.5).
    pub fn not_after(&self) -> Timestamp {
        self.0.not_after
    }

    /// Whether `t` lies in `notBefore..=notAfter`.
    pub fn is_valid_at(&self, t: Timestamp) -> bool {
        self.0.not_before <= t && t <= self.0.not_after
    }

    /// DER of the subject name.
    pub fn subject_der(&self) -> &[u8] {
        self.0.parts.subject.of(&self.0.der)
    }

    /// DER of the issuer name.
    pub fn issuer_der(&self) -> &[u8] {
        self.0.parts.issuer.of(&self.0.der)
    }

    /// The subject name as RFC 4514 text (for messages).
    pub fn subject_string(&self) -> String {
        self.0.cert.tbs_certificate.subject.to_string()
    }

    /// The issuer name as RFC 4514 text (for messages).
    pub fn issuer_string(&self) -> String {
        self.0.cert.tbs_certificate.issuer.to_string()
    }

    /// The serial number's content bytes.
    pub fn serial_bytes(&self) -> &[u8] {
        self.0.cert.tbs_certificate.serial_number.as_bytes()
    }

    /// Subject and issuer names are equal (a root, or a self-issued key rollover).
    pub fn is_self_issued(&self) -> bool {
        self.subject_der() == self.issuer_der()
    }

    /// The basicConstraints extension, if present.
    pub fn basic_constraints(&self) -> Option<&BasicConstraints> {
        self.0.basic_constraints.as_ref()
    }

    /// basicConstraints says this is a CA (an absent extension means not a CA).
    pub fn is_ca(&self) -> bool {
        self.0.basic_constraints.as_ref().is_some_and(|bc| bc.ca)
    }

    /// The keyUsage extension, if present.
    pub fn key_usage(&self) -> Option<&KeyUsage> {
        self.0.key_usage.as_ref()
    }

    /// The extKeyUsage extension, if present.
    pub fn ext_key_usage(&self) -> Option<&ExtendedKeyUsage> {
        self.0.ext_key_usage.as_ref()
    }

    /// Whether the extKeyUsage extension is present and marked critical.
    pub fn ext_key_usage_is_critical(&self) -> bool {
        self.0.ext_key_usage.is_some() && self.0.eku_critical
    }

    /// extKeyUsage is present and lists `purpose`.
    pub fn has_ext_key_usage(&self, purpose: ObjectIdentifier) -> bool {
        self.0
            .ext_key_usage
            .as_ref()
            .is_some_and(|eku| eku.0.contains(&purpose))
    }

    /// The subjectAltName extension, if present.
    pub fn subject_alt_name(&self) -> Option<&SubjectAltName> {
        self.0.subject_alt_name.as_ref()
    }

    /// The subjectKeyIdentifier extension's key identifier, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.0.subject_key_id.as_deref()
    }

    /// All extensions, in certificate order.
    pub fn extensions(&self) -> &[Extension] {
        self.0
            .cert
            .tbs_certificate
            .extensions
            .as_deref()
            .unwrap_or(&[])
    }

    /// The extension with this OID, if present (at most one: duplicates fail parsing).
    pub fn extension(&self, id: ObjectIdentifier) -> Option<&Extension> {
        self.extensions().iter().find(|e| e.extn_id == id)
    }

    /// Check that `issuer` issued this certificate: this certificate's issuer name equals the
    /// issuer's subject name, and the issuer's key verifies this certificate's signature.
    pub fn verify_issued_by(&self, issuer: &Certificate) -> Result<(), CertError> {
        if self.issuer_der() != issuer.subject_der() {
            return Err(CertError::IssuerNameMismatch {
                expected: self.issuer_string(),
                found: issuer.subject_string(),
            });
        }
        self.verify_signature_with(issuer.public_key()?)
    }

    /// Verify this certificate's signature with `key` (no name check).
    pub fn verify_signature_with(&self, key: &PublicKey) -> Result<(), CertError> {
        let alg = &self.0.cert.signature_algorithm;
        let signature = self
            .0
            .cert
            .signature
            .as_bytes()
            .ok_or(CertError::SignatureBitString)?;
        let hash = signature_hash(alg.oid, alg.parameters.is_some(), key.kind())?;
        key.verify(self.tbs_der(), signature, hash)
            .map_err(CertError::BadSignature)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFamily {
    Ecdsa,
    Ed25519,
    Rsa,
}

/// The hash an X.509/CMS signature algorithm implies, checked against the key type.
pub(crate) fn signature_hash(
    alg: ObjectIdentifier,
    has_parameters: bool,
    key: KeyKind,
) -> Result<HashAlgorithm, CertError> {
    let (hash, family) = match alg {
        oid::ECDSA_WITH_SHA256 => (HashAlgorithm::Sha256, KeyFamily::Ecdsa),
        oid::ECDSA_WITH_SHA384 => (HashAlgorithm::Sha384, KeyFamily::Ecdsa),
        oid::ECDSA_WITH_SHA512 => (HashAlgorithm::Sha512, KeyFamily::Ecdsa),
        oid::ED25519 => (HashAlgorithm::Sha512, KeyFamily::Ed25519),
        oid::RSA_WITH_SHA256 => (HashAlgorithm::Sha256, KeyFamily::Rsa),
        oid::RSA_WITH_SHA384 => (HashAlgorithm::Sha384, KeyFamily::Rsa),
        oid::RSA_WITH_SHA512 => (HashAlgorithm::Sha512, KeyFamily::Rsa),
        other => return Err(CertError::UnsupportedSignatureAlgorithm { oid: other }),
    };
    // RFC 5758 3.2 and RFC 8410 3: the ECDSA and EdDSA identifiers carry no parameters.
    // (RFC 4055 5: the RSA ones carry NULL, which callers may pass as present.)
    if has_parameters && family != KeyFamily::Rsa {
        return Err(CertError::SignatureAlgorithmParameters { oid: alg });
    }
    let key_family = match key {
        KeyKind::EcdsaP256 | KeyKind::EcdsaP384 => KeyFamily::Ecdsa,
        KeyKind::Ed25519 => KeyFamily::Ed25519,
        KeyKind::RsaPkcs1 => KeyFamily::Rsa,
    };
    if family != key_family {
        return Err(CertError::KeyAlgorithmMismatch { key, oid: alg });
    }
    Ok(hash)
}

fn to_timestamp(t: x509_cert::time::Time) -> Timestamp {
    let secs = t.to_unix_duration().as_secs();
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A field's place in the certificate DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    len: usize,
}

impl Span {
    /// `part` must be a subslice of `whole`, as every slice a [`SliceReader`] over `whole`
    /// returns is; the span is found from the two addresses.
    fn within(whole: &[u8], part: &[u8]) -> Span {
        Span {
            start: (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize),
            len: part.len(),
        }
    }

    fn of<'a>(&self, der: &'a [u8]) -> &'a [u8] {
        der.get(self.start..self.start + self.len)
            .unwrap_or_default()
    }
}

/// The TBSCertificate, issuer, subject and SubjectPublicKeyInfo exactly as encoded.
#[derive(Debug, Clone, Copy)]
struct RawParts {
    tbs: Span,
    issuer: Span,
    subject: Span,
    spki: Span,
}

impl RawParts {
    /// Walk the TLVs of an already decoded certificate (so the shape is known to be right).
    fn find(der: &[u8]) -> der::Result<RawParts> {
        let mut reader = SliceReader::new(der)?;
        let tbs = reader.sequence(|seq| {
            let tbs = seq.tlv_bytes()?;
            seq.tlv_bytes()?;
            seq.tlv_bytes()?;
            Ok(tbs)
        })?;
        reader.finish(())?;
        let mut reader = SliceReader::new(tbs)?;
        let (issuer, subject, spki) = reader.sequence(|fields| {
            // version [0] EXPLICIT (optional), serialNumber, signature, issuer, validity,
            // subject, subjectPublicKeyInfo, then optional fields this walk need not read.
            let mut next = fields.tlv_bytes()?;
            if next.first() == Some(&0xa0) {
                next = fields.tlv_bytes()?;
            }
            let _serial = next;
            let _signature = fields.tlv_bytes()?;
            let issuer = fields.tlv_bytes()?;
            let _validity = fields.tlv_bytes()?;
            let subject = fields.tlv_bytes()?;
            let spki = fields.tlv_bytes()?;
            while !fields.is_finished() {
                fields.tlv_bytes()?;
            }
            Ok((issuer, subject, spki))
        })?;
        reader.finish(())?;
        Ok(RawParts {
            tbs: Span::within(der, tbs),
            issuer: Span::within(der, issuer),
            subject: Span::within(der, subject),
            spki: Span::within(der, spki),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::testdata::{bundle_certs, leaf, production, staging, synthetic};
    use der::Encode;
    use proptest::prelude::*;

    fn prod_ca_certs() -> Vec<Certificate> {
        // The current production Fulcio authority: [intermediate, root].
        production().certificate_authorities[1]
            .chain
            .iter()
            .map(|d| Certificate::from_der(d).unwrap())
            .collect()
    }

    /// Re-encode a certificate after `edit` (the signature no longer matches).
    fn edited(cert: &Certificate, edit: impl FnOnce(&mut x509_cert::Certificate)) -> Vec<u8> {
        let mut c = cert.x509().clone();
        edit(&mut c);
        c.to_der().unwrap()
    }

    #[test]
    fn parses_fulcio_leaf_fields() {
        let leaf = leaf("happy-path-v0.3");
        assert!(!leaf.is_ca());
        assert!(leaf.key_usage().unwrap().digital_signature());
        assert!(leaf.has_ext_key_usage(oid::KP_CODE_SIGNING));
        assert!(!leaf.has_ext_key_usage(oid::KP_TIME_STAMPING));
        assert!(leaf.subject_alt_name().is_some());
        assert!(leaf.not_before() < leaf.not_after());
        assert_eq!(leaf.not_after().0 - leaf.not_before().0, 600);
        assert_eq!(leaf.public_key().unwrap().spki_der(), leaf.spki_der());
        assert_eq!(&leaf.der()[4..4 + leaf.tbs_der().len()], leaf.tbs_der());
    }

    #[test]
    fn raw_parts_are_the_encoded_fields() {
        let leaf = leaf("happy-path-v0.3");
        let mut certs = prod_ca_certs();
        certs.push(leaf.clone());
        // A v1 certificate has no version field: the walk must not skip the serial number.
        let v1 = edited(&leaf, |c| {
            c.tbs_certificate.version = x509_cert::Version::V1
        });
        let v1 = Certificate::from_der(&v1).unwrap();
        // After the TBS header, [0] version in v3 and the serial number's INTEGER in v1.
        assert_eq!(leaf.tbs_der().get(4), Some(&0xa0));
        assert_eq!(v1.tbs_der().get(4), Some(&0x02));
        certs.push(v1);
        for cert in certs {
            let tbs = &cert.x509().tbs_certificate;
            assert_eq!(cert.tbs_der(), tbs.to_der().unwrap());
            assert_eq!(cert.issuer_der(), tbs.issuer.to_der().unwrap());
            assert_eq!(cert.subject_der(), tbs.subject.to_der().unwrap());
            assert_eq!(
                cert.spki_der(),
                tbs.subject_public_key_info.to_der().unwrap()
            );
        }
    }

    #[test]
    fn parses_ca_fields() {
        let [inter, root] = <[Certificate; 2]>::try_from(prod_ca_certs()).unwrap();
        assert!(inter.is_ca() && root.is_ca());
        assert_eq!(
            inter.basic_constraints().unwrap().path_len_constraint,
            Some(0)
        );
        assert!(inter.key_usage().unwrap().key_cert_sign());
        assert!(root.is_self_issued() && !inter.is_self_issued());
        assert!(inter.ext_key_usage().is_some() && !inter.ext_key_usage_is_critical());
    }

    #[test]
    fn pem_round_trip_and_label() {
        let leaf = leaf("happy-path-v0.3");
        let pem =
            pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, leaf.der())
                .unwrap();
        assert_eq!(Certificate::from_pem(&pem).unwrap(), leaf);
        let key_pem =
            pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, leaf.der())
                .unwrap();
        assert!(matches!(
            Certificate::from_pem(&key_pem),
            Err(CertError::PemLabel { .. })
        ));
        assert_eq!(Certificate::from_pem("junk"), Err(CertError::NotPem));
    }

    #[test]
    fn rejects_trailing_and_truncated_der() {
        let der = leaf("happy-path-v0.3").der().to_vec();
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(matches!(
            Certificate::from_der(&trailing),
            Err(CertError::Der(_))
        ));
        assert!(matches!(
            Certificate::from_der(&der[..der.len() - 1]),
            Err(CertError::Der(_))
        ));
        assert!(matches!(Certificate::from_der(&[]), Err(CertError::Der(_))));
    }

    #[test]
    fn verifies_real_issuance() {
        let [inter, root] = <[Certificate; 2]>::try_from(prod_ca_certs()).unwrap();
        inter.verify_issued_by(&root).unwrap();
        root.verify_issued_by(&root).unwrap();
        leaf("happy-path-v0.3").verify_issued_by(&inter).unwrap();
    }

    #[test]
    fn issuer_name_must_match() {
        let [_, root] = <[Certificate; 2]>::try_from(prod_ca_certs()).unwrap();
        assert!(matches!(
            leaf("happy-path-v0.3").verify_issued_by(&root),
            Err(CertError::IssuerNameMismatch { .. })
        ));
    }

    #[test]
    fn same_name_other_key_fails_signature() {
        // Staging's intermediate has the production intermediate's exact name.
        let staging_inter =
            Certificate::from_der(&staging().certificate_authorities[0].chain[0]).unwrap();
        assert!(matches!(
            leaf("happy-path-v0.3").verify_issued_by(&staging_inter),
            Err(CertError::BadSignature(_))
        ));
    }

    #[test]
    fn tampered_tbs_fails_signature() {
        let [inter, _] = <[Certificate; 2]>::try_from(prod_ca_certs()).unwrap();
        let leaf = leaf("happy-path-v0.3");
        let der = edited(&leaf, |c| {
            c.tbs_certificate.serial_number =
                x509_cert::serial_number::SerialNumber::new(&[1, 2, 3]).unwrap()
        });
        let forged = Certificate::from_der(&der).unwrap();
        assert!(matches!(
            forged.verify_issued_by(&inter),
            Err(CertError::BadSignature(_))
        ));
    }

    #[test]
    fn ed25519_signature_verifies() {
        let root = synthetic("root-ed25519");
        synthetic("leaf-under-ed25519")
            .verify_issued_by(&root)
            .unwrap();
        assert!(synthetic("leaf-direct").verify_issued_by(&root).is_err());
    }

    #[test]
    fn rejects_duplicate_extension() {
        let leaf = leaf("happy-path-v0.3");
        let der = edited(&leaf, |c| {
            let exts = c.tbs_certificate.extensions.as_mut().unwrap();
            let first = exts[0].clone();
            exts.push(first);
        });
        assert!(matches!(
            Certificate::from_der(&der),
            Err(CertError::DuplicateExtension { .. })
        ));
    }

    #[test]
    fn rejects_malformed_known_extension() {
        let leaf = leaf("happy-path-v0.3");
        let der = edited(&leaf, |c| {
            let exts = c.tbs_certificate.extensions.as_mut().unwrap();
            let ku = exts
                .iter_mut()
                .find(|e| e.extn_id == oid::KEY_USAGE)
                .unwrap();
            ku.extn_value = der::asn1::OctetString::new(vec![0x05, 0x00]).unwrap();
        });
        assert!(matches!(
            Certificate::from_der(&der),
            Err(CertError::MalformedExtension {
                oid: oid::KEY_USAGE,
                ..
            })
        ));
    }

    #[test]
    fn inner_and_outer_algorithms_must_agree() {
        let leaf = leaf("happy-path-v0.3");
        let der = edited(&leaf, |c| {
            c.tbs_certificate.signature.oid = oid::ECDSA_WITH_SHA256
        });
        assert_eq!(
            Certificate::from_der(&der),
            Err(CertError::SignatureAlgorithmMismatch)
        );
    }

    #[test]
    fn unsupported_and_mismatched_algorithms() {
        let [inter, _] = <[Certificate; 2]>::try_from(prod_ca_certs()).unwrap();
        let leaf = leaf("happy-path-v0.3");
        // RSA-PSS is not supported.
        let pss = const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
        let der = edited(&leaf, |c| {
            c.tbs_certificate.signature.oid = pss;
            c.signature_algorithm.oid = pss;
        });
        assert_eq!(
            Certificate::from_der(&der)
                .unwrap()
                .verify_issued_by(&inter),
            Err(CertError::UnsupportedSignatureAlgorithm { oid: pss })
        );
        // An RSA signature algorithm under an ECDSA issuer key.
        let der = edited(&leaf, |c| {
            c.tbs_certificate.signature.oid = oid::RSA_WITH_SHA256;
            c.signature_algorithm.oid = oid::RSA_WITH_SHA256;
        });
        assert!(matches!(
            Certificate::from_der(&der)
                .unwrap()
                .verify_issued_by(&inter),
            Err(CertError::KeyAlgorithmMismatch { .. })
        ));
        let der = edited(&leaf, |c| {
            c.tbs_certificate.signature.oid = oid::ED25519;
            c.signature_algorithm.oid = oid::ED25519;
        });
        assert!(matches!(
            Certificate::from_der(&der)
                .unwrap()
                .verify_issued_by(&inter),
            Err(CertError::KeyAlgorithmMismatch { .. })
        ));
        let der = edited(&leaf, |c| {
            c.tbs_certificate.signature.parameters = Some(der::Any::null());
            c.signature_algorithm.parameters = Some(der::Any::null());
        });
        assert_eq!(
            Certificate::from_der(&der)
                .unwrap()
                .verify_issued_by(&inter),
            Err(CertError::SignatureAlgorithmParameters {
                oid: oid::ECDSA_WITH_SHA384
            })
        );
    }

    #[test]
    fn bundle_chain_certs_parse() {
        assert_eq!(bundle_certs("bundle-with-root-cert_fail").len(), 3);
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Certificate::from_der(&bytes);
        }

        #[test]
        fn never_panics_on_mutated_certificates(
            index in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let der = leaf("happy-path-v0.3").der().to_vec();
            let mut mutated = der.clone();
            let i = index.index(mutated.len());
            mutated[i] = byte;
            if let Ok(cert) = Certificate::from_der(&mutated) {
                let _ = cert.verify_issued_by(&cert);
                let _ = crate::x509::FulcioClaims::from_certificate(&cert);
                let _ = crate::x509::subject_identity(&cert);
            }
            let _ = Certificate::from_der(&der[..cut.index(der.len())]);
        }
    }
}
