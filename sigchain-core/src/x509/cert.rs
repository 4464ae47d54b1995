//! One X.509 certificate, decoded once: its DER, prepared public key, validity times and the
//! extensions path validation and Fulcio policy read.

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::asn1::{BitStringRef, ContextSpecific, OctetStringRef};
use der::{Decode, Reader, SliceReader, Tag, TagNumber};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::Version;

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
    der: Vec<u8>,
    /// Where the TBSCertificate, its fields and its extensions lie in `der`.
    parts: RawParts,
    serial: SerialNumber,
    issuer: Name,
    subject: Name,
    signature_algorithm: ObjectIdentifier,
    signature_algorithm_has_parameters: bool,
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
        // The signature covers the TBS bytes as sent, and names are compared as sent (as
        // RFC 5280 7.1 allows for DER); re-encoding a decoded form could differ from them for
        // a legal-but-unusual encoding, so the original bytes are kept and only borrowed from.
        let decoded = Decoded::from_der(der).map_err(CertError::Der)?;
        if decoded.inner_algorithm != decoded.outer_algorithm {
            // RFC 5280 4.1.1.2: the inner and outer algorithm fields MUST match.
            return Err(CertError::SignatureAlgorithmMismatch);
        }
        let parts = decoded.parts(der);
        let mut inner = Inner {
            public_key: PublicKey::from_spki_der(decoded.spki),
            der: der.to_vec(),
            serial: decoded.serial,
            issuer: decoded.issuer,
            subject: decoded.subject,
            signature_algorithm: decoded.outer_algorithm.oid,
            signature_algorithm_has_parameters: decoded.outer_algorithm.parameters.is_some(),
            not_before: to_timestamp(decoded.validity.not_before),
            not_after: to_timestamp(decoded.validity.not_after),
            parts,
            basic_constraints: None,
            key_usage: None,
            ext_key_usage: None,
            eku_critical: false,
            subject_alt_name: None,
            subject_key_id: None,
        };
        for (i, (ext, _)) in decoded.extensions.iter().enumerate() {
            // RFC 5280 4.2: a certificate MUST NOT include more than one instance of an
            // extension; a second copy could say something different to another parser.
            if decoded
                .extensions
                .get(..i)
                .unwrap_or(&[])
                .iter()
                .any(|(e, _)| e.extn_id == ext.extn_id)
            {
                return Err(CertError::DuplicateExtension { oid: ext.extn_id });
            }
            let value = ext.extn_value;
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

    /// The certificate decoded into `x509-cert`'s owned types, for callers that need fields
    /// this type does not expose. Decoded on each call: verification itself never needs it.
    pub fn x509(&self) -> Result<x509_cert::Certificate, CertError> {
        x509_cert::Certificate::from_der(&self.0.der).map_err(CertError::Der)
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
        self.0.subject.to_string()
    }

    /// The issuer name as RFC 4514 text (for messages).
    pub fn issuer_string(&self) -> String {
        self.0.issuer.to_string()
    }

    /// The serial number's content bytes.
    pub fn serial_bytes(&self) -> &[u8] {
        self.0.serial.as_bytes()
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
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = Extension<'_>> + '_ {
        self.0.parts.extensions.iter().map(|e| Extension {
            extn_id: e.extn_id,
            critical: e.critical,
            extn_value: e.value.of(&self.0.der),
        })
    }

    /// The extension with this OID, if present (at most one: duplicates fail parsing).
    pub fn extension(&self, id: ObjectIdentifier) -> Option<Extension<'_>> {
        self.extensions().find(|e| e.extn_id == id)
    }

    /// Where the extension with this OID lies in [`Certificate::tbs_der`], as a range of
    /// that slice, with the range of the whole `[3] extensions` field.
    pub(crate) fn extension_in_tbs(
        &self,
        id: ObjectIdentifier,
    ) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
        let parts = &self.0.parts;
        let field = parts.extensions_field?;
        let ext = parts.extensions.iter().find(|e| e.extn_id == id)?;
        let tbs_start = parts.tbs.start;
        Some((
            ext.tlv.start - tbs_start..ext.tlv.start - tbs_start + ext.tlv.len,
            field.start - tbs_start..field.start - tbs_start + field.len,
        ))
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
        let signature = self
            .0
            .parts
            .signature
            .map(|span| span.of(&self.0.der))
            .ok_or(CertError::SignatureBitString)?;
        let hash = signature_hash(
            self.0.signature_algorithm,
            self.0.signature_algorithm_has_parameters,
            key.kind(),
        )?;
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
    fn within(whole: &[u8], part: &[u8]) -> Span {
        let range = crate::encoding::subslice_range(whole, part);
        Span {
            start: range.start,
            len: range.len(),
        }
    }

    fn of<'a>(&self, der: &'a [u8]) -> &'a [u8] {
        der.get(self.start..self.start + self.len)
            .unwrap_or_default()
    }
}

/// One extension, borrowed from the certificate's DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The extension's OID.
    pub extn_id: ObjectIdentifier,
    /// Whether it is marked critical.
    pub critical: bool,
    /// The content of `extnValue`: the DER of the extension's own value.
    pub extn_value: &'a [u8],
}

/// Where an extension lies in the certificate DER.
#[derive(Debug, Clone, Copy)]
struct RawExtension {
    extn_id: ObjectIdentifier,
    critical: bool,
    /// The whole `Extension` TLV.
    tlv: Span,
    /// The content of its `extnValue`.
    value: Span,
}

/// Where the parts verification reads lie in the certificate DER.
#[derive(Debug, Clone)]
struct RawParts {
    tbs: Span,
    issuer: Span,
    subject: Span,
    spki: Span,
    /// The signature's bits; `None` when the BIT STRING has unused bits (never a signature).
    signature: Option<Span>,
    /// The whole `[3] extensions` field, when present.
    extensions_field: Option<Span>,
    extensions: Vec<RawExtension>,
}

/// A certificate decoded with borrowed views into its DER: every field is checked as
/// strictly as `x509-cert` checks it, but nothing is copied that verification only compares.
struct Decoded<'a> {
    tbs: &'a [u8],
    serial: SerialNumber,
    inner_algorithm: AlgorithmIdentifierRef<'a>,
    issuer_der: &'a [u8],
    issuer: Name,
    validity: Validity,
    subject_der: &'a [u8],
    subject: Name,
    spki: &'a [u8],
    extensions_field: Option<&'a [u8]>,
    /// Each extension with its whole TLV.
    extensions: Vec<(Extension<'a>, &'a [u8])>,
    outer_algorithm: AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

/// `extensions [3] EXPLICIT Extensions` in a TBSCertificate.
pub(crate) const EXTENSIONS_TAG: Tag = Tag::ContextSpecific {
    constructed: true,
    number: TagNumber::N3,
};

impl<'a> Decoded<'a> {
    /// RFC 5280 4.1, field by field; trailing bytes are an error.
    fn from_der(der: &'a [u8]) -> der::Result<Decoded<'a>> {
        let mut reader = SliceReader::new(der)?;
        let (tbs, outer_algorithm, signature) = reader.sequence(|cert| {
            let tbs = cert.tlv_bytes()?;
            let algorithm = AlgorithmIdentifierRef::decode(cert)?;
            let signature = BitStringRef::decode(cert)?;
            Ok((tbs, algorithm, signature))
        })?;
        reader.finish(())?;
        let mut reader = SliceReader::new(tbs)?;
        let decoded = reader.sequence(|fields| {
            let version = ContextSpecific::<Version>::decode_explicit(fields, TagNumber::N0)?
                .map(|v| v.value)
                .unwrap_or(Version::V1);
            let serial = SerialNumber::decode(fields)?;
            let inner_algorithm = AlgorithmIdentifierRef::decode(fields)?;
            let issuer_der = fields.tlv_bytes()?;
            let issuer = Name::from_der(issuer_der)?;
            let validity = Validity::decode(fields)?;
            let subject_der = fields.tlv_bytes()?;
            let subject = Name::from_der(subject_der)?;
            let spki = fields.tlv_bytes()?;
            SubjectPublicKeyInfoRef::from_der(spki)?;
            let issuer_unique_id =
                ContextSpecific::<BitStringRef<'_>>::decode_implicit(fields, TagNumber::N1)?;
            let subject_unique_id =
                ContextSpecific::<BitStringRef<'_>>::decode_implicit(fields, TagNumber::N2)?;
            // RFC 5280 4.1.2.8-9: unique identifiers need v2 or v3, extensions need v3.
            if (issuer_unique_id.is_some() || subject_unique_id.is_some()) && version == Version::V1
            {
                return Err(Tag::ContextSpecific {
                    constructed: false,
                    number: TagNumber::N1,
                }
                .value_error());
            }
            let (extensions_field, extensions) = if fields.peek_tag().ok() == Some(EXTENSIONS_TAG) {
                if version != Version::V3 {
                    return Err(EXTENSIONS_TAG.value_error());
                }
                let field = fields.tlv_bytes()?;
                (Some(field), read_extensions(field)?)
            } else {
                (None, Vec::new())
            };
            Ok(Decoded {
                tbs,
                serial,
                inner_algorithm,
                issuer_der,
                issuer,
                validity,
                subject_der,
                subject,
                spki,
                extensions_field,
                extensions,
                outer_algorithm,
                signature,
            })
        })?;
        reader.finish(decoded)
    }

    /// The places of the borrowed parts in `der`, which they all point into.
    fn parts(&self, der: &[u8]) -> RawParts {
        let span = |part: &[u8]| Span::within(der, part);
        RawParts {
            tbs: span(self.tbs),
            issuer: span(self.issuer_der),
            subject: span(self.subject_der),
            spki: span(self.spki),
            signature: self.signature.as_bytes().map(span),
            extensions_field: self.extensions_field.map(span),
            extensions: self
                .extensions
                .iter()
                .map(|(ext, tlv)| RawExtension {
                    extn_id: ext.extn_id,
                    critical: ext.critical,
                    tlv: span(tlv),
                    value: span(ext.extn_value),
                })
                .collect(),
        }
    }
}

/// `[3] EXPLICIT Extensions`, `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`.
fn read_extensions(field: &[u8]) -> der::Result<Vec<(Extension<'_>, &[u8])>> {
    let mut reader = SliceReader::new(field)?;
    let header = der::Header::decode(&mut reader)?;
    header.tag.assert_eq(EXTENSIONS_TAG)?;
    let list = reader.read_slice(header.length)?;
    reader.finish(())?;
    let mut extensions = Vec::new();
    let mut reader = SliceReader::new(list)?;
    reader.sequence(|items| {
        while !items.is_finished() {
            let tlv = items.tlv_bytes()?;
            let mut one = SliceReader::new(tlv)?;
            let extension = one.sequence(|ext| {
                let extn_id = ObjectIdentifier::decode(ext)?;
                // `critical BOOLEAN DEFAULT FALSE`.
                let critical = Option::<bool>::decode(ext)?.unwrap_or(false);
                let extn_value = OctetStringRef::decode(ext)?.as_bytes();
                Ok(Extension {
                    extn_id,
                    critical,
                    extn_value,
                })
            })?;
            one.finish(())?;
            extensions.push((extension, tlv));
        }
        Ok(())
    })?;
    reader.finish(extensions)
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
        let mut c = cert.x509().unwrap();
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
            c.tbs_certificate.version = x509_cert::Version::V1;
            c.tbs_certificate.extensions = None;
        });
        let v1 = Certificate::from_der(&v1).unwrap();
        // After the TBS header, [0] version in v3 and the serial number's INTEGER in v1.
        let first_field_tag = |tbs: &[u8]| {
            let mut reader = SliceReader::new(tbs).unwrap();
            der::Header::decode(&mut reader).unwrap();
            tbs[usize::try_from(reader.position()).unwrap()]
        };
        assert_eq!(first_field_tag(leaf.tbs_der()), 0xa0);
        assert_eq!(first_field_tag(v1.tbs_der()), 0x02);
        certs.push(v1);
        for cert in certs {
            let tbs = &cert.x509().unwrap().tbs_certificate;
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
    fn fields_need_the_version_that_introduced_them() {
        // RFC 5280 4.1.2.8-9: extensions only in v3, unique identifiers only in v2 and v3.
        let leaf = leaf("happy-path-v0.3");
        let v2_with_extensions = edited(&leaf, |c| {
            c.tbs_certificate.version = x509_cert::Version::V2
        });
        assert!(matches!(
            Certificate::from_der(&v2_with_extensions),
            Err(CertError::Der(_))
        ));
        let unique_id = der::asn1::BitString::from_bytes(&[1, 2]).unwrap();
        for version in [x509_cert::Version::V1, x509_cert::Version::V2] {
            for on_issuer in [false, true] {
                let with_id = edited(&leaf, |c| {
                    let tbs = &mut c.tbs_certificate;
                    tbs.version = version;
                    tbs.extensions = None;
                    let slot = if on_issuer {
                        &mut tbs.issuer_unique_id
                    } else {
                        &mut tbs.subject_unique_id
                    };
                    *slot = Some(unique_id.clone());
                });
                let parsed = Certificate::from_der(&with_id);
                assert_eq!(
                    parsed.is_ok(),
                    version == x509_cert::Version::V2,
                    "{version:?}"
                );
            }
        }
    }

    #[test]
    fn accessors_report_the_decoded_fields() {
        let [inter, root] = <[Certificate; 2]>::try_from(prod_ca_certs()).unwrap();
        assert_eq!(
            inter.subject_string(),
            "CN=sigstore-intermediate,O=sigstore.dev"
        );
        assert_eq!(inter.issuer_string(), "CN=sigstore,O=sigstore.dev");
        assert_eq!(inter.issuer_string(), root.subject_string());
        let full = inter.x509().unwrap();
        assert_eq!(
            inter.serial_bytes(),
            full.tbs_certificate.serial_number.as_bytes()
        );
        let ski = full
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == oid::SUBJECT_KEY_ID)
            .map(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).unwrap())
            .unwrap();
        assert_eq!(inter.subject_key_id(), Some(ski.0.as_bytes()));
        let ski_ext = inter.extension(oid::SUBJECT_KEY_ID).unwrap();
        assert_eq!(ski_ext.extn_id, oid::SUBJECT_KEY_ID);
        assert_eq!(
            SubjectKeyIdentifier::from_der(ski_ext.extn_value).unwrap(),
            ski
        );
        assert!(inter.extension(oid::SUBJECT_ALT_NAME).is_none());
        assert_eq!(
            inter.extensions().len(),
            full.tbs_certificate.extensions.unwrap().len()
        );
        let debug = format!("{inter:?}");
        assert!(debug.contains("CN=sigstore-intermediate") && debug.contains("not_after"));
        // Validity is inclusive at both ends.
        let (start, end) = (inter.not_before(), inter.not_after());
        assert!(inter.is_valid_at(start) && inter.is_valid_at(end));
        assert!(!inter.is_valid_at(Timestamp(start.0 - 1)));
        assert!(!inter.is_valid_at(Timestamp(end.0 + 1)));
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
        // An RSA or Ed25519 signature algorithm under an ECDSA issuer key.
        for algorithm in [oid::RSA_WITH_SHA256, oid::ED25519] {
            let der = edited(&leaf, |c| {
                c.tbs_certificate.signature.oid = algorithm;
                c.signature_algorithm.oid = algorithm;
            });
            assert!(matches!(
                Certificate::from_der(&der)
                    .unwrap()
                    .verify_issued_by(&inter),
                Err(CertError::KeyAlgorithmMismatch { .. })
            ));
        }
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
