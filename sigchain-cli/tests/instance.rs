//! `sigchain instance serve` as a process: a bundle assembled from its log verifies with
//! `sigchain verify-bundle --key`, and a `kill -9` during appends loses no acknowledged entry.

mod common;

use std::process::Command;
use std::sync::Arc;

use common::sign::http_get;
use common::{managed_key_bundle, rekor, Key, Served, SIGCHAIN};
use sigchain_core::time::Timestamp;
use sigchain_rekor::client::{Transport, TransportConfig};
use sigchain_rekor::v1::EntryQuery;

#[tokio::test]
async fn a_bundle_from_the_local_log_verifies_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let root_path = dir.path().join("trusted_root.json");
    let served = Served::start(&dir.path().join("data"), &root_path);
    let rekor = rekor(&root_path);
    let transport = Transport::new(&served.base_url, TransportConfig::default()).unwrap();

    let key = Key::new();
    let artifact = b"release.tar.gz contents".to_vec();
    let proposal = key.proposal(&artifact);
    let answer = transport
        .execute(&rekor.create_entry(&proposal))
        .await
        .unwrap();
    let entry = rekor
        .check_created(&proposal, &answer, Timestamp::now())
        .unwrap();

    let bundle = managed_key_bundle(entry.into_tlog_entry(), &artifact);
    std::fs::write(dir.path().join("artifact"), &artifact).unwrap();
    std::fs::write(dir.path().join("other"), b"something else").unwrap();
    std::fs::write(dir.path().join("bundle.json"), bundle.to_json()).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.pem()).unwrap();

    let verify = |artifact: &str| {
        Command::new(SIGCHAIN)
            .current_dir(dir.path())
            .args([
                "verify-bundle",
                "--bundle",
                "bundle.json",
                "--key",
                "key.pem",
                "--trusted-root",
                "trusted_root.json",
                artifact,
            ])
            .output()
            .unwrap()
    };
    let ok = verify("artifact");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let wrong = verify("other");
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stdout).contains("FAIL")
            || String::from_utf8_lossy(&wrong.stderr).contains("FAIL")
    );
    // Without the instance's trusted root the log is unknown.
    let unknown = Command::new(SIGCHAIN)
        .current_dir(dir.path())
        .args([
            "verify-bundle",
            "--bundle",
            "bundle.json",
            "--key",
            "key.pem",
            "artifact",
        ])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    drop(served);
}

/// Appends from 8 concurrent clients, a SIGKILL in the middle, a restart: every entry that
/// was acknowledged is there with the same body, and the new tree extends every tree head
/// seen before the kill.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_appends_loses_no_acknowledged_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let root_path = dir.path().join("trusted_root.json");
    let served = Served::start(&data, &root_path);
    let rekor = Arc::new(rekor(&root_path));
    let transport = Transport::new(
        &served.base_url,
        TransportConfig {
            max_attempts: 1,
            ..TransportConfig::default()
        },
    )
    .unwrap();
    let key = Arc::new(Key::new());
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut clients = Vec::new();
    for client in 0..8 {
        let (rekor, transport, key) = (rekor.clone(), transport.clone(), key.clone());
        let (acknowledged, heads) = (acknowledged.clone(), heads.clone());
        clients.push(tokio::spawn(async move {
            // Bounded: each client stops at its count or at the first failed request.
            for i in 0..400 {
                let proposal = key.proposal(format!("client {client} artifact {i}").as_bytes());
                let Ok(answer) = transport.execute(&rekor.create_entry(&proposal)).await else {
                    return;
                };
                let Ok(entry) = rekor.check_created(&proposal, &answer, Timestamp::now()) else {
                    return;
                };
                heads
                    .lock()
                    .unwrap()
                    .push(entry.checkpoint().unwrap().clone());
                acknowledged.lock().unwrap().push((
                    entry.verified().log_index(),
                    entry.tlog_entry().canonicalized_body.clone(),
                ));
            }
        }));
    }
    // Kill once enough entries are acknowledged (bounded wait).
    for _ in 0..600 {
        if acknowledged.lock().unwrap().len() >= 300 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    served.kill_9();
    for client in clients {
        client.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let heads = heads.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 300,
        "only {} acknowledged",
        acknowledged.len()
    );

    // Restart on the same data.
    let served = Served::start(&data, &root_path);
    let transport = Transport::new(&served.base_url, TransportConfig::default()).unwrap();
    let info = transport.execute(&rekor.log_info()).await.unwrap();
    let head = rekor.check_log_info(&info).unwrap();
    let max_index = acknowledged.iter().map(|(i, _)| *i).max().unwrap();
    assert!(head.checkpoint.tree_size() > max_index);
    for (index, body) in acknowledged.iter().step_by(7) {
        let answer = transport
            .execute(&rekor.get_entry_by_index(*index))
            .await
            .unwrap();
        let entry = rekor
            .check_entry(&EntryQuery::Index(*index), &answer, Timestamp::now())
            .unwrap();
        assert_eq!(&entry.tlog_entry().canonicalized_body, body);
    }
    let largest_seen = heads.iter().max_by_key(|h| h.tree_size()).unwrap();
    for old in [
        heads.iter().min_by_key(|h| h.tree_size()).unwrap(),
        largest_seen,
    ] {
        if old.tree_size() == head.checkpoint.tree_size() {
            assert_eq!(old.root_hash(), head.checkpoint.root_hash());
            continue;
        }
        let proof = transport
            .execute(&rekor.consistency_proof(old.tree_size(), head.checkpoint.tree_size()))
            .await
            .unwrap();
        rekor
            .check_consistency_proof(&proof, old, &head.checkpoint)
            .unwrap();
    }
    drop(served);
}

#[test]
fn serve_prints_the_url_first_and_writes_the_trust_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = Served::start_with(&data, &["--addr", "127.0.0.1:0"]);
    for file in [
        "trusted_root.json",
        "signing_config.json",
        "signing_config.rekor-v2.json",
        "client_trust_config.json",
    ] {
        assert!(data.join(file).is_file(), "{file} missing");
    }
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("signing_config.json")).unwrap()).unwrap();
    assert_eq!(config["caUrls"][0]["url"], served.base_url.as_str());
    let root = std::fs::read_to_string(data.join("trusted_root.json")).unwrap();
    sigchain_core::trust_root::TrustedRoot::from_json(root.as_bytes()).unwrap();

    let (status, discovery) = http_get(&served.base_url, "/oidc/.well-known/openid-configuration");
    assert_eq!(status, 200);
    assert!(discovery.contains(&format!("{}/oidc", served.base_url)));
    let (status, token) = http_get(&served.base_url, "/oidc/token?sub=dave@example.com");
    assert_eq!(status, 200);
    assert_eq!(token.matches('.').count(), 2, "{token}");
    drop(served);

    // A restart serves the same roots.
    let served = Served::start_with(&data, &["--addr", "127.0.0.1:0"]);
    let again = std::fs::read_to_string(data.join("trusted_root.json")).unwrap();
    let strip_urls = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        for list in ["tlogs", "ctlogs"] {
            for log in v[list].as_array_mut().unwrap() {
                log["baseUrl"] = serde_json::Value::Null;
            }
        }
        for list in ["certificateAuthorities", "timestampAuthorities"] {
            for ca in v[list].as_array_mut().unwrap() {
                ca["uri"] = serde_json::Value::Null;
            }
        }
        v
    };
    assert_eq!(strip_urls(&root), strip_urls(&again));
    drop(served);
}

#[tokio::test]
async fn the_bad_inclusion_proof_mode_is_caught_by_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = Served::start_with(
        &data,
        &[
            "--addr",
            "127.0.0.1:0",
            "--misbehave",
            "log-bad-inclusion-proof",
        ],
    );
    let rekor = rekor(&data.join("trusted_root.json"));
    let transport = Transport::new(&served.base_url, TransportConfig::default()).unwrap();
    let key = Key::new();
    let proposal = key.proposal(b"artifact");
    let answer = transport
        .execute(&rekor.create_entry(&proposal))
        .await
        .unwrap();
    assert!(rekor
        .check_created(&proposal, &answer, Timestamp::now())
        .is_err());
    drop(served);
}
