//! Go modules from the build information the Go linker embeds in every binary built with
//! module support (`go version -m` shows it).
//!
//! The build info blob starts with the 14-byte magic `\xff Go buildinf:`, then a pointer
//! size byte and a flags byte, padded to 32 bytes. Since Go 1.18 (flag bit 2) the Go version
//! and the module info follow inline as two uvarint-length-prefixed strings, so no executable
//! format (ELF, Mach-O, PE) needs parsing: the blob is found by its magic. Older binaries hold
//! pointers to the strings instead; reading them needs the section table, which this module
//! does not do: such a binary gives the warning [`PRE_1_18`].
//!
//! The module info is lines of tab-separated fields between two 16-byte sentinels:
//! `path`, `mod` (the main module), `dep` (a dependency), `=>` (the dependency just above is
//! replaced by this one), `build` (settings). Packages: the main module (its version is often
//! `(devel)`, as `go build` in a checkout records it), each dependency (after replacement), and
//! `stdlib` at the Go version, as both peers report it: its version is the build info's
//! (`go1.22.1`), its purl `pkg:golang/stdlib@1.22.1` ([`go_release`]; the form Syft writes and
//! the Go vulnerability database's OSV entries spell) and its CPE the toolchain's
//! (`cpe:2.3:a:golang:go:1.22.1:-:*:*:*:*:*:*`, [`crate::cpe::go_toolchain`]).
//!
//! Which files are binaries cannot be told from a path: [`GoBinaryCataloger::wants`] takes
//! paths in executable directories and extension-less files; a source that knows the file
//! mode could ask for executables instead.

use crate::catalog::declared::location;
use crate::model::{Cataloger, Found, Package, PackageType};

/// The magic that starts the build info blob.
pub const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// The warning for binaries from before Go 1.18.
pub const PRE_1_18: &str = "Go build info from before Go 1.18 (pointer form) is not yet supported";
/// The most dependencies read from one binary.
pub const MAX_DEPS: usize = 50_000;
/// The longest build info string read.
pub const MAX_STRING: usize = 16 * 1024 * 1024;

/// The name of the package standing for the Go standard library (no module path has it:
/// the standard library is not a module, and peers and vulnerability data use this name).
pub const STDLIB: &str = "stdlib";

/// The release a build info's Go version names, without the `go` prefix: `go1.22.1` →
/// `1.22.1`, `go1.21rc2` → `1.21rc2`, `go1.20 X:boringcrypto` → `1.20` (build flags after a
/// space are not part of the release). `None` for development builds (`devel go1.23-abc`) and
/// anything else that is not `goMAJOR.MINOR[.PATCH][(rc|beta)N]`.
///
/// ```
/// use sigchain_sbom::catalog::go::go_release;
/// assert_eq!(go_release("go1.22.1"), Some("1.22.1"));
/// assert_eq!(go_release("devel go1.23-abcdef"), None);
/// ```
pub fn go_release(go_version: &str) -> Option<&str> {
    let release = go_version.split_whitespace().next()?.strip_prefix("go")?;
    let (numbers, pre) = match release.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => release.split_at(at),
        None => (release, ""),
    };
    let fields: Vec<&str> = numbers.split('.').collect();
    let numeric = |f: &str| !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit());
    let pre_ok = pre.is_empty()
        || ["rc", "beta"]
            .iter()
            .any(|tag| pre.strip_prefix(tag).is_some_and(numeric));
    ((2..=3).contains(&fields.len()) && fields.iter().all(|f| numeric(f)) && pre_ok)
        .then_some(release)
}

/// What a Go binary's build info says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    /// `go1.22.3`.
    pub go_version: String,
    /// The main package's import path (`path` line).
    pub path: Option<String>,
    /// The main module: path and version.
    pub main: Option<(String, String)>,
    /// Dependencies (path, version), replacements applied.
    pub deps: Vec<(String, String)>,
}

/// Why a file's build info could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildInfoError {
    /// No magic: not a Go binary (or built without module support).
    #[error("no Go build info")]
    NotGo,
    /// The pointer form of Go before 1.18.
    #[error("{}", PRE_1_18)]
    PointerForm,
    /// A length runs past the end of the file or beyond [`MAX_STRING`].
    #[error("build info truncated or oversized")]
    Truncated,
}

/// Reads the build info from a binary's bytes.
///
/// ```
/// use sigchain_sbom::catalog::go::{parse_build_info, MAGIC};
/// let mut blob = MAGIC.to_vec();
/// blob.extend([8, 2]);
/// blob.resize(32, 0);
/// blob.push(8);
/// blob.extend(b"go1.22.3");
/// blob.push(0);
/// let info = parse_build_info(&blob)?;
/// assert_eq!(info.go_version, "go1.22.3");
/// # Ok::<(), sigchain_sbom::catalog::go::BuildInfoError>(())
/// ```
pub fn parse_build_info(binary: &[u8]) -> Result<BuildInfo, BuildInfoError> {
    let start = find_magic(binary).ok_or(BuildInfoError::NotGo)?;
    let header = binary
        .get(start..start + 32)
        .ok_or(BuildInfoError::Truncated)?;
    let flags = header.get(15).copied().unwrap_or(0);
    if flags & 2 == 0 {
        return Err(BuildInfoError::PointerForm);
    }
    let rest = binary.get(start + 32..).ok_or(BuildInfoError::Truncated)?;
    let (go_version, rest) = read_string(rest)?;
    let (modinfo, _) = read_string(rest)?;
    let mut info = BuildInfo {
        go_version: String::from_utf8_lossy(go_version).into_owned(),
        ..BuildInfo::default()
    };
    // The module info sits between two 16-byte sentinels; the byte before the closing one is
    // a newline (what Go's own reader checks before stripping them).
    let modinfo = if modinfo.len() >= 33 && modinfo.get(modinfo.len() - 17) == Some(&b'\n') {
        &modinfo[16..modinfo.len() - 16]
    } else {
        &[][..]
    };
    let text = String::from_utf8_lossy(modinfo);
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["path", path, ..] => info.path = Some(path.to_string()),
            ["mod", path, version, ..] => info.main = Some((path.to_string(), version.to_string())),
            ["dep", path, version, ..] if info.deps.len() < MAX_DEPS => {
                info.deps.push((path.to_string(), version.to_string()))
            }
            ["=>", path, version, ..] => {
                if let Some(last) = info.deps.last_mut() {
                    *last = (path.to_string(), version.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

fn find_magic(binary: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = binary.get(from..)?.iter().position(|&b| b == 0xff) {
        let at = from + offset;
        if binary.get(at..at + MAGIC.len()) == Some(&MAGIC[..]) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A uvarint length, then that many bytes.
fn read_string(bytes: &[u8]) -> Result<(&[u8], &[u8]), BuildInfoError> {
    let mut length: u64 = 0;
    for (index, &byte) in bytes.iter().enumerate().take(10) {
        length |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            let length = usize::try_from(length).map_err(|_| BuildInfoError::Truncated)?;
            if length > MAX_STRING {
                return Err(BuildInfoError::Truncated);
            }
            let body = bytes.get(index + 1..).ok_or(BuildInfoError::Truncated)?;
            return if body.len() >= length {
                Ok(body.split_at(length))
            } else {
                Err(BuildInfoError::Truncated)
            };
        }
    }
    Err(BuildInfoError::Truncated)
}

/// Whether `bytes` start like an ELF, Mach-O or PE file: anything else is no binary, and
/// scanning it for the magic would be wasted.
pub fn is_executable_format(bytes: &[u8]) -> bool {
    let Some(head) = bytes.get(..4) else {
        return false;
    };
    head == b"\x7fELF"
        || head.starts_with(b"MZ")
        || matches!(
            head,
            [0xfe, 0xed, 0xfa, 0xce | 0xcf]
                | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
                | [0xca, 0xfe, 0xba, 0xbe]
        )
}

/// The Go binary cataloger.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoBinaryCataloger;

impl Cataloger for GoBinaryCataloger {
    fn name(&self) -> &'static str {
        "go"
    }

    fn wants(&self, path: &str) -> bool {
        let file = path.rsplit('/').next().unwrap_or(path);
        if file.is_empty() || file.starts_with('.') {
            return false;
        }
        let in_bin_dir = ["bin/", "sbin/", "libexec/"]
            .iter()
            .any(|dir| path.starts_with(dir) || path.contains(&format!("/{dir}")));
        // Extension-less files anywhere except where they are known to be text or data.
        let no_extension = !file.contains('.')
            && !path.starts_with("etc/")
            && !path.starts_with("usr/share/")
            && !path.starts_with("usr/src/")
            && !path.starts_with("var/lib/")
            && !path.contains("/include/")
            && !path.contains("node_modules/")
            && !path.contains("site-packages/")
            && !path.contains("dist-packages/")
            && !matches!(
                file,
                "Makefile" | "Kconfig" | "LICENSE" | "README" | "COPYING" | "NOTICE" | "AUTHORS"
            );
        (in_bin_dir && !file.ends_with(".so")) || no_extension
    }

    fn max_file_bytes(&self) -> u64 {
        256 * 1024 * 1024
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        if !is_executable_format(content) {
            return Found::default();
        }
        let info = match parse_build_info(content) {
            Ok(info) => info,
            Err(BuildInfoError::NotGo) => return Found::default(),
            Err(error) => {
                return Found {
                    packages: Vec::new(),
                    warnings: vec![error.to_string()],
                }
            }
        };
        let module = |module_path: &str, version: &str| {
            let (namespace, name) = match module_path.rsplit_once('/') {
                Some((namespace, name)) => (Some(namespace.to_string()), name.to_string()),
                None => (None, module_path.to_string()),
            };
            Package {
                name,
                version: version.to_string(),
                package_type: Some(PackageType::Go),
                namespace,
                locations: vec![location(path)],
                ..Package::default()
            }
        };
        let mut packages = Vec::new();
        let dep_paths: Vec<String> = info.deps.iter().map(|(p, _)| p.clone()).collect();
        if let Some((main_path, version)) = &info.main {
            let mut main = module(main_path, version);
            main.depends_on = dep_paths;
            packages.push(main);
        }
        packages.extend(info.deps.iter().map(|(p, v)| module(p, v)));
        if !info.go_version.is_empty() {
            let mut stdlib = module(STDLIB, &info.go_version);
            stdlib.cpes = crate::cpe::go_toolchain(&info.go_version)
                .map(|c| c.to_string())
                .into_iter()
                .collect();
            packages.push(stdlib);
        }
        Found {
            packages,
            warnings: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build info blob as the Go 1.18+ linker lays it out, inside other bytes.
    pub(crate) fn blob(go_version: &str, modinfo: &str) -> Vec<u8> {
        let mut out = vec![0u8; 100];
        out[..4].copy_from_slice(b"\x7fELF");
        out.extend(MAGIC);
        out.extend([8, 2]);
        out.resize(100 + 32, 0);
        let mut string = |bytes: &[u8]| {
            let mut length = bytes.len();
            while length >= 0x80 {
                out.push((length as u8 & 0x7f) | 0x80);
                length >>= 7;
            }
            out.push(length as u8);
            out.extend(bytes);
        };
        string(go_version.as_bytes());
        let mut framed = vec![0x30u8; 16];
        framed.extend(modinfo.as_bytes());
        framed.extend([0x31u8; 16]);
        string(&framed);
        out.extend([0u8; 64]);
        out
    }

    const MODINFO: &str = "path\tgithub.com/acme/tool/cmd/tool\n\
        mod\tgithub.com/acme/tool\t(devel)\t\n\
        dep\tgithub.com/spf13/cobra\tv1.8.0\th1:7aJaZx1B85qltLMc546zn58BxxfZdR/W22ej9CFoEf0=\n\
        dep\tgolang.org/x/sys\tv0.15.0\th1:h48lPFYpsTvQJZF4EKyI4aLHaev3CxGDZDsYsk4c=\n\
        =>\tgolang.org/x/sys\tv0.16.0\th1:x\n\
        build\t-compiler=gc\n\
        build\tGOOS=linux\n";

    #[test]
    fn reads_inline_build_info() {
        let info = parse_build_info(&blob("go1.21.5", MODINFO)).unwrap();
        assert_eq!(info.go_version, "go1.21.5");
        assert_eq!(
            info.main,
            Some(("github.com/acme/tool".into(), "(devel)".into()))
        );
        assert_eq!(
            info.deps,
            [
                ("github.com/spf13/cobra".into(), "v1.8.0".into()),
                ("golang.org/x/sys".into(), "v0.16.0".into())
            ]
        );
    }

    #[test]
    fn catalogs_modules_and_stdlib() {
        let found = GoBinaryCataloger.catalog("usr/local/bin/tool", &blob("go1.21.5", MODINFO));
        let names: Vec<String> = found
            .packages
            .iter()
            .map(|p| format!("{:?} {} {}", p.namespace, p.name, p.version))
            .collect();
        assert_eq!(
            names,
            [
                "Some(\"github.com/acme\") tool (devel)",
                "Some(\"github.com/spf13\") cobra v1.8.0",
                "Some(\"golang.org/x\") sys v0.16.0",
                "None stdlib go1.21.5"
            ]
        );
        let stdlib = &found.packages[3];
        assert_eq!(stdlib.cpes, ["cpe:2.3:a:golang:go:1.21.5:-:*:*:*:*:*:*"]);
        assert_eq!(
            stdlib.purl(None).as_deref(),
            Some("pkg:golang/stdlib@1.21.5")
        );
        // Modules get no CPE: none can be formed without guessing.
        assert!(found.packages[..3].iter().all(|p| p.cpes.is_empty()));
    }

    #[test]
    fn go_releases() {
        for (version, release) in [
            ("go1.22.1", Some("1.22.1")),
            ("go1.20", Some("1.20")),
            ("go1.21rc2", Some("1.21rc2")),
            ("go1.22beta1", Some("1.22beta1")),
            ("go1.22.1 X:boringcrypto", Some("1.22.1")),
            ("devel go1.23-abcdef", None),
            ("go1", None),
            ("go1.2.3.4", None),
            ("go1.22.x", None),
            ("go1.22rc", None),
            ("1.22.1", None),
            ("", None),
        ] {
            assert_eq!(go_release(version), release, "{version}");
        }
    }

    /// Real binaries on this machine, read in place (none are committed): the build info the
    /// Go toolchain wrote must give a stdlib with purl and CPE, as `go version -m` shows it.
    #[test]
    fn real_go_binaries() {
        for path in ["/usr/local/bin/docker", "/usr/local/bin/terraform"] {
            let Ok(binary) = std::fs::read(path) else {
                continue;
            };
            let found = GoBinaryCataloger.catalog("usr/local/bin/x", &binary);
            assert!(found.warnings.is_empty(), "{path}: {:?}", found.warnings);
            let stdlib = found
                .packages
                .iter()
                .find(|p| p.name == STDLIB)
                .unwrap_or_else(|| panic!("{path}: no stdlib"));
            let release = go_release(&stdlib.version).unwrap();
            assert_eq!(
                stdlib.purl(None),
                Some(format!("pkg:golang/stdlib@{release}"))
            );
            assert_eq!(
                stdlib.cpes,
                [format!("cpe:2.3:a:golang:go:{release}:-:*:*:*:*:*:*")]
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn go_release_never_panics(s in "\\PC{0,24}") {
            let _ = go_release(&s);
        }
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(
            parse_build_info(b"\xff\xff not go"),
            Err(BuildInfoError::NotGo)
        );
        let mut old = b"\x7fELF".to_vec();
        old.extend(MAGIC);
        old.extend([8, 0]);
        old.resize(64, 0);
        assert_eq!(parse_build_info(&old), Err(BuildInfoError::PointerForm));
        let mut cut = blob("go1.21.5", MODINFO);
        cut.truncate(100 + 32 + 20);
        assert_eq!(parse_build_info(&cut), Err(BuildInfoError::Truncated));
        let found = GoBinaryCataloger.catalog("bin/x", &old);
        assert_eq!(found.warnings, [PRE_1_18]);
        assert!(GoBinaryCataloger
            .catalog("bin/x", b"#!/bin/sh\n")
            .packages
            .is_empty());
    }

    #[test]
    fn wants_binaries_by_place() {
        assert!(GoBinaryCataloger.wants("usr/local/bin/kubectl"));
        assert!(GoBinaryCataloger.wants("ko-app/server"));
        assert!(GoBinaryCataloger.wants("manager"));
        assert!(!GoBinaryCataloger.wants("etc/passwd"));
        assert!(!GoBinaryCataloger.wants("usr/lib/x86_64-linux-gnu/libc.so.6"));
        assert!(!GoBinaryCataloger.wants("app/main.go"));
        assert!(!GoBinaryCataloger.wants("usr/src/linux/Makefile"));
        assert!(!GoBinaryCataloger.wants("app/LICENSE"));
        assert!(GoBinaryCataloger
            .catalog("manager", &blob("go1.22.0", "")[4..])
            .packages
            .is_empty());
    }
}
