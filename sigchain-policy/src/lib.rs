//! Admission policies for sigchain: decide Kubernetes `AdmissionReview` requests by Kyverno
//! `verifyImages` policies and Sigstore policy-controller `ClusterImagePolicy`s — which images
//! need which signatures and attestations, from whom — with the origins' semantics, sans-IO.
//!
//! - [`engine`]: policy files in ([`engine::PolicySet`]: Kyverno `ClusterPolicy` / `Policy`,
//!   `PolicyException`, `ClusterImagePolicy`, mixed), a request in, **evidence queries** out
//!   ([`engine::Review::queries`]), answers in, a [`engine::Decision`] out: the mutating
//!   response (with the JSONPatch pinning images to digests), the validating response, and a
//!   PolicyReport. [`engine::evaluate`] drives any [`evidence::EvidenceSource`].
//! - [`evidence`]: what the engine is told verified for an image (digest, signers,
//!   attestations), and the evidence file that states it as data.
//! - `provider` (feature `client`): evidence from registries, fetched with `sigchain-oci` and
//!   verified with [`sigchain_core`], cached by digest and verification material, with
//!   coalesced lookups and per-request deadlines that fail closed (`evaluate_until`).
//! - [`kyverno`], [`cip`]: the two policy models with their loaders, defaults, admission
//!   checks and matching semantics (wildcards, globs, image strings, identities, regexps),
//!   each module citing the upstream source it follows.
//! - [`admission`]: AdmissionReview v1, the images of Pods and pod templates with their JSON
//!   pointers, JSONPatch pinning, responses, PolicyReport (wgpolicyk8s.io/v1alpha2) types.
//! - [`policy_test`]: Kyverno-CLI-style test cases (`kyverno-test.yaml`) decided with
//!   evidence files (`sigchain policy test DIR`).
//! - [`yaml`]: YAML/JSON documents under limits on size, depth, documents and alias
//!   expansion (a YAML bomb is refused, not expanded).
//!
//! The `sigchain policy eval` command and the `admission_webhook` example (with `deploy/`
//! manifests) are the two front ends in this repository; the [`engine`] docs show the
//! two-step use.
//!
//! The keyless identity a policy names is checked by [`sigchain_core::identity`]:
//!
//! ```
//! use sigchain_policy::sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! let identity = CertificateIdentity::new(
//!     IdentityMatcher::regex_anchored(r"https://github\.com/acme/.+/\.github/workflows/.+")?,
//!     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
//! );
//! let issuer = "https://token.actions.githubusercontent.com";
//! let release = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0";
//! assert!(identity.check(release, issuer).is_ok());
//! assert!(identity.check("https://github.com/mallory/app/x.yml", issuer).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admission;
pub mod cip;
pub mod engine;
pub mod evidence;

pub use sigchain_core;

#[cfg(feature = "client")]
pub mod provider;

pub mod kyverno;
pub mod policy_test;
pub mod yaml;
