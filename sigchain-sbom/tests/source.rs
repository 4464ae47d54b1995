//! Sources read end to end: layers built in memory (tar, gzip, zstd), an OCI layout made with
//! `OciLayout`, a docker archive, and hostile archives.

use std::collections::BTreeMap;
use std::io::Write;

use sigchain_oci::layout::oci_spec::image::{ImageManifestBuilder, MediaType};
use sigchain_oci::layout::OciLayout;
use sigchain_sbom::driver::catalog_source;
use sigchain_sbom::model::{Cataloger, Found, Package, PackageType};
use sigchain_sbom::source::{Source, SourceError, SourceLimits};

/// Records each `NAME VERSION` line of any `*pkgs.txt` file as a package.
struct LinesCataloger {
    max: u64,
}

impl Cataloger for LinesCataloger {
    fn name(&self) -> &'static str {
        "lines"
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with("pkgs.txt")
    }
    fn max_file_bytes(&self) -> u64 {
        self.max
    }
    fn catalog(&self, _path: &str, content: &[u8]) -> Found {
        let mut found = Found::default();
        for line in String::from_utf8_lossy(content).lines() {
            match line.split_once(' ') {
                Some((name, version)) => found.packages.push(Package {
                    name: name.to_owned(),
                    version: version.to_owned(),
                    package_type: Some(PackageType::Npm),
                    ..Package::default()
                }),
                None => found.warnings.push(format!("bad line {line:?}")),
            }
        }
        found
    }
}

const LINES: LinesCataloger = LinesCataloger { max: 1024 };

enum E<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
}

/// A tar with names written byte for byte (the builder's own path checks would refuse the
/// hostile ones this test needs).
fn tar(entries: &[E]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        let (name, kind, data, link): (&str, _, &[u8], Option<&str>) = match entry {
            E::File(n, d) => (n, tar::EntryType::Regular, d, None),
            E::Dir(n) => (n, tar::EntryType::Directory, b"", None),
            E::Symlink(n, t) => (n, tar::EntryType::Symlink, b"", Some(t)),
            E::HardLink(n, t) => (n, tar::EntryType::Link, b"", Some(t)),
        };
        let raw = &mut header.as_old_mut().name;
        raw.fill(0);
        raw[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(link) = link {
            let raw = &mut header.as_old_mut().linkname;
            raw[..link.len()].copy_from_slice(link.as_bytes());
        }
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        sigchain_core::crypto::Sha256Digest::of(bytes).to_hex()
    )
}

/// Three layers: the base, a layer deleting and replacing things (zstd), a layer with an
/// opaque directory (uncompressed).
fn layers() -> Vec<Vec<u8>> {
    let base = tar(&[
        E::Dir("./etc/"),
        E::Symlink("./etc/os-release", "../usr/lib/os-release"),
        E::File("./usr/lib/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
        E::File("./kept/pkgs.txt", b"kept 1.0\n"),
        E::File("./deleted/pkgs.txt", b"deleted 1.0\n"),
        E::File("./deleted-dir/sub/pkgs.txt", b"deleted-dir 1.0\n"),
        E::File("./replaced/pkgs.txt", b"replaced 1.0\n"),
        E::File("./opaque/pkgs.txt", b"hidden-by-opaque 1.0\n"),
    ]);
    let second = tar(&[
        E::File("deleted/.wh.pkgs.txt", b""),
        E::File(".wh.deleted-dir", b""),
        E::File("replaced/pkgs.txt", b"replaced 2.0\n"),
        // A whiteout never hides its own layer's files.
        E::File("same/.wh.pkgs.txt", b""),
        E::File("same/pkgs.txt", b"same-layer 1.0\n"),
    ]);
    let third = tar(&[
        E::Dir("opaque/"),
        E::File("opaque/.wh..wh..opq", b""),
        E::File("opaque/new/pkgs.txt", b"opaque-new 1.0\n"),
    ]);
    vec![gzip(&base), zstd(&second), third]
}

fn names(catalog: &sigchain_sbom::model::Catalog) -> Vec<String> {
    catalog
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect()
}

fn oci_layout(dir: &std::path::Path, blobs: &[Vec<u8>], diff_ids: &[String]) {
    let layout = OciLayout::create(dir).unwrap();
    let config = serde_json::json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}});
    let config = layout
        .put_blob(MediaType::ImageConfig, config.to_string().as_bytes())
        .unwrap();
    let layers = blobs
        .iter()
        .map(|b| layout.put_blob(MediaType::ImageLayerGzip, b).unwrap())
        .collect::<Vec<_>>();
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config)
        .layers(layers)
        .build()
        .unwrap();
    layout
        .put_manifest(&serde_json::to_vec(&manifest).unwrap(), BTreeMap::new())
        .unwrap();
}

fn uncompressed_diff_ids() -> Vec<String> {
    layers()
        .iter()
        .map(|blob| {
            let mut out = Vec::new();
            let mut reader = decompress(blob);
            std::io::copy(&mut reader, &mut out).unwrap();
            sha256(&out)
        })
        .collect()
}

/// Decompressed independently of the crate's reader, so the diffIDs check it.
fn decompress(blob: &[u8]) -> Box<dyn std::io::Read + '_> {
    use sigchain_sbom::source::decompress::{sniff, Compression};
    match sniff(blob) {
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(blob)),
        Compression::Zstd => Box::new(zstd::Decoder::new(blob).unwrap()),
        Compression::None => Box::new(blob),
    }
}

/// With `file_digests`, every regular file of the final root has the digests of the content
/// a container would see: the replacing layer's, none for what a whiteout or an opaque
/// directory removed, none for symlinks; and the packages found are the same as without.
#[test]
fn file_digests_are_those_of_the_squashed_root() {
    let dir = tempfile::tempdir().unwrap();
    oci_layout(dir.path(), &layers(), &uncompressed_diff_ids());
    let source = Source::parse(&format!("oci-dir:{}", dir.path().display())).unwrap();
    let hashing = SourceLimits {
        file_digests: true,
        ..SourceLimits::default()
    };
    let catalog = catalog_source(&source, &[&LINES], &hashing).unwrap();
    let paths: Vec<&str> = catalog.file_digests.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "kept/pkgs.txt",
            "opaque/new/pkgs.txt",
            "replaced/pkgs.txt",
            "same/pkgs.txt",
            "usr/lib/os-release"
        ]
    );
    let replaced = &catalog.file_digests["replaced/pkgs.txt"];
    assert_eq!(
        format!("sha256:{}", replaced.sha256),
        sha256(b"replaced 2.0\n")
    );
    // `printf 'replaced 2.0\n' | sha1sum`
    assert_eq!(replaced.sha1, "fbee08e22886cfb4cdd3e932c7f9861326bb642c");
    let without = catalog_source(&source, &[&LINES], &SourceLimits::default()).unwrap();
    assert!(without.file_digests.is_empty());
    assert_eq!(without.packages, catalog.packages);
}

#[test]
fn oci_layout_squashes_whiteouts_opaque_dirs_and_replacements() {
    let dir = tempfile::tempdir().unwrap();
    let diff_ids = uncompressed_diff_ids();
    oci_layout(dir.path(), &layers(), &diff_ids);
    let source = Source::parse(&format!("oci-dir:{}", dir.path().display())).unwrap();
    let catalog = catalog_source(&source, &[&LINES], &SourceLimits::default()).unwrap();
    assert_eq!(
        names(&catalog),
        [
            "kept@1.0",
            "opaque-new@1.0",
            "replaced@2.0",
            "same-layer@1.0"
        ]
    );
    let distro = catalog.distro.as_ref().unwrap();
    assert_eq!(
        (distro.id.as_str(), distro.version_id.as_deref()),
        ("debian", Some("12"))
    );
    let replaced = catalog
        .packages
        .iter()
        .find(|p| p.name == "replaced")
        .unwrap();
    assert_eq!(
        replaced.locations[0].layer.as_deref(),
        Some(diff_ids[1].as_str())
    );
    assert_eq!(replaced.locations[0].path, "replaced/pkgs.txt");
    let kept = catalog.packages.iter().find(|p| p.name == "kept").unwrap();
    assert_eq!(
        kept.locations[0].layer.as_deref(),
        Some(diff_ids[0].as_str())
    );

    // Parallel and sequential reads give the same catalog.
    let sequential = SourceLimits {
        max_parallel_layers: 1,
        ..SourceLimits::default()
    };
    assert_eq!(
        catalog_source(&source, &[&LINES], &sequential).unwrap(),
        catalog
    );
    let wide = SourceLimits {
        max_parallel_layers: 8,
        ..SourceLimits::default()
    };
    assert_eq!(catalog_source(&source, &[&LINES], &wide).unwrap(), catalog);
}

#[test]
fn oci_layout_blob_not_matching_its_digest_fails() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = layers();
    oci_layout(dir.path(), &blobs, &uncompressed_diff_ids());
    // Replace the uncompressed third layer's bytes by other bytes of the same size.
    let hex = sha256(&blobs[2]);
    let path = dir
        .path()
        .join("blobs/sha256")
        .join(hex.trim_start_matches("sha256:"));
    let mut tampered = blobs[2].clone();
    // A byte of a file's content (after three 512-byte headers): the tar still parses.
    tampered[3 * 512] ^= 1;
    std::fs::write(&path, &tampered).unwrap();
    let source = Source::OciDir {
        dir: dir.path().to_owned(),
        image: None,
    };
    let error = catalog_source(&source, &[&LINES], &SourceLimits::default()).unwrap_err();
    assert!(
        matches!(error, SourceError::DigestMismatch { .. }),
        "{error}"
    );
}

#[test]
fn docker_archive_matches_oci_layout() {
    let blobs = layers();
    let diff_ids = uncompressed_diff_ids();
    let config = serde_json::json!({"rootfs": {"type": "layers", "diff_ids": diff_ids}});
    let names: Vec<String> = (0..blobs.len())
        .map(|i| format!("layer{i}/layer.tar"))
        .collect();
    let manifest =
        serde_json::json!([{"Config": "config.json", "RepoTags": ["x:1"], "Layers": names}]);
    let mut builder = tar::Builder::new(Vec::new());
    let add = |builder: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, data).unwrap();
    };
    add(&mut builder, "config.json", config.to_string().as_bytes());
    for (name, blob) in names.iter().zip(&blobs).skip(1) {
        add(&mut builder, name, blob);
    }
    // The first layer's member is a symlink to a copy elsewhere, as `docker save` writes a
    // layer shared with another image.
    add(&mut builder, "shared/layer.tar", &blobs[0]);
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    builder
        .append_link(&mut link, &names[0], "../shared/layer.tar")
        .unwrap();
    add(
        &mut builder,
        "manifest.json",
        manifest.to_string().as_bytes(),
    );
    let archive = builder.into_inner().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.tar");
    std::fs::write(&path, archive).unwrap();
    let catalog = catalog_source(
        &Source::DockerArchive(path),
        &[&LINES],
        &SourceLimits::default(),
    )
    .unwrap();

    let oci = tempfile::tempdir().unwrap();
    oci_layout(oci.path(), &blobs, &diff_ids);
    let from_layout = catalog_source(
        &Source::OciDir {
            dir: oci.path().to_owned(),
            image: None,
        },
        &[&LINES],
        &SourceLimits::default(),
    )
    .unwrap();
    // The same image either way; only its identity differs: `docker save` keeps no manifest.
    let (archive_image, layout_image) = (
        catalog.image.clone().unwrap(),
        from_layout.image.clone().unwrap(),
    );
    // (The two configs are written separately here, so their digests differ.)
    assert!(archive_image.config_digest.starts_with("sha256:"));
    assert!(layout_image.config_digest.starts_with("sha256:"));
    assert_eq!(archive_image.manifest_digest, None);
    assert!(layout_image.manifest_digest.unwrap().starts_with("sha256:"));
    assert_eq!(
        (&catalog.distro, &catalog.packages, &catalog.warnings),
        (
            &from_layout.distro,
            &from_layout.packages,
            &from_layout.warnings
        )
    );
}

fn catalog_tar(
    bytes: &[u8],
    limits: &SourceLimits,
) -> Result<sigchain_sbom::model::Catalog, SourceError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layer");
    std::fs::write(&path, bytes).unwrap();
    catalog_source(&Source::File(path), &[&LINES], limits)
}

#[test]
fn traversal_absolute_paths_and_links() {
    let layer = tar(&[
        E::File("../../etc/pkgs.txt", b"escaped 1.0\n"),
        E::File("a/../../pkgs.txt", b"escaped2 1.0\n"),
        E::File("/abs/pkgs.txt", b"absolute 1.0\n"),
        E::Symlink("out/pkgs.txt", "../../../../etc/passwd"),
        E::HardLink("hard/pkgs.txt", "abs/pkgs.txt"),
        E::File("bad/pkgs.txt", b"no-version-line\n"),
    ]);
    let catalog = catalog_tar(&gzip(&layer), &SourceLimits::default()).unwrap();
    assert_eq!(names(&catalog), ["absolute@1.0"]);
    assert_eq!(catalog.packages[0].locations[0].path, "abs/pkgs.txt");
    assert_eq!(catalog.packages[0].locations[0].layer, None);
    let warnings: Vec<(&str, &str)> = catalog
        .warnings
        .iter()
        .map(|w| (w.location.path.as_str(), w.message.as_str()))
        .collect();
    assert!(warnings
        .iter()
        .any(|(p, m)| *p == "../../etc/pkgs.txt" && m.contains("above the root")));
    assert!(warnings
        .iter()
        .any(|(p, m)| *p == "a/../../pkgs.txt" && m.contains("above the root")));
    assert!(warnings
        .iter()
        .any(|(p, m)| *p == "out/pkgs.txt" && m.contains("outside the root")));
    // A hard link's content was read under its target's name: no warning, no second package.
    assert!(!warnings.iter().any(|(p, _)| *p == "hard/pkgs.txt"));
    assert!(warnings
        .iter()
        .any(|(p, m)| *p == "bad/pkgs.txt" && m.starts_with("lines: bad line")));
}

#[test]
fn decompression_bomb_stops_with_an_error() {
    let big = vec![0u8; 4 * 1024 * 1024];
    let layer = tar(&[E::File("zeros", &big)]);
    let bomb = gzip(&layer);
    assert!(bomb.len() < 64 * 1024);
    let limits = SourceLimits {
        max_layer_bytes: 1024 * 1024,
        ..SourceLimits::default()
    };
    let error = catalog_tar(&bomb, &limits).unwrap_err();
    assert!(matches!(error, SourceError::TooManyBytes { .. }), "{error}");
    // Without the bound the same layer reads fine.
    assert!(catalog_tar(&bomb, &SourceLimits::default()).is_ok());
}

#[test]
fn too_many_entries_stops_with_an_error() {
    let files: Vec<String> = (0..50).map(|i| format!("f{i}")).collect();
    let entries: Vec<E> = files.iter().map(|f| E::File(f, b"")).collect();
    let limits = SourceLimits {
        max_entries: 10,
        ..SourceLimits::default()
    };
    let error = catalog_tar(&zstd(&tar(&entries)), &limits).unwrap_err();
    assert!(
        matches!(error, SourceError::TooManyEntries { limit: 10, .. }),
        "{error}"
    );
}

#[test]
fn malformed_gzip_is_an_error() {
    let mut layer = gzip(&tar(&[E::File("x/pkgs.txt", b"a 1\n")]));
    let middle = layer.len() / 2;
    layer[middle..].iter_mut().for_each(|b| *b = 0xAA);
    let error = catalog_tar(&layer, &SourceLimits::default()).unwrap_err();
    assert!(matches!(error, SourceError::Read { .. }), "{error}");
}

#[test]
fn huge_wanted_file_is_a_warning() {
    let big = vec![b'x'; 4096];
    let layer = tar(&[
        E::File("big/pkgs.txt", &big),
        E::File("ok/pkgs.txt", b"ok 1\n"),
    ]);
    let catalog = catalog_tar(&layer, &SourceLimits::default()).unwrap();
    assert_eq!(names(&catalog), ["ok@1"]);
    assert!(
        catalog
            .warnings
            .iter()
            .any(|w| w.location.path == "big/pkgs.txt"
                && w.message.contains("over the limit of 1024"))
    );
}

#[test]
fn directory_source_does_not_follow_symlinks() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("pkgs.txt"), "outside 1\n").unwrap();
    std::fs::create_dir_all(root.path().join("app")).unwrap();
    std::fs::write(root.path().join("app/pkgs.txt"), "inside 1\n").unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(root.path().join("etc/os-release"), "ID=alpine\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("escape")).unwrap();
    std::os::unix::fs::symlink(root.path().join("loop"), root.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(".", root.path().join("app/self")).unwrap();
    let source = Source::parse(&format!("dir:{}", root.path().display())).unwrap();
    let catalog = catalog_source(&source, &[&LINES], &SourceLimits::default()).unwrap();
    assert_eq!(names(&catalog), ["inside@1"]);
    assert_eq!(catalog.distro.unwrap().id, "alpine");
}

#[test]
fn single_plain_file_and_registry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pkgs.txt");
    std::fs::write(&path, "one 1\n").unwrap();
    let catalog = catalog_source(&Source::File(path), &[&LINES], &SourceLimits::default()).unwrap();
    assert_eq!(names(&catalog), ["one@1"]);
    let error = catalog_source(
        &Source::parse("registry:example.test/a:b").unwrap(),
        &[&LINES],
        &SourceLimits::default(),
    )
    .unwrap_err();
    assert!(matches!(error, SourceError::RegistryNotSupported { .. }));
    assert!(Source::parse("http:x").is_err());
}

#[test]
fn long_names_and_pax_records() {
    let long_dir = "d".repeat(150);
    let long_path = format!("{long_dir}/pkgs.txt");
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    let data = b"long 1\n";
    header.set_size(data.len() as u64);
    // Over 100 bytes: the builder writes a GNU long-name entry first.
    builder
        .append_data(&mut header, &long_path, &data[..])
        .unwrap();
    builder
        .append_pax_extensions([("path", b"pax/pkgs.txt".as_slice())])
        .unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_size(data.len() as u64);
    builder
        .append_data(&mut header, "ignored/pkgs.txt", &b"pax 1\n"[..])
        .unwrap();
    let layer = builder.into_inner().unwrap();
    let catalog = catalog_tar(&layer, &SourceLimits::default()).unwrap();
    let paths: Vec<&str> = catalog
        .packages
        .iter()
        .map(|p| p.locations[0].path.as_str())
        .collect();
    assert_eq!(paths, [long_path.as_str(), "pax/pkgs.txt"]);

    // A long name over the header bound stops the read.
    let limits = SourceLimits {
        max_header_bytes: 100,
        ..SourceLimits::default()
    };
    let error = catalog_tar(&layer, &limits).unwrap_err();
    assert!(
        matches!(error, SourceError::HeaderTooLarge { .. }),
        "{error}"
    );

    // A PAX size record that disagrees with the header would make readers disagree.
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_pax_extensions([("size", b"999".as_slice())])
        .unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_size(3);
    builder.append_data(&mut header, "x", &b"abc"[..]).unwrap();
    let error = catalog_tar(&builder.into_inner().unwrap(), &SourceLimits::default()).unwrap_err();
    assert!(
        matches!(error, SourceError::PaxSizeMismatch { .. }),
        "{error}"
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;
    use sigchain_sbom::driver::catalog_layer;

    fn small() -> SourceLimits {
        SourceLimits {
            max_entries: 200,
            max_layer_bytes: 1024 * 1024,
            max_header_bytes: 1024,
            ..SourceLimits::default()
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = catalog_layer(&bytes[..], &[&LINES], &small());
        }

        #[test]
        fn mutated_layers(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                          which in 0usize..3) {
            let mut layer = layers().swap_remove(which);
            for (index, byte) in flips {
                let i = index.index(layer.len());
                layer[i] = byte;
            }
            if let Ok(catalog) = catalog_layer(&layer[..], &[&LINES], &small()) {
                for package in &catalog.packages {
                    prop_assert!(package.locations.iter().all(|l| !l.path.contains("..")));
                }
            }
        }
    }
}

/// A cataloger breaking its promise never to panic.
struct Panics;

impl Cataloger for Panics {
    fn name(&self) -> &'static str {
        "panics"
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with("pkgs.txt")
    }
    fn catalog(&self, _path: &str, _content: &[u8]) -> Found {
        panic!("hostile content")
    }
}

#[test]
fn a_panicking_cataloger_is_a_warning() {
    let layer = tar(&[E::File("a/pkgs.txt", b"a 1\n")]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layer.tar");
    std::fs::write(&path, layer).unwrap();
    let catalog = catalog_source(
        &Source::File(path),
        &[&LINES, &Panics],
        &SourceLimits::default(),
    )
    .unwrap();
    assert_eq!(names(&catalog), ["a@1"]);
    assert!(catalog
        .warnings
        .iter()
        .any(|w| w.message == "panics: cataloger failed on this file"));
}

#[test]
fn os_release_symlink_loop_falls_back() {
    let layer = tar(&[
        E::Symlink("etc/os-release", "os-release"),
        E::File("usr/lib/os-release", b"ID=fedora\nVERSION_ID=40\n"),
    ]);
    let catalog = catalog_tar(&layer, &SourceLimits::default()).unwrap();
    assert_eq!(catalog.distro.unwrap().id, "fedora");
}
