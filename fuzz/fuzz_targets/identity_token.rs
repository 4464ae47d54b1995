//! OIDC identity tokens: `IdentityToken::parse` (the claims decoder), `signer`,
//! `expected_identity` and `check_usable` never panic; a parsed token is the trimmed input,
//! and the identity it expects is the one its rules name.
//!
//! Input: eight bytes of "now" (big-endian i64), then the token text (seeds from `seed.py`:
//! unsigned JWTs with GitHub Actions, email, federated and subject claims).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_fulcio::sigchain_core::time::Timestamp;
use sigchain_fulcio::token::IdentityToken;

fuzz_target!(|data: &[u8]| {
    let Some((now, text)) = data.split_first_chunk::<8>() else {
        return;
    };
    let now = Timestamp(i64::from_be_bytes(*now));
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(token) = IdentityToken::parse(text) else {
        return;
    };
    assert_eq!(token.as_str(), text.trim());
    let usable = token.check_usable(now);
    if usable.is_ok() {
        assert!(now.0 < token.expires_at().0);
    }
    if let Ok(signer) = token.signer() {
        let identity = token.expected_identity().expect("the same rules");
        identity
            .check(&signer.san, &signer.issuer)
            .expect("the expected identity accepts its own SAN and issuer");
        assert_eq!(token.challenge().expect("the same rules"), signer.challenge);
    }
    // Errors never carry the token.
    if let Err(error) = usable {
        assert!(!error.to_string().contains(token.as_str()));
    }
});
