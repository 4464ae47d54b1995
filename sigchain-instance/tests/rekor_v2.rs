//! The instance's Rekor v2 log: creates checked by sigchain-rekor, reads through tiles.

mod common;

use common::{Server, Signer};
use sigchain_core::limits::Limits;
use sigchain_core::tlog::{hash_leaf, verify_checkpoint, verify_consistency, verify_inclusion};
use sigchain_rekor::http::{HttpRequest, Idempotency, Method};
use sigchain_rekor::tiles::{
    consistency_from_tiles, inclusion_from_tiles, parse_entry_bundle, required_tiles,
    required_tiles_for_consistency, EntryBundleId, TileId, TileSet,
};
use sigchain_rekor::RekorError;

fn get(path: String) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        path_and_query: path,
        headers: Vec::new(),
        body: None,
        idempotency: Idempotency::Safe,
        max_response_bytes: 1 << 20,
    }
}

async fn tiles(server: &Server, ids: &[TileId]) -> TileSet {
    let mut set = TileSet::new();
    for id in ids {
        let answer = server.send(&get(format!("/api/v2/{}", id.path()))).await;
        assert_eq!(answer.status, 200, "{}", id.path());
        set.insert(*id, &answer.body).unwrap();
    }
    set
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_created_concurrently_are_read_back_through_tiles() {
    let server = Server::start().await;
    let rekor = std::sync::Arc::new(server.rekor_v2());
    let signer = std::sync::Arc::new(Signer::new());
    let server = std::sync::Arc::new(server);
    // More than one full tile, so level-1 tiles and partial tiles are both read.
    let count = 300u64;
    let mut tasks = Vec::new();
    for i in 0..count {
        let (server, rekor, signer) = (server.clone(), rekor.clone(), signer.clone());
        tasks.push(tokio::spawn(async move {
            let proposal = signer.hashed_rekord(format!("artifact {i}").as_bytes());
            let answer = server.send(&rekor.create_entry(&proposal).unwrap()).await;
            assert_eq!(
                answer.status,
                201,
                "{}",
                String::from_utf8_lossy(&answer.body)
            );
            let entry = rekor
                .check_created(&proposal, &answer, server.now())
                .unwrap();
            assert!(entry.verified().integrated_time().is_none());
            (entry.verified().log_index(), proposal)
        }));
    }
    let mut created = Vec::new();
    for task in tasks {
        created.push(task.await.unwrap());
    }
    let mut indexes: Vec<u64> = created.iter().map(|(i, _)| *i).collect();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..count).collect::<Vec<_>>());

    // A duplicate gets 409 with the existing index.
    let (index, proposal) = &created[7];
    let again = server.send(&rekor.create_entry(proposal).unwrap()).await;
    assert!(matches!(
        rekor.check_created(proposal, &again, server.now()),
        Err(RekorError::AlreadyExists { log_index: Some(i), .. }) if i == *index
    ));

    // The checkpoint, then every entry proven from tiles alone.
    let note = server.send(&get("/api/v2/checkpoint".to_owned())).await;
    let log = server
        .trusted_root
        .tlog(&server.instance.rekor_v2.signer().log_id().0)
        .unwrap()
        .clone();
    let checkpoint = verify_checkpoint(
        std::str::from_utf8(&note.body).unwrap(),
        &log,
        &Limits::DEFAULT,
    )
    .unwrap();
    assert_eq!(checkpoint.tree_size(), count);
    for index in [0, 1, 255, 256, 299] {
        let set = tiles(&server, &required_tiles(index, count).unwrap()).await;
        let proven = inclusion_from_tiles(index, count, &set).unwrap();
        assert_eq!(&proven.root, checkpoint.root_hash().as_bytes());
        checkpoint
            .verify_inclusion(index, &proven.leaf_hash, &proven.proof)
            .unwrap();
        let bundle_id = EntryBundleId::in_tree(index / 256, count).unwrap();
        let bundle = server
            .send(&get(format!("/api/v2/{}", bundle_id.path())))
            .await;
        let entries = parse_entry_bundle(bundle_id, &bundle.body).unwrap();
        assert_eq!(hash_leaf(entries[(index % 256) as usize]), proven.leaf_hash);
    }
    // Consistency between two sizes, from tiles alone.
    let ids = required_tiles_for_consistency(100, count).unwrap();
    let set = tiles(&server, &ids).await;
    let proven = consistency_from_tiles(100, count, &set).unwrap();
    assert_eq!(&proven.new_root, checkpoint.root_hash().as_bytes());
    verify_consistency(
        100,
        count,
        &proven.old_root,
        &proven.new_root,
        &proven.proof,
    )
    .unwrap();

    // A tile with one hash changed no longer proves the entry.
    let ids = required_tiles(3, count).unwrap();
    let mut forged = TileSet::new();
    for id in &ids {
        let mut bytes = server
            .send(&get(format!("/api/v2/{}", id.path())))
            .await
            .body;
        if id.level() == 0 {
            bytes[2 * 32] ^= 1;
        }
        forged.insert(*id, &bytes).unwrap();
    }
    let result = inclusion_from_tiles(3, count, &forged)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            verify_inclusion(
                3,
                count,
                &p.leaf_hash,
                &p.proof,
                checkpoint.root_hash().as_bytes(),
            )
            .map_err(|e| e.to_string())
        });
    assert!(result.is_err());

    // Resources past the tree are not there; malformed paths are refused.
    assert_eq!(
        server
            .send(&get("/api/v2/tile/0/002".to_owned()))
            .await
            .status,
        404
    );
    assert_eq!(
        server
            .send(&get("/api/v2/tile/0/01".to_owned()))
            .await
            .status,
        400
    );
}

/// The create answer as rekor-tiles writes it, every field present even when zero (its gateway
/// sets `EmitUnpopulated`), so clients modelled on it (sigstore-python) read the log's first
/// entry; and the log named as rekor-tiles names an Ed25519 log, by the C2SP note key hash whose
/// first four bytes are the checkpoint's key hint.
#[tokio::test]
async fn the_first_entry_is_answered_as_rekor_tiles_answers() {
    let server = Server::start().await;
    let rekor = server.rekor_v2();
    let proposal = Signer::new().hashed_rekord(b"first");
    let answer = server.send(&rekor.create_entry(&proposal).unwrap()).await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let entry: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(entry["logIndex"], "0");
    assert_eq!(entry["integratedTime"], "0");
    assert!(entry["inclusionPromise"].is_null(), "{entry}");
    let proof = &entry["inclusionProof"];
    assert_eq!(
        (&proof["logIndex"], &proof["treeSize"], &proof["hashes"]),
        (&"0".into(), &"1".into(), &serde_json::json!([]))
    );
    rekor
        .check_created(&proposal, &answer, server.now())
        .unwrap();

    let signer = server.instance.rekor_v2.signer();
    let spki = signer.public_key().spki_der();
    let mut named = b"sigchain-instance.local/rekor-v2\n\x01".to_vec();
    named.extend_from_slice(&spki[spki.len() - 32..]);
    let log_id = sigchain_core::crypto::sha256(&named);
    assert_eq!(signer.log_id().0, log_id);
    assert_eq!(
        entry["logId"]["keyId"],
        sigchain_core::encoding::base64_encode(&log_id)
    );
    let note = proof["checkpoint"]["envelope"].as_str().unwrap();
    let signature = note.rsplit(' ').next().unwrap().trim_end();
    let signature = sigchain_core::encoding::base64_decode(signature).unwrap();
    assert_eq!(signature[..4], log_id[..4]);
    let root =
        sigchain_core::trust_root::TrustedRoot::from_json(server.trusted_root_json.as_bytes())
            .unwrap();
    assert!(root.tlog(&log_id).is_some());
    server.stop().await;
}
