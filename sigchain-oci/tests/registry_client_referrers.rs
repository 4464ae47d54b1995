//! The registry client against a registry with the OCI 1.1 referrers API (ferro-oci-server,
//! tests/common/ferro.rs): referrers listed, de-duplicated by digest (this server lists a
//! manifest once per push), filtered by an artifact type with a `+` in it (percent-encoded:
//! this server decodes a raw `+` as a space).

mod common;

use common::client::{anonymous, digest_of, make_image, reference};
use common::ferro::Ferro;
use oci_spec::image::MediaType;
use serde_json::json;
use sigchain_oci::client::RegistryRepository;
use sigchain_oci::reference::{Digest, Tag};
use sigchain_oci::store::{ArtifactStore, ManifestRef, Referrers};

const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const SPDX: &str = "application/spdx+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

#[tokio::test]
async fn referrers_are_listed_deduplicated_and_filtered() {
    let ferro = Ferro::start();
    let image_ref = reference(&ferro.host, "test/image:v1");
    let store = RegistryRepository::new(anonymous(), &image_ref);
    let image = make_image("referrers");
    store
        .put_blob(MediaType::ImageConfig, image.config_bytes.clone())
        .await
        .unwrap();
    store
        .put_blob(MediaType::ImageLayerGzip, image.layer_bytes.clone())
        .await
        .unwrap();
    let subject = store
        .put_manifest(
            MediaType::ImageManifest,
            image.image.manifest_bytes.clone(),
            Some(&Tag::parse("v1").unwrap()),
        )
        .await
        .unwrap();
    let subject_digest = digest_of(&subject);

    let empty = store
        .put_blob(MediaType::EmptyJSON, b"{}".to_vec())
        .await
        .unwrap();
    let mut referrers = Vec::new();
    for (artifact_type, payload) in [(BUNDLE, &b"bundle"[..]), (SPDX, &b"sbom"[..])] {
        let layer = store
            .put_blob(MediaType::from(artifact_type), payload.to_vec())
            .await
            .unwrap();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "artifactType": artifact_type,
            "config": empty,
            "layers": [layer],
            "subject": subject,
        });
        let bytes = serde_json::to_vec(&manifest).unwrap();
        // Pushed twice: this registry then lists it twice.
        for _ in 0..2 {
            store
                .put_manifest(MediaType::ImageManifest, bytes.clone(), None)
                .await
                .unwrap();
        }
        referrers.push(Digest::sha256_of(&bytes));
    }

    let Referrers::Listed(all) = store.referrers(&subject_digest, None).await.unwrap() else {
        panic!("this registry has the referrers API");
    };
    let mut listed: Vec<Digest> = all.iter().map(digest_of).collect();
    listed.sort();
    let mut expected = referrers.clone();
    expected.sort();
    assert_eq!(listed, expected, "each referrer once");

    let Referrers::Listed(bundles) = store
        .referrers(&subject_digest, Some(BUNDLE))
        .await
        .unwrap()
    else {
        panic!("this registry has the referrers API");
    };
    assert_eq!(bundles.len(), 1, "{bundles:?}");
    assert_eq!(digest_of(&bundles[0]), referrers[0]);
    assert_eq!(
        bundles[0]
            .artifact_type()
            .as_ref()
            .map(|t| t.to_string())
            .as_deref(),
        Some(BUNDLE)
    );

    // A referrer fetched by its digest is checked like any manifest.
    let fetched = store
        .manifest(&ManifestRef::Digest(referrers[1].clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.digest, referrers[1]);

    let Referrers::Listed(none) = store
        .referrers(&Digest::sha256_of(b"no such subject"), None)
        .await
        .unwrap()
    else {
        panic!("this registry has the referrers API");
    };
    assert!(none.is_empty());
}
