//! Table tests derived from policy-controller's, cosign's and go-containerregistry's
//! sources (facts re-stated, cases written here), plus property tests.

/// A sha256 digest hex used across the tables (the one policy-controller's glob test uses).
macro_rules! hex64 {
    () => {
        "5504f2a95018e3d8a52d80d9e1a128c6ea337581808ff9fe96f5628ce2336350"
    };
}

mod glob_table;
mod identity_table;
mod model_rules;
mod name_table;
mod props;
