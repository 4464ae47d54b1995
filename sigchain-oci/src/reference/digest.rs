//! Content digests (`sha256:<hex>`), the names registries give manifests and blobs.

use std::fmt;
use std::str::FromStr;

use sigchain_core::crypto::{sha256, sha512};
use sigchain_core::encoding::hex_encode;

/// The digest algorithms an image reference may name.
///
/// These are the two the OCI image spec registers. The reference grammar admits any
/// algorithm name (`[A-Za-z][A-Za-z0-9]*` components joined by `-_+.`), but a digest
/// nobody can compute cannot be checked, so others are refused
/// ([`DigestError::UnsupportedAlgorithm`]), as `go-digest` refuses algorithms not linked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestAlgorithm {
    /// SHA-256: 64 hex digits. The one every registry supports.
    Sha256,
    /// SHA-512: 128 hex digits.
    Sha512,
}

impl DigestAlgorithm {
    /// The name used in a digest string (`sha256`, `sha512`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }

    /// How many hex digits an encoded digest of this algorithm has.
    pub const fn hex_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 64,
            DigestAlgorithm::Sha512 => 128,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(DigestAlgorithm::Sha256),
            "sha512" => Some(DigestAlgorithm::Sha512),
            _ => None,
        }
    }

    fn hash(self, bytes: &[u8]) -> String {
        match self {
            DigestAlgorithm::Sha256 => hex_encode(&sha256(bytes)),
            DigestAlgorithm::Sha512 => hex_encode(&sha512(bytes)),
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A well-formed content digest: a supported algorithm and its lowercase hex encoding of
/// the right length.
///
/// ```
/// use sigchain_oci::reference::Digest;
///
/// let manifest = br#"{"schemaVersion":2}"#;
/// let digest = Digest::sha256_of(manifest);
/// assert!(digest.to_string().starts_with("sha256:"));
/// assert_eq!(Digest::parse(&digest.to_string())?, digest);
/// digest.verify(manifest)?;
/// assert!(digest.verify(b"something else").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: DigestAlgorithm,
    hex: String,
}

impl Digest {
    /// Parse `algorithm:hex`.
    ///
    /// The checks follow `distribution/reference` and `go-digest`, in their order: the
    /// grammar (`algorithm` components, then at least 32 hex digits of either case), then a
    /// supported algorithm, then the algorithm's length, then lowercase hex.
    pub fn parse(text: &str) -> Result<Self, DigestError> {
        let (name, encoded) = text.split_once(':').ok_or(DigestError::Malformed)?;
        if !is_algorithm_name(name)
            || encoded.len() < MIN_ENCODED_LEN
            || !encoded.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(DigestError::Malformed);
        }
        let algorithm =
            DigestAlgorithm::from_name(name).ok_or_else(|| DigestError::UnsupportedAlgorithm {
                algorithm: name.to_owned(),
            })?;
        if encoded.len() != algorithm.hex_len() {
            return Err(DigestError::WrongLength {
                algorithm,
                expected: algorithm.hex_len(),
                found: encoded.len(),
            });
        }
        if encoded.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(DigestError::UppercaseHex);
        }
        Ok(Digest {
            algorithm,
            hex: encoded.to_owned(),
        })
    }

    /// The digest of `bytes` with `algorithm`.
    pub fn of(algorithm: DigestAlgorithm, bytes: &[u8]) -> Self {
        Digest {
            algorithm,
            hex: algorithm.hash(bytes),
        }
    }

    /// The SHA-256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> Self {
        Self::of(DigestAlgorithm::Sha256, bytes)
    }

    /// Check that `bytes` hash to this digest, with this digest's algorithm.
    ///
    /// Content fetched by digest is untrusted until this passes: a registry may serve
    /// anything under any name.
    pub fn verify(&self, bytes: &[u8]) -> Result<(), DigestMismatch> {
        let computed = Self::of(self.algorithm, bytes);
        if computed == *self {
            Ok(())
        } else {
            Err(DigestMismatch {
                expected: self.clone(),
                computed,
            })
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The lowercase hex encoding, without the algorithm.
    pub fn hex(&self) -> &str {
        &self.hex
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Fewer hex digits than this do not even match the reference grammar's digest.
const MIN_ENCODED_LEN: usize = 32;

/// `[A-Za-z][A-Za-z0-9]*` components joined by one of `-_+.`.
fn is_algorithm_name(name: &str) -> bool {
    !name.is_empty()
        && name.split(['-', '_', '+', '.']).all(|component| {
            let mut bytes = component.bytes();
            bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
                && bytes.all(|b| b.is_ascii_alphanumeric())
        })
}

/// Why a digest string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// Not `algorithm:hex` with a grammatical algorithm name and at least 32 hex digits.
    #[error("malformed digest: expected `algorithm:hex` with at least 32 hex digits")]
    Malformed,
    /// A well-formed algorithm name other than `sha256` and `sha512`.
    #[error("unsupported digest algorithm {algorithm:?}")]
    UnsupportedAlgorithm {
        /// The algorithm named.
        algorithm: String,
    },
    /// The hex encoding has the wrong length for its algorithm.
    #[error("a {algorithm} digest has {expected} hex digits, this one has {found}")]
    WrongLength {
        /// The algorithm named.
        algorithm: DigestAlgorithm,
        /// Its hex length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// Uppercase hex digits: digests are compared as strings, so only lowercase is canonical.
    #[error("digest hex must be lowercase")]
    UppercaseHex,
}

/// Content that does not hash to the digest it was fetched by.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("content digest mismatch: expected {expected}, computed {computed}")]
pub struct DigestMismatch {
    /// The digest the content should have.
    pub expected: Digest,
    /// The digest it has.
    pub computed: Digest,
}
