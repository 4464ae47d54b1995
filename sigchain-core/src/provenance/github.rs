//! GitHub Actions as a SLSA builder: the run read from the variables GitHub sets in a job,
//! and the provenance of GitHub's workflow build type
//! (`https://actions.github.io/buildtypes/workflow/v1`) made from it.
//!
//! The provenance has the shape GitHub's own attestation action gives it, and its fields are
//! the values Fulcio puts in a certificate issued to the same job, so that a verifier can
//! hold one to the other ([`check_against_certificate`](super::check_against_certificate)):
//!
//! | provenance | from | certificate claim |
//! | --- | --- | --- |
//! | `runDetails.builder.id` | `<server>/<GITHUB_WORKFLOW_REF>` | Build Signer URI |
//! | `externalParameters.workflow` `{repository, path, ref}` | `GITHUB_WORKFLOW_REF` | Build Config URI |
//! | `resolvedDependencies[0].uri` | `git+<server>/<GITHUB_REPOSITORY>@<GITHUB_REF>` | Source Repository URI + Ref |
//! | `resolvedDependencies[0].digest.gitCommit` | `GITHUB_SHA` | Source Repository Digest |
//! | `internalParameters.github.repository_id` / `repository_owner_id` | `GITHUB_REPOSITORY_ID` / `GITHUB_REPOSITORY_OWNER_ID` | Source Repository (Owner) Identifier |
//! | `internalParameters.github.event_name` | `GITHUB_EVENT_NAME` | Build Trigger |
//! | `internalParameters.github.runner_environment` | `RUNNER_ENVIRONMENT` | Runner Environment |
//! | `runDetails.metadata.invocationId` | `<server>/<repo>/actions/runs/<GITHUB_RUN_ID>/attempts/<GITHUB_RUN_ATTEMPT>` | Run Invocation URI |
//!
//! A job's environment names the top-level workflow only. When the job runs a reusable
//! workflow, Fulcio's Build Signer URI names the reusable workflow instead, the builder id
//! read from the environment disagrees with the certificate, and signing fails before the
//! attestation is stored.

use serde_json::{json, Map, Value};

use super::model::{
    BuildDefinition, BuildMetadata, Builder, Provenance, ResourceDescriptor, RunDetails,
};

/// GitHub's build type for a GitHub Actions workflow run.
pub const BUILD_TYPE: &str = "https://actions.github.io/buildtypes/workflow/v1";
/// The same build type under the name GitHub first published it with (same fields).
pub const BUILD_TYPE_PREVIOUS: &str =
    "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1";

/// Every environment variable [`GithubActionsRun::from_lookup`] reads.
pub const ENV_VARS: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_REPOSITORY_ID",
    "GITHUB_REPOSITORY_OWNER_ID",
    "GITHUB_REF",
    "GITHUB_SHA",
    "GITHUB_WORKFLOW_REF",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "RUNNER_ENVIRONMENT",
    "GITHUB_EVENT_NAME",
];

/// Why the environment does not describe a GitHub Actions run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GithubEnvError {
    /// `GITHUB_ACTIONS` is not `true`: this is not a GitHub Actions job.
    #[error("not in a GitHub Actions job (GITHUB_ACTIONS is not \"true\")")]
    NotGithubActions,
    /// A variable GitHub always sets is missing or empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable's value is not of the form GitHub gives it.
    #[error("{name} is {value:?}, expected {expected}")]
    Malformed {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// The form expected.
        expected: &'static str,
    },
}

/// A GitHub Actions workflow run, as its job's environment describes it; only
/// [`GithubActionsRun::from_lookup`] makes one, so every value has the form GitHub gives it.
///
/// ```
/// use sigchain_core::provenance::github::GithubActionsRun;
/// let env = [
///     ("GITHUB_ACTIONS", "true"), ("GITHUB_SERVER_URL", "https://github.com"),
///     ("GITHUB_REPOSITORY", "octo/app"), ("GITHUB_REPOSITORY_ID", "1"),
///     ("GITHUB_REPOSITORY_OWNER_ID", "2"), ("GITHUB_REF", "refs/heads/main"),
///     ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
///     ("GITHUB_WORKFLOW_REF", "octo/app/.github/workflows/release.yml@refs/heads/main"),
///     ("GITHUB_RUN_ID", "42"), ("GITHUB_RUN_ATTEMPT", "1"),
///     ("RUNNER_ENVIRONMENT", "github-hosted"), ("GITHUB_EVENT_NAME", "push"),
/// ];
/// let lookup = |name: &str| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
/// let run = GithubActionsRun::from_lookup(lookup)?;
/// assert_eq!(run.builder_id(), "https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main");
/// assert_eq!(run.invocation_id(), "https://github.com/octo/app/actions/runs/42/attempts/1");
/// # Ok::<(), sigchain_core::provenance::github::GithubEnvError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubActionsRun {
    /// `GITHUB_SERVER_URL`, without a trailing slash.
    server_url: String,
    /// `GITHUB_REPOSITORY`: `owner/name`.
    repository: String,
    /// `GITHUB_REPOSITORY_ID`.
    repository_id: String,
    /// `GITHUB_REPOSITORY_OWNER_ID`.
    repository_owner_id: String,
    /// `GITHUB_REF`: the ref that triggered the run (`refs/heads/main`, `refs/tags/v1`...).
    git_ref: String,
    /// `GITHUB_SHA`: the commit built.
    sha: String,
    /// `GITHUB_WORKFLOW_REF`: `owner/name/<path>@<ref>` of the top-level workflow.
    workflow_ref: String,
    /// `GITHUB_RUN_ID`.
    run_id: String,
    /// `GITHUB_RUN_ATTEMPT`.
    run_attempt: String,
    /// `RUNNER_ENVIRONMENT`: `github-hosted` or `self-hosted`.
    runner_environment: String,
    /// `GITHUB_EVENT_NAME`: what triggered the run (`push`, `workflow_dispatch`...).
    event_name: String,
}

impl GithubActionsRun {
    /// Read the run from `lookup`, which answers an environment variable's value (the
    /// process environment in a real job: `|name| std::env::var(name).ok()`). Only the
    /// variables of [`ENV_VARS`] are asked for.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, GithubEnvError> {
        if lookup("GITHUB_ACTIONS").as_deref() != Some("true") {
            return Err(GithubEnvError::NotGithubActions);
        }
        let get = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.is_empty())
                .ok_or(GithubEnvError::Missing(name))
        };
        let malformed =
            |name: &'static str, value: &str, expected: &'static str| GithubEnvError::Malformed {
                name,
                value: value.to_owned(),
                expected,
            };
        let digits = |name: &'static str| {
            let value = get(name)?;
            if value.bytes().all(|b| b.is_ascii_digit()) {
                Ok(value)
            } else {
                Err(malformed(name, &value, "decimal digits"))
            }
        };
        let server_url = get("GITHUB_SERVER_URL")?;
        let server_url = server_url.trim_end_matches('/').to_owned();
        if !(server_url.starts_with("https://") || server_url.starts_with("http://"))
            || server_url.contains(char::is_whitespace)
        {
            return Err(malformed(
                "GITHUB_SERVER_URL",
                &server_url,
                "an http(s) URL",
            ));
        }
        let repository = get("GITHUB_REPOSITORY")?;
        let well_formed_repository = matches!(repository.split_once('/'),
            Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/'))
            && !repository.contains(['@', ' ']);
        if !well_formed_repository {
            return Err(malformed("GITHUB_REPOSITORY", &repository, "owner/name"));
        }
        let sha = get("GITHUB_SHA")?;
        let hex = sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex || !(sha.len() == 40 || sha.len() == 64) {
            return Err(malformed("GITHUB_SHA", &sha, "a lowercase hex commit id"));
        }
        let workflow_ref = get("GITHUB_WORKFLOW_REF")?;
        let run = GithubActionsRun {
            repository_id: digits("GITHUB_REPOSITORY_ID")?,
            repository_owner_id: digits("GITHUB_REPOSITORY_OWNER_ID")?,
            git_ref: get("GITHUB_REF")?,
            run_id: digits("GITHUB_RUN_ID")?,
            run_attempt: digits("GITHUB_RUN_ATTEMPT")?,
            runner_environment: get("RUNNER_ENVIRONMENT")?,
            event_name: get("GITHUB_EVENT_NAME")?,
            server_url,
            repository,
            sha,
            workflow_ref,
        };
        if run.workflow_path_and_ref().is_none() {
            return Err(malformed(
                "GITHUB_WORKFLOW_REF",
                &run.workflow_ref,
                "<GITHUB_REPOSITORY>/<workflow path>@<ref>",
            ));
        }
        Ok(run)
    }

    /// `GITHUB_SERVER_URL`, without a trailing slash.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// `GITHUB_REPOSITORY`: `owner/name`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// `GITHUB_REF`: the ref the run is for.
    pub fn git_ref(&self) -> &str {
        &self.git_ref
    }

    /// `GITHUB_SHA`: the commit built.
    pub fn sha(&self) -> &str {
        &self.sha
    }

    /// `GITHUB_WORKFLOW_REF`: `owner/name/<path>@<ref>` of the top-level workflow.
    pub fn workflow_ref(&self) -> &str {
        &self.workflow_ref
    }

    /// The workflow file's path in the repository and the ref it was read at, from
    /// `GITHUB_WORKFLOW_REF` (split at the first `@`: a tag may contain one).
    fn workflow_path_and_ref(&self) -> Option<(&str, &str)> {
        let rest = self
            .workflow_ref
            .strip_prefix(self.repository.as_str())?
            .strip_prefix('/')?;
        rest.split_once('@')
            .filter(|(path, git_ref)| !path.is_empty() && !git_ref.is_empty())
    }

    /// `<server>/<owner>/<name>`.
    pub fn repository_uri(&self) -> String {
        format!("{}/{}", self.server_url, self.repository)
    }

    /// The builder id: the workflow's URI at its ref, as Fulcio's Build Signer URI for a
    /// job of a top-level (non-reusable) workflow.
    pub fn builder_id(&self) -> String {
        format!("{}/{}", self.server_url, self.workflow_ref)
    }

    /// The run attempt's URI (Fulcio's Run Invocation URI).
    pub fn invocation_id(&self) -> String {
        format!(
            "{}/actions/runs/{}/attempts/{}",
            self.repository_uri(),
            self.run_id,
            self.run_attempt
        )
    }

    /// The source commit as a resolved dependency: `git+<repository>@<ref>` at `GITHUB_SHA`.
    pub fn source_dependency(&self) -> ResourceDescriptor {
        ResourceDescriptor {
            uri: format!("git+{}@{}", self.repository_uri(), self.git_ref),
            digest: [("gitCommit".to_owned(), self.sha.clone())].into(),
            ..ResourceDescriptor::default()
        }
    }

    /// The SLSA v1 provenance of this run, of build type [`BUILD_TYPE`].
    pub fn provenance(&self) -> Provenance {
        // `from_lookup` checked the split; an empty pair cannot happen for a value it made.
        let (path, workflow_git_ref) = self.workflow_path_and_ref().unwrap_or_default();
        let object = |value: Value| match value {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Provenance {
            build_definition: BuildDefinition {
                build_type: BUILD_TYPE.to_owned(),
                external_parameters: object(json!({
                    "workflow": {
                        "ref": workflow_git_ref,
                        "repository": self.repository_uri(),
                        "path": path,
                    }
                })),
                internal_parameters: object(json!({
                    "github": {
                        "event_name": self.event_name,
                        "repository_id": self.repository_id,
                        "repository_owner_id": self.repository_owner_id,
                        "runner_environment": self.runner_environment,
                    }
                })),
                resolved_dependencies: vec![self.source_dependency()],
            },
            run_details: RunDetails {
                builder: Builder {
                    id: self.builder_id(),
                    version: Default::default(),
                    builder_dependencies: Vec::new(),
                },
                metadata: Some(BuildMetadata {
                    invocation_id: Some(self.invocation_id()),
                    ..BuildMetadata::default()
                }),
                byproducts: Vec::new(),
            },
        }
    }
}

/// What a provenance of GitHub's workflow build type says about its run, read back for
/// checks: each `None` when the provenance does not say it (or says it with the wrong type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubWorkflowFacts {
    /// `externalParameters.workflow.repository`.
    pub workflow_repository: Option<String>,
    /// `externalParameters.workflow.path`.
    pub workflow_path: Option<String>,
    /// `externalParameters.workflow.ref`.
    pub workflow_ref: Option<String>,
    /// `internalParameters.github.event_name`.
    pub event_name: Option<String>,
    /// `internalParameters.github.repository_id`.
    pub repository_id: Option<String>,
    /// `internalParameters.github.repository_owner_id`.
    pub repository_owner_id: Option<String>,
    /// `internalParameters.github.runner_environment`.
    pub runner_environment: Option<String>,
    /// The source repository URI and ref, from the `git+<repository>@<ref>` dependency.
    pub source: Option<(String, String)>,
    /// That dependency's `gitCommit` digest.
    pub source_commit: Option<String>,
}

impl GithubWorkflowFacts {
    /// Read them from `provenance` (any build type: the fields simply will not be there).
    pub fn of(provenance: &Provenance) -> GithubWorkflowFacts {
        let text = |map: &Map<String, Value>, outer: &str, inner: &str| {
            let value = map.get(outer)?.get(inner)?;
            match value {
                Value::String(s) => Some(s.clone()),
                // The ids are numbers in some producers' output.
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let external = &provenance.build_definition.external_parameters;
        let internal = &provenance.build_definition.internal_parameters;
        // The source is the first `git+` dependency, as GitHub writes it.
        let source = provenance
            .build_definition
            .resolved_dependencies
            .iter()
            .find(|d| d.uri.starts_with("git+"));
        GithubWorkflowFacts {
            workflow_repository: text(external, "workflow", "repository"),
            workflow_path: text(external, "workflow", "path"),
            workflow_ref: text(external, "workflow", "ref"),
            event_name: text(internal, "github", "event_name"),
            repository_id: text(internal, "github", "repository_id"),
            repository_owner_id: text(internal, "github", "repository_owner_id"),
            runner_environment: text(internal, "github", "runner_environment"),
            source: source.and_then(|d| split_git_uri(&d.uri)),
            source_commit: source.and_then(|d| d.digest.get("gitCommit").cloned()),
        }
    }

    /// `<repository>/<path>@<ref>`: the workflow file's URI at its ref (Fulcio's Build
    /// Config URI), when all three are given.
    pub fn workflow_uri(&self) -> Option<String> {
        Some(format!(
            "{}/{}@{}",
            self.workflow_repository.as_deref()?,
            self.workflow_path.as_deref()?,
            self.workflow_ref.as_deref()?
        ))
    }
}

/// `git+<repository>@<ref>` → (repository, ref), split at the first `@` after the scheme's
/// authority (a ref may contain `@`, a repository URI does not).
fn split_git_uri(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix("git+")?;
    let (repository, git_ref) = rest.split_once('@')?;
    (!repository.is_empty() && !git_ref.is_empty())
        .then(|| (repository.to_owned(), git_ref.to_owned()))
}
