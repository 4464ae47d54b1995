//! A local instance on 127.0.0.1 for the integration tests, and a signer to submit with.
#![allow(dead_code)]

use std::net::SocketAddr;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use axum::body::Body;
use axum::response::Response;
use sigchain_core::crypto::{sha256, HashAlgorithm};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_instance::server::{Instance, InstanceConfig};
use sigchain_rekor::client::{Transport, TransportConfig};
use sigchain_rekor::http::{HttpRequest, HttpResponse};
use sigchain_rekor::proposal::{Proposal, Signer as ProposalSigner};
use sigchain_rekor::v1::RekorV1;
use sigchain_rekor::v2::RekorV2;
use tokio::sync::oneshot;

/// How a test log misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// An honest log.
    None,
    /// Every inclusion proof's first hash is flipped (a proof for a one-leaf tree has none).
    CorruptProofHash,
    /// Every checkpoint gets a cosignature by [`test_witness`], valid or over other text.
    Cosign {
        /// Whether the cosignature verifies.
        valid: bool,
    },
}

/// The witness of [`Tamper::Cosign`]: its seed is fixed so tests can name its key.
pub fn test_witness() -> (
    aws_lc_rs::signature::Ed25519KeyPair,
    sigchain_core::tlog::WitnessKey,
) {
    let pair = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).unwrap();
    let raw: [u8; 32] = pair.public_key().as_ref().try_into().unwrap();
    let key = sigchain_core::tlog::WitnessKey::from_ed25519("witness.test", &raw).unwrap();
    (pair, key)
}

/// `note` with a cosignature line from [`test_witness`] added.
pub fn cosign(note: &str, valid: bool) -> String {
    let (pair, key) = test_witness();
    let Some(split) = note.find("\n\n") else {
        return note.to_owned();
    };
    let text = &note[..split + 1];
    let time: u64 = 1_700_000_000;
    let signed = if valid {
        text.to_owned()
    } else {
        format!("{text}x")
    };
    let message = format!("cosignature/v1\ntime {time}\n{signed}");
    let signature = pair.sign(message.as_bytes());
    let mut line = key.key_hint().to_vec();
    line.extend_from_slice(&time.to_be_bytes());
    line.extend_from_slice(signature.as_ref());
    format!(
        "{note}\u{2014} {} {}\n",
        key.name(),
        sigchain_core::encoding::base64_encode(&line)
    )
}

pub struct Server {
    pub instance: Instance,
    pub address: SocketAddr,
    pub base_url: String,
    pub trusted_root: TrustedRoot,
    pub trusted_root_json: String,
    pub dir: tempfile::TempDir,
    transport: Transport,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(Tamper::None).await
    }

    pub async fn start_with(tamper: Tamper) -> Server {
        let dir = tempfile::tempdir().unwrap();
        Server::start_in(dir, tamper).await
    }

    /// Serve the instance kept in `dir`.
    pub async fn start_in(dir: tempfile::TempDir, tamper: Tamper) -> Server {
        let instance = Instance::open(InstanceConfig::new(dir.path())).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let base_url = format!("http://{address}");
        let trusted_root_json = instance.trusted_root_json(&base_url).unwrap();
        let trusted_root = TrustedRoot::from_json(trusted_root_json.as_bytes()).unwrap();
        let mut router = instance.router(&base_url).unwrap();
        match tamper {
            Tamper::None => {}
            Tamper::CorruptProofHash => {
                router = router.layer(axum::middleware::map_response(corrupt_proof));
            }
            Tamper::Cosign { valid } => {
                router = router.layer(axum::middleware::map_response(move |r| {
                    add_cosignature(r, valid)
                }));
            }
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        let transport = Transport::new(&base_url, TransportConfig::default()).unwrap();
        Server {
            instance,
            address,
            base_url,
            trusted_root,
            trusted_root_json,
            dir,
            transport,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn verifier(&self) -> Verifier {
        Verifier::new(&self.trusted_root, VerifierConfig::default())
    }

    pub fn rekor_v1(&self) -> RekorV1 {
        RekorV1::new(self.verifier(), self.instance.rekor_v1.signer().log_id())
    }

    pub fn rekor_v2(&self) -> RekorV2 {
        RekorV2::new(self.verifier(), self.instance.rekor_v2.signer().log_id())
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub async fn send(&self, request: &HttpRequest) -> HttpResponse {
        self.transport.execute(request).await.unwrap()
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    /// Stop serving and return the data folder (the logs stay on disk).
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        self.dir
    }
}

async fn add_cosignature(response: Response, valid: bool) -> Response {
    edit_json(response, |value| {
        if let Some(note) = value.get("signedTreeHead").and_then(|n| n.as_str()) {
            value["signedTreeHead"] = cosign(note, valid).into();
        }
        if let Some(map) = value.as_object_mut() {
            for entry in map.values_mut() {
                if let Some(note) = entry.pointer_mut("/verification/inclusionProof/checkpoint") {
                    if let Some(text) = note.as_str() {
                        *note = cosign(text, valid).into();
                    }
                }
            }
        }
    })
    .await
}

async fn edit_json(response: Response, edit: impl FnOnce(&mut serde_json::Value)) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    edit(&mut value);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(serde_json::to_vec(&value).unwrap()))
}

async fn corrupt_proof(response: Response) -> Response {
    edit_json(response, |value| {
        let Some(map) = value.as_object_mut() else {
            return;
        };
        for entry in map.values_mut() {
            let first = entry
                .pointer_mut("/verification/inclusionProof/hashes")
                .and_then(|h| h.as_array_mut())
                .and_then(|h| h.first_mut());
            if let Some(hash) = first {
                let text = hash.as_str().unwrap_or_default();
                let flipped = match text.split_at_checked(1) {
                    Some(("0", rest)) => format!("1{rest}"),
                    Some((_, rest)) => format!("0{rest}"),
                    None => String::new(),
                };
                *hash = flipped.into();
            }
        }
    })
    .await
}

/// An ECDSA P-256 signer with a managed key.
pub struct Signer {
    pair: EcdsaKeyPair,
    pub spki: Vec<u8>,
}

impl Signer {
    pub fn new() -> Signer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        let spki = pair.public_key().as_der().unwrap().as_ref().to_vec();
        Signer { pair, spki }
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    pub fn pem(&self) -> String {
        sigchain_core::tlog::canonical::signer_pem(&sigchain_core::tlog::SignerMaterial::PublicKey(
            &self.spki,
        ))
    }

    pub fn hashed_rekord(&self, artifact: &[u8]) -> Proposal {
        Proposal::hashed_rekord(
            HashAlgorithm::Sha256,
            sha256(artifact).to_vec(),
            self.sign(artifact),
            ProposalSigner::PublicKey(self.spki.clone()),
        )
        .unwrap()
    }
}
