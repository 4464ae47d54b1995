//! OCI 1.1 referrers: manifests that name an image as their `subject`, found through the
//! registry's referrers API or, where it has none, through the referrers tag schema's fallback
//! index (an image index tagged `sha256-<hex>` that clients maintain by read-modify-write).
//!
//! A Sigstore bundle is stored here as newer cosign (`--new-bundle-format`) and GitHub
//! artifact attestations store it: an image manifest with `artifactType` the bundle media type,
//! the empty config `{}` (`application/vnd.oci.empty.v1+json`), one layer holding the bundle
//! JSON, and annotations `dev.sigstore.bundle.content`, `dev.sigstore.bundle.predicateType`
//! and `org.opencontainers.image.created`.
//!
//! The fallback index is updated by pure functions; the async ones only move bytes:
//!
//! ```
//! use sigchain_oci::cosign::wire::WireDescriptor;
//! use sigchain_oci::referrers::{add_to_fallback_index, BUNDLE_ARTIFACT_TYPE};
//!
//! let mut referrer = WireDescriptor::of("application/vnd.oci.image.manifest.v1+json", b"{}");
//! referrer.artifact_type = Some(BUNDLE_ARTIFACT_TYPE.to_owned());
//! let index = add_to_fallback_index(None, referrer.clone()).ok_or("a new index")?;
//! assert_eq!(index.manifests.len(), 1);
//! // Listing the same referrer again changes nothing.
//! assert!(add_to_fallback_index(Some(index), referrer).is_none());
//! # Ok::<(), &'static str>(())
//! ```

use std::collections::BTreeMap;

use oci_spec::image::MediaType;
use sigchain_core::bundle::{Bundle, Content, MEDIA_TYPE_V0_3};
use sigchain_core::intoto::Statement;
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;

use crate::cosign::tagged::fetch_bounded;
use crate::cosign::wire::{
    WireDescriptor, WireIndex, WireManifest, EMPTY_JSON, OCI_EMPTY, OCI_MANIFEST,
};
use crate::cosign::{CosignError, StorageLimits};
use crate::cosign_tags::referrers_fallback_tag;
use crate::reference::Digest;
use crate::store::{ArtifactStore, ManifestRef, Referrers};

/// The artifact type of a v0.3 bundle referrer.
pub const BUNDLE_ARTIFACT_TYPE: &str = MEDIA_TYPE_V0_3;
/// What the bundle holds: `dsse-envelope` or `message-signature`.
pub const BUNDLE_CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
/// The in-toto predicate type of a DSSE bundle.
pub const BUNDLE_PREDICATE_TYPE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// When the referrer was made (RFC 3339).
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";
/// cosign's OCI 1.1 ("experimental") signature referrers: simple-signing layers, as in `.sig`.
pub const COSIGN_SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// cosign's attestation referrers: DSSE layers, as in `.att`.
pub const COSIGN_ATTESTATION_ARTIFACT_TYPE: &str = "application/vnd.in-toto+json";
/// cosign's SBOM referrers (`cosign attach sbom` in OCI 1.1 mode).
pub const COSIGN_SBOM_ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sbom.v1+json";

/// The referrer manifest for `bundle` about `subject`, and the layer it lists (the bundle's
/// JSON). `created` is written as `org.opencontainers.image.created`.
pub fn bundle_referrer(
    bundle: &Bundle,
    subject: WireDescriptor,
    created: Timestamp,
) -> (WireManifest, Vec<u8>) {
    let json = bundle.to_json().into_bytes();
    let mut annotations = BTreeMap::new();
    annotations.insert(CREATED_ANNOTATION.to_owned(), created.to_rfc3339());
    match bundle.content() {
        Content::Dsse(envelope) => {
            annotations.insert(
                BUNDLE_CONTENT_ANNOTATION.to_owned(),
                "dsse-envelope".to_owned(),
            );
            if let Ok(statement) = Statement::from_json(&envelope.payload, &Limits::DEFAULT) {
                annotations.insert(
                    BUNDLE_PREDICATE_TYPE_ANNOTATION.to_owned(),
                    statement.predicate_type,
                );
            }
        }
        Content::MessageSignature(_) => {
            annotations.insert(
                BUNDLE_CONTENT_ANNOTATION.to_owned(),
                "message-signature".to_owned(),
            );
        }
    }
    let manifest = WireManifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.to_owned()),
        artifact_type: Some(BUNDLE_ARTIFACT_TYPE.to_owned()),
        config: WireDescriptor::of(OCI_EMPTY, EMPTY_JSON),
        layers: vec![WireDescriptor::of(bundle.media_type(), &json)],
        annotations: Some(annotations),
        subject: Some(subject),
    };
    (manifest, json)
}

/// The descriptor a referrers list (API or fallback index) gives for `manifest` stored as
/// `bytes`: artifact type (or the config media type) and the manifest's annotations.
pub fn referrer_descriptor(manifest: &WireManifest, bytes: &[u8]) -> WireDescriptor {
    let mut descriptor = WireDescriptor::of(OCI_MANIFEST, bytes);
    descriptor.artifact_type = Some(
        manifest
            .artifact_type
            .clone()
            .unwrap_or_else(|| manifest.config.media_type.clone()),
    );
    descriptor.annotations = manifest.annotations.clone();
    descriptor
}

/// Add `descriptor` to the fallback index (a new one when there is none). `None` when a
/// descriptor of the same digest is already listed.
pub fn add_to_fallback_index(
    existing: Option<WireIndex>,
    descriptor: WireDescriptor,
) -> Option<WireIndex> {
    let mut index = existing.unwrap_or_else(WireIndex::empty);
    if index
        .manifests
        .iter()
        .any(|m| m.digest == descriptor.digest)
    {
        return None;
    }
    index.manifests.push(descriptor);
    Some(index)
}

/// Store `manifest` (a referrer, subject set) and, when the store has no referrers API,
/// list it in the subject's fallback index. Every blob it lists must be stored already.
pub async fn put_referrer<S: ArtifactStore>(
    store: &S,
    manifest: &WireManifest,
    limits: &StorageLimits,
) -> Result<Digest, CosignError> {
    let subject = manifest
        .subject
        .as_ref()
        .ok_or_else(|| CosignError::NotABundleReferrer {
            referrer: "new".into(),
            reason: "no subject".into(),
        })?
        .parsed_digest()?;
    let bytes = manifest.to_json();
    let descriptor = referrer_descriptor(manifest, &bytes);
    let written = store
        .put_manifest(MediaType::ImageManifest, bytes, None)
        .await?;
    let digest = WireDescriptor::from_oci(&written).parsed_digest()?;
    if let Referrers::Unsupported = store.referrers(&subject, None).await? {
        let tag = referrers_fallback_tag(&subject);
        let existing = match store.manifest(&ManifestRef::Tag(tag.clone())).await? {
            Some(stored) => Some(WireIndex::parse(&stored.bytes, limits)?),
            None => None,
        };
        if let Some(index) = add_to_fallback_index(existing, descriptor) {
            store
                .put_manifest(MediaType::ImageIndex, index.to_json(), Some(&tag))
                .await?;
        }
    }
    Ok(digest)
}

/// Store `bundle` as a referrer of the image `image` (which must be in the store).
pub async fn attach_bundle<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    bundle: &Bundle,
    created: Timestamp,
    limits: &StorageLimits,
) -> Result<Digest, CosignError> {
    let stored = store
        .manifest(&ManifestRef::Digest(image.clone()))
        .await?
        .ok_or_else(|| CosignError::ImageNotFound(image.to_string()))?;
    let subject = WireDescriptor::of(&stored.media_type, &stored.bytes);
    let (manifest, json) = bundle_referrer(bundle, subject, created);
    store
        .put_blob(MediaType::EmptyJSON, EMPTY_JSON.to_vec())
        .await?;
    store
        .put_blob(MediaType::from(bundle.media_type()), json)
        .await?;
    put_referrer(store, &manifest, limits).await
}

/// Where a referrers list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferrersSource {
    /// The store's referrers API (or a layout's scan of its manifests).
    Api,
    /// The referrers tag schema's fallback index.
    FallbackTag,
}

/// The referrers of an image, de-duplicated and filtered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferrerList {
    /// Where they were listed.
    pub source: ReferrersSource,
    /// The descriptors, at most [`StorageLimits::max_referrers`].
    pub descriptors: Vec<WireDescriptor>,
    /// Matching descriptors past the limit, not returned.
    pub omitted: usize,
}

/// The referrers of `image`, of `artifact_type` if given: from the API, or from the fallback
/// index when the store has none. Filtered here too, as a registry may ignore the filter.
pub async fn list<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    artifact_type: Option<&str>,
    limits: &StorageLimits,
) -> Result<ReferrerList, CosignError> {
    let (source, listed) = match store.referrers(image, artifact_type).await? {
        Referrers::Listed(listed) => (
            ReferrersSource::Api,
            listed
                .iter()
                .map(WireDescriptor::from_oci)
                .collect::<Vec<_>>(),
        ),
        Referrers::Unsupported => {
            let tag = referrers_fallback_tag(image);
            let listed = match store.manifest(&ManifestRef::Tag(tag)).await? {
                Some(stored) => WireIndex::parse(&stored.bytes, limits)?.manifests,
                None => Vec::new(),
            };
            (ReferrersSource::FallbackTag, listed)
        }
    };
    Ok(filter(source, listed, artifact_type, limits))
}

/// De-duplicate by digest, keep `artifact_type`, cap at the limit (pure).
pub fn filter(
    source: ReferrersSource,
    listed: Vec<WireDescriptor>,
    artifact_type: Option<&str>,
    limits: &StorageLimits,
) -> ReferrerList {
    let mut descriptors: Vec<WireDescriptor> = Vec::new();
    let mut omitted = 0;
    for descriptor in listed {
        if artifact_type.is_some_and(|t| descriptor.artifact_type.as_deref() != Some(t)) {
            continue;
        }
        if descriptors.iter().any(|d| d.digest == descriptor.digest) {
            continue;
        }
        if descriptors.len() >= limits.max_referrers {
            omitted += 1;
            continue;
        }
        descriptors.push(descriptor);
    }
    ReferrerList {
        source,
        descriptors,
        omitted,
    }
}

/// Fetch a referrer's manifest, which must name `image` as its subject: a listing (above all
/// a fallback index, only a tag anyone could have written) is not trusted to say so.
pub async fn read_manifest<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    referrer: &WireDescriptor,
    limits: &StorageLimits,
) -> Result<(Digest, WireManifest), CosignError> {
    let digest = referrer.parsed_digest()?;
    if referrer.size > limits.max_manifest_bytes as u64 {
        return Err(CosignError::TooLarge {
            what: "referrer manifest",
            size: referrer.size,
            limit: limits.max_manifest_bytes as u64,
        });
    }
    let stored = store
        .manifest(&ManifestRef::Digest(digest.clone()))
        .await?
        .ok_or_else(|| CosignError::NotABundleReferrer {
            referrer: digest.to_string(),
            reason: "listed but not stored".into(),
        })?;
    let manifest = WireManifest::parse(&stored.bytes, limits)?;
    let subject = manifest.subject.as_ref().map(|s| s.digest.clone());
    if subject.as_deref() != Some(image.to_string().as_str()) {
        return Err(CosignError::SubjectMismatch {
            referrer: digest.to_string(),
            subject,
            image: image.to_string(),
        });
    }
    Ok((digest, manifest))
}

/// Fetch the bundle a referrer holds: its manifest names `image` as its subject and lists
/// exactly one bundle layer.
pub async fn read_bundle<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    referrer: &WireDescriptor,
    limits: &StorageLimits,
) -> Result<Bundle, CosignError> {
    let (digest, manifest) = read_manifest(store, image, referrer, limits).await?;
    let [layer] = manifest.layers.as_slice() else {
        return Err(CosignError::NotABundleReferrer {
            referrer: digest.to_string(),
            reason: format!("{} layers, one expected", manifest.layers.len()),
        });
    };
    if !layer
        .media_type
        .starts_with("application/vnd.dev.sigstore.bundle")
    {
        return Err(CosignError::NotABundleReferrer {
            referrer: digest.to_string(),
            reason: format!("layer media type {:?}", layer.media_type),
        });
    }
    let json = fetch_bounded(store, "bundle layer", layer, limits.max_layer_bytes).await?;
    Bundle::from_json(&json, &Limits::DEFAULT).map_err(CosignError::Bundle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn descriptor(seed: &str, artifact_type: &str) -> WireDescriptor {
        let mut d = WireDescriptor::of(OCI_MANIFEST, seed.as_bytes());
        d.artifact_type = Some(artifact_type.to_owned());
        d
    }

    #[test]
    fn the_fallback_index_grows_once_per_digest() {
        let a = descriptor("a", BUNDLE_ARTIFACT_TYPE);
        let b = descriptor("b", "application/other");
        let index = add_to_fallback_index(None, a.clone()).unwrap();
        assert_eq!(
            index.media_type.as_deref(),
            Some(crate::cosign::wire::OCI_INDEX)
        );
        let index = add_to_fallback_index(Some(index), b.clone()).unwrap();
        assert!(add_to_fallback_index(Some(index.clone()), a.clone()).is_none());
        assert_eq!(index.manifests, vec![a, b]);
        let limits = StorageLimits::DEFAULT;
        assert_eq!(WireIndex::parse(&index.to_json(), &limits).unwrap(), index);
    }

    #[test]
    fn listing_filters_deduplicates_and_caps() {
        let limits = StorageLimits {
            max_referrers: 2,
            ..StorageLimits::DEFAULT
        };
        let listed = vec![
            descriptor("a", BUNDLE_ARTIFACT_TYPE),
            descriptor("a", BUNDLE_ARTIFACT_TYPE),
            descriptor("b", "application/other"),
            descriptor("c", BUNDLE_ARTIFACT_TYPE),
            descriptor("d", BUNDLE_ARTIFACT_TYPE),
        ];
        let all = filter(ReferrersSource::Api, listed.clone(), None, &limits);
        assert_eq!(all.descriptors.len(), 2);
        assert_eq!(all.omitted, 2);
        let bundles = filter(
            ReferrersSource::Api,
            listed,
            Some(BUNDLE_ARTIFACT_TYPE),
            &limits,
        );
        let digests: Vec<_> = bundles
            .descriptors
            .iter()
            .map(|d| d.digest.clone())
            .collect();
        assert_eq!(
            digests,
            vec![
                Digest::sha256_of(b"a").to_string(),
                Digest::sha256_of(b"c").to_string()
            ]
        );
        assert_eq!(bundles.omitted, 1);
    }

    #[test]
    fn indexes_of_another_schema_version_are_refused() {
        let limits = StorageLimits::DEFAULT;
        assert!(matches!(
            WireIndex::parse(br#"{"schemaVersion":1,"manifests":[]}"#, &limits),
            Err(CosignError::SchemaVersion(1))
        ));
        assert!(WireIndex::parse(br#"{"manifests":[]}"#, &limits).is_err());
    }

    proptest! {
        #[test]
        fn index_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let limits = StorageLimits::DEFAULT;
            if let Ok(index) = WireIndex::parse(&bytes, &limits) {
                let listed = filter(ReferrersSource::FallbackTag, index.manifests, None, &limits);
                prop_assert!(listed.descriptors.len() <= limits.max_referrers);
            }
            let _ = WireManifest::parse(&bytes, &limits);
        }

        #[test]
        fn indexes_round_trip(seeds in proptest::collection::vec("[a-z]{1,8}", 0..10)) {
            let mut index = None;
            for seed in &seeds {
                if let Some(next) = add_to_fallback_index(index.clone(), descriptor(seed, BUNDLE_ARTIFACT_TYPE)) {
                    index = Some(next);
                }
            }
            if let Some(index) = index {
                let limits = StorageLimits::DEFAULT;
                prop_assert_eq!(WireIndex::parse(&index.to_json(), &limits).unwrap(), index);
            }
        }
    }
}
