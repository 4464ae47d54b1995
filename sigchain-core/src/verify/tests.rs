//! Each verifier step, positive and negative, on real conformance bundles and edits of them.
//!
//! Every check in the pipeline has a test here that fails if the check is removed (mutation
//! testing with cargo-mutants finds the ones that do not). Cases are read in place from
//! `shared/conformance/bundle-verify`; an edit goes through `Bundle::into_parts` /
//! `from_parts`, so it keeps the bundle's structural rules and only breaks the check aimed at.
//! States the bundle rules forbid (a v0.2+ entry without a proof, a v0.1 entry without a
//! promise) are reached by calling the step's function directly.

mod material_signature;
mod steps;
mod tlog_step;

use super::*;
use crate::bundle::BundleParts;
use crate::crypto::PublicKey;
use crate::identity::{CertificateIdentity, IdentityMatcher};
use crate::limits::Limits;

const CASES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/bundle-verify"
);

/// The conformance beacon's workflow identity and issuer.
const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ACTIONS: &str = "https://token.actions.githubusercontent.com";

/// A fixed clock after every case's signing time (2033-05-18).
const NOW: Timestamp = Timestamp(2_000_000_000);

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The artifact every conformance case signs.
fn artifact() -> Vec<u8> {
    read(&format!("{CASES}/a.txt"))
}

fn bundle(case: &str) -> Bundle {
    Bundle::from_json(
        &read(&format!("{CASES}/{case}/bundle.sigstore.json")),
        &Limits::DEFAULT,
    )
    .unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// The case's own trusted root, or production.
fn root(case: &str) -> TrustedRoot {
    match std::fs::read(format!("{CASES}/{case}/trusted_root.json")) {
        Ok(json) => TrustedRoot::from_json(&json).unwrap(),
        Err(_) => TrustedRoot::production().clone(),
    }
}

fn managed_key(case: &str) -> PublicKey {
    let pem = String::from_utf8(read(&format!("{CASES}/{case}/key.pub"))).unwrap();
    PublicKey::from_pem(&pem).unwrap()
}

fn identity(subject: &str, issuer: &str) -> CertificateIdentity {
    CertificateIdentity::new(
        IdentityMatcher::exact(subject),
        IdentityMatcher::exact(issuer),
    )
}

fn beacon() -> SignerPolicy {
    SignerPolicy::Certificate(vec![identity(BEACON, ACTIONS)])
}

/// The signer `case` was made by: its managed key when it ships one, else the beacon.
fn signer_for(case: &str) -> SignerPolicy {
    if std::path::Path::new(&format!("{CASES}/{case}/key.pub")).exists() {
        SignerPolicy::PublicKey(managed_key(case))
    } else {
        beacon()
    }
}

/// Take a bundle apart, change it, and put it back together under the bundle rules.
fn edit(bundle: Bundle, change: impl FnOnce(&mut BundleParts)) -> Bundle {
    let mut parts = bundle.into_parts();
    change(&mut parts);
    Bundle::from_parts(parts, &Limits::DEFAULT).unwrap()
}

/// Verify `bundle` with `case`'s trusted root over the conformance artifact.
fn verify_with(
    case: &str,
    bundle: &Bundle,
    signer: SignerPolicy,
    config: VerifierConfig,
    now: Timestamp,
) -> Result<VerifiedBundle, VerifyError> {
    let data = artifact();
    let policy = Policy {
        artifact: Artifact::Bytes(&data),
        signer,
    };
    Verifier::new(&root(case), config).verify(bundle, &policy, now)
}

/// Verify `case` unchanged, with its signer and the default configuration.
fn verify_case(case: &str) -> Result<VerifiedBundle, VerifyError> {
    verify_with(
        case,
        &bundle(case),
        signer_for(case),
        VerifierConfig::default(),
        NOW,
    )
}

fn flip_last(bytes: &mut [u8]) {
    if let Some(b) = bytes.last_mut() {
        *b ^= 1;
    }
}

#[test]
fn every_happy_path_verifies_and_reports_what_it_proved() {
    for case in [
        "happy-path-v0.1",
        "happy-path-v0.2",
        "happy-path-v0.3",
        "happy-path-intoto-in-dsse-v3",
        "rekor2-happy-path",
        "rekor2-dsse-happy-path",
    ] {
        let verified = verify_case(case).unwrap_or_else(|e| panic!("{case}: {e}"));
        let VerifiedSigner::Certificate(cert) = verified.signer() else {
            panic!("{case}: certificate signer expected");
        };
        assert_eq!(cert.identity().as_str(), BEACON, "{case}");
        assert_eq!(cert.issuer(), ACTIONS, "{case}");
        assert_eq!(cert.scts().len(), 1, "{case}");
        assert_eq!(
            Some(cert.chain().leaf().der()),
            bundle(case).verification_material().leaf_certificate_der()
        );
        assert!(!verified.times().is_empty(), "{case}");
        assert_eq!(verified.log_entries().len(), 1, "{case}");
        assert!(verified.summary().contains(BEACON), "{case}");
        assert_eq!(verified.version(), bundle(case).version(), "{case}");
    }
}

#[test]
fn step_names_the_failed_step() {
    let err = verify_with(
        "managed-key-happy-path",
        &bundle("managed-key-happy-path"),
        beacon(),
        VerifierConfig::default(),
        NOW,
    )
    .unwrap_err();
    assert_eq!(err.step(), "material");
    let err = Verifier::new(TrustedRoot::production(), VerifierConfig::default())
        .verify_json(
            b"{}",
            &Policy {
                artifact: Artifact::Bytes(b""),
                signer: beacon(),
            },
            NOW,
        )
        .unwrap_err();
    assert!(matches!(err, VerifyError::Bundle(_)), "{err}");
    assert_eq!(err.step(), "bundle");
}

#[test]
fn verify_json_parses_then_verifies() {
    let json = read(&format!("{CASES}/happy-path-v0.3/bundle.sigstore.json"));
    let data = artifact();
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    assert_eq!(verifier.config(), &VerifierConfig::PUBLIC_GOOD);
    let strict = VerifierConfig {
        scts: 2,
        ..VerifierConfig::default()
    };
    let strict_verifier = Verifier::new(TrustedRoot::production(), strict.clone());
    assert_eq!(strict_verifier.config(), &strict);
    let policy = Policy::identity(Artifact::Bytes(&data), identity(BEACON, ACTIONS));
    verifier.verify_json(&json, &policy, NOW).unwrap();
    let policy = Policy::identity(Artifact::Bytes(b"other"), identity(BEACON, ACTIONS));
    let err = verifier.verify_json(&json, &policy, NOW).unwrap_err();
    assert_eq!(err.step(), "signature");
}
