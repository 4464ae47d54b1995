//! The language catalogers (python, npm, cargo, gem) on fixtures in `tests/data/lang/`
//! (see its README), and on arbitrary bytes (never a panic).

use proptest::prelude::*;
use sigchain_sbom::catalog::cargo::CargoLockCataloger;
use sigchain_sbom::catalog::cargo_auditable::CargoAuditableCataloger;
use sigchain_sbom::catalog::declared::is_spdx_expression;
use sigchain_sbom::catalog::gem::GemCataloger;
use sigchain_sbom::catalog::go::{GoBinaryCataloger, MAGIC};
use sigchain_sbom::catalog::java::JavaArchiveCataloger;
use sigchain_sbom::catalog::npm::{self, NpmCataloger};
use sigchain_sbom::catalog::python::{self, PythonCataloger};
use sigchain_sbom::model::{Cataloger, Found, Package, PackageType, Party};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/lang/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(cataloger: &dyn Cataloger, path: &str, fixture_name: &str) -> Found {
    assert!(
        cataloger.wants(path),
        "{} does not want {path}",
        cataloger.name()
    );
    cataloger.catalog(path, &fixture(fixture_name))
}

fn person(name: &str, email: Option<&str>) -> Option<Party> {
    Some(Party::Person {
        name: name.into(),
        email: email.map(Into::into),
    })
}

fn by_name<'a>(found: &'a [Package], name: &str, version: &str) -> &'a Package {
    found
        .iter()
        .find(|p| p.name == name && p.version == version)
        .unwrap_or_else(|| panic!("{name} {version} not found in {found:#?}"))
}

const SITE: &str = "usr/local/lib/python3.11/site-packages";

#[test]
fn python_wheel_metadata() {
    let path = format!("{SITE}/requests-2.31.0.dist-info/METADATA");
    let found = run(&PythonCataloger, &path, "requests-2.31.0.METADATA");
    assert_eq!(found.warnings, Vec::<String>::new());
    let [package] = found.packages.as_slice() else {
        panic!("{found:#?}")
    };
    assert_eq!(package.name, "requests");
    assert_eq!(package.version, "2.31.0");
    assert_eq!(package.package_type, Some(PackageType::Python));
    assert_eq!(package.namespace, None);
    // The License field wins over the (ambiguous) Apache classifier, as written.
    assert_eq!(package.license_declared.as_deref(), Some("Apache 2.0"));
    assert!(!is_spdx_expression("Apache 2.0"));
    assert_eq!(
        package.supplier,
        person("Kenneth Reitz", Some("me@kennethreitz.org"))
    );
    assert_eq!(
        package.homepage.as_deref(),
        Some("https://requests.readthedocs.io")
    );
    // Extras-only requirements are not dependencies; names are normalized.
    assert_eq!(
        package.depends_on,
        ["certifi", "charset-normalizer", "idna", "urllib3"]
    );
    assert_eq!(package.locations[0].path, path);
}

#[test]
fn python_pep639_and_author_email_only() {
    let path = format!("{SITE}/attrs-23.1.0.dist-info/METADATA");
    let found = run(&PythonCataloger, &path, "attrs-23.1.0.METADATA");
    let package = &found.packages[0];
    assert_eq!(package.license_declared.as_deref(), Some("MIT"));
    assert_eq!(
        package.supplier,
        person("Hynek Schlawack", Some("hs@ox.cx"))
    );
    assert_eq!(package.homepage.as_deref(), Some("https://www.attrs.org/"));
    assert_eq!(package.depends_on, ["importlib-metadata"]);
}

#[test]
fn python_egg_info() {
    let path = "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO";
    let found = run(&PythonCataloger, path, "six-1.16.0.PKG-INFO");
    let package = &found.packages[0];
    assert_eq!(
        (package.name.as_str(), package.version.as_str()),
        ("six", "1.16.0")
    );
    assert_eq!(package.license_declared.as_deref(), Some("MIT"));
    assert_eq!(
        package.supplier,
        person("Benjamin Peterson", Some("benjamin@python.org"))
    );
    // A single-file egg-info (old setuptools) reads the same.
    let single = PythonCataloger.catalog(
        "usr/lib/python3/dist-packages/six-1.16.0.egg-info",
        &fixture("six-1.16.0.PKG-INFO"),
    );
    assert_eq!(single.packages[0].name, "six");
}

#[test]
fn python_record_merges_into_metadata() {
    let dir = format!("{SITE}/requests-2.31.0.dist-info");
    let metadata = run(
        &PythonCataloger,
        &format!("{dir}/METADATA"),
        "requests-2.31.0.METADATA",
    );
    let record = run(
        &PythonCataloger,
        &format!("{dir}/RECORD"),
        "requests-2.31.0.RECORD",
    );
    // The path that climbs out of the root is refused with a warning.
    assert_eq!(record.warnings.len(), 1, "{:?}", record.warnings);
    assert!(record.warnings[0].contains("leaves the root"));
    let mut packages = metadata.packages;
    packages.extend(record.packages);
    let other = PythonCataloger.catalog(
        &format!("{SITE}/idna-3.7.dist-info/RECORD"),
        b"idna/__init__.py,sha256=x,849\n",
    );
    packages.extend(other.packages);
    let merged = python::merge_records(packages);
    assert_eq!(merged.len(), 2, "{merged:#?}");
    let requests = by_name(&merged, "requests", "2.31.0");
    assert_eq!(requests.locations.len(), 2);
    assert!(requests
        .files
        .contains(&format!("{SITE}/requests/__init__.py")));
    assert!(requests
        .files
        .contains(&format!("{SITE}/requests/odd,name.py")));
    assert!(requests
        .files
        .contains(&"usr/local/bin/normalizer".to_string()));
    assert!(!requests.files.iter().any(|f| f.contains("escape")));
    // A RECORD without METADATA stays a package named after its directory.
    let idna = by_name(&merged, "idna", "3.7");
    assert_eq!(idna.files, [format!("{SITE}/idna/__init__.py")]);
}

#[test]
fn python_without_name_is_a_warning() {
    let found = PythonCataloger.catalog("x.dist-info/METADATA", b"Version: 1\nno colon here\n");
    assert!(found.packages.is_empty());
    assert_eq!(found.warnings.len(), 2, "{:?}", found.warnings);
    let record = PythonCataloger.catalog("odd.dist-info/RECORD", b"a,b\n");
    assert!(record.packages.is_empty());
    assert_eq!(record.warnings.len(), 1);
}

#[test]
fn python_names_normalize() {
    assert_eq!(python::normalize_name("Foo__Bar.baz"), "foo-bar-baz");
}

#[test]
fn npm_lock_v3() {
    let found = run(
        &NpmCataloger::default(),
        "srv/app/package-lock.json",
        "package-lock-v3.json",
    );
    let mut names: Vec<String> = found
        .packages
        .iter()
        .map(|p| format!("{}@{}", npm::full_name(p), p.version))
        .collect();
    names.sort();
    // The project itself, not the dev-only jest, not the link; the alias by its real name.
    assert_eq!(
        names,
        [
            "@babel/code-frame@7.23.5",
            "app@1.0.0",
            "express@4.18.2",
            "ms@2.0.0",
            "ms@2.1.3",
            "my-lib@0.1.0",
            "string-width@4.2.3"
        ]
    );
    assert_eq!(found.warnings.len(), 2, "{:?}", found.warnings);
    let babel = by_name(&found.packages, "code-frame", "7.23.5");
    assert_eq!(babel.namespace.as_deref(), Some("@babel"));
    assert_eq!(babel.depends_on, ["@babel/highlight", "chalk"]);
    assert_eq!(babel.checksums[0].algorithm, "SHA512");
    assert_eq!(babel.checksums[0].value.len(), 128);
    let express = by_name(&found.packages, "express", "4.18.2");
    assert_eq!(express.license_declared.as_deref(), Some("MIT"));

    let with_dev = NpmCataloger { include_dev: true }.catalog(
        "srv/app/package-lock.json",
        &fixture("package-lock-v3.json"),
    );
    assert_eq!(with_dev.packages.len(), 8);
    // Each package knows where it is installed: two versions of ms in two places.
    let installed: Vec<(&str, Option<&str>)> = found
        .packages
        .iter()
        .filter(|p| p.name == "ms" || p.name == "app")
        .map(|p| (p.version.as_str(), p.install_path.as_deref()))
        .collect();
    assert!(
        installed.contains(&("1.0.0", Some("srv/app"))),
        "{installed:?}"
    );
    assert!(
        installed
            .iter()
            .filter(|(_, at)| at.is_some_and(|at| at.starts_with("srv/app/node_modules/")))
            .count()
            == 2,
        "{installed:?}"
    );
}

#[test]
fn npm_lock_v1() {
    let found = run(
        &NpmCataloger::default(),
        "package-lock.json",
        "package-lock-v1.json",
    );
    let mut names: Vec<String> = found
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "debug@2.6.9",
            "legacy@1.0.0",
            "ms@2.0.0",
            "string-width@4.2.3"
        ]
    );
    let debug = by_name(&found.packages, "debug", "2.6.9");
    assert_eq!(debug.install_path.as_deref(), Some("node_modules/debug"));
    let ms = by_name(&found.packages, "ms", "2.0.0");
    assert_eq!(ms.checksums[0].algorithm, "SHA1");
    assert_eq!(
        ms.checksums[0].value,
        "5608aeadfc00be6c2901df5f9861788de0d597c8"
    );
    assert_eq!(
        by_name(&found.packages, "debug", "2.6.9").depends_on,
        ["ms"]
    );
}

#[test]
fn npm_installed_package_json() {
    let found = run(
        &NpmCataloger::default(),
        "srv/app/node_modules/express/package.json",
        "express-package.json",
    );
    let express = &found.packages[0];
    assert_eq!(
        express.supplier,
        person("TJ Holowaychuk", Some("tj@vision-media.ca"))
    );
    assert_eq!(express.homepage.as_deref(), Some("http://expressjs.com/"));
    assert_eq!(express.depends_on, ["accepts", "ms"]);

    let found = run(
        &NpmCataloger::default(),
        "srv/app/node_modules/@babel/code-frame/package.json",
        "babel-code-frame-package.json",
    );
    let babel = &found.packages[0];
    assert_eq!(babel.supplier, person("The Babel Team", None));
    assert_eq!(
        babel.homepage.as_deref(),
        Some("https://github.com/babel/babel.git")
    );

    // A shorthand repository is not a location.
    let shorthand = NpmCataloger::default().catalog(
        "node_modules/accepts/package.json",
        br#"{"name": "accepts", "version": "1.3.8", "repository": "jshttp/accepts"}"#,
    );
    assert_eq!(shorthand.packages[0].homepage, None);
    // No author: the first maintainer supplies it; contributors never do.
    let maintained = NpmCataloger::default().catalog(
        "node_modules/etag/package.json",
        br#"{"name": "etag", "version": "1.8.1",
             "contributors": ["Douglas Christopher Wilson <doug@somethingdoug.com>"],
             "maintainers": [{"name": "Jane Doe", "email": "jane@example.com"}]}"#,
    );
    assert_eq!(
        maintained.packages[0].supplier,
        person("Jane Doe", Some("jane@example.com"))
    );
    let contributed = NpmCataloger::default().catalog(
        "node_modules/etag/package.json",
        br#"{"name": "etag", "version": "1.8.1",
             "contributors": ["Douglas Christopher Wilson <doug@somethingdoug.com>"]}"#,
    );
    assert_eq!(contributed.packages[0].supplier, None);
    let nameless = NpmCataloger::default().catalog("node_modules/x/package.json", b"{}");
    assert!(nameless.packages.is_empty());
    assert_eq!(nameless.warnings.len(), 1);
}

#[test]
fn npm_lock_and_installed_tree_dedupe() {
    let npm = NpmCataloger::default();
    let mut packages = run(&npm, "srv/app/package-lock.json", "package-lock-v3.json").packages;
    let lock_count = packages.len();
    packages.extend(
        run(
            &npm,
            "srv/app/node_modules/express/package.json",
            "express-package.json",
        )
        .packages,
    );
    packages.extend(
        run(
            &npm,
            "srv/app/node_modules/@babel/code-frame/package.json",
            "babel-code-frame-package.json",
        )
        .packages,
    );
    let merged = npm::dedupe(packages);
    assert_eq!(merged.len(), lock_count);
    let express = by_name(&merged, "express", "4.18.2");
    assert_eq!(express.locations.len(), 2);
    assert!(!express.checksums.is_empty(), "the lock's hash is kept");
    assert!(
        express.supplier.is_some(),
        "the package.json's author is added"
    );
}

#[test]
fn npm_not_json_is_a_warning() {
    let found = NpmCataloger::default().catalog("package-lock.json", b"{nope");
    assert!(found.packages.is_empty());
    assert_eq!(found.warnings.len(), 1);
    let found = NpmCataloger::default().catalog("package-lock.json", b"[]");
    assert_eq!(found.warnings.len(), 1);
}

#[test]
fn cargo_lock_v3() {
    let found = run(&CargoLockCataloger, "src/app/Cargo.lock", "Cargo-v3.lock");
    assert_eq!(found.packages.len(), 4, "{found:#?}");
    assert_eq!(found.warnings.len(), 1, "{:?}", found.warnings);
    let app = by_name(&found.packages, "app", "0.1.0");
    assert!(app.checksums.is_empty());
    assert_eq!(app.depends_on, ["serde", "toml", "uuid"]);
    assert_eq!(app.supplier, None);
    let serde = by_name(&found.packages, "serde", "1.0.210");
    assert_eq!(
        serde.checksums[0].value,
        "c8e3592472072e6e22e0a54d5904d9febf8508f65fb8552499a1abc7d1078c3a"
    );
    let uuid = by_name(&found.packages, "uuid", "1.10.0");
    assert_eq!(
        uuid.qualifiers.get("vcs_url").map(String::as_str),
        Some("git+https://example.invalid/uuid-rs/uuid@81f4ef2bc7c9d1f4cf3f43b0df0a1e2b6ac5cd60")
    );
}

#[test]
fn cargo_lock_v1_metadata_checksums() {
    let found = run(&CargoLockCataloger, "Cargo.lock", "Cargo-v1.lock");
    let libc = by_name(&found.packages, "libc", "0.2.40");
    assert_eq!(libc.checksums.len(), 1);
    assert_eq!(
        by_name(&found.packages, "app", "0.1.0").depends_on,
        ["libc"]
    );
    let bad = CargoLockCataloger.catalog("Cargo.lock", b"[[package]\n");
    assert!(bad.packages.is_empty());
    assert_eq!(bad.warnings.len(), 1);
}

#[test]
fn gems() {
    let dir = "usr/local/bundle/specifications";
    let found = run(
        &GemCataloger,
        &format!("{dir}/rake-13.0.6.gemspec"),
        "rake-13.0.6.gemspec",
    );
    let rake = &found.packages[0];
    assert_eq!(
        (rake.name.as_str(), rake.version.as_str()),
        ("rake", "13.0.6")
    );
    assert_eq!(rake.license_declared.as_deref(), Some("MIT"));
    assert_eq!(
        rake.supplier,
        person("Hiroshi SHIBATA", Some("hsbt@ruby-lang.org"))
    );
    assert_eq!(
        rake.homepage.as_deref(),
        Some("https://github.com/ruby/rake")
    );

    let found = run(
        &GemCataloger,
        &format!("{dir}/sinatra-3.0.6.gemspec"),
        "sinatra-3.0.6.gemspec",
    );
    let sinatra = &found.packages[0];
    assert_eq!(sinatra.depends_on, ["rack", "tilt"]);
    // One email for two authors: not paired.
    assert_eq!(sinatra.supplier, person("Blake Mizerany", None));

    let path = "usr/lib/ruby/gems/3.1.0/specifications/default/racc-1.6.2.gemspec";
    let found = run(&GemCataloger, path, "racc-1.6.2.gemspec");
    let racc = &found.packages[0];
    assert_eq!(racc.version, "1.6.2", "the stub comment is the fallback");
    assert_eq!(
        racc.license_declared.as_deref(),
        Some("Ruby OR BSD-2-Clause")
    );
    assert_eq!(found.warnings.len(), 1, "{:?}", found.warnings);

    assert!(!GemCataloger.wants("app/foo.gemspec"));
    let nothing = GemCataloger.catalog(path, b"Gem::Specification.new do |s|\nend\n");
    assert!(nothing.packages.is_empty());
}

fn catalogers() -> Vec<(Box<dyn Cataloger>, &'static str)> {
    vec![
        (Box::new(PythonCataloger), "a.dist-info/METADATA"),
        (Box::new(PythonCataloger), "lib/a-1.dist-info/RECORD"),
        (
            Box::new(NpmCataloger { include_dev: true }),
            "package-lock.json",
        ),
        (
            Box::new(NpmCataloger::default()),
            "node_modules/a/package.json",
        ),
        (Box::new(CargoLockCataloger), "Cargo.lock"),
        (Box::new(GemCataloger), "specifications/a.gemspec"),
        (Box::new(GoBinaryCataloger), "usr/bin/a"),
        (Box::new(JavaArchiveCataloger::default()), "app.jar"),
        (Box::new(CargoAuditableCataloger), "usr/bin/a"),
    ]
}

proptest! {
    #[test]
    fn catalogers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for (cataloger, path) in catalogers() {
            let _ = cataloger.catalog(path, &bytes);
        }
    }

    #[test]
    fn catalogers_never_panic_on_mutated_fixtures(
        index in 0usize..8,
        at in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        insert in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        let (name, cataloger, path): (&str, Box<dyn Cataloger>, &str) = match index {
            0 => ("requests-2.31.0.METADATA", Box::new(PythonCataloger), "a.dist-info/METADATA"),
            1 => ("requests-2.31.0.RECORD", Box::new(PythonCataloger), "l/a-1.dist-info/RECORD"),
            2 => ("package-lock-v3.json", Box::new(NpmCataloger::default()), "package-lock.json"),
            3 => ("package-lock-v1.json", Box::new(NpmCataloger::default()), "package-lock.json"),
            4 => ("express-package.json", Box::new(NpmCataloger::default()), "node_modules/e/package.json"),
            5 => ("Cargo-v3.lock", Box::new(CargoLockCataloger), "Cargo.lock"),
            6 => ("sinatra-3.0.6.gemspec", Box::new(GemCataloger), "specifications/s.gemspec"),
            _ => ("rake-13.0.6.gemspec", Box::new(GemCataloger), "specifications/r.gemspec"),
        };
        let mut bytes = fixture(name);
        let at = at.index(bytes.len() + 1);
        bytes.splice(at..at, insert);
        let cut = cut.index(bytes.len() + 1);
        bytes.truncate(cut.max(at));
        let found = cataloger.catalog(path, &bytes);
        prop_assert!(found.warnings.len() <= 21);
    }

    #[test]
    fn go_build_info_never_panics(
        flags in any::<u8>(),
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = b"\x7fELF".to_vec();
        bytes.extend(MAGIC);
        bytes.extend([8, flags]);
        bytes.resize(4 + 32, 0);
        bytes.extend(tail);
        let _ = GoBinaryCataloger.catalog("usr/bin/a", &bytes);
        let _ = CargoAuditableCataloger.catalog("usr/bin/a", &bytes);
    }

    #[test]
    fn metadata_headers_round_trip(
        name in "[A-Za-z][A-Za-z0-9._-]{0,20}",
        version in "[0-9][0-9a-z.+]{0,10}",
    ) {
        let text = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        let found = PythonCataloger.catalog("x.dist-info/METADATA", text.as_bytes());
        prop_assert_eq!(&found.packages[0].name, &name);
        prop_assert_eq!(&found.packages[0].version, &version);
    }
}
