//! Every bound the registry client applies to what a registry (or a token server) sends.

/// Bounds on answers, in one place and passed down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryLimits {
    /// Largest manifest read: 4 MiB, the limit distribution itself enforces on upload.
    pub max_manifest_bytes: u64,
    /// Largest blob read into memory or streamed.
    pub max_blob_bytes: u64,
    /// Largest JSON answer other than a manifest (tag lists, referrers indexes).
    pub max_json_bytes: u64,
    /// Largest token-endpoint answer.
    pub max_token_bytes: u64,
    /// Largest error body read (the rest of an error answer is dropped).
    pub max_error_bytes: u64,
    /// Most pages of a tag list followed through `Link` headers.
    pub max_tag_pages: usize,
    /// Most tags collected over all pages.
    pub max_tags: usize,
    /// Most descriptors accepted in a referrers answer.
    pub max_referrers: usize,
    /// Largest header value read (`Link`, `Location`, `WWW-Authenticate`).
    pub max_header_bytes: usize,
}

impl Default for RegistryLimits {
    fn default() -> Self {
        RegistryLimits {
            max_manifest_bytes: 4 * 1024 * 1024,
            max_blob_bytes: 1024 * 1024 * 1024,
            max_json_bytes: 4 * 1024 * 1024,
            max_token_bytes: 64 * 1024,
            max_error_bytes: 64 * 1024,
            max_tag_pages: 100,
            max_tags: 100_000,
            max_referrers: 10_000,
            max_header_bytes: 8 * 1024,
        }
    }
}

/// Most error entries kept from an OCI error body.
pub const MAX_ERROR_ENTRIES: usize = 8;
/// Longest error code or message kept, in characters.
pub const MAX_ERROR_TEXT: usize = 512;
