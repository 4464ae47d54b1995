//! `sigchain provenance generate`: the SLSA Provenance v1 statement of the GitHub Actions job
//! this runs in, unsigned (for inspection and pipelines); and the provenance steps `attest
//! --generate` and `verify-attestation` share.

use std::path::PathBuf;
use std::process::ExitCode;

use sigchain_core::identity::IdentityMatcher;
use sigchain_core::intoto::{Statement, Subject};
use sigchain_core::provenance::github::GithubActionsRun;
use sigchain_core::provenance::{self, ProvenanceRequirements};
use sigchain_core::verify::VerifiedBundle;

use crate::inputs::{self, ArtifactInput};

/// Arguments of `provenance`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Print the unsigned in-toto Statement v1 of this GitHub Actions job's SLSA v1
    /// provenance (GitHub's workflow build type), read from the variables GitHub sets.
    Generate(GenerateArgs),
}

/// Arguments of `provenance generate`.
#[derive(clap::Args)]
struct GenerateArgs {
    /// An artifact the provenance is about: a file (named by its file name) or `sha256:<hex>`.
    /// Repeat for several.
    #[arg(long = "subject", required = true, value_name = "FILE|sha256:HEX")]
    subjects: Vec<String>,
    /// Write the statement to this file instead of standard output.
    #[arg(long)]
    file: Option<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let Command::Generate(args) = args.command;
    crate::finish(generate(&args))
}

fn generate(args: &GenerateArgs) -> Result<(), String> {
    let subjects = args
        .subjects
        .iter()
        .map(|given| subject(given).map(|(subject, _)| subject))
        .collect::<Result<Vec<_>, _>>()?;
    let statement = generated_statement(subjects)?;
    let mut json = statement.to_json();
    json.push(b'\n');
    crate::inputs::write_output(args.file.as_deref(), &json)
}

/// The run this process is a job of, from its environment.
pub fn github_run() -> Result<GithubActionsRun, String> {
    GithubActionsRun::from_lookup(|name| std::env::var(name).ok())
        .map_err(|e| format!("provenance: {e}"))
}

/// The statement of this job's provenance about `subjects`.
pub fn generated_statement(subjects: Vec<Subject>) -> Result<Statement, String> {
    provenance::generate(&github_run()?, subjects).map_err(|e| e.to_string())
}

/// A subject from `FILE` (named by its file name) or `sha256:<hex>` (unnamed), with its
/// digest.
pub fn subject(given: &str) -> Result<(Subject, [u8; 32]), String> {
    let artifact = inputs::artifact(given)?;
    let digest = match &artifact {
        ArtifactInput::Bytes(bytes) => sigchain_core::crypto::sha256(bytes),
        ArtifactInput::Sha256(digest) => digest.0,
    };
    let name = match artifact {
        ArtifactInput::Sha256(_) if !std::path::Path::new(given).exists() => String::new(),
        _ => std::path::Path::new(given)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    Ok((Subject::sha256(name, &digest), digest))
}

/// After signing a generated provenance, before storing it: it must agree with the
/// certificate it was signed with (a job of a reusable workflow signs as that workflow, not
/// the one its environment names). Key-signed provenance cannot be held to anything, and the
/// message says so.
pub fn check_signed(
    verified: &VerifiedBundle,
    subject_sha256: &[u8; 32],
) -> Result<String, String> {
    let checked = provenance::verify_bundle(
        verified,
        subject_sha256,
        &ProvenanceRequirements::default(),
    )
    .map_err(|e| {
        format!("the generated provenance does not agree with its signature, nothing stored: {e}")
    })?;
    Ok(checked.summary())
}

/// `verify-attestation`'s provenance requirements.
#[derive(clap::Args)]
pub struct RequirementArgs {
    /// Require SLSA v1 provenance whose builder id (for GitHub Actions: the workflow URI at its
    /// ref) is exactly this.
    #[arg(long)]
    pub provenance_builder_id: Option<String>,
    /// Require a builder id matching this regular expression (unanchored, as cosign's
    /// `-regexp` flags).
    #[arg(long, conflicts_with = "provenance_builder_id")]
    pub provenance_builder_id_regexp: Option<String>,
    /// Require this source repository URI (`https://github.com/owner/repo`).
    #[arg(long)]
    pub provenance_source_repo: Option<String>,
    /// Require this source ref (`refs/heads/main`, `refs/tags/v1.2.3`).
    #[arg(long)]
    pub provenance_source_ref: Option<String>,
}

impl RequirementArgs {
    /// Whether any requirement was given.
    pub fn any(&self) -> bool {
        self.provenance_builder_id.is_some()
            || self.provenance_builder_id_regexp.is_some()
            || self.provenance_source_repo.is_some()
            || self.provenance_source_ref.is_some()
    }

    /// The requirements for the core's check.
    pub fn requirements(&self) -> Result<ProvenanceRequirements, String> {
        let builder_id = match (
            &self.provenance_builder_id,
            &self.provenance_builder_id_regexp,
        ) {
            (Some(exact), _) => Some(IdentityMatcher::exact(exact.clone())),
            (None, Some(re)) => Some(IdentityMatcher::regex(re).map_err(|e| e.to_string())?),
            (None, None) => None,
        };
        Ok(ProvenanceRequirements {
            builder_id,
            source_repository: self
                .provenance_source_repo
                .clone()
                .map(IdentityMatcher::exact),
            source_ref: self
                .provenance_source_ref
                .clone()
                .map(IdentityMatcher::exact),
        })
    }
}

/// Check a verified attestation when it is SLSA v1 provenance: `Ok(None)` for other
/// attestations, `Ok(Some(summary))` for provenance that passed (the summary says whether it
/// was held to a certificate), the reason otherwise.
pub fn check_attestation(
    verified: &VerifiedBundle,
    subject_sha256: &[u8; 32],
    required: &ProvenanceRequirements,
) -> Result<Option<String>, String> {
    let is_provenance = verified
        .statement()
        .is_some_and(|s| s.predicate_type == provenance::PREDICATE_TYPE);
    if !is_provenance {
        return Ok(None);
    }
    let checked =
        provenance::verify_bundle(verified, subject_sha256, required).map_err(|e| e.to_string())?;
    Ok(Some(checked.summary()))
}
