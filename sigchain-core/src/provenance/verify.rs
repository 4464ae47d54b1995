//! Verifying a SLSA v1 provenance, in named steps: [`verify`] reads as the list.

use crate::identity::IdentityMatcher;
use crate::intoto::Statement;
use crate::verify::{VerifiedBundle, VerifiedSigner};
use crate::x509::FulcioClaims;

use super::github::{self, GithubWorkflowFacts};
use super::{Provenance, ProvenanceError};

/// What the caller requires of a provenance; `None` requires nothing of that field.
///
/// ```
/// use sigchain_core::identity::IdentityMatcher;
/// use sigchain_core::provenance::ProvenanceRequirements;
/// let required = ProvenanceRequirements {
///     builder_id: Some(IdentityMatcher::regex_anchored(
///         r"https://github\.com/octo/app/\.github/workflows/release\.yml@refs/tags/v.*")?),
///     source_repository: Some(IdentityMatcher::exact("https://github.com/octo/app")),
///     source_ref: None,
/// };
/// # let _ = required;
/// # Ok::<(), sigchain_core::identity::IdentityError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProvenanceRequirements {
    /// `runDetails.builder.id`.
    pub builder_id: Option<IdentityMatcher>,
    /// The source repository's URI (`https://github.com/owner/name`), from the source
    /// dependency `git+<repository>@<ref>`.
    pub source_repository: Option<IdentityMatcher>,
    /// The source ref (`refs/heads/main`, `refs/tags/v1.2.3`), from the same dependency.
    pub source_ref: Option<IdentityMatcher>,
}

impl ProvenanceRequirements {
    /// Whether nothing is required (every provenance of a known build type passes).
    pub fn is_empty(&self) -> bool {
        self.builder_id.is_none() && self.source_repository.is_none() && self.source_ref.is_none()
    }
}

impl ProvenanceRequirements {
    /// Require exactly this builder id, nothing else.
    pub fn builder_id_exact(id: impl Into<String>) -> Self {
        ProvenanceRequirements {
            builder_id: Some(IdentityMatcher::exact(id)),
            ..ProvenanceRequirements::default()
        }
    }
}

/// Who signed the statement, as far as the provenance check needs to know.
#[derive(Debug, Clone, Copy)]
pub enum Signer<'a> {
    /// A Fulcio certificate with these (verified) claims: the provenance is held to them.
    Certificate(&'a FulcioClaims),
    /// A managed key: nothing to hold the provenance to.
    Key,
}

/// Whether a verified provenance was held to its signing certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// Every field of the provenance the certificate's claims cover agreed with them.
    Certificate,
    /// Signed with a key: the provenance says what its signer wrote, checked against nothing
    /// but the caller's requirements.
    Key,
}

impl Binding {
    /// Whether the provenance was cross-checked against a certificate.
    pub fn is_certificate(self) -> bool {
        self == Binding::Certificate
    }
}

/// A provenance that passed [`verify`]; only `verify` makes one.
#[derive(Debug, Clone)]
pub struct VerifiedProvenance {
    statement: Statement,
    provenance: Provenance,
    binding: Binding,
}

impl VerifiedProvenance {
    /// The statement it came in.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The provenance.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// Whether it was held to a certificate or only signed by a key.
    pub fn binding(&self) -> Binding {
        self.binding
    }

    /// One line for humans: the builder, the source, and the binding.
    pub fn summary(&self) -> String {
        let facts = GithubWorkflowFacts::of(&self.provenance);
        let source = match (&facts.source, &facts.source_commit) {
            (Some((repository, git_ref)), Some(commit)) => {
                format!(" from {repository}@{git_ref} ({commit})")
            }
            (Some((repository, git_ref)), None) => format!(" from {repository}@{git_ref}"),
            _ => String::new(),
        };
        let binding = match self.binding {
            Binding::Certificate => "agrees with its signing certificate",
            Binding::Key => "signed by a key: NOT checked against a certificate",
        };
        format!(
            "built by {}{source}; {binding}",
            self.provenance.run_details.builder.id
        )
    }
}

/// A Fulcio certificate claim a provenance field is held to (fulcio `docs/oid-info.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateClaim {
    /// `1.3.6.1.4.1.57264.1.9`.
    BuildSignerUri,
    /// `1.3.6.1.4.1.57264.1.11`.
    RunnerEnvironment,
    /// `1.3.6.1.4.1.57264.1.12`.
    SourceRepositoryUri,
    /// `1.3.6.1.4.1.57264.1.13`.
    SourceRepositoryDigest,
    /// `1.3.6.1.4.1.57264.1.14`.
    SourceRepositoryRef,
    /// `1.3.6.1.4.1.57264.1.15`.
    SourceRepositoryIdentifier,
    /// `1.3.6.1.4.1.57264.1.17`.
    SourceRepositoryOwnerIdentifier,
    /// `1.3.6.1.4.1.57264.1.18`.
    BuildConfigUri,
    /// `1.3.6.1.4.1.57264.1.20`.
    BuildTrigger,
    /// `1.3.6.1.4.1.57264.1.21`.
    RunInvocationUri,
}

impl CertificateClaim {
    fn of(self, claims: &FulcioClaims) -> Option<&str> {
        match self {
            CertificateClaim::BuildSignerUri => claims.build_signer_uri.as_deref(),
            CertificateClaim::RunnerEnvironment => claims.runner_environment.as_deref(),
            CertificateClaim::SourceRepositoryUri => claims.source_repository_uri.as_deref(),
            CertificateClaim::SourceRepositoryDigest => claims.source_repository_digest.as_deref(),
            CertificateClaim::SourceRepositoryRef => claims.source_repository_ref.as_deref(),
            CertificateClaim::SourceRepositoryIdentifier => {
                claims.source_repository_identifier.as_deref()
            }
            CertificateClaim::SourceRepositoryOwnerIdentifier => {
                claims.source_repository_owner_identifier.as_deref()
            }
            CertificateClaim::BuildConfigUri => claims.build_config_uri.as_deref(),
            CertificateClaim::BuildTrigger => claims.build_trigger.as_deref(),
            CertificateClaim::RunInvocationUri => claims.run_invocation_uri.as_deref(),
        }
    }
}

impl std::fmt::Display for CertificateClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (name, arc) = match self {
            CertificateClaim::BuildSignerUri => ("Build Signer URI", 9),
            CertificateClaim::RunnerEnvironment => ("Runner Environment", 11),
            CertificateClaim::SourceRepositoryUri => ("Source Repository URI", 12),
            CertificateClaim::SourceRepositoryDigest => ("Source Repository Digest", 13),
            CertificateClaim::SourceRepositoryRef => ("Source Repository Ref", 14),
            CertificateClaim::SourceRepositoryIdentifier => ("Source Repository Identifier", 15),
            CertificateClaim::SourceRepositoryOwnerIdentifier => {
                ("Source Repository Owner Identifier", 17)
            }
            CertificateClaim::BuildConfigUri => ("Build Config URI", 18),
            CertificateClaim::BuildTrigger => ("Build Trigger", 20),
            CertificateClaim::RunInvocationUri => ("Run Invocation URI", 21),
        };
        write!(f, "{name} (1.3.6.1.4.1.57264.1.{arc})")
    }
}

/// Verify the provenance `statement` carries (its signature already verified):
///
/// 1. **subject**: one of its subjects has the artifact's SHA-256 digest;
/// 2. **predicate**: its predicate type is SLSA Provenance v1 and the predicate reads strictly;
/// 3. **build type**: one whose fields this verifier knows (GitHub's workflow build type);
/// 4. **requirements**: builder id, source repository and ref are what `required` asks;
/// 5. **certificate**: for a certificate signer, the provenance agrees with every Fulcio
///    claim that covers one of its fields ([`check_against_certificate`]); a key signer is
///    recorded as [`Binding::Key`].
pub fn verify(
    statement: &Statement,
    artifact_sha256: &[u8; 32],
    signer: Signer<'_>,
    required: &ProvenanceRequirements,
) -> Result<VerifiedProvenance, ProvenanceError> {
    check_subject(statement, artifact_sha256)?;
    let provenance = Provenance::from_statement(statement)?;
    check_build_type(&provenance)?;
    check_requirements(&provenance, required)?;
    let binding = match signer {
        Signer::Certificate(claims) => {
            check_against_certificate(&provenance, claims)?;
            Binding::Certificate
        }
        Signer::Key => Binding::Key,
    };
    Ok(VerifiedProvenance {
        statement: statement.clone(),
        provenance,
        binding,
    })
}

/// [`verify`] for the statement of a bundle the [`Verifier`](crate::verify::Verifier)
/// accepted, with its verified signer.
pub fn verify_bundle(
    verified: &VerifiedBundle,
    artifact_sha256: &[u8; 32],
    required: &ProvenanceRequirements,
) -> Result<VerifiedProvenance, ProvenanceError> {
    let statement = verified.statement().ok_or(ProvenanceError::NoStatement)?;
    let signer = match verified.signer() {
        VerifiedSigner::Certificate(certificate) => Signer::Certificate(certificate.claims()),
        VerifiedSigner::PublicKey(_) => Signer::Key,
    };
    verify(statement, artifact_sha256, signer, required)
}

fn check_subject(statement: &Statement, artifact_sha256: &[u8; 32]) -> Result<(), ProvenanceError> {
    match statement.subject_matching("sha256", artifact_sha256) {
        Some(_) => Ok(()),
        None => Err(ProvenanceError::SubjectMismatch {
            artifact: crate::encoding::hex_encode(artifact_sha256),
        }),
    }
}

fn check_build_type(provenance: &Provenance) -> Result<(), ProvenanceError> {
    let build_type = &provenance.build_definition.build_type;
    if build_type == github::BUILD_TYPE || build_type == github::BUILD_TYPE_PREVIOUS {
        Ok(())
    } else {
        Err(ProvenanceError::UnknownBuildType {
            found: build_type.clone(),
        })
    }
}

fn check_requirements(
    provenance: &Provenance,
    required: &ProvenanceRequirements,
) -> Result<(), ProvenanceError> {
    let facts = GithubWorkflowFacts::of(provenance);
    let (repository, git_ref) = match &facts.source {
        Some((repository, git_ref)) => (repository.as_str(), git_ref.as_str()),
        None => ("", ""),
    };
    let checks = [
        (
            "builder id",
            &required.builder_id,
            provenance.run_details.builder.id.as_str(),
        ),
        ("source repository", &required.source_repository, repository),
        ("source ref", &required.source_ref, git_ref),
    ];
    for (field, matcher, found) in checks {
        if let Some(matcher) = matcher {
            if !matcher.matches(found) {
                return Err(ProvenanceError::RequirementNotMet {
                    field,
                    found: found.to_owned(),
                    required: matcher.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Hold a provenance of GitHub's workflow build type to the Fulcio claims of the certificate
/// that signed it. The builder id, the source repository, ref and commit, and the run must be
/// in the provenance and equal the certificate's claims; the workflow file, trigger,
/// repository ids and runner environment, where the provenance gives them, must too. So a
/// provenance cannot name another workflow, commit or run than the job that signed it.
///
/// ```
/// use sigchain_core::provenance::{check_against_certificate, Provenance};
/// use sigchain_core::x509::FulcioClaims;
/// let provenance = Provenance::from_predicate_json(r#"{"buildDefinition": {
///   "buildType": "https://actions.github.io/buildtypes/workflow/v1", "externalParameters": {}},
///   "runDetails": {"builder": {"id": "https://github.com/octo/app/.github/workflows/a.yml@refs/heads/main"}}}"#)?;
/// // A certificate for an email identity vouches for no workflow.
/// let email_claims = FulcioClaims::default();
/// assert!(check_against_certificate(&provenance, &email_claims).is_err());
/// # Ok::<(), sigchain_core::provenance::ProvenanceError>(())
/// ```
pub fn check_against_certificate(
    provenance: &Provenance,
    claims: &FulcioClaims,
) -> Result<(), ProvenanceError> {
    let facts = GithubWorkflowFacts::of(provenance);
    let (repository, git_ref) = match &facts.source {
        Some((repository, git_ref)) => (Some(repository.clone()), Some(git_ref.clone())),
        None => (None, None),
    };
    let invocation_id = provenance
        .run_details
        .metadata
        .as_ref()
        .and_then(|m| m.invocation_id.clone());
    // (provenance field, its value, the claim, required in the provenance)
    let pairs = [
        (
            "runDetails.builder.id",
            Some(provenance.run_details.builder.id.clone()),
            CertificateClaim::BuildSignerUri,
            true,
        ),
        (
            "source repository",
            repository,
            CertificateClaim::SourceRepositoryUri,
            true,
        ),
        (
            "source ref",
            git_ref,
            CertificateClaim::SourceRepositoryRef,
            true,
        ),
        (
            "source gitCommit",
            facts.source_commit.clone(),
            CertificateClaim::SourceRepositoryDigest,
            true,
        ),
        (
            "runDetails.metadata.invocationId",
            invocation_id,
            CertificateClaim::RunInvocationUri,
            true,
        ),
        (
            "externalParameters.workflow",
            facts.workflow_uri(),
            CertificateClaim::BuildConfigUri,
            false,
        ),
        (
            "internalParameters.github.event_name",
            facts.event_name.clone(),
            CertificateClaim::BuildTrigger,
            false,
        ),
        (
            "internalParameters.github.repository_id",
            facts.repository_id.clone(),
            CertificateClaim::SourceRepositoryIdentifier,
            false,
        ),
        (
            "internalParameters.github.repository_owner_id",
            facts.repository_owner_id.clone(),
            CertificateClaim::SourceRepositoryOwnerIdentifier,
            false,
        ),
        (
            "internalParameters.github.runner_environment",
            facts.runner_environment.clone(),
            CertificateClaim::RunnerEnvironment,
            false,
        ),
    ];
    for (field, found, claim, required) in pairs {
        if found.is_none() && !required {
            continue;
        }
        let certificate = claim.of(claims);
        if found.is_none() || found.as_deref() != certificate {
            return Err(ProvenanceError::ContradictsCertificate {
                field,
                found: found.unwrap_or_default(),
                claim,
                certificate: certificate.map(str::to_owned),
            });
        }
    }
    Ok(())
}
