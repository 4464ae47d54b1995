//! The JSON of the manifests and indexes signature storage writes and reads, with ordered
//! annotations so the same content always makes the same bytes (and so the same digest), in
//! the field order go-containerregistry writes. Parsing is bounded and ignores unknown fields,
//! as registries and other clients add their own.

use std::collections::BTreeMap;

use oci_spec::image::{Descriptor, MediaType};
use serde::{Deserialize, Serialize};

use super::{CosignError, StorageLimits};
use crate::reference::Digest;
use crate::store::StoreError;

/// `application/vnd.oci.image.manifest.v1+json`.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// `application/vnd.oci.image.index.v1+json`.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// `application/vnd.oci.image.config.v1+json`: the config media type of cosign's tag-scheme
/// manifests.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// `application/vnd.oci.empty.v1+json`: the config of an artifact manifest (image-spec 1.1).
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The empty descriptor's content, `{}`.
pub const EMPTY_JSON: &[u8] = b"{}";

/// A descriptor as signature storage writes and reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireDescriptor {
    /// The content's media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its digest, `alg:hex`.
    pub digest: String,
    /// Annotations, ordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// For a referrer: its artifact type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl WireDescriptor {
    /// The descriptor of `content`.
    pub fn of(media_type: &str, content: &[u8]) -> WireDescriptor {
        WireDescriptor {
            media_type: media_type.to_owned(),
            size: u64::try_from(content.len()).unwrap_or(u64::MAX),
            digest: Digest::sha256_of(content).to_string(),
            annotations: None,
            artifact_type: None,
        }
    }

    /// The digest, parsed.
    pub fn parsed_digest(&self) -> Result<Digest, CosignError> {
        Digest::parse(&self.digest).map_err(|e| CosignError::BadDescriptor {
            digest: self.digest.clone(),
            reason: e.to_string(),
        })
    }

    /// The `oci_spec` descriptor a store fetches by.
    pub fn to_oci(&self) -> Result<Descriptor, CosignError> {
        let digest: oci_spec::image::Digest =
            self.digest.parse().map_err(|e: oci_spec::OciSpecError| {
                CosignError::BadDescriptor {
                    digest: self.digest.clone(),
                    reason: e.to_string(),
                }
            })?;
        let mut descriptor =
            Descriptor::new(MediaType::from(self.media_type.as_str()), self.size, digest);
        if let Some(annotations) = &self.annotations {
            descriptor.set_annotations(Some(annotations.clone().into_iter().collect()));
        }
        if let Some(artifact_type) = &self.artifact_type {
            descriptor.set_artifact_type(Some(MediaType::from(artifact_type.as_str())));
        }
        Ok(descriptor)
    }

    /// From an `oci_spec` descriptor (as a store returns it).
    pub fn from_oci(descriptor: &Descriptor) -> WireDescriptor {
        WireDescriptor {
            media_type: descriptor.media_type().to_string(),
            size: descriptor.size(),
            digest: descriptor.digest().to_string(),
            annotations: descriptor
                .annotations()
                .as_ref()
                .map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            artifact_type: descriptor.artifact_type().as_ref().map(|t| t.to_string()),
        }
    }

    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }
}

/// An image manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireManifest {
    /// Always 2.
    pub schema_version: u32,
    /// `application/vnd.oci.image.manifest.v1+json` (optional on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The artifact type (image-spec 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The config.
    pub config: WireDescriptor,
    /// The layers.
    #[serde(default)]
    pub layers: Vec<WireDescriptor>,
    /// Manifest annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// The manifest this one refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<WireDescriptor>,
}

/// An image index (the referrers fallback tag's content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireIndex {
    /// Always 2.
    pub schema_version: u32,
    /// `application/vnd.oci.image.index.v1+json` (optional on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The listed manifests.
    #[serde(default)]
    pub manifests: Vec<WireDescriptor>,
    /// Index annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

fn bounded<'a, T: Deserialize<'a>>(
    what: &'static str,
    bytes: &'a [u8],
    limit: usize,
) -> Result<T, CosignError> {
    if bytes.len() > limit {
        return Err(CosignError::TooLarge {
            what,
            size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            limit: u64::try_from(limit).unwrap_or(u64::MAX),
        });
    }
    serde_json::from_slice(bytes).map_err(|source| CosignError::Json { what, source })
}

impl WireManifest {
    /// Parse a manifest, bounded in bytes. Readers cap how many layers they fetch
    /// ([`StorageLimits::max_layers`]) and report the rest.
    pub fn parse(bytes: &[u8], limits: &StorageLimits) -> Result<WireManifest, CosignError> {
        let manifest: WireManifest = bounded("manifest", bytes, limits.max_manifest_bytes)?;
        if manifest.schema_version != 2 {
            return Err(CosignError::SchemaVersion(manifest.schema_version));
        }
        Ok(manifest)
    }

    /// The manifest's bytes.
    pub fn to_json(&self) -> Vec<u8> {
        // Strings, integers and maps of strings always serialize.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl WireIndex {
    /// An empty OCI index.
    pub fn empty() -> WireIndex {
        WireIndex {
            schema_version: 2,
            media_type: Some(OCI_INDEX.to_owned()),
            manifests: Vec::new(),
            annotations: None,
        }
    }

    /// Parse an index, bounded in bytes. Readers cap how many entries they consider
    /// ([`StorageLimits::max_referrers`]) and report the rest.
    pub fn parse(bytes: &[u8], limits: &StorageLimits) -> Result<WireIndex, CosignError> {
        let index: WireIndex = bounded("index", bytes, limits.max_manifest_bytes)?;
        if index.schema_version != 2 {
            return Err(CosignError::SchemaVersion(index.schema_version));
        }
        Ok(index)
    }

    /// The index's bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl From<StoreError> for CosignError {
    fn from(e: StoreError) -> Self {
        CosignError::Store(e)
    }
}
