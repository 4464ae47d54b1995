//! One Kyverno `verifyImages` entry against one image's evidence.
//!
//! Kyverno's order (`pkg/engine/internal/imageverifier.go`): the attestor sets (each must be
//! satisfied by at least its `count` of entries, all entries when `count` is unset), then each
//! attestation (a verified statement of the type whose signer satisfies the attestation's
//! attestor sets, every statement of the type meeting its `conditions`), then the digest
//! checks. The first failing step names the image's failure.

use sigchain_core::crypto::PublicKey;
use sigchain_oci::reference::{Digest, Reference};

use super::conditions::{CompiledConditions, ConditionsVerdict};
use crate::evidence::{EvidenceAnswer, ImageEvidence, Signer};
use crate::kyverno::{AttestorSet, ImageVerification, KeylessIdentity, KyvernoPolicy, PolicyKind};

/// `namespace/name` for a namespaced `Policy`, `name` for a `ClusterPolicy` (how Kyverno
/// names policies in reports and exceptions).
pub(crate) fn qualified_name(policy: &KyvernoPolicy) -> String {
    match (policy.kind, policy.metadata.namespace.as_deref()) {
        (PolicyKind::Policy, Some(ns)) if !ns.is_empty() => {
            format!("{ns}/{}", policy.metadata.name)
        }
        _ => policy.metadata.name.clone(),
    }
}

/// The result of checking one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ImageOutcome {
    /// Verified.
    Pass {
        /// What passed, for reports.
        message: String,
        /// The resolved digest, when the image should be pinned to it.
        pin: Option<Digest>,
        /// Whether the validating phase needs the image pinned by digest (Kyverno's
        /// `verifyDigest`; policy-controller always): a validating webhook that sees the
        /// image still unpinned fails it.
        digest_required: bool,
    },
    /// Not verified: the whole message.
    Fail(String),
    /// Could not be decided (evidence lookup failed): the whole message.
    Error(String),
}

/// One attestor entry, compiled.
#[derive(Debug, Clone)]
pub(crate) enum CompiledAttestor {
    /// `keyless`: a certificate signer whose identity matches.
    Keyless(KeylessIdentity),
    /// `keys`: a signer known by one of these keys.
    Keys(Vec<PublicKey>),
}

impl CompiledAttestor {
    fn accepts(&self, signer: &Signer) -> bool {
        match self {
            CompiledAttestor::Keyless(identity) => match (&signer.issuer, &signer.subject) {
                (Some(issuer), Some(subject)) => identity.matches(subject, issuer),
                _ => false,
            },
            CompiledAttestor::Keys(keys) => keys.iter().any(|key| signer.is_key(key)),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            CompiledAttestor::Keyless(_) => "keyless",
            CompiledAttestor::Keys(_) => "keys",
        }
    }
}

/// An attestor set, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledSet {
    /// How many entries must be satisfied.
    pub required: usize,
    /// The entries.
    pub entries: Vec<CompiledAttestor>,
}

impl CompiledSet {
    /// Compile a set. `expand_keys`: several PEM blocks in one `keys` entry become one entry
    /// each (Kyverno's `ExpandStaticKeys`, signature path only); otherwise only the first
    /// block counts (what cosign loads for attestations).
    pub(crate) fn compile(
        set: &AttestorSet,
        path: &str,
        expand_keys: bool,
    ) -> Result<Self, String> {
        let mut entries = Vec::new();
        for (e, attestor) in set.entries.iter().enumerate() {
            if let Some(keyless) = &attestor.keyless {
                let identity = KeylessIdentity::new(keyless)
                    .map_err(|error| format!("{path}.entries[{e}].keyless: {error}"))?;
                entries.push(CompiledAttestor::Keyless(identity));
            } else if let Some(keys) = &attestor.keys {
                let blocks = keys.pem_blocks();
                if blocks.is_empty() {
                    return Err(format!(
                        "{path}.entries[{e}].keys.publicKeys: no PEM public key"
                    ));
                }
                let take = if expand_keys { blocks.len() } else { 1 };
                for pem in blocks.into_iter().take(take) {
                    let key = PublicKey::from_pem(pem)
                        .map_err(|error| format!("{path}.entries[{e}].keys.publicKeys: {error}"))?;
                    entries.push(CompiledAttestor::Keys(vec![key]));
                }
            }
        }
        // `count` applies to the entries after key expansion (Kyverno expands first).
        let required = match set.count {
            None | Some(0) => entries.len(),
            Some(n) => (n as usize).min(entries.len()),
        };
        Ok(CompiledSet { required, entries })
    }

    /// Whether `signers` satisfy the set; otherwise how many entries did, for the message.
    fn satisfied_by<'a>(
        &self,
        signers: impl Iterator<Item = &'a Signer> + Clone,
    ) -> Result<(), usize> {
        let satisfied = self
            .entries
            .iter()
            .filter(|attestor| signers.clone().any(|s| attestor.accepts(s)))
            .count();
        if satisfied >= self.required {
            Ok(())
        } else {
            Err(satisfied)
        }
    }

    fn describe(&self) -> String {
        let kinds: Vec<&str> = self
            .entries
            .iter()
            .map(CompiledAttestor::describe)
            .collect();
        format!(
            "{} of [{}] required",
            if self.required == self.entries.len() && self.required > 1 {
                "all".to_owned()
            } else {
                self.required.to_string()
            },
            kinds.join(", ")
        )
    }
}

/// An `attestations` entry, compiled.
#[derive(Debug)]
pub(crate) struct CompiledAttestation {
    pub predicate_type: String,
    /// Empty: any verified signer.
    pub sets: Vec<CompiledSet>,
    /// Conditions every statement of the type must meet (their expressions compiled here,
    /// once per policy load).
    pub conditions: CompiledConditions,
}

/// A `verifyImages` entry, compiled.
#[derive(Debug)]
pub(crate) struct CompiledEntry {
    pub sets: Vec<CompiledSet>,
    pub attestations: Vec<CompiledAttestation>,
    pub mutate_digest: bool,
    pub verify_digest: bool,
}

impl CompiledEntry {
    pub(crate) fn compile(entry: &ImageVerification, path: &str) -> Result<Self, String> {
        let sets = entry
            .attestors
            .iter()
            .enumerate()
            .map(|(i, set)| CompiledSet::compile(set, &format!("{path}.attestors[{i}]"), true))
            .collect::<Result<Vec<_>, _>>()?;
        let mut attestations = Vec::new();
        for (a, attestation) in entry.attestations.iter().enumerate() {
            let at = format!("{path}.attestations[{a}]");
            let predicate_type = attestation
                .predicate_type()
                .ok_or_else(|| format!("{at}: type is required"))?
                .to_owned();
            let sets = attestation
                .attestors
                .iter()
                .enumerate()
                .map(|(i, set)| CompiledSet::compile(set, &format!("{at}.attestors[{i}]"), false))
                .collect::<Result<Vec<_>, _>>()?;
            attestations.push(CompiledAttestation {
                predicate_type,
                sets,
                conditions: CompiledConditions::compile(&attestation.conditions),
            });
        }
        Ok(CompiledEntry {
            sets,
            attestations,
            mutate_digest: entry.mutate_digest(),
            verify_digest: entry.verify_digest(),
        })
    }

    /// Whether signatures are needed as evidence.
    pub(crate) fn wants_signatures(&self) -> bool {
        !self.sets.is_empty()
    }

    /// The keys (PEM) a provider must verify key-signed items with.
    pub(crate) fn public_keys<'a>(
        &self,
        entry: &'a ImageVerification,
    ) -> impl Iterator<Item = &'a str> + 'a {
        entry
            .attestors
            .iter()
            .chain(entry.attestations.iter().flat_map(|a| a.attestors.iter()))
            .flat_map(|set| set.entries.iter())
            .filter_map(|attestor| attestor.keys.as_ref())
            .flat_map(|keys| keys.pem_blocks())
    }

    /// Check one image against what verified for it. `shown` is the image as Kyverno
    /// prints it ([`crate::kyverno::image::KyvernoImage::match_string`]); `written` is the
    /// image as written, parsed; `now_unix` is the request's clock (attestation conditions
    /// over time). Messages are Kyverno's where it has one.
    pub(crate) fn check(
        &self,
        shown: &str,
        written: &Reference,
        answer: &EvidenceAnswer,
        now_unix: i64,
    ) -> ImageOutcome {
        let failed = |reason: String| format!("failed to verify image {shown}: {reason}");
        let evidence = match answer {
            Ok(evidence) => evidence,
            Err(failure) => return ImageOutcome::Error(failed(failure.message.clone())),
        };
        if let Some(reason) = digest_mismatch(written, evidence) {
            return ImageOutcome::Fail(failed(reason));
        }
        for (i, set) in self.sets.iter().enumerate() {
            if let Err(satisfied) = set.satisfied_by(evidence.signatures.iter()) {
                return ImageOutcome::Fail(failed(if evidence.signatures.is_empty() {
                    format!(".attestors[{i}]: no signatures found")
                } else {
                    format!(
                        ".attestors[{i}]: no matching signatures: {satisfied} attestor(s) satisfied, {}; verified signers: {}",
                        set.describe(),
                        describe_signers(&evidence.signatures)
                    )
                }));
            }
        }
        for (a, attestation) in self.attestations.iter().enumerate() {
            let at = AttestationCheck {
                index: a,
                shown,
                now_unix,
            };
            if let Err(outcome) = at.check(attestation, evidence, &failed) {
                return outcome;
            }
        }
        let by_digest = written.is_by_digest();
        if self.verify_digest && !self.mutate_digest && !by_digest {
            return ImageOutcome::Fail(format!("missing digest for {shown}"));
        }
        let pin = if self.mutate_digest && !by_digest {
            match &evidence.digest {
                Some(digest) => Some(digest.clone()),
                None => {
                    return ImageOutcome::Error(format!(
                        "failed to update digest: {shown} was not resolved to a digest"
                    ))
                }
            }
        } else {
            None
        };
        let message = if !self.attestations.is_empty() {
            format!("verified image attestations for {shown}")
        } else if !self.sets.is_empty() {
            format!("verified image signatures for {shown}")
        } else {
            "image verified".to_owned()
        };
        ImageOutcome::Pass {
            message,
            pin,
            digest_required: self.verify_digest && !by_digest,
        }
    }
}

/// An image written with a digest must have verified at that digest.
pub(crate) fn digest_mismatch(written: &Reference, evidence: &ImageEvidence) -> Option<String> {
    match (written.digest(), &evidence.digest) {
        (Some(written), Some(resolved)) if written != resolved => Some(format!(
            "evidence is for {resolved}, the image is pinned to {written}"
        )),
        _ => None,
    }
}

/// One attestation of an image, checked.
struct AttestationCheck<'a> {
    index: usize,
    shown: &'a str,
    now_unix: i64,
}

impl AttestationCheck<'_> {
    fn check(
        &self,
        attestation: &CompiledAttestation,
        evidence: &ImageEvidence,
        failed: &dyn Fn(String) -> String,
    ) -> Result<(), ImageOutcome> {
        let index = self.index;
        let of_type: Vec<&crate::evidence::AttestationEvidence> = evidence
            .attestations
            .iter()
            .filter(|a| a.predicate_type == attestation.predicate_type)
            .collect();
        if of_type.is_empty() {
            return Err(ImageOutcome::Fail(failed(format!(
                ".attestations[{index}]: no verified attestations of predicate type {}",
                attestation.predicate_type
            ))));
        }
        let signers: Vec<Signer> = of_type.iter().map(|a| a.signer()).collect();
        for (i, set) in attestation.sets.iter().enumerate() {
            if let Err(satisfied) = set.satisfied_by(signers.iter()) {
                return Err(ImageOutcome::Fail(failed(format!(
                    ".attestations[{index}].attestors[{i}]: image attestations verification failed: {satisfied} attestor(s) satisfied, {}; verified signers: {}",
                    set.describe(),
                    describe_signers(&signers)
                ))));
            }
        }
        if attestation.conditions.is_empty() {
            return Ok(());
        }
        // Every statement of the type must meet the conditions (Kyverno's
        // `verifyAttestation`); the first that does not names the failure. Kyverno counts
        // both a failed condition and an evaluation error as the attestor entry failing.
        // Only statements from the attestation's own attestors count, as Kyverno only fetches
        // those: a statement anyone else signed can neither pass the conditions nor, pushed
        // beside the image, block it.
        let from_attestors = of_type
            .into_iter()
            .zip(&signers)
            .filter(|(_, signer)| {
                attestation.sets.is_empty()
                    || attestation
                        .sets
                        .iter()
                        .any(|set| set.entries.iter().any(|entry| entry.accepts(signer)))
            })
            .map(|(statement, _)| statement);
        for statement in from_attestors {
            let verdict = attestation
                .conditions
                .evaluate(&statement.predicate, self.now_unix);
            let reason = match verdict {
                Ok(ConditionsVerdict::Hold) => continue,
                Ok(ConditionsVerdict::Fail(message)) => format!(
                    "attestation checks failed for {} and predicate {}: {message}",
                    self.shown, attestation.predicate_type
                ),
                Err(error) => format!("failed to check attestations: {error}"),
            };
            return Err(ImageOutcome::Fail(failed(format!(
                ".attestations[{index}]: {reason}"
            ))));
        }
        Ok(())
    }
}

fn describe_signers(signers: &[Signer]) -> String {
    let mut out: Vec<String> = signers
        .iter()
        .map(|s| match (&s.issuer, &s.subject, &s.public_key) {
            (Some(issuer), Some(subject), _) => format!("{subject} ({issuer})"),
            (_, _, Some(_)) => "a public key".to_owned(),
            _ => "unknown".to_owned(),
        })
        .collect();
    out.sort();
    out.dedup();
    out.truncate(5);
    out.join(", ")
}
