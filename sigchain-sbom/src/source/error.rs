//! What can stop a source from being read, one variant per failed check. A problem with one
//! file (a path escaping the root, a wanted file over its bound) is a [`crate::model::Warning`]
//! instead; these stop the whole catalog, failing closed.

use std::path::PathBuf;

/// A source could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The source spec has no known scheme (`oci-dir:`, `docker-archive:`, `dir:`, `file:`,
    /// `registry:`).
    #[error("unknown source {spec:?}: expected oci-dir:PATH, docker-archive:PATH, dir:PATH, file:PATH or registry:REF")]
    UnknownScheme {
        /// The spec given.
        spec: String,
    },
    /// Reading images from a registry is not supported yet.
    #[error("registry sources are not yet supported ({reference})")]
    RegistryNotSupported {
        /// The image reference.
        reference: String,
    },
    /// A file of the source could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The OCI image layout could not be read (or a blob failed its digest check).
    #[error("OCI layout: {0}")]
    Layout(#[from] sigchain_oci::layout::LayoutError),
    /// The image's metadata (index, manifest list, `manifest.json`, config) is unusable.
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// Which document.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The source holds several images and none is the one to choose (linux/amd64, or the
    /// only one).
    #[error("cannot choose an image: {reason}")]
    NoImage {
        /// Why.
        reason: String,
    },
    /// The image has more layers than allowed.
    #[error("{count} layers, over the limit of {limit}")]
    TooManyLayers {
        /// Layers in the image.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The config's `rootfs.diff_ids` does not list one diffID per layer.
    #[error("the manifest lists {layers} layers but the config {diff_ids} diffIDs")]
    DiffIdCount {
        /// Layers in the manifest.
        layers: usize,
        /// DiffIDs in the config.
        diff_ids: usize,
    },
    /// A member `manifest.json` names is not in the docker archive.
    #[error("the archive has no member {name:?}")]
    MissingMember {
        /// The member name.
        name: String,
    },
    /// A layer or directory has more entries than allowed.
    #[error("{} has over {limit} entries", layer_name(.layer))]
    TooManyEntries {
        /// The layer's diffID (`None` for a directory or archive).
        layer: Option<String>,
        /// The limit.
        limit: u64,
    },
    /// A layer decompresses to more bytes than allowed (a decompression bomb, or a limit set
    /// too low).
    #[error("{} decompresses past {limit} bytes", layer_name(.layer))]
    TooManyBytes {
        /// The layer's diffID.
        layer: Option<String>,
        /// The limit.
        limit: u64,
    },
    /// All layers together decompress to more bytes than allowed.
    #[error("the image decompresses past {limit} bytes")]
    ImageTooLarge {
        /// The limit.
        limit: u64,
    },
    /// A tar extension header (long name, PAX) is larger than allowed.
    #[error("{}: a tar extension header of {size} bytes, over the limit of {limit}", layer_name(.layer))]
    HeaderTooLarge {
        /// The layer's diffID.
        layer: Option<String>,
        /// The header's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A PAX `size` record disagrees with the tar header's size; readers would disagree on
    /// where the next entry starts, so the layer is refused.
    #[error("{}: a PAX size record disagrees with its header", layer_name(.layer))]
    PaxSizeMismatch {
        /// The layer's diffID.
        layer: Option<String>,
    },
    /// A layer is not a readable (compressed) tar stream.
    #[error("{}: {reason}", layer_name(.layer))]
    Read {
        /// The layer's diffID.
        layer: Option<String>,
        /// What the decompressor or tar reader said.
        reason: String,
    },
    /// A layer blob does not hash to the digest its descriptor names.
    #[error("layer blob does not match its digest: expected {expected}, computed {computed}")]
    DigestMismatch {
        /// The descriptor's digest.
        expected: String,
        /// The digest of what was read.
        computed: String,
    },
}

fn layer_name(layer: &Option<String>) -> &str {
    layer.as_deref().unwrap_or("the archive")
}
