//! Fulcio v2 answers: `FulcioV2::check_signing_certificate` and `check_trust_bundle` never
//! panic, whatever the CA answers; what passes respects the limits.
//!
//! Input: a selector byte (bit 0: signing certificate or trust bundle; bits 1-3: the status,
//! `STATUSES`, the same table as `common::STATUSES`), then the answer body (seeds from `seed.py`: answers built from the
//! conformance bundles' certificates and the trusted roots' chains).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_fulcio::http::HttpResponse;
use sigchain_fulcio::v2::FulcioV2;
use sigchain_fulcio::{FulcioLimits, UnverifiedCertificateChain};

/// Must match `STATUSES` in `seed.py`.
const STATUSES: [u16; 8] = [200, 201, 404, 409, 500, 503, 400, 302];

fn within_limits(chain: &UnverifiedCertificateChain, limits: &FulcioLimits) {
    assert!(!chain.is_empty());
    assert!(chain.len() <= limits.max_chain_certificates);
    for der in chain.der_list() {
        assert!(der.len() <= limits.max_certificate_bytes);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from((selector >> 1) & 7)];
    let response = HttpResponse::new(status, body.to_vec());
    let fulcio = FulcioV2::new();
    let limits = *fulcio.limits();
    if selector & 1 == 0 {
        if let Ok(chain) = fulcio.check_signing_certificate(&response) {
            assert!(matches!(status, 200 | 201));
            within_limits(&chain, &limits);
        }
    } else if let Ok(bundle) = fulcio.check_trust_bundle(&response) {
        assert_eq!(status, 200);
        assert!(!bundle.chains().is_empty());
        assert!(bundle.chains().len() <= limits.max_trust_bundle_chains);
        for chain in bundle.chains() {
            within_limits(chain, &limits);
        }
    }
});
