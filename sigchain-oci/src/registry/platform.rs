//! Platforms (`linux/amd64`, `linux/arm64/v8`) and the choice of one manifest from an image
//! index or Docker manifest list.

use std::fmt;
use std::str::FromStr;

use oci_spec::image::{Descriptor, ImageIndex};

use super::RegistryError;
use crate::layout::ManifestKind;

/// An operating system, architecture and optional CPU variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    /// `linux`, `windows`, … (GOOS values).
    pub os: String,
    /// `amd64`, `arm64`, `arm`, … (GOARCH values).
    pub architecture: String,
    /// `v7`, `v8`, … if named.
    pub variant: Option<String>,
}

/// Why a platform string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not os/architecture[/variant]")]
pub struct PlatformError(pub String);

impl Platform {
    /// Parse `os/architecture[/variant]`.
    ///
    /// ```
    /// use sigchain_oci::registry::Platform;
    /// let p = Platform::parse("linux/arm64/v8")?;
    /// assert_eq!((p.os.as_str(), p.architecture.as_str(), p.variant.as_deref()), ("linux", "arm64", Some("v8")));
    /// assert_eq!(p.to_string(), "linux/arm64/v8");
    /// assert!(Platform::parse("linux").is_err());
    /// # Ok::<(), sigchain_oci::registry::PlatformError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Platform, PlatformError> {
        let bad = || PlatformError(text.chars().take(64).collect());
        let part = |s: &str| {
            (!s.is_empty()
                && s.len() <= 32
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'))
            .then(|| s.to_ascii_lowercase())
        };
        let mut parts = text.split('/');
        let os = parts.next().and_then(part).ok_or_else(bad)?;
        let architecture = parts.next().and_then(part).ok_or_else(bad)?;
        let variant = match parts.next() {
            None => None,
            Some(v) => Some(part(v).ok_or_else(bad)?),
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Platform {
            os,
            architecture,
            variant,
        })
    }

    /// This platform with the default variant made explicit, as containerd normalises:
    /// `arm64` is `v8` unless said otherwise.
    fn normalized_variant(&self) -> Option<&str> {
        match (self.architecture.as_str(), self.variant.as_deref()) {
            ("arm64", None) => Some("v8"),
            (_, variant) => variant,
        }
    }

    fn of_descriptor(descriptor: &Descriptor) -> Option<Platform> {
        let platform = descriptor.platform().as_ref()?;
        Some(Platform {
            os: platform.os().to_string(),
            architecture: platform.architecture().to_string(),
            variant: platform.variant().clone(),
        })
    }

    /// Whether a manifest for `offered` runs here: same OS and architecture, and the same
    /// variant when this platform names one.
    pub fn matches(&self, offered: &Platform) -> bool {
        self.os == offered.os
            && self.architecture == offered.architecture
            && (self.variant.is_none() || self.normalized_variant() == offered.normalized_variant())
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = PlatformError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Platform::parse(text)
    }
}

/// The descriptor of the first image manifest in `index` for `wanted` (entries that are not
/// image manifests, such as attestation indexes, are skipped).
pub fn select_manifest<'a>(
    index: &'a ImageIndex,
    wanted: &Platform,
) -> Result<&'a Descriptor, RegistryError> {
    let images = index.manifests().iter().filter(|d| {
        ManifestKind::from_media_type(d.media_type().as_ref()).is_some_and(|k| !k.is_index())
    });
    let mut available = Vec::new();
    for descriptor in images {
        if let Some(offered) = Platform::of_descriptor(descriptor) {
            if wanted.matches(&offered) {
                return Ok(descriptor);
            }
            available.push(offered.to_string());
        }
    }
    Err(RegistryError::NoPlatformMatch {
        wanted: wanted.to_string(),
        available: if available.is_empty() {
            "no platforms".to_owned()
        } else {
            available.join(", ")
        },
    })
}
