//! A one-layer image built in memory into an OCI layout, for the tests that scan, push or
//! attest an image.

use std::io::Write;
use std::path::Path;

use sigchain_oci::layout::oci_spec::image::{ImageManifestBuilder, MediaType, ANNOTATION_REF_NAME};
use sigchain_oci::layout::OciLayout;

/// The uncompressed layer: each file at its path, mode 0644.
pub fn layer_tar(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, path, content.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// An amd64 Linux image of one gzip layer holding `files`, in a new OCI layout at `dir`,
/// tagged `v1`; its manifest digest.
pub fn layout_image(dir: &Path, files: &[(&str, &str)]) -> String {
    let tar = layer_tar(files);
    let diff_id = format!(
        "sha256:{}",
        sigchain_core::crypto::Sha256Digest::of(&tar).to_hex()
    );
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&tar).unwrap();
    let layout = OciLayout::create(dir).unwrap();
    let layer = layout
        .put_blob(MediaType::ImageLayerGzip, &gzip.finish().unwrap())
        .unwrap();
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    });
    let config = layout
        .put_blob(MediaType::ImageConfig, config.to_string().as_bytes())
        .unwrap();
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config)
        .layers(vec![layer])
        .build()
        .unwrap();
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let name = [(ANNOTATION_REF_NAME.to_owned(), "v1".to_owned())].into();
    layout
        .put_manifest(&bytes, name)
        .unwrap()
        .digest()
        .to_string()
}

/// Copy the layout's `v1` image to `host/repository:v1` with skopeo (plain HTTP); its
/// manifest digest in the registry.
pub fn push(layout: &Path, host: &str, repository: &str) -> String {
    let destination = format!("docker://{host}/{repository}:v1");
    super::skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:v1", layout.display()),
        &destination,
    ]);
    super::skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--format",
        "{{.Digest}}",
        &destination,
    ])
    .trim()
    .to_owned()
}
