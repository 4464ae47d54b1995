//! The requests of the distribution API for one repository, built without sending anything.

use url::Url;

use super::endpoint;
use super::http::{Idempotency, Method, Request};
use super::{RegistryError, RegistryLimits};
use crate::layout::{DOCKER_MANIFEST_LIST_V2, DOCKER_MANIFEST_V2};
use crate::reference::{Digest, Reference};
use crate::store::ManifestRef;

/// The manifest media types asked for, in order of preference: OCI image manifest and index,
/// then Docker schema 2 manifest and list. Without the Docker types some registries convert
/// or refuse; without the index types a multi-platform tag answers 404 on some.
pub const MANIFEST_ACCEPT: [&str; 4] = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    DOCKER_MANIFEST_V2,
    DOCKER_MANIFEST_LIST_V2,
];

/// The API of one repository in one registry: the base URL (scheme chosen by
/// [`endpoint::base_url`]) and the repository path.
///
/// ```
/// use sigchain_oci::reference::Reference;
/// use sigchain_oci::registry::{RegistryLimits, RepositoryApi};
/// use sigchain_oci::registry::http::Method;
///
/// let image = Reference::parse("127.0.0.1:5000/team/app:v1")?;
/// let api = RepositoryApi::new(&image, &[], RegistryLimits::default())?;
/// let request = api.get_manifest(&sigchain_oci::store::ManifestRef::Tag(image.tag().unwrap().clone()));
/// assert_eq!(request.method, Method::Get);
/// assert_eq!(request.url.as_str(), "http://127.0.0.1:5000/v2/team/app/manifests/v1");
/// assert!(request.header_value("accept").unwrap().contains("application/vnd.oci.image.index.v1+json"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RepositoryApi {
    base: Url,
    registry: String,
    repository: String,
    limits: RegistryLimits,
}

impl RepositoryApi {
    /// The API of `reference`'s repository (its tag and digest are not used), at
    /// [`Reference::registry_host_for_api`].
    pub fn new(
        reference: &Reference,
        insecure: &[String],
        limits: RegistryLimits,
    ) -> Result<RepositoryApi, RegistryError> {
        let registry = reference.registry_host_for_api().to_owned();
        Ok(RepositoryApi {
            base: endpoint::base_url(&registry, insecure)?,
            registry,
            repository: reference.repository().to_owned(),
            limits,
        })
    }

    /// The registry host the API is at.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The base URL (`scheme://host[:port]/`).
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The limits the readers apply.
    pub fn limits(&self) -> &RegistryLimits {
        &self.limits
    }

    fn url(&self, tail: &str) -> Url {
        // The repository, tags and digests are grammar-checked: nothing in them needs
        // escaping, and none can hold `..`, `?` or `#`.
        let text = format!("{}v2/{}/{tail}", self.base, self.repository);
        Url::parse(&text).unwrap_or_else(|_| self.base.clone())
    }

    /// `GET /v2/`: the API check (200, or 401 with the challenge to answer).
    pub fn api_check(&self) -> Request {
        let url = self.base.join("v2/").unwrap_or_else(|_| self.base.clone());
        Request::new(Method::Get, url, self.limits.max_error_bytes)
    }

    fn manifest(&self, method: Method, reference: &ManifestRef) -> Request {
        Request::new(
            method,
            self.url(&format!("manifests/{reference}")),
            self.limits.max_manifest_bytes,
        )
        .header("accept", MANIFEST_ACCEPT.join(", "))
    }

    /// `GET /v2/<name>/manifests/<reference>` with [`MANIFEST_ACCEPT`].
    pub fn get_manifest(&self, reference: &ManifestRef) -> Request {
        self.manifest(Method::Get, reference)
    }

    /// `HEAD /v2/<name>/manifests/<reference>`: whether it exists, and the digest the
    /// registry names (unverifiable without the body).
    pub fn head_manifest(&self, reference: &ManifestRef) -> Request {
        self.manifest(Method::Head, reference)
    }

    /// `GET /v2/<name>/blobs/<digest>`.
    pub fn get_blob(&self, digest: &Digest) -> Request {
        Request::new(
            Method::Get,
            self.url(&format!("blobs/{digest}")),
            self.limits.max_blob_bytes,
        )
    }

    /// `HEAD /v2/<name>/blobs/<digest>`: whether the repository has the blob.
    pub fn head_blob(&self, digest: &Digest) -> Request {
        Request::new(
            Method::Head,
            self.url(&format!("blobs/{digest}")),
            self.limits.max_error_bytes,
        )
    }

    /// `POST /v2/<name>/blobs/uploads/`: open an upload session (202 and a `Location`).
    pub fn start_upload(&self) -> Request {
        let mut request = Request::new(
            Method::Post,
            self.url("blobs/uploads/"),
            self.limits.max_error_bytes,
        )
        .header("content-length", "0");
        request.body = Some(Vec::new());
        request
    }

    /// `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repository>`: ask the registry
    /// to link a blob of another repository (201), or open a session when it will not (202).
    pub fn mount_blob(&self, digest: &Digest, from: &Reference) -> Request {
        let mut request = self.start_upload();
        request
            .url
            .query_pairs_mut()
            .append_pair("mount", &digest.to_string())
            .append_pair("from", from.repository());
        request
    }

    /// `PATCH <location>` with bytes `offset..offset+len` of the blob.
    pub fn upload_chunk(&self, location: &Url, offset: u64, chunk: Vec<u8>) -> Request {
        let len = chunk.len() as u64;
        // Distribution's Content-Range for uploads is `start-end`, inclusive, without the
        // `bytes ` unit of RFC 9110.
        let end = (offset + len).saturating_sub(1);
        let mut request =
            Request::new(Method::Patch, location.clone(), self.limits.max_error_bytes)
                .header("content-type", "application/octet-stream")
                .header("content-range", format!("{offset}-{end}"))
                .header("content-length", len.to_string());
        request.body = Some(chunk);
        request.idempotency = Idempotency::Once;
        request
    }

    /// `PUT <location>?digest=<digest>`, closing an upload session, with the whole blob (a
    /// monolithic upload) or the empty rest (after chunks).
    pub fn finish_upload(&self, location: &Url, digest: &Digest, body: Vec<u8>) -> Request {
        let mut url = location.clone();
        url.query_pairs_mut()
            .append_pair("digest", &digest.to_string());
        let len = body.len();
        let mut request = Request::new(Method::Put, url, self.limits.max_error_bytes)
            .header("content-type", "application/octet-stream")
            .header("content-length", len.to_string());
        request.body = Some(body);
        request.idempotency = Idempotency::Once;
        request
    }

    /// `PUT /v2/<name>/manifests/<reference>` with exactly `bytes`.
    pub fn put_manifest(
        &self,
        reference: &ManifestRef,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> Request {
        let len = bytes.len();
        let mut request = Request::new(
            Method::Put,
            self.url(&format!("manifests/{reference}")),
            self.limits.max_error_bytes,
        )
        .header("content-type", media_type)
        .header("content-length", len.to_string());
        request.body = Some(bytes);
        request
    }

    /// `GET /v2/<name>/tags/list`, `page_size` tags a page if given (`?n=`).
    pub fn list_tags(&self, page_size: Option<usize>) -> Request {
        let mut url = self.url("tags/list");
        if let Some(n) = page_size {
            url.query_pairs_mut().append_pair("n", &n.to_string());
        }
        Request::new(Method::Get, url, self.limits.max_json_bytes)
    }

    /// The next page of a tag list, at a URL [`super::answers::tags_page`] checked.
    pub fn tags_page_at(&self, url: Url) -> Request {
        Request::new(Method::Get, url, self.limits.max_json_bytes)
    }

    /// `GET /v2/<name>/referrers/<digest>[?artifactType=<type>]`.
    ///
    /// The artifact type is percent-encoded (`+` as `%2B`): a raw `+` in a query reads as a
    /// space to form decoders, and one registry does decode it so.
    pub fn referrers(&self, subject: &Digest, artifact_type: Option<&str>) -> Request {
        let mut url = self.url(&format!("referrers/{subject}"));
        if let Some(kind) = artifact_type {
            url.query_pairs_mut().append_pair("artifactType", kind);
        }
        Request::new(Method::Get, url, self.limits.max_json_bytes)
            .header("accept", "application/vnd.oci.image.index.v1+json")
    }
}
