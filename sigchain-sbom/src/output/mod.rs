//! SBOM documents from a [`Catalog`]: SPDX 2.3 JSON, CycloneDX 1.6 JSON and a table for people.
//!
//! Writing is pure: the caller says what was scanned ([`Subject`]), when, and (unless the
//! document is to be deterministic) gives the random bytes that make it unique
//! ([`DocumentInfo`]). With [`DocumentInfo::deterministic`] the same catalog and subject give
//! the same bytes: the time is `SOURCE_DATE_EPOCH` ([`source_date_epoch`]) and the document
//! namespace / serial number are derived from the subject and a hash of the catalog.
//!
//! ```
//! use sigchain_sbom::model::{Catalog, Package, PackageType};
//! use sigchain_sbom::output::{self, DocumentInfo, SourceKind, Subject};
//! let catalog = Catalog {
//!     packages: vec![Package {
//!         name: "serde".into(),
//!         version: "1.0.210".into(),
//!         package_type: Some(PackageType::Cargo),
//!         ..Package::default()
//!     }],
//!     ..Catalog::default()
//! };
//! let subject = Subject::new(SourceKind::Directory, "app");
//! let info = DocumentInfo::deterministic(subject, output::source_date_epoch("1700000000")?);
//! let spdx = output::spdx_json(&catalog, &info)?;
//! assert_eq!(spdx, output::spdx_json(&catalog, &info)?);
//! let table = output::table(&catalog);
//! assert!(table.contains("serde"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cyclonedx;
mod license;
mod spdx;
mod table;
mod view;

use crate::model::Catalog;
use crate::source::Source;

/// What kind of thing was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A container image (OCI layout, docker archive, registry).
    Image,
    /// A root-filesystem directory.
    Directory,
    /// A single file or archive.
    File,
}

/// What was scanned: the thing the document describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The kind of source.
    pub kind: SourceKind,
    /// A name for people: the image reference or the directory / file name.
    pub name: String,
    /// The image manifest digest (`sha256:<64 hex>`), for images that have one.
    pub digest: Option<String>,
    /// The image repository (`registry.example/team/app`), if known; it goes into the
    /// image's `pkg:oci` purl as `repository_url`.
    pub repository: Option<String>,
}

impl Subject {
    /// The subject of `catalog`, made from `source`: its path (or reference) as the name, and
    /// the image's manifest digest when the catalog has one.
    ///
    /// ```
    /// use sigchain_sbom::model::{Catalog, ImageIdentity};
    /// use sigchain_sbom::output::{SourceKind, Subject};
    /// use sigchain_sbom::source::Source;
    /// let catalog = Catalog {
    ///     image: Some(ImageIdentity {
    ///         manifest_digest: Some(format!("sha256:{}", "ab".repeat(32))),
    ///         config_digest: format!("sha256:{}", "cd".repeat(32)),
    ///     }),
    ///     ..Catalog::default()
    /// };
    /// let subject = Subject::of(&Source::parse("oci-dir:build/app")?, &catalog);
    /// assert_eq!((subject.kind, subject.name.as_str()), (SourceKind::Image, "build/app"));
    /// assert_eq!(subject.digest, catalog.image.unwrap().manifest_digest);
    /// # Ok::<(), sigchain_sbom::source::SourceError>(())
    /// ```
    pub fn of(source: &Source, catalog: &Catalog) -> Self {
        let (kind, name) = match source {
            Source::OciDir { dir, image } => (
                SourceKind::Image,
                match image {
                    Some(image) if image.starts_with("sha256:") => {
                        format!("{}@{image}", dir.display())
                    }
                    Some(tag) => format!("{}:{tag}", dir.display()),
                    None => dir.display().to_string(),
                },
            ),
            Source::DockerArchive(path) => (SourceKind::Image, path.display().to_string()),
            Source::Dir(path) => (SourceKind::Directory, path.display().to_string()),
            Source::File(path) => (SourceKind::File, path.display().to_string()),
            Source::Registry(reference) => (SourceKind::Image, reference.clone()),
        };
        let repository = match source {
            Source::Registry(reference) => sigchain_oci::reference::Reference::parse(reference)
                .ok()
                .map(|r| r.name()),
            _ => None,
        };
        Subject {
            kind,
            name,
            digest: catalog
                .image
                .as_ref()
                .and_then(|image| image.manifest_digest.clone()),
            repository,
        }
    }

    /// A subject with neither digest nor repository.
    pub fn new(kind: SourceKind, name: impl Into<String>) -> Self {
        Subject {
            kind,
            name: name.into(),
            digest: None,
            repository: None,
        }
    }
}

/// The tool that writes the document (it is named in the document's creation info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// `sigchain`.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "sigchain".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// Everything a document says besides the catalog: the subject, the tool, the creation time
/// and what makes the document's identity unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    /// What was scanned.
    pub subject: Subject,
    /// Who wrote the document.
    pub tool: Tool,
    /// The creation time, Unix seconds (UTC).
    pub created: i64,
    /// Random bytes making the namespace / serial number unique per run; `None` derives them
    /// from the subject and the catalog's content, so equal inputs give equal documents.
    pub nonce: Option<[u8; 16]>,
    /// Whether to list each package's installed files ([`crate::model::Package::files`]):
    /// in CycloneDX as `file` components nested in the package's component, with the MD5 the
    /// database recorded. Off by default: an OS image has 5k–20k owned files, which would
    /// make the document several times larger for what most consumers (vulnerability
    /// matchers, license review) never read. SPDX never lists them (see the SPDX writer: a
    /// File element needs a SHA1 no package database records).
    pub files: bool,
}

impl DocumentInfo {
    /// A document unique to this run: `now` (Unix seconds) and 16 random bytes.
    pub fn unique(subject: Subject, now: i64, random: [u8; 16]) -> Self {
        DocumentInfo {
            subject,
            tool: Tool::default(),
            created: now,
            nonce: Some(random),
            files: false,
        }
    }

    /// A reproducible document: the time is given (e.g. `SOURCE_DATE_EPOCH`) and the
    /// identity is derived from the subject and the catalog.
    pub fn deterministic(subject: Subject, created: i64) -> Self {
        DocumentInfo {
            subject,
            tool: Tool::default(),
            created,
            nonce: None,
            files: false,
        }
    }

    /// The same, listing each package's files (see [`DocumentInfo::files`]).
    pub fn with_files(mut self, files: bool) -> Self {
        self.files = files;
        self
    }
}

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// `SOURCE_DATE_EPOCH` (or another time) is not a number of seconds the document can hold.
    #[error("invalid timestamp {value:?}: expected Unix seconds between 1970 and 9999")]
    InvalidTimestamp {
        /// The value given.
        value: String,
    },
    /// The subject's digest is not `sha256:<64 lowercase hex>`.
    #[error("invalid image digest {digest:?}: expected sha256:<64 lowercase hex>")]
    InvalidDigest {
        /// The digest given.
        digest: String,
    },
    /// JSON serialization failed.
    #[error("serializing the document: {0}")]
    Json(#[from] serde_json::Error),
}

/// The largest time a document holds (9999-12-31T23:59:59Z): RFC 3339 has four-digit years.
const MAX_TIME: i64 = 253_402_300_799;

/// Parses a `SOURCE_DATE_EPOCH` value (decimal Unix seconds).
pub fn source_date_epoch(value: &str) -> Result<i64, OutputError> {
    let invalid = || OutputError::InvalidTimestamp {
        value: value.to_owned(),
    };
    let trimmed = value.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let seconds: i64 = trimmed.parse().map_err(|_| invalid())?;
    if seconds > MAX_TIME {
        return Err(invalid());
    }
    Ok(seconds)
}

/// An SPDX 2.3 JSON document for `catalog`.
pub fn spdx_json(catalog: &Catalog, info: &DocumentInfo) -> Result<Vec<u8>, OutputError> {
    let view = view::View::new(catalog, info)?;
    spdx::write(&view)
}

/// A CycloneDX 1.6 JSON document for `catalog`.
pub fn cyclonedx_json(catalog: &Catalog, info: &DocumentInfo) -> Result<Vec<u8>, OutputError> {
    let view = view::View::new(catalog, info)?;
    cyclonedx::write(&view)
}

/// A plain-text table of the packages (name, version, type, purl), for people.
pub fn table(catalog: &Catalog) -> String {
    table::write(catalog)
}
