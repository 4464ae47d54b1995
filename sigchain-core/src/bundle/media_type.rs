//! Bundle media types and the format versions they name.
//!
//! protobuf-specs `sigstore_bundle.proto`: v0.3 bundles MUST be written as
//! `application/vnd.dev.sigstore.bundle.v0.3+json`, and clients must also accept the older
//! `application/vnd.dev.sigstore.bundle+json;version=0.1|0.2|0.3` spelling. Nothing else is a
//! bundle we know how to read: a newer version may change what the fields mean, so it is
//! refused rather than guessed at.

/// The `+json;version=` spelling of v0.1.
pub const MEDIA_TYPE_V0_1: &str = "application/vnd.dev.sigstore.bundle+json;version=0.1";
/// The `+json;version=` spelling of v0.2.
pub const MEDIA_TYPE_V0_2: &str = "application/vnd.dev.sigstore.bundle+json;version=0.2";
/// The older `+json;version=` spelling of v0.3, still accepted on input.
pub const MEDIA_TYPE_V0_3_LEGACY: &str = "application/vnd.dev.sigstore.bundle+json;version=0.3";
/// The spelling v0.3 bundles are written with.
pub const MEDIA_TYPE_V0_3: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

const BUNDLE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";

/// A bundle format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BundleVersion {
    /// v0.1: every log entry carries an inclusion promise (SET); proofs are optional.
    V0_1,
    /// v0.2: every log entry carries an inclusion proof with a checkpoint.
    V0_2,
    /// v0.3: as v0.2, and a signing certificate travels alone, not as a chain.
    V0_3,
}

impl BundleVersion {
    /// The media type a new bundle of this version is written with.
    pub const fn media_type(self) -> &'static str {
        match self {
            BundleVersion::V0_1 => MEDIA_TYPE_V0_1,
            BundleVersion::V0_2 => MEDIA_TYPE_V0_2,
            BundleVersion::V0_3 => MEDIA_TYPE_V0_3,
        }
    }

    /// The version as written in a media type, e.g. `"0.3"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BundleVersion::V0_1 => "0.1",
            BundleVersion::V0_2 => "0.2",
            BundleVersion::V0_3 => "0.3",
        }
    }
}

impl std::fmt::Display for BundleVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}", self.as_str())
    }
}

/// What a media type string turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MediaTypeMatch {
    /// A known spelling of a supported version (the spelling kept for round-tripping).
    Known(BundleVersion, &'static str),
    /// A bundle media type, but of a version we do not support.
    UnsupportedVersion(String),
    /// Not a Sigstore bundle media type at all.
    NotABundle,
}

/// Classify a media type string: exact match against the four accepted spellings, and
/// otherwise recognise the two bundle spellings to report the version that was refused.
pub(crate) fn classify(media_type: &str) -> MediaTypeMatch {
    for (spelling, version) in [
        (MEDIA_TYPE_V0_1, BundleVersion::V0_1),
        (MEDIA_TYPE_V0_2, BundleVersion::V0_2),
        (MEDIA_TYPE_V0_3_LEGACY, BundleVersion::V0_3),
        (MEDIA_TYPE_V0_3, BundleVersion::V0_3),
    ] {
        if media_type == spelling {
            return MediaTypeMatch::Known(version, spelling);
        }
    }
    let Some(rest) = media_type.strip_prefix(BUNDLE_PREFIX) else {
        return MediaTypeMatch::NotABundle;
    };
    let version = rest.strip_prefix("+json;version=").or_else(|| {
        rest.strip_prefix(".v")
            .and_then(|tail| tail.strip_suffix("+json"))
    });
    match version {
        Some(v) if !v.is_empty() => MediaTypeMatch::UnsupportedVersion(v.to_owned()),
        _ => MediaTypeMatch::NotABundle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exactly_the_four_spellings() {
        assert_eq!(
            classify(MEDIA_TYPE_V0_1),
            MediaTypeMatch::Known(BundleVersion::V0_1, MEDIA_TYPE_V0_1)
        );
        assert_eq!(
            classify(MEDIA_TYPE_V0_2),
            MediaTypeMatch::Known(BundleVersion::V0_2, MEDIA_TYPE_V0_2)
        );
        assert_eq!(
            classify(MEDIA_TYPE_V0_3_LEGACY),
            MediaTypeMatch::Known(BundleVersion::V0_3, MEDIA_TYPE_V0_3_LEGACY)
        );
        assert_eq!(
            classify(MEDIA_TYPE_V0_3),
            MediaTypeMatch::Known(BundleVersion::V0_3, MEDIA_TYPE_V0_3)
        );
    }

    #[test]
    fn refuses_other_versions_and_types() {
        assert_eq!(
            classify("application/vnd.dev.sigstore.bundle+json;version=99.9"),
            MediaTypeMatch::UnsupportedVersion("99.9".into())
        );
        assert_eq!(
            classify("application/vnd.dev.sigstore.bundle.v0.4+json"),
            MediaTypeMatch::UnsupportedVersion("0.4".into())
        );
        // No producer ever wrote v0.1/v0.2 in the `.vX+json` spelling.
        assert_eq!(
            classify("application/vnd.dev.sigstore.bundle.v0.1+json"),
            MediaTypeMatch::UnsupportedVersion("0.1".into())
        );
        assert_eq!(classify(""), MediaTypeMatch::NotABundle);
        assert_eq!(
            classify("application/vnd.dev.sigstore.trustedroot+json;version=0.1"),
            MediaTypeMatch::NotABundle
        );
        assert_eq!(
            classify("application/vnd.dev.sigstore.bundle+json;version=0.1 "),
            MediaTypeMatch::UnsupportedVersion("0.1 ".into())
        );
    }

    #[test]
    fn new_bundles_use_the_current_spelling() {
        assert_eq!(BundleVersion::V0_3.media_type(), MEDIA_TYPE_V0_3);
        assert_eq!(BundleVersion::V0_1.to_string(), "v0.1");
    }
}
