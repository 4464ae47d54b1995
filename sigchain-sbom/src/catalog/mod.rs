//! Catalogers: one module per package database or metadata format. Each implements
//! [`crate::model::Cataloger`] (a cheap path test and a pure, never-panicking parse of one file).

pub mod apk;
pub mod cargo;
pub mod cargo_auditable;
pub mod declared;
pub mod dpkg;
pub mod gem;
pub mod go;
pub mod java;
pub mod npm;
pub mod os_release;
pub mod party;
pub mod python;
pub mod rpm;
