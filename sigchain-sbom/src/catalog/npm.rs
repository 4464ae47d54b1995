//! npm packages: `package-lock.json` / `npm-shrinkwrap.json` (lockfile v1 `dependencies`
//! tree; v2 and v3 `packages` map keyed by `node_modules/...` paths) and the `package.json` of
//! each installed package (`node_modules/NAME/package.json`, `node_modules/@SCOPE/NAME/package.json`).
//!
//! Decisions:
//! - The lock's root entry (`""` in v2/v3, the top-level `name`/`version` in v1) is the
//!   project itself: listed as a package, as both peers list it (it is the application the
//!   image runs).
//! - `dev: true` entries are skipped unless [`NpmCataloger::include_dev`] is set: development
//!   dependencies are not installed by `npm ci --omit=dev`, which is how images are built, and
//!   both peers leave them out by default (Trivy 0.76 without `--include-dev-deps` and Syft
//!   1.x, run on `tests/data/lang/package-lock-v3.json`: on it this module finds exactly Trivy's
//!   set; Syft adds the root project and a versionless entry for the workspace link). A dev
//!   package that *is* installed is still found through its `package.json`.
//! - `link: true` entries (workspace symlinks) are skipped: the entry they point at is listed
//!   under its own key.
//! - Every package records its install directory ([`Package::install_path`]: the lock's
//!   folder joined with the entry's `node_modules/...` key, or the folder of an installed
//!   `package.json`). A lock and the installed tree describe the same packages: [`dedupe`]
//!   merges npm packages with the same scope, name, version and install directory into one
//!   (locations, then fields the first lacks: `package.json` has license and author, the lock
//!   has the integrity hash). One version installed in two directories stays two packages, as
//!   both peers count it. The driver calls it once over all packages found.
//! - A `package.json` deeper inside a package (`node_modules/terser/bin/package.json`) marks
//!   a subdirectory's module type; it is not a package (Trivy 0.76 lists such files as
//!   packages named after the subdirectory).
//! - Lockfiles inside `node_modules` are not read: npm ignores them, so they describe nothing
//!   installed.
//! - Scoped names `@scope/name` give namespace `@scope` and name `name`; `depends_on` holds
//!   full npm names (`@babel/core`), compared with [`full_name`].

use serde_json::{Map, Value};

use crate::catalog::declared::{location, parse_person};
use crate::model::{Cataloger, Checksum, Found, Package, PackageType, Party};

/// The most packages read from one lockfile.
pub const MAX_PACKAGES: usize = 500_000;
/// The deepest `dependencies` nesting followed in a v1 lockfile.
pub const MAX_V1_DEPTH: usize = 64;
/// The most warnings reported for one file.
pub const MAX_WARNINGS: usize = 20;

/// The npm cataloger.
///
/// ```
/// use sigchain_sbom::catalog::npm::NpmCataloger;
/// use sigchain_sbom::model::Cataloger;
/// let lock = br#"{"lockfileVersion": 3, "packages": {
///   "": {"name": "app", "version": "1.0.0"},
///   "node_modules/@types/node": {"version": "20.11.5", "license": "MIT"}}}"#;
/// let found = NpmCataloger::default().catalog("app/package-lock.json", lock);
/// assert_eq!(found.packages.len(), 2); // the project and what it installed
/// let node = found.packages.iter().find(|p| p.name == "node").unwrap();
/// assert_eq!(node.namespace.as_deref(), Some("@types"));
/// assert_eq!(node.install_path.as_deref(), Some("app/node_modules/@types/node"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NpmCataloger {
    /// Whether lock entries marked `dev: true` are packages too.
    pub include_dev: bool,
}

impl Cataloger for NpmCataloger {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn wants(&self, path: &str) -> bool {
        is_lock(path) || is_installed_package_json(path)
    }

    fn max_file_bytes(&self) -> u64 {
        64 * 1024 * 1024
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        let mut warnings = Vec::new();
        let packages = match serde_json::from_slice::<Value>(content) {
            Err(error) => {
                warnings.push(format!("not JSON: {error}"));
                Vec::new()
            }
            Ok(Value::Object(root)) if is_lock(path) => {
                catalog_lock(path, &root, self.include_dev, &mut warnings)
            }
            Ok(Value::Object(root)) => catalog_package_json(path, &root, &mut warnings)
                .into_iter()
                .collect(),
            Ok(_) => {
                warnings.push("not a JSON object".into());
                Vec::new()
            }
        };
        if warnings.len() > MAX_WARNINGS {
            let more = warnings.len() - MAX_WARNINGS;
            warnings.truncate(MAX_WARNINGS);
            warnings.push(format!("{more} more warnings not shown"));
        }
        Found { packages, warnings }
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_lock(path: &str) -> bool {
    matches!(file_name(path), "package-lock.json" | "npm-shrinkwrap.json")
        && !path.contains("node_modules/")
}

/// `node_modules/NAME/package.json` or `node_modules/@SCOPE/NAME/package.json`, not a
/// `package.json` deeper inside a package (those mark module types of subdirectories).
fn is_installed_package_json(path: &str) -> bool {
    let Some(index) = path.rfind("node_modules/") else {
        return false;
    };
    if index > 0 && !path[..index].ends_with('/') {
        return false;
    }
    let Some(inside) = path[index + "node_modules/".len()..].strip_suffix("/package.json") else {
        return false;
    };
    let parts: Vec<&str> = inside.split('/').collect();
    match parts.as_slice() {
        [name] => !name.is_empty() && !name.starts_with(['.', '@']),
        [scope, name] => scope.len() > 1 && scope.starts_with('@') && !name.is_empty(),
        _ => false,
    }
}

/// The full npm name of a package (`@scope/name` or `name`).
pub fn full_name(package: &Package) -> String {
    match &package.namespace {
        Some(scope) => format!("{scope}/{}", package.name),
        None => package.name.clone(),
    }
}

/// Splits `@scope/name` into its scope and name.
fn split_scope(full: &str) -> (Option<String>, String) {
    match full.split_once('/') {
        Some((scope, name)) if scope.starts_with('@') => {
            (Some(scope.to_string()), name.to_string())
        }
        _ => (None, full.to_string()),
    }
}

fn catalog_lock(
    path: &str,
    root: &Map<String, Value>,
    include_dev: bool,
    warnings: &mut Vec<String>,
) -> Vec<Package> {
    let mut packages = if let Some(Value::Object(packages)) = root.get("packages") {
        lock_packages(path, packages, include_dev, warnings)
    } else if let Some(Value::Object(dependencies)) = root.get("dependencies") {
        lock_v1(path, dependencies, include_dev, warnings)
    } else {
        warnings.push("neither `packages` nor `dependencies`: not a package lock".into());
        return Vec::new();
    };
    // The project itself, from the lock's top-level name and version, unless its `""` entry
    // (v2/v3) named it already.
    let project_dir = lock_dir(path);
    let listed = packages
        .iter()
        .any(|p| p.install_path.as_deref() == Some(project_dir));
    let name = root.get("name").and_then(Value::as_str);
    let version = root.get("version").and_then(Value::as_str);
    if let (false, Some(name), Some(version)) = (listed, name, version) {
        let mut ignored = Vec::new();
        if let Some(mut project) = new_package(path, name, version, &mut ignored) {
            project.install_path = Some(project_dir.to_owned());
            packages.push(project);
        }
    }
    packages
}

/// Lockfile v2/v3: `packages` keyed by install path.
fn lock_packages(
    path: &str,
    packages: &Map<String, Value>,
    include_dev: bool,
    warnings: &mut Vec<String>,
) -> Vec<Package> {
    let mut out = Vec::new();
    for (key, entry) in packages {
        if out.len() >= MAX_PACKAGES {
            warnings.push(format!(
                "more than {MAX_PACKAGES} packages; the rest are ignored"
            ));
            break;
        }
        let Value::Object(entry) = entry else {
            warnings.push(format!("{key}: not an object"));
            continue;
        };
        if entry.get("link").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        if !include_dev && entry.get("dev").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        // An alias (`"node_modules/foo": {"name": "bar"}`) installs `bar` under the name `foo`.
        let full = match entry.get("name").and_then(Value::as_str) {
            Some(name) => name,
            None => match key.rfind("node_modules/") {
                Some(index) => &key[index + "node_modules/".len()..],
                None => continue, // the root or a workspace folder without a name
            },
        };
        let Some(version) = entry.get("version").and_then(Value::as_str) else {
            warnings.push(format!("{key}: no version"));
            continue;
        };
        let Some(mut package) = new_package(path, full, version, warnings) else {
            continue;
        };
        package.license_declared = entry.get("license").and_then(license);
        package.checksums = entry.get("integrity").map(integrity).unwrap_or_default();
        package.depends_on = dependency_names(entry);
        package.install_path = Some(join_path(lock_dir(path), key));
        out.push(package);
    }
    out
}

/// Lockfile v1: a `dependencies` tree; nested entries are copies installed below their parent.
fn lock_v1(
    path: &str,
    dependencies: &Map<String, Value>,
    include_dev: bool,
    warnings: &mut Vec<String>,
) -> Vec<Package> {
    let mut out = Vec::new();
    // (dependencies, depth, the folder they are installed in)
    let mut stack: Vec<(&Map<String, Value>, usize, String)> =
        vec![(dependencies, 0, join_path(lock_dir(path), "node_modules"))];
    while let Some((map, depth, folder)) = stack.pop() {
        for (name, entry) in map {
            if out.len() >= MAX_PACKAGES {
                warnings.push(format!(
                    "more than {MAX_PACKAGES} packages; the rest are ignored"
                ));
                return out;
            }
            let Value::Object(entry) = entry else {
                warnings.push(format!("{name}: not an object"));
                continue;
            };
            let installed_at = format!("{folder}/{name}");
            if let Some(Value::Object(nested)) = entry.get("dependencies") {
                if depth + 1 < MAX_V1_DEPTH {
                    stack.push((nested, depth + 1, format!("{installed_at}/node_modules")));
                } else {
                    warnings.push(format!("{name}: nested deeper than {MAX_V1_DEPTH}"));
                }
            }
            if !include_dev && entry.get("dev").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let Some(version) = entry.get("version").and_then(Value::as_str) else {
                warnings.push(format!("{name}: no version"));
                continue;
            };
            // An alias records `npm:real-name@version`.
            let (full, version) = match version
                .strip_prefix("npm:")
                .and_then(|aliased| aliased.rsplit_once('@'))
                .filter(|(real, _)| !real.is_empty())
            {
                Some((real, version)) => (real, version),
                None => (name.as_str(), version),
            };
            let Some(mut package) = new_package(path, full, version, warnings) else {
                continue;
            };
            package.checksums = entry.get("integrity").map(integrity).unwrap_or_default();
            if let Some(Value::Object(requires)) = entry.get("requires") {
                package.depends_on = requires.keys().cloned().collect();
            }
            package.install_path = Some(installed_at);
            out.push(package);
        }
    }
    out
}

fn catalog_package_json(
    path: &str,
    root: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Option<Package> {
    let name = root
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    let version = root
        .get("version")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty());
    let (Some(name), Some(version)) = (name, version) else {
        warnings.push("installed package.json without a name or version".into());
        return None;
    };
    let mut package = new_package(path, name, version, warnings)?;
    package.install_path = path.strip_suffix("/package.json").map(str::to_owned);
    package.license_declared = root
        .get("license")
        .and_then(license)
        .or_else(|| root.get("licenses").and_then(license));
    // The author; else the first maintainer (who publishes it, as Python's `Maintainer`).
    // `contributors` are not suppliers: they wrote parts of it.
    package.supplier = root.get("author").and_then(author).or_else(|| {
        root.get("maintainers")
            .and_then(Value::as_array)
            .and_then(|m| m.first())
            .and_then(author)
    });
    package.homepage = root
        .get("homepage")
        .and_then(Value::as_str)
        .or_else(|| match root.get("repository") {
            Some(Value::String(url)) => Some(url.as_str()),
            Some(Value::Object(repository)) => repository.get("url").and_then(Value::as_str),
            _ => None,
        })
        // `jshttp/accepts` and `github:user/repo` are shorthands, not locations.
        .filter(|url| url.contains("://"))
        .map(str::to_string);
    package.depends_on = dependency_names(root);
    Some(package)
}

/// The folder a lock file is in (`""` at the root).
fn lock_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `dir/key`, or `key` when `dir` is the root; `dir` when `key` is the lock's root entry.
fn join_path(dir: &str, key: &str) -> String {
    match (dir.is_empty(), key.is_empty()) {
        (_, true) => dir.to_owned(),
        (true, false) => key.to_owned(),
        (false, false) => format!("{dir}/{key}"),
    }
}

/// A package named `full`; `None` (and a warning) when the name is empty, as a key like
/// `node_modules/` or a name like `@scope/` leaves it.
fn new_package(
    path: &str,
    full: &str,
    version: &str,
    warnings: &mut Vec<String>,
) -> Option<Package> {
    let (namespace, name) = split_scope(full);
    if name.is_empty() || version.is_empty() {
        warnings.push(format!("{full:?}: empty name or version"));
        return None;
    }
    Some(Package {
        name,
        version: version.to_string(),
        package_type: Some(PackageType::Npm),
        namespace,
        locations: vec![location(path)],
        ..Package::default()
    })
}

/// `dependencies` and `optionalDependencies` names (optional ones are installed when they
/// can be; `peerDependencies` are the host's, `devDependencies` are not installed).
fn dependency_names(entry: &Map<String, Value>) -> Vec<String> {
    let mut names: Vec<String> = ["dependencies", "optionalDependencies"]
        .iter()
        .filter_map(|key| entry.get(*key).and_then(Value::as_object))
        .flat_map(|map| map.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `license` as a string, the legacy `{"type": "MIT"}` object, or the legacy `licenses`
/// array of either (alternatives, so joined with `OR`).
fn license(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
        Value::Object(object) => object.get("type").and_then(license),
        Value::Array(items) => {
            let names: Vec<String> = items
                .iter()
                .filter(|item| !item.is_array())
                .filter_map(license)
                .collect();
            match names.len() {
                0 => None,
                1 => names.into_iter().next(),
                _ => Some(
                    names
                        .iter()
                        .map(|n| {
                            if n.contains(' ') {
                                format!("({n})")
                            } else {
                                n.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" OR "),
                ),
            }
        }
        _ => None,
    }
}

/// `author` as `"Name <email> (url)"` or `{"name", "email", "url"}`.
fn author(value: &Value) -> Option<Party> {
    match value {
        Value::String(text) => parse_person(text),
        Value::Object(object) => {
            let email = object
                .get("email")
                .and_then(Value::as_str)
                .filter(|e| !e.is_empty())
                .map(str::to_string);
            let name = object
                .get("name")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .or_else(|| email.clone())?;
            Some(Party::Person { name, email })
        }
        _ => None,
    }
}

/// Subresource-integrity strings (`sha512-BASE64`, several separated by spaces) as checksums.
fn integrity(value: &Value) -> Vec<Checksum> {
    let Some(text) = value.as_str() else {
        return Vec::new();
    };
    text.split_whitespace()
        .filter_map(|item| {
            let (algorithm, digest) = item.split_once('-')?;
            let algorithm = match algorithm {
                "sha1" => "SHA1",
                "sha256" => "SHA256",
                "sha384" => "SHA384",
                "sha512" => "SHA512",
                _ => return None,
            };
            let bytes = sigchain_core::encoding::base64_decode(digest)?;
            Some(Checksum {
                algorithm: algorithm.to_string(),
                value: sigchain_core::encoding::hex_encode(&bytes),
            })
        })
        .collect()
}

/// Merges npm packages with the same scope, name, version and install directory (see the
/// module docs); other packages pass through. Order is kept (the first occurrence's place).
///
/// ```
/// use sigchain_sbom::catalog::npm::{dedupe, NpmCataloger};
/// use sigchain_sbom::model::Cataloger;
/// let npm = NpmCataloger::default();
/// let mut packages = npm.catalog("app/package-lock.json",
///     br#"{"lockfileVersion": 3, "packages": {"node_modules/ms": {"version": "2.1.3"}}}"#).packages;
/// packages.extend(npm.catalog("app/node_modules/ms/package.json",
///     br#"{"name": "ms", "version": "2.1.3", "license": "MIT"}"#).packages);
/// let merged = dedupe(packages);
/// assert_eq!(merged.len(), 1);
/// assert_eq!(merged[0].locations.len(), 2);
/// assert_eq!(merged[0].license_declared.as_deref(), Some("MIT"));
/// ```
pub fn dedupe(packages: Vec<Package>) -> Vec<Package> {
    type Key = (Option<String>, String, String, Option<String>);
    let mut index: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    let mut out: Vec<Package> = Vec::with_capacity(packages.len());
    for package in packages {
        if package.package_type != Some(PackageType::Npm) {
            out.push(package);
            continue;
        }
        let key = (
            package.namespace.clone(),
            package.name.clone(),
            package.version.clone(),
            package.install_path.clone(),
        );
        let Some(&at) = index.get(&key) else {
            index.insert(key, out.len());
            out.push(package);
            continue;
        };
        let Some(kept) = out.get_mut(at) else {
            continue;
        };
        for found_at in package.locations {
            if !kept.locations.contains(&found_at) {
                kept.locations.push(found_at);
            }
        }
        if kept.license_declared.is_none() {
            kept.license_declared = package.license_declared;
        }
        if kept.supplier.is_none() {
            kept.supplier = package.supplier;
        }
        if kept.homepage.is_none() {
            kept.homepage = package.homepage;
        }
        if kept.checksums.is_empty() {
            kept.checksums = package.checksums;
        }
        for name in package.depends_on {
            if !kept.depends_on.contains(&name) {
                kept.depends_on.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_files() {
        assert!(is_lock("srv/app/package-lock.json"));
        assert!(is_lock("package-lock.json"));
        assert!(!is_lock("srv/app/node_modules/.package-lock.json"));
        assert!(!is_lock("app/node_modules/x/package-lock.json"));
        assert!(is_installed_package_json(
            "app/node_modules/ms/package.json"
        ));
        assert!(is_installed_package_json(
            "node_modules/@babel/core/package.json"
        ));
        assert!(is_installed_package_json(
            "a/node_modules/b/node_modules/c/package.json"
        ));
        assert!(!is_installed_package_json(
            "app/node_modules/ms/lib/package.json"
        ));
        assert!(!is_installed_package_json(
            "app/node_modules/@babel/package.json"
        ));
        assert!(!is_installed_package_json("app/package.json"));
        assert!(!is_installed_package_json(
            "app/not_node_modules/x/package.json"
        ));
    }

    #[test]
    fn empty_names_are_warnings() {
        let mut warnings = Vec::new();
        let lock: Map<String, Value> = serde_json::from_str(
            r#"{"packages": {"node_modules/": {"version": "1"}, "node_modules/@s/": {"version": "1"}},
                "dependencies": {}}"#,
        )
        .unwrap();
        assert!(catalog_lock("package-lock.json", &lock, false, &mut warnings).is_empty());
        assert_eq!(warnings.len(), 2);
        let v1: Map<String, Value> =
            serde_json::from_str(r#"{"dependencies": {"": {"version": "1"}}}"#).unwrap();
        assert!(catalog_lock("package-lock.json", &v1, false, &mut warnings).is_empty());
        assert_eq!(warnings.len(), 3);
    }

    #[test]
    fn licenses() {
        let parse = |json: &str| license(&serde_json::from_str(json).unwrap());
        assert_eq!(parse(r#""MIT""#).as_deref(), Some("MIT"));
        assert_eq!(
            parse(r#"{"type": "BSD", "url": "x"}"#).as_deref(),
            Some("BSD")
        );
        assert_eq!(
            parse(r#"[{"type": "MIT"}, {"type": "Apache 2.0"}]"#).as_deref(),
            Some("MIT OR (Apache 2.0)")
        );
        assert_eq!(parse(r#"[]"#), None);
        assert_eq!(parse(r#"7"#), None);
    }

    #[test]
    fn integrity_hashes() {
        let sums = integrity(&Value::String("sha1-AAEC sha999-x sha512-!!".into()));
        assert_eq!(
            sums,
            [Checksum {
                algorithm: "SHA1".into(),
                value: "000102".into()
            }]
        );
    }
}
