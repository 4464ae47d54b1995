//! [`RegistryRepository`]: one repository of a registry as an [`ArtifactStore`].

use std::future::Future;

use oci_spec::image::{Descriptor, MediaType};

use super::RegistryClient;
use crate::layout::descriptor_for;
use crate::reference::{Digest, Reference, Tag};
use crate::store::{ArtifactStore, ManifestRef, Referrers, StoreError, StoredManifest};

/// A client and one repository: what the signature storage and the flows work on.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use sigchain_oci::client::{ClientConfig, RegistryClient, RegistryRepository};
/// use sigchain_oci::reference::Reference;
/// use sigchain_oci::store::{ArtifactStore, ManifestRef};
///
/// let client = RegistryClient::new(ClientConfig::default())?;
/// let image = Reference::parse("127.0.0.1:5000/team/app:v1")?;
/// let store = RegistryRepository::new(client, &image);
/// let manifest = store.manifest(&ManifestRef::Tag(image.tag().unwrap().clone())).await?;
/// println!("{}: {:?}", store.describe(), manifest.map(|m| m.digest));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RegistryRepository {
    client: RegistryClient,
    repository: Reference,
}

impl RegistryRepository {
    /// `reference`'s repository (its tag and digest are not used).
    pub fn new(client: RegistryClient, reference: &Reference) -> RegistryRepository {
        RegistryRepository {
            client,
            repository: reference.clone(),
        }
    }

    /// The client.
    pub fn client(&self) -> &RegistryClient {
        &self.client
    }

    /// The repository, as the reference it was made from.
    pub fn reference(&self) -> &Reference {
        &self.repository
    }
}

impl ArtifactStore for RegistryRepository {
    fn describe(&self) -> String {
        self.repository.name()
    }

    fn manifest(
        &self,
        reference: &ManifestRef,
    ) -> impl Future<Output = Result<Option<StoredManifest>, StoreError>> + Send {
        let reference = reference.clone();
        async move { Ok(self.client.manifest(&self.repository, &reference).await?) }
    }

    fn blob(
        &self,
        descriptor: &Descriptor,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send {
        let descriptor = descriptor.clone();
        async move { Ok(self.client.get_blob(&self.repository, &descriptor).await?) }
    }

    async fn put_blob(
        &self,
        media_type: MediaType,
        content: Vec<u8>,
    ) -> Result<Descriptor, StoreError> {
        self.client.put_blob(&self.repository, &content).await?;
        Ok(descriptor_for(media_type, &content))
    }

    fn put_manifest(
        &self,
        media_type: MediaType,
        bytes: Vec<u8>,
        tag: Option<&Tag>,
    ) -> impl Future<Output = Result<Descriptor, StoreError>> + Send {
        let which = match tag {
            Some(tag) => ManifestRef::Tag(tag.clone()),
            None => ManifestRef::Digest(Digest::sha256_of(&bytes)),
        };
        async move {
            let descriptor = descriptor_for(media_type.clone(), &bytes);
            self.client
                .put_manifest(&self.repository, &which, media_type.as_ref(), bytes)
                .await?;
            Ok(descriptor)
        }
    }

    fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> impl Future<Output = Result<Referrers, StoreError>> + Send {
        let subject = subject.clone();
        let artifact_type = artifact_type.map(str::to_owned);
        async move {
            Ok(self
                .client
                .referrers(&self.repository, &subject, artifact_type.as_deref())
                .await?)
        }
    }
}
