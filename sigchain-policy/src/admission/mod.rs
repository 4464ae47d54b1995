//! Kubernetes admission plumbing, sans-IO: an `AdmissionReview` (admission.k8s.io/v1) in, the
//! images of the workload it carries with their JSON pointers, a JSONPatch (RFC 6902) pinning
//! tags to digests, an `AdmissionReview` response out, and PolicyReport
//! (wgpolicyk8s.io/v1alpha2) results for audit pipelines.
//!
//! Nothing here opens a socket or decides trust: a webhook reads the request body, calls
//! [`AdmissionRequest::parse`], asks the policy engine about [`workload_images`], and writes
//! what [`AdmissionResponse`] serializes to.
//!
//! Formats follow their sources:
//! - `AdmissionReview`, `AdmissionRequest`, `AdmissionResponse`: kubernetes/api
//!   `admission/v1/types.go` (field names, `omitempty`, `patchType: JSONPatch`, the patch as
//!   base64 because Go encodes `[]byte` so). Only `admission.k8s.io/v1` is accepted: the API
//!   server sends the version the webhook configuration's `admissionReviewVersions` asks for,
//!   and v1beta1 is served by no supported Kubernetes release.
//! - Image locations: Kyverno `pkg/utils/api/image.go` (`BuildStandardExtractors`: the
//!   pod spec at `/spec`, `/spec/template/spec` or `/spec/jobTemplate/spec/template/spec`;
//!   `initContainers`, `containers`, `ephemeralContainers` in that order).
//! - Digest pinning: Kyverno `pkg/engine/internal/utils.go` (`makeAddDigestPatch`, a `replace`
//!   of the image's pointer) and `pkg/engine/internal/imageverifier.go` (`handleMutateDigest`:
//!   images already pinned by digest get no patch).
//! - PolicyReport: Kyverno `api/policyreport/v1alpha2/{common.go, policyreport_types.go}`.
//!
//! ```
//! use sigchain_policy::admission::{
//!     workload_images, AdmissionLimits, AdmissionRequest, AdmissionResponse, JsonPatch, PinStyle,
//! };
//! use sigchain_oci::reference::Digest;
//!
//! let body = br#"{
//!   "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
//!   "request": {
//!     "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
//!     "kind": {"group": "", "version": "v1", "kind": "Pod"},
//!     "resource": {"group": "", "version": "v1", "resource": "pods"},
//!     "namespace": "default", "name": "web", "operation": "CREATE",
//!     "userInfo": {"username": "alice"},
//!     "object": {"apiVersion": "v1", "kind": "Pod",
//!                "spec": {"containers": [{"name": "web", "image": "registry.example/acme/web:1.2"}]}}
//!   }
//! }"#;
//! let limits = AdmissionLimits::default();
//! let request = AdmissionRequest::parse(body, &limits)?;
//! let found = workload_images(&request.kind.kind, request.object.as_ref(), &limits)?;
//! assert_eq!(found.images[0].pointer.as_str(), "/spec/containers/0/image");
//!
//! let digest = Digest::parse(&format!("sha256:{}", "ab".repeat(32)))?;
//! let mut patch = JsonPatch::default();
//! patch.pin(&found.images[0], &digest, PinStyle::AsWritten)?;
//! let response = AdmissionResponse::allow(&request.uid).with_patch(&patch)?;
//! let json = response.to_review_json()?;
//! assert!(json.contains(r#""patchType":"JSONPatch""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod images;
mod patch;
mod prune;
mod report;
mod response;
mod review;

pub use images::{
    workload_images, ContainerList, ImageProblem, ImageProblemKind, ImagesError, JsonPointer,
    WorkloadImage, WorkloadImages,
};
pub use patch::{pinned_image, JsonPatch, PatchError, PatchOperation, PinStyle};
pub use report::{
    ObjectReference, PolicyReport, PolicyReportResult, PolicyReportSummary, PolicyResult,
    PolicySeverity, ReportMetadata, ReportTimestamp, POLICY_REPORT_API_VERSION,
};
pub use response::{AdmissionResponse, AdmissionReviewResponse, ImageFailure, PatchType, Status};
pub use review::{
    AdmissionRequest, GroupVersionKind, GroupVersionResource, Operation, ParseError, Uid, UserInfo,
    ADMISSION_API_VERSION, ADMISSION_REVIEW_KIND,
};

/// Bounds on what an admission request may make us read and keep.
///
/// The API server caps request bodies at 3 MiB (etcd's object limit is 1.5 MiB, and an
/// `UPDATE` carries `object` and `oldObject`); nesting is bounded by `serde_json`'s own
/// recursion limit of 128, which is left on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionLimits {
    /// Largest `AdmissionReview` body read, in bytes.
    pub max_body_bytes: usize,
    /// Most images taken from one workload, across all its container lists.
    pub max_images: usize,
}

impl Default for AdmissionLimits {
    fn default() -> Self {
        AdmissionLimits {
            max_body_bytes: 3 * 1024 * 1024,
            max_images: 1024,
        }
    }
}
