//! Byte encodings used by Sigstore JSON: standard base64 (protobuf JSON `bytes`) and hex.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that travel as standard, padded base64 in JSON (protobuf `bytes` fields).
///
/// Decoding also accepts the URL-safe alphabet and missing padding, as protobuf's JSON
/// mapping does; encoding always writes standard padded base64 so output matches the
/// ecosystem byte for byte.
#[derive(Clone, PartialEq, Eq, Default, Hash)]
pub struct Base64Bytes(pub Vec<u8>);

impl Base64Bytes {
    /// The decoded bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Base64Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64Bytes({})", base64_encode(&self.0))
    }
}

impl From<Vec<u8>> for Base64Bytes {
    fn from(v: Vec<u8>) -> Self {
        Base64Bytes(v)
    }
}

impl AsRef<[u8]> for Base64Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64_encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        base64_decode(&s)
            .map(Base64Bytes)
            .ok_or_else(|| serde::de::Error::custom("invalid base64"))
    }
}

/// Standard padded base64.
pub fn base64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decode base64 as protobuf JSON does: standard or URL-safe alphabet, padding optional.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    use base64::engine::DecodePaddingMode;
    const CONFIG: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STD_ANY_PAD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, CONFIG);
    const URL_ANY_PAD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, CONFIG);
    // Nearly every producer writes the standard alphabet: try it first, and look for the
    // URL-safe one only when that fails (the two share all but two symbols, so no text is
    // valid in both with different meanings unless it uses neither).
    STD_ANY_PAD
        .decode(text)
        .ok()
        .or_else(|| URL_ANY_PAD.decode(text).ok())
}

/// Where `part`, a subslice of `whole` (as every slice a DER reader over `whole` returns),
/// lies in it. Found from the two addresses, which is safe code and cheaper than tracking
/// reader positions through nested readers.
pub(crate) fn subslice_range(whole: &[u8], part: &[u8]) -> std::ops::Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// Lower-case hex.
pub fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

/// Decode hex (either case); `None` on odd length or a non-hex character.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn base64_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            prop_assert_eq!(base64_decode(&base64_encode(&bytes)), Some(bytes));
        }

        #[test]
        fn hex_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            prop_assert_eq!(hex_decode(&hex_encode(&bytes)), Some(bytes));
        }

        #[test]
        fn base64_decode_never_panics(text in ".{0,200}") {
            let _ = base64_decode(&text);
        }
    }

    #[test]
    fn base64_accepts_url_safe_and_unpadded() {
        assert_eq!(base64_decode("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(base64_decode("+/8="), Some(vec![0xfb, 0xff]));
        assert_eq!(base64_decode("+/8"), Some(vec![0xfb, 0xff]));
        assert_eq!(base64_decode("!!"), None);
    }

    #[test]
    fn subslice_ranges_index_the_same_bytes() {
        let whole = b"0123456789";
        for (start, end) in [(0, 0), (0, 10), (3, 7), (10, 10)] {
            let part = &whole[start..end];
            assert_eq!(subslice_range(whole, part), start..end);
        }
    }

    #[test]
    fn hex_rejects_bad_input() {
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
        assert_eq!(hex_decode("AbCd"), Some(vec![0xab, 0xcd]));
    }
}
