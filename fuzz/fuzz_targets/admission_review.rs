//! AdmissionReview reader and image extraction: never panic; pointers name what they point at;
//! pinning and responses never panic and round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_oci::reference::Digest;
use sigchain_policy::admission::{
    workload_images, AdmissionLimits, AdmissionRequest, AdmissionResponse,
    AdmissionReviewResponse, JsonPatch, PinStyle,
};

fuzz_target!(|data: &[u8]| {
    let limits = AdmissionLimits::default();
    let Ok(request) = AdmissionRequest::parse(data, &limits) else {
        return;
    };
    let Ok(found) = workload_images(&request.kind.kind, request.object.as_ref(), &limits) else {
        return;
    };
    let digest = Digest::parse(&format!("sha256:{}", "0".repeat(64))).expect("valid digest");
    let mut patch = JsonPatch::default();
    for image in &found.images {
        let object = request.object.as_ref().expect("images come from an object");
        assert_eq!(
            object.pointer(image.pointer.as_str()).and_then(|v| v.as_str()),
            Some(image.image.as_str()),
            "pointer does not lead to the image"
        );
        let _ = patch.pin(image, &digest, PinStyle::Kyverno);
    }
    let response = AdmissionResponse::allow(&request.uid)
        .with_patch(&patch)
        .expect("a patch serializes");
    let json = response.to_review_json().expect("a response serializes");
    let back: AdmissionReviewResponse = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back.response, response);
});
