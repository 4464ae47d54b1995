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

#[test]
fn an_adopted_blob_must_match_its_descriptor() {
    use sigchain_oci::layout::oci_spec::image::MediaType;
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let content = b"a layer, written in pieces";
    let descriptor = sigchain_oci::layout::descriptor_for(MediaType::ImageLayerGzip, content);

    // Other bytes than the descriptor names: refused, and nothing is left behind.
    let mut wrong = layout.blob_temp_file().unwrap();
    wrong.write_all(b"a layer, written in pieceS").unwrap();
    let temp_path = wrong.path().to_owned();
    assert!(layout.adopt_blob(&descriptor, wrong).is_err());
    assert!(!temp_path.exists());
    assert!(!layout.has_blob(&descriptor).unwrap());

    let mut right = layout.blob_temp_file().unwrap();
    right.write_all(&content[..8]).unwrap();
    right.write_all(&content[8..]).unwrap();
    layout.adopt_blob(&descriptor, right).unwrap();
    assert_eq!(layout.get_blob(&descriptor).unwrap(), content);
}
