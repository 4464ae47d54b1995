//! `sigchain sign-bundle` against `sigchain instance serve` on 127.0.0.1, judged by three
//! verifiers: sigchain's `verify-bundle`, sigstore-python and sigstore-js. Each test starts its
//! own instance, so its first log entry is index 0 with an empty inclusion proof: the protobuf-JSON
//! defaults the peers disagree on are always exercised. The referees must be installed
//! (scripts/test-all.sh); a missing referee fails the test.
//!
//! The cross-verification matrix:
//! - sigchain signs {blob, in-toto statement (DSSE)} × {Rekor v1, Rekor v2} → sigchain,
//!   sigstore-python, sigstore-js verify;
//! - sigstore-python signs a blob × {Rekor v1, Rekor v2} → sigchain, sigstore-js verify;
//! - sigchain signs with a managed key × {Rekor v1, Rekor v2} → sigchain, sigstore-js verify
//!   (sigstore-python 4.x cannot verify managed-key bundles).

mod common;

use std::path::Path;

use common::js::{sigstore_js_verify, JsPolicy, JsVerdict};
use common::python::{sigstore_python_sign, sigstore_python_verify};
use common::sign::{
    assert_bundle_shape, assert_failure, assert_success, read_json, statement_about, Instance,
    LogVersion, EMAIL,
};
use common::Key;

/// What sigchain signs.
#[derive(Debug, Clone, Copy)]
enum Signed {
    Blob,
    InToto,
}

#[track_caller]
fn assert_js_verifies_identity(instance: &Instance, bundle: &Path, artifact: &Path) {
    let issuer = instance.issuer();
    let verdict = sigstore_js_verify(
        &instance.trusted_root(),
        bundle,
        artifact,
        JsPolicy::Identity {
            san: EMAIL,
            issuer: &issuer,
        },
    );
    match verdict {
        JsVerdict::Verified { san, issuer: read } => {
            assert_eq!(san.as_deref(), Some(EMAIL));
            assert_eq!(read.as_deref(), Some(issuer.as_str()));
        }
        JsVerdict::Refused(e) => panic!("sigstore-js refused {}: {e}", bundle.display()),
    }
}

/// One cell row of the matrix: sigchain signs `what` on `log`, the three verifiers accept, and
/// each refuses another artifact or identity.
fn sigchain_signs_and_everyone_verifies(log: LogVersion, what: Signed) {
    let instance = Instance::start();
    let artifact_bytes = format!("release artifact for {log:?} {what:?}").into_bytes();
    let artifact = instance.file("artifact.txt", &artifact_bytes);
    let signed = match what {
        Signed::Blob => artifact.clone(),
        Signed::InToto => instance.file("statement.json", &statement_about(&artifact_bytes)),
    };
    let bundle = instance.work.join("bundle.sigstore.json");
    let token = instance.token(EMAIL, "");
    let mut sign = instance.sign_bundle(log);
    if matches!(what, Signed::InToto) {
        sign.arg("--in-toto");
    }
    let output = sign
        .args(["--identity-token", &token, "--bundle"])
        .arg(&bundle)
        .arg(&signed)
        .output()
        .unwrap();
    assert_success("sign-bundle", &output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(EMAIL), "{stderr}");

    // The shape the peers need. The signing configs name a TSA, so there is one timestamp.
    let json = read_json(&bundle);
    assert_bundle_shape(&json, 1);
    let entry = &json["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(entry["logIndex"], "0", "a fresh log's first entry");
    assert_eq!(entry["inclusionProof"]["logIndex"], "0");
    assert_eq!(entry["inclusionProof"]["treeSize"], "1");
    assert_eq!(entry["inclusionProof"]["hashes"], serde_json::json!([]));
    // Rekor v2 logs a DSSE envelope as hashedrekord 0.0.2 over its PAE (as the conformance
    // suite's Rekor v2 DSSE bundle).
    let kind = match (log, what) {
        (LogVersion::V1, Signed::Blob) => ["hashedrekord", "0.0.1"],
        (LogVersion::V1, Signed::InToto) => ["dsse", "0.0.1"],
        (LogVersion::V2, _) => ["hashedrekord", "0.0.2"],
    };
    assert_eq!(
        entry["kindVersion"],
        serde_json::json!({"kind": kind[0], "version": kind[1]})
    );
    match what {
        Signed::Blob => assert!(json["messageSignature"].is_object(), "{json:#}"),
        Signed::InToto => assert_eq!(
            json["dsseEnvelope"]["payloadType"],
            "application/vnd.in-toto+json"
        ),
    }
    assert!(json["verificationMaterial"]["certificate"]["rawBytes"].is_string());

    // sigchain.
    assert_success(
        "verify-bundle",
        &instance.verify_identity(&bundle, &artifact),
    );
    let other = instance.file("other.txt", b"not what was signed");
    assert_failure(
        "verify-bundle of another artifact",
        &instance.verify_identity(&bundle, &other),
    );
    let issuer = instance.issuer();
    assert_failure(
        "verify-bundle for another identity",
        &instance.verify_bundle(
            &bundle,
            &[
                "--certificate-identity",
                "mallory@example.com",
                "--certificate-oidc-issuer",
                &issuer,
            ],
            &artifact,
        ),
    );

    // sigstore-python.
    let ctc = instance.client_trust_config(log);
    let python = sigstore_python_verify(&ctc, &bundle, &artifact, EMAIL, &issuer);
    assert_success("sigstore-python verify identity", &python);
    assert_failure(
        "sigstore-python verify of another artifact",
        &sigstore_python_verify(&ctc, &bundle, &other, EMAIL, &issuer),
    );
    assert_failure(
        "sigstore-python verify for another identity",
        &sigstore_python_verify(&ctc, &bundle, &artifact, "mallory@example.com", &issuer),
    );

    // sigstore-js.
    assert_js_verifies_identity(&instance, &bundle, &artifact);
    if matches!(what, Signed::Blob) {
        // sigstore-js judges a DSSE envelope by its signature only, not by the artifact.
        let verdict = sigstore_js_verify(
            &instance.trusted_root(),
            &bundle,
            &other,
            JsPolicy::Identity {
                san: EMAIL,
                issuer: &issuer,
            },
        );
        assert!(matches!(verdict, JsVerdict::Refused(_)), "{verdict:?}");
    }
}

#[test]
fn sigchain_blob_on_rekor_v1_verifies_everywhere() {
    sigchain_signs_and_everyone_verifies(LogVersion::V1, Signed::Blob);
}

#[test]
fn sigchain_blob_on_rekor_v2_verifies_everywhere() {
    sigchain_signs_and_everyone_verifies(LogVersion::V2, Signed::Blob);
}

#[test]
fn sigchain_in_toto_on_rekor_v1_verifies_everywhere() {
    sigchain_signs_and_everyone_verifies(LogVersion::V1, Signed::InToto);
}

#[test]
fn sigchain_in_toto_on_rekor_v2_verifies_everywhere() {
    sigchain_signs_and_everyone_verifies(LogVersion::V2, Signed::InToto);
}

/// sigstore-python signs against the instance (its own Fulcio, Rekor and TSA clients); sigchain
/// and sigstore-js verify what it made.
fn sigstore_python_signs(log: LogVersion) {
    let instance = Instance::start();
    let artifact = instance.file("artifact.txt", b"signed by sigstore-python");
    let bundle = instance.work.join("python.sigstore.json");
    let token = instance.token(EMAIL, "");
    let output = sigstore_python_sign(
        &instance.client_trust_config(log),
        &token,
        &bundle,
        &artifact,
    );
    assert_success("sigstore-python sign", &output);
    let json = read_json(&bundle);
    assert_eq!(
        json["verificationMaterial"]["tlogEntries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_success(
        "verify-bundle of sigstore-python's bundle",
        &instance.verify_identity(&bundle, &artifact),
    );
    let other = instance.file("other.txt", b"not what was signed");
    assert_failure(
        "verify-bundle of another artifact",
        &instance.verify_identity(&bundle, &other),
    );
    assert_js_verifies_identity(&instance, &bundle, &artifact);
}

#[test]
fn sigstore_python_signs_on_rekor_v1_and_sigchain_verifies() {
    sigstore_python_signs(LogVersion::V1);
}

#[test]
fn sigstore_python_signs_on_rekor_v2_and_sigchain_verifies() {
    sigstore_python_signs(LogVersion::V2);
}

/// `sign-bundle --key`: a managed-key bundle, verified with the public key by sigchain and
/// sigstore-js; another key does not verify it.
fn managed_key(log: LogVersion) {
    let instance = Instance::start();
    let key = Key::new();
    let private = instance.file("key.pem", key.private_pem().as_bytes());
    let public = instance.file("key.pub", key.pem().as_bytes());
    let stranger = instance.file("other.pub", Key::new().pem().as_bytes());
    let artifact = instance.file("artifact.txt", b"signed with a managed key");
    let bundle = instance.work.join("key.sigstore.json");
    let output = instance
        .sign_bundle(log)
        .arg("--key")
        .arg(&private)
        .arg("--bundle")
        .arg(&bundle)
        .arg(&artifact)
        .output()
        .unwrap();
    assert_success("sign-bundle --key", &output);
    let json = read_json(&bundle);
    assert_bundle_shape(&json, 1);
    assert!(
        json["verificationMaterial"]["publicKey"].is_object(),
        "{json:#}"
    );

    let key_arg = |path: &Path| path.to_str().unwrap().to_owned();
    assert_success(
        "verify-bundle --key",
        &instance.verify_bundle(&bundle, &["--key", &key_arg(&public)], &artifact),
    );
    assert_failure(
        "verify-bundle with another key",
        &instance.verify_bundle(&bundle, &["--key", &key_arg(&stranger)], &artifact),
    );
    let other = instance.file("other.txt", b"not what was signed");
    assert_failure(
        "verify-bundle --key of another artifact",
        &instance.verify_bundle(&bundle, &["--key", &key_arg(&public)], &other),
    );

    let verdict = sigstore_js_verify(
        &instance.trusted_root(),
        &bundle,
        &artifact,
        JsPolicy::Key(&public),
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
    let verdict = sigstore_js_verify(
        &instance.trusted_root(),
        &bundle,
        &artifact,
        JsPolicy::Key(&stranger),
    );
    assert!(matches!(verdict, JsVerdict::Refused(_)), "{verdict:?}");
}

#[test]
fn managed_key_on_rekor_v1_verifies_with_sigchain_and_sigstore_js() {
    managed_key(LogVersion::V1);
}

#[test]
fn managed_key_on_rekor_v2_verifies_with_sigchain_and_sigstore_js() {
    managed_key(LogVersion::V2);
}

/// sigstore-js writes protobuf JSON with defaults left out: `inclusionProof.logIndex` (and the
/// entry's `logIndex`) when 0, `hashes` when empty. Such a bundle still verifies with sigchain;
/// what sigchain writes always carries them.
#[test]
fn a_bundle_with_protobuf_json_defaults_omitted_still_verifies() {
    for log in LogVersion::ALL {
        let instance = Instance::start();
        let artifact = instance.file("artifact.txt", b"first entry of a fresh log");
        let bundle = instance.work.join("bundle.sigstore.json");
        let token = instance.token(EMAIL, "");
        let output = instance
            .sign_bundle(log)
            .args(["--identity-token", &token, "--bundle"])
            .arg(&bundle)
            .arg(&artifact)
            .output()
            .unwrap();
        assert_success("sign-bundle", &output);
        let mut json = read_json(&bundle);
        assert_bundle_shape(&json, 1);
        let entry = &mut json["verificationMaterial"]["tlogEntries"][0];
        assert_eq!(entry["inclusionProof"]["logIndex"], "0");
        assert_eq!(entry["inclusionProof"]["hashes"], serde_json::json!([]));
        entry.as_object_mut().unwrap().remove("logIndex");
        let proof = entry["inclusionProof"].as_object_mut().unwrap();
        proof.remove("logIndex");
        proof.remove("hashes");
        let stripped = instance.file(
            "stripped.sigstore.json",
            &serde_json::to_vec_pretty(&json).unwrap(),
        );
        assert_success(
            &format!("verify-bundle of the {log:?} bundle without its defaults"),
            &instance.verify_identity(&stripped, &artifact),
        );
        // The referee that writes such bundles reads them too.
        assert_js_verifies_identity(&instance, &stripped, &artifact);
        // Read and written again by sigchain, the defaults are back.
        let parsed = sigchain_core::bundle::Bundle::from_json(
            &std::fs::read(&stripped).unwrap(),
            &sigchain_core::limits::Limits::DEFAULT,
        )
        .unwrap();
        let rewritten: serde_json::Value = serde_json::from_str(&parsed.to_json()).unwrap();
        assert_bundle_shape(&rewritten, 1);
        let entry = &rewritten["verificationMaterial"]["tlogEntries"][0];
        assert_eq!(entry["logIndex"], "0");
        assert_eq!(entry["inclusionProof"]["logIndex"], "0");
        assert_eq!(entry["inclusionProof"]["hashes"], serde_json::json!([]));
        let other = instance.file("other.txt", b"not what was signed");
        assert_failure(
            "verify-bundle of another artifact",
            &instance.verify_identity(&stripped, &other),
        );
    }
}

/// The instance's signing config for `log` without its TSA.
fn config_without_tsa(instance: &Instance, log: LogVersion) -> std::path::PathBuf {
    let mut config = read_json(&instance.signing_config(log));
    let object = config.as_object_mut().unwrap();
    object.remove("tsaUrls");
    object.remove("tsaConfig");
    instance.file(
        &format!("no-tsa.{log:?}.json"),
        &serde_json::to_vec(&config).unwrap(),
    )
}

/// Without a TSA, a Rekor v1 bundle has no timestamp (its entry's integrated time is the
/// signing time) and still verifies everywhere; Rekor v2 needs a timestamp, so signing is
/// refused up front and nothing is written.
#[test]
fn without_a_tsa_rekor_v1_bundles_have_no_timestamp_and_rekor_v2_refuses() {
    let instance = Instance::start();
    let artifact = instance.file("artifact.txt", b"no timestamp authority");
    let bundle = instance.work.join("bundle.sigstore.json");
    let token = instance.token(EMAIL, "");
    let sign = |log| {
        let mut command = common::sign::sigchain();
        command
            .arg("sign-bundle")
            .arg("--trusted-root")
            .arg(instance.trusted_root())
            .arg("--signing-config")
            .arg(config_without_tsa(&instance, log))
            .args(["--identity-token", &token, "--bundle"])
            .arg(&bundle)
            .arg(&artifact);
        command.output().unwrap()
    };
    let said = assert_failure(
        "sign-bundle on Rekor v2 without a TSA",
        &sign(LogVersion::V2),
    );
    assert!(said.contains("Rekor v2 needs a signed timestamp"), "{said}");
    assert!(!bundle.exists());

    assert_success(
        "sign-bundle on Rekor v1 without a TSA",
        &sign(LogVersion::V1),
    );
    let json = read_json(&bundle);
    assert_bundle_shape(&json, 0);
    assert_success(
        "verify-bundle",
        &instance.verify_identity(&bundle, &artifact),
    );
    let issuer = instance.issuer();
    assert_success(
        "sigstore-python verify identity",
        &sigstore_python_verify(
            &instance.client_trust_config(LogVersion::V1),
            &bundle,
            &artifact,
            EMAIL,
            &issuer,
        ),
    );
    assert_js_verifies_identity(&instance, &bundle, &artifact);
}

/// The key shown to the CA with a proof of possession (a signature over the token's subject,
/// as cosign) instead of a CSR: the instance's CA accepts it, and the bundle verifies.
#[test]
fn proof_of_possession_instead_of_a_csr() {
    let instance = Instance::start();
    let artifact = instance.file("artifact.txt", b"proof of possession");
    for log in LogVersion::ALL {
        let bundle = instance.work.join(format!("pop.{log:?}.json"));
        let token = instance.token(EMAIL, "");
        let output = instance
            .sign_bundle(log)
            .args([
                "--proof-of-possession",
                "--identity-token",
                &token,
                "--bundle",
            ])
            .arg(&bundle)
            .arg(&artifact)
            .output()
            .unwrap();
        assert_success("sign-bundle --proof-of-possession", &output);
        assert_bundle_shape(&read_json(&bundle), 1);
        assert_success(
            "verify-bundle",
            &instance.verify_identity(&bundle, &artifact),
        );
        assert_js_verifies_identity(&instance, &bundle, &artifact);
    }
}

/// A signing config whose `tsaConfig` selects ALL of two TSAs (two instances' TSAs, both in the
/// trusted root) gives the bundle one timestamp from each, and the bundle verifies everywhere.
#[test]
fn every_tsa_the_signing_config_selects_gives_a_timestamp() {
    let instance = Instance::start();
    let other = Instance::start();
    let artifact = instance.file("artifact.txt", b"two timestamp authorities");
    let bundle = instance.work.join("bundle.sigstore.json");
    let token = instance.token(EMAIL, "");
    // The trusted root names both TSAs; the client trust config for sigstore-python too.
    let mut root = read_json(&instance.trusted_root());
    let other_tsa = read_json(&other.trusted_root())["timestampAuthorities"][0].clone();
    root["timestampAuthorities"]
        .as_array_mut()
        .unwrap()
        .push(other_tsa);
    let root_path = instance.file("two-tsas.root.json", &serde_json::to_vec(&root).unwrap());
    for log in LogVersion::ALL {
        let mut config = read_json(&instance.signing_config(log));
        let mut second = read_json(&other.signing_config(log))["tsaUrls"][0].clone();
        second["operator"] = "second-operator.example".into();
        config["tsaUrls"].as_array_mut().unwrap().push(second);
        config["tsaConfig"] = serde_json::json!({"selector": "ALL"});
        let config_path = instance.file(
            &format!("two-tsas.{log:?}.json"),
            &serde_json::to_vec(&config).unwrap(),
        );
        let output = common::sign::sigchain()
            .arg("sign-bundle")
            .arg("--trusted-root")
            .arg(&root_path)
            .arg("--signing-config")
            .arg(&config_path)
            .args(["--identity-token", &token, "--bundle"])
            .arg(&bundle)
            .arg(&artifact)
            .output()
            .unwrap();
        assert_success(&format!("sign-bundle with two TSAs on {log:?}"), &output);
        assert_bundle_shape(&read_json(&bundle), 2);

        let issuer = instance.issuer();
        let identity = [
            "--certificate-identity",
            EMAIL,
            "--certificate-oidc-issuer",
            &issuer,
        ];
        let verified = common::sign::sigchain()
            .arg("verify-bundle")
            .arg("--trusted-root")
            .arg(&root_path)
            .arg("--bundle")
            .arg(&bundle)
            .args(identity)
            .arg(&artifact)
            .output()
            .unwrap();
        assert_success("verify-bundle", &verified);
        let client_trust_config = instance.file(
            &format!("two-tsas.{log:?}.client.json"),
            &serde_json::to_vec(&serde_json::json!({
                "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
                "trustedRoot": root,
                "signingConfig": config,
            }))
            .unwrap(),
        );
        assert_success(
            "sigstore-python verify identity",
            &sigstore_python_verify(&client_trust_config, &bundle, &artifact, EMAIL, &issuer),
        );
        match sigstore_js_verify(
            &root_path,
            &bundle,
            &artifact,
            JsPolicy::Identity {
                san: EMAIL,
                issuer: &issuer,
            },
        ) {
            JsVerdict::Verified { .. } => {}
            JsVerdict::Refused(e) => panic!("sigstore-js refused two TSAs' timestamps: {e}"),
        }
    }
}
