//! in-toto attestation Statements (v0.1 and v1), the payload Sigstore signs in DSSE envelopes.
//!
//! A Statement binds a predicate (provenance, SBOM, ...) to subjects named by digest. The
//! verifier's job here is narrow: parse strictly, then confirm the artifact being verified is
//! one of the subjects, since an attestation says nothing about artifacts it does not name.
//!
//! ```
//! use sigchain_core::intoto::Statement;
//! use sigchain_core::limits::Limits;
//! let json = br#"{"_type":"https://in-toto.io/Statement/v1",
//!   "subject":[{"name":"a.txt","digest":{"sha256":"a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"}}],
//!   "predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#;
//! let statement = Statement::from_json(json, &Limits::DEFAULT).unwrap();
//! let digest = sigchain_core::encoding::hex_decode(
//!     "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf").unwrap();
//! assert_eq!(statement.subject_matching("sha256", &digest).unwrap().name, "a.txt");
//! ```

use std::collections::BTreeMap;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::dsse::Envelope;
use crate::limits::Limits;

/// The DSSE payload type of an in-toto Statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Why a Statement was rejected.
#[derive(Debug, thiserror::Error)]
pub enum IntotoError {
    /// The envelope's payload type is not [`PAYLOAD_TYPE`].
    #[error("DSSE payload type is {found:?}, not {PAYLOAD_TYPE}")]
    PayloadType {
        /// The type found.
        found: String,
    },
    /// The Statement JSON is larger than [`Limits::max_dsse_payload_bytes`].
    #[error("statement is {size} bytes, over the limit of {max}")]
    TooLarge {
        /// Bytes given.
        size: usize,
        /// The bound.
        max: usize,
    },
    /// Not JSON of the Statement shape (or a field appears twice).
    #[error("statement JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// `_type` names neither Statement v0.1 nor v1.
    #[error("unknown statement type {found:?}")]
    UnknownType {
        /// The `_type` found.
        found: String,
    },
    /// `subject` is empty: the statement would apply to nothing.
    #[error("statement has no subjects")]
    NoSubjects,
    /// More subjects than [`Limits::max_statement_subjects`].
    #[error("statement has {count} subjects, over the limit of {max}")]
    TooManySubjects {
        /// Subjects present.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// A subject without any digest (in-toto v1: each subject MUST have one).
    #[error("subject {index} has no digest")]
    EmptyDigest {
        /// Position in `subject`.
        index: usize,
    },
    /// The same algorithm twice in one digest set: parsers that keep the first and parsers
    /// that keep the last would match different artifacts.
    #[error("subject {index} names digest algorithm {algorithm:?} twice")]
    DuplicateDigestAlgorithm {
        /// Position in `subject`.
        index: usize,
        /// The repeated algorithm.
        algorithm: String,
    },
    /// A digest of a standard algorithm that is not lowercase hex of the right length.
    #[error("subject {index} has malformed {algorithm} digest {value:?}")]
    MalformedDigest {
        /// Position in `subject`.
        index: usize,
        /// The algorithm.
        algorithm: String,
        /// The value found.
        value: String,
    },
    /// `predicateType` is empty.
    #[error("statement has an empty predicateType")]
    EmptyPredicateType,
    /// `predicate` is present but not a JSON object.
    #[error("statement predicate is not a JSON object")]
    PredicateNotObject,
}

/// Which Statement schema a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementType {
    /// `https://in-toto.io/Statement/v0.1`
    V0_1,
    /// `https://in-toto.io/Statement/v1`
    V1,
}

impl StatementType {
    /// The `_type` URI.
    pub fn as_str(self) -> &'static str {
        match self {
            StatementType::V0_1 => "https://in-toto.io/Statement/v0.1",
            StatementType::V1 => "https://in-toto.io/Statement/v1",
        }
    }

    fn from_uri(uri: &str) -> Option<Self> {
        [StatementType::V0_1, StatementType::V1]
            .into_iter()
            .find(|t| t.as_str() == uri)
    }
}

/// An artifact the statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The artifact's name (optional in v1; empty when absent).
    pub name: String,
    /// Algorithm → digest; standard algorithms are lowercase hex.
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    /// A subject named `name` with its SHA-256 digest.
    ///
    /// ```
    /// let subject = sigchain_core::intoto::Subject::sha256("a.txt", &[0xab; 32]);
    /// assert_eq!(subject.digest["sha256"], "ab".repeat(32));
    /// ```
    pub fn sha256(name: impl Into<String>, digest: &[u8; 32]) -> Subject {
        Subject {
            name: name.into(),
            digest: [("sha256".to_owned(), crate::encoding::hex_encode(digest))].into(),
        }
    }
}

/// A parsed, checked in-toto Statement.
///
/// The predicate is kept as the JSON text that was signed: the verifier's business ends at the
/// subjects, and a provenance or SBOM predicate can be large, so it is only interpreted when
/// asked for ([`Statement::predicate`], [`Statement::predicate_as`]). Two statements are equal
/// when their fields and predicate texts are.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The declared schema.
    pub statement_type: StatementType,
    /// The artifacts it is about (at least one).
    pub subjects: Vec<Subject>,
    /// URI of the predicate's schema.
    pub predicate_type: String,
    /// The predicate's JSON text, an object (an absent predicate reads as `{}`, as v1
    /// specifies).
    predicate: Box<RawValue>,
}

impl PartialEq for Statement {
    fn eq(&self, other: &Self) -> bool {
        self.statement_type == other.statement_type
            && self.subjects == other.subjects
            && self.predicate_type == other.predicate_type
            && self.predicate.get() == other.predicate.get()
    }
}
impl Eq for Statement {}

impl Statement {
    /// A statement about `subjects` (at least one, as [`Statement::from_json`] requires of
    /// what it reads).
    ///
    /// ```
    /// use sigchain_core::intoto::{Statement, StatementType, Subject};
    /// let subject = Subject { name: "a.txt".into(), digest: [("sha256".into(), "ab".repeat(32))].into() };
    /// let predicate = serde_json::json!({"builder": {"id": "ci"}});
    /// let statement = Statement::new(StatementType::V1, vec![subject], "https://example.com/p".into(),
    ///     predicate.as_object().unwrap().clone()).unwrap();
    /// assert_eq!(statement.predicate_json(), r#"{"builder":{"id":"ci"}}"#);
    /// ```
    pub fn new(
        statement_type: StatementType,
        subjects: Vec<Subject>,
        predicate_type: String,
        predicate: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Statement, IntotoError> {
        Ok(Statement {
            statement_type,
            subjects,
            predicate_type,
            predicate: serde_json::value::to_raw_value(&predicate)?,
        })
    }

    /// The predicate's JSON text exactly as signed (`{}` when the statement had none).
    pub fn predicate_json(&self) -> &str {
        self.predicate.get()
    }

    /// The predicate as a JSON object.
    pub fn predicate(&self) -> Result<serde_json::Map<String, serde_json::Value>, IntotoError> {
        self.predicate_as()
    }

    /// The predicate decoded as `T`, e.g. a caller's SLSA provenance type.
    pub fn predicate_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, IntotoError> {
        Ok(serde_json::from_str(self.predicate.get())?)
    }

    /// Parse the payload of a DSSE envelope, after checking its payload type. The envelope's
    /// signature must already have been verified: only then is the payload type meaningful.
    pub fn from_envelope(envelope: &Envelope, limits: &Limits) -> Result<Statement, IntotoError> {
        if envelope.payload_type != PAYLOAD_TYPE {
            return Err(IntotoError::PayloadType {
                found: envelope.payload_type.clone(),
            });
        }
        Statement::from_json(envelope.payload.as_slice(), limits)
    }

    /// Parse and check a Statement. Unknown fields are ignored, as in-toto's parsing rules
    /// require; a known field given twice is rejected.
    pub fn from_json(json: &[u8], limits: &Limits) -> Result<Statement, IntotoError> {
        if json.len() > limits.max_dsse_payload_bytes {
            return Err(IntotoError::TooLarge {
                size: json.len(),
                max: limits.max_dsse_payload_bytes,
            });
        }
        let wire: wire::Statement = serde_json::from_slice(json)?;
        let statement_type = StatementType::from_uri(&wire.statement_type).ok_or_else(|| {
            IntotoError::UnknownType {
                found: wire.statement_type.clone(),
            }
        })?;
        if wire.subject.is_empty() {
            return Err(IntotoError::NoSubjects);
        }
        if wire.subject.len() > limits.max_statement_subjects {
            return Err(IntotoError::TooManySubjects {
                count: wire.subject.len(),
                max: limits.max_statement_subjects,
            });
        }
        let subjects = wire
            .subject
            .into_iter()
            .enumerate()
            .map(|(index, s)| check_subject(index, s))
            .collect::<Result<Vec<_>, _>>()?;
        if wire.predicate_type.is_empty() {
            return Err(IntotoError::EmptyPredicateType);
        }
        let predicate = match wire.predicate {
            // serde reads a JSON `null` as `None`.
            None => empty_object()?,
            Some(p) if p.get().starts_with('{') => p.to_owned(),
            Some(_) => return Err(IntotoError::PredicateNotObject),
        };
        Ok(Statement {
            statement_type,
            subjects,
            predicate_type: wire.predicate_type,
            predicate,
        })
    }

    /// Serialize as in-toto JSON, with the predicate text unchanged.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct SubjectOut<'a> {
            name: &'a str,
            digest: &'a BTreeMap<String, String>,
        }
        #[derive(Serialize)]
        struct StatementOut<'a> {
            #[serde(rename = "_type")]
            statement_type: &'static str,
            subject: Vec<SubjectOut<'a>>,
            #[serde(rename = "predicateType")]
            predicate_type: &'a str,
            predicate: &'a RawValue,
        }
        let doc = StatementOut {
            statement_type: self.statement_type.as_str(),
            subject: self
                .subjects
                .iter()
                .map(|s| SubjectOut {
                    name: &s.name,
                    digest: &s.digest,
                })
                .collect(),
            predicate_type: &self.predicate_type,
            predicate: &self.predicate,
        };
        // Strings, string maps and already-valid JSON text always serialize.
        serde_json::to_vec(&doc).unwrap_or_default()
    }

    /// The subject whose `algorithm` digest (e.g. `"sha256"`) equals `digest`, if any.
    /// Subjects are matched by digest alone, as in-toto specifies. Digests are compared as
    /// lower-case hex, the in-toto DigestSet encoding: parsing enforces it for the standard
    /// algorithms, and a non-standard algorithm's digest written in upper case never matches.
    pub fn subject_matching(&self, algorithm: &str, digest: &[u8]) -> Option<&Subject> {
        let wanted = crate::encoding::hex_encode(digest);
        self.subjects
            .iter()
            .find(|s| s.digest.get(algorithm).is_some_and(|v| *v == wanted))
    }
}

fn empty_object() -> Result<Box<RawValue>, IntotoError> {
    Ok(RawValue::from_string("{}".to_owned())?)
}

/// Hex length of each standard algorithm's digest (in-toto `digest_set.md`); `None` for the
/// standard variable-length ones, which must still be lowercase hex.
fn standard_hex_len(algorithm: &str) -> Option<Option<&'static [usize]>> {
    Some(match algorithm {
        "md5" => Some(&[32]),
        "sha1" | "ripemd160" => Some(&[40]),
        "sha224" | "sha512_224" | "sha3_224" => Some(&[56]),
        "sha256" | "sha512_256" | "sha3_256" | "sm3" | "dirHash" => Some(&[64]),
        "sha384" | "sha3_384" => Some(&[96]),
        "sha512" | "sha3_512" => Some(&[128]),
        "gitCommit" | "gitTree" | "gitBlob" | "gitTag" => Some(&[40, 64]),
        "shake128" | "shake256" | "blake2b" | "blake2s" | "gost" => None,
        _ => return None,
    })
}

fn check_subject(index: usize, subject: wire::Subject) -> Result<Subject, IntotoError> {
    if subject.digest.0.is_empty() {
        return Err(IntotoError::EmptyDigest { index });
    }
    Ok(Subject {
        name: subject.name,
        digest: check_digest_set(index, subject.digest)?,
    })
}

/// The in-toto DigestSet rules (`digest_set.md`): standard algorithms' digests are lowercase hex
/// of their length, and no algorithm appears twice. `index` names the position reported in
/// errors. Shared with the other in-toto ResourceDescriptors, e.g. SLSA provenance's.
pub(crate) fn check_digest_set(
    index: usize,
    entries: wire::DigestEntries,
) -> Result<BTreeMap<String, String>, IntotoError> {
    let mut digest = BTreeMap::new();
    for (algorithm, value) in entries.0 {
        if let Some(lengths) = standard_hex_len(&algorithm) {
            let hex_ok = !value.is_empty()
                && value.len() % 2 == 0
                && value
                    .bytes()
                    .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
            let len_ok = lengths.is_none_or(|l| l.contains(&value.len()));
            if !hex_ok || !len_ok {
                return Err(IntotoError::MalformedDigest {
                    index,
                    algorithm,
                    value,
                });
            }
        }
        if digest.contains_key(&algorithm) {
            return Err(IntotoError::DuplicateDigestAlgorithm { index, algorithm });
        }
        digest.insert(algorithm, value);
    }
    Ok(digest)
}

/// The JSON shape before checks.
pub(crate) mod wire {
    use super::*;

    #[derive(Deserialize)]
    pub(super) struct Statement<'a> {
        #[serde(rename = "_type")]
        pub statement_type: String,
        pub subject: Vec<Subject>,
        #[serde(rename = "predicateType")]
        pub predicate_type: String,
        #[serde(default, borrow)]
        pub predicate: Option<&'a RawValue>,
    }

    #[derive(Deserialize)]
    pub(super) struct Subject {
        #[serde(default)]
        pub name: String,
        #[serde(default)]
        pub digest: DigestEntries,
    }

    /// A digest object's entries in document order, duplicates kept so they can be refused.
    #[derive(Default)]
    pub(crate) struct DigestEntries(pub Vec<(String, String)>);

    impl<'de> Deserialize<'de> for DigestEntries {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct EntriesVisitor;
            impl<'de> Visitor<'de> for EntriesVisitor {
                type Value = DigestEntries;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object of algorithm → digest strings")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut entries = Vec::new();
                    while let Some(entry) = map.next_entry::<String, String>()? {
                        entries.push(entry);
                    }
                    Ok(DigestEntries(entries))
                }
            }
            d.deserialize_map(EntriesVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex_decode;
    use proptest::prelude::*;

    const A_TXT_SHA256: &str = "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";

    fn shared(path: &str) -> Vec<u8> {
        let full = format!("{}/../../shared/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    fn envelope_of(case: &str) -> Envelope {
        let json = shared(&format!(
            "conformance/bundle-verify/{case}/bundle.sigstore.json"
        ));
        let bundle: serde_json::Value = serde_json::from_slice(&json).unwrap();
        serde_json::from_value(bundle["dsseEnvelope"].clone()).unwrap()
    }

    fn parse(json: &str) -> Result<Statement, IntotoError> {
        Statement::from_json(json.as_bytes(), &Limits::DEFAULT)
    }

    fn doc(type_: &str, subject: &str) -> String {
        format!(
            r#"{{"_type":"{type_}","subject":{subject},"predicateType":"https://p/v1","predicate":{{"k":1}}}}"#
        )
    }

    fn with_digest(algorithm: &str, value: &str) -> Result<Statement, IntotoError> {
        let subject = format!(r#"[{{"digest":{{"{algorithm}":"{value}"}}}}]"#);
        parse(&doc("https://in-toto.io/Statement/v1", &subject))
    }

    #[test]
    fn standard_digests_must_be_lowercase_hex_of_their_length() {
        let fixed: &[(&str, &[usize])] = &[
            ("md5", &[32]),
            ("sha1", &[40]),
            ("ripemd160", &[40]),
            ("sha224", &[56]),
            ("sha512_224", &[56]),
            ("sha3_224", &[56]),
            ("sha256", &[64]),
            ("sha512_256", &[64]),
            ("sha3_256", &[64]),
            ("sm3", &[64]),
            ("dirHash", &[64]),
            ("sha384", &[96]),
            ("sha3_384", &[96]),
            ("sha512", &[128]),
            ("sha3_512", &[128]),
            ("gitCommit", &[40, 64]),
            ("gitTree", &[40, 64]),
            ("gitBlob", &[40, 64]),
            ("gitTag", &[40, 64]),
        ];
        for (algorithm, lengths) in fixed {
            for len in *lengths {
                with_digest(algorithm, &"a".repeat(*len)).unwrap();
                assert!(
                    with_digest(algorithm, &"A".repeat(*len)).is_err(),
                    "{algorithm}"
                );
            }
            assert!(
                with_digest(algorithm, &"ab".repeat(5)).is_err(),
                "{algorithm}"
            );
        }
        for algorithm in ["shake128", "shake256", "blake2b", "blake2s", "gost"] {
            with_digest(algorithm, &"ab".repeat(5)).unwrap();
            assert!(with_digest(algorithm, "AB").is_err(), "{algorithm}");
            assert!(with_digest(algorithm, "abc").is_err(), "{algorithm}");
            assert!(with_digest(algorithm, "").is_err(), "{algorithm}");
        }
        // Other algorithms' digests are opaque strings.
        with_digest("customHash", "Not-Hex").unwrap();
        // A digest set must be an object of strings, and the error says so.
        let subject = r#"[{"digest":["sha256"]}]"#;
        let error = parse(&doc("https://in-toto.io/Statement/v1", subject)).unwrap_err();
        assert!(
            error.to_string().contains("an object of algorithm"),
            "{error}"
        );
    }

    #[test]
    fn statements_differ_by_any_field() {
        let subject = format!(r#"[{{"digest":{{"sha256":"{A_TXT_SHA256}"}}}}]"#);
        let base = parse(&doc("https://in-toto.io/Statement/v1", &subject)).unwrap();
        assert_eq!(base, base.clone());
        let mut other = base.clone();
        other.statement_type = StatementType::V0_1;
        assert_ne!(base, other);
        let mut other = base.clone();
        other.subjects[0].name = "b.txt".into();
        assert_ne!(base, other);
        let mut other = base.clone();
        other.predicate_type = "https://q/v1".into();
        assert_ne!(base, other);
        let other = Statement::new(
            base.statement_type,
            base.subjects.clone(),
            base.predicate_type.clone(),
            serde_json::Map::new(),
        )
        .unwrap();
        assert_ne!(base, other);
    }

    #[test]
    fn statement_of_exactly_the_size_limit_parses() {
        let subject = format!(r#"[{{"digest":{{"sha256":"{A_TXT_SHA256}"}}}}]"#);
        let json = doc("https://in-toto.io/Statement/v1", &subject);
        let exact = Limits {
            max_dsse_payload_bytes: json.len(),
            ..Limits::DEFAULT
        };
        Statement::from_json(json.as_bytes(), &exact).unwrap();
    }

    #[test]
    fn shared_statement_parses_and_matches_a_txt() {
        let statement =
            Statement::from_json(&shared("conformance/statement.json"), &Limits::DEFAULT).unwrap();
        assert_eq!(statement.statement_type, StatementType::V1);
        assert_eq!(statement.predicate_type, "https://slsa.dev/provenance/v1");
        let a_txt = crate::crypto::sha256(&shared("conformance/bundle-verify/a.txt"));
        assert_eq!(crate::encoding::hex_encode(&a_txt), A_TXT_SHA256);
        assert_eq!(
            statement.subject_matching("sha256", &a_txt).unwrap().name,
            "a.txt"
        );
    }

    #[test]
    fn conformance_payloads_match_their_artifacts() {
        let cases = [
            ("happy-path-intoto-in-dsse-v3", "a.txt"),
            ("rekor2-dsse-happy-path", "a.txt"),
            (
                "intoto-with-custom-trust-root",
                "intoto-with-custom-trust-root/artifact",
            ),
        ];
        for (case, artifact) in cases {
            let statement = Statement::from_envelope(&envelope_of(case), &Limits::DEFAULT).unwrap();
            let digest =
                crate::crypto::sha256(&shared(&format!("conformance/bundle-verify/{artifact}")));
            assert!(
                statement.subject_matching("sha256", &digest).is_some(),
                "{case}"
            );
            // Another artifact (wrong-material_fail's) is not a subject.
            let other = crate::crypto::sha256(&shared(
                "conformance/bundle-verify/wrong-material_fail/artifact",
            ));
            assert!(statement.subject_matching("sha256", &other).is_none());
            assert!(statement.subject_matching("sha512", &digest).is_none());
        }
    }

    #[test]
    fn other_payload_types_are_rejected() {
        let mut envelope = envelope_of("happy-path-intoto-in-dsse-v3");
        envelope.payload_type = "application/json".into();
        assert!(matches!(
            Statement::from_envelope(&envelope, &Limits::DEFAULT),
            Err(IntotoError::PayloadType { .. })
        ));
    }

    #[test]
    fn both_statement_versions_and_nothing_else() {
        let subject = format!(r#"[{{"name":"a","digest":{{"sha256":"{A_TXT_SHA256}"}}}}]"#);
        let v01 = parse(&doc("https://in-toto.io/Statement/v0.1", &subject)).unwrap();
        assert_eq!(v01.statement_type, StatementType::V0_1);
        let v1 = parse(&doc("https://in-toto.io/Statement/v1", &subject)).unwrap();
        assert_eq!(v1.statement_type, StatementType::V1);
        for bad in [
            "https://in-toto.io/Statement/v2",
            "https://in-toto.io/Statement/V1",
            "",
        ] {
            assert!(matches!(
                parse(&doc(bad, &subject)),
                Err(IntotoError::UnknownType { .. })
            ));
        }
    }

    #[test]
    fn subjects_are_checked() {
        let t = "https://in-toto.io/Statement/v1";
        assert!(matches!(parse(&doc(t, "[]")), Err(IntotoError::NoSubjects)));
        assert!(matches!(
            parse(&doc(t, r#"[{"name":"a","digest":{}}]"#)),
            Err(IntotoError::EmptyDigest { index: 0 })
        ));
        assert!(matches!(
            parse(&doc(t, r#"[{"name":"a"}]"#)),
            Err(IntotoError::EmptyDigest { index: 0 })
        ));
        let upper = A_TXT_SHA256.to_uppercase();
        assert!(matches!(
            parse(&doc(
                t,
                &format!(r#"[{{"digest":{{"sha256":"{upper}"}}}}]"#)
            )),
            Err(IntotoError::MalformedDigest { .. })
        ));
        assert!(matches!(
            parse(&doc(t, r#"[{"digest":{"sha256":"abcd"}}]"#)),
            Err(IntotoError::MalformedDigest { .. })
        ));
        assert!(matches!(
            parse(&doc(t, r#"[{"digest":{"sha512":"zz"}}]"#)),
            Err(IntotoError::MalformedDigest { .. })
        ));
        let twice = format!(
            r#"[{{"digest":{{"sha256":"{A_TXT_SHA256}","sha256":"{}"}}}}]"#,
            "0".repeat(64)
        );
        assert!(matches!(
            parse(&doc(t, &twice)),
            Err(IntotoError::DuplicateDigestAlgorithm { .. })
        ));
        // Algorithms outside the standard list are kept as given and never matched by hex.
        let custom = parse(&doc(t, r#"[{"digest":{"myHash":"Not-Hex!"}}]"#)).unwrap();
        assert_eq!(custom.subjects[0].digest["myHash"], "Not-Hex!");
        assert_eq!(custom.subjects[0].name, "");
    }

    #[test]
    fn subject_count_is_bounded() {
        let one = format!(r#"{{"digest":{{"sha256":"{A_TXT_SHA256}"}}}}"#);
        let three = format!("[{one},{one},{one}]");
        let json = doc("https://in-toto.io/Statement/v1", &three);
        let limits = Limits {
            max_statement_subjects: 2,
            ..Limits::DEFAULT
        };
        assert!(matches!(
            Statement::from_json(json.as_bytes(), &limits),
            Err(IntotoError::TooManySubjects { count: 3, max: 2 })
        ));
        let limits = Limits {
            max_statement_subjects: 3,
            ..Limits::DEFAULT
        };
        assert!(Statement::from_json(json.as_bytes(), &limits).is_ok());
        let limits = Limits {
            max_dsse_payload_bytes: json.len() - 1,
            ..Limits::DEFAULT
        };
        assert!(matches!(
            Statement::from_json(json.as_bytes(), &limits),
            Err(IntotoError::TooLarge { .. })
        ));
    }

    #[test]
    fn top_level_fields_are_checked() {
        let subject = format!(r#"[{{"digest":{{"sha256":"{A_TXT_SHA256}"}}}}]"#);
        let t = "https://in-toto.io/Statement/v1";
        let no_predicate = format!(r#"{{"_type":"{t}","subject":{subject},"predicateType":"x"}}"#);
        assert_eq!(parse(&no_predicate).unwrap().predicate_json(), "{}");
        let null_predicate = format!(
            r#"{{"_type":"{t}","subject":{subject},"predicateType":"x","predicate":null}}"#
        );
        assert_eq!(parse(&null_predicate).unwrap().predicate_json(), "{}");
        let object_predicate = format!(
            r#"{{"_type":"{t}","subject":{subject},"predicateType":"x","predicate": {{"a": [1]}}}}"#
        );
        let with_object = parse(&object_predicate).unwrap();
        assert_eq!(with_object.predicate_json(), r#"{"a": [1]}"#);
        assert_eq!(
            with_object.predicate().unwrap()["a"],
            serde_json::json!([1])
        );
        assert!(with_object.predicate_as::<Vec<u8>>().is_err());
        let array_predicate =
            format!(r#"{{"_type":"{t}","subject":{subject},"predicateType":"x","predicate":[]}}"#);
        assert!(matches!(
            parse(&array_predicate),
            Err(IntotoError::PredicateNotObject)
        ));
        let empty_type = format!(r#"{{"_type":"{t}","subject":{subject},"predicateType":""}}"#);
        assert!(matches!(
            parse(&empty_type),
            Err(IntotoError::EmptyPredicateType)
        ));
        let missing_type = format!(r#"{{"_type":"{t}","subject":{subject}}}"#);
        assert!(matches!(parse(&missing_type), Err(IntotoError::Json(_))));
        // A repeated `_type` could be read either way by other parsers.
        let twice = format!(
            r#"{{"_type":"{t}","_type":"https://in-toto.io/Statement/v0.1","subject":{subject},"predicateType":"x"}}"#
        );
        assert!(matches!(parse(&twice), Err(IntotoError::Json(_))));
        // Unknown fields are ignored (in-toto parsing rules).
        let extra =
            format!(r#"{{"_type":"{t}","subject":{subject},"predicateType":"x","future":1}}"#);
        assert!(parse(&extra).is_ok());
    }

    fn arb_statement() -> impl Strategy<Value = Statement> {
        let subject = (
            ".{0,12}",
            proptest::collection::btree_map(
                prop_oneof![
                    Just("sha256".to_string()),
                    Just("sha512".to_string()),
                    "[a-z]{1,8}x"
                ],
                proptest::collection::vec(any::<u8>(), 1..4),
                1..3,
            ),
        )
            .prop_map(|(name, digests)| Subject {
                name,
                digest: digests
                    .into_iter()
                    .map(|(alg, seed)| {
                        let len = match alg.as_str() {
                            "sha256" => 32,
                            "sha512" => 64,
                            _ => seed.len(),
                        };
                        let bytes: Vec<u8> = seed.iter().copied().cycle().take(len).collect();
                        (alg, crate::encoding::hex_encode(&bytes))
                    })
                    .collect(),
            });
        (
            prop_oneof![Just(StatementType::V0_1), Just(StatementType::V1)],
            proptest::collection::vec(subject, 1..4),
            "[a-z:/.]{1,20}",
            proptest::collection::btree_map("[a-z]{1,5}", any::<i32>(), 0..3),
        )
            .prop_map(|(statement_type, subjects, predicate_type, pred)| {
                let predicate = serde_json::to_value(pred).unwrap();
                Statement::new(
                    statement_type,
                    subjects,
                    predicate_type,
                    predicate.as_object().unwrap().clone(),
                )
                .unwrap()
            })
    }

    proptest! {
        #[test]
        fn statement_round_trips(statement in arb_statement()) {
            let json = statement.to_json();
            prop_assert_eq!(Statement::from_json(&json, &Limits::DEFAULT).unwrap(), statement.clone());
            for subject in &statement.subjects {
                if let Some(hex) = subject.digest.get("sha256") {
                    let digest = hex_decode(hex).unwrap();
                    prop_assert!(statement.subject_matching("sha256", &digest).is_some());
                }
            }
        }

        #[test]
        fn from_json_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Statement::from_json(&bytes, &Limits::DEFAULT);
        }

        #[test]
        fn from_json_never_panics_on_near_valid(
            statement in arb_statement(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut json = statement.to_json();
            let i = at.index(json.len());
            json[i] = byte;
            let _ = Statement::from_json(&json, &Limits::DEFAULT);
        }
    }
}
