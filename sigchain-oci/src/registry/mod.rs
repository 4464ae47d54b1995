//! The OCI distribution API, sans-IO: requests built as values ([`RepositoryApi`]), answers
//! read and checked by plain functions ([`answers`]), blobs checked while they stream
//! ([`BlobCheck`]), platforms chosen from an index ([`select_manifest`]). The `client`
//! feature's `sigchain_oci::client::RegistryClient` moves the bytes.
//!
//! What the readers check, so that the adapter cannot forget:
//! - a manifest fetched by digest hashes to it; a `Docker-Content-Digest` header names the
//!   bytes served (a registry that lies is refused with
//!   [`RegistryError::ManifestDigestMismatch`] or [`RegistryError::HeaderDigestMismatch`]);
//! - every answer is bounded ([`RegistryLimits`]: manifests 4 MiB, as distribution enforces);
//! - pagination links stay on the registry's origin, and plain HTTP is spoken only to
//!   loopback hosts and the caller's insecure list ([`endpoint`]);
//! - referrers are de-duplicated by digest and filtered by artifact type client-side too,
//!   the type percent-encoded in the query; a 404 is [`Referrers`](crate::store::Referrers)`::Unsupported`.
//!
//! Registry errors carry the OCI error body's codes and messages ([`OciErrors`]).
//!
//! ```
//! use sigchain_oci::reference::Reference;
//! use sigchain_oci::registry::{answers, http::Response, RegistryLimits, RepositoryApi};
//! use sigchain_oci::store::ManifestRef;
//!
//! let image = Reference::parse("127.0.0.1:5000/app@sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")?;
//! let api = RepositoryApi::new(&image, &[], RegistryLimits::default())?;
//! let wanted = ManifestRef::Digest(image.digest().unwrap().clone());
//! let request = api.get_manifest(&wanted);
//! assert_eq!(request.url.path(), "/v2/app/manifests/sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
//! // A registry answering with other bytes than the digest names is refused.
//! let lying = Response::new(200, br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#.to_vec());
//! let refused = answers::manifest_answer(api.registry(), &wanted, &lying, api.limits());
//! assert!(matches!(refused, Err(sigchain_oci::registry::RegistryError::ManifestDigestMismatch { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod answers;
mod blob;
pub mod endpoint;
mod error;
pub mod http;
mod limits;
mod platform;
mod requests;
#[cfg(test)]
mod tests;

pub use blob::BlobCheck;
pub use error::{OciErrorEntry, OciErrors, RegistryError};
pub use limits::{RegistryLimits, MAX_ERROR_ENTRIES, MAX_ERROR_TEXT};
pub use platform::{select_manifest, Platform, PlatformError};
pub use requests::{RepositoryApi, MANIFEST_ACCEPT};
