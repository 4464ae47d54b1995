//! Log monitor (placeholder: being written).
