//! The squashed view of an image's layers, as a container runtime would see the root.
//!
//! Whiteout semantics (OCI image-spec `layer.md`, which overlayfs and docker follow):
//! - `DIR/.wh.NAME` in layer *n* deletes `DIR/NAME` (and everything under it) from layers
//!   below *n*; the whiteout file itself is not part of the view.
//! - `DIR/.wh..wh..opq` in layer *n* hides everything under `DIR` from layers below *n*;
//!   `DIR` itself and what layer *n* puts in it stay.
//! - Whiteouts never apply to their own layer: a file next to a whiteout in the same layer
//!   stays.
//! - An entry at the same path in a later layer replaces the earlier one; a non-directory
//!   entry (file, symlink, ...) at a path replaces a directory there and so hides everything
//!   a lower layer had under it. Directories merge.
//!
//! A package (or warning) found at a path is kept only when no layer above its own hides
//! that path.

use super::layer::{FoundAt, LayerScan, Node, OS_RELEASE_PATHS};
use super::path::ancestors;
use crate::model::Warning;

impl LayerScan {
    /// Whether this layer, lying above another, hides `path` of that lower layer.
    pub(crate) fn hides(&self, path: &str) -> bool {
        if self.entries.contains_key(path)
            || self.whiteouts.contains(path)
            || self.opaque.contains("")
        {
            return true;
        }
        ancestors(path).any(|dir| {
            self.whiteouts.contains(dir)
                || self.opaque.contains(dir)
                || matches!(self.entries.get(dir), Some(node) if *node != Node::Dir)
        })
    }
}

fn hidden_above(scans: &[LayerScan], index: usize, path: &str) -> bool {
    scans
        .get(index.saturating_add(1)..)
        .unwrap_or_default()
        .iter()
        .any(|upper| upper.hides(path))
}

/// The digests of the files a container would see: each layer's, unless a layer above hides
/// the path (replaced, whited out, under an opaque directory).
pub(crate) fn visible_digests(
    scans: &mut [LayerScan],
) -> std::collections::BTreeMap<String, crate::model::FileDigest> {
    let mut visible = std::collections::BTreeMap::new();
    for index in 0..scans.len() {
        let digests = match scans.get_mut(index) {
            Some(scan) => std::mem::take(&mut scan.digests),
            None => continue,
        };
        for (path, digest) in digests {
            if !hidden_above(scans, index, &path) {
                visible.insert(path, digest);
            }
        }
    }
    visible
}

/// What survives squashing: packages found in visible files, with their layer.
pub(crate) struct Squashed {
    pub found: Vec<(Option<String>, FoundAt)>,
    pub warnings: Vec<Warning>,
    pub os_release: Option<Vec<u8>>,
}

/// Squash scans given bottom layer first. What each scan found is taken out of it; its
/// entries stay, for [`is_visible_dir`].
pub(crate) fn squash(scans: &mut [LayerScan], max_link_hops: usize) -> Squashed {
    let os_release = os_release_content(scans, max_link_hops);
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for index in 0..scans.len() {
        let Some(scan) = scans.get_mut(index) else {
            continue;
        };
        let layer = scan.layer.clone();
        let found_here = std::mem::take(&mut scan.found);
        let warnings_here = std::mem::take(&mut scan.warnings);
        for item in found_here {
            if !hidden_above(scans, index, &item.path) {
                found.push((layer.clone(), item));
            }
        }
        for warning in warnings_here {
            if !hidden_above(scans, index, &warning.location.path) {
                warnings.push(warning);
            }
        }
    }
    Squashed {
        found,
        warnings,
        os_release,
    }
}

/// Whether `path` is a directory in the squashed root (not following symlinks: a path
/// through a symlinked directory is not found).
pub(crate) fn is_visible_dir(scans: &[LayerScan], path: &str) -> bool {
    matches!(visible(scans, path), Some(Node::Dir))
}

/// The visible node at `path`: the topmost layer's entry that no layer above it hides.
fn visible<'a>(scans: &'a [LayerScan], path: &str) -> Option<&'a Node> {
    let (index, node) = scans
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, scan)| scan.entries.get(path).map(|node| (i, node)))?;
    (!hidden_above(scans, index, path)).then_some(node)
}

/// `etc/os-release`, else `usr/lib/os-release` (os-release(5)), following symlinks inside the
/// root for at most `max_hops` steps.
fn os_release_content(scans: &[LayerScan], max_hops: usize) -> Option<Vec<u8>> {
    OS_RELEASE_PATHS.iter().find_map(|start| {
        let mut path = (*start).to_owned();
        for _ in 0..=max_hops {
            match visible(scans, &path)? {
                Node::File(content) => return content.clone(),
                Node::Symlink(Some(target)) => path = target.clone(),
                _ => return None,
            }
        }
        None
    })
}
