//! The trusted root an instance writes: protobuf-specs `TrustedRoot` JSON naming its logs
//! (and, with the signing issue, its CA and TSA), so that any Sigstore verifier —
//! `sigchain-core`, sigstore-python, cosign — trusts exactly this instance.
//!
//! ```
//! use sigchain_instance::log::signer::{LogKeyKind, LogSigner};
//! use sigchain_instance::trust::TrustedRootBuilder;
//! let signer = LogSigner::generate(LogKeyKind::EcdsaP256, "127.0.0.1", Some(1))?;
//! let json = TrustedRootBuilder::new()
//!     .tlog("http://127.0.0.1:3000", &signer, 1_700_000_000)
//!     .to_json();
//! let root = sigchain_core::trust_root::TrustedRoot::from_json(json.as_bytes())?;
//! assert_eq!(root.tlogs[0].log_id, signer.log_id());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde_json::{json, Value};
use sigchain_core::crypto::KeyKind;
use sigchain_core::encoding::base64_encode;

use crate::log::signer::LogSigner;

/// Builds a trusted root; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct TrustedRootBuilder {
    tlogs: Vec<Value>,
    certificate_authorities: Vec<Value>,
    ctlogs: Vec<Value>,
    timestamp_authorities: Vec<Value>,
}

impl TrustedRootBuilder {
    /// An empty root.
    pub fn new() -> TrustedRootBuilder {
        TrustedRootBuilder::default()
    }

    /// Trust the transparency log at `base_url` signing with `signer`'s key from `valid_from`
    /// (seconds since the epoch) on, under the log id its entries carry.
    pub fn tlog(
        mut self,
        base_url: &str,
        signer: &LogSigner,
        valid_from: i64,
    ) -> TrustedRootBuilder {
        self.tlogs.push(log_json(base_url, signer, valid_from));
        self
    }

    /// Trust the certificate authority at `uri` whose chain (DER, issuing certificate first,
    /// root last) is `chain`, from `valid_from` on.
    pub fn certificate_authority(
        mut self,
        uri: &str,
        common_name: &str,
        chain: &[Vec<u8>],
        valid_from: i64,
    ) -> TrustedRootBuilder {
        self.certificate_authorities
            .push(authority_json(uri, common_name, chain, valid_from));
        self
    }

    /// Trust the timestamp authority at `uri` whose chain (DER, signing certificate first,
    /// root last) is `chain`, from `valid_from` on.
    pub fn timestamp_authority(
        mut self,
        uri: &str,
        common_name: &str,
        chain: &[Vec<u8>],
        valid_from: i64,
    ) -> TrustedRootBuilder {
        self.timestamp_authorities
            .push(authority_json(uri, common_name, chain, valid_from));
        self
    }

    /// Trust the CT log at `base_url` with the ECDSA P-256 key `spki_der` from `valid_from`
    /// on; its log id is SHA-256 of the key.
    pub fn ctlog(mut self, base_url: &str, spki_der: &[u8], valid_from: i64) -> TrustedRootBuilder {
        self.ctlogs.push(json!({
            "baseUrl": base_url,
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": base64_encode(spki_der),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": {"start": rfc3339(valid_from)},
            },
            "logId": {"keyId": base64_encode(&sigchain_core::crypto::sha256(spki_der))},
        }));
        self
    }

    /// The document as a JSON value.
    pub fn to_value(&self) -> Value {
        json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": self.tlogs,
            "certificateAuthorities": self.certificate_authorities,
            "ctlogs": self.ctlogs,
            "timestampAuthorities": self.timestamp_authorities,
        })
    }

    /// The JSON document.
    pub fn to_json(&self) -> String {
        // Serializing a Value cannot fail.
        serde_json::to_string_pretty(&self.to_value()).unwrap_or_default()
    }
}

fn log_json(base_url: &str, signer: &LogSigner, valid_from: i64) -> Value {
    let key = signer.public_key();
    let key_details = match key.kind() {
        KeyKind::EcdsaP256 => "PKIX_ECDSA_P256_SHA_256",
        KeyKind::EcdsaP384 => "PKIX_ECDSA_P384_SHA_384",
        KeyKind::Ed25519 => "PKIX_ED25519",
        KeyKind::RsaPkcs1 => "PKIX_RSA_PKCS1V15_2048_SHA256",
    };
    json!({
        "baseUrl": base_url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {
            "rawBytes": base64_encode(key.spki_der()),
            "keyDetails": key_details,
            "validFor": {"start": rfc3339(valid_from)},
        },
        "logId": {"keyId": base64_encode(&signer.log_id().0)},
    })
}

fn authority_json(uri: &str, common_name: &str, chain: &[Vec<u8>], valid_from: i64) -> Value {
    let certificates: Vec<Value> = chain
        .iter()
        .map(|der| json!({"rawBytes": base64_encode(der)}))
        .collect();
    json!({
        "subject": {"organization": "sigchain", "commonName": common_name},
        "uri": uri,
        "certChain": {"certificates": certificates},
        "validFor": {"start": rfc3339(valid_from)},
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (proleptic Gregorian, UTC).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_710_869_186), "2024-03-19T17:26:26Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn the_core_reads_what_is_written() {
        use sigchain_core::time::Timestamp;
        let ed = crate::log::signer::LogSigner::generate(
            crate::log::signer::LogKeyKind::Ed25519,
            "log.local",
            None,
        )
        .unwrap();
        let json = TrustedRootBuilder::new()
            .tlog("http://127.0.0.1:1", &ed, 1_710_869_186)
            .to_json();
        let root = sigchain_core::trust_root::TrustedRoot::from_json(json.as_bytes()).unwrap();
        let log = root.tlog(&ed.log_id().0).unwrap();
        assert_eq!(log.validity.start, Some(Timestamp(1_710_869_186)));
        assert!(log.key.is_ok());
    }
}
