//! `client::RekorV1Client` against a scripted server replaying a real production Rekor v1
//! entry (sigstore-conformance `happy-path-v0.3`): the create flows, reads, searches, tree
//! heads, and refusals.
#![cfg(feature = "client")]

mod support;

use serde_json::{json, Value};
use sigchain_rekor::client::{
    Ambiguity, ClientConfig, ClientError, Clock, RekorV1Client, SearchKey, TransportError,
};
use sigchain_rekor::sigchain_core::bundle::TlogEntry;
use sigchain_rekor::sigchain_core::crypto::{HashAlgorithm, Sha256Digest};
use sigchain_rekor::sigchain_core::encoding::{base64_decode, base64_encode, hex_encode};
use sigchain_rekor::sigchain_core::limits::Limits;
use sigchain_rekor::sigchain_core::time::Timestamp;
use sigchain_rekor::sigchain_core::tlog::{hash_leaf, MerkleError};
use sigchain_rekor::sigchain_core::trust_root::TrustedRoot;
use sigchain_rekor::sigchain_core::verify::{TlogError, Verifier, VerifierConfig};
use sigchain_rekor::v1::RekorV1;
use sigchain_rekor::{EntryUuid, Proposal, RekorError, Signer};
use support::{Reply, ScriptedServer};

const CONFORMANCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/bundle-verify"
);

struct Fixture {
    proposal: Proposal,
    entry: TlogEntry,
    /// The 80-digit UUID production answers with.
    uuid: String,
    /// The 64 hex digits of the leaf hash, by which the client looks the entry up.
    leaf_hex: String,
}

/// happy-path-v0.3: a hashedrekord 0.0.1 entry of the production log.
fn fixture() -> Fixture {
    let bundle: Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{CONFORMANCE}/happy-path-v0.3/bundle.sigstore.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let entry_json = bundle["verificationMaterial"]["tlogEntries"][0].to_string();
    let entry = TlogEntry::from_json(entry_json.as_bytes(), &Limits::DEFAULT).unwrap();
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
    let leaf_hex = hex_encode(&hash_leaf(&entry.canonicalized_body));
    Fixture {
        proposal,
        entry,
        uuid: format!("24296fb24b8ad77a{leaf_hex}"),
        leaf_hex,
    }
}

impl Fixture {
    /// The entry as Rekor v1 answers with it: `{ "<uuid>": LogEntryAnon }`.
    fn answer(&self) -> Value {
        let entry = &self.entry;
        let proof = entry.inclusion_proof.as_ref().unwrap();
        json!({ self.uuid.clone(): {
            "body": base64_encode(&entry.canonicalized_body),
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
                "signedEntryTimestamp": base64_encode(
                    &entry.inclusion_promise.as_ref().unwrap().signed_entry_timestamp),
            }
        }})
    }

    fn entry_path(&self) -> String {
        format!("GET /api/v1/log/entries/{}", self.leaf_hex)
    }

    fn rekor(&self) -> RekorV1 {
        let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
        RekorV1::new(verifier, self.entry.log_id.clone())
    }

    fn client(&self, server: &ScriptedServer) -> RekorV1Client {
        RekorV1Client::from_transport(support::transport(server), self.rekor())
    }
}

const CREATE: &str = "POST /api/v1/log/entries";

fn server_error() -> Reply {
    Reply::json(
        500,
        &json!({"code": 500, "message": "trillian: deadline exceeded"}),
    )
}

fn not_found() -> Reply {
    Reply::json(404, &json!({"code": 404, "message": "entry not found"}))
}

#[tokio::test]
async fn create_answered_201_is_the_checked_entry() {
    let f = fixture();
    let server = ScriptedServer::scripted(vec![Reply::json(201, &f.answer())]).await;
    let entry = f.client(&server).create_entry(&f.proposal).await.unwrap();
    assert_eq!(entry.uuid().unwrap().to_string(), f.uuid);
    assert_eq!(entry.verified().log_index(), 79571823);
    assert_eq!(entry.tlog_entry(), &f.entry);
    assert_eq!(server.lines(), [CREATE]);
    assert_eq!(server.seen()[0].body, f.proposal.v1_request_json());
}

#[tokio::test]
async fn create_answered_409_returns_the_existing_entry() {
    let f = fixture();
    let location = format!("/api/v1/log/entries/{}", f.uuid);
    let server = ScriptedServer::scripted(vec![
        Reply::json(
            409,
            &json!({"code": 409, "message": "an equivalent entry already exists"}),
        )
        .header("Location", &location),
        Reply::json(200, &f.answer()),
    ])
    .await;
    let entry = f.client(&server).create_entry(&f.proposal).await.unwrap();
    assert_eq!(entry.tlog_entry(), &f.entry);
    assert_eq!(server.lines(), [CREATE.to_owned(), f.entry_path()]);
}

#[tokio::test]
async fn create_409_but_no_entry_is_an_error() {
    let f = fixture();
    let server = ScriptedServer::scripted(vec![
        Reply::new(409, "{}").header("Location", "/api/v1/log/entries/ab"),
        not_found(),
    ])
    .await;
    let err = f
        .client(&server)
        .create_entry(&f.proposal)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::ExistingEntryNotFound { location: Some(l) } if l == "/api/v1/log/entries/ab"),
        "{err:?}"
    );
    assert_eq!(server.lines(), [CREATE.to_owned(), f.entry_path()]);
}

#[tokio::test]
async fn create_maybe_applied_and_not_found_is_sent_again() {
    let f = fixture();
    let server = ScriptedServer::scripted(vec![
        server_error(),
        not_found(),
        Reply::json(201, &f.answer()),
    ])
    .await;
    let entry = f.client(&server).create_entry(&f.proposal).await.unwrap();
    assert_eq!(entry.tlog_entry(), &f.entry);
    assert_eq!(
        server.lines(),
        [CREATE.to_owned(), f.entry_path(), CREATE.to_owned()]
    );
}

#[tokio::test]
async fn create_maybe_applied_and_found_is_not_sent_again() {
    let f = fixture();
    let server =
        ScriptedServer::scripted(vec![server_error(), Reply::json(200, &f.answer())]).await;
    let entry = f.client(&server).create_entry(&f.proposal).await.unwrap();
    assert_eq!(entry.uuid().unwrap().to_string(), f.uuid);
    assert_eq!(server.lines(), [CREATE.to_owned(), f.entry_path()]);
}

#[tokio::test]
async fn create_rounds_are_bounded() {
    let f = fixture();
    let server = ScriptedServer::start(|n, _| {
        if n % 2 == 0 {
            server_error()
        } else {
            not_found()
        }
    })
    .await;
    let client = f.client(&server).with_config(ClientConfig {
        max_create_rounds: 2,
        ..ClientConfig::default()
    });
    let err = client.create_entry(&f.proposal).await.unwrap_err();
    match err {
        ClientError::GaveUp { rounds: 2, last } => assert!(
            matches!(
                *last,
                TransportError::MaybeCreated {
                    ambiguity: Ambiguity::Status { ref response },
                    ..
                } if response.status == 500
            ),
            "{last:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.lines(),
        [
            CREATE.to_owned(),
            f.entry_path(),
            CREATE.to_owned(),
            f.entry_path()
        ]
    );
}

#[tokio::test]
async fn forged_answers_are_refused() {
    let f = fixture();
    let forged = |edit: &dyn Fn(&mut Value)| {
        let mut answer = f.answer();
        edit(&mut answer[&f.uuid]);
        Reply::json(201, &answer)
    };
    let bad_proof = forged(&|e| {
        e["verification"]["inclusionProof"]["hashes"][0] = json!("00".repeat(32));
    });
    let server = ScriptedServer::scripted(vec![bad_proof]).await;
    let err = f
        .client(&server)
        .create_entry(&f.proposal)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Rekor(RekorError::Verify(TlogError::InclusionProof(_)))
        ),
        "{err:?}"
    );
    assert_eq!(server.lines(), [CREATE], "a refused answer is not retried");

    // The lookup after an ambiguous create must record the proposal too.
    let other = Proposal::hashed_rekord(
        HashAlgorithm::Sha256,
        vec![0; 32],
        b"another signature".to_vec(),
        f.proposal.signer().clone(),
    )
    .unwrap();
    let server =
        ScriptedServer::scripted(vec![server_error(), Reply::json(200, &f.answer())]).await;
    let err = f.client(&server).create_entry(&other).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Rekor(RekorError::Verify(TlogError::Body(_)))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_clock_override_is_what_the_checks_read() {
    let f = fixture();
    let server = ScriptedServer::scripted(vec![Reply::json(201, &f.answer())]).await;
    let client = f
        .client(&server)
        .with_clock(Clock::fixed(Timestamp(1_600_000_000)));
    let err = client.create_entry(&f.proposal).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Rekor(RekorError::Verify(TlogError::IntegratedTimeInFuture { .. }))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn entries_are_read_by_uuid_and_by_index() {
    let f = fixture();
    let server = ScriptedServer::start({
        let answer = f.answer();
        move |_, _| Reply::json(200, &answer)
    })
    .await;
    let client = f.client(&server);
    let uuid = EntryUuid::parse(&f.uuid).unwrap();
    assert_eq!(
        client.get_entry_by_uuid(&uuid).await.unwrap().tlog_entry(),
        &f.entry
    );
    assert_eq!(
        client
            .get_entry_by_index(79571823)
            .await
            .unwrap()
            .tlog_entry(),
        &f.entry
    );
    let err = client.get_entry_by_index(1).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rekor(RekorError::WrongEntry { .. })),
        "{err:?}"
    );
    assert_eq!(
        server.lines(),
        [
            format!("GET /api/v1/log/entries/{}", f.uuid),
            "GET /api/v1/log/entries?logIndex=79571823".to_owned(),
            "GET /api/v1/log/entries?logIndex=1".to_owned(),
        ]
    );
}

#[tokio::test]
async fn searches_return_uuids_and_entries_within_a_bound() {
    let f = fixture();
    let found = json!([f.uuid]);
    let server = ScriptedServer::start({
        let answer = f.answer();
        move |_, seen| match seen.target.as_str() {
            "/api/v1/index/retrieve" => Reply::json(200, &found),
            _ => Reply::json(200, &answer),
        }
    })
    .await;
    let client = f.client(&server);
    let digest = Sha256Digest::from_slice(&f.proposal_digest()).unwrap();
    let uuids = client.search_by_artifact_hash(&digest).await.unwrap();
    assert_eq!(uuids, [EntryUuid::parse(&f.uuid).unwrap()]);
    let query: Value = serde_json::from_slice(&server.seen()[0].body).unwrap();
    assert_eq!(
        query,
        json!({"hash": format!("sha256:{}", digest.to_hex())})
    );

    let uuids = client
        .search_by_public_key(SearchKey::Der(f.proposal.signer()))
        .await
        .unwrap();
    assert_eq!(uuids.len(), 1);
    let query: Value = serde_json::from_slice(&server.seen()[1].body).unwrap();
    assert_eq!(query["publicKey"]["format"], "x509");
    let pem = base64_decode(query["publicKey"]["content"].as_str().unwrap()).unwrap();
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----\n"));

    let query = sigchain_rekor::v1::wire::SearchIndex {
        hash: Some(format!("sha256:{}", digest.to_hex())),
        ..Default::default()
    };
    let entries = client.search_entries(&query, 1).await.unwrap();
    assert_eq!(entries[0].tlog_entry(), &f.entry);
    let two = [uuids[0].clone(), uuids[0].clone()];
    let before = server.seen().len();
    let err = client.get_entries(&two, 1).await.unwrap_err();
    assert!(
        matches!(err, ClientError::TooManyResults { found: 2, limit: 1 }),
        "{err:?}"
    );
    assert_eq!(
        server.seen().len(),
        before,
        "nothing fetched past the bound"
    );
}

impl Fixture {
    fn proposal_digest(&self) -> Vec<u8> {
        let body: Value = serde_json::from_slice(&self.entry.canonicalized_body).unwrap();
        sigchain_rekor::sigchain_core::encoding::hex_decode(
            body["spec"]["data"]["hash"]["value"].as_str().unwrap(),
        )
        .unwrap()
    }
}

#[tokio::test]
async fn tree_heads_and_consistency_proofs_are_checked() {
    let f = fixture();
    let proof = f.entry.inclusion_proof.as_ref().unwrap();
    let info = json!({
        "rootHash": hex_encode(&proof.root_hash),
        "signedTreeHead": proof.checkpoint.as_ref().unwrap().envelope,
        "treeSize": proof.tree_size,
        "treeID": "1193050959916656506",
    });
    let root_hex = hex_encode(&proof.root_hash);
    let server = ScriptedServer::scripted(vec![
        Reply::json(200, &info),
        Reply::json(200, &json!({"rootHash": root_hex, "hashes": []})),
        Reply::json(
            200,
            &json!({"rootHash": root_hex, "hashes": ["00".repeat(32)]}),
        ),
    ])
    .await;
    let client = f.client(&server);
    let head = client.log_info().await.unwrap();
    assert_eq!(head.checkpoint.tree_size(), proof.tree_size);
    assert_eq!(head.tree_id, "1193050959916656506");
    let hashes = client
        .consistency(&head.checkpoint, &head.checkpoint)
        .await
        .unwrap();
    assert!(hashes.is_empty());
    let err = client
        .consistency(&head.checkpoint, &head.checkpoint)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Rekor(RekorError::Consistency(MerkleError::ProofLength { .. }))
        ),
        "{err:?}"
    );
    let size = proof.tree_size;
    assert_eq!(
        server.lines()[1..],
        [
            format!("GET /api/v1/log/proof?firstSize={size}&lastSize={size}"),
            format!("GET /api/v1/log/proof?firstSize={size}&lastSize={size}"),
        ]
    );
}

#[tokio::test]
async fn failing_reads_and_bad_base_urls_are_errors() {
    let f = fixture();
    let server = ScriptedServer::start(|_, _| Reply::new(502, "bad gateway")).await;
    let err = f.client(&server).log_info().await.unwrap_err();
    // A read that kept failing is the log's last answer, refused by its check.
    assert!(
        matches!(
            err,
            ClientError::Rekor(RekorError::Status { status: 502, .. })
        ),
        "{err:?}"
    );
    let err = RekorV1Client::new("ftp://log.example", f.rekor(), Default::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Transport(TransportError::InvalidBaseUrl { .. })
        ),
        "{err:?}"
    );
}
