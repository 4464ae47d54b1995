//! The async registry client (feature `client`): [`RegistryClient`] speaks the OCI
//! distribution API over reqwest with rustls, using the sans-IO requests and checks of
//! [`crate::registry`] and the token flow of [`crate::auth::token`]; [`RegistryRepository`] is
//! one repository of it as an [`ArtifactStore`](crate::store::ArtifactStore).
//!
//! - **Schemes**: HTTPS, except plain HTTP for loopback hosts (127.0.0.0/8, `::1`,
//!   `localhost`) and the hosts of [`ClientConfig::insecure_registries`]. The same rule holds
//!   for token realms, upload locations and redirects.
//! - **Authentication**: on a 401 the challenge is answered once: a `Bearer` challenge by a
//!   token request (with the registry's credentials, or anonymously), a `Basic` one with the
//!   credentials; tokens are cached per registry and scope until they expire. A second 401,
//!   or a token endpoint refusing the credentials, is an error naming the registry
//!   ([`RegistryError::Unauthorized`], [`RegistryError::CredentialsRejected`]), never a loop.
//!   Credentials come from the Docker configuration (credential helpers run as processes) or
//!   the caller ([`CredentialsSource`]); they never appear in logs or errors.
//! - **Checks**: manifests by digest hash to it; `Docker-Content-Digest` agrees with the
//!   bytes; blobs are hashed and counted while they stream; every answer is bounded.
//! - **Retries**: reads, manifest puts and upload starts on a 5xx, a 429 or a lost connection,
//!   with jittered exponential backoff; upload steps only when no connection was made.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use sigchain_oci::client::{ClientConfig, RegistryClient};
//! use sigchain_oci::reference::Reference;
//! use sigchain_oci::registry::Platform;
//!
//! let client = RegistryClient::new(ClientConfig::default())?;
//! let image = Reference::parse("127.0.0.1:5000/team/app:v1")?;
//! let (digest, media_type) = client.resolve(&image).await?;
//! println!("{image} is {digest} ({media_type})");
//! let manifest = client
//!     .get_manifest_for_platform(&image.with_digest(digest), &Platform::parse("linux/amd64")?)
//!     .await?;
//! println!("linux/amd64: {}", manifest.digest);
//! # Ok(())
//! # }
//! ```

mod blobs;
mod config;
mod credentials;
mod pull;
mod repository;
mod transport;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use oci_spec::image::Descriptor;

pub use blobs::Mount;
pub use config::{ClientConfig, CredentialsSource, USER_AGENT};
pub use pull::PulledImage;
pub use repository::RegistryRepository;

use credentials::Credentials;
use transport::Http;

use crate::auth::docker_config::Credential;
use crate::auth::token::{answer_challenge, token_answer, AuthCache, AuthHeader, AuthStep, Scope};
use crate::layout::{parse_manifest, LayoutLimits, Manifest};
use crate::reference::{Digest, Reference, Tag};
use crate::registry::answers;
use crate::registry::http::{Request, Response};
use crate::registry::{select_manifest, Platform, RegistryError, RepositoryApi};
use crate::store::{ManifestRef, Referrers, StoredManifest};

/// An async client of OCI registries. Cheap to clone: clones share the connection pool, the
/// token cache and the credentials.
#[derive(Clone)]
pub struct RegistryClient {
    http: Http,
    credentials: Arc<Credentials>,
    resolved_credentials: Arc<Mutex<HashMap<String, Option<Credential>>>>,
    auth: Arc<Mutex<AuthCache>>,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("config", &self.http.config)
            .finish_non_exhaustive()
    }
}

/// One operation's target: the repository's API, the names credentials are looked up under,
/// and the access asked for.
struct Target {
    api: RepositoryApi,
    registry: String,
    credential_key: String,
    scopes: Vec<Scope>,
}

impl RegistryClient {
    /// A client; reads the Docker configuration now if [`ClientConfig::credentials`] names it.
    pub fn new(config: ClientConfig) -> Result<RegistryClient, RegistryError> {
        let credentials = Credentials::load(&config.credentials)?;
        Ok(RegistryClient {
            http: Http::new(Arc::new(config))?,
            credentials: Arc::new(credentials),
            resolved_credentials: Arc::default(),
            auth: Arc::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.http.config
    }

    /// The sans-IO API of `reference`'s repository, with this client's scheme rules and limits.
    pub fn api(&self, reference: &Reference) -> Result<RepositoryApi, RegistryError> {
        RepositoryApi::new(
            reference,
            &self.http.config.insecure_registries,
            self.http.config.limits,
        )
    }

    fn target(&self, reference: &Reference, push: bool) -> Result<Target, RegistryError> {
        let scope = if push {
            Scope::push(reference.repository())
        } else {
            Scope::pull(reference.repository())
        };
        Ok(Target {
            api: self.api(reference)?,
            registry: reference.registry().to_owned(),
            credential_key: reference.credential_key(),
            scopes: vec![scope],
        })
    }

    async fn credential(&self, target: &Target) -> Result<Option<Credential>, RegistryError> {
        let key = target.registry.as_str();
        let known = self
            .resolved_credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned();
        if let Some(known) = known {
            return Ok(known);
        }
        let found = self
            .credentials
            .for_registry(key, &target.credential_key, self.http.config.helper_timeout)
            .await?;
        self.resolved_credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned(), found.clone());
        Ok(found)
    }

    fn cached_auth(&self, target: &Target) -> Option<AuthHeader> {
        self.auth
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(target.api.registry(), &target.scopes, SystemTime::now())
    }

    /// Answer a 401's challenge: the header to resend with.
    async fn authenticate(
        &self,
        target: &Target,
        unauthorized: &Response,
    ) -> Result<AuthHeader, RegistryError> {
        let registry = target.api.registry();
        let credential = self.credential(target).await?;
        let step = answer_challenge(
            registry,
            unauthorized,
            &target.scopes,
            credential.as_ref(),
            self.http.config.limits.max_token_bytes,
        )?;
        match step {
            AuthStep::Send(header) => {
                self.auth
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert_for_registry(registry, header.clone());
                Ok(header)
            }
            AuthStep::AskToken { request, realm } => {
                let origin = request.url.clone();
                let answer = self
                    .http
                    .fetch(&request, None, &origin, "token answer")
                    .await?;
                let token = token_answer(registry, &realm, &answer, SystemTime::now())?;
                let header = token.header.clone();
                self.auth
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert_token(registry, &target.scopes, token);
                Ok(header)
            }
        }
    }

    /// Send `request` to the target, answering one 401; the body unread.
    async fn open(
        &self,
        target: &Target,
        request: &Request,
    ) -> Result<reqwest::Response, RegistryError> {
        let origin = target.api.base_url();
        let cached = self.cached_auth(target);
        let first = self.http.open(request, cached.as_ref(), origin).await?;
        if first.status().as_u16() != 401 {
            return Ok(first);
        }
        let first = self.http.read(first, 0, "401 answer").await?;
        let header = self.authenticate(target, &first).await?;
        let second = self.http.open(request, Some(&header), origin).await?;
        if second.status().as_u16() == 401 {
            let second = self.http.read(second, 0, "401 answer").await?;
            return Err(RegistryError::Unauthorized {
                registry: target.api.registry().to_owned(),
                scope: target
                    .scopes
                    .iter()
                    .map(Scope::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
                errors: answers::oci_errors(&second.body),
            });
        }
        Ok(second)
    }

    /// [`RegistryClient::open`] and read the whole answer within the request timeout.
    async fn send(
        &self,
        target: &Target,
        request: &Request,
        what: &'static str,
    ) -> Result<Response, RegistryError> {
        let timeout = self.http.config.request_timeout;
        let work = async {
            let response = self.open(target, request).await?;
            self.http
                .read(response, request.max_response_bytes, what)
                .await
        };
        tokio::time::timeout(timeout, work)
            .await
            .map_err(|_| RegistryError::Transport {
                registry: target.api.registry().to_owned(),
                reason: format!("{what}: no complete answer within {} s", timeout.as_secs()),
            })?
    }

    /// `GET /v2/`: the registry speaks the API and accepts our credentials (or none).
    pub async fn ping(&self, reference: &Reference) -> Result<(), RegistryError> {
        let target = self.target(reference, false)?;
        let request = target.api.api_check();
        let response = self.send(&target, &request, "API check").await?;
        match response.status {
            200 => Ok(()),
            _ => Err(answers::unexpected(
                target.api.registry(),
                "GET /v2/",
                &response,
            )),
        }
    }

    /// The manifest `which` names in `repository`'s repository, checked, or `None` if the
    /// registry has none.
    pub async fn manifest(
        &self,
        repository: &Reference,
        which: &ManifestRef,
    ) -> Result<Option<StoredManifest>, RegistryError> {
        let target = self.target(repository, false)?;
        let request = target.api.get_manifest(which);
        let response = self.send(&target, &request, "manifest").await?;
        answers::manifest_answer(target.api.registry(), which, &response, target.api.limits())
    }

    /// Whether the manifest `which` names exists, and what the registry says of it (digest,
    /// media type, size: unchecked, see [`answers::ManifestHead`]), from a `HEAD`.
    pub async fn head_manifest(
        &self,
        repository: &Reference,
        which: &ManifestRef,
    ) -> Result<Option<answers::ManifestHead>, RegistryError> {
        let target = self.target(repository, false)?;
        let request = target.api.head_manifest(which);
        let response = self.send(&target, &request, "manifest HEAD answer").await?;
        answers::manifest_head_answer(target.api.registry(), which, &response)
    }

    fn which(reference: &Reference) -> ManifestRef {
        match (reference.digest(), reference.tag()) {
            (Some(digest), _) => ManifestRef::Digest(digest.clone()),
            (None, Some(tag)) => ManifestRef::Tag(tag.clone()),
            (None, None) => {
                ManifestRef::Tag(Tag::new_unchecked(crate::reference::DEFAULT_TAG.to_owned()))
            }
        }
    }

    /// The manifest `reference` names (its digest if it has one, else its tag); a missing
    /// manifest is an error.
    pub async fn get_manifest(
        &self,
        reference: &Reference,
    ) -> Result<StoredManifest, RegistryError> {
        let which = Self::which(reference);
        self.manifest(reference, &which)
            .await?
            .ok_or_else(|| RegistryError::Status {
                registry: reference.registry_host_for_api().to_owned(),
                what: format!("GET manifest {which}"),
                status: 404,
                errors: Default::default(),
            })
    }

    /// The digest and media type of the manifest `reference` names: the digest computed from
    /// the bytes fetched (never the registry's word), so a tag resolves to what it names now.
    pub async fn resolve(&self, reference: &Reference) -> Result<(Digest, String), RegistryError> {
        let manifest = self.get_manifest(reference).await?;
        Ok((manifest.digest, manifest.media_type))
    }

    /// The image manifest for `platform`: `reference`'s manifest if it is an image manifest,
    /// else the one its index (or Docker manifest list) lists for the platform, fetched by
    /// digest and checked.
    pub async fn get_manifest_for_platform(
        &self,
        reference: &Reference,
        platform: &Platform,
    ) -> Result<StoredManifest, RegistryError> {
        let top = self.get_manifest(reference).await?;
        let limits = LayoutLimits {
            max_manifest_bytes: self.http.config.limits.max_manifest_bytes,
            ..LayoutLimits::default()
        };
        let media_type = oci_spec::image::MediaType::from(top.media_type.as_str());
        match parse_manifest(&top.bytes, Some(&media_type), &limits)? {
            Manifest::Image { .. } => Ok(top),
            Manifest::Index { index, .. } => {
                let chosen = select_manifest(&index, platform)?;
                let digest = parse_digest(chosen)?;
                let child = self
                    .manifest(reference, &ManifestRef::Digest(digest.clone()))
                    .await?
                    .ok_or_else(|| RegistryError::Status {
                        registry: reference.registry_host_for_api().to_owned(),
                        what: format!("GET manifest {digest} (for {platform})"),
                        status: 404,
                        errors: Default::default(),
                    })?;
                if child.bytes.len() as u64 != chosen.size() {
                    return Err(RegistryError::BlobSizeMismatch {
                        digest: digest.to_string(),
                        expected: chosen.size(),
                        received: child.bytes.len() as u64,
                    });
                }
                Ok(child)
            }
        }
    }

    /// Store a manifest (exactly `bytes`) under `which` (a tag, or its own digest); returns
    /// its digest.
    pub async fn put_manifest(
        &self,
        repository: &Reference,
        which: &ManifestRef,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Digest, RegistryError> {
        let digest = Digest::sha256_of(&bytes);
        if let ManifestRef::Digest(named) = which {
            named
                .verify(&bytes)
                .map_err(|m| RegistryError::ManifestDigestMismatch {
                    registry: repository.registry_host_for_api().to_owned(),
                    expected: named.to_string(),
                    computed: m.computed.to_string(),
                })?;
        }
        let target = self.target(repository, true)?;
        let request = target.api.put_manifest(which, media_type, bytes);
        let response = self.send(&target, &request, "manifest PUT answer").await?;
        answers::manifest_stored(target.api.registry(), &digest, &response)?;
        Ok(digest)
    }

    /// Every tag of the repository, following `Link` pages (at most
    /// [`RegistryLimits::max_tag_pages`](crate::registry::RegistryLimits::max_tag_pages)),
    /// [`ClientConfig::tags_page_size`] tags a page if set.
    pub async fn list_tags(&self, repository: &Reference) -> Result<Vec<Tag>, RegistryError> {
        let target = self.target(repository, false)?;
        let limits = *target.api.limits();
        let mut request = target.api.list_tags(self.http.config.tags_page_size);
        let mut tags = Vec::new();
        for _ in 0..limits.max_tag_pages {
            let response = self.send(&target, &request, "tag list").await?;
            let page = answers::tags_page(target.api.registry(), &request.url, &response, &limits)?;
            tags.extend(page.tags);
            if tags.len() > limits.max_tags {
                return Err(RegistryError::TooLarge {
                    what: "tag list (tags)",
                    limit: limits.max_tags as u64,
                });
            }
            match page.next {
                Some(next) => request = target.api.tags_page_at(next),
                None => return Ok(tags),
            }
        }
        Err(RegistryError::TooManyPages {
            registry: target.api.registry().to_owned(),
            limit: limits.max_tag_pages,
        })
    }

    /// The manifests whose subject is `subject`, from the referrers API, de-duplicated by
    /// digest, only of `artifact_type` if given; [`Referrers::Unsupported`] when the
    /// registry has no referrers API.
    pub async fn referrers(
        &self,
        repository: &Reference,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers, RegistryError> {
        let target = self.target(repository, false)?;
        let request = target.api.referrers(subject, artifact_type);
        let response = self.send(&target, &request, "referrers index").await?;
        answers::referrers_answer(
            target.api.registry(),
            &response,
            artifact_type,
            target.api.limits(),
        )
    }
}

fn parse_digest(descriptor: &Descriptor) -> Result<Digest, RegistryError> {
    Digest::parse(descriptor.digest().as_ref()).map_err(|e| RegistryError::Json {
        what: "descriptor",
        reason: format!("digest {}: {e}", descriptor.digest()),
    })
}
