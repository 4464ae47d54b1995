//! The catalogers: one module per ecosystem, each a pure [`crate::model::Cataloger`].

pub mod go;
pub mod java;
