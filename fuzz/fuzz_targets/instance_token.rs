//! What the instance's CA reads as an identity token: `oidc::TokenVerifier::verify` never
//! panics on any input, and accepts nothing not signed by the trusted issuer's key.
//!
//! Input: the token text (lossily UTF-8).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigchain_instance::oidc::{OidcIssuer, TokenVerifier};
use sigchain_instance::pki::{Curve, EcKey};

fn verifier() -> &'static TokenVerifier {
    static VERIFIER: OnceLock<TokenVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let key = EcKey::generate(Curve::P256).expect("key");
        let issuer = OidcIssuer::new("http://127.0.0.1:1/oidc", key).expect("issuer");
        TokenVerifier::new(vec![issuer.trusted()])
    })
}

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    assert!(verifier().verify(&token, 1_760_000_000).is_err());
});
