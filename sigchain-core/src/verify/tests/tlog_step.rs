//! Step 3: every transparency-log entry proves this content was logged.

use super::*;
use crate::bundle::TlogEntry;
use crate::crypto::HashAlgorithm;
use crate::trust_root::LogId;

const V3: &str = "happy-path-v0.3";
const V1: &str = "happy-path-v0.1";
const REKOR2: &str = "rekor2-happy-path";

fn tlog_error(result: Result<VerifiedBundle, VerifyError>) -> (usize, TlogError) {
    match result {
        Err(VerifyError::TransparencyLog { index, source }) => (index, source),
        other => panic!("transparency-log error expected, got {other:?}"),
    }
}

/// Verify `case` with its first entry changed by `change`.
fn with_entry(
    case: &str,
    config: VerifierConfig,
    change: impl FnOnce(&mut TlogEntry),
) -> Result<VerifiedBundle, VerifyError> {
    let b = edit(bundle(case), |p| change(&mut p.tlog_entries[0]));
    verify_with(case, &b, beacon(), config, NOW)
}

/// Run the tlog step alone on a message-signature `case`'s content and signer, for entry
/// shapes the bundle rules refuse before verification.
fn check_entry(
    case: &str,
    entry: &TlogEntry,
    config: &VerifierConfig,
    now: Timestamp,
) -> Result<VerifiedLogEntry, TlogError> {
    let b = bundle(case);
    let Content::MessageSignature(sig) = b.content() else {
        panic!("{case}: message signature expected");
    };
    let content = SignedContent::MessageSignature {
        digest: &sig.message_digest.digest,
        digest_algorithm: HashAlgorithm::Sha256,
        signature: &sig.signature,
    };
    let leaf = b.verification_material().leaf_certificate_der().unwrap();
    tlog::verify_entry(
        entry,
        &root(case),
        &content,
        &SignerMaterial::Certificate(leaf),
        config,
        &tlog::CheckpointCache::default(),
        now,
    )
}

fn first_entry(case: &str) -> TlogEntry {
    bundle(case).tlog_entries()[0].clone()
}

#[test]
fn verified_entries_report_their_evidence() {
    let entry = first_entry(V3);
    let verified = verify_case(V3).unwrap();
    let logged = &verified.log_entries()[0];
    assert_eq!(logged.log_index(), entry.log_index);
    assert_eq!(logged.log_id(), &entry.log_id);
    assert_eq!(logged.integrated_time(), entry.integrated_time);
    assert!(logged.integrated_time().is_some());
    assert!(logged.inclusion_proven());
    // Rekor v2: no signed time of its own, proof only.
    let verified = verify_case(REKOR2).unwrap();
    let logged = &verified.log_entries()[0];
    assert_eq!(logged.integrated_time(), None);
    assert!(logged.inclusion_proven());
}

#[test]
fn unknown_log_is_refused() {
    let result = with_entry(V3, VerifierConfig::default(), |e| {
        e.log_id = LogId(vec![7; 32])
    });
    assert!(matches!(tlog_error(result), (0, TlogError::UnknownLog(_))));
}

#[test]
fn body_must_record_this_content() {
    // A genuine, logged body, but for another signature (v0.2 signed other bytes).
    let other = first_entry("happy-path-v0.2").canonicalized_body;
    let result = with_entry(V3, VerifierConfig::default(), |e| {
        e.canonicalized_body = other
    });
    assert!(matches!(tlog_error(result), (0, TlogError::Body(_))));
}

#[test]
fn failing_entry_is_named_by_position() {
    let b = edit(bundle(V3), |p| {
        let mut second = p.tlog_entries[0].clone();
        second.log_id = LogId(vec![7; 32]);
        p.tlog_entries.push(second);
    });
    let result = verify_with(V3, &b, beacon(), VerifierConfig::default(), NOW);
    assert!(matches!(tlog_error(result), (1, TlogError::UnknownLog(_))));
}

#[test]
fn promise_needs_the_integrated_time_it_signs() {
    let result = with_entry(V3, VerifierConfig::default(), |e| e.integrated_time = None);
    assert!(matches!(
        tlog_error(result),
        (0, TlogError::PromiseWithoutTime)
    ));
}

#[test]
fn promise_must_verify() {
    let result = with_entry(V3, VerifierConfig::default(), |e| {
        if let Some(p) = &mut e.inclusion_promise {
            flip_last(&mut p.signed_entry_timestamp);
        }
    });
    assert!(matches!(
        tlog_error(result),
        (0, TlogError::InclusionPromise(_))
    ));
    // The promise signs the time: moving it breaks the promise.
    let result = with_entry(V3, VerifierConfig::default(), |e| {
        e.integrated_time = e.integrated_time.map(|t| Timestamp(t.as_secs() - 1));
    });
    assert!(matches!(
        tlog_error(result),
        (0, TlogError::InclusionPromise(_))
    ));
}

#[test]
fn proof_size_and_root_must_be_the_checkpoints() {
    let edits: [fn(&mut crate::bundle::InclusionProof); 2] =
        [|p| p.tree_size += 1, |p| flip_last(&mut p.root_hash)];
    for case in [V3, REKOR2] {
        for change in edits {
            let result = with_entry(case, VerifierConfig::default(), |e| {
                change(e.inclusion_proof.as_mut().unwrap())
            });
            assert!(
                matches!(
                    tlog_error(result),
                    (0, TlogError::ProofDisagreesWithCheckpoint { .. })
                ),
                "{case}"
            );
        }
    }
}

#[test]
fn proof_must_reach_the_checkpoint_root() {
    let edits: [fn(&mut crate::bundle::InclusionProof); 2] = [
        |p| flip_last(&mut p.hashes[0]),
        |p| p.log_index = p.log_index.saturating_sub(1),
    ];
    for case in [V3, REKOR2] {
        for change in edits {
            let result = with_entry(case, VerifierConfig::default(), |e| {
                change(e.inclusion_proof.as_mut().unwrap())
            });
            assert!(
                matches!(tlog_error(result), (0, TlogError::InclusionProof(_))),
                "{case}"
            );
        }
    }
}

#[test]
fn proof_hashes_must_be_32_bytes() {
    let mut entry = first_entry(V3);
    entry.inclusion_proof.as_mut().unwrap().hashes[0].push(0);
    let err = check_entry(V3, &entry, &VerifierConfig::default(), NOW).unwrap_err();
    assert!(matches!(err, TlogError::ProofHashLength(33)), "{err}");
}

#[test]
fn checkpoint_must_be_signed_by_the_log() {
    for case in [V3, REKOR2] {
        let result = with_entry(case, VerifierConfig::default(), |e| {
            let checkpoint = e.inclusion_proof.as_mut().unwrap().checkpoint.as_mut();
            let note = &mut checkpoint.unwrap().envelope;
            // Change a signed body line: the tree size is the second line.
            *note = note.replacen('\n', "\n1", 1);
        });
        assert!(
            matches!(tlog_error(result), (0, TlogError::Checkpoint(_))),
            "{case}"
        );
    }
}

#[test]
fn proof_alone_is_evidence_enough() {
    // Without the promise, the v0.3 entry stands on its proof; it carries no trusted time.
    let b = edit(bundle(V3), |p| p.tlog_entries[0].inclusion_promise = None);
    let config = VerifierConfig {
        observer_timestamps: 0,
        ..VerifierConfig::default()
    };
    // The tlog step accepts it; the thresholds then ask for a time (see the times tests).
    let err = verify_with(V3, &b, beacon(), config.clone(), NOW).unwrap_err();
    assert_eq!(err.step(), "thresholds", "{err}");
    let entry = check_entry(V3, &b.tlog_entries()[0], &config, NOW).unwrap();
    assert!(entry.inclusion_proven());
    assert_eq!(entry.integrated_time(), None);
}

/// The documented opt-out for legacy v0.1 bundles that carry only an inclusion promise.
fn promise_only_allowed() -> VerifierConfig {
    VerifierConfig {
        require_inclusion_proof: false,
        ..VerifierConfig::default()
    }
}

/// `case`'s bundle JSON with every entry's inclusion proof removed and the media type set to
/// v0.1: what an attacker makes of a newer bundle to fall back on the log's promise alone.
fn promise_only_v0_1_json(case: &str) -> Vec<u8> {
    let json = read(&format!("{CASES}/{case}/bundle.sigstore.json"));
    let mut doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    doc["mediaType"] = crate::bundle::MEDIA_TYPE_V0_1.into();
    for entry in doc["verificationMaterial"]["tlogEntries"]
        .as_array_mut()
        .unwrap()
    {
        entry.as_object_mut().unwrap().remove("inclusionProof");
    }
    serde_json::to_vec(&doc).unwrap()
}

#[test]
fn promise_only_v0_1_bundle_is_refused_by_default() {
    // happy-path-v0.1 without its proof, and happy-path-v0.2 stripped and relabelled v0.1 (the
    // downgrade): both are well-formed v0.1 bundles whose only log evidence is the SET.
    for case in [V1, "happy-path-v0.2"] {
        let json = promise_only_v0_1_json(case);
        let parsed = Bundle::from_json(&json, &Limits::DEFAULT).unwrap();
        assert_eq!(
            parsed.version(),
            crate::bundle::BundleVersion::V0_1,
            "{case}"
        );
        assert!(parsed
            .tlog_entries()
            .iter()
            .all(|e| e.inclusion_proof.is_none() && e.inclusion_promise.is_some()));
        let data = artifact();
        let policy = Policy::identity(Artifact::Bytes(&data), identity(BEACON, ACTIONS));

        let result =
            Verifier::new(&root(case), VerifierConfig::default()).verify_json(&json, &policy, NOW);
        assert!(
            matches!(tlog_error(result), (0, TlogError::MissingInclusionProof)),
            "{case}"
        );

        let verified = Verifier::new(&root(case), promise_only_allowed())
            .verify_json(&json, &policy, NOW)
            .unwrap_or_else(|e| panic!("{case} with the opt-out: {e}"));
        let logged = &verified.log_entries()[0];
        assert!(!logged.inclusion_proven(), "{case}");
        // The promise still makes the integrated time a trusted time.
        assert!(logged.integrated_time().is_some(), "{case}");
    }
}

#[test]
fn inclusion_proof_is_required_unless_opted_out() {
    assert!(VerifierConfig::default().require_inclusion_proof);
    assert_eq!(VerifierConfig::default(), VerifierConfig::PUBLIC_GOOD);
    let promise_only = edit(bundle(V1), |p| p.tlog_entries[0].inclusion_proof = None);
    let result = verify_with(V1, &promise_only, beacon(), VerifierConfig::default(), NOW);
    assert!(matches!(
        tlog_error(result),
        (0, TlogError::MissingInclusionProof)
    ));
    let verified = verify_with(V1, &promise_only, beacon(), promise_only_allowed(), NOW).unwrap();
    assert!(!verified.log_entries()[0].inclusion_proven());
    // With its proof, the same bundle meets the default verifier, and the opt-out still
    // checks a proof that is there.
    verify_with(V1, &bundle(V1), beacon(), VerifierConfig::default(), NOW).unwrap();
    let verified = verify_with(V1, &bundle(V1), beacon(), promise_only_allowed(), NOW).unwrap();
    assert!(verified.log_entries()[0].inclusion_proven());
    let bad_proof = edit(bundle(V1), |p| {
        flip_last(&mut p.tlog_entries[0].inclusion_proof.as_mut().unwrap().hashes[0])
    });
    let result = verify_with(V1, &bad_proof, beacon(), promise_only_allowed(), NOW);
    assert!(matches!(
        tlog_error(result),
        (0, TlogError::InclusionProof(_))
    ));
    // A proof without a checkpoint proves nothing: its root is unsigned.
    let unsigned_proof = edit(bundle(V1), |p| {
        p.tlog_entries[0]
            .inclusion_proof
            .as_mut()
            .unwrap()
            .checkpoint = None
    });
    let result = verify_with(
        V1,
        &unsigned_proof,
        beacon(),
        VerifierConfig::default(),
        NOW,
    );
    assert!(matches!(
        tlog_error(result),
        (0, TlogError::MissingInclusionProof)
    ));
    let verified = verify_with(V1, &unsigned_proof, beacon(), promise_only_allowed(), NOW).unwrap();
    assert!(!verified.log_entries()[0].inclusion_proven());
}

#[test]
fn entry_without_promise_or_signed_proof_is_no_evidence() {
    // By default such an entry is refused for its missing proof; with the opt-out it is
    // refused because nothing at all vouches for it.
    let mut no_evidence = first_entry(V1);
    no_evidence.inclusion_promise = None;
    no_evidence.inclusion_proof = None;
    let mut unsigned_proof_only = first_entry(V1);
    unsigned_proof_only.inclusion_promise = None;
    unsigned_proof_only
        .inclusion_proof
        .as_mut()
        .unwrap()
        .checkpoint = None;
    for entry in [no_evidence, unsigned_proof_only] {
        let err = check_entry(V1, &entry, &VerifierConfig::default(), NOW).unwrap_err();
        assert!(matches!(err, TlogError::MissingInclusionProof), "{err}");
        let err = check_entry(V1, &entry, &promise_only_allowed(), NOW).unwrap_err();
        assert!(matches!(err, TlogError::NoEvidence), "{err}");
    }
}

#[test]
fn integrated_time_may_not_be_in_the_future() {
    let integrated = first_entry(V3).integrated_time.unwrap().as_secs();
    let config = VerifierConfig::default();
    let skew = config.max_clock_skew_secs;
    let b = bundle(V3);
    // Within the tolerated skew, inclusive.
    verify_with(
        V3,
        &b,
        beacon(),
        config.clone(),
        Timestamp(integrated - skew),
    )
    .unwrap();
    let early = Timestamp(integrated - skew - 1);
    let result = verify_with(V3, &b, beacon(), config, early);
    assert!(matches!(
        tlog_error(result),
        (0, TlogError::IntegratedTimeInFuture { integrated: t, now }) if t.as_secs() == integrated && now == early
    ));
    // No skew: the integrated time itself is fine, a second before it is not.
    let exact = VerifierConfig {
        max_clock_skew_secs: 0,
        ..VerifierConfig::default()
    };
    verify_with(V3, &b, beacon(), exact.clone(), Timestamp(integrated)).unwrap();
    let result = verify_with(V3, &b, beacon(), exact, Timestamp(integrated - 1));
    assert!(matches!(
        tlog_error(result),
        (0, TlogError::IntegratedTimeInFuture { .. })
    ));
    // An unsigned integrated time (no promise) is checked too.
    let mut entry = first_entry(V3);
    entry.inclusion_promise = None;
    let err = check_entry(V3, &entry, &VerifierConfig::default(), early).unwrap_err();
    assert!(
        matches!(err, TlogError::IntegratedTimeInFuture { .. }),
        "{err}"
    );
}

#[test]
fn checkpoint_cache_returns_the_same_verdict() {
    let entry = first_entry(V3);
    let b = bundle(V3);
    let Content::MessageSignature(sig) = b.content() else {
        panic!("message signature expected");
    };
    let content = SignedContent::MessageSignature {
        digest: &sig.message_digest.digest,
        digest_algorithm: HashAlgorithm::Sha256,
        signature: &sig.signature,
    };
    let leaf = b.verification_material().leaf_certificate_der().unwrap();
    let root = root(V3);
    let cache = tlog::CheckpointCache::default();
    let config = VerifierConfig::default();
    let run = |entry: &TlogEntry| {
        tlog::verify_entry(
            entry,
            &root,
            &content,
            &SignerMaterial::Certificate(leaf),
            &config,
            &cache,
            NOW,
        )
    };
    let first = run(&entry).unwrap();
    assert_eq!(run(&entry).unwrap(), first);
    // A cached checkpoint still has to match the proof.
    let mut moved = entry.clone();
    moved.inclusion_proof.as_mut().unwrap().tree_size += 1;
    assert!(matches!(
        run(&moved),
        Err(TlogError::ProofDisagreesWithCheckpoint { .. })
    ));
}
