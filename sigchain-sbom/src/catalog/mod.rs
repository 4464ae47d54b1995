//! Catalogers: one module per ecosystem, each a pure [`crate::model::Cataloger`].

pub mod cargo;
pub mod cargo_auditable;
pub mod declared;
pub mod gem;
pub mod go;
pub mod java;
pub mod npm;
pub mod python;
