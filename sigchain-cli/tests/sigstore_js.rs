//! The sigstore-js referee itself, checked on real bundles before it judges ours: it must accept
//! the conformance suite's happy paths (certificate v0.3, DSSE on Rekor v2, managed key) and
//! refuse a wrong identity and a broken bundle. Signing tests then use it on sigchain's bundles.

mod common;

use std::path::{Path, PathBuf};

use common::js::{sigstore_js_verify, JsPolicy, JsVerdict};

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ACTIONS: &str = "https://token.actions.githubusercontent.com";

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/bundle-verify")
        .join(name)
}

fn production_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sigchain-core/trust/production_trusted_root.json")
}

fn artifact() -> PathBuf {
    case("a.txt")
}

#[test]
fn sigstore_js_accepts_a_certificate_bundle_and_reads_its_identity() {
    let verdict = sigstore_js_verify(
        &production_root(),
        &case("happy-path-v0.3/bundle.sigstore.json"),
        &artifact(),
        JsPolicy::Identity {
            san: BEACON,
            issuer: ACTIONS,
        },
    );
    match verdict {
        JsVerdict::Verified { san, issuer } => {
            assert_eq!(san.as_deref(), Some(BEACON));
            assert_eq!(issuer.as_deref(), Some(ACTIONS));
        }
        JsVerdict::Refused(e) => panic!("refused a genuine bundle: {e}"),
    }
}

#[test]
fn sigstore_js_accepts_dsse_on_rekor_v2() {
    let dir = case("rekor2-dsse-happy-path");
    let verdict = sigstore_js_verify(
        &dir.join("trusted_root.json"),
        &dir.join("bundle.sigstore.json"),
        &artifact(),
        JsPolicy::Identity {
            san: BEACON,
            issuer: ACTIONS,
        },
    );
    assert!(matches!(verdict, JsVerdict::Verified { .. }), "{verdict:?}");
}

#[test]
fn sigstore_js_accepts_a_managed_key_bundle() {
    let dir = case("managed-key-happy-path");
    let verdict = sigstore_js_verify(
        &production_root(),
        &dir.join("bundle.sigstore.json"),
        &artifact(),
        JsPolicy::Key(&dir.join("key.pub")),
    );
    assert!(
        matches!(
            verdict,
            JsVerdict::Verified {
                san: None,
                issuer: None
            }
        ),
        "{verdict:?}"
    );
}

#[test]
fn sigstore_js_refuses_a_wrong_identity() {
    let verdict = sigstore_js_verify(
        &production_root(),
        &case("happy-path-v0.3/bundle.sigstore.json"),
        &artifact(),
        JsPolicy::Identity {
            san: "someone@example.com",
            issuer: ACTIONS,
        },
    );
    assert!(
        matches!(&verdict, JsVerdict::Refused(e) if e.contains("identity")),
        "{verdict:?}"
    );
}

#[test]
fn sigstore_js_refuses_a_broken_signature() {
    let verdict = sigstore_js_verify(
        &production_root(),
        &case("bundle-invalid-base64-signature_fail/bundle.sigstore.json"),
        &artifact(),
        JsPolicy::Identity {
            san: BEACON,
            issuer: ACTIONS,
        },
    );
    assert!(matches!(verdict, JsVerdict::Refused(_)), "{verdict:?}");
}
