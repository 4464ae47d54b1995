//! The checks against answers made from real production Rekor entries (sigstore-conformance
//! bundles), and one negative test per check.

use super::*;
use serde_json::{json, Value};
use sigchain_core::crypto::HashAlgorithm;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::VerifierConfig;

use crate::proposal::Signer;

const CONFORMANCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/bundle-verify"
);

struct Fixture {
    rekor: RekorV1,
    proposal: Proposal,
    entry: TlogEntry,
    uuid: String,
}

fn bundle(case: &str) -> Value {
    serde_json::from_slice(
        &std::fs::read(format!("{CONFORMANCE}/{case}/bundle.sigstore.json")).unwrap(),
    )
    .unwrap()
}

/// happy-path-v0.3: a hashedrekord 0.0.1 entry of the production log, in shard index
/// 75408392 of global index 79571823.
fn fixture() -> Fixture {
    let b = bundle("happy-path-v0.3");
    let entry_json = b["verificationMaterial"]["tlogEntries"][0].to_string();
    let entry = TlogEntry::from_json(entry_json.as_bytes(), &Limits::DEFAULT).unwrap();
    let cert = base64_decode(
        b["verificationMaterial"]["certificate"]["rawBytes"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let sig = &b["messageSignature"];
    let proposal = Proposal::hashed_rekord(
        HashAlgorithm::Sha256,
        base64_decode(sig["messageDigest"]["digest"].as_str().unwrap()).unwrap(),
        base64_decode(sig["signature"].as_str().unwrap()).unwrap(),
        Signer::Certificate(cert),
    )
    .unwrap();
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    let rekor = RekorV1::new(verifier, entry.log_id.clone());
    let uuid = format!(
        "24296fb24b8ad77a{}",
        hex_encode(&hash_leaf(&entry.canonicalized_body))
    );
    Fixture {
        rekor,
        proposal,
        entry,
        uuid,
    }
}

/// The entry as Rekor v1 answers with it.
fn answer(entry: &TlogEntry) -> Value {
    let proof = entry.inclusion_proof.as_ref().unwrap();
    json!({
        "body": sigchain_core::encoding::base64_encode(&entry.canonicalized_body),
        "integratedTime": entry.integrated_time.unwrap().as_secs(),
        "logID": hex_encode(&entry.log_id.0),
        "logIndex": entry.log_index,
        "verification": {
            "inclusionProof": {
                "checkpoint": proof.checkpoint.as_ref().unwrap().envelope,
                "hashes": proof.hashes.iter().map(|h| hex_encode(h)).collect::<Vec<_>>(),
                "logIndex": proof.log_index,
                "rootHash": hex_encode(&proof.root_hash),
                "treeSize": proof.tree_size,
            },
            "signedEntryTimestamp": sigchain_core::encoding::base64_encode(
                &entry.inclusion_promise.as_ref().unwrap().signed_entry_timestamp),
        }
    })
}

fn response(status: u16, body: &Value) -> HttpResponse {
    HttpResponse::new(status, serde_json::to_vec(body).unwrap())
}

fn entry_map(uuid: &str, entry: Value) -> Value {
    json!({ uuid: entry })
}

fn now() -> Timestamp {
    Timestamp::now()
}

#[test]
fn a_real_production_entry_passes_every_check() {
    let f = fixture();
    let body = entry_map(&f.uuid, answer(&f.entry));
    let created = f
        .rekor
        .check_created(&f.proposal, &response(201, &body), now())
        .unwrap();
    assert_eq!(created.uuid().unwrap().to_string(), f.uuid);
    assert_eq!(created.verified().log_index(), 79571823);
    assert_eq!(
        created.checkpoint().unwrap().tree_size(),
        f.entry.inclusion_proof.as_ref().unwrap().tree_size
    );
    assert_eq!(created.clone().into_tlog_entry(), f.entry);

    let found = f
        .rekor
        .check_proposed_entry(&f.proposal, &response(200, &body), now())
        .unwrap()
        .unwrap();
    assert_eq!(found, created);
    let by_index = f
        .rekor
        .check_entry(&EntryQuery::Index(79571823), &response(200, &body), now())
        .unwrap();
    assert_eq!(by_index.tlog_entry(), &f.entry);
    let uuid = EntryQuery::Uuid(EntryUuid::parse(&f.uuid).unwrap());
    f.rekor
        .check_entry(&uuid, &response(200, &body), now())
        .unwrap();
}

/// Each check, removed, would let one of these answers through.
#[test]
fn every_entry_check_refuses_its_forgery() {
    let f = fixture();
    let good = answer(&f.entry);
    let check = |status: u16, body: Value| {
        f.rekor
            .check_created(&f.proposal, &response(status, &body), now())
            .unwrap_err()
    };
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        entry_map(&f.uuid, v)
    };

    assert!(matches!(
        check(409, json!({})),
        RekorError::AlreadyExists { .. }
    ));
    match check(500, json!({"code": 500, "message": "storage down"})) {
        RekorError::Status {
            status: 500,
            message,
        } => assert_eq!(message, "storage down"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        check(200, entry_map(&f.uuid, good.clone())),
        RekorError::Status { status: 200, .. }
    ));
    assert!(matches!(
        check(
            201,
            json!({ f.uuid.clone(): good.clone(), "0".repeat(64): good.clone() })
        ),
        RekorError::EntryCount(2)
    ));
    assert!(matches!(check(201, json!({})), RekorError::EntryCount(0)));
    assert!(matches!(
        check(201, entry_map(&"ab".repeat(32), good.clone())),
        RekorError::UuidMismatch { .. }
    ));
    assert!(matches!(
        check(201, entry_map("not-a-uuid", good.clone())),
        RekorError::Malformed("entry UUID")
    ));
    assert!(matches!(
        check(
            201,
            with(&|v| {
                v["verification"]
                    .as_object_mut()
                    .unwrap()
                    .remove("signedEntryTimestamp");
            })
        ),
        RekorError::MissingPromise
    ));
    let mut set = f
        .entry
        .inclusion_promise
        .as_ref()
        .unwrap()
        .signed_entry_timestamp
        .clone();
    let last = set.len() - 1;
    set[last] ^= 1;
    let set_b64 = sigchain_core::encoding::base64_encode(&set);
    assert!(matches!(
        check(
            201,
            with(&|v| v["verification"]["signedEntryTimestamp"] = json!(set_b64))
        ),
        RekorError::Verify(TlogError::InclusionPromise(_))
    ));
    assert!(matches!(
        check(
            201,
            with(&|v| {
                v["verification"]
                    .as_object_mut()
                    .unwrap()
                    .remove("inclusionProof");
            })
        ),
        RekorError::Verify(TlogError::MissingInclusionProof)
    ));
    assert!(matches!(
        check(
            201,
            with(&|v| v["verification"]["inclusionProof"]["hashes"][0] = json!("00".repeat(32)))
        ),
        RekorError::Verify(TlogError::InclusionProof(_))
    ));
    assert!(matches!(
        check(
            201,
            with(
                &|v| v["verification"]["inclusionProof"]["treeSize"] = json!(
                    1 + v["verification"]["inclusionProof"]["treeSize"]
                        .as_i64()
                        .unwrap()
                )
            )
        ),
        RekorError::Verify(TlogError::ProofDisagreesWithCheckpoint { .. })
    ));
    // The SET signs the global index; claiming another index breaks it.
    assert!(matches!(
        check(201, with(&|v| v["logIndex"] = json!(79571824))),
        RekorError::Verify(TlogError::InclusionPromise(_))
    ));
    assert!(matches!(
        check(201, with(&|v| v["logIndex"] = json!(-1))),
        RekorError::Malformed("logIndex")
    ));
    assert!(matches!(
        check(201, with(&|v| v["logID"] = json!("00".repeat(32)))),
        RekorError::Verify(TlogError::UnknownLog(_))
    ));
    assert!(matches!(
        check(201, with(&|v| v["body"] = json!("%%%"))),
        RekorError::Malformed("body")
    ));
    // The same entry cannot vouch for another signature (CVE-2022-36056 class).
    let other = Proposal::hashed_rekord(
        HashAlgorithm::Sha256,
        vec![0; 32],
        b"another signature".to_vec(),
        f.proposal.signer().clone(),
    )
    .unwrap();
    let err = f
        .rekor
        .check_created(
            &other,
            &response(201, &entry_map(&f.uuid, good.clone())),
            now(),
        )
        .unwrap_err();
    assert!(
        matches!(err, RekorError::Verify(TlogError::Body(_))),
        "{err:?}"
    );
    // An answer over the request's bound.
    let huge = HttpResponse::new(201, vec![b' '; f.rekor.entry_answer_bytes() + 1]);
    assert!(matches!(
        f.rekor.check_created(&f.proposal, &huge, now()),
        Err(RekorError::TooLarge { .. })
    ));
}

#[test]
fn created_entries_must_come_from_the_log_written_to() {
    let f = fixture();
    let other_log = TrustedRoot::production()
        .tlogs
        .iter()
        .find(|l| l.log_id != f.entry.log_id)
        .expect("production has more than one log")
        .log_id
        .clone();
    let rekor = RekorV1::new(
        Verifier::new(TrustedRoot::production(), VerifierConfig::default()),
        other_log,
    );
    let body = entry_map(&f.uuid, answer(&f.entry));
    assert!(matches!(
        rekor.check_created(&f.proposal, &response(201, &body), now()),
        Err(RekorError::WrongLog { .. })
    ));
    // Nor is another log's entry the answer to a lookup after a lost create.
    assert!(matches!(
        rekor.check_proposed_entry(&f.proposal, &response(200, &body), now()),
        Err(RekorError::WrongLog { .. })
    ));
}

#[test]
fn reads_return_the_entry_asked_for() {
    let f = fixture();
    let body = response(200, &entry_map(&f.uuid, answer(&f.entry)));
    assert!(matches!(
        f.rekor.check_entry(&EntryQuery::Index(1), &body, now()),
        Err(RekorError::WrongEntry { .. })
    ));
    let other = EntryQuery::Uuid(EntryUuid::parse(&"cd".repeat(32)).unwrap());
    assert!(matches!(
        f.rekor.check_entry(&other, &body, now()),
        Err(RekorError::WrongEntry { .. })
    ));
    let missing = HttpResponse::new(404, br#"{"code":404,"message":"not found"}"#.to_vec());
    assert_eq!(
        f.rekor
            .check_proposed_entry(&f.proposal, &missing, now())
            .unwrap(),
        None
    );
    assert!(matches!(
        f.rekor.check_entry(&EntryQuery::Index(1), &missing, now()),
        Err(RekorError::Status { status: 404, .. })
    ));
}

#[test]
fn log_info_must_agree_with_its_signed_checkpoint() {
    let f = fixture();
    let proof = f.entry.inclusion_proof.as_ref().unwrap();
    let info = |size: u64, root: &[u8]| {
        response(
            200,
            &json!({
                "rootHash": hex_encode(root),
                "signedTreeHead": proof.checkpoint.as_ref().unwrap().envelope,
                "treeSize": size,
                "treeID": "1193050959916656506",
            }),
        )
    };
    let head = f
        .rekor
        .check_log_info(&info(proof.tree_size, &proof.root_hash))
        .unwrap();
    assert_eq!(head.checkpoint.tree_size(), proof.tree_size);
    assert_eq!(head.tree_id, "1193050959916656506");
    assert!(matches!(
        f.rekor
            .check_log_info(&info(proof.tree_size + 1, &proof.root_hash)),
        Err(RekorError::DisagreesWithCheckpoint {
            field: "treeSize",
            ..
        })
    ));
    assert!(matches!(
        f.rekor.check_log_info(&info(proof.tree_size, &[0; 32])),
        Err(RekorError::DisagreesWithCheckpoint {
            field: "rootHash",
            ..
        })
    ));
    // A note whose signed text was altered.
    let mut v: Value =
        serde_json::from_slice(&info(proof.tree_size, &proof.root_hash).body).unwrap();
    let note = v["signedTreeHead"]
        .as_str()
        .unwrap()
        .replacen('\n', "x\n", 1);
    v["signedTreeHead"] = json!(note);
    assert!(matches!(
        f.rekor.check_log_info(&response(200, &v)),
        Err(RekorError::Checkpoint(_))
    ));
}

#[test]
fn search_answers_are_uuids_only() {
    let f = fixture();
    let found = f
        .rekor
        .check_search(&response(200, &json!([f.uuid, "ab".repeat(32)])))
        .unwrap();
    assert_eq!(found.len(), 2);
    assert!(matches!(
        f.rekor.check_search(&response(200, &json!(["nope"]))),
        Err(RekorError::Malformed(_))
    ));
    assert!(f
        .rekor
        .check_search(&response(200, &json!([])))
        .unwrap()
        .is_empty());
}

#[test]
fn requests_are_shaped_like_rekors() {
    let f = fixture();
    let create = f.rekor.create_entry(&f.proposal);
    assert_eq!(create.method, Method::Post);
    assert_eq!(create.path_and_query, "/api/v1/log/entries");
    assert_eq!(create.idempotency, Idempotency::Create);
    assert_eq!(
        create.body.as_deref(),
        Some(&f.entry.canonicalized_body[..])
    );
    let find = f.rekor.find_proposed_entry(&f.proposal);
    assert_eq!(
        find.path_and_query,
        format!("/api/v1/log/entries/{}", &f.uuid[16..])
    );
    assert_eq!(
        f.rekor.consistency_proof(3, 9).path_and_query,
        "/api/v1/log/proof?firstSize=3&lastSize=9"
    );
    assert_eq!(f.rekor.log_info().path_and_query, "/api/v1/log");
    let search = f.rekor.search_index(&wire::SearchIndex {
        hash: Some(format!("sha256:{}", "ab".repeat(32))),
        ..Default::default()
    });
    assert_eq!(search.path_and_query, "/api/v1/index/retrieve");
    assert_eq!(search.idempotency, Idempotency::Safe);
}
