//! Rust binaries built with `cargo auditable`: the dependency tree sits in the ELF section
//! `.dep-v0` as zlib-compressed JSON (`{"packages": [{"name", "version", "source", "kind",
//! "dependencies": [indices], "root"}]}`).
//!
//! Only ELF is read (Linux images); Mach-O and PE binaries are not looked at. Packages of
//! `kind: "build"` (build scripts, proc macros) ran at build time and are not in the binary,
//! so they are left out. The root package (the binary's own crate) is a package like the
//! others, as for `Cargo.lock` workspace members. Which files are binaries is decided as for
//! Go ([`crate::catalog::go::GoBinaryCataloger::wants`]).

use std::io::Read;

use serde_json::Value;

use crate::catalog::declared::location;
use crate::catalog::go::GoBinaryCataloger;
use crate::model::{Cataloger, Found, Package, PackageType};

/// The largest decompressed dependency tree read.
pub const MAX_JSON_BYTES: u64 = 8 * 1024 * 1024;
/// The most sections looked at in one ELF file.
pub const MAX_SECTIONS: usize = 4096;
/// The most packages read from one tree.
pub const MAX_PACKAGES: usize = 50_000;

/// The cargo-auditable binary cataloger.
#[derive(Debug, Clone, Copy, Default)]
pub struct CargoAuditableCataloger;

impl Cataloger for CargoAuditableCataloger {
    fn name(&self) -> &'static str {
        "cargo-auditable"
    }

    fn wants(&self, path: &str) -> bool {
        GoBinaryCataloger.wants(path)
    }

    fn max_file_bytes(&self) -> u64 {
        GoBinaryCataloger.max_file_bytes()
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        let Some(section) = elf_section(content, b".dep-v0") else {
            return Found::default();
        };
        let mut json = Vec::new();
        let read = flate2::read::ZlibDecoder::new(section)
            .take(MAX_JSON_BYTES + 1)
            .read_to_end(&mut json);
        if let Err(error) = read {
            return warning(format!(".dep-v0: not zlib: {error}"));
        }
        if json.len() as u64 > MAX_JSON_BYTES {
            return warning(format!(".dep-v0: more than {MAX_JSON_BYTES} bytes"));
        }
        let Ok(Value::Object(tree)) = serde_json::from_slice::<Value>(&json) else {
            return warning(".dep-v0: not a JSON object".into());
        };
        let Some(entries) = tree.get("packages").and_then(Value::as_array) else {
            return warning(".dep-v0: no packages".into());
        };
        let names: Vec<Option<&str>> = entries
            .iter()
            .map(|e| e.get("name").and_then(Value::as_str))
            .collect();
        let mut found = Found::default();
        for (index, entry) in entries.iter().enumerate().take(MAX_PACKAGES) {
            let text = |key: &str| entry.get(key).and_then(Value::as_str);
            if text("kind") == Some("build") {
                continue;
            }
            let (Some(name), Some(version)) = (text("name"), text("version")) else {
                found
                    .warnings
                    .push(format!(".dep-v0: package {index} has no name or version"));
                continue;
            };
            let mut depends_on: Vec<String> = entry
                .get("dependencies")
                .and_then(Value::as_array)
                .map(|deps| {
                    deps.iter()
                        .filter_map(Value::as_u64)
                        .filter_map(|i| usize::try_from(i).ok())
                        .filter_map(|i| names.get(i).copied().flatten())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            depends_on.sort();
            depends_on.dedup();
            found.packages.push(Package {
                name: name.to_string(),
                version: version.to_string(),
                package_type: Some(PackageType::Cargo),
                locations: vec![location(path)],
                depends_on,
                ..Package::default()
            });
        }
        found
    }
}

fn warning(message: String) -> Found {
    Found {
        packages: Vec::new(),
        warnings: vec![message],
    }
}

/// The bytes of the ELF section named `wanted`, if `binary` is an ELF file (32 or 64 bit,
/// either byte order) that has it.
pub fn elf_section<'a>(binary: &'a [u8], wanted: &[u8]) -> Option<&'a [u8]> {
    if binary.get(..4)? != b"\x7fELF" {
        return None;
    }
    let wide = match binary.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let big = match binary.get(5)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let int = |at: usize, size: usize| -> Option<u64> {
        let bytes = binary.get(at..at.checked_add(size)?)?;
        let mut value = 0u64;
        for i in 0..size {
            let byte = if big { bytes[i] } else { bytes[size - 1 - i] };
            value = (value << 8) | u64::from(byte);
        }
        Some(value)
    };
    let word = if wide { 8 } else { 4 };
    let (shoff_at, shentsize_at) = if wide { (0x28, 0x3a) } else { (0x20, 0x2e) };
    let section_offset = usize::try_from(int(shoff_at, word)?).ok()?;
    let entry_size = usize::try_from(int(shentsize_at, 2)?).ok()?;
    let count = usize::try_from(int(shentsize_at + 2, 2)?).ok()?;
    let names_index = usize::try_from(int(shentsize_at + 4, 2)?).ok()?;
    if count > MAX_SECTIONS || entry_size < if wide { 0x40 } else { 0x28 } {
        return None;
    }
    // (name offset, file offset, size) of section `index`.
    let header = |index: usize| -> Option<(usize, usize, usize)> {
        let at = section_offset.checked_add(index.checked_mul(entry_size)?)?;
        let (offset_at, size_at) = if wide { (0x18, 0x20) } else { (0x10, 0x14) };
        Some((
            usize::try_from(int(at, 4)?).ok()?,
            usize::try_from(int(at + offset_at, word)?).ok()?,
            usize::try_from(int(at + size_at, word)?).ok()?,
        ))
    };
    let (_, names_offset, names_size) = header(names_index)?;
    let names = binary.get(names_offset..names_offset.checked_add(names_size)?)?;
    for index in 0..count {
        let (name_at, offset, size) = header(index)?;
        let name = names.get(name_at..)?;
        let name = &name[..name.iter().position(|&b| b == 0)?];
        if name == wanted {
            return binary.get(offset..offset.checked_add(size)?);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A little-endian ELF64 file whose only sections are the names table and `sections`.
    pub(crate) fn elf(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = vec![0u8; 0x40];
        out[..4].copy_from_slice(b"\x7fELF");
        out[4] = 2;
        out[5] = 1;
        let mut names = vec![0u8];
        let mut headers = vec![(0usize, 0usize, 0usize)];
        for (name, data) in sections {
            headers.push((names.len(), out.len(), data.len()));
            names.extend(name.as_bytes());
            names.push(0);
            out.extend(*data);
        }
        let shstrtab_name = names.len();
        names.extend(b".shstrtab\0");
        headers.push((shstrtab_name, out.len(), names.len()));
        out.extend(&names);
        let section_offset = out.len();
        for (name, offset, size) in &headers {
            let mut header = vec![0u8; 0x40];
            header[..4].copy_from_slice(&(*name as u32).to_le_bytes());
            header[0x18..0x20].copy_from_slice(&(*offset as u64).to_le_bytes());
            header[0x20..0x28].copy_from_slice(&(*size as u64).to_le_bytes());
            out.extend(header);
        }
        out[0x28..0x30].copy_from_slice(&(section_offset as u64).to_le_bytes());
        out[0x3a..0x3c].copy_from_slice(&0x40u16.to_le_bytes());
        out[0x3c..0x3e].copy_from_slice(&(headers.len() as u16).to_le_bytes());
        out[0x3e..0x40].copy_from_slice(&((headers.len() - 1) as u16).to_le_bytes());
        out
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    const TREE: &[u8] = br#"{"packages":[
        {"name":"adler","version":"1.0.2","source":"crates.io"},
        {"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},
        {"name":"app","version":"0.1.0","source":"local","dependencies":[0,1,99],"root":true}
    ]}"#;

    #[test]
    fn reads_the_dependency_tree() {
        let binary = elf(&[(".text", b"\x90\x90"), (".dep-v0", &zlib(TREE))]);
        assert_eq!(elf_section(&binary, b".text"), Some(&b"\x90\x90"[..]));
        let found = CargoAuditableCataloger.catalog("usr/local/bin/app", &binary);
        assert_eq!(found.warnings, Vec::<String>::new());
        let names: Vec<&str> = found.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["adler", "app"]);
        assert_eq!(found.packages[1].depends_on, ["adler", "cc"]);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let plain = elf(&[(".text", b"\x90")]);
        assert_eq!(
            CargoAuditableCataloger.catalog("bin/a", &plain),
            Found::default()
        );
        let bad = elf(&[(".dep-v0", b"not zlib")]);
        assert_eq!(
            CargoAuditableCataloger
                .catalog("bin/a", &bad)
                .warnings
                .len(),
            1
        );
        let not_json = elf(&[(".dep-v0", &zlib(b"[1]"))]);
        assert_eq!(
            CargoAuditableCataloger
                .catalog("bin/a", &not_json)
                .warnings
                .len(),
            1
        );
        assert_eq!(elf_section(b"\x7fELF\x02\x01", b".dep-v0"), None);
        let mut cut = elf(&[(".dep-v0", &zlib(TREE))]);
        cut.truncate(0x40 + 5);
        assert_eq!(elf_section(&cut, b".dep-v0"), None);
    }
}
