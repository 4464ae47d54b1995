//! Tag-scheme signatures and attestations made against a real Rekor v1 log (sigchain-instance's,
//! served in-process on 127.0.0.1), stored in an OCI layout, then verified strictly with the
//! inclusion proof fetched from that log by `RekorV1Proofs` (`GET /api/v1/log/entries?logIndex=N`
//! at the URL the trusted root gives the log). The log's entries are `hashedrekord` for
//! signatures and `dsse` for attestations; the layer carries the body, compared byte for byte.

#[path = "cosign/support.rs"]
mod support;

use sigchain_core::bundle::Bundle;
use sigchain_core::sign::key::SigningKey;
use sigchain_core::sign::machine::{Content, LogContent, LogSigner, Signing, SigningOptions, Step};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{SignerPolicy, Verifier, VerifierConfig};
use sigchain_instance::server::{log_url, Instance, InstanceConfig};
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::flow::{
    attach_attestation, attach_signature, resolve, verify_image, verify_image_fetching_proofs,
    InclusionEvidence, PreparedAttestation, PreparedSignature, ResolvedImage, SignatureFormat,
    Stored, Verifiers, Wanted,
};
use sigchain_oci::layout::OciLayout;
use sigchain_oci::predicate::PredicateKind;
use sigchain_oci::proof_source::RekorV1Proofs;
use sigchain_oci::reference::Tag;
use sigchain_oci::store::ManifestRef;
use sigchain_rekor::client::{RekorV1Client, TransportConfig};
use sigchain_rekor::proposal::{Proposal, Signer};
use sigchain_rekor::v1::RekorV1;
use tokio::sync::oneshot;

const LIMITS: StorageLimits = StorageLimits::DEFAULT;
const SPDX: &[u8] = br#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app"}"#;

/// The instance served on 127.0.0.1 until dropped.
struct Served {
    root: TrustedRoot,
    v1_url: String,
    v1: RekorV1Client,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let instance = Instance::open(InstanceConfig::new(dir.path())).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let root =
        TrustedRoot::from_json(instance.trusted_root_json(&base_url).unwrap().as_bytes()).unwrap();
    let v1_url = log_url(&base_url, &instance.rekor_v1);
    let v1_id = instance.rekor_v1.signer().log_id();
    let router = instance.router(&base_url).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let rekor = RekorV1::new(Verifier::new(&root, VerifierConfig::default()), v1_id);
    let v1 = RekorV1Client::new(&v1_url, rekor, TransportConfig::default()).unwrap();
    Served {
        root,
        v1_url,
        v1,
        stop: Some(stop),
        _dir: dir,
    }
}

/// Sign `content` with `key`, the entry logged in the instance's Rekor v1.
async fn sign_with_key(served: &Served, key: SigningKey, content: Content) -> Bundle {
    let mut signing = Signing::with_key(
        &served.root,
        key,
        content,
        SigningOptions::default(),
        Timestamp::now(),
    )
    .unwrap();
    loop {
        match signing.step() {
            Step::LogEntry(needed) => {
                let signer = match &needed.signer {
                    LogSigner::Certificate(der) => Signer::Certificate(der.clone()),
                    LogSigner::PublicKey(der) => Signer::PublicKey(der.clone()),
                };
                let proposal = match &needed.content {
                    LogContent::MessageSignature {
                        digest_algorithm,
                        digest,
                        signature,
                    } => Proposal::hashed_rekord(
                        *digest_algorithm,
                        digest.clone(),
                        signature.clone(),
                        signer,
                    )
                    .unwrap(),
                    LogContent::Dsse { envelope_json } => Proposal::dsse(
                        envelope_json.clone(),
                        signer,
                        &sigchain_core::limits::Limits::DEFAULT,
                    )
                    .unwrap(),
                };
                let logged = served.v1.create_entry(&proposal).await.unwrap();
                signing.provide_log_entry(logged.into_tlog_entry()).unwrap();
            }
            Step::Done(_) => break,
            Step::Failed { reason, .. } => panic!("{reason}"),
            other => panic!("a key-signed Rekor v1 signature asked for {other:?}"),
        }
    }
    signing.into_bundle().unwrap().bundle().clone()
}

async fn image_in(layout: &OciLayout) -> ResolvedImage {
    support::put_image(layout, "app");
    let tag = ManifestRef::Tag(Tag::parse("app").unwrap());
    resolve(layout, "127.0.0.1:5000/app", &tag).await.unwrap()
}

#[tokio::test]
async fn tag_scheme_items_verify_strictly_with_proofs_fetched_from_the_log() {
    let served = serve().await;
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let image = image_in(&layout).await;
    // A signature (hashedrekord entry) and an attestation (dsse entry), in cosign's tag scheme,
    // each by its own key (a key cannot be copied).
    let key = SigningKey::generate_p256().unwrap();
    let attestation_key = SigningKey::generate_p256().unwrap();
    let signers = [
        SignerPolicy::PublicKey(key.public_key().clone()),
        SignerPolicy::PublicKey(attestation_key.public_key().clone()),
    ];
    let prepared = PreparedSignature::new(&image, SignatureFormat::TagScheme);
    let bundle = sign_with_key(&served, key, prepared.content()).await;
    let stored = attach_signature(
        &layout,
        &image,
        &prepared,
        &bundle,
        Timestamp::now(),
        &LIMITS,
    )
    .await
    .unwrap();
    assert!(matches!(stored, Stored::TagLayer { .. }), "{stored:?}");
    let attestation = PreparedAttestation::new(
        &image,
        &PredicateKind::Spdx,
        SPDX,
        SignatureFormat::TagScheme,
        Timestamp::now(),
    )
    .unwrap();
    let attested = sign_with_key(&served, attestation_key, attestation.content()).await;
    assert_eq!(attested.tlog_entries()[0].kind_version.kind, "dsse");
    attach_attestation(
        &layout,
        &image,
        &attestation,
        &attested,
        Timestamp::now(),
        &LIMITS,
    )
    .await
    .unwrap();

    let strict = Verifier::new(&served.root, VerifierConfig::default());
    let verifiers = Verifiers {
        strict: &strict,
        promise_only: None,
    };
    let proofs = RekorV1Proofs::new(
        served.root.clone(),
        VerifierConfig::default(),
        TransportConfig::default(),
    );
    let spdx = Wanted::Attestations(Some(PredicateKind::Spdx.uri().to_owned()));
    for (wanted, signer) in [Wanted::Signatures, spdx].into_iter().zip(&signers) {
        // Offline, the strict verifier refuses the promise-only entry.
        let offline = verify_image(
            &layout,
            &image,
            &wanted,
            verifiers,
            signer,
            Timestamp::now(),
            &LIMITS,
        )
        .await
        .unwrap();
        assert!(!offline.passed(), "{offline:?}");
        assert!(offline.rejected[0].reason.contains("inclusion promise"));

        let online = verify_image_fetching_proofs(
            &layout,
            &image,
            &wanted,
            verifiers,
            &proofs,
            signer,
            Timestamp::now(),
            &LIMITS,
        )
        .await
        .unwrap();
        assert!(online.passed(), "{wanted:?}: {online:?}");
        assert!(online.rejected.is_empty(), "{online:?}");
        assert_eq!(online.verified.len(), 1, "{online:?}");
        assert_eq!(
            online.verified[0].inclusion,
            InclusionEvidence::Fetched {
                log_url: served.v1_url.clone()
            }
        );
        assert!(online.verified[0].verified.log_entries()[0].inclusion_proven());
    }
}

#[tokio::test]
async fn a_log_that_is_down_leaves_the_signature_unverified() {
    let served = serve().await;
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let image = image_in(&layout).await;
    let key = SigningKey::generate_p256().unwrap();
    let signer = SignerPolicy::PublicKey(key.public_key().clone());
    let prepared = PreparedSignature::new(&image, SignatureFormat::TagScheme);
    let bundle = sign_with_key(&served, key, prepared.content()).await;
    attach_signature(
        &layout,
        &image,
        &prepared,
        &bundle,
        Timestamp::now(),
        &LIMITS,
    )
    .await
    .unwrap();
    let root = served.root.clone();
    drop(served);

    let strict = Verifier::new(&root, VerifierConfig::default());
    let proofs = RekorV1Proofs::new(
        root.clone(),
        VerifierConfig::default(),
        TransportConfig {
            max_attempts: 1,
            ..TransportConfig::default()
        },
    );
    let report = verify_image_fetching_proofs(
        &layout,
        &image,
        &Wanted::Signatures,
        Verifiers {
            strict: &strict,
            promise_only: None,
        },
        &proofs,
        &signer,
        Timestamp::now(),
        &LIMITS,
    )
    .await
    .unwrap();
    assert!(!report.passed(), "{report:?}");
    assert!(
        report.rejected[0]
            .reason
            .contains("fetching the inclusion proof"),
        "{report:?}"
    );
}
