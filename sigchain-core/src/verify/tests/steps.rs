//! Steps 4 and 5: signed timestamps and evidence thresholds, then the certificate (chain at
//! every trusted time, SCTs, identity).

use super::*;
use crate::identity::IdentityError;
use crate::sct::SctError;
use crate::x509::{Certificate, ChainError};

const V3: &str = "happy-path-v0.3";
const REKOR2: &str = "rekor2-happy-path";
/// A SET-backed integrated time and an RFC 3161 timestamp: two trusted times.
const TWO_TIMES: &str = "managed-key-happy-path";

fn threshold_error(result: Result<VerifiedBundle, VerifyError>) -> ThresholdError {
    match result {
        Err(VerifyError::Threshold(e)) => e,
        other => panic!("threshold error expected, got {other:?}"),
    }
}

fn with_config(case: &str, config: VerifierConfig) -> Result<VerifiedBundle, VerifyError> {
    verify_with(case, &bundle(case), signer_for(case), config, NOW)
}

fn config(change: impl FnOnce(&mut VerifierConfig)) -> VerifierConfig {
    let mut config = VerifierConfig::default();
    change(&mut config);
    config
}

fn tsa_time(verified: &VerifiedBundle) -> Timestamp {
    verified
        .times()
        .iter()
        .find(|t| matches!(t.source(), TimeSource::TimestampAuthority { .. }))
        .expect("a timestamp-authority time")
        .time()
}

#[test]
fn trusted_times_name_their_sources() {
    let verified = verify_case(TWO_TIMES).unwrap();
    let b = bundle(TWO_TIMES);
    let entry = &b.tlog_entries()[0];
    let times = verified.times();
    assert_eq!(times.len(), 2);
    assert_eq!(
        times[0].source(),
        &TimeSource::TransparencyLog {
            log_index: entry.log_index
        }
    );
    assert_eq!(Some(times[0].time()), entry.integrated_time);
    assert!(matches!(
        times[1].source(),
        TimeSource::TimestampAuthority { uri } if !uri.is_empty()
    ));
    // Rekor v2: the timestamp authority's time is the only one.
    let verified = verify_case(REKOR2).unwrap();
    assert_eq!(verified.times().len(), 1);
    tsa_time(&verified);
}

#[test]
fn tlog_entry_threshold() {
    with_config(V3, config(|c| c.tlog_entries = 1)).unwrap();
    let err = threshold_error(with_config(V3, config(|c| c.tlog_entries = 2)));
    assert_eq!(
        err,
        ThresholdError::TlogEntries {
            verified: 1,
            required: 2
        }
    );
    // Without entries, a zero threshold passes this check and the next one speaks.
    let b = edit(bundle(REKOR2), |p| p.tlog_entries.clear());
    let lenient = config(|c| c.tlog_entries = 0);
    verify_with(REKOR2, &b, beacon(), lenient, NOW).unwrap();
    let err = threshold_error(verify_with(
        REKOR2,
        &b,
        beacon(),
        VerifierConfig::default(),
        NOW,
    ));
    assert_eq!(
        err,
        ThresholdError::TlogEntries {
            verified: 0,
            required: 1
        }
    );
}

#[test]
fn signed_timestamp_threshold() {
    with_config(REKOR2, config(|c| c.signed_timestamps = 1)).unwrap();
    let err = threshold_error(with_config(REKOR2, config(|c| c.signed_timestamps = 2)));
    assert_eq!(
        err,
        ThresholdError::SignedTimestamps {
            verified: 1,
            required: 2
        }
    );
    let err = threshold_error(with_config(V3, config(|c| c.signed_timestamps = 1)));
    assert_eq!(
        err,
        ThresholdError::SignedTimestamps {
            verified: 0,
            required: 1
        }
    );
}

#[test]
fn observer_timestamp_threshold() {
    with_config(TWO_TIMES, config(|c| c.observer_timestamps = 2)).unwrap();
    let err = threshold_error(with_config(
        TWO_TIMES,
        config(|c| c.observer_timestamps = 3),
    ));
    assert_eq!(
        err,
        ThresholdError::ObserverTimestamps {
            verified: 2,
            required: 3
        }
    );
    // A Rekor v2 entry adds no time; the v0.3 entry's SET adds one.
    let err = threshold_error(with_config(REKOR2, config(|c| c.observer_timestamps = 2)));
    assert_eq!(
        err,
        ThresholdError::ObserverTimestamps {
            verified: 1,
            required: 2
        }
    );
    let err = threshold_error(with_config(V3, config(|c| c.observer_timestamps = 2)));
    assert_eq!(
        err,
        ThresholdError::ObserverTimestamps {
            verified: 1,
            required: 2
        }
    );
    // No entry and no timestamp: nothing vouches for a time.
    let b = edit(bundle(REKOR2), |p| {
        p.timestamps.clear();
        p.tlog_entries.clear();
    });
    let err = threshold_error(verify_with(
        REKOR2,
        &b,
        beacon(),
        config(|c| c.tlog_entries = 0),
        NOW,
    ));
    assert_eq!(
        err,
        ThresholdError::ObserverTimestamps {
            verified: 0,
            required: 1
        }
    );
}

#[test]
fn entry_without_signed_time_needs_a_signed_timestamp() {
    // Rekor v2 without its timestamp: refused whatever the observer threshold says.
    let b = edit(bundle(REKOR2), |p| p.timestamps.clear());
    for observer_timestamps in [0, 1] {
        let config = config(|c| c.observer_timestamps = observer_timestamps);
        let err = threshold_error(verify_with(REKOR2, &b, beacon(), config, NOW));
        assert_eq!(err, ThresholdError::EntryWithoutTrustedTime { index: 0 });
    }
    // The same with a Rekor v1 entry stripped of its promise (proof only).
    let b = edit(bundle(V3), |p| p.tlog_entries[0].inclusion_promise = None);
    let err = threshold_error(verify_with(
        V3,
        &b,
        beacon(),
        VerifierConfig::default(),
        NOW,
    ));
    assert_eq!(err, ThresholdError::EntryWithoutTrustedTime { index: 0 });
}

#[test]
fn signed_timestamps_must_verify() {
    let corrupt = edit(bundle(REKOR2), |p| flip_last(&mut p.timestamps[0]));
    let result = verify_with(REKOR2, &corrupt, beacon(), VerifierConfig::default(), NOW);
    assert!(
        matches!(result, Err(VerifyError::SignedTimestamp { index: 0, .. })),
        "{result:?}"
    );
    // A genuine timestamp over another signature.
    let other = bundle("rekor2-dsse-happy-path").into_parts().timestamps;
    let b = edit(bundle(REKOR2), |p| {
        p.timestamps.insert(0, p.timestamps[0].clone());
        p.timestamps.extend(other);
    });
    let result = verify_with(REKOR2, &b, beacon(), VerifierConfig::default(), NOW);
    let Err(err) = result else {
        panic!("timestamp over another signature accepted");
    };
    assert!(
        matches!(err, VerifyError::SignedTimestamp { index: 2, .. }),
        "{err}"
    );
    assert_eq!(err.step(), "signed-timestamp");
}

/// A Rekor v2 entry has no signed time, so its log must have been trusted when the timestamp
/// authority says the signature existed.
#[test]
fn proof_only_entry_needs_its_log_valid_at_the_timestamp() {
    let b = bundle(REKOR2);
    let stamp = tsa_time(&verify_case(REKOR2).unwrap());
    let log_id = b.tlog_entries()[0].log_id.clone();
    let verify_with_validity = |start: Option<i64>, end: Option<i64>| {
        let mut root = root(REKOR2);
        for log in root.tlogs.iter_mut().filter(|l| l.log_id == log_id) {
            log.validity.start = start.map(Timestamp);
            log.validity.end = end.map(Timestamp);
        }
        let data = artifact();
        let policy = Policy {
            artifact: Artifact::Bytes(&data),
            signer: beacon(),
        };
        Verifier::new(&root, VerifierConfig::default()).verify(&b, &policy, NOW)
    };
    let t = stamp.as_secs();
    verify_with_validity(Some(t), Some(t)).unwrap();
    for (start, end) in [(None, Some(t - 1)), (Some(t + 1), None)] {
        let err = threshold_error(verify_with_validity(start, end));
        assert_eq!(
            err,
            ThresholdError::LogOutsideValidity {
                index: 0,
                time: stamp
            }
        );
    }
}

fn leaf(case: &str) -> Certificate {
    Certificate::from_der(
        bundle(case)
            .verification_material()
            .leaf_certificate_der()
            .unwrap(),
    )
    .unwrap()
}

/// The certificate step alone, at the given times.
fn certificate_at(
    case: &str,
    config: &VerifierConfig,
    at: &[Timestamp],
    policy: &SignerPolicy,
) -> Result<VerifiedCertificate, VerifyError> {
    let root = root(case);
    let anchors = crate::x509::TrustAnchors::new(&root.certificate_authorities);
    certificate::verify_certificate(&anchors, &root.ctlogs, config, &leaf(case), &[], at, policy)
}

#[test]
fn chain_is_checked_at_every_trusted_time() {
    let cert = leaf(V3);
    let config = VerifierConfig::default();
    let inside = cert.not_before();
    let outside = Timestamp(cert.not_after().as_secs() + 1);
    certificate_at(V3, &config, &[inside, cert.not_after()], &beacon()).unwrap();
    for at in [vec![outside], vec![inside, outside], vec![outside, inside]] {
        let err = certificate_at(V3, &config, &at, &beacon()).unwrap_err();
        assert!(matches!(err, VerifyError::CertificateChain(_)), "{err}");
        assert_eq!(err.step(), "certificate-chain");
    }
    let err = certificate_at(V3, &config, &[], &beacon()).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::CertificateChain(ChainError::NoVerificationTime)
        ),
        "{err}"
    );
}

#[test]
fn sct_threshold() {
    let verified = with_config(V3, config(|c| c.scts = 1)).unwrap();
    let VerifiedSigner::Certificate(cert) = verified.signer() else {
        panic!("certificate signer expected");
    };
    assert_eq!(cert.scts().len(), 1);
    let result = with_config(V3, config(|c| c.scts = 2));
    let Err(err) = result else {
        panic!("two SCTs required, one present");
    };
    assert!(
        matches!(
            err,
            VerifyError::Sct(SctError::BelowThreshold {
                verified: 1,
                threshold: 2,
                ..
            })
        ),
        "{err}"
    );
    assert_eq!(err.step(), "sct");
}

#[test]
fn sct_check_is_off_only_at_zero() {
    // The case's trusted root holds the wrong CT key: its one SCT cannot verify.
    let case = "invalid-ct-key_fail";
    let err = with_config(case, VerifierConfig::default()).unwrap_err();
    assert!(matches!(err, VerifyError::Sct(_)), "{err}");
    let verified = with_config(case, config(|c| c.scts = 0)).unwrap();
    let VerifiedSigner::Certificate(cert) = verified.signer() else {
        panic!("certificate signer expected");
    };
    assert!(cert.scts().is_empty());
}

#[test]
fn certificate_without_scts_passes_the_sct_step_only_when_it_is_off() {
    // A synthetic leaf with no SCT list (and no Fulcio claims) under a synthetic root.
    use crate::x509::testdata::{synthetic, synthetic_authority};
    let anchors = crate::x509::TrustAnchors::new(&[synthetic_authority(&["root-pathlen0"])]);
    let leaf = synthetic("leaf-direct");
    let at = [leaf.not_before()];
    let run = |scts: usize| {
        let config = config(|c| c.scts = scts);
        certificate::verify_certificate(&anchors, &[], &config, &leaf, &[], &at, &beacon())
            .unwrap_err()
    };
    let err = run(1);
    assert!(
        matches!(err, VerifyError::Sct(SctError::NoEmbeddedScts)),
        "{err}"
    );
    // Off: the step is skipped and the next one (the Fulcio claims) speaks.
    let err = run(0);
    assert!(!matches!(err, VerifyError::Sct(_)), "{err}");
    assert_eq!(err.step(), "certificate-identity", "{err}");
}

#[test]
fn identity_must_match_one_of_the_policy_identities() {
    let wrong_subject = identity("https://github.com/evil/repo", ACTIONS);
    let wrong_issuer = identity(BEACON, "https://accounts.google.com");
    let right = identity(BEACON, ACTIONS);
    let any_of =
        |ids: Vec<CertificateIdentity>| with_config_signer(V3, SignerPolicy::Certificate(ids));
    any_of(vec![wrong_subject.clone(), right.clone()]).unwrap();
    any_of(vec![right, wrong_issuer.clone()]).unwrap();
    let regex = CertificateIdentity::new(
        IdentityMatcher::regex_anchored(r"https://github\.com/sigstore-conformance/.+").unwrap(),
        IdentityMatcher::exact(ACTIONS),
    );
    any_of(vec![regex]).unwrap();
    // All fail: the first identity's reason is reported.
    let err = any_of(vec![wrong_issuer.clone(), wrong_subject.clone()]).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Identity(IdentityError::IssuerMismatch { .. })
        ),
        "{err}"
    );
    assert_eq!(err.step(), "identity");
    let err = any_of(vec![wrong_subject, wrong_issuer]).unwrap_err();
    assert!(
        matches!(err, VerifyError::Identity(IdentityError::SubjectMismatch { ref found, .. }) if found == BEACON),
        "{err}"
    );
    // An empty list admits nobody.
    let err = any_of(Vec::new()).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Identity(IdentityError::SubjectMismatch { .. })
        ),
        "{err}"
    );
}

fn with_config_signer(case: &str, signer: SignerPolicy) -> Result<VerifiedBundle, VerifyError> {
    verify_with(case, &bundle(case), signer, VerifierConfig::default(), NOW)
}

#[test]
fn unsafe_any_identity_still_requires_a_trusted_certificate() {
    let verified = with_config_signer(V3, SignerPolicy::UnsafeAnyCertificateIdentity).unwrap();
    let VerifiedSigner::Certificate(cert) = verified.signer() else {
        panic!("certificate signer expected");
    };
    assert_eq!(cert.identity().as_str(), BEACON);
    assert_eq!(cert.claims().issuer.as_deref(), Some(ACTIONS));
    // It waives the identity, not the chain.
    let cert = leaf(V3);
    let late = Timestamp(cert.not_after().as_secs() + 1);
    let err = certificate_at(
        V3,
        &VerifierConfig::default(),
        &[late],
        &SignerPolicy::UnsafeAnyCertificateIdentity,
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::CertificateChain(_)), "{err}");
}

#[test]
fn bundle_chain_holding_a_root_is_refused_through_the_pipeline() {
    // bundle-with-root-cert_fail is a v0.1 bundle whose proof has no checkpoint. By default the
    // tlog step refuses it first; with the promise-only opt-out it reaches the chain step, which
    // refuses the root the bundle ships (the case's point), so that check stays covered here.
    let case = "bundle-with-root-cert_fail";
    let data = read(&format!("{CASES}/{case}/artifact"));
    let policy = Policy::identity(Artifact::Bytes(&data), identity(BEACON, ACTIONS));
    let b = bundle(case);
    let err = Verifier::new(&root(case), VerifierConfig::default())
        .verify(&b, &policy, NOW)
        .unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::TransparencyLog {
                index: 0,
                source: TlogError::MissingInclusionProof
            }
        ),
        "{err}"
    );
    let promise_only_allowed = config(|c| c.require_inclusion_proof = false);
    let err = Verifier::new(&root(case), promise_only_allowed)
        .verify(&b, &policy, NOW)
        .unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::CertificateChain(ChainError::BundleChainContainsRoot { index: 1, .. })
        ),
        "{err}"
    );
}
