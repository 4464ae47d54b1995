//! The `ClusterImagePolicy` resource (`policy.sigstore.dev/v1beta1` and `v1alpha1`) as
//! sigchain holds it once loaded: validated, defaulted, and with keys, globs and regular
//! expressions already parsed, so that nothing downstream handles unchecked policy text.
//! The schema is sigstore/policy-controller's
//! `pkg/apis/policy/v1beta1/clusterimagepolicy_types.go` (`v1alpha1` has the same fields);
//! how a document becomes one of these is in [`super::load`].

use std::collections::BTreeMap;

use serde_json::Value;
use sigchain_core::crypto::{HashAlgorithm, PublicKey};

use super::glob::Glob;
use super::identity::Identity;
use super::name;

/// The Fulcio a `keyless` authority with neither `url` nor `ca-cert` uses.
pub const PUBLIC_FULCIO_URL: &str = "https://fulcio.sigstore.dev";

/// Most entries read from any one list (`images`, `authorities`, `identities`, ...).
pub const MAX_LIST_LEN: usize = 1024;

/// Largest JSON document [`ClusterImagePolicy::from_json`] reads.
pub const MAX_JSON_LEN: usize = 4 << 20;

/// Why a `ClusterImagePolicy` was refused. `path` is the field, in `spec.authorities[0].key`
/// form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipError {
    /// The bytes are not JSON (or are too many).
    #[error("not a JSON document: {0}")]
    Json(String),
    /// `apiVersion` is not a `policy.sigstore.dev` version we read.
    #[error("apiVersion {0:?} is not policy.sigstore.dev/v1beta1 or policy.sigstore.dev/v1alpha1")]
    ApiVersion(String),
    /// `kind` is not `ClusterImagePolicy`.
    #[error("kind {0:?} is not ClusterImagePolicy")]
    Kind(String),
    /// A value has the wrong JSON type.
    #[error("{path}: expected {expected}")]
    WrongType {
        /// The field.
        path: String,
        /// What it should be.
        expected: &'static str,
    },
    /// A required field is absent or empty.
    #[error("{path}: missing field")]
    MissingField {
        /// The field.
        path: String,
    },
    /// A field the schema does not have.
    #[error("{path}: unknown field")]
    UnknownField {
        /// The field.
        path: String,
    },
    /// A field of the schema that sigchain does not implement.
    #[error("{path}: not supported by sigchain: {reason}")]
    Unsupported {
        /// The field.
        path: String,
        /// Why, and what to use instead.
        reason: &'static str,
    },
    /// None of a required set of alternatives is set.
    #[error("{path}: expected exactly one of {fields}, got none")]
    MissingOneOf {
        /// The object.
        path: String,
        /// The alternatives.
        fields: &'static str,
    },
    /// More than one of a set of exclusive alternatives is set.
    #[error("{path}: expected exactly one of {fields}, got more than one")]
    MultipleOneOf {
        /// The object.
        path: String,
        /// The alternatives.
        fields: &'static str,
    },
    /// A value outside what the field allows.
    #[error("{path}: invalid value {value:?}: {reason}")]
    InvalidValue {
        /// The field.
        path: String,
        /// The value (cut to 128 characters).
        value: String,
        /// Why.
        reason: String,
    },
    /// A list longer than [`MAX_LIST_LEN`].
    #[error("{path}: more than {MAX_LIST_LEN} entries")]
    TooMany {
        /// The list.
        path: String,
    },
}

/// The API version a policy was written against (both have the same schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// `policy.sigstore.dev/v1alpha1`.
    V1alpha1,
    /// `policy.sigstore.dev/v1beta1`.
    V1beta1,
}

/// What a failing policy does to the admission request (`spec.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Refuse the request (the default).
    #[default]
    Enforce,
    /// Admit it with a warning.
    Warn,
}

/// A loaded, validated `ClusterImagePolicy`.
///
/// ```
/// use sigchain_policy::cip::{ClusterImagePolicy, Mode, Verifier};
/// let policy = ClusterImagePolicy::from_json(br#"{
///   "apiVersion": "policy.sigstore.dev/v1beta1",
///   "kind": "ClusterImagePolicy",
///   "metadata": {"name": "release-signed"},
///   "spec": {
///     "images": [{"glob": "registry.example.com/acme/**"}],
///     "authorities": [{"keyless": {"identities": [{
///       "issuer": "https://token.actions.githubusercontent.com",
///       "subjectRegExp": "^https://github\\.com/acme/"
///     }]}}]
///   }
/// }"#)?;
/// assert_eq!(policy.spec.mode, Mode::Enforce);
/// assert_eq!(policy.spec.authorities[0].name, "authority-0");
/// assert!(policy.selects_admitted("registry.example.com/acme/app:v1")?);
/// let Verifier::Keyless(keyless) = &policy.spec.authorities[0].verifier else { unreachable!() };
/// assert!(keyless.identity_matches(
///     "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1",
///     "https://token.actions.githubusercontent.com",
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClusterImagePolicy {
    /// `apiVersion`.
    pub api_version: ApiVersion,
    /// `metadata.name`.
    pub name: String,
    /// `spec`, validated and defaulted.
    pub spec: Spec,
    /// What policy-controller accepts with a warning (deprecated predicate types).
    pub warnings: Vec<String>,
}

/// `spec` of a [`ClusterImagePolicy`].
#[derive(Debug, Clone)]
pub struct Spec {
    /// `images[].glob`: the policy applies to an image any of these match.
    pub images: Vec<Glob>,
    /// `authorities`: any one of them verifying is enough.
    pub authorities: Vec<Authority>,
    /// `mode`.
    pub mode: Mode,
    /// `match`: empty means every resource.
    pub match_resources: Vec<MatchResource>,
}

/// One of `spec.authorities`.
#[derive(Debug, Clone)]
pub struct Authority {
    /// `name`, or `authority-<index>` when absent.
    pub name: String,
    /// How signatures are checked (`key`, `keyless` or `static`).
    pub verifier: Verifier,
    /// `source[0]`: where signatures are looked for.
    pub source: Option<Source>,
    /// `ctlog`: the transparency log to check against (`None`: the verifier's default).
    pub ctlog: Option<TransparencyLog>,
    /// `attestations`: attestations that must be signed by this authority.
    pub attestations: Vec<Attestation>,
    /// `signatureFormat`.
    pub signature_format: SignatureFormat,
}

/// The one verification method of an [`Authority`].
#[derive(Debug, Clone)]
pub enum Verifier {
    /// `key`: a public key.
    Key(KeyAuthority),
    /// `keyless`: a Fulcio certificate for one of the identities.
    Keyless(KeylessAuthority),
    /// `static`: no verification, a fixed answer.
    Static(StaticAuthority),
}

/// `authorities[].key` with inline `data`.
#[derive(Debug, Clone)]
pub struct KeyAuthority {
    /// The parsed `data`.
    pub public_key: PublicKey,
    /// `data` as written (PEM), what an evidence provider verifies with.
    pub public_key_pem: String,
    /// `hashAlgorithm` (default SHA-256).
    pub hash_algorithm: HashAlgorithm,
}

/// `authorities[].keyless`.
#[derive(Debug, Clone)]
pub struct KeylessAuthority {
    /// `url` of the Fulcio instance ([`PUBLIC_FULCIO_URL`] when absent).
    pub url: String,
    /// `identities`: any one of them must match the certificate.
    pub identities: Vec<Identity>,
    /// `insecureIgnoreSCT`: whether a certificate without an embedded SCT is accepted.
    pub insecure_ignore_sct: bool,
}

impl KeylessAuthority {
    /// Whether a certificate with this SAN and issuer satisfies any of the identities.
    pub fn identity_matches(&self, subject: &str, issuer: &str) -> bool {
        self.identities.iter().any(|id| id.matches(subject, issuer))
    }
}

/// `authorities[].static`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticAuthority {
    /// `action`.
    pub action: StaticAction,
    /// `message`, shown when the action is `fail`.
    pub message: Option<String>,
}

/// `static.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaticAction {
    /// `pass`: every matching image passes.
    Pass,
    /// `fail`: every matching image fails.
    Fail,
}

/// `authorities[].source[0]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Source {
    /// `oci`: the repository signatures are stored in, instead of the image's own.
    pub oci: Option<String>,
    /// `tagPrefix`: a prefix of the signature and attestation tags.
    pub tag_prefix: Option<String>,
}

/// `authorities[].ctlog`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransparencyLog {
    /// `url` of the Rekor instance (`None`: the verifier's default).
    pub url: Option<String>,
}

/// `authorities[].attestations[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// `name`.
    pub name: String,
    /// `predicateType`, as written (a URI, or a deprecated short name).
    pub predicate_type: String,
}

/// `authorities[].signatureFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignatureFormat {
    /// `legacy` (the default): cosign's signature images and tags.
    #[default]
    Legacy,
    /// `bundle`: Sigstore bundles as OCI 1.1 referrers.
    Bundle,
}

/// One of `spec.match`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatchResource {
    /// `group` (`""` is the core group).
    pub group: String,
    /// `version` (`*` matches any).
    pub version: String,
    /// `resource` (plural, lower case: `pods`, `deployments`).
    pub resource: String,
    /// `selector.matchLabels`: every label must be present with this value.
    pub match_labels: Option<BTreeMap<String, String>>,
}

impl ClusterImagePolicy {
    /// Read a policy from JSON bytes (at most [`MAX_JSON_LEN`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, CipError> {
        if bytes.len() > MAX_JSON_LEN {
            return Err(CipError::Json(format!(
                "{} bytes, more than {MAX_JSON_LEN}",
                bytes.len()
            )));
        }
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| CipError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Read and validate a policy from a deserialised document (see [`super::load`] for
    /// the rules applied).
    pub fn from_value(value: &Value) -> Result<Self, CipError> {
        super::load::cluster_image_policy(value)
    }

    /// Whether any of `spec.images` matches the image as policy-controller's admission
    /// webhook matches a container image ([`Glob::matches_admitted`]).
    pub fn selects_admitted(&self, image: &str) -> Result<bool, name::ImageNameError> {
        let parsed = name::ImageName::parse(image)?;
        Ok(self.spec.images.iter().any(|g| g.matches_name(&parsed)))
    }
}
