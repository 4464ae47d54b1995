//! What the instance's log accepts: `log::submission::accept_v1` and `accept_v2` never panic
//! on any request body, and what they accept is a body the index reads back; the index's
//! readers (`keys_of_body`, `kind_version`, `pem_der`) never panic on anything.
//!
//! Input: the request body, given to both versions and to the index readers as is. Seeds
//! (`seed.py`): Rekor v1 `hashedrekord` requests (which are their own canonical bodies) and
//! Rekor v2 `hashedRekordRequestV002` requests rebuilt from real conformance entries, whose
//! signatures verify; and the entries' canonical bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::limits::Limits;
use sigchain_instance::log::index::{keys_of_body, kind_version, pem_der};
use sigchain_instance::log::submission::{accept_v1, accept_v2, AcceptedEntry};

fn check_accepted(accepted: &AcceptedEntry) {
    // A body the log writes is one its index reads.
    assert_eq!(accepted.index_keys, keys_of_body(&accepted.body));
    let kind = kind_version(&accepted.body).expect("an accepted body names its kind");
    assert!(
        matches!(
            (kind.kind.as_str(), kind.version.as_str()),
            ("hashedrekord", "0.0.1" | "0.0.2") | ("dsse", "0.0.1" | "0.0.2")
        ),
        "{kind:?}"
    );
    assert!(!accepted.index_keys.is_empty());
}

fuzz_target!(|data: &[u8]| {
    if let Ok(accepted) = accept_v1(data, &Limits::DEFAULT) {
        check_accepted(&accepted);
    }
    if let Ok(accepted) = accept_v2(data, &Limits::DEFAULT) {
        check_accepted(&accepted);
    }
    for key in keys_of_body(data) {
        assert!(key.is_ascii());
    }
    let _ = kind_version(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(der) = pem_der(text) {
            assert!(der.len() <= text.len());
        }
    }
});
