//! Tile reads against a small log built here: entries, tiles made by the tiles module's
//! server-side helpers, and checkpoints signed with an Ed25519 key the trusted root names.
//! Real rekor-tiles tile data is not available offline; the create answers of real Rekor v2
//! entries are tested in `super::super::tests`.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use sigchain_core::crypto::{sha256, HashAlgorithm, PublicKey};
use sigchain_core::encoding::base64_encode;
use sigchain_core::tlog::{hash_children, key_hint, MerkleError};
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Verifier, VerifierConfig};

use super::*;
use crate::proposal::{Signer, V2DsseKind};
use crate::tiles::{encode_entry_bundle, NodeHashes, Tile, TileResource};
use sigchain_core::verify::TlogError;

/// Subtree hashes level by level, as an append-only log keeps them.
struct Levels(Vec<Vec<[u8; 32]>>);

impl Levels {
    fn new(leaves: Vec<[u8; 32]>) -> Levels {
        let mut levels = vec![leaves];
        while let Some(below) = levels.last().filter(|l| l.len() > 1) {
            let above = below
                .chunks_exact(2)
                .map(|pair| hash_children(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Levels(levels)
    }
}

impl NodeHashes for Levels {
    fn node_hash(&self, level: u8, index: u64) -> Option<[u8; 32]> {
        self.0
            .get(usize::from(level))?
            .get(usize::try_from(index).ok()?)
            .copied()
    }
}

struct TestLog {
    origin: &'static str,
    key: Ed25519KeyPair,
    spki: Vec<u8>,
    rekor: RekorV2,
    entries: Vec<Vec<u8>>,
    levels: Levels,
}

fn trusted_root(spki: &[u8]) -> TrustedRoot {
    let json = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{
            "baseUrl": "http://127.0.0.1",
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": base64_encode(spki),
                "keyDetails": "PKIX_ED25519",
                "validFor": {"start": "2020-01-01T00:00:00Z"}
            },
            "logId": {"keyId": base64_encode(&sha256(spki))}
        }]
    });
    TrustedRoot::from_json(json.to_string().as_bytes()).unwrap()
}

impl TestLog {
    /// A log of `size` entries; entry 7 records `proposal()`.
    fn new(size: usize) -> TestLog {
        TestLog::with_origin(size, "log.test.example")
    }

    fn with_origin(size: usize, origin: &'static str) -> TestLog {
        let key = Ed25519KeyPair::generate().unwrap();
        let spki = key.public_key().as_der().unwrap().as_ref().to_vec();
        let root = trusted_root(&spki);
        let rekor = RekorV2::new(
            Verifier::new(&root, VerifierConfig::default()),
            root.tlogs[0].log_id.clone(),
        );
        let mut entries: Vec<Vec<u8>> = (0..size)
            .map(|i| {
                format!(r#"{{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{{"n":{i}}}}}"#)
                    .into_bytes()
            })
            .collect();
        if let Some(seventh) = entries.get_mut(7) {
            *seventh = proposal(&spki)
                .v2_canonical_body(V2DsseKind::default())
                .unwrap();
        }
        let levels = Levels::new(entries.iter().map(|e| hash_leaf(e)).collect());
        TestLog {
            origin,
            key,
            spki,
            rekor,
            entries,
            levels,
        }
    }

    fn root(&self, size: u64) -> [u8; 32] {
        crate::tiles::tree_root(size, &self.levels).unwrap()
    }

    fn note(&self, size: u64, root: &[u8; 32]) -> String {
        sign_note(&self.key, &self.spki, self.origin, size, root)
    }

    fn head(&self, size: u64) -> TreeHead {
        self.rekor
            .verify_checkpoint_note(&self.note(size, &self.root(size)))
            .unwrap()
    }

    /// What the log's tile server answers.
    fn serve(&self, request: &HttpRequest) -> HttpResponse {
        let path = request.path_and_query.strip_prefix(TILES_PREFIX).unwrap();
        let body = match TileResource::parse(path).unwrap() {
            TileResource::Tile(id) => Tile::from_nodes(id, &self.levels)
                .map(|t| t.to_bytes())
                .ok(),
            TileResource::EntryBundle(id) => id
                .leaf_range()
                .and_then(|r| self.entries.get(r.start as usize..r.end as usize))
                .map(|entries| encode_entry_bundle(entries).unwrap()),
            _ => None,
        };
        match body {
            Some(body) => HttpResponse::new(200, body),
            None => HttpResponse::new(404, Vec::new()),
        }
    }
}

fn sign_note(
    key: &Ed25519KeyPair,
    spki: &[u8],
    origin: &str,
    size: u64,
    root: &[u8; 32],
) -> String {
    let text = format!("{origin}\n{size}\n{}\n", base64_encode(root));
    let public = PublicKey::from_spki_der(spki).unwrap();
    let mut signature = key_hint(&public, origin).unwrap().to_vec();
    signature.extend_from_slice(key.sign(text.as_bytes()).as_ref());
    format!("{text}\n\u{2014} {origin} {}\n", base64_encode(&signature))
}

fn proposal(spki: &[u8]) -> Proposal {
    Proposal::hashed_rekord(
        HashAlgorithm::Sha256,
        sha256(b"artifact").to_vec(),
        b"signature".to_vec(),
        Signer::PublicKey(spki.to_vec()),
    )
    .unwrap()
}

/// Answer every request of `read` with `serve`, returning the paths asked for.
fn drive(
    read: &mut EntryRead,
    serve: impl Fn(&HttpRequest) -> HttpResponse,
) -> Result<Vec<String>, TileReadError> {
    let mut paths = Vec::new();
    while let Some(request) = read.next_request() {
        read.on_response(&serve(&request))?;
        paths.push(request.path_and_query);
    }
    Ok(paths)
}

fn read_entry(
    log: &TestLog,
    index: u64,
    size: u64,
    serve: impl Fn(&HttpRequest) -> HttpResponse,
) -> Result<LoggedEntry, TileReadError> {
    let mut read = log.rekor.read_entry(index, &log.head(size))?;
    drive(&mut read, serve)?;
    log.rekor.check_entry_read(read, Timestamp::now())
}

#[test]
fn entries_are_read_and_proven_from_tiles() {
    let log = TestLog::new(300);
    for index in [0, 7, 255, 256, 299] {
        let entry = read_entry(&log, index, 300, |r| log.serve(r)).unwrap();
        assert_eq!(entry.verified().log_index(), index);
        assert_eq!(entry.checkpoint().unwrap().tree_size(), 300);
        assert!(entry.uuid().is_none());
        let tlog_entry = entry.tlog_entry();
        assert_eq!(tlog_entry.canonicalized_body, log.entries[index as usize]);
        assert_eq!(tlog_entry.kind_version.kind, "hashedrekord");
        assert_eq!(tlog_entry.kind_version.version, "0.0.2");
        assert_eq!(tlog_entry.log_id, *log.rekor.log_id());
    }
    let mut read = log.rekor.read_entry(270, &log.head(300)).unwrap();
    let paths = drive(&mut read, |r| log.serve(r)).unwrap();
    assert_eq!(
        paths,
        [
            "/api/v2/tile/entries/001.p/44",
            "/api/v2/tile/0/001.p/44",
            "/api/v2/tile/1/000.p/1",
        ]
    );
}

#[test]
fn an_entry_read_for_a_proposal_must_record_it() {
    let log = TestLog::new(20);
    let proposal = proposal(&log.spki);
    let mut read = log.rekor.read_entry(7, &log.head(20)).unwrap();
    drive(&mut read, |r| log.serve(r)).unwrap();
    let entry = log
        .rekor
        .check_proposed_entry_read(read, &proposal, Timestamp::now())
        .unwrap();
    assert_eq!(entry.verified().log_index(), 7);

    let mut read = log.rekor.read_entry(8, &log.head(20)).unwrap();
    drive(&mut read, |r| log.serve(r)).unwrap();
    let err = log
        .rekor
        .check_proposed_entry_read(read, &proposal, Timestamp::now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            TileReadError::Rekor(RekorError::Verify(TlogError::Body(_)))
        ),
        "{err:?}"
    );
}

/// `serve`, with the bytes of the resource at `path` changed by `edit`.
fn tampered<'a>(
    log: &'a TestLog,
    path: &'a str,
    edit: impl Fn(&mut Vec<u8>) + 'a,
) -> impl Fn(&HttpRequest) -> HttpResponse + 'a {
    move |request| {
        let mut response = log.serve(request);
        if request.path_and_query == path {
            edit(&mut response.body);
        }
        response
    }
}

#[test]
fn a_corrupted_tile_is_refused() {
    let log = TestLog::new(300);
    let flip = |at: usize| move |body: &mut Vec<u8>| body[at] ^= 1;

    // A full tile in the entry's chain no longer hashes to its entry in the tile above.
    let err = read_entry(
        &log,
        5,
        300,
        tampered(&log, "/api/v2/tile/0/000", flip(32 * 9)),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            TileReadError::Tiles(TileError::TileHashMismatch { .. })
        ),
        "{err:?}"
    );
    // A hash in an edge tile changes the root.
    for path in ["/api/v2/tile/0/001.p/44", "/api/v2/tile/1/000.p/1"] {
        let err = read_entry(&log, 270, 300, tampered(&log, path, flip(0))).unwrap_err();
        assert!(
            matches!(
                err,
                TileReadError::TilesDisagreeWithCheckpoint { tree_size: 300, .. }
            ),
            "{path}: {err:?}"
        );
    }
    // An entry that is not the one the tiles hold.
    let err = read_entry(
        &log,
        256,
        300,
        tampered(
            &log,
            "/api/v2/tile/entries/001.p/44",
            |body: &mut Vec<u8>| {
                body[3] ^= 1;
            },
        ),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            TileReadError::EntryDisagreesWithTiles { index: 256, .. }
        ),
        "{err:?}"
    );
    // A tile of the wrong length, a bundle with a missing entry, an error status.
    let short = |b: &mut Vec<u8>| b.truncate(40);
    let err = read_entry(
        &log,
        270,
        300,
        tampered(&log, "/api/v2/tile/0/001.p/44", short),
    );
    assert!(
        matches!(
            err,
            Err(TileReadError::Tiles(TileError::TileLength { got: 40, .. }))
        ),
        "{err:?}"
    );
    let long = |b: &mut Vec<u8>| b.extend_from_slice(&[0; 32]);
    let err = read_entry(
        &log,
        270,
        300,
        tampered(&log, "/api/v2/tile/0/001.p/44", long),
    );
    assert!(
        matches!(err, Err(TileReadError::Rekor(RekorError::TooLarge { .. }))),
        "{err:?}"
    );
    let err = read_entry(
        &log,
        270,
        300,
        tampered(&log, "/api/v2/tile/entries/001.p/44", |b: &mut Vec<u8>| {
            let first = 2 + log.entries[256].len();
            b.drain(..first);
        }),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            TileReadError::Tiles(TileError::BundleEntryCount { .. })
        ),
        "{err:?}"
    );
    let err = read_entry(&log, 270, 300, |_| {
        HttpResponse::new(500, b"{\"message\":\"down\"}".to_vec())
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            TileReadError::Rekor(RekorError::Status { status: 500, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn a_missing_partial_tile_is_replaced_by_the_full_one() {
    // The log has grown to 600 entries; the reader holds a checkpoint of 300, and the server
    // dropped the partial tiles whose full tile now exists.
    let log = TestLog::new(600);
    let without_partials = |request: &HttpRequest| {
        if let Some((full, _)) = request.path_and_query.split_once(".p/") {
            let full = HttpRequest {
                path_and_query: full.to_owned(),
                ..request.clone()
            };
            if log.serve(&full).status == 200 {
                return HttpResponse::new(404, Vec::new());
            }
        }
        log.serve(request)
    };
    let mut read = log.rekor.read_entry(270, &log.head(300)).unwrap();
    let paths = drive(&mut read, without_partials).unwrap();
    assert_eq!(
        paths,
        [
            "/api/v2/tile/entries/001.p/44",
            "/api/v2/tile/entries/001",
            "/api/v2/tile/0/001.p/44",
            "/api/v2/tile/0/001",
            "/api/v2/tile/1/000.p/1",
        ]
    );
    let entry = log.rekor.check_entry_read(read, Timestamp::now()).unwrap();
    assert_eq!(entry.tlog_entry().canonicalized_body, log.entries[270]);
    // A full resource that is missing is an error, not a loop.
    let err = read_entry(&log, 5, 300, |_| HttpResponse::new(404, Vec::new())).unwrap_err();
    assert!(
        matches!(
            err,
            TileReadError::Rekor(RekorError::Status { status: 404, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn reads_must_be_complete_and_in_range() {
    let log = TestLog::new(10);
    let read = log.rekor.read_entry(3, &log.head(10)).unwrap();
    assert!(matches!(
        log.rekor.check_entry_read(read, Timestamp::now()),
        Err(TileReadError::Unanswered { .. })
    ));
    let mut read = log.rekor.read_entry(3, &log.head(10)).unwrap();
    drive(&mut read, |r| log.serve(r)).unwrap();
    assert!(matches!(
        read.on_response(&HttpResponse::new(200, Vec::new())),
        Err(TileReadError::NoRequestPending)
    ));
    assert!(matches!(
        log.rekor.read_entry(10, &log.head(10)),
        Err(TileReadError::Tiles(TileError::IndexOutOfRange {
            index: 10,
            size: 10
        }))
    ));
}

fn consistency(
    log: &TestLog,
    old: &TreeHead,
    new: &TreeHead,
    serve: impl Fn(&HttpRequest) -> HttpResponse,
) -> Result<Vec<[u8; 32]>, TileReadError> {
    let mut read = log
        .rekor
        .read_consistency(old.checkpoint(), new.checkpoint())?;
    while let Some(request) = read.next_request() {
        read.on_response(&serve(&request))?;
    }
    log.rekor.check_consistency_read(read)
}

#[test]
fn consistency_proofs_come_from_tiles_and_connect_signed_checkpoints() {
    let log = TestLog::new(300);
    for (old, new) in [
        (70, 300),
        (1, 300),
        (256, 300),
        (299, 300),
        (5, 9),
        (300, 300),
    ] {
        let proof = consistency(&log, &log.head(old), &log.head(new), |r| log.serve(r))
            .unwrap_or_else(|e| panic!("{old} -> {new}: {e}"));
        verify_consistency(old, new, &log.root(old), &log.root(new), &proof).unwrap();
    }
    // A fork: the log signed a tree of size 70 that the tree of size 300 does not extend.
    let forked = log
        .rekor
        .verify_checkpoint_note(&log.note(70, &[7; 32]))
        .unwrap();
    let err = consistency(&log, &forked, &log.head(300), |r| log.serve(r)).unwrap_err();
    assert!(
        matches!(err, TileReadError::Rekor(RekorError::Consistency(_))),
        "{err:?}"
    );
    let err = consistency(&log, &forked, &log.head(70), |r| log.serve(r)).unwrap_err();
    assert!(
        matches!(
            err,
            TileReadError::Rekor(RekorError::Consistency(MerkleError::NewRootMismatch { .. }))
        ),
        "{err:?}"
    );
    // Tiles that are not the newer tree's.
    let err = consistency(
        &log,
        &log.head(70),
        &log.head(300),
        tampered(&log, "/api/v2/tile/0/001.p/44", |b: &mut Vec<u8>| b[5] ^= 1),
    )
    .unwrap_err();
    assert!(
        matches!(err, TileReadError::TilesDisagreeWithCheckpoint { .. }),
        "{err:?}"
    );
    assert!(matches!(
        consistency(&log, &log.head(300), &log.head(70), |r| log.serve(r)),
        Err(TileReadError::Tiles(TileError::SizesReversed { .. }))
    ));
    // A checkpoint of another log.
    let other = TestLog::with_origin(300, "other.test.example");
    assert!(matches!(
        log.rekor
            .read_consistency(other.head(70).checkpoint(), log.head(300).checkpoint()),
        Err(TileReadError::DifferentLogs { .. })
    ));
}

#[test]
fn checkpoints_verify_with_the_log_key_only() {
    let log = TestLog::new(3);
    let note = log.note(3, &log.root(3));
    let head = log
        .rekor
        .check_checkpoint(&HttpResponse::new(200, note.clone().into_bytes()))
        .unwrap();
    assert_eq!(head.tree_size(), 3);
    assert_eq!(head.note(), note);
    let other = TestLog::new(3);
    assert!(matches!(
        other
            .rekor
            .check_checkpoint(&HttpResponse::new(200, note.into_bytes())),
        Err(RekorError::Checkpoint(_))
    ));
    assert!(matches!(
        log.rekor
            .check_checkpoint(&HttpResponse::new(503, Vec::new())),
        Err(RekorError::Status { status: 503, .. })
    ));
}

// ---- nothing a log or tile server answers panics ----

mod never_panic {
    use super::*;
    use crate::mutate::{byte_edits, edit_bytes, mutated_document};
    use proptest::prelude::*;
    use serde_json::json;

    /// What the input says to answer a request with.
    #[derive(Debug, Clone)]
    enum Answer {
        Honest,
        Missing,
        Damaged((Vec<(usize, u8)>, Option<usize>)),
        /// Any bytes of the length the request allows, or any length.
        Raw(Vec<u8>, bool),
    }

    fn answer() -> impl Strategy<Value = Answer> {
        prop_oneof![
            3 => Just(Answer::Honest),
            1 => Just(Answer::Missing),
            2 => byte_edits().prop_map(Answer::Damaged),
            2 => (proptest::collection::vec(any::<u8>(), 0..600), any::<bool>())
                .prop_map(|(bytes, fit)| Answer::Raw(bytes, fit)),
        ]
    }

    /// The response `answer` makes to `request`; whether it is the honest one.
    fn respond(log: &TestLog, request: &HttpRequest, answer: &Answer) -> (HttpResponse, bool) {
        let honest = log.serve(request);
        match answer {
            Answer::Honest => {
                let ok = honest.status == 200;
                (honest, ok)
            }
            Answer::Missing => (HttpResponse::new(404, Vec::new()), false),
            Answer::Damaged(edits) => {
                let edited = HttpResponse::new(honest.status, edit_bytes(&honest.body, edits));
                let same = edited == honest && honest.status == 200;
                (edited, same)
            }
            Answer::Raw(bytes, fit) => {
                let mut bytes = bytes.clone();
                if *fit {
                    bytes.resize(request.max_response_bytes.min(4096), 0x5a);
                }
                (HttpResponse::new(200, bytes), false)
            }
        }
    }

    /// Answer every request of a read as `answers` say (honestly once they run out). At most
    /// 16 requests: a read of a 300-entry log needs far fewer, even after 404s.
    fn answer_all(
        log: &TestLog,
        answers: &[Answer],
        mut next: impl FnMut() -> Option<HttpRequest>,
        mut on_response: impl FnMut(&HttpResponse) -> Result<(), TileReadError>,
    ) -> Result<bool, TestCaseError> {
        let mut honest = true;
        for step in 0..16 {
            let Some(request) = next() else {
                return Ok(honest);
            };
            let (response, was_honest) =
                respond(log, &request, answers.get(step).unwrap_or(&Answer::Honest));
            honest &= was_honest;
            if on_response(&response).is_err() {
                return Ok(false);
            }
        }
        Err(TestCaseError::fail(
            "a read asked for more than 16 resources",
        ))
    }

    #[test]
    fn tile_reads_take_any_answer() {
        let log = TestLog::new(300);
        let proposal = proposal(&log.spki);
        let config = ProptestConfig::with_cases(64);
        proptest!(config, |(
            size in 1u64..=300,
            index in any::<u64>(),
            old in any::<u64>(),
            answers in proptest::collection::vec(answer(), 0..6),
            consistency_answers in proptest::collection::vec(answer(), 0..6),
        )| {
            let index = if index % 2 == 0 && size > 7 { 7 } else { index % size };
            let head = log.head(size);
            let mut read = log.rekor.read_entry(index, &head).unwrap();
            let read = std::cell::RefCell::new(&mut read);
            let honest = answer_all(
                &log,
                &answers,
                || read.borrow().next_request(),
                |r| read.borrow_mut().on_response(r),
            )?;
            let read = read.into_inner().clone();
            if index == 7 {
                let result = log.rekor.check_proposed_entry_read(read, &proposal, Timestamp::now());
                prop_assert!(!honest || result.is_ok(), "{:?}", result);
            } else {
                let result = log.rekor.check_entry_read(read, Timestamp::now());
                prop_assert!(!honest || result.is_ok(), "{:?}", result);
            }

            let old = log.head(1 + old % size);
            let mut read = log
                .rekor
                .read_consistency(old.checkpoint(), head.checkpoint())
                .unwrap();
            let read = std::cell::RefCell::new(&mut read);
            let honest = answer_all(
                &log,
                &consistency_answers,
                || read.borrow().next_request(),
                |r| read.borrow_mut().on_response(r),
            )?;
            let read = read.into_inner().clone();
            let result = log.rekor.check_consistency_read(read);
            prop_assert!(!honest || result.is_ok(), "{:?}", result);
        });
    }

    #[test]
    fn a_response_with_no_request_pending_is_refused() {
        let log = TestLog::new(20);
        let mut read = log.rekor.read_entry(3, &log.head(20)).unwrap();
        while let Some(request) = read.next_request() {
            read.on_response(&log.serve(&request)).unwrap();
        }
        assert!(matches!(
            read.on_response(&HttpResponse::new(200, Vec::new())),
            Err(TileReadError::NoRequestPending)
        ));
    }

    /// The `TransparencyLogEntry` the log answers a create of entry 7 with.
    fn created_answer(log: &TestLog, size: u64) -> serde_json::Value {
        let proof = crate::tiles::inclusion_proof(7, size, &log.levels).unwrap();
        json!({
            "logIndex": "7",
            "logId": {"keyId": base64_encode(&sha256(&log.spki))},
            "kindVersion": {"kind": "hashedrekord", "version": "0.0.2"},
            "inclusionProof": {
                "logIndex": "7",
                "rootHash": base64_encode(&log.root(size)),
                "treeSize": size.to_string(),
                "hashes": proof.iter().map(|h| base64_encode(h)).collect::<Vec<_>>(),
                "checkpoint": {"envelope": log.note(size, &log.root(size))},
            },
            "canonicalizedBody": base64_encode(&log.entries[7]),
        })
    }

    #[test]
    fn create_answers_take_any_body() {
        let log = TestLog::new(40);
        let proposal = proposal(&log.spki);
        let honest = created_answer(&log, 40);
        let ok = HttpResponse::new(201, serde_json::to_vec(&honest).unwrap());
        log.rekor
            .check_created(&proposal, &ok, Timestamp::now())
            .unwrap();
        let config = ProptestConfig::with_cases(128);
        proptest!(config, |(
            status in prop_oneof![Just(200u16), Just(201), Just(409), any::<u16>()],
            body in mutated_document(honest.clone()),
            log_index in proptest::option::of(".{0,24}"),
        )| {
            let mut response = HttpResponse::new(status, body);
            if let Some(value) = log_index {
                response.headers.push(("x-log-index".to_owned(), value));
            }
            if let Ok(entry) = log.rekor.check_created(&proposal, &response, Timestamp::now()) {
                prop_assert_eq!(entry.verified().log_index(), 7);
            }
        });
    }
}
