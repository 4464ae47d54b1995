//! OCI for sigchain: **in progress** (issue 8).
//!
//! The crate moves bytes; whether a signature is trusted is decided by [`sigchain_core`].
//! What works today:
//! - [`reference`](mod@reference): image references parsed and normalised as the Docker/OCI tooling does
//!   (`docker.io` and `library/` defaults, `latest`, ports, tag and digest together), and
//!   digests; [`cosign_tags`]: the tags cosign stores signatures, attestations and SBOMs
//!   under, and the OCI 1.1 referrers fallback tag; [`simple_signing`]: the payload cosign
//!   signs for an image (the manifest digest it binds to);
//! - [`layout`]: OCI image layouts on disk (`oci-layout`, `index.json`, `blobs/sha256/`), read
//!   and written with every blob's size and digest checked, and the manifest kinds of OCI and
//!   Docker schema 2 recognised;
//! - [`auth`]: registry authentication, sans-IO: `WWW-Authenticate` challenges, the
//!   credentials the Docker CLI's `config.json` names, and the token flow
//!   ([`auth::token`]: challenge → token request → cached `Authorization`);
//! - [`registry`]: the OCI distribution API, sans-IO: requests as values, answers checked
//!   (manifests against their digest and `Docker-Content-Digest`, blobs while they stream,
//!   bounded sizes, `Link` pagination, referrers), platform selection from an index;
//! - `client` (feature `client`): `RegistryClient`, the async adapter over reqwest with
//!   rustls (plain HTTP only for loopback hosts and an explicit insecure list; retries;
//!   credential helpers run as processes), and `RegistryRepository`, one repository as a
//!   [`store::ArtifactStore`];
//! - [`cosign`]: signatures, attestations and SBOMs where cosign keeps them (`.sig`, `.att`,
//!   `.sbom` tags), converted to and from Sigstore bundles and verified bound to the image;
//!   [`referrers`]: Sigstore bundles as OCI 1.1 referrers, with the referrers fallback tag;
//!   [`discover`](mod@discover): everything stored about one image, and where. All of it is
//!   written once over [`store::ArtifactStore`], so it works on a layout and a registry alike.
//! - [`proof_source`]: the inclusion proofs cosign's tag scheme does not store, fetched from
//!   the log (`RekorV1Proofs` with feature `client`) so such signatures verify strictly.
//!
//! An image manifest is named by its SHA-256 digest, and [`sigchain_core`] verifies a bundle
//! against an artifact known only by that digest:
//!
//! ```
//! use sigchain_oci::sigchain_core::crypto::Sha256Digest;
//! use sigchain_oci::sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! use sigchain_oci::sigchain_core::time::Timestamp;
//! use sigchain_oci::sigchain_core::trust_root::TrustedRoot;
//! use sigchain_oci::sigchain_core::verify::{Artifact, Policy, Verifier, VerifierConfig};
//! # let bundle_json = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
//! #     "/../../shared/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json"))?;
//! let digest = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
//! let hex = digest.strip_prefix("sha256:").ok_or("not a SHA-256 digest")?;
//! let artifact = Artifact::Sha256(Sha256Digest::from_hex(hex).ok_or("bad hex")?);
//! let identity = CertificateIdentity::new(
//!     IdentityMatcher::regex_anchored(r"https://github\.com/sigstore-conformance/.+")?,
//!     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
//! );
//! let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
//! let policy = Policy::identity(artifact, identity);
//! verifier.verify_json(&bundle_json, &policy, Timestamp::now())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
