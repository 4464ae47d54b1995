//! The referrers test registry: ferro-oci-server answers the OCI 1.1 referrers API on
//! 127.0.0.1, driven with plain HTTP requests so the harness is proved before a client uses it.
//!
//! Its known quirks (ferro-oci-server 1.0.0), which a client must absorb: every PUT of a
//! manifest with a `subject` appends it to the subject's referrers again, so the list names the
//! same manifest once per push (compare as a set of digests); a raw `+` in `artifactType=` is
//! decoded as a space, so the filter matches nothing (percent-encode it as `%2B`).

mod common;

use std::collections::BTreeSet;

use common::ferro::Ferro;
use common::registry::http_status;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sigchain_oci::sigchain_core::crypto::Sha256Digest;

const REPO: &str = "test/image";
const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// Upload `blob` (POST then PUT) and return its descriptor.
async fn push_blob(ferro: &Ferro, media_type: &str, blob: &[u8]) -> Value {
    let client = reqwest::Client::new();
    let digest = Sha256Digest::of(blob).to_string();
    let response = client
        .post(format!("{}/v2/{REPO}/blobs/uploads/", ferro.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let location = if location.starts_with('/') {
        format!("{}{location}", ferro.url())
    } else {
        location
    };
    let separator = if location.contains('?') { '&' } else { '?' };
    let response = client
        .put(format!("{location}{separator}digest={digest}"))
        .header("content-type", "application/octet-stream")
        .body(blob.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    json!({ "mediaType": media_type, "digest": digest, "size": blob.len() })
}

/// PUT `manifest` under `reference` and return its descriptor.
async fn push_manifest(ferro: &Ferro, reference: &str, manifest: &Value) -> Value {
    let bytes = serde_json::to_vec(manifest).unwrap();
    let response = reqwest::Client::new()
        .put(format!("{}/v2/{REPO}/manifests/{reference}", ferro.url()))
        .header("content-type", MANIFEST)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    json!({ "mediaType": MANIFEST, "digest": Sha256Digest::of(&bytes).to_string(), "size": bytes.len() })
}

/// The digests listed by `GET /v2/REPO/referrers/DIGEST{query}`, in order.
async fn referrers(ferro: &Ferro, subject: &Value, query: &str) -> Vec<String> {
    let response = reqwest::get(format!(
        "{}/v2/{REPO}/referrers/{}{query}",
        ferro.url(),
        subject["digest"].as_str().unwrap()
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let index: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["digest"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn ferro_lists_a_manifest_pushed_with_a_subject_as_a_referrer() {
    let ferro = Ferro::start();
    let empty = push_blob(&ferro, EMPTY_CONFIG, b"{}").await;
    let layer = push_blob(&ferro, "application/vnd.oci.image.layer.v1.tar", b"a layer").await;
    let image = push_manifest(
        &ferro,
        "v1",
        &json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": empty,
            "layers": [layer],
        }),
    )
    .await;
    assert_eq!(referrers(&ferro, &image, "").await, Vec::<String>::new());

    let bundle = push_blob(&ferro, BUNDLE, b"{\"not\":\"really a bundle\"}").await;
    let referrer_manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "artifactType": BUNDLE,
        "config": empty,
        "layers": [bundle],
        "subject": image,
    });
    let referrer = push_manifest(
        &ferro,
        referrer_manifest_digest(&referrer_manifest).as_str(),
        &referrer_manifest,
    )
    .await;
    let referrer_digest = referrer["digest"].as_str().unwrap().to_owned();

    // Pushed twice (ferro then lists it twice), it is still one referrer.
    push_manifest(&ferro, "bundle", &referrer_manifest).await;
    let listed = referrers(&ferro, &image, "").await;
    assert!(!listed.is_empty());
    assert_eq!(
        listed.into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([referrer_digest.clone()])
    );
    // The filter with `+` percent-encoded finds it; another type finds nothing.
    let filtered = referrers(
        &ferro,
        &image,
        "?artifactType=application%2Fvnd.dev.sigstore.bundle.v0.3%2Bjson",
    )
    .await;
    assert_eq!(
        filtered.into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([referrer_digest])
    );
    assert_eq!(
        referrers(&ferro, &image, "?artifactType=application%2Fexample").await,
        Vec::<String>::new()
    );
}

fn referrer_manifest_digest(manifest: &Value) -> String {
    Sha256Digest::of(&serde_json::to_vec(manifest).unwrap()).to_string()
}

#[test]
fn ferro_stops_when_dropped() {
    let ferro = Ferro::start();
    let host = ferro.host.clone();
    assert_eq!(http_status(&host, "/v2/"), Some(200));
    drop(ferro);
    assert_eq!(http_status(&host, "/v2/"), None);
}
