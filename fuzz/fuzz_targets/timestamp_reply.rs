//! The signer's check of a TSA reply (`sign::timestamp::TimestampRequest::check_reply`): never
//! panics on any reply, against the production and staging timestamp authorities.
//!
//! Input layout: a big-endian u16 length `n`, `n` bytes of signature (what the request
//! timestamps), 16 nonce bytes, then the DER `TimeStampResp`. Seeding with a real token, its
//! signature and its nonce lets mutations reach the checks behind the imprint and nonce.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigchain_core::sign::timestamp::TimestampRequest;
use sigchain_core::time::Timestamp;
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
    if rest.len() < len + 16 {
        return;
    }
    let (signature, rest) = rest.split_at(len);
    let (nonce, reply) = rest.split_at(16);
    let mut nonce_bytes = [0u8; 16];
    nonce_bytes.copy_from_slice(nonce);
    let request = TimestampRequest::with_nonce(signature, nonce_bytes);
    for authorities in authorities() {
        for now in [Timestamp(0), Timestamp(1_767_225_600)] {
            if let Ok(checked) = request.check_reply(reply, authorities, now, 60) {
                assert_eq!(checked.response_der(), reply);
            }
        }
    }
});
