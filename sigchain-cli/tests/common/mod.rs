//! What the CLI's integration tests share: `sigchain instance serve` as a child process, and a
//! managed signing key.
#![allow(dead_code)]

pub mod files;
pub mod github;
pub mod image;
pub mod js;
pub mod python;
pub mod sign;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use sigchain_core::bundle::{
    Bundle, BundleParts, BundleVersion, Content, DigestAlgorithm, MessageDigest, MessageSignature,
    TlogEntry, VerificationMaterial,
};
use sigchain_core::crypto::{sha256, HashAlgorithm};
use sigchain_core::limits::Limits;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_rekor::proposal::{Proposal, Signer};
use sigchain_rekor::v1::RekorV1;

pub const SIGCHAIN: &str = env!("CARGO_BIN_EXE_sigchain");

/// A running `sigchain instance serve`, killed when dropped.
pub struct Served {
    child: Child,
    pub base_url: String,
}

impl Served {
    pub fn start(dir: &Path, trusted_root: &Path) -> Served {
        let out = trusted_root.to_str().unwrap();
        Served::start_with(dir, &["--listen", "127.0.0.1:0", "--trusted-root-out", out])
    }

    /// `sigchain instance serve --dir DIR ARGS...`.
    pub fn start_with(dir: &Path, args: &[&str]) -> Served {
        let mut child = Command::new(SIGCHAIN)
            .args(["instance", "serve", "--dir"])
            .arg(dir)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Ready when it says where it listens.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // The first line is the base URL itself.
        let base_url = line.trim().to_owned();
        assert!(
            base_url.starts_with("http://127.0.0.1:"),
            "unexpected first line {line:?}"
        );
        Served { child, base_url }
    }

    /// SIGKILL: no chance to flush or finish anything.
    pub fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An ECDSA P-256 key managed by the test (no certificate).
pub struct Key {
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
    spki: Vec<u8>,
}

impl Key {
    pub fn new() -> Key {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
                .unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        let spki = pair.public_key().as_der().unwrap().as_ref().to_vec();
        Key {
            pair,
            pkcs8: pkcs8.as_ref().to_vec(),
            spki,
        }
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let signature = self.pair.sign(&SystemRandom::new(), message).unwrap();
        signature.as_ref().to_vec()
    }

    pub fn proposal(&self, artifact: &[u8]) -> Proposal {
        Proposal::hashed_rekord(
            HashAlgorithm::Sha256,
            sha256(artifact).to_vec(),
            self.sign(artifact),
            Signer::PublicKey(self.spki.clone()),
        )
        .unwrap()
    }

    /// The private key as PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`).
    pub fn private_pem(&self) -> String {
        let base64 = sigchain_core::encoding::base64_encode(&self.pkcs8);
        let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
        for line in base64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap());
            pem.push('\n');
        }
        pem.push_str("-----END PRIVATE KEY-----\n");
        pem
    }

    /// The public key as PEM SPKI.
    pub fn pem(&self) -> String {
        sigchain_core::tlog::canonical::signer_pem(&sigchain_core::tlog::SignerMaterial::PublicKey(
            &self.spki,
        ))
    }
}

/// The Rekor v1 client for the instance whose trusted root is at `trusted_root`.
pub fn rekor(trusted_root: &Path) -> RekorV1 {
    let root = TrustedRoot::from_json(&std::fs::read(trusted_root).unwrap()).unwrap();
    // The Rekor v1 log is the ECDSA one.
    let log = root
        .tlogs
        .iter()
        .find(|l| {
            l.key
                .as_ref()
                .is_ok_and(|k| k.kind() == sigchain_core::crypto::KeyKind::EcdsaP256)
        })
        .unwrap()
        .log_id
        .clone();
    RekorV1::new(Verifier::new(&root, VerifierConfig::default()), log)
}

/// A v0.3 managed-key bundle for `artifact` around its logged hashedrekord `entry`, carrying
/// the signature the log recorded (an ECDSA signature made again would differ).
pub fn managed_key_bundle(entry: TlogEntry, artifact: &[u8]) -> Bundle {
    let logged: serde_json::Value = serde_json::from_slice(&entry.canonicalized_body).unwrap();
    let signature = sigchain_core::encoding::base64_decode(
        logged["spec"]["signature"]["content"].as_str().unwrap(),
    )
    .unwrap();
    Bundle::from_parts(
        BundleParts {
            version: BundleVersion::V0_3,
            content: Content::MessageSignature(MessageSignature {
                message_digest: MessageDigest {
                    algorithm: DigestAlgorithm::Sha2_256,
                    digest: sha256(artifact).to_vec(),
                },
                signature,
            }),
            verification_material: VerificationMaterial::PublicKey {
                hint: "release-key".to_owned(),
            },
            tlog_entries: vec![entry],
            timestamps: Vec::new(),
        },
        &Limits::DEFAULT,
    )
    .unwrap()
}

/// Run skopeo (`SIGCHAIN_SKOPEO` or `skopeo` on the PATH) with `--insecure-policy`; its
/// stdout, trimmed. A failure fails the test.
pub fn skopeo(args: &[&str]) -> String {
    let program = std::env::var("SIGCHAIN_SKOPEO").unwrap_or_else(|_| "skopeo".to_owned());
    let output = std::process::Command::new(&program)
        .arg("--insecure-policy")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): install skopeo (Debian: apt-get install skopeo) or set SIGCHAIN_SKOPEO")
        });
    sign::assert_success("skopeo", &output);
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
