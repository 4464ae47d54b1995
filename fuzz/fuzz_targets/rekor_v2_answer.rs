//! Rekor v2 answers: `v2::RekorV2::check_created` and the tile reads (`EntryRead`,
//! `ConsistencyRead`) never panic and never loop, whatever the log answers; honest answers
//! always pass.
//!
//! Input: a mode byte, then what the mode reads.
//! - mode 0: status byte (`common::STATUSES`), then a create answer body, checked against the
//!   `rekor2-happy-path` proposal and the trusted root of that conformance case (seeds from
//!   `seed.py`: its real answer).
//! - mode 1: the test log's create answer for its proposal, as it would honestly send it, with
//!   edits from the input (see `respond`), or raw bytes.
//! - modes 2 and 3: an entry read (of any entry, or of the proposal's) and a consistency read
//!   against checkpoints of the test log (`common::TestLog`, 300 entries, signed here), each
//!   request answered as the input says: honestly, 404, honestly with a byte changed, cut
//!   short, or with raw bytes from the input. When every answer was honest, the read must
//!   succeed.
#![no_main]

mod common;

use std::sync::OnceLock;

use common::{Input, TestLog, STATUSES, TEST_LOG_PROPOSAL_INDEX, TEST_LOG_SIZE};
use libfuzzer_sys::fuzz_target;
use sigchain_core::bundle::TlogEntry;
use sigchain_core::encoding::base64_encode;
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_rekor::http::{HttpRequest, HttpResponse};
use sigchain_rekor::v2::{ConsistencyRead, EntryRead, RekorV2, TileReadError, TreeHead};
use sigchain_rekor::Proposal;

const NOW: Timestamp = Timestamp(1_767_225_600);
/// More requests than any read of a 300-entry log makes (bundle, a few tiles, and a full
/// resource after each 404): a read that asks for more is looping.
const MAX_REQUESTS: usize = 16;

struct Fixture {
    conformance: RekorV2,
    conformance_proposal: Proposal,
    log: TestLog,
    rekor: RekorV2,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let bundle = common::json(common::V2_BUNDLE);
        let entry = TlogEntry::from_json(
            common::bundle_entry(&bundle).to_string().as_bytes(),
            &Limits::DEFAULT,
        )
        .expect("conformance entry");
        let root = common::v2_root();
        let log = TestLog::new();
        let rekor = RekorV2::new(
            Verifier::new(&log.root, VerifierConfig::default()),
            log.signer.log_id(),
        );
        Fixture {
            conformance: RekorV2::new(
                Verifier::new(&root, VerifierConfig::default()),
                entry.log_id,
            ),
            conformance_proposal: common::bundle_proposal(&bundle),
            log,
            rekor,
        }
    })
}

/// The answer to `request` as the input says; whether it was the honest one, status 200.
fn respond(input: &mut Input<'_>, honest: HttpResponse) -> (HttpResponse, bool) {
    if input.is_empty() {
        let ok = honest.status == 200;
        return (honest, ok);
    }
    match input.byte() % 5 {
        0 => {
            let ok = honest.status == 200;
            (honest, ok)
        }
        1 => (HttpResponse::new(404, Vec::new()), false),
        2 => {
            let mut edited = honest;
            let at = usize::from(input.u16());
            let flip = input.byte() | 1;
            if let Some(len) = std::num::NonZeroUsize::new(edited.body.len()) {
                edited.body[at % len.get()] ^= flip;
            }
            (edited, false)
        }
        3 => {
            let mut cut = honest;
            let keep = usize::from(input.u16());
            cut.body.truncate(keep % (cut.body.len() + 1));
            (cut, false)
        }
        _ => {
            let status = STATUSES[usize::from(input.byte() & 7)];
            let len = usize::from(input.u16());
            (HttpResponse::new(status, input.take(len).to_vec()), false)
        }
    }
}

fn size(input: &mut Input<'_>) -> u64 {
    1 + u64::from(input.u16()) % TEST_LOG_SIZE
}

fn head(f: &Fixture, size: u64) -> TreeHead {
    f.rekor
        .verify_checkpoint_note(&f.log.checkpoint(size))
        .expect("the test log's own checkpoint")
}

/// A tile read, whichever kind.
trait Read {
    fn next_request(&self) -> Option<HttpRequest>;
    fn on_response(&mut self, response: &HttpResponse) -> Result<(), TileReadError>;
}

impl Read for EntryRead {
    fn next_request(&self) -> Option<HttpRequest> {
        EntryRead::next_request(self)
    }
    fn on_response(&mut self, response: &HttpResponse) -> Result<(), TileReadError> {
        EntryRead::on_response(self, response)
    }
}

impl Read for ConsistencyRead {
    fn next_request(&self) -> Option<HttpRequest> {
        ConsistencyRead::next_request(self)
    }
    fn on_response(&mut self, response: &HttpResponse) -> Result<(), TileReadError> {
        ConsistencyRead::on_response(self, response)
    }
}

/// Answer every request of `read`; whether every answer was the honest one.
fn drive(input: &mut Input<'_>, f: &Fixture, read: &mut impl Read) -> Result<bool, TileReadError> {
    let mut all_honest = true;
    for _ in 0..MAX_REQUESTS {
        let Some(request) = read.next_request() else {
            return Ok(all_honest);
        };
        let (response, honest) = respond(input, f.log.serve(&request));
        assert!(
            response.body.len() <= request.max_response_bytes || !honest,
            "an honest answer fits its bound"
        );
        all_honest &= honest;
        read.on_response(&response)?;
    }
    panic!("a read asked for more than {MAX_REQUESTS} resources");
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let mut input = Input(data);
    match input.byte() % 4 {
        0 => {
            let status = STATUSES[usize::from(input.byte() & 7)];
            let response = HttpResponse::new(status, input.rest().to_vec());
            if let Ok(entry) = f
                .conformance
                .check_created(&f.conformance_proposal, &response, NOW)
            {
                assert!(entry.uuid().is_none());
                assert_eq!(&entry.tlog_entry().log_id, f.conformance.log_id());
            }
        }
        1 => {
            let size = TEST_LOG_PROPOSAL_INDEX
                + 1
                + u64::from(input.u16()) % (TEST_LOG_SIZE - TEST_LOG_PROPOSAL_INDEX);
            let honest = HttpResponse::new(201, created_answer(f, size));
            let (response, _) = respond(&mut input, honest.clone());
            let result = f.rekor.check_created(&f.log.proposal, &response, NOW);
            if response == honest {
                result.expect("an honest create answer passes");
            }
        }
        mode => {
            let proposed = mode == 3;
            let size = size(&mut input);
            let index = if proposed {
                TEST_LOG_PROPOSAL_INDEX
            } else {
                u64::from(input.u16()) % size
            };
            let old_size = 1 + u64::from(input.u16()) % size;
            // Entry read.
            if index < size {
                let mut read = f
                    .rekor
                    .read_entry(index, &head(f, size))
                    .expect("index < size");
                let honest = drive(&mut input, f, &mut read);
                let result = if proposed {
                    f.rekor
                        .check_proposed_entry_read(read, &f.log.proposal, NOW)
                } else {
                    f.rekor.check_entry_read(read, NOW)
                };
                if let Ok(true) = honest {
                    let entry = result.expect("honest tiles prove the entry");
                    assert_eq!(entry.verified().log_index(), index);
                }
            }
            // Consistency read.
            let old = head(f, old_size);
            let new = head(f, size);
            let mut read = f
                .rekor
                .read_consistency(old.checkpoint(), new.checkpoint())
                .expect("one log, old <= new");
            let honest = drive(&mut input, f, &mut read);
            let result = f.rekor.check_consistency_read(read);
            if let Ok(true) = honest {
                result.expect("honest tiles prove consistency");
            }
        }
    }
});

/// The `TransparencyLogEntry` the test log answers a create of its proposal with.
fn created_answer(f: &Fixture, size: u64) -> Vec<u8> {
    let index = TEST_LOG_PROPOSAL_INDEX;
    let body = &f.log.entries[index as usize];
    let proof = f
        .log
        .tree
        .inclusion_proof(index, size)
        .expect("in the tree");
    let root = f.log.tree.root(size).expect("in the tree");
    serde_json::to_vec(&serde_json::json!({
        "logIndex": index.to_string(),
        "logId": {"keyId": base64_encode(&f.log.signer.log_id().0)},
        "kindVersion": {"kind": "hashedrekord", "version": "0.0.2"},
        "inclusionProof": {
            "logIndex": index.to_string(),
            "rootHash": base64_encode(&root),
            "treeSize": size.to_string(),
            "hashes": proof.iter().map(|h| base64_encode(h)).collect::<Vec<_>>(),
            "checkpoint": {"envelope": f.log.checkpoint(size)},
        },
        "canonicalizedBody": base64_encode(body),
    }))
    .expect("JSON")
}
