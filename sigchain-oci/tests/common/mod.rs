//! What the OCI integration tests share.
#![allow(dead_code)]

#[cfg(feature = "client")]
pub mod client;
pub mod ferro;
pub mod htpasswd;
pub mod image;
pub mod registry;
pub mod token_server;
