//! The test image helper against the layout's own reader.

mod common;

use std::io::Read;

use sigchain_oci::layout::{Manifest, OciLayout};

#[test]
fn the_test_image_reads_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let image = common::image::write_test_image(&layout, "demo");
    let layout = OciLayout::open(dir.path()).unwrap();
    let descriptor = layout.resolve("demo").unwrap();
    assert_eq!(descriptor, image.manifest);
    assert_eq!(layout.get_blob(&descriptor).unwrap(), image.manifest_bytes);
    let Manifest::Image { manifest, .. } = layout.get_manifest(&descriptor).unwrap() else {
        panic!("an image manifest")
    };
    assert_eq!(manifest.config(), &image.config);
    let layer = layout.get_blob(&manifest.layers()[0]).unwrap();
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(layer.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut found = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        found.push((
            entry.path().unwrap().to_string_lossy().into_owned(),
            content,
        ));
    }
    let expected: Vec<_> = image
        .files
        .iter()
        .map(|(p, c)| (p.to_string(), c.clone()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn the_test_image_is_the_same_bytes_every_time() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = common::image::write_test_image(&OciLayout::create(a.path()).unwrap(), "demo");
    let second = common::image::write_test_image(&OciLayout::create(b.path()).unwrap(), "demo");
    assert_eq!(first.manifest.digest(), second.manifest.digest());
}
