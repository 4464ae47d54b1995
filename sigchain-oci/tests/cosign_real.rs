//! A real cosign signature (key-signed, logged in the public-good Rekor; see
//! `tests/data/cosign/key-signed-public-good/README.md`) read from its manifest and verified
//! by the core against the production trusted root, and refused once anything is changed.

use sigchain_core::crypto::PublicKey;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{SignerPolicy, Verifier, VerifierConfig, VerifyError};
#[path = "cosign/support.rs"]
mod support;

use oci_spec::image::MediaType;
use sigchain_oci::cosign::verify::{verify_signature_layer, ImageVerifyError};
use sigchain_oci::cosign::wire::WireManifest;
use sigchain_oci::cosign::{SignatureLayer, StorageLimits, BUNDLE_ANNOTATION};
use sigchain_oci::discover::{discover, Location};
use sigchain_oci::reference::Digest;
use sigchain_oci::referrers::{self, ReferrersSource};
use sigchain_oci::store::ArtifactStore;
use support::{now, MemoryStore};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/cosign/key-signed-public-good"
);
const IMAGE: &str = "sha256:2f0249ebb962c1281b791aafe68ec39caa2751eecad1c6a5042cbdc43548d764";

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap()
}

fn layer() -> SignatureLayer {
    let manifest = WireManifest::parse(&read("manifest.json"), &StorageLimits::DEFAULT).unwrap();
    let descriptor = &manifest.layers[0];
    let payload = read("payload.json");
    // What a store would have checked on fetching the blob.
    descriptor
        .parsed_digest()
        .unwrap()
        .verify(&payload)
        .unwrap();
    SignatureLayer::from_stored(descriptor, payload).unwrap()
}

fn verifier() -> Verifier {
    Verifier::new(
        TrustedRoot::production(),
        VerifierConfig {
            require_inclusion_proof: false,
            ..VerifierConfig::default()
        },
    )
}

fn key() -> SignerPolicy {
    let pem = String::from_utf8(read("cosign.pub")).unwrap();
    SignerPolicy::PublicKey(PublicKey::from_pem(&pem).unwrap())
}

#[test]
fn a_real_cosign_signature_verifies() {
    let image = Digest::parse(IMAGE).unwrap();
    let verified = verify_signature_layer(
        &verifier(),
        &layer(),
        &image,
        &key(),
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .unwrap();
    assert_eq!(verified.payload.docker_reference, "localhost:5000/demo");
    assert_eq!(
        verified.verified.log_entries()[0].integrated_time(),
        Some(Timestamp(1_754_488_662))
    );
}

#[test]
fn the_real_signature_is_for_its_image_only() {
    let other = Digest::sha256_of(b"another manifest");
    let err = verify_signature_layer(
        &verifier(),
        &layer(),
        &other,
        &key(),
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .unwrap_err();
    assert!(matches!(err, ImageVerifyError::OtherImage { .. }), "{err}");
}

#[test]
fn a_changed_signed_entry_timestamp_is_refused() {
    let image = Digest::parse(IMAGE).unwrap();
    let mut layer = layer();
    let bundle = layer.annotations[BUNDLE_ANNOTATION].replace("MEYCIQDbEDDW", "MEYCIQDbEDDX");
    layer
        .annotations
        .insert(BUNDLE_ANNOTATION.to_owned(), bundle);
    let err = verify_signature_layer(
        &verifier(),
        &layer,
        &image,
        &key(),
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ImageVerifyError::Verify(VerifyError::TransparencyLog { .. })
        ),
        "{err}"
    );
}

#[test]
fn the_real_manifest_is_discovered_as_a_referrer_and_verifies() {
    // cosign's OCI 1.1 mode pushed this manifest as a referrer of the image: the same layer
    // and annotations as a `.sig` tag, found through the subject. Here through the fallback
    // index of a store without the referrers API (a layout would need the image itself).
    let store = MemoryStore::without_referrers_api();
    now(store.put_blob(MediaType::ImageConfig, read("config.json"))).unwrap();
    now(store.put_blob(
        MediaType::from("application/vnd.dev.cosign.simplesigning.v1+json"),
        read("payload.json"),
    ))
    .unwrap();
    let manifest = WireManifest::parse(&read("manifest.json"), &StorageLimits::DEFAULT).unwrap();
    now(referrers::put_referrer(
        &store,
        &manifest,
        &StorageLimits::DEFAULT,
    ))
    .unwrap();

    let image = Digest::parse(IMAGE).unwrap();
    let found = now(discover(&store, &image, &StorageLimits::DEFAULT)).unwrap();
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    let signatures: Vec<_> = found.signatures().collect();
    assert_eq!(signatures.len(), 1);
    assert!(matches!(
        signatures[0].0,
        Location::ReferrerLayer {
            via: ReferrersSource::FallbackTag,
            layer: 0,
            ..
        }
    ));
    verify_signature_layer(
        &verifier(),
        signatures[0].1,
        &image,
        &key(),
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .unwrap();
}
