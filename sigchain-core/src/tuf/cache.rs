//! The cache directory on disk: content-addressed blobs plus `index.json` (see [`super::index`]).
//!
//! Writing: every blob first (a blob's name is its digest, so an existing one is already right),
//! then `index.json` through a temporary file and a rename — the commit point — then removal of
//! blobs no index refers to. Reading: the index, then each blob, checked against its digest.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::index::{CacheIndex, CachedFile, MAX_INDEX_BYTES};
use super::transport::MAX_TUF_FILE_BYTES;
use super::TufError;
use crate::crypto::{sha256, Sha256Digest};

/// The commit point of a cache directory.
pub const INDEX_FILE: &str = "index.json";

/// A cache read back from disk, every blob checked against the index.
#[derive(Debug, Clone)]
pub(crate) struct CacheContents {
    pub index: CacheIndex,
    pub files: BTreeMap<CachedFile, Vec<u8>>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TufError + '_ {
    move |source| TufError::CacheIo {
        path: path.to_owned(),
        source,
    }
}

fn read_bounded(path: &Path, limit: usize) -> Result<Option<Vec<u8>>, TufError> {
    use std::io::Read as _;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    if bytes.len() > limit {
        return Err(TufError::CacheCorrupt {
            path: path.to_owned(),
        });
    }
    Ok(Some(bytes))
}

/// Read a cache directory; `Ok(None)` when it has no index yet.
pub(crate) fn read(dir: &Path) -> Result<Option<CacheContents>, TufError> {
    let index_path = dir.join(INDEX_FILE);
    let Some(json) = read_bounded(&index_path, MAX_INDEX_BYTES)? else {
        return Ok(None);
    };
    let index = CacheIndex::from_json(&json).map_err(|source| TufError::CacheIndex {
        path: index_path.clone(),
        source,
    })?;
    let mut files = BTreeMap::new();
    for (&file, digest) in &index.files {
        let path = dir.join(file.blob_name(digest));
        let bytes = read_bounded(&path, MAX_TUF_FILE_BYTES)?
            .filter(|b| Sha256Digest(sha256(b)) == *digest)
            .ok_or(TufError::CacheCorrupt { path })?;
        files.insert(file, bytes);
    }
    Ok(Some(CacheContents { index, files }))
}

/// Write a temporary file in `dir` and rename it to `name`: readers see the old file or the
/// whole new one.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), TufError> {
    let target = dir.join(name);
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_err(dir))?;
    tmp.write_all(bytes).map_err(io_err(&target))?;
    tmp.as_file().sync_all().map_err(io_err(&target))?;
    tmp.persist(&target).map_err(|e| io_err(&target)(e.error))?;
    Ok(())
}

/// Commit verified material: blobs, then the index, then drop unreferenced blobs.
pub(crate) fn write(
    dir: &Path,
    index: &CacheIndex,
    files: &BTreeMap<CachedFile, Vec<u8>>,
) -> Result<(), TufError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    for (file, bytes) in files {
        let name = file.blob_name(&Sha256Digest(sha256(bytes)));
        if !dir.join(&name).exists() {
            write_atomically(dir, &name, bytes)?;
        }
    }
    write_atomically(dir, INDEX_FILE, &index.to_json())?;
    remove_unreferenced(dir, index);
    Ok(())
}

/// Best effort: a blob left behind costs only disk space, and the update already succeeded.
fn remove_unreferenced(dir: &Path, index: &CacheIndex) {
    let keep: Vec<String> = index.blob_names().collect();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_blob = CachedFile::ALL.iter().any(|f| {
            name.len() == 65 + f.name().len()
                && name.ends_with(f.name())
                && name.as_bytes().get(64) == Some(&b'.')
        });
        if is_blob && !keep.iter().any(|k| k == name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The default cache directory for a repository: `$XDG_CACHE_HOME/sigchain/tuf/<name>`, else
/// `$HOME/.cache/sigchain/tuf/<name>` (`%LOCALAPPDATA%` on Windows), where `<name>` is the
/// repository URL with every character but `[A-Za-z0-9.-]` replaced by `_`
/// (`https://tuf-repo-cdn.sigstore.dev` → `https___tuf-repo-cdn.sigstore.dev`).
///
/// `None` when no home directory is known.
pub fn default_cache_dir(repository_url: &str) -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| {
        let p = PathBuf::from(v);
        p.is_absolute().then_some(p)
    };
    let base = std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| {
            if cfg!(windows) {
                std::env::var_os("LOCALAPPDATA").and_then(absolute)
            } else {
                std::env::var_os("HOME")
                    .and_then(absolute)
                    .map(|h| h.join(".cache"))
            }
        })?;
    Some(
        base.join("sigchain")
            .join("tuf")
            .join(repository_dir_name(repository_url)),
    )
}

/// A directory name derived from a repository URL (no separators, no `..`).
pub(crate) fn repository_dir_name(repository_url: &str) -> String {
    let name: String = repository_url
        .trim_end_matches('/')
        .chars()
        .take(200)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // A name of only dots would name the directory itself or its parent.
    if name.chars().all(|c| c == '.') {
        format!("_{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_names_stay_inside_the_cache() {
        assert_eq!(
            repository_dir_name("https://tuf-repo-cdn.sigstore.dev"),
            "https___tuf-repo-cdn.sigstore.dev"
        );
        assert_eq!(repository_dir_name(".."), "_..");
        assert_eq!(repository_dir_name("a/../../b"), "a_.._.._b");
    }
}
