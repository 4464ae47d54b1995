//! The test registry itself: Debian's docker-registry answers the distribution API on
//! 127.0.0.1, and has no OCI 1.1 referrers API (so clients must fall back to the
//! referrers tag schema against it).

mod common;

use common::registry::{http_status, Registry};

#[test]
fn the_registry_answers_the_distribution_api() {
    let registry = Registry::start();
    assert_eq!(http_status(&registry.host, "/v2/"), Some(200));
    assert_eq!(
        http_status(&registry.host, "/v2/library/absent/tags/list"),
        Some(404)
    );
}

#[test]
fn the_registry_has_no_referrers_api() {
    let registry = Registry::start();
    let digest = format!("sha256:{}", "0".repeat(64));
    assert_eq!(
        http_status(
            &registry.host,
            &format!("/v2/library/absent/referrers/{digest}")
        ),
        Some(404)
    );
}

#[test]
fn two_registries_run_side_by_side_and_stop() {
    let first = Registry::start();
    let second = Registry::start();
    assert_ne!(first.host, second.host);
    let host = first.host.clone();
    drop(first);
    assert_eq!(http_status(&host, "/v2/"), None);
    assert_eq!(http_status(&second.host, "/v2/"), Some(200));
}
