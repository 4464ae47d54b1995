//! What the registry client's tests share: the test image pushed with the client, and
//! clients and references for a test registry.

use oci_spec::image::Descriptor;
use sigchain_oci::client::{ClientConfig, CredentialsSource, RegistryClient};
use sigchain_oci::layout::OciLayout;
use sigchain_oci::reference::{Digest, Reference, Tag};
use sigchain_oci::store::ManifestRef;

use super::image::{write_test_image, TestImage};

pub fn anonymous() -> RegistryClient {
    RegistryClient::new(ClientConfig {
        credentials: CredentialsSource::Anonymous,
        max_attempts: 1,
        ..ClientConfig::default()
    })
    .unwrap()
}

pub fn reference(host: &str, rest: &str) -> Reference {
    Reference::parse(&format!("{host}/{rest}")).unwrap()
}

/// The test image, made in a scratch layout, with its blobs' bytes.
pub struct Image {
    pub image: TestImage,
    pub config_bytes: Vec<u8>,
    pub layer_bytes: Vec<u8>,
    _dir: tempfile::TempDir,
}

pub fn make_image(seed: &str) -> Image {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let image = write_test_image(&layout, seed);
    let config_bytes = layout.get_blob(&image.config).unwrap();
    let layer_bytes = layout.get_blob(&image.layer).unwrap();
    Image {
        image,
        config_bytes,
        layer_bytes,
        _dir: dir,
    }
}

pub fn digest_of(descriptor: &Descriptor) -> Digest {
    Digest::parse(descriptor.digest().as_ref()).unwrap()
}

/// Push `image` to `repository` under `tag`: the config monolithic, the layer in chunks of
/// 100 bytes.
pub async fn push(
    client: &RegistryClient,
    repository: &Reference,
    image: &Image,
    tag: &str,
) -> Digest {
    let config = client
        .put_blob_monolithic(repository, &image.config_bytes)
        .await
        .unwrap();
    assert_eq!(config, digest_of(&image.image.config));
    let layer = client
        .put_blob_chunked(repository, &image.layer_bytes, 100)
        .await
        .unwrap();
    assert_eq!(layer, digest_of(&image.image.layer));
    client
        .put_manifest(
            repository,
            &ManifestRef::Tag(Tag::parse(tag).unwrap()),
            "application/vnd.oci.image.manifest.v1+json",
            image.image.manifest_bytes.clone(),
        )
        .await
        .unwrap()
}
