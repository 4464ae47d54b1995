//! Rust crates from `Cargo.lock` (formats v1 to v4: `[[package]]` tables with `name`,
//! `version`, `source`, `checksum` and `dependencies`; v1 keeps checksums in a `[metadata]`
//! table instead).
//!
//! Packages without a `source` are the workspace's own members (and path dependencies). They
//! are packages too: the lock sits beside code built from them, and an image that contains the
//! lock ships what they compile to, so an SBOM of the image that left them out would omit the
//! application itself. Both peers list them too (Trivy 0.76 and Syft 1.x, run on
//! `tests/data/lang/Cargo-v3.lock`). They carry no checksum and no supplier (the lock names none).
//! `dependencies` entries (`name`, `name version` or `name version (source)`) give
//! `depends_on` by name.

use crate::catalog::declared::location;
use crate::model::{Cataloger, Checksum, Found, Package, PackageType};

/// The most `[[package]]` entries read from one lock.
pub const MAX_PACKAGES: usize = 100_000;
/// The most warnings reported for one file.
pub const MAX_WARNINGS: usize = 20;

/// The Cargo.lock cataloger.
///
/// ```
/// use sigchain_sbom::catalog::cargo::CargoLockCataloger;
/// use sigchain_sbom::model::Cataloger;
/// let lock = br#"version = 4
/// [[package]]
/// name = "itoa"
/// version = "1.0.11"
/// source = "registry+https://example.invalid/index"
/// checksum = "49f1f14873335454500d59611f1cf4a4b0f786f9ac11f4312a78e4cf2566695b"
/// "#;
/// let found = CargoLockCataloger.catalog("src/app/Cargo.lock", lock);
/// assert_eq!(found.packages[0].name, "itoa");
/// assert_eq!(found.packages[0].checksums[0].algorithm, "SHA256");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CargoLockCataloger;

impl Cataloger for CargoLockCataloger {
    fn name(&self) -> &'static str {
        "cargo"
    }

    fn wants(&self, path: &str) -> bool {
        path == "Cargo.lock" || path.ends_with("/Cargo.lock")
    }

    fn max_file_bytes(&self) -> u64 {
        8 * 1024 * 1024
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        let mut warnings = Vec::new();
        let packages = match std::str::from_utf8(content) {
            Err(_) => {
                warnings.push("not UTF-8".into());
                Vec::new()
            }
            // The `toml` parser bounds nesting depth (its `unbounded` feature is off).
            Ok(text) => match toml::from_str::<toml::Table>(text) {
                Err(error) => {
                    warnings.push(format!("not TOML: {}", error.message()));
                    Vec::new()
                }
                Ok(table) => lock_packages(path, &table, &mut warnings),
            },
        };
        if warnings.len() > MAX_WARNINGS {
            let more = warnings.len() - MAX_WARNINGS;
            warnings.truncate(MAX_WARNINGS);
            warnings.push(format!("{more} more warnings not shown"));
        }
        Found { packages, warnings }
    }
}

fn lock_packages(path: &str, table: &toml::Table, warnings: &mut Vec<String>) -> Vec<Package> {
    let Some(entries) = table.get("package").and_then(toml::Value::as_array) else {
        warnings.push("no [[package]] entries".into());
        return Vec::new();
    };
    let metadata = table.get("metadata").and_then(toml::Value::as_table);
    let mut out = Vec::new();
    for (number, entry) in entries.iter().enumerate() {
        if out.len() >= MAX_PACKAGES {
            warnings.push(format!(
                "more than {MAX_PACKAGES} packages; the rest are ignored"
            ));
            break;
        }
        let Some(entry) = entry.as_table() else {
            warnings.push(format!("package {}: not a table", number + 1));
            continue;
        };
        let text = |key: &str| entry.get(key).and_then(toml::Value::as_str);
        let (Some(name), Some(version)) = (text("name"), text("version")) else {
            warnings.push(format!("package {}: no name or version", number + 1));
            continue;
        };
        let source = text("source");
        let checksum = text("checksum").or_else(|| {
            // v1: `"checksum NAME VERSION (SOURCE)" = "HEX"` in `[metadata]`.
            let source = source?;
            metadata?
                .get(&format!("checksum {name} {version} ({source})"))?
                .as_str()
        });
        let mut checksums = Vec::new();
        match checksum {
            Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => checksums
                .push(Checksum {
                    algorithm: "SHA256".into(),
                    value: hex.to_ascii_lowercase(),
                }),
            Some(other) if other != "<none>" => {
                warnings.push(format!("{name} {version}: checksum is not SHA-256 hex"))
            }
            _ => {}
        }
        let mut qualifiers = std::collections::BTreeMap::new();
        if let Some(vcs_url) = source.and_then(git_vcs_url) {
            qualifiers.insert("vcs_url".to_string(), vcs_url);
        }
        let mut depends_on: Vec<String> = entry
            .get("dependencies")
            .and_then(toml::Value::as_array)
            .map(|deps| {
                deps.iter()
                    .filter_map(toml::Value::as_str)
                    .filter_map(|dep| dep.split_whitespace().next())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        depends_on.sort();
        depends_on.dedup();
        out.push(Package {
            name: name.to_string(),
            version: version.to_string(),
            package_type: Some(PackageType::Cargo),
            qualifiers,
            checksums,
            locations: vec![location(path)],
            depends_on,
            ..Package::default()
        });
    }
    out
}

/// A `git+URL?query#COMMIT` source as the purl `vcs_url` qualifier `git+URL@COMMIT`.
fn git_vcs_url(source: &str) -> Option<String> {
    let rest = source.strip_prefix("git+")?;
    let (url, commit) = rest.split_once('#')?;
    let url = url.split('?').next().unwrap_or(url);
    (!url.is_empty() && !commit.is_empty()).then(|| format!("git+{url}@{commit}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_sources() {
        assert_eq!(
            git_vcs_url("git+https://example.invalid/a/b?branch=main#0123abc").as_deref(),
            Some("git+https://example.invalid/a/b@0123abc")
        );
        assert_eq!(git_vcs_url("registry+https://example.invalid/index"), None);
        assert_eq!(git_vcs_url("git+https://example.invalid/a/b"), None);
    }
}
