//! The bundle's JSON shape, field for field as protobuf JSON writes it.
//!
//! Kept deliberately dumb: bytes stay base64 text and integers stay as written until
//! `decode` turns them into typed values with per-field errors. Every message is
//! `deny_unknown_fields`, as protobuf JSON parsers reject unknown fields by default, so a field
//! we would silently ignore cannot smuggle meaning past us. Each field also accepts its
//! original proto (snake_case) name, which protobuf JSON parsers must accept too.
//!
//! Serialization follows protobuf JSON: default values (empty strings and bytes, zero
//! integers, empty lists, absent messages) are omitted; int64 is written as a string.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A protobuf JSON scalar that may be written as a string or a number: int64 fields (string
/// by the spec, numbers accepted) and enums (name by the spec, number accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// Written as a JSON string.
    Text(String),
    /// Written as a JSON integer.
    Number(i64),
}

impl Serialize for Scalar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Scalar::Text(t) => s.serialize_str(t),
            // int64 goes out as a string: JavaScript readers lose precision above 2^53.
            Scalar::Number(n) => s.serialize_str(&n.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                // Above i64::MAX: keep the text so decoding reports it as out of range.
                Ok(i64::try_from(v)
                    .map(Scalar::Number)
                    .unwrap_or_else(|_| Scalar::Text(v.to_string())))
            }
        }
        d.deserialize_any(ScalarVisitor)
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Bundle {
    #[serde(
        default,
        alias = "media_type",
        skip_serializing_if = "String::is_empty"
    )]
    pub media_type: String,
    #[serde(
        alias = "verification_material",
        skip_serializing_if = "Option::is_none"
    )]
    pub verification_material: Option<VerificationMaterial>,
    #[serde(alias = "message_signature", skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<MessageSignature>,
    #[serde(alias = "dsse_envelope", skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<Envelope>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct VerificationMaterial {
    #[serde(alias = "public_key", skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    #[serde(
        alias = "x509_certificate_chain",
        skip_serializing_if = "Option::is_none"
    )]
    pub x509_certificate_chain: Option<CertificateChain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    #[serde(default, alias = "tlog_entries", skip_serializing_if = "Vec::is_empty")]
    pub tlog_entries: Vec<TlogEntry>,
    #[serde(
        alias = "timestamp_verification_data",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_verification_data: Option<TimestampVerificationData>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublicKeyIdentifier {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertificateChain {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Certificate {
    #[serde(default, alias = "raw_bytes", skip_serializing_if = "String::is_empty")]
    pub raw_bytes: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TimestampVerificationData {
    #[serde(
        default,
        alias = "rfc3161_timestamps",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub rfc3161_timestamps: Vec<SignedTimestamp>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SignedTimestamp {
    #[serde(
        default,
        alias = "signed_timestamp",
        skip_serializing_if = "String::is_empty"
    )]
    pub signed_timestamp: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TlogEntry {
    #[serde(alias = "log_index", skip_serializing_if = "Option::is_none")]
    pub log_index: Option<Scalar>,
    #[serde(alias = "log_id", skip_serializing_if = "Option::is_none")]
    pub log_id: Option<LogId>,
    #[serde(alias = "kind_version", skip_serializing_if = "Option::is_none")]
    pub kind_version: Option<KindVersion>,
    #[serde(alias = "integrated_time", skip_serializing_if = "Option::is_none")]
    pub integrated_time: Option<Scalar>,
    #[serde(alias = "inclusion_promise", skip_serializing_if = "Option::is_none")]
    pub inclusion_promise: Option<InclusionPromise>,
    #[serde(alias = "inclusion_proof", skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    #[serde(
        default,
        alias = "canonicalized_body",
        skip_serializing_if = "String::is_empty"
    )]
    pub canonicalized_body: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct LogId {
    #[serde(default, alias = "key_id", skip_serializing_if = "String::is_empty")]
    pub key_id: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KindVersion {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct InclusionPromise {
    #[serde(
        default,
        alias = "signed_entry_timestamp",
        skip_serializing_if = "String::is_empty"
    )]
    pub signed_entry_timestamp: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct InclusionProof {
    #[serde(alias = "log_index", skip_serializing_if = "Option::is_none")]
    pub log_index: Option<Scalar>,
    #[serde(default, alias = "root_hash", skip_serializing_if = "String::is_empty")]
    pub root_hash: String,
    #[serde(alias = "tree_size", skip_serializing_if = "Option::is_none")]
    pub tree_size: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<Checkpoint>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Checkpoint {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub envelope: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MessageSignature {
    #[serde(alias = "message_digest", skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<HashOutput>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signature: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HashOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Scalar>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
}

/// in-toto `Envelope`; its proto field names are already the JSON names.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Envelope {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub payload: String,
    #[serde(
        default,
        rename = "payloadType",
        skip_serializing_if = "String::is_empty"
    )]
    pub payload_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Signature>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Signature {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sig: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keyid: String,
}
