//! The sigchain-rekor checks against the instance's Rekor v1 log, served on 127.0.0.1.

mod common;

use common::{Server, Signer};
use sigchain_rekor::http::HttpResponse;
use sigchain_rekor::v1::{wire, EntryQuery};
use sigchain_rekor::RekorError;

#[tokio::test]
async fn create_then_read_every_way() {
    let server = Server::start().await;
    let rekor = server.rekor_v1();
    let signer = Signer::new();
    let proposal = signer.hashed_rekord(b"artifact one");

    let created = server.send(&rekor.create_entry(&proposal)).await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let location = created.header("location").unwrap().to_owned();
    let entry = rekor
        .check_created(&proposal, &created, server.now())
        .unwrap();
    let uuid = entry.uuid().unwrap().clone();
    assert_eq!(location, format!("/api/v1/log/entries/{uuid}"));
    assert_eq!(entry.verified().log_index(), 0);
    assert!(entry.verified().integrated_time().is_some());

    // The same submission again: 409 naming the entry, which the lookup then returns.
    let again = server.send(&rekor.create_entry(&proposal)).await;
    assert!(matches!(
        rekor.check_created(&proposal, &again, server.now()),
        Err(RekorError::AlreadyExists { location: Some(l), .. }) if l == location
    ));
    let found = server.send(&rekor.find_proposed_entry(&proposal)).await;
    let found = rekor
        .check_proposed_entry(&proposal, &found, server.now())
        .unwrap()
        .unwrap();
    assert_eq!(
        found.tlog_entry().canonicalized_body,
        entry.tlog_entry().canonicalized_body
    );

    let by_uuid = server.send(&rekor.get_entry_by_uuid(&uuid)).await;
    rekor
        .check_entry(&EntryQuery::Uuid(uuid.clone()), &by_uuid, server.now())
        .unwrap();
    let by_index = server.send(&rekor.get_entry_by_index(0)).await;
    rekor
        .check_entry(&EntryQuery::Index(0), &by_index, server.now())
        .unwrap();
    let missing = server.send(&rekor.get_entry_by_index(7)).await;
    assert_eq!(missing.status, 404);

    // Search by artifact hash and by key.
    let by_hash = server
        .send(&rekor.search_index(&wire::SearchIndex {
            hash: Some(format!(
                "sha256:{}",
                sigchain_core::encoding::hex_encode(&sigchain_core::crypto::sha256(
                    b"artifact one"
                ))
            )),
            ..Default::default()
        }))
        .await;
    assert_eq!(rekor.check_search(&by_hash).unwrap(), vec![uuid.clone()]);
    let by_key = server
        .send(&rekor.search_index(&wire::SearchIndex {
            public_key: Some(wire::SearchPublicKey {
                format: "x509".to_owned(),
                content: Some(sigchain_core::encoding::base64_encode(
                    signer.pem().as_bytes(),
                )),
            }),
            ..Default::default()
        }))
        .await;
    assert_eq!(rekor.check_search(&by_key).unwrap(), vec![uuid]);
    server.stop().await;
}

#[tokio::test]
async fn tree_heads_stay_consistent_across_appends() {
    let server = Server::start().await;
    let rekor = server.rekor_v1();
    let signer = Signer::new();
    let mut heads = Vec::new();
    for round in 0..4u8 {
        for i in 0..(round as usize * 3 + 1) {
            let proposal = signer.hashed_rekord(format!("artifact {round}/{i}").as_bytes());
            let answer = server.send(&rekor.create_entry(&proposal)).await;
            rekor
                .check_created(&proposal, &answer, server.now())
                .unwrap();
        }
        let info = server.send(&rekor.log_info()).await;
        heads.push(rekor.check_log_info(&info).unwrap());
    }
    assert_eq!(heads.last().unwrap().checkpoint.tree_size(), 1 + 4 + 7 + 10);
    for pair in heads.windows(2) {
        let (old, new) = (&pair[0].checkpoint, &pair[1].checkpoint);
        let proof = server
            .send(&rekor.consistency_proof(old.tree_size(), new.tree_size()))
            .await;
        rekor.check_consistency_proof(&proof, old, new).unwrap();
        // A proof between other sizes does not connect these heads.
        let wrong = server
            .send(&rekor.consistency_proof(old.tree_size() - 1, new.tree_size()))
            .await;
        assert!(rekor.check_consistency_proof(&wrong, old, new).is_err());
    }
    server.stop().await;
}

#[tokio::test]
async fn bad_requests_get_400_with_a_reason() {
    let server = Server::start().await;
    let rekor = server.rekor_v1();
    let signer = Signer::new();
    let proposal = signer.hashed_rekord(b"x");
    server.send(&rekor.create_entry(&proposal)).await;

    for (first, last) in [(2, 1), (0, 1), (1, 5)] {
        let answer = server.send(&rekor.consistency_proof(first, last)).await;
        assert_eq!(answer.status, 400, "{first}..{last}");
        assert!(
            message(&answer).contains("firstSize"),
            "{}",
            message(&answer)
        );
    }
    let mut forged = rekor.create_entry(&signer.hashed_rekord(b"y"));
    let mut body: serde_json::Value =
        serde_json::from_slice(forged.body.as_ref().unwrap()).unwrap();
    body["spec"]["data"]["hash"]["value"] = "00".repeat(32).into();
    forged.body = Some(serde_json::to_vec(&body).unwrap());
    let answer = server.send(&forged).await;
    assert_eq!(answer.status, 400);
    assert!(
        message(&answer).contains("signature"),
        "{}",
        message(&answer)
    );
    body["kind"] = "intoto".into();
    body["apiVersion"] = "0.0.2".into();
    forged.body = Some(serde_json::to_vec(&body).unwrap());
    let answer = server.send(&forged).await;
    assert_eq!(answer.status, 400);
    assert!(message(&answer).contains("unsupported entry kind intoto/0.0.2"));
    forged.body = Some(b"{".to_vec());
    assert_eq!(server.send(&forged).await.status, 400);
    // Oversized: 400 with a reason, as for any refused entry.
    forged.body = Some(vec![
        b' ';
        sigchain_instance::log::submission::MAX_SUBMISSION_BYTES
            + 1
    ]);
    let answer = server.send(&forged).await;
    assert_eq!(answer.status, 400);
    assert!(message(&answer).contains("limit"), "{}", message(&answer));
    // An entry too large to store is refused, and the log goes on accepting others.
    let huge = sigchain_instance::log::submission::AcceptedEntry {
        body: vec![b'x'; sigchain_instance::log::submission::MAX_ENTRY_BODY_BYTES + 1],
        index_keys: Vec::new(),
    };
    assert!(matches!(
        server.instance.rekor_v1.append(huge).await,
        Err(sigchain_instance::log::service::LogError::BadRequest(_))
    ));
    let next = signer.hashed_rekord(b"after the refusals");
    let answer = server.send(&rekor.create_entry(&next)).await;
    rekor.check_created(&next, &answer, server.now()).unwrap();
    server.stop().await;
}

/// A log whose answers carry a corrupted proof: the checks refuse every answer.
#[tokio::test]
async fn a_corrupted_proof_is_refused() {
    let server = Server::start_with(common::Tamper::CorruptProofHash).await;
    let rekor = server.rekor_v1();
    let signer = Signer::new();
    // The first entry's proof, in a one-leaf tree, has no hash to corrupt.
    let first = signer.hashed_rekord(b"first");
    let answer = server.send(&rekor.create_entry(&first)).await;
    rekor.check_created(&first, &answer, server.now()).unwrap();
    let proposal = signer.hashed_rekord(b"artifact");
    let answer = server.send(&rekor.create_entry(&proposal)).await;
    assert_eq!(answer.status, 201);
    assert!(matches!(
        rekor.check_created(&proposal, &answer, server.now()),
        Err(RekorError::Verify(
            sigchain_core::verify::TlogError::InclusionProof(_)
        ))
    ));
    server.stop().await;
}

fn message(answer: &HttpResponse) -> String {
    serde_json::from_slice::<serde_json::Value>(&answer.body).unwrap()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// With a witness policy, a checkpoint must carry a verifying cosignature from the witness.
#[tokio::test]
async fn witness_cosignatures_are_required_when_named() {
    use sigchain_core::tlog::{WitnessError, WitnessPolicy};
    let policy = || WitnessPolicy::new(vec![common::test_witness().1], 1).unwrap();
    for (tamper, expect_ok) in [
        (common::Tamper::Cosign { valid: true }, true),
        (common::Tamper::Cosign { valid: false }, false),
        (common::Tamper::None, false),
    ] {
        let server = Server::start_with(tamper).await;
        let rekor = server.rekor_v1().with_witnesses(policy());
        let proposal = Signer::new().hashed_rekord(b"artifact");
        let answer = server.send(&rekor.create_entry(&proposal)).await;
        let created = rekor.check_created(&proposal, &answer, server.now());
        let info = rekor.check_log_info(&server.send(&rekor.log_info()).await);
        match (tamper, expect_ok) {
            (_, true) => {
                created.unwrap();
                info.unwrap();
            }
            (common::Tamper::Cosign { .. }, false) => {
                for err in [created.unwrap_err(), info.unwrap_err()] {
                    assert!(
                        matches!(
                            err,
                            RekorError::Witness(WitnessError::InvalidCosignature { .. })
                        ),
                        "{err:?}"
                    );
                }
            }
            _ => {
                for err in [created.unwrap_err(), info.unwrap_err()] {
                    assert!(
                        matches!(
                            err,
                            RekorError::Witness(WitnessError::TooFewCosignatures { .. })
                        ),
                        "{err:?}"
                    );
                }
            }
        }
        server.stop().await;
    }
}

/// One request straight to the instance's router (headers the client transport drops).
async fn call(
    server: &Server,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> (u16, axum::http::HeaderMap, serde_json::Value) {
    use tower::ServiceExt as _;
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    let response = server
        .instance
        .router(&server.base_url)
        .unwrap()
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, headers, value)
}

/// What sigstore-python's client relies on beyond the entry shape: the created entry's UUID in
/// `Location` and `ETag`, and `entries/retrieve/` (with Rekor's tolerated trailing slash)
/// finding an entry by the proposal that made it.
#[tokio::test]
async fn rekor_headers_and_retrieve_by_proposed_entry() {
    let server = Server::start().await;
    let rekor = server.rekor_v1();
    let signer = Signer::new();
    let proposal = signer.hashed_rekord(b"artifact");
    let proposed = rekor.create_entry(&proposal).body.unwrap();

    let (status, headers, created) =
        call(&server, "POST", "/api/v1/log/entries", proposed.clone()).await;
    assert_eq!(status, 201, "{created}");
    let uuid = created.as_object().unwrap().keys().next().unwrap().clone();
    assert_eq!(uuid.len(), 80);
    assert_eq!(headers["etag"], uuid.as_str());
    assert_eq!(
        headers["location"],
        format!("/api/v1/log/entries/{uuid}").as_str()
    );
    assert_eq!(headers["content-type"], "application/json");

    let query = |entries: &[u8]| {
        format!("{{\"entries\": [{}]}}", String::from_utf8_lossy(entries)).into_bytes()
    };
    for path in [
        "/api/v1/log/entries/retrieve",
        "/api/v1/log/entries/retrieve/",
    ] {
        let (status, _, found) = call(&server, "POST", path, query(&proposed)).await;
        assert_eq!(status, 200, "{path}: {found}");
        let found = found.as_array().unwrap();
        assert_eq!(found.len(), 1, "{path}");
        assert_eq!(found[0][&uuid]["body"], created[&uuid]["body"], "{path}");
        assert_eq!(
            found[0][&uuid]["logIndex"], created[&uuid]["logIndex"],
            "{path}"
        );
    }
    // Another artifact's proposal finds nothing; one whose signature fails is a bad request.
    let other = rekor
        .create_entry(&signer.hashed_rekord(b"other artifact"))
        .body
        .unwrap();
    let (status, _, found) = call(
        &server,
        "POST",
        "/api/v1/log/entries/retrieve/",
        query(&other),
    )
    .await;
    assert_eq!((status, found), (200, serde_json::json!([])));
    let mut forged: serde_json::Value = serde_json::from_slice(&other).unwrap();
    forged["spec"]["data"]["hash"]["value"] = "00".repeat(32).into();
    let (status, _, _) = call(
        &server,
        "POST",
        "/api/v1/log/entries/retrieve/",
        query(forged.to_string().as_bytes()),
    )
    .await;
    assert_eq!(status, 400);
    // Other routes take the trailing slash too, as on Rekor.
    let (status, _, info) = call(&server, "GET", "/api/v1/log/", Vec::new()).await;
    assert_eq!((status, info["treeSize"].as_u64()), (200, Some(1)));
    server.stop().await;
}
