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

/// A witness no checkpoint of the fixture is cosigned by.
pub(crate) fn absent_witness_policy() -> WitnessPolicy {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
    let pair = Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).unwrap();
    let raw: [u8; 32] = pair.public_key().as_ref().try_into().unwrap();
    let key = sigchain_core::tlog::WitnessKey::from_ed25519("witness.test", &raw).unwrap();
    WitnessPolicy::new(vec![key], 1).unwrap()
}

/// With a witness policy, every answer that carries a checkpoint needs its cosignatures:
/// created, looked-up and read entries, and tree heads. Without one the same answers pass.
#[test]
fn answers_need_the_cosignatures_the_policy_requires() {
    let f = fixture();
    let witnessed = RekorV1::new(
        Verifier::new(TrustedRoot::production(), VerifierConfig::default()),
        f.entry.log_id.clone(),
    )
    .with_witnesses(absent_witness_policy());
    assert!(witnessed.witnesses().is_some());
    let created = response(201, &entry_map(&f.uuid, answer(&f.entry)));
    let read = response(200, &entry_map(&f.uuid, answer(&f.entry)));
    let proof = f.entry.inclusion_proof.as_ref().unwrap();
    let info = response(
        200,
        &json!({
            "rootHash": hex_encode(&proof.root_hash),
            "signedTreeHead": proof.checkpoint.as_ref().unwrap().envelope,
            "treeSize": proof.tree_size,
            "treeID": "1193050959916656506",
        }),
    );
    let index = EntryQuery::Index(f.entry.log_index);
    for rekor in [&f.rekor, &witnessed] {
        let policy = rekor.witnesses().is_some();
        let results = [
            rekor
                .check_created(&f.proposal, &created, now())
                .map(|_| ()),
            rekor
                .check_proposed_entry(&f.proposal, &read, now())
                .map(|_| ()),
            rekor.check_entry(&index, &read, now()).map(|_| ()),
            rekor.check_log_info(&info).map(|_| ()),
        ];
        for (i, result) in results.into_iter().enumerate() {
            if policy {
                assert!(
                    matches!(result, Err(RekorError::Witness(_))),
                    "{i}: {result:?}"
                );
            } else {
                assert!(result.is_ok(), "{i}: {result:?}");
            }
        }
    }
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
    // At most MAX_SEARCH_RESULTS names: the count is checked before any name is parsed.
    let names = |n: usize| response(200, &json!(vec![""; n]));
    assert!(matches!(
        f.rekor.check_search(&names(MAX_SEARCH_RESULTS)),
        Err(RekorError::Malformed("search result UUID"))
    ));
    assert!(matches!(
        f.rekor.check_search(&names(MAX_SEARCH_RESULTS + 1)),
        Err(RekorError::Malformed("search results (too many)"))
    ));
    // 80 bytes, a two-byte char across the tree id's end: refused, not a panic.
    let straddling = format!("{}\u{e9}{}", "a".repeat(15), "b".repeat(63));
    assert!(matches!(
        f.rekor.check_search(&response(200, &json!([straddling]))),
        Err(RekorError::Malformed("search result UUID"))
    ));
    assert!(matches!(
        f.rekor.check_entry(
            &EntryQuery::Index(1),
            &response(200, &entry_map(&straddling, answer(&f.entry))),
            now()
        ),
        Err(RekorError::Malformed("entry UUID"))
    ));
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

// ---- nothing a log answers panics ----

mod never_panic {
    use super::*;
    use crate::mutate::mutated_document;
    use proptest::prelude::*;
    use sigchain_core::encoding::base64_encode;

    fn status() -> impl Strategy<Value = u16> {
        prop_oneof![
            Just(200u16),
            Just(201),
            Just(404),
            Just(409),
            Just(500),
            any::<u16>(),
        ]
    }

    /// Real answers of each kind a v1 log gives, from the conformance entry.
    fn answers(f: &Fixture) -> impl Strategy<Value = Vec<u8>> {
        let proof = f.entry.inclusion_proof.as_ref().unwrap();
        let note = proof.checkpoint.as_ref().unwrap().envelope.clone();
        let info = json!({
            "rootHash": hex_encode(&proof.root_hash),
            "signedTreeHead": note,
            "treeSize": proof.tree_size,
            "treeID": "2605736670972794746",
        });
        let consistency = json!({
            "rootHash": hex_encode(&proof.root_hash),
            "hashes": proof.hashes.iter().map(|h| hex_encode(h)).collect::<Vec<_>>(),
        });
        prop_oneof![
            3 => mutated_document(entry_map(&f.uuid, answer(&f.entry))),
            1 => mutated_document(info),
            1 => mutated_document(consistency),
            1 => mutated_document(json!([f.uuid, "ab".repeat(32)])),
        ]
    }

    #[test]
    fn every_check_takes_any_answer() {
        let f = fixture();
        let proof = f.entry.inclusion_proof.as_ref().unwrap();
        let log = f.rekor.log().unwrap();
        let note = &proof.checkpoint.as_ref().unwrap().envelope;
        let checkpoint = verify_checkpoint(note, log, &Limits::DEFAULT).unwrap();
        let by_uuid = EntryQuery::Uuid(EntryUuid::parse(&f.uuid).unwrap());
        let by_index = EntryQuery::Index(f.entry.log_index);
        let config = ProptestConfig::with_cases(96);
        proptest!(config, |(
            status in status(),
            body in answers(&f),
            location in proptest::option::of(".{0,40}"),
        )| {
            let mut response = HttpResponse::new(status, body);
            if let Some(location) = location {
                response.headers.push(("location".to_owned(), location));
            }
            if let Ok(entry) = f.rekor.check_created(&f.proposal, &response, now()) {
                prop_assert_eq!(entry.tlog_entry(), &f.entry);
            }
            if let Ok(Some(entry)) = f.rekor.check_proposed_entry(&f.proposal, &response, now()) {
                prop_assert_eq!(entry.tlog_entry(), &f.entry);
            }
            let _ = f.rekor.check_entry(&by_uuid, &response, now());
            let _ = f.rekor.check_entry(&by_index, &response, now());
            if let Ok(found) = f.rekor.check_search(&response) {
                prop_assert!(found.len() <= MAX_SEARCH_RESULTS);
            }
            if let Ok(head) = f.rekor.check_log_info(&response) {
                prop_assert_eq!(&head.checkpoint, &checkpoint);
            }
            let _ = f.rekor.check_consistency_proof(&response, &checkpoint, &checkpoint);
        });
    }

    fn any_inclusion_proof() -> impl Strategy<Value = wire::InclusionProof> {
        (
            ".{0,80}",
            proptest::collection::vec("[0-9a-fA-F]{0,66}", 0..4),
            any::<i64>(),
            "[0-9a-fA-F]{0,66}",
            any::<i64>(),
        )
            .prop_map(|(checkpoint, hashes, log_index, root_hash, tree_size)| {
                wire::InclusionProof {
                    checkpoint,
                    hashes,
                    log_index,
                    root_hash,
                    tree_size,
                }
            })
    }

    fn any_entry() -> impl Strategy<Value = wire::LogEntryAnon> {
        let body = prop_oneof![
            ".{0,40}",
            proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| base64_encode(&b)),
            (".{0,12}", ".{0,6}").prop_map(|(kind, version)| base64_encode(
                json!({"kind": kind, "apiVersion": version})
                    .to_string()
                    .as_bytes()
            )),
        ];
        let verification = (
            proptest::option::of(any_inclusion_proof()),
            proptest::option::of("[A-Za-z0-9+/=]{0,24}"),
        )
            .prop_map(
                |(inclusion_proof, signed_entry_timestamp)| wire::Verification {
                    inclusion_proof,
                    signed_entry_timestamp,
                },
            );
        (
            body,
            any::<i64>(),
            prop_oneof!["[0-9a-fA-F]{0,70}", ".{0,10}"],
            any::<i64>(),
            proptest::option::of(verification),
        )
            .prop_map(|(body, integrated_time, log_id, log_index, verification)| {
                wire::LogEntryAnon {
                    body,
                    integrated_time,
                    log_id,
                    log_index,
                    attestation: None,
                    verification,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_wire_entry_converts_or_is_refused(anon in any_entry()) {
            if let Ok(entry) = tlog_entry(&anon, &Limits::DEFAULT) {
                prop_assert_eq!(entry.log_id.0.len(), 32);
                prop_assert!(anon.integrated_time > 0);
                prop_assert_eq!(i64::try_from(entry.log_index).ok(), Some(anon.log_index));
            }
        }
    }
}
