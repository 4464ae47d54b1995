//! OCI image layouts on disk (image-spec `image-layout.md`): the `oci-layout` marker,
//! `index.json` and content-addressed `blobs/sha256/<hex>`, so signing and verifying flows
//! work on a directory the way they work on a registry.
//!
//! The parsing and checking is pure, over bytes ([`parse_oci_layout`], [`parse_index`],
//! [`parse_manifest`], [`check_content`]); [`OciLayout`] is the thin file part on top. Every
//! blob read is checked against its descriptor's size and digest before it is returned, and a
//! digest becomes a path only after it was checked to be `sha256:` + 64 lowercase hex digits.
//!
//! ```
//! use std::collections::BTreeMap;
//! use oci_spec::image::{ImageManifestBuilder, MediaType, ANNOTATION_REF_NAME};
//! use sigchain_oci::layout::OciLayout;
//!
//! let dir = tempfile::tempdir()?;
//! let layout = OciLayout::create(dir.path())?;
//! let config = layout.put_blob(MediaType::ImageConfig, br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#)?;
//! let manifest = ImageManifestBuilder::default()
//!     .schema_version(2u32)
//!     .media_type(MediaType::ImageManifest)
//!     .config(config)
//!     .layers(vec![])
//!     .build()?;
//! let manifest_json = serde_json::to_vec(&manifest)?;
//! let name = BTreeMap::from([(ANNOTATION_REF_NAME.to_owned(), "v1".to_owned())]);
//! let descriptor = layout.put_manifest(&manifest_json, name)?;
//!
//! let layout = OciLayout::open(dir.path())?;
//! let found = layout.resolve("v1")?;
//! assert_eq!(found.digest(), descriptor.digest());
//! assert_eq!(layout.get_blob(&found)?, manifest_json);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod digest;
mod error;
mod parse;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use oci_spec::image::{Descriptor, ImageIndex, ImageIndexBuilder, MediaType, ANNOTATION_REF_NAME};

/// The crate whose image types (descriptors, manifests, indexes, media types) this API uses.
pub use oci_spec;

use digest::BlobDigest;
pub use error::LayoutError;
pub use parse::{
    check_content, descriptor_for, parse_index, parse_manifest, parse_oci_layout, LayoutLimits,
    Manifest, ManifestKind, DOCKER_MANIFEST_LIST_V2, DOCKER_MANIFEST_V2, IMAGE_LAYOUT_VERSION,
};
use sigchain_core::crypto::Sha256Stream;

const OCI_LAYOUT_FILE: &str = "oci-layout";
const INDEX_FILE: &str = "index.json";
const BLOBS_DIR: &str = "blobs";
const SHA256_DIR: &str = "sha256";

/// An OCI image layout directory, opened (its `oci-layout` checked) for reading and writing.
///
/// Writes are atomic per file (a temporary file in the same directory, renamed into place), so
/// a reader never sees half a blob or half an `index.json`. Two writers updating `index.json`
/// at once are not serialized: the last rename wins.
#[derive(Clone, Debug)]
pub struct OciLayout {
    root: PathBuf,
    limits: LayoutLimits,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> LayoutError + '_ {
    move |source| LayoutError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Read at most `limit` bytes of a file; more is [`LayoutError::TooLarge`], never read whole.
fn read_bounded(path: &Path, what: &'static str, limit: u64) -> Result<Vec<u8>, LayoutError> {
    let file = fs::File::open(path).map_err(io_error(path))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error(path))?;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(LayoutError::TooLarge { what, size, limit });
    }
    Ok(bytes)
}

/// Whether the file at `path` holds exactly `size` bytes hashing to `digest`, hashed as it is
/// read so a large blob is never held in memory.
fn stored_blob_matches(path: &Path, digest: &BlobDigest, size: u64) -> Result<bool, LayoutError> {
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(LayoutError::Io {
                path: path.to_owned(),
                source: e,
            })
        }
    };
    let mut reader = file.take(size.saturating_add(1));
    let mut hasher = Sha256Stream::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut read = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(LayoutError::Io {
                    path: path.to_owned(),
                    source: e,
                })
            }
        };
        hasher.update(buffer.get(..n).unwrap_or_default());
        read = read.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
    }
    Ok(read == size && BlobDigest::from_digest(hasher.finish()) == *digest)
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LayoutError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io_error(dir))?;
    temp.write_all(bytes).map_err(io_error(temp.path()))?;
    temp.as_file().sync_all().map_err(io_error(path))?;
    temp.persist(path).map_err(|e| LayoutError::Io {
        path: path.to_owned(),
        source: e.error,
    })?;
    Ok(())
}

impl OciLayout {
    /// Make `dir` an image layout: create it (and `blobs/sha256/`) if missing, write
    /// `oci-layout` and an empty `index.json` unless present. An existing layout is opened
    /// as is.
    pub fn create(dir: impl AsRef<Path>) -> Result<Self, LayoutError> {
        Self::create_with_limits(dir, LayoutLimits::default())
    }

    /// [`create`](Self::create) with other limits.
    pub fn create_with_limits(
        dir: impl AsRef<Path>,
        limits: LayoutLimits,
    ) -> Result<Self, LayoutError> {
        let root = dir.as_ref().to_owned();
        let sha256_dir = root.join(BLOBS_DIR).join(SHA256_DIR);
        fs::create_dir_all(&sha256_dir).map_err(io_error(&sha256_dir))?;
        let marker = root.join(OCI_LAYOUT_FILE);
        if !marker.exists() {
            let body = format!("{{\"imageLayoutVersion\":\"{IMAGE_LAYOUT_VERSION}\"}}");
            write_atomic(&marker, body.as_bytes())?;
        }
        let index = root.join(INDEX_FILE);
        if !index.exists() {
            let layout = OciLayout {
                root: root.clone(),
                limits,
            };
            layout.write_index(&empty_index()?)?;
        }
        Self::open_with_limits(root, limits)
    }

    /// Open an existing image layout, checking its `oci-layout` file.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, LayoutError> {
        Self::open_with_limits(dir, LayoutLimits::default())
    }

    /// [`open`](Self::open) with other limits.
    pub fn open_with_limits(
        dir: impl AsRef<Path>,
        limits: LayoutLimits,
    ) -> Result<Self, LayoutError> {
        let root = dir.as_ref().to_owned();
        let marker = root.join(OCI_LAYOUT_FILE);
        if !marker.is_file() {
            return Err(LayoutError::NotALayout { path: root });
        }
        parse_oci_layout(
            &read_bounded(&marker, "oci-layout", limits.max_layout_file_bytes)?,
            &limits,
        )?;
        Ok(OciLayout { root, limits })
    }

    /// The layout's directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    fn blob_path(&self, digest: &BlobDigest) -> PathBuf {
        self.root
            .join(BLOBS_DIR)
            .join(SHA256_DIR)
            .join(digest.hex())
    }

    /// Store `content` as a blob and return its descriptor. Storing the same content again
    /// changes nothing; a file already at the path whose content does not match is replaced.
    pub fn put_blob(
        &self,
        media_type: MediaType,
        content: &[u8],
    ) -> Result<Descriptor, LayoutError> {
        let descriptor = descriptor_for(media_type, content);
        let digest = BlobDigest::of(content);
        let path = self.blob_path(&digest);
        if !stored_blob_matches(&path, &digest, descriptor.size())? {
            write_atomic(&path, content)?;
        }
        Ok(descriptor)
    }

    /// A new, empty temporary file inside the layout's blob directory, for a blob too large
    /// to hold in memory; write the blob into it and hand it to
    /// [`adopt_blob`](Self::adopt_blob). Dropped without adoption, it is deleted.
    pub fn blob_temp_file(&self) -> Result<tempfile::NamedTempFile, LayoutError> {
        let dir = self.root.join(BLOBS_DIR).join(SHA256_DIR);
        tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(&dir)
            .map_err(io_error(&dir))
    }

    /// Store the content of `temp` (from [`blob_temp_file`](Self::blob_temp_file)) as the blob
    /// `descriptor` names: it is read back and must match the descriptor's size and digest,
    /// else it is deleted and the mismatch is the error.
    pub fn adopt_blob(
        &self,
        descriptor: &Descriptor,
        temp: tempfile::NamedTempFile,
    ) -> Result<(), LayoutError> {
        let digest = BlobDigest::parse(descriptor.digest().as_ref())?;
        if !stored_blob_matches(temp.path(), &digest, descriptor.size())? {
            return Err(LayoutError::Malformed {
                what: "blob",
                reason: format!(
                    "the content written for {} does not have its size and digest",
                    descriptor.digest()
                ),
            });
        }
        let path = self.blob_path(&digest);
        temp.persist(&path).map_err(|e| LayoutError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(())
    }

    /// Whether a blob of the descriptor's digest and size is in the layout (its content is not
    /// hashed here: [`get_blob`](Self::get_blob) does that when it is read).
    pub fn has_blob(&self, descriptor: &Descriptor) -> Result<bool, LayoutError> {
        let digest = BlobDigest::parse(descriptor.digest().as_ref())?;
        let path = self.blob_path(&digest);
        match fs::metadata(&path) {
            Ok(metadata) => Ok(metadata.is_file() && metadata.len() == descriptor.size()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(LayoutError::Io { path, source: e }),
        }
    }

    /// Read the blob `descriptor` names, checking it against the descriptor's size and digest;
    /// content that does not match is an error, never returned. At most the descriptor's size
    /// (and at most [`LayoutLimits::max_blob_bytes`]) is read.
    pub fn get_blob(&self, descriptor: &Descriptor) -> Result<Vec<u8>, LayoutError> {
        let digest = BlobDigest::parse(descriptor.digest().as_ref())?;
        let expected = descriptor.size();
        if expected > self.limits.max_blob_bytes {
            return Err(LayoutError::TooLarge {
                what: "blob",
                size: expected,
                limit: self.limits.max_blob_bytes,
            });
        }
        let path = self.blob_path(&digest);
        let file = fs::File::open(&path).map_err(io_error(&path))?;
        // One byte past the expected size tells a longer file from an exact one without
        // reading the rest of it.
        let capacity = usize::try_from(expected).unwrap_or(0).min(64 * 1024 * 1024);
        let mut content = Vec::with_capacity(capacity);
        file.take(expected.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(io_error(&path))?;
        check_content(descriptor, &content)?;
        Ok(content)
    }

    /// Read and parse the manifest `descriptor` names (checked like [`get_blob`](Self::get_blob),
    /// bounded by [`LayoutLimits::max_manifest_bytes`]).
    pub fn get_manifest(&self, descriptor: &Descriptor) -> Result<Manifest, LayoutError> {
        if descriptor.size() > self.limits.max_manifest_bytes {
            return Err(LayoutError::TooLarge {
                what: "manifest",
                size: descriptor.size(),
                limit: self.limits.max_manifest_bytes,
            });
        }
        let bytes = self.get_blob(descriptor)?;
        parse_manifest(&bytes, Some(descriptor.media_type()), &self.limits)
    }

    /// The layout's `index.json`, parsed and checked.
    pub fn index(&self) -> Result<ImageIndex, LayoutError> {
        let path = self.root.join(INDEX_FILE);
        parse_index(
            &read_bounded(&path, "index.json", self.limits.max_index_bytes)?,
            &self.limits,
        )
    }

    /// The descriptors of the manifests `index.json` lists.
    pub fn manifests(&self) -> Result<Vec<Descriptor>, LayoutError> {
        Ok(self.index()?.manifests().clone())
    }

    fn write_index(&self, index: &ImageIndex) -> Result<(), LayoutError> {
        let bytes = serde_json::to_vec(index).map_err(|e| LayoutError::Malformed {
            what: "index.json",
            reason: e.to_string(),
        })?;
        write_atomic(&self.root.join(INDEX_FILE), &bytes)
    }

    /// Store a manifest (exactly these bytes, so its digest is what a signature will name) and
    /// list it in `index.json` with `annotations` (name it with
    /// [`ANNOTATION_REF_NAME`], `org.opencontainers.image.ref.name`).
    ///
    /// The manifest must parse (OCI or Docker schema 2, image manifest or index), and every
    /// blob it refers to must already be in the layout. A manifest listed under the same name
    /// is unlisted (its blobs stay); the same manifest listed again is not duplicated.
    pub fn put_manifest(
        &self,
        manifest: &[u8],
        annotations: BTreeMap<String, String>,
    ) -> Result<Descriptor, LayoutError> {
        let parsed = parse_manifest(manifest, None, &self.limits)?;
        for reference in parsed.references() {
            if !self.has_blob(reference)? {
                return Err(LayoutError::MissingBlob {
                    digest: reference.digest().to_string(),
                });
            }
        }
        let mut descriptor = self.put_blob(parsed.kind().media_type(), manifest)?;
        if let Manifest::Image { manifest, .. } = &parsed {
            if let Some(artifact_type) = manifest.artifact_type() {
                descriptor.set_artifact_type(Some(artifact_type.clone()));
            }
        }
        let name = annotations.get(ANNOTATION_REF_NAME).cloned();
        if !annotations.is_empty() {
            descriptor.set_annotations(Some(annotations.into_iter().collect()));
        }
        let mut index = self.index()?;
        let mut manifests = index.manifests().clone();
        manifests.retain(|listed| {
            let same_name = name.is_some() && ref_name(listed) == name.as_deref();
            let same_entry =
                listed.digest() == descriptor.digest() && ref_name(listed) == name.as_deref();
            !same_name && !same_entry
        });
        manifests.push(descriptor.clone());
        let count = manifests.len();
        if count > self.limits.max_index_entries {
            return Err(LayoutError::TooManyEntries {
                what: "index.json",
                count,
                limit: self.limits.max_index_entries,
            });
        }
        index.set_manifests(manifests);
        self.write_index(&index)?;
        Ok(descriptor)
    }

    /// Find a manifest listed in `index.json` by its `org.opencontainers.image.ref.name` or, for
    /// `sha256:<hex>`, by its digest. A name carried by two entries is
    /// [`LayoutError::AmbiguousName`], not a guess.
    pub fn resolve(&self, name_or_digest: &str) -> Result<Descriptor, LayoutError> {
        let manifests = self.manifests()?;
        let by_digest = name_or_digest.starts_with("sha256:");
        if by_digest {
            BlobDigest::parse(name_or_digest)?;
        }
        let mut found = manifests.into_iter().filter(|listed| {
            if by_digest {
                listed.digest().as_ref() == name_or_digest
            } else {
                ref_name(listed) == Some(name_or_digest)
            }
        });
        let first = found.next().ok_or_else(|| LayoutError::NotFound {
            name: name_or_digest.to_owned(),
        })?;
        if by_digest {
            // One manifest listed under several names is still one manifest.
            return Ok(first);
        }
        let others = found.count();
        if others > 0 {
            return Err(LayoutError::AmbiguousName {
                name: name_or_digest.to_owned(),
                count: others + 1,
            });
        }
        Ok(first)
    }
}

fn ref_name(descriptor: &Descriptor) -> Option<&str> {
    descriptor
        .annotations()
        .as_ref()?
        .get(ANNOTATION_REF_NAME)
        .map(String::as_str)
}

fn empty_index() -> Result<ImageIndex, LayoutError> {
    ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(Vec::<Descriptor>::new())
        .build()
        .map_err(|e| LayoutError::Malformed {
            what: "index.json",
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests;
