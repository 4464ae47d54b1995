//! JSONPatch (RFC 6902) operations that pin image tags to digests, as Kyverno's
//! `mutateDigest` does.
//!
//! Kyverno (`pkg/engine/internal/utils.go`, `makeAddDigestPatch`) writes one `replace` of the
//! image's pointer whose value is `ImageInfo.String() + "@" + digest`, where `String()`
//! (`pkg/utils/image/infos.go`) is `registry/path:tag`: the tag is kept, `latest` is
//! supplied when none was written, and `docker.io/` is prefixed when the first component does
//! not name a registry (`addDefaultRegistry`, with the default `enableDefaultRegistryMutation:
//! true`). It adds no `library/`. An image already pinned by digest gets no patch
//! (`handleMutateDigest` in `pkg/engine/internal/imageverifier.go`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sigchain_oci::reference::{Digest, Reference, ReferenceError, DEFAULT_REGISTRY, DEFAULT_TAG};

use super::images::{JsonPointer, WorkloadImage};

/// How the pinned image is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinStyle {
    /// Kyverno's form: `docker.io/` prefixed where Kyverno prefixes it, `:latest` added when
    /// no tag was written, then `@digest` (`nginx` becomes `docker.io/nginx:latest@sha256:…`).
    #[default]
    Kyverno,
    /// The image exactly as written with `@digest` appended (`nginx:1.27@sha256:…`).
    AsWritten,
    /// The fully qualified normalized form of [`Reference`]
    /// (`docker.io/library/nginx:latest@sha256:…`).
    FullyQualified,
}

/// One RFC 6902 operation. Only `replace` is ever produced: an image field that is pinned
/// already exists, and `replace` fails (rather than creates) when it does not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum PatchOperation {
    /// Replace the value at `path` with `value`.
    Replace {
        /// Where.
        path: JsonPointer,
        /// The new value.
        value: Value,
    },
}

/// Why an image could not be pinned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The image as written is not a valid reference.
    #[error("image {image:?} is not a valid reference: {source}")]
    BadImage {
        /// The image as written.
        image: String,
        /// Why.
        source: ReferenceError,
    },
    /// The patch could not be serialized (not expected for these types).
    #[error("patch could not be serialized: {reason}")]
    Serialize {
        /// What `serde_json` reported.
        reason: String,
    },
}

/// A JSONPatch document: a list of operations applied in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonPatch(Vec<PatchOperation>);

impl JsonPatch {
    /// Add a `replace` pinning `image` to `digest`; returns whether an operation was added
    /// (an image already pinned by digest is left as it is, as Kyverno does).
    ///
    /// ```
    /// use sigchain_policy::admission::{JsonPatch, JsonPointer, PinStyle, WorkloadImage, ContainerList};
    /// use sigchain_oci::reference::Digest;
    /// let image = WorkloadImage {
    ///     image: "nginx".into(), container_name: Some("web".into()),
    ///     list: ContainerList::Containers, index: 0,
    ///     pointer: JsonPointer::from_segments(["spec", "containers", "0", "image"]),
    /// };
    /// let digest = Digest::parse(&format!("sha256:{}", "0".repeat(64)))?;
    /// let mut patch = JsonPatch::default();
    /// assert!(patch.pin(&image, &digest, PinStyle::Kyverno)?);
    /// assert_eq!(
    ///     String::from_utf8(patch.to_json()?)?,
    ///     format!(r#"[{{"op":"replace","path":"/spec/containers/0/image","value":"docker.io/nginx:latest@{digest}"}}]"#),
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pin(
        &mut self,
        image: &WorkloadImage,
        digest: &Digest,
        style: PinStyle,
    ) -> Result<bool, PatchError> {
        let Some(value) = pinned_image(&image.image, digest, style)? else {
            return Ok(false);
        };
        self.0.push(PatchOperation::Replace {
            path: image.pointer.clone(),
            value: Value::String(value),
        });
        Ok(true)
    }

    /// The operations, in order.
    pub fn operations(&self) -> &[PatchOperation] {
        &self.0
    }

    /// Whether there is nothing to patch (a response then carries no patch).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The patch document as JSON bytes (what the response's `patch` encodes in base64).
    pub fn to_json(&self) -> Result<Vec<u8>, PatchError> {
        serde_json::to_vec(&self.0).map_err(|error| PatchError::Serialize {
            reason: error.to_string(),
        })
    }
}

/// `written` pinned to `digest` in `style`, or `None` when it names a digest already.
///
/// ```
/// use sigchain_policy::admission::PinStyle;
/// use sigchain_oci::reference::Digest;
/// let digest = Digest::parse(&format!("sha256:{}", "1".repeat(64)))?;
/// let pin = |image: &str, style| sigchain_policy::admission::pinned_image(image, &digest, style);
/// assert_eq!(pin("registry.example/acme/app:v1", PinStyle::Kyverno)?, Some(format!("registry.example/acme/app:v1@{digest}")));
/// assert_eq!(pin("acme/app", PinStyle::AsWritten)?, Some(format!("acme/app@{digest}")));
/// assert_eq!(pin("acme/app", PinStyle::FullyQualified)?, Some(format!("docker.io/acme/app:latest@{digest}")));
/// assert_eq!(pin(&format!("acme/app@{digest}"), PinStyle::Kyverno)?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn pinned_image(
    written: &str,
    digest: &Digest,
    style: PinStyle,
) -> Result<Option<String>, PatchError> {
    let reference = Reference::parse(written).map_err(|source| PatchError::BadImage {
        image: written.to_owned(),
        source,
    })?;
    if reference.is_by_digest() {
        return Ok(None);
    }
    let pinned = match style {
        PinStyle::AsWritten => format!("{written}@{digest}"),
        PinStyle::FullyQualified => reference.with_digest(digest.clone()).to_string(),
        PinStyle::Kyverno => {
            let mut out = String::new();
            if needs_default_registry(written) {
                out.push_str(DEFAULT_REGISTRY);
                out.push('/');
            }
            out.push_str(written);
            // A path holds no ':', so a ':' after the last '/' starts the tag.
            let last = written.rsplit('/').next().unwrap_or(written);
            if !last.contains(':') {
                out.push(':');
                out.push_str(DEFAULT_TAG);
            }
            out.push('@');
            out.push_str(&digest.to_string());
            out
        }
    };
    Ok(Some(pinned))
}

/// Kyverno's `addDefaultRegistry` (`pkg/utils/image/infos.go`): the default registry is
/// prefixed unless the first of several components contains `.` or `:`, is `localhost`, or
/// is not all lowercase.
fn needs_default_registry(name: &str) -> bool {
    match name.split_once('/') {
        None => true,
        Some((first, _)) => {
            !first.contains(['.', ':']) && first != "localhost" && first.to_lowercase() == first
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (written, Kyverno's pinned form without the digest, why) — from `addDefaultRegistry`
    /// and `ImageInfo.String` in Kyverno's `pkg/utils/image/infos.go`.
    const KYVERNO_FORMS: &[(&str, &str, &str)] = &[
        (
            "nginx",
            "docker.io/nginx:latest",
            "one component: registry prefixed, no library/, latest",
        ),
        ("nginx:1.27", "docker.io/nginx:1.27", "tag kept"),
        (
            "acme/app:v1",
            "docker.io/acme/app:v1",
            "lowercase first component without . or : is a path",
        ),
        (
            "registry.example/acme/app",
            "registry.example/acme/app:latest",
            "a dot names a registry",
        ),
        (
            "localhost/app:dev",
            "localhost/app:dev",
            "localhost names a registry",
        ),
        (
            "localhost:5000/app",
            "localhost:5000/app:latest",
            "a port names a registry; its ':' is not a tag",
        ),
        (
            "Registry/app:1",
            "Registry/app:1",
            "an uppercase first component is not lowercase: no prefix",
        ),
        (
            "index.docker.io/library/nginx:1",
            "index.docker.io/library/nginx:1",
            "written registry kept as written",
        ),
        (
            "docker.io/library/alpine:3.20",
            "docker.io/library/alpine:3.20",
            "fully qualified stays",
        ),
        (
            "[::1]:5000/app:v2",
            "[::1]:5000/app:v2",
            "IPv6 registry with port",
        ),
    ];

    #[test]
    fn kyverno_pin_forms() {
        let digest = Digest::parse(&format!("sha256:{}", "7".repeat(64))).expect("digest");
        for (written, expected, why) in KYVERNO_FORMS {
            assert_eq!(
                pinned_image(written, &digest, PinStyle::Kyverno).expect(why),
                Some(format!("{expected}@{digest}")),
                "{written}: {why}"
            );
        }
    }

    #[test]
    fn pinned_images_are_left_alone_in_every_style() {
        let digest = Digest::parse(&format!("sha256:{}", "7".repeat(64))).expect("digest");
        let written = format!("nginx:1.27@{digest}");
        for style in [
            PinStyle::Kyverno,
            PinStyle::AsWritten,
            PinStyle::FullyQualified,
        ] {
            assert_eq!(
                pinned_image(&written, &digest, style),
                Ok(None),
                "{style:?}"
            );
        }
    }
}
