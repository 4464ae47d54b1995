//! TUF cache index parser: never panics, and what parses writes back to the same index.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::tuf::index::CacheIndex;

fuzz_target!(|data: &[u8]| {
    if let Ok(index) = CacheIndex::from_json(data) {
        assert_eq!(CacheIndex::from_json(&index.to_json()), Ok(index));
    }
});
