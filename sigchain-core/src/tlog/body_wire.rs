//! The body shapes, field for field as Rekor writes them. Unknown fields are errors: a field
//! this module does not compare must not ride along in what the log vouches for.

use crate::encoding::Base64Bytes;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Header<'a> {
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    #[serde(borrow)]
    pub api_version: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Entry<'a, T> {
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    #[serde(borrow)]
    pub api_version: Cow<'a, str>,
    pub spec: T,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HexHash {
    pub algorithm: String,
    pub value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct HashedRekordV001 {
    pub signature: HrSignature,
    pub data: HrData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct HrSignature {
    pub content: Base64Bytes,
    pub public_key: HrPublicKey,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HrPublicKey {
    pub content: Base64Bytes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HrData {
    pub hash: HexHash,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct HashedRekordSpecV002 {
    pub hashed_rekord_v002: HashedRekordV002,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HashedRekordV002 {
    pub data: HashOutput,
    pub signature: SignatureV002,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HashOutput {
    pub algorithm: String,
    pub digest: Base64Bytes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignatureV002 {
    pub content: Base64Bytes,
    pub verifier: VerifierV002,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct VerifierV002 {
    pub public_key: Option<RawBytes>,
    pub x509_certificate: Option<RawBytes>,
    pub key_details: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawBytes {
    pub raw_bytes: Base64Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct DsseV001 {
    #[allow(dead_code)]
    pub envelope_hash: HexHash,
    pub payload_hash: HexHash,
    pub signatures: Vec<DsseSignatureV001>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DsseSignatureV001 {
    pub signature: String,
    pub verifier: Base64Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct DsseSpecV002 {
    pub dsse_v002: DsseV002,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct DsseV002 {
    pub payload_hash: HashOutput,
    pub signatures: Vec<SignatureV002>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IntotoV002 {
    pub content: IntotoContent,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct IntotoContent {
    pub envelope: IntotoEnvelope,
    #[allow(dead_code)]
    pub hash: HexHash,
    pub payload_hash: HexHash,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct IntotoEnvelope {
    pub payload: Option<Base64Bytes>,
    pub payload_type: String,
    pub signatures: Vec<IntotoSignature>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct IntotoSignature {
    #[allow(dead_code)]
    pub keyid: Option<String>,
    pub sig: Base64Bytes,
    pub public_key: Base64Bytes,
}
