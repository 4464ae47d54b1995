//! The claims of an identity token, typed: the registered ones (RFC 7519 §4.1), the OpenID
//! Connect `email` pair, Dex's `federated_claims`, and GitHub Actions' workflow claims.

use serde_json::{Map, Value};
use sigchain_core::time::Timestamp;

use super::error::TokenError;

/// The issuer of GitHub Actions' workflow identity tokens.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// `aud`: one audience or several (RFC 7519 §4.1.3 allows a string or an array of strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience(Vec<String>);

impl Audience {
    /// Every audience named.
    pub fn values(&self) -> &[String] {
        &self.0
    }

    /// Whether `audience` is one of them.
    pub fn contains(&self, audience: &str) -> bool {
        self.0.iter().any(|a| a == audience)
    }
}

/// The claims GitHub Actions puts in a workflow's identity token, as strings (GitHub writes
/// even `run_id` as a string). Each is `None` when absent. Fulcio requires most of them for a
/// GitHub workflow identity and copies them into certificate extensions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)] // each field is the claim of the same name
pub struct GithubActionsClaims {
    /// `owner/repo/.github/workflows/file.yml@refs/...`: the workflow file the *job* runs
    /// (differs from `workflow_ref` for a reusable workflow). The certificate SAN is
    /// `https://github.com/` followed by it.
    pub job_workflow_ref: Option<String>,
    pub job_workflow_sha: Option<String>,
    pub workflow_ref: Option<String>,
    pub workflow_sha: Option<String>,
    pub workflow: Option<String>,
    pub repository: Option<String>,
    pub repository_id: Option<String>,
    pub repository_owner: Option<String>,
    pub repository_owner_id: Option<String>,
    pub repository_visibility: Option<String>,
    /// `refs/heads/main`, `refs/tags/v1`, ...
    pub r#ref: Option<String>,
    pub ref_type: Option<String>,
    pub sha: Option<String>,
    pub event_name: Option<String>,
    pub run_id: Option<String>,
    pub run_attempt: Option<String>,
    pub run_number: Option<String>,
    pub runner_environment: Option<String>,
    pub actor: Option<String>,
    pub actor_id: Option<String>,
    pub environment: Option<String>,
}

/// The typed claims of an identity token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// `iss`: the identity provider's URL.
    pub iss: String,
    /// `sub`: the provider's name for the subject.
    pub sub: String,
    /// `aud`: who the token is for (`sigstore` for Fulcio).
    pub aud: Audience,
    /// `exp`: when it stops being valid.
    pub exp: Timestamp,
    /// `iat`: when it was issued.
    pub iat: Option<Timestamp>,
    /// `nbf`: when it starts being valid.
    pub nbf: Option<Timestamp>,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified`: a boolean, or the strings `"true"`/`"false"` (any case of the first
    /// letter) that some providers send and Fulcio accepts.
    pub email_verified: Option<bool>,
    /// `federated_claims.connector_id`: the upstream provider behind a federating one (Dex,
    /// as at `https://oauth2.sigstore.dev/auth`); Fulcio names it, not `iss`, as the
    /// certificate's issuer for email identities.
    pub federated_issuer: Option<String>,
    /// GitHub Actions' claims, read only when `iss` is [`GITHUB_ACTIONS_ISSUER`].
    pub github_actions: Option<GithubActionsClaims>,
}

impl Claims {
    /// The typed view of a claims object.
    pub(crate) fn from_map(map: &Map<String, Value>) -> Result<Claims, TokenError> {
        let iss = required_string(map, "iss")?;
        let github_actions = if iss == GITHUB_ACTIONS_ISSUER {
            Some(github_claims(map)?)
        } else {
            None
        };
        Ok(Claims {
            iss,
            sub: required_string(map, "sub")?,
            aud: audience(map)?,
            exp: numeric_date(map, "exp")?.ok_or(TokenError::MissingClaim { claim: "exp" })?,
            iat: numeric_date(map, "iat")?,
            nbf: numeric_date(map, "nbf")?,
            email: string(map, "email")?,
            email_verified: email_verified(map)?,
            federated_issuer: federated_issuer(map)?,
            github_actions,
        })
    }
}

fn string(map: &Map<String, Value>, claim: &'static str) -> Result<Option<String>, TokenError> {
    match map.get(claim) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(TokenError::ClaimType {
            claim,
            expected: "a string",
        }),
    }
}

fn required_string(map: &Map<String, Value>, claim: &'static str) -> Result<String, TokenError> {
    match string(map, claim)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(TokenError::MissingClaim { claim }),
    }
}

fn audience(map: &Map<String, Value>) -> Result<Audience, TokenError> {
    const EXPECTED: &str = "a string or an array of strings";
    let values = match map.get("aud") {
        None | Some(Value::Null) => return Err(TokenError::MissingClaim { claim: "aud" }),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(TokenError::ClaimType {
                    claim: "aud",
                    expected: EXPECTED,
                }),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(TokenError::ClaimType {
                claim: "aud",
                expected: EXPECTED,
            })
        }
    };
    if values.is_empty() {
        return Err(TokenError::MissingClaim { claim: "aud" });
    }
    Ok(Audience(values))
}

/// A NumericDate (RFC 7519 §2): seconds since the epoch, possibly with a fraction (dropped:
/// floor, so that `exp` is never extended).
fn numeric_date(
    map: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<Timestamp>, TokenError> {
    let wrong = TokenError::ClaimType {
        claim,
        expected: "a number of seconds since 1970 within ±10^12",
    };
    let number = match map.get(claim) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n,
        Some(_) => return Err(wrong),
    };
    // ±10^12 s is ±31,700 years: every real date, and far from i64 overflow in arithmetic.
    const BOUND: i64 = 1_000_000_000_000;
    let seconds = if let Some(i) = number.as_i64() {
        i
    } else if let Some(f) = number.as_f64() {
        if !f.is_finite() || f.abs() > BOUND as f64 {
            return Err(wrong);
        }
        f.floor() as i64
    } else {
        return Err(wrong);
    };
    if seconds.abs() > BOUND {
        return Err(wrong);
    }
    Ok(Some(Timestamp(seconds)))
}

/// Fulcio's `stringAsBool`: `true`, `"true"`, `"True"` and their `false` twins.
fn email_verified(map: &Map<String, Value>) -> Result<Option<bool>, TokenError> {
    match map.get("email_verified") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" || s == "True" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" || s == "False" => Ok(Some(false)),
        Some(_) => Err(TokenError::ClaimType {
            claim: "email_verified",
            expected: "a boolean",
        }),
    }
}

fn federated_issuer(map: &Map<String, Value>) -> Result<Option<String>, TokenError> {
    match map.get("federated_claims") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(federated)) => match federated.get("connector_id") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(TokenError::ClaimType {
                claim: "federated_claims.connector_id",
                expected: "a string",
            }),
        },
        Some(_) => Err(TokenError::ClaimType {
            claim: "federated_claims",
            expected: "an object",
        }),
    }
}

fn github_claims(map: &Map<String, Value>) -> Result<GithubActionsClaims, TokenError> {
    Ok(GithubActionsClaims {
        job_workflow_ref: string(map, "job_workflow_ref")?,
        job_workflow_sha: string(map, "job_workflow_sha")?,
        workflow_ref: string(map, "workflow_ref")?,
        workflow_sha: string(map, "workflow_sha")?,
        workflow: string(map, "workflow")?,
        repository: string(map, "repository")?,
        repository_id: string(map, "repository_id")?,
        repository_owner: string(map, "repository_owner")?,
        repository_owner_id: string(map, "repository_owner_id")?,
        repository_visibility: string(map, "repository_visibility")?,
        r#ref: string(map, "ref")?,
        ref_type: string(map, "ref_type")?,
        sha: string(map, "sha")?,
        event_name: string(map, "event_name")?,
        run_id: string(map, "run_id")?,
        run_attempt: string(map, "run_attempt")?,
        run_number: string(map, "run_number")?,
        runner_environment: string(map, "runner_environment")?,
        actor: string(map, "actor")?,
        actor_id: string(map, "actor_id")?,
        environment: string(map, "environment")?,
    })
}
