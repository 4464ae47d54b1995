//! What the OCI integration tests share.
#![allow(dead_code)]

pub mod image;
pub mod registry;
