//! Unit tests of the layout: each check has a test that fails if the check is removed.

use std::collections::BTreeMap;

use oci_spec::image::{ImageManifestBuilder, MediaType, ANNOTATION_REF_NAME};
use proptest::prelude::*;

use super::*;

const CONFIG: &[u8] =
    br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;

fn named(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(ANNOTATION_REF_NAME.to_owned(), name.to_owned())])
}

fn image_manifest(layout: &OciLayout, layer: &[u8]) -> Vec<u8> {
    let config = layout.put_blob(MediaType::ImageConfig, CONFIG).unwrap();
    let layer = layout.put_blob(MediaType::ImageLayer, layer).unwrap();
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config)
        .layers(vec![layer])
        .build()
        .unwrap();
    serde_json::to_vec(&manifest).unwrap()
}

fn blob_file(layout: &OciLayout, descriptor: &Descriptor) -> PathBuf {
    layout
        .path()
        .join("blobs/sha256")
        .join(descriptor.digest().digest())
}

#[test]
fn create_writes_marker_and_empty_index_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    assert_eq!(
        fs::read(dir.path().join("oci-layout")).unwrap(),
        br#"{"imageLayoutVersion":"1.0.0"}"#
    );
    assert!(layout.manifests().unwrap().is_empty());
    assert!(dir.path().join("blobs/sha256").is_dir());
    OciLayout::create(dir.path()).unwrap();
    OciLayout::open(dir.path()).unwrap();
}

#[test]
fn open_refuses_a_directory_without_oci_layout() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        OciLayout::open(dir.path()),
        Err(LayoutError::NotALayout { .. })
    ));
}

#[test]
fn open_refuses_an_unknown_layout_version() {
    let dir = tempfile::tempdir().unwrap();
    OciLayout::create(dir.path()).unwrap();
    fs::write(
        dir.path().join("oci-layout"),
        br#"{"imageLayoutVersion":"9.0.0"}"#,
    )
    .unwrap();
    assert!(matches!(
        OciLayout::open(dir.path()),
        Err(LayoutError::UnsupportedLayoutVersion { .. })
    ));
}

#[test]
fn put_blob_is_idempotent_and_get_blob_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let first = layout.put_blob(MediaType::ImageConfig, CONFIG).unwrap();
    let second = layout.put_blob(MediaType::ImageConfig, CONFIG).unwrap();
    assert_eq!(first, second);
    assert_eq!(layout.get_blob(&first).unwrap(), CONFIG);
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("blobs/sha256"))
        .unwrap()
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left behind");
}

#[test]
fn put_blob_replaces_a_corrupt_file() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let descriptor = layout.put_blob(MediaType::ImageConfig, CONFIG).unwrap();
    let mut corrupt = CONFIG.to_vec();
    corrupt[0] = b'[';
    fs::write(blob_file(&layout, &descriptor), &corrupt).unwrap();
    layout.put_blob(MediaType::ImageConfig, CONFIG).unwrap();
    assert_eq!(layout.get_blob(&descriptor).unwrap(), CONFIG);
}

#[test]
fn get_blob_refuses_changed_content_of_the_same_size() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let descriptor = layout.put_blob(MediaType::ImageConfig, CONFIG).unwrap();
    let mut changed = CONFIG.to_vec();
    changed[1] ^= 1;
    fs::write(blob_file(&layout, &descriptor), &changed).unwrap();
    assert!(matches!(
        layout.get_blob(&descriptor),
        Err(LayoutError::DigestMismatch { .. })
    ));
}

#[test]
fn get_blob_refuses_a_longer_or_shorter_file() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let descriptor = layout.put_blob(MediaType::ImageConfig, CONFIG).unwrap();
    let mut longer = CONFIG.to_vec();
    longer.extend_from_slice(&[b' '; 4096]);
    fs::write(blob_file(&layout, &descriptor), &longer).unwrap();
    match layout.get_blob(&descriptor) {
        Err(LayoutError::SizeMismatch { found, .. }) => {
            assert_eq!(found, descriptor.size() + 1, "read stops one past")
        }
        other => panic!("{other:?}"),
    }
    fs::write(blob_file(&layout, &descriptor), &CONFIG[..10]).unwrap();
    assert!(matches!(
        layout.get_blob(&descriptor),
        Err(LayoutError::SizeMismatch { .. })
    ));
}

#[test]
fn get_blob_refuses_a_descriptor_over_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let limits = LayoutLimits {
        max_blob_bytes: 8,
        ..LayoutLimits::default()
    };
    let layout = OciLayout::create_with_limits(dir.path(), limits).unwrap();
    let descriptor = layout.put_blob(MediaType::ImageConfig, CONFIG).unwrap();
    assert!(matches!(
        layout.get_blob(&descriptor),
        Err(LayoutError::TooLarge { .. })
    ));
}

#[test]
fn get_blob_refuses_a_digest_that_would_leave_the_blob_directory() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    // oci-spec accepts unknown algorithms with `-`, `_`, `=` in the value; the layout must not.
    for digest in [
        "sha256x:..",
        "sha384:abc",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
    ] {
        if let Ok(digest) = oci_spec::image::Digest::try_from(digest) {
            let descriptor = Descriptor::new(MediaType::ImageConfig, 2, digest);
            assert!(layout.get_blob(&descriptor).is_err(), "{descriptor:?}");
        }
    }
    // A value oci-spec lets through for an algorithm it does not know.
    let odd = oci_spec::image::Digest::try_from("sha256+x:AAAA-_=").unwrap();
    let descriptor = Descriptor::new(MediaType::ImageConfig, 2, odd);
    assert!(matches!(
        layout.get_blob(&descriptor),
        Err(LayoutError::UnsupportedDigestAlgorithm { .. })
    ));
}

#[test]
fn put_manifest_lists_and_resolve_finds_by_name_and_digest() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let manifest = image_manifest(&layout, b"layer one");
    let descriptor = layout.put_manifest(&manifest, named("v1")).unwrap();
    assert_eq!(descriptor.media_type(), &MediaType::ImageManifest);
    assert_eq!(layout.resolve("v1").unwrap(), descriptor);
    assert_eq!(
        layout.resolve(descriptor.digest().as_ref()).unwrap(),
        descriptor
    );
    assert!(matches!(
        layout.resolve("v2"),
        Err(LayoutError::NotFound { .. })
    ));
    match layout.get_manifest(&descriptor).unwrap() {
        Manifest::Image { kind, manifest } => {
            assert_eq!(kind, ManifestKind::OciImage);
            assert_eq!(manifest.layers().len(), 1);
        }
        other => panic!("{other:?}"),
    }
    // The same manifest again: not listed twice.
    layout.put_manifest(&manifest, named("v1")).unwrap();
    assert_eq!(layout.manifests().unwrap().len(), 1);
}

#[test]
fn put_manifest_moves_a_name_to_the_new_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let old = layout
        .put_manifest(&image_manifest(&layout, b"old"), named("latest"))
        .unwrap();
    let new = layout
        .put_manifest(&image_manifest(&layout, b"new"), named("latest"))
        .unwrap();
    assert_ne!(old.digest(), new.digest());
    assert_eq!(layout.resolve("latest").unwrap(), new);
    assert_eq!(layout.manifests().unwrap().len(), 1);
    assert!(
        layout.has_blob(&old).unwrap(),
        "the old manifest's blob stays"
    );
}

#[test]
fn put_manifest_refuses_a_manifest_whose_blobs_are_missing() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let manifest = image_manifest(&layout, b"layer");
    let parsed = parse_manifest(&manifest, None, &LayoutLimits::default()).unwrap();
    let layer = parsed.references()[1].clone();
    fs::remove_file(blob_file(&layout, &layer)).unwrap();
    assert!(matches!(
        layout.put_manifest(&manifest, named("x")),
        Err(LayoutError::MissingBlob { .. })
    ));
    assert!(layout.manifests().unwrap().is_empty());
}

#[test]
fn resolve_refuses_a_name_listed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let a = layout
        .put_manifest(&image_manifest(&layout, b"a"), named("a"))
        .unwrap();
    let b = layout
        .put_manifest(&image_manifest(&layout, b"b"), named("b"))
        .unwrap();
    let mut index = layout.index().unwrap();
    let mut b_as_a = b.clone();
    b_as_a.set_annotations(a.annotations().clone());
    index.set_manifests(vec![a, b_as_a]);
    layout.write_index(&index).unwrap();
    assert!(matches!(
        layout.resolve("a"),
        Err(LayoutError::AmbiguousName { count: 2, .. })
    ));
}

#[test]
fn index_over_the_limit_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let limits = LayoutLimits {
        max_index_bytes: 64,
        ..LayoutLimits::default()
    };
    let layout = OciLayout::create_with_limits(dir.path(), limits).unwrap();
    fs::write(dir.path().join("index.json"), vec![b' '; 10_000]).unwrap();
    match layout.index() {
        Err(LayoutError::TooLarge { size, limit, .. }) => assert_eq!((size, limit), (65, 64)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn parse_index_checks_schema_media_type_entries_and_digests() {
    let limits = LayoutLimits::default();
    let good = br#"{"schemaVersion":2,"manifests":[]}"#;
    parse_index(good, &limits).unwrap();
    assert!(matches!(
        parse_index(br#"{"schemaVersion":1,"manifests":[]}"#, &limits),
        Err(LayoutError::SchemaVersion { found: 1, .. })
    ));
    assert!(matches!(
        parse_index(br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]}"#, &limits),
        Err(LayoutError::MediaTypeMismatch { .. })
    ));
    let one = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,"digest":"sha256:{}"}}]}}"#,
        "a".repeat(64)
    );
    parse_index(one.as_bytes(), &limits).unwrap();
    let few = LayoutLimits {
        max_index_entries: 0,
        ..limits
    };
    assert!(matches!(
        parse_index(one.as_bytes(), &few),
        Err(LayoutError::TooManyEntries { .. })
    ));
    let other_algorithm = one.replace(
        &format!("sha256:{}", "a".repeat(64)),
        &format!("sha512:{}", "a".repeat(128)),
    );
    assert!(matches!(
        parse_index(other_algorithm.as_bytes(), &limits),
        Err(LayoutError::UnsupportedDigestAlgorithm { .. })
    ));
    assert!(matches!(
        parse_index(b"{", &limits),
        Err(LayoutError::Malformed { .. })
    ));
}

#[test]
fn parse_manifest_reads_docker_schema_2() {
    let limits = LayoutLimits::default();
    let hex = "b".repeat(64);
    let docker = format!(
        r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST_V2}","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:{hex}"}},"layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":3,"digest":"sha256:{hex}"}}]}}"#
    );
    assert_eq!(
        parse_manifest(docker.as_bytes(), None, &limits)
            .unwrap()
            .kind(),
        ManifestKind::DockerImage
    );
    let list = format!(
        r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST_LIST_V2}","manifests":[{{"mediaType":"{DOCKER_MANIFEST_V2}","size":3,"digest":"sha256:{hex}","platform":{{"architecture":"amd64","os":"linux"}}}}]}}"#
    );
    assert_eq!(
        parse_manifest(list.as_bytes(), None, &limits)
            .unwrap()
            .kind(),
        ManifestKind::DockerList
    );
}

#[test]
fn parse_manifest_refuses_kind_confusion() {
    let limits = LayoutLimits::default();
    let hex = "c".repeat(64);
    let image = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:{hex}"}},"layers":[]}}"#
    );
    parse_manifest(image.as_bytes(), Some(&MediaType::ImageManifest), &limits).unwrap();
    assert!(matches!(
        parse_manifest(image.as_bytes(), Some(&MediaType::ImageIndex), &limits),
        Err(LayoutError::MediaTypeMismatch { .. })
    ));
    let untyped = image.replace(
        r#""mediaType":"application/vnd.oci.image.manifest.v1+json","#,
        "",
    );
    assert_eq!(
        parse_manifest(untyped.as_bytes(), None, &limits)
            .unwrap()
            .kind(),
        ManifestKind::OciImage
    );
    // Untyped, but read as an index because its descriptor said so: it has a config, so no.
    assert!(matches!(
        parse_manifest(untyped.as_bytes(), Some(&MediaType::ImageIndex), &limits),
        Err(LayoutError::AmbiguousManifest)
    ));
    let both = untyped.replace(r#""layers":[]"#, r#""layers":[],"manifests":[]"#);
    assert!(matches!(
        parse_manifest(both.as_bytes(), None, &limits),
        Err(LayoutError::AmbiguousManifest)
    ));
    assert!(matches!(
        parse_manifest(br#"{"schemaVersion":2}"#, None, &limits),
        Err(LayoutError::AmbiguousManifest)
    ));
    assert!(matches!(
        parse_manifest(image.as_bytes(), Some(&MediaType::ImageConfig), &limits),
        Err(LayoutError::MediaTypeMismatch { .. })
    ));
    let config_typed = image.replace(
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.config.v1+json",
    );
    assert!(matches!(
        parse_manifest(config_typed.as_bytes(), None, &limits),
        Err(LayoutError::NotAManifest { .. })
    ));
    let v1 = image.replace(r#""schemaVersion":2"#, r#""schemaVersion":1"#);
    assert!(matches!(
        parse_manifest(v1.as_bytes(), None, &limits),
        Err(LayoutError::SchemaVersion { .. })
    ));
    let small = LayoutLimits {
        max_manifest_bytes: 10,
        ..limits
    };
    assert!(matches!(
        parse_manifest(image.as_bytes(), None, &small),
        Err(LayoutError::TooLarge { .. })
    ));
    let no_layers = LayoutLimits {
        max_layers: 0,
        ..limits
    };
    let one_layer = image.replace(
        r#""layers":[]"#,
        &format!(r#""layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":2,"digest":"sha256:{hex}"}}]"#),
    );
    assert!(matches!(
        parse_manifest(one_layer.as_bytes(), None, &no_layers),
        Err(LayoutError::TooManyEntries { .. })
    ));
    let bad_layer_digest = one_layer.replace(
        &format!("\"size\":2,\"digest\":\"sha256:{hex}\"}}]"),
        "\"size\":2,\"digest\":\"md5:d41d8cd98f00b204e9800998ecf8427e\"}]",
    );
    assert!(matches!(
        parse_manifest(bad_layer_digest.as_bytes(), None, &limits),
        Err(LayoutError::UnsupportedDigestAlgorithm { .. })
    ));
}

#[test]
fn parse_oci_layout_refuses_other_versions_and_big_files() {
    let limits = LayoutLimits::default();
    parse_oci_layout(br#"{"imageLayoutVersion":"1.0.0"}"#, &limits).unwrap();
    assert!(matches!(
        parse_oci_layout(br#"{"imageLayoutVersion":"1.1.0"}"#, &limits),
        Err(LayoutError::UnsupportedLayoutVersion { .. })
    ));
    assert!(matches!(
        parse_oci_layout(b"{}", &limits),
        Err(LayoutError::Malformed { .. })
    ));
    let big = format!(
        r#"{{"imageLayoutVersion":"1.0.0","x":"{}"}}"#,
        " ".repeat(5000)
    );
    assert!(matches!(
        parse_oci_layout(big.as_bytes(), &limits),
        Err(LayoutError::TooLarge { .. })
    ));
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let limits = LayoutLimits::default();
        let _ = parse_oci_layout(&bytes, &limits);
        let _ = parse_index(&bytes, &limits);
        for expected in [None, Some(MediaType::ImageManifest), Some(MediaType::ImageIndex), Some(MediaType::Other(DOCKER_MANIFEST_V2.into()))] {
            let _ = parse_manifest(&bytes, expected.as_ref(), &limits);
        }
    }

    #[test]
    fn parsers_never_panic_on_json_like_text(
        text in r#"\{("(schemaVersion|mediaType|manifests|config|layers|digest|size|annotations|imageLayoutVersion)":(2|1|"[a-z0-9:./+]{0,80}"|\[\]|\{\}|-1|18446744073709551616),?){0,8}\}"#
    ) {
        let limits = LayoutLimits::default();
        let _ = parse_oci_layout(text.as_bytes(), &limits);
        let _ = parse_index(text.as_bytes(), &limits);
        let _ = parse_manifest(text.as_bytes(), None, &limits);
    }

    #[test]
    fn content_checks_only_pass_the_described_content(content in proptest::collection::vec(any::<u8>(), 0..256), flip in any::<usize>()) {
        let descriptor = descriptor_for(MediaType::ImageLayer, &content);
        prop_assert!(check_content(&descriptor, &content).is_ok());
        if !content.is_empty() {
            let mut changed = content.clone();
            let i = flip % changed.len();
            changed[i] ^= 0x01;
            prop_assert!(check_content(&descriptor, &changed).is_err());
            prop_assert!(check_content(&descriptor, &content[..content.len() - 1]).is_err());
        }
    }

    #[test]
    fn parsed_index_round_trips(count in 0usize..5, hex in "[0-9a-f]{64}", size in any::<u64>()) {
        let entries: Vec<String> = (0..count).map(|i| format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":{size},"digest":"sha256:{hex}","annotations":{{"org.opencontainers.image.ref.name":"n{i}"}}}}"#
        )).collect();
        let text = format!(r#"{{"schemaVersion":2,"manifests":[{}]}}"#, entries.join(","));
        let index = parse_index(text.as_bytes(), &LayoutLimits::default()).unwrap();
        prop_assert_eq!(index.manifests().len(), count);
        let again = parse_index(&serde_json::to_vec(&index).unwrap(), &LayoutLimits::default()).unwrap();
        prop_assert_eq!(again, index);
    }
}

#[test]
fn parse_index_refuses_bytes_over_the_limit() {
    let limits = LayoutLimits {
        max_index_bytes: 10,
        ..LayoutLimits::default()
    };
    assert!(matches!(
        parse_index(br#"{"schemaVersion":2,"manifests":[]}"#, &limits),
        Err(LayoutError::TooLarge {
            what: "index.json",
            ..
        })
    ));
}

#[test]
fn parse_manifest_refuses_an_image_manifest_with_manifests() {
    let hex = "d".repeat(64);
    let typed = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:{hex}"}},"layers":[],"manifests":[]}}"#
    );
    assert!(matches!(
        parse_manifest(typed.as_bytes(), None, &LayoutLimits::default()),
        Err(LayoutError::AmbiguousManifest)
    ));
}

#[test]
fn put_manifest_refuses_to_grow_the_index_past_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let limits = LayoutLimits {
        max_index_entries: 1,
        ..LayoutLimits::default()
    };
    let layout = OciLayout::create_with_limits(dir.path(), limits).unwrap();
    layout
        .put_manifest(&image_manifest(&layout, b"a"), named("a"))
        .unwrap();
    assert!(matches!(
        layout.put_manifest(&image_manifest(&layout, b"b"), named("b")),
        Err(LayoutError::TooManyEntries { .. })
    ));
    assert_eq!(layout.manifests().unwrap().len(), 1);
}

#[test]
fn resolve_refuses_a_malformed_digest() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    assert!(matches!(
        layout.resolve("sha256:../../x"),
        Err(LayoutError::InvalidDigest { .. })
    ));
}
