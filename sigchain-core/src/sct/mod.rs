//! Signed Certificate Timestamps embedded in a Fulcio leaf certificate (RFC 6962 §3).
//!
//! Fulcio submits each precertificate to a certificate-transparency log before issuing it and
//! embeds the log's promise of inclusion (the SCT) in the final certificate, extension
//! `1.3.6.1.4.1.11129.2.4.2`. Checking the SCT proves the certificate was publicly logged, so a
//! mis-issued certificate would be visible to its subject: a Fulcio that issued certificates
//! outside the logs could not make them pass here.
//!
//! [`verify_embedded_scts`] checks every SCT against the trusted CT logs and reports which
//! verified; [`SctVerification::require`] then applies the verifier's threshold.
//!
//! ```no_run
//! use sigchain_core::sct::verify_embedded_scts;
//! use sigchain_core::trust_root::TrustedRoot;
//! # let (leaf_der, issuer_spki_der): (Vec<u8>, Vec<u8>) = (vec![], vec![]);
//! let report = verify_embedded_scts(&leaf_der, &issuer_spki_der, &TrustedRoot::production().ctlogs)?;
//! let verified = report.require(1)?;
//! # Ok::<(), sigchain_core::sct::SctError>(())
//! ```

mod parse;
#[cfg(test)]
mod tests;

#[cfg(any(test, feature = "test-double"))]
pub(crate) use parse::encode_sct_list;
pub use parse::{parse_sct_list, SignedCertificateTimestamp, MAX_EMBEDDED_SCTS};

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode, Reader, SliceReader, Tag};

use std::ops::Range;

use crate::crypto::{sha256, CryptoError, HashAlgorithm, KeyKind};
use crate::time::Timestamp;
use crate::trust_root::{LogId, TransparencyLog, ValidityPeriod};
use crate::x509::EXTENSIONS_TAG;

/// OID of the embedded `SignedCertificateTimestampList` extension (RFC 6962 §3.3).
pub const OID_SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

// TLS codes (RFC 5246 §7.4.1.4.1, RFC 8422 §5.1.3).
const TLS_HASH_SHA256: u8 = 4;
const TLS_HASH_SHA384: u8 = 5;
const TLS_HASH_SHA512: u8 = 6;
const TLS_HASH_INTRINSIC: u8 = 8;
const TLS_SIG_ECDSA: u8 = 3;
const TLS_SIG_ED25519: u8 = 7;

/// Largest TBSCertificate a precert entry can carry: `opaque tbs_certificate<1..2^24-1>`.
const MAX_TBS_LEN: usize = 0xFF_FFFF;

/// Why SCTs could not be read, or why one SCT did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SctError {
    /// The leaf is not a DER X.509 certificate.
    #[error("leaf certificate is not DER X.509: {0}")]
    MalformedCertificate(crate::x509::CertError),
    /// The leaf carries no SCT-list extension.
    #[error("leaf certificate has no embedded SCT list")]
    NoEmbeddedScts,
    /// The SCT-list extension occurs more than once (RFC 5280 §4.2 forbids it, and two lists
    /// would leave it open which one the precertificate lacked).
    #[error("leaf certificate has {count} SCT-list extensions")]
    DuplicateSctExtension {
        /// How many were found.
        count: usize,
    },
    /// The extension value is not an OCTET STRING wrapping the TLS list.
    #[error("SCT-list extension is not an OCTET STRING: {0}")]
    MalformedSctExtension(der::Error),
    /// The TLS encoding of the list or of an SCT in it is broken.
    #[error("malformed SCT list at byte {offset}: {reason}")]
    MalformedSctList {
        /// Byte offset within the TLS-encoded list.
        offset: usize,
        /// What was wrong there.
        reason: &'static str,
    },
    /// An SCT of a version other than v1.
    #[error("unsupported SCT version {version}")]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// More SCTs than [`MAX_EMBEDDED_SCTS`].
    #[error("more than {max} SCTs in one certificate")]
    TooManyScts {
        /// The bound.
        max: usize,
    },
    /// The TBSCertificate could not be re-encoded without the SCT list, or is too large for a
    /// precert entry.
    #[error("cannot rebuild the precertificate TBSCertificate: {0:?}")]
    TbsEncoding(Option<der::Error>),
    /// No trusted CT log has the SCT's log id.
    #[error("SCT names unknown CT log {}", crate::encoding::hex_encode(&log_id.0))]
    UnknownLog {
        /// The log id the SCT names.
        log_id: LogId,
    },
    /// The trusted root lists the log, but its key cannot be used.
    #[error("CT log {} has an unusable key: {error}", crate::encoding::hex_encode(&log_id.0))]
    LogKeyUnusable {
        /// The log.
        log_id: LogId,
        /// Why its key was rejected.
        error: CryptoError,
    },
    /// The SCT's signature algorithm does not fit the log's key.
    #[error(
        "SCT signed with hash {hash} / signature {signature}, which a {key:?} log key cannot make"
    )]
    AlgorithmMismatch {
        /// TLS hash code in the SCT.
        hash: u8,
        /// TLS signature code in the SCT.
        signature: u8,
        /// The log key's type.
        key: KeyKind,
    },
    /// The SCT's signature does not verify under the log's key.
    #[error("SCT from CT log {} has a bad signature: {error}", crate::encoding::hex_encode(&log_id.0))]
    BadSignature {
        /// The log.
        log_id: LogId,
        /// What the crypto backend said.
        error: CryptoError,
    },
    /// The SCT's time lies outside the period in which the trusted root accepts the log.
    #[error("SCT time {timestamp_ms} ms is outside CT log validity {validity:?}")]
    OutsideLogValidity {
        /// The log.
        log_id: LogId,
        /// The SCT's timestamp, milliseconds since the epoch.
        timestamp_ms: u64,
        /// The log's validity in the trusted root.
        validity: ValidityPeriod,
    },
    /// Fewer distinct CT logs vouched for the certificate than the verifier requires.
    #[error("{verified} SCT(s) verified, {threshold} required")]
    BelowThreshold {
        /// Distinct logs whose SCT verified.
        verified: usize,
        /// Required number.
        threshold: usize,
        /// Why each other SCT was rejected.
        rejected: Vec<SctRejection>,
    },
}

/// An SCT whose signature verified under a trusted CT log valid at its time.
/// Only this module makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSct {
    log_id: LogId,
    timestamp_ms: u64,
}

impl VerifiedSct {
    /// The CT log that signed it.
    pub fn log_id(&self) -> &LogId {
        &self.log_id
    }

    /// When the log promised inclusion, milliseconds since the epoch.
    pub fn timestamp_ms(&self) -> u64 {
        self.timestamp_ms
    }

    /// When the log promised inclusion, in whole seconds (rounded down).
    pub fn timestamp(&self) -> Timestamp {
        sct_seconds(self.timestamp_ms)
    }
}

/// One SCT that did not verify, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SctRejection {
    /// Position of the SCT in the certificate's list.
    pub index: usize,
    /// Why it was rejected.
    pub reason: SctError,
}

/// The outcome of checking every SCT in a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SctVerification {
    verified: Vec<VerifiedSct>,
    rejected: Vec<SctRejection>,
}

impl SctVerification {
    /// The SCTs that verified, in certificate order.
    pub fn verified(&self) -> &[VerifiedSct] {
        &self.verified
    }

    /// The SCTs that did not verify, with reasons. Like sigstore-go, an SCT from a log the
    /// trusted root does not know is not fatal by itself; it just does not count.
    pub fn rejected(&self) -> &[SctRejection] {
        &self.rejected
    }

    /// How many distinct CT logs vouched for the certificate. Distinct, so that one log's SCT
    /// repeated in the list cannot stand in for several independent logs.
    pub fn verified_count(&self) -> usize {
        let mut ids: Vec<&LogId> = self.verified.iter().map(|s| &s.log_id).collect();
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        ids.dedup();
        ids.len()
    }

    /// Require at least `threshold` distinct logs; returns the verified SCTs.
    pub fn require(self, threshold: usize) -> Result<Vec<VerifiedSct>, SctError> {
        let verified = self.verified_count();
        if verified < threshold {
            return Err(SctError::BelowThreshold {
                verified,
                threshold,
                rejected: self.rejected,
            });
        }
        Ok(self.verified)
    }
}

/// Check each SCT embedded in `leaf_der` against `ctlogs`.
///
/// `issuer_spki_der` is the DER SubjectPublicKeyInfo of the CA certificate that issued the leaf
/// (its hash binds the SCT to that issuer, RFC 6962 §3.2). An error means the SCTs could not be
/// read at all; per-SCT failures are reported in [`SctVerification::rejected`].
pub fn verify_embedded_scts(
    leaf_der: &[u8],
    issuer_spki_der: &[u8],
    ctlogs: &[TransparencyLog],
) -> Result<SctVerification, SctError> {
    let leaf =
        crate::x509::Certificate::from_der(leaf_der).map_err(SctError::MalformedCertificate)?;
    verify_embedded_scts_of(&leaf, issuer_spki_der, ctlogs)
}

/// [`verify_embedded_scts`] for a leaf already decoded (the verifier decodes it once).
pub fn verify_embedded_scts_of(
    leaf: &crate::x509::Certificate,
    issuer_spki_der: &[u8],
    ctlogs: &[TransparencyLog],
) -> Result<SctVerification, SctError> {
    let scts = parse_sct_list(embedded_sct_list(
        leaf.extensions().map(|e| (e.extn_id, e.extn_value)),
    )?)?;
    // The leaf's parser already knows where the SCT extension lies.
    let tbs_der = splice_precert_tbs(leaf.tbs_der(), leaf.extension_in_tbs(OID_SCT_LIST))?;
    let issuer_key_hash = sha256(issuer_spki_der);

    let mut verified = Vec::new();
    let mut rejected = Vec::new();
    for (index, sct) in scts.iter().enumerate() {
        match verify_sct(sct, &issuer_key_hash, &tbs_der, ctlogs) {
            Ok(ok) => verified.push(ok),
            Err(reason) => rejected.push(SctRejection { index, reason }),
        }
    }
    Ok(SctVerification { verified, rejected })
}

/// The TLS-encoded SCT list from the leaf's extension, given the leaf's extensions as
/// (OID, `extnValue` content) pairs.
fn embedded_sct_list<'a>(
    extensions: impl Iterator<Item = (ObjectIdentifier, &'a [u8])>,
) -> Result<&'a [u8], SctError> {
    let mut found = extensions.filter(|(id, _)| *id == OID_SCT_LIST);
    let (_, first) = found.next().ok_or(SctError::NoEmbeddedScts)?;
    let more = found.count();
    if more > 0 {
        return Err(SctError::DuplicateSctExtension { count: more + 1 });
    }
    // extnValue holds the DER of an OCTET STRING whose content is the TLS list (§3.3).
    let inner = OctetStringRef::from_der(first).map_err(SctError::MalformedSctExtension)?;
    Ok(inner.as_bytes())
}

/// The DER TBSCertificate as the log saw it in the precertificate: the leaf's, less the SCT
/// list (RFC 6962 §3.2 `PreCert.tbs_certificate`; the poison extension is likewise absent).
///
/// Built by cutting the SCT extension's bytes out of the leaf's own TBS DER and rewriting the
/// three enclosing lengths, rather than decoding and re-encoding the whole TBSCertificate: the
/// result is the same for DER input (which `Certificate::from_der` already required), at a
/// fraction of the cost on the verification hot path.
///
/// `raw_tbs` without the extension at `sct` inside the `[3] extensions` field at `field`
/// (both ranges of `raw_tbs`); unchanged when `spans` is `None`. The field goes too when the
/// SCT list was its only extension (`Extensions ::= SEQUENCE SIZE (1..MAX)`).
fn splice_precert_tbs(raw_tbs: &[u8], spans: Option<SctSpans>) -> Result<Vec<u8>, SctError> {
    let bad = || SctError::TbsEncoding(None);
    if raw_tbs.len() > MAX_TBS_LEN {
        return Err(bad());
    }
    let Some((sct, field)) = spans else {
        return Ok(raw_tbs.to_vec());
    };
    let tbs_header = header_len(raw_tbs)?;
    let field_bytes = raw_tbs.get(field.clone()).ok_or_else(bad)?;
    let field_header = header_len(field_bytes)?;
    let list_header = header_len(field_bytes.get(field_header..).ok_or_else(bad)?)?;
    let list = field.start + field_header + list_header..field.end;
    if sct.is_empty() || tbs_header > field.start || list.start > sct.start || sct.end > list.end {
        return Err(bad());
    }
    let kept = list.len() - sct.len();
    let (field_head, list_head) = if kept > 0 {
        let list_head = header(Tag::Sequence, kept)?;
        (header(EXTENSIONS_TAG, list_head.len() + kept)?, list_head)
    } else {
        (Vec::new(), Vec::new())
    };
    let content =
        raw_tbs.len() - tbs_header - field.len() + field_head.len() + list_head.len() + kept;
    let mut out = header(Tag::Sequence, content)?;
    out.reserve(content);
    let pieces = [
        raw_tbs.get(tbs_header..field.start),
        Some(field_head.as_slice()),
        Some(list_head.as_slice()),
        raw_tbs.get(list.start..sct.start),
        raw_tbs.get(sct.end..list.end),
        raw_tbs.get(field.end..),
    ];
    for piece in pieces {
        out.extend_from_slice(piece.ok_or_else(bad)?);
    }
    Ok(out)
}

/// Where the SCT list extension and the `[3] extensions` field around it lie in a TBS.
type SctSpans = (Range<usize>, Range<usize>);

/// The length of the DER header at the start of `tlv`.
fn header_len(tlv: &[u8]) -> Result<usize, SctError> {
    let bad = |e: der::Error| SctError::TbsEncoding(Some(e));
    let mut reader = SliceReader::new(tlv).map_err(bad)?;
    der::Header::decode(&mut reader).map_err(bad)?;
    usize::try_from(reader.position()).map_err(bad)
}

/// A DER header with `tag` for `len` content bytes.
fn header(tag: Tag, len: usize) -> Result<Vec<u8>, SctError> {
    let bad = |e: der::Error| SctError::TbsEncoding(Some(e));
    let length = der::Length::try_from(len).map_err(bad)?;
    der::Header::new(tag, length)
        .and_then(|h| h.to_der())
        .map_err(bad)
}

/// The bytes the log signed for a precert entry (RFC 6962 §3.2, `digitally-signed struct`).
pub(crate) fn precert_signed_data(
    sct: &SignedCertificateTimestamp,
    issuer_key_hash: &[u8; 32],
    tbs_der: &[u8],
) -> Result<Vec<u8>, SctError> {
    let tbs_len = u32::try_from(tbs_der.len())
        .ok()
        .filter(|&n| n as usize <= MAX_TBS_LEN)
        .ok_or(SctError::TbsEncoding(None))?;
    let ext_len = u16::try_from(sct.extensions.len()).map_err(|_| SctError::MalformedSctList {
        offset: 0,
        reason: "extensions longer than 65535 bytes",
    })?;
    let [_, tbs_len_hi, tbs_len_mid, tbs_len_lo] = tbs_len.to_be_bytes();
    let mut out =
        Vec::with_capacity(1 + 1 + 8 + 2 + 32 + 3 + tbs_der.len() + 2 + sct.extensions.len());
    out.push(0); // sct_version v1
    out.push(0); // signature_type certificate_timestamp
    out.extend(sct.timestamp_ms.to_be_bytes());
    out.extend(1u16.to_be_bytes()); // entry_type precert_entry
    out.extend(issuer_key_hash);
    out.extend([tbs_len_hi, tbs_len_mid, tbs_len_lo]);
    out.extend(tbs_der);
    out.extend(ext_len.to_be_bytes());
    out.extend(&sct.extensions);
    Ok(out)
}

fn verify_sct(
    sct: &SignedCertificateTimestamp,
    issuer_key_hash: &[u8; 32],
    tbs_der: &[u8],
    ctlogs: &[TransparencyLog],
) -> Result<VerifiedSct, SctError> {
    let log_id = LogId(sct.log_id.to_vec());
    let log = ctlogs
        .iter()
        .find(|log| log.log_id == log_id)
        .ok_or_else(|| SctError::UnknownLog {
            log_id: log_id.clone(),
        })?;
    let key = log.key.as_ref().map_err(|error| SctError::LogKeyUnusable {
        log_id: log_id.clone(),
        error: error.clone(),
    })?;
    let hash = signature_hash(sct, key.kind())?;
    let message = precert_signed_data(sct, issuer_key_hash, tbs_der)?;
    key.verify(&message, &sct.signature, hash)
        .map_err(|error| SctError::BadSignature {
            log_id: log_id.clone(),
            error,
        })?;
    // A key is trusted only for its period: an SCT from a retired (possibly compromised) log
    // key must not count. Checked after the signature so the time is authentic.
    if !log.validity.contains(sct_seconds(sct.timestamp_ms)) {
        return Err(SctError::OutsideLogValidity {
            log_id,
            timestamp_ms: sct.timestamp_ms,
            validity: log.validity,
        });
    }
    Ok(VerifiedSct {
        log_id,
        timestamp_ms: sct.timestamp_ms,
    })
}

/// The hash to verify with, if the SCT's algorithm pair fits the key type.
fn signature_hash(
    sct: &SignedCertificateTimestamp,
    key: KeyKind,
) -> Result<HashAlgorithm, SctError> {
    let mismatch = SctError::AlgorithmMismatch {
        hash: sct.hash_algorithm,
        signature: sct.signature_algorithm,
        key,
    };
    match (key, sct.signature_algorithm, sct.hash_algorithm) {
        (KeyKind::EcdsaP256 | KeyKind::EcdsaP384, TLS_SIG_ECDSA, TLS_HASH_SHA256) => {
            Ok(HashAlgorithm::Sha256)
        }
        (KeyKind::EcdsaP256 | KeyKind::EcdsaP384, TLS_SIG_ECDSA, TLS_HASH_SHA384) => {
            Ok(HashAlgorithm::Sha384)
        }
        (KeyKind::EcdsaP256 | KeyKind::EcdsaP384, TLS_SIG_ECDSA, TLS_HASH_SHA512) => {
            Ok(HashAlgorithm::Sha512)
        }
        // Ed25519 hashes internally (RFC 8422 §5.1.3); the hash argument is ignored.
        (KeyKind::Ed25519, TLS_SIG_ED25519, TLS_HASH_INTRINSIC) => Ok(HashAlgorithm::Sha512),
        _ => Err(mismatch),
    }
}

/// SCT milliseconds as whole seconds, rounded down: trusted-root times are whole seconds, so
/// an SCT in the last second of a log's validity still counts (the end is inclusive).
fn sct_seconds(timestamp_ms: u64) -> Timestamp {
    // u64::MAX / 1000 < i64::MAX, so the conversion cannot fail.
    Timestamp(i64::try_from(timestamp_ms / 1000).unwrap_or(i64::MAX))
}
