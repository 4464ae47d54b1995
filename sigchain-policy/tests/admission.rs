//! AdmissionReview fixtures in, images and pointers, digest-pinning patches applied by an
//! independent applier, responses round-tripped, and parsers fed arbitrary JSON.

use proptest::prelude::*;
use serde_json::{json, Value};
use sigchain_oci::reference::Digest;
use sigchain_policy::admission::{
    workload_images, AdmissionLimits, AdmissionRequest, AdmissionResponse, AdmissionReviewResponse,
    ContainerList, ImageFailure, ImagesError, JsonPatch, JsonPointer, Operation, ParseError,
    PinStyle, Uid,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/admission/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn parse(name: &str) -> AdmissionRequest {
    AdmissionRequest::parse(&fixture(name), &AdmissionLimits::default())
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn digest(byte: &str) -> Digest {
    Digest::parse(&format!("sha256:{}", byte.repeat(64))).expect("valid digest")
}

/// (list, index, container name, image, pointer) of one image found.
type Found = (ContainerList, usize, Option<String>, String, String);

fn images_of(request: &AdmissionRequest) -> Vec<Found> {
    workload_images(
        &request.kind.kind,
        request.object.as_ref(),
        &AdmissionLimits::default(),
    )
    .expect("images listed")
    .images
    .into_iter()
    .map(|image| {
        (
            image.list,
            image.index,
            image.container_name,
            image.image,
            image.pointer.as_str().to_owned(),
        )
    })
    .collect()
}

#[test]
fn pod_fixture_request_fields() {
    let request = parse("pod-create.json");
    assert_eq!(request.uid.as_str(), "3f1e2d8c-6a57-4c0b-9f1e-5b7d2a9c4e11");
    assert_eq!(request.kind.kind, "Pod");
    assert_eq!(request.kind.group, "");
    assert_eq!(request.resource.resource, "pods");
    assert_eq!(request.namespace, "shop");
    assert_eq!(request.name, "shop-web");
    assert_eq!(request.operation, Operation::Create);
    assert_eq!(request.dry_run, Some(false));
    assert!(
        request.old_object.is_none(),
        "null oldObject reads as absent"
    );
    assert_eq!(request.user_info.groups.len(), 3);
    assert_eq!(
        request.user_info.extra["authentication.kubernetes.io/pod-name"],
        vec!["kube-controller-manager-node1".to_owned()]
    );
}

#[test]
fn pod_fixture_images_in_kyverno_order() {
    let request = parse("pod-create.json");
    let name = |s: &str| Some(s.to_owned());
    assert_eq!(
        images_of(&request),
        vec![
            (
                ContainerList::InitContainers,
                0,
                name("migrate"),
                "registry.example.test:5000/shop/migrate:2.4.1".to_owned(),
                "/spec/initContainers/0/image".to_owned()
            ),
            (
                ContainerList::Containers,
                0,
                name("web"),
                "nginx:1.27".to_owned(),
                "/spec/containers/0/image".to_owned()
            ),
            (
                ContainerList::Containers,
                1,
                name("sidecar"),
                "registry.example/acme/envoy@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_owned(),
                "/spec/containers/1/image".to_owned()
            ),
            (
                ContainerList::Containers,
                2,
                name("metrics"),
                "acme/exporter".to_owned(),
                "/spec/containers/2/image".to_owned()
            ),
            (
                ContainerList::EphemeralContainers,
                0,
                name("debugger"),
                "busybox:1.36".to_owned(),
                "/spec/ephemeralContainers/0/image".to_owned()
            ),
        ]
    );
}

#[test]
fn deployment_fixture_reads_the_template_of_object_not_old_object() {
    let request = parse("deployment-update.json");
    assert_eq!(request.operation, Operation::Update);
    assert_eq!(request.dry_run, Some(true));
    assert!(request.old_object.is_some());
    let pointers: Vec<_> = images_of(&request)
        .into_iter()
        .map(|(_, _, _, image, pointer)| (image, pointer))
        .collect();
    assert_eq!(
        pointers,
        vec![
            (
                "registry.example/acme/api:v1.9.0".to_owned(),
                "/spec/template/spec/containers/0/image".to_owned()
            ),
            (
                "localhost:5000/redis:7".to_owned(),
                "/spec/template/spec/containers/1/image".to_owned()
            ),
        ]
    );
}

#[test]
fn cronjob_fixture_reads_the_job_template() {
    let request = parse("cronjob-create.json");
    let pointers: Vec<_> = images_of(&request)
        .into_iter()
        .map(|(_, _, _, _, pointer)| pointer)
        .collect();
    assert_eq!(
        pointers,
        vec![
            "/spec/jobTemplate/spec/template/spec/initContainers/0/image",
            "/spec/jobTemplate/spec/template/spec/containers/0/image",
        ]
    );
}

#[test]
fn other_kinds_and_deletes_have_no_images() {
    let configmap = parse("configmap-create.json");
    let found = workload_images(
        &configmap.kind.kind,
        configmap.object.as_ref(),
        &AdmissionLimits::default(),
    )
    .expect("no error");
    assert!(found.images.is_empty());
    assert!(!found.kind_has_pod_spec);

    let delete = parse("pod-delete.json");
    assert_eq!(delete.operation, Operation::Delete);
    assert!(delete.object.is_none());
    assert!(images_of(&delete).is_empty());
}

#[test]
fn v1beta1_is_refused() {
    let error = AdmissionRequest::parse(&fixture("v1beta1-pod.json"), &AdmissionLimits::default())
        .expect_err("only v1");
    assert_eq!(
        error,
        ParseError::UnsupportedApiVersion {
            found: "admission.k8s.io/v1beta1".to_owned()
        }
    );
}

#[test]
fn envelope_checks_each_fail() {
    let limits = AdmissionLimits::default();
    let mut review: Value = serde_json::from_slice(&fixture("pod-create.json")).expect("json");
    let body = |review: &Value| serde_json::to_vec(review).expect("json");

    let mut wrong_kind = review.clone();
    wrong_kind["kind"] = json!("AdmissionRequest");
    assert!(matches!(
        AdmissionRequest::parse(&body(&wrong_kind), &limits),
        Err(ParseError::WrongKind { .. })
    ));

    let mut no_request = review.clone();
    no_request["request"] = Value::Null;
    assert_eq!(
        AdmissionRequest::parse(&body(&no_request), &limits),
        Err(ParseError::MissingRequest)
    );

    let mut empty_uid = review.clone();
    empty_uid["request"]["uid"] = json!("");
    assert_eq!(
        AdmissionRequest::parse(&body(&empty_uid), &limits),
        Err(ParseError::EmptyUid)
    );

    let mut bad_operation = review.clone();
    bad_operation["request"]["operation"] = json!("PATCH");
    assert!(matches!(
        AdmissionRequest::parse(&body(&bad_operation), &limits),
        Err(ParseError::Malformed { .. })
    ));

    review["request"]["uid"] = json!(42);
    assert!(matches!(
        AdmissionRequest::parse(&body(&review), &limits),
        Err(ParseError::Malformed { .. })
    ));
}

#[test]
fn body_size_is_checked_before_parsing() {
    let body = fixture("pod-create.json");
    let limits = AdmissionLimits {
        max_body_bytes: body.len() - 1,
        ..AdmissionLimits::default()
    };
    assert_eq!(
        AdmissionRequest::parse(&body, &limits),
        Err(ParseError::TooLarge {
            len: body.len(),
            max: body.len() - 1
        })
    );
    let exact = AdmissionLimits {
        max_body_bytes: body.len(),
        ..AdmissionLimits::default()
    };
    assert!(AdmissionRequest::parse(&body, &exact).is_ok());
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let depth = 10_000;
    let object = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let body = format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"u","kind":{{}},"resource":{{}},"operation":"CREATE","object":{object}}}}}"#
    );
    assert!(matches!(
        AdmissionRequest::parse(body.as_bytes(), &AdmissionLimits::default()),
        Err(ParseError::Malformed { .. })
    ));
}

#[test]
fn huge_container_lists_are_bounded() {
    let containers: Vec<Value> = (0..5000)
        .map(|i| json!({"name": format!("c{i}"), "image": "nginx"}))
        .collect();
    let object = json!({"spec": {"template": {"spec": {"containers": containers}}}});
    assert_eq!(
        workload_images("DaemonSet", Some(&object), &AdmissionLimits::default()),
        Err(ImagesError::TooManyContainers { max: 1024 })
    );
}

/// An RFC 6902 `replace` applier written from the RFC, independent of the crate's pointer
/// code: it unescapes tokens itself and fails when the target does not exist (section 4.3).
fn apply_replace(document: &mut Value, patch: &Value) -> Result<(), String> {
    for operation in patch.as_array().ok_or("patch is not an array")? {
        let op = operation["op"].as_str().ok_or("no op")?;
        if op != "replace" {
            return Err(format!("unsupported op {op}"));
        }
        let path = operation["path"].as_str().ok_or("no path")?;
        let value = operation.get("value").ok_or("no value")?.clone();
        let mut target = &mut *document;
        if !path.is_empty() {
            let rest = path.strip_prefix('/').ok_or("path must start with /")?;
            for token in rest.split('/') {
                let token = token.replace("~1", "/").replace("~0", "~");
                target = match target {
                    Value::Object(map) => map.get_mut(&token).ok_or("no such member")?,
                    Value::Array(items) => {
                        let index: usize = token.parse().map_err(|_| "bad index")?;
                        items.get_mut(index).ok_or("index out of range")?
                    }
                    _ => return Err("path goes through a scalar".to_owned()),
                };
            }
        }
        *target = value;
    }
    Ok(())
}

#[test]
fn pin_patch_applies_to_the_pod_and_skips_pinned_images() {
    let request = parse("pod-create.json");
    let found = workload_images(
        &request.kind.kind,
        request.object.as_ref(),
        &AdmissionLimits::default(),
    )
    .expect("images");
    let pin = digest("a");
    let mut patch = JsonPatch::default();
    let mut added = 0;
    for image in &found.images {
        if patch.pin(image, &pin, PinStyle::Kyverno).expect("valid") {
            added += 1;
        }
    }
    assert_eq!(added, 4, "the sidecar is pinned already");

    let response = AdmissionResponse::allow(&request.uid)
        .with_patch(&patch)
        .expect("patch");
    let bytes = response.decoded_patch().expect("base64 patch");
    let patch_json: Value = serde_json::from_slice(&bytes).expect("json patch");
    let mut object = request.object.clone().expect("object");
    apply_replace(&mut object, &patch_json).expect("patch applies");

    let spec = &object["spec"];
    assert_eq!(
        spec["initContainers"][0]["image"],
        format!("registry.example.test:5000/shop/migrate:2.4.1@{pin}")
    );
    assert_eq!(
        spec["containers"][0]["image"],
        format!("docker.io/nginx:1.27@{pin}")
    );
    assert!(spec["containers"][1]["image"]
        .as_str()
        .expect("string")
        .ends_with("@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    assert_eq!(
        spec["containers"][2]["image"],
        format!("docker.io/acme/exporter:latest@{pin}")
    );
    assert_eq!(
        spec["ephemeralContainers"][0]["image"],
        format!("docker.io/busybox:1.36@{pin}")
    );
    // Nothing else changed.
    assert_eq!(spec["containers"][0]["ports"][0]["containerPort"], 80);
    assert_eq!(
        object["metadata"]["annotations"]["a/b~c"],
        "escaped pointer segment"
    );
}

#[test]
fn pin_styles_on_the_cronjob() {
    let request = parse("cronjob-create.json");
    let found = workload_images(
        &request.kind.kind,
        request.object.as_ref(),
        &AdmissionLimits::default(),
    )
    .expect("images");
    let pin = digest("b");
    for (style, expected) in [
        (PinStyle::Kyverno, "docker.io/library/alpine:3.20"),
        (PinStyle::AsWritten, "docker.io/library/alpine:3.20"),
        (PinStyle::FullyQualified, "docker.io/library/alpine:3.20"),
    ] {
        let mut patch = JsonPatch::default();
        patch.pin(&found.images[0], &pin, style).expect("valid");
        let mut object = request.object.clone().expect("object");
        let patch_json = serde_json::to_value(&patch).expect("json");
        apply_replace(&mut object, &patch_json).expect("applies");
        assert_eq!(
            object["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"][0]["image"],
            format!("{expected}@{pin}"),
            "{style:?}"
        );
    }
}

#[test]
fn escaped_pointer_segments_reach_the_right_member() {
    // Pointers the crate builds are applied by the independent applier: `/` and `~` in a
    // member name must be escaped or the patch lands elsewhere (or fails).
    let mut document = json!({"a/b": {"~x": "old"}, "a": {"b": {"~x": "decoy"}}});
    let pointer = JsonPointer::from_segments(["a/b", "~x"]);
    let patch = json!([{"op": "replace", "path": pointer.as_str(), "value": "new"}]);
    apply_replace(&mut document, &patch).expect("applies");
    assert_eq!(document["a/b"]["~x"], "new");
    assert_eq!(document["a"]["b"]["~x"], "decoy");
}

#[test]
fn bad_images_are_not_pinned() {
    let object = json!({"spec": {"containers": [{"name": "x", "image": "acme/App:1"}]}});
    let found = workload_images("Pod", Some(&object), &AdmissionLimits::default()).expect("images");
    let mut patch = JsonPatch::default();
    assert!(patch
        .pin(&found.images[0], &digest("c"), PinStyle::Kyverno)
        .is_err());
    assert!(patch.is_empty());
}

#[test]
fn response_serialization_matches_the_api_types() {
    let uid = Uid::new("705ab4f5-6393-11e8-b7cc-42010a800002");
    let allowed = AdmissionResponse::allow(&uid)
        .to_review_json()
        .expect("json");
    assert_eq!(
        allowed,
        r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","allowed":true}}"#
    );

    let failures = [
        ImageFailure {
            image: "nginx:1.27".to_owned(),
            pointer: JsonPointer::from_segments(["spec", "containers", "0", "image"]),
            reason: "verify-image-signature/check-signature: no signature by the required attestor"
                .to_owned(),
        },
        ImageFailure {
            image: "busybox:1.36".to_owned(),
            pointer: JsonPointer::from_segments(["spec", "ephemeralContainers", "0", "image"]),
            reason: "verify-image-signature/check-signature: registry unreachable".to_owned(),
        },
    ];
    let denied: Value = serde_json::from_str(
        &AdmissionResponse::deny_images(&uid, &failures)
            .to_review_json()
            .expect("json"),
    )
    .expect("json");
    assert_eq!(denied["response"]["allowed"], false);
    assert_eq!(denied["response"]["status"]["code"], 403);
    let message = denied["response"]["status"]["message"]
        .as_str()
        .expect("message");
    assert!(message.starts_with("image verification failed for 2 images:"));
    assert!(message.contains("nginx:1.27 (/spec/containers/0/image): verify-image-signature"));
    assert!(message.contains("busybox:1.36 (/spec/ephemeralContainers/0/image)"));
    assert!(denied["response"].get("patch").is_none());
    assert!(denied["response"].get("patchType").is_none());
}

#[test]
fn empty_patch_leaves_patch_and_type_out() {
    let uid = Uid::new("u");
    let response = AdmissionResponse::allow(&uid)
        .with_patch(&JsonPatch::default())
        .expect("empty");
    assert!(response.patch.is_none() && response.patch_type.is_none());
}

#[test]
fn responses_round_trip() {
    let request = parse("deployment-update.json");
    let found = workload_images(
        &request.kind.kind,
        request.object.as_ref(),
        &AdmissionLimits::default(),
    )
    .expect("images");
    let mut patch = JsonPatch::default();
    patch
        .pin(&found.images[0], &digest("d"), PinStyle::AsWritten)
        .expect("valid");
    let response = AdmissionResponse::allow(&request.uid)
        .with_warnings([
            "audit: image localhost:5000/redis:7 is not signed".to_owned(),
            "second warning".to_owned(),
        ])
        .with_patch(&patch)
        .expect("patch");
    let json = response.to_review_json().expect("json");
    let back: AdmissionReviewResponse = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back.api_version, "admission.k8s.io/v1");
    assert_eq!(back.kind, "AdmissionReview");
    assert_eq!(back.response, response);
    assert_eq!(back.response.uid, request.uid, "uid echoed");
    let value: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(value["response"]["patchType"], "JSONPatch");
    assert_eq!(
        value["response"]["warnings"][0],
        "audit: image localhost:5000/redis:7 is not signed"
    );
    let decoded: Value =
        serde_json::from_slice(&back.response.decoded_patch().expect("patch")).expect("json");
    assert_eq!(
        decoded,
        json!([{"op": "replace", "path": "/spec/template/spec/containers/0/image",
                "value": format!("registry.example/acme/api:v1.9.0@{}", digest("d"))}])
    );

    let denied = AdmissionResponse::deny(&request.uid, "no");
    let back: AdmissionReviewResponse =
        serde_json::from_str(&denied.to_review_json().expect("json")).expect("parses back");
    assert_eq!(back.response, denied);
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just("image".to_owned()),
            Just("nginx:1.27".to_owned()),
            Just(String::new()),
            ".{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        let key = prop_oneof![
            Just("spec".to_owned()),
            Just("template".to_owned()),
            Just("jobTemplate".to_owned()),
            Just("containers".to_owned()),
            Just("initContainers".to_owned()),
            Just("ephemeralContainers".to_owned()),
            Just("image".to_owned()),
            Just("name".to_owned()),
            ".{0,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn any_kind() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Pod".to_owned()),
        Just("Deployment".to_owned()),
        Just("ReplicaSet".to_owned()),
        Just("StatefulSet".to_owned()),
        Just("DaemonSet".to_owned()),
        Just("Job".to_owned()),
        Just("CronJob".to_owned()),
        Just("ConfigMap".to_owned()),
        ".{0,8}",
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = AdmissionRequest::parse(&body, &AdmissionLimits::default());
    }

    #[test]
    fn arbitrary_objects_never_panic(kind in any_kind(), object in arbitrary_json(), request in arbitrary_json()) {
        let limits = AdmissionLimits { max_images: 16, ..AdmissionLimits::default() };
        if let Ok(found) = workload_images(&kind, Some(&object), &limits) {
            prop_assert!(found.images.len() <= 16);
            for image in &found.images {
                // Every pointer leads to the image string it names.
                let segments = image.pointer.segments();
                let mut at = &object;
                for segment in &segments {
                    at = match at {
                        Value::Object(map) => &map[segment.as_str()],
                        Value::Array(items) => &items[segment.parse::<usize>().expect("index")],
                        _ => panic!("pointer through a scalar"),
                    };
                }
                prop_assert_eq!(at.as_str(), Some(image.image.as_str()));
                let mut patch = JsonPatch::default();
                let _ = patch.pin(image, &digest("e"), PinStyle::Kyverno);
            }
        }
        // An arbitrary request inside a valid envelope, and a valid request around an
        // arbitrary object.
        for review in [
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}),
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
                "uid": "u", "kind": {"kind": kind}, "resource": {}, "operation": "CREATE", "object": object}}),
        ] {
            let body = serde_json::to_vec(&review).expect("json");
            if let Ok(parsed) = AdmissionRequest::parse(&body, &limits) {
                let _ = workload_images(&parsed.kind.kind, parsed.object.as_ref(), &limits);
                let _ = AdmissionResponse::allow(&parsed.uid).to_review_json();
            }
        }
    }
}

#[test]
fn policy_reports_read_kyverno_shapes_and_round_trip() {
    use sigchain_policy::admission::{
        ObjectReference, PolicyReport, PolicyReportResult, PolicyReportSummary, PolicyResult,
        PolicySeverity, ReportTimestamp,
    };
    // The shape Kyverno writes (api/policyreport/v1alpha2; pkg/utils/report/results.go):
    // timestamp in whole seconds, `scored`, `source`, properties, summary of every value.
    let kyverno = json!({
        "apiVersion": "wgpolicyk8s.io/v1alpha2",
        "kind": "PolicyReport",
        "metadata": {
            "name": "3f1e2d8c-6a57-4c0b-9f1e-5b7d2a9c4e11",
            "namespace": "shop",
            "labels": {"app.kubernetes.io/managed-by": "kyverno"},
            "uid": "ignored-by-us", "resourceVersion": "12345"
        },
        "scope": {"apiVersion": "v1", "kind": "Pod", "name": "shop-web", "namespace": "shop",
                  "uid": "3f1e2d8c-6a57-4c0b-9f1e-5b7d2a9c4e11"},
        "summary": {"error": 0, "fail": 1, "pass": 1, "skip": 0, "warn": 0},
        "results": [
            {"message": "failed to verify image docker.io/nginx:1.27: no signatures found",
             "policy": "verify-image-signature", "result": "fail", "rule": "check-signature",
             "scored": true, "source": "kyverno", "severity": "high", "category": "Supply Chain",
             "properties": {"process": "admission review"},
             "timestamp": {"nanos": 0, "seconds": 1764662400}},
            {"message": "verified image signatures for registry.example/acme/envoy",
             "policy": "verify-image-signature", "result": "pass", "rule": "check-signature",
             "scored": true, "source": "kyverno",
             "timestamp": {"nanos": 0, "seconds": 1764662400}}
        ]
    });
    let report: PolicyReport = serde_json::from_value(kyverno.clone()).expect("reads");
    assert_eq!(report.summary, PolicyReportSummary::of(&report.results));
    assert_eq!(report.results[0].severity, Some(PolicySeverity::High));
    assert_eq!(report.results[1].result, PolicyResult::Pass);
    let written = serde_json::to_value(&report).expect("writes");
    let mut expected = kyverno;
    let metadata = expected["metadata"].as_object_mut().expect("object");
    metadata.remove("uid");
    metadata.remove("resourceVersion");
    assert_eq!(written, expected, "everything else is written back as read");

    let node = ObjectReference {
        api_version: "v1".to_owned(),
        kind: "Node".to_owned(),
        name: "node-1".to_owned(),
        uid: "5c6d7e8f-0000-4a1b-9c2d-3e4f5a6b7c8d".to_owned(),
        ..ObjectReference::default()
    };
    let result = PolicyReportResult {
        source: "sigchain".to_owned(),
        policy: "verify-image-signature".to_owned(),
        rule: "check-signature".to_owned(),
        resources: vec![node.clone()],
        message: "registry unreachable".to_owned(),
        result: PolicyResult::Error,
        scored: false,
        properties: Default::default(),
        timestamp: ReportTimestamp {
            seconds: 1,
            nanos: 0,
        },
        category: String::new(),
        severity: None,
    };
    let cluster = PolicyReport::for_resource(&node, "sigchain", vec![result]);
    assert_eq!(cluster.kind, "ClusterPolicyReport", "no namespace");
    assert_eq!(cluster.summary.error, 1);
    let value = serde_json::to_value(&cluster).expect("writes");
    assert!(value["metadata"].get("namespace").is_none());
    assert!(
        value["results"][0].get("scored").is_none(),
        "false is omitted as Go does"
    );
    let back: PolicyReport = serde_json::from_value(value).expect("reads back");
    assert_eq!(back, cluster);
}
