//! Entry paths made safe: every path a source reports is relative to the root, has no `.` or
//! empty components, and never names anything outside the root.
//!
//! Tar entries are `./usr/bin/x`, `usr/bin/x` or (hostile) `/etc/x` and `../../etc/passwd`.
//! An absolute path is read relative to the root, as a container runtime extracting the
//! layer would place it; a `..` that would climb above the root makes the entry unusable (it
//! is skipped with a warning), so no later step can be tricked into naming a host path.

/// Why an entry path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is not UTF-8.
    #[error("path is not UTF-8")]
    NotUtf8,
    /// A `..` climbs above the root.
    #[error("path climbs above the root")]
    EscapesRoot,
    /// A NUL byte inside the path.
    #[error("path contains a NUL byte")]
    Nul,
}

/// Normalize a tar or directory entry path: strip a leading `/` or `./`, drop `.` and empty
/// components, resolve `..` against earlier components; `""` is the root itself.
///
/// ```
/// use sigchain_sbom::source::normalize_path;
/// assert_eq!(normalize_path(b"./usr//lib/./x").unwrap(), "usr/lib/x");
/// assert_eq!(normalize_path(b"/etc/os-release").unwrap(), "etc/os-release");
/// assert_eq!(normalize_path(b"a/b/../c").unwrap(), "a/c");
/// assert!(normalize_path(b"../../etc/passwd").is_err());
/// ```
pub fn normalize_path(raw: &[u8]) -> Result<String, PathError> {
    if raw.contains(&0) {
        return Err(PathError::Nul);
    }
    let text = std::str::from_utf8(raw).map_err(|_| PathError::NotUtf8)?;
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::EscapesRoot);
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

/// Resolve a link target found at `link_path` (both relative to the root): an absolute
/// target is relative to the root, a relative one to the link's directory. A target climbing
/// above the root is an error: links are recorded, never followed out of the root.
///
/// ```
/// use sigchain_sbom::source::resolve_link_target;
/// assert_eq!(resolve_link_target("etc/os-release", b"../usr/lib/os-release").unwrap(), "usr/lib/os-release");
/// assert_eq!(resolve_link_target("bin/sh", b"/bin/dash").unwrap(), "bin/dash");
/// assert!(resolve_link_target("etc/x", b"../../../etc/passwd").is_err());
/// ```
pub fn resolve_link_target(link_path: &str, target: &[u8]) -> Result<String, PathError> {
    if target.first() == Some(&b'/') {
        return normalize_path(target);
    }
    let parent = link_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut joined = Vec::with_capacity(parent.len() + 1 + target.len());
    joined.extend_from_slice(parent.as_bytes());
    joined.push(b'/');
    joined.extend_from_slice(target);
    normalize_path(&joined)
}

/// The ancestors of a normalized path, nearest first (`a/b/c` → `a/b`, `a`).
pub(crate) fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let (dir, _) = rest.rsplit_once('/')?;
        rest = dir;
        Some(dir)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hostile_paths() {
        assert_eq!(
            normalize_path(b"../../etc/passwd"),
            Err(PathError::EscapesRoot)
        );
        assert_eq!(normalize_path(b"a/../../b"), Err(PathError::EscapesRoot));
        assert_eq!(normalize_path(b"/etc/x").unwrap(), "etc/x");
        assert_eq!(normalize_path(b"./").unwrap(), "");
        assert_eq!(normalize_path(b"a\0b"), Err(PathError::Nul));
        assert_eq!(normalize_path(b"\xff"), Err(PathError::NotUtf8));
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), ["a/b", "a"]);
    }

    proptest! {
        #[test]
        fn normalized_paths_stay_inside(raw in proptest::collection::vec(
            prop_oneof![Just(b"..".to_vec()), Just(b".".to_vec()), Just(Vec::new()),
                        "[a-z.]{1,4}".prop_map(String::into_bytes)], 0..12)) {
            let joined = raw.join(&b'/');
            if let Ok(path) = normalize_path(&joined) {
                prop_assert!(!path.starts_with('/'));
                prop_assert!(path.split('/').all(|c| c != ".." && c != "."));
                prop_assert!(path.is_empty() || path.split('/').all(|c| !c.is_empty()));
                // Idempotent: a normalized path normalizes to itself.
                prop_assert_eq!(normalize_path(path.as_bytes()).unwrap(), path.clone());
                // Sound: the same walk over a stack never went below the root.
                let mut depth = 0i64;
                for c in joined.split(|b| *b == b'/') {
                    match c { b"" | b"." => {}, b".." => depth -= 1, _ => depth += 1 }
                    prop_assert!(depth >= 0);
                }
            }
        }

        #[test]
        fn link_targets_stay_inside(link in "[a-z]{1,3}(/[a-z]{1,3}){0,3}",
                                    target in "(/|\\.\\./|[a-z]{1,3}/){0,6}[a-z]{0,3}") {
            if let Ok(resolved) = resolve_link_target(&link, target.as_bytes()) {
                prop_assert!(!resolved.starts_with('/'));
                prop_assert!(resolved.split('/').all(|c| c != ".."));
            }
        }
    }
}
