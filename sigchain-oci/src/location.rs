//! Where an image is: a repository in a registry (`registry/repo:tag`, `repo@sha256:...`), or
//! an OCI image layout on disk (`oci:DIR`, `oci:DIR:TAG`, `oci:DIR@sha256:...`, skopeo's
//! transport syntax).
//!
//! ```
//! use sigchain_oci::location::ImageLocation;
//!
//! let remote: ImageLocation = "alpine:3.20".parse()?;
//! assert!(matches!(remote, ImageLocation::Registry(_)));
//!
//! let local: ImageLocation = "oci:./build/image:v1".parse()?;
//! let ImageLocation::Layout { path, reference } = local else { unreachable!() };
//! assert_eq!(path, std::path::Path::new("./build/image"));
//! assert_eq!(reference.map(|r| r.to_string()).as_deref(), Some("v1"));
//! # Ok::<(), sigchain_oci::location::LocationError>(())
//! ```

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::reference::{Digest, Reference, ReferenceError, Tag};
use crate::store::ManifestRef;

/// The prefix that names an OCI image layout directory rather than a registry.
pub const LAYOUT_PREFIX: &str = "oci:";

/// An image's location: a registry reference or a directory holding an OCI image layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageLocation {
    /// An image in a registry, normalised (`docker.io`, `library/`, `latest` defaults).
    Registry(Reference),
    /// An image in an OCI image layout directory.
    Layout {
        /// The layout's directory.
        path: PathBuf,
        /// The tag (`org.opencontainers.image.ref.name`) or digest naming the image; `None`
        /// for the layout's only image.
        reference: Option<ManifestRef>,
    },
}

/// Why text is not an image location.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    /// Not a valid registry image reference.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// `oci:` with no directory.
    #[error("{text:?}: an OCI layout location needs a directory after `oci:`")]
    EmptyPath {
        /// The text.
        text: String,
    },
    /// The tag or digest after the layout directory is invalid.
    #[error("{text:?}: invalid tag or digest after the layout directory: {reason}")]
    BadLayoutReference {
        /// The text.
        text: String,
        /// Why.
        reason: String,
    },
}

impl ImageLocation {
    /// Parse a location (see the module docs for the forms).
    pub fn parse(text: &str) -> Result<ImageLocation, LocationError> {
        let Some(rest) = text.strip_prefix(LAYOUT_PREFIX) else {
            return Ok(ImageLocation::Registry(Reference::parse(text)?));
        };
        let bad = |reason: String| LocationError::BadLayoutReference {
            text: text.to_owned(),
            reason,
        };
        // A digest contains a colon, so it is found by its `@` first; a tag is what follows
        // the last colon when that is not part of the path (no `/` after it).
        let (path, reference) = if let Some((path, digest)) = rest.rsplit_once('@') {
            let digest = Digest::parse(digest).map_err(|e| bad(e.to_string()))?;
            (path, Some(ManifestRef::Digest(digest)))
        } else {
            match rest.rsplit_once(':') {
                Some((path, tag)) if !tag.contains('/') && !path.is_empty() => {
                    let tag = Tag::parse(tag).map_err(|e| bad(e.to_string()))?;
                    (path, Some(ManifestRef::Tag(tag)))
                }
                _ => (rest, None),
            }
        };
        if path.is_empty() {
            return Err(LocationError::EmptyPath {
                text: text.to_owned(),
            });
        }
        Ok(ImageLocation::Layout {
            path: PathBuf::from(path),
            reference,
        })
    }

    /// Whether the image is named by digest (signing and verifying want that; a tag may
    /// move between resolving it and using it).
    pub fn is_by_digest(&self) -> bool {
        match self {
            ImageLocation::Registry(reference) => reference.is_by_digest(),
            ImageLocation::Layout { reference, .. } => {
                matches!(reference, Some(ManifestRef::Digest(_)))
            }
        }
    }
}

impl FromStr for ImageLocation {
    type Err = LocationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ImageLocation::parse(text)
    }
}

impl fmt::Display for ImageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageLocation::Registry(reference) => reference.fmt(f),
            ImageLocation::Layout { path, reference } => {
                write!(f, "{LAYOUT_PREFIX}{}", path.display())?;
                match reference {
                    Some(ManifestRef::Tag(tag)) => write!(f, ":{tag}"),
                    Some(ManifestRef::Digest(digest)) => write!(f, "@{digest}"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(text: &str) -> (PathBuf, Option<String>) {
        match ImageLocation::parse(text).unwrap() {
            ImageLocation::Layout { path, reference } => (path, reference.map(|r| r.to_string())),
            other => panic!("{text}: not a layout: {other:?}"),
        }
    }

    #[test]
    fn layout_forms() {
        let hex = "a".repeat(64);
        assert_eq!(layout("oci:dir"), (PathBuf::from("dir"), None));
        assert_eq!(
            layout("oci:/tmp/x:v1"),
            (PathBuf::from("/tmp/x"), Some("v1".into()))
        );
        assert_eq!(
            layout(&format!("oci:/tmp/x@sha256:{hex}")),
            (PathBuf::from("/tmp/x"), Some(format!("sha256:{hex}")))
        );
        // A colon followed by a path is part of the path, not a tag.
        assert_eq!(layout("oci:a:b/c"), (PathBuf::from("a:b/c"), None));
    }

    #[test]
    fn bad_layout_locations_are_refused() {
        assert!(matches!(
            ImageLocation::parse("oci:"),
            Err(LocationError::EmptyPath { .. })
        ));
        assert!(matches!(
            ImageLocation::parse("oci:dir@sha256:short"),
            Err(LocationError::BadLayoutReference { .. })
        ));
        assert!(matches!(
            ImageLocation::parse("oci:dir:-bad"),
            Err(LocationError::BadLayoutReference { .. })
        ));
    }

    #[test]
    fn registry_forms_and_display_round_trip() {
        let hex = "b".repeat(64);
        for text in [
            "docker.io/library/alpine:3.20".to_owned(),
            format!("127.0.0.1:5000/app@sha256:{hex}"),
            "oci:dir:v1".to_owned(),
            format!("oci:dir@sha256:{hex}"),
        ] {
            let location = ImageLocation::parse(&text).unwrap();
            assert_eq!(location.to_string(), text);
            assert_eq!(location.is_by_digest(), text.contains('@'));
        }
        assert!(ImageLocation::parse("app/UPPER").is_err());
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics_and_what_parses_prints_back(text in "\\PC{0,80}") {
            if let Ok(location) = ImageLocation::parse(&text) {
                let printed = location.to_string();
                let again = ImageLocation::parse(&printed).expect("a printed location parses");
                proptest::prop_assert_eq!(again, location);
            }
        }

        #[test]
        fn layout_locations_keep_their_directory(dir in "[a-z0-9_./-]{1,40}", tag in "[a-z0-9][a-z0-9._-]{0,20}") {
            let location = ImageLocation::parse(&format!("oci:{dir}:{tag}")).unwrap();
            let ImageLocation::Layout { path, reference } = location else {
                panic!("not a layout");
            };
            proptest::prop_assert_eq!(path, PathBuf::from(&dir));
            proptest::prop_assert_eq!(reference.map(|r| r.to_string()), Some(tag));
        }
    }
}
