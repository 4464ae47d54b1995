//! Blobs: existence, checked downloads (streamed or in memory), uploads (monolithic or in
//! chunks, skipped when the repository has the blob) and cross-repository mounts.

use oci_spec::image::Descriptor;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{parse_digest, RegistryClient, Target};
use crate::auth::token::Scope;
use crate::reference::{Digest, Reference};
use crate::registry::answers::{self, UploadStart};
use crate::registry::http::Request;
use crate::registry::{BlobCheck, RegistryError};

/// How a [`RegistryClient::mount_blob`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mount {
    /// The registry linked the blob from the other repository (201).
    Mounted,
    /// The registry would not mount (202); the blob was copied through the client.
    Copied,
    /// The target repository already had it.
    AlreadyPresent,
}

impl RegistryClient {
    /// Whether the repository has the blob.
    pub async fn blob_exists(
        &self,
        repository: &Reference,
        digest: &Digest,
    ) -> Result<bool, RegistryError> {
        let target = self.target(repository, false)?;
        self.blob_exists_at(&target, digest).await
    }

    /// A blob `HEAD` with `target`'s scopes: during a push, the push token serves it too.
    async fn blob_exists_at(
        &self,
        target: &Target,
        digest: &Digest,
    ) -> Result<bool, RegistryError> {
        let request = target.api.head_blob(digest);
        let response = self.send(target, &request, "blob HEAD answer").await?;
        answers::blob_exists(target.api.registry(), digest, &response)
    }

    /// Stream the blob `descriptor` names into `writer`, checking size and digest as the
    /// bytes pass. On an error the writer may hold part of the blob: callers write to a
    /// temporary place and keep it only on success. Returns the bytes written.
    pub async fn stream_blob<W: AsyncWrite + Unpin>(
        &self,
        repository: &Reference,
        descriptor: &Descriptor,
        writer: &mut W,
    ) -> Result<u64, RegistryError> {
        let digest = parse_digest(descriptor)?;
        let target = self.target(repository, false)?;
        let request = target.api.get_blob(&digest);
        let mut response = self.open(&target, &request).await?;
        let status = response.status().as_u16();
        if status != 200 {
            let response = self.http.read(response, 0, "blob").await?;
            return Err(answers::unexpected(
                target.api.registry(),
                &format!("GET blob {digest}"),
                &response,
            ));
        }
        let mut check = BlobCheck::new(
            &digest,
            Some(descriptor.size()),
            self.http.config.limits.max_blob_bytes,
        );
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| RegistryError::Transport {
                registry: target.api.registry().to_owned(),
                reason: format!("reading blob {digest}: {}", e.without_url()),
            })?
        {
            check.update(&chunk)?;
            writer
                .write_all(&chunk)
                .await
                .map_err(RegistryError::Write)?;
        }
        let received = check.received();
        check.finish()?;
        writer.flush().await.map_err(RegistryError::Write)?;
        Ok(received)
    }

    /// The blob `descriptor` names, in memory, checked.
    pub async fn get_blob(
        &self,
        repository: &Reference,
        descriptor: &Descriptor,
    ) -> Result<Vec<u8>, RegistryError> {
        let mut bytes = Vec::new();
        self.stream_blob(repository, descriptor, &mut bytes).await?;
        Ok(bytes)
    }

    async fn start_upload(
        &self,
        target: &Target,
        request: &Request,
    ) -> Result<UploadStart, RegistryError> {
        let response = self.send(target, request, "upload start answer").await?;
        answers::upload_started(target.api.registry(), &request.url, &response)
    }

    async fn finish_upload(
        &self,
        target: &Target,
        location: &url::Url,
        digest: &Digest,
        body: Vec<u8>,
    ) -> Result<(), RegistryError> {
        let request = target.api.finish_upload(location, digest, body);
        let response = self.send(target, &request, "upload answer").await?;
        answers::upload_finished(target.api.registry(), digest, &response)
    }

    /// Upload `content` in one `PUT` (after the `POST` that opens the session), unless the
    /// repository has it already. Returns its digest.
    pub async fn put_blob_monolithic(
        &self,
        repository: &Reference,
        content: &[u8],
    ) -> Result<Digest, RegistryError> {
        let digest = Digest::sha256_of(content);
        let target = self.target(repository, true)?;
        if self.blob_exists_at(&target, &digest).await? {
            return Ok(digest);
        }
        let location = match self
            .start_upload(&target, &target.api.start_upload())
            .await?
        {
            UploadStart::Session(location) => location,
            UploadStart::Mounted => return Ok(digest),
        };
        self.finish_upload(&target, &location, &digest, content.to_vec())
            .await?;
        Ok(digest)
    }

    /// Upload `content` in `PATCH` chunks of `chunk_size` bytes, then close the session with
    /// an empty `PUT`, unless the repository has it already. Returns its digest.
    pub async fn put_blob_chunked(
        &self,
        repository: &Reference,
        content: &[u8],
        chunk_size: usize,
    ) -> Result<Digest, RegistryError> {
        let digest = Digest::sha256_of(content);
        let target = self.target(repository, true)?;
        if self.blob_exists_at(&target, &digest).await? {
            return Ok(digest);
        }
        let mut location = match self
            .start_upload(&target, &target.api.start_upload())
            .await?
        {
            UploadStart::Session(location) => location,
            UploadStart::Mounted => return Ok(digest),
        };
        let mut offset = 0u64;
        for chunk in content.chunks(chunk_size.max(1)) {
            let request = target.api.upload_chunk(&location, offset, chunk.to_vec());
            offset += chunk.len() as u64;
            let response = self.send(&target, &request, "chunk answer").await?;
            location = answers::chunk_accepted(
                target.api.registry(),
                &request.url,
                &response,
                offset.saturating_sub(1),
            )?;
        }
        self.finish_upload(&target, &location, &digest, Vec::new())
            .await?;
        Ok(digest)
    }

    /// Upload `content`: monolithic up to [`ClientConfig::chunked_upload_threshold`](super::ClientConfig::chunked_upload_threshold), in
    /// chunks above. Returns its digest.
    pub async fn put_blob(
        &self,
        repository: &Reference,
        content: &[u8],
    ) -> Result<Digest, RegistryError> {
        let config = &self.http.config;
        if content.len() > config.chunked_upload_threshold {
            self.put_blob_chunked(repository, content, config.chunk_size)
                .await
        } else {
            self.put_blob_monolithic(repository, content).await
        }
    }

    /// Make the blob `descriptor` names, which `from`'s repository (on the same registry)
    /// has, available in `target`'s: a cross-repository mount, or, when the registry
    /// answers 202 instead, a copy through the client (fetched from `from`, checked,
    /// uploaded into the session the registry opened).
    pub async fn mount_blob(
        &self,
        target: &Reference,
        descriptor: &Descriptor,
        from: &Reference,
    ) -> Result<Mount, RegistryError> {
        let digest = parse_digest(descriptor)?;
        let mut push = self.target(target, true)?;
        // One token for both repositories: the mount reads `from` and writes `target`.
        push.scopes.push(Scope::pull(from.repository()));
        if self.blob_exists_at(&push, &digest).await? {
            return Ok(Mount::AlreadyPresent);
        }
        let request = push.api.mount_blob(&digest, from);
        match self.start_upload(&push, &request).await? {
            UploadStart::Mounted => Ok(Mount::Mounted),
            UploadStart::Session(location) => {
                let content = self.get_blob(from, descriptor).await?;
                self.finish_upload(&push, &location, &digest, content)
                    .await?;
                Ok(Mount::Copied)
            }
        }
    }
}
