//! Keys in every accepted form sign and verify; every refused form says why.
//! The PEM constants are throwaway test keys made with `openssl ecparam`/`pkcs8`/`genpkey`.

use super::*;

const P256_SEC1: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIChDyXwSPVHEIUqvpTSttBDpgPkYR5+1QX33zSwttFENoAoGCCqGSM49
AwEHoUQDQgAEfLVkRg3W6s6cB8LWBofpEzxfcPMVoNM5yy0rE3fGKRavPzD4FEzI
kanykNExebcGw+ktCxktzFI5tlyKxk43Mg==
-----END EC PRIVATE KEY-----";

const P256_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKEPJfBI9UcQhSq+l
NK20EOmA+RhHn7VBfffNLC20UQ2hRANCAAR8tWRGDdbqzpwHwtYGh+kTPF9w8xWg
0znLLSsTd8YpFq8/MPgUTMiRqfKQ0TF5twbD6S0LGS3MUjm2XIrGTjcy
-----END PRIVATE KEY-----";

const P256_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfLVkRg3W6s6cB8LWBofpEzxfcPMV
oNM5yy0rE3fGKRavPzD4FEzIkanykNExebcGw+ktCxktzFI5tlyKxk43Mg==
-----END PUBLIC KEY-----";

const P384_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDRQBe/u9yR/m80YyUb
u0MP/aCaJXcZco6iLgP2EKULE2FaBdt2MRhW3chcG4L0znehZANiAARNpzo1OZyJ
mJ7kyt9Qn5QZvoLXxFdxuMep5CWFryN/GI8q2pDQchqVuXMTwl6kCoLX2GZ4Z4+Q
Q2IwaOCOMSL7nUadBAAcRTTGcPrTH5yaYUfJlmKGuUZZMFoNRnCm2sc=
-----END PRIVATE KEY-----";

const P256_ENCRYPTED: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhe8bSk9CrEGgICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEFocfgn8zqRtJvqnMSh2IkUEgZAD
fTJIxs/aAvjKrY6I8bKf5qW8shBcJKeB/RbuSwQ1qkzgDoFoldopvQysQd7ovyq3
8q7zaB16E2/tbGBWjeMe5EN2Wi8YDhz09gfP/KapqxZSjFpzyURUCgCNfoHYkpzT
XjFmDXWCB4qgwtsCLTScm5GFcZdyQ8jBjGPG9nCRN7gva0z9H6RddCvJ4Y3h2v0=
-----END ENCRYPTED PRIVATE KEY-----";

const ED25519_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIBR1kurNiLg1zWHvXIv7p1GNraBqpFmBq2KtBWisMq+6
-----END PRIVATE KEY-----";

const P521_SEC1: &str = "-----BEGIN EC PRIVATE KEY-----
MIHcAgEBBEIAE2JufIEWMQYu/3XH1GPeGJ9yKCPtXnfENbdET/BSaapmseCGsKDL
F87RhWhG2gZBGH9CWmi+8XLi0ZQUcuWL3b+gBwYFK4EEACOhgYkDgYYABAGsgyy9
6TM+0wTYebFR7FzES7tZ2gxwAzKgrtPwHkmFhQGWjMMOycEOqdtwgicUhm8UQaIY
PDv9t6F9aBmqKQ8jPQBiCPp3icScRwPBANZm+21d8Xujc5O90xsxEQpDfu9dWdHA
tzukOeYruyVPLLzsX6eXGZClevuwTozELapIK9KyLA==
-----END EC PRIVATE KEY-----";

fn round_trip(key: &SigningKey) {
    let sig = key.sign(b"message").unwrap();
    key.public_key()
        .verify(b"message", &sig, key.hash())
        .unwrap();
    let digest = key.hash().digest(b"message");
    let sig = key.sign_prehashed(key.hash(), &digest).unwrap();
    key.public_key()
        .verify(b"message", &sig, key.hash())
        .unwrap();
    assert!(key.public_key().verify(b"other", &sig, key.hash()).is_err());
}

#[test]
fn generated_p256_signs_and_verifies() {
    let key = SigningKey::generate_p256().unwrap();
    assert_eq!(key.kind(), KeyKind::EcdsaP256);
    round_trip(&key);
    let digest = Sha256Digest::of(b"artifact");
    let sig = key.sign_sha256_digest(&digest).unwrap();
    key.public_key()
        .verify(b"artifact", &sig, HashAlgorithm::Sha256)
        .unwrap();
}

#[test]
fn two_generated_keys_differ() {
    let a = SigningKey::generate_p256().unwrap();
    let b = SigningKey::generate_p256().unwrap();
    assert_ne!(a.public_key(), b.public_key());
}

#[test]
fn sec1_and_pkcs8_of_one_key_agree() {
    let sec1 = SigningKey::from_pem(P256_SEC1).unwrap();
    let pkcs8 = SigningKey::from_pem(P256_PKCS8).unwrap();
    let public = PublicKey::from_pem(P256_PUBLIC).unwrap();
    assert_eq!(sec1.public_key(), &public);
    assert_eq!(pkcs8.public_key(), &public);
    round_trip(&sec1);
    round_trip(&pkcs8);
    assert_eq!(PublicKey::from_pem(&sec1.public_key_pem()).unwrap(), public);
}

#[test]
fn p384_pkcs8_signs_with_sha384() {
    let key = SigningKey::from_pem(P384_PKCS8).unwrap();
    assert_eq!(key.kind(), KeyKind::EcdsaP384);
    assert_eq!(key.hash(), HashAlgorithm::Sha384);
    round_trip(&key);
}

#[test]
fn refused_keys_say_why() {
    assert_eq!(
        SigningKey::from_pem(P256_ENCRYPTED).unwrap_err(),
        KeyError::Encrypted
    );
    assert!(matches!(
        SigningKey::from_pem(ED25519_PKCS8),
        Err(KeyError::UnsupportedAlgorithm(_))
    ));
    assert!(matches!(
        SigningKey::from_pem(P521_SEC1),
        Err(KeyError::UnsupportedAlgorithm(_))
    ));
    assert!(matches!(
        SigningKey::from_pem(P256_PUBLIC),
        Err(KeyError::UnsupportedLabel(_))
    ));
    assert_eq!(
        SigningKey::from_pem("garbage").unwrap_err(),
        KeyError::NotPem
    );
    assert!(matches!(
        SigningKey::from_pkcs8_der(b"\x30\x03\x02\x01\x00"),
        Err(KeyError::Malformed(_))
    ));
    assert!(matches!(
        SigningKey::from_sec1_der(&[]),
        Err(KeyError::Malformed(_))
    ));
}

#[test]
fn zero_scalar_is_refused() {
    // SEC1 v1 with a 32-byte zero scalar on P-256.
    let mut der = vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend([0u8; 32]);
    der.extend([
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ]);
    der[1] = (der.len() - 2) as u8;
    assert!(SigningKey::from_sec1_der(&der).is_err());
}

#[test]
fn prehashed_signing_needs_the_keys_hash_and_length() {
    let key = SigningKey::generate_p256().unwrap();
    assert!(matches!(
        key.sign_prehashed(HashAlgorithm::Sha384, &[0u8; 48]),
        Err(KeyError::Digest { .. })
    ));
    assert!(matches!(
        key.sign_prehashed(HashAlgorithm::Sha256, &[0u8; 31]),
        Err(KeyError::Digest { .. })
    ));
}

#[test]
fn debug_never_shows_the_private_key() {
    let key = SigningKey::from_pem(P256_SEC1).unwrap();
    assert_eq!(format!("{key:?}"), "SigningKey { kind: EcdsaP256, .. }");
}
