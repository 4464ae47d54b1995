//! The image string Kyverno matches `imageReferences` against.
//!
//! Kyverno does **not** match the image as written in the pod spec, nor the fully normalised
//! reference Docker tooling uses (`docker.io/library/nginx:latest`). It matches
//! `ImageInfo.String()` (`pkg/utils/image/infos.go`), built by `GetImageInfo` with Kyverno's
//! default configuration (`pkg/config/config.go`: `defaultRegistry: docker.io`,
//! `enableDefaultRegistryMutation: true`):
//!
//! 1. `addDefaultRegistry`: if the image has no `/`, or its first `/`-separated component has
//!    neither `.` nor `:`, is not `localhost` and is all lowercase, `docker.io/` is put in
//!    front. Otherwise the first component is the registry, **as written**: `index.docker.io`
//!    stays `index.docker.io`.
//! 2. The result is parsed with `distribution/reference.Parse`, which does **not** add
//!    `library/`: `nginx` is `docker.io/nginx`, while `docker.io/library/nginx` stays as is.
//! 3. A reference with neither tag nor digest gets the tag `latest`.
//! 4. The string is `registry/path@digest` when there is a digest (a tag written beside the
//!    digest is **dropped**), else `registry/path:tag`.
//!
//! | written in the pod spec | Kyverno's string |
//! |---|---|
//! | `nginx` | `docker.io/nginx:latest` |
//! | `library/nginx:1.25` | `docker.io/library/nginx:1.25` |
//! | `registry.example/acme/app:v1@sha256:…` | `registry.example/acme/app@sha256:…` |
//! | `localhost:5000/app` | `localhost:5000/app:latest` |
//!
//! So a pattern must be written against that string: `docker.io/nginx:*` matches `nginx:1.25`
//! but not `docker.io/library/nginx:1.25`. The image must still be a valid reference; it is
//! checked with [`sigchain_oci::reference::Reference`], which refuses a few names upstream
//! reads leniently (a first component like `foo_bar.com` that looks like a host but is not
//! one): those are refused here, never matched.

use sigchain_oci::reference::{Reference, ReferenceError, DEFAULT_REGISTRY, DEFAULT_TAG};

/// An image as Kyverno sees it: its parsed reference and the string patterns are matched
/// against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KyvernoImage {
    reference: Reference,
    registry: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl KyvernoImage {
    /// Read an image as written in a pod spec.
    ///
    /// ```
    /// use sigchain_policy::kyverno::image::KyvernoImage;
    /// let image = KyvernoImage::parse("nginx")?;
    /// assert_eq!(image.match_string(), "docker.io/nginx:latest");
    /// assert_eq!(image.reference().to_string(), "docker.io/library/nginx:latest");
    /// # Ok::<(), sigchain_oci::reference::ReferenceError>(())
    /// ```
    pub fn parse(image: &str) -> Result<Self, ReferenceError> {
        let reference = Reference::parse(image)?;
        // `Reference::parse` accepted the text, so the splits below see a well-formed name.
        let (registry, rest) = match image.split_once('/') {
            Some((first, rest)) if names_registry(first) => (first.to_owned(), rest),
            _ => (DEFAULT_REGISTRY.to_owned(), image),
        };
        let (name_and_tag, digest) = match rest.split_once('@') {
            Some((before, digest)) => (before, Some(digest.to_owned())),
            None => (rest, None),
        };
        let (path, tag) = match name_and_tag.split_once(':') {
            Some((path, tag)) => (path.to_owned(), Some(tag.to_owned())),
            None => (name_and_tag.to_owned(), None),
        };
        Ok(KyvernoImage {
            reference,
            registry,
            path,
            tag,
            digest,
        })
    }

    /// The string Kyverno matches patterns against (`ImageInfo.String()`).
    pub fn match_string(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => format!("{}/{}@{}", self.registry, self.path, digest),
            (None, Some(tag)) => format!("{}/{}:{}", self.registry, self.path, tag),
            (None, None) => format!("{}/{}:{}", self.registry, self.path, DEFAULT_TAG),
        }
    }

    /// The registry as Kyverno reads it (`docker.io` when none is written; never rewritten).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path as written (no `library/` added).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The normalised reference (`sigchain-oci`), for fetching and pinning.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }
}

/// `addDefaultRegistry`'s test, negated: the first component names a registry.
fn names_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.to_lowercase() != first
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f";

    /// (written, Kyverno's string, why). Cases from `pkg/utils/image/infos_test.go` and the
    /// rules in the module docs.
    fn table() -> Vec<(String, String, &'static str)> {
        vec![
            (
                "nginx".into(),
                "docker.io/nginx:latest".into(),
                "default registry and tag, no library/",
            ),
            (
                "nginx:v10.3".into(),
                "docker.io/nginx:v10.3".into(),
                "tag kept",
            ),
            (
                "docker.io/test/nginx:v10.3".into(),
                "docker.io/test/nginx:v10.3".into(),
                "qualified unchanged",
            ),
            (
                "test/nginx".into(),
                "docker.io/test/nginx:latest".into(),
                "lowercase first component is a path",
            ),
            (
                "library/nginx:1.25".into(),
                "docker.io/library/nginx:1.25".into(),
                "library/ only when written",
            ),
            (
                "docker.io/library/nginx".into(),
                "docker.io/library/nginx:latest".into(),
                "written library/ kept",
            ),
            (
                "index.docker.io/nginx".into(),
                "index.docker.io/nginx:latest".into(),
                "legacy registry name not rewritten",
            ),
            (
                "localhost:4443/test/nginx".into(),
                "localhost:4443/test/nginx:latest".into(),
                "registry with port",
            ),
            (
                "localhost/app".into(),
                "localhost/app:latest".into(),
                "localhost is a registry",
            ),
            (
                "registry.example/acme/app".into(),
                "registry.example/acme/app:latest".into(),
                "dotted host",
            ),
            (
                format!("docker.io/test/centos@{D}"),
                format!("docker.io/test/centos@{D}"),
                "digest form",
            ),
            (
                format!("registry.example/acme/app:v1@{D}"),
                format!("registry.example/acme/app@{D}"),
                "tag dropped beside a digest",
            ),
            (
                format!("nginx@{D}"),
                format!("docker.io/nginx@{D}"),
                "default registry with digest",
            ),
            (
                "[::1]:5000/app:v2".into(),
                "[::1]:5000/app:v2".into(),
                "IPv6 registry",
            ),
        ]
    }

    #[test]
    fn match_strings() {
        for (written, expected, why) in table() {
            let image = KyvernoImage::parse(&written).unwrap_or_else(|e| panic!("{written}: {e}"));
            assert_eq!(image.match_string(), expected, "{written}: {why}");
        }
    }

    #[test]
    fn invalid_images_are_refused() {
        for bad in [
            "",
            "++",
            "Nginx",
            "nginx:",
            "registry.example/acme/app@sha256:short",
            "a b",
        ] {
            assert!(KyvernoImage::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reference_is_the_normalised_one() {
        let image = KyvernoImage::parse("nginx:1").unwrap();
        assert_eq!(image.reference().to_string(), "docker.io/library/nginx:1");
        assert_eq!(image.registry(), "docker.io");
        assert_eq!(image.path(), "nginx");
    }
}
