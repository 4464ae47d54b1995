//! Rekor v1 answers: every check of `v1::RekorV1` never panics on any status, header or body,
//! and what passes holds what it claims.
//!
//! Input: one selector byte, then the body. The selector's low 3 bits pick the status
//! (`common::STATUSES`), bit 3 adds a `location` header, bit 4 checks with a witness policy
//! (which production checkpoints never meet, so a fully verified answer is then refused at
//! the last step). The same response goes to every check; the body also goes to
//! `v1::tlog_entry` through the wire types. The log is production's, the proposal the one
//! `happy-path-v0.3` logged, so seeds built from real entries (`seed.py`) reach the
//! signature, proof and body checks.
#![no_main]

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigchain_core::bundle::TlogEntry;
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;
use sigchain_core::tlog::{hash_leaf, verify_checkpoint, VerifiedCheckpoint};
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_rekor::http::HttpResponse;
use sigchain_rekor::v1::{tlog_entry, wire, EntryQuery, RekorV1, MAX_SEARCH_RESULTS};
use sigchain_rekor::{EntryUuid, Proposal};

struct Fixture {
    rekor: RekorV1,
    witnessed: RekorV1,
    proposal: Proposal,
    uuid: EntryUuid,
    index: u64,
    old: VerifiedCheckpoint,
    new: VerifiedCheckpoint,
}

/// A fixed clock after every conformance entry, so runs are reproducible.
const NOW: Timestamp = Timestamp(1_767_225_600);

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let bundle = common::json(common::V1_BUNDLE);
        let entry_json = common::bundle_entry(&bundle);
        let entry = TlogEntry::from_json(entry_json.to_string().as_bytes(), &Limits::DEFAULT)
            .expect("conformance entry");
        let root = TrustedRoot::production();
        let log = root.tlog(&entry.log_id.0).expect("a production log");
        let verifier = || Verifier::new(root, VerifierConfig::default());
        let checkpoint = |bundle: &[u8]| {
            let note = common::entry_checkpoint(common::bundle_entry(&common::json(bundle)));
            verify_checkpoint(&note, log, &Limits::DEFAULT).expect("production checkpoint")
        };
        Fixture {
            rekor: RekorV1::new(verifier(), entry.log_id.clone()),
            witnessed: RekorV1::new(verifier(), entry.log_id.clone())
                .with_witnesses(common::witness_policy()),
            proposal: common::bundle_proposal(&bundle),
            uuid: EntryUuid::new(None, hash_leaf(&entry.canonicalized_body)),
            index: entry.log_index,
            old: checkpoint(common::V1_OLDER_BUNDLE),
            new: checkpoint(common::V1_BUNDLE),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let mut response =
        HttpResponse::new(common::STATUSES[usize::from(selector & 7)], body.to_vec());
    if selector & 0x08 != 0 {
        let location = String::from_utf8_lossy(body.get(..64).unwrap_or(body)).into_owned();
        response.headers.push(("location".to_owned(), location));
    }
    let rekor = if selector & 0x10 != 0 {
        &f.witnessed
    } else {
        &f.rekor
    };

    if let Ok(entry) = rekor.check_created(&f.proposal, &response, NOW) {
        assert_eq!(response.status, 201);
        assert_eq!(&entry.tlog_entry().log_id, rekor.log_id());
        let uuid = entry.uuid().expect("v1 entries have a UUID");
        assert_eq!(
            *uuid.leaf_hash(),
            hash_leaf(&entry.tlog_entry().canonicalized_body)
        );
        assert!(entry.checkpoint().is_some());
    }
    if let Ok(found) = rekor.check_proposed_entry(&f.proposal, &response, NOW) {
        match found {
            None => assert_eq!(response.status, 404),
            Some(entry) => {
                let uuid = entry.uuid().expect("v1 entries have a UUID");
                assert_eq!(*uuid.leaf_hash(), f.proposal.v1_leaf_hash());
            }
        }
    }
    if let Ok(entry) = rekor.check_entry(&EntryQuery::Index(f.index), &response, NOW) {
        assert_eq!(entry.tlog_entry().log_index, f.index);
    }
    if let Ok(entry) = rekor.check_entry(&EntryQuery::Uuid(f.uuid.clone()), &response, NOW) {
        assert_eq!(
            entry.uuid().map(EntryUuid::leaf_hash),
            Some(f.uuid.leaf_hash())
        );
    }
    if let Ok(found) = rekor.check_search(&response) {
        assert!(found.len() <= MAX_SEARCH_RESULTS);
    }
    if let Ok(head) = rekor.check_log_info(&response) {
        assert!(head.note.len() <= body.len());
    }
    if let Ok(hashes) = rekor.check_consistency_proof(&response, &f.old, &f.new) {
        assert!(hashes.len() <= Limits::DEFAULT.max_proof_hashes);
    }
    // The wire conversion alone, for one entry or an entry map.
    if let Ok(anon) = serde_json::from_slice::<wire::LogEntryAnon>(body) {
        let _ = tlog_entry(&anon, &Limits::DEFAULT);
    }
    if let Ok(map) = serde_json::from_slice::<BTreeMap<String, wire::LogEntryAnon>>(body) {
        for anon in map.values() {
            if let Ok(entry) = tlog_entry(anon, &Limits::DEFAULT) {
                assert!(entry.canonicalized_body.len() <= Limits::DEFAULT.max_bundle_bytes);
            }
        }
    }
});
