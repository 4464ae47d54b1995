//! Go build information and Java archive readers: never panic; a Go module found has a path,
//! and a Java package a name and a version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::{go, java};

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = go::read_build_info(data) {
        for package in go::packages(&info) {
            assert!(!package.name.is_empty());
        }
    }
    let found = java::read_archive("fuzz.jar", data, &java::JavaLimits::DEFAULT);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
    }
});
