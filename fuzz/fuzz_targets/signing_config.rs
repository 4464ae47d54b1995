//! SigningConfig v0.2 parser: never panics on any bytes; what parses round-trips through
//! `to_json` and selects services without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::sign::config::SigningConfig;
use sigchain_core::time::Timestamp;

fuzz_target!(|data: &[u8]| {
    let Ok(config) = SigningConfig::from_json(data) else {
        return;
    };
    let again = SigningConfig::from_json(config.to_json().as_bytes());
    assert_eq!(again.as_ref(), Ok(&config));
    for now in [Timestamp(0), Timestamp(1_767_225_600), Timestamp(i64::MAX)] {
        let _ = config.select_ca(&[1], now);
        let _ = config.select_oidc(&[1, 2], now);
        let _ = config.select_rekor_tlogs(&[1, 2], now);
        let _ = config.select_tsas(&[1], now);
        let _ = config.select_rekor_tlogs(&[], now);
    }
});
