//! Evidence: what was verified for an image, as the decision engine takes it.
//!
//! The engine never fetches or verifies anything. It asks, per image, an [`EvidenceQuery`]
//! (which digest, whose signatures, which attestation types), and is answered with an
//! [`EvidenceAnswer`]: either [`ImageEvidence`] — the digest the reference resolved to and the
//! signatures and attestations that **verified** for that digest, each with who signed it — or
//! an [`EvidenceFailure`] (the lookup failed or ran out of time). Who is *allowed* to have
//! signed is the policy's business and is decided by the engine from these facts.
//!
//! Two sources answer queries:
//! - [`EvidenceFile`]: a JSON file holding the answers as data (`sigchain policy eval
//!   --evidence`, the webhook example's `--evidence`, tests and what-if questions). An image
//!   the file does not name has no verified signatures.
//! - the registry provider (feature `client`), which fetches signatures and attestations with
//!   `sigchain-oci` and verifies them with the core verifier.
//!
//! The file format, keyed by the image exactly as written in the pod spec:
//!
//! ```
//! use sigchain_policy::evidence::{EvidenceFile, EvidenceLimits};
//! let file = EvidenceFile::parse(br#"{
//!   "registry.example/acme/app:1.0": {
//!     "digest": "sha256:4c3ab1e5ee7d6b0f3f0b7e2f3f0a4b2c6f8d5e3a1b0c9d8e7f6a5b4c3d2e1f00",
//!     "signatures": [{"issuer": "https://token.actions.githubusercontent.com",
//!                     "subject": "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"}],
//!     "attestations": [{"predicateType": "https://spdx.dev/Document", "predicate": {},
//!                       "issuer": "https://token.actions.githubusercontent.com",
//!                       "subject": "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"}]
//!   }
//! }"#, &EvidenceLimits::default())?;
//! let app = file.get("registry.example/acme/app:1.0").unwrap();
//! assert_eq!(app.signatures.len(), 1);
//! assert!(file.get("nginx").is_none());
//! # Ok::<(), sigchain_policy::evidence::EvidenceError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sigchain_core::crypto::PublicKey;
use sigchain_oci::reference::{Digest, Reference};

/// Who signed a verified signature or attestation.
///
/// A keyless signer has the certificate's OIDC `issuer` and `subject` (its SAN); a key signer
/// has the `publicKey` (PEM) the signature verified under.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Signer {
    /// The certificate's OIDC issuer (Fulcio extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The certificate's subject alternative name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The public key (PEM) the signature verified under, for key-signed items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

impl Signer {
    /// A keyless (certificate) signer.
    pub fn keyless(issuer: impl Into<String>, subject: impl Into<String>) -> Self {
        Signer {
            issuer: Some(issuer.into()),
            subject: Some(subject.into()),
            public_key: None,
        }
    }

    /// A signer known by its public key (PEM).
    pub fn key(public_key_pem: impl Into<String>) -> Self {
        Signer {
            issuer: None,
            subject: None,
            public_key: Some(public_key_pem.into()),
        }
    }

    /// Whether this signer is `key`: its PEM holds the same SubjectPublicKeyInfo. The DER is
    /// compared as written, so no key is prepared for verification on the decision path.
    pub fn is_key(&self, key: &PublicKey) -> bool {
        self.public_key.as_deref().is_some_and(|pem| {
            pem_rfc7468::decode_vec(pem.trim().as_bytes())
                .is_ok_and(|(label, der)| label == "PUBLIC KEY" && der == key.spki_der())
        })
    }
}

/// A verified attestation: an in-toto statement about the image, and who signed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AttestationEvidence {
    /// The statement's predicate type URI.
    pub predicate_type: String,
    /// The predicate, as JSON.
    #[serde(default)]
    pub predicate: Value,
    /// The certificate's OIDC issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The certificate's subject alternative name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The public key (PEM), for key-signed attestations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

impl AttestationEvidence {
    /// Who signed it.
    pub fn signer(&self) -> Signer {
        Signer {
            issuer: self.issuer.clone(),
            subject: self.subject.clone(),
            public_key: self.public_key.clone(),
        }
    }
}

/// What verified for one image.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageEvidence {
    /// The manifest digest the image resolved to (`None`: not resolved).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_digest"
    )]
    pub digest: Option<Digest>,
    /// Signatures over that digest that verified.
    #[serde(default)]
    pub signatures: Vec<Signer>,
    /// Attestations about that digest that verified.
    #[serde(default)]
    pub attestations: Vec<AttestationEvidence>,
}

/// Why evidence for an image could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FailureKind {
    /// The lookup failed (registry error, malformed data, ...).
    Error,
    /// The admission request's deadline passed first.
    Deadline,
}

/// A failed evidence lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFailure {
    /// Error or deadline.
    pub kind: FailureKind,
    /// What happened, for the admission message.
    pub message: String,
}

impl EvidenceFailure {
    /// A failed lookup.
    pub fn error(message: impl Into<String>) -> Self {
        EvidenceFailure {
            kind: FailureKind::Error,
            message: message.into(),
        }
    }

    /// A lookup cut off by the request's deadline.
    pub fn deadline() -> Self {
        EvidenceFailure {
            kind: FailureKind::Deadline,
            message: "evidence lookup did not finish before the admission deadline".to_owned(),
        }
    }
}

/// The answer to one [`EvidenceQuery`].
pub type EvidenceAnswer = Result<ImageEvidence, EvidenceFailure>;

/// What the engine needs to know about one image (one query per distinct image string of a
/// request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceQuery {
    /// The image exactly as written in the pod spec.
    pub image: String,
    /// It, parsed and normalized.
    pub reference: Reference,
    /// Whether image signatures are asked for.
    pub signatures: bool,
    /// Attestation predicate types asked for.
    pub predicate_types: BTreeSet<String>,
    /// Public keys (PEM) of the policy's key attestors: a provider verifies key-signed items
    /// against these (keyless items are verified against its trusted root).
    pub public_keys: BTreeSet<String>,
}

/// Anything that answers evidence queries, asynchronously: a registry client, a cache, a
/// file.
pub trait EvidenceSource {
    /// Answer `query`. A source that cannot answer says why with an [`EvidenceFailure`]; it
    /// never invents evidence.
    fn evidence(&self, query: &EvidenceQuery) -> impl Future<Output = EvidenceAnswer> + Send;
}

/// Bounds on an evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceLimits {
    /// Largest file read, in bytes.
    pub max_bytes: usize,
}

impl Default for EvidenceLimits {
    fn default() -> Self {
        EvidenceLimits {
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Why an evidence file was refused.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// Larger than [`EvidenceLimits::max_bytes`].
    #[error("evidence file is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not the expected JSON (the message names the line, column and field).
    #[error("evidence file: {0}")]
    Json(#[from] serde_json::Error),
}

/// Evidence as data: image (as written) → what verified for it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EvidenceFile {
    images: BTreeMap<String, ImageEvidence>,
}

impl EvidenceFile {
    /// Read an evidence file (JSON, see the [module docs](self)).
    pub fn parse(bytes: &[u8], limits: &EvidenceLimits) -> Result<Self, EvidenceError> {
        if bytes.len() > limits.max_bytes {
            return Err(EvidenceError::TooLarge {
                size: bytes.len(),
                max: limits.max_bytes,
            });
        }
        Ok(serde_json::from_slice(bytes)?)
    }

    /// The evidence for `image` as written, if the file names it.
    pub fn get(&self, image: &str) -> Option<&ImageEvidence> {
        self.images.get(image)
    }

    /// Add or replace the evidence for `image`.
    pub fn insert(&mut self, image: impl Into<String>, evidence: ImageEvidence) {
        self.images.insert(image.into(), evidence);
    }

    /// The answer to `query`: the file's entry, or no verified signatures at all.
    pub fn answer(&self, query: &EvidenceQuery) -> EvidenceAnswer {
        Ok(self.get(&query.image).cloned().unwrap_or_default())
    }

    /// The answers to all of a review's queries, keyed as
    /// [`Review::decide`](crate::engine::Review::decide) takes them: the synchronous
    /// counterpart of [`crate::engine::evaluate`] for evidence held as data.
    pub fn answers(&self, queries: &[EvidenceQuery]) -> BTreeMap<String, EvidenceAnswer> {
        queries
            .iter()
            .map(|query| (query.image.clone(), self.answer(query)))
            .collect()
    }
}

impl EvidenceSource for EvidenceFile {
    fn evidence(&self, query: &EvidenceQuery) -> impl Future<Output = EvidenceAnswer> + Send {
        std::future::ready(self.answer(query))
    }
}

/// `Option<Digest>` as its `algorithm:hex` string.
mod optional_digest {
    use super::Digest;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(digest: &Option<Digest>, out: S) -> Result<S::Ok, S::Error> {
        match digest {
            Some(digest) => out.collect_str(digest),
            None => out.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Option<Digest>, D::Error> {
        Option::<String>::deserialize(input)?
            .map(|text| Digest::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_bad_digests_are_refused() {
        let limits = EvidenceLimits::default();
        let unknown = br#"{"nginx": {"signatures": [{"issuer": "i", "subjet": "typo"}]}}"#;
        let error = EvidenceFile::parse(unknown, &limits)
            .unwrap_err()
            .to_string();
        assert!(error.contains("subjet"), "{error}");
        let bad_digest = br#"{"nginx": {"digest": "sha256:abc"}}"#;
        assert!(EvidenceFile::parse(bad_digest, &limits).is_err());
        let big = vec![b' '; 65];
        let small = EvidenceLimits { max_bytes: 64 };
        assert!(matches!(
            EvidenceFile::parse(&big, &small),
            Err(EvidenceError::TooLarge { .. })
        ));
    }

    #[test]
    fn images_missing_from_the_file_have_no_evidence() {
        let file = EvidenceFile::default();
        let query = EvidenceQuery {
            image: "nginx".into(),
            reference: Reference::parse("nginx").unwrap(),
            signatures: true,
            predicate_types: BTreeSet::new(),
            public_keys: BTreeSet::new(),
        };
        assert_eq!(file.answer(&query), Ok(ImageEvidence::default()));
    }
}
