//! cosign's tag-scheme manifests: one image manifest per image and kind, tagged
//! `sha256-<hex>.sig` or `.att`, one layer per signature. Adding a signature rewrites the
//! manifest with the layer appended (read-modify-write, as cosign does; the last writer wins
//! a race), unless the same layer with the same annotations is already there.
//!
//! The manifest is what go-containerregistry makes from its empty image: OCI media types, a
//! config listing each layer's digest as a diff id with an empty history entry. Readers only
//! need the layers; the config keeps registries and tools that inspect it content.

use std::collections::BTreeMap;

use oci_spec::image::MediaType;
use serde::Serialize;

use super::layer::{LayerKind, SignatureLayer};
use super::wire::{WireDescriptor, WireManifest, OCI_CONFIG, OCI_MANIFEST};
use super::{CosignError, StorageLimits};
use crate::cosign_tags::{attestation_tag, signature_tag};
use crate::reference::{Digest, Tag};
use crate::store::{ArtifactStore, ManifestRef, StoredManifest};

/// The tag cosign keeps `kind` layers for `image` under.
pub fn tag_for(kind: LayerKind, image: &Digest) -> Result<Tag, CosignError> {
    Ok(match kind {
        LayerKind::Signature => signature_tag(image)?,
        LayerKind::Attestation => attestation_tag(image)?,
    })
}

/// The config go-containerregistry writes for an image of these layers.
pub fn config_for(layers: &[WireDescriptor]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Config<'a> {
        architecture: &'a str,
        created: &'a str,
        history: Vec<History<'a>>,
        os: &'a str,
        rootfs: RootFs<'a>,
        config: BTreeMap<String, String>,
    }
    #[derive(Serialize)]
    struct History<'a> {
        created: &'a str,
    }
    #[derive(Serialize)]
    struct RootFs<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        diff_ids: Vec<&'a str>,
    }
    const ZERO_TIME: &str = "0001-01-01T00:00:00Z";
    let config = Config {
        architecture: "",
        created: ZERO_TIME,
        history: layers
            .iter()
            .map(|_| History { created: ZERO_TIME })
            .collect(),
        os: "",
        rootfs: RootFs {
            kind: "layers",
            diff_ids: layers.iter().map(|l| l.digest.as_str()).collect(),
        },
        config: BTreeMap::new(),
    };
    serde_json::to_vec(&config).unwrap_or_default()
}

/// What appending a layer makes: the new manifest and its config, or nothing when the layer is
/// already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The manifest with the layer appended.
    pub manifest: WireManifest,
    /// Its config blob.
    pub config: Vec<u8>,
}

/// Append `layer` to `existing` (or to a new manifest). `None` when a layer with the same
/// digest and annotations is already listed (cosign's de-duplication). Fails past
/// [`StorageLimits::max_layers`].
pub fn append_layer(
    existing: Option<&WireManifest>,
    layer: &WireDescriptor,
    limits: &StorageLimits,
) -> Result<Option<Appended>, CosignError> {
    let mut layers = existing.map(|m| m.layers.clone()).unwrap_or_default();
    if layers
        .iter()
        .any(|l| l.digest == layer.digest && l.annotations == layer.annotations)
    {
        return Ok(None);
    }
    if layers.len() >= limits.max_layers {
        return Err(CosignError::TooMany {
            what: "signature manifest layers",
            count: layers.len() + 1,
            limit: limits.max_layers,
        });
    }
    layers.push(layer.clone());
    let config = config_for(&layers);
    let manifest = WireManifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.to_owned()),
        artifact_type: None,
        config: WireDescriptor::of(OCI_CONFIG, &config),
        layers,
        annotations: existing.and_then(|m| m.annotations.clone()),
        subject: None,
    };
    Ok(Some(Appended { manifest, config }))
}

/// What [`attach`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attached {
    /// The manifest was written with the layer appended; its digest.
    Written(Digest),
    /// The same layer was already stored; nothing was written.
    AlreadyPresent,
}

/// Store `layer` under `image`'s `.sig` or `.att` tag, appending to what is there.
pub async fn attach<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    layer: &SignatureLayer,
    limits: &StorageLimits,
) -> Result<Attached, CosignError> {
    let tag = tag_for(layer.kind, image)?;
    let existing = match store.manifest(&ManifestRef::Tag(tag.clone())).await? {
        Some(stored) => Some(WireManifest::parse(&stored.bytes, limits)?),
        None => None,
    };
    let descriptor = layer.descriptor();
    let Some(appended) = append_layer(existing.as_ref(), &descriptor, limits)? else {
        return Ok(Attached::AlreadyPresent);
    };
    store
        .put_blob(
            MediaType::from(layer.kind.media_type()),
            layer.content.clone(),
        )
        .await?;
    store
        .put_blob(MediaType::ImageConfig, appended.config)
        .await?;
    let bytes = appended.manifest.to_json();
    let written = store
        .put_manifest(MediaType::ImageManifest, bytes, Some(&tag))
        .await?;
    Ok(Attached::Written(
        WireDescriptor::from_oci(&written).parsed_digest()?,
    ))
}

/// The layers read from a tag-scheme manifest.
#[derive(Debug)]
pub struct TaggedLayers {
    /// The tag read.
    pub tag: Tag,
    /// The manifest's digest (of its bytes as served).
    pub manifest_digest: Digest,
    /// Each layer read, in manifest order, with its position; a layer that could not be read
    /// is an error in its place, not a failure of the others.
    pub layers: Vec<(usize, Result<SignatureLayer, CosignError>)>,
    /// Layers past [`StorageLimits::max_layers`], not fetched.
    pub omitted: usize,
}

/// Read the `.sig` or `.att` layers of `image`; `None` when the tag does not exist.
pub async fn read<S: ArtifactStore>(
    store: &S,
    kind: LayerKind,
    image: &Digest,
    limits: &StorageLimits,
) -> Result<Option<TaggedLayers>, CosignError> {
    let tag = tag_for(kind, image)?;
    let Some(stored) = store.manifest(&ManifestRef::Tag(tag.clone())).await? else {
        return Ok(None);
    };
    let (manifest_digest, manifest) = parse_stored(&stored, limits)?;
    let omitted = manifest.layers.len().saturating_sub(limits.max_layers);
    let mut layers = Vec::new();
    for (position, descriptor) in manifest.layers.iter().take(limits.max_layers).enumerate() {
        let layer = read_layer(store, descriptor, limits).await;
        layers.push((position, layer));
    }
    Ok(Some(TaggedLayers {
        tag,
        manifest_digest,
        layers,
        omitted,
    }))
}

fn parse_stored(
    stored: &StoredManifest,
    limits: &StorageLimits,
) -> Result<(Digest, WireManifest), CosignError> {
    Ok((
        stored.digest.clone(),
        WireManifest::parse(&stored.bytes, limits)?,
    ))
}

/// Fetch a blob no larger than `limit`, checked by the store against its descriptor.
pub(crate) async fn fetch_bounded<S: ArtifactStore>(
    store: &S,
    what: &'static str,
    descriptor: &WireDescriptor,
    limit: u64,
) -> Result<Vec<u8>, CosignError> {
    if descriptor.size > limit {
        return Err(CosignError::TooLarge {
            what,
            size: descriptor.size,
            limit,
        });
    }
    Ok(store.blob(&descriptor.to_oci()?).await?)
}

/// Fetch one signature layer (media type checked first, size bounded).
pub(crate) async fn read_layer<S: ArtifactStore>(
    store: &S,
    descriptor: &WireDescriptor,
    limits: &StorageLimits,
) -> Result<SignatureLayer, CosignError> {
    // Refuse the media type before fetching anything.
    SignatureLayer::from_stored(descriptor, Vec::new())?;
    let content =
        fetch_bounded(store, "signature layer", descriptor, limits.max_layer_bytes).await?;
    SignatureLayer::from_stored(descriptor, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(seed: &str) -> WireDescriptor {
        let mut d = WireDescriptor::of(super::super::SIMPLE_SIGNING_MEDIA_TYPE, seed.as_bytes());
        d.annotations = Some(BTreeMap::from([("k".to_owned(), seed.to_owned())]));
        d
    }

    #[test]
    fn the_config_is_go_containerregistrys() {
        let config = config_for(&[WireDescriptor::of("x", b"payload")]);
        // cosign's one-signature `.sig` configs are 233 bytes.
        assert_eq!(config.len(), 233);
        let text = String::from_utf8(config).unwrap();
        assert!(text.starts_with(r#"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["sha256:"#));
        assert!(text.ends_with(r#""]},"config":{}}"#));
    }

    #[test]
    fn appending_deduplicates_by_digest_and_annotations() {
        let limits = StorageLimits::DEFAULT;
        let first = append_layer(None, &layer("a"), &limits).unwrap().unwrap();
        assert!(append_layer(Some(&first.manifest), &layer("a"), &limits)
            .unwrap()
            .is_none());
        // Same content, other annotations (another certificate): a new signature.
        let mut other = layer("a");
        other.annotations = Some(BTreeMap::from([("k".to_owned(), "b".to_owned())]));
        let second = append_layer(Some(&first.manifest), &other, &limits)
            .unwrap()
            .unwrap();
        assert_eq!(second.manifest.layers.len(), 2);
        assert_eq!(
            second.manifest.config,
            WireDescriptor::of(OCI_CONFIG, &second.config)
        );
        let parsed = WireManifest::parse(&second.manifest.to_json(), &limits).unwrap();
        assert_eq!(parsed, second.manifest);
    }
}
