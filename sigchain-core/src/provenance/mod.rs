//! SLSA Provenance v1: generated for a GitHub Actions run, and verified against the artifact,
//! the caller's requirements and the Fulcio certificate that signed it.
//!
//! - [`Provenance`] and its parts are the predicate `https://slsa.dev/provenance/v1`, read
//!   strictly from untrusted JSON ([`Provenance::from_statement`]);
//! - [`github::GithubActionsRun`] reads a job's environment through a lookup function (never
//!   the process environment itself) and makes the provenance of GitHub's workflow build type;
//!   [`generate`] wraps it in an in-toto Statement v1 about the given subjects;
//! - [`verify`] checks a provenance in named steps: the subject is the artifact; the predicate
//!   and build types are known; the builder, source repository and ref are what the caller
//!   requires; and the provenance agrees with the signing certificate's Fulcio claims, so a
//!   provenance cannot name another workflow than the one that signed it. A provenance signed
//!   with a key cannot be held to a certificate, and [`VerifiedProvenance::binding`] says so.
//!
//! ```
//! use sigchain_core::intoto::Subject;
//! use sigchain_core::provenance::{self, github::GithubActionsRun, ProvenanceRequirements, Signer};
//! # let env = [
//! #     ("GITHUB_ACTIONS", "true"), ("GITHUB_SERVER_URL", "https://github.com"),
//! #     ("GITHUB_REPOSITORY", "octo/app"), ("GITHUB_REPOSITORY_ID", "1"),
//! #     ("GITHUB_REPOSITORY_OWNER_ID", "2"), ("GITHUB_REF", "refs/heads/main"),
//! #     ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
//! #     ("GITHUB_WORKFLOW_REF", "octo/app/.github/workflows/release.yml@refs/heads/main"),
//! #     ("GITHUB_RUN_ID", "42"), ("GITHUB_RUN_ATTEMPT", "1"),
//! #     ("RUNNER_ENVIRONMENT", "github-hosted"), ("GITHUB_EVENT_NAME", "push"),
//! # ];
//! # let lookup = |name: &str| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
//! // In a job: `GithubActionsRun::from_lookup(|name| std::env::var(name).ok())`.
//! let run = GithubActionsRun::from_lookup(lookup)?;
//! let artifact = sigchain_core::crypto::sha256(b"release tarball");
//! let subject = Subject::sha256("app.tar.gz", &artifact);
//! let statement = provenance::generate(&run, vec![subject])?;
//!
//! let required = ProvenanceRequirements::builder_id_exact(run.builder_id());
//! // Signed with a key: checked, but explicitly not bound to a certificate.
//! let verified = provenance::verify(&statement, &artifact, Signer::Key, &required)?;
//! assert!(!verified.binding().is_certificate());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod github;
mod model;
mod verify;

pub use model::{
    BuildDefinition, BuildMetadata, Builder, Provenance, ResourceDescriptor, RunDetails,
    PREDICATE_TYPE,
};
pub use verify::{
    check_against_certificate, verify, verify_bundle, Binding, CertificateClaim,
    ProvenanceRequirements, Signer, VerifiedProvenance,
};

use crate::intoto::{IntotoError, Statement, StatementType, Subject};

/// Why a provenance was not made, read or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenanceError {
    /// The statement's predicate type is not [`PREDICATE_TYPE`].
    #[error("predicate type is {found:?}, not {PREDICATE_TYPE}")]
    PredicateType {
        /// The predicate type found.
        found: String,
    },
    /// The predicate is not JSON of the provenance's shape (a field of the wrong type,
    /// a required field missing, a field twice).
    #[error("provenance JSON: {0}")]
    Json(String),
    /// A required field is empty.
    #[error("provenance field {0} is empty")]
    MissingField(&'static str),
    /// A ResourceDescriptor breaks in-toto's rules.
    #[error("provenance {at}: {reason}")]
    ResourceDescriptor {
        /// Which one (`buildDefinition.resolvedDependencies[2]`).
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// The statement could not be made.
    #[error("statement: {0}")]
    Statement(String),
    /// No subject of the statement has the artifact's SHA-256 digest.
    #[error("the provenance is not about this artifact (sha256 {artifact})")]
    SubjectMismatch {
        /// The artifact's digest, hex.
        artifact: String,
    },
    /// The build type is not one whose fields this verifier knows how to check.
    #[error(
        "build type {found:?} is not known here (known: {})",
        github::BUILD_TYPE
    )]
    UnknownBuildType {
        /// The build type found.
        found: String,
    },
    /// A field the caller requires does not match.
    #[error("provenance {field} is {found:?}, required {required}")]
    RequirementNotMet {
        /// `builder id`, `source repository` or `source ref`.
        field: &'static str,
        /// The provenance's value (empty when it has none).
        found: String,
        /// The requirement, as text.
        required: String,
    },
    /// The provenance says something the signing certificate contradicts or does not vouch
    /// for.
    #[error(
        "provenance {field} is {found:?} but the signing certificate's {claim} is {}",
        certificate.as_deref().map(|c| format!("{c:?}")).unwrap_or_else(|| "absent".into())
    )]
    ContradictsCertificate {
        /// The provenance field.
        field: &'static str,
        /// Its value in the provenance (empty when it has none).
        found: String,
        /// The Fulcio claim it is held to.
        claim: CertificateClaim,
        /// The claim's value (`None`: the certificate does not carry it).
        certificate: Option<String>,
    },
    /// A verified bundle that carries no in-toto statement.
    #[error("the verified bundle carries no in-toto statement")]
    NoStatement,
}

/// The unsigned in-toto Statement v1 of `run`'s provenance about `subjects` (at least one).
/// See the [module example](self).
pub fn generate(
    run: &github::GithubActionsRun,
    subjects: Vec<Subject>,
) -> Result<Statement, ProvenanceError> {
    if subjects.is_empty() {
        return Err(ProvenanceError::Statement(
            IntotoError::NoSubjects.to_string(),
        ));
    }
    Statement::new(
        StatementType::V1,
        subjects,
        PREDICATE_TYPE.to_owned(),
        run.provenance().to_json_object(),
    )
    .map_err(|e| ProvenanceError::Statement(e.to_string()))
}

#[cfg(test)]
mod tests;
