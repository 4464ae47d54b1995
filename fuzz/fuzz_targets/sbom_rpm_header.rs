//! rpm header blob parser: never panics and never allocates beyond the input's bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::rpm::parse_header_blob;

fuzz_target!(|data: &[u8]| {
    if let Ok(package) = parse_header_blob("var/lib/rpm/rpmdb.sqlite", data) {
        assert!(!package.name.is_empty());
    }
});
