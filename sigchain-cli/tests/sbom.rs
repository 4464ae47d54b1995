//! `sigchain sbom` as a process: an image built here (a gzip layer with a Debian-style dpkg
//! database and a Python distribution) read from an OCI layout, a directory and a registry
//! (Debian's `docker-registry`, the image pushed by skopeo); the documents checked by
//! `pyspdxtools`; deterministic output; and the SBOM attested to the image and verified back
//! (`attest --type spdxjson` / `verify-attestation --type spdxjson`) against a local instance.

mod common;
#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::sign::{assert_failure, assert_success, sigchain, Instance};
use common::skopeo;
use sigchain_oci::layout::oci_spec::image::{ImageManifestBuilder, MediaType, ANNOTATION_REF_NAME};
use sigchain_oci::layout::OciLayout;

const OS_RELEASE: &str =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";
const DPKG_STATUS: &str = "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n\
Version: 1:1.2.13.dfsg-1\nMaintainer: Mark Brown <broonie@debian.org>\n\n\
Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u7\n\
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n";
const METADATA: &str = "Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\n\
Author: Kenneth Reitz\nAuthor-email: me@kennethreitz.org\nLicense: Apache-2.0\n";

const LIBZ_TEXT: &str = "not really a shared library\n";
const LIBZ: &[u8] = LIBZ_TEXT.as_bytes();

/// SHA-1 hex, by a separate implementation (aws-lc-rs) from the one that wrote the document.
fn sha1_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The root file system the image's one layer holds.
fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("etc/os-release", OS_RELEASE),
        ("var/lib/dpkg/status", DPKG_STATUS),
        ("usr/lib/x86_64-linux-gnu/libz.so.1.2.13", LIBZ_TEXT),
        (
            "var/lib/dpkg/info/zlib1g:amd64.list",
            "/.\n/usr\n/usr/lib\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libz.so.1.2.13\n",
        ),
        (
            "usr/lib/python3/dist-packages/requests-2.32.3.dist-info/METADATA",
            METADATA,
        ),
    ]
}

/// The image in a new OCI layout at `dir`, tagged `v1`; its manifest digest.
fn layout_image(dir: &Path) -> String {
    common::image::layout_image(dir, &files())
}

fn sbom(args: &[&str]) -> Output {
    sigchain().arg("sbom").args(args).output().unwrap()
}

fn python() -> PathBuf {
    match std::env::var_os("SIGCHAIN_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "SIGCHAIN_PYTHON is not set: run scripts/test-all.sh (it installs spdx-tools into \
             <target>/py) or point it at a python that has it"
        ),
    }
}

fn assert_pyspdxtools_accepts(path: &Path) {
    let tool = python().parent().unwrap().join("pyspdxtools");
    let output = Command::new(&tool).arg("-i").arg(path).output().unwrap();
    assert_success("pyspdxtools", &output);
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// (name, version, purl) of every package but the document's root.
fn packages(spdx: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut found: Vec<_> = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["SPDXID"] != "SPDXRef-DocumentRoot")
        .map(|p| {
            let purl = p["externalRefs"]
                .as_array()
                .and_then(|refs| refs.iter().find(|r| r["referenceType"] == "purl"))
                .map(|r| r["referenceLocator"].as_str().unwrap().to_owned())
                .unwrap_or_default();
            (
                p["name"].as_str().unwrap().to_owned(),
                p["versionInfo"].as_str().unwrap_or_default().to_owned(),
                purl,
            )
        })
        .collect();
    found.sort();
    found
}

/// The digest (`sha256:<hex>`) the SPDX document's root package names.
fn described_digest(spdx: &serde_json::Value) -> String {
    let root = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["SPDXID"] == "SPDXRef-DocumentRoot")
        .expect("a root package");
    let sha256 = root["checksums"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["algorithm"] == "SHA256")
        .expect("the image digest as a checksum");
    format!("sha256:{}", sha256["checksumValue"].as_str().unwrap())
}

fn expected_packages() -> Vec<(String, String, String)> {
    let mut expected: Vec<(String, String, String)> = [
        (
            "libc6",
            "2.36-9+deb12u7",
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12",
        ),
        ("requests", "2.32.3", "pkg:pypi/requests@2.32.3"),
        (
            "zlib1g",
            "1:1.2.13.dfsg-1",
            "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12",
        ),
    ]
    .iter()
    .map(|(n, v, p)| (n.to_string(), v.to_string(), p.to_string()))
    .collect();
    expected.sort();
    expected
}

#[test]
fn an_oci_layout_and_a_directory_give_valid_spdx_and_cyclonedx() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image");
    let digest = layout_image(&image);
    let spdx_path = dir.path().join("sbom.spdx.json");
    let made = sbom(&[
        &format!("oci-dir:{}", image.display()),
        "-o",
        "spdx-json",
        "--file",
        spdx_path.to_str().unwrap(),
    ]);
    assert_success("sbom oci-dir", &made);
    assert!(made.stdout.is_empty(), "the document went to the file");
    assert_pyspdxtools_accepts(&spdx_path);
    let spdx = json(&spdx_path);
    assert_eq!(packages(&spdx), expected_packages());
    assert_eq!(described_digest(&spdx), digest);

    // The same files as a directory: the same packages, no image digest.
    let root = dir.path().join("root");
    for (path, content) in files() {
        let at = root.join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, content).unwrap();
    }
    let dir_spdx = dir.path().join("dir.spdx.json");
    assert_success(
        "sbom dir",
        &sbom(&[
            &format!("dir:{}", root.display()),
            "-o",
            "spdx-json",
            "--file",
            dir_spdx.to_str().unwrap(),
        ]),
    );
    assert_pyspdxtools_accepts(&dir_spdx);
    assert_eq!(packages(&json(&dir_spdx)), expected_packages());

    // CycloneDX on stdout: the image is the metadata component, named by its digest.
    let cyclonedx = sbom(&[
        &format!("oci-dir:{}", image.display()),
        "-o",
        "cyclonedx-json",
    ]);
    assert_success("sbom -o cyclonedx-json", &cyclonedx);
    let bom: serde_json::Value = serde_json::from_slice(&cyclonedx.stdout).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["component"]["version"], digest);
    let libraries = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "library")
        .count();
    assert_eq!(libraries, 3, "{bom}");

    // A signed image's layout lists its signature too (here a cosign tag-scheme entry): the
    // image is still found without naming it, and naming it by tag or digest works.
    let layout = OciLayout::open(&image).unwrap();
    let empty = layout.put_blob(MediaType::ImageConfig, b"{}").unwrap();
    let signature = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(empty)
        .layers(vec![])
        .build()
        .unwrap();
    let tag = format!("{}.sig", digest.replace(':', "-"));
    layout
        .put_manifest(
            &serde_json::to_vec(&signature).unwrap(),
            [(ANNOTATION_REF_NAME.to_owned(), tag)].into(),
        )
        .unwrap();
    for source in [
        format!("oci-dir:{}", image.display()),
        format!("oci-dir:{}:v1", image.display()),
        format!("oci-dir:{}@{digest}", image.display()),
    ] {
        let output = sbom(&[&source, "-o", "spdx-json"]);
        assert_success(&source, &output);
        let spdx: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(packages(&spdx), expected_packages(), "{source}");
        assert_eq!(described_digest(&spdx), digest, "{source}");
    }

    // --files: each package's installed files nested in its CycloneDX component.
    let with_files = sbom(&[
        &format!("oci-dir:{}", image.display()),
        "-o",
        "cyclonedx-json",
        "--files",
    ]);
    assert_success("sbom --files", &with_files);
    let bom: serde_json::Value = serde_json::from_slice(&with_files.stdout).unwrap();
    let zlib = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "zlib1g")
        .unwrap();
    let libz = &zlib["components"][0];
    assert_eq!(
        libz["name"], "usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
        "{zlib}"
    );
    assert_eq!(libz["hashes"][0]["alg"], "SHA-1");
    assert_eq!(libz["hashes"][0]["content"], sha1_hex(LIBZ), "{zlib}");

    // --files in SPDX: File elements with the content's SHA-1, CONTAINed by their package,
    // whose verification code is made of them; pyspdxtools accepts it.
    let spdx_files = dir.path().join("files.spdx.json");
    assert_success(
        "sbom --files -o spdx-json",
        &sbom(&[
            &format!("oci-dir:{}", image.display()),
            "-o",
            "spdx-json",
            "--files",
            "--file",
            spdx_files.to_str().unwrap(),
        ]),
    );
    assert_pyspdxtools_accepts(&spdx_files);
    let document = json(&spdx_files);
    let files = document["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{document}");
    assert_eq!(
        files[0]["fileName"],
        "./usr/lib/x86_64-linux-gnu/libz.so.1.2.13"
    );
    let sha1 = files[0]["checksums"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["algorithm"] == "SHA1")
        .unwrap();
    assert_eq!(sha1["checksumValue"], sha1_hex(LIBZ));
    let zlib = document["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "zlib1g")
        .unwrap();
    assert_eq!(zlib["filesAnalyzed"], true);
    // One file: the code is the SHA-1 of its SHA-1's hex.
    assert_eq!(
        zlib["packageVerificationCode"]["packageVerificationCodeValue"],
        sha1_hex(sha1_hex(LIBZ).as_bytes())
    );
    assert!(document["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| {
            r["spdxElementId"] == zlib["SPDXID"]
                && r["relationshipType"] == "CONTAINS"
                && r["relatedSpdxElement"] == files[0]["SPDXID"]
        }));

    // The table, the default, for people.
    let table = sbom(&[&format!("oci-dir:{}", image.display())]);
    assert_success("sbom (table)", &table);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("zlib1g") && text.contains("pkg:pypi/requests@2.32.3"),
        "{text}"
    );
}

#[test]
fn deterministic_documents_are_the_same_bytes_and_unique_ones_differ() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image");
    layout_image(&image);
    let source = format!("oci-dir:{}", image.display());
    let run = |extra: &[&str]| {
        let mut command = sigchain();
        command
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .args(["sbom", &source, "-o", "spdx-json"])
            .args(extra);
        let output = command.output().unwrap();
        assert_success("sbom", &output);
        output.stdout
    };
    let first = run(&["--deterministic"]);
    assert_eq!(first, run(&["--deterministic"]));
    let document: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(
        document["creationInfo"]["created"], "2023-11-14T22:13:20Z",
        "the time is SOURCE_DATE_EPOCH"
    );
    // Without the flag the namespace is random per run (the time still honours the variable).
    let (one, two) = (run(&[]), run(&[]));
    let namespace = |bytes: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(bytes).unwrap()["documentNamespace"].clone()
    };
    assert_ne!(namespace(&one), namespace(&two));

    let bad = sigchain()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["sbom", &source, "--deterministic"])
        .output()
        .unwrap();
    let said = assert_failure("sbom with a bad SOURCE_DATE_EPOCH", &bad);
    assert!(said.contains("yesterday"), "{said}");
}

#[test]
fn unknown_and_missing_sources_fail_clearly() {
    let said = assert_failure("sbom /tmp", &sbom(&["/tmp"]));
    assert!(said.contains("oci-dir:"), "names the schemes: {said}");
    let missing = assert_failure(
        "sbom of a missing layout",
        &sbom(&["oci-dir:/nonexistent/layout"]),
    );
    assert!(missing.contains("/nonexistent/layout"), "{missing}");
}

/// The SBOM of an image in a registry is attested to it and verified back: the statement's
/// subject is the image digest the SBOM describes, its predicate the SBOM itself.
#[test]
fn a_registry_image_sbom_is_attested_and_verified_back() {
    let instance = Instance::start();
    let registry = registry::Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let image_dir = dir.path().join("image");
    layout_image(&image_dir);
    let digest = common::image::push(&image_dir, &registry.host, "team/app");

    let spdx_path = dir.path().join("sbom.spdx.json");
    let reference = format!("{}/team/app:v1", registry.host);
    let made = sbom(&[
        &format!("registry:{reference}"),
        "--allow-insecure-registry",
        "-o",
        "spdx-json",
        "--file",
        spdx_path.to_str().unwrap(),
    ]);
    assert_success("sbom registry:", &made);
    assert_pyspdxtools_accepts(&spdx_path);
    let spdx = json(&spdx_path);
    assert_eq!(packages(&spdx), expected_packages());
    assert_eq!(described_digest(&spdx), digest);

    let image = format!("{}/team/app@{digest}", registry.host);
    let attested = instance.attest_as_email(&image, &spdx_path, "spdxjson");
    assert_success("attest --type spdxjson", &attested);
    let statements = instance.verified_statements(&image, "spdxjson");
    assert_eq!(statements.len(), 1);
    let statement = &statements[0];
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://spdx.dev/Document");
    assert_eq!(
        format!(
            "sha256:{}",
            statement["subject"][0]["digest"]["sha256"]
                .as_str()
                .unwrap()
        ),
        described_digest(&statement["predicate"]),
        "the attestation is about the image the SBOM describes"
    );
    assert_eq!(statement["predicate"], spdx, "the SBOM, unchanged");

    // The CycloneDX document of the same image, attested in cosign's tag scheme (`.att`)
    // beside the referrer above: each verifies back under its own predicate type.
    let bom_path = dir.path().join("sbom.cdx.json");
    let made = sbom(&[
        &format!("registry:{reference}"),
        "--allow-insecure-registry",
        "-o",
        "cyclonedx-json",
        "--file",
        bom_path.to_str().unwrap(),
    ]);
    assert_success("sbom registry: -o cyclonedx-json", &made);
    let bom = json(&bom_path);
    assert_eq!(bom["metadata"]["component"]["version"], digest.as_str());
    let attested = instance.attest_as_email_with(
        &image,
        &bom_path,
        "cyclonedx",
        &["--new-bundle-format=false"],
    );
    assert_success(
        "attest --type cyclonedx --new-bundle-format=false",
        &attested,
    );
    let att_tag = format!(
        "docker://{}/team/app:{}.att",
        registry.host,
        digest.replace(':', "-")
    );
    skopeo(&["inspect", "--raw", "--tls-verify=false", &att_tag]);
    let statements = instance.verified_statements(&image, "cyclonedx");
    assert_eq!(statements.len(), 1, "{statements:?}");
    assert_eq!(statements[0]["predicateType"], "https://cyclonedx.org/bom");
    assert_eq!(
        statements[0]["subject"][0]["digest"]["sha256"],
        digest.trim_start_matches("sha256:")
    );
    assert_eq!(statements[0]["predicate"], bom, "the SBOM, unchanged");
    assert_eq!(
        instance.verified_statements(&image, "spdxjson").len(),
        1,
        "the CycloneDX attestation is not taken for the SPDX one"
    );
}

/// npm development dependencies are left out unless `--include-dev-deps` asks for them.
#[test]
fn npm_dev_dependencies_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("srv/app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("package-lock.json"),
        r#"{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": {
  "": {"name": "app", "version": "1.0.0"},
  "node_modules/ms": {"version": "2.1.3", "license": "MIT"},
  "node_modules/eslint": {"version": "9.1.0", "dev": true, "license": "MIT"}}}"#,
    )
    .unwrap();
    let npm_names = |extra: &[&str]| -> Vec<String> {
        let source = format!("dir:{}", dir.path().display());
        let mut args = vec![source.as_str(), "-o", "cyclonedx-json"];
        args.extend_from_slice(extra);
        let output = sbom(&args);
        assert_success("sbom dir:", &output);
        let bom: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut names: Vec<String> = bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                c["purl"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("pkg:npm/"))
            })
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(npm_names(&[]), ["app", "ms"]);
    assert_eq!(npm_names(&["--include-dev-deps"]), ["app", "eslint", "ms"]);
}
