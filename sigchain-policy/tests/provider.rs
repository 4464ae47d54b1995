//! The registry evidence provider against real services on 127.0.0.1: Debian's
//! `docker-registry` holding the images, and a local Sigstore (sigchain-instance, served in
//! this process) signing them keyless through its test OIDC issuer, or with a key.

#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;

#[allow(dead_code)]
#[path = "../../examples/src/local_sigstore.rs"]
mod local_sigstore;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use local_sigstore::LocalSigstore;
use registry::Registry;
use sigchain_core::sign::config::SigningConfig;
use sigchain_core::sign::key::SigningKey;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_fulcio::client::{BundleSigner, TransportConfig};
use sigchain_fulcio::token::IdentityToken;
use sigchain_oci::client::{ClientConfig, CredentialsSource, RegistryClient, RegistryRepository};
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::flow::{
    self, PreparedAttestation, PreparedSignature, ResolvedImage, SignatureFormat,
};
use sigchain_oci::layout::oci_spec::image::{ImageManifestBuilder, MediaType};
use sigchain_oci::predicate::PredicateKind;
use sigchain_oci::reference::{Digest, Reference};
use sigchain_oci::store::ArtifactStore;
use sigchain_policy::admission::{AdmissionLimits, AdmissionRequest};
use sigchain_policy::engine::{Engine, EngineConfig, PolicySet, RequestContext};
use sigchain_policy::evidence::{
    EvidenceFailure, EvidenceQuery, EvidenceSource, FailureKind, ImageEvidence, Signer,
};
use sigchain_policy::provider::{
    answer_until, evaluate_until, Clock, ProviderConfig, RegistryEvidence,
};
use sigchain_policy::yaml::YamlLimits;

const EMAIL: &str = "alice@example.com";
const SPDX_TYPE: &str = "https://spdx.dev/Document";
const SPDX: &str = r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app","dataLicense":"CC0-1.0"}"#;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A registry and a Sigstore, and what signs and verifies with them.
struct World {
    registry: Registry,
    sigstore: LocalSigstore,
    client: RegistryClient,
    root: TrustedRoot,
    signer: BundleSigner,
    _dir: tempfile::TempDir,
}

fn client_config() -> ClientConfig {
    ClientConfig {
        credentials: CredentialsSource::Anonymous,
        ..ClientConfig::default()
    }
}

impl World {
    async fn start() -> World {
        let dir = tempfile::tempdir().unwrap();
        let sigstore = LocalSigstore::start(dir.path()).await.unwrap();
        let registry = Registry::start();
        let root = TrustedRoot::from_json(&std::fs::read(&sigstore.trusted_root).unwrap()).unwrap();
        let config =
            SigningConfig::from_json(&std::fs::read(&sigstore.signing_config).unwrap()).unwrap();
        let signer = BundleSigner::from_signing_config(
            root.clone(),
            &config,
            TransportConfig::default(),
            Timestamp::now(),
        )
        .unwrap();
        World {
            registry,
            sigstore,
            client: RegistryClient::new(client_config()).unwrap(),
            root,
            signer,
            _dir: dir,
        }
    }

    fn provider(&self, config: ProviderConfig) -> RegistryEvidence {
        RegistryEvidence::new(self.client.clone(), self.verifier(), config)
    }

    fn verifier(&self) -> Verifier {
        Verifier::new(&self.root, VerifierConfig::default())
    }

    /// `REGISTRY/repository:tag`.
    fn image(&self, repository: &str, tag: &str) -> String {
        format!("{}/{repository}:{tag}", self.registry.host)
    }

    fn store(&self, image: &str) -> RegistryRepository {
        RegistryRepository::new(self.client.clone(), &Reference::parse(image).unwrap())
    }

    /// Push a small image (its content depends on `seed`) under `image`'s tag; its digest.
    async fn push(&self, image: &str, seed: &str) -> Digest {
        let store = self.store(image);
        let reference = Reference::parse(image).unwrap();
        let layer = store
            .put_blob(MediaType::ImageLayer, format!("layer {seed}").into_bytes())
            .await
            .unwrap();
        let config = store
            .put_blob(
                MediaType::ImageConfig,
                br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
                    .to_vec(),
            )
            .await
            .unwrap();
        let manifest = ImageManifestBuilder::default()
            .schema_version(2u32)
            .media_type(MediaType::ImageManifest)
            .config(config)
            .layers(vec![layer])
            .build()
            .unwrap();
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let descriptor = store
            .put_manifest(MediaType::ImageManifest, bytes, reference.tag())
            .await
            .unwrap();
        Digest::parse(descriptor.digest().as_ref()).unwrap()
    }

    fn resolved(&self, image: &str, digest: &Digest) -> ResolvedImage {
        ResolvedImage {
            name: Reference::parse(image).unwrap().name(),
            digest: digest.clone(),
            media_type: MediaType::ImageManifest.to_string(),
            resolved_tag: None,
        }
    }

    fn token(&self) -> IdentityToken {
        IdentityToken::parse(&self.sigstore.token(EMAIL).unwrap()).unwrap()
    }

    /// Sign `image` (at `digest`) keyless as [`EMAIL`], or with `key`, stored in `format`.
    async fn sign(
        &self,
        image: &str,
        digest: &Digest,
        key: Option<SigningKey>,
        format: SignatureFormat,
    ) -> Result<(), Error> {
        let resolved = self.resolved(image, digest);
        let prepared = PreparedSignature::new(&resolved, format);
        let signed = match key {
            Some(key) => self.signer.sign_with_key(key, prepared.content()).await?,
            None => {
                self.signer
                    .sign_keyless(&self.token(), prepared.content())
                    .await?
            }
        };
        flow::attach_signature(
            &self.store(image),
            &resolved,
            &prepared,
            signed.bundle(),
            Timestamp::now(),
            &StorageLimits::DEFAULT,
        )
        .await?;
        Ok(())
    }

    /// Attest an SPDX SBOM about `image` keyless as [`EMAIL`].
    async fn attest_spdx(&self, image: &str, digest: &Digest) -> Result<(), Error> {
        self.attest(image, digest, "spdxjson", SPDX.as_bytes(), None)
            .await
    }

    /// Attest `predicate` of `kind` about `image`, keyless as [`EMAIL`] or with `key`.
    async fn attest(
        &self,
        image: &str,
        digest: &Digest,
        kind: &str,
        predicate: &[u8],
        key: Option<SigningKey>,
    ) -> Result<(), Error> {
        self.attest_as(image, digest, kind, predicate, key, self.token())
            .await
    }

    /// As [`World::attest`], keyless with `token`.
    async fn attest_as(
        &self,
        image: &str,
        digest: &Digest,
        kind: &str,
        predicate: &[u8],
        key: Option<SigningKey>,
        token: IdentityToken,
    ) -> Result<(), Error> {
        let resolved = self.resolved(image, digest);
        let prepared = PreparedAttestation::new(
            &resolved,
            &PredicateKind::parse(kind)?,
            predicate,
            SignatureFormat::Bundle,
            Timestamp::now(),
        )?;
        let signed = match key {
            Some(key) => self.signer.sign_with_key(key, prepared.content()).await?,
            None => self.signer.sign_keyless(&token, prepared.content()).await?,
        };
        flow::attach_attestation(
            &self.store(image),
            &resolved,
            &prepared,
            signed.bundle(),
            Timestamp::now(),
            &StorageLimits::DEFAULT,
        )
        .await?;
        Ok(())
    }

    fn keyless(&self) -> Signer {
        Signer::keyless(self.sigstore.issuer_url(), EMAIL)
    }
}

fn query(image: &str) -> EvidenceQuery {
    EvidenceQuery {
        image: image.to_owned(),
        reference: Reference::parse(image).unwrap(),
        signatures: true,
        predicate_types: BTreeSet::new(),
        public_keys: BTreeSet::new(),
    }
}

fn with_types(mut query: EvidenceQuery, types: &[&str]) -> EvidenceQuery {
    query.predicate_types = types.iter().map(|t| (*t).to_owned()).collect();
    query
}

fn with_keys(mut query: EvidenceQuery, keys: &[&str]) -> EvidenceQuery {
    query.public_keys = keys.iter().map(|k| (*k).to_owned()).collect();
    query
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyless_signed_image_yields_its_signer_and_an_unsigned_one_none() {
    let world = World::start().await;
    let signed = world.image("team/app", "v1");
    let digest = world.push(&signed, "signed").await;
    world
        .sign(&signed, &digest, None, SignatureFormat::Bundle)
        .await
        .unwrap();
    let unsigned = world.image("team/other", "v1");
    let unsigned_digest = world.push(&unsigned, "unsigned").await;
    let provider = world.provider(ProviderConfig::default());

    let evidence = provider.evidence(&query(&signed)).await.unwrap();
    assert_eq!(evidence.digest.as_ref(), Some(&digest));
    assert_eq!(evidence.signatures, [world.keyless()]);
    assert_eq!(
        evidence.signatures[0].issuer.as_deref(),
        Some(format!("{}/oidc", world.sigstore.base_url).as_str())
    );
    assert!(evidence.attestations.is_empty());

    // By digest: no resolution, the same evidence.
    let by_digest = format!("{}/team/app@{digest}", world.registry.host);
    let again = provider.evidence(&query(&by_digest)).await.unwrap();
    assert_eq!(again, evidence);

    let none = provider.evidence(&query(&unsigned)).await.unwrap();
    assert_eq!(
        none,
        ImageEvidence {
            digest: Some(unsigned_digest),
            signatures: Vec::new(),
            attestations: Vec::new(),
        }
    );
    let stats = provider.stats();
    assert_eq!(stats.resolutions, 2, "{stats:?}");
    assert_eq!(stats.failures, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_scheme_signature_is_verified_with_the_proof_fetched_from_the_log() {
    let world = World::start().await;
    let image = world.image("team/legacy", "v1");
    let digest = world.push(&image, "legacy").await;
    world
        .sign(&image, &digest, None, SignatureFormat::TagScheme)
        .await
        .unwrap();
    let online = world.provider(ProviderConfig::default());
    let evidence = online.evidence(&query(&image)).await.unwrap();
    assert_eq!(evidence.signatures, [world.keyless()]);

    // Without fetching proofs (and a verifier requiring them), the promise alone is not
    // evidence.
    let offline = world.provider(ProviderConfig {
        fetch_inclusion_proofs: false,
        ..ProviderConfig::default()
    });
    let evidence = offline.evidence(&query(&image)).await.unwrap();
    assert!(evidence.signatures.is_empty(), "{evidence:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attestation_yields_its_predicate() {
    let world = World::start().await;
    let image = world.image("team/app", "v1");
    let digest = world.push(&image, "attested").await;
    world.attest_spdx(&image, &digest).await.unwrap();
    let provider = world.provider(ProviderConfig::default());

    let evidence = provider
        .evidence(&with_types(query(&image), &[SPDX_TYPE]))
        .await
        .unwrap();
    assert!(evidence.signatures.is_empty(), "only attested, not signed");
    assert_eq!(evidence.attestations.len(), 1, "{evidence:?}");
    let attestation = &evidence.attestations[0];
    assert_eq!(attestation.predicate_type, SPDX_TYPE);
    assert_eq!(attestation.predicate["name"], "app");
    assert_eq!(attestation.predicate["spdxVersion"], "SPDX-2.3");
    assert_eq!(attestation.signer(), world.keyless());

    // Several types asked for: the one attested is reported, the others are simply absent.
    let slsa = "https://slsa.dev/provenance/v1";
    let both = provider
        .evidence(&with_types(query(&image), &[SPDX_TYPE, slsa]))
        .await
        .unwrap();
    assert_eq!(both.attestations, evidence.attestations);
    let other = provider
        .evidence(&with_types(query(&image), &[slsa]))
        .await
        .unwrap();
    assert!(other.attestations.is_empty(), "{other:?}");
    // Signatures not asked for and no types: only the digest.
    let mut nothing = query(&image);
    nothing.signatures = false;
    let only_digest = provider.evidence(&nothing).await.unwrap();
    assert_eq!(only_digest.digest.as_ref(), Some(&digest));
    assert!(only_digest.attestations.is_empty());
    // Each set of verification material is its own lookup.
    assert_eq!(provider.stats().lookups, 3, "{:?}", provider.stats());
}

/// A GitHub Actions job's SLSA v1 provenance (GitHub's workflow build type).
fn github_provenance() -> Vec<u8> {
    use sigchain_core::provenance::github::GithubActionsRun;
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "team/app"),
        ("GITHUB_REPOSITORY_ID", "1"),
        ("GITHUB_REPOSITORY_OWNER_ID", "2"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        (
            "GITHUB_WORKFLOW_REF",
            "team/app/.github/workflows/release.yml@refs/heads/main",
        ),
        ("GITHUB_RUN_ID", "42"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
        ("GITHUB_EVENT_NAME", "push"),
    ];
    let run = GithubActionsRun::from_lookup(|name| {
        env.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    serde_json::to_vec(&run.provenance().to_json_object()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provenance_its_certificate_contradicts_is_no_evidence() {
    let world = World::start().await;
    let image = world.image("team/built", "v1");
    let digest = world.push(&image, "built").await;
    // Keyless as an email identity: the certificate vouches for no workflow, so a provenance
    // naming one is not evidence of anything.
    world
        .attest(
            &image,
            &digest,
            "slsaprovenance1",
            &github_provenance(),
            None,
        )
        .await
        .unwrap();
    let slsa = "https://slsa.dev/provenance/v1";
    let provider = world.provider(ProviderConfig::default());
    let keyless = provider
        .evidence(&with_types(query(&image), &[slsa]))
        .await
        .unwrap();
    assert!(keyless.attestations.is_empty(), "{keyless:?}");
    // The same provenance signed with a key has no certificate to contradict it: reported,
    // with the key as its signer (whether a key is trusted is the policy's decision).
    let key = SigningKey::generate_p256().unwrap();
    let pem = key.public_key_pem();
    world
        .attest(
            &image,
            &digest,
            "slsaprovenance1",
            &github_provenance(),
            Some(key),
        )
        .await
        .unwrap();
    let provider = world.provider(ProviderConfig::default());
    let keyed = provider
        .evidence(&with_keys(with_types(query(&image), &[slsa]), &[&pem]))
        .await
        .unwrap();
    assert_eq!(keyed.attestations.len(), 1, "{keyed:?}");
    assert_eq!(keyed.attestations[0].signer(), Signer::key(pem));
    assert_eq!(
        keyed.attestations[0].predicate["runDetails"]["builder"]["id"],
        "https://github.com/team/app/.github/workflows/release.yml@refs/heads/main"
    );

    // Keyless as the job the provenance describes (a certificate with its GitHub claims):
    // evidence.
    let job = world.image("team/job", "v1");
    let job_digest = world.push(&job, "job").await;
    let github = serde_json::from_value(serde_json::json!({
        "repository": "team/app", "repository_id": "1", "repository_owner": "team",
        "repository_owner_id": "2", "ref": "refs/heads/main",
        "sha": "0123456789abcdef0123456789abcdef01234567",
        "workflow_ref": "team/app/.github/workflows/release.yml@refs/heads/main",
        "workflow_sha": "0123456789abcdef0123456789abcdef01234567",
        "job_workflow_ref": "team/app/.github/workflows/release.yml@refs/heads/main",
        "job_workflow_sha": "0123456789abcdef0123456789abcdef01234567",
        "run_id": "42", "run_attempt": "1", "runner_environment": "github-hosted",
        "event_name": "push", "repository_visibility": "public", "workflow": "release"
    }))
    .unwrap();
    let token = world.sigstore.github_actions_token(&github).unwrap();
    world
        .attest_as(
            &job,
            &job_digest,
            "slsaprovenance1",
            &github_provenance(),
            None,
            IdentityToken::parse(&token).unwrap(),
        )
        .await
        .unwrap();
    let provider = world.provider(ProviderConfig::default());
    let bound = provider
        .evidence(&with_types(query(&job), &[slsa]))
        .await
        .unwrap();
    assert_eq!(bound.attestations.len(), 1, "{bound:?}");
    assert_eq!(
        bound.attestations[0].signer(),
        Signer::keyless(
            "https://token.actions.githubusercontent.com",
            "https://github.com/team/app/.github/workflows/release.yml@refs/heads/main"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_signed_image_yields_the_key() {
    let world = World::start().await;
    let image = world.image("team/keyed", "v1");
    let digest = world.push(&image, "keyed").await;
    let key = SigningKey::generate_p256().unwrap();
    let pem = key.public_key_pem();
    world
        .sign(&image, &digest, Some(key), SignatureFormat::Bundle)
        .await
        .unwrap();
    let other_pem = SigningKey::generate_p256().unwrap().public_key_pem();
    let provider = world.provider(ProviderConfig::default());

    let evidence = provider
        .evidence(&with_keys(query(&image), &[&pem, &other_pem]))
        .await
        .unwrap();
    assert_eq!(evidence.signatures, [Signer::key(pem.clone())]);

    // Without the key in the query, a key signature is nobody's evidence.
    let keyless_only = provider.evidence(&query(&image)).await.unwrap();
    assert!(keyless_only.signatures.is_empty(), "{keyless_only:?}");
    let wrong_key = provider
        .evidence(&with_keys(query(&image), &[&other_pem]))
        .await
        .unwrap();
    assert!(wrong_key.signatures.is_empty(), "{wrong_key:?}");

    // A policy key that is no key at all is a failure, not an empty answer.
    let failure = provider
        .evidence(&with_keys(query(&image), &["not a key"]))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_that_is_down_is_an_error_never_evidence() {
    // A port that answered a moment ago and now has nobody listening.
    let host = {
        let registry = Registry::start();
        registry.host.clone()
    };
    let client = RegistryClient::new(ClientConfig {
        max_attempts: 1,
        connect_timeout: Duration::from_secs(2),
        ..client_config()
    })
    .unwrap();
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    let provider = RegistryEvidence::new(client, verifier, ProviderConfig::default());

    let by_tag = format!("{host}/team/app:v1");
    let failure = provider.evidence(&query(&by_tag)).await.unwrap_err();
    assert_eq!(failure.kind, FailureKind::Error);
    assert!(failure.message.contains(&host), "{}", failure.message);
    let by_digest = format!("{host}/team/app@sha256:{}", "ab".repeat(32));
    let failure = provider.evidence(&query(&by_digest)).await.unwrap_err();
    assert_eq!(failure.kind, FailureKind::Error, "{}", failure.message);

    // Failures are not cached: asked again, the registry is asked again.
    let again = provider.evidence(&query(&by_tag)).await;
    assert!(again.is_err());
    let stats = provider.stats();
    assert_eq!(stats.resolutions, 2, "{stats:?}");
    assert_eq!(stats.lookups, 1, "{stats:?}");
    assert_eq!(stats.failures, 3, "{stats:?}");
    assert_eq!(stats.cached_results, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_queries_for_one_image_share_one_lookup() {
    let world = World::start().await;
    let image = world.image("team/app", "v1");
    let digest = world.push(&image, "popular").await;
    world
        .sign(&image, &digest, None, SignatureFormat::Bundle)
        .await
        .unwrap();
    world.attest_spdx(&image, &digest).await.unwrap();
    let provider = world.provider(ProviderConfig::default());

    let asked = with_types(query(&image), &[SPDX_TYPE]);
    // All 50 ask at once (a lookup takes several registry requests and a verification: far
    // longer than 50 tasks take to pass the barrier).
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let provider = provider.clone();
        let asked = asked.clone();
        let barrier = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            provider.evidence(&asked).await
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap().unwrap());
    }
    assert!(answers.iter().all(|a| a == &answers[0]));
    assert_eq!(answers[0].signatures, [world.keyless()]);
    assert_eq!(answers[0].attestations.len(), 1);
    let stats = provider.stats();
    assert_eq!(stats.lookups, 1, "{stats:?}");
    assert_eq!(stats.resolutions, 1, "{stats:?}");
    assert!(stats.coalesced > 0, "{stats:?}");
    // Each query, at each of its two steps (resolution, verification), started the step,
    // joined it under way, or found its result cached.
    assert_eq!(
        stats.coalesced + stats.cache_hits + stats.resolution_cache_hits + 2,
        100,
        "{stats:?}"
    );

    // Later queries are cache hits.
    let later = provider.evidence(&asked).await.unwrap();
    assert_eq!(later, answers[0]);
    let after = provider.stats();
    assert_eq!(after.lookups, 1, "{after:?}");
    assert_eq!(after.cache_hits, stats.cache_hits + 1, "{after:?}");
}

/// A clock the test moves.
struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_results_expire_after_the_ttl() {
    let world = World::start().await;
    let image = world.image("team/app", "v1");
    let digest = world.push(&image, "late").await;
    let clock = Arc::new(ManualClock {
        start: Instant::now(),
        offset: Mutex::new(Duration::ZERO),
    });
    let config = ProviderConfig::default();
    let provider = RegistryEvidence::with_clock(
        world.client.clone(),
        world.verifier(),
        config.clone(),
        clock.clone(),
    );

    let before = provider.evidence(&query(&image)).await.unwrap();
    assert!(before.signatures.is_empty());
    // Signed now: the cached answer stands until it expires.
    world
        .sign(&image, &digest, None, SignatureFormat::Bundle)
        .await
        .unwrap();
    clock.advance(config.resolve_ttl);
    let cached = provider.evidence(&query(&image)).await.unwrap();
    assert!(cached.signatures.is_empty());
    assert_eq!(provider.stats().lookups, 1);
    assert_eq!(
        provider.stats().resolutions,
        2,
        "the tag's resolution expired first"
    );

    clock.advance(config.cache_ttl);
    let fresh = provider.evidence(&query(&image)).await.unwrap();
    assert_eq!(fresh.signatures, [world.keyless()]);
    let stats = provider.stats();
    assert_eq!(stats.lookups, 2, "{stats:?}");
    assert_eq!(stats.cache_hits, 1, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_holds_at_most_its_bound() {
    let world = World::start().await;
    let provider = world.provider(ProviderConfig {
        cache_max_entries: 2,
        ..ProviderConfig::default()
    });
    for n in 0..4 {
        let image = world.image(&format!("team/app{n}"), "v1");
        world.push(&image, &n.to_string()).await;
        provider.evidence(&query(&image)).await.unwrap();
    }
    assert_eq!(provider.stats().cached_results, 2);
    // The oldest went first: the first image is looked up again, the last is cached.
    provider
        .evidence(&query(&world.image("team/app3", "v1")))
        .await
        .unwrap();
    assert_eq!(provider.stats().lookups, 4);
    provider
        .evidence(&query(&world.image("team/app0", "v1")))
        .await
        .unwrap();
    assert_eq!(provider.stats().lookups, 5);
}

/// A source that never answers.
struct Silent;

impl EvidenceSource for Silent {
    async fn evidence(&self, _query: &EvidenceQuery) -> Result<ImageEvidence, EvidenceFailure> {
        std::future::pending().await
    }
}

/// A source answering every query at once with no signatures.
struct Empty;

impl EvidenceSource for Empty {
    async fn evidence(&self, query: &EvidenceQuery) -> Result<ImageEvidence, EvidenceFailure> {
        let _ = query;
        Ok(ImageEvidence::default())
    }
}

#[tokio::test]
async fn queries_not_answered_by_the_deadline_are_deadline_failures() {
    let queries = [query("127.0.0.1:1/a:v1"), query("127.0.0.1:1/b:v1")];
    let started = Instant::now();
    let answers = answer_until(&queries, &Silent, Duration::from_millis(100)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(answers.len(), 2);
    for query in &queries {
        let failure = answers[&query.image].as_ref().unwrap_err();
        assert_eq!(failure.kind, FailureKind::Deadline);
    }
    let answered = answer_until(&queries, &Empty, Duration::from_millis(100)).await;
    assert!(answered
        .values()
        .all(|a| a == &Ok(ImageEvidence::default())));
}

fn engine(yaml: &str) -> Engine {
    let policies = PolicySet::load(yaml.as_bytes(), &YamlLimits::default()).expect("policies load");
    Engine::new(policies, EngineConfig::default()).expect("policies compile")
}

/// A Kyverno policy requiring images under `images` to be signed keyless by `subject` at
/// `issuer`.
fn keyless_policy(action: &str, images: &str, issuer: &str, subject: &str) -> String {
    format!(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: signed}}
spec:
  validationFailureAction: {action}
  rules:
    - name: release
      match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
      verifyImages:
        - imageReferences: ["{images}"]
          attestors: [{{entries: [{{keyless: {{subject: "{subject}", issuer: "{issuer}"}}}}]}}]
"#
    )
}

fn pod(images: &[&str]) -> AdmissionRequest {
    let containers: Vec<serde_json::Value> = images
        .iter()
        .enumerate()
        .map(|(i, image)| serde_json::json!({"name": format!("c{i}"), "image": image}))
        .collect();
    let body = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "uid-1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "default", "operation": "CREATE",
            "object": {"metadata": {"name": "web"}, "spec": {"containers": containers}},
        }
    });
    AdmissionRequest::parse(body.to_string().as_bytes(), &AdmissionLimits::default()).unwrap()
}

/// The future is `Send`: a webhook's handler can await it on a multi-threaded runtime.
fn send<T: Send>(value: T) -> T {
    value
}

#[tokio::test]
async fn a_source_that_never_answers_is_denied_in_enforce_and_warned_in_audit() {
    let github = "https://token.actions.githubusercontent.com";
    let request = pod(&[
        "registry.example/acme/app:1.0",
        "registry.example/acme/web:2.0",
    ]);
    let context = RequestContext::default();
    let enforce = engine(&keyless_policy(
        "Enforce",
        "registry.example/acme/*",
        github,
        "*",
    ));
    let started = Instant::now();
    let decision = send(evaluate_until(
        &enforce,
        &request,
        &context,
        &Silent,
        Duration::from_millis(100),
    ))
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!decision.allowed());
    let response = decision.validating_response();
    assert!(!response.allowed);
    let message = response.status.map(|s| s.message).unwrap_or_default();
    assert!(
        message.contains("registry.example/acme/app:1.0"),
        "{message}"
    );
    assert!(
        message.contains("registry.example/acme/web:2.0"),
        "{message}"
    );
    assert!(message.contains("deadline"), "{message}");

    let audit = engine(&keyless_policy(
        "Audit",
        "registry.example/acme/*",
        github,
        "*",
    ));
    let decision = evaluate_until(
        &audit,
        &request,
        &context,
        &Silent,
        Duration::from_millis(50),
    )
    .await;
    assert!(decision.allowed());
    assert!(!decision.warnings().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_admits_a_signed_image_and_denies_an_unsigned_one_on_registry_evidence() {
    let world = World::start().await;
    let signed = world.image("team/app", "v1");
    let digest = world.push(&signed, "signed").await;
    world
        .sign(&signed, &digest, None, SignatureFormat::Bundle)
        .await
        .unwrap();
    let unsigned = world.image("team/other", "v1");
    world.push(&unsigned, "unsigned").await;
    let provider = world.provider(ProviderConfig::default());
    let images = format!("{}/*", world.registry.host);
    let context = RequestContext::default();
    let deadline = Duration::from_secs(10);

    let alice = engine(&keyless_policy(
        "Enforce",
        &images,
        world.sigstore.issuer_url(),
        EMAIL,
    ));
    let admitted = evaluate_until(&alice, &pod(&[&signed]), &context, &provider, deadline).await;
    assert!(admitted.allowed(), "{:?}", admitted.mutating_response());
    // The tag is pinned to the digest that verified.
    let patch = serde_json::to_string(admitted.patch()).unwrap();
    assert!(patch.contains(&digest.to_string()), "{patch}");

    let denied = evaluate_until(
        &alice,
        &pod(&[&signed, &unsigned]),
        &context,
        &provider,
        deadline,
    )
    .await;
    assert!(!denied.allowed());
    // (The mutating webhook's answer: the validating one also requires the digest pin.)
    let message = denied
        .mutating_response()
        .status
        .map(|s| s.message)
        .unwrap_or_default();
    assert!(message.contains(&unsigned), "{message}");
    assert!(!message.contains(&signed), "{message}");

    // Someone else's signature is evidence of someone else: denied.
    let mallory = engine(&keyless_policy(
        "Enforce",
        &images,
        world.sigstore.issuer_url(),
        "mallory@example.com",
    ));
    let decision = evaluate_until(&mallory, &pod(&[&signed]), &context, &provider, deadline).await;
    assert!(!decision.allowed());
    // Three requests, two images, one verification lookup each.
    assert_eq!(provider.stats().lookups, 2, "{:?}", provider.stats());
}

/// A "registry" on 127.0.0.1 that answers every request with `answer` (raw HTTP), or never
/// answers when `answer` is `None`; stopped when the test's runtime ends.
async fn fake_registry(answer: Option<&'static str>) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                match answer {
                    Some(answer) => {
                        let _ = stream.write_all(answer.as_bytes()).await;
                        let _ = stream.shutdown().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            });
        }
    });
    host
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_answers_and_slow_registries_are_errors_never_evidence() {
    let verifier = || Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    let client = || {
        RegistryClient::new(ClientConfig {
            max_attempts: 1,
            ..client_config()
        })
        .unwrap()
    };
    // A manifest whose bytes are not what the registry says they are (and not a manifest).
    let lying = fake_registry(Some(
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n\
         Docker-Content-Digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\r\n\
         Content-Length: 8\r\nConnection: close\r\n\r\nnot json",
    ))
    .await;
    let provider = RegistryEvidence::new(client(), verifier(), ProviderConfig::default());
    let failure = provider
        .evidence(&query(&format!("{lying}/team/app:v1")))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Error, "{}", failure.message);
    // Garbage where the referrers list should be.
    let garbage = fake_registry(Some(
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.index.v1+json\r\n\
         Content-Length: 9\r\nConnection: close\r\n\r\n{garbage!",
    ))
    .await;
    let by_digest = format!("{garbage}/team/app@sha256:{}", "ab".repeat(32));
    let failure = provider.evidence(&query(&by_digest)).await.unwrap_err();
    assert_eq!(failure.kind, FailureKind::Error);
    assert!(failure.message.contains("referrers"), "{}", failure.message);

    // A registry that never answers: the lookup gives up after its timeout.
    let silent = fake_registry(None).await;
    let impatient = RegistryEvidence::new(
        client(),
        verifier(),
        ProviderConfig {
            lookup_timeout: Duration::from_millis(300),
            ..ProviderConfig::default()
        },
    );
    let started = Instant::now();
    let failure = impatient
        .evidence(&query(&format!("{silent}/team/app:v1")))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(failure.kind, FailureKind::Error);
    assert!(
        failure.message.contains("no answer within"),
        "{}",
        failure.message
    );
    let by_digest = format!("{silent}/team/app@sha256:{}", "ab".repeat(32));
    let failure = impatient.evidence(&query(&by_digest)).await.unwrap_err();
    assert!(
        failure.message.contains("took longer than"),
        "{}",
        failure.message
    );
    assert_eq!(impatient.stats().cached_results, 0);
}
