//! The conformance cases the benchmark runs, read in place from `shared/conformance`.

use serde::Deserialize;
use sigchain_core::crypto::Sha256Digest;

use crate::FixtureError;

/// The shared conformance folder, relative to this crate so it works in every checkout.
pub const CONFORMANCE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance");

/// Keyless happy paths verified against the built-in production trusted root: the cases where
/// sigchain and the peer do the same work (chain, SCT, SET, inclusion proof, checkpoint).
pub const PRODUCTION_HAPPY_PATHS: [&str; 5] = [
    "happy-path-v0.1",
    "happy-path-v0.2",
    "happy-path-v0.3",
    "happy-path-v0.3-new-mediaType",
    "happy-path-intoto-in-dsse-v3",
];

#[derive(Deserialize)]
struct Manifest {
    cases: Vec<ManifestCase>,
}

#[derive(Deserialize)]
struct ManifestCase {
    name: String,
    bundle: String,
    artifact: Option<String>,
    digest: Option<String>,
    identity: Option<String>,
    issuer: Option<String>,
    trusted_root: String,
    expect: String,
}

/// One conformance case, loaded into memory.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case name, e.g. `happy-path-v0.3`.
    pub name: String,
    /// The bundle's JSON bytes, as a verifier receives them.
    pub bundle_json: Vec<u8>,
    /// The artifact's bytes.
    pub artifact: Vec<u8>,
    /// The artifact's SHA-256 digest, from the manifest.
    pub artifact_digest: Sha256Digest,
    /// The certificate identity (SAN) the policy requires.
    pub identity: String,
    /// The OIDC issuer the policy requires.
    pub issuer: String,
}

fn read(relative: &str) -> Result<Vec<u8>, FixtureError> {
    let path = format!("{CONFORMANCE_DIR}/{relative}");
    std::fs::read(&path).map_err(|source| FixtureError::Io { path, source })
}

/// Load the named case from `cases.json`. Only keyless cases expected to pass against the
/// production root are accepted: the benchmark measures the success path.
pub fn load_case(name: &str) -> Result<Case, FixtureError> {
    let manifest: Manifest = serde_json::from_slice(&read("cases.json")?)?;
    let entry = manifest
        .cases
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| FixtureError::UnknownCase(name.to_owned()))?;
    let not_happy = || FixtureError::NotProductionHappyPath {
        name: name.to_owned(),
    };
    if entry.trusted_root != "production" || entry.expect != "pass" {
        return Err(not_happy());
    }
    let (Some(artifact), Some(digest), Some(identity), Some(issuer)) =
        (entry.artifact, entry.digest, entry.identity, entry.issuer)
    else {
        return Err(not_happy());
    };
    let artifact_digest = digest
        .strip_prefix("sha256:")
        .and_then(Sha256Digest::from_hex)
        .ok_or(FixtureError::Malformed("manifest digest"))?;
    let artifact = read(&artifact)?;
    if Sha256Digest::of(&artifact) != artifact_digest {
        return Err(FixtureError::Malformed("artifact (digest mismatch)"));
    }
    Ok(Case {
        bundle_json: read(&entry.bundle)?,
        name: entry.name,
        artifact,
        artifact_digest,
        identity,
        issuer,
    })
}

/// Load every case in [`PRODUCTION_HAPPY_PATHS`].
pub fn load_production_happy_paths() -> Result<Vec<Case>, FixtureError> {
    PRODUCTION_HAPPY_PATHS
        .iter()
        .map(|n| load_case(n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_every_happy_path() {
        let cases = load_production_happy_paths().unwrap();
        assert_eq!(cases.len(), PRODUCTION_HAPPY_PATHS.len());
        assert!(cases.iter().all(|c| !c.bundle_json.is_empty()));
    }

    #[test]
    fn refuses_failing_and_custom_root_cases() {
        assert!(matches!(
            load_case("signature-mismatch_fail"),
            Err(FixtureError::NotProductionHappyPath { .. })
        ));
        assert!(matches!(
            load_case("intoto-with-custom-trust-root"),
            Err(FixtureError::NotProductionHappyPath { .. })
        ));
        assert!(matches!(
            load_case("no-such-case"),
            Err(FixtureError::UnknownCase(_))
        ));
    }
}
