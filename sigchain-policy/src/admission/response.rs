//! The response half of an `AdmissionReview` (kubernetes/api `admission/v1/types.go`,
//! `AdmissionResponse`; the status is apimachinery's `metav1.Status`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::images::JsonPointer;
use super::patch::{JsonPatch, PatchError};
use super::review::{Uid, ADMISSION_API_VERSION, ADMISSION_REVIEW_KIND};

/// The only patch type the API server accepts from admission webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatchType {
    /// `JSONPatch` (RFC 6902).
    #[serde(rename = "JSONPatch")]
    JsonPatch,
}

/// `metav1.Status` as admission responses use it: why a request was denied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// `Success` or `Failure`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Human-readable explanation; `kubectl` shows it to the user.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Machine-readable reason (`Forbidden`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// HTTP status code the API server answers with (it uses 403 when absent on a denial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
}

/// An image that failed the policy, and why: one line of a denial's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFailure {
    /// The image as written in the spec.
    pub image: String,
    /// Where it is written.
    pub pointer: JsonPointer,
    /// Why it failed (which policy and rule, and what was missing).
    pub reason: String,
}

/// An `AdmissionResponse` (admission.k8s.io/v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    /// The request's uid, echoed.
    pub uid: Uid,
    /// Whether the request is admitted.
    pub allowed: bool,
    /// Why not (or, rarely, a success status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The JSONPatch, base64-encoded (Go encodes `[]byte` as standard base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// Present exactly when `patch` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<PatchType>,
    /// Annotations the API server adds to the audit event.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
    /// Warnings returned to the client (`kubectl` prints them); used for Audit mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The `AdmissionReview` envelope around a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReviewResponse {
    /// Always `admission.k8s.io/v1`.
    pub api_version: String,
    /// Always `AdmissionReview`.
    pub kind: String,
    /// The response.
    pub response: AdmissionResponse,
}

impl AdmissionResponse {
    /// Admit the request.
    pub fn allow(uid: &Uid) -> Self {
        AdmissionResponse {
            uid: uid.clone(),
            allowed: true,
            status: None,
            patch: None,
            patch_type: None,
            audit_annotations: BTreeMap::new(),
            warnings: Vec::new(),
        }
    }

    /// Deny the request with code 403 and `message`.
    pub fn deny(uid: &Uid, message: impl Into<String>) -> Self {
        AdmissionResponse {
            allowed: false,
            status: Some(Status {
                status: "Failure".to_owned(),
                message: message.into(),
                reason: "Forbidden".to_owned(),
                code: Some(403),
            }),
            ..AdmissionResponse::allow(uid)
        }
    }

    /// Deny the request, the message naming every failing image, where it is and why.
    ///
    /// ```
    /// use sigchain_policy::admission::{AdmissionResponse, ImageFailure, JsonPointer, Uid};
    /// let failure = ImageFailure {
    ///     image: "nginx:1.27".into(),
    ///     pointer: JsonPointer::from_segments(["spec", "containers", "0", "image"]),
    ///     reason: "no signature from the required attestor".into(),
    /// };
    /// let response = AdmissionResponse::deny_images(&Uid::new("u1"), &[failure]);
    /// let message = &response.status.as_ref().unwrap().message;
    /// assert!(message.contains("nginx:1.27 (/spec/containers/0/image): no signature"));
    /// ```
    pub fn deny_images(uid: &Uid, failures: &[ImageFailure]) -> Self {
        AdmissionResponse::deny(uid, failure_message(failures))
    }

    /// Add warnings (Audit mode admits and warns). The API types ask for at most 120
    /// characters each where possible; the API server may truncate those over 256 and drop
    /// some of a long list.
    pub fn with_warnings(mut self, warnings: impl IntoIterator<Item = String>) -> Self {
        self.warnings.extend(warnings);
        self
    }

    /// Attach `patch`, base64-encoded, with `patchType: JSONPatch`; an empty patch is left
    /// out entirely (the API server refuses a `patchType` without a patch). Only a mutating
    /// webhook may answer with a patch.
    pub fn with_patch(mut self, patch: &JsonPatch) -> Result<Self, PatchError> {
        if patch.is_empty() {
            self.patch = None;
            self.patch_type = None;
        } else {
            self.patch = Some(STANDARD.encode(patch.to_json()?));
            self.patch_type = Some(PatchType::JsonPatch);
        }
        Ok(self)
    }

    /// The decoded patch, if there is one and it is valid base64.
    pub fn decoded_patch(&self) -> Option<Vec<u8>> {
        self.patch
            .as_deref()
            .and_then(|encoded| STANDARD.decode(encoded).ok())
    }

    /// The whole `AdmissionReview` to send back.
    pub fn into_review(self) -> AdmissionReviewResponse {
        AdmissionReviewResponse {
            api_version: ADMISSION_API_VERSION.to_owned(),
            kind: ADMISSION_REVIEW_KIND.to_owned(),
            response: self,
        }
    }

    /// The `AdmissionReview` JSON to send back.
    pub fn to_review_json(&self) -> Result<String, PatchError> {
        serde_json::to_string(&self.clone().into_review()).map_err(|error| PatchError::Serialize {
            reason: error.to_string(),
        })
    }
}

fn failure_message(failures: &[ImageFailure]) -> String {
    let mut message = format!(
        "image verification failed for {} image{}:",
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    );
    for failure in failures {
        // Writing to a String cannot fail.
        let _ = write!(
            message,
            "\n- {} ({}): {}",
            failure.image, failure.pointer, failure.reason
        );
    }
    message
}
