//! Sigstore policy-controller's `ClusterImagePolicy`: the resource model and its matching
//! semantics, sans-IO.
//!
//! - [`model`]: the loaded policy's types; [`ClusterImagePolicy::from_value`] reads one
//!   (`policy.sigstore.dev` `v1beta1` or `v1alpha1`) from a deserialised document.
//! - [`load`]: policy-controller's validation and defaults, applied while loading; fields
//!   sigchain does not implement are refused by name.
//! - [`glob`]: `spec.images[].glob`, compiled to the same anchored regular expression as
//!   policy-controller's `pkg/apis/glob/glob.go`: `*` stays within a path segment (and runs
//!   across `:tag` and `@digest`), `**` crosses `/`, the exact globs `*` and `*/*` mean
//!   `index.docker.io/library/*` and `index.docker.io/*/*`.
//! - [`name`]: the image name a glob is matched against, normalised as go-containerregistry
//!   does (`index.docker.io/library/nginx:latest`; a digest replaces the tag), which is not
//!   what [`sigchain_oci::reference::Reference`] prints (`docker.io/...`).
//! - [`identity`]: `keyless.identities[]`; exact `issuer`/`subject`, or **unanchored**
//!   `issuerRegExp`/`subjectRegExp` (Go's `regexp.MatchString` in cosign's
//!   `CheckCertificatePolicy`).
//!
//! Everything here was read from sigstore/policy-controller (file paths in each module's
//! docs), sigstore/cosign `pkg/cosign/verify.go` and google/go-containerregistry
//! `pkg/name/`.
//!
//! ```
//! use sigchain_policy::cip::Glob;
//! // What `glob: "*"` selects in policy-controller's admission webhook:
//! let glob = Glob::compile("*")?;
//! assert_eq!(glob.regex_source(), r"^index\.docker\.io/library/[^/]*$");
//! assert!(glob.matches_admitted("nginx")?); // index.docker.io/library/nginx:latest
//! assert!(glob.matches_admitted("docker.io/library/nginx:1.27")?);
//! assert!(!glob.matches_admitted("bitnami/nginx")?); // a user image, not official
//! assert!(!glob.matches_admitted("registry.example.com/nginx")?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod glob;
pub mod identity;
pub mod load;
pub mod model;
pub mod name;

#[cfg(test)]
mod tests;

pub use glob::{Glob, GlobError};
pub use identity::Identity;
pub use model::{
    ApiVersion, Attestation, Authority, CipError, ClusterImagePolicy, KeyAuthority,
    KeylessAuthority, MatchResource, Mode, SignatureFormat, Source, Spec, StaticAction,
    StaticAuthority, TransparencyLog, Verifier,
};
pub use name::{ImageName, ImageNameError};
