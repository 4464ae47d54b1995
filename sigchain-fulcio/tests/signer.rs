//! [`BundleSigner`] against a whole local instance (sigchain-instance) served in-process on
//! 127.0.0.1: keyless and managed-key signings whose bundles verify under the trust files the
//! instance writes, and each refusal (configuration, token, each misbehaving service)
//! surfacing as its own [`SignError`] variant.
#![cfg(feature = "client")]

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use sigchain_core::crypto::sha256;
use sigchain_core::crypto::Sha256Digest;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::sign::certificate::IssuedCertificateError;
use sigchain_core::sign::config::{ServiceSelector, SigningConfig};
use sigchain_core::sign::key::SigningKey;
use sigchain_core::sign::machine::{Content, SignedBundle, SigningError};
use sigchain_core::sign::timestamp::TimestampReplyError;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Artifact, Policy, Verifier, VerifierConfig};
use sigchain_fulcio::client::{BundleSigner, KeyProof, SignError, TransportConfig};
use sigchain_fulcio::token::IdentityToken;
use sigchain_instance::misbehavior::Misbehavior;
use sigchain_instance::oidc::TokenRequest;
use sigchain_instance::server::{Instance, InstanceConfig};
use sigchain_rekor::client::ClientError;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const EMAIL: &str = "signer@example.com";
const ARTIFACT: &[u8] = b"an artifact signed by the signer tests\n";

/// A local instance served on 127.0.0.1:0 for one test, with its trust files read back.
struct Served {
    base_url: String,
    trusted_root: TrustedRoot,
    /// `signing_config.json`: the Rekor v1 log, the CA and the TSA.
    config_v1: SigningConfig,
    /// `signing_config.rekor-v2.json`.
    config_v2: SigningConfig,
    instance: Instance,
    /// Requests that reached the CA's signing-certificate route.
    ca_requests: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Served {
    async fn start(misbehavior: Misbehavior) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let mut config = InstanceConfig::new(dir.path());
        config.misbehavior = misbehavior;
        let instance = Instance::open(config).unwrap();
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        instance.write_trust_files(&base_url).unwrap();
        let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        let trusted_root = TrustedRoot::from_json(&read("trusted_root.json")).unwrap();
        let config_v1 = SigningConfig::from_json(&read("signing_config.json")).unwrap();
        let config_v2 = SigningConfig::from_json(&read("signing_config.rekor-v2.json")).unwrap();

        let ca_requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&ca_requests);
        let router = instance
            .router(&base_url)
            .unwrap()
            .layer(axum::middleware::from_fn(
                move |request: Request, next: Next| {
                    if request.uri().path().ends_with("/signingCert") {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    next.run(request)
                },
            ));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Served {
            base_url,
            trusted_root,
            config_v1,
            config_v2,
            instance,
            ca_requests,
            stop: Some(stop),
            server: Some(server),
            _dir: dir,
        }
    }

    fn signer(&self, config: &SigningConfig) -> Result<BundleSigner, SignError> {
        BundleSigner::from_signing_config(
            self.trusted_root.clone(),
            config,
            TransportConfig::default(),
            Timestamp::now(),
        )
    }

    fn token(&self, request: &TokenRequest) -> IdentityToken {
        let raw = self
            .instance
            .oidc_issuer(&self.base_url)
            .unwrap()
            .mint(request, Timestamp::now().as_secs())
            .unwrap();
        IdentityToken::parse(&raw).unwrap()
    }

    fn identity(&self) -> CertificateIdentity {
        CertificateIdentity::new(
            IdentityMatcher::exact(EMAIL),
            IdentityMatcher::exact(format!("{}/oidc", self.base_url)),
        )
    }

    /// The bundle, read back from its JSON, verifies for `artifact` as `policy` demands.
    fn verifies(&self, signed: &SignedBundle, policy: &Policy<'_>) {
        Verifier::new(&self.trusted_root, VerifierConfig::default())
            .verify_json(signed.to_json().as_bytes(), policy, Timestamp::now())
            .unwrap();
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
        }
    }
}

fn statement(artifact: &[u8]) -> (Vec<u8>, Sha256Digest) {
    let digest = Sha256Digest(sha256(artifact));
    let hex: String = digest.0.iter().map(|b| format!("{b:02x}")).collect();
    let json = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "artifact.txt", "digest": {"sha256": hex}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "https://example.com/test"}},
    });
    (serde_json::to_vec(&json).unwrap(), digest)
}

async fn keyless_blob(served: &Served, config: &SigningConfig, proof: KeyProof) {
    let signer = served.signer(config).unwrap().with_key_proof(proof);
    let token = served.token(&TokenRequest::for_email(EMAIL));
    let signed = signer
        .sign_keyless(&token, Content::Artifact(ARTIFACT.to_vec()))
        .await
        .unwrap();
    served.verifies(
        &signed,
        &Policy::identity(Artifact::Bytes(ARTIFACT), served.identity()),
    );
    // Fails closed: another identity, or other bytes, do not verify.
    let verifier = Verifier::new(&served.trusted_root, VerifierConfig::default());
    let stranger = CertificateIdentity::new(
        IdentityMatcher::exact("someone-else@example.com"),
        IdentityMatcher::exact(format!("{}/oidc", served.base_url)),
    );
    let json = signed.to_json();
    assert!(verifier
        .verify_json(
            json.as_bytes(),
            &Policy::identity(Artifact::Bytes(ARTIFACT), stranger),
            Timestamp::now()
        )
        .is_err());
    assert!(verifier
        .verify_json(
            json.as_bytes(),
            &Policy::identity(Artifact::Bytes(b"other bytes"), served.identity()),
            Timestamp::now()
        )
        .is_err());
}

async fn keyless_dsse(served: &Served, config: &SigningConfig) {
    let signer = served.signer(config).unwrap();
    let token = served.token(&TokenRequest::for_email(EMAIL));
    let (statement, subject) = statement(ARTIFACT);
    let signed = signer
        .sign_keyless(&token, Content::InTotoStatement(statement))
        .await
        .unwrap();
    assert!(signed.to_json().contains("\"dsseEnvelope\""));
    served.verifies(
        &signed,
        &Policy::identity(Artifact::Sha256(subject), served.identity()),
    );
}

// ---- signing ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyless_blob_and_dsse_on_rekor_v1_verify() {
    let served = Served::start(Misbehavior::None).await;
    let config = served.config_v1.clone();
    keyless_blob(&served, &config, KeyProof::Csr).await;
    keyless_dsse(&served, &config).await;
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyless_blob_and_dsse_on_rekor_v2_verify() {
    let served = Served::start(Misbehavior::None).await;
    let config = served.config_v2.clone();
    keyless_blob(&served, &config, KeyProof::Csr).await;
    keyless_dsse(&served, &config).await;
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_of_possession_buys_a_certificate_as_a_csr_does() {
    let served = Served::start(Misbehavior::None).await;
    let (v1, v2) = (served.config_v1.clone(), served.config_v2.clone());
    keyless_blob(&served, &v1, KeyProof::ProofOfPossession).await;
    keyless_blob(&served, &v2, KeyProof::ProofOfPossession).await;
    assert_eq!(served.ca_requests.load(Ordering::SeqCst), 2);
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managed_key_signs_without_the_ca() {
    let served = Served::start(Misbehavior::None).await;
    for config in [served.config_v1.clone(), served.config_v2.clone()] {
        // No CA in the config: a managed key does not need one.
        let mut config = config;
        config.ca_urls.clear();
        let signer = served.signer(&config).unwrap();
        let key = SigningKey::generate_p256().unwrap();
        let public_key = key.public_key().clone();
        let signed = signer
            .sign_with_key(key, Content::Artifact(ARTIFACT.to_vec()))
            .await
            .unwrap();
        served.verifies(&signed, &Policy::key(Artifact::Bytes(ARTIFACT), public_key));
        let (statement, subject) = statement(ARTIFACT);
        let key = SigningKey::generate_p256().unwrap();
        let public_key = key.public_key().clone();
        let signed = signer
            .sign_with_key(key, Content::InTotoStatement(statement))
            .await
            .unwrap();
        served.verifies(&signed, &Policy::key(Artifact::Sha256(subject), public_key));
        // Another key does not verify it.
        let stranger = SigningKey::generate_p256().unwrap().public_key().clone();
        assert!(
            Verifier::new(&served.trusted_root, VerifierConfig::default())
                .verify_json(
                    signed.to_json().as_bytes(),
                    &Policy::key(Artifact::Sha256(subject), stranger),
                    Timestamp::now()
                )
                .is_err()
        );
    }
    assert_eq!(served.ca_requests.load(Ordering::SeqCst), 0);
    served.stop().await;
}

// ---- configuration refusals ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_outside_the_trusted_root_is_refused() {
    let served = Served::start(Misbehavior::None).await;
    for config in [served.config_v1.clone(), served.config_v2.clone()] {
        let mut config = config;
        let untrusted = format!("{}/another-log", served.base_url);
        if let Some(log) = config.rekor_tlog_urls.first_mut() {
            log.url = untrusted.clone();
        }
        match served.signer(&config) {
            Err(SignError::UntrustedLog { url }) => assert_eq!(url, untrusted),
            other => panic!("expected UntrustedLog, got {other:?}"),
        }
    }
    served.stop().await;
}

/// A config naming logs of both API versions never yields one signing that writes both kinds:
/// the selection takes the highest supported version that has a usable log (as sigstore-go's
/// `SelectServices` does), so every chosen log is Rekor v2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_with_both_log_versions_signs_with_the_newer_only() {
    let served = Served::start(Misbehavior::None).await;
    let mut config = served.config_v1.clone();
    let mut v2_log = served.config_v2.rekor_tlog_urls[0].clone();
    v2_log.operator = "another operator".to_owned();
    let v1_url = config.rekor_tlog_urls[0].url.clone();
    let v2_url = v2_log.url.clone();
    config.rekor_tlog_urls.push(v2_log);
    config.rekor_tlog_config.selector = ServiceSelector::All;
    let signer = served.signer(&config).unwrap();
    let (_, _, logs) = signer.service_urls();
    assert_eq!(logs, vec![v2_url.as_str()]);
    assert!(!logs.contains(&v1_url.as_str()));
    let token = served.token(&TokenRequest::for_email(EMAIL));
    let signed = signer
        .sign_keyless(&token, Content::Artifact(ARTIFACT.to_vec()))
        .await
        .unwrap();
    assert!(signed.to_json().contains("\"0.0.2\""), "a Rekor v2 entry");
    served.verifies(
        &signed,
        &Policy::identity(Artifact::Bytes(ARTIFACT), served.identity()),
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyless_needs_a_ca() {
    let served = Served::start(Misbehavior::None).await;
    let mut config = served.config_v1.clone();
    config.ca_urls.clear();
    let signer = served.signer(&config).unwrap();
    let token = served.token(&TokenRequest::for_email(EMAIL));
    let result = signer
        .sign_keyless(&token, Content::Artifact(ARTIFACT.to_vec()))
        .await;
    assert!(matches!(result, Err(SignError::NoCa)), "{result:?}");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekor_v2_without_a_tsa_is_refused() {
    let served = Served::start(Misbehavior::None).await;
    let mut config = served.config_v2.clone();
    config.tsa_urls.clear();
    let signer = served.signer(&config).unwrap();
    let token = served.token(&TokenRequest::for_email(EMAIL));
    let result = signer
        .sign_keyless(&token, Content::Artifact(ARTIFACT.to_vec()))
        .await;
    assert!(
        matches!(&result, Err(SignError::Signing(e)) if matches!(**e, SigningError::TimestampRequiredForRekorV2)),
        "{result:?}"
    );
    assert_eq!(served.ca_requests.load(Ordering::SeqCst), 0);
    served.stop().await;
}

// ---- token refusals --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_never_reaches_the_ca() {
    let served = Served::start(Misbehavior::None).await;
    let signer = served.signer(&served.config_v1).unwrap();
    for proof in [KeyProof::Csr, KeyProof::ProofOfPossession] {
        let signer = served
            .signer(&served.config_v1)
            .unwrap()
            .with_key_proof(proof);
        let token = served.token(&TokenRequest {
            expired: true,
            ..TokenRequest::for_email(EMAIL)
        });
        let result = signer
            .sign_keyless(&token, Content::Artifact(ARTIFACT.to_vec()))
            .await;
        assert!(matches!(result, Err(SignError::Token(_))), "{result:?}");
    }
    let token = served.token(&TokenRequest {
        audience: "not-sigstore".to_owned(),
        ..TokenRequest::for_email(EMAIL)
    });
    let result = signer
        .sign_keyless(&token, Content::Artifact(ARTIFACT.to_vec()))
        .await;
    assert!(matches!(result, Err(SignError::Token(_))), "{result:?}");
    assert_eq!(served.ca_requests.load(Ordering::SeqCst), 0);
    served.stop().await;
}

// ---- misbehaving services --------------------------------------------------------------

async fn sign_against(misbehavior: Misbehavior, rekor_v2: bool) -> Result<SignedBundle, SignError> {
    let served = Served::start(misbehavior).await;
    let config = if rekor_v2 {
        served.config_v2.clone()
    } else {
        served.config_v1.clone()
    };
    let token = served.token(&TokenRequest::for_email(EMAIL));
    let result = served
        .signer(&config)
        .unwrap()
        .sign_keyless(&token, Content::Artifact(ARTIFACT.to_vec()))
        .await;
    served.stop().await;
    result
}

fn signing_error(result: &Result<SignedBundle, SignError>) -> &SigningError {
    match result {
        Err(SignError::Signing(e)) => e,
        other => panic!("expected a refusal by the signing machine, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_under_an_unknown_root_is_refused() {
    let result = sign_against(Misbehavior::CaUnknownRoot, false).await;
    assert!(
        matches!(
            signing_error(&result),
            SigningError::Certificate(IssuedCertificateError::UnknownIssuer(_))
        ),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_identity_is_refused() {
    let result = sign_against(Misbehavior::CaWrongSan, false).await;
    assert!(
        matches!(
            signing_error(&result),
            SigningError::Certificate(IssuedCertificateError::WrongSubject { .. })
        ),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_with_a_bad_sct_is_refused() {
    let result = sign_against(Misbehavior::CaBadSct, false).await;
    assert!(
        matches!(
            signing_error(&result),
            SigningError::Certificate(IssuedCertificateError::BadSct(_))
        ),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timestamp_over_other_bytes_is_refused() {
    for rekor_v2 in [false, true] {
        let result = sign_against(Misbehavior::TsaWrongHash, rekor_v2).await;
        assert!(
            matches!(
                signing_error(&result),
                SigningError::Timestamp(TimestampReplyError::ImprintMismatch)
            ),
            "{result:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_entry_with_a_bad_inclusion_proof_is_refused() {
    for rekor_v2 in [false, true] {
        let result = sign_against(Misbehavior::LogBadInclusionProof, rekor_v2).await;
        assert!(
            matches!(&result, Err(SignError::Log { source, .. }) if matches!(**source, ClientError::Rekor(_))),
            "{result:?}"
        );
    }
}
