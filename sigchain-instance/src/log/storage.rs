//! Append-only Merkle tree storage (placeholder: being written).
