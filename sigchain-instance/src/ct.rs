//! The instance's certificate-transparency log, reduced to what a CA with embedded SCTs
//! needs: take a precertificate (RFC 6962 §3.1), promise its inclusion with a v1 signed
//! certificate timestamp over the precert entry (§3.2), and encode SCTs as the list extension
//! that goes into the final certificate (§3.3).
//!
//! The log keeps no entries: an SCT is all a Sigstore verifier checks. Its key (ECDSA P-256)
//! appears in the trusted root's `ctlogs`, under the log id SHA-256(SPKI).
//!
//! ```
//! use sigchain_instance::ct::CtLog;
//! use sigchain_instance::pki::{Curve, EcKey};
//! let log = CtLog::new(EcKey::generate(Curve::P256)?);
//! assert_eq!(log.log_id().len(), 32);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::Certificate;

use crate::pki::{EcKey, PkiError};

/// OID of the precertificate poison extension (RFC 6962 §3.1), critical, value NULL.
pub const OID_CT_POISON: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.3");
/// OID of the embedded SCT list extension (RFC 6962 §3.3).
pub const OID_SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

/// The poison extension: marks a precertificate as unusable for anything but logging.
pub fn poison_extension() -> Result<Extension, PkiError> {
    crate::pki::extension(OID_CT_POISON, true, &der::asn1::Null)
}

/// Why a precertificate was refused.
#[derive(Debug, thiserror::Error)]
pub enum CtError {
    /// The submission is not a DER certificate.
    #[error("precertificate is not DER X.509: {0}")]
    Malformed(der::Error),
    /// It carries no (critical) poison extension, so it is not a precertificate.
    #[error("certificate carries no critical poison extension")]
    NotPrecertificate,
    /// Its TBSCertificate is too long for a precert entry (`opaque<1..2^24-1>`).
    #[error("TBSCertificate of {0} bytes is too long for a precert entry")]
    TooLong(usize),
    /// Signing failed.
    #[error(transparent)]
    Pki(#[from] PkiError),
}

/// A v1 signed certificate timestamp, TLS-encoded as it sits in an SCT list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct(pub Vec<u8>);

/// The CT log: its key and log id.
#[derive(Debug)]
pub struct CtLog {
    key: EcKey,
    log_id: [u8; 32],
}

impl CtLog {
    /// A log signing with `key`.
    pub fn new(key: EcKey) -> CtLog {
        let log_id = sigchain_core::crypto::sha256(key.spki_der());
        CtLog { key, log_id }
    }

    /// SHA-256 of the log's SubjectPublicKeyInfo (RFC 6962 §3.2 `LogID`).
    pub fn log_id(&self) -> &[u8; 32] {
        &self.log_id
    }

    /// The log's public key, SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        self.key.spki_der()
    }

    /// Log `precert_der`, issued by the holder of `issuer_spki_der`, at `timestamp_ms`
    /// (milliseconds since the epoch): the SCT for its precert entry.
    pub fn add_pre_chain(
        &self,
        precert_der: &[u8],
        issuer_spki_der: &[u8],
        timestamp_ms: u64,
    ) -> Result<Sct, CtError> {
        let precert = Certificate::from_der(precert_der).map_err(CtError::Malformed)?;
        let mut tbs = precert.tbs_certificate;
        let extensions = tbs.extensions.take().unwrap_or_default();
        let poisoned = extensions
            .iter()
            .filter(|e| e.extn_id == OID_CT_POISON)
            .count();
        if poisoned != 1
            || !extensions
                .iter()
                .any(|e| e.extn_id == OID_CT_POISON && e.critical)
        {
            return Err(CtError::NotPrecertificate);
        }
        // §3.2: the entry is the TBS without the poison; an SCT list would not be there yet.
        let kept: Vec<Extension> = extensions
            .into_iter()
            .filter(|e| e.extn_id != OID_CT_POISON && e.extn_id != OID_SCT_LIST)
            .collect();
        tbs.extensions = (!kept.is_empty()).then_some(kept);
        let tbs_der = tbs.to_der().map_err(CtError::Malformed)?;
        let issuer_key_hash = sigchain_core::crypto::sha256(issuer_spki_der);
        let signed = precert_signed_data(timestamp_ms, &issuer_key_hash, &tbs_der)?;
        let signature = self.key.sign(&signed)?;
        Ok(encode_sct(&self.log_id, timestamp_ms, &signature))
    }
}

/// The `digitally-signed` input of a v1 precert-entry SCT with no extensions (§3.2).
fn precert_signed_data(
    timestamp_ms: u64,
    issuer_key_hash: &[u8; 32],
    tbs_der: &[u8],
) -> Result<Vec<u8>, CtError> {
    let len = u32::try_from(tbs_der.len())
        .ok()
        .filter(|&n| n <= 0xFF_FFFF)
        .ok_or(CtError::TooLong(tbs_der.len()))?;
    let mut out = Vec::with_capacity(tbs_der.len() + 50);
    out.push(0); // sct_version v1
    out.push(0); // signature_type certificate_timestamp
    out.extend(timestamp_ms.to_be_bytes());
    out.extend(1u16.to_be_bytes()); // entry_type precert_entry
    out.extend(issuer_key_hash);
    out.extend(&len.to_be_bytes()[1..]);
    out.extend(tbs_der);
    out.extend(0u16.to_be_bytes()); // no CtExtensions
    Ok(out)
}

/// The TLS encoding of a v1 SCT signed with ECDSA over SHA-256.
fn encode_sct(log_id: &[u8; 32], timestamp_ms: u64, signature: &[u8]) -> Sct {
    let mut out = Vec::with_capacity(47 + signature.len());
    out.push(0); // v1
    out.extend(log_id);
    out.extend(timestamp_ms.to_be_bytes());
    out.extend(0u16.to_be_bytes()); // extensions
    out.push(4); // hash: sha256
    out.push(3); // signature: ecdsa
                 // An ASN.1 ECDSA P-256 signature is at most 72 bytes.
    out.extend((signature.len() as u16).to_be_bytes());
    out.extend(signature);
    Sct(out)
}

/// The SCT list extension (non-critical) carrying `scts`: `extnValue` is the DER of an OCTET
/// STRING whose content is the TLS `SignedCertificateTimestampList`.
pub fn sct_list_extension(scts: &[Sct]) -> Result<Extension, PkiError> {
    let mut list = Vec::new();
    for sct in scts {
        // Each SCT is ~120 bytes; the u16 lengths cannot overflow for the handful a CA embeds.
        list.extend((sct.0.len() as u16).to_be_bytes());
        list.extend(&sct.0);
    }
    let mut tls = (list.len() as u16).to_be_bytes().to_vec();
    tls.extend(list);
    crate::pki::extension(OID_SCT_LIST, false, &OctetString::new(tls)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::Curve;

    #[test]
    fn a_certificate_without_poison_is_refused() {
        let key = EcKey::generate(Curve::P384).unwrap();
        let log = CtLog::new(EcKey::generate(Curve::P256).unwrap());
        let spec = crate::pki::CertificateSpec {
            issuer: crate::pki::name("CN=x").unwrap(),
            subject: crate::pki::name("CN=x").unwrap(),
            not_before: 1_700_000_000,
            not_after: 1_700_000_600,
            subject_spki_der: key.spki_der().to_vec(),
            extensions: vec![],
        };
        let cert = crate::pki::sign_certificate(spec.to_tbs(&key).unwrap(), &key).unwrap();
        assert!(matches!(
            log.add_pre_chain(&cert, key.spki_der(), 1),
            Err(CtError::NotPrecertificate)
        ));
        assert!(matches!(
            log.add_pre_chain(b"junk", key.spki_der(), 1),
            Err(CtError::Malformed(_))
        ));
    }
}
