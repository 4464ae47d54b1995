//! Container images in a real registry: how long it takes to sign an image (keyless, stored as
//! a referrer or in cosign's tag scheme) and to verify its signature from the registry, cold
//! (what one `sigchain verify` process does) and warm (a long-running verifier such as an
//! admission controller), set against the signature checks the verification cannot avoid and
//! against the same verification without the registry.
//!
//! Run: `cargo bench -p sigchain-benches --bench image` (criterion; `harness = false` so that
//! it can start the servers once and print this run's ratios after criterion's output). Build
//! `sigchain` first (`cargo build --release -p sigchain-cli`) to also time the command as a
//! process; without it (or `$SIGCHAIN_BIN`) those benchmarks are skipped and said so.
//!
//! Servers, all on 127.0.0.1 and stopped at the end: Debian's `docker-registry` (distribution
//! 2.8, no referrers API, so bundles go through the referrers tag schema's fallback index;
//! `$SIGCHAIN_DOCKER_REGISTRY` or the PATH), and a local Sigstore instance (sigchain-instance:
//! CA, CT log, TSA, Rekor v1) served by this process's tokio runtime, in a fresh folder under
//! the system temp dir. On a 2-core machine the registry, the instance and the bench share the
//! cores.

// The tests' harness, shared; not every helper of it is used here.
#[allow(dead_code)]
#[path = "../../sigchain-oci/tests/common/registry.rs"]
mod registry;

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use aws_lc_rs::signature::{ParsedPublicKey, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
use criterion::{BenchmarkId, Criterion};
use oci_spec::image::MediaType;
use sigchain_benches::floor::{timestamp_signatures, FloorInputs, SignedMessage};
use sigchain_core::bundle::Bundle;
use sigchain_core::crypto::Sha256Digest;
use sigchain_core::encoding::hex_decode;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::sign::config::SigningConfig;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Artifact, Policy, SignerPolicy, Verifier, VerifierConfig};
use sigchain_fulcio::client::{BundleSigner, TransportConfig};
use sigchain_fulcio::token::IdentityToken;
use sigchain_instance::oidc::TokenRequest;
use sigchain_instance::server::{Instance, InstanceConfig};
use sigchain_oci::client::{ClientConfig, RegistryClient, RegistryRepository};
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::discover::discover;
use sigchain_oci::flow::{
    self, PreparedSignature, ResolvedImage, SignatureFormat, Verifiers, Wanted,
};
use sigchain_oci::reference::{Digest, Reference, Tag};
use sigchain_oci::store::{ArtifactStore, ManifestRef};
use tokio::runtime::Runtime;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const EMAIL: &str = "bench@example.com";
/// The size of the image's one layer blob.
const LAYER_BYTES: usize = 2048;

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

// ---- the servers ---------------------------------------------------------------------------

/// The local instance, served by the bench's runtime until `stop`.
struct Served {
    base_url: String,
    instance: Instance,
    trusted_root_path: PathBuf,
    signing_config: SigningConfig,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve(dir: &Path) -> Result<Served, BoxError> {
    let instance = Instance::open(InstanceConfig::new(dir))?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    instance.write_trust_files(&base_url)?;
    let signing_config =
        SigningConfig::from_json(&std::fs::read(dir.join("signing_config.json"))?)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(instance.clone().serve(listener, async {
        let _ = stopped.await;
    }));
    Ok(Served {
        base_url,
        instance,
        trusted_root_path: dir.join("trusted_root.json"),
        signing_config,
        stop,
        server,
    })
}

impl Served {
    fn token(&self) -> Result<IdentityToken, BoxError> {
        let raw = self
            .instance
            .oidc_issuer(&self.base_url)?
            .mint(&TokenRequest::for_email(EMAIL), Timestamp::now().as_secs())?;
        Ok(IdentityToken::parse(&raw)?)
    }
}

/// Push a small distinct image (a config and a 2 KiB layer; `seed` makes it distinct) to the
/// store's repository under `tag`; its digest.
async fn push_image(store: &RegistryRepository, seed: &str, tag: &str) -> Result<Digest, BoxError> {
    let layer: Vec<u8> = seed
        .bytes()
        .chain(b" sigchain image bench layer ".iter().copied())
        .cycle()
        .take(LAYER_BYTES)
        .collect();
    let layer = store.put_blob(MediaType::ImageLayer, layer).await?;
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Labels": { "seed": seed } },
        "rootfs": { "type": "layers", "diff_ids": [layer.digest().to_string()] },
    });
    let config = store
        .put_blob(MediaType::ImageConfig, serde_json::to_vec(&config)?)
        .await?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config,
        "layers": [layer],
    });
    let manifest = store
        .put_manifest(
            MediaType::ImageManifest,
            serde_json::to_vec(&manifest)?,
            Some(&Tag::parse(tag)?),
        )
        .await?;
    Ok(Digest::parse(manifest.digest().as_ref())?)
}

// ---- the flows, as `sigchain sign` and `sigchain verify` run them ----------------------------

/// Sign the image `digest` in `store` as `sigchain sign` does: resolve, prepare, sign keyless
/// (CA, TSA, Rekor v1; the signer verifies the finished bundle), store.
async fn sign_image(
    store: &RegistryRepository,
    digest: &Digest,
    signer: &BundleSigner,
    token: &IdentityToken,
    format: SignatureFormat,
) -> Result<(), BoxError> {
    let image = flow::resolve(
        store,
        &store.reference().name(),
        &ManifestRef::Digest(digest.clone()),
    )
    .await?;
    let prepared = PreparedSignature::new(&image, format);
    let signed = signer.sign_keyless(token, prepared.content()).await?;
    flow::attach_signature(
        store,
        &image,
        &prepared,
        signed.bundle(),
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .await?;
    Ok(())
}

/// What verification needs besides the client.
struct VerifyInputs {
    /// The image, by digest.
    image: Reference,
    signer: SignerPolicy,
    /// Tag-scheme signatures carry no inclusion proof: verified only with promise-only
    /// entries allowed (as `sigchain verify --insecure-allow-inclusion-promise-only`).
    promise_only: bool,
}

impl VerifyInputs {
    fn config(&self) -> VerifierConfig {
        VerifierConfig {
            require_inclusion_proof: !self.promise_only,
            ..VerifierConfig::PUBLIC_GOOD
        }
    }
}

/// Resolve and verify the image's signatures as `sigchain verify` does, with this client and
/// verifier; fails unless exactly one signature verified and nothing was rejected.
async fn verify_image(
    client: RegistryClient,
    verifier: &Verifier,
    inputs: &VerifyInputs,
) -> Result<(), BoxError> {
    let store = RegistryRepository::new(client, &inputs.image);
    let digest = inputs.image.digest().ok_or("image without digest")?;
    let image = flow::resolve(
        &store,
        &inputs.image.name(),
        &ManifestRef::Digest(digest.clone()),
    )
    .await?;
    let verifiers = Verifiers {
        strict: verifier,
        promise_only: inputs.promise_only.then_some(verifier),
    };
    let report = flow::verify_image(
        &store,
        &image,
        &Wanted::Signatures,
        verifiers,
        &inputs.signer,
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .await?;
    if report.verified.len() != 1 || !report.rejected.is_empty() {
        return Err(format!(
            "{}: {} verified, rejected: {:?}",
            inputs.image,
            report.verified.len(),
            report.rejected
        )
        .into());
    }
    Ok(())
}

/// The registry part of a verification alone: resolve, then find and fetch everything stored
/// for the image (nothing verified); the number of items found.
async fn fetch_only(client: RegistryClient, image: &Reference) -> Result<usize, BoxError> {
    let store = RegistryRepository::new(client, image);
    let digest = image.digest().ok_or("image without digest")?;
    let resolved: ResolvedImage =
        flow::resolve(&store, &image.name(), &ManifestRef::Digest(digest.clone())).await?;
    let found = discover(&store, &resolved.digest, &StorageLimits::DEFAULT).await?;
    Ok(found.found.len())
}

/// A client as the command makes one (Docker configuration read, no connection yet).
fn fresh_client() -> RegistryClient {
    RegistryClient::new(ClientConfig::default()).unwrap_or_else(|e| panic!("client: {e}"))
}

/// The trusted root read from disk and parsed, and a verifier built over it: what a process
/// does before its first verification.
fn fresh_verifier(root_path: &Path, config: VerifierConfig) -> Verifier {
    let json = std::fs::read(root_path).unwrap_or_else(|e| panic!("trusted root: {e}"));
    let root = TrustedRoot::from_json(&json).unwrap_or_else(|e| panic!("trusted root: {e}"));
    Verifier::new(&root, config)
}

// ---- the crypto floor ----------------------------------------------------------------------

/// The signature checks one verification of the stored bundle makes, with its real keys and
/// signatures: the CA over the leaf, the leaf key over the DSSE envelope, the CT log over the
/// SCT, Rekor over the SET and the checkpoint, and the TSA's (its certificate's link to its
/// CA unless the root pins it, and its signature over the signed attributes). Trusted keys are
/// parsed beforehand; the leaf key is decoded per call, as it comes with each bundle.
struct Floor {
    inputs: FloorInputs,
    timestamp: Vec<(ParsedPublicKey, SignedMessage)>,
}

impl Floor {
    fn new(bundle: &Bundle, root: &TrustedRoot) -> Result<Floor, BoxError> {
        let signed = FloorInputs::dsse_signed(bundle).ok_or("not a DSSE bundle")?;
        let inputs = FloorInputs::extract_from(bundle, root, signed)?;
        let mut timestamp = Vec::new();
        for stamp in bundle.timestamps() {
            for signed in timestamp_signatures(stamp, root)? {
                let algorithm = signed
                    .aws_lc_algorithm()
                    .ok_or("timestamp key/hash pairing")?;
                let key = ParsedPublicKey::new(algorithm, &signed.key_point)
                    .map_err(|_| "timestamp key")?;
                timestamp.push((key, signed));
            }
        }
        let floor = Floor { inputs, timestamp };
        floor.verify_all()?;
        Ok(floor)
    }

    fn count(&self) -> usize {
        self.inputs.all().len() + self.timestamp.len()
    }

    fn describe(&self) -> String {
        self.inputs
            .all()
            .into_iter()
            .chain(self.timestamp.iter().map(|(_, s)| s))
            .map(|s| format!("{} ({:?}/{:?})", s.what, s.kind, s.hash))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn verify_all(&self) -> Result<(), &'static str> {
        self.inputs
            .prepare_aws_lc()
            .map_err(|_| "floor keys")?
            .verify_all()?;
        for (key, signed) in &self.timestamp {
            key.verify_sig(&signed.message, &signed.signature)
                .map_err(|_| signed.what)?;
        }
        Ok(())
    }
}

// ---- the benchmarks ------------------------------------------------------------------------

/// Everything set up once: servers, images signed in both formats, the fetched bundle.
struct Setup {
    runtime: Runtime,
    registry: registry::Registry,
    served: Served,
    root: TrustedRoot,
    signer: BundleSigner,
    token: IdentityToken,
    identity: CertificateIdentity,
    bundle_image: VerifyInputs,
    tag_image: VerifyInputs,
    bundle: Bundle,
    _scratch: tempfile::TempDir,
}

fn setup() -> Result<Setup, BoxError> {
    let scratch = tempfile::Builder::new()
        .prefix("sigchain-image-bench-")
        .tempdir_in(std::env::temp_dir())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let registry = registry::Registry::start();
    let served = runtime.block_on(serve(scratch.path()))?;
    let root = TrustedRoot::from_json(&std::fs::read(&served.trusted_root_path)?)?;
    let signer = BundleSigner::from_signing_config(
        root.clone(),
        &served.signing_config,
        TransportConfig::default(),
        Timestamp::now(),
    )?;
    let token = served.token()?;
    let identity = CertificateIdentity::new(
        IdentityMatcher::exact(EMAIL),
        IdentityMatcher::exact(token.issuer()),
    );
    let client = fresh_client();
    let (bundle_image, tag_image, bundle) = runtime.block_on(async {
        let mut images = Vec::new();
        for (repository, format) in [
            ("bench/verify", SignatureFormat::Bundle),
            ("bench/verify-tags", SignatureFormat::TagScheme),
        ] {
            let reference = Reference::parse(&format!("{}/{repository}:v1", registry.host))?;
            let store = RegistryRepository::new(client.clone(), &reference);
            let digest = push_image(&store, repository, "v1").await?;
            sign_image(&store, &digest, &signer, &token, format).await?;
            images.push(VerifyInputs {
                image: reference.with_digest(digest),
                signer: SignerPolicy::Certificate(vec![identity.clone()]),
                promise_only: format == SignatureFormat::TagScheme,
            });
        }
        let tag_image = images.pop().ok_or("no image")?;
        let bundle_image = images.pop().ok_or("no image")?;
        let store = RegistryRepository::new(client.clone(), &bundle_image.image);
        let digest = bundle_image.image.digest().ok_or("no digest")?;
        let found = discover(&store, digest, &StorageLimits::DEFAULT).await?;
        let bundle = found.bundles().next().ok_or("no bundle stored")?.1.clone();
        // Both verify before any clock starts (and the flows fail loudly if not).
        let verifier = Verifier::new(&root, bundle_image.config());
        verify_image(client.clone(), &verifier, &bundle_image).await?;
        let verifier = Verifier::new(&root, tag_image.config());
        verify_image(client.clone(), &verifier, &tag_image).await?;
        Ok::<_, BoxError>((bundle_image, tag_image, bundle))
    })?;
    Ok(Setup {
        runtime,
        registry,
        served,
        root,
        signer,
        token,
        identity,
        bundle_image,
        tag_image,
        bundle,
        _scratch: scratch,
    })
}

/// Run `body` `iters` times on the runtime; the total time.
fn timed<F, Fut, T>(runtime: &Runtime, iters: u64, mut body: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BoxError>>,
{
    runtime.block_on(async {
        let started = Instant::now();
        for _ in 0..iters {
            body().await.unwrap_or_else(|e| panic!("{e}"));
        }
        started.elapsed()
    })
}

fn bench_sign(c: &mut Criterion, s: &Setup) {
    let mut group = c.benchmark_group("image_sign");
    let reference = Reference::parse(&format!("{}/bench/sign:latest", s.registry.host))
        .unwrap_or_else(|e| panic!("{e}"));
    let client = fresh_client();
    let store = RegistryRepository::new(client, &reference);
    let mut pushed = 0u64;
    for (id, format) in [
        ("referrer", SignatureFormat::Bundle),
        ("tag-scheme", SignatureFormat::TagScheme),
    ] {
        // A freshly pushed image per signing (pushed untimed), so each starts with no
        // signatures, as in a pipeline.
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    pushed += 1;
                    let seed = format!("sign-{pushed}");
                    let digest = s
                        .runtime
                        .block_on(push_image(&store, &seed, &seed))
                        .unwrap_or_else(|e| panic!("push: {e}"));
                    total += timed(&s.runtime, 1, || {
                        sign_image(&store, &digest, &s.signer, &s.token, format)
                    });
                }
                total
            })
        });
    }
    // The same signing of an image's statement with no registry involved: what the registry
    // adds is the difference.
    let image = ResolvedImage {
        name: reference.name(),
        digest: s
            .bundle_image
            .image
            .digest()
            .cloned()
            .unwrap_or_else(|| panic!("digest")),
        media_type: "application/vnd.oci.image.manifest.v1+json".to_owned(),
        resolved_tag: None,
    };
    let content = PreparedSignature::new(&image, SignatureFormat::Bundle).content();
    group.bench_function("keyless-bundle-no-registry", |b| {
        b.iter_custom(|iters| {
            timed(&s.runtime, iters, || {
                let content = content.clone();
                async move { Ok(s.signer.sign_keyless(&s.token, content).await?) }
            })
        })
    });
    group.finish();
}

fn bench_verify(c: &mut Criterion, s: &Setup) {
    let mut group = c.benchmark_group("image_verify");
    for (id, inputs) in [("referrer", &s.bundle_image), ("tag-scheme", &s.tag_image)] {
        // Cold: a fresh process's work after start-up — trusted root read and parsed, verifier
        // built, a new client (Docker configuration read, new connections).
        group.bench_function(BenchmarkId::new("cold", id), |b| {
            b.iter_custom(|iters| {
                timed(&s.runtime, iters, || async move {
                    let verifier = fresh_verifier(&s.served.trusted_root_path, inputs.config());
                    verify_image(fresh_client(), &verifier, inputs).await
                })
            })
        });
        // Warm: one client (its connection pool and token cache) and one verifier (its
        // checkpoint cache) for every iteration, as in a long-running verifier.
        let client = fresh_client();
        let verifier = Verifier::new(&s.root, inputs.config());
        group.bench_function(BenchmarkId::new("warm", id), |b| {
            b.iter_custom(|iters| {
                timed(&s.runtime, iters, || {
                    verify_image(client.clone(), &verifier, inputs)
                })
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("image_fetch");
    let image = &s.bundle_image.image;
    group.bench_function("cold", |b| {
        b.iter_custom(|iters| timed(&s.runtime, iters, || fetch_only(fresh_client(), image)))
    });
    let client = fresh_client();
    group.bench_function("warm", |b| {
        b.iter_custom(|iters| timed(&s.runtime, iters, || fetch_only(client.clone(), image)))
    });
    group.finish();
}

fn bench_local(c: &mut Criterion, s: &Setup) {
    let digest = s
        .bundle_image
        .image
        .digest()
        .unwrap_or_else(|| panic!("digest"));
    let digest = Sha256Digest(
        hex_decode(digest.hex())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .unwrap_or_else(|| panic!("digest hex")),
    );
    let policy = Policy {
        artifact: Artifact::Sha256(digest),
        signer: SignerPolicy::Certificate(vec![s.identity.clone()]),
    };
    let now = Timestamp::now();
    let config = s.bundle_image.config();
    let mut group = c.benchmark_group("image_bundle");
    // The fetched bundle alone, by a verifier built untimed for each iteration (nothing
    // cached), and by one shared verifier (its checkpoint cache spares one check).
    group.bench_function("verify-fresh-verifier", |b| {
        b.iter_batched(
            || Verifier::new(&s.root, config.clone()),
            |verifier| {
                verifier
                    .verify(black_box(&s.bundle), &policy, now)
                    .unwrap_or_else(|e| panic!("{e}"))
            },
            criterion::BatchSize::SmallInput,
        )
    });
    let verifier = Verifier::new(&s.root, config.clone());
    group.bench_function("verify-shared-verifier", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&s.bundle), &policy, now)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.bench_function("trusted-root-parse-and-verifier-new", |b| {
        b.iter(|| fresh_verifier(&s.served.trusted_root_path, config.clone()))
    });
    group.finish();

    let floor = Floor::new(&s.bundle, &s.root).unwrap_or_else(|e| panic!("floor: {e}"));
    eprintln!(
        "image floor: {} signature checks: {}",
        floor.count(),
        floor.describe()
    );
    let prepared = floor
        .inputs
        .prepare_aws_lc()
        .unwrap_or_else(|e| panic!("floor keys: {e}"));
    let mut group = c.benchmark_group("image_floor");
    group.bench_function("ecdsa", |b| {
        b.iter(|| {
            prepared.verify_all()?;
            for (key, signed) in &floor.timestamp {
                key.verify_sig(black_box(&signed.message), &signed.signature)
                    .map_err(|_| signed.what)?;
            }
            Ok::<(), &'static str>(())
        })
    });
    // The leaf-key check alone, to put the floor's count in P-256 units.
    let artifact = &floor.inputs.artifact;
    group.bench_function("p256_verify", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &artifact.key_point)
                .verify(black_box(&artifact.message), &artifact.signature)
        })
    });
    group.finish();
}

/// `$SIGCHAIN_BIN`, else the `sigchain` built into the same profile folder as this bench
/// (`target/release/deps/image-*` → `target/release/sigchain`).
fn sigchain_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SIGCHAIN_BIN") {
        return path.into();
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("sigchain")))
        .unwrap_or_else(|| "sigchain".into())
}

fn bench_cli(c: &mut Criterion, s: &Setup) {
    let binary = sigchain_binary();
    if !binary.is_file() {
        eprintln!(
            "image_cli: skipped: no sigchain binary at {} (cargo build --release -p \
             sigchain-cli, or set SIGCHAIN_BIN)",
            binary.display()
        );
        return;
    }
    let image = s.bundle_image.image.to_string();
    let run = |args: &[&str]| {
        let output = Command::new(&binary)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        if !output.status.success() {
            panic!(
                "sigchain {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    };
    let root = s.served.trusted_root_path.display().to_string();
    let verify = [
        "verify",
        image.as_str(),
        "--trusted-root",
        root.as_str(),
        "--certificate-identity",
        EMAIL,
        "--certificate-oidc-issuer",
        s.token.issuer(),
    ];
    run(&verify);
    let mut group = c.benchmark_group("image_cli");
    group.bench_function("sigchain-verify", |b| b.iter(|| run(&verify)));
    // A process that starts, parses its arguments and exits: the start-up floor.
    group.bench_function("sigchain-version", |b| b.iter(|| run(&["--version"])));
    group.finish();
}

// ---- this run's ratios ---------------------------------------------------------------------

/// Where criterion writes its estimates (its own lookup, short of asking `cargo metadata`).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion")
}

/// A benchmark's median time per iteration in ns, if it ran in this process.
fn median(id: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_dir().join(id).join("new/estimates.json");
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    if modified < since {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn report(since: SystemTime) {
    let floor = median("image_floor/ecdsa", since);
    println!("\nimage: this run's medians and ratios");
    let rows = [
        (
            "image_sign/referrer",
            "image_sign/keyless-bundle-no-registry",
        ),
        (
            "image_sign/tag-scheme",
            "image_sign/keyless-bundle-no-registry",
        ),
        ("image_verify/cold/referrer", "image_floor/ecdsa"),
        ("image_verify/warm/referrer", "image_floor/ecdsa"),
        ("image_verify/cold/tag-scheme", "image_floor/ecdsa"),
        ("image_verify/warm/tag-scheme", "image_floor/ecdsa"),
        ("image_fetch/cold", "image_verify/cold/referrer"),
        ("image_fetch/warm", "image_verify/warm/referrer"),
        ("image_bundle/verify-fresh-verifier", "image_floor/ecdsa"),
        ("image_bundle/verify-shared-verifier", "image_floor/ecdsa"),
        (
            "image_bundle/trusted-root-parse-and-verifier-new",
            "image_verify/cold/referrer",
        ),
        ("image_cli/sigchain-verify", "image_verify/cold/referrer"),
        ("image_cli/sigchain-version", "image_cli/sigchain-verify"),
        ("image_floor/p256_verify", "image_floor/ecdsa"),
    ];
    for (id, against) in rows {
        let Some(m) = median(id, since) else { continue };
        let ratio = median(against, since)
            .map(|a| format!("{:>8.2}× {against}", m / a))
            .unwrap_or_default();
        let floor_ratio = floor
            .filter(|_| against != "image_floor/ecdsa")
            .map(|f| format!("  ({:.0}× floor)", m / f))
            .unwrap_or_default();
        println!("  {id:<52} {:>10.3} ms {ratio}{floor_ratio}", m / 1e6);
    }
}

fn main() {
    let started = SystemTime::now();
    let setup = setup().unwrap_or_else(|e| panic!("image bench setup: {e}"));
    let mut c = config();
    bench_local(&mut c, &setup);
    bench_verify(&mut c, &setup);
    bench_sign(&mut c, &setup);
    bench_cli(&mut c, &setup);
    c.final_summary();
    report(started);
    let Setup {
        runtime, served, ..
    } = setup;
    let _ = served.stop.send(());
    let _ = runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(10), served.server).await });
}
