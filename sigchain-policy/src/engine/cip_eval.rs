//! `ClusterImagePolicy` decisions, as policy-controller's admission webhook makes them
//! (`pkg/webhook/validator.go` `validatePodSpec`, `ValidatePolicy`): every policy whose glob
//! matches an image must be satisfied; a policy is satisfied when **any one** of its
//! authorities is; an authority is satisfied when a signature verified for its signer and,
//! for each of its `attestations`, an attestation of that predicate type verified for the
//! same signer.

use std::collections::BTreeMap;

use sigchain_oci::predicate::PredicateKind;

use crate::cip::{Authority, ClusterImagePolicy, MatchResource, StaticAction, Verifier};
use crate::evidence::{ImageEvidence, Signer};

/// Whether the policy's `spec.match` selects the resource (empty: every resource).
pub(crate) fn selects_resource(
    policy: &ClusterImagePolicy,
    group: &str,
    version: &str,
    resource: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let spec = &policy.spec;
    spec.match_resources.is_empty()
        || spec
            .match_resources
            .iter()
            .any(|m| match_resource(m, group, version, resource, labels))
}

fn match_resource(
    m: &MatchResource,
    group: &str,
    version: &str,
    resource: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    m.group == group
        && (m.version == "*" || m.version == version)
        && m.resource == resource
        && m.match_labels
            .as_ref()
            .is_none_or(|want| want.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// The predicate type URI an authority's `attestations[].predicateType` means (cosign's
/// short names expanded).
pub(crate) fn predicate_uri(written: &str) -> String {
    match PredicateKind::parse(written) {
        Ok(kind) => kind.uri().to_owned(),
        Err(_) => written.to_owned(),
    }
}

fn signer_accepted(authority: &Authority, signer: &Signer) -> bool {
    match &authority.verifier {
        Verifier::Key(key) => signer.is_key(&key.public_key),
        Verifier::Keyless(keyless) => match (&signer.issuer, &signer.subject) {
            (Some(issuer), Some(subject)) => keyless.identity_matches(subject, issuer),
            _ => false,
        },
        Verifier::Static(_) => false,
    }
}

/// Whether an authority is satisfied by the evidence; the reason when not, in
/// policy-controller's words.
pub(crate) fn check_authority(
    authority: &Authority,
    image: &str,
    evidence: &ImageEvidence,
) -> Result<(), String> {
    let method = match &authority.verifier {
        Verifier::Static(fixed) => {
            return match fixed.action {
                StaticAction::Pass => Ok(()),
                StaticAction::Fail => Err(format!(
                    "disallowed by static policy: {}",
                    fixed.message.as_deref().unwrap_or("")
                )),
            }
        }
        Verifier::Key(_) => "key",
        Verifier::Keyless(_) => "keyless",
    };
    let name = &authority.name;
    if authority.attestations.is_empty() {
        if evidence
            .signatures
            .iter()
            .any(|s| signer_accepted(authority, s))
        {
            return Ok(());
        }
        let why = if evidence.signatures.is_empty() {
            "no signatures found"
        } else {
            "no matching signatures"
        };
        return Err(format!(
            "signature {method} validation failed for authority {name} for {image}: {why}"
        ));
    }
    let verified: Vec<&str> = evidence
        .attestations
        .iter()
        .filter(|a| signer_accepted(authority, &a.signer()))
        .map(|a| a.predicate_type.as_str())
        .collect();
    if verified.is_empty() {
        return Err(format!(
            "no matching attestations for authority {name} for {image}"
        ));
    }
    for attestation in &authority.attestations {
        let uri = predicate_uri(&attestation.predicate_type);
        if !verified.iter().any(|t| *t == uri) {
            return Err(format!(
                "no matching attestations with type {uri}, checked the following predicateTypes: {:?}",
                verified.join(",")
            ));
        }
    }
    Ok(())
}

/// Whether some authority of the policy is satisfied; otherwise every authority's reason.
pub(crate) fn check_policy(
    policy: &ClusterImagePolicy,
    image: &str,
    evidence: &ImageEvidence,
) -> Result<(), String> {
    let mut reasons = Vec::new();
    for authority in &policy.spec.authorities {
        match check_authority(authority, image, evidence) {
            Ok(()) => return Ok(()),
            Err(reason) => reasons.push(reason),
        }
    }
    Err(reasons.join(" "))
}

/// Whether the policy needs signatures, attestation types and keys as evidence.
pub(crate) fn wants(policy: &ClusterImagePolicy) -> (bool, Vec<String>, Vec<String>) {
    let mut signatures = false;
    let mut types = Vec::new();
    let mut keys = Vec::new();
    for authority in &policy.spec.authorities {
        if let Verifier::Key(key) = &authority.verifier {
            keys.push(key.public_key_pem.clone());
        }
        if matches!(authority.verifier, Verifier::Static(_)) {
            continue;
        }
        if authority.attestations.is_empty() {
            signatures = true;
        }
        types.extend(
            authority
                .attestations
                .iter()
                .map(|a| predicate_uri(&a.predicate_type)),
        );
    }
    (signatures, types, keys)
}
