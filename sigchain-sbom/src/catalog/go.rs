//! Go modules compiled into a binary, from the build information the Go toolchain embeds
//! (Go 1.18 and later: `go version -m` reads the same bytes).
//!
//! The linker writes a 32-byte header, `\xff Go buildinf:`, a pointer size, a flags byte, at a
//! 16-byte aligned offset; with the "inline strings" flag (bit 1, Go 1.18+) two
//! length-prefixed (unsigned varint) strings follow: the Go version and the module info. The
//! module info is framed by 16 sentinel bytes on each side and holds tab-separated lines:
//! `path` (the main package), `mod` (the main module: path, version, sum), `dep` (each
//! dependency), `=>` (the replacement of the line before), `build` (settings).
//!
//! Binaries from Go before 1.18 keep the strings behind pointers into the loaded image; reading
//! them needs the executable's segment map, which this reader does not do: such a binary is a
//! warning. The main module is reported unless its version is `(devel)` (a local build names
//! no version to match advisories against); `stdlib` is reported with the Go version, as Syft
//! and Trivy do, so that advisories against the standard library are found.

use crate::model::{Cataloger, Found, Package, PackageType};

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const FLAG_INLINE_STRINGS: u8 = 0x2;
/// The module info's framing (`cmd/go/internal/modload.infoStart` / `infoEnd`).
const SENTINEL_LEN: usize = 16;
/// The longest string read from the header (module info of a large program is tens of KiB).
const MAX_STRING: u64 = 4 * 1024 * 1024;

/// What a binary's build information says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// The Go version (`go1.22.1`).
    pub go_version: String,
    /// The main package's path (`path` line), if any.
    pub path: Option<String>,
    /// The main module, if any.
    pub main: Option<Module>,
    /// The dependencies, replacements applied.
    pub deps: Vec<Module>,
}

/// A module line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The module path.
    pub path: String,
    /// The version (`v1.2.3`, `(devel)`).
    pub version: String,
    /// The `go.sum` hash (`h1:...`), if any.
    pub sum: Option<String>,
}

/// Why a file's build information could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildInfoError {
    /// No build information header: not a Go binary (or stripped of it).
    #[error("no Go build information")]
    NotGo,
    /// A binary from before Go 1.18 (strings behind pointers).
    #[error("Go build information without inline strings (Go before 1.18) is not read")]
    PointerStrings,
    /// The header's strings run past the file or a limit.
    #[error("truncated or oversized Go build information")]
    Truncated,
}

fn uvarint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        let low = u64::from(byte & 0x7f);
        value |= low.checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn read_string(bytes: &[u8]) -> Result<(&[u8], &[u8]), BuildInfoError> {
    let (len, used) = uvarint(bytes).ok_or(BuildInfoError::Truncated)?;
    if len > MAX_STRING {
        return Err(BuildInfoError::Truncated);
    }
    let rest = bytes.get(used..).ok_or(BuildInfoError::Truncated)?;
    let len = usize::try_from(len).map_err(|_| BuildInfoError::Truncated)?;
    if rest.len() < len {
        return Err(BuildInfoError::Truncated);
    }
    Ok(rest.split_at(len))
}

/// Find and read the build information in a binary's bytes.
pub fn read_build_info(binary: &[u8]) -> Result<BuildInfo, BuildInfoError> {
    let mut offset = 0;
    let header = loop {
        let Some(found) = find(binary.get(offset..).unwrap_or_default(), MAGIC) else {
            return Err(BuildInfoError::NotGo);
        };
        let at = offset + found;
        // The linker aligns the header; an unaligned match is some other data.
        if at % 16 == 0 {
            break at;
        }
        offset = at + 1;
    };
    let flags = *binary.get(header + 15).ok_or(BuildInfoError::Truncated)?;
    if flags & FLAG_INLINE_STRINGS == 0 {
        return Err(BuildInfoError::PointerStrings);
    }
    let strings = binary
        .get(header + HEADER_LEN..)
        .ok_or(BuildInfoError::Truncated)?;
    let (version, rest) = read_string(strings)?;
    let (modinfo, _) = read_string(rest)?;
    let modinfo = strip_sentinels(modinfo);
    let mut info = BuildInfo {
        go_version: String::from_utf8_lossy(version).into_owned(),
        path: None,
        main: None,
        deps: Vec::new(),
    };
    for line in String::from_utf8_lossy(modinfo).lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["path", path, ..] => info.path = Some((*path).to_owned()),
            ["mod", rest @ ..] => info.main = module(rest),
            ["dep", rest @ ..] => info.deps.extend(module(rest)),
            ["=>", rest @ ..] => {
                // A replacement applies to the line before it: the main module or the last dep.
                if let Some(replacement) = module(rest) {
                    if let Some(last) = info.deps.last_mut() {
                        *last = replacement;
                    } else if let Some(main) = info.main.as_mut() {
                        *main = replacement;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

fn module(fields: &[&str]) -> Option<Module> {
    let path = fields.first().filter(|p| !p.is_empty())?;
    Some(Module {
        path: (*path).to_owned(),
        version: fields.get(1).copied().unwrap_or_default().to_owned(),
        sum: fields.get(2).map(|s| (*s).to_owned()),
    })
}

fn strip_sentinels(modinfo: &[u8]) -> &[u8] {
    // As the toolchain reads it: framed when long enough and the byte before the end sentinel
    // is the last line's newline.
    if modinfo.len() > 2 * SENTINEL_LEN
        && modinfo.get(modinfo.len() - SENTINEL_LEN - 1) == Some(&b'\n')
    {
        &modinfo[SENTINEL_LEN..modinfo.len() - SENTINEL_LEN]
    } else {
        modinfo
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The packages a binary's build information names.
pub fn packages(info: &BuildInfo) -> Vec<Package> {
    let go_package = |path: &str, version: &str, sum: Option<&str>| Package {
        name: path.to_owned(),
        version: version.to_owned(),
        package_type: Some(PackageType::Go),
        qualifiers: sum
            .map(|s| [("sum".to_owned(), s.to_owned())].into())
            .unwrap_or_default(),
        ..Package::default()
    };
    let mut found = Vec::new();
    if let Some(main) = &info.main {
        if main.version != "(devel)" && !main.version.is_empty() {
            found.push(go_package(&main.path, &main.version, None));
        }
    }
    for dep in &info.deps {
        let mut package = go_package(&dep.path, &dep.version, None);
        if let Some(sum) = &dep.sum {
            package.checksums.push(crate::model::Checksum {
                algorithm: "GO-SUM".to_owned(),
                value: sum.clone(),
            });
        }
        package.qualifiers.clear();
        found.push(package);
    }
    if let Some(version) = info.go_version.strip_prefix("go") {
        // `go1.22.1`, possibly followed by ` X:...` experiment flags.
        let version = version.split_whitespace().next().unwrap_or_default();
        if !version.is_empty() {
            found.push(go_package("stdlib", &format!("go{version}"), None));
        }
    }
    if let Some(main) = &info.main {
        let names: Vec<String> = info.deps.iter().map(|d| d.path.clone()).collect();
        if let Some(package) = found.iter_mut().find(|p| p.name == main.path) {
            package.depends_on = names;
        }
    }
    found
}

/// The Go binary cataloger. A path carries no file mode, so it reads files in the directories
/// programs are installed to (`bin`, `sbin`, `usr/local/bin`, `go/bin`, `app`) without a
/// file-name extension, and `.exe` files; Go binaries elsewhere are not found yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoBinaryCataloger;

impl Cataloger for GoBinaryCataloger {
    fn name(&self) -> &'static str {
        "go-binary"
    }

    fn wants(&self, path: &str) -> bool {
        let (dir, file) = match path.rsplit_once('/') {
            Some((dir, file)) => (dir, file),
            None => ("", path),
        };
        if file.is_empty() {
            return false;
        }
        if file.ends_with(".exe") {
            return true;
        }
        let in_bin_dir = dir == "app"
            || dir.starts_with("app/")
            || dir
                .rsplit('/')
                .next()
                .is_some_and(|last| last == "bin" || last == "sbin");
        in_bin_dir && !file.contains('.')
    }

    fn max_file_bytes(&self) -> u64 {
        256 * 1024 * 1024
    }

    fn catalog(&self, _path: &str, content: &[u8]) -> Found {
        match read_build_info(content) {
            Ok(info) => Found {
                packages: packages(&info),
                warnings: Vec::new(),
            },
            // Most files in a bin directory are not Go programs: that is not worth a warning.
            Err(BuildInfoError::NotGo) => Found::default(),
            Err(e) => Found {
                packages: Vec::new(),
                warnings: vec![e.to_string()],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    /// A binary-like blob with build information at a 16-aligned offset.
    fn binary(version: &str, modinfo: &str, framed: bool) -> Vec<u8> {
        let mut bytes = vec![0u8; 40];
        bytes.extend_from_slice(b"\xff Go buildinf:"); // unaligned decoy first
        bytes.resize(64, 0); // the decoy at 40 is not 16-aligned
        let mut header = MAGIC.to_vec();
        header.push(8);
        header.push(FLAG_INLINE_STRINGS);
        header.resize(HEADER_LEN, 0);
        bytes.extend_from_slice(&header);
        varint(version.len(), &mut bytes);
        bytes.extend_from_slice(version.as_bytes());
        let mut info = Vec::new();
        if framed {
            info.extend_from_slice(&[0xAA; SENTINEL_LEN]);
        }
        info.extend_from_slice(modinfo.as_bytes());
        if framed {
            info.extend_from_slice(&[0xBB; SENTINEL_LEN]);
        }
        varint(info.len(), &mut bytes);
        bytes.extend_from_slice(&info);
        bytes.extend_from_slice(&[0u8; 100]);
        bytes
    }

    const MODINFO: &str = "path\texample.com/app/cmd/app\n\
        mod\texample.com/app\tv1.4.0\th1:abc=\n\
        dep\tgithub.com/google/uuid\tv1.6.0\th1:uuidsum=\n\
        dep\tgolang.org/x/sys\tv0.20.0\th1:syssum=\n\
        =>\tgolang.org/x/sys\tv0.21.0\th1:replaced=\n\
        build\t-compiler=gc\n";

    #[test]
    fn reads_modules_replacements_and_the_go_version() {
        let info = read_build_info(&binary("go1.22.1", MODINFO, true)).unwrap();
        assert_eq!(info.go_version, "go1.22.1");
        assert_eq!(info.path.as_deref(), Some("example.com/app/cmd/app"));
        assert_eq!(info.main.as_ref().unwrap().version, "v1.4.0");
        assert_eq!(info.deps.len(), 2);
        assert_eq!(info.deps[1].version, "v0.21.0", "the replacement applies");
        let packages = packages(&info);
        let names: Vec<(&str, &str)> = packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("example.com/app", "v1.4.0"),
                ("github.com/google/uuid", "v1.6.0"),
                ("golang.org/x/sys", "v0.21.0"),
                ("stdlib", "go1.22.1"),
            ]
        );
        assert_eq!(packages[0].depends_on.len(), 2);
    }

    #[test]
    fn unframed_module_info_and_devel_main_modules() {
        let modinfo = "mod\texample.com/app\t(devel)\t\ndep\tgithub.com/a/b\tv0.1.0\n";
        let info =
            read_build_info(&binary("go1.21.0 X:nocoverageredesign", modinfo, false)).unwrap();
        let packages = packages(&info);
        let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["github.com/a/b", "stdlib"]);
        assert_eq!(packages[1].version, "go1.21.0");
    }

    #[test]
    fn not_go_old_go_and_truncated_are_told_apart() {
        assert_eq!(
            read_build_info(b"\x7fELF plain"),
            Err(BuildInfoError::NotGo)
        );
        let mut old = vec![0u8; 16];
        old.extend_from_slice(MAGIC);
        old.push(8);
        old.push(0);
        old.resize(80, 0);
        assert_eq!(read_build_info(&old), Err(BuildInfoError::PointerStrings));
        let mut cut = binary("go1.22.1", MODINFO, true);
        cut.truncate(64 + HEADER_LEN + 20);
        assert_eq!(read_build_info(&cut), Err(BuildInfoError::Truncated));
        let cataloger = GoBinaryCataloger;
        assert!(cataloger
            .catalog("usr/bin/x", b"#!/bin/sh")
            .warnings
            .is_empty());
        assert_eq!(cataloger.catalog("usr/bin/x", &old).warnings.len(), 1);
    }

    #[test]
    fn wants_programs_in_bin_directories() {
        let cataloger = GoBinaryCataloger;
        for path in [
            "usr/local/bin/app",
            "bin/app",
            "usr/sbin/x",
            "app/server",
            "go/bin/tool",
            "c/app.exe",
        ] {
            assert!(cataloger.wants(path), "{path}");
        }
        for path in [
            "usr/bin/script.sh",
            "etc/passwd",
            "usr/lib/libc.so.6",
            "usr/bin/",
        ] {
            assert!(!cataloger.wants(path), "{path}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512), at in 0usize..256) {
            let mut data = bytes.clone();
            let at = (at / 16) * 16;
            if at + MAGIC.len() + 2 <= data.len() {
                data[at..at + MAGIC.len()].copy_from_slice(MAGIC);
                data[at + 15] |= FLAG_INLINE_STRINGS;
            }
            let _ = read_build_info(&data);
            let _ = GoBinaryCataloger.catalog("bin/x", &data);
        }
    }
}
