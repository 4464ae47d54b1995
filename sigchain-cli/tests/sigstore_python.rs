//! sigstore-python as the referee of `sigchain instance serve`: its own Rekor v1 and v2 clients,
//! models and checks create, read and verify entries in the local logs, verify a whole
//! certificate bundle from them with `sigstore.verify.Verifier`, and read a managed-key bundle
//! made here (`tests/python/rekor_referee.py` says what exactly). The entries it created then
//! verify with sigchain's client too.
//!
//! Which Python, and what happens without sigstore-python: see `common::python`.

mod common;

use common::python::{command, python, require_sigstore_python};
use common::{managed_key_bundle, rekor, Key, Served};
use sigchain_core::time::Timestamp;
use sigchain_rekor::client::{Transport, TransportConfig};
use sigchain_rekor::entry::EntryUuid;
use sigchain_rekor::v1::EntryQuery;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/rekor_referee.py");

#[tokio::test]
async fn sigstore_python_accepts_the_local_logs() {
    let python = python();
    require_sigstore_python(&python);

    let dir = tempfile::tempdir().unwrap();
    let root_path = dir.path().join("trusted_root.json");
    let served = Served::start(&dir.path().join("data"), &root_path);
    let rekor = rekor(&root_path);
    let transport = Transport::new(&served.base_url, TransportConfig::default()).unwrap();

    // sigchain's client logs two entries; the bundle is made from the second. Not the first:
    // sigstore-python's models require `logIndex` in a bundle, and protobuf JSON leaves a zero
    // out; and its client cannot ask for index 0 (it tests the index for truth).
    let key = Key::new();
    let mut logged = Vec::new();
    for artifact in [&b"sigchain: first entry"[..], b"sigchain: release artifact"] {
        let proposal = key.proposal(artifact);
        let answer = transport
            .execute(&rekor.create_entry(&proposal))
            .await
            .unwrap();
        logged.push(
            rekor
                .check_created(&proposal, &answer, Timestamp::now())
                .unwrap(),
        );
    }
    let entry = logged.pop().unwrap();
    let uuid = entry.uuid().unwrap().to_string();
    let artifact = b"sigchain: release artifact";
    let bundle = managed_key_bundle(entry.into_tlog_entry(), artifact);
    std::fs::write(dir.path().join("bundle.json"), bundle.to_json()).unwrap();
    std::fs::write(dir.path().join("artifact"), artifact).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.pem()).unwrap();

    let created_path = dir.path().join("created.json");
    let output = command(&python)
        .arg(SCRIPT)
        .args(["--url", &served.base_url, "--trusted-root"])
        .arg(&root_path)
        .arg("--rust-bundle")
        .arg(dir.path().join("bundle.json"))
        .arg("--rust-artifact")
        .arg(dir.path().join("artifact"))
        .arg("--rust-key")
        .arg(dir.path().join("key.pem"))
        .args(["--rust-uuid", &uuid, "--out"])
        .arg(&created_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "sigstore-python refused the log ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    println!("{stdout}");

    // What sigstore-python logged, sigchain's client reads and verifies.
    let created: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&created_path).unwrap()).unwrap();
    assert_eq!(created.len(), 2, "{created:?}");
    for made in &created {
        let uuid = EntryUuid::parse(made["uuid"].as_str().unwrap()).unwrap();
        let answer = transport
            .execute(&rekor.get_entry_by_uuid(&uuid))
            .await
            .unwrap();
        let entry = rekor
            .check_entry(&EntryQuery::Uuid(uuid), &answer, Timestamp::now())
            .unwrap();
        assert_eq!(
            entry.verified().log_index(),
            made["logIndex"].as_u64().unwrap()
        );
    }
    drop(served);
}
