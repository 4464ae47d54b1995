//! Reading the private scalar and curve out of PKCS#8 and SEC1 DER, and writing the SPKI.
//!
//! Parsed here rather than by each backend so both accept exactly the same inputs.

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Reader, SliceReader, TagNumber};
use spki::AlgorithmIdentifierRef;

use super::KeyError;
use crate::crypto::KeyKind;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

// DER SubjectPublicKeyInfo up to the uncompressed point (RFC 5480).
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
const P384_SPKI_PREFIX: [u8; 23] = [
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
];

/// A private scalar (borrowed from the caller's zeroized buffer) and its curve.
pub(super) struct ParsedKey<'a> {
    pub kind: KeyKind,
    pub scalar: &'a [u8],
}

fn malformed(what: &'static str) -> impl Fn(der::Error) -> KeyError {
    move |_| KeyError::Malformed(what)
}

fn curve(oid: ObjectIdentifier) -> Result<KeyKind, KeyError> {
    match oid {
        OID_P256 => Ok(KeyKind::EcdsaP256),
        OID_P384 => Ok(KeyKind::EcdsaP384),
        other => Err(KeyError::UnsupportedAlgorithm(format!("EC curve {other}"))),
    }
}

/// RFC 5208 `PrivateKeyInfo` (v1) or RFC 5958 `OneAsymmetricKey` (v2) holding an EC key.
pub(super) fn parse_pkcs8(der: &[u8]) -> Result<ParsedKey<'_>, KeyError> {
    let bad = malformed("not a DER PKCS#8 PrivateKeyInfo");
    let mut reader = SliceReader::new(der).map_err(&bad)?;
    let (alg, private) = reader
        .sequence(|r| {
            let version: u8 = r.decode()?;
            if version > 1 {
                return Err(der::Tag::Integer.value_error());
            }
            let alg: AlgorithmIdentifierRef<'_> = r.decode()?;
            let private: OctetStringRef<'_> = r.decode()?;
            // attributes [0] and publicKey [1] (v2) are not needed.
            while !r.is_finished() {
                r.tlv_bytes()?;
            }
            Ok((alg, private))
        })
        .map_err(&bad)?;
    reader.finish(()).map_err(&bad)?;
    if alg.oid != OID_EC_PUBLIC_KEY {
        return Err(KeyError::UnsupportedAlgorithm(alg.oid.to_string()));
    }
    let named = alg
        .parameters_oid()
        .map_err(|_| KeyError::Malformed("EC key without a named curve"))?;
    parse_sec1(private.as_bytes(), Some(curve(named)?))
}

/// RFC 5915 `ECPrivateKey`; `outer` is the curve the PKCS#8 wrapper named, if any (the inner
/// parameters, when present, must agree).
pub(super) fn parse_sec1(der: &[u8], outer: Option<KeyKind>) -> Result<ParsedKey<'_>, KeyError> {
    let bad = malformed("not a DER SEC1 ECPrivateKey");
    let mut reader = SliceReader::new(der).map_err(&bad)?;
    let (scalar, inner) = reader
        .sequence(|r| {
            let version: u8 = r.decode()?;
            if version != 1 {
                return Err(der::Tag::Integer.value_error());
            }
            let scalar: OctetStringRef<'_> = r.decode()?;
            let params =
                r.context_specific::<ObjectIdentifier>(TagNumber::N0, der::TagMode::Explicit)?;
            // publicKey [1] is recomputed from the scalar.
            while !r.is_finished() {
                r.tlv_bytes()?;
            }
            Ok((scalar.as_bytes(), params))
        })
        .map_err(&bad)?;
    reader.finish(()).map_err(&bad)?;
    let kind = match (outer, inner) {
        (Some(a), Some(b)) if a != curve(b)? => {
            return Err(KeyError::Malformed("PKCS#8 and SEC1 name different curves"))
        }
        (Some(a), _) => a,
        (None, Some(b)) => curve(b)?,
        (None, None) => return Err(KeyError::Malformed("EC key without a named curve")),
    };
    let want = match kind {
        KeyKind::EcdsaP384 => 48,
        _ => 32,
    };
    if scalar.len() != want {
        return Err(KeyError::Malformed("private scalar has the wrong length"));
    }
    Ok(ParsedKey { kind, scalar })
}

/// The DER SubjectPublicKeyInfo of an uncompressed EC point.
pub(super) fn spki_der(kind: KeyKind, point: &[u8]) -> Result<Vec<u8>, KeyError> {
    let (prefix, len): (&[u8], usize) = match kind {
        KeyKind::EcdsaP256 => (&P256_SPKI_PREFIX, 65),
        KeyKind::EcdsaP384 => (&P384_SPKI_PREFIX, 97),
        other => return Err(KeyError::UnsupportedAlgorithm(format!("{other:?}"))),
    };
    if point.len() != len {
        return Err(KeyError::Backend("public point has the wrong length"));
    }
    let mut out = prefix.to_vec();
    out.extend_from_slice(point);
    Ok(out)
}
