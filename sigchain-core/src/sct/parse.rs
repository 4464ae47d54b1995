//! The TLS encoding of a `SignedCertificateTimestampList` (RFC 6962 §3.3) and of each
//! `SignedCertificateTimestamp` v1 in it (§3.2).
//!
//! Every length is checked against the bytes that remain before anything is read, and nothing
//! may follow a structure: a list with trailing bytes is rejected rather than half-read, so two
//! parsers can never disagree on which SCTs a certificate carries.

use super::SctError;

/// Most SCTs accepted in one certificate. Fulcio embeds one; browsers ask for two or three.
/// The bound keeps a hostile list (up to 64 KiB, ~1,300 minimal SCTs) from costing a
/// signature check each.
pub const MAX_EMBEDDED_SCTS: usize = 32;

/// A signed certificate timestamp as it travels, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCertificateTimestamp {
    /// SHA-256 of the log's DER public key (RFC 6962 §3.2 `LogID`).
    pub log_id: [u8; 32],
    /// Milliseconds since the Unix epoch at which the log promised to include the entry.
    pub timestamp_ms: u64,
    /// `CtExtensions`: opaque to RFC 6962, used by Static CT (C2SP static-ct-api) for the leaf
    /// index. Covered by the signature, so it is kept byte for byte.
    pub extensions: Vec<u8>,
    /// TLS `HashAlgorithm` code of the signature (RFC 5246 §7.4.1.4.1: 4 = SHA-256).
    pub hash_algorithm: u8,
    /// TLS `SignatureAlgorithm` code (3 = ECDSA, 7 = Ed25519 per RFC 8422).
    pub signature_algorithm: u8,
    /// The signature bytes (ASN.1 DER for ECDSA).
    pub signature: Vec<u8>,
}

/// Parse a TLS-encoded `SignedCertificateTimestampList`: a 16-bit length, then SCTs each
/// prefixed by a 16-bit length. Only SCT version 1 is understood.
///
/// ```
/// use sigchain_core::sct::parse_sct_list;
/// assert!(parse_sct_list(&[0x00, 0x00]).is_err()); // the list must not be empty
/// ```
pub fn parse_sct_list(bytes: &[u8]) -> Result<Vec<SignedCertificateTimestamp>, SctError> {
    let mut outer = Reader::new(bytes, 0);
    let list = outer.vec16()?;
    outer.finish()?;
    // RFC 6962 §3.3: `SerializedSCT sct_list <1..2^16-1>`.
    if list.is_empty() {
        return Err(malformed(2, "empty SCT list"));
    }
    let mut reader = Reader::new(list, 2);
    let mut scts = Vec::new();
    while !reader.is_empty() {
        if scts.len() == MAX_EMBEDDED_SCTS {
            return Err(SctError::TooManyScts {
                max: MAX_EMBEDDED_SCTS,
            });
        }
        let offset = reader.offset() + 2;
        let sct = reader.vec16()?;
        // `opaque SerializedSCT<1..2^16-1>`.
        if sct.is_empty() {
            return Err(malformed(offset, "empty serialized SCT"));
        }
        scts.push(parse_sct(sct, offset)?);
    }
    Ok(scts)
}

fn parse_sct(bytes: &[u8], base: usize) -> Result<SignedCertificateTimestamp, SctError> {
    let mut r = Reader::new(bytes, base);
    let version = r.u8()?;
    // Only v1 (0) is defined by RFC 6962; a later version has a different layout.
    if version != 0 {
        return Err(SctError::UnsupportedVersion { version });
    }
    let log_id = r.array::<32>()?;
    let timestamp_ms = r.u64()?;
    let extensions = r.vec16()?.to_vec();
    let hash_algorithm = r.u8()?;
    let signature_algorithm = r.u8()?;
    let signature = r.vec16()?.to_vec();
    r.finish()?;
    Ok(SignedCertificateTimestamp {
        log_id,
        timestamp_ms,
        extensions,
        hash_algorithm,
        signature_algorithm,
        signature,
    })
}

fn malformed(offset: usize, reason: &'static str) -> SctError {
    SctError::MalformedSctList { offset, reason }
}

/// A bounds-checked cursor; `base` places its offsets within the whole list for error reports.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], base: usize) -> Self {
        Reader { data, pos: 0, base }
    }

    fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], SctError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| malformed(self.offset(), "length overflow"))?;
        let out = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| malformed(self.offset(), "truncated"))?;
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SctError> {
        let at = self.offset();
        self.take(N)?
            .try_into()
            .map_err(|_| malformed(at, "truncated"))
    }

    fn u8(&mut self) -> Result<u8, SctError> {
        Ok(u8::from_be_bytes(self.array::<1>()?))
    }

    fn u16(&mut self) -> Result<u16, SctError> {
        Ok(u16::from_be_bytes(self.array::<2>()?))
    }

    fn u64(&mut self) -> Result<u64, SctError> {
        Ok(u64::from_be_bytes(self.array::<8>()?))
    }

    /// A TLS `opaque<0..2^16-1>`: 16-bit big-endian length, then that many bytes.
    fn vec16(&mut self) -> Result<&'a [u8], SctError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    fn finish(&self) -> Result<(), SctError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(malformed(self.offset(), "trailing bytes"))
        }
    }
}

/// The inverse of [`parse_sct_list`], for tests that build or alter lists.
#[cfg(any(test, feature = "test-double"))]
pub(crate) fn encode_sct_list(scts: &[SignedCertificateTimestamp]) -> Option<Vec<u8>> {
    fn push16(out: &mut Vec<u8>, bytes: &[u8]) -> Option<()> {
        out.extend(u16::try_from(bytes.len()).ok()?.to_be_bytes());
        out.extend(bytes);
        Some(())
    }
    let mut list = Vec::new();
    for sct in scts {
        let mut one = vec![0u8];
        one.extend(sct.log_id);
        one.extend(sct.timestamp_ms.to_be_bytes());
        push16(&mut one, &sct.extensions)?;
        one.push(sct.hash_algorithm);
        one.push(sct.signature_algorithm);
        push16(&mut one, &sct.signature)?;
        push16(&mut list, &one)?;
    }
    let mut out = Vec::new();
    push16(&mut out, &list)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> SignedCertificateTimestamp {
        SignedCertificateTimestamp {
            log_id: [7; 32],
            timestamp_ms: 1_700_000_000_123,
            extensions: vec![0, 0, 0, 0, 0, 1, 2, 3],
            hash_algorithm: 4,
            signature_algorithm: 3,
            signature: vec![0x30, 0x02, 0x01, 0x00],
        }
    }

    #[test]
    fn parses_what_it_encodes() {
        let list = encode_sct_list(&[sample(), sample()]).unwrap();
        assert_eq!(parse_sct_list(&list).unwrap(), vec![sample(), sample()]);
    }

    #[test]
    fn rejects_truncation_at_every_length() {
        let list = encode_sct_list(&[sample()]).unwrap();
        for len in 0..list.len() {
            assert!(
                matches!(
                    parse_sct_list(&list[..len]),
                    Err(SctError::MalformedSctList { .. })
                ),
                "prefix of {len} bytes accepted"
            );
        }
    }

    #[test]
    fn rejects_trailing_bytes_after_list_and_inside_sct() {
        let mut list = encode_sct_list(&[sample()]).unwrap();
        list.push(0);
        assert_eq!(
            parse_sct_list(&list),
            Err(SctError::MalformedSctList {
                offset: list.len() - 1,
                reason: "trailing bytes"
            })
        );

        // One extra byte inside the serialized SCT, with both lengths grown to cover it.
        let mut list = encode_sct_list(&[sample()]).unwrap();
        list.push(0);
        let outer = u16::from_be_bytes([list[0], list[1]]) + 1;
        list[..2].copy_from_slice(&outer.to_be_bytes());
        let inner = u16::from_be_bytes([list[2], list[3]]) + 1;
        list[2..4].copy_from_slice(&inner.to_be_bytes());
        assert!(matches!(
            parse_sct_list(&list),
            Err(SctError::MalformedSctList {
                reason: "trailing bytes",
                ..
            })
        ));
    }

    #[test]
    fn rejects_empty_list_empty_sct_and_other_versions() {
        assert!(matches!(
            parse_sct_list(&[0, 0]),
            Err(SctError::MalformedSctList {
                reason: "empty SCT list",
                ..
            })
        ));
        assert!(matches!(
            parse_sct_list(&[0, 2, 0, 0]),
            Err(SctError::MalformedSctList {
                reason: "empty serialized SCT",
                ..
            })
        ));
        let mut list = encode_sct_list(&[sample()]).unwrap();
        list[4] = 1;
        assert_eq!(
            parse_sct_list(&list),
            Err(SctError::UnsupportedVersion { version: 1 })
        );
    }

    #[test]
    fn rejects_more_than_the_bound() {
        let many = vec![sample(); MAX_EMBEDDED_SCTS + 1];
        let list = encode_sct_list(&many).unwrap();
        assert_eq!(
            parse_sct_list(&list),
            Err(SctError::TooManyScts {
                max: MAX_EMBEDDED_SCTS
            })
        );
        let list = encode_sct_list(&many[1..]).unwrap();
        assert_eq!(parse_sct_list(&list).unwrap().len(), MAX_EMBEDDED_SCTS);
    }

    fn arb_sct() -> impl Strategy<Value = SignedCertificateTimestamp> {
        (
            any::<[u8; 32]>(),
            any::<u64>(),
            proptest::collection::vec(any::<u8>(), 0..40),
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..80),
        )
            .prop_map(|(log_id, timestamp_ms, extensions, h, s, signature)| {
                SignedCertificateTimestamp {
                    log_id,
                    timestamp_ms,
                    extensions,
                    hash_algorithm: h,
                    signature_algorithm: s,
                    signature,
                }
            })
    }

    proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_sct_list(&bytes);
        }

        #[test]
        fn parser_never_panics_on_near_valid(
            scts in proptest::collection::vec(arb_sct(), 1..4),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut list = encode_sct_list(&scts).unwrap();
            let i = at.index(list.len());
            list[i] = byte;
            let _ = parse_sct_list(&list);
        }

        #[test]
        fn list_round_trips(scts in proptest::collection::vec(arb_sct(), 1..4)) {
            let list = encode_sct_list(&scts).unwrap();
            prop_assert_eq!(parse_sct_list(&list).unwrap(), scts);
        }
    }
}
