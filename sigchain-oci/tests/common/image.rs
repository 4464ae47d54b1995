//! A small but real container image written into a layout: one config blob and one tar.gz
//! layer of a few files made in memory, byte-for-byte the same on every run.

use std::collections::BTreeMap;
use std::io::Write;

use oci_spec::image::{Descriptor, ImageManifestBuilder, MediaType, ANNOTATION_REF_NAME};
use sigchain_oci::layout::OciLayout;
use sigchain_oci::sigchain_core::crypto::Sha256Digest;

/// What [`write_test_image`] stored.
pub struct TestImage {
    /// The manifest's descriptor, as listed in `index.json`.
    pub manifest: Descriptor,
    /// The manifest's exact bytes.
    pub manifest_bytes: Vec<u8>,
    /// The config blob's descriptor.
    pub config: Descriptor,
    /// The layer's descriptor.
    pub layer: Descriptor,
    /// The files in the layer (path, content).
    pub files: Vec<(&'static str, Vec<u8>)>,
}

/// The files of the test image's layer; `seed` changes their content so several distinct
/// images can share a layout.
pub fn test_files(seed: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "etc/os-release",
            format!("NAME=sigchain-test\nID=sigchain\nVERSION_ID={seed}\n").into_bytes(),
        ),
        (
            "usr/bin/hello",
            format!("#!/bin/sh\necho hello {seed}\n").into_bytes(),
        ),
        (
            "README",
            b"An image made by sigchain-oci's tests.\n".to_vec(),
        ),
    ]
}

/// An uncompressed tar of `files` with fixed metadata (mtime 0, root-owned, 0644/0755).
pub fn tar_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(if path.contains("bin/") { 0o755 } else { 0o644 });
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, path, content.as_slice())
            .expect("tar entry");
    }
    builder.into_inner().expect("tar")
}

/// `bytes` gzipped with no timestamp or file name, so the result depends only on the input.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// Write the test image into `layout`, listed under `name`
/// (`org.opencontainers.image.ref.name`).
pub fn write_test_image(layout: &OciLayout, name: &str) -> TestImage {
    let files = test_files(name);
    let tar = tar_of(&files);
    let diff_id = Sha256Digest::of(&tar);
    let layer = layout
        .put_blob(MediaType::ImageLayerGzip, &gzip(&tar))
        .expect("layer");
    let config_json = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{"Cmd":["/usr/bin/hello"]}},"rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}},"history":[{{"created_by":"sigchain-oci tests"}}]}}"#
    );
    let config = layout
        .put_blob(MediaType::ImageConfig, config_json.as_bytes())
        .expect("config");
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config.clone())
        .layers(vec![layer.clone()])
        .build()
        .expect("manifest");
    let manifest_bytes = serde_json::to_vec(&manifest).expect("manifest JSON");
    let annotations = BTreeMap::from([(ANNOTATION_REF_NAME.to_owned(), name.to_owned())]);
    let manifest = layout
        .put_manifest(&manifest_bytes, annotations)
        .expect("put_manifest");
    TestImage {
        manifest,
        manifest_bytes,
        config,
        layer,
        files,
    }
}
