//! What the instance's TSA reads from a client: `tsa::parse_request` never panics on any
//! body, and what it accepts has an imprint of its hash's length.
//!
//! Input: the DER `TimeStampReq`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_instance::tsa::parse_request;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = parse_request(data) {
        let len = request.message_imprint.hashed_message.as_bytes().len();
        assert!(matches!(len, 32 | 48 | 64));
    }
});
