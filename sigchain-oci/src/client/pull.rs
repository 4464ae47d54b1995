//! Copying one image out of a registry into an OCI image layout: the manifest for a platform,
//! its config and its layers, every byte checked against the digest that named it. Layers go
//! through a temporary file in the layout (never whole in memory) and several download at
//! once.

use std::collections::BTreeMap;
use std::sync::Arc;

use oci_spec::image::{Descriptor, ANNOTATION_REF_NAME};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::RegistryClient;
use crate::layout::{parse_manifest, LayoutError, LayoutLimits, Manifest, OciLayout};
use crate::reference::{Digest, Reference};
use crate::registry::{Platform, RegistryError};
use crate::store::StoreError;

/// Layers downloaded at once.
const PARALLEL_LAYERS: usize = 4;

/// The image [`RegistryClient::pull_image`] copied.
#[derive(Clone, Debug)]
pub struct PulledImage {
    /// The image manifest's digest (for an index, the chosen platform's manifest).
    pub manifest_digest: Digest,
    /// The manifest's descriptor in the layout's `index.json`.
    pub descriptor: Descriptor,
}

impl RegistryClient {
    /// Copy the image `reference` names into `layout`: the image manifest for `platform`
    /// (`reference`'s own manifest when it is not an index), its config and its layers,
    /// listed in `index.json` under the reference's tag (or its digest). Blobs the layout
    /// already holds are not downloaded again.
    pub async fn pull_image(
        &self,
        reference: &Reference,
        platform: &Platform,
        layout: &OciLayout,
    ) -> Result<PulledImage, StoreError> {
        let stored = self.get_manifest_for_platform(reference, platform).await?;
        let media_type = oci_spec::image::MediaType::from(stored.media_type.as_str());
        let limits = LayoutLimits::default();
        let Manifest::Image { manifest, .. } =
            parse_manifest(&stored.bytes, Some(&media_type), &limits)?
        else {
            return Err(StoreError::Layout(LayoutError::Malformed {
                what: "manifest",
                reason: format!("{reference} for {platform} is not an image manifest"),
            }));
        };
        let mut blobs = vec![manifest.config().clone()];
        blobs.extend(manifest.layers().iter().cloned());
        let permits = Arc::new(Semaphore::new(PARALLEL_LAYERS));
        let mut downloads = JoinSet::new();
        for blob in blobs {
            if layout.has_blob(&blob)? {
                continue;
            }
            let (client, layout, reference, permits) = (
                self.clone(),
                layout.clone(),
                reference.clone(),
                permits.clone(),
            );
            downloads.spawn(async move {
                let _permit = permits.acquire_owned().await;
                client.pull_blob(&reference, &blob, &layout).await
            });
        }
        while let Some(done) = downloads.join_next().await {
            match done {
                Ok(result) => result?,
                Err(e) => {
                    return Err(StoreError::Registry(RegistryError::Write(
                        std::io::Error::other(e.to_string()),
                    )))
                }
            }
        }
        let name = reference
            .tag()
            .map(|tag| tag.as_str().to_owned())
            .unwrap_or_else(|| stored.digest.to_string());
        let descriptor = layout.put_manifest(
            &stored.bytes,
            BTreeMap::from([(ANNOTATION_REF_NAME.to_owned(), name)]),
        )?;
        Ok(PulledImage {
            manifest_digest: stored.digest,
            descriptor,
        })
    }

    /// One blob into `layout`, through a temporary file there.
    async fn pull_blob(
        &self,
        reference: &Reference,
        blob: &Descriptor,
        layout: &OciLayout,
    ) -> Result<(), StoreError> {
        let temp = layout.blob_temp_file()?;
        let file = temp.reopen().map_err(RegistryError::Write)?;
        let mut writer = tokio::fs::File::from_std(file);
        self.stream_blob(reference, blob, &mut writer).await?;
        drop(writer);
        let (layout, blob) = (layout.clone(), blob.clone());
        // Adopting reads the blob back to check it: file work, off the async threads.
        tokio::task::spawn_blocking(move || layout.adopt_blob(&blob, temp))
            .await
            .map_err(|e| RegistryError::Write(std::io::Error::other(e.to_string())))??;
        Ok(())
    }
}
