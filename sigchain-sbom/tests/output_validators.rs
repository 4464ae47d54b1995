//! The SBOM writers judged by independent validators: `pyspdxtools` (PyPI `spdx-tools`), the
//! CycloneDX 1.6 JSON schema (PyPI `cyclonedx-python-lib`'s strict validator) and the NTIA
//! minimum-elements checker (PyPI `ntia-conformance-checker`). They run from the venv whose
//! python is `$SIGCHAIN_PYTHON` (scripts/test-all.sh installs them); without it the tests fail,
//! never skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sigchain_sbom::model::{
    Catalog, Checksum, Distro, Location, Package, PackageType, Party, Warning,
};
use sigchain_sbom::output::{self, DocumentInfo, OutputError, SourceKind, Subject};

const DIGEST: &str = "sha256:9b3cbf4c0d2c0c1b5d41e18f7a1e7a4a5c8cf0d96c6a2a5c4f0c5d6e7f8a9b0c";
const LAYER: &str = "sha256:1f6d8e0b8b2c4f7f8c6c9b2e0d0c7a1b5e4f3a2d1c0b9a8f7e6d5c4b3a2f1e0d";

fn python() -> PathBuf {
    match std::env::var_os("SIGCHAIN_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "SIGCHAIN_PYTHON is not set: run scripts/test-all.sh (it installs spdx-tools, \
             cyclonedx-python-lib and ntia-conformance-checker into <target>/py) or point it at \
             a python that has them"
        ),
    }
}

/// A console script installed beside the python.
fn tool(name: &str) -> PathBuf {
    python()
        .parent()
        .expect("python has a directory")
        .join(name)
}

fn located(path: &str) -> Vec<Location> {
    vec![Location {
        layer: Some(LAYER.into()),
        path: path.into(),
    }]
}

fn person(name: &str, email: Option<&str>) -> Option<Party> {
    Some(Party::Person {
        name: name.into(),
        email: email.map(Into::into),
    })
}

/// A catalog like an image's: dpkg packages with maintainers and Depends, a scoped npm
/// package, a Python distribution, a crate from a Cargo.lock (no supplier: the lock file names
/// none), a gem whose license is free text, and a Maven artifact with an organization.
fn catalog() -> Catalog {
    let status = located("var/lib/dpkg/status");
    Catalog {
        image: None,
        file_digests: Default::default(),
        distro: Some(Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            ..Distro::default()
        }),
        packages: vec![
            Package {
                name: "libc6".into(),
                version: "2.36-9+deb12u4".into(),
                package_type: Some(PackageType::Deb),
                arch: Some("amd64".into()),
                qualifiers: BTreeMap::from([("upstream".into(), "glibc".into())]),
                supplier: person(
                    "GNU Libc Maintainers",
                    Some("debian-glibc@lists.debian.org"),
                ),
                depends_on: vec!["libgcc-s1".into(), "not-installed".into()],
                locations: status.clone(),
                files: vec![
                    "usr/lib/x86_64-linux-gnu/libc.so.6".into(),
                    "lib64/ld-linux-x86-64.so.2".into(),
                ],
                file_checksums: BTreeMap::from([(
                    "lib64/ld-linux-x86-64.so.2".into(),
                    Checksum {
                        algorithm: "MD5".into(),
                        value: "108877c29ef6a482337ddc42ea8b0985".into(),
                    },
                )]),
                ..Package::default()
            },
            Package {
                name: "libgcc-s1".into(),
                version: "12.2.0-14".into(),
                package_type: Some(PackageType::Deb),
                arch: Some("amd64".into()),
                supplier: person(
                    "Debian GCC Maintainers (GCC team)",
                    Some("debian-gcc@lists.debian.org"),
                ),
                locations: status,
                ..Package::default()
            },
            Package {
                name: "core".into(),
                namespace: Some("@babel".into()),
                version: "7.24.0".into(),
                package_type: Some(PackageType::Npm),
                license_declared: Some("MIT".into()),
                supplier: person("The Babel Team", None),
                homepage: Some("https://babel.dev/docs/en/next/babel-core".into()),
                checksums: vec![Checksum {
                    algorithm: "SHA512".into(),
                    value: "ab".repeat(64),
                }],
                depends_on: vec!["@babel/types".into()],
                locations: located("app/package-lock.json"),
                ..Package::default()
            },
            Package {
                name: "types".into(),
                namespace: Some("@babel".into()),
                version: "7.24.0".into(),
                package_type: Some(PackageType::Npm),
                license_declared: Some("MIT".into()),
                locations: located("app/package-lock.json"),
                ..Package::default()
            },
            Package {
                name: "requests".into(),
                version: "2.32.3".into(),
                package_type: Some(PackageType::Python),
                license_declared: Some("Apache-2.0".into()),
                supplier: person("Kenneth Reitz", Some("me@kennethreitz.org")),
                locations: located(
                    "opt/venv/lib/python3.11/site-packages/requests-2.32.3.dist-info/METADATA",
                ),
                ..Package::default()
            },
            Package {
                name: "serde".into(),
                version: "1.0.210".into(),
                package_type: Some(PackageType::Cargo),
                license_declared: Some("MIT OR Apache-2.0".into()),
                checksums: vec![Checksum {
                    algorithm: "SHA256".into(),
                    value: "c8e3592472072e6e22e0a54d5904d9febf8508f65fb8552499a1abc7d1078c3a"
                        .into(),
                }],
                locations: located("src/app/Cargo.lock"),
                ..Package::default()
            },
            Package {
                name: "rake".into(),
                version: "13.2.1".into(),
                package_type: Some(PackageType::Gem),
                license_declared: Some("GPLv2+ with exceptions (see COPYING)".into()),
                supplier: person("Hiroshi SHIBATA", Some("hsbt@ruby-lang.org")),
                locations: located("usr/share/gems/specifications/rake-13.2.1.gemspec"),
                ..Package::default()
            },
            Package {
                name: "libgcrypt20".into(),
                version: "1.10.1-3".into(),
                package_type: Some(PackageType::Deb),
                license_declared: Some("GPL-2.0+ AND (LGPL-2.1+ OR MIT)".into()),
                supplier: person(
                    "Debian GnuTLS Maintainers",
                    Some("pkg-gnutls-maint@lists.alioth.debian.org"),
                ),
                locations: located("var/lib/dpkg/status"),
                ..Package::default()
            },
            // A Go binary's standard library: purl and the toolchain's CPE.
            Package {
                name: "stdlib".into(),
                version: "go1.22.1".into(),
                package_type: Some(PackageType::Go),
                cpes: vec!["cpe:2.3:a:golang:go:1.22.1:-:*:*:*:*:*:*".into()],
                locations: located("usr/local/bin/app"),
                ..Package::default()
            },
            Package {
                name: "commons-lang3".into(),
                namespace: Some("org.apache.commons".into()),
                version: "3.14.0".into(),
                package_type: Some(PackageType::Maven),
                license_declared: Some("Apache-2.0".into()),
                supplier: Some(Party::Organization {
                    name: "The Apache Software Foundation".into(),
                    email: None,
                }),
                locations: located("app/lib/commons-lang3-3.14.0.jar"),
                ..Package::default()
            },
        ],
        warnings: vec![Warning {
            location: Location {
                layer: Some(LAYER.into()),
                path: "var/lib/rpm/Packages".into(),
            },
            message: "rpm BerkeleyDB database: not yet supported".into(),
        }],
    }
}

/// Metadata is untrusted: odd characters, empty fields, duplicates, a supplier name with
/// parentheses and an email with spaces, a homepage that is no URL, checksums of wrong length.
fn hostile() -> Catalog {
    let weird = Package {
        name: "we\u{1b}[31mird (pkg) \"q\" ü/../x".into(),
        version: "".into(),
        package_type: Some(PackageType::Python),
        license_declared: Some("(MIT".into()),
        supplier: person("A (B) C", Some("not an (email)")),
        originator: Some(Party::Organization {
            name: "".into(),
            email: Some(" ".into()),
        }),
        homepage: Some("github.com/a/b".into()),
        checksums: vec![
            Checksum {
                algorithm: "SHA256".into(),
                value: "abc".into(),
            },
            Checksum {
                algorithm: "whirlpool".into(),
                value: "00".into(),
            },
        ],
        depends_on: vec!["we\u{1b}[31mird (pkg) \"q\" ü/../x".into(), "".into()],
        // A database's CPEs: malformed ones are left out, a duplicate once, the second valid
        // one a property (CycloneDX) or a second reference (SPDX).
        cpes: vec![
            "cpe:2.3:a:b c:d:1:*:*:*:*:*:*:*".into(),
            "not a cpe".into(),
            "cpe:2.3:a:acme:we\\(ird\\):1:*:*:*:*:*:*:*".into(),
            "cpe:2.3:a:acme:we\\(ird\\):1:*:*:*:*:*:*:*".into(),
            "cpe:2.3:a:acme:x\\:y:2:*:*:*:*:*:*:*".into(),
        ],
        locations: vec![Location {
            layer: None,
            path: "a\nb".into(),
        }],
        ..Package::default()
    };
    Catalog {
        image: None,
        file_digests: Default::default(),
        distro: None,
        packages: vec![
            weird.clone(),
            weird,
            Package {
                name: "libc6".into(),
                version: "1".into(),
                package_type: Some(PackageType::Deb),
                license_declared: Some("LicenseRef-x AND MIT".into()),
                ..Package::default()
            },
        ],
        warnings: Vec::new(),
    }
}

/// A distribution that names its CPE in os-release (Fedora's `CPE_NAME`, converted), with an
/// rpm package.
fn fedora() -> Catalog {
    let os_release = b"NAME=\"Fedora Linux\"\nVERSION_ID=40\nID=fedora\n\
        PRETTY_NAME=\"Fedora Linux 40 (Container Image)\"\n\
        CPE_NAME=\"cpe:/o:fedoraproject:fedora:40\"\n";
    let distro = sigchain_sbom::catalog::os_release::parse_os_release(os_release);
    assert!(distro.as_ref().is_some_and(|d| d.cpe.is_some()));
    Catalog {
        image: None,
        file_digests: Default::default(),
        distro,
        packages: vec![Package {
            name: "bash".into(),
            version: "5.2.26-3.fc40".into(),
            package_type: Some(PackageType::Rpm),
            arch: Some("x86_64".into()),
            license_declared: Some("GPL-3.0-or-later".into()),
            supplier: Some(Party::Organization {
                name: "Fedora Project".into(),
                email: None,
            }),
            locations: located("var/lib/rpm/rpmdb.sqlite"),
            ..Package::default()
        }],
        warnings: Vec::new(),
    }
}

fn image() -> Subject {
    Subject {
        kind: SourceKind::Image,
        name: "registry.example/team/app:1.0".into(),
        digest: Some(DIGEST.into()),
        repository: Some("registry.example/team/app".into()),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the document");
    path
}

fn run(command: &mut Command) -> (bool, String) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn assert_pyspdxtools_accepts(path: &Path) {
    let (ok, text) = run(Command::new(tool("pyspdxtools")).arg("-i").arg(path));
    assert!(
        ok && text.trim().is_empty(),
        "pyspdxtools rejects {}:\n{text}",
        path.display()
    );
}

/// One python run for all documents: loading the schemas dominates the time.
fn cyclonedx_schema_check(paths: &[PathBuf]) -> (bool, String) {
    let script = "import sys\n\
        from cyclonedx.schema import SchemaVersion\n\
        from cyclonedx.validation.json import JsonStrictValidator\n\
        validator = JsonStrictValidator(SchemaVersion.V1_6)\n\
        failed = False\n\
        for path in sys.argv[1:]:\n\
        \x20   errors = list(validator.validate_str(open(path).read(), all_errors=True) or [])\n\
        \x20   for e in errors:\n\
        \x20       print(path, e)\n\
        \x20   failed = failed or bool(errors)\n\
        sys.exit(1 if failed else 0)\n";
    run(Command::new(python()).arg("-c").arg(script).args(paths))
}

fn assert_cyclonedx_schema_accepts(paths: &[PathBuf]) {
    let (ok, text) = cyclonedx_schema_check(paths);
    assert!(ok, "the CycloneDX 1.6 schema rejects:\n{text}");
}

fn subjects() -> Vec<(&'static str, Subject)> {
    vec![
        ("image", image()),
        ("dir", Subject::new(SourceKind::Directory, "rootfs")),
        (
            "file",
            Subject {
                digest: Some(DIGEST.into()),
                ..Subject::new(SourceKind::File, "app.tar")
            },
        ),
    ]
}

#[test]
fn spdx_documents_pass_pyspdxtools() {
    let dir = tempfile::tempdir().unwrap();
    for (name, subject) in subjects() {
        for (label, catalog) in [
            ("full", catalog()),
            ("empty", Catalog::default()),
            ("hostile", hostile()),
            ("fedora", fedora()),
        ] {
            let info = DocumentInfo::unique(subject.clone(), 1_717_171_717, [7; 16]);
            let doc = output::spdx_json(&catalog, &info).unwrap();
            // Without content digests SPDX lists no files (no SHA-1 to give them), with or
            // without the option (`sigchain sbom --files` computes them; tested there).
            assert_eq!(
                doc,
                output::spdx_json(&catalog, &info.clone().with_files(true)).unwrap()
            );
            let path = write(dir.path(), &format!("{name}-{label}.spdx.json"), &doc);
            assert_pyspdxtools_accepts(&path);
        }
    }
}

#[test]
fn cyclonedx_documents_pass_the_1_6_schema() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, subject) in subjects() {
        for (label, catalog) in [
            ("full", catalog()),
            ("empty", Catalog::default()),
            ("hostile", hostile()),
            ("fedora", fedora()),
        ] {
            let info = DocumentInfo::deterministic(subject.clone(), 1_717_171_717);
            let doc = output::cyclonedx_json(&catalog, &info).unwrap();
            paths.push(write(dir.path(), &format!("{name}-{label}.cdx.json"), &doc));
            let with_files = output::cyclonedx_json(&catalog, &info.with_files(true)).unwrap();
            paths.push(write(
                dir.path(),
                &format!("{name}-{label}-files.cdx.json"),
                &with_files,
            ));
        }
    }
    assert_eq!(paths.len(), 24);
    assert_cyclonedx_schema_accepts(&paths);
}

/// The validators are not lenient: a document with a broken field fails them (so the two
/// tests above mean something).
#[test]
fn the_validators_reject_broken_documents() {
    let dir = tempfile::tempdir().unwrap();
    let info = DocumentInfo::deterministic(image(), 1_717_171_717);
    let spdx = String::from_utf8(output::spdx_json(&catalog(), &info).unwrap()).unwrap();
    // Syft's mistake: a repository path as a download location.
    let broken = spdx.replacen(
        "\"downloadLocation\": \"NOASSERTION\"",
        "\"downloadLocation\": \"babel/babel\"",
        2,
    );
    let path = write(dir.path(), "broken.spdx.json", broken.as_bytes());
    let (ok, text) = run(Command::new(tool("pyspdxtools")).arg("-i").arg(&path));
    assert!(
        !ok || !text.trim().is_empty(),
        "pyspdxtools accepted {broken}"
    );

    let cdx = String::from_utf8(output::cyclonedx_json(&catalog(), &info).unwrap()).unwrap();
    let broken = cdx.replacen(
        "\"specVersion\": \"1.6\"",
        "\"specVersion\": \"1.6\", \"x\": 1",
        1,
    );
    let path = write(dir.path(), "broken.cdx.json", broken.as_bytes());
    let (ok, text) = cyclonedx_schema_check(&[path]);
    assert!(text.contains("broken.cdx.json"), "{text}");
    assert!(
        !ok,
        "the CycloneDX schema accepted an unknown top-level field"
    );
}

/// NTIA minimum elements: every element the databases hold is filled; what remains missing is
/// exactly what the data does not say (printed as a report), never invented.
#[test]
fn ntia_checker_reports_only_what_the_data_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let info = DocumentInfo::deterministic(image(), 1_717_171_717);
    let doc = output::spdx_json(&catalog(), &info).unwrap();
    let path = write(dir.path(), "image.spdx.json", &doc);
    let (_, text) = run(Command::new(tool("ntia-checker"))
        .args(["-r", "json"])
        .arg(&path));
    let report: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("ntia-checker said {text}: {e}"));
    let missing = |element: &str| -> Vec<String> {
        report[element]["nonconformantComponents"]
            .as_array()
            .unwrap_or_else(|| panic!("no {element} in {report}"))
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect()
    };
    for element in [
        "componentNames",
        "componentVersions",
        "componentIdentifiers",
        "componentSuppliers",
    ] {
        eprintln!("NTIA {element}: missing for {:?}", missing(element));
    }
    assert_eq!(report["specVersionProvided"], true, "{report}");
    assert_eq!(report["authorNameProvided"], true, "{report}");
    assert_eq!(report["timestampProvided"], true, "{report}");
    assert_eq!(report["dependencyRelationshipsProvided"], true, "{report}");
    assert!(missing("componentNames").is_empty(), "{report}");
    assert!(missing("componentIdentifiers").is_empty(), "{report}");
    // Every package has a version; the root (the image) has its digest as its version.
    assert!(missing("componentVersions").is_empty(), "{report}");
    // Suppliers: the Cargo.lock entry, the npm dependency and a Go binary's build info name
    // none, nor does the image itself (who built it is not in the image); everything whose
    // metadata names one passes.
    let mut suppliers = missing("componentSuppliers");
    suppliers.sort();
    assert_eq!(
        suppliers,
        ["registry.example/team/app:1.0", "serde", "stdlib", "types"],
        "{report}"
    );
}

#[test]
fn deterministic_documents_are_byte_identical_and_unique_ones_differ() {
    let epoch = output::source_date_epoch("1700000000").unwrap();
    let info = DocumentInfo::deterministic(image(), epoch);
    let a = output::spdx_json(&catalog(), &info).unwrap();
    assert_eq!(a, output::spdx_json(&catalog(), &info).unwrap());
    let c = output::cyclonedx_json(&catalog(), &info).unwrap();
    assert_eq!(c, output::cyclonedx_json(&catalog(), &info).unwrap());
    let text = String::from_utf8(a.clone()).unwrap();
    assert!(
        text.contains("\"created\": \"2023-11-14T22:13:20Z\""),
        "{text}"
    );
    assert!(String::from_utf8(c.clone())
        .unwrap()
        .contains("\"timestamp\": \"2023-11-14T22:13:20Z\""));

    // A different catalog is a different document.
    let mut other = catalog();
    other.packages[0].version = "2.36-9+deb12u5".into();
    let b = output::spdx_json(&other, &info).unwrap();
    assert_ne!(namespace(&a), namespace(&b));

    // Unique documents: the namespace and serial number come from the random bytes.
    let one = DocumentInfo::unique(image(), epoch, [1; 16]);
    let two = DocumentInfo::unique(image(), epoch, [2; 16]);
    let (x, y) = (
        output::spdx_json(&catalog(), &one).unwrap(),
        output::spdx_json(&catalog(), &two).unwrap(),
    );
    assert_ne!(namespace(&x), namespace(&y));
    let serial = |d: &[u8]| -> String {
        let v: serde_json::Value = serde_json::from_slice(d).unwrap();
        v["serialNumber"].as_str().unwrap().to_owned()
    };
    assert_ne!(
        serial(&output::cyclonedx_json(&catalog(), &one).unwrap()),
        serial(&output::cyclonedx_json(&catalog(), &two).unwrap())
    );
}

fn namespace(doc: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(doc).unwrap();
    v["documentNamespace"].as_str().unwrap().to_owned()
}

#[test]
fn spdx_says_what_the_catalog_says() {
    let info = DocumentInfo::deterministic(image(), 1_700_000_000);
    let doc: serde_json::Value =
        serde_json::from_slice(&output::spdx_json(&catalog(), &info).unwrap()).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert!(doc["comment"].as_str().unwrap().ends_with(&format!(
        "{LAYER}:var/lib/rpm/Packages: rpm BerkeleyDB database: not yet supported"
    )));
    assert_eq!(doc["dataLicense"], "CC0-1.0");
    let packages = doc["packages"].as_array().unwrap();
    let by_name = |n: &str| packages.iter().find(|p| p["name"] == n).unwrap().clone();
    let root = by_name("registry.example/team/app:1.0");
    assert_eq!(root["primaryPackagePurpose"], "CONTAINER");
    assert_eq!(root["checksums"][0]["checksumValue"], &DIGEST[7..]);
    let libc = by_name("libc6");
    assert_eq!(
        libc["supplier"],
        "Person: GNU Libc Maintainers (debian-glibc@lists.debian.org)"
    );
    assert_eq!(libc["downloadLocation"], "NOASSERTION");
    assert_eq!(
        libc["sourceInfo"],
        format!("found at /var/lib/dpkg/status in layer {LAYER}")
    );
    assert_eq!(
        by_name("libgcc-s1")["supplier"],
        "Person: Debian GCC Maintainers [GCC team] (debian-gcc@lists.debian.org)"
    );
    assert_eq!(by_name("serde")["supplier"], "NOASSERTION");
    assert_eq!(by_name("serde")["licenseDeclared"], "MIT OR Apache-2.0");
    assert_eq!(
        by_name("libgcrypt20")["licenseDeclared"],
        "GPL-2.0+ AND (LGPL-2.1+ OR MIT)"
    );
    let rake = by_name("rake");
    let rake_license = rake["licenseDeclared"].as_str().unwrap();
    assert!(rake_license.starts_with("LicenseRef-"), "{rake_license}");
    let extracted = doc["hasExtractedLicensingInfos"].as_array().unwrap();
    assert!(extracted.iter().any(|e| e["licenseId"] == rake_license
        && e["extractedText"] == "GPLv2+ with exceptions (see COPYING)"));

    let relationships = doc["relationships"].as_array().unwrap();
    let has = |from: &str, kind: &str, to: &str| {
        relationships.iter().any(|r| {
            r["spdxElementId"] == from
                && r["relationshipType"] == kind
                && r["relatedSpdxElement"] == to
        })
    };
    let id = |n: &str| by_name(n)["SPDXID"].as_str().unwrap().to_owned();
    assert!(has(
        "SPDXRef-DOCUMENT",
        "DESCRIBES",
        &id("registry.example/team/app:1.0")
    ));
    for p in packages.iter().skip(1) {
        assert!(has(
            &id("registry.example/team/app:1.0"),
            "CONTAINS",
            p["SPDXID"].as_str().unwrap()
        ));
    }
    assert!(has(&id("libc6"), "DEPENDS_ON", &id("libgcc-s1")));
    assert!(has(&id("core"), "DEPENDS_ON", &id("types")));
}

#[test]
fn cyclonedx_says_what_the_catalog_says() {
    let info = DocumentInfo::deterministic(image(), 1_700_000_000);
    let doc: serde_json::Value =
        serde_json::from_slice(&output::cyclonedx_json(&catalog(), &info).unwrap()).unwrap();
    assert_eq!(doc["specVersion"], "1.6");
    assert_eq!(
        doc["metadata"]["properties"][0]["name"],
        "sigchain:warning:0"
    );
    assert!(doc["serialNumber"]
        .as_str()
        .unwrap()
        .starts_with("urn:uuid:"));
    let subject = &doc["metadata"]["component"];
    assert_eq!(subject["type"], "container");
    assert_eq!(subject["version"], DIGEST);
    assert_eq!(
        subject["purl"],
        format!(
            "pkg:oci/app@sha256%3A{}?repository_url=registry.example/team/app",
            &DIGEST[7..]
        )
    );
    let components = doc["components"].as_array().unwrap();
    let by_name = |n: &str| components.iter().find(|c| c["name"] == n).unwrap().clone();
    let os = by_name("debian");
    assert_eq!(os["type"], "operating-system");
    assert_eq!(os["version"], "12");
    let core = by_name("core");
    assert_eq!(core["group"], "@babel");
    assert_eq!(core["licenses"][0]["expression"], "MIT");
    assert_eq!(core["hashes"][0]["alg"], "SHA-512");
    assert_eq!(
        by_name("rake")["licenses"][0]["license"]["name"],
        "GPLv2+ with exceptions (see COPYING)"
    );
    assert_eq!(
        by_name("libc6")["supplier"]["contact"][0]["email"],
        "debian-glibc@lists.debian.org"
    );
    assert!(by_name("serde").get("supplier").is_none());
    let props = by_name("libc6")["properties"].as_array().unwrap().clone();
    assert!(props
        .iter()
        .any(|p| p["name"] == "sigchain:location:0:layerID" && p["value"] == LAYER));
    let deps = doc["dependencies"].as_array().unwrap();
    let libc_ref = by_name("libc6")["bom-ref"].clone();
    let gcc_ref = by_name("libgcc-s1")["bom-ref"].clone();
    assert!(deps
        .iter()
        .any(|d| d["ref"] == libc_ref && d["dependsOn"].as_array().unwrap().contains(&gcc_ref)));
}

#[test]
fn table_lists_every_package() {
    let table = output::table(&catalog());
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("NAME"));
    assert_eq!(lines.len(), 1 + catalog().packages.len());
    assert!(table.contains("@babel/core"));
}

#[test]
fn bad_inputs_are_errors() {
    let mut subject = image();
    subject.digest = Some("sha256:XYZ".into());
    let info = DocumentInfo::deterministic(subject, 0);
    assert!(matches!(
        output::spdx_json(&catalog(), &info),
        Err(OutputError::InvalidDigest { .. })
    ));
    let info = DocumentInfo::deterministic(image(), -1);
    assert!(matches!(
        output::cyclonedx_json(&catalog(), &info),
        Err(OutputError::InvalidTimestamp { .. })
    ));
    for bad in ["", "-5", "1.5", "abc", "999999999999999999999"] {
        assert!(output::source_date_epoch(bad).is_err(), "{bad}");
    }
}

/// Real data end to end: eleven records of a Debian 12 dpkg status file (tests/data), read by
/// the dpkg cataloger, written in both formats and judged by all three validators. Every
/// package's Maintainer is a supplier, so NTIA finds only the image itself without one.
#[test]
fn a_real_dpkg_status_passes_every_validator() {
    use sigchain_sbom::catalog::{dpkg, os_release};
    let status = include_bytes!("data/dpkg-status");
    let found = dpkg::parse_status("var/lib/dpkg/status", status);
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    assert_eq!(found.packages.len(), 11);
    let catalog = Catalog {
        image: None,
        file_digests: Default::default(),
        distro: os_release::parse_os_release(
            b"ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
        ),
        packages: found.packages,
        warnings: Vec::new(),
    };
    let dir = tempfile::tempdir().unwrap();
    let info = DocumentInfo::deterministic(image(), 1_717_171_717);
    let spdx = output::spdx_json(&catalog, &info).unwrap();
    let spdx_path = write(dir.path(), "debian.spdx.json", &spdx);
    assert_pyspdxtools_accepts(&spdx_path);
    let cdx = output::cyclonedx_json(&catalog, &info).unwrap();
    assert_cyclonedx_schema_accepts(&[write(dir.path(), "debian.cdx.json", &cdx)]);

    let doc: serde_json::Value = serde_json::from_slice(&spdx).unwrap();
    let purls: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["externalRefs"].as_array().into_iter().flatten())
        .map(|r| r["referenceLocator"].as_str().unwrap())
        .collect();
    assert!(
        purls.iter().any(|p| p.starts_with("pkg:deb/debian/libc6@")),
        "{purls:?}"
    );
    let depends = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relationshipType"] == "DEPENDS_ON")
        .count();
    assert!(depends >= 5, "{depends} DEPENDS_ON relationships");

    let (_, text) = run(Command::new(tool("ntia-checker"))
        .args(["-r", "json"])
        .arg(&spdx_path));
    let report: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("ntia-checker said {text}: {e}"));
    assert_eq!(
        report["componentSuppliers"]["nonconformantComponents"],
        serde_json::json!(["registry.example/team/app:1.0"]),
        "{report}"
    );
    assert_eq!(report["componentVersions"]["allProvided"], true, "{report}");
    assert_eq!(
        report["componentIdentifiers"]["allProvided"], true,
        "{report}"
    );
}

/// CPEs: SPDX `SECURITY`/`cpe23Type` references, CycloneDX `cpe` (one) plus `sigchain:cpe23`
/// properties, the os-release CPE on CycloneDX's operating-system component; malformed ones
/// from a database are left out.
#[test]
fn cpes_are_written_where_known() {
    let info = DocumentInfo::deterministic(image(), 1_717_171_717);
    let spdx: serde_json::Value =
        serde_json::from_slice(&output::spdx_json(&catalog(), &info).unwrap()).unwrap();
    let refs: Vec<&serde_json::Value> = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["externalRefs"].as_array().into_iter().flatten())
        .filter(|r| r["referenceCategory"] == "SECURITY")
        .collect();
    assert_eq!(refs.len(), 1, "{refs:?}");
    assert_eq!(refs[0]["referenceType"], "cpe23Type");
    assert_eq!(
        refs[0]["referenceLocator"],
        "cpe:2.3:a:golang:go:1.22.1:-:*:*:*:*:*:*"
    );
    let purls = spdx.to_string();
    assert!(purls.contains("pkg:golang/stdlib@1.22.1"), "{purls}");

    let cdx: serde_json::Value =
        serde_json::from_slice(&output::cyclonedx_json(&hostile(), &info).unwrap()).unwrap();
    let weird = &cdx["components"][0];
    assert_eq!(weird["cpe"], "cpe:2.3:a:acme:we\\(ird\\):1:*:*:*:*:*:*:*");
    let extra: Vec<&serde_json::Value> = weird["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "sigchain:cpe23")
        .map(|p| &p["value"])
        .collect();
    assert_eq!(extra, ["cpe:2.3:a:acme:x\\:y:2:*:*:*:*:*:*:*"]);

    let cdx: serde_json::Value =
        serde_json::from_slice(&output::cyclonedx_json(&fedora(), &info).unwrap()).unwrap();
    let os = &cdx["components"][0];
    assert_eq!(os["type"], "operating-system");
    assert_eq!(os["cpe"], "cpe:2.3:o:fedoraproject:fedora:40:*:*:*:*:*:*:*");
    assert!(cdx["components"][1].get("cpe").is_none());
}

/// Installed files: nested `file` components (with the database's MD5 where recorded) only
/// when asked for.
#[test]
fn cyclonedx_lists_files_only_on_request() {
    let info = DocumentInfo::deterministic(image(), 1_717_171_717);
    let plain: serde_json::Value =
        serde_json::from_slice(&output::cyclonedx_json(&catalog(), &info).unwrap()).unwrap();
    let with_files: serde_json::Value = serde_json::from_slice(
        &output::cyclonedx_json(&catalog(), &info.clone().with_files(true)).unwrap(),
    )
    .unwrap();
    let libc = |doc: &serde_json::Value| -> serde_json::Value {
        doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "libc6")
            .cloned()
            .unwrap()
    };
    assert!(libc(&plain).get("components").is_none());
    let files = libc(&with_files)["components"].clone();
    assert_eq!(
        files,
        serde_json::json!([
            {"type": "file", "name": "lib64/ld-linux-x86-64.so.2",
             "hashes": [{"alg": "MD5", "content": "108877c29ef6a482337ddc42ea8b0985"}]},
            {"type": "file", "name": "usr/lib/x86_64-linux-gnu/libc.so.6"}
        ])
    );
    assert_ne!(plain["serialNumber"], with_files["serialNumber"]);
}
