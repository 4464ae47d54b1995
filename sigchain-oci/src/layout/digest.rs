//! The one digest form a layout stores blobs under: `sha256:` and 64 lowercase hex digits.
//!
//! Private to the layout until `sigchain_oci::reference::Digest` lands; then this module
//! should give way to it.

use sigchain_core::crypto::Sha256Digest;

use super::LayoutError;

/// A SHA-256 digest whose text was checked to be exactly `sha256:` + 64 lowercase hex digits,
/// so its hex part is safe to use as a file name (no separators, no `..`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlobDigest(Sha256Digest);

impl BlobDigest {
    pub(crate) fn of(content: &[u8]) -> Self {
        BlobDigest(Sha256Digest::of(content))
    }

    pub(crate) fn from_digest(digest: Sha256Digest) -> Self {
        BlobDigest(digest)
    }

    /// Parse `sha256:<64 lowercase hex>`; any other algorithm is refused rather than guessed at.
    pub(crate) fn parse(text: &str) -> Result<Self, LayoutError> {
        let Some((algorithm, hex)) = text.split_once(':') else {
            return Err(LayoutError::InvalidDigest {
                digest: text.to_owned(),
            });
        };
        if algorithm != "sha256" {
            return Err(LayoutError::UnsupportedDigestAlgorithm {
                digest: text.to_owned(),
            });
        }
        // Lowercase only: the spec requires it, and two spellings of one blob would be two paths.
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(LayoutError::InvalidDigest {
                digest: text.to_owned(),
            });
        }
        Sha256Digest::from_hex(hex)
            .map(BlobDigest)
            .ok_or_else(|| LayoutError::InvalidDigest {
                digest: text.to_owned(),
            })
    }

    pub(crate) fn hex(&self) -> String {
        self.0.to_hex()
    }

    pub(crate) fn to_oci(self) -> oci_spec::image::Digest {
        // Cannot fail: the text is `sha256:` + 64 lowercase hex, which oci-spec accepts.
        oci_spec::image::Digest::try_from(self.to_string())
            .unwrap_or_else(|_| unreachable!("a sha256 digest in canonical form"))
    }
}

impl std::fmt::Display for BlobDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sha256:{}", self.0.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_sha256_parses() {
        let hex = "a".repeat(64);
        assert!(BlobDigest::parse(&format!("sha256:{hex}")).is_ok());
        for bad in [
            format!("sha256:{}", "A".repeat(64)),
            format!("sha256:{}", "a".repeat(63)),
            format!("sha256:{}", "a".repeat(65)),
            "sha256:../../../../etc/passwd".to_owned(),
            format!("sha256:{}/..", "a".repeat(61)),
            hex.clone(),
        ] {
            assert!(
                matches!(
                    BlobDigest::parse(&bad),
                    Err(LayoutError::InvalidDigest { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            BlobDigest::parse(&format!("sha512:{}", "a".repeat(128))),
            Err(LayoutError::UnsupportedDigestAlgorithm { .. })
        ));
    }

    #[test]
    fn display_round_trips() {
        let d = BlobDigest::of(b"hello");
        assert_eq!(BlobDigest::parse(&d.to_string()).ok(), Some(d));
        assert_eq!(d.to_oci().to_string(), d.to_string());
    }
}
