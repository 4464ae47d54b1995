//! `spec.images[].glob`: policy-controller's image globs, compiled and matched as
//! `pkg/apis/glob/glob.go` (sigstore/policy-controller) does.
//!
//! Compiling a glob:
//! 1. The exact globs `*` and `*/*` are rewritten to `index.docker.io/library/*` and
//!    `index.docker.io/*/*` (Docker Hub's official and user images).
//! 2. The glob must match `^[a-zA-Z0-9-_:/*.@]+$`: no `?`, no `[...]`, no regexp syntax.
//! 3. It is translated to a regular expression anchored at both ends: `.` is a literal dot,
//!    `**` is `.*` (anything, `/` included), and each remaining `*` is `[^/]*` (anything
//!    within one path segment). `***` is `**` then `*`; every other character is literal.
//!
//! Matching an image (`glob.Match`): the image is parsed as go-containerregistry does
//! ([`ImageName`]) and the glob is matched against the fully qualified `Name()`
//! (`index.docker.io/library/nginx:latest`, or `…@sha256:…` for a digest reference, whose
//! tag is dropped). If that fails and the name differs from the text as written, the glob
//! is tried against the text as written (a deprecated fallback upstream). So:
//! - `:` and `@` are not separators: `*` runs across them, so `index.docker.io/library/*`
//!   matches every tag of every official image, and `…/app*` also matches `…/app-v2:x`.
//!   `…/app:*` (or `…/app:**`) is the glob for "any tag of `app`" (tags hold no `/`).
//! - A digest reference is matched without its tag: `…/app:v1` does not match
//!   `…/app:v1@sha256:…`, but `…/app*` and `…/app@sha256:*` do.
//! - A glob naming `docker.io/...` never matches a Docker Hub image through its normalised
//!   name (that says `index.docker.io`); it matches only the text as written.
//!
//! The admission webhook (`pkg/webhook/validator.go`, `validateContainerImage`) parses the
//! container's image first and passes the *normalised* name to `GetMatchingPolicies`
//! (`pkg/apis/config/image_policies.go`), so there the fallback never applies: `nginx` as a
//! glob does **not** select a pod whose image is `nginx`. [`Glob::matches_admitted`] is that
//! path; [`Glob::matches`] is `glob.Match` itself.
//!
//! policy-controller's own mutating webhook (`resolvePodSpec` in the same file) rewrites a
//! tagged image to `<Name()>@<digest>`, e.g. `index.docker.io/library/nginx:1.27@sha256:…`;
//! the validating webhook then parses that as a digest reference, whose name drops the tag.
//! So behind that mutation a glob naming a tag (`…/nginx:1.27`) selects nothing, while
//! `…/nginx*` or `…/nginx@**` still select the image.

use std::fmt;

use regex::{Regex, RegexBuilder};

use super::name::{ImageName, ImageNameError};

/// Longest glob accepted, in bytes (upstream has no bound).
pub const MAX_GLOB_LEN: usize = 4096;

/// Why a glob was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlobError {
    /// The glob is empty (policy-controller: "missing field(s): glob").
    #[error("glob is empty")]
    Empty,
    /// Longer than [`MAX_GLOB_LEN`] bytes.
    #[error("glob is {len} bytes long, more than {MAX_GLOB_LEN}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A character outside `[a-zA-Z0-9-_:/*.@]`.
    #[error("invalid glob {glob:?}: character {character:?} is not one of [a-zA-Z0-9-_:/*.@]")]
    InvalidCharacter {
        /// The glob (cut to 128 characters).
        glob: String,
        /// The first character refused.
        character: char,
    },
    /// The translated expression did not compile (not expected: kept for fail-closed).
    #[error("glob {glob:?} did not compile: {reason}")]
    Compile {
        /// The glob (cut to 128 characters).
        glob: String,
        /// The compiler's reason.
        reason: String,
    },
}

/// A compiled image glob.
///
/// ```
/// use sigchain_policy::cip::Glob;
/// let glob = Glob::compile("registry.example.com/team/**")?;
/// assert_eq!(glob.regex_source(), r"^registry\.example\.com/team/.*$");
/// assert!(glob.matches_admitted("registry.example.com/team/app/api:v2")?);
/// assert!(!glob.matches_admitted("registry.example.com/other/app:v2")?);
///
/// // `*` alone means Docker Hub official images, and `*` runs across the tag.
/// let official = Glob::compile("*")?;
/// assert!(official.matches_admitted("nginx:1.27")?);
/// assert!(!official.matches_admitted("acme/app")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Glob {
    glob: String,
    regex: Regex,
}

impl Glob {
    /// Compile a glob as `glob.Compile` does (see the module docs).
    pub fn compile(glob: &str) -> Result<Self, GlobError> {
        if glob.is_empty() {
            return Err(GlobError::Empty);
        }
        if glob.len() > MAX_GLOB_LEN {
            return Err(GlobError::TooLong { len: glob.len() });
        }
        let rewritten = match glob {
            "*/*" => "index.docker.io/*/*",
            "*" => "index.docker.io/library/*",
            other => other,
        };
        let cut = || glob.chars().take(128).collect::<String>();
        if let Some(character) = rewritten
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || "-_:/*.@".contains(c)))
        {
            return Err(GlobError::InvalidCharacter {
                glob: cut(),
                character,
            });
        }
        let source = format!("^{}$", translate(rewritten));
        let regex = RegexBuilder::new(&source)
            .size_limit(1 << 22)
            .build()
            .map_err(|e| GlobError::Compile {
                glob: cut(),
                reason: e.to_string(),
            })?;
        Ok(Glob {
            glob: glob.to_owned(),
            regex,
        })
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.glob
    }

    /// The anchored regular expression the glob compiled to (upstream's, character for
    /// character).
    pub fn regex_source(&self) -> &str {
        self.regex.as_str()
    }

    /// Whether the compiled expression matches `text` as it is, with no parsing.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Whether the glob matches a parsed name (its [`ImageName::name`]).
    pub fn matches_name(&self, name: &ImageName) -> bool {
        self.is_match(&name.name())
    }

    /// `glob.Match`: the normalised name, then (deprecated upstream) the text as written.
    /// An image go-containerregistry cannot parse is an error, never a match.
    pub fn matches(&self, image: &str) -> Result<bool, ImageNameError> {
        let name = ImageName::parse(image)?.name();
        Ok(self.is_match(&name) || (name != image && self.is_match(image)))
    }

    /// What policy-controller's admission webhook does with a container image: parse it,
    /// then `glob.Match` the normalised name, so the fallback to the text as written never
    /// applies (normalising a normalised name changes nothing).
    pub fn matches_admitted(&self, image: &str) -> Result<bool, ImageNameError> {
        Ok(self.matches_name(&ImageName::parse(image)?))
    }
}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Glob")
            .field("glob", &self.glob)
            .field("regex", &self.regex.as_str())
            .finish()
    }
}

impl PartialEq for Glob {
    fn eq(&self, other: &Self) -> bool {
        self.glob == other.glob
    }
}

impl Eq for Glob {}

/// Upstream's replacement sequence: `.` → `\.`, `**` → placeholder, `*` → `[^/]*`,
/// placeholder → `.*`. Replacements are left to right and non-overlapping, so `***` is
/// `.*[^/]*`. The placeholder (`#`) cannot occur in a valid glob.
fn translate(glob: &str) -> String {
    glob.replace('.', r"\.")
        .replace("**", "#")
        .replace('*', "[^/]*")
        .replace('#', ".*")
}
