//! The Sigstore trusted root: which CAs, transparency logs, CT logs and timestamp authorities
//! to believe, and when.
//!
//! Parsed from protobuf-specs `TrustedRoot` JSON
//! (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`). The public-good production
//! and staging roots are compiled in; a private or air-gapped instance loads its own.
//!
//! ```
//! use sigchain_core::trust_root::TrustedRoot;
//! let root = TrustedRoot::production();
//! assert!(!root.tlogs.is_empty());
//! assert!(!root.certificate_authorities.is_empty());
//! ```

use std::sync::OnceLock;

use crate::crypto::{CryptoError, HashAlgorithm, PublicKey};
use crate::encoding::Base64Bytes;
use crate::time::Timestamp;

const PRODUCTION_JSON: &str = include_str!("../trust/production_trusted_root.json");
const STAGING_JSON: &str = include_str!("../trust/staging_trusted_root.json");

/// When the compiled-in roots were taken: the production one is byte-identical to the
/// `trusted_root.json` target of the public-good TUF repository at 2026-08-21 (root-signing
/// commit 60cf2ce); both come from sigstore-python 4.5.1. Callers report the embedded snapshot's
/// age from this, and refresh over TUF (feature `tuf`) when it matters.
pub const EMBEDDED_SNAPSHOT_DATE: &str = "2026-08-21T00:00:00Z";

/// Largest trusted-root JSON accepted, in bytes.
pub const MAX_TRUSTED_ROOT_BYTES: usize = 4 * 1024 * 1024;

const MEDIA_TYPE_V0_1: &str = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

/// Why a trusted root could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustRootError {
    /// The document is larger than [`MAX_TRUSTED_ROOT_BYTES`].
    #[error("trusted root is {0} bytes, over the limit")]
    TooLarge(usize),
    /// Not JSON of the TrustedRoot shape.
    #[error("trusted root JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A media type other than trustedroot v0.1.
    #[error("unsupported trusted root media type {0:?}")]
    MediaType(String),
    /// A timestamp in a validity period is not RFC 3339.
    #[error("bad time {0:?} in a validity period")]
    BadTime(String),
    /// A transparency log has no validity start (protobuf-specs requires it for tlogs).
    #[error("transparency log {base_url} has no validity start")]
    TlogWithoutStart {
        /// The log's URL.
        base_url: String,
    },
    /// A certificate authority or TSA with no certificates.
    #[error("authority {uri} has an empty certificate chain")]
    EmptyChain {
        /// The authority's URI.
        uri: String,
    },
    /// A hash algorithm name we do not know.
    #[error("unknown hash algorithm {0:?}")]
    UnknownHash(String),
}

/// A closed time interval; a missing end means "still valid".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityPeriod {
    /// First instant of validity, if bounded.
    pub start: Option<Timestamp>,
    /// Last instant of validity (inclusive), if bounded.
    pub end: Option<Timestamp>,
}

impl ValidityPeriod {
    /// Whether `t` lies within the period, both ends included.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t <= e)
    }
}

/// A log's identifier: for every Sigstore log, the SHA-256 of its DER public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogId(pub Vec<u8>);

/// A transparency log (Rekor) or certificate-transparency log.
#[derive(Debug, Clone)]
pub struct TransparencyLog {
    /// Where the log is served.
    pub base_url: String,
    /// Its identifier, as bundles and SCTs name it.
    pub log_id: LogId,
    /// Hash used for the log's Merkle tree.
    pub hash_algorithm: HashAlgorithm,
    /// The log's public key, or why it could not be used (e.g. an RSA CT log from 2021):
    /// entries claiming this log then fail to verify instead of failing the whole root.
    pub key: Result<PublicKey, CryptoError>,
    /// The key's DER SubjectPublicKeyInfo as given.
    pub key_der: Vec<u8>,
    /// When the log's key may be trusted.
    pub validity: ValidityPeriod,
}

/// A certificate authority (Fulcio) or timestamp authority.
#[derive(Debug, Clone)]
pub struct CertificateAuthority {
    /// The authority's URI.
    pub uri: String,
    /// Subject organization, as the root states it.
    pub organization: String,
    /// Subject common name, as the root states it.
    pub common_name: String,
    /// DER certificates, issuing certificate first and self-signed root last.
    pub chain: Vec<Vec<u8>>,
    /// When certificates from this authority may be trusted.
    pub validity: ValidityPeriod,
}

/// The set of authorities and logs a verifier trusts.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    /// Rekor transparency logs.
    pub tlogs: Vec<TransparencyLog>,
    /// Certificate-transparency logs.
    pub ctlogs: Vec<TransparencyLog>,
    /// Fulcio certificate authorities.
    pub certificate_authorities: Vec<CertificateAuthority>,
    /// RFC 3161 timestamp authorities.
    pub timestamp_authorities: Vec<CertificateAuthority>,
}

impl TrustedRoot {
    /// The Sigstore public-good production root compiled into this crate.
    pub fn production() -> &'static TrustedRoot {
        static ROOT: OnceLock<TrustedRoot> = OnceLock::new();
        ROOT.get_or_init(|| {
            // A test (embedded_roots_parse) proves the embedded document parses.
            TrustedRoot::from_json(PRODUCTION_JSON.as_bytes()).unwrap_or_else(|_| empty_root())
        })
    }

    /// The Sigstore public-good staging root compiled into this crate.
    pub fn staging() -> &'static TrustedRoot {
        static ROOT: OnceLock<TrustedRoot> = OnceLock::new();
        ROOT.get_or_init(|| {
            TrustedRoot::from_json(STAGING_JSON.as_bytes()).unwrap_or_else(|_| empty_root())
        })
    }

    /// Parse a `TrustedRoot` JSON document.
    pub fn from_json(json: &[u8]) -> Result<TrustedRoot, TrustRootError> {
        if json.len() > MAX_TRUSTED_ROOT_BYTES {
            return Err(TrustRootError::TooLarge(json.len()));
        }
        let doc: wire::TrustedRoot = serde_json::from_slice(json)?;
        if doc.media_type != MEDIA_TYPE_V0_1 {
            return Err(TrustRootError::MediaType(doc.media_type));
        }
        let tlogs = doc
            .tlogs
            .into_iter()
            .map(|log| convert_log(log, true))
            .collect::<Result<_, _>>()?;
        let ctlogs = doc
            .ctlogs
            .into_iter()
            .map(|log| convert_log(log, false))
            .collect::<Result<_, _>>()?;
        let certificate_authorities = doc
            .certificate_authorities
            .into_iter()
            .map(convert_authority)
            .collect::<Result<_, _>>()?;
        let timestamp_authorities = doc
            .timestamp_authorities
            .into_iter()
            .map(convert_authority)
            .collect::<Result<_, _>>()?;
        Ok(TrustedRoot {
            tlogs,
            ctlogs,
            certificate_authorities,
            timestamp_authorities,
        })
    }

    /// The transparency log with this id.
    pub fn tlog(&self, id: &[u8]) -> Option<&TransparencyLog> {
        self.tlogs.iter().find(|log| log.log_id.0 == id)
    }

    /// The CT log with this id.
    pub fn ctlog(&self, id: &[u8]) -> Option<&TransparencyLog> {
        self.ctlogs.iter().find(|log| log.log_id.0 == id)
    }
}

fn empty_root() -> TrustedRoot {
    TrustedRoot {
        tlogs: Vec::new(),
        ctlogs: Vec::new(),
        certificate_authorities: Vec::new(),
        timestamp_authorities: Vec::new(),
    }
}

fn convert_validity(v: Option<wire::TimeRange>) -> Result<ValidityPeriod, TrustRootError> {
    let parse = |s: Option<String>| -> Result<Option<Timestamp>, TrustRootError> {
        match s {
            None => Ok(None),
            Some(s) => Timestamp::parse_rfc3339(&s)
                .map(Some)
                .ok_or(TrustRootError::BadTime(s)),
        }
    };
    let v = v.unwrap_or_default();
    Ok(ValidityPeriod {
        start: parse(v.start)?,
        end: parse(v.end)?,
    })
}

fn convert_log(
    log: wire::TransparencyLogInstance,
    is_tlog: bool,
) -> Result<TransparencyLog, TrustRootError> {
    let validity = convert_validity(log.public_key.valid_for)?;
    if is_tlog && validity.start.is_none() {
        return Err(TrustRootError::TlogWithoutStart {
            base_url: log.base_url,
        });
    }
    let hash_algorithm = match log.hash_algorithm.as_deref() {
        None | Some("SHA2_256") => HashAlgorithm::Sha256,
        Some("SHA2_384") => HashAlgorithm::Sha384,
        Some("SHA2_512") => HashAlgorithm::Sha512,
        Some(other) => return Err(TrustRootError::UnknownHash(other.to_owned())),
    };
    let key_der = log.public_key.raw_bytes.map(|b| b.0).unwrap_or_default();
    Ok(TransparencyLog {
        base_url: log.base_url,
        log_id: LogId(log.log_id.key_id.0),
        hash_algorithm,
        key: PublicKey::from_spki_der(&key_der),
        key_der,
        validity,
    })
}

fn convert_authority(
    ca: wire::CertificateAuthority,
) -> Result<CertificateAuthority, TrustRootError> {
    let chain: Vec<Vec<u8>> = ca
        .cert_chain
        .certificates
        .into_iter()
        .map(|c| c.raw_bytes.0)
        .collect();
    if chain.is_empty() {
        return Err(TrustRootError::EmptyChain { uri: ca.uri });
    }
    let subject = ca.subject.unwrap_or_default();
    Ok(CertificateAuthority {
        uri: ca.uri,
        organization: subject.organization.unwrap_or_default(),
        common_name: subject.common_name.unwrap_or_default(),
        chain,
        validity: convert_validity(ca.valid_for)?,
    })
}

/// The JSON shape, field for field as protobuf-specs' JSON mapping writes it.
mod wire {
    use super::Base64Bytes;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct TrustedRoot {
        pub media_type: String,
        #[serde(default)]
        pub tlogs: Vec<TransparencyLogInstance>,
        #[serde(default)]
        pub certificate_authorities: Vec<CertificateAuthority>,
        #[serde(default)]
        pub ctlogs: Vec<TransparencyLogInstance>,
        #[serde(default)]
        pub timestamp_authorities: Vec<CertificateAuthority>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct TransparencyLogInstance {
        #[serde(default)]
        pub base_url: String,
        pub hash_algorithm: Option<String>,
        pub public_key: PublicKey,
        pub log_id: LogId,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct PublicKey {
        pub raw_bytes: Option<Base64Bytes>,
        #[allow(dead_code)]
        pub key_details: Option<String>,
        pub valid_for: Option<TimeRange>,
    }

    #[derive(Deserialize, Default)]
    pub(super) struct TimeRange {
        pub start: Option<String>,
        pub end: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct LogId {
        pub key_id: Base64Bytes,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct CertificateAuthority {
        pub subject: Option<DistinguishedName>,
        #[serde(default)]
        pub uri: String,
        pub cert_chain: CertChain,
        pub valid_for: Option<TimeRange>,
    }

    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct DistinguishedName {
        pub organization: Option<String>,
        pub common_name: Option<String>,
    }

    #[derive(Deserialize)]
    pub(super) struct CertChain {
        #[serde(default)]
        pub certificates: Vec<Cert>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Cert {
        pub raw_bytes: Base64Bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(path: &str) -> Vec<u8> {
        let full = format!("{}/../../shared/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    #[test]
    fn embedded_roots_parse() {
        TrustedRoot::from_json(PRODUCTION_JSON.as_bytes()).unwrap();
        TrustedRoot::from_json(STAGING_JSON.as_bytes()).unwrap();
        let prod = TrustedRoot::production();
        assert_eq!(prod.tlogs.len(), 2);
        assert_eq!(prod.ctlogs.len(), 2);
        assert_eq!(prod.certificate_authorities.len(), 2);
        assert_eq!(prod.timestamp_authorities.len(), 1);
        assert!(prod.tlogs.iter().all(|l| l.key.is_ok()));
    }

    #[test]
    fn embedded_roots_match_shared_copies() {
        assert_eq!(
            PRODUCTION_JSON.as_bytes(),
            shared("trust/production/trusted_root.json")
        );
        assert_eq!(
            STAGING_JSON.as_bytes(),
            shared("trust/staging/trusted_root.json")
        );
    }

    #[test]
    fn tlog_without_start_is_rejected() {
        let json = shared(
            "conformance/bundle-verify/trust-root-tlog-missing-validity-start_fail/trusted_root.json",
        );
        assert!(matches!(
            TrustedRoot::from_json(&json),
            Err(TrustRootError::TlogWithoutStart { .. })
        ));
    }

    #[test]
    fn unsupported_ct_key_is_kept_not_fatal() {
        let json = shared("conformance/bundle-verify/rekor2-happy-path/trusted_root.json");
        let root = TrustedRoot::from_json(&json).unwrap();
        assert!(root.ctlogs.iter().any(|l| l.key.is_err()));
    }

    #[test]
    fn validity_is_closed_interval() {
        let v = ValidityPeriod {
            start: Some(Timestamp(10)),
            end: Some(Timestamp(20)),
        };
        assert!(v.contains(Timestamp(10)) && v.contains(Timestamp(20)));
        assert!(!v.contains(Timestamp(9)) && !v.contains(Timestamp(21)));
    }

    #[test]
    fn rejects_other_media_type_and_oversize() {
        let json = br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=9"}"#;
        assert!(matches!(
            TrustedRoot::from_json(json),
            Err(TrustRootError::MediaType(_))
        ));
        let big = vec![b' '; MAX_TRUSTED_ROOT_BYTES + 1];
        assert!(matches!(
            TrustedRoot::from_json(&big),
            Err(TrustRootError::TooLarge(_))
        ));
    }
}
