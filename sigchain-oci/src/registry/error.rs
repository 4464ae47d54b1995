//! [`RegistryError`]: why a registry operation failed, with the facts of each failed check.

use std::fmt;

use crate::auth::challenge::ChallengeError;
use crate::auth::docker_config::DockerConfigError;
use crate::layout::LayoutError;

/// One entry of an OCI error body (`{"errors":[{"code":…,"message":…}]}`), truncated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciErrorEntry {
    /// The error code (`MANIFEST_UNKNOWN`, `UNAUTHORIZED`, `DENIED`, …).
    pub code: String,
    /// The registry's message.
    pub message: String,
}

/// The entries of an error body, shown as `CODE: message; …`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OciErrors(pub Vec<OciErrorEntry>);

impl fmt::Display for OciErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no error body");
        }
        for (i, entry) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", entry.code, entry.message)?;
        }
        Ok(())
    }
}

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The registry answered with a status the operation does not expect.
    #[error("{registry}: {what} answered {status} ({errors})")]
    Status {
        /// The registry host.
        registry: String,
        /// What was asked (`GET manifest v1`).
        what: String,
        /// The status.
        status: u16,
        /// The OCI error body, if it had one.
        errors: OciErrors,
    },
    /// Still 401 after authenticating: the credentials are wrong or lack the rights.
    #[error("{registry}: authentication failed for {scope} ({errors}); check the credentials for this registry")]
    Unauthorized {
        /// The registry host.
        registry: String,
        /// The access asked for.
        scope: String,
        /// The OCI error body, if any.
        errors: OciErrors,
    },
    /// The token endpoint refused the credentials.
    #[error("{registry}: the token endpoint refused the credentials ({status})")]
    CredentialsRejected {
        /// The registry host.
        registry: String,
        /// The token endpoint's status.
        status: u16,
    },
    /// A 401 with no `WWW-Authenticate` header, or none this client can answer.
    #[error("{registry}: 401 without a challenge this client speaks ({found})")]
    NoUsableChallenge {
        /// The registry host.
        registry: String,
        /// What the header said (scheme names only).
        found: String,
    },
    /// A Basic challenge, and no user name and password for this registry.
    #[error("{registry}: asks for Basic authentication and no credentials are configured for it")]
    NoCredentials {
        /// The registry host.
        registry: String,
    },
    /// The `WWW-Authenticate` header could not be read.
    #[error("{registry}: {source}")]
    Challenge {
        /// The registry host.
        registry: String,
        /// Why.
        source: ChallengeError,
    },
    /// The token answer is unusable.
    #[error("token answer from {realm}: {reason}")]
    Token {
        /// The token endpoint.
        realm: String,
        /// Why.
        reason: String,
    },
    /// The Docker configuration or a credential helper's answer is unusable.
    #[error("credentials: {0}")]
    DockerConfig(#[from] DockerConfigError),
    /// A credential helper failed.
    #[error("credential helper {helper} for {registry}: {reason}")]
    CredentialHelper {
        /// The program.
        helper: String,
        /// The registry asked about.
        registry: String,
        /// Why (never its output, which may hold a secret).
        reason: String,
    },
    /// A manifest whose bytes do not hash to the digest it was asked for by.
    #[error("{registry}: manifest does not match the digest it was fetched by: expected {expected}, computed {computed}")]
    ManifestDigestMismatch {
        /// The registry host.
        registry: String,
        /// The digest asked for.
        expected: String,
        /// The digest of the bytes served.
        computed: String,
    },
    /// The `Docker-Content-Digest` header names other content than the body.
    #[error("{registry}: Docker-Content-Digest {header} does not match the content, whose digest is {computed}")]
    HeaderDigestMismatch {
        /// The registry host.
        registry: String,
        /// The header's digest.
        header: String,
        /// The digest computed.
        computed: String,
    },
    /// A blob whose bytes do not hash to its digest.
    #[error("blob does not match its digest: expected {expected}, computed {computed}")]
    BlobDigestMismatch {
        /// The descriptor's digest.
        expected: String,
        /// The digest of the bytes served.
        computed: String,
    },
    /// A blob of another size than its descriptor says.
    #[error("blob {digest} has {received} bytes, its descriptor says {expected}")]
    BlobSizeMismatch {
        /// The blob.
        digest: String,
        /// The descriptor's size.
        expected: u64,
        /// Bytes received (at least).
        received: u64,
    },
    /// An answer over its limit.
    #[error("{what} is larger than the {limit}-byte limit")]
    TooLarge {
        /// What was read.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// An answer that is not the JSON expected.
    #[error("{what} is not the JSON expected: {reason}")]
    Json {
        /// What was read.
        what: &'static str,
        /// The parser's reason.
        reason: String,
    },
    /// A manifest that does not parse as one.
    #[error("manifest: {0}")]
    Manifest(#[from] LayoutError),
    /// A header the operation needs is missing or malformed.
    #[error("{registry}: header {header}: {problem}")]
    BadHeader {
        /// The registry host.
        registry: String,
        /// The header's name.
        header: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// No manifest of the index is for the platform asked for.
    #[error("no manifest for {wanted} in the index (it has: {available})")]
    NoPlatformMatch {
        /// The platform asked for.
        wanted: String,
        /// The platforms listed.
        available: String,
    },
    /// A tag list that goes on for more pages than the limit.
    #[error("{registry}: tag list longer than {limit} pages")]
    TooManyPages {
        /// The registry host.
        registry: String,
        /// The page limit.
        limit: usize,
    },
    /// A URL this client refuses to contact: plain HTTP to a host that is neither loopback
    /// nor on the insecure list, or a link to another host.
    #[error("refusing {url}: {reason}")]
    RefusedUrl {
        /// The URL (without query).
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// The transport failed (connection, timeout, TLS).
    #[error("{registry}: {reason}")]
    Transport {
        /// The registry host (or token realm host).
        registry: String,
        /// What went wrong.
        reason: String,
    },
    /// Writing a streamed blob failed.
    #[error("writing the blob: {0}")]
    Write(#[source] std::io::Error),
}
