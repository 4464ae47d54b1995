//! Where packages are looked for: OCI image layouts, docker archives, root-filesystem
//! directories and single files, read in one streaming pass per layer with every path made
//! safe and every read bounded ([`SourceLimits`]).
//!
//! - `path` ([`normalize_path`], [`resolve_link_target`]): entry paths normalized; nothing names a place outside the root.
//! - [`decompress`]: gzip / zstd / plain chosen by magic bytes; a byte budget stops bombs.
//! - `layer`: the tar pass, offering each path to the catalogers.
//! - `squash`: whiteouts and replacements across layers (semantics documented there).
//! - [`image`]: the layers of an OCI layout or docker archive, with diffIDs.
//! - `dir`: a directory walked without following symlinks.
//!
//! The driver putting them together is [`crate::driver::catalog_source`]; it reads the
//! distribution from the squashed view with [`crate::catalog::os_release`].

pub mod decompress;
mod dir;
mod error;
pub mod image;
pub(crate) mod layer;
mod limits;
mod path;
pub(crate) mod squash;

use std::path::PathBuf;

pub use error::SourceError;
pub use limits::SourceLimits;
pub use path::{normalize_path, resolve_link_target, PathError};

/// A source to catalog, as the CLI names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `oci-dir:PATH[:TAG|@DIGEST]`: an image in an OCI image layout directory, chosen by its
    /// `org.opencontainers.image.ref.name` or manifest digest, or else the layout's only image.
    OciDir {
        /// The layout directory.
        dir: PathBuf,
        /// The tag or `sha256:<hex>` digest of the image's entry in `index.json`.
        image: Option<String>,
    },
    /// `docker-archive:PATH`: a `docker save` tar.
    DockerArchive(PathBuf),
    /// `dir:PATH`: a root-filesystem directory.
    Dir(PathBuf),
    /// `file:PATH`: one file: a (compressed) tar read as one layer, or any other file offered
    /// to the catalogers under its file name.
    File(PathBuf),
    /// `registry:REF`: an image in a registry (not yet supported).
    Registry(String),
}

impl Source {
    /// Parse a source spec: `oci-dir:PATH[:TAG|@DIGEST]`, `docker-archive:PATH`, `dir:PATH`,
    /// `file:PATH`, `registry:REF`.
    ///
    /// In `oci-dir:`, a last `:NAME` without `/` in it is a tag (as in skopeo's `oci:`
    /// transport), and `@sha256:<hex>` a digest.
    ///
    /// ```
    /// use sigchain_sbom::source::Source;
    /// assert_eq!(Source::parse("dir:/tmp/root")?, Source::Dir("/tmp/root".into()));
    /// assert_eq!(
    ///     Source::parse("oci-dir:build/app:v1")?,
    ///     Source::OciDir { dir: "build/app".into(), image: Some("v1".into()) }
    /// );
    /// assert!(Source::parse("/tmp/root").is_err());
    /// # Ok::<(), sigchain_sbom::source::SourceError>(())
    /// ```
    pub fn parse(spec: &str) -> Result<Self, SourceError> {
        let unknown = || SourceError::UnknownScheme {
            spec: spec.to_owned(),
        };
        let (scheme, rest) = spec.split_once(':').ok_or_else(unknown)?;
        if rest.is_empty() {
            return Err(unknown());
        }
        Ok(match scheme {
            "oci-dir" => {
                let (dir, image) = split_layout_image(rest);
                Source::OciDir {
                    dir: dir.into(),
                    image: image.map(str::to_owned),
                }
            }
            "docker-archive" => Source::DockerArchive(rest.into()),
            "dir" => Source::Dir(rest.into()),
            "file" => Source::File(rest.into()),
            "registry" => Source::Registry(rest.to_owned()),
            _ => return Err(unknown()),
        })
    }
}

pub(crate) use dir::scan_dir as dir_scan;

/// `PATH@sha256:<hex>` or `PATH:TAG` (a last `:` followed by no `/`) or just `PATH`.
fn split_layout_image(spec: &str) -> (&str, Option<&str>) {
    if let Some((dir, digest)) = spec.rsplit_once('@') {
        if digest.starts_with("sha256:") && !dir.is_empty() {
            return (dir, Some(digest));
        }
    }
    match spec.rsplit_once(':') {
        Some((dir, tag)) if !dir.is_empty() && !tag.is_empty() && !tag.contains('/') => {
            (dir, Some(tag))
        }
        _ => (spec, None),
    }
}
