//! Java archives (`.jar`, `.war`, `.ear`): Maven coordinates from
//! `META-INF/maven/GROUP/ARTIFACT/pom.properties`, and `META-INF/MANIFEST.MF` when an archive
//! has no pom.properties; archives nested inside (`WEB-INF/lib/*.jar`, Spring Boot
//! `BOOT-INF/lib/*.jar`) are read the same way, [`MAX_NESTING`] levels deep.
//!
//! The zip reader here reads only what this needs: the central directory (found from the end
//! record), then each wanted entry, stored or deflated, each capped at [`MAX_ENTRY_BYTES`]
//! decompressed. Zip64 archives and encrypted entries give a warning.
//!
//! A shaded jar holds several pom.properties: each is a package (the code is in the jar). The
//! manifest's `Implementation-Vendor` is the supplier only of a jar with one pom.properties
//! (with several, which one the vendor made is unknown).

use std::io::Read;

use crate::catalog::declared::location;
use crate::model::{Cataloger, Found, Package, PackageType, Party};

/// How deep archives inside archives are followed.
pub const MAX_NESTING: usize = 2;
/// The largest decompressed entry read (a metadata file, or a nested archive).
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
/// The most central directory entries read from one archive.
pub const MAX_ENTRIES: usize = 200_000;
/// The most warnings reported for one archive (with its nested archives).
pub const MAX_WARNINGS: usize = 20;

/// The Java archive cataloger.
#[derive(Debug, Clone, Copy, Default)]
pub struct JavaArchiveCataloger;

impl Cataloger for JavaArchiveCataloger {
    fn name(&self) -> &'static str {
        "java"
    }

    fn wants(&self, path: &str) -> bool {
        [".jar", ".war", ".ear"]
            .iter()
            .any(|ext| path.ends_with(ext))
    }

    fn max_file_bytes(&self) -> u64 {
        512 * 1024 * 1024
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        let mut found = Found::default();
        catalog_archive(path, content, 0, &mut found);
        if found.warnings.len() > MAX_WARNINGS {
            let more = found.warnings.len() - MAX_WARNINGS;
            found.warnings.truncate(MAX_WARNINGS);
            found
                .warnings
                .push(format!("{more} more warnings not shown"));
        }
        found
    }
}

/// `display` is the archive's path, with `!/` before each nested entry's name (as Java URLs
/// name nested entries); the package's location is the outer file.
fn catalog_archive(display: &str, bytes: &[u8], depth: usize, found: &mut Found) {
    let entries = match central_directory(bytes) {
        Ok(entries) => entries,
        Err(error) => {
            found.warnings.push(format!("{display}: {error}"));
            return;
        }
    };
    let outer = display.split("!/").next().unwrap_or(display);
    let mut manifest = None;
    let mut poms = Vec::new();
    for entry in &entries {
        let name = entry.name.as_str();
        let is_pom = name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties");
        let is_manifest = name.eq_ignore_ascii_case("META-INF/MANIFEST.MF");
        let is_nested = [".jar", ".war"].iter().any(|ext| name.ends_with(ext));
        if !(is_pom || is_manifest || is_nested) {
            continue;
        }
        if is_nested && depth + 1 > MAX_NESTING {
            found.warnings.push(format!(
                "{display}!/{name}: nested deeper than {MAX_NESTING}"
            ));
            continue;
        }
        let data = match read_entry(bytes, entry) {
            Ok(data) => data,
            Err(error) => {
                found.warnings.push(format!("{display}!/{name}: {error}"));
                continue;
            }
        };
        if is_pom {
            poms.push(properties(&String::from_utf8_lossy(&data)));
        } else if is_manifest {
            manifest = Some(manifest_fields(&String::from_utf8_lossy(&data)));
        } else {
            catalog_archive(&format!("{display}!/{name}"), &data, depth + 1, found);
        }
    }
    let vendor = manifest
        .as_ref()
        .and_then(|m| field(m, "Implementation-Vendor").or_else(|| field(m, "Bundle-Vendor")))
        .map(|name| Party::Organization {
            name: name.to_string(),
            email: None,
        });
    let license = manifest
        .as_ref()
        .and_then(|m| field(m, "Bundle-License"))
        .map(str::to_string);
    let single = poms.len() == 1;
    for pom in &poms {
        let (Some(group), Some(artifact), Some(version)) = (
            field(pom, "groupId"),
            field(pom, "artifactId"),
            field(pom, "version"),
        ) else {
            found.warnings.push(format!(
                "{display}: pom.properties without groupId, artifactId or version"
            ));
            continue;
        };
        found.packages.push(Package {
            name: artifact.to_string(),
            version: version.to_string(),
            package_type: Some(PackageType::Maven),
            namespace: Some(group.to_string()),
            supplier: if single { vendor.clone() } else { None },
            license_declared: if single { license.clone() } else { None },
            locations: vec![location(outer)],
            ..Package::default()
        });
    }
    if poms.is_empty() {
        // Without Maven coordinates the manifest names the archive; no group id is invented.
        let Some(manifest) = manifest else {
            return;
        };
        let name = field(&manifest, "Implementation-Title").or_else(|| {
            field(&manifest, "Bundle-SymbolicName").map(|n| n.split(';').next().unwrap_or(n))
        });
        let version = field(&manifest, "Implementation-Version")
            .or_else(|| field(&manifest, "Bundle-Version"));
        if let (Some(name), Some(version)) = (name, version) {
            found.packages.push(Package {
                name: name.trim().to_string(),
                version: version.to_string(),
                package_type: Some(PackageType::Maven),
                supplier: vendor,
                license_declared: license,
                locations: vec![location(outer)],
                ..Package::default()
            });
        }
    }
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// Java properties, the simple form Maven writes (`key=value`, `#` comments).
fn properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with(['#', '!']))
        .filter_map(|line| line.split_once(['=', ':']))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The main section of a manifest (`Key: value`, continuation lines start with one space).
fn manifest_fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break; // per-entry sections follow
        }
        if let Some(continued) = line.strip_prefix(' ') {
            if let Some((_, value)) = fields.last_mut() {
                value.push_str(continued);
            }
        } else if let Some((key, value)) = line.split_once(':') {
            fields.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

struct Entry {
    name: String,
    method: u16,
    flags: u16,
    compressed: u64,
    local_offset: u64,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn central_directory(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    // The end record is the last 22 bytes plus a comment of up to 64 KiB.
    let search_from = bytes.len().saturating_sub(22 + 65_535);
    let end = (search_from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&at| u32_at(bytes, at) == Some(0x0605_4b50))
        .ok_or("not a zip archive (no end of central directory)")?;
    let count = u16_at(bytes, end + 10).ok_or("truncated")?;
    let offset = u32_at(bytes, end + 16).ok_or("truncated")?;
    if count == 0xffff || offset == 0xffff_ffff {
        return Err("zip64 archives are not yet supported".into());
    }
    let mut at = usize::try_from(offset).map_err(|_| "offset too large")?;
    let mut entries = Vec::new();
    for _ in 0..count {
        if entries.len() >= MAX_ENTRIES {
            break;
        }
        if u32_at(bytes, at) != Some(0x0201_4b50) {
            return Err("central directory entry malformed".into());
        }
        let read = |offset: usize| u16_at(bytes, at + offset).ok_or("truncated central directory");
        let flags = read(8)?;
        let method = read(10)?;
        let compressed = u32_at(bytes, at + 20).ok_or("truncated central directory")?;
        let name_len = usize::from(read(28)?);
        let extra_len = usize::from(read(30)?);
        let comment_len = usize::from(read(32)?);
        let local_offset = u32_at(bytes, at + 42).ok_or("truncated central directory")?;
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or("truncated central directory")?;
        entries.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            flags,
            compressed: u64::from(compressed),
            local_offset: u64::from(local_offset),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(entries)
}

fn read_entry(bytes: &[u8], entry: &Entry) -> Result<Vec<u8>, String> {
    if entry.flags & 1 != 0 {
        return Err("encrypted".into());
    }
    let at = usize::try_from(entry.local_offset).map_err(|_| "offset too large")?;
    if u32_at(bytes, at) != Some(0x0403_4b50) {
        return Err("local header malformed".into());
    }
    let name_len = usize::from(u16_at(bytes, at + 26).ok_or("truncated")?);
    let extra_len = usize::from(u16_at(bytes, at + 28).ok_or("truncated")?);
    let start = at + 30 + name_len + extra_len;
    let length = usize::try_from(entry.compressed).map_err(|_| "size too large")?;
    let data = bytes
        .get(start..start.saturating_add(length))
        .ok_or("entry runs past the end")?;
    match entry.method {
        0 if entry.compressed <= MAX_ENTRY_BYTES => Ok(data.to_vec()),
        0 => Err(format!("larger than {MAX_ENTRY_BYTES} bytes")),
        8 => {
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(data)
                .take(MAX_ENTRY_BYTES + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("deflate: {e}"))?;
            if out.len() as u64 > MAX_ENTRY_BYTES {
                return Err(format!("decompresses to more than {MAX_ENTRY_BYTES} bytes"));
            }
            Ok(out)
        }
        other => Err(format!("compression method {other} not supported")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A zip archive of `(name, data, deflate)` entries, as jar tools write them.
    pub(crate) fn zip(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data, deflate) in files {
            let offset = out.len() as u32;
            let body = if *deflate {
                let mut encoder =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(data).unwrap();
                encoder.finish().unwrap()
            } else {
                data.to_vec()
            };
            let method: u16 = if *deflate { 8 } else { 0 };
            out.extend(0x0403_4b50u32.to_le_bytes());
            out.extend([20, 0, 0, 0]);
            out.extend(method.to_le_bytes());
            out.extend([0u8; 8]); // time, date, crc (not checked)
            out.extend((body.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes());
            out.extend(name.as_bytes());
            out.extend(&body);
            central.extend(0x0201_4b50u32.to_le_bytes());
            central.extend([20, 0, 20, 0, 0, 0]);
            central.extend(method.to_le_bytes());
            central.extend([0u8; 8]);
            central.extend((body.len() as u32).to_le_bytes());
            central.extend((data.len() as u32).to_le_bytes());
            central.extend((name.len() as u16).to_le_bytes());
            central.extend([0u8; 12]);
            central.extend(offset.to_le_bytes());
            central.extend(name.as_bytes());
        }
        let central_offset = out.len() as u32;
        out.extend(&central);
        out.extend(0x0605_4b50u32.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend((files.len() as u16).to_le_bytes());
        out.extend((files.len() as u16).to_le_bytes());
        out.extend((central.len() as u32).to_le_bytes());
        out.extend(central_offset.to_le_bytes());
        out.extend([0u8; 2]);
        out
    }

    const POM: &[u8] = b"#Created by Apache Maven 3.8.6\ngroupId=org.apache.commons\nartifactId=commons-lang3\nversion=3.12.0\n";
    const MANIFEST: &[u8] = b"Manifest-Version: 1.0\r\nImplementation-Title: Apache Commons Lang\r\nImplementation-Vendor: The Apache Software Foundation\r\nImplementation-Version: 3.12.0\r\n\r\nName: x\r\n";

    #[test]
    fn pom_properties_and_manifest() {
        let jar = zip(&[
            ("META-INF/MANIFEST.MF", MANIFEST, true),
            (
                "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
                POM,
                false,
            ),
        ]);
        let found = JavaArchiveCataloger.catalog("app/lib/commons-lang3-3.12.0.jar", &jar);
        assert_eq!(found.warnings, Vec::<String>::new());
        let [package] = found.packages.as_slice() else {
            panic!("{found:#?}")
        };
        assert_eq!(package.namespace.as_deref(), Some("org.apache.commons"));
        assert_eq!(
            (package.name.as_str(), package.version.as_str()),
            ("commons-lang3", "3.12.0")
        );
        assert_eq!(
            package.supplier,
            Some(Party::Organization {
                name: "The Apache Software Foundation".into(),
                email: None
            })
        );
    }

    #[test]
    fn nested_jars_and_manifest_only() {
        let inner = zip(&[(
            "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
            POM,
            true,
        )]);
        let manifest_only = zip(&[("META-INF/MANIFEST.MF", MANIFEST, false)]);
        let war = zip(&[
            ("WEB-INF/lib/commons-lang3-3.12.0.jar", &inner, false),
            ("WEB-INF/lib/other.jar", &manifest_only, true),
            ("WEB-INF/lib/broken.jar", b"not a zip", false),
        ]);
        let found = JavaArchiveCataloger.catalog("srv/app.war", &war);
        let names: Vec<(Option<&str>, &str)> = found
            .packages
            .iter()
            .map(|p| (p.namespace.as_deref(), p.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (Some("org.apache.commons"), "commons-lang3"),
                (None, "Apache Commons Lang")
            ]
        );
        assert!(found
            .packages
            .iter()
            .all(|p| p.locations[0].path == "srv/app.war"));
        assert_eq!(found.warnings.len(), 1, "{:?}", found.warnings);
        assert!(found.warnings[0].contains("broken.jar"));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(
            JavaArchiveCataloger.catalog("a.jar", b"PK").warnings.len(),
            1
        );
        let deep = zip(&[(
            "a.jar",
            &zip(&[("b.jar", &zip(&[("c.jar", b"", false)]), false)]),
            false,
        )]);
        let found = JavaArchiveCataloger.catalog("x.jar", &deep);
        assert!(
            found.warnings.iter().any(|w| w.contains("nested deeper")),
            "{:?}",
            found.warnings
        );
    }
}
