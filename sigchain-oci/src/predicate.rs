//! The attestation predicates `cosign attest --type` names, and the in-toto Statement that
//! binds one to an image.
//!
//! `--type` takes a short name (`spdxjson`, `cyclonedx`, `slsaprovenance`, `vuln`, ...) or any
//! predicate type URI; the short names map to the URIs cosign maps them to, so an attestation
//! made here is found by `cosign verify-attestation --type` with the same name, and the other
//! way round.
//!
//! ```
//! use sigchain_oci::predicate::{statement_for_image, PredicateKind};
//! use sigchain_oci::reference::Reference;
//! use sigchain_oci::sigchain_core::time::Timestamp;
//!
//! let image = Reference::parse("registry.example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")?;
//! let kind = PredicateKind::parse("spdxjson")?;
//! assert_eq!(kind.uri(), "https://spdx.dev/Document");
//! let statement = statement_for_image(&image, &kind, br#"{"spdxVersion":"SPDX-2.3"}"#, Timestamp::now())?;
//! assert_eq!(statement.subjects[0].name, "registry.example/app");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use sigchain_core::intoto::{IntotoError, Statement, StatementType, Subject};
use sigchain_core::time::Timestamp;

use crate::reference::{Digest, DigestAlgorithm, Reference};

/// The largest predicate file read, as cosign's own 128 MiB would be more than any admission
/// pipeline should carry in a signed payload.
pub const MAX_PREDICATE_BYTES: usize = 32 * 1024 * 1024;

/// A predicate type: one of cosign's short names, or a URI given as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PredicateKind {
    /// `custom`: the file's text wrapped as `{"data": ..., "timestamp": ...}`.
    Custom,
    /// `slsaprovenance` / `slsaprovenance02`: SLSA provenance v0.2.
    SlsaProvenance02,
    /// `slsaprovenance1`: SLSA provenance v1.
    SlsaProvenance1,
    /// `spdxjson` (and `spdx` when the document is JSON).
    Spdx,
    /// `cyclonedx`.
    CycloneDx,
    /// `link`: in-toto link v1.
    Link,
    /// `vuln`: cosign's vulnerability scan predicate.
    Vuln,
    /// `openvex`.
    OpenVex,
    /// Any other predicate type, by URI.
    Uri(String),
}

/// Why a predicate type or predicate cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PredicateError {
    /// An empty `--type`.
    #[error("the predicate type is empty")]
    EmptyType,
    /// A type that is neither a short name nor a URI (`scheme:...`).
    #[error("unknown predicate type {0:?}: give one of custom, slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, cyclonedx, link, vuln, openvex, or a URI")]
    UnknownType(String),
    /// The predicate file is over [`MAX_PREDICATE_BYTES`].
    #[error("the predicate is {size} bytes, over the limit of {MAX_PREDICATE_BYTES}")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// A predicate that must be a JSON object is not one.
    #[error("the {kind} predicate must be a JSON object: {reason}")]
    NotJsonObject {
        /// The predicate type.
        kind: String,
        /// Why it is not.
        reason: String,
    },
    /// The image is not named by a SHA-256 digest.
    #[error("an attestation names the image by its sha256 digest; {0} has none")]
    NoDigest(String),
    /// The statement could not be made.
    #[error(transparent)]
    Statement(#[from] IntotoError),
}

impl PredicateKind {
    /// Read a `--type` value: a short name, else a URI used as is.
    pub fn parse(text: &str) -> Result<PredicateKind, PredicateError> {
        Ok(match text {
            "" => return Err(PredicateError::EmptyType),
            "custom" => PredicateKind::Custom,
            "slsaprovenance" | "slsaprovenance02" => PredicateKind::SlsaProvenance02,
            "slsaprovenance1" => PredicateKind::SlsaProvenance1,
            "spdx" | "spdxjson" => PredicateKind::Spdx,
            "cyclonedx" => PredicateKind::CycloneDx,
            "link" => PredicateKind::Link,
            "vuln" => PredicateKind::Vuln,
            "openvex" => PredicateKind::OpenVex,
            uri if looks_like_uri(uri) => PredicateKind::from_uri(uri),
            other => return Err(PredicateError::UnknownType(other.to_owned())),
        })
    }

    /// The kind a predicate type URI names (a known URI gives its short-name kind).
    pub fn from_uri(uri: &str) -> PredicateKind {
        [
            PredicateKind::Custom,
            PredicateKind::SlsaProvenance02,
            PredicateKind::SlsaProvenance1,
            PredicateKind::Spdx,
            PredicateKind::CycloneDx,
            PredicateKind::Link,
            PredicateKind::Vuln,
            PredicateKind::OpenVex,
        ]
        .into_iter()
        .find(|kind| kind.uri() == uri)
        .unwrap_or_else(|| PredicateKind::Uri(uri.to_owned()))
    }

    /// The predicate type URI written into the statement.
    pub fn uri(&self) -> &str {
        match self {
            PredicateKind::Custom => "https://cosign.sigstore.dev/attestation/v1",
            PredicateKind::SlsaProvenance02 => "https://slsa.dev/provenance/v0.2",
            PredicateKind::SlsaProvenance1 => "https://slsa.dev/provenance/v1",
            PredicateKind::Spdx => "https://spdx.dev/Document",
            PredicateKind::CycloneDx => "https://cyclonedx.org/bom",
            PredicateKind::Link => "https://in-toto.io/Link/v1",
            PredicateKind::Vuln => "https://cosign.sigstore.dev/attestation/vuln/v1",
            PredicateKind::OpenVex => "https://openvex.dev/ns",
            PredicateKind::Uri(uri) => uri,
        }
    }

    /// The predicate object for the file's bytes: the JSON object itself, or for `custom`
    /// the text wrapped with the time it was attested (as cosign does).
    pub fn predicate(
        &self,
        file: &[u8],
        now: Timestamp,
    ) -> Result<serde_json::Map<String, serde_json::Value>, PredicateError> {
        if file.len() > MAX_PREDICATE_BYTES {
            return Err(PredicateError::TooLarge { size: file.len() });
        }
        if *self == PredicateKind::Custom {
            let text = String::from_utf8_lossy(file).into_owned();
            let timestamp = now.to_rfc3339();
            return Ok(serde_json::Map::from_iter([
                ("data".to_owned(), serde_json::Value::String(text)),
                ("timestamp".to_owned(), serde_json::Value::String(timestamp)),
            ]));
        }
        let not_object = |reason: String| PredicateError::NotJsonObject {
            kind: self.uri().to_owned(),
            reason,
        };
        match serde_json::from_slice::<serde_json::Value>(file) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            Ok(_) => Err(not_object("it is JSON, but not an object".to_owned())),
            Err(e) => Err(not_object(e.to_string())),
        }
    }
}

fn looks_like_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// An in-toto Statement v1 binding the predicate in `file` to the image `image` names by
/// digest; the subject's name is the repository (`registry/repo`) as cosign writes it.
pub fn statement_for_image(
    image: &Reference,
    kind: &PredicateKind,
    file: &[u8],
    now: Timestamp,
) -> Result<Statement, PredicateError> {
    let digest = image
        .digest()
        .filter(|d| d.algorithm() == DigestAlgorithm::Sha256)
        .ok_or_else(|| PredicateError::NoDigest(image.to_string()))?;
    statement_about(&image.name(), digest, kind, file, now)
}

/// An in-toto Statement v1 binding the predicate in `file` to the artifact `name` whose SHA-256
/// digest is `digest` (the caller checked the algorithm): what [`statement_for_image`] and the
/// attest flow both make.
pub(crate) fn statement_about(
    name: &str,
    digest: &Digest,
    kind: &PredicateKind,
    file: &[u8],
    now: Timestamp,
) -> Result<Statement, PredicateError> {
    let subject = Subject {
        name: name.to_owned(),
        digest: [("sha256".to_owned(), digest.hex().to_owned())].into(),
    };
    statement_for_subject(subject, kind, file, now)
}

/// An in-toto Statement v1 binding the predicate in `file`, read as `kind`, to `subject`: an
/// image's statement ([`statement_for_image`]) or any other artifact's, such as a file's.
///
/// ```
/// use sigchain_core::intoto::Subject;
/// use sigchain_core::time::Timestamp;
/// use sigchain_oci::predicate::{statement_for_subject, PredicateKind};
/// let kind = PredicateKind::parse("custom").unwrap();
/// let subject = Subject::sha256("app.tar.gz", &[7; 32]);
/// let statement = statement_for_subject(subject, &kind, b"{}", Timestamp::now()).unwrap();
/// assert_eq!(statement.subjects[0].name, "app.tar.gz");
/// ```
pub fn statement_for_subject(
    subject: Subject,
    kind: &PredicateKind,
    file: &[u8],
    now: Timestamp,
) -> Result<Statement, PredicateError> {
    let predicate = kind.predicate(file, now)?;
    Ok(Statement::new(
        StatementType::V1,
        vec![subject],
        kind.uri().to_owned(),
        predicate,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_map_to_cosigns_uris_and_back() {
        for (name, uri) in [
            ("custom", "https://cosign.sigstore.dev/attestation/v1"),
            ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
            ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
            ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
            ("spdx", "https://spdx.dev/Document"),
            ("spdxjson", "https://spdx.dev/Document"),
            ("cyclonedx", "https://cyclonedx.org/bom"),
            ("link", "https://in-toto.io/Link/v1"),
            ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
            ("openvex", "https://openvex.dev/ns"),
        ] {
            let kind = PredicateKind::parse(name).unwrap();
            assert_eq!(kind.uri(), uri, "{name}");
            assert_eq!(PredicateKind::from_uri(uri), kind, "{uri}");
            assert_eq!(PredicateKind::parse(uri).unwrap(), kind, "{uri}");
        }
        let custom = PredicateKind::parse("https://example.com/my/v1").unwrap();
        assert_eq!(custom.uri(), "https://example.com/my/v1");
        assert!(matches!(
            PredicateKind::parse("spdxjsn"),
            Err(PredicateError::UnknownType(_))
        ));
        assert!(matches!(
            PredicateKind::parse(""),
            Err(PredicateError::EmptyType)
        ));
    }

    #[test]
    fn predicates_must_be_objects_except_custom() {
        let spdx = PredicateKind::Spdx;
        assert!(spdx.predicate(br#"{"a":1}"#, Timestamp(0)).is_ok());
        for bad in [&b"[1]"[..], b"\"text\"", b"SPDXVersion: SPDX-2.3", b""] {
            assert!(matches!(
                spdx.predicate(bad, Timestamp(0)),
                Err(PredicateError::NotJsonObject { .. })
            ));
        }
        let custom = PredicateKind::Custom
            .predicate(b"free text", Timestamp(0))
            .unwrap();
        assert_eq!(custom["data"], "free text");
        assert_eq!(custom["timestamp"], "1970-01-01T00:00:00Z");
        let huge = vec![b' '; MAX_PREDICATE_BYTES + 1];
        assert!(matches!(
            spdx.predicate(&huge, Timestamp(0)),
            Err(PredicateError::TooLarge { .. })
        ));
    }

    #[test]
    fn the_statement_names_the_image_by_repository_and_digest() {
        let hex = "c".repeat(64);
        let image = Reference::parse(&format!("app:v1@sha256:{hex}")).unwrap();
        let statement = statement_for_image(
            &image,
            &PredicateKind::CycloneDx,
            br#"{"bomFormat":"CycloneDX"}"#,
            Timestamp(0),
        )
        .unwrap();
        assert_eq!(statement.statement_type, StatementType::V1);
        assert_eq!(statement.subjects[0].name, "docker.io/library/app");
        assert_eq!(statement.subjects[0].digest["sha256"], hex);
        assert_eq!(statement.predicate_type, "https://cyclonedx.org/bom");
        let by_tag = Reference::parse("app:v1").unwrap();
        assert!(matches!(
            statement_for_image(&by_tag, &PredicateKind::CycloneDx, b"{}", Timestamp(0)),
            Err(PredicateError::NoDigest(_))
        ));
    }
}
