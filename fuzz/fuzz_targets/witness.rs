//! Witness vkeys and cosignatures: `WitnessKey::from_vkey` never panics and round-trips what
//! it accepts; `verify_cosignatures` never panics and never reports more witnesses than the
//! policy names, fewer than its threshold, or a witness the policy does not name.
//!
//! Input: vkey lines, then a line `---`, then a checkpoint note. Without a usable vkey the
//! policy is the three Sigsum test witnesses of `sigchain-core/tests/data/witness`, whose
//! notes make good seeds (their cosignature lines reach the signature check).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::limits::Limits;
use sigchain_core::tlog::parse_checkpoint;
use sigchain_core::tlog::witness::{WitnessKey, WitnessPolicy, MAX_WITNESSES};

const SIGSUM_TEST_WITNESSES: [&str; 3] = [
    "sigsum-test1+e2ee26d4+BBwl+KRMY1RX4uOR0e+8p9TClRoK7wYiWogeRrmJYqxs",
    "sigsum-test2+ca0a7fc5+BCjJKlo6BU0xfIb8LutqerIFTWIXEA0L5n3tW3QyPFgG",
    "sigsum-test3+d2e8302c+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (vkeys, note) = match text.strip_prefix("---\n") {
        Some(note) => ("", note),
        None => text.split_once("\n---\n").unwrap_or(("", text)),
    };
    let mut witnesses = Vec::new();
    for line in vkeys.lines() {
        if let Ok(key) = WitnessKey::from_vkey(line) {
            let again = WitnessKey::from_vkey(&key.to_vkey()).expect("a parsed vkey re-parses");
            assert_eq!(again, key);
            if witnesses.len() < MAX_WITNESSES
                && !witnesses
                    .iter()
                    .any(|w: &WitnessKey| w.raw_key() == key.raw_key())
            {
                witnesses.push(key);
            }
        }
    }
    if witnesses.is_empty() {
        witnesses = SIGSUM_TEST_WITNESSES
            .iter()
            .map(|v| WitnessKey::from_vkey(v).expect("known-good vkey"))
            .collect();
    }
    let Ok(checkpoint) = parse_checkpoint(note, &Limits::DEFAULT) else {
        return;
    };
    // Threshold from the input too, so both the met and the unmet paths run.
    let threshold = 1 + data.len() % witnesses.len();
    let count = witnesses.len();
    let policy = WitnessPolicy::new(witnesses, threshold).expect("bounds respected above");
    if let Ok(cosignatures) = checkpoint.verify_cosignatures(&policy) {
        assert!(cosignatures.len() >= threshold && cosignatures.len() <= count);
        for c in &cosignatures {
            assert!(policy.witnesses().iter().any(|w| w.name() == c.witness()));
            assert!(c.timestamp().as_secs() >= 0);
        }
    }
});
