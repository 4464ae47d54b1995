//! A root-filesystem directory walked like a layer: symlinks recorded, never followed (so
//! nothing outside the root is read and link loops cannot trap the walk), depth and entry
//! count bounded.

use std::fs;
use std::path::Path;

use super::error::SourceError;
use super::layer::{LayerScan, Node};
use super::limits::SourceLimits;
use crate::model::Cataloger;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |source| SourceError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Walk `root` and scan it as one layer without a diffID.
pub(crate) fn scan_dir(
    root: &Path,
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
    progress: &dyn crate::driver::Progress,
) -> Result<LayerScan, SourceError> {
    let mut scan = LayerScan::new(None);
    let mut count = 0u64;
    // (directory on disk, its path relative to the root, depth)
    let mut pending = vec![(root.to_owned(), String::new(), 0usize)];
    while let Some((dir, rel, depth)) = pending.pop() {
        let mut children = Vec::new();
        for child in fs::read_dir(&dir).map_err(io_error(&dir))? {
            let child = child.map_err(io_error(&dir))?;
            count = count.saturating_add(1);
            if count > limits.max_entries {
                return Err(SourceError::TooManyEntries {
                    layer: None,
                    limit: limits.max_entries,
                });
            }
            progress.entry();
            children.push(child);
        }
        // Sorted so the walk (and its warnings) is the same on every file system.
        children.sort_by_key(|c| c.file_name());
        for child in children {
            let name = child.file_name();
            let Some(name) = name.to_str() else {
                scan.warn(&rel, format!("non-UTF-8 name {name:?} skipped"));
                continue;
            };
            let path = if rel.is_empty() {
                name.to_owned()
            } else {
                format!("{rel}/{name}")
            };
            let on_disk = child.path();
            // symlink_metadata: the entry itself, never what a symlink points at.
            let meta = fs::symlink_metadata(&on_disk).map_err(io_error(&on_disk))?;
            let kind = meta.file_type();
            if kind.is_symlink() {
                let target = fs::read_link(&on_disk).map_err(io_error(&on_disk))?;
                let target = target.to_string_lossy().into_owned();
                scan.add_symlink(&path, target.as_bytes());
            } else if kind.is_dir() {
                scan.entries.insert(path.clone(), Node::Dir);
                if depth + 1 > limits.max_depth {
                    scan.warn(
                        &path,
                        format!("deeper than {} levels; not walked", limits.max_depth),
                    );
                } else {
                    pending.push((on_disk, path, depth + 1));
                }
            } else if kind.is_file() {
                let wanted = catalogers.iter().any(|c| c.wants(&path))
                    || super::layer::OS_RELEASE_PATHS.contains(&path.as_str());
                if wanted {
                    let mut file = fs::File::open(&on_disk).map_err(io_error(&on_disk))?;
                    scan.offer_file(&path, meta.len(), &mut file, catalogers, limits)
                        .map_err(io_error(&on_disk))?;
                } else {
                    scan.entries.insert(path, Node::File(None));
                }
            } else {
                scan.entries.insert(path, Node::Other);
            }
        }
    }
    Ok(scan)
}
