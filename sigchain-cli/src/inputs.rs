//! Reading what the command line names: trusted roots, keys, artifacts, bundles.

use std::path::Path;

use sigchain_core::crypto::{PublicKey, Sha256Digest};
use sigchain_core::trust_root::TrustedRoot;

/// Largest artifact read into memory; bigger ones are hashed as a stream.
const MAX_IN_MEMORY_ARTIFACT: u64 = 64 * 1024 * 1024;

/// The trusted root chosen by `--trusted-root` / `--tuf-cache` / `--staging`, else the
/// built-in production one.
pub fn trusted_root(
    path: Option<&Path>,
    tuf_cache: Option<&Path>,
    staging: bool,
) -> Result<TrustedRoot, String> {
    if let Some(dir) = tuf_cache {
        return Ok(tuf_material(dir)?.trusted_root);
    }
    match path {
        Some(path) => {
            let json = read_limited(
                path,
                sigchain_core::trust_root::MAX_TRUSTED_ROOT_BYTES as u64,
            )?;
            TrustedRoot::from_json(&json)
                .map_err(|e| format!("trusted root {}: {e}", path.display()))
        }
        None if staging => Ok(TrustedRoot::staging().clone()),
        None => Ok(TrustedRoot::production().clone()),
    }
}

/// What `sigchain trust update --cache DIR` verified and cached.
pub fn tuf_material(dir: &Path) -> Result<sigchain_core::tuf::TrustMaterial, String> {
    match sigchain_core::tuf::TufClient::cached(dir) {
        Ok(Some(material)) => Ok(material),
        Ok(None) => Err(format!(
            "TUF cache {}: empty (run `sigchain trust update --cache {}`)",
            dir.display(),
            dir.display()
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// A PEM public key file.
pub fn public_key(path: &Path) -> Result<PublicKey, String> {
    let pem = read_limited(path, 64 * 1024)?;
    let pem =
        String::from_utf8(pem).map_err(|_| format!("key {}: not UTF-8 PEM", path.display()))?;
    PublicKey::from_pem(&pem).map_err(|e| format!("key {}: {e}", path.display()))
}

/// An artifact as given on the command line: a file, or `sha256:<64 hex>` that is not a file.
pub enum ArtifactInput {
    /// The file's bytes (small files).
    Bytes(Vec<u8>),
    /// A digest: given directly, or computed while streaming a large file.
    Sha256(Sha256Digest),
}

impl ArtifactInput {
    /// The core's view of this artifact.
    pub fn as_artifact(&self) -> sigchain_core::verify::Artifact<'_> {
        match self {
            ArtifactInput::Bytes(bytes) => sigchain_core::verify::Artifact::Bytes(bytes),
            ArtifactInput::Sha256(d) => sigchain_core::verify::Artifact::Sha256(*d),
        }
    }
}

/// Interpret FILE_OR_DIGEST as the conformance protocol says: a `sha256:` digest of the right
/// length that is not a path on disk is a digest; anything else is a path.
pub fn artifact(file_or_digest: &str) -> Result<ArtifactInput, String> {
    if let Some(hex) = file_or_digest.strip_prefix("sha256:") {
        if !Path::new(file_or_digest).exists() {
            if let Some(d) = Sha256Digest::from_hex(hex) {
                return Ok(ArtifactInput::Sha256(d));
            }
        }
    }
    artifact_file(Path::new(file_or_digest))
}

/// Read an artifact file: whole when small, else as a streamed SHA-256.
pub fn artifact_file(path: &Path) -> Result<ArtifactInput, String> {
    use std::io::Read;
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("artifact {}: {e}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len <= MAX_IN_MEMORY_ARTIFACT {
        let mut bytes = Vec::with_capacity(len as usize);
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("artifact {}: {e}", path.display()))?;
        return Ok(ArtifactInput::Bytes(bytes));
    }
    let mut hasher = sigchain_core::crypto::Sha256Stream::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("artifact {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(ArtifactInput::Sha256(hasher.finish()))
}

/// Read at most `limit` bytes of a file, failing if it is larger.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{}: larger than {limit} bytes", path.display()));
    }
    Ok(bytes)
}

/// Write a command's output document to `file` (atomically: never a half-written file), or to
/// standard output. A reader that stopped early (`| head`) is not a failure of the command.
pub fn write_output(file: Option<&Path>, document: &[u8]) -> Result<(), String> {
    use std::io::Write;
    match file {
        Some(path) => crate::sign_bundle::write_atomically(path, document)
            .map_err(|e| format!("{}: {e}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(document).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| format!("stdout: {e}")),
            }
        }
    }
}
