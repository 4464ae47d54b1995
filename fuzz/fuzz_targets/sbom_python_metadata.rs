//! Python core metadata (`METADATA`, `PKG-INFO`) and `RECORD` files never panic; a package
//! found always has a name and a version, and every RECORD file stays inside the root.
//!
//! Input: a selector byte (METADATA or RECORD), then the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::python::{merge_records, PythonCataloger};
use sigchain_sbom::model::Cataloger;

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let dir = "usr/lib/python3/site-packages/pkg-1.0.dist-info";
    let path = if selector % 2 == 0 {
        format!("{dir}/METADATA")
    } else {
        format!("{dir}/RECORD")
    };
    let found = PythonCataloger.catalog(&path, rest);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
        for file in &package.files {
            assert!(!file.starts_with('/') && !file.split('/').any(|part| part == ".."));
        }
    }
    let _ = merge_records(found.packages);
});
