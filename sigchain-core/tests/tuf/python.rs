//! Repositories built by python-tuf (`make_repos.py`), one per attack: each update is refused
//! with the error naming the failed check, and the cache a good update wrote stays as it was.

use std::path::{Path, PathBuf};
use std::process::Command;

use sigchain_core::tuf::{TufClient, TufConfig, TufError};

use crate::server::Server;
use crate::{reference_time, snapshot_dir};

const SHARED_TRUST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/trust/staging");

/// The venv python with python-tuf (`scripts/test-all.sh` makes it). Missing is a failure, not
/// a skip: these are the only tests of the attack scenarios.
fn python() -> PathBuf {
    let python = std::env::var_os("SIGCHAIN_PYTHON").expect(
        "SIGCHAIN_PYTHON must name a python with tuf installed (scripts/test-all.sh sets it up)",
    );
    PathBuf::from(python)
}

fn make_repos(out: &Path) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tuf/make_repos.py");
    let status = Command::new(python())
        .arg(script)
        .arg(out)
        .arg(Path::new(SHARED_TRUST).join("trusted_root.json"))
        .arg(Path::new(SHARED_TRUST).join("signing_config.v0.2.json"))
        .status()
        .expect("run make_repos.py");
    assert!(status.success(), "make_repos.py failed (is tuf installed?)");
}

struct Fixture {
    repos: tempfile::TempDir,
    cache: tempfile::TempDir,
    server: Server,
}

impl Fixture {
    /// Repositories built, the good one served and one update from it cached.
    async fn with_good_update() -> Fixture {
        let repos = tempfile::tempdir().unwrap();
        make_repos(repos.path());
        let server = Server::start(&repos.path().join("good")).await;
        let cache = tempfile::tempdir().unwrap();
        let f = Fixture {
            repos,
            cache,
            server,
        };
        let material = TufClient::new(f.config()).update().await.unwrap();
        assert_eq!(material.root_version, 1);
        assert_eq!(
            material.trusted_root_json,
            std::fs::read(Path::new(SHARED_TRUST).join("trusted_root.json")).unwrap()
        );
        f
    }

    fn config(&self) -> TufConfig {
        TufConfig {
            repository_url: self.server.url.clone(),
            initial_root: std::fs::read(self.repos.path().join("good/1.root.json")).unwrap(),
            cache_dir: self.cache.path().to_owned(),
            now: reference_time(),
        }
    }

    /// Serve `scenario`, update, and return the refusal; the cache must not change.
    async fn refused(&self, scenario: &str) -> TufError {
        let before = snapshot_dir(self.cache.path());
        assert!(!before.is_empty());
        self.server.switch_to(&self.repos.path().join(scenario));
        let err = TufClient::new(self.config()).update().await.unwrap_err();
        assert_eq!(
            snapshot_dir(self.cache.path()),
            before,
            "{scenario}: cache changed"
        );
        err
    }
}

#[tokio::test]
async fn refuses_a_timestamp_rollback() {
    let f = Fixture::with_good_update().await;
    let err = f.refused("rollback").await;
    match &err {
        TufError::Rollback {
            role,
            trusted,
            fetched,
        } => assert_eq!(
            (role.as_str(), *trusted, *fetched),
            ("timestamp", 2, 1),
            "{err}"
        ),
        other => panic!("expected a rollback refusal, got {other}"),
    }
}

#[tokio::test]
async fn refuses_a_target_whose_hash_does_not_match() {
    let f = Fixture::with_good_update().await;
    let err = f.refused("badhash").await;
    assert!(
        matches!(&err, TufError::TargetHash { target, .. } if target.contains("trusted_root.json")),
        "{err}"
    );
}

#[tokio::test]
async fn refuses_a_root_signed_below_threshold() {
    let f = Fixture::with_good_update().await;
    let err = f.refused("badroot").await;
    assert!(
        matches!(
            &err,
            TufError::Root(sigchain_core::tuf::root_chain::RootError::Threshold {
                version: 2,
                valid: 1,
                threshold: 2,
                ..
            })
        ),
        "{err}"
    );
}

#[tokio::test]
async fn refuses_an_expired_snapshot() {
    let f = Fixture::with_good_update().await;
    let err = f.refused("expiredsnapshot").await;
    assert!(
        matches!(&err, TufError::Expired { role, .. } if role == "snapshot"),
        "{err}"
    );
}

#[tokio::test]
async fn a_fresh_client_refuses_each_scenario_and_caches_nothing() {
    let repos = tempfile::tempdir().unwrap();
    make_repos(repos.path());
    for scenario in ["badhash", "badroot", "expiredsnapshot"] {
        let server = Server::start(&repos.path().join(scenario)).await;
        let cache = tempfile::tempdir().unwrap();
        let config = TufConfig {
            repository_url: server.url.clone(),
            initial_root: std::fs::read(repos.path().join("good/1.root.json")).unwrap(),
            cache_dir: cache.path().to_owned(),
            now: reference_time(),
        };
        let err = TufClient::new(config).update().await.unwrap_err();
        assert!(snapshot_dir(cache.path()).is_empty(), "{scenario}: {err}");
    }
}
