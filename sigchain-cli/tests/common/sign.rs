//! Signing against a local instance: the instance with its trust files, identity tokens from its
//! test issuer, `sigchain sign-bundle` / `verify-bundle` as processes, and what a signed bundle
//! must look like.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{Served, SIGCHAIN};

/// The email every keyless test signs as.
pub const EMAIL: &str = "alice@example.com";

/// Which Rekor the signing config names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogVersion {
    V1,
    V2,
}

impl LogVersion {
    pub const ALL: [LogVersion; 2] = [LogVersion::V1, LogVersion::V2];

    /// The signing config the instance wrote for this log.
    pub fn signing_config_name(self) -> &'static str {
        match self {
            LogVersion::V1 => "signing_config.json",
            LogVersion::V2 => "signing_config.rekor-v2.json",
        }
    }
}

/// A `sigchain instance serve` in its own temporary folder, stopped when dropped.
pub struct Instance {
    // Dropped first: the server stops before its folder goes.
    served: Served,
    /// The instance's data folder (trust files).
    pub data: PathBuf,
    /// A scratch folder for artifacts and bundles.
    pub work: PathBuf,
    _dir: tempfile::TempDir,
}

impl Instance {
    pub fn start() -> Instance {
        Instance::start_with(&[])
    }

    /// With extra `instance serve` arguments (e.g. `--misbehave MODE`).
    pub fn start_with(args: &[&str]) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let work = dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        let mut all = vec!["--addr", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let served = Served::start_with(&data, &all);
        Instance {
            served,
            data,
            work,
            _dir: dir,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.served.base_url
    }

    /// The OIDC issuer the certificates name.
    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.base_url())
    }

    pub fn trusted_root(&self) -> PathBuf {
        self.data.join("trusted_root.json")
    }

    pub fn signing_config(&self, log: LogVersion) -> PathBuf {
        self.data.join(log.signing_config_name())
    }

    /// A sigstore-python ClientTrustConfig with this log's signing config (the instance writes
    /// one for Rekor v1; the v2 one is made here).
    pub fn client_trust_config(&self, log: LogVersion) -> PathBuf {
        let path = self.work.join(format!("client_trust_config.{log:?}.json"));
        let read = |p: PathBuf| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
        };
        let config = serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": read(self.trusted_root()),
            "signingConfig": read(self.signing_config(log)),
        });
        std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        path
    }

    /// An identity token for `sub` from the instance's test issuer; `query` adds parameters
    /// (`&aud=other`, `&expired=true`).
    pub fn token(&self, sub: &str, query: &str) -> String {
        let (status, body) = http_get(self.base_url(), &format!("/oidc/token?sub={sub}{query}"));
        assert_eq!(status, 200, "token: {body}");
        body.trim().to_owned()
    }

    /// The issuer the instance's GitHub Actions stand-in names: GitHub's own.
    pub fn github_actions_issuer(&self) -> String {
        "https://token.actions.githubusercontent.com".to_owned()
    }

    /// A GitHub Actions job's identity token from the stand-in issuer, for the job's claims
    /// (`repository`, `ref`, `sha`, `job_workflow_ref`, ...: every value a string).
    pub fn github_actions_token(&self, job: &serde_json::Value) -> String {
        let query: Vec<String> = job
            .as_object()
            .expect("job claims")
            .iter()
            .map(|(name, value)| {
                let value = value.as_str().expect("string claims");
                format!("{name}={}", percent_encode(value))
            })
            .collect();
        let (status, body) = http_get(
            self.base_url(),
            &format!("/oidc/github-actions/token?{}", query.join("&")),
        );
        assert_eq!(status, 200, "GitHub Actions token: {body}");
        body.trim().to_owned()
    }

    /// `sigchain attest` of the predicate file as `predicate_type` to `image`, signed as
    /// [`EMAIL`] through this instance (Rekor v1).
    pub fn attest_as_email(&self, image: &str, predicate: &Path, predicate_type: &str) -> Output {
        self.attest_as_email_with(image, predicate, predicate_type, &[])
    }

    /// [`Instance::attest_as_email`] with `extra` arguments before the image (a storage
    /// format, say).
    pub fn attest_as_email_with(
        &self,
        image: &str,
        predicate: &Path,
        predicate_type: &str,
        extra: &[&str],
    ) -> Output {
        let token = self.token(EMAIL, "");
        sigchain()
            .arg("attest")
            .args(["--trusted-root", self.trusted_root().to_str().unwrap()])
            .args([
                "--signing-config",
                self.signing_config(LogVersion::V1).to_str().unwrap(),
            ])
            .args(["--identity-token", &token])
            .args(["--predicate", predicate.to_str().unwrap()])
            .args(["--type", predicate_type])
            .args(extra)
            .arg(image)
            .output()
            .unwrap()
    }

    /// `sigchain verify-attestation --type predicate_type` of `image` for [`EMAIL`]; it must
    /// succeed, and the verified statements it prints are returned.
    pub fn verified_statements(&self, image: &str, predicate_type: &str) -> Vec<serde_json::Value> {
        let verified = sigchain()
            .arg("verify-attestation")
            .args(["--trusted-root", self.trusted_root().to_str().unwrap()])
            .args(["--certificate-identity", EMAIL])
            .args(["--certificate-oidc-issuer", &self.issuer()])
            .args(["--type", predicate_type])
            .arg(image)
            .output()
            .unwrap();
        assert_success(
            &format!("verify-attestation --type {predicate_type}"),
            &verified,
        );
        String::from_utf8_lossy(&verified.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Write `bytes` into the scratch folder.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.work.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// `sigchain sign-bundle --trusted-root ROOT --signing-config CONFIG ARGS...`, with no
    /// ambient token in the environment.
    pub fn sign_bundle(&self, log: LogVersion) -> Command {
        let mut command = sigchain();
        command
            .arg("sign-bundle")
            .arg("--trusted-root")
            .arg(self.trusted_root())
            .arg("--signing-config")
            .arg(self.signing_config(log));
        command
    }

    /// `sigchain verify-bundle --trusted-root ROOT --bundle BUNDLE ARGS... ARTIFACT`.
    pub fn verify_bundle(&self, bundle: &Path, args: &[&str], artifact: &Path) -> Output {
        sigchain()
            .arg("verify-bundle")
            .arg("--trusted-root")
            .arg(self.trusted_root())
            .arg("--bundle")
            .arg(bundle)
            .args(args)
            .arg(artifact)
            .output()
            .unwrap()
    }

    /// `verify-bundle` for the keyless identity [`EMAIL`] at this instance's issuer.
    pub fn verify_identity(&self, bundle: &Path, artifact: &Path) -> Output {
        let issuer = self.issuer();
        self.verify_bundle(
            bundle,
            &[
                "--certificate-identity",
                EMAIL,
                "--certificate-oidc-issuer",
                &issuer,
            ],
            artifact,
        )
    }
}

/// The `sigchain` binary with no ambient identity token or proxy in its environment.
pub fn sigchain() -> Command {
    let mut command = Command::new(SIGCHAIN);
    for var in [
        "SIGSTORE_ID_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "GITHUB_ACTIONS",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(var);
    }
    command
}

/// Panics with the process's output unless it succeeded.
#[track_caller]
pub fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The process failed; returns what it said (stdout and stderr).
#[track_caller]
pub fn assert_failure(what: &str, output: &Output) -> String {
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !output.status.success(),
        "{what} succeeded but must fail:\n{said}"
    );
    said
}

/// An in-toto v1 statement about `artifact` (its SHA-256 as the subject's digest).
pub fn statement_about(artifact: &[u8]) -> Vec<u8> {
    let digest = sigchain_core::encoding::hex_encode(&sigchain_core::crypto::sha256(artifact));
    serde_json::to_vec(&serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "artifact", "digest": {"sha256": digest}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "https://example.com/test"}},
    }))
    .unwrap()
}

/// The shape every bundle sigchain writes has: v0.3, one log entry whose protobuf-JSON fields
/// the peers require are all present (even at their defaults), and `timestamps` RFC 3161
/// timestamps.
#[track_caller]
pub fn assert_bundle_shape(bundle: &serde_json::Value, timestamps: usize) {
    assert_eq!(
        bundle["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json",
        "{bundle:#}"
    );
    let material = &bundle["verificationMaterial"];
    let entries = material["tlogEntries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{bundle:#}");
    let entry = &entries[0];
    assert!(entry["logIndex"].is_string(), "{entry:#}");
    let proof = &entry["inclusionProof"];
    assert!(
        proof["logIndex"].is_string(),
        "inclusionProof.logIndex: {proof:#}"
    );
    assert!(proof["treeSize"].is_string(), "{proof:#}");
    assert!(proof["rootHash"].is_string(), "{proof:#}");
    assert!(
        proof["hashes"].is_array(),
        "inclusionProof.hashes: {proof:#}"
    );
    assert!(proof["checkpoint"]["envelope"].is_string(), "{proof:#}");
    let stamps = material["timestampVerificationData"]["rfc3161Timestamps"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(stamps, timestamps, "{bundle:#}");
}

/// Read a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A GET over a plain TCP connection (the tests need no HTTP client for this).
pub fn http_get(base_url: &str, path: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let address = base_url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `value` as a URL query component.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
