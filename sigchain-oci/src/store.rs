//! One interface over the two places an image and its signatures live: an OCI image layout on
//! disk and a repository in a registry.
//!
//! Signature storage ([`cosign`](crate) tag scheme, OCI 1.1 referrers) and the sign and verify
//! flows are written once against [`ArtifactStore`]; a store is scoped to one repository,
//! because cosign keeps an image's signatures next to the image.
//!
//! Every implementation checks what it returns: a manifest fetched by digest hashes to that
//! digest, a blob matches its descriptor's size and digest. Callers never see unchecked bytes.

use std::future::Future;

use oci_spec::image::{Descriptor, MediaType, ANNOTATION_REF_NAME};

use crate::layout::{self, LayoutError, OciLayout};
use crate::reference::{Digest, DigestAlgorithm, Tag};

/// What names a manifest in a repository: a tag, or a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManifestRef {
    /// A tag: mutable, resolved by the store.
    Tag(Tag),
    /// A digest: the fetched bytes must hash to it.
    Digest(Digest),
}

impl std::fmt::Display for ManifestRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManifestRef::Tag(tag) => tag.fmt(f),
            ManifestRef::Digest(digest) => digest.fmt(f),
        }
    }
}

/// A manifest as stored: its exact bytes, the media type it was served or listed with, and the
/// digest of those bytes (computed, never taken from the store's word).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredManifest {
    /// The SHA-256 digest of `bytes`.
    pub digest: Digest,
    /// The media type the store gave for it.
    pub media_type: String,
    /// The manifest's bytes, exactly as stored.
    pub bytes: Vec<u8>,
}

impl StoredManifest {
    /// Wrap bytes, computing their digest; if `expected` is given the bytes must hash to it.
    pub fn checked(
        bytes: Vec<u8>,
        media_type: String,
        expected: Option<&Digest>,
    ) -> Result<Self, StoreError> {
        let digest = match expected {
            Some(expected) => {
                expected
                    .verify(&bytes)
                    .map_err(|_| StoreError::DigestMismatch {
                        expected: expected.to_string(),
                        computed: Digest::of(expected.algorithm(), &bytes).to_string(),
                    })?;
                expected.clone()
            }
            None => Digest::of(DigestAlgorithm::Sha256, &bytes),
        };
        Ok(StoredManifest {
            digest,
            media_type,
            bytes,
        })
    }

    /// The descriptor of this manifest.
    pub fn descriptor(&self) -> Result<Descriptor, StoreError> {
        let size = u64::try_from(self.bytes.len()).unwrap_or(u64::MAX);
        Ok(Descriptor::new(
            MediaType::from(self.media_type.as_str()),
            size,
            oci_digest(&self.digest)?,
        ))
    }
}

/// What a store says about the manifests that name a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Referrers {
    /// The store answers referrers queries; these are the descriptors it listed (possibly none),
    /// de-duplicated by digest.
    Listed(Vec<Descriptor>),
    /// The store has no referrers API (a registry answering 404): look under the
    /// referrers fallback tag ([`crate::cosign_tags::referrers_fallback_tag`]) instead.
    Unsupported,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Content did not hash to the digest that named it.
    #[error("content does not match its digest: expected {expected}, computed {computed}")]
    DigestMismatch {
        /// The digest that named the content.
        expected: String,
        /// The digest of what was received.
        computed: String,
    },
    /// A digest the store handed back cannot be used (not SHA-256/512, malformed).
    #[error("unusable digest {digest:?}: {reason}")]
    BadDigest {
        /// The digest text.
        digest: String,
        /// Why.
        reason: String,
    },
    /// The OCI image layout failed.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
}

/// A repository of manifests and blobs: an OCI image layout or a registry repository.
///
/// The methods return `Send` futures so that flows over any store can run on a multi-threaded
/// runtime.
pub trait ArtifactStore {
    /// A human-readable name for messages (`oci:DIR`, `registry/repo`).
    fn describe(&self) -> String;

    /// The manifest `reference` names, or `None` if there is none. By digest, the bytes are
    /// checked to hash to it.
    fn manifest(
        &self,
        reference: &ManifestRef,
    ) -> impl Future<Output = Result<Option<StoredManifest>, StoreError>> + Send;

    /// The blob `descriptor` names, checked against its size and digest.
    fn blob(
        &self,
        descriptor: &Descriptor,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;

    /// Store a blob; returns its descriptor.
    fn put_blob(
        &self,
        media_type: MediaType,
        content: Vec<u8>,
    ) -> impl Future<Output = Result<Descriptor, StoreError>> + Send;

    /// Store a manifest (exactly these bytes), under `tag` if given. Every blob it refers to
    /// must already be stored. Returns the manifest's descriptor.
    fn put_manifest(
        &self,
        media_type: MediaType,
        bytes: Vec<u8>,
        tag: Option<&Tag>,
    ) -> impl Future<Output = Result<Descriptor, StoreError>> + Send;

    /// The manifests whose `subject` is `subject`, optionally only those of `artifact_type`.
    fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> impl Future<Output = Result<Referrers, StoreError>> + Send;
}

/// The `oci_spec` form of a digest.
pub(crate) fn oci_digest(digest: &Digest) -> Result<oci_spec::image::Digest, StoreError> {
    let text = digest.to_string();
    text.parse()
        .map_err(|e: oci_spec::OciSpecError| StoreError::BadDigest {
            digest: text,
            reason: e.to_string(),
        })
}

impl OciLayout {
    fn manifest_now(&self, reference: &ManifestRef) -> Result<Option<StoredManifest>, StoreError> {
        let name = reference.to_string();
        let descriptor = match self.resolve(&name) {
            Ok(descriptor) => descriptor,
            Err(LayoutError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let bytes = self.get_blob(&descriptor)?;
        let expected = match reference {
            ManifestRef::Digest(digest) => Some(digest),
            ManifestRef::Tag(_) => None,
        };
        StoredManifest::checked(bytes, descriptor.media_type().to_string(), expected).map(Some)
    }

    fn referrers_now(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers, StoreError> {
        // A layout has no referrers API: the referrers are the listed image manifests whose
        // subject is `subject`, found by reading each one.
        let subject = subject.to_string();
        let mut found: Vec<Descriptor> = Vec::new();
        for listed in self.manifests()? {
            if found.iter().any(|seen| seen.digest() == listed.digest()) {
                continue;
            }
            let layout::Manifest::Image { manifest, .. } = self.get_manifest(&listed)? else {
                continue;
            };
            let Some(manifest_subject) = manifest.subject() else {
                continue;
            };
            if manifest_subject.digest().as_ref() != subject {
                continue;
            }
            let kind = manifest
                .artifact_type()
                .clone()
                .unwrap_or_else(|| manifest.config().media_type().clone());
            if artifact_type.is_some_and(|wanted| kind.as_ref() != wanted) {
                continue;
            }
            let mut descriptor = Descriptor::new(
                listed.media_type().clone(),
                listed.size(),
                listed.digest().clone(),
            );
            descriptor.set_artifact_type(Some(kind));
            descriptor.set_annotations(manifest.annotations().clone());
            found.push(descriptor);
        }
        Ok(Referrers::Listed(found))
    }
}

impl ArtifactStore for OciLayout {
    fn describe(&self) -> String {
        format!("oci:{}", self.path().display())
    }

    fn manifest(
        &self,
        reference: &ManifestRef,
    ) -> impl Future<Output = Result<Option<StoredManifest>, StoreError>> + Send {
        // Layout reads are small local file reads; doing them in place keeps the crate free of
        // a runtime dependency.
        std::future::ready(self.manifest_now(reference))
    }

    fn blob(
        &self,
        descriptor: &Descriptor,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send {
        std::future::ready(self.get_blob(descriptor).map_err(StoreError::from))
    }

    fn put_blob(
        &self,
        media_type: MediaType,
        content: Vec<u8>,
    ) -> impl Future<Output = Result<Descriptor, StoreError>> + Send {
        std::future::ready(
            OciLayout::put_blob(self, media_type, &content).map_err(StoreError::from),
        )
    }

    fn put_manifest(
        &self,
        _media_type: MediaType,
        bytes: Vec<u8>,
        tag: Option<&Tag>,
    ) -> impl Future<Output = Result<Descriptor, StoreError>> + Send {
        let annotations = tag
            .map(|tag| [(ANNOTATION_REF_NAME.to_owned(), tag.as_str().to_owned())].into())
            .unwrap_or_default();
        std::future::ready(
            OciLayout::put_manifest(self, &bytes, annotations).map_err(StoreError::from),
        )
    }

    fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> impl Future<Output = Result<Referrers, StoreError>> + Send {
        std::future::ready(self.referrers_now(subject, artifact_type))
    }
}

/// The layout's one image, for a location that names none (`oci:DIR`): the single listed
/// manifest that is neither cosign's nor a referrer (no `sha256-...` name, no artifact type).
/// None, or more than one, is an error asking for a tag or digest.
pub fn layout_only_image(layout: &OciLayout) -> Result<ManifestRef, StoreError> {
    let candidates: Vec<Descriptor> = layout
        .manifests()?
        .into_iter()
        .filter(|listed| {
            let name = listed
                .annotations()
                .as_ref()
                .and_then(|a| a.get(ANNOTATION_REF_NAME));
            let cosign_or_fallback = name.is_some_and(|n| n.starts_with("sha256-"));
            !cosign_or_fallback && listed.artifact_type().is_none()
        })
        .collect();
    match candidates.as_slice() {
        [only] => {
            let digest = Digest::parse(only.digest().as_ref()).map_err(|e| StoreError::BadDigest {
                digest: only.digest().to_string(),
                reason: e.to_string(),
            })?;
            Ok(ManifestRef::Digest(digest))
        }
        _ => Err(StoreError::Layout(LayoutError::NotFound {
            name: format!(
                "the one image of {} (it lists {} candidate images: name one as oci:DIR:TAG or oci:DIR@DIGEST)",
                layout.path().display(),
                candidates.len()
            ),
        })),
    }
}

/// One of the stores this crate provides, so callers can choose at run time (a command line's
/// `oci:DIR` or registry reference) and run the generic flows once.
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyStore {
    /// An OCI image layout.
    Layout(OciLayout),
    /// A repository in a registry.
    #[cfg(feature = "client")]
    Registry(crate::client::RegistryRepository),
}

impl ArtifactStore for AnyStore {
    fn describe(&self) -> String {
        match self {
            AnyStore::Layout(store) => store.describe(),
            #[cfg(feature = "client")]
            AnyStore::Registry(store) => store.describe(),
        }
    }

    async fn manifest(
        &self,
        reference: &ManifestRef,
    ) -> Result<Option<StoredManifest>, StoreError> {
        match self {
            AnyStore::Layout(store) => store.manifest(reference).await,
            #[cfg(feature = "client")]
            AnyStore::Registry(store) => store.manifest(reference).await,
        }
    }

    async fn blob(&self, descriptor: &Descriptor) -> Result<Vec<u8>, StoreError> {
        match self {
            AnyStore::Layout(store) => store.blob(descriptor).await,
            #[cfg(feature = "client")]
            AnyStore::Registry(store) => store.blob(descriptor).await,
        }
    }

    async fn put_blob(
        &self,
        media_type: MediaType,
        content: Vec<u8>,
    ) -> Result<Descriptor, StoreError> {
        match self {
            AnyStore::Layout(store) => ArtifactStore::put_blob(store, media_type, content).await,
            #[cfg(feature = "client")]
            AnyStore::Registry(store) => ArtifactStore::put_blob(store, media_type, content).await,
        }
    }

    async fn put_manifest(
        &self,
        media_type: MediaType,
        bytes: Vec<u8>,
        tag: Option<&Tag>,
    ) -> Result<Descriptor, StoreError> {
        match self {
            AnyStore::Layout(store) => {
                ArtifactStore::put_manifest(store, media_type, bytes, tag).await
            }
            #[cfg(feature = "client")]
            AnyStore::Registry(store) => store.put_manifest(media_type, bytes, tag).await,
        }
    }

    async fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers, StoreError> {
        match self {
            AnyStore::Layout(store) => store.referrers(subject, artifact_type).await,
            #[cfg(feature = "client")]
            AnyStore::Registry(store) => store.referrers(subject, artifact_type).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use oci_spec::image::{ImageManifestBuilder, MediaType};

    use super::*;

    /// The layout's futures are ready at once.
    fn now<T>(future: impl Future<Output = T>) -> T {
        let mut future = pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("a layout future was not ready"),
        }
    }

    fn manifest(
        config: Descriptor,
        subject: Option<Descriptor>,
        artifact_type: Option<&str>,
    ) -> Vec<u8> {
        let mut manifest = ImageManifestBuilder::default()
            .schema_version(2u32)
            .media_type(MediaType::ImageManifest)
            .config(config)
            .layers(vec![])
            .build()
            .unwrap();
        manifest.set_subject(subject);
        manifest.set_artifact_type(artifact_type.map(MediaType::from));
        serde_json::to_vec(&manifest).unwrap()
    }

    #[test]
    fn layout_store_round_trips_tags_digests_and_referrers() {
        let dir = tempfile::tempdir().unwrap();
        let layout = OciLayout::create(dir.path()).unwrap();
        let config = now(ArtifactStore::put_blob(
            &layout,
            MediaType::EmptyJSON,
            b"{}".to_vec(),
        ))
        .unwrap();
        let image_bytes = manifest(config.clone(), None, None);
        let tag = Tag::parse("v1").unwrap();
        let image = now(ArtifactStore::put_manifest(
            &layout,
            MediaType::ImageManifest,
            image_bytes.clone(),
            Some(&tag),
        ))
        .unwrap();

        let by_tag = now(layout.manifest(&ManifestRef::Tag(tag)))
            .unwrap()
            .unwrap();
        assert_eq!(by_tag.bytes, image_bytes);
        let digest = Digest::parse(image.digest().as_ref()).unwrap();
        assert_eq!(by_tag.digest, digest);
        let by_digest = now(layout.manifest(&ManifestRef::Digest(digest.clone()))).unwrap();
        assert_eq!(by_digest.unwrap().bytes, image_bytes);
        let absent = ManifestRef::Tag(Tag::parse("v2").unwrap());
        assert!(now(layout.manifest(&absent)).unwrap().is_none());

        let signature_type = "application/vnd.dev.sigstore.bundle.v0.3+json";
        let referrer_bytes = manifest(config.clone(), Some(image.clone()), Some(signature_type));
        let referrer = now(ArtifactStore::put_manifest(
            &layout,
            MediaType::ImageManifest,
            referrer_bytes,
            None,
        ))
        .unwrap();
        let Referrers::Listed(all) = now(layout.referrers(&digest, None)).unwrap() else {
            panic!("a layout lists referrers");
        };
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].digest(), referrer.digest());
        assert_eq!(
            all[0]
                .artifact_type()
                .as_ref()
                .map(|t| t.to_string())
                .as_deref(),
            Some(signature_type)
        );
        let Referrers::Listed(none) =
            now(layout.referrers(&digest, Some("application/other"))).unwrap()
        else {
            panic!("a layout lists referrers");
        };
        assert!(none.is_empty());
        let Referrers::Listed(of_referrer) =
            now(layout.referrers(&Digest::parse(referrer.digest().as_ref()).unwrap(), None))
                .unwrap()
        else {
            panic!("a layout lists referrers");
        };
        assert!(of_referrer.is_empty());
    }

    #[test]
    fn a_manifest_that_does_not_hash_to_its_digest_is_refused() {
        let wrong = Digest::sha256_of(b"other");
        let err = StoredManifest::checked(b"{}".to_vec(), "x".into(), Some(&wrong)).unwrap_err();
        assert!(matches!(err, StoreError::DigestMismatch { .. }));
    }

    #[test]
    fn a_layouts_only_image_skips_cosign_tags_and_referrers() {
        let dir = tempfile::tempdir().unwrap();
        let layout = OciLayout::create(dir.path()).unwrap();
        assert!(
            layout_only_image(&layout).is_err(),
            "an empty layout has no image"
        );
        let config = now(ArtifactStore::put_blob(
            &layout,
            MediaType::EmptyJSON,
            b"{}".to_vec(),
        ))
        .unwrap();
        let image = now(ArtifactStore::put_manifest(
            &layout,
            MediaType::ImageManifest,
            manifest(config.clone(), None, None),
            Some(&Tag::parse("v1").unwrap()),
        ))
        .unwrap();
        let image_ref = ManifestRef::Digest(Digest::parse(image.digest().as_ref()).unwrap());
        assert_eq!(layout_only_image(&layout).unwrap(), image_ref);

        // cosign's tags and referrers are not images of their own.
        let hex = image
            .digest()
            .as_ref()
            .trim_start_matches("sha256:")
            .to_owned();
        now(ArtifactStore::put_manifest(
            &layout,
            MediaType::ImageManifest,
            manifest(config.clone(), None, Some("application/x-sig")),
            Some(&Tag::parse(&format!("sha256-{hex}.sig")).unwrap()),
        ))
        .unwrap();
        now(ArtifactStore::put_manifest(
            &layout,
            MediaType::ImageManifest,
            manifest(
                config.clone(),
                Some(image.clone()),
                Some("application/x-ref"),
            ),
            None,
        ))
        .unwrap();
        assert_eq!(layout_only_image(&layout).unwrap(), image_ref);

        // Two images: the caller must say which.
        let mut other = manifest(config, None, None);
        other.extend_from_slice(b" ");
        now(ArtifactStore::put_manifest(
            &layout,
            MediaType::ImageManifest,
            other,
            Some(&Tag::parse("v2").unwrap()),
        ))
        .unwrap();
        let err = layout_only_image(&layout).unwrap_err();
        assert!(err.to_string().contains("2 candidate images"), "{err}");
    }
}
