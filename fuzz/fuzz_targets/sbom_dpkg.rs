//! dpkg status parser: never panics, and every package it reports has a name and a version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::dpkg::parse_status;

fuzz_target!(|data: &[u8]| {
    let found = parse_status("var/lib/dpkg/status", data);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
    }
});
