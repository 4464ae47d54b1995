//! The `ci_pipeline` example, run as its `main` runs it (the example's file is compiled into
//! this test, so `cargo test` needs no built example binary): with no arguments (a local
//! Sigstore in-process, a demo image in a layout), and with arguments against a real registry
//! (Debian's `docker-registry`) and a local Sigstore, in both storage formats.

#[allow(dead_code)]
#[path = "../examples/ci_pipeline.rs"]
mod ci_pipeline;
#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;

use ci_pipeline::{run, Args, Summary, DEMO_IDENTITY};
use clap::Parser as _;
use sigchain_examples::demo_image::write_demo_image;
use sigchain_examples::local_sigstore::LocalSigstore;
use sigchain_oci::client::{ClientConfig, CredentialsSource, RegistryClient, RegistryRepository};
use sigchain_oci::flow::SignatureFormat;
use sigchain_oci::reference::{Reference, Tag};

/// Run the example with `args` (as after `--`); its output and its result.
async fn run_example(args: &[&str]) -> (String, Result<Summary, String>) {
    let args = Args::try_parse_from(std::iter::once("ci_pipeline").chain(args.iter().copied()))
        .expect("valid arguments");
    let mut out = Vec::new();
    let result = run(args, &mut out).await.map_err(|e| e.to_string());
    (String::from_utf8_lossy(&out).into_owned(), result)
}

/// Check every step ran and `count` signatures and SBOM attestations verified (those of
/// earlier runs on the same image are found and verified too).
fn assert_passed(output: &str, result: Result<Summary, String>, count: usize) -> Summary {
    let summary = result.unwrap_or_else(|e| panic!("the pipeline failed: {e}\n{output}"));
    for step in ["1. resolve", "2. sign", "3. SBOM", "4. attest", "5. verify"] {
        assert!(output.contains(step), "no {step:?} in:\n{output}");
    }
    let printed = summary.to_string();
    assert!(printed.contains("PASS"), "{printed}");
    assert!(printed.contains(&summary.image), "{printed}");
    assert_eq!(summary.signatures.len(), count, "{printed}");
    assert_eq!(summary.attestations.len(), count, "{printed}");
    summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_arguments_the_demo_pipeline_passes_and_prints_its_summary() {
    let (output, result) = run_example(&[]).await;
    let summary = assert_passed(&output, result, 1);
    assert!(output.contains("No arguments: a local Sigstore at http://127.0.0.1:"));
    // The demo image is the same on every run (its bytes depend on the gzip backend the build
    // links, so the digest is compared with a fresh build, not written down); the SBOM lists
    // the packages in its layer.
    let scratch = tempfile::tempdir().unwrap();
    let layout = sigchain_oci::layout::OciLayout::create(scratch.path()).unwrap();
    let again = write_demo_image(&layout, &Tag::parse("demo").unwrap())
        .await
        .unwrap();
    assert!(
        summary.image.ends_with(&format!("@{}", again.digest)),
        "{} vs {}",
        summary.image,
        again.digest
    );
    assert!(output.contains("SPDX-2.3 document"), "{output}");
    assert!(
        output.contains("3 package(s): certifi 2024.8.30, ci-pipeline-demo 1.0.0, ms 2.1.3"),
        "{output}"
    );
    for evidence in summary.signatures.iter().chain(&summary.attestations) {
        assert_eq!(evidence.identity, DEMO_IDENTITY);
        assert!(evidence.issuer.ends_with("/oidc"), "{}", evidence.issuer);
        assert!(evidence.location.starts_with("referrer sha256:"));
        let [(_, integrated, proven)] = evidence.log_entries.as_slice() else {
            panic!("one log entry expected: {:?}", evidence.log_entries);
        };
        assert!(integrated.is_some() && *proven);
        assert_eq!(evidence.timestamped_by.len(), 1);
    }
    let printed = summary.to_string();
    assert!(printed.contains("signer     ci@example.com (issuer http://127.0.0.1:"));
    assert!(printed.contains("inclusion proof verified"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_arguments_and_the_tag_scheme_the_proofs_are_fetched_from_the_log() {
    let (output, result) = run_example(&["--tag-scheme"]).await;
    let summary = assert_passed(&output, result, 1);
    assert_eq!(summary.format, SignatureFormat::TagScheme);
    assert!(summary.signatures[0].location.contains(".sig layer 0"));
    assert!(summary.attestations[0].location.contains(".att layer 0"));
    // The tag-scheme layers carry no proof: it was fetched from the log and verified.
    for evidence in summary.signatures.iter().chain(&summary.attestations) {
        assert!(evidence.log_entries[0].2, "the fetched proof was verified");
        assert!(
            evidence
                .inclusion
                .starts_with("inclusion proof fetched from"),
            "{}",
            evidence.inclusion
        );
    }
    let printed = summary.to_string();
    assert!(
        printed.contains("inclusion proofs fetched from the log"),
        "{printed}"
    );
}

/// A registry holding the demo image as `demo/app:v1`, a local Sigstore, a token for it.
struct Setup {
    registry: registry::Registry,
    sigstore: LocalSigstore,
    dir: tempfile::TempDir,
    digest: String,
    token: String,
}

async fn setup(repository: &str) -> Setup {
    let registry = registry::Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let sigstore = LocalSigstore::start(dir.path()).await.unwrap();
    let client = RegistryClient::new(ClientConfig {
        credentials: CredentialsSource::Anonymous,
        ..ClientConfig::default()
    })
    .unwrap();
    let reference = Reference::parse(&format!("{}/{repository}:v1", registry.host)).unwrap();
    let store = RegistryRepository::new(client, &reference);
    let image = write_demo_image(&store, &Tag::parse("v1").unwrap())
        .await
        .unwrap();
    let token = sigstore.token("release@example.com").unwrap();
    Setup {
        registry,
        sigstore,
        dir,
        digest: image.digest.to_string(),
        token,
    }
}

impl Setup {
    async fn run(&self, image: &str, extra: &[&str]) -> (String, Result<Summary, String>) {
        let trusted_root = self.sigstore.trusted_root.display().to_string();
        let signing_config = self.sigstore.signing_config.display().to_string();
        let mut args = vec![
            "--image",
            image,
            "--trusted-root",
            &trusted_root,
            "--signing-config",
            &signing_config,
            "--identity-token",
            &self.token,
        ];
        args.extend(extra);
        run_example(&args).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_arguments_an_image_in_a_real_registry_passes_in_both_formats() {
    let setup = setup("demo/app").await;
    let image = format!("{}/demo/app@{}", setup.registry.host, setup.digest);
    let (output, result) = setup.run(&image, &["--allow-insecure-registry"]).await;
    let summary = assert_passed(&output, result, 1);
    assert_eq!(summary.image, image);
    let signature = &summary.signatures[0];
    assert_eq!(signature.identity, "release@example.com");
    assert_eq!(signature.issuer, setup.sigstore.issuer_url());
    // docker-registry has no referrers API: the bundles are listed under the fallback tag.
    assert!(signature.location.starts_with("referrer sha256:"));
    // Without --sbom, the image is pulled from the registry and cataloged.
    assert!(
        output.contains("3 package(s): certifi 2024.8.30, ci-pipeline-demo 1.0.0, ms 2.1.3"),
        "{output}"
    );

    // Named by tag (resolved once, with a warning), stored in cosign's tag scheme, with a
    // given SBOM.
    let sbom = setup.dir.path().join("given.spdx.json");
    std::fs::write(
        &sbom,
        r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"given","dataLicense":"CC0-1.0"}"#,
    )
    .unwrap();
    let by_tag = format!("{}/demo/app:v1", setup.registry.host);
    let sbom = sbom.display().to_string();
    let (output, result) = setup.run(&by_tag, &["--tag-scheme", "--sbom", &sbom]).await;
    let summary = assert_passed(&output, result, 2);
    assert!(
        output.contains(&format!("warning: tag v1 resolved to {}", setup.digest)),
        "{output}"
    );
    assert!(output.contains(r#"document "given""#), "{output}");
    // The referrer from the first run, and the new `.sig` layer (its proof fetched from the log).
    let tag_layers: Vec<_> = summary
        .signatures
        .iter()
        .filter(|s| s.location.starts_with("tag sha256-"))
        .collect();
    assert_eq!(tag_layers.len(), 1, "{summary}");
    assert!(tag_layers[0].log_entries[0].2);
    assert!(
        tag_layers[0]
            .inclusion
            .starts_with("inclusion proof fetched from"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_arguments_failures_stop_the_pipeline_with_their_reason() {
    let setup = setup("demo/fail").await;
    let missing = format!(
        "{}/demo/absent@sha256:{}",
        setup.registry.host,
        "0".repeat(64)
    );
    let (output, result) = setup.run(&missing, &[]).await;
    let error = result
        .err()
        .unwrap_or_else(|| panic!("a missing image passed:\n{output}"));
    assert!(error.contains("no image"), "{error}");
    assert!(!output.contains("2. sign"), "{output}");

    // An SBOM that is not a JSON object is refused before it is attested; the signature was
    // stored already, the attestation never is.
    let sbom = setup.dir.path().join("not-json.spdx.json");
    std::fs::write(&sbom, "SPDXVersion: SPDX-2.3\n").unwrap();
    let sbom = sbom.display().to_string();
    let image = format!("{}/demo/fail@{}", setup.registry.host, setup.digest);
    let (output, result) = setup.run(&image, &["--sbom", &sbom]).await;
    let error = result
        .err()
        .unwrap_or_else(|| panic!("a tag-value SBOM passed:\n{output}"));
    assert!(error.contains("must be a JSON object"), "{error}");
    assert!(
        output.contains("2. sign") && !output.contains("4. attest"),
        "{output}"
    );

    // A token the Sigstore's CA does not accept: nothing is signed.
    let foreign = tempfile::tempdir().unwrap();
    let other = LocalSigstore::start(foreign.path()).await.unwrap();
    let foreign_token = other.token("release@example.com").unwrap();
    other.stop().await.unwrap();
    let trusted_root = setup.sigstore.trusted_root.display().to_string();
    let signing_config = setup.sigstore.signing_config.display().to_string();
    let (output, result) = run_example(&[
        "--image",
        &image,
        "--trusted-root",
        &trusted_root,
        "--signing-config",
        &signing_config,
        "--identity-token",
        &foreign_token,
    ])
    .await;
    assert!(result.is_err(), "a foreign token signed:\n{output}");
    assert!(!output.contains("2. sign"), "{output}");
}
