//! TLS-encoded SCT list parser (RFC 6962 §3.3): never panics, never returns an empty list or
//! more SCTs than the bound, and every SCT it returns fits inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::sct::{parse_sct_list, MAX_EMBEDDED_SCTS};

fuzz_target!(|data: &[u8]| {
    if let Ok(scts) = parse_sct_list(data) {
        assert!(!scts.is_empty(), "an SCT list is never empty");
        assert!(scts.len() <= MAX_EMBEDDED_SCTS);
        // Each SCT costs at least version + log id + timestamp + two lengths + algorithms.
        let payload: usize = scts
            .iter()
            .map(|s| 1 + 32 + 8 + 2 + s.extensions.len() + 2 + 2 + s.signature.len())
            .sum();
        assert!(payload <= data.len(), "parsed more bytes than were given");
    }
});
