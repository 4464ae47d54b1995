//! The request half of an `AdmissionReview` (kubernetes/api `admission/v1/types.go`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::AdmissionLimits;

/// The `apiVersion` of the only `AdmissionReview` version accepted and answered.
pub const ADMISSION_API_VERSION: &str = "admission.k8s.io/v1";

/// The `kind` of an `AdmissionReview`.
pub const ADMISSION_REVIEW_KIND: &str = "AdmissionReview";

/// Why an `AdmissionReview` body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The body is larger than [`AdmissionLimits::max_body_bytes`]; nothing was parsed.
    #[error("admission review body is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Length of the body.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON, nested deeper than 128 levels, or a field of the wrong type.
    #[error("admission review is not valid JSON of the expected shape: {reason}")]
    Malformed {
        /// What `serde_json` reported.
        reason: String,
    },
    /// `apiVersion` is not `admission.k8s.io/v1` (v1beta1 is not supported).
    #[error("admission review apiVersion {found:?} is not supported (only admission.k8s.io/v1)")]
    UnsupportedApiVersion {
        /// The `apiVersion` found (empty when missing).
        found: String,
    },
    /// `kind` is not `AdmissionReview`.
    #[error("admission review kind {found:?} is not AdmissionReview")]
    WrongKind {
        /// The `kind` found (empty when missing).
        found: String,
    },
    /// The review has no `request`.
    #[error("admission review has no request")]
    MissingRequest,
    /// The request's `uid` is empty: the response could not be matched to it.
    #[error("admission request has an empty uid")]
    EmptyUid,
}

/// The request's `uid`, which the response must echo.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Uid(String);

impl Uid {
    /// Wrap a uid (tests and responses built without a parsed request).
    pub fn new(uid: impl Into<String>) -> Self {
        Uid(uid.into())
    }

    /// The uid as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `metav1.GroupVersionKind`: the core group is the empty string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupVersionKind {
    /// API group (`""`, `apps`, `batch`).
    #[serde(default)]
    pub group: String,
    /// API version (`v1`).
    #[serde(default)]
    pub version: String,
    /// Kind (`Pod`, `Deployment`).
    #[serde(default)]
    pub kind: String,
}

/// `metav1.GroupVersionResource`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupVersionResource {
    /// API group.
    #[serde(default)]
    pub group: String,
    /// API version.
    #[serde(default)]
    pub version: String,
    /// Resource (`pods`, `deployments`).
    #[serde(default)]
    pub resource: String,
}

/// What the request does to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    /// `CREATE`.
    Create,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
    /// `CONNECT`.
    Connect,
}

/// `authentication/v1.UserInfo`: who sent the request, kept for policies and audit records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The user's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// The user's uid.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Groups the user belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Further authenticator-provided attributes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// An `AdmissionRequest` (admission.k8s.io/v1), the fields a policy engine reads.
///
/// `options` and unknown fields are ignored. `object` is absent on `DELETE`, `oldObject` on
/// `CREATE` and `CONNECT`; a JSON `null` reads as absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Identifies this request; the response echoes it.
    pub uid: Uid,
    /// The kind of the object (after conversion to the version the webhook asked for).
    pub kind: GroupVersionKind,
    /// The resource being acted on.
    pub resource: GroupVersionResource,
    /// The subresource (`status`, `ephemeralcontainers`), empty for the main resource.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub_resource: String,
    /// The kind of the original request, when the API server converted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_kind: Option<GroupVersionKind>,
    /// The resource of the original request, when the API server converted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_resource: Option<GroupVersionResource>,
    /// The object's name; may be empty on `CREATE` with `generateName`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The namespace; empty for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// What the request does.
    pub operation: Operation,
    /// Who asks.
    #[serde(default)]
    pub user_info: UserInfo,
    /// The object as it would be stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<Value>,
    /// The object as it is stored (on `UPDATE` and `DELETE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_object: Option<Value>,
    /// Whether the change will not be persisted (a webhook with side effects must not act).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// The review envelope as read: only what is checked, then the request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewIn<R> {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default = "Option::default")]
    request: Option<R>,
}

/// Read a review envelope of size and shape within bounds, and its request (of either
/// reading), checked as [`AdmissionRequest::parse`] says.
fn read_review<R: serde::de::DeserializeOwned>(
    body: &[u8],
    limits: &AdmissionLimits,
    uid: impl Fn(&R) -> &Uid,
) -> Result<R, ParseError> {
    if body.len() > limits.max_body_bytes {
        return Err(ParseError::TooLarge {
            len: body.len(),
            max: limits.max_body_bytes,
        });
    }
    let review: ReviewIn<R> =
        serde_json::from_slice(body).map_err(|error| ParseError::Malformed {
            reason: error.to_string(),
        })?;
    if review.api_version != ADMISSION_API_VERSION {
        return Err(ParseError::UnsupportedApiVersion {
            found: review.api_version,
        });
    }
    if review.kind != ADMISSION_REVIEW_KIND {
        return Err(ParseError::WrongKind { found: review.kind });
    }
    let request = review.request.ok_or(ParseError::MissingRequest)?;
    if uid(&request).as_str().is_empty() {
        return Err(ParseError::EmptyUid);
    }
    Ok(request)
}

/// [`AdmissionRequest`] as [`AdmissionRequest::parse_for_policy`] reads it: `object` pruned,
/// `oldObject` skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PrunedRequest {
    uid: Uid,
    kind: GroupVersionKind,
    resource: GroupVersionResource,
    #[serde(default)]
    sub_resource: String,
    #[serde(default)]
    request_kind: Option<GroupVersionKind>,
    #[serde(default)]
    request_resource: Option<GroupVersionResource>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    operation: Operation,
    #[serde(default)]
    user_info: UserInfo,
    #[serde(default, deserialize_with = "super::prune::object")]
    object: Option<Value>,
    #[serde(default, deserialize_with = "super::prune::skip")]
    #[allow(dead_code)]
    old_object: Option<Value>,
    #[serde(default)]
    dry_run: Option<bool>,
}

impl AdmissionRequest {
    /// As [`AdmissionRequest::parse`], but `object` keeps only what admission decisions read
    /// (metadata names, labels and annotations; the pod template's containers' names and
    /// images; see the `prune` module) and `oldObject` is skipped: the same decisions for a
    /// fraction of the work. For webhooks that only decide; a tool that needs the whole
    /// object uses [`AdmissionRequest::parse`].
    pub fn parse_for_policy(body: &[u8], limits: &AdmissionLimits) -> Result<Self, ParseError> {
        let r: PrunedRequest = read_review(body, limits, |r: &PrunedRequest| &r.uid)?;
        Ok(AdmissionRequest {
            uid: r.uid,
            kind: r.kind,
            resource: r.resource,
            sub_resource: r.sub_resource,
            request_kind: r.request_kind,
            request_resource: r.request_resource,
            name: r.name,
            namespace: r.namespace,
            operation: r.operation,
            user_info: r.user_info,
            object: r.object,
            old_object: None,
            dry_run: r.dry_run,
        })
    }

    /// Read an `AdmissionReview` body and return its request.
    ///
    /// The size is checked before any parsing; `serde_json`'s recursion limit (128) bounds
    /// nesting. The envelope must say `admission.k8s.io/v1` / `AdmissionReview`.
    pub fn parse(body: &[u8], limits: &AdmissionLimits) -> Result<Self, ParseError> {
        read_review(body, limits, |r: &AdmissionRequest| &r.uid)
    }
}
