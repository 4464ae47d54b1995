//! The real public-good repository (`../shared/tuf/sigstore-production/`, root-signing at
//! 2026-08-21): every root rotation from version 1 to 15, then the trust material.

use std::path::{Path, PathBuf};

use sha2::Digest as _;
use sigchain_core::time::Timestamp;
use sigchain_core::tuf::{TufClient, TufConfig, TufError};

use crate::server::Server;
use crate::{reference_time, snapshot_dir};

const REPO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/tuf/sigstore-production"
);
const EMBEDDED_PRODUCTION: &[u8] = include_bytes!("../../trust/production_trusted_root.json");

fn version_of(path: &Path) -> u64 {
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    doc["signed"]["version"].as_u64().unwrap()
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

/// The CDN layout (consistent snapshots) built from the published files.
fn cdn_layout(out: &Path) {
    let metadata = Path::new(REPO).join("metadata");
    for entry in std::fs::read_dir(metadata.join("root_history")).unwrap() {
        let path = entry.unwrap().path();
        copy(&path, &out.join(path.file_name().unwrap()));
    }
    copy(
        &metadata.join("timestamp.json"),
        &out.join("timestamp.json"),
    );
    for role in ["snapshot", "targets", "registry.npmjs.org"] {
        let path = metadata.join(format!("{role}.json"));
        let v = version_of(&path);
        copy(&path, &out.join(format!("{v}.{role}.json")));
    }
    let targets = Path::new(REPO).join("targets");
    let mut stack: Vec<PathBuf> = vec![targets.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let rel = path.strip_prefix(&targets).unwrap();
            let name = rel.file_name().unwrap().to_str().unwrap();
            let parent = out.join("targets").join(rel.parent().unwrap());
            let sha256 = hex(&sha2::Sha256::digest(&bytes));
            let sha512 = hex(&sha2::Sha512::digest(&bytes));
            copy(&path, &parent.join(format!("{sha256}.{name}")));
            copy(&path, &parent.join(format!("{sha512}.{name}")));
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn config(url: &str, cache: &Path, now: Timestamp) -> TufConfig {
    let first_root =
        std::fs::read(Path::new(REPO).join("metadata/root_history/1.root.json")).unwrap();
    TufConfig {
        repository_url: url.into(),
        initial_root: first_root,
        cache_dir: cache.to_owned(),
        now,
    }
}

#[tokio::test]
async fn walks_every_root_rotation_and_fetches_the_embedded_trusted_root() {
    let layout = tempfile::tempdir().unwrap();
    cdn_layout(layout.path());
    let server = Server::start(layout.path()).await;
    let cache = tempfile::tempdir().unwrap();

    let material = TufClient::new(config(&server.url, cache.path(), reference_time()))
        .update()
        .await
        .unwrap();
    assert_eq!(material.root_version, 15);
    assert_eq!(material.trusted_root_json, EMBEDDED_PRODUCTION);
    assert_eq!(
        material.signing_config_json.as_deref(),
        Some(&std::fs::read(Path::new(REPO).join("targets/signing_config.v0.2.json")).unwrap()[..])
    );
    assert_eq!(material.fetched_at, reference_time());

    // The cache gives the same material back offline.
    let cached = TufClient::cached(cache.path()).unwrap().unwrap();
    assert_eq!(cached.trusted_root_json, EMBEDDED_PRODUCTION);
    assert_eq!(cached.root_version, 15);
    assert_eq!(cached.fetched_at, reference_time());

    // A second update starts from the cached root (version 15) and agrees.
    let again = TufClient::new(config(&server.url, cache.path(), reference_time()))
        .update()
        .await
        .unwrap();
    assert_eq!(again.root_version, 15);
}

#[tokio::test]
async fn the_embedded_production_root_is_version_15_of_this_repository() {
    let layout = tempfile::tempdir().unwrap();
    cdn_layout(layout.path());
    let server = Server::start(layout.path()).await;
    let cache = tempfile::tempdir().unwrap();
    let mut cfg = TufConfig::production(cache.path().to_owned(), reference_time());
    cfg.repository_url = server.url.clone();
    let material = TufClient::new(cfg).update().await.unwrap();
    assert_eq!(material.root_version, 15);
    assert_eq!(material.trusted_root_json, EMBEDDED_PRODUCTION);
}

#[tokio::test]
async fn refuses_the_same_repository_today_because_it_expired() {
    let layout = tempfile::tempdir().unwrap();
    cdn_layout(layout.path());
    let server = Server::start(layout.path()).await;
    let cache = tempfile::tempdir().unwrap();

    let err = TufClient::new(config(&server.url, cache.path(), Timestamp::now()))
        .update()
        .await
        .unwrap_err();
    assert!(matches!(err, TufError::Expired { .. }), "{err}");
    assert!(snapshot_dir(cache.path()).is_empty(), "nothing cached");
}

#[tokio::test]
async fn refuses_one_second_after_the_timestamp_expired() {
    let layout = tempfile::tempdir().unwrap();
    cdn_layout(layout.path());
    let server = Server::start(layout.path()).await;
    let cache = tempfile::tempdir().unwrap();
    // The timestamp (2026-08-28T19:25:56Z) is the first role to expire.
    let expires = Timestamp::parse_rfc3339("2026-08-28T19:25:56Z").unwrap();

    let before = Timestamp(expires.as_secs() - 1);
    TufClient::new(config(&server.url, cache.path(), before))
        .update()
        .await
        .unwrap();
    let cached = snapshot_dir(cache.path());

    let err = TufClient::new(config(&server.url, cache.path(), expires))
        .update()
        .await
        .unwrap_err();
    match &err {
        TufError::Expired { role, version, .. } => {
            assert_eq!((role.as_str(), *version), ("timestamp", 762), "{err}")
        }
        other => panic!("expected expiry, got {other}"),
    }
    assert_eq!(snapshot_dir(cache.path()), cached, "cache unchanged");
}
