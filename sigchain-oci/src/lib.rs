//! OCI for sigchain: sign, attest and verify container images where the ecosystem keeps their
//! signatures, in a registry or an OCI image layout on disk, as cosign does.
//!
//! The crate moves bytes; whether a signature is trusted is decided by [`sigchain_core`]'s
//! verifier, and signing is the caller's (a `sigchain_fulcio::client::BundleSigner`, or the
//! core's signing machine): this crate never holds a key.
//!
//! - [`flow`]: the flows of `cosign sign`, `attest`, `verify` and `verify-attestation` over any
//!   store: resolve the image to its digest once, prepare what is to be signed, attach the
//!   signed bundle, and find, verify and bind stored signatures to the image;
//! - [`store`]: [`store::ArtifactStore`], one interface over an OCI layout and a registry
//!   repository ([`store::AnyStore`] to choose at run time); [`location`]: `oci:DIR[:TAG]` or a
//!   registry reference;
//! - where signatures live: [`cosign`] (cosign's `.sig`, `.att` and `.sbom` tags, converted to
//!   and from Sigstore bundles), [`referrers`] (Sigstore bundles as OCI 1.1 referrers, with the
//!   referrers fallback tag), [`discover`](mod@discover) (everything stored about one image, and
//!   where); [`predicate`]: cosign's `--type` names and the in-toto statement about an image;
//!   [`simple_signing`]: cosign's signature payload;
//! - [`proof_source`]: the inclusion proofs cosign's tag scheme does not store, fetched from
//!   the log (`RekorV1Proofs` with feature `client`) so such signatures verify strictly;
//! - [`reference`](mod@reference): image references parsed and normalised as the Docker/OCI
//!   tooling does; [`cosign_tags`]: the tags cosign stores under;
//! - [`registry`]: the OCI distribution API, sans-IO (requests as values, answers checked:
//!   manifests against their digest and `Docker-Content-Digest`, blobs while they stream, bounded
//!   sizes, `Link` pagination, referrers, platform selection); [`auth`]: `WWW-Authenticate`
//!   challenges, Docker `config.json` credentials and the token flow;
//! - `client` (feature `client`): `RegistryClient`, the async adapter over reqwest with rustls
//!   (plain HTTP only for loopback hosts and an explicit insecure list; retries; credential
//!   helpers run as processes), and `RegistryRepository`, one repository as a store;
//! - [`layout`]: OCI image layouts on disk, read and written with every blob's size and digest
//!   checked.
//!
//! Verifying an image's signatures in an OCI layout (a registry works the same way through
//! `RegistryRepository`):
//!
//! ```no_run
//! use sigchain_oci::cosign::StorageLimits;
//! use sigchain_oci::flow::{resolve, verify_image, Verifiers, Wanted};
//! use sigchain_oci::layout::OciLayout;
//! use sigchain_oci::reference::Tag;
//! use sigchain_oci::sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! use sigchain_oci::sigchain_core::time::Timestamp;
//! use sigchain_oci::sigchain_core::trust_root::TrustedRoot;
//! use sigchain_oci::sigchain_core::verify::{SignerPolicy, Verifier, VerifierConfig};
//! use sigchain_oci::store::ManifestRef;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let layout = OciLayout::open("build/image")?;
//! let image = resolve(&layout, "oci:build/image", &ManifestRef::Tag(Tag::parse("v1")?)).await?;
//! let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
//! let signer = SignerPolicy::Certificate(vec![CertificateIdentity::new(
//!     IdentityMatcher::regex_anchored(r"https://github\.com/my-org/.+")?,
//!     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
//! )]);
//! let verifiers = Verifiers { strict: &verifier, promise_only: None };
//! let report = verify_image(&layout, &image, &Wanted::Signatures, verifiers, &signer,
//!     Timestamp::now(), &StorageLimits::DEFAULT).await?;
//! assert!(report.passed(), "{:?}", report.rejected);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cosign;
pub mod cosign_tags;
pub mod discover;
pub mod flow;
pub mod location;
pub mod predicate;
pub mod proof_source;
pub mod reference;
pub mod referrers;
pub mod simple_signing;
pub mod store;

pub use sigchain_core;

pub mod auth;
#[cfg(feature = "client")]
pub mod client;
pub mod layout;
pub mod registry;
