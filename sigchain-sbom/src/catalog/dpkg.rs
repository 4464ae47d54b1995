//! dpkg's database: `var/lib/dpkg/status` and the distroless `var/lib/dpkg/status.d/<pkg>`
//! files, both deb822 paragraphs (`Field: value`, continuation lines start with a space or
//! tab, paragraphs separated by blank lines).
//!
//! The files a package installed: `var/lib/dpkg/info/<pkg>[:<arch>].list` (every path the
//! package put on the system, directories included), `info/<pkg>[:<arch>].md5sums` (the MD5 of
//! each regular file, conffiles excepted), the status paragraph's `Conffiles` (path and MD5)
//! and, in distroless images, `status.d/<pkg>.md5sums`. The cataloger sees one file at a time,
//! so a listing is read as a package holding only files ([`parse_file_list`]) and
//! [`merge_file_lists`] folds it into the package of the same name (and architecture) once
//! everything is read; a listing whose package is not installed is dropped, since the status
//! says what is installed.
//!
//! ```
//! use sigchain_sbom::catalog::dpkg::DpkgCataloger;
//! use sigchain_sbom::model::Cataloger;
//! let status = b"Package: zlib1g\nStatus: install ok installed\n\
//! Maintainer: Mark Brown <broonie@debian.org>\nArchitecture: amd64\nSource: zlib\n\
//! Version: 1:1.2.13.dfsg-1\nDepends: libc6 (>= 2.14)\n";
//! let found = DpkgCataloger.catalog("var/lib/dpkg/status", status);
//! assert!(found.warnings.is_empty());
//! assert_eq!(found.packages[0].version, "1:1.2.13.dfsg-1");
//! assert_eq!(found.packages[0].depends_on, ["libc6"]);
//! ```

use std::collections::BTreeMap;

use crate::catalog::party::parse_party;
use crate::model::{Cataloger, Checksum, Found, Location, Package, PackageType};

/// The most paragraphs read from one file (a large Debian system has a few thousand).
pub const MAX_PARAGRAPHS: usize = 200_000;

/// The most paths read from one listing (the largest Debian packages install ~100k files).
pub const MAX_LISTED_FILES: usize = 1_000_000;
/// The most warnings reported for one listing; the rest are counted in one last warning.
pub const MAX_LISTING_WARNINGS: usize = 20;

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";

/// Reads dpkg status files.
#[derive(Debug, Clone, Copy, Default)]
pub struct DpkgCataloger;

impl Cataloger for DpkgCataloger {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, path: &str) -> bool {
        path == STATUS
            || path
                .strip_prefix(STATUS_D)
                .is_some_and(|file| !file.is_empty() && !file.contains('/'))
            || listing(path).is_some()
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        if listing(path).is_some() {
            parse_file_list(path, content)
        } else {
            parse_status(path, content)
        }
    }
}

/// What a listing file is and whose: `info/<name>[:<arch>].list|.md5sums` or
/// `status.d/<name>.md5sums`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Listing<'a> {
    name: &'a str,
    arch: Option<&'a str>,
    md5sums: bool,
    distroless: bool,
}

fn listing(path: &str) -> Option<Listing<'_>> {
    let (file, distroless) = match path.strip_prefix(INFO) {
        Some(file) => (file, false),
        None => (path.strip_prefix(STATUS_D)?, true),
    };
    if file.contains('/') {
        return None;
    }
    let (stem, md5sums) = match file.strip_suffix(".md5sums") {
        Some(stem) => (stem, true),
        None if !distroless => (file.strip_suffix(".list")?, false),
        None => return None,
    };
    let (name, arch) = match stem.split_once(':') {
        Some((name, arch)) if !distroless => (name, Some(arch)),
        _ => (stem, None),
    };
    (!name.is_empty() && arch != Some("")).then_some(Listing {
        name,
        arch,
        md5sums,
        distroless,
    })
}

/// The files named by a listing at `path` (`info/*.list`, `info/*.md5sums`,
/// `status.d/*.md5sums`), as a package with only a name (and architecture, from a multi-arch
/// `<name>:<arch>` file name), `files` (without the leading `/`; the root entry `/.` left
/// out) and, for md5sums, `file_checksums`. A malformed md5sums line is a warning.
///
/// ```
/// use sigchain_sbom::catalog::dpkg::parse_file_list;
/// let found = parse_file_list("var/lib/dpkg/info/zlib1g:amd64.md5sums",
///     b"0a2d2e3b5a9c2f4f6d2b3c8e1f0a9b8c  usr/lib/x86_64-linux-gnu/libz.so.1.2.13\n");
/// let listing = &found.packages[0];
/// assert_eq!((listing.name.as_str(), listing.arch.as_deref()), ("zlib1g", Some("amd64")));
/// assert_eq!(listing.files, ["usr/lib/x86_64-linux-gnu/libz.so.1.2.13"]);
/// ```
pub fn parse_file_list(path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(what) = listing(path) else {
        found.warnings.push("not a dpkg file listing".into());
        return found;
    };
    let mut package = Package {
        name: what.name.to_string(),
        package_type: Some(PackageType::Deb),
        arch: what.arch.map(str::to_string),
        locations: vec![Location {
            layer: None,
            path: path.to_string(),
        }],
        ..Package::default()
    };
    let text = String::from_utf8_lossy(content);
    let mut bad_lines = 0usize;
    for (index, line) in text.lines().enumerate() {
        if package.files.len() >= MAX_LISTED_FILES {
            found.warnings.push(format!(
                "more than {MAX_LISTED_FILES} files listed; the rest are skipped"
            ));
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let file = if what.md5sums {
            // `<32 hex>  <path>`: two spaces (or space and `*`, binary mode).
            let parsed = line.split_once(' ').and_then(|(md5, rest)| {
                let rest = rest.strip_prefix([' ', '*'])?;
                (md5.len() == 32 && md5.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then_some((md5, rest))
            });
            let Some((md5, file)) = parsed else {
                bad_lines += 1;
                if bad_lines <= MAX_LISTING_WARNINGS {
                    found.warnings.push(format!(
                        "line {}: not an md5sums line: {:?}",
                        index + 1,
                        truncate(line)
                    ));
                }
                continue;
            };
            let file = file.trim_start_matches('/');
            if file.is_empty() || file == "." {
                continue;
            }
            package.file_checksums.insert(
                file.to_string(),
                Checksum {
                    algorithm: "MD5".into(),
                    value: md5.to_ascii_lowercase(),
                },
            );
            file
        } else {
            line.trim_start_matches('/')
        };
        if !file.is_empty() && file != "." {
            package.files.push(file.to_string());
        }
    }
    if bad_lines > MAX_LISTING_WARNINGS {
        found.warnings.push(format!(
            "... and {} more malformed lines",
            bad_lines - MAX_LISTING_WARNINGS
        ));
    }
    found.packages.push(package);
    found
}

/// Folds every dpkg listing ([`parse_file_list`]) into the installed package it belongs to:
/// `info/<name>:<arch>.*` into the package of that name and architecture recorded in
/// `var/lib/dpkg/status`, `info/<name>.*` into the one of that name, `status.d/<name>.md5sums`
/// into the package recorded in `status.d/<name>`. Directories are not files: an entry of a
/// `.list` that is the parent of another entry, or that `is_dir` says is a directory in the
/// root (an empty directory the package ships, such as `var/tmp`), is left out. Each package's
/// `files` end up sorted and unique. Listings of packages that are not installed are dropped.
///
/// ```
/// use sigchain_sbom::catalog::dpkg::{merge_file_lists, DpkgCataloger};
/// use sigchain_sbom::model::Cataloger;
/// let mut packages = DpkgCataloger.catalog("var/lib/dpkg/status",
///     b"Package: dash\nVersion: 0.5.12-2\nArchitecture: amd64\n").packages;
/// packages.extend(DpkgCataloger.catalog("var/lib/dpkg/info/dash.list",
///     b"/.\n/bin\n/bin/dash\n/var/tmp\n").packages);
/// let merged = merge_file_lists(packages, |path| path == "var/tmp");
/// assert_eq!(merged.len(), 1);
/// assert_eq!(merged[0].files, ["bin/dash"]);
/// ```
pub fn merge_file_lists(packages: Vec<Package>, is_dir: impl Fn(&str) -> bool) -> Vec<Package> {
    let mut by_name: std::collections::HashMap<(&str, bool), Vec<usize>> =
        std::collections::HashMap::new();
    for (index, package) in packages.iter().enumerate() {
        if package.package_type != Some(PackageType::Deb) || package.version.is_empty() {
            continue;
        }
        let Some(location) = package.locations.first() else {
            continue;
        };
        let key = if location.path == STATUS {
            (package.name.as_str(), false)
        } else if let Some(file) = location.path.strip_prefix(STATUS_D) {
            (file, true)
        } else {
            continue;
        };
        by_name.entry(key).or_default().push(index);
    }
    let mut targets: Vec<Option<usize>> = Vec::with_capacity(packages.len());
    for package in &packages {
        let target = listing_of(package).and_then(|what| {
            let candidates = by_name.get(&(what.name, what.distroless))?;
            candidates
                .iter()
                .copied()
                .find(|&c| what.arch.is_none() || packages[c].arch.as_deref() == what.arch)
        });
        targets.push(target);
    }
    let mut out: Vec<Option<Package>> = packages.into_iter().map(Some).collect();
    for index in 0..out.len() {
        let is_listing = out[index].as_ref().and_then(listing_of).is_some();
        if !is_listing {
            continue;
        }
        let Some(listing) = out[index].take() else {
            continue;
        };
        let Some(target) = targets[index].and_then(|t| out[t].as_mut()) else {
            continue;
        };
        let directories = parent_directories(&listing.files);
        target.files.extend(
            listing
                .files
                .iter()
                .filter(|f| !directories.contains(f.as_str()) && !is_dir(f))
                .cloned(),
        );
        target.file_checksums.extend(listing.file_checksums);
    }
    let mut merged: Vec<Package> = out.into_iter().flatten().collect();
    for package in &mut merged {
        if package.package_type == Some(PackageType::Deb) && !package.files.is_empty() {
            package.files.sort();
            package.files.dedup();
        }
    }
    merged
}

/// The listing a package read by [`parse_file_list`] came from (it has no version).
fn listing_of(package: &Package) -> Option<Listing<'_>> {
    if package.package_type != Some(PackageType::Deb) || !package.version.is_empty() {
        return None;
    }
    listing(&package.locations.first()?.path)
}

/// Every proper ancestor of the listed paths: dpkg lists each directory it creates before
/// the files in it.
fn parent_directories(files: &[String]) -> std::collections::HashSet<&str> {
    let mut directories = std::collections::HashSet::new();
    for file in files {
        let mut rest = file.as_str();
        while let Some((parent, _)) = rest.rsplit_once('/') {
            if !directories.insert(parent) {
                break;
            }
            rest = parent;
        }
    }
    directories
}

/// The installed packages in a dpkg status file at `path`, with a warning per paragraph that
/// cannot be read. Packages whose `Status` says they are not installed (removed, config files
/// only) are skipped silently: that is a state, not an error. Distroless `status.d` files
/// carry no `Status` field; their packages count as installed.
pub fn parse_status(path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let text = String::from_utf8_lossy(content);
    for (index, paragraph) in paragraphs(&text).enumerate() {
        if index >= MAX_PARAGRAPHS {
            found.warnings.push(format!(
                "more than {MAX_PARAGRAPHS} paragraphs; the rest are skipped"
            ));
            break;
        }
        let line = paragraph.line;
        match read_paragraph(path, paragraph) {
            Ok(Some(package)) => found.packages.push(package),
            Ok(None) => {}
            Err(message) => found
                .warnings
                .push(format!("paragraph {} (line {line}): {message}", index + 1)),
        }
    }
    found
}

struct Paragraph<'a> {
    /// 1-based line of its first field.
    line: usize,
    lines: Vec<&'a str>,
}

fn paragraphs(text: &str) -> impl Iterator<Item = Paragraph<'_>> {
    let mut lines = text.lines().enumerate().peekable();
    std::iter::from_fn(move || {
        while lines.peek().is_some_and(|(_, l)| l.trim().is_empty()) {
            lines.next();
        }
        let (first, _) = *lines.peek()?;
        let mut paragraph = Paragraph {
            line: first + 1,
            lines: Vec::new(),
        };
        while let Some((_, line)) = lines.next_if(|(_, l)| !l.trim().is_empty()) {
            paragraph.lines.push(line);
        }
        Some(paragraph)
    })
}

fn read_paragraph(path: &str, paragraph: Paragraph<'_>) -> Result<Option<Package>, String> {
    // Field names are case-insensitive (deb822); values keep continuation lines joined by
    // newlines, which only Description uses and we ignore.
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in &paragraph.lines {
        if line.starts_with([' ', '\t']) {
            let Some(key) = &current else {
                return Err("continuation line before any field".into());
            };
            if let Some(value) = fields.get_mut(key) {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("line without a field name: {:?}", truncate(line)));
        };
        let key = key.trim().to_ascii_lowercase();
        fields.insert(key.clone(), value.trim().to_string());
        current = Some(key);
    }
    let field = |name: &str| {
        fields
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };

    if let Some(status) = field("status") {
        // `want flag status`: `install ok installed`, `hold ok installed`; anything else
        // (`deinstall ok config-files`, half-installed) is not on the system as a package.
        if status.split_whitespace().nth(2) != Some("installed") {
            return Ok(None);
        }
    }
    let name = field("package").ok_or("no Package field")?;
    let version = field("version").ok_or_else(|| format!("package {name:?} has no Version"))?;

    let mut package = Package {
        name: name.to_string(),
        version: version.to_string(),
        package_type: Some(PackageType::Deb),
        arch: field("architecture").map(str::to_string),
        supplier: field("maintainer").and_then(parse_party),
        homepage: field("homepage").map(str::to_string),
        locations: vec![Location {
            layer: None,
            path: path.to_string(),
        }],
        ..Package::default()
    };
    if let Some(source) = field("source") {
        // `Source: glibc` or `Source: glibc (2.36-9)` when the source version differs; the
        // purl `upstream` qualifier as Syft writes it (`glibc`, `glibc@2.36-9`).
        let (source_name, source_version) = match source.split_once('(') {
            Some((n, v)) => (n.trim(), Some(v.trim_end_matches(')').trim())),
            None => (source.trim(), None),
        };
        if !source_name.is_empty() {
            let upstream = match source_version.filter(|v| !v.is_empty()) {
                Some(v) => format!("{source_name}@{v}"),
                None => source_name.to_string(),
            };
            package.qualifiers.insert("upstream".into(), upstream);
        }
    }
    if let Some(conffiles) = field("conffiles") {
        // ` /etc/adduser.conf 5c3b4ec7e4dfe3e6b7e8b1e2d3f4a5b6` per line, possibly followed by
        // `obsolete` or `remove-on-upgrade`; dpkg writes `newconffile` for a hash not yet known.
        for line in conffiles.lines() {
            let mut words = line.split_whitespace();
            let (Some(file), Some(md5)) = (words.next(), words.next()) else {
                continue;
            };
            let file = file.trim_start_matches('/');
            if file.is_empty() {
                continue;
            }
            package.files.push(file.to_string());
            if md5.len() == 32 && md5.bytes().all(|b| b.is_ascii_hexdigit()) {
                package.file_checksums.insert(
                    file.to_string(),
                    Checksum {
                        algorithm: "MD5".into(),
                        value: md5.to_ascii_lowercase(),
                    },
                );
            }
        }
    }
    for relation in ["pre-depends", "depends"] {
        if let Some(value) = field(relation) {
            for dependency in dependency_names(value) {
                if !package.depends_on.iter().any(|d| d == dependency) {
                    package.depends_on.push(dependency.to_string());
                }
            }
        }
    }
    Ok(Some(package))
}

/// Package names in a `Depends` value: `libc6 (>= 2.34), default-mta | mail-transport-agent,
/// python3:any` gives `libc6`, `default-mta`, `mail-transport-agent`, `python3`. Every
/// alternative is named; the writer links only those that are installed.
pub fn dependency_names(value: &str) -> impl Iterator<Item = &str> {
    value.split([',', '|']).filter_map(|alternative| {
        let name = alternative
            .trim()
            .split([' ', '\t', '\n', '(', '[', '<'])
            .next()?
            .split(':')
            .next()?;
        (!name.is_empty()).then_some(name)
    })
}

fn truncate(line: &str) -> &str {
    match line.char_indices().nth(60) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Party;
    use proptest::prelude::*;

    // Facts from Debian 12 records (this machine's status file), trimmed.
    const STATUS_FIXTURE: &str = "Package: aardvark-dns
Status: install ok installed
Priority: optional
Section: net
Installed-Size: 2438
Maintainer: Reinhard Tartler <siretart@tauware.de>
Architecture: amd64
Version: 1.4.0-3
Depends: libc6 (>= 2.34), libgcc-s1 (>= 4.2), netavark (>> 1.4)
Enhances: podman
Description: Container-focused DNS server
 Netavark is designed to work with podman but is also applicable for other OCI
 container management applications.
Homepage: https://github.com/containers/netavark

Package: libc6
Status: hold ok installed
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)

Package: removed-thing
Status: deinstall ok config-files
Architecture: all
Version: 1.0

Package: bsdutils
Status: install ok installed
Essential: yes
Maintainer: Chris Hofstaedtler <zeha@debian.org>
Architecture: amd64
Source: util-linux (2.38.1-5)
Version: 1:2.38.1-5+b1
Pre-Depends: libc6 (>= 2.34), libsystemd0, default-mta | mail-transport-agent, python3:any
";

    #[test]
    fn status_fixture() {
        let found = DpkgCataloger.catalog(STATUS, STATUS_FIXTURE.as_bytes());
        assert_eq!(found.warnings, Vec::<String>::new());
        let names: Vec<_> = found.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["aardvark-dns", "libc6", "bsdutils"]);
        let dns = &found.packages[0];
        assert_eq!(dns.version, "1.4.0-3");
        assert_eq!(dns.arch.as_deref(), Some("amd64"));
        assert_eq!(dns.depends_on, ["libc6", "libgcc-s1", "netavark"]);
        assert_eq!(
            dns.homepage.as_deref(),
            Some("https://github.com/containers/netavark")
        );
        assert_eq!(
            dns.supplier,
            Some(Party::Person {
                name: "Reinhard Tartler".into(),
                email: Some("siretart@tauware.de".into())
            })
        );
        assert_eq!(dns.locations[0].path, STATUS);
        let libc = &found.packages[1];
        assert_eq!(
            libc.qualifiers.get("upstream").map(String::as_str),
            Some("glibc")
        );
        assert!(matches!(libc.supplier, Some(Party::Organization { .. })));
        let bsdutils = &found.packages[2];
        assert_eq!(bsdutils.version, "1:2.38.1-5+b1");
        assert_eq!(
            bsdutils.qualifiers.get("upstream").map(String::as_str),
            Some("util-linux@2.38.1-5")
        );
        assert_eq!(
            bsdutils.depends_on,
            [
                "libc6",
                "libsystemd0",
                "default-mta",
                "mail-transport-agent",
                "python3"
            ]
        );
    }

    #[test]
    fn distroless_status_d() {
        assert!(DpkgCataloger.wants("var/lib/dpkg/status.d/base-files"));
        assert!(DpkgCataloger.wants("var/lib/dpkg/status.d/base-files.md5sums"));
        assert!(!DpkgCataloger.wants("var/lib/dpkg/status.d/"));
        assert!(!DpkgCataloger.wants("var/lib/dpkg/status-old"));
        assert!(DpkgCataloger.wants(STATUS));
        let record = b"Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n";
        let found = DpkgCataloger.catalog("var/lib/dpkg/status.d/base-files", record);
        assert_eq!(found.packages.len(), 1);
        assert!(found.warnings.is_empty());
    }

    #[test]
    fn listings() {
        assert!(DpkgCataloger.wants("var/lib/dpkg/info/libc6:amd64.list"));
        assert!(DpkgCataloger.wants("var/lib/dpkg/info/bash.md5sums"));
        assert!(DpkgCataloger.wants("var/lib/dpkg/status.d/base-files.md5sums"));
        assert!(!DpkgCataloger.wants("var/lib/dpkg/info/bash.postinst"));
        assert!(!DpkgCataloger.wants("var/lib/dpkg/info/.list"));
        assert!(!DpkgCataloger.wants("var/lib/dpkg/info/x:.list"));
        assert!(!DpkgCataloger.wants("var/lib/dpkg/info/sub/x.list"));
        let found = DpkgCataloger.catalog(
            "var/lib/dpkg/info/libc6:amd64.md5sums",
            b"108877C29EF6A482337DDC42EA8B0985  lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n\
              not a line\n\
              d6536c875ddb48f13c5229718bd8094a *usr/lib/x.so\n",
        );
        assert_eq!(found.warnings.len(), 1, "{:?}", found.warnings);
        let listing = &found.packages[0];
        assert_eq!(listing.arch.as_deref(), Some("amd64"));
        assert_eq!(
            listing.files,
            ["lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "usr/lib/x.so"]
        );
        assert_eq!(
            listing.file_checksums["lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"].value,
            "108877c29ef6a482337ddc42ea8b0985"
        );
        let many = "x\n".repeat(MAX_LISTING_WARNINGS + 5);
        let found = parse_file_list("var/lib/dpkg/info/a.md5sums", many.as_bytes());
        assert_eq!(found.warnings.len(), MAX_LISTING_WARNINGS + 1);
    }

    #[test]
    fn merging_listings_into_installed_packages() {
        let status = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n\
Version: 2.36-9\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: i386\n\
Version: 2.36-9\n\nPackage: adduser\nStatus: install ok installed\nArchitecture: all\n\
Version: 3.134\nConffiles:\n /etc/adduser.conf cc3493ecd2d09837ffdcc3e25fdfff18\n\
\x20/etc/old.conf newconffile obsolete\n";
        let mut packages = DpkgCataloger.catalog(STATUS, status.as_bytes()).packages;
        let info = |name: &str, body: &str| {
            DpkgCataloger
                .catalog(&format!("{INFO}{name}"), body.as_bytes())
                .packages
        };
        packages.extend(info(
            "libc6:i386.list",
            "/.\n/lib\n/lib/i386-linux-gnu\n/lib/i386-linux-gnu/libc.so.6\n",
        ));
        packages.extend(info(
            "libc6:amd64.list",
            "/.\n/lib64\n/lib64/ld-linux-x86-64.so.2\n/var/empty-dir\n",
        ));
        packages.extend(info(
            "libc6:amd64.md5sums",
            "108877c29ef6a482337ddc42ea8b0985  lib64/ld-linux-x86-64.so.2\n",
        ));
        packages.extend(info(
            "adduser.list",
            "/.\n/usr\n/usr/sbin\n/usr/sbin/adduser\n",
        ));
        packages.extend(info("removed.list", "/.\n/usr/bin/gone\n"));
        let merged = merge_file_lists(packages, |p| p == "var/empty-dir");
        assert_eq!(merged.len(), 3, "{merged:#?}");
        let amd64 = &merged[0];
        assert_eq!(amd64.files, ["lib64/ld-linux-x86-64.so.2"]);
        assert_eq!(amd64.file_checksums.len(), 1);
        assert_eq!(merged[1].files, ["lib/i386-linux-gnu/libc.so.6"]);
        let adduser = &merged[2];
        assert_eq!(
            adduser.files,
            ["etc/adduser.conf", "etc/old.conf", "usr/sbin/adduser"]
        );
        assert_eq!(adduser.file_checksums.len(), 1);
        assert_eq!(adduser.locations[0].path, STATUS);

        // Distroless: status.d/<name> and status.d/<name>.md5sums.
        let mut packages = DpkgCataloger
            .catalog(
                "var/lib/dpkg/status.d/base-files",
                b"Package: base-files\nVersion: 12.4\nArchitecture: amd64\n",
            )
            .packages;
        packages.extend(
            DpkgCataloger
                .catalog(
                    "var/lib/dpkg/status.d/base-files.md5sums",
                    b"cc3493ecd2d09837ffdcc3e25fdfff18  etc/debian_version\n",
                )
                .packages,
        );
        let merged = merge_file_lists(packages, |_| false);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].files, ["etc/debian_version"]);
    }

    /// This machine's dpkg database, read in place: every listing finds its package.
    #[test]
    fn this_machines_listings_merge() {
        let Ok(status) = std::fs::read("/var/lib/dpkg/status") else {
            return;
        };
        let Ok(dir) = std::fs::read_dir("/var/lib/dpkg/info") else {
            return;
        };
        let mut packages = parse_status(STATUS, &status).packages;
        let installed = packages.len();
        let mut listings = 0;
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{INFO}{name}");
            if listing(&path).is_some_and(|l| !l.md5sums) {
                let content = std::fs::read(entry.path()).unwrap_or_default();
                let found = parse_file_list(&path, &content);
                assert!(found.warnings.is_empty(), "{path}: {:?}", found.warnings);
                packages.extend(found.packages);
                listings += 1;
            }
        }
        let merged = merge_file_lists(packages, |p| {
            std::fs::symlink_metadata(std::path::Path::new("/").join(p)).is_ok_and(|m| m.is_dir())
        });
        assert_eq!(merged.len(), installed);
        let with_files = merged.iter().filter(|p| !p.files.is_empty()).count();
        assert!(
            with_files * 10 >= listings * 9,
            "{with_files} of {listings}"
        );
    }

    #[test]
    fn bad_paragraphs_warn_and_the_rest_still_count() {
        let text = " orphan continuation\nPackage: a\n\nPackage: b\nno colon here\n\n\
Version: 1\n\nPackage: c\nVersion: 2\n";
        let found = parse_status(STATUS, text.as_bytes());
        assert_eq!(found.packages.len(), 1);
        assert_eq!(found.packages[0].name, "c");
        assert_eq!(found.warnings.len(), 3, "{:?}", found.warnings);
        assert!(found.warnings[0].contains("line 1"));
    }

    #[test]
    fn this_machines_status_file_parses_without_warnings() {
        let Ok(content) = std::fs::read("/var/lib/dpkg/status") else {
            return; // not a dpkg system
        };
        let found = parse_status(STATUS, &content);
        assert_eq!(found.warnings, Vec::<String>::new());
        assert!(!found.packages.is_empty());
        assert!(found
            .packages
            .iter()
            .all(|p| !p.version.is_empty() && p.arch.is_some()));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let _ = parse_status(STATUS, &bytes);
        }

        #[test]
        fn listings_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..1024),
            md5sums in any::<bool>(),
        ) {
            let path = if md5sums { "var/lib/dpkg/info/x.md5sums" } else { "var/lib/dpkg/info/x:amd64.list" };
            let found = parse_file_list(path, &bytes);
            prop_assert_eq!(found.packages.len(), 1);
            prop_assert!(found.packages[0].files.iter().all(|f| !f.starts_with('/') && !f.is_empty()));
            let merged = merge_file_lists(found.packages, |_| false);
            prop_assert!(merged.is_empty());
        }

        #[test]
        fn fields_round_trip(name in "[a-z0-9][a-z0-9.+-]{0,20}", version in "[0-9][0-9a-z.+~:-]{0,15}") {
            let text = format!("Package: {name}\nVersion: {version}\nStatus: install ok installed\n");
            let found = parse_status(STATUS, text.as_bytes());
            prop_assert_eq!(found.packages.len(), 1);
            prop_assert_eq!(&found.packages[0].name, &name);
            prop_assert_eq!(&found.packages[0].version, &version);
        }
    }
}
