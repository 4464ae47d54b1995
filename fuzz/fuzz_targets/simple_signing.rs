//! cosign's image signature payload: `SimpleSigning::from_json` never panics, and what it
//! accepts writes back to a payload that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_oci::simple_signing::SimpleSigning;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = SimpleSigning::from_json(data) {
        let again = SimpleSigning::from_json(&payload.to_json()).expect("our own payload parses");
        assert_eq!(again, payload);
        assert!(payload.check_image(&payload.manifest_digest).is_ok());
    }
});
