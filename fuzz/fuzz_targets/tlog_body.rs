//! Transparency-log entry body matcher: never panics on any body, for every supported
//! kind/version and each kind of content and signer.
//!
//! Input layout: one selector byte, then the canonicalized body. The selector's low bits pick
//! the declared kind/version (table below, kept in step with `seed.py`), bit 6 picks a
//! certificate signer over a bare key, bit 7 picks DSSE content over a message signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::crypto::HashAlgorithm;
use sigchain_core::limits::Limits;
use sigchain_core::tlog::{check_body_matches, SignedContent, SignerMaterial};
use sigchain_core::trust_root::TrustedRoot;

const KINDS: [(&str, &str); 6] = [
    ("hashedrekord", "0.0.1"),
    ("hashedrekord", "0.0.2"),
    ("dsse", "0.0.1"),
    ("dsse", "0.0.2"),
    ("intoto", "0.0.2"),
    ("rekord", "0.0.1"),
];

const DIGEST: [u8; 32] = [0x5a; 32];
const SIGNATURE: &[u8] = b"fuzz signature";
const DSSE_SIGNATURES: &[&[u8]] = &[SIGNATURE];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (kind, version) = KINDS[usize::from(selector & 0x3f) % KINDS.len()];
    let content = if selector & 0x80 != 0 {
        SignedContent::Dsse {
            payload_type: "application/vnd.in-toto+json",
            payload: b"{}",
            signatures: DSSE_SIGNATURES,
        }
    } else {
        SignedContent::MessageSignature {
            digest: &DIGEST,
            digest_algorithm: HashAlgorithm::Sha256,
            signature: SIGNATURE,
        }
    };
    // Real key and certificate from the embedded root, so signer parsing succeeds and the
    // comparison code past it is reached.
    let root = TrustedRoot::production();
    let signer = if selector & 0x40 != 0 {
        match root
            .certificate_authorities
            .first()
            .and_then(|ca| ca.chain.first())
        {
            Some(cert) => SignerMaterial::Certificate(cert),
            None => return,
        }
    } else {
        match root.tlogs.first() {
            Some(log) => SignerMaterial::PublicKey(&log.key_der),
            None => return,
        }
    };
    let _ = check_body_matches(kind, version, body, &content, &signer, &Limits::DEFAULT);
});
