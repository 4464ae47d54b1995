use super::*;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sigchain_core::crypto::{sha256, HashAlgorithm, PublicKey};
use sigchain_core::encoding::hex_decode;
use sigchain_core::tlog::witness::WitnessKey;
use sigchain_core::tlog::{hash_children, hash_leaf, key_hint};
use sigchain_core::trust_root::{LogId, ValidityPeriod};

const ED25519_SPKI_PREFIX: &str = "302a300506032b6570032100";

fn ed25519_key(seed: u8) -> Ed25519KeyPair {
    Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap()
}

/// A log signing with a fixed-seed Ed25519 key over a list of leaves it can fork.
struct TestLog {
    name: String,
    seed: u8,
    key: Ed25519KeyPair,
    log: TransparencyLog,
    leaves: Vec<[u8; 32]>,
}

impl TestLog {
    fn new(name: &str, seed: u8) -> TestLog {
        let key = ed25519_key(seed);
        let der = [
            hex_decode(ED25519_SPKI_PREFIX).unwrap(),
            key.public_key().as_ref().to_vec(),
        ]
        .concat();
        let log = TransparencyLog {
            base_url: format!("https://{name}"),
            log_id: LogId(sha256(&der).to_vec()),
            hash_algorithm: HashAlgorithm::Sha256,
            key: PublicKey::from_spki_der(&der),
            key_der: der,
            validity: ValidityPeriod {
                start: None,
                end: None,
            },
        };
        let leaves = (0..64)
            .map(|i| hash_leaf(format!("entry {i}").as_bytes()))
            .collect();
        TestLog {
            name: name.to_owned(),
            seed,
            key,
            log,
            leaves,
        }
    }

    /// The same log key over a history that differs from leaf `at` on.
    fn forked_at(&self, at: usize) -> TestLog {
        let mut fork = TestLog::new(&self.name, self.seed);
        fork.leaves[at] = hash_leaf(b"rewritten history");
        fork
    }

    fn root(&self, size: usize) -> [u8; 32] {
        mth(&self.leaves[..size])
    }

    fn text(&self, origin: &str, size: usize) -> String {
        format!("{origin}\n{size}\n{}\n", STANDARD.encode(self.root(size)))
    }

    fn sign_line(&self, text: &str) -> String {
        let hint = key_hint(self.log.key.as_ref().unwrap(), &self.name).unwrap();
        let bytes = [&hint[..], self.key.sign(text.as_bytes()).as_ref()].concat();
        format!("— {} {}\n", self.name, STANDARD.encode(bytes))
    }

    /// A checkpoint of the first `size` leaves, signed by the log.
    fn checkpoint(&self, size: usize) -> String {
        let text = self.text(&self.name, size);
        format!("{text}\n{}", self.sign_line(&text))
    }

    fn consistency_proof(&self, from: usize, to: usize) -> Vec<[u8; 32]> {
        subproof(from, &self.leaves[..to], true)
    }
}

/// RFC 6962 §2.1 Merkle tree hash.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves {
        [] => sha256(b""),
        [leaf] => *leaf,
        _ => {
            let k = split(leaves.len());
            hash_children(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// The largest power of two below `n` (n > 1).
fn split(n: usize) -> usize {
    1 << (usize::BITS - (n - 1).leading_zeros() - 1)
}

/// RFC 6962 §2.1.2 SUBPROOF(m, D[n], b).
fn subproof(m: usize, leaves: &[[u8; 32]], complete: bool) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if m == n {
        return if complete { vec![] } else { vec![mth(leaves)] };
    }
    let k = split(n);
    if m <= k {
        let mut proof = subproof(m, &leaves[..k], complete);
        proof.push(mth(&leaves[k..]));
        proof
    } else {
        let mut proof = subproof(m - k, &leaves[k..], false);
        proof.push(mth(&leaves[..k]));
        proof
    }
}

/// A witness cosigning with a fixed-seed Ed25519 key.
struct TestWitness {
    name: String,
    key: Ed25519KeyPair,
}

impl TestWitness {
    fn new(name: &str, seed: u8) -> TestWitness {
        TestWitness {
            name: name.to_owned(),
            key: ed25519_key(seed),
        }
    }

    fn witness_key(&self) -> WitnessKey {
        let raw: [u8; 32] = self.key.public_key().as_ref().try_into().unwrap();
        WitnessKey::from_ed25519(&self.name, &raw).unwrap()
    }

    fn cosign_line(&self, text: &str) -> String {
        let time: u64 = 1_700_000_000;
        let message = format!("cosignature/v1\ntime {time}\n{text}");
        let bytes = [
            &self.witness_key().key_hint()[..],
            &time.to_be_bytes(),
            self.key.sign(message.as_bytes()).as_ref(),
        ]
        .concat();
        format!("— {} {}\n", self.name, STANDARD.encode(bytes))
    }
}

const LOG: &str = "log.example";

fn new_monitor() -> LogMonitor {
    LogMonitor::new(MonitorLimits::DEFAULT)
}

fn observe(monitor: &mut LogMonitor, log: &TestLog, note: &str) -> Observation {
    monitor.observe(note, &log.log, None).unwrap()
}

fn request(observation: Observation) -> ConsistencyRequest {
    match observation {
        Observation::NeedsConsistencyProof(request) => request,
        other => panic!("expected a proof request, got {other:?}"),
    }
}

fn latest_size(monitor: &LogMonitor) -> Option<u64> {
    monitor.latest(LOG).map(|head| head.tree_size)
}

#[test]
fn first_unchanged_then_advance_with_a_valid_proof() {
    let log = TestLog::new(LOG, 1);
    let mut monitor = new_monitor();
    assert_eq!(
        observe(&mut monitor, &log, &log.checkpoint(3)),
        Observation::First {
            origin: LOG.into(),
            tree_size: 3
        }
    );
    assert_eq!(
        observe(&mut monitor, &log, &log.checkpoint(3)),
        Observation::Unchanged {
            origin: LOG.into(),
            tree_size: 3
        }
    );
    let req = request(observe(&mut monitor, &log, &log.checkpoint(7)));
    assert_eq!(
        (req.origin(), req.first_size(), req.last_size()),
        (LOG, 3, 7)
    );
    assert_eq!(monitor.pending(LOG), Some(&req));
    // Observing the same head again asks for the same proof.
    assert_eq!(
        request(observe(&mut monitor, &log, &log.checkpoint(7))),
        req
    );
    assert_eq!(latest_size(&monitor), Some(3));
    assert_eq!(
        monitor.on_consistency_proof(&req, &log.consistency_proof(3, 7)),
        Ok(MonitorEvent::Advanced {
            origin: LOG.into(),
            from_size: 3,
            to_size: 7
        })
    );
    assert_eq!(latest_size(&monitor), Some(7));
    assert_eq!(monitor.latest(LOG).unwrap().note, log.checkpoint(7));
    assert_eq!(monitor.pending(LOG), None);
    // Several steps, over perfect and imperfect subtree sizes.
    for (from, to) in [(7, 8), (8, 13), (13, 32), (32, 33), (33, 64)] {
        let req = request(observe(&mut monitor, &log, &log.checkpoint(to)));
        let event = monitor.on_consistency_proof(&req, &log.consistency_proof(from, to));
        assert!(
            matches!(event, Ok(MonitorEvent::Advanced { to_size, .. }) if to_size == to as u64),
            "{from}->{to}: {event:?}"
        );
    }
}

#[test]
fn an_empty_tree_advances_without_a_proof() {
    let log = TestLog::new(LOG, 1);
    let mut monitor = new_monitor();
    observe(&mut monitor, &log, &log.checkpoint(0));
    assert_eq!(
        observe(&mut monitor, &log, &log.checkpoint(5)),
        Observation::Event(MonitorEvent::Advanced {
            origin: LOG.into(),
            from_size: 0,
            to_size: 5
        })
    );
    assert_eq!(latest_size(&monitor), Some(5));
}

#[test]
fn a_bad_proof_keeps_the_state() {
    let log = TestLog::new(LOG, 1);
    let mut monitor = new_monitor();
    observe(&mut monitor, &log, &log.checkpoint(4));
    let req = request(observe(&mut monitor, &log, &log.checkpoint(9)));
    let mut proof = log.consistency_proof(4, 9);
    proof[0][0] ^= 1;
    let event = monitor.on_consistency_proof(&req, &proof).unwrap();
    let MonitorEvent::InconsistentProof {
        origin,
        known,
        seen,
        reason,
    } = event
    else {
        panic!("{event:?}")
    };
    assert_eq!(
        (origin.as_str(), known.tree_size, seen.tree_size),
        (LOG, 4, 9)
    );
    assert_eq!(
        (known.note, seen.note),
        (log.checkpoint(4), log.checkpoint(9))
    );
    assert!(matches!(reason, MerkleError::NewRootMismatch { .. }));
    assert_eq!(latest_size(&monitor), Some(4));
    // The request was answered: it cannot be answered again.
    assert_eq!(
        monitor.on_consistency_proof(&req, &log.consistency_proof(4, 9)),
        Err(MonitorError::NoPendingRequest { origin: LOG.into() })
    );
    // Observing again makes a new request, which a good proof answers.
    let again = request(observe(&mut monitor, &log, &log.checkpoint(9)));
    assert_ne!(again, req);
    assert!(matches!(
        monitor.on_consistency_proof(&again, &log.consistency_proof(4, 9)),
        Ok(MonitorEvent::Advanced { .. })
    ));
}

#[test]
fn a_fork_has_no_consistency_proof() {
    let log = TestLog::new(LOG, 1);
    // Same key, history rewritten at leaf 2: the size-10 tree does not extend our size-5 tree.
    let fork = log.forked_at(2);
    let mut monitor = new_monitor();
    observe(&mut monitor, &log, &log.checkpoint(5));
    let req = request(observe(&mut monitor, &fork, &fork.checkpoint(10)));
    for proof in [fork.consistency_proof(5, 10), log.consistency_proof(5, 10)] {
        let req = if monitor.pending(LOG).is_some() {
            req.clone()
        } else {
            request(observe(&mut monitor, &fork, &fork.checkpoint(10)))
        };
        assert!(matches!(
            monitor.on_consistency_proof(&req, &proof),
            Ok(MonitorEvent::InconsistentProof { .. })
        ));
        assert_eq!(latest_size(&monitor), Some(5));
    }
}

#[test]
fn same_size_other_root_is_a_split_view() {
    let log = TestLog::new(LOG, 1);
    let fork = log.forked_at(1);
    let mut monitor = new_monitor();
    observe(&mut monitor, &log, &log.checkpoint(5));
    let event = observe(&mut monitor, &fork, &fork.checkpoint(5));
    assert_eq!(
        event,
        Observation::Event(MonitorEvent::SplitView {
            origin: LOG.into(),
            known: SignedTreeHead {
                tree_size: 5,
                root_hash: Sha256Digest(log.root(5)),
                note: log.checkpoint(5),
            },
            seen: SignedTreeHead {
                tree_size: 5,
                root_hash: Sha256Digest(fork.root(5)),
                note: fork.checkpoint(5),
            },
        })
    );
    assert_eq!(monitor.latest(LOG).unwrap().note, log.checkpoint(5));

    // Two heads of one size awaiting proofs: a split view too, and the first request stands.
    let req = request(observe(&mut monitor, &log, &log.checkpoint(8)));
    let event = observe(&mut monitor, &fork, &fork.checkpoint(8));
    assert!(
        matches!(&event, Observation::Event(MonitorEvent::SplitView { known, seen, .. })
            if known.note == log.checkpoint(8) && seen.note == fork.checkpoint(8)),
        "{event:?}"
    );
    assert_eq!(monitor.pending(LOG), Some(&req));
}

#[test]
fn a_smaller_tree_is_a_rollback() {
    let log = TestLog::new(LOG, 1);
    let mut monitor = new_monitor();
    observe(&mut monitor, &log, &log.checkpoint(6));
    assert_eq!(
        observe(&mut monitor, &log, &log.checkpoint(3)),
        Observation::Event(MonitorEvent::Rollback {
            origin: LOG.into(),
            known_size: 6,
            seen_size: 3
        })
    );
    assert_eq!(latest_size(&monitor), Some(6));
}

#[test]
fn a_proof_applies_only_to_its_own_request() {
    let log = TestLog::new(LOG, 1);
    let mut monitor = new_monitor();
    observe(&mut monitor, &log, &log.checkpoint(3));
    let first = request(observe(&mut monitor, &log, &log.checkpoint(7)));
    // A newer head replaces the awaited one.
    let second = request(observe(&mut monitor, &log, &log.checkpoint(8)));
    assert_eq!(
        monitor.on_consistency_proof(&first, &log.consistency_proof(3, 7)),
        Err(MonitorError::StaleRequest {
            origin: LOG.into(),
            first_size: 3,
            last_size: 7
        })
    );
    assert_eq!(latest_size(&monitor), Some(3));
    assert_eq!(monitor.pending(LOG), Some(&second));

    // Another monitor's request, even with the same ticket number, is not this one's.
    let mut other = new_monitor();
    observe(&mut other, &log, &log.checkpoint(3));
    let foreign = request(observe(&mut other, &log, &log.checkpoint(9)));
    assert!(matches!(
        monitor.on_consistency_proof(&foreign, &log.consistency_proof(3, 9)),
        Err(MonitorError::StaleRequest { .. })
    ));
    let mut empty = new_monitor();
    assert_eq!(
        empty.on_consistency_proof(&second, &log.consistency_proof(3, 8)),
        Err(MonitorError::NoPendingRequest { origin: LOG.into() })
    );
    assert!(matches!(
        monitor.on_consistency_proof(&second, &log.consistency_proof(3, 8)),
        Ok(MonitorEvent::Advanced { to_size: 8, .. })
    ));
}

#[test]
fn state_round_trips_through_json_and_is_reverified() {
    let log = TestLog::new(LOG, 1);
    let other = TestLog::new("other.example", 2);
    let mut monitor = new_monitor();
    observe(&mut monitor, &log, &log.checkpoint(5));
    observe(&mut monitor, &other, &other.checkpoint(2));
    let json = monitor.state().to_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["version"], 1);
    assert_eq!(value["logs"][LOG]["treeSize"], 5);
    assert_eq!(
        value["logs"][LOG]["rootHash"],
        STANDARD.encode(log.root(5)).as_str()
    );
    assert_eq!(
        value["logs"][LOG]["logId"],
        hex_encode(&log.log.log_id.0).as_str()
    );

    let state = MonitorState::from_json(json.as_bytes(), &MonitorLimits::DEFAULT).unwrap();
    assert_eq!(state, monitor.state());
    let mut loaded = LogMonitor::from_state(state, MonitorLimits::DEFAULT).unwrap();
    // Not vouched for until the log's key has checked the stored note again.
    assert_eq!(latest_size(&loaded), None);
    let req = request(observe(&mut loaded, &log, &log.checkpoint(6)));
    assert_eq!(latest_size(&loaded), Some(5));
    assert!(matches!(
        loaded.on_consistency_proof(&req, &log.consistency_proof(5, 6)),
        Ok(MonitorEvent::Advanced { .. })
    ));
    assert_eq!(
        observe(&mut loaded, &other, &other.checkpoint(2)),
        Observation::Unchanged {
            origin: "other.example".into(),
            tree_size: 2
        }
    );
}

#[test]
fn a_tampered_state_is_refused() {
    let log = TestLog::new(LOG, 1);
    let mut monitor = new_monitor();
    observe(&mut monitor, &log, &log.checkpoint(5));
    let state = monitor.state();
    let load = |state: MonitorState| LogMonitor::from_state(state, MonitorLimits::DEFAULT);
    let edit = |f: &dyn Fn(&mut LogRecord)| {
        let mut s = state.clone();
        f(s.logs.get_mut(LOG).unwrap());
        load(s)
    };
    let mismatch = |result: Result<LogMonitor, StateError>| match result {
        Err(StateError::RecordMismatch { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(mismatch(edit(&|r| r.tree_size = 6)), "treeSize");
    assert_eq!(
        mismatch(edit(&|r| r.root_hash = STANDARD.encode([0u8; 32]))),
        "rootHash"
    );
    assert_eq!(mismatch(edit(&|r| r.root_hash = "!".into())), "rootHash");
    assert_eq!(mismatch(edit(&|r| r.log_id = "xyz".into())), "logId");
    assert_eq!(mismatch(edit(&|r| r.log_id = String::new())), "logId");
    assert!(matches!(
        edit(&|r| r.checkpoint = "not a note".into()),
        Err(StateError::BadCheckpoint { .. })
    ));
    let mut moved = state.clone();
    let record = moved.logs.remove(LOG).unwrap();
    moved.logs.insert("elsewhere.example".into(), record);
    assert_eq!(mismatch(load(moved)), "origin");
    let mut future = state.clone();
    future.version = 2;
    assert!(matches!(
        load(future),
        Err(StateError::UnsupportedVersion {
            found: 2,
            supported: 1
        })
    ));

    // A self-consistent record whose note the log never signed: caught when the log is next
    // observed, with the key the caller trusts.
    let forger = TestLog::new(LOG, 66);
    let forged = forger.checkpoint(50);
    let mut planted = state.clone();
    let record = planted.logs.get_mut(LOG).unwrap();
    record.tree_size = 50;
    record.root_hash = STANDARD.encode(forger.root(50));
    record.checkpoint = forged;
    let mut loaded = load(planted).unwrap();
    assert!(matches!(
        loaded.observe(&log.checkpoint(5), &log.log, None),
        Err(MonitorError::StoredCheckpointInvalid { .. })
    ));
    assert_eq!(latest_size(&loaded), None);

    let json = state.to_json();
    let small = MonitorLimits {
        max_state_bytes: json.len() - 1,
        ..MonitorLimits::DEFAULT
    };
    assert!(matches!(
        MonitorState::from_json(json.as_bytes(), &small),
        Err(StateError::TooLarge { .. })
    ));
    let extra = json.replacen('{', "{\"extra\": 1,", 1);
    assert!(matches!(
        MonitorState::from_json(extra.as_bytes(), &MonitorLimits::DEFAULT),
        Err(StateError::Json(_))
    ));
    let none = MonitorLimits {
        max_logs: 0,
        ..MonitorLimits::DEFAULT
    };
    assert!(matches!(
        LogMonitor::from_state(state, none),
        Err(StateError::TooManyLogs { count: 1, max: 0 })
    ));
}

#[test]
fn a_checkpoint_the_log_did_not_sign_changes_nothing() {
    let log = TestLog::new(LOG, 1);
    let impostor = TestLog::new(LOG, 7);
    let mut monitor = new_monitor();
    assert!(matches!(
        monitor.observe(&impostor.checkpoint(5), &log.log, None),
        Err(MonitorError::Checkpoint(
            CheckpointError::NoLogSignature { .. }
        ))
    ));
    assert_eq!(monitor.state().logs.len(), 0);
    observe(&mut monitor, &log, &log.checkpoint(5));
    assert!(matches!(
        monitor.observe(&impostor.checkpoint(9), &log.log, None),
        Err(MonitorError::Checkpoint(_))
    ));
    assert_eq!(monitor.pending(LOG), None);
    // The impostor's key passed as "the log": a different log for the stored origin.
    assert!(matches!(
        monitor.observe(&impostor.checkpoint(9), &impostor.log, None),
        Err(MonitorError::LogMismatch { .. })
    ));
    assert_eq!(latest_size(&monitor), Some(5));
    assert_eq!(monitor.pending(LOG), None);
}

#[test]
fn a_witness_policy_not_met_changes_nothing() {
    let log = TestLog::new(LOG, 1);
    let w1 = TestWitness::new("w1.example", 21);
    let w2 = TestWitness::new("w2.example", 22);
    let policy = WitnessPolicy::new(vec![w1.witness_key(), w2.witness_key()], 2).unwrap();
    let text = log.text(LOG, 5);
    let one = format!("{text}\n{}{}", log.sign_line(&text), w1.cosign_line(&text));
    let mut monitor = new_monitor();
    assert!(matches!(
        monitor.observe(&one, &log.log, Some(&policy)),
        Err(MonitorError::Witness(WitnessError::TooFewCosignatures {
            required: 2,
            verified: 1,
            ..
        }))
    ));
    assert_eq!(monitor.state().logs.len(), 0);
    // Cosignatures do not stand in for the log's own signature.
    let unsigned = format!("{text}\n{}{}", w1.cosign_line(&text), w2.cosign_line(&text));
    assert!(matches!(
        monitor.observe(&unsigned, &log.log, Some(&policy)),
        Err(MonitorError::Checkpoint(_))
    ));
    let both = format!("{}{}", one, w2.cosign_line(&text));
    assert!(matches!(
        monitor.observe(&both, &log.log, Some(&policy)),
        Ok(Observation::First { tree_size: 5, .. })
    ));
}

#[test]
fn logs_followed_are_bounded() {
    let a = TestLog::new("a.example", 1);
    let b = TestLog::new("b.example", 2);
    let mut monitor = LogMonitor::new(MonitorLimits {
        max_logs: 1,
        ..MonitorLimits::DEFAULT
    });
    observe(&mut monitor, &a, &a.checkpoint(1));
    assert_eq!(
        monitor.observe(&b.checkpoint(1), &b.log, None),
        Err(MonitorError::TooManyLogs { max: 1 })
    );
}

#[test]
fn rekor_v1_request_selects_the_shard() {
    let log = TestLog::new(LOG, 1);
    let mut monitor = new_monitor();
    let shard = |size| {
        let text = log.text("log.example - 1193050959916656506", size);
        format!("{text}\n{}", log.sign_line(&text))
    };
    observe(&mut monitor, &log, &shard(2));
    let req = request(observe(&mut monitor, &log, &shard(4)));
    let http = req.rekor_v1_request();
    assert_eq!(http.method, Method::Get);
    assert_eq!(http.idempotency, Idempotency::Safe);
    assert_eq!(
        http.path_and_query,
        "/api/v1/log/proof?firstSize=2&lastSize=4&treeID=1193050959916656506"
    );
    let plain = ConsistencyRequest {
        origin: LOG.into(),
        first_size: 1,
        last_size: 2,
        ticket: 0,
    };
    assert_eq!(
        plain.rekor_v1_request().path_and_query,
        "/api/v1/log/proof?firstSize=1&lastSize=2"
    );
}

#[test]
fn test_merkle_helpers_agree_with_core() {
    let log = TestLog::new(LOG, 1);
    for to in 1..=20 {
        for from in 1..=to {
            verify_consistency(
                from as u64,
                to as u64,
                &log.root(from),
                &log.root(to),
                &log.consistency_proof(from, to),
            )
            .unwrap_or_else(|e| panic!("{from}->{to}: {e}"));
        }
    }
}

// ---- nothing a state file or a note holds panics ----

mod never_panic {
    use super::*;
    use crate::mutate::{byte_edits, edit_bytes, mutated_document};
    use proptest::prelude::*;

    /// A real note of `log` at some size, edited at the byte level, or any text.
    fn note(log: &TestLog) -> impl Strategy<Value = String> {
        let notes: Vec<String> = [1, 5, 17, 64].iter().map(|&n| log.checkpoint(n)).collect();
        prop_oneof![
            2 => (0..notes.len(), byte_edits()).prop_map(move |(i, edits)| {
                String::from_utf8_lossy(&edit_bytes(notes[i].as_bytes(), &edits)).into_owned()
            }),
            1 => ".{0,200}",
        ]
    }

    #[test]
    fn states_and_notes_never_panic() {
        let log = TestLog::new(LOG, 1);
        let mut saved = new_monitor();
        observe(&mut saved, &log, &log.checkpoint(17));
        let state: serde_json::Value = serde_json::from_str(&saved.state().to_json()).unwrap();
        let config = ProptestConfig::with_cases(128);
        proptest!(config, |(
            state in mutated_document(state.clone()),
            notes in proptest::collection::vec(note(&log), 0..4),
            proof in proptest::collection::vec(any::<[u8; 32]>(), 0..8),
        )| {
            let limits = MonitorLimits::DEFAULT;
            let mut monitor = match MonitorState::from_json(&state, &limits) {
                Ok(parsed) => {
                    let again = MonitorState::from_json(parsed.to_json().as_bytes(), &limits);
                    prop_assert_eq!(again.ok(), Some(parsed.clone()));
                    LogMonitor::from_state(parsed, limits).unwrap_or_else(|_| new_monitor())
                }
                Err(_) => new_monitor(),
            };
            for note in &notes {
                let before = monitor.state();
                match monitor.observe(note, &log.log, None) {
                    Ok(Observation::NeedsConsistencyProof(request)) => {
                        prop_assert!(request.first_size() < request.last_size());
                        let _ = monitor.on_consistency_proof(&request, &proof);
                    }
                    Ok(_) => {}
                    Err(_) => prop_assert_eq!(monitor.state(), before),
                }
            }
            let saved = monitor.state();
            let reloaded = MonitorState::from_json(saved.to_json().as_bytes(), &limits).unwrap();
            prop_assert!(LogMonitor::from_state(reloaded, limits).is_ok());
        });
    }
}
