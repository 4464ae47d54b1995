//! `sigchain sign / attest / verify / verify-attestation / triangulate` as processes, keyless
//! against a local instance, on an OCI layout and on a real registry (Debian's
//! `docker-registry`, the image pushed there by skopeo): round trips, and the refusals (another
//! identity, a tampered signature, a tag-scheme signature without an inclusion proof when
//! offline; online its proof is fetched from the instance's Rekor v1).

mod common;
#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;

use std::path::Path;
use std::process::Output;

use common::sign::{assert_failure, assert_success, sigchain, Instance, LogVersion, EMAIL};
use common::skopeo;

const SPDX: &str = r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app","dataLicense":"CC0-1.0"}"#;

/// A small image (config, one layer) in a new layout at `dir`, tagged `v1`; its digest.
fn layout_image(dir: &Path) -> String {
    common::image::layout_image(dir, &[("app/README", "never unpacked\n")])
}

fn signer_args(instance: &Instance, token: &str) -> Vec<String> {
    vec![
        "--trusted-root".into(),
        instance.trusted_root().display().to_string(),
        "--signing-config".into(),
        instance
            .signing_config(LogVersion::V1)
            .display()
            .to_string(),
        "--identity-token".into(),
        token.to_owned(),
    ]
}

fn identity_args(instance: &Instance, email: &str) -> Vec<String> {
    vec![
        "--trusted-root".into(),
        instance.trusted_root().display().to_string(),
        "--certificate-identity".into(),
        email.to_owned(),
        "--certificate-oidc-issuer".into(),
        instance.issuer(),
    ]
}

fn run(command: &str, image: &str, args: &[String], extra: &[&str]) -> Output {
    sigchain()
        .arg(command)
        .args(args)
        .args(extra)
        .arg(image)
        .output()
        .unwrap()
}

fn stdout_json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Sign, attest, verify both, and triangulate `image`; `extra` goes to every command.
fn round_trip(instance: &Instance, image: &str, digest: &str, extra: &[&str]) {
    let token = instance.token(EMAIL, "");
    let signed = run("sign", image, &signer_args(instance, &token), extra);
    assert_success("sign", &signed);

    let verified = run("verify", image, &identity_args(instance, EMAIL), extra);
    assert_success("verify", &verified);
    let payloads = stdout_json_lines(&verified);
    let signatures = payloads[0].as_array().unwrap();
    assert_eq!(signatures.len(), 1, "{signatures:?}");
    assert_eq!(
        signatures[0]["critical"]["image"]["docker-manifest-digest"],
        digest
    );
    assert_eq!(
        signatures[0]["critical"]["type"],
        "https://sigstore.dev/cosign/sign/v1"
    );
    assert_eq!(signatures[0]["optional"]["Subject"], EMAIL);

    let someone_else = run(
        "verify",
        image,
        &identity_args(instance, "mallory@example.com"),
        extra,
    );
    let said = assert_failure("verify as someone else", &someone_else);
    assert!(said.contains("no valid signatures"), "{said}");

    let predicate = instance.file("sbom.spdx.json", SPDX.as_bytes());
    let mut attest = signer_args(instance, &token);
    attest.extend([
        "--predicate".into(),
        predicate.display().to_string(),
        "--type".into(),
        "spdxjson".into(),
    ]);
    assert_success("attest", &run("attest", image, &attest, extra));

    let mut verify_spdx = identity_args(instance, EMAIL);
    verify_spdx.extend(["--type".into(), "spdxjson".into()]);
    let attested = run("verify-attestation", image, &verify_spdx, extra);
    assert_success("verify-attestation", &attested);
    let statements = stdout_json_lines(&attested);
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0]["predicateType"], "https://spdx.dev/Document");
    assert_eq!(statements[0]["predicate"]["name"], "app");
    assert_eq!(
        statements[0]["subject"][0]["digest"]["sha256"],
        digest.trim_start_matches("sha256:")
    );

    let mut verify_slsa = identity_args(instance, EMAIL);
    verify_slsa.extend(["--type".into(), "slsaprovenance1".into()]);
    assert_failure(
        "verify-attestation of a type never attested",
        &run("verify-attestation", image, &verify_slsa, extra),
    );

    let triangulated = run("triangulate", image, &[], extra);
    assert_success("triangulate", &triangulated);
    let listing = String::from_utf8_lossy(&triangulated.stdout);
    assert!(
        listing.contains("https://sigstore.dev/cosign/sign/v1"),
        "{listing}"
    );
    assert!(listing.contains("https://spdx.dev/Document"), "{listing}");
}

#[test]
fn an_image_in_an_oci_layout_round_trips() {
    let instance = Instance::start();
    let dir = tempfile::tempdir().unwrap();
    let digest = layout_image(dir.path());
    let image = format!("oci:{}@{digest}", dir.path().display());
    round_trip(&instance, &image, &digest, &[]);

    // By tag: resolved once, with a warning.
    let by_tag = format!("oci:{}:v1", dir.path().display());
    let verified = run("verify", &by_tag, &identity_args(&instance, EMAIL), &[]);
    assert_success("verify by tag", &verified);
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(said.contains("WARNING") && said.contains(&digest), "{said}");
    // The layout's only image needs no name.
    let only = format!("oci:{}", dir.path().display());
    assert_success(
        "verify the only image",
        &run("verify", &only, &identity_args(&instance, EMAIL), &[]),
    );
}

#[test]
fn a_tampered_stored_signature_is_rejected() {
    let instance = Instance::start();
    let dir = tempfile::tempdir().unwrap();
    let digest = layout_image(dir.path());
    let image = format!("oci:{}@{digest}", dir.path().display());
    let token = instance.token(EMAIL, "");
    assert_success(
        "sign",
        &run("sign", &image, &signer_args(&instance, &token), &[]),
    );
    // Rewrite every stored bundle blob with one signature byte changed, keeping the layout
    // consistent (the blob is renamed to its new digest): only the signature check can fail.
    let blobs = dir.path().join("blobs/sha256");
    let mut tampered = 0;
    for entry in std::fs::read_dir(&blobs).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.contains("\"dsseEnvelope\"") {
            continue;
        }
        let mut bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
        let signature = bundle["dsseEnvelope"]["signatures"][0]["sig"]
            .as_str()
            .unwrap()
            .to_owned();
        let flipped = if signature.starts_with('M') { "N" } else { "M" };
        bundle["dsseEnvelope"]["signatures"][0]["sig"] =
            serde_json::Value::String(format!("{flipped}{}", &signature[1..]));
        std::fs::write(&path, serde_json::to_vec(&bundle).unwrap()).unwrap();
        tampered += 1;
    }
    assert_eq!(tampered, 1);
    let said = assert_failure(
        "verify a tampered signature",
        &run("verify", &image, &identity_args(&instance, EMAIL), &[]),
    );
    assert!(said.contains("rejected"), "{said}");
}

/// Push the layout's `v1` with skopeo; the digest the registry holds it under (as skopeo
/// reads it back: skopeo may rewrite the manifest while copying).
fn push_with_skopeo(layout: &Path, registry: &registry::Registry, repository: &str) -> String {
    let destination = format!("docker://{}/{repository}:v1", registry.host);
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:v1", layout.display()),
        &destination,
    ]);
    skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--format",
        "{{.Digest}}",
        &destination,
    ])
}

#[test]
fn an_image_in_a_registry_round_trips_in_both_formats() {
    let instance = Instance::start();
    let registry = registry::Registry::start();
    let dir = tempfile::tempdir().unwrap();
    layout_image(dir.path());
    let digest = push_with_skopeo(dir.path(), &registry, "team/app");
    let image = format!("{}/team/app@{digest}", registry.host);
    round_trip(&instance, &image, &digest, &[]);

    // The tag scheme: a `.sig` layer whose Rekor annotation carries a promise, no proof.
    let token = instance.token(EMAIL, "");
    let mut legacy = signer_args(&instance, &token);
    legacy.push("--new-bundle-format=false".into());
    // skopeo may store the image under another digest than the layout's (it compresses the
    // uncompressed layer): use the one the registry holds.
    let digest = push_with_skopeo(dir.path(), &registry, "team/legacy");
    let legacy_image = format!("{}/team/legacy@{digest}", registry.host);
    assert_success(
        "sign (tag scheme)",
        &run("sign", &legacy_image, &legacy, &[]),
    );
    let triangulated = run("triangulate", &legacy_image, &[], &["--type", "signature"]);
    assert_success("triangulate --type signature", &triangulated);
    assert_eq!(
        String::from_utf8_lossy(&triangulated.stdout).trim(),
        format!(
            "{}/team/legacy:sha256-{}.sig",
            registry.host,
            digest.trim_start_matches("sha256:")
        )
    );
    // Online (the default), the inclusion proof is fetched from the instance's Rekor v1 and
    // the signature verifies strictly, no insecure flag needed.
    let online = run(
        "verify",
        &legacy_image,
        &identity_args(&instance, EMAIL),
        &[],
    );
    assert_success("verify a tag-scheme signature online", &online);
    let said = String::from_utf8_lossy(&online.stderr);
    assert!(said.contains("inclusion proof fetched from"), "{said}");
    let payloads = stdout_json_lines(&online);
    assert_eq!(
        payloads[0][0]["critical"]["type"],
        "cosign container image signature"
    );
    let offline = run(
        "verify",
        &legacy_image,
        &identity_args(&instance, EMAIL),
        &["--offline"],
    );
    let said = assert_failure("verify a promise-only signature offline", &offline);
    assert!(said.contains("inclusion promise"), "{said}");
    let relaxed = run(
        "verify",
        &legacy_image,
        &identity_args(&instance, EMAIL),
        &["--offline", "--insecure-allow-inclusion-promise-only"],
    );
    assert_success("verify a promise-only signature when allowed", &relaxed);
    let said = String::from_utf8_lossy(&relaxed.stderr);
    assert!(said.contains("inclusion promise only"), "{said}");

    // A tag-scheme attestation (a dsse entry) too.
    let predicate = instance.file("legacy.spdx.json", SPDX.as_bytes());
    legacy.extend([
        "--predicate".into(),
        predicate.display().to_string(),
        "--type".into(),
        "spdxjson".into(),
    ]);
    assert_success(
        "attest (tag scheme)",
        &run("attest", &legacy_image, &legacy, &[]),
    );
    let mut verify_spdx = identity_args(&instance, EMAIL);
    verify_spdx.extend(["--type".into(), "spdxjson".into()]);
    let attested = run("verify-attestation", &legacy_image, &verify_spdx, &[]);
    assert_success(
        "verify-attestation of a tag-scheme attestation online",
        &attested,
    );
    assert_eq!(
        stdout_json_lines(&attested)[0]["predicateType"],
        "https://spdx.dev/Document"
    );
    let said = assert_failure(
        "verify-attestation of a tag-scheme attestation offline",
        &run(
            "verify-attestation",
            &legacy_image,
            &verify_spdx,
            &["--offline"],
        ),
    );
    assert!(said.contains("inclusion promise"), "{said}");
}

#[test]
fn an_image_that_is_not_there_fails_clearly() {
    let registry = registry::Registry::start();
    let hex = "0".repeat(64);
    let output = sigchain()
        .args(["verify", "--certificate-identity", EMAIL])
        .args(["--certificate-oidc-issuer", "https://issuer.example"])
        .arg(format!("{}/nothing@sha256:{hex}", registry.host))
        .output()
        .unwrap();
    let said = assert_failure("verify a missing image", &output);
    assert!(said.contains("no image"), "{said}");
}

#[test]
fn an_image_signed_with_a_managed_key_verifies_with_that_key_only() {
    let instance = Instance::start();
    let key = common::Key::new();
    let private = instance.file("key.pem", key.private_pem().as_bytes());
    let public = instance.file("key.pub", key.pem().as_bytes());
    let stranger = instance.file("other.pub", common::Key::new().pem().as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let digest = layout_image(dir.path());
    let image = format!("oci:{}@{digest}", dir.path().display());
    let sign_args: Vec<String> = vec![
        "--trusted-root".into(),
        instance.trusted_root().display().to_string(),
        "--signing-config".into(),
        instance
            .signing_config(LogVersion::V1)
            .display()
            .to_string(),
        "--key".into(),
        private.display().to_string(),
    ];
    assert_success("sign --key", &run("sign", &image, &sign_args, &[]));
    let with = |key: &Path| -> Vec<String> {
        vec![
            "--trusted-root".into(),
            instance.trusted_root().display().to_string(),
            "--key".into(),
            key.display().to_string(),
        ]
    };
    let verified = run("verify", &image, &with(&public), &[]);
    assert_success("verify --key", &verified);
    let payloads = stdout_json_lines(&verified);
    assert_eq!(
        payloads[0][0]["critical"]["image"]["docker-manifest-digest"],
        digest
    );
    assert_failure(
        "verify with another key",
        &run("verify", &image, &with(&stranger), &[]),
    );
}
