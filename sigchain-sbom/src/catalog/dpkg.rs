//! dpkg's database: `var/lib/dpkg/status` and the distroless `var/lib/dpkg/status.d/<pkg>`
//! files, both deb822 paragraphs (`Field: value`, continuation lines start with a space or
//! tab, paragraphs separated by blank lines).
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
use crate::model::{Cataloger, Found, Location, Package, PackageType};

/// The most paragraphs read from one file (a large Debian system has a few thousand).
pub const MAX_PARAGRAPHS: usize = 200_000;

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";

/// Reads dpkg status files.
#[derive(Debug, Clone, Copy, Default)]
pub struct DpkgCataloger;

impl Cataloger for DpkgCataloger {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, path: &str) -> bool {
        path == STATUS
            || path.strip_prefix(STATUS_D).is_some_and(|file| {
                !file.is_empty() && !file.contains('/') && !file.ends_with(".md5sums")
            })
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        parse_status(path, content)
    }
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
        assert!(!DpkgCataloger.wants("var/lib/dpkg/status.d/base-files.md5sums"));
        assert!(!DpkgCataloger.wants("var/lib/dpkg/status.d/"));
        assert!(!DpkgCataloger.wants("var/lib/dpkg/status-old"));
        assert!(DpkgCataloger.wants(STATUS));
        let record = b"Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n";
        let found = DpkgCataloger.catalog("var/lib/dpkg/status.d/base-files", record);
        assert_eq!(found.packages.len(), 1);
        assert!(found.warnings.is_empty());
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
        fn fields_round_trip(name in "[a-z0-9][a-z0-9.+-]{0,20}", version in "[0-9][0-9a-z.+~:-]{0,15}") {
            let text = format!("Package: {name}\nVersion: {version}\nStatus: install ok installed\n");
            let found = parse_status(STATUS, text.as_bytes());
            prop_assert_eq!(found.packages.len(), 1);
            prop_assert_eq!(&found.packages[0].name, &name);
            prop_assert_eq!(&found.packages[0].version, &version);
        }
    }
}
