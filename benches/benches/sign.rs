//! Keyless signing against the local instance: the latency of one signing through
//! `BundleSigner` (Rekor v1, with a TSA), where its time goes, the crypto floor, signatures per
//! second with 16 concurrent signers, and sigstore-python signing against the same instance in
//! the same run.
//!
//! Run: `cargo bench -p sigchain-benches --bench sign [-- --samples N --signatures N
//! --peer-samples N]`. The peer needs `SIGCHAIN_PYTHON` (an interpreter with sigstore 4.5
//! installed); without it the peer is skipped and said so.
//!
//! Not a criterion benchmark: the figures are ratios between things measured in the same
//! process against the same server (and a Python process against it), so this main times
//! them itself, interleaved round by round so that load drift on a shared machine hits every
//! series alike, and prints medians. The instance lives in a fresh folder under the system
//! temp dir (deleted at the end), served on 127.0.0.1:0 by this process's tokio runtime: on a
//! 2-core machine the server and the signers share the cores.
//!
//! Under `cargo test --benches` (no `--bench` argument) it runs each part a couple of times,
//! to show it works, and prints no figures worth reading.

use std::error::Error;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1, ECDSA_P384_SHA384_ASN1_SIGNING,
};
use sigchain_core::crypto::{sha256, HashAlgorithm, Sha256Digest};
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::sign::config::SigningConfig;
use sigchain_core::sign::csr;
use sigchain_core::sign::key::SigningKey;
use sigchain_core::sign::machine::{
    Content, LogContent, LogSigner, RekorVersion, Signing, SigningOptions, Step,
};
use sigchain_core::sign::test_double::{Services, OIDC_ISSUER};
use sigchain_core::sign::timestamp::TimestampRequest;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_fulcio::client::{BundleSigner, FulcioClient, TransportConfig, TsaClient};
use sigchain_fulcio::token::IdentityToken;
use sigchain_fulcio::v2::{CertificateRequest, PublicKeyAlgorithm};
use sigchain_instance::oidc::TokenRequest;
use sigchain_instance::server::{Instance, InstanceConfig};
use sigchain_rekor::client::RekorV1Client;
use sigchain_rekor::proposal::{Proposal, Signer};
use sigchain_rekor::v1::RekorV1;

type BoxError = Box<dyn Error + Send + Sync>;

const EMAIL: &str = "bench@example.com";
/// Concurrent signers in the throughput run.
const SIGNERS: usize = 16;
/// Floor operations per timed sample (one is too short for the clock).
const FLOOR_BATCH: u32 = 64;

#[derive(Debug, Clone)]
struct Settings {
    /// Interleaved rounds: each times one of every latency series.
    samples: usize,
    /// Signatures in the throughput run.
    signatures: usize,
    /// sigstore-python signings (after 3 untimed ones).
    peer_samples: usize,
}

impl Settings {
    const BENCH: Settings = Settings {
        samples: 200,
        signatures: 800,
        peer_samples: 100,
    };
    const SMOKE: Settings = Settings {
        samples: 2,
        signatures: SIGNERS,
        peer_samples: 0,
    };

    /// `cargo bench` passes `--bench`; `cargo test --benches` does not (criterion's rule). A
    /// positional argument is a name filter: this bench runs only when it is part of `sign`.
    fn from_args() -> Result<Option<Settings>, BoxError> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let bench = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
        let mut settings = if bench {
            Settings::BENCH
        } else {
            Settings::SMOKE
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut number = || -> Result<usize, BoxError> {
                let value = args.next().ok_or(format!("{arg} needs a number"))?;
                Ok(value.parse()?)
            };
            match arg.as_str() {
                "--samples" => settings.samples = number()?.max(1),
                "--signatures" => settings.signatures = number()?.max(1),
                "--peer-samples" => settings.peer_samples = number()?,
                "--bench" | "--test" => {}
                flag if flag.starts_with('-') => eprintln!("sign: ignoring {flag}"),
                filter if !"sign".contains(filter) => return Ok(None),
                _ => {}
            }
        }
        Ok(Some(settings))
    }
}

/// Durations of one series, in milliseconds.
#[derive(Debug, Default, Clone)]
struct Series(Vec<f64>);

impl Series {
    fn push(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64() * 1e3);
    }

    fn quantile(&self, q: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        let i = ((v.len().saturating_sub(1)) as f64 * q).round() as usize;
        v.get(i).copied().unwrap_or(f64::NAN)
    }

    fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    fn mean(&self) -> f64 {
        self.0.iter().sum::<f64>() / self.0.len().max(1) as f64
    }

    fn line(&self, name: &str) -> String {
        format!(
            "  {name:<44} median {:>8.3} ms  (p10 {:.3}, p90 {:.3}, n={})",
            self.median(),
            self.quantile(0.1),
            self.quantile(0.9),
            self.0.len()
        )
    }
}

/// The instance served for the whole bench, and what signers need from it.
struct Served {
    base_url: String,
    instance: Instance,
    trusted_root: TrustedRoot,
    config_v1: SigningConfig,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve(dir: &Path) -> Result<Served, BoxError> {
    let instance = Instance::open(InstanceConfig::new(dir))?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    instance.write_trust_files(&base_url)?;
    let trusted_root = TrustedRoot::from_json(&std::fs::read(dir.join("trusted_root.json"))?)?;
    let config_v1 = SigningConfig::from_json(&std::fs::read(dir.join("signing_config.json"))?)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(instance.clone().serve(listener, async {
        let _ = stopped.await;
    }));
    Ok(Served {
        base_url,
        instance,
        trusted_root,
        config_v1,
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

/// The parts of one signing, each alone against the instance, with inputs made untimed.
struct Parts {
    ca: FulcioClient,
    tsa: TsaClient,
    rekor: RekorV1Client,
    /// A key certified by the CA, to sign the distinct artifacts the log records.
    log_key: SigningKey,
    log_leaf_der: Vec<u8>,
}

async fn parts(served: &Served, token: &IdentityToken) -> Result<Parts, BoxError> {
    let (ca_url, tsa_url, log_urls) = {
        let signer = BundleSigner::from_signing_config(
            served.trusted_root.clone(),
            &served.config_v1,
            TransportConfig::default(),
            Timestamp::now(),
        )?;
        let (ca, tsa, logs) = signer.service_urls();
        (
            ca.ok_or("no CA")?.to_owned(),
            tsa.first().ok_or("no TSA")?.to_string(),
            logs.first().ok_or("no log")?.to_string(),
        )
    };
    let ca = FulcioClient::new(&ca_url, TransportConfig::default())?;
    let tsa = TsaClient::new(&tsa_url, TransportConfig::default())?;
    let log_id = served
        .trusted_root
        .tlogs
        .iter()
        .find(|log| log.base_url == log_urls)
        .ok_or("the log is not in the trusted root")?
        .log_id
        .clone();
    let rekor = RekorV1Client::new(
        &log_urls,
        RekorV1::new(
            Verifier::new(&served.trusted_root, VerifierConfig::default()),
            log_id,
        ),
        TransportConfig::default(),
    )?;
    let log_key = SigningKey::generate_p256()?;
    let request = CertificateRequest::PublicKey {
        algorithm: PublicKeyAlgorithm::Ecdsa,
        public_key_pem: log_key.public_key_pem(),
        proof_of_possession: csr::proof_of_possession(&log_key, token.challenge()?.as_bytes())?,
    };
    let chain = ca.signing_certificate(token, &request).await?;
    let log_leaf_der = chain.der_list().first().ok_or("empty chain")?.to_vec();
    Ok(Parts {
        ca,
        tsa,
        rekor,
        log_key,
        log_leaf_der,
    })
}

/// The CA alone: one CSR-form certificate request (key and CSR made untimed).
async fn time_ca(parts: &Parts, token: &IdentityToken) -> Result<Duration, BoxError> {
    let key = SigningKey::generate_p256()?;
    let request = CertificateRequest::csr_der(csr::CertificateRequest::new(&key)?.der())?;
    let started = Instant::now();
    let chain = parts.ca.signing_certificate(token, &request).await?;
    let elapsed = started.elapsed();
    if chain.der_list().is_empty() {
        return Err("empty chain".into());
    }
    Ok(elapsed)
}

/// The TSA alone: one timestamp of a fresh signature (request made untimed).
async fn time_tsa(parts: &Parts, round: usize) -> Result<Duration, BoxError> {
    let signature = parts.log_key.sign(format!("tsa {round}").as_bytes())?;
    let request = TimestampRequest::new(&signature)?;
    let started = Instant::now();
    let reply = parts.tsa.timestamp(request.der()).await?;
    let elapsed = started.elapsed();
    if reply.is_empty() {
        return Err("empty timestamp reply".into());
    }
    Ok(elapsed)
}

/// The Rekor v1 create alone, with the client's checks of the answer (SET, checkpoint,
/// inclusion proof, body), as the signer makes it; the proposal is signed untimed.
async fn time_rekor(parts: &Parts, round: usize) -> Result<Duration, BoxError> {
    let artifact = format!("sign bench log artifact {round}");
    let digest = Sha256Digest(sha256(artifact.as_bytes()));
    let proposal = Proposal::hashed_rekord(
        HashAlgorithm::Sha256,
        digest.0.to_vec(),
        parts.log_key.sign_sha256_digest(&digest)?,
        Signer::Certificate(parts.log_leaf_der.clone()),
    )?;
    let started = Instant::now();
    parts.rekor.create_entry(&proposal).await?;
    Ok(started.elapsed())
}

/// Where the time of one real signing goes: the driver loop of `BundleSigner` (CSR form, Rekor
/// v1, TSA), with the same clients against the same instance, each service call timed; the
/// rest (key, CSR, signing, the machine's checks, the final verification) is local.
#[derive(Debug, Clone, Copy, Default)]
struct Phases {
    total: Duration,
    ca: Duration,
    tsa: Duration,
    rekor: Duration,
    /// `Signing::keyless`: key generation, CSR, the verifier over the trusted root.
    start: Duration,
    /// The machine's check of the CA's chain (path to the trusted CA, SCT, identity).
    check_chain: Duration,
    /// The machine's check of the TSA's reply.
    check_timestamp: Duration,
    /// The machine's check of the log entry, then (it was the last) assembling the bundle and
    /// verifying it in full.
    check_entry_and_verify: Duration,
}

async fn time_phases(
    parts: &Parts,
    root: &TrustedRoot,
    token: &IdentityToken,
    round: usize,
) -> Result<Phases, BoxError> {
    let options = SigningOptions {
        rekor_version: RekorVersion::V1,
        timestamps: 1,
        ..SigningOptions::default()
    };
    let mut phases = Phases::default();
    let started = Instant::now();
    let mut signing = Signing::keyless(
        root,
        SigningKey::generate_p256()?,
        Content::Artifact(format!("sign bench phases artifact {round}").into_bytes()),
        token.expected_identity()?,
        options,
        Timestamp::now(),
    )?;
    phases.start = started.elapsed();
    loop {
        match signing.step() {
            Step::Certificate(needed) => {
                let request = CertificateRequest::csr_der(needed.csr_der())?;
                let t = Instant::now();
                let chain = parts.ca.signing_certificate(token, &request).await?;
                phases.ca += t.elapsed();
                let chain = chain.der_list().into_iter().map(<[u8]>::to_vec).collect();
                let t = Instant::now();
                signing.provide_certificate_chain(chain)?;
                phases.check_chain += t.elapsed();
            }
            Step::Timestamp(request) => {
                let der = request.der().to_vec();
                let t = Instant::now();
                let reply = parts.tsa.timestamp(&der).await?;
                phases.tsa += t.elapsed();
                let t = Instant::now();
                signing.provide_timestamp(&reply)?;
                phases.check_timestamp += t.elapsed();
            }
            Step::LogEntry(needed) => {
                let proposal = match (&needed.content, &needed.signer) {
                    (
                        LogContent::MessageSignature {
                            digest_algorithm,
                            digest,
                            signature,
                        },
                        LogSigner::Certificate(der),
                    ) => Proposal::hashed_rekord(
                        *digest_algorithm,
                        digest.clone(),
                        signature.clone(),
                        Signer::Certificate(der.clone()),
                    )?,
                    _ => return Err("unexpected log request".into()),
                };
                let t = Instant::now();
                let logged = parts.rekor.create_entry(&proposal).await?;
                phases.rekor += t.elapsed();
                let t = Instant::now();
                signing.provide_log_entry(logged.tlog_entry().clone())?;
                phases.check_entry_and_verify += t.elapsed();
            }
            Step::Done(_) | Step::Failed { .. } => break,
        }
    }
    signing.into_bundle()?;
    phases.total = started.elapsed();
    Ok(phases)
}

/// The local work of one signing: key generation, CSR, signing, the machine's checks of the
/// chain, timestamp and log entry, and the final verification; driven against the in-process
/// doubles, whose own time (issuing, timestamping, logging) is measured and taken out.
fn time_local(services: &Services, root: &TrustedRoot, round: usize) -> Result<Duration, BoxError> {
    let identity = CertificateIdentity::new(
        IdentityMatcher::exact(EMAIL),
        IdentityMatcher::exact(OIDC_ISSUER),
    );
    let options = SigningOptions {
        rekor_version: RekorVersion::V1,
        timestamps: 1,
        ..SigningOptions::default()
    };
    let started = Instant::now();
    let mut services_time = Duration::ZERO;
    let mut signing = Signing::keyless(
        root,
        SigningKey::generate_p256()?,
        Content::Artifact(format!("sign bench local artifact {round}").into_bytes()),
        identity,
        options,
        services.now(),
    )?;
    loop {
        match signing.step() {
            Step::Certificate(needed) => {
                // The CSR is what the driver sends; made here as the driver makes it.
                let _csr = CertificateRequest::csr_der(needed.csr_der())?;
                let t = Instant::now();
                let chain = services.issue(needed.public_key_pem(), EMAIL);
                services_time += t.elapsed();
                signing.provide_certificate_chain(chain)?;
            }
            Step::Timestamp(request) => {
                let t = Instant::now();
                let reply = services.timestamp(request.der());
                services_time += t.elapsed();
                signing.provide_timestamp(&reply)?;
            }
            Step::LogEntry(needed) => {
                let t = Instant::now();
                let entry = services.log(needed);
                services_time += t.elapsed();
                signing.provide_log_entry(entry)?;
            }
            Step::Done(_) | Step::Failed { .. } => break,
        }
    }
    signing.into_bundle()?;
    Ok(started.elapsed().saturating_sub(services_time))
}

/// The crypto floor: P-256 sign + verify of a short message with aws-lc-rs directly, per
/// operation (a batch of [`FLOOR_BATCH`] timed together).
fn time_floor(pair: &EcdsaKeyPair, rng: &SystemRandom) -> Result<Duration, BoxError> {
    let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, pair.public_key().as_ref());
    let started = Instant::now();
    for i in 0..FLOOR_BATCH {
        let message = i.to_be_bytes();
        let signature = pair.sign(rng, &message)?;
        public.verify(&message, signature.as_ref())?;
    }
    Ok(started.elapsed() / FLOOR_BATCH)
}

/// One P-384 verify (aws-lc-rs): the instance's CA and TSA sign with P-384 keys, as the
/// public-good ones do.
fn time_p384_verify(pair: &EcdsaKeyPair, rng: &SystemRandom) -> Result<Duration, BoxError> {
    let public = UnparsedPublicKey::new(&ECDSA_P384_SHA384_ASN1, pair.public_key().as_ref());
    let signature = pair.sign(rng, b"p384")?;
    let started = Instant::now();
    for _ in 0..FLOOR_BATCH {
        public.verify(b"p384", signature.as_ref())?;
    }
    Ok(started.elapsed() / FLOOR_BATCH)
}

/// `Verifier::new` over the instance's trusted root, which every signing machine builds.
fn time_verifier(root: &TrustedRoot) -> Duration {
    let started = Instant::now();
    for _ in 0..FLOOR_BATCH {
        std::hint::black_box(Verifier::new(root, VerifierConfig::default()));
    }
    started.elapsed() / FLOOR_BATCH
}

/// Key generation alone (aws-lc-rs), per key.
fn time_keygen(rng: &SystemRandom) -> Result<Duration, BoxError> {
    let started = Instant::now();
    for _ in 0..FLOOR_BATCH {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, rng)?;
        std::hint::black_box(pkcs8);
    }
    Ok(started.elapsed() / FLOOR_BATCH)
}

/// `count` signings spread over [`SIGNERS`] tasks sharing one signer: signatures per second.
async fn throughput(served: &Served, count: usize) -> Result<f64, BoxError> {
    let signer = Arc::new(BundleSigner::from_signing_config(
        served.trusted_root.clone(),
        &served.config_v1,
        TransportConfig::default(),
        Timestamp::now(),
    )?);
    let token = Arc::new(served.token()?);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..SIGNERS {
        let (signer, token, next) = (signer.clone(), token.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<(), BoxError>(());
                }
                let artifact = format!("sign bench throughput artifact {i}").into_bytes();
                signer
                    .sign_keyless(&token, Content::Artifact(artifact))
                    .await?;
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// sigstore-python against the same instance, via `benches/sign_peer.py`: its samples in ms,
/// or why it was skipped.
async fn peer(served: &Served, dir: &Path, samples: usize) -> Result<(Series, String), String> {
    let python =
        std::env::var("SIGCHAIN_PYTHON").map_err(|_| "SIGCHAIN_PYTHON is not set".to_owned())?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/sign_peer.py");
    let trust_config = dir.join("client_trust_config.json");
    let token_url = format!("{}/oidc/token?sub={EMAIL}", served.base_url);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(trust_config)
            .arg(token_url)
            .arg(samples.to_string())
            .arg("3")
            .output()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("running the peer: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the peer failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let answer: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("peer output: {e}"))?;
    let samples = answer["samples_ms"]
        .as_array()
        .ok_or("peer output without samples")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    Ok((
        Series(samples),
        answer["version"].as_str().unwrap_or("?").to_owned(),
    ))
}

#[derive(Default)]
struct Latencies {
    end_to_end: Series,
    ca: Series,
    tsa: Series,
    rekor: Series,
    local: Series,
    phases_total: Series,
    phases_ca: Series,
    phases_tsa: Series,
    phases_rekor: Series,
    phases_local: Series,
    phases_start: Series,
    phases_chain: Series,
    phases_timestamp: Series,
    phases_entry: Series,
    floor: Series,
    keygen: Series,
    p384_verify: Series,
    verifier: Series,
}

async fn measure(settings: &Settings, dir: &Path) -> Result<(), BoxError> {
    let served = serve(dir).await?;
    let signer = BundleSigner::from_signing_config(
        served.trusted_root.clone(),
        &served.config_v1,
        TransportConfig::default(),
        Timestamp::now(),
    )?;
    let mut token = served.token()?;
    let mut minted = Instant::now();
    let parts = parts(&served, &token).await?;
    let services = Services::new();
    let double_root = services.trusted_root();
    let rng = SystemRandom::new();
    let floor_pair = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_ASN1_SIGNING,
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)?.as_ref(),
    )?;

    let p384_pair = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P384_SHA384_ASN1_SIGNING,
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, &rng)?.as_ref(),
    )?;

    // Open the connections and fill the caches before any clock starts.
    for round in 0..3 {
        let artifact = format!("sign bench warm-up {round}").into_bytes();
        signer
            .sign_keyless(&token, Content::Artifact(artifact))
            .await?;
        time_ca(&parts, &token).await?;
        time_tsa(&parts, usize::MAX - round).await?;
    }

    let mut l = Latencies::default();
    for round in 0..settings.samples {
        // Tokens live 10 minutes; a fresh one well before that, untimed.
        if minted.elapsed() > Duration::from_secs(300) {
            token = served.token()?;
            minted = Instant::now();
        }
        let artifact = format!("sign bench artifact {round}").into_bytes();
        let started = Instant::now();
        signer
            .sign_keyless(&token, Content::Artifact(artifact))
            .await?;
        l.end_to_end.push(started.elapsed());
        l.ca.push(time_ca(&parts, &token).await?);
        l.tsa.push(time_tsa(&parts, round).await?);
        l.rekor.push(time_rekor(&parts, round).await?);
        l.local.push(time_local(&services, &double_root, round)?);
        let p = time_phases(&parts, &served.trusted_root, &token, round).await?;
        l.phases_total.push(p.total);
        l.phases_ca.push(p.ca);
        l.phases_tsa.push(p.tsa);
        l.phases_rekor.push(p.rekor);
        l.phases_local
            .push(p.total.saturating_sub(p.ca + p.tsa + p.rekor));
        l.phases_start.push(p.start);
        l.phases_chain.push(p.check_chain);
        l.phases_timestamp.push(p.check_timestamp);
        l.phases_entry.push(p.check_entry_and_verify);
        l.floor.push(time_floor(&floor_pair, &rng)?);
        l.keygen.push(time_keygen(&rng)?);
        l.p384_verify.push(time_p384_verify(&p384_pair, &rng)?);
        l.verifier.push(time_verifier(&served.trusted_root));
    }

    let rate = throughput(&served, settings.signatures).await?;
    let peer = if settings.peer_samples > 0 {
        Some(peer(&served, dir, settings.peer_samples).await)
    } else {
        None
    };

    let _ = served.stop.send(());
    tokio::time::timeout(Duration::from_secs(10), served.server).await???;

    println!("latency of one keyless blob signing (Rekor v1 + TSA), interleaved rounds:");
    println!(
        "{}",
        l.end_to_end.line("sigchain BundleSigner::sign_keyless")
    );
    println!("{}", l.ca.line("  CA alone (CSR → chain, answer parsed)"));
    println!("{}", l.tsa.line("  TSA alone (request → reply bytes)"));
    println!(
        "{}",
        l.rekor.line("  Rekor v1 create alone (with its checks)")
    );
    println!(
        "{}",
        l.local
            .line("  local work (machine vs doubles, minus them)")
    );
    println!("{}", l.floor.line("crypto floor: P-256 sign + verify"));
    println!("{}", l.keygen.line("P-256 key generation"));
    println!(
        "{}",
        l.p384_verify
            .line("P-384 verify (the CA's and TSA's curve)")
    );
    println!(
        "{}",
        l.verifier.line("Verifier::new over the instance's root")
    );
    let e2e = l.end_to_end.median();
    println!("where one signing's time goes (the driver loop instrumented, same clients, same instance):");
    println!("{}", l.phases_total.line("  instrumented signing, total"));
    // Shares of the mean: means add up (medians of skewed parts do not).
    let total = l.phases_total.mean();
    for (name, series) in [
        ("CA request", &l.phases_ca),
        ("TSA request", &l.phases_tsa),
        ("Rekor v1 create (client checks included)", &l.phases_rekor),
        ("local work (the rest), of which:", &l.phases_local),
        ("  start: key, CSR, verifier over the root", &l.phases_start),
        (
            "  check of the chain (path, SCT, identity)",
            &l.phases_chain,
        ),
        ("  check of the timestamp", &l.phases_timestamp),
        ("  check of the entry + full verification", &l.phases_entry),
    ] {
        println!(
            "{}  mean {:.3} ms = {:>4.1} %",
            series.line(&format!("    {name}")),
            series.mean(),
            100.0 * series.mean() / total
        );
    }
    println!("  (shares of the mean total, {total:.3} ms)");
    println!(
        "end-to-end ÷ crypto floor (P-256 sign + verify): {:.0}×",
        e2e / l.floor.median()
    );
    println!(
        "throughput: {rate:.0} signatures/s with {SIGNERS} concurrent signers ({} signatures; server and signers share this process and its cores: {}); 1 signer sequential: {:.0}/s; gain {:.1}×",
        settings.signatures,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        1e3 / e2e,
        rate * e2e / 1e3
    );
    match peer {
        None => println!("peer: not run (smoke mode or --peer-samples 0)"),
        Some(Err(why)) => println!("peer: skipped: {why}"),
        Some(Ok((series, version))) => {
            println!(
                "{}",
                series.line(&format!("sigstore-python {version} sign_artifact"))
            );
            println!(
                "sigstore-python ÷ sigchain (median latency): {:.2}×",
                series.median() / e2e
            );
        }
    }
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let Some(settings) = Settings::from_args()? else {
        return Ok(());
    };
    let scratch = tempfile::Builder::new()
        .prefix("sigchain-sign-bench-")
        .tempdir_in(std::env::temp_dir())?;
    println!(
        "sign: {} rounds, {} signatures with {SIGNERS} signers, {} peer signings, in {}",
        settings.samples,
        settings.signatures,
        settings.peer_samples,
        scratch.path().display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(measure(&settings, scratch.path()))?;
    drop(runtime);
    scratch.close()?;
    Ok(())
}
