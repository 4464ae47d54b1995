//! What the signature-storage tests share: a poll-once executor for stores whose futures are
//! ready at once, an in-memory store (with or without a referrers API), a test image, and
//! bundles signed by the core's in-process services.
#![allow(dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use oci_spec::image::{Descriptor, MediaType};
use sigchain_core::bundle::Bundle;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::sign::key::SigningKey;
use sigchain_core::sign::machine::{Content, RekorVersion, Signing, SigningOptions, Step};
use sigchain_core::sign::test_double::{Services, OIDC_ISSUER};
use sigchain_core::verify::{SignerPolicy, Verifier, VerifierConfig};
use sigchain_oci::cosign::wire::WireDescriptor;
use sigchain_oci::reference::{Digest, Tag};
use sigchain_oci::store::{ArtifactStore, ManifestRef, Referrers, StoreError, StoredManifest};

pub const EMAIL: &str = "builder@example.com";

/// Run a future whose every await is ready at once (layout and memory stores).
pub fn now<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("a store future was not ready"),
    }
}

/// A repository in memory. `referrers_api: false` answers `Referrers::Unsupported`, as a
/// registry without the OCI 1.1 API does.
#[derive(Default)]
pub struct MemoryStore {
    pub referrers_api: bool,
    pub blobs: Mutex<HashMap<String, Vec<u8>>>,
    pub manifests: Mutex<HashMap<String, (String, Vec<u8>)>>,
    pub tags: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    pub fn without_referrers_api() -> MemoryStore {
        MemoryStore::default()
    }

    fn get(&self, reference: &ManifestRef) -> Result<Option<StoredManifest>, StoreError> {
        let digest = match reference {
            ManifestRef::Digest(d) => d.to_string(),
            ManifestRef::Tag(t) => match self.tags.lock().unwrap().get(t.as_str()) {
                Some(d) => d.clone(),
                None => return Ok(None),
            },
        };
        let Some((media_type, bytes)) = self.manifests.lock().unwrap().get(&digest).cloned() else {
            return Ok(None);
        };
        let expected = Digest::parse(&digest).unwrap();
        StoredManifest::checked(bytes, media_type, Some(&expected)).map(Some)
    }
}

impl ArtifactStore for MemoryStore {
    fn describe(&self) -> String {
        "memory".into()
    }

    fn manifest(
        &self,
        reference: &ManifestRef,
    ) -> impl Future<Output = Result<Option<StoredManifest>, StoreError>> + Send {
        std::future::ready(self.get(reference))
    }

    fn blob(
        &self,
        descriptor: &Descriptor,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send {
        let digest = descriptor.digest().to_string();
        let found = self.blobs.lock().unwrap().get(&digest).cloned();
        let result = match found {
            Some(bytes) => {
                let expected = Digest::parse(&digest).unwrap();
                match expected.verify(&bytes) {
                    Ok(()) => Ok(bytes),
                    Err(_) => Err(StoreError::DigestMismatch {
                        expected: digest,
                        computed: Digest::sha256_of(&bytes).to_string(),
                    }),
                }
            }
            None => Err(StoreError::BadDigest {
                digest,
                reason: "no such blob".into(),
            }),
        };
        std::future::ready(result)
    }

    fn put_blob(
        &self,
        media_type: MediaType,
        content: Vec<u8>,
    ) -> impl Future<Output = Result<Descriptor, StoreError>> + Send {
        let descriptor = WireDescriptor::of(media_type.as_ref(), &content);
        self.blobs
            .lock()
            .unwrap()
            .insert(descriptor.digest.clone(), content);
        std::future::ready(Ok(descriptor.to_oci().unwrap()))
    }

    fn put_manifest(
        &self,
        media_type: MediaType,
        bytes: Vec<u8>,
        tag: Option<&Tag>,
    ) -> impl Future<Output = Result<Descriptor, StoreError>> + Send {
        let descriptor = WireDescriptor::of(media_type.as_ref(), &bytes);
        self.manifests
            .lock()
            .unwrap()
            .insert(descriptor.digest.clone(), (media_type.to_string(), bytes));
        if let Some(tag) = tag {
            self.tags
                .lock()
                .unwrap()
                .insert(tag.as_str().to_owned(), descriptor.digest.clone());
        }
        std::future::ready(Ok(descriptor.to_oci().unwrap()))
    }

    fn referrers(
        &self,
        _subject: &Digest,
        _artifact_type: Option<&str>,
    ) -> impl Future<Output = Result<Referrers, StoreError>> + Send {
        assert!(
            !self.referrers_api,
            "the memory store only stands in for registries without the referrers API"
        );
        std::future::ready(Ok(Referrers::Unsupported))
    }
}

/// Store a small image (config + manifest) and return its digest.
pub fn put_image<S: ArtifactStore>(store: &S, seed: &str) -> Digest {
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}},"config":{{"Labels":{{"seed":"{seed}"}}}}}}"#
    );
    let config = now(store.put_blob(MediaType::ImageConfig, config.into_bytes())).unwrap();
    let config = WireDescriptor::from_oci(&config);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config,
        "layers": [],
    });
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let tag = Tag::parse(seed).unwrap();
    let written = now(store.put_manifest(MediaType::ImageManifest, bytes, Some(&tag))).unwrap();
    WireDescriptor::from_oci(&written).parsed_digest().unwrap()
}

pub fn identity() -> CertificateIdentity {
    CertificateIdentity::new(
        IdentityMatcher::exact(EMAIL),
        IdentityMatcher::exact(OIDC_ISSUER),
    )
}

pub fn signer() -> SignerPolicy {
    SignerPolicy::Certificate(vec![identity()])
}

/// Sign `content` keylessly with the services; a v0.3 bundle.
pub fn sign(services: &Services, content: Content, rekor: RekorVersion) -> Bundle {
    let options = SigningOptions {
        rekor_version: rekor,
        timestamps: usize::from(rekor == RekorVersion::V2),
        ..SigningOptions::default()
    };
    let mut signing = Signing::keyless(
        &services.trusted_root(),
        SigningKey::generate_p256().unwrap(),
        content,
        identity(),
        options,
        services.now(),
    )
    .unwrap();
    loop {
        match signing.step() {
            Step::Certificate(needed) => {
                let chain = services.issue(needed.public_key_pem(), EMAIL);
                signing.provide_certificate_chain(chain).unwrap();
            }
            Step::Timestamp(request) => {
                let reply = services.timestamp(request.der());
                signing.provide_timestamp(&reply).unwrap();
            }
            Step::LogEntry(needed) => {
                let entry = services.log(needed);
                signing.provide_log_entry(entry).unwrap();
            }
            Step::Done(_) => break,
            Step::Failed { reason, .. } => panic!("{reason}"),
        }
    }
    signing.into_bundle().unwrap().bundle().clone()
}

/// An in-toto statement about `subject` (a `sha256:<hex>` digest).
pub fn statement(subject: &Digest, predicate_type: &str) -> Vec<u8> {
    serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "image", "digest": {"sha256": subject.hex()}}],
        "predicateType": predicate_type,
        "predicate": {"built": true},
    })
    .to_string()
    .into_bytes()
}

/// The verifier for tag-scheme layers: cosign's Rekor bundle annotation carries a promise only.
pub fn legacy_verifier(services: &Services) -> Verifier {
    Verifier::new(
        &services.trusted_root(),
        VerifierConfig {
            require_inclusion_proof: false,
            ..VerifierConfig::default()
        },
    )
}

/// The default verifier (inclusion proofs required), for bundles stored as referrers.
pub fn verifier(services: &Services) -> Verifier {
    Verifier::new(&services.trusted_root(), VerifierConfig::default())
}
