//! The sqlite rpmdb read end to end: real databases made by rpm 4.18 (`tests/data/rpm/`,
//! `make-fixtures.sh`) read by our SQLite reader and compared byte for byte with what SQLite
//! itself returns (Python's standard `sqlite3` module, the python being `$SIGCHAIN_PYTHON`;
//! scripts/test-all.sh sets it up: without it these tests fail, never skip), then cataloged.

use std::path::{Path, PathBuf};
use std::process::Command;

use sigchain_sbom::catalog::rpm::{RpmCataloger, MAX_ROW_WARNINGS};
use sigchain_sbom::driver::catalog_source;
use sigchain_sbom::model::{Cataloger, Distro, Party};
use sigchain_sbom::source::{Source, SourceLimits};
use sigchain_sbom::sqlite::{Database, SqliteError, Value};

const FIXTURES: [&str; 3] = [
    "small.rpmdb.sqlite",
    "many.rpmdb.sqlite",
    "small-512.rpmdb.sqlite",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rpm")
        .join(name)
}

fn python() -> PathBuf {
    match std::env::var_os("SIGCHAIN_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "SIGCHAIN_PYTHON is not set: run scripts/test-all.sh or point it at a python 3 \
             (only its standard library is used here)"
        ),
    }
}

/// Runs a python script with `args`; its stdout.
fn run_python(script: &str, args: &[&Path]) -> Vec<u8> {
    let output = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// SQLite's own reading of the Packages table: (hnum, blob) in hnum order. The database is
/// opened read-only and immutable, so SQLite writes nothing beside the fixture.
const DUMP: &str = r#"
import sqlite3, struct, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro&immutable=1", uri=True)
out = sys.stdout.buffer
for hnum, blob in db.execute("SELECT hnum, blob FROM Packages ORDER BY hnum"):
    out.write(struct.pack(">qI", hnum, len(blob)))
    out.write(blob)
"#;

fn sqlite_rows(path: &Path) -> Vec<(i64, Vec<u8>)> {
    let dump = run_python(DUMP, &[path]);
    let mut rows = Vec::new();
    let mut rest = &dump[..];
    while !rest.is_empty() {
        let hnum = i64::from_be_bytes(rest[..8].try_into().unwrap());
        let len = u32::from_be_bytes(rest[8..12].try_into().unwrap()) as usize;
        rows.push((hnum, rest[12..12 + len].to_vec()));
        rest = &rest[12 + len..];
    }
    rows
}

fn our_rows(bytes: &[u8]) -> Result<Vec<(i64, Vec<u8>)>, SqliteError> {
    let db = Database::open(bytes)?;
    let table = db.table("Packages")?;
    let blob = table.column("blob").expect("a blob column");
    db.rows(&table)
        .map(|row| {
            let row = row?;
            match row.value(blob)? {
                Value::Blob(bytes) => Ok((row.rowid(), bytes.to_vec())),
                other => panic!("row {} holds {}", row.rowid(), other.kind()),
            }
        })
        .collect()
}

#[test]
fn rows_match_sqlite_byte_for_byte() {
    for name in FIXTURES {
        let path = fixture(name);
        let expected = sqlite_rows(&path);
        assert!(!expected.is_empty(), "{name}");
        let ours = our_rows(&std::fs::read(&path).unwrap()).unwrap();
        assert!(ours == expected, "{name}: rows differ from SQLite's");
    }
}

/// Databases SQLite writes in ways rpm's does not: 64 KiB pages (stored as 1 in the header)
/// and UTF-16 text.
#[test]
fn other_page_sizes_and_encodings_made_by_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |page_size: u32, encoding: &str| {
        let target = dir.path().join(format!("{page_size}-{encoding}.sqlite"));
        let script = format!(
            r#"
import sqlite3, sys
src = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro&immutable=1", uri=True)
dst = sqlite3.connect(sys.argv[2])
dst.execute("PRAGMA page_size={page_size}")
dst.execute("PRAGMA encoding='{encoding}'")
dst.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
dst.executemany("INSERT INTO Packages VALUES (?, ?)", src.execute("SELECT hnum, blob FROM Packages"))
dst.commit()
dst.close()
"#
        );
        run_python(&script, &[&fixture("small.rpmdb.sqlite"), &target]);
        std::fs::read(target).unwrap()
    };
    let expected = sqlite_rows(&fixture("small.rpmdb.sqlite"));

    let big_pages = copy(65536, "UTF-8");
    assert_eq!(big_pages[16..18], [0, 1]);
    assert_eq!(Database::open(&big_pages).unwrap().page_size(), 65536);
    assert!(our_rows(&big_pages).unwrap() == expected);

    let smallest = copy(512, "UTF-8");
    assert!(our_rows(&smallest).unwrap() == expected);

    for (encoding, code) in [("UTF-16le", 2), ("UTF-16be", 3)] {
        assert_eq!(
            Database::open(&copy(4096, encoding)).unwrap_err(),
            SqliteError::UnsupportedTextEncoding(code)
        );
    }
}

#[test]
fn small_database_packages() {
    let path = "usr/lib/sysimage/rpm/rpmdb.sqlite";
    let found = RpmCataloger.catalog(path, &std::fs::read(fixture("small.rpmdb.sqlite")).unwrap());
    assert_eq!(found.warnings, Vec::<String>::new());
    let fedora = Distro {
        id: "fedora".into(),
        version_id: Some("40".into()),
        ..Distro::default()
    };
    let summary: Vec<_> = found
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.version.as_str(),
                p.arch.as_deref(),
                p.license_declared.as_deref(),
                p.purl(Some(&fedora)),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "libwidget",
                "2:3.4.5-2.el9",
                Some("noarch"),
                Some("MIT OR Apache-2.0"),
                Some(
                    "pkg:rpm/fedora/libwidget@3.4.5-2.el9?arch=noarch&distro=fedora-40&epoch=2\
                     &upstream=libwidget-3.4.5-2.el9.src.rpm"
                        .to_string()
                )
            ),
            (
                "hello",
                "2.12.1-3.fc40",
                Some("x86_64"),
                Some("GPL-3.0-or-later"),
                Some(
                    "pkg:rpm/fedora/hello@2.12.1-3.fc40?arch=x86_64&distro=fedora-40\
                     &upstream=hello-2.12.1-3.fc40.src.rpm"
                        .to_string()
                )
            ),
            (
                "bigdocs",
                "1.0-1",
                Some("noarch"),
                Some("CC-BY-SA-4.0"),
                Some(
                    "pkg:rpm/fedora/bigdocs@1.0-1?arch=noarch&distro=fedora-40\
                     &upstream=bigdocs-1.0-1.src.rpm"
                        .to_string()
                )
            ),
        ]
    );
    // rpm installed libwidget first (hello requires it): hnum order.
    let [libwidget, hello, bigdocs] = &found.packages[..] else {
        unreachable!()
    };
    assert_eq!(
        hello.supplier,
        Some(Party::Organization {
            name: "Fedora Project".into(),
            email: None
        })
    );
    assert_eq!(
        hello.homepage.as_deref(),
        Some("https://www.gnu.org/software/hello/")
    );
    assert_eq!(hello.depends_on, ["bash", "libwidget"]);
    assert_eq!(hello.files, ["usr/bin/hello", "usr/share/doc/hello/README"]);
    // No Vendor: the Packager is the supplier.
    assert_eq!(
        libwidget.supplier,
        Some(Party::Person {
            name: "Jane Doe".into(),
            email: Some("jane@example.org".into())
        })
    );
    assert_eq!(bigdocs.files.len(), 601);
    assert!(bigdocs
        .files
        .contains(&"usr/share/doc/bigdocs/page-600.txt".to_string()));
    assert!(bigdocs
        .locations
        .iter()
        .all(|location| location.path == path));
}

#[test]
fn many_packages_across_an_interior_page() {
    let found = RpmCataloger.catalog(
        "var/lib/rpm/rpmdb.sqlite",
        &std::fs::read(fixture("many.rpmdb.sqlite")).unwrap(),
    );
    assert_eq!(found.warnings, Vec::<String>::new());
    let mut names: Vec<_> = found.packages.iter().map(|p| p.name.clone()).collect();
    names.sort();
    let mut expected: Vec<_> = (1..60).map(|i| format!("many-{i:02}")).collect();
    expected.insert(0, "many".into());
    assert_eq!(names, expected);
    assert!(found
        .packages
        .iter()
        .all(|p| p.supplier.is_some() && p.license_declared.as_deref() == Some("MIT")));
}

#[test]
fn broken_rows_are_warnings_and_the_rest_listed() {
    let mut bytes = std::fs::read(fixture("small.rpmdb.sqlite")).unwrap();
    // Row 3's first overflow page (55) made to point at itself.
    bytes[54 * 4096..54 * 4096 + 4].copy_from_slice(&55u32.to_be_bytes());
    let found = RpmCataloger.catalog("var/lib/rpm/rpmdb.sqlite", &bytes);
    let names: Vec<_> = found.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["libwidget", "hello"]);
    assert_eq!(
        found.warnings,
        [
            "var/lib/rpm/rpmdb.sqlite: Packages table: page 55 is reached twice (a cycle in the \
          B-tree or an overflow chain); not listed"
        ]
    );
}

#[test]
fn row_warnings_are_capped() {
    let mut bytes = std::fs::read(fixture("many.rpmdb.sqlite")).unwrap();
    // Each of the 60 rows: record header [4, NULL, blob of 1768 bytes (1772 for one)], then
    // the header blob, whose index count is made far too large.
    let record_headers = [[4, 0, 0x9b, 0x5c], [4, 0, 0x9b, 0x64]];
    let starts: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| record_headers.iter().any(|h| h == w))
        .map(|(at, _)| at + 4)
        .collect();
    // (A page's free space may hold a stale copy too; changing it is harmless.)
    assert!(starts.len() >= 60);
    for at in starts {
        bytes[at..at + 4].copy_from_slice(&[0xff; 4]);
    }
    let found = RpmCataloger.catalog("var/lib/rpm/rpmdb.sqlite", &bytes);
    assert!(found.packages.is_empty());
    assert_eq!(found.warnings.len(), MAX_ROW_WARNINGS + 1);
    assert!(found.warnings[0].contains("package 1: header too large"));
    assert_eq!(
        found.warnings[MAX_ROW_WARNINGS],
        "var/lib/rpm/rpmdb.sqlite: 40 more unreadable rows; not listed"
    );
}

/// Through the driver: a root file system with the database, its os-release and a
/// write-ahead log left beside the database.
#[test]
fn a_root_with_an_rpmdb_and_a_leftover_wal() {
    let root = tempfile::tempdir().unwrap();
    let db_dir = root.path().join("usr/lib/sysimage/rpm");
    std::fs::create_dir_all(&db_dir).unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(
        root.path().join("etc/os-release"),
        "ID=fedora\nVERSION_ID=40\n",
    )
    .unwrap();
    std::fs::copy(fixture("small.rpmdb.sqlite"), db_dir.join("rpmdb.sqlite")).unwrap();
    std::fs::write(
        db_dir.join("rpmdb.sqlite-wal"),
        [0x37, 0x7f, 0x06, 0x82, 0, 0],
    )
    .unwrap();
    std::fs::write(db_dir.join("rpmdb.sqlite-shm"), [0; 64]).unwrap();
    let catalog = catalog_source(
        &Source::Dir(root.path().into()),
        &[&RpmCataloger],
        &SourceLimits::default(),
    )
    .unwrap();
    let purls: Vec<_> = catalog
        .packages
        .iter()
        .filter_map(|p| p.purl(catalog.distro.as_ref()))
        .collect();
    assert_eq!(purls.len(), 3);
    assert!(purls[0].starts_with("pkg:rpm/fedora/bigdocs@1.0-1?arch=noarch&distro=fedora-40"));
    assert_eq!(catalog.warnings.len(), 1, "{:?}", catalog.warnings);
    assert_eq!(
        catalog.warnings[0].location.path,
        "usr/lib/sysimage/rpm/rpmdb.sqlite-wal"
    );
    assert!(catalog.warnings[0].message.contains("not yet checkpointed"));
}
