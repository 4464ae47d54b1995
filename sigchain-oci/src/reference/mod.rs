//! Image references (`registry/repository:tag@sha256:...`), parsed and normalised the way the
//! Docker and OCI tooling does it.
//!
//! The grammar and the normalisation are those of `github.com/distribution/reference`
//! (`ParseNormalizedNamed` followed by `TagNameOnly`), which `docker`, containerd, cosign and
//! most Go tooling use:
//!
//! - The first `/`-separated component names a registry only if it contains `.` or `:`, is
//!   `localhost`, or has an uppercase letter; otherwise the registry is `docker.io`.
//!   `index.docker.io` is the legacy name of `docker.io` and becomes it.
//! - On `docker.io`, a one-component repository is an official image: `ubuntu` is
//!   `docker.io/library/ubuntu`.
//! - A reference with neither tag nor digest gets the tag `latest`; a reference with both keeps
//!   both (`name:tag@digest`), and the digest is what identifies the manifest.
//! - Repository paths are lowercase, at most 255 bytes long (counting `library/`).
//!
//! ```
//! use sigchain_oci::reference::Reference;
//!
//! let ubuntu = Reference::parse("ubuntu")?;
//! assert_eq!(ubuntu.to_string(), "docker.io/library/ubuntu:latest");
//! assert_eq!(ubuntu.familiar(), "ubuntu:latest");
//!
//! let pinned = Reference::parse(
//!     "localhost:5000/team/app:v1@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
//! )?;
//! assert_eq!(pinned.registry(), "localhost:5000");
//! assert_eq!(pinned.repository(), "team/app");
//! assert_eq!(pinned.tag().map(|t| t.as_str()), Some("v1"));
//! assert!(pinned.is_by_digest());
//! assert_eq!(pinned.manifest_reference(), pinned.digest().unwrap().to_string());
//!
//! assert!(Reference::parse("Ubuntu").is_err()); // repositories are lowercase
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Deliberate differences from `distribution/reference`, all refusals or safer output:
//! a name whose first component is read as a registry but is not a valid one
//! (`foo_bar.com/app`) is refused, where upstream silently takes the whole name as a path
//! with no registry; `sha512` digests are accepted (upstream needs `crypto/sha512` linked in);
//! input longer than [`MAX_REFERENCE_LEN`] is refused before it is read; and
//! [`Reference::familiar`] keeps `docker.io/` when dropping it would make the first path
//! component read as a registry.

mod digest;
mod grammar;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

pub use digest::{Digest, DigestAlgorithm, DigestError, DigestMismatch};

/// The registry a reference without one names.
pub const DEFAULT_REGISTRY: &str = "docker.io";

/// The legacy name of [`DEFAULT_REGISTRY`], normalised to it.
const LEGACY_DEFAULT_REGISTRY: &str = "index.docker.io";

/// The host Docker clients contact for [`DEFAULT_REGISTRY`]'s API: `docker.io` is a name,
/// not the API endpoint (containerd's resolver and moby's registry configuration map it so).
const DEFAULT_REGISTRY_API_HOST: &str = "registry-1.docker.io";

/// The namespace of official images on [`DEFAULT_REGISTRY`].
const OFFICIAL_PREFIX: &str = "library/";

/// The tag of a reference that names neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";

/// Longest repository path, in bytes (`RepositoryNameTotalLengthMax` upstream).
pub const MAX_REPOSITORY_LEN: usize = 255;

/// Longest reference text read at all. A valid reference is well under it (a 253-byte host
/// and port, a 255-byte path, a 128-byte tag, a 135-byte sha512 digest); the grammar itself
/// bounds neither host nor digest length, so this keeps error messages and work small.
pub const MAX_REFERENCE_LEN: usize = 1024;

/// A validated tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Check `tag` against the tag grammar.
    pub fn parse(tag: &str) -> Result<Self, ReferenceError> {
        if grammar::is_tag(tag) {
            Ok(Tag(tag.to_owned()))
        } else {
            Err(ReferenceError::BadTag {
                tag: tag.to_owned(),
            })
        }
    }

    /// For text grammatical by construction.
    pub(crate) fn new_unchecked(tag: String) -> Self {
        debug_assert!(grammar::is_tag(&tag), "{tag:?} is not a tag");
        Tag(tag)
    }

    /// The tag text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A normalised image reference: registry, repository, and a tag, a digest or both.
///
/// Only [`Reference::parse`] and the `with_*` methods build one, so every value is valid and
/// fully qualified; [`Display`](fmt::Display) writes the fully qualified form, which parses
/// back to the same value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<Tag>,
    digest: Option<Digest>,
}

impl Reference {
    /// Parse and normalise a reference, familiar (`ubuntu`, `user/app:tag`) or fully
    /// qualified (`docker.io/library/ubuntu:latest`).
    pub fn parse(text: &str) -> Result<Self, ReferenceError> {
        if text.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if text.len() > MAX_REFERENCE_LEN {
            return Err(ReferenceError::InputTooLong {
                len: text.len(),
                max: MAX_REFERENCE_LEN,
            });
        }
        if grammar::is_image_id(text) {
            return Err(ReferenceError::ImageId);
        }
        // Neither a name nor a tag may hold `@`, so the first one starts the digest.
        let (name_and_tag, digest) = match text.split_once('@') {
            Some((before, after)) => (before, Some(Digest::parse(after)?)),
            None => (text, None),
        };
        let (registry, remainder) = split_registry(name_and_tag);
        // A path holds no `:`, so the first one after the registry starts the tag.
        let (path, tag) = match remainder.split_once(':') {
            Some((path, tag)) => (path, Some(Tag::parse(tag)?)),
            None => (remainder, None),
        };
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ReferenceError::UppercaseRepository {
                repository: path.to_owned(),
            });
        }
        if !grammar::is_registry(registry) {
            return Err(ReferenceError::BadRegistry {
                registry: registry.to_owned(),
            });
        }
        let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
            format!("{OFFICIAL_PREFIX}{path}")
        } else {
            path.to_owned()
        };
        if !grammar::is_repository_path(&repository) {
            return Err(ReferenceError::BadRepository { repository });
        }
        if repository.len() > MAX_REPOSITORY_LEN {
            return Err(ReferenceError::RepositoryTooLong {
                len: repository.len(),
                max: MAX_REPOSITORY_LEN,
            });
        }
        let tag = match (&tag, &digest) {
            (None, None) => Some(Tag(DEFAULT_TAG.to_owned())),
            _ => tag,
        };
        Ok(Reference {
            registry: registry.to_owned(),
            repository,
            tag,
            digest,
        })
    }

    /// The registry: a host with an optional port (`docker.io`, `localhost:5000`,
    /// `[::1]:5000`), as written (upstream does not lowercase it either).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path within the registry (`library/ubuntu`, `team/app`).
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The tag, if any. A reference parsed without tag or digest has [`DEFAULT_TAG`].
    pub fn tag(&self) -> Option<&Tag> {
        self.tag.as_ref()
    }

    /// The digest, if any.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// Whether the reference pins a manifest by digest (a tag beside it is then a comment).
    pub fn is_by_digest(&self) -> bool {
        self.digest.is_some()
    }

    /// What to ask the registry's manifest endpoint for: the digest if there is one, else the
    /// tag.
    pub fn manifest_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => digest.to_string(),
            (None, Some(tag)) => tag.0.clone(),
            // Every constructor leaves a tag or a digest; `latest` is what a bare name means.
            (None, None) => DEFAULT_TAG.to_owned(),
        }
    }

    /// The same repository pinned to `digest`, keeping the tag (`name:tag@digest`), as
    /// after resolving a tag.
    pub fn with_digest(&self, digest: Digest) -> Self {
        Reference {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// The same repository at `tag`, without a digest: the form cosign's signature and
    /// attestation tags are read and written at.
    pub fn with_tag(&self, tag: Tag) -> Self {
        Reference {
            tag: Some(tag),
            digest: None,
            ..self.clone()
        }
    }

    /// The `host[:port]` to contact for the registry API: the registry itself, except that
    /// `docker.io` is served at `registry-1.docker.io`, the host Docker's own clients use.
    pub fn registry_host_for_api(&self) -> &str {
        if self.registry == DEFAULT_REGISTRY {
            DEFAULT_REGISTRY_API_HOST
        } else {
            &self.registry
        }
    }

    /// The name the Docker CLI files this registry's credentials under (in `config.json`'s
    /// `auths` and `credHelpers`) and asks credential helpers about: the registry itself,
    /// except [`DEFAULT_REGISTRY`], whose credentials live under its legacy index URL.
    pub fn credential_key(&self) -> String {
        if self.registry == DEFAULT_REGISTRY {
            format!("https://{LEGACY_DEFAULT_REGISTRY}/v1/")
        } else {
            self.registry.clone()
        }
    }

    /// The short form people type (`ubuntu:latest`, `user/app:v1`): `docker.io/` and an
    /// official image's `library/` left out.
    ///
    /// Unlike upstream's `FamiliarString`, `docker.io/` stays when the repository's first
    /// component would otherwise be read as a registry (`docker.io/foo.com/app`), so the
    /// familiar form always parses back to the same reference.
    pub fn familiar(&self) -> String {
        let mut out = String::new();
        if self.registry == DEFAULT_REGISTRY {
            let official = self
                .repository
                .strip_prefix(OFFICIAL_PREFIX)
                .filter(|rest| !rest.contains('/'));
            if let Some(official) = official {
                out.push_str(official);
            } else {
                let first = self.repository.split('/').next().unwrap_or_default();
                if reads_as_registry(first) {
                    out.push_str(DEFAULT_REGISTRY);
                    out.push('/');
                }
                out.push_str(&self.repository);
            }
        } else {
            out.push_str(&self.name());
        }
        self.push_suffix(&mut out);
        out
    }

    fn push_suffix(&self, out: &mut String) {
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(&tag.0);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(&digest.to_string());
        }
    }
}

/// Split off the registry the way `splitDockerDomain` does: only a first component that
/// contains `.` or `:`, is `localhost`, or has uppercase letters (which no repository path
/// may have) names one.
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((LEGACY_DEFAULT_REGISTRY, rest)) => (DEFAULT_REGISTRY, rest),
        Some((first, rest)) if reads_as_registry(first) => (first, rest),
        _ => (DEFAULT_REGISTRY, name),
    }
}

fn reads_as_registry(first: &str) -> bool {
    first == "localhost"
        || first.contains(['.', ':'])
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

impl fmt::Display for Reference {
    /// The fully qualified form: `registry/repository[:tag][@digest]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.name();
        self.push_suffix(&mut out);
        f.write_str(&out)
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Why an image reference was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The empty string.
    #[error("empty image reference")]
    Empty,
    /// Longer than [`MAX_REFERENCE_LEN`]; not read further.
    #[error("image reference of {len} bytes is longer than the {max} accepted")]
    InputTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// 64 lowercase hex digits alone: Docker reads that as an image ID, so it cannot be a
    /// repository name (`docker.io/<64 hex>` is one).
    #[error("a 64-hex-digit string is an image ID, not a repository name")]
    ImageId,
    /// The registry part is not a host name, IPv4 address or bracketed IPv6 address with an
    /// optional decimal port.
    #[error("invalid registry {registry:?}")]
    BadRegistry {
        /// The registry part.
        registry: String,
    },
    /// The repository path has an uppercase letter.
    #[error("repository name {repository:?} must be lowercase")]
    UppercaseRepository {
        /// The path as written.
        repository: String,
    },
    /// The repository path is empty or not `/`-separated components of lowercase letters and
    /// digits joined by `.`, `_`, `__` or runs of `-`.
    #[error("invalid repository name {repository:?}")]
    BadRepository {
        /// The path, after `library/` was added.
        repository: String,
    },
    /// The repository path is longer than [`MAX_REPOSITORY_LEN`] bytes.
    #[error("repository name of {len} bytes is longer than {max}")]
    RepositoryTooLong {
        /// Its length, `library/` included.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The tag is empty, too long, or has characters outside `[A-Za-z0-9_.-]` (or starts
    /// with `.` or `-`).
    #[error("invalid tag {tag:?}")]
    BadTag {
        /// The tag as written.
        tag: String,
    },
    /// The digest is refused.
    #[error(transparent)]
    Digest(#[from] DigestError),
}
