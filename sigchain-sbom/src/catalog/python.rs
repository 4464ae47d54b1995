//! Python distributions: `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO` and
//! single-file `*.egg-info` (setuptools), and the installed files: `*.dist-info/RECORD` and
//! `*.egg-info/installed-files.txt`.
//!
//! METADATA and RECORD are two files of one package, and a cataloger sees one file at a time:
//! each is cataloged on its own (a RECORD gives a package named after its `NAME-VERSION.dist-info`
//! directory, holding only the files) and [`merge_records`] folds every RECORD package into the
//! METADATA package of the same directory. The driver calls it once over all packages found;
//! a RECORD without METADATA stays a package of its own (pip wrote something, so something is
//! installed).
//!
//! Core metadata is e-mail header format (core metadata spec 2.4): `Key: value` lines up to the
//! first blank line, continuation lines start with whitespace. Names in `depends_on` are PEP 503
//! normalized ([`normalize_name`]); a writer resolving them compares normalized names.

use crate::catalog::declared::{excerpt, location, parse_person, MAX_LICENSE_EXPRESSION};
use crate::model::{Cataloger, Checksum, Found, Package, PackageType, Party};

/// The most header fields read from one METADATA file (real ones have well under 200).
pub const MAX_HEADERS: usize = 10_000;
/// The most files read from one RECORD.
pub const MAX_RECORD_FILES: usize = 200_000;
/// The most warnings reported for one file; the rest are counted in one last warning.
pub const MAX_WARNINGS: usize = 20;

/// The Python cataloger.
///
/// ```
/// use sigchain_sbom::catalog::python::PythonCataloger;
/// use sigchain_sbom::model::Cataloger;
/// let metadata = b"Metadata-Version: 2.1\nName: idna\nVersion: 3.7\nLicense-Expression: BSD-3-Clause\n";
/// let path = "usr/lib/python3/dist-packages/idna-3.7.dist-info/METADATA";
/// assert!(PythonCataloger.wants(path));
/// let found = PythonCataloger.catalog(path, metadata);
/// assert_eq!(found.packages[0].name, "idna");
/// assert_eq!(found.packages[0].license_declared.as_deref(), Some("BSD-3-Clause"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonCataloger;

impl Cataloger for PythonCataloger {
    fn name(&self) -> &'static str {
        "python"
    }

    fn wants(&self, path: &str) -> bool {
        is_metadata(path) || is_record(path)
    }

    fn max_file_bytes(&self) -> u64 {
        // A METADATA embeds the README as its body; RECORDs of big distributions run to a few MB.
        32 * 1024 * 1024
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        if is_record(path) {
            catalog_record(path, content)
        } else {
            catalog_metadata(path, content)
        }
    }
}

fn is_metadata(path: &str) -> bool {
    path.ends_with(".dist-info/METADATA")
        || path.ends_with(".egg-info/PKG-INFO")
        || path.ends_with(".egg-info")
}

fn is_record(path: &str) -> bool {
    path.ends_with(".dist-info/RECORD") || path.ends_with(".egg-info/installed-files.txt")
}

/// The `.dist-info`/`.egg-info` directory a file of a distribution sits in, and whether the
/// file is the one with the metadata (`METADATA`, `PKG-INFO`) or the one listing the files
/// (`RECORD`, `installed-files.txt`).
fn distribution_part(path: &str) -> Option<(&str, bool)> {
    for (suffix, is_metadata) in [
        ("/METADATA", true),
        ("/RECORD", false),
        ("/PKG-INFO", true),
        ("/installed-files.txt", false),
    ] {
        if let Some(dir) = path.strip_suffix(suffix) {
            let expected = if suffix == "/METADATA" || suffix == "/RECORD" {
                ".dist-info"
            } else {
                ".egg-info"
            };
            return dir.ends_with(expected).then_some((dir, is_metadata));
        }
    }
    None
}

/// A name normalized per PEP 503: lowercase, runs of `-`, `_`, `.` become one `-`.
///
/// ```
/// assert_eq!(sigchain_sbom::catalog::python::normalize_name("Typing_Extensions"), "typing-extensions");
/// assert_eq!(sigchain_sbom::catalog::python::normalize_name("zope.interface"), "zope-interface");
/// ```
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// Warnings for one file, capped at [`MAX_WARNINGS`].
struct Warnings {
    list: Vec<String>,
    dropped: usize,
}

impl Warnings {
    fn new() -> Self {
        Self {
            list: Vec::new(),
            dropped: 0,
        }
    }
    fn push(&mut self, message: String) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(message);
        } else {
            self.dropped += 1;
        }
    }
    fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list
                .push(format!("{} more warnings not shown", self.dropped));
        }
        self.list
    }
}

/// The header fields of a core metadata file, in order, with continuation lines joined by `\n`.
fn parse_headers(text: &str, warnings: &mut Warnings) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (number, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break; // The body (the long description) follows the first blank line.
        }
        if line.starts_with([' ', '\t']) {
            match fields.last_mut() {
                Some((_, value)) => {
                    value.push('\n');
                    value.push_str(line.trim());
                }
                None => warnings.push(format!("line {}: continuation without a field", number + 1)),
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            warnings.push(format!(
                "line {}: not a header field: {:?}",
                number + 1,
                excerpt(line, 80)
            ));
            continue;
        };
        if fields.len() >= MAX_HEADERS {
            warnings.push(format!(
                "more than {MAX_HEADERS} header fields; the rest are ignored"
            ));
            break;
        }
        fields.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    fields
}

fn catalog_metadata(path: &str, content: &[u8]) -> Found {
    let mut warnings = Warnings::new();
    let text = String::from_utf8_lossy(content);
    if matches!(text, std::borrow::Cow::Owned(_)) {
        warnings.push("not valid UTF-8; invalid bytes replaced".into());
    }
    let fields = parse_headers(&text, &mut warnings);
    let first = |key: &str| {
        fields
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let all = |key: &'static str| {
        fields
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let (Some(name), Some(version)) = (first("name"), first("version")) else {
        warnings.push("no Name or no Version field: not a distribution's metadata".into());
        return Found {
            packages: Vec::new(),
            warnings: warnings.finish(),
        };
    };
    let license_declared = declared_license(
        first("license-expression"),
        first("license"),
        all("classifier"),
    );
    let author = party(first("author"), first("author-email"));
    let maintainer = party(first("maintainer"), first("maintainer-email"));
    let (supplier, originator) = match (maintainer, author) {
        (Some(maintainer), Some(author)) if maintainer != author => {
            (Some(maintainer), Some(author))
        }
        (Some(maintainer), _) => (Some(maintainer), None),
        (None, author) => (author, None),
    };
    let mut depends_on: Vec<String> = all("requires-dist").filter_map(requirement_name).collect();
    depends_on.sort();
    depends_on.dedup();
    let package = Package {
        name: name.to_string(),
        version: version.to_string(),
        package_type: Some(PackageType::Python),
        license_declared,
        supplier,
        originator,
        homepage: homepage(
            first("home-page"),
            all("project-url"),
            first("download-url"),
        ),
        locations: vec![location(path)],
        depends_on,
        ..Package::default()
    };
    Found {
        packages: vec![package],
        warnings: warnings.finish(),
    }
}

/// License-Expression (PEP 639) first; then a one-line License field (a multi-line one is the
/// license's text, not its name; `UNKNOWN` is what old setuptools wrote for nothing); then a
/// `License ::` classifier, only when there is exactly one and it names one SPDX license
/// without doubt (`BSD License` could be 2- or 3-clause, so it is not mapped).
fn declared_license<'a>(
    expression: Option<&str>,
    license: Option<&str>,
    classifiers: impl Iterator<Item = &'a str>,
) -> Option<String> {
    if let Some(expression) = expression {
        return Some(expression.to_string());
    }
    if let Some(license) = license {
        if !license.contains('\n')
            && license.len() <= MAX_LICENSE_EXPRESSION
            && !license.eq_ignore_ascii_case("UNKNOWN")
        {
            return Some(license.to_string());
        }
    }
    let license_classifiers: Vec<&str> = classifiers
        .filter(|c| c.starts_with("License ::"))
        .collect();
    match license_classifiers.as_slice() {
        [one] => classifier_spdx(one).map(str::to_string),
        _ => None,
    }
}

fn classifier_spdx(classifier: &str) -> Option<&'static str> {
    let name = classifier.rsplit("::").next()?.trim();
    Some(match name {
        "MIT License" => "MIT",
        "MIT No Attribution License (MIT-0)" => "MIT-0",
        "ISC License (ISCL)" => "ISC",
        "Apache Software License 2.0 (Apache-2.0)" => "Apache-2.0",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "Python Software Foundation License" => "PSF-2.0",
        "The Unlicense (Unlicense)" => "Unlicense",
        "Boost Software License 1.0 (BSL-1.0)" => "BSL-1.0",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        "European Union Public Licence 1.2 (EUPL 1.2)" => "EUPL-1.2",
        "zlib/libpng License" => "Zlib",
        "Universal Permissive License (UPL)" => "UPL-1.0",
        "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication" => "CC0-1.0",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v2 or later (LGPLv2+)" => "LGPL-2.0-or-later",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "GNU Affero General Public License v3 or later (AGPLv3+)" => "AGPL-3.0-or-later",
        _ => return None,
    })
}

/// A person from a name field and an email field (`Author-email` may hold
/// `Name <email>, Other <email>`; the first is taken).
fn party(name: Option<&str>, email: Option<&str>) -> Option<Party> {
    let from_email = email.and_then(|e| parse_person(e.split(',').next().unwrap_or(e)));
    match (name, from_email) {
        (Some(name), Some(Party::Person { email, .. })) => Some(Party::Person {
            name: name.to_string(),
            email,
        }),
        (Some(name), _) => Some(Party::Person {
            name: name.to_string(),
            email: None,
        }),
        (None, from_email) => from_email,
    }
}

/// `Home-page`; else a `Project-URL` labelled as the home page or the source; else the first
/// `Project-URL`; else `Download-URL`.
fn homepage<'a>(
    home_page: Option<&str>,
    project_urls: impl Iterator<Item = &'a str>,
    download_url: Option<&str>,
) -> Option<String> {
    if let Some(url) = home_page.filter(|u| !u.eq_ignore_ascii_case("UNKNOWN")) {
        return Some(url.to_string());
    }
    let urls: Vec<(String, &str)> = project_urls
        .filter_map(|entry| entry.split_once(','))
        .map(|(label, url)| (label.trim().to_ascii_lowercase(), url.trim()))
        .filter(|(_, url)| !url.is_empty())
        .collect();
    for wanted in ["homepage", "home", "source", "source code", "repository"] {
        if let Some((_, url)) = urls.iter().find(|(label, _)| label == wanted) {
            return Some(url.to_string());
        }
    }
    urls.first()
        .map(|(_, url)| url.to_string())
        .or_else(|| download_url.map(str::to_string))
}

/// The distribution a `Requires-Dist` names (PEP 508), normalized; `None` for a requirement
/// that only an extra pulls in (`; extra == "socks"`): those are optional, not dependencies of
/// the installed package. Other environment markers cannot be evaluated here, so they are kept.
fn requirement_name(requirement: &str) -> Option<String> {
    let (spec, marker) = match requirement.split_once(';') {
        Some((spec, marker)) => (spec, Some(marker)),
        None => (requirement, None),
    };
    if marker.is_some_and(|m| m.contains("extra")) {
        return None;
    }
    let spec = spec.trim_start();
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = &spec[..end];
    (!name.is_empty()).then(|| normalize_name(name))
}

/// A RECORD: the files the distribution installed, relative to the directory holding the
/// `.dist-info` directory (`site-packages`), as CSV `path,hash,size`; or an egg-info
/// `installed-files.txt`: one path a line, relative to the `.egg-info` directory itself.
fn catalog_record(path: &str, content: &[u8]) -> Found {
    let mut warnings = Warnings::new();
    let path = path.trim_start_matches('/');
    let Some((dir, false)) = distribution_part(path) else {
        return Found::default();
    };
    let egg = dir.ends_with(".egg-info");
    let (parent, dir_name) = match dir.rsplit_once('/') {
        Some((parent, dir_name)) => (parent, dir_name),
        None => ("", dir),
    };
    let base = if egg { dir } else { parent };
    let stem = dir_name
        .strip_suffix(".dist-info")
        .or_else(|| dir_name.strip_suffix(".egg-info"))
        .unwrap_or(dir_name);
    // Directory names escape `-` in the name as `_`, so the first `-` ends the name; an egg's
    // may go on with `-pyX.Y` after the version.
    let Some((name, version)) = stem
        .split_once('-')
        .map(|(n, rest)| (n, rest.split('-').next().unwrap_or(rest)))
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
    else {
        warnings.push(format!(
            "directory {dir_name:?} is not NAME-VERSION.dist-info or NAME-VERSION.egg-info"
        ));
        return Found {
            packages: Vec::new(),
            warnings: warnings.finish(),
        };
    };
    let text = String::from_utf8_lossy(content);
    let mut files = Vec::new();
    let mut file_checksums = std::collections::BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if files.len() >= MAX_RECORD_FILES {
            warnings.push(format!(
                "more than {MAX_RECORD_FILES} files; the rest are ignored"
            ));
            break;
        }
        let field = if egg {
            Some((line.trim().to_string(), ""))
        } else {
            first_csv_field(line)
        };
        let Some((file, rest)) = field else {
            warnings.push(format!("line {}: unterminated quoted path", number + 1));
            continue;
        };
        match join_relative(base, &file) {
            Some(joined) => {
                if let Some(checksum) = record_hash(rest) {
                    file_checksums.insert(joined.clone(), checksum);
                }
                files.push(joined)
            }
            None => warnings.push(format!(
                "line {}: path {:?} leaves the root",
                number + 1,
                excerpt(&file, 80)
            )),
        }
    }
    let package = Package {
        name: name.to_string(),
        version: version.to_string(),
        package_type: Some(PackageType::Python),
        locations: vec![location(path)],
        files,
        file_checksums,
        ..Package::default()
    };
    Found {
        packages: vec![package],
        warnings: warnings.finish(),
    }
}

/// The first field of a CSV line (RFC 4180 quoting, as Python's `csv` module writes it) and
/// the rest of the line after its comma.
fn first_csv_field(line: &str) -> Option<(String, &str)> {
    let Some(quoted) = line.strip_prefix('"') else {
        let (field, rest) = line.split_once(',').unwrap_or((line, ""));
        return Some((field.to_string(), rest));
    };
    let mut field = String::new();
    let mut chars = quoted.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '"' {
            if chars.peek().map(|(_, next)| *next) == Some('"') {
                chars.next();
                field.push('"');
            } else {
                let rest = quoted.get(at + 1..).unwrap_or("");
                return Some((field, rest.strip_prefix(',').unwrap_or(rest)));
            }
        } else {
            field.push(c);
        }
    }
    None
}

/// A RECORD line's hash field (`sha256=<URL-safe base64, no padding>`, PEP 376 / the wheel
/// spec) as a checksum; other algorithms and malformed values are left out.
fn record_hash(fields: &str) -> Option<Checksum> {
    let hash = fields.split(',').next()?;
    let (algorithm, digest) = hash.split_once('=')?;
    let (name, length) = match algorithm {
        "sha256" => ("SHA256", 32),
        "sha384" => ("SHA384", 48),
        "sha512" => ("SHA512", 64),
        _ => return None,
    };
    let bytes = sigchain_core::encoding::base64_decode(digest).filter(|b| b.len() == length)?;
    Some(Checksum {
        algorithm: name.to_string(),
        value: sigchain_core::encoding::hex_encode(&bytes),
    })
}

/// `relative` (which may start with `../`, as RECORD paths of scripts do) joined to `base`,
/// with `.` and `..` resolved; `None` if it climbs above the root. An absolute path stays
/// absolute (without the leading `/`): RECORD may list files outside site-packages that way.
fn join_relative(base: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    if !relative.starts_with('/') {
        parts.extend(base.split('/').filter(|p| !p.is_empty()));
    }
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Folds each RECORD (or `installed-files.txt`) package (see the module docs) into the
/// METADATA (or `PKG-INFO`) package of the same directory: its files and its location join
/// that package. Packages of other types, and file lists whose metadata was not found, pass
/// through unchanged.
///
/// ```
/// use sigchain_sbom::catalog::python::{merge_records, PythonCataloger};
/// use sigchain_sbom::model::Cataloger;
/// let dir = "venv/lib/python3.12/site-packages/six-1.16.0.dist-info";
/// let mut packages = PythonCataloger
///     .catalog(&format!("{dir}/METADATA"), b"Name: six\nVersion: 1.16.0\n")
///     .packages;
/// packages.extend(PythonCataloger.catalog(&format!("{dir}/RECORD"), b"six.py,sha256=x,34549\n").packages);
/// let merged = merge_records(packages);
/// assert_eq!(merged.len(), 1);
/// assert_eq!(merged[0].files, ["venv/lib/python3.12/site-packages/six.py"]);
/// ```
pub fn merge_records(packages: Vec<Package>) -> Vec<Package> {
    let dist_info_dir = |package: &Package, metadata: bool| -> Option<String> {
        if package.package_type != Some(PackageType::Python) {
            return None;
        }
        let (dir, is_metadata) = distribution_part(&package.locations.first()?.path)?;
        (is_metadata == metadata).then(|| dir.to_string())
    };
    let mut metadata_index = std::collections::HashMap::new();
    for (index, package) in packages.iter().enumerate() {
        if let Some(dir) = dist_info_dir(package, true) {
            metadata_index.entry(dir).or_insert(index);
        }
    }
    let mut out: Vec<Option<Package>> = packages.into_iter().map(Some).collect();
    for index in 0..out.len() {
        let Some(dir) = out[index].as_ref().and_then(|p| dist_info_dir(p, false)) else {
            continue;
        };
        let Some(&target) = metadata_index.get(&dir) else {
            continue;
        };
        if let Some(record) = out[index].take() {
            if let Some(package) = out[target].as_mut() {
                package.files.extend(record.files);
                package.file_checksums.extend(record.file_checksums);
                package.locations.extend(record.locations);
            }
        }
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_hashes_become_file_checksums() {
        let record = b"six.py,sha256=4NMJm-9qwrAMrTQsM5kMtQzN0UZgjdNp0xj9JMQVFbM,34549\n\
            \"odd,name.py\",sha256=4NMJm-9qwrAMrTQsM5kMtQzN0UZgjdNp0xj9JMQVFbM,1\n\
            six-1.16.0.dist-info/RECORD,,\n\
            bad.py,sha256=not-base64!,3\n\
            md5.py,md5=abc,3\n";
        let found =
            PythonCataloger.catalog("lib/site-packages/six-1.16.0.dist-info/RECORD", record);
        let package = &found.packages[0];
        assert_eq!(package.files.len(), 5);
        assert_eq!(
            package.file_checksums.len(),
            2,
            "{:?}",
            package.file_checksums
        );
        let six = &package.file_checksums["lib/site-packages/six.py"];
        assert_eq!(six.algorithm, "SHA256");
        assert_eq!(
            six.value,
            "e0d3099bef6ac2b00cad342c33990cb50ccdd146608dd369d318fd24c41515b3"
        );
        assert!(package
            .file_checksums
            .contains_key("lib/site-packages/odd,name.py"));
    }

    #[test]
    fn requirement_names() {
        assert_eq!(
            requirement_name("charset_normalizer<4,>=2").as_deref(),
            Some("charset-normalizer")
        );
        assert_eq!(
            requirement_name("PySocks!=1.5.7,>=1.5.6; extra == \"socks\""),
            None
        );
        assert_eq!(
            requirement_name("importlib-metadata>=3.6; python_version < \"3.10\"").as_deref(),
            Some("importlib-metadata")
        );
        assert_eq!(
            requirement_name("requests[security] (>=2.0)").as_deref(),
            Some("requests")
        );
        assert_eq!(requirement_name("  "), None);
    }

    #[test]
    fn egg_info_installed_files() {
        let dir = "usr/lib/python3/dist-packages/six-1.16.0-py3.11.egg-info";
        let metadata =
            catalog_metadata(&format!("{dir}/PKG-INFO"), b"Name: six\nVersion: 1.16.0\n");
        let files = catalog_record(
            &format!("{dir}/installed-files.txt"),
            b"../six.py\n../__pycache__/six.cpython-311.pyc\nPKG-INFO\n",
        );
        assert_eq!(files.packages[0].version, "1.16.0");
        let mut packages = metadata.packages;
        packages.extend(files.packages);
        let merged = merge_records(packages);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            merged[0].files,
            [
                "usr/lib/python3/dist-packages/six.py",
                "usr/lib/python3/dist-packages/__pycache__/six.cpython-311.pyc",
                "usr/lib/python3/dist-packages/six-1.16.0-py3.11.egg-info/PKG-INFO"
            ]
        );
        assert!(!is_record("a.dist-info/installed-files.txt"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            join_relative("a/b", "../../bin/x").as_deref(),
            Some("bin/x")
        );
        assert_eq!(join_relative("a/b", "../../../x"), None);
        assert_eq!(join_relative("a/b", "/etc/x").as_deref(), Some("etc/x"));
        assert_eq!(join_relative("", "x/./y").as_deref(), Some("x/y"));
    }

    #[test]
    fn csv_fields() {
        assert_eq!(first_csv_field("a,b,c"), Some(("a".into(), "b,c")));
        assert_eq!(
            first_csv_field("\"a,\"\"b\",c"),
            Some(("a,\"b".into(), "c"))
        );
        assert_eq!(first_csv_field("a"), Some(("a".into(), "")));
        assert_eq!(first_csv_field("\"a"), None);
    }

    #[test]
    fn classifiers_only_when_certain() {
        let one = ["License :: OSI Approved :: MIT License"];
        assert_eq!(
            declared_license(None, None, one.into_iter()).as_deref(),
            Some("MIT")
        );
        let bsd = ["License :: OSI Approved :: BSD License"];
        assert_eq!(declared_license(None, None, bsd.into_iter()), None);
        let two = [
            "License :: OSI Approved :: MIT License",
            "License :: OSI Approved :: Apache Software License",
        ];
        assert_eq!(declared_license(None, None, two.into_iter()), None);
        let text = "Copyright (c) 2010\nPermission is hereby granted";
        assert_eq!(
            declared_license(None, Some(text), one.into_iter()).as_deref(),
            Some("MIT")
        );
        assert_eq!(
            declared_license(None, Some("UNKNOWN"), [].into_iter()),
            None
        );
    }
}
