//! Java archives (`.jar`, `.war`, `.ear`, Jenkins `.jpi`/`.hpi`): the Maven coordinates Maven
//! writes into `META-INF/maven/<groupId>/<artifactId>/pom.properties`, else what
//! `META-INF/MANIFEST.MF` says, and the archives nested inside (`WEB-INF/lib/*.jar`,
//! `BOOT-INF/lib/*.jar`, ...), read from memory.
//!
//! An archive holding several `pom.properties` (a shaded or "fat" jar) yields one package for
//! each: each is code that was copied in. A manifest is used only when no `pom.properties`
//! names the archive: its `Implementation-Title` (or `Bundle-SymbolicName`) and
//! `Implementation-Version` (or `Bundle-Version`) name the package, and
//! `Implementation-Vendor` is the supplier; nothing is guessed from the file name.
//!
//! Archives are untrusted: entry counts, the bytes inflated per entry and per archive, and the
//! nesting depth are bounded ([`JavaLimits`]); a zip that does not open is a warning.

use std::io::{Cursor, Read};

use crate::model::{Cataloger, Found, Package, PackageType, Party};

/// Bounds on reading one archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JavaLimits {
    /// Most entries an archive may list.
    pub max_entries: usize,
    /// Largest `pom.properties` or `MANIFEST.MF` read.
    pub max_metadata_bytes: u64,
    /// Largest nested archive inflated into memory.
    pub max_nested_bytes: u64,
    /// Most bytes inflated for one top-level archive, nested archives included.
    pub max_total_bytes: u64,
    /// How deep archives nest (a jar in a war is depth 1).
    pub max_depth: usize,
}

impl JavaLimits {
    /// Enough for real applications (Spring Boot jars hold a few hundred nested jars).
    pub const DEFAULT: JavaLimits = JavaLimits {
        max_entries: 100_000,
        max_metadata_bytes: 1024 * 1024,
        max_nested_bytes: 128 * 1024 * 1024,
        max_total_bytes: 1024 * 1024 * 1024,
        max_depth: 3,
    };
}

const ARCHIVE_SUFFIXES: [&str; 5] = [".jar", ".war", ".ear", ".jpi", ".hpi"];

fn is_archive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ARCHIVE_SUFFIXES
        .iter()
        .any(|suffix| lower.ends_with(suffix))
}

/// `key=value` / `key: value` lines of a Java properties file (comments, blank lines and
/// backslash escapes of the simple kind; continuation lines are joined).
pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if pending.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        pending.push_str(line);
        let trailing = pending.chars().rev().take_while(|c| *c == '\\').count();
        if trailing % 2 == 1 {
            pending.pop();
            continue;
        }
        let entry = std::mem::take(&mut pending);
        let split = entry.find(['=', ':']);
        let (key, value) = match split {
            Some(at) => (&entry[..at], &entry[at + 1..]),
            None => (entry.as_str(), ""),
        };
        out.push((unescape(key.trim()), unescape(value.trim())));
    }
    out
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The main section of a `MANIFEST.MF`: `Name: value` headers, continuation lines (a leading
/// space) joined, up to the first blank line.
pub fn parse_manifest(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some(continued) = line.strip_prefix(' ') {
            if let Some((_, value)) = out.last_mut() {
                value.push_str(continued);
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            out.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    out
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

struct Reader<'l> {
    limits: &'l JavaLimits,
    inflated: u64,
    warnings: Vec<String>,
}

impl Reader<'_> {
    fn read_entry(
        &mut self,
        entry: &mut zip::read::ZipFile<'_, Cursor<&[u8]>>,
        limit: u64,
    ) -> Option<Vec<u8>> {
        let name = entry.name().to_owned();
        if entry.size() > limit {
            self.warnings.push(format!(
                "{name}: {} bytes, over the limit of {limit}",
                entry.size()
            ));
            return None;
        }
        let mut bytes = Vec::new();
        // The declared size may lie: read one byte past the limit to tell.
        let read = entry.take(limit + 1).read_to_end(&mut bytes);
        if let Err(e) = read {
            self.warnings.push(format!("{name}: {e}"));
            return None;
        }
        if bytes.len() as u64 > limit {
            self.warnings
                .push(format!("{name}: inflates past the limit of {limit} bytes"));
            return None;
        }
        self.inflated += bytes.len() as u64;
        Some(bytes)
    }

    fn archive(&mut self, label: &str, bytes: &[u8], depth: usize, found: &mut Vec<Package>) {
        let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(zip) => zip,
            Err(e) => {
                self.warnings
                    .push(format!("{label}: not a readable zip: {e}"));
                return;
            }
        };
        if zip.len() > self.limits.max_entries {
            self.warnings.push(format!(
                "{label}: {} entries, over the limit of {}",
                zip.len(),
                self.limits.max_entries
            ));
            return;
        }
        let mut poms = Vec::new();
        let mut manifest = None;
        let mut nested = Vec::new();
        for index in 0..zip.len() {
            if self.inflated > self.limits.max_total_bytes {
                self.warnings.push(format!(
                    "{label}: stopped after inflating {} bytes (limit {})",
                    self.inflated, self.limits.max_total_bytes
                ));
                return;
            }
            let mut entry = match zip.by_index(index) {
                Ok(entry) => entry,
                Err(e) => {
                    self.warnings.push(format!("{label}: entry {index}: {e}"));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let name = entry.name().to_owned();
            let metadata_limit = self.limits.max_metadata_bytes;
            if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
                if let Some(content) = self.read_entry(&mut entry, metadata_limit) {
                    poms.push(String::from_utf8_lossy(&content).into_owned());
                }
            } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest = self
                    .read_entry(&mut entry, metadata_limit)
                    .map(|content| String::from_utf8_lossy(&content).into_owned());
            } else if is_archive(&name) {
                if depth >= self.limits.max_depth {
                    self.warnings
                        .push(format!("{label}!/{name}: nested deeper than {depth}"));
                    continue;
                }
                let nested_limit = self.limits.max_nested_bytes;
                if let Some(content) = self.read_entry(&mut entry, nested_limit) {
                    nested.push((name, content));
                }
            }
        }
        let before = found.len();
        for pom in &poms {
            let properties = parse_properties(pom);
            match (get(&properties, "artifactId"), get(&properties, "version")) {
                (Some(artifact), Some(version)) => found.push(Package {
                    name: artifact.to_owned(),
                    version: version.to_owned(),
                    package_type: Some(PackageType::Maven),
                    namespace: get(&properties, "groupId").map(str::to_owned),
                    ..Package::default()
                }),
                _ => self.warnings.push(format!(
                    "{label}: a pom.properties without artifactId and version"
                )),
            }
        }
        if found.len() == before {
            if let Some(manifest) = manifest.as_deref().map(parse_manifest) {
                let name = get(&manifest, "Implementation-Title").or_else(|| {
                    get(&manifest, "Bundle-SymbolicName")
                        .map(|n| n.split(';').next().unwrap_or(n).trim())
                });
                let version = get(&manifest, "Implementation-Version")
                    .or_else(|| get(&manifest, "Bundle-Version"));
                if let (Some(name), Some(version)) = (name, version) {
                    found.push(Package {
                        name: name.to_owned(),
                        version: version.to_owned(),
                        package_type: Some(PackageType::Maven),
                        namespace: get(&manifest, "Implementation-Vendor-Id").map(str::to_owned),
                        supplier: get(&manifest, "Implementation-Vendor").map(|vendor| {
                            Party::Organization {
                                name: vendor.to_owned(),
                                email: None,
                            }
                        }),
                        license_declared: get(&manifest, "Bundle-License").map(str::to_owned),
                        ..Package::default()
                    });
                }
            }
        }
        for (name, content) in nested {
            self.archive(&format!("{label}!/{name}"), &content, depth + 1, found);
        }
    }
}

/// Read an archive's packages (nested archives included) within `limits`.
pub fn read_archive(path: &str, bytes: &[u8], limits: &JavaLimits) -> Found {
    let mut reader = Reader {
        limits,
        inflated: 0,
        warnings: Vec::new(),
    };
    let mut packages = Vec::new();
    reader.archive(path, bytes, 0, &mut packages);
    Found {
        packages,
        warnings: reader.warnings,
    }
}

/// The Java archive cataloger.
#[derive(Debug, Clone, Copy)]
pub struct JavaArchiveCataloger {
    /// Bounds on each archive.
    pub limits: JavaLimits,
}

impl Default for JavaArchiveCataloger {
    fn default() -> Self {
        JavaArchiveCataloger {
            limits: JavaLimits::DEFAULT,
        }
    }
}

impl Cataloger for JavaArchiveCataloger {
    fn name(&self) -> &'static str {
        "java-archive"
    }

    fn wants(&self, path: &str) -> bool {
        is_archive(path)
    }

    fn max_file_bytes(&self) -> u64 {
        512 * 1024 * 1024
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        read_archive(path, content, &self.limits)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    const POM: &[u8] = b"#Generated by Maven\n#Tue Jan 02 10:00:00 UTC 2024\nartifactId=commons-text\ngroupId=org.apache.commons\nversion=1.10.0\n";
    const MANIFEST: &[u8] = b"Manifest-Version: 1.0\r\nImplementation-Title: jackson-core\r\nImplementation-Version: 2.17.\r\n 1\r\nImplementation-Vendor: FasterXML\r\n\r\nName: other\r\nImplementation-Version: 9\r\n";

    #[test]
    fn pom_properties_name_the_archive() {
        let jar = zip_of(&[
            ("META-INF/MANIFEST.MF", MANIFEST),
            (
                "META-INF/maven/org.apache.commons/commons-text/pom.properties",
                POM,
            ),
            (
                "org/apache/commons/text/StringSubstitutor.class",
                b"\xca\xfe\xba\xbe",
            ),
        ]);
        let found =
            JavaArchiveCataloger::default().catalog("app/lib/commons-text-1.10.0.jar", &jar);
        assert!(found.warnings.is_empty(), "{:?}", found.warnings);
        assert_eq!(found.packages.len(), 1);
        let package = &found.packages[0];
        assert_eq!(package.name, "commons-text");
        assert_eq!(package.namespace.as_deref(), Some("org.apache.commons"));
        assert_eq!(package.version, "1.10.0");
        assert_eq!(package.package_type, Some(PackageType::Maven));
    }

    #[test]
    fn the_manifest_names_an_archive_without_pom_properties() {
        let jar = zip_of(&[("META-INF/MANIFEST.MF", MANIFEST)]);
        let found = read_archive("x.jar", &jar, &JavaLimits::DEFAULT);
        assert_eq!(found.packages.len(), 1);
        let package = &found.packages[0];
        assert_eq!(package.name, "jackson-core");
        assert_eq!(package.version, "2.17.1", "continuation lines are joined");
        assert_eq!(
            package.supplier,
            Some(Party::Organization {
                name: "FasterXML".into(),
                email: None
            })
        );
        // Nothing is guessed from a file name.
        let bare = zip_of(&[("a.class", b"x")]);
        assert!(read_archive("guava-33.0.jar", &bare, &JavaLimits::DEFAULT)
            .packages
            .is_empty());
    }

    #[test]
    fn nested_archives_are_read_within_the_depth_limit() {
        let inner = zip_of(&[(
            "META-INF/maven/org.apache.commons/commons-text/pom.properties",
            POM,
        )]);
        let war = zip_of(&[
            ("WEB-INF/lib/commons-text-1.10.0.jar", &inner),
            ("WEB-INF/web.xml", b"<web-app/>"),
        ]);
        let ear = zip_of(&[("app.war", &war)]);
        let found = read_archive("app.ear", &ear, &JavaLimits::DEFAULT);
        assert_eq!(found.packages.len(), 1, "{:?}", found.warnings);
        let shallow = JavaLimits {
            max_depth: 1,
            ..JavaLimits::DEFAULT
        };
        let found = read_archive("app.ear", &ear, &shallow);
        assert!(found.packages.is_empty());
        assert!(
            found.warnings[0].contains("nested deeper"),
            "{:?}",
            found.warnings
        );
    }

    #[test]
    fn bombs_and_garbage_are_warnings() {
        let bomb = zip_of(&[(
            "META-INF/maven/g/a/pom.properties",
            &vec![b'#'; 2 * 1024 * 1024],
        )]);
        let found = read_archive("bomb.jar", &bomb, &JavaLimits::DEFAULT);
        assert!(found.packages.is_empty());
        assert!(found.warnings[0].contains("limit"), "{:?}", found.warnings);
        let garbage = read_archive("x.jar", b"PK\x03\x04 not really", &JavaLimits::DEFAULT);
        assert_eq!(garbage.warnings.len(), 1);
        let few = JavaLimits {
            max_entries: 1,
            ..JavaLimits::DEFAULT
        };
        let two = zip_of(&[("a", b"1"), ("b", b"2")]);
        assert!(read_archive("x.jar", &two, &few).warnings[0].contains("entries"));
    }

    #[test]
    fn properties_and_manifest_parsing() {
        let pairs = parse_properties("# c\n! c\nkey = a\\\n  b\nother: x\\=y\nbare\n");
        assert_eq!(
            pairs,
            [
                ("key".to_owned(), "ab".to_owned()),
                ("other".to_owned(), "x=y".to_owned()),
                ("bare".to_owned(), String::new()),
            ]
        );
        let manifest = parse_manifest("A: 1\n 2\nB: x\n\nC: later\n");
        assert_eq!(manifest.len(), 2);
        assert_eq!(get(&manifest, "a"), Some("12"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = read_archive("x.jar", &bytes, &JavaLimits::DEFAULT);
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse_properties(&text);
            let _ = parse_manifest(&text);
        }
    }
}
