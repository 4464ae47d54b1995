//! Admission policies for sigchain: **in progress** (issue 10).
//!
//! The engine will answer Kubernetes `AdmissionReview` requests by policy (which images need
//! which signatures and attestations, from whom), sans-IO, with evidence gathered by an
//! adapter and checked by [`sigchain_core`]. What works today:
//! - [`yaml`]: policy files of one or more YAML (or JSON) documents, loaded under limits on
//!   size, depth, documents and alias expansion (a YAML bomb is refused, not expanded);
//! - [`kyverno`]: `ClusterPolicy` / `Policy` (kyverno.io/v1) `verifyImages` rules with
//!   Kyverno's defaults and admission checks, unsupported fields refused by name; Kyverno's
//!   wildcard, image-string, keyless-identity, Go-regexp, match/exclude and failure-action
//!   semantics (module docs cite the source);
//! - [`cip`]: policy-controller's `ClusterImagePolicy` with its validation and defaults, its
//!   glob semantics and go-containerregistry's name normalization;
//! - [`admission`]: AdmissionReview v1 requests, the images of Pods and pod templates with
//!   their JSON pointers, JSONPatch digest pinning in Kyverno's form, responses, and
//!   PolicyReport (wgpolicyk8s.io/v1alpha2) types;
//! - [`evidence`]: what the engine is told verified for an image, and the evidence file;
//! - `provider` (feature `client`): evidence from registries, fetched with `sigchain-oci` and
//!   verified with [`sigchain_core`], cached by digest and verification material, with
//!   coalesced lookups and per-request deadlines that fail closed.
//!
//! To come: the decision engine joining them, the
//! `sigchain policy` command and the admission webhook example.
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
