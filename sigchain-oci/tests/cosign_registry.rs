//! Signature storage over the registry client: the same cosign flows that run on a layout
//! (`cosign::tagged`, `referrers`, `discover`), run on `RegistryRepository` against the two
//! real test registries. docker-registry has no referrers API, so bundles are listed in the
//! referrers fallback tag; ferro-oci-server lists them through its API. What is read back
//! verifies with the core verifier, bound to the image digest.

mod common;
#[path = "cosign/support.rs"]
mod support;

use common::client::{anonymous, reference};
use common::ferro::Ferro;
use common::registry::Registry;
use oci_spec::image::MediaType;
use sigchain_core::sign::machine::{Content, RekorVersion};
use sigchain_core::sign::test_double::Services;
use sigchain_oci::client::RegistryRepository;
use sigchain_oci::cosign::layer::LayerKind;
use sigchain_oci::cosign::tagged::{self, Attached};
use sigchain_oci::cosign::verify::{verify_bundle_for_image, verify_signature_layer};
use sigchain_oci::cosign::wire::WireDescriptor;
use sigchain_oci::cosign::{SignatureLayer, StorageLimits};
use sigchain_oci::discover::discover;
use sigchain_oci::reference::{Digest, Reference, Tag};
use sigchain_oci::referrers::{self, ReferrersSource, BUNDLE_ARTIFACT_TYPE};
use sigchain_oci::simple_signing::SimpleSigning;
use sigchain_oci::store::ArtifactStore;
use support::{legacy_verifier, sign, signer, statement, verifier};

const LIMITS: StorageLimits = StorageLimits::DEFAULT;
const SLSA: &str = "https://slsa.dev/provenance/v1";

/// A small image (config + manifest) pushed to `store`; its digest.
async fn put_image(store: &RegistryRepository, seed: &str) -> Digest {
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}},"config":{{"Labels":{{"seed":"{seed}"}}}}}}"#
    );
    let config = store
        .put_blob(MediaType::ImageConfig, config.into_bytes())
        .await
        .unwrap();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": WireDescriptor::from_oci(&config),
        "layers": [],
    });
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let written = store
        .put_manifest(
            MediaType::ImageManifest,
            bytes,
            Some(&Tag::parse(seed).unwrap()),
        )
        .await
        .unwrap();
    WireDescriptor::from_oci(&written).parsed_digest().unwrap()
}

/// Attach an attestation bundle as a referrer, list it, read it back and verify it.
async fn bundle_round_trip(host: &str, expected_source: ReferrersSource) {
    let services = Services::new();
    let store = RegistryRepository::new(anonymous(), &reference(host, "signed/app:v1"));
    let image = put_image(&store, "app").await;
    let bundle = sign(
        &services,
        Content::InTotoStatement(statement(&image, SLSA)),
        RekorVersion::V2,
    );
    let referrer = referrers::attach_bundle(&store, &image, &bundle, services.now(), &LIMITS)
        .await
        .unwrap();
    let listed = referrers::list(&store, &image, Some(BUNDLE_ARTIFACT_TYPE), &LIMITS)
        .await
        .unwrap();
    assert_eq!(listed.source, expected_source);
    assert_eq!(listed.descriptors.len(), 1);
    assert_eq!(listed.descriptors[0].parsed_digest().unwrap(), referrer);
    let read = referrers::read_bundle(&store, &image, &listed.descriptors[0], &LIMITS)
        .await
        .unwrap();
    assert_eq!(read, bundle);
    verify_bundle_for_image(
        &verifier(&services),
        &read,
        &image,
        &signer(),
        services.now(),
    )
    .unwrap();

    let found = discover(&store, &image, &LIMITS).await.unwrap();
    assert_eq!(found.referrers_source, expected_source);
    assert_eq!(found.bundles().count(), 1);
}

#[tokio::test]
async fn bundles_on_docker_registry_live_in_the_fallback_tag() {
    let registry = Registry::start();
    bundle_round_trip(&registry.host, ReferrersSource::FallbackTag).await;
}

#[tokio::test]
async fn bundles_on_ferro_are_listed_by_the_referrers_api() {
    let ferro = Ferro::start();
    bundle_round_trip(&ferro.host, ReferrersSource::Api).await;
}

#[tokio::test]
async fn a_sig_tag_signature_on_docker_registry() {
    let registry = Registry::start();
    let services = Services::new();
    let store = RegistryRepository::new(anonymous(), &reference(&registry.host, "signed/sig:v1"));
    let image = put_image(&store, "sig").await;
    let pinned = Reference::parse(&format!("{}/signed/sig@{image}", registry.host)).unwrap();
    let payload = SimpleSigning::for_image(&pinned, None).unwrap().to_json();
    let bundle = sign(
        &services,
        Content::Artifact(payload.clone()),
        RekorVersion::V1,
    );
    let layer = SignatureLayer::signature_from_bundle(&bundle, &payload).unwrap();
    assert!(matches!(
        tagged::attach(&store, &image, &layer, &LIMITS)
            .await
            .unwrap(),
        Attached::Written(_)
    ));
    assert_eq!(
        tagged::attach(&store, &image, &layer, &LIMITS)
            .await
            .unwrap(),
        Attached::AlreadyPresent
    );
    let read = tagged::read(&store, LayerKind::Signature, &image, &LIMITS)
        .await
        .unwrap()
        .expect("the .sig tag exists");
    let layers: Vec<SignatureLayer> = read.layers.into_iter().map(|(_, l)| l.unwrap()).collect();
    assert_eq!(layers, vec![layer]);
    let verified = verify_signature_layer(
        &legacy_verifier(&services),
        &layers[0],
        &image,
        &signer(),
        services.now(),
        &LIMITS,
    )
    .unwrap();
    assert_eq!(verified.payload.manifest_digest, image);
}
