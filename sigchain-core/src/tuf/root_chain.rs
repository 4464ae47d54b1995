//! Root rotation (TUF 5.3): from a trusted `root.json`, accept `N+1.root.json` only when a
//! threshold of the old root's root keys and a threshold of its own root keys signed it.
//!
//! Sans-IO. Why not tough for this step: tough 0.24 refuses the public-good repository's early
//! roots (measured on `../shared/tuf/sigstore-production/`): it re-serializes the typed
//! `signed` object before checking signatures, so `1.root.json`'s `expires`
//! (`2021-12-18T13:28:12.99008-06:00`) canonicalizes differently and no signature verifies, and
//! it recomputes key IDs and rejects versions 2–11 ("Invalid key ID 7247f0db…: calculated
//! 0c87432c…"). This walker checks signatures over the canonical form of the document as
//! published (as the signers produced it) and treats key IDs as opaque names, as the TUF
//! specification and python-tuf do; it hands the newest root to tough for the rest.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::crypto::{HashAlgorithm, PublicKey};

/// Largest `root.json` accepted, in bytes (tough's default bound too).
pub const MAX_ROOT_BYTES: usize = 1024 * 1024;

/// Most keys one root may list.
const MAX_KEYS: usize = 256;
/// Most signatures on one root.
const MAX_SIGNATURES: usize = 256;
/// Nesting bound for canonicalization (a root is 4 levels deep).
const MAX_DEPTH: usize = 32;

/// Why a root was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RootError {
    /// Over [`MAX_ROOT_BYTES`].
    #[error("root.json is {0} bytes, over the limit")]
    TooLarge(usize),
    /// Not TUF root metadata.
    #[error("root.json is malformed: {0}")]
    Malformed(String),
    /// Not version N+1 of the trusted root.
    #[error("root version {fetched} does not follow trusted version {trusted}")]
    Version {
        /// The trusted root's version.
        trusted: u64,
        /// The offered root's version.
        fetched: u64,
    },
    /// Fewer valid signatures from a root's keys than its threshold.
    #[error("root version {version} has {valid} valid signatures from the {by} root's keys, below its threshold {threshold}")]
    Threshold {
        /// The root being checked.
        version: u64,
        /// Whose keys: "trusted" (version N) or "new" (its own).
        by: &'static str,
        /// Distinct keys whose signature verified.
        valid: usize,
        /// The threshold required.
        threshold: u64,
    },
}

/// A root that verified, with what the next step needs.
#[derive(Debug, Clone)]
pub struct TrustedTufRoot {
    /// The document's bytes as published.
    pub json: Vec<u8>,
    /// `signed.version`.
    pub version: u64,
    root_keys: BTreeMap<String, PublicKey>,
    threshold: u64,
}

impl TrustedTufRoot {
    /// Trust a root shipped out of band; it must be signed by a threshold of its own keys.
    pub fn initial(json: &[u8]) -> Result<TrustedTufRoot, RootError> {
        let (root, signed, signatures) = parse(json)?;
        count(&root, "new", &signed, &signatures)?;
        Ok(root)
    }

    /// TUF 5.3.4–5.3.5: accept `next` when it is version N+1 and both this root's and its own
    /// root keys signed it to threshold.
    pub fn rotate(&self, next: &[u8]) -> Result<TrustedTufRoot, RootError> {
        let (new, signed, signatures) = parse(next)?;
        if self.version.checked_add(1) != Some(new.version) {
            return Err(RootError::Version {
                trusted: self.version,
                fetched: new.version,
            });
        }
        let by_trusted = TrustedTufRoot {
            version: new.version,
            ..self.clone()
        };
        count(&by_trusted, "trusted", &signed, &signatures)?;
        count(&new, "new", &signed, &signatures)?;
        Ok(new)
    }
}

type Signatures = Vec<(String, Vec<u8>)>;

fn malformed(what: &str) -> RootError {
    RootError::Malformed(what.into())
}

fn parse(json: &[u8]) -> Result<(TrustedTufRoot, Vec<u8>, Signatures), RootError> {
    if json.len() > MAX_ROOT_BYTES {
        return Err(RootError::TooLarge(json.len()));
    }
    let doc: Value =
        serde_json::from_slice(json).map_err(|e| RootError::Malformed(e.to_string()))?;
    let signed = doc.get("signed").ok_or_else(|| malformed("no signed"))?;
    if signed.get("_type").and_then(Value::as_str) != Some("root") {
        return Err(malformed("_type is not root"));
    }
    let version = signed
        .get("version")
        .and_then(Value::as_u64)
        .filter(|v| *v > 0)
        .ok_or_else(|| malformed("version"))?;
    let role = signed
        .get("roles")
        .and_then(|r| r.get("root"))
        .ok_or_else(|| malformed("no root role"))?;
    let threshold = role
        .get("threshold")
        .and_then(Value::as_u64)
        .filter(|t| *t > 0)
        .ok_or_else(|| malformed("root threshold"))?;
    let keyids = role
        .get("keyids")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("root keyids"))?;
    let keys = signed
        .get("keys")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed("keys"))?;
    if keys.len() > MAX_KEYS || keyids.len() > MAX_KEYS {
        return Err(malformed("too many keys"));
    }
    let mut root_keys = BTreeMap::new();
    for id in keyids {
        let id = id.as_str().ok_or_else(|| malformed("keyid"))?;
        // A key of a type we cannot use just cannot count towards the threshold.
        if let Some(key) = keys.get(id).and_then(tuf_key) {
            root_keys.insert(id.to_owned(), key);
        }
    }
    let mut signatures = Vec::new();
    let sigs = doc
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("signatures"))?;
    if sigs.len() > MAX_SIGNATURES {
        return Err(malformed("too many signatures"));
    }
    for sig in sigs {
        let keyid = sig.get("keyid").and_then(Value::as_str);
        let bytes = sig.get("sig").and_then(Value::as_str).and_then(from_hex);
        if let (Some(keyid), Some(bytes)) = (keyid, bytes) {
            signatures.push((keyid.to_owned(), bytes));
        }
    }
    let mut canonical = Vec::with_capacity(json.len());
    canonicalize(signed, &mut canonical, 0)?;
    Ok((
        TrustedTufRoot {
            json: json.to_vec(),
            version,
            root_keys,
            threshold,
        },
        canonical,
        signatures,
    ))
}

/// Distinct `root`'s root keys with a valid signature over `signed` must reach its threshold.
fn count(
    root: &TrustedTufRoot,
    by: &'static str,
    signed: &[u8],
    signatures: &Signatures,
) -> Result<(), RootError> {
    let mut valid = BTreeSet::new();
    for (keyid, sig) in signatures {
        if let Some(key) = root.root_keys.get(keyid) {
            // TUF's schemes: ecdsa-sha2-nistp256 hashes with SHA-256; Ed25519 is pure.
            let hash = if key.kind() == crate::crypto::KeyKind::Ed25519 {
                HashAlgorithm::Sha512
            } else {
                HashAlgorithm::Sha256
            };
            if key.verify(signed, sig, hash).is_ok() {
                valid.insert(keyid.as_str());
            }
        }
    }
    if (valid.len() as u64) < root.threshold {
        return Err(RootError::Threshold {
            version: root.version,
            by,
            valid: valid.len(),
            threshold: root.threshold,
        });
    }
    Ok(())
}

/// SubjectPublicKeyInfo prefix of a P-256 key, before the 65-byte uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
/// SubjectPublicKeyInfo prefix of an Ed25519 key, before the 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// A TUF key object: ECDSA P-256 (PEM, or hex SEC1 point as early Sigstore roots have) with
/// scheme `ecdsa-sha2-nistp256`, or Ed25519 (hex). Other keys are not used.
fn tuf_key(key: &Value) -> Option<PublicKey> {
    let keytype = key.get("keytype")?.as_str()?;
    let scheme = key.get("scheme")?.as_str()?;
    let public = key.get("keyval")?.get("public")?.as_str()?;
    let parsed = match (keytype, scheme) {
        ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => {
            if public.trim_start().starts_with("-----BEGIN") {
                PublicKey::from_pem(public).ok()?
            } else {
                let point = from_hex(public).filter(|p| p.len() == 65)?;
                PublicKey::from_spki_der(&[&P256_SPKI_PREFIX[..], &point].concat()).ok()?
            }
        }
        ("ed25519", "ed25519") => {
            let raw = from_hex(public).filter(|p| p.len() == 32)?;
            PublicKey::from_spki_der(&[&ED25519_SPKI_PREFIX[..], &raw].concat()).ok()?
        }
        _ => return None,
    };
    let expected = if keytype == "ed25519" {
        crate::crypto::KeyKind::Ed25519
    } else {
        crate::crypto::KeyKind::EcdsaP256
    };
    (parsed.kind() == expected).then_some(parsed)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// OLPC canonical JSON, as TUF signs: object keys sorted, no whitespace, strings with only `"`
/// and `\` escaped, integers only.
fn canonicalize(value: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), RootError> {
    if depth > MAX_DEPTH {
        return Err(malformed("nested too deeply"));
    }
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            if n.is_f64() {
                return Err(malformed("non-integer number"));
            }
            out.extend_from_slice(n.to_string().as_bytes());
        }
        Value::String(s) => canonical_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonicalize(item, out, depth + 1)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // serde_json's map is ordered by key (byte order of UTF-8 = code point order).
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical_string(k, out);
                out.push(b':');
                canonicalize(v, out, depth + 1)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn canonical_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HISTORY: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/tuf/sigstore-production/metadata/root_history"
    );

    fn root(v: u64) -> Vec<u8> {
        std::fs::read(format!("{HISTORY}/{v}.root.json")).unwrap()
    }

    #[test]
    fn walks_the_public_good_history() {
        let mut trusted = TrustedTufRoot::initial(&root(1)).unwrap();
        for v in 2..=15 {
            trusted = trusted.rotate(&root(v)).unwrap();
        }
        assert_eq!(trusted.version, 15);
    }

    #[test]
    fn refuses_skipped_and_repeated_versions() {
        let r1 = TrustedTufRoot::initial(&root(1)).unwrap();
        assert_eq!(
            r1.rotate(&root(3)).unwrap_err(),
            RootError::Version {
                trusted: 1,
                fetched: 3
            }
        );
        assert!(matches!(
            r1.rotate(&root(1)),
            Err(RootError::Version { .. })
        ));
    }

    #[test]
    fn refuses_a_root_with_signatures_removed() {
        let r4 = TrustedTufRoot::initial(&root(4)).unwrap();
        let mut doc: Value = serde_json::from_slice(&root(5)).unwrap();
        // Keep two signatures: threshold 3 is no longer met by either key set.
        doc["signatures"].as_array_mut().unwrap().truncate(2);
        let err = r4.rotate(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
        assert!(
            matches!(err, RootError::Threshold { threshold: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_root_whose_signed_part_changed() {
        let r14 = TrustedTufRoot::initial(&root(14)).unwrap();
        let mut doc: Value = serde_json::from_slice(&root(15)).unwrap();
        doc["signed"]["expires"] = Value::String("2099-01-01T00:00:00Z".into());
        let err = r14.rotate(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
        assert!(
            matches!(
                err,
                RootError::Threshold {
                    by: "trusted",
                    valid: 0,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn canonical_form_escapes_only_quote_and_backslash() {
        let v: Value = serde_json::from_str(r#"{"b":"x\n\"\\","a":[1,null,true]}"#).unwrap();
        let mut out = Vec::new();
        canonicalize(&v, &mut out, 0).unwrap();
        assert_eq!(out, b"{\"a\":[1,null,true],\"b\":\"x\n\\\"\\\\\"}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let _ = TrustedTufRoot::initial(&bytes);
        }

        #[test]
        fn mutated_real_root_never_panics(pos in 0usize..100_000, byte in any::<u8>()) {
            let mut json = root(15);
            let i = pos % json.len();
            json[i] = byte;
            let _ = TrustedTufRoot::initial(&json);
        }
    }
}
