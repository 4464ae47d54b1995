//! The log monitor: `MonitorState::from_json` and `LogMonitor::from_state` never panic on any
//! state file and round-trip what they accept; `LogMonitor::observe` never panics on any
//! checkpoint note, and the monitor only moves forward.
//!
//! Input: state JSON, a line `---`, then checkpoint notes separated by lines `===`, then
//! (after a line `+++`) proof hashes, 32 bytes each. Without a usable state the monitor starts
//! empty. Each note is observed against every production Rekor log, and against the Sigsum
//! test log of `regressions/witness` with two of its witnesses required; a proof request is
//! answered with the input's hashes.
#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigchain_core::crypto::{HashAlgorithm, PublicKey};
use sigchain_core::encoding::hex_decode;
use sigchain_core::tlog::witness::{WitnessKey, WitnessPolicy};
use sigchain_core::trust_root::{LogId, TransparencyLog, TrustedRoot, ValidityPeriod};
use sigchain_rekor::monitor::{LogMonitor, MonitorEvent, MonitorLimits, MonitorState, Observation};

struct Fixture {
    logs: Vec<(TransparencyLog, Option<WitnessPolicy>)>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut logs: Vec<_> = TrustedRoot::production()
            .tlogs
            .iter()
            .map(|log| (log.clone(), None))
            .collect();
        // The Sigsum test log (barreleye) whose notes `regressions/witness` holds.
        let raw = hex_decode("4644af2abd40f4895a003bca350f9d5912ab301a49c77f13e5b6d905c20a5fe6")
            .expect("hex");
        let der = [hex_decode("302a300506032b6570032100").expect("hex"), raw].concat();
        let sigsum = TransparencyLog {
            base_url: "https://test.sigsum.org/barreleye".into(),
            log_id: LogId(sigchain_core::crypto::sha256(&der).to_vec()),
            hash_algorithm: HashAlgorithm::Sha256,
            key: PublicKey::from_spki_der(&der),
            key_der: der,
            validity: ValidityPeriod {
                start: None,
                end: None,
            },
        };
        let witnesses: Vec<WitnessKey> = common::SIGSUM_TEST_WITNESSES[..2]
            .iter()
            .map(|v| WitnessKey::from_vkey(v).expect("known-good vkey"))
            .collect();
        let policy = WitnessPolicy::new(witnesses, 2).expect("two of two");
        logs.push((sigsum.clone(), Some(policy)));
        logs.push((sigsum, None));
        Fixture { logs }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (state, rest) = text.split_once("\n---\n").unwrap_or(("", text));
    let (notes, proof) = rest.split_once("\n+++\n").unwrap_or((rest, ""));
    let proof: Vec<[u8; 32]> = proof
        .as_bytes()
        .chunks_exact(32)
        .take(80)
        .map(|c| <[u8; 32]>::try_from(c).expect("32 bytes"))
        .collect();
    let limits = MonitorLimits::DEFAULT;

    let mut monitor = match MonitorState::from_json(state.as_bytes(), &limits) {
        Ok(parsed) => {
            let again = MonitorState::from_json(parsed.to_json().as_bytes(), &limits)
                .expect("a parsed state re-parses");
            assert_eq!(again, parsed);
            match LogMonitor::from_state(parsed.clone(), limits) {
                Ok(monitor) => {
                    // What was loaded is what is saved (hex case aside).
                    let saved = monitor.state();
                    assert_eq!(saved.logs.len(), parsed.logs.len());
                    for ((origin, record), (saved_origin, saved_record)) in
                        parsed.logs.iter().zip(&saved.logs)
                    {
                        assert_eq!(origin, saved_origin);
                        assert_eq!(record.checkpoint, saved_record.checkpoint);
                        assert_eq!(record.tree_size, saved_record.tree_size);
                        assert_eq!(record.root_hash, saved_record.root_hash);
                        assert!(record.log_id.eq_ignore_ascii_case(&saved_record.log_id));
                    }
                    monitor
                }
                Err(_) => LogMonitor::new(limits),
            }
        }
        Err(_) => LogMonitor::new(limits),
    };

    let f = fixture();
    for note in notes.split("\n===\n").take(8) {
        for (log, policy) in &f.logs {
            let before = monitor.state();
            match monitor.observe(note, log, policy.as_ref()) {
                Ok(Observation::NeedsConsistencyProof(request)) => {
                    assert!(request.first_size() < request.last_size());
                    let _ = request.rekor_v1_request();
                    let from = monitor.latest(request.origin()).map(|h| h.tree_size);
                    match monitor.on_consistency_proof(&request, &proof) {
                        Ok(MonitorEvent::Advanced {
                            from_size, to_size, ..
                        }) => {
                            assert_eq!(Some(from_size), from);
                            assert_eq!(to_size, request.last_size());
                        }
                        Ok(MonitorEvent::InconsistentProof { .. }) => {
                            assert_eq!(monitor.latest(request.origin()).map(|h| h.tree_size), from);
                        }
                        Ok(other) => panic!("a proof gave {other:?}"),
                        Err(_) => {}
                    }
                }
                Ok(Observation::Event(MonitorEvent::Rollback {
                    known_size,
                    seen_size,
                    ..
                })) => assert!(seen_size < known_size),
                Ok(_) => {}
                // A refused note changes nothing.
                Err(_) => assert_eq!(monitor.state(), before),
            }
        }
    }
    // Whatever happened, the state saves and loads again.
    let saved = monitor.state();
    let reloaded =
        MonitorState::from_json(saved.to_json().as_bytes(), &limits).expect("a saved state parses");
    assert_eq!(reloaded, saved);
    LogMonitor::from_state(reloaded, limits).expect("a saved state loads");
});
