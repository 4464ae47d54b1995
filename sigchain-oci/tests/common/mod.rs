//! Shared test helpers for sigchain-oci's integration tests.
#![allow(dead_code)]

pub mod image;
