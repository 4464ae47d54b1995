//! The transparency log of the local instance.

pub mod storage;
