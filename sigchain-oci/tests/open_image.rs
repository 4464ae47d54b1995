//! `flow::open_image`: every form of location opened and resolved to the image's digest (a
//! layout by digest, by tag, its only image; a registry by digest and by tag), and the
//! locations that name nothing refused before anything is signed or verified.

mod common;

use common::client::{anonymous, make_image, push, reference};
use common::image::write_test_image;
use common::registry::Registry;
use sigchain_oci::client::{ClientConfig, CredentialsSource};
use sigchain_oci::flow::{open_image, FlowError};
use sigchain_oci::layout::OciLayout;
use sigchain_oci::location::ImageLocation;
use sigchain_oci::reference::Digest;
use sigchain_oci::store::{AnyStore, ArtifactStore, StoreError};

fn config() -> ClientConfig {
    ClientConfig {
        credentials: CredentialsSource::Anonymous,
        max_attempts: 1,
        ..ClientConfig::default()
    }
}

async fn open(text: &str) -> Result<(AnyStore, sigchain_oci::flow::ResolvedImage), FlowError> {
    open_image(&ImageLocation::parse(text).unwrap(), config(), false).await
}

#[tokio::test]
async fn a_layout_opens_by_digest_by_tag_and_as_its_only_image() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let image = write_test_image(&layout, "v1");
    let digest = Digest::parse(image.manifest.digest().as_ref()).unwrap();
    let path = dir.path().display();

    let (store, by_digest) = open(&format!("oci:{path}@{digest}")).await.unwrap();
    assert!(matches!(store, AnyStore::Layout(_)));
    assert_eq!(store.describe(), format!("oci:{path}"));
    assert_eq!(by_digest.name, format!("oci:{path}"));
    assert_eq!(by_digest.digest, digest);
    assert_eq!(by_digest.resolved_tag, None);

    let (_, by_tag) = open(&format!("oci:{path}:v1")).await.unwrap();
    assert_eq!(by_tag.digest, digest);
    assert_eq!(
        by_tag.resolved_tag.map(|t| t.to_string()).as_deref(),
        Some("v1")
    );

    let (_, only) = open(&format!("oci:{path}")).await.unwrap();
    assert_eq!(only.digest, digest);

    // Two images: the layout's "only image" is ambiguous.
    write_test_image(&layout, "v2");
    let two = open(&format!("oci:{path}")).await.unwrap_err();
    assert!(two.to_string().contains("2 candidate images"), "{two}");
    // A tag or digest the layout does not hold, and a folder that is no layout.
    let absent = open(&format!("oci:{path}:v3")).await.unwrap_err();
    assert!(
        matches!(absent, FlowError::ImageNotFound { .. }),
        "{absent}"
    );
    let empty = tempfile::tempdir().unwrap();
    let not_a_layout = open(&format!("oci:{}", empty.path().display()))
        .await
        .unwrap_err();
    assert!(
        matches!(not_a_layout, FlowError::Store(StoreError::Layout(_))),
        "{not_a_layout}"
    );
}

#[tokio::test]
async fn a_registry_image_opens_by_digest_and_by_tag() {
    let registry = Registry::start();
    let client = anonymous();
    let repository = reference(&registry.host, "team/app");
    let digest = push(&client, &repository, &make_image("one"), "v1").await;

    let (store, by_digest) = open(&format!("{}/team/app@{digest}", registry.host))
        .await
        .unwrap();
    assert!(matches!(store, AnyStore::Registry(_)));
    assert_eq!(by_digest.name, format!("{}/team/app", registry.host));
    assert_eq!(by_digest.digest, digest);
    assert_eq!(by_digest.resolved_tag, None);

    let (_, by_tag) = open(&format!("{}/team/app:v1", registry.host))
        .await
        .unwrap();
    assert_eq!(by_tag.digest, digest);
    assert_eq!(
        by_tag.resolved_tag.map(|t| t.to_string()).as_deref(),
        Some("v1")
    );

    let missing = open(&format!("{}/team/app:v2", registry.host))
        .await
        .unwrap_err();
    assert!(
        matches!(missing, FlowError::ImageNotFound { .. }),
        "{missing}"
    );
}
