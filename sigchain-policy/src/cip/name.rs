//! Image names as policy-controller sees them before it matches a glob.
//!
//! policy-controller does not use the Docker (`distribution/reference`) normalisation that
//! [`sigchain_oci::reference::Reference`] implements: it parses with go-containerregistry's
//! `name.ParseReference` (`pkg/name/{ref,tag,digest,repository,registry,check}.go` in
//! google/go-containerregistry, v0.21.3 in policy-controller's `go.mod`) and matches globs
//! against the reference's `Name()`. The two differ, and a glob only means what its author
//! meant if we render names exactly as policy-controller does:
//!
//! | input | `Reference` (sigchain-oci) | `ImageName::name` (policy-controller) |
//! |---|---|---|
//! | `nginx` | `docker.io/library/nginx:latest` | `index.docker.io/library/nginx:latest` |
//! | `docker.io/x/y` | `docker.io/x/y:latest` | `index.docker.io/x/y:latest` |
//! | `r.io/a:v1@sha256:…` | keeps the tag | drops the tag: `r.io/a@sha256:…` |
//! | `Foo/bar` | registry `Foo` | refused (uppercase repository) |
//! | `localhost/a` | registry `localhost` | registry `localhost` |
//! | `r.io/a@sha512:…` | accepted | refused (only `sha256`) |
//!
//! The grammar, from go-containerregistry:
//! - `ParseReference` tries a tag reference first, then a digest reference.
//! - A tag is what follows the last `:` when that text holds no `/` (so `host:5000/app` has
//!   no tag); it is 1–128 characters of `[A-Za-z0-9_.-]`. A missing tag is `latest`.
//! - The first `/`-separated component is a registry if it is `localhost` or contains `.` or
//!   `:`; otherwise the registry is `index.docker.io`, and `docker.io` is rewritten to it.
//!   The registry must survive Go's `url.Parse("//" + registry)` unchanged (see
//!   `check_registry`).
//! - The repository is 1–255 characters of `[a-z0-9_./-]` with no further structure
//!   (`a//b` is accepted); on `index.docker.io` a repository without `/` gets `library/`.
//! - A digest reference has exactly one `@`, then `sha256:` and 64 lowercase hex digits; a
//!   tag before the `@` is parsed and dropped.

use std::fmt;

use sigchain_oci::reference::Reference;

/// The registry go-containerregistry names when a reference names none.
pub const DEFAULT_REGISTRY: &str = "index.docker.io";

/// The alias go-containerregistry rewrites to [`DEFAULT_REGISTRY`].
const DEFAULT_REGISTRY_ALIAS: &str = "docker.io";

/// The tag of a reference that names none.
const DEFAULT_TAG: &str = "latest";

/// Longest image text read at all (upstream has no bound; see
/// [`sigchain_oci::reference::MAX_REFERENCE_LEN`], which this reuses).
pub const MAX_IMAGE_LEN: usize = sigchain_oci::reference::MAX_REFERENCE_LEN;

const REPOSITORY_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-./";
const TAG_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-.ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Why an image string is not a reference go-containerregistry would parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageNameError {
    /// Longer than [`MAX_IMAGE_LEN`] bytes.
    #[error("image reference is {len} bytes long, more than {MAX_IMAGE_LEN}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Not a tag reference nor a digest reference.
    #[error("could not parse image reference {image:?}: {reason}")]
    Invalid {
        /// The image text (cut to 128 characters).
        image: String,
        /// Which rule it broke.
        reason: &'static str,
    },
}

/// What follows the repository in a normalised name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identifier {
    Tag(String),
    Digest(String),
}

/// An image reference parsed and normalised as go-containerregistry's `name.ParseReference`
/// does (weak validation, the default), which is what policy-controller matches globs
/// against.
///
/// ```
/// use sigchain_policy::cip::ImageName;
/// assert_eq!(ImageName::parse("nginx")?.name(), "index.docker.io/library/nginx:latest");
/// assert_eq!(ImageName::parse("docker.io/acme/app:v1")?.name(), "index.docker.io/acme/app:v1");
/// assert_eq!(ImageName::parse("localhost:5000/app")?.name(), "localhost:5000/app:latest");
/// # Ok::<(), sigchain_policy::cip::ImageNameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageName {
    registry: String,
    repository: String,
    identifier: Identifier,
}

impl ImageName {
    /// Parse `image` as `name.ParseReference(image, name.WeakValidation)` does.
    pub fn parse(image: &str) -> Result<Self, ImageNameError> {
        if image.len() > MAX_IMAGE_LEN {
            return Err(ImageNameError::TooLong { len: image.len() });
        }
        let invalid = |reason| ImageNameError::Invalid {
            image: image.chars().take(128).collect(),
            reason,
        };
        match parse_tag(image) {
            Ok(name) => Ok(name),
            Err(tag_reason) => parse_digest(image).map_err(|digest_reason| {
                // Report the attempt the text was meant for.
                invalid(if image.contains('@') {
                    digest_reason
                } else {
                    tag_reason
                })
            }),
        }
    }

    /// The same image as [`sigchain_oci`] parsed it, rendered the go-containerregistry way:
    /// `docker.io` becomes `index.docker.io`, and a digest, when present, replaces the tag.
    /// Differences in what the two grammars accept (see the module docs) do not apply: the
    /// reference is taken as already valid.
    pub fn from_reference(reference: &Reference) -> Self {
        let registry = match reference.registry() {
            DEFAULT_REGISTRY_ALIAS => DEFAULT_REGISTRY.to_owned(),
            other => other.to_owned(),
        };
        let identifier = match (reference.digest(), reference.tag()) {
            (Some(digest), _) => Identifier::Digest(digest.to_string()),
            (None, Some(tag)) => Identifier::Tag(tag.as_str().to_owned()),
            (None, None) => Identifier::Tag(DEFAULT_TAG.to_owned()),
        };
        ImageName {
            repository: qualify(&registry, reference.repository().to_owned()),
            registry,
            identifier,
        }
    }

    /// The registry (`index.docker.io` for Docker Hub).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path, with `library/` added for a one-component Docker Hub name
    /// (`RepositoryStr()` upstream).
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, unless this is a digest reference (whose tag, if written, was dropped).
    pub fn tag(&self) -> Option<&str> {
        match &self.identifier {
            Identifier::Tag(tag) => Some(tag),
            Identifier::Digest(_) => None,
        }
    }

    /// The digest (`sha256:<hex>`) of a digest reference.
    pub fn digest(&self) -> Option<&str> {
        match &self.identifier {
            Identifier::Digest(digest) => Some(digest),
            Identifier::Tag(_) => None,
        }
    }

    /// The fully qualified name globs are matched against (`Name()` upstream):
    /// `registry/repository:tag` or `registry/repository@sha256:hex`.
    pub fn name(&self) -> String {
        let repository = format!("{}/{}", self.registry, self.repository);
        match &self.identifier {
            Identifier::Tag(tag) => format!("{repository}:{tag}"),
            Identifier::Digest(digest) => format!("{repository}@{digest}"),
        }
    }
}

impl fmt::Display for ImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// `checkElement` upstream: a length in characters (runes) and an alphabet.
fn check_element(element: &str, allowed: &str, min: usize, max: usize) -> bool {
    let runes = element.chars().count();
    (min..=max).contains(&runes) && element.chars().all(|c| allowed.contains(c))
}

/// `NewTag` upstream.
fn parse_tag(name: &str) -> Result<ImageName, &'static str> {
    let (base, tag) = match name.rfind(':') {
        Some(colon) if !name[colon + 1..].contains('/') => {
            let tag = &name[colon + 1..];
            if tag.is_empty() {
                return Err("a tag name must follow the colon");
            }
            (&name[..colon], tag)
        }
        _ => (name, ""),
    };
    if !tag.is_empty() && !check_element(tag, TAG_CHARS, 1, 128) {
        return Err("a tag is 1 to 128 characters of [A-Za-z0-9_.-]");
    }
    let (registry, repository) = parse_repository(base)?;
    Ok(ImageName {
        repository: qualify(&registry, repository),
        registry,
        identifier: Identifier::Tag(if tag.is_empty() { DEFAULT_TAG } else { tag }.to_owned()),
    })
}

/// `NewDigest` upstream.
fn parse_digest(name: &str) -> Result<ImageName, &'static str> {
    let mut parts = name.split('@');
    let (Some(base), Some(digest), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("a digest reference has exactly one '@'");
    };
    let Some(hex) = digest.strip_prefix("sha256:") else {
        return Err("unsupported digest algorithm (only sha256)");
    };
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("a sha256 digest is 64 lowercase hex digits");
    }
    // Upstream re-parses the tag-less, normalised name when the base parses as a tag
    // reference; that can fail where the base did not (a 255-character official image
    // name grows by `library/`), so do the same.
    let base = match parse_tag(base) {
        Ok(tagged) => format!("{}/{}", tagged.registry, tagged.repository()),
        Err(_) => base.to_owned(),
    };
    let (registry, repository) = parse_repository(&base)?;
    Ok(ImageName {
        repository: qualify(&registry, repository),
        registry,
        identifier: Identifier::Digest(digest.to_owned()),
    })
}

/// `RepositoryStr()` upstream: a one-component Docker Hub repository is in `library/`.
fn qualify(registry: &str, repository: String) -> String {
    if registry == DEFAULT_REGISTRY && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    }
}

/// `NewRepository` upstream: the registry (normalised) and the repository as written.
fn parse_repository(name: &str) -> Result<(String, String), &'static str> {
    if name.is_empty() {
        return Err("a repository name must be specified");
    }
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if first == "localhost" || first.contains(['.', ':']) => (first, rest),
        _ => ("", name),
    };
    if !check_element(repository, REPOSITORY_CHARS, 1, 255) {
        return Err("a repository is 1 to 255 characters of [a-z0-9_./-]");
    }
    if !check_registry(registry) {
        return Err("a registry must be a valid RFC 3986 authority");
    }
    let registry = match registry {
        "" | DEFAULT_REGISTRY_ALIAS => DEFAULT_REGISTRY,
        other => other,
    };
    Ok((registry.to_owned(), repository.to_owned()))
}

/// `checkRegistry` upstream: Go's `url.Parse("//" + registry)` must succeed with `Host`
/// equal to the registry. That refuses what the URL parser splits off or rewrites (`#`,
/// `?`, `@`, `%`), control characters, ASCII characters Go will not put in a host name,
/// and a port that is not all digits. A second colon in an unbracketed host (`a:1:2`) is
/// refused too: Go 1.25.0 still accepted it (golang/go#75223, fixed since), and refusing
/// is the fail-closed side of that difference.
fn check_registry(registry: &str) -> bool {
    let host_byte_ok =
        |b: u8| b >= 0x80 || b.is_ascii_alphanumeric() || b"!$&'()*+,;=:[]<>\"-_.~".contains(&b);
    if !registry.bytes().all(host_byte_ok) {
        return false;
    }
    let port_ok = |colon_port: &str| {
        colon_port.is_empty()
            || colon_port
                .strip_prefix(':')
                .is_some_and(|port| port.bytes().all(|b| b.is_ascii_digit()))
    };
    if registry.starts_with('[') {
        match registry.rfind(']') {
            Some(close) => port_ok(&registry[close + 1..]),
            None => false,
        }
    } else {
        match registry.find(':') {
            Some(colon) => !registry[colon + 1..].contains(':') && port_ok(&registry[colon..]),
            None => true,
        }
    }
}

/// `ValidateOCI` (policy-controller `pkg/apis/policy/common/validation.go`): a registry, or
/// a registry and repository, under go-containerregistry's strict validation (the registry
/// is explicit, and a Docker Hub repository names its namespace).
pub(super) fn is_valid_oci_location(oci: &str) -> bool {
    if oci.len() > MAX_IMAGE_LEN {
        return false;
    }
    match oci.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) => match parse_repository(oci) {
            Ok((registry, repository)) => registry != DEFAULT_REGISTRY || repository.contains('/'),
            Err(_) => false,
        },
        _ => !oci.is_empty() && check_registry(oci),
    }
}
