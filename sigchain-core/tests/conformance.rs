//! Every offline case of the sigstore-conformance suite, through the library.
//!
//! The cases are read in place from `../shared/conformance/` (see its SOURCE.txt); each runs
//! twice, with the artifact's bytes and with its digest, as the suite does.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sigchain_core::crypto::{PublicKey, Sha256Digest};
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Artifact, Policy, SignerPolicy, Verifier, VerifierConfig};

#[derive(Deserialize)]
struct Manifest {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    bundle: String,
    artifact: String,
    digest: String,
    identity: Option<String>,
    issuer: Option<String>,
    key: Option<String>,
    trusted_root: String,
    expect: String,
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_conformance_case_gives_its_expected_outcome() {
    let dir = conformance_dir();
    let manifest: Manifest = serde_json::from_slice(&read(&dir.join("cases.json"))).unwrap();
    assert_eq!(manifest.cases.len(), 70);
    let now = Timestamp::now();
    let mut wrong = Vec::new();
    let (mut passes, mut fails) = (0, 0);
    for case in &manifest.cases {
        let root = match case.trusted_root.as_str() {
            "production" => Ok(TrustedRoot::production().clone()),
            path => TrustedRoot::from_json(&read(&dir.join(path))),
        };
        let bundle = read(&dir.join(&case.bundle));
        let artifact_bytes = read(&dir.join(&case.artifact));
        let digest = Sha256Digest::from_hex(case.digest.trim_start_matches("sha256:")).unwrap();
        for artifact in [Artifact::Bytes(&artifact_bytes), Artifact::Sha256(digest)] {
            let outcome = root.as_ref().map_err(|e| e.to_string()).and_then(|root| {
                let signer = match &case.key {
                    Some(key) => {
                        let pem = String::from_utf8(read(&dir.join(key))).unwrap();
                        match PublicKey::from_pem(&pem) {
                            Ok(key) => SignerPolicy::PublicKey(key),
                            Err(e) => return Err(format!("key: {e}")),
                        }
                    }
                    None => SignerPolicy::Certificate(vec![CertificateIdentity::new(
                        IdentityMatcher::exact(case.identity.clone().unwrap()),
                        IdentityMatcher::exact(case.issuer.clone().unwrap()),
                    )]),
                };
                let verifier = Verifier::new(root, VerifierConfig::default());
                verifier
                    .verify_json(&bundle, &Policy { artifact, signer }, now)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            });
            let kind = match artifact {
                Artifact::Bytes(_) => "PATH",
                Artifact::Sha256(_) => "DIGEST",
            };
            match (case.expect.as_str(), &outcome) {
                ("pass", Ok(())) => passes += 1,
                ("fail", Err(reason)) => {
                    fails += 1;
                    println!("{kind}-{}: rejected: {reason}", case.name);
                }
                _ => wrong.push(format!(
                    "{kind}-{}: expected {}, got {outcome:?}",
                    case.name, case.expect
                )),
            }
        }
    }
    println!("conformance: {passes} passed as expected, {fails} rejected as expected");
    assert!(
        wrong.is_empty(),
        "{} runs gave the wrong outcome:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!((passes, fails), (42, 98));
}
