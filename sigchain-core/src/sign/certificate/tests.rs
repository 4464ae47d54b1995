//! Each check of `check_issued_chain` against a CA double that breaks exactly that rule.

use super::*;
use crate::identity::IdentityMatcher;
use crate::sign::key::SigningKey;
use crate::sign::test_double::{LeafOptions, SctMode, Services, OIDC_ISSUER};

const EMAIL: &str = "user@example.com";

struct Setup {
    services: Services,
    key: SigningKey,
    expected: CertificateIdentity,
}

fn setup() -> Setup {
    Setup {
        services: Services::new(),
        key: SigningKey::generate_p256().unwrap(),
        expected: CertificateIdentity::new(
            IdentityMatcher::exact(EMAIL),
            IdentityMatcher::exact(OIDC_ISSUER),
        ),
    }
}

impl Setup {
    fn options(&self) -> LeafOptions {
        self.services
            .leaf_options(&self.key.public_key_pem(), EMAIL)
    }

    fn check(&self, chain: &[Vec<u8>]) -> Result<IssuedCertificate, IssuedCertificateError> {
        check_issued_chain(
            chain,
            &self.services.trusted_root(),
            self.key.public_key(),
            &self.expected,
            self.services.now(),
        )
    }

    fn check_with(
        &self,
        edit: impl FnOnce(&mut LeafOptions),
    ) -> Result<IssuedCertificate, IssuedCertificateError> {
        let mut options = self.options();
        edit(&mut options);
        self.check(&self.services.issue_with(&options))
    }
}

#[test]
fn honest_chain_passes() {
    let s = setup();
    let issued = s
        .check(&s.services.issue(&s.key.public_key_pem(), EMAIL))
        .unwrap();
    assert_eq!(issued.identity().as_str(), EMAIL);
    assert_eq!(issued.issuer(), OIDC_ISSUER);
    assert_eq!(issued.scts().len(), 1);
    assert_eq!(issued.leaf().spki_der(), s.key.public_key().spki_der());
    assert_eq!(issued.chain().authority_uri(), "https://ca.test");
}

#[test]
fn empty_and_overlong_chains_are_refused() {
    let s = setup();
    assert_eq!(
        s.check(&[]).unwrap_err(),
        IssuedCertificateError::EmptyChain
    );
    let chain = s.services.issue(&s.key.public_key_pem(), EMAIL);
    let long = vec![chain[0].clone(); MAX_ISSUED_CHAIN_LEN + 1];
    assert!(matches!(
        s.check(&long),
        Err(IssuedCertificateError::ChainTooLong { .. })
    ));
}

#[test]
fn malformed_certificates_are_refused() {
    let s = setup();
    assert!(matches!(
        s.check(&[b"junk".to_vec()]),
        Err(IssuedCertificateError::Malformed { index: 0, .. })
    ));
    let mut chain = s.services.issue(&s.key.public_key_pem(), EMAIL);
    chain[1] = b"junk".to_vec();
    assert!(matches!(
        s.check(&chain),
        Err(IssuedCertificateError::Malformed { index: 1, .. })
    ));
}

#[test]
fn certificate_for_another_key_is_refused() {
    let s = setup();
    let other = SigningKey::generate_p256().unwrap();
    let chain = s.services.issue(&other.public_key_pem(), EMAIL);
    assert_eq!(
        s.check(&chain).unwrap_err(),
        IssuedCertificateError::KeyMismatch
    );
}

#[test]
fn unknown_ca_is_refused() {
    let s = setup();
    let rogue = Services::at(s.services.now());
    let chain = rogue.issue(&s.key.public_key_pem(), EMAIL);
    assert!(matches!(
        s.check(&chain),
        Err(IssuedCertificateError::UnknownIssuer(_))
    ));
}

#[test]
fn wrong_subject_is_refused() {
    let s = setup();
    assert!(matches!(
        s.check_with(|o| o.email = "mallory@example.com".into()),
        Err(IssuedCertificateError::WrongSubject { found, .. }) if found == "mallory@example.com"
    ));
}

#[test]
fn wrong_issuer_is_refused() {
    let s = setup();
    assert!(matches!(
        s.check_with(|o| o.issuer = "https://evil.example".into()),
        Err(IssuedCertificateError::WrongIssuer { found, .. }) if found == "https://evil.example"
    ));
}

#[test]
fn missing_sct_is_refused() {
    let s = setup();
    assert_eq!(
        s.check_with(|o| o.sct = SctMode::Missing).unwrap_err(),
        IssuedCertificateError::MissingSct
    );
}

#[test]
fn bad_or_unknown_sct_is_refused() {
    let s = setup();
    for mode in [SctMode::BadSignature, SctMode::UnknownLog] {
        assert!(
            matches!(
                s.check_with(|o| o.sct = mode),
                Err(IssuedCertificateError::BadSct(
                    SctError::BelowThreshold { .. }
                ))
            ),
            "{mode:?}"
        );
    }
}

#[test]
fn certificate_not_valid_now_is_refused() {
    let s = setup();
    let now = s.services.now().as_secs();
    for (nb, na) in [(now + 10, now + 600), (now - 600, now - 10)] {
        assert!(matches!(
            s.check_with(|o| {
                o.not_before = Timestamp(nb);
                o.not_after = Timestamp(na);
            }),
            Err(IssuedCertificateError::NotValidNow { .. })
        ));
    }
}

/// The CA stamps notBefore when it answers, after the signer took its time: a leaf valid from
/// a second later (a second boundary crossed in between) is accepted within the skew, one
/// valid from beyond the skew is not, and no skew means none.
#[test]
fn a_leaf_valid_from_just_after_now_is_accepted_within_the_skew() {
    let s = setup();
    let now = s.services.now();
    let check = |starts_in: i64, skew: i64| {
        let mut options = s.options();
        options.not_before = Timestamp(now.as_secs() + starts_in);
        options.not_after = Timestamp(now.as_secs() + starts_in + 600);
        check_issued_chain_with_skew(
            &s.services.issue_with(&options),
            &s.services.trusted_root(),
            s.key.public_key(),
            &s.expected,
            now,
            skew,
        )
    };
    assert!(check(1, 60).is_ok());
    assert!(check(60, 60).is_ok());
    assert!(matches!(
        check(61, 60),
        Err(IssuedCertificateError::NotValidNow { .. })
    ));
    assert!(matches!(
        check(1, 0),
        Err(IssuedCertificateError::NotValidNow { .. })
    ));
}

#[test]
fn leaf_policy_is_the_verifiers() {
    let s = setup();
    assert!(matches!(
        s.check_with(|o| o.code_signing = false),
        Err(IssuedCertificateError::Chain(
            ChainError::LeafExtKeyUsage { .. }
        ))
    ));
}
