//! npm `package-lock.json` (v1-v3) and installed `package.json` files never panic; every
//! package found has a (non-empty) name and version, and deduplication never adds packages.
//!
//! Input: a selector byte (lockfile or package.json), then the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::npm::{dedupe, NpmCataloger};
use sigchain_sbom::model::Cataloger;

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let path = if selector % 2 == 0 {
        "srv/app/package-lock.json"
    } else {
        "srv/app/node_modules/pkg/package.json"
    };
    let cataloger = NpmCataloger {
        include_dev: selector & 2 != 0,
    };
    let found = cataloger.catalog(path, rest);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
    }
    let count = found.packages.len();
    assert!(dedupe(found.packages).len() <= count);
});
