//! Bundle JSON parser: never panics, and whatever parses survives a serialize/parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::bundle::Bundle;
use sigchain_core::limits::Limits;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = Bundle::from_json(data, &Limits::DEFAULT) {
        let json = bundle.to_json();
        let again = Bundle::from_json(json.as_bytes(), &Limits::DEFAULT)
            .expect("a serialized bundle must parse");
        assert_eq!(again, bundle, "serialize/parse changed the bundle");
        assert_eq!(again.to_json(), json, "serialization is not a fixed point");
    }
});
