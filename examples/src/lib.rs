//! Support for the runnable examples in `examples/examples/`: what the `ci_pipeline` example
//! stands in for a CI system's own tools when it runs with no arguments — a local Sigstore
//! served in-process ([`local_sigstore`]), a container image built in memory
//! ([`demo_image`], in place of `docker build`) — and what the `admission_webhook` example
//! uses to read namespace labels for policies' `namespaceSelector`s ([`namespace_labels`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod demo_image;
pub mod local_sigstore;
pub mod namespace_labels;
