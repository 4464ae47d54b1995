//! Signature storage end to end: bundles signed by the core's in-process services, stored in
//! each of cosign's forms in an OCI layout (and a registry-like store without the referrers
//! API), read back, converted and verified by the core verifier, and every binding check
//! failing when its input is tampered with.

#[path = "cosign/support.rs"]
mod support;

use sigchain_core::sign::machine::{Content, RekorVersion};
use sigchain_core::sign::test_double::Services;
use sigchain_core::verify::{TlogError, VerifyError};
use sigchain_oci::cosign::layer::LayerKind;
use sigchain_oci::cosign::sbom::{self, SbomFormat};
use sigchain_oci::cosign::tagged::{self, Attached};
use sigchain_oci::cosign::verify::{
    verify_attestation_layer, verify_bundle_for_image, verify_signature_layer, ImageVerifyError,
};
use sigchain_oci::cosign::wire::WireIndex;
use sigchain_oci::cosign::{
    CosignError, SignatureLayer, StorageLimits, CERTIFICATE_ANNOTATION, PREDICATE_TYPE_ANNOTATION,
};
use sigchain_oci::cosign_tags::referrers_fallback_tag;
use sigchain_oci::discover::{discover, Item, Location};
use sigchain_oci::layout::OciLayout;
use sigchain_oci::reference::{Digest, Reference};
use sigchain_oci::referrers::{self, ReferrersSource, BUNDLE_ARTIFACT_TYPE};
use sigchain_oci::simple_signing::SimpleSigning;
use sigchain_oci::store::{ArtifactStore, ManifestRef};
use support::*;

const LIMITS: StorageLimits = StorageLimits::DEFAULT;
const SLSA: &str = "https://slsa.dev/provenance/v1";

fn payload_for(image: &Digest) -> Vec<u8> {
    let reference = Reference::parse(&format!("127.0.0.1:5000/app@{image}")).unwrap();
    SimpleSigning::for_image(&reference, None)
        .unwrap()
        .to_json()
}

/// A `.sig` layer signed for `signed_for`.
fn signature_layer(services: &Services, signed_for: &Digest) -> SignatureLayer {
    let payload = payload_for(signed_for);
    let bundle = sign(
        services,
        Content::Artifact(payload.clone()),
        RekorVersion::V1,
    );
    SignatureLayer::signature_from_bundle(&bundle, &payload).unwrap()
}

fn attestation_layer(services: &Services, subject: &Digest) -> SignatureLayer {
    let bundle = sign(
        services,
        Content::InTotoStatement(statement(subject, SLSA)),
        RekorVersion::V1,
    );
    SignatureLayer::attestation_from_bundle(&bundle).unwrap()
}

fn layout() -> (tempfile::TempDir, OciLayout) {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    (dir, layout)
}

fn read_layers<S: ArtifactStore>(
    store: &S,
    kind: LayerKind,
    image: &Digest,
) -> Vec<SignatureLayer> {
    let read = now(tagged::read(store, kind, image, &LIMITS))
        .unwrap()
        .expect("the tag exists");
    assert_eq!(read.omitted, 0);
    read.layers.into_iter().map(|(_, l)| l.unwrap()).collect()
}

#[test]
fn a_signature_is_stored_under_the_sig_tag_read_back_and_verified() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = put_image(&layout, "app");
    let layer = signature_layer(&services, &image);

    assert!(matches!(
        now(tagged::attach(&layout, &image, &layer, &LIMITS)).unwrap(),
        Attached::Written(_)
    ));
    // The same signature again is not appended twice.
    assert_eq!(
        now(tagged::attach(&layout, &image, &layer, &LIMITS)).unwrap(),
        Attached::AlreadyPresent
    );
    // A second signature is appended to the same manifest.
    let second = signature_layer(&services, &image);
    now(tagged::attach(&layout, &image, &second, &LIMITS)).unwrap();

    let layers = read_layers(&layout, LayerKind::Signature, &image);
    assert_eq!(layers, vec![layer.clone(), second]);
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

    // The manifest is the one cosign writes: OCI media types, the go-containerregistry config.
    let tag = sigchain_oci::cosign_tags::signature_tag(&image).unwrap();
    let stored = now(layout.manifest(&ManifestRef::Tag(tag)))
        .unwrap()
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&stored.bytes).unwrap();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.oci.image.config.v1+json"
    );
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    for key in [
        "dev.cosignproject.cosign/signature",
        "dev.sigstore.cosign/certificate",
        "dev.sigstore.cosign/chain",
        "dev.sigstore.cosign/bundle",
    ] {
        assert!(
            manifest["layers"][0]["annotations"][key].is_string(),
            "{key}"
        );
    }
}

#[test]
fn a_tag_scheme_signature_needs_a_verifier_that_accepts_promises() {
    // cosign's Rekor bundle annotation has no inclusion proof: the default verifier refuses it,
    // which is why the `.sig` form is verified with `require_inclusion_proof` off.
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = put_image(&layout, "app");
    let layer = signature_layer(&services, &image);
    let err = verify_signature_layer(
        &verifier(&services),
        &layer,
        &image,
        &signer(),
        services.now(),
        &LIMITS,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ImageVerifyError::Verify(VerifyError::TransparencyLog {
            source: TlogError::MissingInclusionProof,
            ..
        })
    ));
}

#[test]
fn an_attestation_is_stored_under_the_att_tag_read_back_and_verified() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = put_image(&layout, "app");
    let layer = attestation_layer(&services, &image);
    assert_eq!(layer.annotations[PREDICATE_TYPE_ANNOTATION], SLSA);
    now(tagged::attach(&layout, &image, &layer, &LIMITS)).unwrap();

    let layers = read_layers(&layout, LayerKind::Attestation, &image);
    assert_eq!(layers, vec![layer]);
    let verified = verify_attestation_layer(
        &legacy_verifier(&services),
        &layers[0],
        &image,
        &signer(),
        services.now(),
        &LIMITS,
    )
    .unwrap();
    assert_eq!(verified.statement.predicate_type, SLSA);
}

#[test]
fn a_rekor_v2_bundle_cannot_be_a_tag_scheme_layer() {
    let services = Services::new();
    let payload = b"{}".to_vec();
    let bundle = sign(
        &services,
        Content::Artifact(payload.clone()),
        RekorVersion::V2,
    );
    assert!(matches!(
        SignatureLayer::signature_from_bundle(&bundle, &payload),
        Err(CosignError::NoInclusionPromise { .. })
    ));
    assert!(matches!(
        SignatureLayer::signature_from_bundle(&bundle, b"other payload"),
        Err(CosignError::PayloadNotSigned)
    ));
}

#[test]
fn tampered_layer_content_is_refused_by_the_signature_check() {
    let services = Services::new();
    let image = Digest::sha256_of(b"image manifest");
    let mut layer = signature_layer(&services, &image);
    // Same image digest, another repository name: the bytes the signature covers changed.
    layer.content = String::from_utf8(layer.content)
        .unwrap()
        .replace("127.0.0.1:5000/app", "127.0.0.1:5000/evil")
        .into_bytes();
    let err = verify_signature_layer(
        &legacy_verifier(&services),
        &layer,
        &image,
        &signer(),
        services.now(),
        &LIMITS,
    )
    .unwrap_err();
    assert!(
        matches!(err, ImageVerifyError::Verify(VerifyError::Signature(_))),
        "{err}"
    );
}

#[test]
fn a_layer_whose_stored_bytes_were_changed_is_refused_by_the_store() {
    let services = Services::new();
    let (dir, layout) = layout();
    let image = put_image(&layout, "app");
    let layer = signature_layer(&services, &image);
    now(tagged::attach(&layout, &image, &layer, &LIMITS)).unwrap();
    let blob = dir
        .path()
        .join("blobs/sha256")
        .join(layer.descriptor().digest.trim_start_matches("sha256:"));
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    let read = now(tagged::read(&layout, LayerKind::Signature, &image, &LIMITS))
        .unwrap()
        .unwrap();
    let err = read.layers[0].1.as_ref().unwrap_err();
    assert!(matches!(err, CosignError::Store(_)), "{err}");
    let found = now(discover(&layout, &image, &LIMITS)).unwrap();
    assert_eq!(found.signatures().count(), 0);
    assert_eq!(found.problems.len(), 1);
}

#[test]
fn a_swapped_certificate_is_refused() {
    let services = Services::new();
    let image = Digest::sha256_of(b"image manifest");
    let mut layer = signature_layer(&services, &image);
    let other = signature_layer(&services, &image);
    layer.annotations.insert(
        CERTIFICATE_ANNOTATION.to_owned(),
        other.annotations[CERTIFICATE_ANNOTATION].clone(),
    );
    let err = verify_signature_layer(
        &legacy_verifier(&services),
        &layer,
        &image,
        &signer(),
        services.now(),
        &LIMITS,
    )
    .unwrap_err();
    assert!(
        matches!(err, ImageVerifyError::Verify(VerifyError::Signature(_))),
        "{err}"
    );
}

#[test]
fn a_signature_for_another_digest_is_refused() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = put_image(&layout, "app");
    let other = put_image(&layout, "other");
    // A valid signature for `other`, copied under `image`'s tag.
    let layer = signature_layer(&services, &other);
    now(tagged::attach(&layout, &image, &layer, &LIMITS)).unwrap();
    let layers = read_layers(&layout, LayerKind::Signature, &image);
    let err = verify_signature_layer(
        &legacy_verifier(&services),
        &layers[0],
        &image,
        &signer(),
        services.now(),
        &LIMITS,
    )
    .unwrap_err();
    assert!(matches!(err, ImageVerifyError::OtherImage { .. }), "{err}");
    // ... and it does verify for the image it names.
    verify_signature_layer(
        &legacy_verifier(&services),
        &layers[0],
        &other,
        &signer(),
        services.now(),
        &LIMITS,
    )
    .unwrap();
}

#[test]
fn an_attestation_about_another_digest_is_refused() {
    let services = Services::new();
    let image = Digest::sha256_of(b"image manifest");
    let other = Digest::sha256_of(b"other manifest");
    let layer = attestation_layer(&services, &other);
    let err = verify_attestation_layer(
        &legacy_verifier(&services),
        &layer,
        &image,
        &signer(),
        services.now(),
        &LIMITS,
    )
    .unwrap_err();
    assert!(
        matches!(err, ImageVerifyError::AttestationForOtherImage { .. }),
        "{err}"
    );
}

#[test]
fn kinds_are_not_interchangeable() {
    let services = Services::new();
    let image = Digest::sha256_of(b"image manifest");
    let signature = signature_layer(&services, &image);
    let verifier = legacy_verifier(&services);
    assert!(matches!(
        verify_attestation_layer(
            &verifier,
            &signature,
            &image,
            &signer(),
            services.now(),
            &LIMITS
        ),
        Err(ImageVerifyError::WrongKind { .. })
    ));
}

#[test]
fn a_bundle_referrer_is_listed_by_the_layout_and_verified() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = put_image(&layout, "app");
    let bundle = sign(
        &services,
        Content::InTotoStatement(statement(&image, SLSA)),
        RekorVersion::V2,
    );
    now(referrers::attach_bundle(
        &layout,
        &image,
        &bundle,
        services.now(),
        &LIMITS,
    ))
    .unwrap();

    let listed = now(referrers::list(
        &layout,
        &image,
        Some(BUNDLE_ARTIFACT_TYPE),
        &LIMITS,
    ))
    .unwrap();
    assert_eq!(listed.source, ReferrersSource::Api);
    assert_eq!(listed.descriptors.len(), 1);
    let read = now(referrers::read_bundle(
        &layout,
        &image,
        &listed.descriptors[0],
        &LIMITS,
    ))
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

    // Another image is not the bundle's subject.
    let other = Digest::sha256_of(b"other manifest");
    assert!(matches!(
        verify_bundle_for_image(
            &verifier(&services),
            &read,
            &other,
            &signer(),
            services.now()
        ),
        Err(ImageVerifyError::AttestationForOtherImage { .. })
    ));

    let found = now(discover(&layout, &image, &LIMITS)).unwrap();
    let bundles: Vec<_> = found.bundles().collect();
    assert_eq!(bundles.len(), 1);
    assert!(matches!(
        bundles[0].0,
        Location::Referrer {
            via: ReferrersSource::Api,
            ..
        }
    ));
    assert!(found.found.iter().any(|f| matches!(
        &f.item,
        Item::Bundle { predicate_type: Some(t), .. } if t == SLSA
    )));
}

#[test]
fn without_a_referrers_api_the_fallback_index_is_maintained_and_read() {
    let services = Services::new();
    let store = MemoryStore::without_referrers_api();
    let image = put_image(&store, "app");
    let first = sign(
        &services,
        Content::InTotoStatement(statement(&image, SLSA)),
        RekorVersion::V1,
    );
    let second = sign(
        &services,
        Content::InTotoStatement(statement(&image, "https://spdx.dev/Document")),
        RekorVersion::V2,
    );
    let a = now(referrers::attach_bundle(
        &store,
        &image,
        &first,
        services.now(),
        &LIMITS,
    ))
    .unwrap();
    let b = now(referrers::attach_bundle(
        &store,
        &image,
        &second,
        services.now(),
        &LIMITS,
    ))
    .unwrap();
    // The same referrer again is not listed twice.
    let again = now(referrers::attach_bundle(
        &store,
        &image,
        &first,
        services.now(),
        &LIMITS,
    ))
    .unwrap();
    assert_eq!(again, a);

    let tag = referrers_fallback_tag(&image);
    let stored = now(store.manifest(&ManifestRef::Tag(tag)))
        .unwrap()
        .unwrap();
    let index = WireIndex::parse(&stored.bytes, &LIMITS).unwrap();
    let digests: Vec<_> = index.manifests.iter().map(|d| d.digest.clone()).collect();
    assert_eq!(digests, vec![a.to_string(), b.to_string()]);
    assert!(index
        .manifests
        .iter()
        .all(|d| d.artifact_type.as_deref() == Some(BUNDLE_ARTIFACT_TYPE)));

    let found = now(discover(&store, &image, &LIMITS)).unwrap();
    assert_eq!(found.referrers_source, ReferrersSource::FallbackTag);
    let bundles: Vec<_> = found.bundles().map(|(_, b)| b.clone()).collect();
    assert_eq!(bundles, vec![first, second]);
    for bundle in &bundles {
        verify_bundle_for_image(
            &verifier(&services),
            bundle,
            &image,
            &signer(),
            services.now(),
        )
        .unwrap();
    }
}

#[test]
fn a_fallback_index_listing_a_referrer_of_another_image_is_refused() {
    let services = Services::new();
    let store = MemoryStore::without_referrers_api();
    let image = put_image(&store, "app");
    let other = put_image(&store, "other");
    let bundle = sign(
        &services,
        Content::InTotoStatement(statement(&other, SLSA)),
        RekorVersion::V1,
    );
    now(referrers::attach_bundle(
        &store,
        &other,
        &bundle,
        services.now(),
        &LIMITS,
    ))
    .unwrap();
    // Someone copies `other`'s fallback index to `image`'s tag.
    let tags = store.tags.lock().unwrap().clone();
    let other_index = tags[referrers_fallback_tag(&other).as_str()].clone();
    store.tags.lock().unwrap().insert(
        referrers_fallback_tag(&image).as_str().to_owned(),
        other_index,
    );

    let found = now(discover(&store, &image, &LIMITS)).unwrap();
    assert_eq!(found.bundles().count(), 0);
    assert!(matches!(
        found.problems[0].error,
        CosignError::SubjectMismatch { .. }
    ));
}

#[test]
fn discovery_finds_every_form_and_caps_what_it_fetches() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = put_image(&layout, "app");
    for _ in 0..3 {
        now(tagged::attach(
            &layout,
            &image,
            &signature_layer(&services, &image),
            &LIMITS,
        ))
        .unwrap();
    }
    now(tagged::attach(
        &layout,
        &image,
        &attestation_layer(&services, &image),
        &LIMITS,
    ))
    .unwrap();
    let spdx = br#"{"spdxVersion":"SPDX-2.3"}"#.to_vec();
    now(sbom::attach(
        &layout,
        &image,
        SbomFormat::SpdxJson,
        spdx.clone(),
    ))
    .unwrap();

    let found = now(discover(&layout, &image, &LIMITS)).unwrap();
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(found.signatures().count(), 3);
    assert_eq!(found.attestations(Some(SLSA)).count(), 1);
    assert_eq!(found.attestations(Some("https://other")).count(), 0);
    let sbom = found
        .found
        .iter()
        .find_map(|f| match &f.item {
            Item::Sbom(s) => Some(s),
            _ => None,
        })
        .unwrap();
    assert_eq!(sbom.format, Some(SbomFormat::SpdxJson));
    assert_eq!(sbom.content, spdx);

    let tight = StorageLimits {
        max_layers: 2,
        ..LIMITS
    };
    let capped = now(discover(&layout, &image, &tight)).unwrap();
    assert_eq!(capped.signatures().count(), 2);
    assert_eq!(capped.omitted.len(), 1);
    assert_eq!(capped.omitted[0].1, 1);
    // A full manifest takes no more layers.
    assert!(matches!(
        now(tagged::attach(
            &layout,
            &image,
            &signature_layer(&services, &image),
            &tight
        )),
        Err(CosignError::TooMany { .. })
    ));
}

#[test]
fn oversized_layers_are_not_fetched() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = put_image(&layout, "app");
    now(tagged::attach(
        &layout,
        &image,
        &signature_layer(&services, &image),
        &LIMITS,
    ))
    .unwrap();
    let tight = StorageLimits {
        max_layer_bytes: 16,
        ..LIMITS
    };
    let found = now(discover(&layout, &image, &tight)).unwrap();
    assert_eq!(found.signatures().count(), 0);
    assert!(matches!(
        found.problems[0].error,
        CosignError::TooLarge { .. }
    ));
}

#[test]
fn referrers_that_are_not_bundles_or_name_no_image_are_refused() {
    use sigchain_oci::cosign::wire::{WireDescriptor, WireManifest, EMPTY_JSON, OCI_EMPTY};
    let services = Services::new();
    let store = MemoryStore::without_referrers_api();
    let image = put_image(&store, "app");
    // A "bundle" referrer with two layers.
    let layer_a = WireDescriptor::of(BUNDLE_ARTIFACT_TYPE, b"{}");
    let layer_b = WireDescriptor::of(BUNDLE_ARTIFACT_TYPE, b"[]");
    for content in [&b"{}"[..], b"[]", EMPTY_JSON] {
        now(store.put_blob(
            oci_spec::image::MediaType::from(BUNDLE_ARTIFACT_TYPE),
            content.to_vec(),
        ))
        .unwrap();
    }
    let stored = now(store.manifest(&ManifestRef::Digest(image.clone())))
        .unwrap()
        .unwrap();
    let subject = WireDescriptor::of(&stored.media_type, &stored.bytes);
    let manifest = WireManifest {
        schema_version: 2,
        media_type: Some("application/vnd.oci.image.manifest.v1+json".into()),
        artifact_type: Some(BUNDLE_ARTIFACT_TYPE.into()),
        config: WireDescriptor::of(OCI_EMPTY, EMPTY_JSON),
        layers: vec![layer_a, layer_b],
        annotations: None,
        subject: Some(subject),
    };
    now(referrers::put_referrer(&store, &manifest, &LIMITS)).unwrap();
    let found = now(discover(&store, &image, &LIMITS)).unwrap();
    assert!(matches!(
        found.problems[0].error,
        CosignError::NotABundleReferrer { .. }
    ));

    // A bundle cannot be attached to an image the store does not have.
    let bundle = sign(
        &services,
        Content::InTotoStatement(statement(&image, SLSA)),
        RekorVersion::V1,
    );
    let absent = Digest::sha256_of(b"absent");
    assert!(matches!(
        now(referrers::attach_bundle(
            &store,
            &absent,
            &bundle,
            services.now(),
            &LIMITS
        )),
        Err(CosignError::ImageNotFound(_))
    ));

    // Images are named by SHA-256.
    let sha512 = Digest::of(sigchain_oci::reference::DigestAlgorithm::Sha512, b"image");
    assert!(matches!(
        verify_bundle_for_image(
            &verifier(&services),
            &bundle,
            &sha512,
            &signer(),
            services.now()
        ),
        Err(ImageVerifyError::UnsupportedDigest(_))
    ));
}
