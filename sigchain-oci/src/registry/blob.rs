//! A blob's bytes checked as they arrive: counted against the descriptor's size and the
//! limit, hashed with the digest's algorithm, and judged at the end.

use sha2::Digest as _;

use super::RegistryError;
use crate::reference::{Digest, DigestAlgorithm};
use sigchain_core::encoding::hex_encode;

enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

/// The running check of one blob.
///
/// ```
/// use sigchain_oci::reference::Digest;
/// use sigchain_oci::registry::BlobCheck;
/// let digest = Digest::sha256_of(b"hello world");
/// let mut check = BlobCheck::new(&digest, Some(11), 1024);
/// check.update(b"hello ")?;
/// check.update(b"world")?;
/// check.finish()?;
/// let mut check = BlobCheck::new(&digest, Some(11), 1024);
/// check.update(b"hello there")?;
/// assert!(check.finish().is_err());
/// # Ok::<(), sigchain_oci::registry::RegistryError>(())
/// ```
pub struct BlobCheck {
    expected: Digest,
    expected_size: Option<u64>,
    limit: u64,
    received: u64,
    hasher: Hasher,
}

impl BlobCheck {
    /// Check a blob named `expected`, of `expected_size` bytes if known, at most `limit`.
    pub fn new(expected: &Digest, expected_size: Option<u64>, limit: u64) -> BlobCheck {
        BlobCheck {
            expected: expected.clone(),
            expected_size,
            limit,
            received: 0,
            hasher: match expected.algorithm() {
                DigestAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
                DigestAlgorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
            },
        }
    }

    /// Take the next bytes; fails as soon as there are more than the size or the limit.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), RegistryError> {
        self.received = self.received.saturating_add(chunk.len() as u64);
        if let Some(expected) = self.expected_size {
            if self.received > expected {
                return Err(RegistryError::BlobSizeMismatch {
                    digest: self.expected.to_string(),
                    expected,
                    received: self.received,
                });
            }
        }
        if self.received > self.limit {
            return Err(RegistryError::TooLarge {
                what: "blob",
                limit: self.limit,
            });
        }
        match &mut self.hasher {
            Hasher::Sha256(h) => h.update(chunk),
            Hasher::Sha512(h) => h.update(chunk),
        }
        Ok(())
    }

    /// Bytes taken so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Judge the whole: the size the descriptor gave, and the digest.
    pub fn finish(self) -> Result<(), RegistryError> {
        if let Some(expected) = self.expected_size {
            if self.received != expected {
                return Err(RegistryError::BlobSizeMismatch {
                    digest: self.expected.to_string(),
                    expected,
                    received: self.received,
                });
            }
        }
        let hex = match self.hasher {
            Hasher::Sha256(h) => hex_encode(&h.finalize()),
            Hasher::Sha512(h) => hex_encode(&h.finalize()),
        };
        if hex != self.expected.hex() {
            return Err(RegistryError::BlobDigestMismatch {
                expected: self.expected.to_string(),
                computed: format!("{}:{hex}", self.expected.algorithm()),
            });
        }
        Ok(())
    }
}
