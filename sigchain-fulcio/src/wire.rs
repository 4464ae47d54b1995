//! The Fulcio v2 API as it travels over HTTP: the JSON mapping of `fulcio.proto`
//! (package `dev.sigstore.fulcio.v2`, served by grpc-gateway).
//!
//! Facts these types encode, from `fulcio.proto` and Fulcio's server:
//! - `POST /api/v2/signingCert` takes a [`CreateSigningCertificateRequest`] and answers a
//!   [`SigningCertificate`]; `GET /api/v2/trustBundle` answers a [`TrustBundle`];
//!   `GET /api/v2/configuration` (not used here) lists the issuers the CA accepts.
//! - Field names are protobuf JSON's lowerCamelCase (`oidcIdentityToken`,
//!   `signedCertificateEmbeddedSct`). A protobuf JSON parser also accepts the proto field
//!   names (`oidc_identity_token`); these types do too. A field at its default value (empty
//!   string, empty list, enum 0) may be omitted, and `null` means the default: both parse.
//!   Unknown fields are ignored, as protobuf JSON parsers do for forward compatibility.
//! - `bytes` fields are standard base64 (`proofOfPossession`, `certificateSigningRequest`,
//!   `signedCertificateTimestamp`).
//! - `key` is a oneof: a request holds `publicKeyRequest` or `certificateSigningRequest`, an
//!   answer `signedCertificateDetachedSct` or `signedCertificateEmbeddedSct`. Both set at once
//!   is invalid protobuf JSON.
//! - The identity token may instead travel as `Authorization: Bearer {token}` (Fulcio's HTTP
//!   server moves it into the request when `credentials` is empty; sigstore-python sends it
//!   that way). This crate sends it in `credentials`, where the proto defines it.
//! - Certificates are PEM strings, one certificate each, leaf first and root last
//!   ([`CertificateChain`]); trust-bundle chains start at the first intermediate.
//! - An error is grpc-gateway's status JSON, `{"code": 3, "message": "...", "details": []}`,
//!   with the gRPC code mapped to an HTTP status (InvalidArgument → 400, Unauthenticated →
//!   401, PermissionDenied → 403, Internal → 500, Unavailable → 503) ([`ErrorBody`]).

use serde::{Deserialize, Deserializer, Serialize};

/// `null` is the default value in protobuf JSON.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `CreateSigningCertificateRequest`: an identity token and a public key with proof that the
/// caller holds its private key.
///
/// ```
/// use sigchain_fulcio::wire::{CreateSigningCertificateRequest, Credentials};
/// let request = CreateSigningCertificateRequest {
///     credentials: Credentials { oidc_identity_token: "eyJ...".to_owned() },
///     public_key_request: None,
///     certificate_signing_request: Some("LS0tLS1CRUdJTi...".to_owned()),
/// };
/// assert_eq!(
///     serde_json::to_string(&request)?,
///     r#"{"credentials":{"oidcIdentityToken":"eyJ..."},"certificateSigningRequest":"LS0tLS1CRUdJTi..."}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSigningCertificateRequest {
    /// Who asks.
    #[serde(default, deserialize_with = "null_as_default")]
    pub credentials: Credentials,
    /// oneof `key`: a public key and a signed challenge.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "public_key_request"
    )]
    pub public_key_request: Option<PublicKeyRequest>,
    /// oneof `key`: base64 of a PEM `CERTIFICATE REQUEST` (PKCS#10). Fulcio reads only its
    /// public key and checks its self-signature as the proof of possession; the subject and
    /// every other field are ignored.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "certificate_signing_request"
    )]
    pub certificate_signing_request: Option<String>,
}

/// `Credentials`: today only an OIDC identity token. A secret: its `Debug` form shows only
/// its length.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The raw JWT (oneof `credentials`).
    #[serde(
        default,
        alias = "oidc_identity_token",
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub oidc_identity_token: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field(
                "oidc_identity_token",
                &format_args!("<{} bytes>", self.oidc_identity_token.len()),
            )
            .finish()
    }
}

/// `PublicKeyRequest`: the key to certify and a signature proving its possession.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyRequest {
    /// The key.
    #[serde(default, alias = "public_key", deserialize_with = "null_as_default")]
    pub public_key: PublicKey,
    /// Base64 of a signature, by the key, over the token's challenge claim (the `email` for
    /// email issuers, `sub` for every other kind: Fulcio's `CheckSignature` over the
    /// principal's name; see [`crate::token::IdentityToken::challenge`]).
    #[serde(
        default,
        alias = "proof_of_possession",
        deserialize_with = "null_as_default"
    )]
    pub proof_of_possession: String,
}

/// `PublicKey`: PEM (`PUBLIC KEY`, SPKI) or DER text of the key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    /// Ignored by Fulcio, which infers the algorithm from the key; sent for clarity.
    #[serde(default, deserialize_with = "null_as_default")]
    pub algorithm: PublicKeyAlgorithm,
    /// The key, PEM-encoded SubjectPublicKeyInfo.
    #[serde(default, deserialize_with = "null_as_default")]
    pub content: String,
}

/// `PublicKeyAlgorithm`, as protobuf JSON writes enums: by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PublicKeyAlgorithm {
    /// 0: not said.
    #[default]
    #[serde(rename = "PUBLIC_KEY_ALGORITHM_UNSPECIFIED")]
    Unspecified,
    /// 1: despite the name, Fulcio treats RSA keys as PKCS#1 v1.5.
    #[serde(rename = "RSA_PSS")]
    RsaPss,
    /// 2: ECDSA (P-256, P-384, P-521).
    #[serde(rename = "ECDSA")]
    Ecdsa,
    /// 3: Ed25519.
    #[serde(rename = "ED25519")]
    Ed25519,
}

/// `SigningCertificate`: the answer to a signing-certificate request (a oneof).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningCertificate {
    /// The SCT beside the chain: a CA whose certificates are not (yet) logged with their SCT
    /// embedded, e.g. one configured without a CT log or an old deployment.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "signed_certificate_detached_sct"
    )]
    pub signed_certificate_detached_sct: Option<SigningCertificateDetachedSct>,
    /// The SCT inside the leaf (a `SignedCertificateTimestampList` extension, RFC 6962
    /// §3.3): what bundles carry.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "signed_certificate_embedded_sct"
    )]
    pub signed_certificate_embedded_sct: Option<SigningCertificateEmbeddedSct>,
}

/// `SigningCertificateDetachedSCT`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningCertificateDetachedSct {
    /// Leaf first, root last.
    #[serde(default, deserialize_with = "null_as_default")]
    pub chain: CertificateChain,
    /// Base64 of a JSON `AddChainResponse` (certificate-transparency-go).
    #[serde(
        default,
        alias = "signed_certificate_timestamp",
        deserialize_with = "null_as_default"
    )]
    pub signed_certificate_timestamp: String,
}

/// `SigningCertificateEmbeddedSCT`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningCertificateEmbeddedSct {
    /// Leaf first (with its SCT list extension), root last.
    #[serde(default, deserialize_with = "null_as_default")]
    pub chain: CertificateChain,
}

/// `CertificateChain`: PEM certificates, leaf (if any) first, root last.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateChain {
    /// One PEM `CERTIFICATE` block per element.
    #[serde(default, deserialize_with = "null_as_default")]
    pub certificates: Vec<String>,
}

/// `TrustBundle`: the chains a CA issues under, each from its first intermediate (if any) to
/// its root.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustBundle {
    /// The chains.
    #[serde(default, deserialize_with = "null_as_default")]
    pub chains: Vec<CertificateChain>,
}

/// grpc-gateway's error body (a `google.rpc.Status`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The gRPC status code (3 InvalidArgument, 13 Internal, 16 Unauthenticated, ...).
    #[serde(default)]
    pub code: Option<i64>,
    /// Fulcio's message for the client, e.g. "There was an error processing the identity
    /// token".
    #[serde(default)]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omitted_and_null_fields_are_defaults() {
        let answer: SigningCertificate =
            serde_json::from_str(r#"{"signedCertificateEmbeddedSct":{}}"#).unwrap();
        assert_eq!(
            answer.signed_certificate_embedded_sct,
            Some(SigningCertificateEmbeddedSct::default())
        );
        let answer: SigningCertificate = serde_json::from_str(
            r#"{"signedCertificateEmbeddedSct":{"chain":{"certificates":null}}}"#,
        )
        .unwrap();
        assert!(answer
            .signed_certificate_embedded_sct
            .unwrap()
            .chain
            .certificates
            .is_empty());
        let bundle: TrustBundle = serde_json::from_str("{}").unwrap();
        assert!(bundle.chains.is_empty());
        let key: PublicKey = serde_json::from_str(r#"{"content":"x"}"#).unwrap();
        assert_eq!(key.algorithm, PublicKeyAlgorithm::Unspecified);
    }

    #[test]
    fn proto_field_names_are_accepted_and_unknown_fields_ignored() {
        let answer: SigningCertificate = serde_json::from_str(
            r#"{"signed_certificate_embedded_sct":{"chain":{"certificates":["a"]}},"later":1}"#,
        )
        .unwrap();
        assert_eq!(
            answer
                .signed_certificate_embedded_sct
                .unwrap()
                .chain
                .certificates,
            ["a"]
        );
    }

    #[test]
    fn a_public_key_request_serializes_with_camel_case_names() {
        let request = CreateSigningCertificateRequest {
            credentials: Credentials {
                oidc_identity_token: "T".to_owned(),
            },
            public_key_request: Some(PublicKeyRequest {
                public_key: PublicKey {
                    algorithm: PublicKeyAlgorithm::Ecdsa,
                    content: "PEM".to_owned(),
                },
                proof_of_possession: "c2ln".to_owned(),
            }),
            certificate_signing_request: None,
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"credentials":{"oidcIdentityToken":"T"},"publicKeyRequest":{"publicKey":{"algorithm":"ECDSA","content":"PEM"},"proofOfPossession":"c2ln"}}"#
        );
        let back: CreateSigningCertificateRequest =
            serde_json::from_slice(&serde_json::to_vec(&request).unwrap()).unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let credentials = Credentials {
            oidc_identity_token: "secret.jwt.value".to_owned(),
        };
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("16 bytes"), "{shown}");
    }
}
