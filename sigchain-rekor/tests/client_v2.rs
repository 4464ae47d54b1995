//! `client::RekorV2Client` against a scripted server playing a small Rekor v2 log: creates
//! (201, 409 read back through tiles, ambiguous creates sent again), entries and consistency
//! proofs read through tiles, and refusals of tampered tiles.
//!
//! Real rekor-tiles tiles are not available offline, so the log is built here (see
//! `support::tlog`); the entry the creates submit is the real Rekor v2 entry of the
//! sigstore-conformance case `rekor2-happy-path`, logged at index 270 of 300.
#![cfg(feature = "client")]

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use sigchain_rekor::client::{ClientConfig, ClientError, RekorV2Client, TransportError};
use sigchain_rekor::proposal::V2DsseKind;
use sigchain_rekor::sigchain_core::crypto::HashAlgorithm;
use sigchain_rekor::sigchain_core::encoding::base64_decode;
use sigchain_rekor::sigchain_core::tlog::verify_consistency;
use sigchain_rekor::sigchain_core::verify::{TlogError, Verifier, VerifierConfig};
use sigchain_rekor::tiles::TileError;
use sigchain_rekor::v2::{RekorV2, TileReadError};
use sigchain_rekor::{Proposal, RekorError, Signer};
use support::tlog::TestLog;
use support::{Reply, ScriptedServer, Seen};

const CONFORMANCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/bundle-verify"
);
const SIZE: u64 = 300;
const INDEX: u64 = 270;
const CREATE: &str = "POST /api/v2/log/entries";
const CHECKPOINT: &str = "GET /api/v2/checkpoint";
/// What reading entry 270 of the tree of 300 fetches: its bundle, then the tiles.
const READ_270: [&str; 3] = [
    "GET /api/v2/tile/entries/001.p/44",
    "GET /api/v2/tile/0/001.p/44",
    "GET /api/v2/tile/1/000.p/1",
];

/// The proposal of `rekor2-happy-path`, a real hashedrekord 0.0.2 entry.
fn proposal() -> Proposal {
    let bundle: Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{CONFORMANCE}/rekor2-happy-path/bundle.sigstore.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let b64 = |v: &Value| base64_decode(v.as_str().unwrap()).unwrap();
    let signature = &bundle["messageSignature"];
    let proposal = Proposal::hashed_rekord(
        HashAlgorithm::Sha256,
        b64(&signature["messageDigest"]["digest"]),
        b64(&signature["signature"]),
        Signer::Certificate(b64(
            &bundle["verificationMaterial"]["certificate"]["rawBytes"]
        )),
    )
    .unwrap();
    // The body the log recorded is the one the proposal implies.
    let logged = b64(&bundle["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"]);
    assert_eq!(
        proposal.v2_canonical_body(V2DsseKind::default()).unwrap(),
        logged
    );
    proposal
}

fn test_log() -> Arc<TestLog> {
    let mut entries = TestLog::filler(SIZE as usize);
    entries[INDEX as usize] = proposal().v2_canonical_body(V2DsseKind::default()).unwrap();
    Arc::new(TestLog::new("log.test.example", entries))
}

fn rekor(log: &TestLog) -> RekorV2 {
    RekorV2::new(
        Verifier::new(&log.root, VerifierConfig::default()),
        log.log_id(),
    )
}

/// A change to a served resource's bytes.
type Edit = fn(&mut Vec<u8>);

/// What the log's server answers to reads: the checkpoint of `checkpoint_size()` and the
/// tiles, with the resource at `tamper.0` changed by `tamper.1`.
fn read_reply(
    log: &TestLog,
    seen: &Seen,
    checkpoint_size: u64,
    tamper: Option<(&str, Edit)>,
) -> Reply {
    if seen.target == "/api/v2/checkpoint" {
        return Reply::new(200, log.checkpoint(checkpoint_size));
    }
    match log.tile_resource(&seen.target) {
        Some(mut bytes) => {
            if let Some((_, edit)) = tamper.filter(|(path, _)| *path == seen.target) {
                edit(&mut bytes);
            }
            Reply::new(200, bytes)
        }
        None => Reply::new(404, "not found"),
    }
}

/// A server whose creates are answered by `create(n)` (n: the create's number, from 0) and
/// reads by `read_reply` at the full size.
async fn log_server(
    log: &Arc<TestLog>,
    create: impl Fn(u64) -> Reply + Send + Sync + 'static,
) -> ScriptedServer {
    let log = Arc::clone(log);
    let creates = AtomicU64::new(0);
    ScriptedServer::start(move |_, seen| {
        if seen.method == "POST" {
            create(creates.fetch_add(1, Ordering::SeqCst))
        } else {
            read_reply(&log, seen, SIZE, None)
        }
    })
    .await
}

fn client(log: &TestLog, server: &ScriptedServer) -> RekorV2Client {
    RekorV2Client::from_transport(support::transport(server), rekor(log))
}

fn already_exists(index: u64) -> Reply {
    Reply::json(409, &json!({"code": 6, "message": "entry already exists"}))
        .header("x-log-index", &index.to_string())
}

fn lines(prefix: &[&str], rest: &[&str]) -> Vec<String> {
    prefix.iter().chain(rest).map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn create_answered_201_is_the_checked_entry() {
    let log = test_log();
    let answer = log.created_answer(INDEX, SIZE);
    let server = log_server(&log, move |_| Reply::json(201, &answer)).await;
    let entry = client(&log, &server)
        .create_entry(&proposal())
        .await
        .unwrap();
    assert_eq!(entry.verified().log_index(), INDEX);
    assert_eq!(entry.checkpoint().unwrap().tree_size(), SIZE);
    assert_eq!(server.lines(), [CREATE]);
}

#[tokio::test]
async fn create_answered_409_reads_the_entry_through_tiles() {
    let log = test_log();
    let server = log_server(&log, |_| already_exists(INDEX)).await;
    let entry = client(&log, &server)
        .create_entry(&proposal())
        .await
        .unwrap();
    assert_eq!(entry.verified().log_index(), INDEX);
    assert_eq!(
        entry.tlog_entry().canonicalized_body,
        log.entries[INDEX as usize]
    );
    assert_eq!(entry.tlog_entry().kind_version.version, "0.0.2");
    assert!(entry.tlog_entry().integrated_time.is_none());
    assert_eq!(server.lines(), lines(&[CREATE, CHECKPOINT], &READ_270));
}

#[tokio::test]
async fn a_409_naming_another_entry_is_refused() {
    let log = test_log();
    let server = log_server(&log, |_| already_exists(5)).await;
    let err = client(&log, &server)
        .create_entry(&proposal())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Tiles(TileReadError::Rekor(RekorError::Verify(TlogError::Body(_))))
        ),
        "{err:?}"
    );
    let server = log_server(&log, |_| Reply::new(409, "{}")).await;
    let err = client(&log, &server)
        .create_entry(&proposal())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::ExistingIndexMissing), "{err:?}");
}

#[tokio::test]
async fn an_ambiguous_create_is_sent_again_and_the_409_read_back() {
    let log = test_log();
    let server = log_server(&log, |n| {
        if n == 0 {
            Reply::new(503, "upstream reset")
        } else {
            already_exists(INDEX)
        }
    })
    .await;
    let entry = client(&log, &server)
        .create_entry(&proposal())
        .await
        .unwrap();
    assert_eq!(entry.verified().log_index(), INDEX);
    assert_eq!(
        server.lines(),
        lines(&[CREATE, CREATE, CHECKPOINT], &READ_270)
    );
    let seen = server.seen();
    assert_eq!(seen[0].body, seen[1].body, "the same create, sent again");
}

#[tokio::test]
async fn create_rounds_are_bounded() {
    let log = test_log();
    let server = log_server(&log, |_| Reply::new(500, "down")).await;
    let client = client(&log, &server).with_config(ClientConfig {
        max_create_rounds: 2,
        ..ClientConfig::default()
    });
    let err = client.create_entry(&proposal()).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::GaveUp { rounds: 2, last } if matches!(**last, TransportError::MaybeCreated { .. })),
        "{err:?}"
    );
    assert_eq!(server.lines(), [CREATE, CREATE]);
}

#[tokio::test]
async fn a_409_waits_for_a_checkpoint_that_includes_the_entry() {
    let log = test_log();
    let checkpoints = AtomicU64::new(0);
    let server = ScriptedServer::start({
        let log = Arc::clone(&log);
        move |_, seen| {
            if seen.method == "POST" {
                return already_exists(INDEX);
            }
            // The first checkpoint predates the entry.
            let size = if seen.target == "/api/v2/checkpoint"
                && checkpoints.fetch_add(1, Ordering::SeqCst) == 0
            {
                200
            } else {
                SIZE
            };
            read_reply(&log, seen, size, None)
        }
    })
    .await;
    let config = ClientConfig {
        checkpoint_poll_interval: Duration::ZERO,
        ..ClientConfig::default()
    };
    let entry = client(&log, &server)
        .with_config(config.clone())
        .create_entry(&proposal())
        .await
        .unwrap();
    assert_eq!(entry.checkpoint().unwrap().tree_size(), SIZE);
    assert_eq!(
        server.lines(),
        lines(&[CREATE, CHECKPOINT, CHECKPOINT], &READ_270)
    );

    // A log whose checkpoint never catches up.
    let stale = ScriptedServer::start({
        let log = Arc::clone(&log);
        move |_, seen| match seen.method.as_str() {
            "POST" => already_exists(INDEX),
            _ => read_reply(&log, seen, 200, None),
        }
    })
    .await;
    let err = client(&log, &stale)
        .with_config(ClientConfig {
            checkpoint_polls: 2,
            ..config
        })
        .create_entry(&proposal())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::NotInCheckpoint {
                index: INDEX,
                tree_size: 200,
                polls: 2
            }
        ),
        "{err:?}"
    );
    assert_eq!(stale.lines(), [CREATE, CHECKPOINT, CHECKPOINT, CHECKPOINT]);
}

#[tokio::test]
async fn entries_and_consistency_proofs_are_read_through_tiles() {
    let log = test_log();
    let server = log_server(&log, |_| Reply::new(500, "no creates here")).await;
    let client = client(&log, &server);
    let head = client.checkpoint().await.unwrap();
    assert_eq!(head.tree_size(), SIZE);
    assert_eq!(head.note(), log.checkpoint(SIZE));
    for index in [0, 255, 256, 299] {
        let entry = client.entry(index).await.unwrap();
        assert_eq!(entry.verified().log_index(), index);
        assert_eq!(
            entry.tlog_entry().canonicalized_body,
            log.entries[index as usize]
        );
    }
    assert!(matches!(
        client.entry(SIZE).await,
        Err(ClientError::NotInCheckpoint { index: SIZE, .. })
    ));

    let old = rekor(&log)
        .verify_checkpoint_note(&log.checkpoint(70))
        .unwrap();
    let proof = client
        .consistency(old.checkpoint(), head.checkpoint())
        .await
        .unwrap();
    verify_consistency(70, SIZE, &log.root_hash(70), &log.root_hash(SIZE), &proof).unwrap();
    // A checkpoint of a tree the log's tiles do not extend: the log forked.
    let forked = rekor(&log)
        .verify_checkpoint_note(&log.sign_note(70, &[7; 32]))
        .unwrap();
    let err = client
        .consistency(forked.checkpoint(), head.checkpoint())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Tiles(TileReadError::Rekor(RekorError::Consistency(_)))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_tile_with_one_corrupted_hash_is_refused() {
    let log = test_log();
    let flip_first: Edit = |bytes| bytes[0] ^= 1;
    let flip_tenth: Edit = |bytes| bytes[32 * 9] ^= 1;
    // (tile, entry read, edit, whether the tiles disagree among themselves or with the root)
    let cases: [(&str, u64, Edit, bool); 3] = [
        // An edge tile: the tiles' root is not the signed one.
        ("/api/v2/tile/0/001.p/44", INDEX, flip_first, false),
        ("/api/v2/tile/1/000.p/1", INDEX, flip_first, false),
        // A full tile no longer hashes to its entry in the tile above.
        ("/api/v2/tile/0/000", 5, flip_tenth, true),
    ];
    for (path, index, edit, among_themselves) in cases {
        let server = ScriptedServer::start({
            let log = Arc::clone(&log);
            move |_, seen| read_reply(&log, seen, SIZE, Some((path, edit)))
        })
        .await;
        let err = client(&log, &server).entry(index).await.unwrap_err();
        let refused = if among_themselves {
            matches!(
                err,
                ClientError::Tiles(TileReadError::Tiles(TileError::TileHashMismatch { .. }))
            )
        } else {
            matches!(
                err,
                ClientError::Tiles(TileReadError::TilesDisagreeWithCheckpoint { .. })
            )
        };
        assert!(refused, "{path}: {err:?}");
        assert!(server.lines().contains(&format!("GET {path}")), "{path}");
    }
    // The create path refuses the same way.
    let server = ScriptedServer::start({
        let log = Arc::clone(&log);
        move |_, seen| match seen.method.as_str() {
            "POST" => already_exists(INDEX),
            _ => read_reply(
                &log,
                seen,
                SIZE,
                Some(("/api/v2/tile/0/001.p/44", flip_first)),
            ),
        }
    })
    .await;
    let err = client(&log, &server)
        .create_entry(&proposal())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Tiles(TileReadError::TilesDisagreeWithCheckpoint {
                tree_size: SIZE,
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_checkpoint_from_another_key_is_refused() {
    let log = test_log();
    let impostor = test_log();
    let server = ScriptedServer::start({
        let impostor = Arc::clone(&impostor);
        move |_, seen| read_reply(&impostor, seen, SIZE, None)
    })
    .await;
    let err = client(&log, &server).checkpoint().await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rekor(RekorError::Checkpoint(_))),
        "{err:?}"
    );
}
