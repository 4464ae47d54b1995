//! The tags cosign stores signatures, attestations and SBOMs under, and the OCI 1.1
//! referrers tag schema's fallback tag.
//!
//! cosign names what it attaches to the manifest `<alg>:<hex>` by a tag in the same
//! repository: the digest with `:` replaced by `-`, then `.sig`, `.att` or `.sbom`. Registries
//! without the OCI 1.1 referrers API keep a manifest's referrers in an image index tagged
//! `<alg>-<ref>`, where `<ref>` is the encoded digest limited to 64 characters (OCI
//! distribution spec, "Referrers Tag Schema").
//!
//! ```
//! use sigchain_oci::cosign_tags;
//! use sigchain_oci::reference::Reference;
//!
//! let image = Reference::parse("user/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")?;
//! let digest = image.digest().ok_or("not pinned")?;
//! let signatures = image.with_tag(cosign_tags::signature_tag(digest)?);
//! assert_eq!(
//!     signatures.to_string(),
//!     "docker.io/user/app:sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sig",
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::reference::{Digest, ReferenceError, Tag};

/// cosign's tag for the signatures of the manifest `digest`: `<alg>-<hex>.sig`.
///
/// Fails only for a digest too long for a tag (a `sha512` digest makes a 139-character tag;
/// tags have at most 128), which no registry would accept.
pub fn signature_tag(digest: &Digest) -> Result<Tag, ReferenceError> {
    suffixed(digest, "sig")
}

/// cosign's tag for the attestations of the manifest `digest`: `<alg>-<hex>.att`.
///
/// Fails as [`signature_tag`] does.
pub fn attestation_tag(digest: &Digest) -> Result<Tag, ReferenceError> {
    suffixed(digest, "att")
}

/// cosign's tag for the SBOMs attached to the manifest `digest`: `<alg>-<hex>.sbom`.
///
/// Fails as [`signature_tag`] does.
pub fn sbom_tag(digest: &Digest) -> Result<Tag, ReferenceError> {
    suffixed(digest, "sbom")
}

/// The OCI referrers tag schema's tag for the referrers of the manifest `digest`:
/// `<alg>-<ref>`, `<ref>` the hex encoding cut to 64 characters. Always a valid tag.
pub fn referrers_fallback_tag(digest: &Digest) -> Tag {
    let hex = digest.hex();
    let cut = hex.get(..REFERRERS_REF_MAX).unwrap_or(hex);
    let text = format!("{}-{cut}", digest.algorithm());
    // `<alg>-` and at most 64 hex digits: at most 71 word characters and one `-`.
    Tag::new_unchecked(text)
}

/// The referrers tag schema's limit on `<ref>`.
const REFERRERS_REF_MAX: usize = 64;

fn suffixed(digest: &Digest, suffix: &str) -> Result<Tag, ReferenceError> {
    Tag::parse(&format!("{}-{}.{suffix}", digest.algorithm(), digest.hex()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::DigestAlgorithm;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn sha256_tags_are_cosigns() {
        let digest = Digest::parse(&format!("sha256:{HEX}")).unwrap();
        assert_eq!(
            signature_tag(&digest).unwrap().as_str(),
            format!("sha256-{HEX}.sig")
        );
        assert_eq!(
            attestation_tag(&digest).unwrap().as_str(),
            format!("sha256-{HEX}.att")
        );
        assert_eq!(
            sbom_tag(&digest).unwrap().as_str(),
            format!("sha256-{HEX}.sbom")
        );
        assert_eq!(
            referrers_fallback_tag(&digest).as_str(),
            format!("sha256-{HEX}")
        );
    }

    #[test]
    fn sha512_fallback_tag_is_cut_to_64_hex_digits() {
        let digest = Digest::of(DigestAlgorithm::Sha512, b"manifest");
        let tag = referrers_fallback_tag(&digest);
        assert_eq!(tag.as_str(), format!("sha512-{}", &digest.hex()[..64]));
    }

    #[test]
    fn sha512_cosign_tags_would_be_too_long() {
        let digest = Digest::of(DigestAlgorithm::Sha512, b"manifest");
        assert!(matches!(
            signature_tag(&digest),
            Err(ReferenceError::BadTag { .. })
        ));
    }
}
