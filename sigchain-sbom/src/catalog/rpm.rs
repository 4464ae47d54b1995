//! rpm's database. The sqlite rpmdb (`var/lib/rpm/rpmdb.sqlite`, `usr/lib/sysimage/rpm/
//! rpmdb.sqlite`, as RHEL 9, Fedora 33+, CentOS Stream, Amazon Linux 2023 and openSUSE keep
//! it) holds one header blob per package in its `Packages` table (`hnum INTEGER PRIMARY KEY
//! AUTOINCREMENT, blob BLOB NOT NULL`). The file is read with our own read-only SQLite reader
//! ([`crate::sqlite`], which says why not the SQLite library), each row's blob is parsed by
//! [`parse_header_blob`]; a row that cannot be read is a warning, the other rows are listed.
//!
//! The older BerkeleyDB (`Packages`) and ndb (`Packages.db`) formats are **not yet
//! supported**: the cataloger reports each such database as a warning, so the document says
//! what it could not read rather than silently listing no rpm packages.
//!
//! Only the main database file is read. The cataloger sees one file at a time, so it cannot
//! merge a write-ahead log into the database; instead it also asks for `rpmdb.sqlite-wal` and
//! `rpmdb.sqlite-journal`, and a non-empty log or a hot journal beside the database is a
//! warning that changes not yet checkpointed into it (packages installed or removed since)
//! were not read. rpm checkpoints when it closes the database, so images rarely carry one.

use crate::catalog::party::parse_party;
use crate::model::{Cataloger, Found, Location, Package, PackageType};
use crate::sqlite::{Database, Value};

const DB_DIRS: [&str; 2] = ["var/lib/rpm/", "usr/lib/sysimage/rpm/"];

/// Per-row warnings kept for one database; the rest are counted in one more warning, so a
/// badly broken file cannot flood the document.
pub const MAX_ROW_WARNINGS: usize = 20;

/// The first bytes of a rollback journal that still has to be played back (SQLite's
/// `aJournalMagic`); a journal zeroed or truncated after its commit is not hot.
const JOURNAL_MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

/// Most index entries in one header (rpm's own `HEADER_TAGS_MAX`).
pub const MAX_HEADER_ENTRIES: usize = 0xffff;
/// Most data bytes in one header (rpm's own `HEADER_DATA_MAX`).
pub const MAX_HEADER_DATA: usize = 0x0fff_ffff;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_PACKAGER: u32 = 1015;
const TAG_URL: u32 = 1020;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_REQUIRENAME: u32 = 1049;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// Lists the packages of sqlite rpm databases; reports BerkeleyDB and ndb databases as not
/// yet supported.
#[derive(Debug, Clone, Copy, Default)]
pub struct RpmCataloger;

impl Cataloger for RpmCataloger {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn wants(&self, path: &str) -> bool {
        DB_DIRS.iter().any(|dir| {
            path.strip_prefix(dir).is_some_and(|file| {
                matches!(
                    file,
                    "rpmdb.sqlite"
                        | "rpmdb.sqlite-wal"
                        | "rpmdb.sqlite-journal"
                        | "Packages"
                        | "Packages.db"
                )
            })
        })
    }

    fn max_file_bytes(&self) -> u64 {
        // The whole database is held in memory while it is read. A container image's rpmdb is
        // a few MB to 30 MB (a full Fedora or RHEL install: up to ~150 MB); 256 MiB leaves
        // room for the largest hosts without letting one file take unbounded memory.
        256 * 1024 * 1024
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        if path.ends_with("rpmdb.sqlite") {
            return catalog_sqlite(path, content);
        }
        let mut found = Found::default();
        if path.ends_with("-wal") {
            if !content.is_empty() {
                found.warnings.push(format!(
                    "{path}: a write-ahead log of {} bytes lies beside rpmdb.sqlite; changes \
                     not yet checkpointed into the database (packages installed or removed \
                     since) were not read",
                    content.len()
                ));
            }
        } else if path.ends_with("-journal") {
            if content.starts_with(&JOURNAL_MAGIC) {
                found.warnings.push(format!(
                    "{path}: a hot rollback journal lies beside rpmdb.sqlite; the database may \
                     hold a half-written transaction"
                ));
            }
        } else {
            let format = if path.ends_with("Packages.db") {
                "ndb rpmdb"
            } else {
                "BerkeleyDB rpmdb"
            };
            found.warnings.push(format!(
                "{path}: {format}: not yet supported; its rpm packages are not listed"
            ));
        }
        found
    }
}

/// The packages of a sqlite rpmdb: every row of its `Packages` table whose header parses.
fn catalog_sqlite(path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let table = Database::open(content).and_then(|db| Ok((db.table("Packages")?, db)));
    let (table, db) = match table {
        Ok(opened) => opened,
        Err(error) => {
            found.warnings.push(format!(
                "{path}: sqlite rpmdb: {error}; its rpm packages are not listed"
            ));
            return found;
        }
    };
    let Some(blob_column) = table.column("blob") else {
        found.warnings.push(format!(
            "{path}: sqlite rpmdb: the Packages table has no blob column; its rpm packages \
             are not listed"
        ));
        return found;
    };
    let mut row_problems = Vec::new();
    let mut more = 0usize;
    for row in db.rows(&table) {
        let problem = match row {
            Err(error) => format!("Packages table: {error}"),
            Ok(row) => match row.value(blob_column) {
                Ok(Value::Blob(blob)) => match parse_header_blob(path, blob) {
                    Ok(package) if is_signing_key(&package) => continue,
                    Ok(package) => {
                        found.packages.push(package);
                        continue;
                    }
                    Err(error) => format!("package {}: {error}", row.rowid()),
                },
                Ok(other) => format!("package {}: blob holds {}", row.rowid(), other.kind()),
                Err(error) => format!("package {}: {error}", row.rowid()),
            },
        };
        // Counted, not kept: a hostile file can break a row per cell pointer.
        if row_problems.len() < MAX_ROW_WARNINGS {
            row_problems.push(problem);
        } else {
            more += 1;
        }
    }
    found.warnings.extend(
        row_problems
            .into_iter()
            .map(|problem| format!("{path}: {problem}; not listed")),
    );
    if more > 0 {
        found
            .warnings
            .push(format!("{path}: {more} more unreadable rows; not listed"));
    }
    found
}

/// `rpm --import` keeps each trusted signing key in the database as a header named
/// `gpg-pubkey`: a key, not installed software, so it is not listed.
fn is_signing_key(package: &Package) -> bool {
    package.name == "gpg-pubkey"
}

/// Parses one rpm header blob (as the rpmdb stores it: index count and data length as
/// big-endian u32, 16-byte index entries, then the data store) into a package.
///
/// Every offset and count is checked against the blob; a malformed header is an error,
/// never a panic.
pub fn parse_header_blob(path: &str, blob: &[u8]) -> Result<Package, String> {
    let header = Header::parse(blob)?;
    let name = header.string(TAG_NAME).ok_or("header has no NAME")?;
    let version = header.string(TAG_VERSION).ok_or("header has no VERSION")?;
    let release = header.string(TAG_RELEASE);
    let epoch = header.int32s(TAG_EPOCH).and_then(|e| e.first().copied());
    let mut full_version = String::new();
    if let Some(epoch) = epoch {
        full_version.push_str(&format!("{epoch}:"));
    }
    full_version.push_str(&version);
    if let Some(release) = &release {
        full_version.push('-');
        full_version.push_str(release);
    }
    let mut package = Package {
        name,
        version: full_version,
        package_type: Some(PackageType::Rpm),
        arch: header.string(TAG_ARCH),
        license_declared: header.string(TAG_LICENSE),
        supplier: header
            .string(TAG_VENDOR)
            .map(|vendor| crate::model::Party::Organization {
                name: vendor,
                email: None,
            })
            .or_else(|| header.string(TAG_PACKAGER).as_deref().and_then(parse_party)),
        homepage: header.string(TAG_URL),
        locations: vec![Location {
            layer: None,
            path: path.to_string(),
        }],
        ..Package::default()
    };
    if let Some(source) = header.string(TAG_SOURCERPM) {
        package.qualifiers.insert("upstream".into(), source);
    }
    if let Some(requires) = header.strings(TAG_REQUIRENAME) {
        for name in requires {
            // `rpmlib(...)`, sonames (`libc.so.6()(64bit)`) and paths are capabilities, not
            // package names; the writer only links names that match a found package.
            if !name.contains('(') && !name.starts_with('/') && !package.depends_on.contains(&name)
            {
                package.depends_on.push(name);
            }
        }
    }
    if let (Some(bases), Some(dirs), Some(indexes)) = (
        header.strings(TAG_BASENAMES),
        header.strings(TAG_DIRNAMES),
        header.int32s(TAG_DIRINDEXES),
    ) {
        for (base, index) in bases.iter().zip(indexes) {
            if let Some(dir) = usize::try_from(index).ok().and_then(|i| dirs.get(i)) {
                package
                    .files
                    .push(format!("{}{base}", dir.trim_start_matches('/')));
            }
        }
    }
    Ok(package)
}

struct Entry {
    tag: u32,
    ty: u32,
    offset: usize,
    count: usize,
}

struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8]) -> Result<Self, String> {
        let entry_count = be_u32(blob, 0).ok_or("header shorter than 8 bytes")? as usize;
        let data_len = be_u32(blob, 4).ok_or("header shorter than 8 bytes")? as usize;
        if entry_count > MAX_HEADER_ENTRIES || data_len > MAX_HEADER_DATA {
            return Err(format!(
                "header too large ({entry_count} entries, {data_len} data bytes)"
            ));
        }
        let data_start = 8 + entry_count * 16;
        let data = blob
            .get(data_start..data_start + data_len)
            .ok_or("header shorter than its index and data")?;
        let mut entries = Vec::with_capacity(entry_count);
        for i in 0..entry_count {
            let at = 8 + i * 16;
            let field = |n: usize| be_u32(blob, at + 4 * n).unwrap_or(0);
            entries.push(Entry {
                tag: field(0),
                ty: field(1),
                offset: field(2) as usize,
                count: field(3) as usize,
            });
        }
        Ok(Header { entries, data })
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    fn strings(&self, tag: u32) -> Option<Vec<String>> {
        let entry = self.entry(tag)?;
        if !matches!(entry.ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return None;
        }
        // A count larger than the data could hold is malformed; strings are at least 1 byte.
        if entry.count > self.data.len() {
            return None;
        }
        let mut rest = self.data.get(entry.offset..)?;
        let mut out = Vec::with_capacity(entry.count.min(1024));
        for _ in 0..entry.count.max(1) {
            let end = rest.iter().position(|b| *b == 0)?;
            out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
            rest = &rest[end + 1..];
        }
        Some(out)
    }

    fn string(&self, tag: u32) -> Option<String> {
        self.strings(tag)?
            .into_iter()
            .next()
            .filter(|s| !s.is_empty())
    }

    fn int32s(&self, tag: u32) -> Option<Vec<u32>> {
        let entry = self.entry(tag)?;
        if entry.ty != TYPE_INT32 || entry.count > self.data.len() / 4 {
            return None;
        }
        (0..entry.count)
            .map(|i| be_u32(self.data, entry.offset.checked_add(i * 4)?))
            .collect()
    }
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a header blob from (tag, type, value) triples, as rpm lays it out.
    fn blob(entries: &[(u32, u32, Vec<u8>, u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, value, count) in entries {
            if *ty == TYPE_INT32 {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
            for n in [*tag, *ty, data.len() as u32, *count] {
                index.extend_from_slice(&n.to_be_bytes());
            }
            data.extend_from_slice(value);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn s(value: &str) -> (Vec<u8>, u32) {
        let mut v = value.as_bytes().to_vec();
        v.push(0);
        (v, 1)
    }

    fn sa(values: &[&str]) -> (Vec<u8>, u32) {
        let mut v = Vec::new();
        for value in values {
            v.extend_from_slice(value.as_bytes());
            v.push(0);
        }
        (v, values.len() as u32)
    }

    #[test]
    fn imported_signing_keys_are_not_packages() {
        let mut key = parse_header_blob("p", &openssl_libs()).unwrap();
        assert!(!is_signing_key(&key));
        key.name = "gpg-pubkey".into();
        assert!(is_signing_key(&key));
    }

    fn openssl_libs() -> Vec<u8> {
        let e = |tag, ty, (v, c): (Vec<u8>, u32)| (tag, ty, v, c);
        blob(&[
            e(TAG_NAME, TYPE_STRING, s("openssl-libs")),
            e(TAG_VERSION, TYPE_STRING, s("3.0.7")),
            e(TAG_RELEASE, TYPE_STRING, s("27.el9")),
            e(TAG_EPOCH, TYPE_INT32, (1u32.to_be_bytes().to_vec(), 1)),
            e(TAG_LICENSE, TYPE_STRING, s("ASL 2.0")),
            e(TAG_VENDOR, TYPE_STRING, s("Red Hat, Inc.")),
            e(TAG_ARCH, TYPE_STRING, s("x86_64")),
            e(
                TAG_SOURCERPM,
                TYPE_STRING,
                s("openssl-3.0.7-27.el9.src.rpm"),
            ),
            e(
                TAG_REQUIRENAME,
                TYPE_STRING_ARRAY,
                sa(&[
                    "ca-certificates",
                    "libc.so.6()(64bit)",
                    "rpmlib(CompressedFileNames)",
                    "crypto-policies",
                    "/bin/sh",
                ]),
            ),
            e(
                TAG_DIRINDEXES,
                TYPE_INT32,
                ([0u32, 1].iter().flat_map(|n| n.to_be_bytes()).collect(), 2),
            ),
            e(
                TAG_BASENAMES,
                TYPE_STRING_ARRAY,
                sa(&["libcrypto.so.3", "openssl.cnf"]),
            ),
            e(
                TAG_DIRNAMES,
                TYPE_STRING_ARRAY,
                sa(&["/usr/lib64/", "/etc/pki/tls/"]),
            ),
        ])
    }

    #[test]
    fn header_blob() {
        let package = parse_header_blob("var/lib/rpm/rpmdb.sqlite", &openssl_libs()).unwrap();
        assert_eq!(package.name, "openssl-libs");
        assert_eq!(package.version, "1:3.0.7-27.el9");
        assert_eq!(package.arch.as_deref(), Some("x86_64"));
        assert_eq!(package.license_declared.as_deref(), Some("ASL 2.0"));
        assert_eq!(package.depends_on, ["ca-certificates", "crypto-policies"]);
        assert_eq!(
            package.files,
            ["usr/lib64/libcrypto.so.3", "etc/pki/tls/openssl.cnf"]
        );
        assert_eq!(
            package.qualifiers.get("upstream").map(String::as_str),
            Some("openssl-3.0.7-27.el9.src.rpm")
        );
    }

    #[test]
    fn truncated_and_lying_headers_are_errors() {
        let good = openssl_libs();
        for cut in [0, 4, 8, 20, good.len() - 1] {
            assert!(
                parse_header_blob("p", &good[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut huge = good.clone();
        huge[0..4].copy_from_slice(&0x0010_0000u32.to_be_bytes());
        assert!(parse_header_blob("p", &huge)
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn berkeley_and_ndb_databases_are_reported_not_yet_supported() {
        for path in ["usr/lib/sysimage/rpm/Packages.db", "var/lib/rpm/Packages"] {
            assert!(RpmCataloger.wants(path));
            let found = RpmCataloger.catalog(path, b"\0\0\0\0");
            assert!(found.packages.is_empty());
            assert!(
                found.warnings[0].contains("not yet supported"),
                "{:?}",
                found.warnings
            );
        }
        assert!(!RpmCataloger.wants("var/lib/rpm/Name"));
        assert!(!RpmCataloger.wants("var/lib/rpm/rpmdb.sqlite-shm"));
    }

    #[test]
    fn an_unreadable_sqlite_file_is_one_warning() {
        let found = RpmCataloger.catalog("var/lib/rpm/rpmdb.sqlite", b"SQLite format 3\0");
        assert!(found.packages.is_empty());
        assert_eq!(
            found.warnings,
            [
                "var/lib/rpm/rpmdb.sqlite: sqlite rpmdb: database file truncated: 16 bytes, at \
              least 100 needed; its rpm packages are not listed"
            ]
        );
    }

    #[test]
    fn logs_beside_the_database_are_warnings_when_they_hold_something() {
        let wal = "usr/lib/sysimage/rpm/rpmdb.sqlite-wal";
        let journal = "var/lib/rpm/rpmdb.sqlite-journal";
        assert!(RpmCataloger.wants(wal) && RpmCataloger.wants(journal));
        assert_eq!(RpmCataloger.catalog(wal, b""), Found::default());
        assert!(RpmCataloger
            .catalog(wal, &[0x37, 0x7f, 0x06, 0x82])
            .warnings[0]
            .contains("not yet checkpointed"));
        assert_eq!(RpmCataloger.catalog(journal, &[0; 512]), Found::default());
        let mut hot = JOURNAL_MAGIC.to_vec();
        hot.resize(512, 0);
        assert!(RpmCataloger.catalog(journal, &hot).warnings[0].contains("half-written"));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_header_blob("p", &bytes);
        }

        #[test]
        fn mutated_headers_never_panic(at in 0usize..400, byte in any::<u8>()) {
            let mut blob = openssl_libs();
            let len = blob.len();
            blob[at % len] = byte;
            let _ = parse_header_blob("p", &blob);
        }
    }
}
