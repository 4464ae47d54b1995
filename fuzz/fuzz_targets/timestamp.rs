//! RFC 3161 timestamp parser and verifier: never panics on any response bytes, against the
//! real production and staging timestamp authorities.
//!
//! Input layout: a big-endian u16 length `n`, `n` bytes that were timestamped (a signature),
//! then the DER `TimeStampResp`. The seeds pair each real token with the signature it covers,
//! so mutations of the token get past the message-imprint check and reach the CMS and chain
//! checks behind it.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigchain_core::timestamp::TimestampAuthorities;
use sigchain_core::trust_root::TrustedRoot;

fn authorities() -> &'static [TimestampAuthorities; 2] {
    static AUTHORITIES: OnceLock<[TimestampAuthorities; 2]> = OnceLock::new();
    AUTHORITIES.get_or_init(|| {
        [
            TimestampAuthorities::new(&TrustedRoot::production().timestamp_authorities),
            TimestampAuthorities::new(&TrustedRoot::staging().timestamp_authorities),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let len = usize::from(u16::from_be_bytes(*len));
    if rest.len() < len {
        return;
    }
    let (timestamped, signed_timestamp) = rest.split_at(len);
    for authorities in authorities() {
        if let Ok(verified) = authorities.verify(signed_timestamp, timestamped) {
            let _ = (verified.time(), verified.authority_uri());
        }
    }
});
