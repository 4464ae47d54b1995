//! A `.sig` layer made from a bundle the core's test log signed (entry with SET and proof):
//! its bundle has the promise only, and the log's entry completes it.

use sigchain_core::bundle::TlogEntry;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::sign::key::SigningKey;
use sigchain_core::sign::machine::{Content, Signing, SigningOptions, Step};
use sigchain_core::sign::test_double::{Services, OIDC_ISSUER};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::LogId;
use sigchain_core::verify::{
    Artifact, Policy, SignerPolicy, TlogError, Verifier, VerifierConfig, VerifyError,
};

use super::*;
use crate::cosign::{SignatureLayer, StorageLimits};

const EMAIL: &str = "builder@example.com";
const PAYLOAD: &[u8] = br#"{"critical":{"identity":{"docker-reference":"r/app"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}"#;

fn identity() -> CertificateIdentity {
    CertificateIdentity::new(
        IdentityMatcher::exact(EMAIL),
        IdentityMatcher::exact(OIDC_ISSUER),
    )
}

/// The signed bundle (its entry has SET and proof), and the promise-only bundle its `.sig`
/// layer reads back as.
fn signed(services: &Services) -> (Bundle, Bundle) {
    let mut signing = Signing::keyless(
        &services.trusted_root(),
        SigningKey::generate_p256().unwrap(),
        Content::Artifact(PAYLOAD.to_vec()),
        identity(),
        SigningOptions::default(),
        services.now(),
    )
    .unwrap();
    loop {
        match signing.step() {
            Step::Certificate(needed) => {
                let chain = services.issue(needed.public_key_pem(), EMAIL);
                signing.provide_certificate_chain(chain).unwrap();
            }
            Step::Timestamp(request) => {
                let reply = services.timestamp(request.der());
                signing.provide_timestamp(&reply).unwrap();
            }
            Step::LogEntry(needed) => signing.provide_log_entry(services.log(needed)).unwrap(),
            Step::Done(_) => break,
            Step::Failed { reason, .. } => panic!("{reason}"),
        }
    }
    let bundle = signing.into_bundle().unwrap().bundle().clone();
    let layer = SignatureLayer::signature_from_bundle(&bundle, PAYLOAD).unwrap();
    let promise_only = layer.to_bundle(&StorageLimits::DEFAULT).unwrap();
    (bundle, promise_only)
}

fn logged(bundle: &Bundle) -> TlogEntry {
    bundle.tlog_entries()[0].clone()
}

fn strict(services: &Services) -> Verifier {
    Verifier::new(&services.trusted_root(), VerifierConfig::default())
}

fn verify(services: &Services, bundle: &Bundle) -> Result<(), VerifyError> {
    let policy = Policy {
        artifact: Artifact::Bytes(PAYLOAD),
        signer: SignerPolicy::Certificate(vec![identity()]),
    };
    strict(services)
        .verify(bundle, &policy, services.now())
        .map(|_| ())
}

#[test]
fn the_promise_only_bundle_fails_strict_verification_until_completed() {
    let services = Services::new();
    let (bundle, promise_only) = signed(&services);
    assert!(promise_only.tlog_entries()[0].inclusion_proof.is_none());
    assert!(matches!(
        verify(&services, &promise_only),
        Err(VerifyError::TransparencyLog {
            source: TlogError::MissingInclusionProof,
            ..
        })
    ));

    let request = proof_request(&promise_only, &services.trusted_root())
        .unwrap()
        .unwrap();
    let carried = &promise_only.tlog_entries()[0];
    assert_eq!(request.log_id, carried.log_id);
    assert_eq!(request.log_index, carried.log_index);
    assert_eq!(request.log_url, "https://log.test");

    let completed = complete_inclusion(&promise_only, &logged(&bundle)).unwrap();
    let entry = &completed.tlog_entries()[0];
    assert_eq!(entry.inclusion_proof, logged(&bundle).inclusion_proof);
    assert_eq!(entry.inclusion_promise, carried.inclusion_promise);
    verify(&services, &completed).unwrap();

    // Nothing left to ask for, and nothing to complete.
    assert_eq!(
        proof_request(&completed, &services.trusted_root()).unwrap(),
        None
    );
    assert!(matches!(
        complete_inclusion(&completed, &logged(&bundle)),
        Err(ProofError::AlreadyProven)
    ));
}

#[test]
fn the_carried_set_is_kept_not_the_answers() {
    let services = Services::new();
    let (bundle, promise_only) = signed(&services);
    let mut answer = logged(&bundle);
    answer.inclusion_promise = None;
    let completed = complete_inclusion(&promise_only, &answer).unwrap();
    assert_eq!(
        completed.tlog_entries()[0].inclusion_promise,
        promise_only.tlog_entries()[0].inclusion_promise
    );
    verify(&services, &completed).unwrap();
}

#[test]
fn an_answer_that_is_not_the_promised_entry_is_refused_with_what_differs() {
    let services = Services::new();
    let (bundle, promise_only) = signed(&services);

    let mut other_body = logged(&bundle);
    other_body.canonicalized_body.push(b' ');
    let refused = complete_inclusion(&promise_only, &other_body).unwrap_err();
    assert!(
        matches!(refused, ProofError::BodyDiffers { .. }),
        "{refused}"
    );
    assert!(refused.is_disagreement());

    let mut other_index = logged(&bundle);
    other_index.log_index += 1;
    assert!(matches!(
        complete_inclusion(&promise_only, &other_index),
        Err(ProofError::IndexDiffers {
            carried: 0,
            fetched: 1
        })
    ));

    let mut other_time = logged(&bundle);
    other_time.integrated_time = other_time
        .integrated_time
        .map(|t| Timestamp(t.as_secs() + 1));
    assert!(matches!(
        complete_inclusion(&promise_only, &other_time),
        Err(ProofError::IntegratedTimeDiffers { .. })
    ));
    let mut no_time = logged(&bundle);
    no_time.integrated_time = None;
    assert!(matches!(
        complete_inclusion(&promise_only, &no_time),
        Err(ProofError::IntegratedTimeDiffers { fetched: None, .. })
    ));

    let mut other_log = logged(&bundle);
    other_log.log_id = LogId(vec![7; 32]);
    assert!(matches!(
        complete_inclusion(&promise_only, &other_log),
        Err(ProofError::LogIdDiffers { .. })
    ));

    let mut no_proof = logged(&bundle);
    no_proof.inclusion_proof = None;
    assert!(matches!(
        complete_inclusion(&promise_only, &no_proof),
        Err(ProofError::NoProofInAnswer)
    ));
}

#[test]
fn a_proof_for_another_entry_is_caught_by_the_strict_verifier() {
    // The answer agrees in every field the SET covers but carries the proof of another leaf:
    // completion takes only the proof, and the verifier refuses it.
    let services = Services::new();
    let (bundle, promise_only) = signed(&services);
    let mut answer = logged(&bundle);
    if let Some(proof) = answer.inclusion_proof.as_mut() {
        proof.root_hash = vec![0; 32];
    }
    let completed = complete_inclusion(&promise_only, &answer).unwrap();
    assert!(verify(&services, &completed).is_err());
}

#[test]
fn a_log_outside_the_trusted_root_has_no_url_to_ask() {
    let services = Services::new();
    let (_, promise_only) = signed(&services);
    let mut root = services.trusted_root();
    root.tlogs.clear();
    assert!(matches!(
        proof_request(&promise_only, &root),
        Err(ProofError::UnknownLog { .. })
    ));
}

#[test]
fn a_bundle_without_exactly_one_entry_is_refused() {
    // A key-signed layer with no Rekor annotation reads back as a bundle without entries.
    let services = Services::new();
    let (bundle, _) = signed(&services);
    let layer = SignatureLayer {
        kind: crate::cosign::LayerKind::Signature,
        content: PAYLOAD.to_vec(),
        annotations: [(
            crate::cosign::SIGNATURE_ANNOTATION.to_owned(),
            "AQID".to_owned(),
        )]
        .into(),
    };
    let none = layer.to_bundle(&StorageLimits::DEFAULT).unwrap();
    assert!(matches!(
        proof_request(&none, &services.trusted_root()),
        Err(ProofError::EntryCount(0))
    ));
    assert!(matches!(
        complete_inclusion(&none, &logged(&bundle)),
        Err(ProofError::EntryCount(0))
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the answer, completion never panics, and it succeeds only for the promised
    /// entry, taking nothing from the answer but its proof.
    #[test]
    fn only_the_promised_entry_completes(
        body_edit in proptest::option::of((0usize..4096, proptest::prelude::any::<u8>())),
        index_delta in proptest::prop_oneof![proptest::strategy::Just(0u64), 1u64..u64::MAX],
        time_delta in proptest::prop_oneof![proptest::strategy::Just(0i64), -5i64..5],
        other_log in proptest::prelude::any::<bool>(),
    ) {
        let services = Services::at(Timestamp(1_700_000_000));
        let (bundle, promise_only) = signed(&services);
        let mut answer = logged(&bundle);
        let mut changed = false;
        if let Some((at, byte)) = body_edit {
            let at = at % answer.canonicalized_body.len();
            changed |= answer.canonicalized_body[at] != byte;
            answer.canonicalized_body[at] = byte;
        }
        answer.log_index = answer.log_index.wrapping_add(index_delta);
        answer.integrated_time = answer.integrated_time.map(|t| Timestamp(t.as_secs() + time_delta));
        if other_log {
            answer.log_id = LogId(vec![9; 32]);
        }
        changed |= index_delta != 0 || time_delta != 0 || other_log;
        match complete_inclusion(&promise_only, &answer) {
            Ok(completed) => {
                proptest::prop_assert!(!changed);
                let mut expected = promise_only.tlog_entries()[0].clone();
                expected.inclusion_proof = answer.inclusion_proof.clone();
                proptest::prop_assert_eq!(&completed.tlog_entries()[0], &expected);
            }
            Err(e) => {
                proptest::prop_assert!(changed);
                proptest::prop_assert!(e.is_disagreement());
            }
        }
    }
}
