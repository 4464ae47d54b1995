//! apk installed-database parser: never panics, reports only named, versioned packages, and
//! never makes a package depend on itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::apk::parse_installed;

fuzz_target!(|data: &[u8]| {
    let found = parse_installed("lib/apk/db/installed", data);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
        assert!(!package.depends_on.contains(&package.name));
    }
});
