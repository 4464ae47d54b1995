//! Image sources: which layer blobs an OCI image layout or a docker-archive tar holds, with
//! each layer's diffID from the image config, and one streaming read of a layer blob.
//!
//! Nothing is extracted to disk: an OCI layout's blobs are files read in place (their
//! digests checked as they stream), and a docker archive's members are byte ranges of the
//! archive file.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sigchain_core::crypto::Sha256Stream;
use sigchain_oci::layout::oci_spec::image::Descriptor;
use sigchain_oci::layout::{LayoutLimits, Manifest, OciLayout};

use super::error::SourceError;
use super::limits::SourceLimits;
use super::path::normalize_path;
use crate::model::ImageIdentity;

/// A layer blob: a byte range of a file, and the layer's diffID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerBlob {
    /// The layer's diffID (`sha256:<hex>` of the uncompressed tar) from the image config.
    pub diff_id: String,
    /// The file holding the blob.
    pub file: PathBuf,
    /// Where the blob starts in the file.
    pub offset: u64,
    /// The blob's length.
    pub size: u64,
    /// The blob's digest (`sha256:<hex>`) when the source addresses blobs by content; the
    /// bytes read are checked against it.
    pub digest: Option<String>,
}

#[derive(Deserialize)]
struct ImageConfig {
    rootfs: RootFs,
}

#[derive(Deserialize)]
struct RootFs {
    diff_ids: Vec<String>,
}

fn diff_ids(config: &[u8]) -> Result<Vec<String>, SourceError> {
    let config: ImageConfig =
        serde_json::from_slice(config).map_err(|e| SourceError::Malformed {
            what: "image config",
            reason: e.to_string(),
        })?;
    Ok(config.rootfs.diff_ids)
}

fn is_linux_amd64(descriptor: &Descriptor) -> bool {
    descriptor
        .platform()
        .as_ref()
        .is_some_and(|p| p.os().to_string() == "linux" && p.architecture().to_string() == "amd64")
}

/// An `index.json` entry for something stored about an image rather than an image: it has an
/// `artifactType`, or its tag is cosign's or the referrers fallback's (`sha256-<64 hex>`, with
/// `.sig`, `.att` or `.sbom` or nothing after it).
fn is_supply_chain_artifact(descriptor: &Descriptor) -> bool {
    if descriptor.artifact_type().is_some() {
        return true;
    }
    let tag = descriptor
        .annotations()
        .as_ref()
        .and_then(|a| a.get(sigchain_oci::layout::oci_spec::image::ANNOTATION_REF_NAME));
    tag.and_then(|t| t.strip_prefix("sha256-"))
        .map(|rest| rest.split_once('.').map_or(rest, |(hex, _)| hex))
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The one descriptor to follow in a list: the only one, else the only linux/amd64 one.
fn choose(descriptors: &[Descriptor], what: &str) -> Result<Descriptor, SourceError> {
    if let [only] = descriptors {
        return Ok(only.clone());
    }
    let mut amd64 = descriptors.iter().filter(|d| is_linux_amd64(d));
    match (amd64.next(), amd64.next()) {
        (Some(one), None) => Ok(one.clone()),
        _ => Err(SourceError::NoImage {
            reason: format!(
                "{what} lists {} manifests and not exactly one for linux/amd64",
                descriptors.len()
            ),
        }),
    }
}

/// An image's identity and its layers, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageLayers {
    /// Who the image is: its manifest and config digests.
    pub identity: ImageIdentity,
    /// The layer blobs, base layer first.
    pub layers: Vec<LayerBlob>,
}

/// The layers of the image in an OCI image layout directory: the manifest `image` names (a
/// tag or digest in `index.json`), else the only manifest in `index.json` (or the
/// linux/amd64 one); through nested indexes.
pub fn oci_layout_layers(
    dir: &Path,
    image: Option<&str>,
    limits: &SourceLimits,
) -> Result<ImageLayers, SourceError> {
    let layout_limits = LayoutLimits {
        max_layers: limits.max_layers,
        max_blob_bytes: limits.max_metadata_bytes,
        ..LayoutLimits::default()
    };
    let layout = OciLayout::open_with_limits(dir, layout_limits)?;
    let mut descriptor = match image {
        Some(name_or_digest) => layout.resolve(name_or_digest)?,
        None => {
            // A signed image's layout also lists its signatures and attestations (cosign's
            // `sha256-<hex>.sig` tags, the referrers fallback tag, artifacts): not images.
            let images: Vec<Descriptor> = layout
                .manifests()?
                .into_iter()
                .filter(|d| !is_supply_chain_artifact(d))
                .collect();
            choose(&images, "index.json")?
        }
    };
    // Nesting deeper than an index of indexes is not something an image builder writes.
    for _ in 0..4 {
        match layout.get_manifest(&descriptor)? {
            Manifest::Index { index, .. } => {
                descriptor = choose(index.manifests(), "an image index")?;
            }
            Manifest::Image { manifest, .. } => {
                let config = layout.get_blob(manifest.config())?;
                let diff_ids = diff_ids(&config)?;
                let identity = ImageIdentity {
                    // The digest of the bytes just read and checked by the layout.
                    manifest_digest: Some(descriptor.digest().to_string()),
                    config_digest: manifest.config().digest().to_string(),
                };
                let layers = manifest.layers();
                check_layer_count(layers.len(), diff_ids.len(), limits)?;
                let layers = layers
                    .iter()
                    .zip(diff_ids)
                    .map(|(layer, diff_id)| {
                        let digest = layer.digest().to_string();
                        let hex = digest
                            .strip_prefix("sha256:")
                            .filter(|h| {
                                h.len() == 64
                                    && h.bytes()
                                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                            })
                            .ok_or_else(|| SourceError::Malformed {
                                what: "layer descriptor",
                                reason: format!("unsupported digest {digest:?}"),
                            })?;
                        Ok(LayerBlob {
                            diff_id,
                            file: dir.join("blobs").join("sha256").join(hex),
                            offset: 0,
                            size: layer.size(),
                            digest: Some(digest),
                        })
                    })
                    .collect::<Result<_, SourceError>>()?;
                return Ok(ImageLayers { identity, layers });
            }
        }
    }
    Err(SourceError::NoImage {
        reason: "image indexes nested too deeply".to_owned(),
    })
}

fn check_layer_count(layers: usize, ids: usize, limits: &SourceLimits) -> Result<(), SourceError> {
    if layers > limits.max_layers {
        return Err(SourceError::TooManyLayers {
            count: layers,
            limit: limits.max_layers,
        });
    }
    if layers != ids {
        return Err(SourceError::DiffIdCount {
            layers,
            diff_ids: ids,
        });
    }
    Ok(())
}

/// A docker archive member: a byte range of the archive, or a symlink to another member.
enum Member {
    Data(u64, u64),
    Link(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    layers: Vec<String>,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |source| SourceError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The layers of the image in a docker-archive tar (`docker save`): `manifest.json` names
/// the config and the layer members; the archive must hold exactly one image.
pub fn docker_archive_layers(
    archive: &Path,
    limits: &SourceLimits,
) -> Result<ImageLayers, SourceError> {
    let file = File::open(archive).map_err(io_error(archive))?;
    let mut members = std::collections::HashMap::new();
    let mut tar = tar::Archive::new(BufReader::new(file));
    let mut entries = tar
        .entries_with_seek()
        .map_err(io_error(archive))?
        .raw(true);
    let mut count = 0u64;
    while let Some((member, entry)) =
        super::layer::next_member(&mut entries, &None, limits, &mut count)?
    {
        let Ok(name) = normalize_path(&member.raw_path) else {
            continue;
        };
        if member.kind.is_file() {
            members.insert(name, Member::Data(entry.raw_file_position(), member.size));
        } else if member.kind.is_symlink() {
            // `docker save` links a layer shared by two images' histories to one copy.
            let target = member.link.unwrap_or_default();
            if let Ok(target) = super::path::resolve_link_target(&name, &target) {
                members.insert(name, Member::Link(target));
            }
        }
    }
    let locate = |name: &str| -> Result<(u64, u64), SourceError> {
        let missing = || SourceError::MissingMember {
            name: name.to_owned(),
        };
        let mut current = normalize_path(name.as_bytes()).map_err(|e| SourceError::Malformed {
            what: "manifest.json",
            reason: format!("member {name:?}: {e}"),
        })?;
        for _ in 0..=limits.max_link_hops {
            match members.get(&current).ok_or_else(missing)? {
                Member::Data(offset, size) => return Ok((*offset, *size)),
                Member::Link(target) => current = target.clone(),
            }
        }
        Err(missing())
    };
    let read_member = |name: &str| -> Result<Vec<u8>, SourceError> {
        let (offset, size) = locate(name)?;
        if size > limits.max_metadata_bytes {
            return Err(SourceError::Malformed {
                what: "docker archive",
                reason: format!(
                    "{name} is {size} bytes, over the limit of {}",
                    limits.max_metadata_bytes
                ),
            });
        }
        let mut file = File::open(archive).map_err(io_error(archive))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(io_error(archive))?;
        let mut bytes = Vec::new();
        file.take(size)
            .read_to_end(&mut bytes)
            .map_err(io_error(archive))?;
        Ok(bytes)
    };
    let manifest: Vec<DockerManifestEntry> = serde_json::from_slice(&read_member("manifest.json")?)
        .map_err(|e| SourceError::Malformed {
            what: "manifest.json",
            reason: e.to_string(),
        })?;
    let [image] = manifest.as_slice() else {
        return Err(SourceError::NoImage {
            reason: format!(
                "manifest.json lists {} images, expected one",
                manifest.len()
            ),
        });
    };
    let config = read_member(&image.config)?;
    let diff_ids = diff_ids(&config)?;
    // `docker save` keeps no manifest; the config's digest is Docker's image ID.
    let identity = ImageIdentity {
        manifest_digest: None,
        config_digest: sigchain_core::crypto::Sha256Digest::of(&config).to_string(),
    };
    check_layer_count(image.layers.len(), diff_ids.len(), limits)?;
    let layers = image
        .layers
        .iter()
        .zip(diff_ids)
        .map(|(name, diff_id)| {
            let (offset, size) = locate(name)?;
            Ok(LayerBlob {
                diff_id,
                file: archive.to_owned(),
                offset,
                size,
                digest: None,
            })
        })
        .collect::<Result<_, SourceError>>()?;
    Ok(ImageLayers { identity, layers })
}

/// A reader of a blob's byte range that hashes what it reads.
pub(crate) struct BlobReader {
    inner: std::io::Take<File>,
    hasher: Option<Sha256Stream>,
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(buf.get(..n).unwrap_or_default());
        }
        Ok(n)
    }
}

impl BlobReader {
    pub(crate) fn open(blob: &LayerBlob) -> Result<Self, SourceError> {
        let mut file = File::open(&blob.file).map_err(io_error(&blob.file))?;
        let length = file.metadata().map_err(io_error(&blob.file))?.len();
        if blob.offset.saturating_add(blob.size) > length {
            return Err(SourceError::Read {
                layer: Some(blob.diff_id.clone()),
                reason: format!(
                    "blob of {} bytes is not all in {}",
                    blob.size,
                    blob.file.display()
                ),
            });
        }
        file.seek(SeekFrom::Start(blob.offset))
            .map_err(io_error(&blob.file))?;
        Ok(BlobReader {
            inner: file.take(blob.size),
            hasher: blob.digest.as_ref().map(|_| Sha256Stream::new()),
        })
    }

    /// Read what the decompressor left (trailing bytes still count for the digest), then
    /// check the digest.
    pub(crate) fn finish(mut self, blob: &LayerBlob) -> Result<(), SourceError> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(io_error(&blob.file))?;
        if let (Some(expected), Some(hasher)) = (&blob.digest, self.hasher) {
            let computed = format!("sha256:{}", hasher.finish().to_hex());
            if &computed != expected {
                return Err(SourceError::DigestMismatch {
                    expected: expected.clone(),
                    computed,
                });
            }
        }
        Ok(())
    }
}
