//! skopeo as the independent referee of the image layout: it copies and inspects a layout
//! sigchain wrote, and sigchain reads layouts skopeo wrote (OCI and Docker schema 2
//! manifests). skopeo works on layouts offline.
//!
//! The tests fail, never skip, without skopeo (Debian package `skopeo`;
//! `scripts/test-all.sh` installs it); `SIGCHAIN_SKOPEO` may name the binary.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use oci_spec::image::{MediaType, ANNOTATION_REF_NAME};
use sigchain_oci::layout::{LayoutError, Manifest, ManifestKind, OciLayout, DOCKER_MANIFEST_V2};

fn skopeo(args: &[&str]) -> Vec<u8> {
    let program = std::env::var("SIGCHAIN_SKOPEO").unwrap_or_else(|_| "skopeo".to_owned());
    let output = Command::new(&program)
        // No policy file is needed to copy between two local layouts.
        .arg("--insecure-policy")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): install skopeo (Debian: apt-get install skopeo) or set SIGCHAIN_SKOPEO")
        });
    assert!(
        output.status.success(),
        "skopeo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn oci(dir: &Path, name: &str) -> String {
    format!("oci:{}:{name}", dir.display())
}

/// Every blob a manifest (and, for an index, its manifests) refers to reads back checked.
fn read_everything(layout: &OciLayout, name: &str) -> Manifest {
    let descriptor = layout.resolve(name).unwrap();
    let manifest = layout.get_manifest(&descriptor).unwrap();
    for reference in manifest.references() {
        layout.get_blob(reference).unwrap();
    }
    manifest
}

#[test]
fn skopeo_inspects_and_copies_a_layout_sigchain_wrote() {
    let ours = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(ours.path()).unwrap();
    let image = common::image::write_test_image(&layout, "demo");

    let raw = skopeo(&["inspect", "--raw", &oci(ours.path(), "demo")]);
    assert_eq!(raw, image.manifest_bytes);
    let inspected: serde_json::Value =
        serde_json::from_slice(&skopeo(&["inspect", &oci(ours.path(), "demo")])).unwrap();
    assert_eq!(inspected["Digest"], image.manifest.digest().to_string());
    assert_eq!(
        inspected["Layers"],
        serde_json::json!([image.layer.digest().to_string()])
    );
    assert_eq!(inspected["Architecture"], "amd64");

    let copy = tempfile::tempdir().unwrap();
    skopeo(&[
        "copy",
        "--quiet",
        &oci(ours.path(), "demo"),
        &oci(copy.path(), "demo"),
    ]);
    let copied = OciLayout::open(copy.path()).unwrap();
    let descriptor = copied.resolve("demo").unwrap();
    assert_eq!(
        descriptor.digest(),
        image.manifest.digest(),
        "an OCI-to-OCI copy keeps the manifest"
    );
    assert_eq!(copied.get_blob(&descriptor).unwrap(), image.manifest_bytes);
    read_everything(&copied, "demo");
}

#[test]
fn sigchain_reads_a_layout_skopeo_wrote_and_adds_to_it() {
    let source = tempfile::tempdir().unwrap();
    common::image::write_test_image(&OciLayout::create(source.path()).unwrap(), "demo");

    // skopeo makes the layout (its own oci-layout and index.json), and rewrites the manifest
    // as Docker schema 2 on the way.
    let theirs = tempfile::tempdir().unwrap();
    let target = theirs.path().join("layout");
    skopeo(&[
        "copy",
        "--quiet",
        "--format",
        "v2s2",
        &oci(source.path(), "demo"),
        &oci(&target, "docker"),
    ]);
    skopeo(&[
        "copy",
        "--quiet",
        &oci(source.path(), "demo"),
        &oci(&target, "oci"),
    ]);

    let layout = OciLayout::open(&target).unwrap();
    assert_eq!(layout.manifests().unwrap().len(), 2);
    let docker = read_everything(&layout, "docker");
    assert_eq!(docker.kind(), ManifestKind::DockerImage);
    assert_eq!(
        layout.resolve("docker").unwrap().media_type(),
        &MediaType::Other(DOCKER_MANIFEST_V2.to_owned())
    );
    assert_eq!(
        read_everything(&layout, "oci").kind(),
        ManifestKind::OciImage
    );
    let by_digest = layout.resolve("docker").unwrap();
    assert_eq!(
        layout
            .resolve(by_digest.digest().as_ref())
            .unwrap()
            .digest(),
        by_digest.digest()
    );
    assert!(matches!(
        layout.resolve("missing"),
        Err(LayoutError::NotFound { .. })
    ));

    // A second name, written by sigchain, for skopeo's OCI manifest is one skopeo resolves.
    // (Not for the Docker one: skopeo 1.9.3 lists only OCI-typed entries of index.json when it
    // looks a name up, so it cannot find even its own "docker" entry again.)
    let oci_manifest = layout.resolve("oci").unwrap();
    let bytes = layout.get_blob(&oci_manifest).unwrap();
    let annotations = BTreeMap::from([(ANNOTATION_REF_NAME.to_owned(), "again".to_owned())]);
    layout.put_manifest(&bytes, annotations).unwrap();
    assert_eq!(skopeo(&["inspect", "--raw", &oci(&target, "again")]), bytes);
    assert_eq!(skopeo(&["inspect", "--raw", &oci(&target, "oci")]), bytes);
    assert_eq!(layout.manifests().unwrap().len(), 3);
}

#[test]
fn a_blob_changed_after_skopeo_wrote_it_is_refused() {
    let source = tempfile::tempdir().unwrap();
    let image = common::image::write_test_image(&OciLayout::create(source.path()).unwrap(), "demo");
    let theirs = tempfile::tempdir().unwrap();
    skopeo(&[
        "copy",
        "--quiet",
        &oci(source.path(), "demo"),
        &oci(theirs.path(), "demo"),
    ]);
    let layout = OciLayout::open(theirs.path()).unwrap();
    let layer_path = theirs
        .path()
        .join("blobs/sha256")
        .join(image.layer.digest().digest());
    let mut layer = std::fs::read(&layer_path).unwrap();
    let last = layer.len() - 1;
    layer[last] ^= 0xff;
    std::fs::write(&layer_path, layer).unwrap();
    assert!(matches!(
        layout.get_blob(&image.layer),
        Err(LayoutError::DigestMismatch { .. })
    ));
}
