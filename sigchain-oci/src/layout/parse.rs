//! The pure half of the layout: `oci-layout`, `index.json` and manifests parsed and checked
//! from bytes, and content checked against its descriptor. No file is touched here.

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest, MediaType};
use serde::Deserialize;

use super::digest::BlobDigest;
use super::LayoutError;

/// The only `imageLayoutVersion` defined by the image spec.
pub const IMAGE_LAYOUT_VERSION: &str = "1.0.0";

/// Docker's schema 2 image manifest media type, read alongside the OCI one.
pub const DOCKER_MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker's schema 2 manifest list media type, read alongside the OCI image index.
pub const DOCKER_MANIFEST_LIST_V2: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";

/// Bounds on what a layout reader accepts, so a hostile layout cannot make it allocate without
/// limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutLimits {
    /// Largest `oci-layout` file.
    pub max_layout_file_bytes: u64,
    /// Largest `index.json`.
    pub max_index_bytes: u64,
    /// Most descriptors in an index's `manifests`.
    pub max_index_entries: usize,
    /// Largest manifest (registries commonly refuse over 4 MiB).
    pub max_manifest_bytes: u64,
    /// Most layers in an image manifest.
    pub max_layers: usize,
    /// Largest blob [`get_blob`](super::OciLayout::get_blob) reads into memory.
    pub max_blob_bytes: u64,
}

impl Default for LayoutLimits {
    fn default() -> Self {
        LayoutLimits {
            max_layout_file_bytes: 4 * 1024,
            max_index_bytes: 4 * 1024 * 1024,
            max_index_entries: 10_000,
            max_manifest_bytes: 4 * 1024 * 1024,
            max_layers: 1_000,
            max_blob_bytes: 512 * 1024 * 1024,
        }
    }
}

/// Which kind of manifest a document is, and in which vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestKind {
    /// `application/vnd.oci.image.manifest.v1+json`.
    OciImage,
    /// `application/vnd.oci.image.index.v1+json`.
    OciIndex,
    /// Docker schema 2 image manifest.
    DockerImage,
    /// Docker schema 2 manifest list.
    DockerList,
}

impl ManifestKind {
    /// The kind a media type names, if it names a manifest.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        match media_type {
            "application/vnd.oci.image.manifest.v1+json" => Some(ManifestKind::OciImage),
            "application/vnd.oci.image.index.v1+json" => Some(ManifestKind::OciIndex),
            DOCKER_MANIFEST_V2 => Some(ManifestKind::DockerImage),
            DOCKER_MANIFEST_LIST_V2 => Some(ManifestKind::DockerList),
            _ => None,
        }
    }

    /// The media type of this kind.
    pub fn media_type(self) -> MediaType {
        match self {
            ManifestKind::OciImage => MediaType::ImageManifest,
            ManifestKind::OciIndex => MediaType::ImageIndex,
            ManifestKind::DockerImage => MediaType::Other(DOCKER_MANIFEST_V2.to_owned()),
            ManifestKind::DockerList => MediaType::Other(DOCKER_MANIFEST_LIST_V2.to_owned()),
        }
    }

    /// Whether this kind lists other manifests (an index or list) rather than layers.
    pub fn is_index(self) -> bool {
        matches!(self, ManifestKind::OciIndex | ManifestKind::DockerList)
    }
}

/// A parsed manifest: an image manifest or an index, with the kind it was read as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manifest {
    /// An image manifest (config and layers).
    Image {
        /// OCI or Docker.
        kind: ManifestKind,
        /// The manifest.
        manifest: Box<ImageManifest>,
    },
    /// An index or manifest list.
    Index {
        /// OCI or Docker.
        kind: ManifestKind,
        /// The index.
        index: Box<ImageIndex>,
    },
}

impl Manifest {
    /// The kind this manifest was read as.
    pub fn kind(&self) -> ManifestKind {
        match self {
            Manifest::Image { kind, .. } | Manifest::Index { kind, .. } => *kind,
        }
    }

    /// The descriptors this manifest points at: config then layers, or the index's manifests
    /// (and the subject in either case, if any).
    pub fn references(&self) -> Vec<&Descriptor> {
        match self {
            Manifest::Image { manifest, .. } => std::iter::once(manifest.config())
                .chain(manifest.layers())
                .chain(manifest.subject())
                .collect(),
            Manifest::Index { index, .. } => {
                index.manifests().iter().chain(index.subject()).collect()
            }
        }
    }
}

fn check_len(what: &'static str, bytes: &[u8], limit: u64) -> Result<(), LayoutError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(LayoutError::TooLarge { what, size, limit });
    }
    Ok(())
}

fn from_json<'a, T: Deserialize<'a>>(
    what: &'static str,
    bytes: &'a [u8],
) -> Result<T, LayoutError> {
    serde_json::from_slice(bytes).map_err(|e| LayoutError::Malformed {
        what,
        reason: e.to_string(),
    })
}

/// Parse and check an `oci-layout` file: `{"imageLayoutVersion": "1.0.0"}`.
///
/// ```
/// use sigchain_oci::layout::{parse_oci_layout, LayoutLimits};
/// parse_oci_layout(br#"{"imageLayoutVersion":"1.0.0"}"#, &LayoutLimits::default())?;
/// assert!(parse_oci_layout(br#"{"imageLayoutVersion":"2.0.0"}"#, &LayoutLimits::default()).is_err());
/// # Ok::<(), sigchain_oci::layout::LayoutError>(())
/// ```
pub fn parse_oci_layout(bytes: &[u8], limits: &LayoutLimits) -> Result<(), LayoutError> {
    const WHAT: &str = "oci-layout";
    check_len(WHAT, bytes, limits.max_layout_file_bytes)?;
    let layout: oci_spec::image::OciLayout = from_json(WHAT, bytes)?;
    if layout.image_layout_version() != IMAGE_LAYOUT_VERSION {
        return Err(LayoutError::UnsupportedLayoutVersion {
            found: layout.image_layout_version().clone(),
        });
    }
    Ok(())
}

/// Parse and check an `index.json` (an OCI image index): schema version 2, a media type (if
/// present) of an index, at most [`LayoutLimits::max_index_entries`] descriptors, each with a
/// digest this layout can store (`sha256`).
pub fn parse_index(bytes: &[u8], limits: &LayoutLimits) -> Result<ImageIndex, LayoutError> {
    const WHAT: &str = "index.json";
    check_len(WHAT, bytes, limits.max_index_bytes)?;
    let index: ImageIndex = from_json(WHAT, bytes)?;
    if let Some(media_type) = index.media_type() {
        if media_type != &MediaType::ImageIndex {
            return Err(LayoutError::MediaTypeMismatch {
                expected: MediaType::ImageIndex.to_string(),
                found: media_type.to_string(),
            });
        }
    }
    check_index(WHAT, &index, limits)?;
    Ok(index)
}

fn check_index(
    what: &'static str,
    index: &ImageIndex,
    limits: &LayoutLimits,
) -> Result<(), LayoutError> {
    if index.schema_version() != 2 {
        return Err(LayoutError::SchemaVersion {
            what,
            found: index.schema_version(),
        });
    }
    let count = index.manifests().len();
    if count > limits.max_index_entries {
        return Err(LayoutError::TooManyEntries {
            what,
            count,
            limit: limits.max_index_entries,
        });
    }
    for descriptor in index.manifests().iter().chain(index.subject()) {
        BlobDigest::parse(descriptor.digest().as_ref())?;
    }
    Ok(())
}

/// Which fields a manifest document has, to tell its kind when it names no media type.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Shape {
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    config: Option<serde::de::IgnoredAny>,
}

/// Parse and check a manifest: an OCI image manifest or index, or their Docker schema 2
/// counterparts.
///
/// `expected` is the media type its descriptor gave, if any. The document's own `mediaType`,
/// when present, must agree with it: a manifest that claims to be one kind and parses as another
/// is refused rather than read two ways. With neither, the kind is told from the fields
/// (`manifests` for an index, `config` for an image manifest).
pub fn parse_manifest(
    bytes: &[u8],
    expected: Option<&MediaType>,
    limits: &LayoutLimits,
) -> Result<Manifest, LayoutError> {
    const WHAT: &str = "manifest";
    check_len(WHAT, bytes, limits.max_manifest_bytes)?;
    let shape: Shape = from_json(WHAT, bytes)?;
    let kind = match (expected, shape.media_type.as_deref()) {
        (Some(expected), Some(found)) if expected.as_ref() != found => {
            return Err(LayoutError::MediaTypeMismatch {
                expected: expected.to_string(),
                found: found.to_owned(),
            })
        }
        (Some(media_type), _) => kind_of(media_type.as_ref())?,
        (None, Some(found)) => kind_of(found)?,
        (None, None) => match (shape.manifests.is_some(), shape.config.is_some()) {
            (true, false) => ManifestKind::OciIndex,
            (false, true) => ManifestKind::OciImage,
            _ => return Err(LayoutError::AmbiguousManifest),
        },
    };
    if kind.is_index() {
        if shape.config.is_some() {
            return Err(LayoutError::AmbiguousManifest);
        }
        let index: ImageIndex = from_json(WHAT, bytes)?;
        check_index(WHAT, &index, limits)?;
        Ok(Manifest::Index {
            kind,
            index: Box::new(index),
        })
    } else {
        if shape.manifests.is_some() {
            return Err(LayoutError::AmbiguousManifest);
        }
        let manifest: ImageManifest = from_json(WHAT, bytes)?;
        if manifest.schema_version() != 2 {
            return Err(LayoutError::SchemaVersion {
                what: WHAT,
                found: manifest.schema_version(),
            });
        }
        let count = manifest.layers().len();
        if count > limits.max_layers {
            return Err(LayoutError::TooManyEntries {
                what: "manifest layers",
                count,
                limit: limits.max_layers,
            });
        }
        for descriptor in std::iter::once(manifest.config())
            .chain(manifest.layers())
            .chain(manifest.subject())
        {
            BlobDigest::parse(descriptor.digest().as_ref())?;
        }
        Ok(Manifest::Image {
            kind,
            manifest: Box::new(manifest),
        })
    }
}

fn kind_of(media_type: &str) -> Result<ManifestKind, LayoutError> {
    ManifestKind::from_media_type(media_type).ok_or_else(|| LayoutError::NotAManifest {
        media_type: media_type.to_owned(),
    })
}

/// Check `content` against `descriptor`: its length must be the descriptor's `size` and its
/// SHA-256 the descriptor's digest. Content that fails is an error, never to be used.
///
/// ```
/// use sigchain_oci::layout::{check_content, descriptor_for};
/// use oci_spec::image::MediaType;
/// let descriptor = descriptor_for(MediaType::ImageConfig, b"{}");
/// check_content(&descriptor, b"{}")?;
/// assert!(check_content(&descriptor, b"[]").is_err());
/// # Ok::<(), sigchain_oci::layout::LayoutError>(())
/// ```
pub fn check_content(descriptor: &Descriptor, content: &[u8]) -> Result<(), LayoutError> {
    let expected = BlobDigest::parse(descriptor.digest().as_ref())?;
    let found = u64::try_from(content.len()).unwrap_or(u64::MAX);
    if found != descriptor.size() {
        return Err(LayoutError::SizeMismatch {
            digest: expected.to_string(),
            expected: descriptor.size(),
            found,
        });
    }
    let computed = BlobDigest::of(content);
    if computed != expected {
        return Err(LayoutError::DigestMismatch {
            expected: expected.to_string(),
            computed: computed.to_string(),
        });
    }
    Ok(())
}

/// The descriptor of `content` with this media type: its SHA-256 digest and its size.
pub fn descriptor_for(media_type: MediaType, content: &[u8]) -> Descriptor {
    let size = u64::try_from(content.len()).unwrap_or(u64::MAX);
    Descriptor::new(media_type, size, BlobDigest::of(content).to_oci())
}
