//! Go build information and Java archive readers: never panic; a Go module found has a path,
//! and a Java package a name and a version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::{go, java};
use sigchain_sbom::model::Cataloger;

fuzz_target!(|data: &[u8]| {
    let _ = go::parse_build_info(data);
    for package in go::GoBinaryCataloger.catalog("bin/fuzz", data).packages {
        assert!(!package.name.is_empty());
    }
    let found = java::read_archive("fuzz.jar", data, &java::JavaLimits::DEFAULT);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
    }
});
