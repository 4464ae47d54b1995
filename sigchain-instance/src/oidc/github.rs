//! GitHub Actions claims in the test issuer's tokens, and the Fulcio extensions a CA issues
//! for them (fulcio `docs/oid-info.md`, as Fulcio fills them for GitHub's issuer), so that
//! local tests and demos can sign as a GitHub Actions job and check what depends on those
//! claims (SLSA provenance held to its certificate).
//!
//! The test issuer mints whatever it is asked for: a certificate's GitHub claims from this
//! instance prove nothing about GitHub, only that the local issuer was asked for them.

use serde::{Deserialize, Serialize};

/// The server URL GitHub's claims are relative to (Fulcio's for GitHub's issuer).
pub const GITHUB_SERVER_URL: &str = "https://github.com";

/// The GitHub Actions claims of an ID token, with GitHub's claim names.
///
/// ```
/// use sigchain_instance::oidc::github::GithubActionsClaims;
/// let claims: GithubActionsClaims = serde_json::from_str(r#"{
///   "repository": "octo/app", "repository_id": "1", "repository_owner": "octo",
///   "repository_owner_id": "2", "ref": "refs/heads/main",
///   "sha": "0123456789abcdef0123456789abcdef01234567",
///   "workflow_ref": "octo/app/.github/workflows/ci.yml@refs/heads/main",
///   "workflow_sha": "0123456789abcdef0123456789abcdef01234567",
///   "job_workflow_ref": "octo/app/.github/workflows/ci.yml@refs/heads/main",
///   "job_workflow_sha": "0123456789abcdef0123456789abcdef01234567",
///   "run_id": "42", "run_attempt": "1", "runner_environment": "github-hosted",
///   "event_name": "push", "repository_visibility": "public"}"#)?;
/// let extensions = claims.fulcio_claims();
/// assert!(extensions.contains(&(9, "https://github.com/octo/app/.github/workflows/ci.yml@refs/heads/main".into())));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubActionsClaims {
    /// `owner/name`.
    pub repository: String,
    /// The repository's numeric id.
    pub repository_id: String,
    /// The owner's name.
    pub repository_owner: String,
    /// The owner's numeric id.
    pub repository_owner_id: String,
    /// The ref the run is for.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The commit.
    pub sha: String,
    /// The top-level workflow: `owner/name/<path>@<ref>`.
    pub workflow_ref: String,
    /// The top-level workflow file's commit.
    pub workflow_sha: String,
    /// The workflow the job runs (a reusable workflow's, or the top-level one).
    pub job_workflow_ref: String,
    /// That workflow file's commit.
    pub job_workflow_sha: String,
    /// The run.
    pub run_id: String,
    /// The attempt.
    pub run_attempt: String,
    /// `github-hosted` or `self-hosted`.
    pub runner_environment: String,
    /// The trigger.
    pub event_name: String,
    /// `public`, `private` or `internal`.
    pub repository_visibility: String,
}

impl GithubActionsClaims {
    /// (arc under `1.3.6.1.4.1.57264.1`, value) of each Fulcio claim these make.
    pub fn fulcio_claims(&self) -> Vec<(u32, String)> {
        let server = GITHUB_SERVER_URL;
        let repository = format!("{server}/{}", self.repository);
        vec![
            (9, format!("{server}/{}", self.job_workflow_ref)),
            (10, self.job_workflow_sha.clone()),
            (11, self.runner_environment.clone()),
            (12, repository.clone()),
            (13, self.sha.clone()),
            (14, self.git_ref.clone()),
            (15, self.repository_id.clone()),
            (16, format!("{server}/{}", self.repository_owner)),
            (17, self.repository_owner_id.clone()),
            (18, format!("{server}/{}", self.workflow_ref)),
            (19, self.workflow_sha.clone()),
            (20, self.event_name.clone()),
            (
                21,
                format!(
                    "{repository}/actions/runs/{}/attempts/{}",
                    self.run_id, self.run_attempt
                ),
            ),
            (22, self.repository_visibility.clone()),
        ]
    }
}
