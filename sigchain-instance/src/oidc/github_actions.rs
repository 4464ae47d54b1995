//! The claims of a GitHub Actions job's identity token, as the test issuer mints them and as
//! a CA reads them to fill Fulcio's CI extensions.
//!
//! The names are GitHub's token claims; every one that Fulcio's GitHub mapping reads is
//! required, so a certificate for a workflow is never issued with some of its provenance
//! fields silently empty.

use serde::{Deserialize, Serialize};

/// GitHub Actions' OIDC issuer, the `iss` of every job token. The instance's stand-in mints
/// tokens under this name with its own key: its CA trusts that key for it, nobody else does.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The server URL Fulcio prefixes to GitHub's repository and workflow paths (its default for
/// github.com): `<server>/<job_workflow_ref>` is the certificate's SAN and Build Signer URI.
pub const GITHUB_SERVER_URL: &str = "https://github.com";

/// A GitHub Actions job's token claims (beyond `iss`, `sub`, `aud` and the times).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubActionsClaims {
    /// `owner/repo`.
    pub repository: String,
    /// The repository's numeric id.
    pub repository_id: String,
    /// The owner's login.
    pub repository_owner: String,
    /// The owner's numeric id.
    pub repository_owner_id: String,
    /// `public`, `private` or `internal`.
    pub repository_visibility: String,
    /// The ref the workflow ran for, e.g. `refs/heads/main`.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The commit the workflow ran for.
    pub sha: String,
    /// The workflow's name.
    pub workflow: String,
    /// `owner/repo/.github/workflows/FILE@REF` of the workflow the run started.
    pub workflow_ref: String,
    /// The commit of that workflow file.
    pub workflow_sha: String,
    /// `owner/repo/.github/workflows/FILE@REF` of the workflow the job runs (differs from
    /// `workflow_ref` for reusable workflows).
    pub job_workflow_ref: String,
    /// The commit of that workflow file.
    pub job_workflow_sha: String,
    /// The event that triggered the run, e.g. `push`.
    pub event_name: String,
    /// The run's id.
    pub run_id: String,
    /// The run's attempt, from 1.
    pub run_attempt: String,
    /// `github-hosted` or `self-hosted`.
    pub runner_environment: String,
    /// The deployment environment the job targets, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl GithubActionsClaims {
    /// The token `sub` GitHub gives such a job: `repo:owner/repo:ref:REF`.
    pub fn subject(&self) -> String {
        format!("repo:{}:ref:{}", self.repository, self.git_ref)
    }

    /// `<server>/<path>`, as Fulcio writes GitHub URIs.
    pub fn uri(path: &str) -> String {
        format!("{GITHUB_SERVER_URL}/{path}")
    }

    /// The workflow identity Fulcio certifies (SAN and Build Signer URI).
    pub fn build_signer_uri(&self) -> String {
        Self::uri(&self.job_workflow_ref)
    }

    /// The run, as Fulcio's Run Invocation URI.
    pub fn run_invocation_uri(&self) -> String {
        Self::uri(&format!(
            "{}/actions/runs/{}/attempts/{}",
            self.repository, self.run_id, self.run_attempt
        ))
    }

    /// Values no certificate field may hold: empty or with control characters.
    pub(crate) fn first_invalid(&self) -> Option<&'static str> {
        let fields: [(&'static str, &str); 16] = [
            ("repository", &self.repository),
            ("repository_id", &self.repository_id),
            ("repository_owner", &self.repository_owner),
            ("repository_owner_id", &self.repository_owner_id),
            ("repository_visibility", &self.repository_visibility),
            ("ref", &self.git_ref),
            ("sha", &self.sha),
            ("workflow", &self.workflow),
            ("workflow_ref", &self.workflow_ref),
            ("workflow_sha", &self.workflow_sha),
            ("job_workflow_ref", &self.job_workflow_ref),
            ("job_workflow_sha", &self.job_workflow_sha),
            ("event_name", &self.event_name),
            ("run_id", &self.run_id),
            ("run_attempt", &self.run_attempt),
            ("runner_environment", &self.runner_environment),
        ];
        let bad = |value: &str| {
            value.is_empty()
                || value.len() > super::MAX_SUBJECT_BYTES
                || value.chars().any(char::is_control)
        };
        fields
            .into_iter()
            .chain(self.environment.as_deref().map(|e| ("environment", e)))
            .find(|(_, value)| bad(value))
            .map(|(name, _)| name)
    }
}
