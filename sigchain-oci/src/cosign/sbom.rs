//! SBOMs attached with `cosign attach sbom`: one manifest tagged `sha256-<hex>.sbom` whose one
//! layer is the SBOM, its media type naming the format. Unsigned: an attached SBOM is only
//! what the repository says; a signed SBOM is an attestation.

use oci_spec::image::MediaType;

use super::tagged::{config_for, fetch_bounded};
use super::wire::{WireDescriptor, WireManifest, OCI_CONFIG, OCI_MANIFEST};
use super::{CosignError, StorageLimits};
use crate::cosign_tags::sbom_tag;
use crate::reference::{Digest, Tag};
use crate::store::{ArtifactStore, ManifestRef};

/// An SBOM format, by the layer media type cosign writes for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    /// `text/spdx`
    SpdxTagValue,
    /// `text/spdx+json`
    SpdxJson,
    /// `application/vnd.cyclonedx+json`
    CycloneDxJson,
    /// `application/vnd.cyclonedx+xml`
    CycloneDxXml,
    /// `application/vnd.syft+json`
    SyftJson,
}

impl SbomFormat {
    /// The layer media type.
    pub fn media_type(self) -> &'static str {
        match self {
            SbomFormat::SpdxTagValue => "text/spdx",
            SbomFormat::SpdxJson => "text/spdx+json",
            SbomFormat::CycloneDxJson => "application/vnd.cyclonedx+json",
            SbomFormat::CycloneDxXml => "application/vnd.cyclonedx+xml",
            SbomFormat::SyftJson => "application/vnd.syft+json",
        }
    }

    /// The format a layer media type names, if any.
    pub fn from_media_type(media_type: &str) -> Option<SbomFormat> {
        [
            SbomFormat::SpdxTagValue,
            SbomFormat::SpdxJson,
            SbomFormat::CycloneDxJson,
            SbomFormat::CycloneDxXml,
            SbomFormat::SyftJson,
        ]
        .into_iter()
        .find(|f| f.media_type() == media_type)
    }
}

/// An attached SBOM as stored (unverified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedSbom {
    /// The tag it was found under.
    pub tag: Tag,
    /// The manifest's digest.
    pub manifest_digest: Digest,
    /// The layer media type.
    pub media_type: String,
    /// The format, when the media type is one cosign writes.
    pub format: Option<SbomFormat>,
    /// The SBOM's bytes, checked against the layer digest.
    pub content: Vec<u8>,
}

/// Read the SBOM attached to `image`; `None` when there is no `.sbom` tag.
pub async fn read<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    limits: &StorageLimits,
) -> Result<Option<AttachedSbom>, CosignError> {
    let tag = sbom_tag(image)?;
    let Some(stored) = store.manifest(&ManifestRef::Tag(tag.clone())).await? else {
        return Ok(None);
    };
    let manifest = WireManifest::parse(&stored.bytes, limits)?;
    let [layer] = manifest.layers.as_slice() else {
        return Err(CosignError::TooMany {
            what: "SBOM manifest layers (one expected)",
            count: manifest.layers.len(),
            limit: 1,
        });
    };
    let content = fetch_bounded(store, "SBOM", layer, limits.max_sbom_bytes).await?;
    Ok(Some(AttachedSbom {
        tag,
        manifest_digest: stored.digest,
        media_type: layer.media_type.clone(),
        format: SbomFormat::from_media_type(&layer.media_type),
        content,
    }))
}

/// Attach `content` as `image`'s SBOM (replacing any), as `cosign attach sbom` does. Returns
/// the manifest's digest.
pub async fn attach<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    format: SbomFormat,
    content: Vec<u8>,
) -> Result<Digest, CosignError> {
    let tag = sbom_tag(image)?;
    let layer = WireDescriptor::of(format.media_type(), &content);
    let config = config_for(std::slice::from_ref(&layer));
    let manifest = WireManifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.to_owned()),
        artifact_type: None,
        config: WireDescriptor::of(OCI_CONFIG, &config),
        layers: vec![layer],
        annotations: None,
        subject: None,
    };
    store
        .put_blob(MediaType::from(format.media_type()), content)
        .await?;
    store.put_blob(MediaType::ImageConfig, config).await?;
    let written = store
        .put_manifest(MediaType::ImageManifest, manifest.to_json(), Some(&tag))
        .await?;
    WireDescriptor::from_oci(&written).parsed_digest()
}
