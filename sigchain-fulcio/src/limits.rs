//! Every bound this crate puts on what a CA, an identity provider or a timestamp authority
//! sends back, in one place (the shape of `sigchain_core::limits`).

/// Bounds on a Fulcio answer. The defaults are generous for a real CA: a public-good
/// signing-certificate answer is about 5 KiB (three PEM certificates), its trust bundle a few
/// chains of two.
///
/// ```
/// use sigchain_fulcio::FulcioLimits;
/// let limits = FulcioLimits { max_chain_certificates: 4, ..FulcioLimits::DEFAULT };
/// assert_eq!(limits.max_answer_bytes, 1 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FulcioLimits {
    /// The largest answer body read, signing certificate or trust bundle.
    pub max_answer_bytes: usize,
    /// Certificates in one chain (leaf, intermediates, root). Sigstore chains have two or
    /// three; a long chain is work for the path builder and nothing else.
    pub max_chain_certificates: usize,
    /// Bytes of one certificate in DER (its PEM text may be up to twice this long).
    pub max_certificate_bytes: usize,
    /// Chains in a trust bundle.
    pub max_trust_bundle_chains: usize,
}

impl FulcioLimits {
    /// 1 MiB answers, 10 certificates of at most 64 KiB per chain, 64 chains.
    pub const DEFAULT: FulcioLimits = FulcioLimits {
        max_answer_bytes: 1 << 20,
        max_chain_certificates: 10,
        max_certificate_bytes: 64 * 1024,
        max_trust_bundle_chains: 64,
    };
}

impl Default for FulcioLimits {
    fn default() -> Self {
        FulcioLimits::DEFAULT
    }
}

/// The longest OIDC identity token accepted, in bytes. GitHub Actions and Google tokens are
/// 1–2 KiB; a token with many group claims can reach a few KiB.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The largest answer read from the GitHub Actions token endpoint (a JSON object around one
/// token).
pub const MAX_TOKEN_ANSWER_BYTES: usize = MAX_TOKEN_BYTES + 4096;

/// The largest token file read.
pub const MAX_TOKEN_FILE_BYTES: usize = MAX_TOKEN_BYTES + 4096;

/// The largest RFC 3161 `TimeStampResp` read: a signed timestamp with its signer's chain is
/// 2–6 KiB.
pub const MAX_TIMESTAMP_ANSWER_BYTES: usize = 256 * 1024;
