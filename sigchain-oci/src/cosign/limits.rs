//! Bounds on what signature storage reads from a repository, which may be hostile: a `.sig`
//! manifest with thousands of layers, a referrers list of millions, a layer of gigabytes.

/// How much signature storage reads. Every count past its bound is reported, never silently
/// dropped (see [`crate::discover`]) or fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageLimits {
    /// Largest manifest or fallback index parsed.
    pub max_manifest_bytes: usize,
    /// Most layers read from one `.sig`/`.att`/`.sbom` manifest (cosign refuses more than 1000).
    pub max_layers: usize,
    /// Largest signature payload, DSSE envelope or bundle layer fetched.
    pub max_layer_bytes: u64,
    /// Largest SBOM layer fetched.
    pub max_sbom_bytes: u64,
    /// Most referrers considered for one image.
    pub max_referrers: usize,
    /// Largest single annotation value parsed (certificate chains, Rekor bundles).
    pub max_annotation_bytes: usize,
    /// Most certificates in a `dev.sigstore.cosign/chain` annotation.
    pub max_chain_certificates: usize,
}

impl StorageLimits {
    /// Generous for real signatures (a keyless `.sig` layer is about 4 KiB of annotations), tight
    /// enough that a hostile repository costs little.
    pub const DEFAULT: StorageLimits = StorageLimits {
        max_manifest_bytes: 4 * 1024 * 1024,
        max_layers: 256,
        max_layer_bytes: 4 * 1024 * 1024,
        max_sbom_bytes: 64 * 1024 * 1024,
        max_referrers: 1024,
        max_annotation_bytes: 256 * 1024,
        max_chain_certificates: 10,
    };
}

impl Default for StorageLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
