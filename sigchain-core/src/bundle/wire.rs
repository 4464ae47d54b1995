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
use std::borrow::Cow;

/// A protobuf JSON scalar that may be written as a string or a number: int64 fields (string
/// by the spec, numbers accepted) and enums (name by the spec, number accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scalar<'a> {
    /// Written as a JSON string.
    Text(Cow<'a, str>),
    /// Written as a JSON integer.
    Number(i64),
}

impl Serialize for Scalar<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Scalar::Text(t) => s.serialize_str(t),
            // int64 goes out as a string: JavaScript readers lose precision above 2^53.
            Scalar::Number(n) => s.serialize_str(&n.to_string()),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ScalarVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ScalarVisitor<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'a>, E> {
                // Above i64::MAX: keep the text so decoding reports it as out of range.
                Ok(i64::try_from(v)
                    .map(Scalar::Number)
                    .unwrap_or_else(|_| Scalar::Text(Cow::Owned(v.to_string()))))
            }
        }
        d.deserialize_any(ScalarVisitor(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Bundle<'a> {
    #[serde(default, alias = "media_type", skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub media_type: Cow<'a, str>,
    #[serde(
        alias = "verification_material",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(borrow)]
    pub verification_material: Option<VerificationMaterial<'a>>,
    #[serde(alias = "message_signature", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub message_signature: Option<MessageSignature<'a>>,
    #[serde(alias = "dsse_envelope", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub dsse_envelope: Option<Envelope<'a>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct VerificationMaterial<'a> {
    #[serde(alias = "public_key", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub public_key: Option<PublicKeyIdentifier<'a>>,
    #[serde(
        alias = "x509_certificate_chain",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(borrow)]
    pub x509_certificate_chain: Option<CertificateChain<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub certificate: Option<Certificate<'a>>,
    #[serde(default, alias = "tlog_entries", skip_serializing_if = "Vec::is_empty")]
    #[serde(borrow)]
    pub tlog_entries: Vec<TlogEntry<'a>>,
    #[serde(
        alias = "timestamp_verification_data",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(borrow)]
    pub timestamp_verification_data: Option<TimestampVerificationData<'a>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublicKeyIdentifier<'a> {
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub hint: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertificateChain<'a> {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(borrow)]
    pub certificates: Vec<Certificate<'a>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Certificate<'a> {
    #[serde(default, alias = "raw_bytes", skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub raw_bytes: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TimestampVerificationData<'a> {
    #[serde(
        default,
        alias = "rfc3161_timestamps",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[serde(borrow)]
    pub rfc3161_timestamps: Vec<SignedTimestamp<'a>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SignedTimestamp<'a> {
    #[serde(
        default,
        alias = "signed_timestamp",
        skip_serializing_if = "str::is_empty"
    )]
    #[serde(borrow)]
    pub signed_timestamp: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TlogEntry<'a> {
    #[serde(alias = "log_index", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub log_index: Option<Scalar<'a>>,
    #[serde(alias = "log_id", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub log_id: Option<LogId<'a>>,
    #[serde(alias = "kind_version", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub kind_version: Option<KindVersion<'a>>,
    #[serde(alias = "integrated_time", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub integrated_time: Option<Scalar<'a>>,
    #[serde(alias = "inclusion_promise", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub inclusion_promise: Option<InclusionPromise<'a>>,
    #[serde(alias = "inclusion_proof", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub inclusion_proof: Option<InclusionProof<'a>>,
    #[serde(
        default,
        alias = "canonicalized_body",
        skip_serializing_if = "str::is_empty"
    )]
    #[serde(borrow)]
    pub canonicalized_body: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct LogId<'a> {
    #[serde(default, alias = "key_id", skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub key_id: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KindVersion<'a> {
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub version: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct InclusionPromise<'a> {
    #[serde(
        default,
        alias = "signed_entry_timestamp",
        skip_serializing_if = "str::is_empty"
    )]
    #[serde(borrow)]
    pub signed_entry_timestamp: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct InclusionProof<'a> {
    #[serde(alias = "log_index", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub log_index: Option<Scalar<'a>>,
    #[serde(default, alias = "root_hash", skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub root_hash: Cow<'a, str>,
    #[serde(alias = "tree_size", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub tree_size: Option<Scalar<'a>>,
    // Written even when empty (a proof in a one-leaf tree), as rekor-tiles writes it: strict
    // clients (sigstore-python) require the field.
    #[serde(default)]
    #[serde(borrow)]
    pub hashes: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub checkpoint: Option<Checkpoint<'a>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Checkpoint<'a> {
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub envelope: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MessageSignature<'a> {
    #[serde(alias = "message_digest", skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub message_digest: Option<HashOutput<'a>>,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub signature: Cow<'a, str>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HashOutput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(borrow)]
    pub algorithm: Option<Scalar<'a>>,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub digest: Cow<'a, str>,
}

/// in-toto `Envelope`; its proto field names are already the JSON names.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Envelope<'a> {
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub payload: Cow<'a, str>,
    #[serde(default, rename = "payloadType", skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub payload_type: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(borrow)]
    pub signatures: Vec<Signature<'a>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Signature<'a> {
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub sig: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    #[serde(borrow)]
    pub keyid: Cow<'a, str>,
}
