//! Checkpoint (signed note) parser: never panics on any text, and a parsed checkpoint can be
//! checked against every real Rekor log key without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::limits::Limits;
use sigchain_core::tlog::parse_checkpoint;
use sigchain_core::trust_root::TrustedRoot;

fuzz_target!(|data: &[u8]| {
    let Ok(note) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(checkpoint) = parse_checkpoint(note, &Limits::DEFAULT) else {
        return;
    };
    assert!(
        note.starts_with(checkpoint.note_text.as_str()),
        "the signed text must be a prefix of the note"
    );
    assert!(checkpoint.signatures.len() <= Limits::DEFAULT.max_checkpoint_signatures);
    // The seeds are staging and production checkpoints: try both roots' logs, so the
    // key-hint match (and with it the signature check) is reachable.
    for root in [TrustedRoot::production(), TrustedRoot::staging()] {
        for log in &root.tlogs {
            if let Ok(verified) = checkpoint.verify(log) {
                assert_eq!(verified.tree_size(), checkpoint.tree_size);
                assert_eq!(verified.origin(), checkpoint.origin);
            }
        }
    }
});
