//! What the instance's CA reads from a client: `ca::request::parse_request` and the proof
//! check `verified_key` never panic on any body, and refuse what is not a valid proof.
//!
//! Input: the request body. Seeds: none needed; JSON structure is found quickly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_instance::ca::request::{parse_request, verified_key};

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = parse_request(data, Some("token")) {
        let _ = verified_key(&request.proof, "someone@example.com");
    }
});
