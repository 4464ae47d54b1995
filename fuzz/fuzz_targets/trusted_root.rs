//! Trusted root JSON parser: never panics, and the lookups on a parsed root do not either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;

fuzz_target!(|data: &[u8]| {
    let Ok(root) = TrustedRoot::from_json(data) else {
        return;
    };
    for log in root.tlogs.iter().chain(&root.ctlogs) {
        assert!(root.tlog(&log.log_id.0).is_some() || root.ctlog(&log.log_id.0).is_some());
        let _ = log.validity.contains(Timestamp(0));
    }
    for authority in root
        .certificate_authorities
        .iter()
        .chain(&root.timestamp_authorities)
    {
        let _ = authority.validity.contains(Timestamp(i64::MAX));
    }
});
