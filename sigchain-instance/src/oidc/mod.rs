//! A test OpenID Connect issuer, and the token check the CA makes.
//!
//! - [`OidcIssuer`] mints ES256 identity tokens for any email a test asks for (it is a test
//!   issuer: there is no login), and publishes its discovery document and JWKS;
//! - [`TokenVerifier`] accepts a token only from a configured issuer, signed by that issuer's
//!   key, unexpired at the given time, for audience `sigstore`, and returns the claims the CA
//!   puts into a certificate.
//!
//! Both are sans-IO: the clock is a parameter. [`http`] serves the issuer.
//!
//! A second issuer of the same kind stands in for GitHub Actions ([`OidcIssuer::github_actions`]):
//! its tokens carry a job's [`GithubActionsClaims`], and the CA certifies the workflow with
//! Fulcio's CI extensions, so provenance checks against a certificate can be tested end to end.
//!
//! ```
//! use sigchain_instance::oidc::{OidcIssuer, TokenRequest, TokenVerifier};
//! use sigchain_instance::pki::{Curve, EcKey};
//! let issuer = OidcIssuer::new("http://127.0.0.1:3000/oidc", EcKey::generate(Curve::P256)?)?;
//! let now = 1_700_000_000;
//! let token = issuer.mint(&TokenRequest::for_email("alice@example.com"), now)?;
//! let claims = TokenVerifier::new(vec![issuer.trusted()]).verify(&token, now)?;
//! assert_eq!(claims.email(), Some("alice@example.com"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod github_actions;
pub mod http;

pub use github_actions::GithubActionsClaims;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sigchain_core::encoding::hex_encode;

use crate::pki::{Curve, EcKey};

/// The audience Sigstore tokens are minted for, and the only one the CA accepts.
pub const AUDIENCE: &str = "sigstore";
/// How long minted tokens live, seconds.
pub const TOKEN_LIFETIME: i64 = 600;
/// Largest token accepted (real ones are 1–2 KiB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Longest subject a token may be minted for.
pub const MAX_SUBJECT_BYTES: usize = 256;

/// Why a token could not be minted or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token is longer than [`MAX_TOKEN_BYTES`].
    #[error("identity token of {0} bytes is too large")]
    TooLarge(usize),
    /// The token is not a JWS compact serialization with JSON claims.
    #[error("identity token is malformed: {0}")]
    Malformed(String),
    /// Its `iss` is not a configured issuer.
    #[error("identity token issuer {0:?} is not trusted")]
    UnknownIssuer(String),
    /// Its signature does not verify under the issuer's key (or uses another algorithm).
    #[error("identity token signature does not verify: {0}")]
    BadSignature(String),
    /// It expired at `exp`, before `now`.
    #[error("identity token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The time checked.
        now: i64,
    },
    /// It is not valid yet.
    #[error("identity token not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The token's `nbf` (or `iat`).
        nbf: i64,
        /// The time checked.
        now: i64,
    },
    /// Its audience does not include `sigstore`.
    #[error("identity token audience {0} does not include \"sigstore\"")]
    WrongAudience(String),
    /// An email issuer's token without a verified email.
    #[error("identity token has no verified email")]
    UnverifiedEmail,
    /// A subject that is empty, too long or has control characters.
    #[error("subject {0:?} cannot be put in a token")]
    BadSubject(String),
    /// Signing failed.
    #[error("token signing failed: {0}")]
    Sign(String),
    /// A GitHub Actions issuer's token without the job claims, or with one no certificate may
    /// hold.
    #[error("identity token lacks valid GitHub Actions claims ({0})")]
    GithubClaims(String),
}

/// What the CA puts into a certificate for a token's issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerKind {
    /// The subject is the token's verified `email` (SAN rfc822Name).
    Email,
    /// The subject is the token's `sub`, a URI (SAN uniformResourceIdentifier).
    Uri,
    /// A GitHub Actions job: the subject is its workflow (`https://github.com/` +
    /// `job_workflow_ref`, a SAN URI), and the job's claims fill Fulcio's CI extensions.
    GithubActions,
}

/// An issuer the CA trusts: its URL (the tokens' `iss`), its key and kind.
#[derive(Clone)]
pub struct TrustedIssuer {
    /// The issuer URL.
    pub url: String,
    /// How its tokens map to a certificate subject.
    pub kind: IssuerKind,
    key: DecodingKey,
}

impl std::fmt::Debug for TrustedIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedIssuer")
            .field("url", &self.url)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl TrustedIssuer {
    /// An issuer signing ES256 with the P-256 key whose JWK coordinates are `x`, `y`
    /// (base64url).
    pub fn es256(url: &str, kind: IssuerKind, x: &str, y: &str) -> Result<Self, TokenError> {
        let key = DecodingKey::from_ec_components(x, y)
            .map_err(|e| TokenError::Malformed(e.to_string()))?;
        Ok(TrustedIssuer {
            url: url.to_owned(),
            kind,
            key,
        })
    }
}

/// What a token is minted for. The non-default fields make tokens a CA must refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// `sub` and `email`.
    pub subject: String,
    /// `aud` (default `sigstore`).
    pub audience: String,
    /// Mint a token that expired a minute ago.
    pub expired: bool,
    /// `email_verified` (default true).
    pub email_verified: bool,
}

impl TokenRequest {
    /// A valid token for `email`.
    pub fn for_email(email: &str) -> TokenRequest {
        TokenRequest {
            subject: email.to_owned(),
            audience: AUDIENCE.to_owned(),
            expired: false,
            email_verified: true,
        }
    }
}

/// The claims read from a token; only [`TokenVerifier::verify`] makes them, after every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClaims {
    pub(crate) issuer: String,
    pub(crate) kind: IssuerKind,
    pub(crate) subject: String,
    pub(crate) email: Option<String>,
    pub(crate) github: Option<GithubActionsClaims>,
}

impl VerifiedClaims {
    /// `iss`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// How the issuer's tokens map to a certificate subject.
    pub fn kind(&self) -> IssuerKind {
        self.kind
    }

    /// `sub`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// `email`: present (and verified) for email issuers.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// A GitHub Actions job's claims (present exactly for [`IssuerKind::GithubActions`]).
    pub fn github_actions(&self) -> Option<&GithubActionsClaims> {
        self.github.as_ref()
    }

    /// The identity a certificate is issued for, and the proof-of-possession challenge
    /// (Fulcio's `principal.Name`): the email for email issuers, else the subject.
    pub fn principal(&self) -> &str {
        match (self.kind, &self.email) {
            (IssuerKind::Email, Some(email)) => email,
            _ => &self.subject,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Value,
    iat: i64,
    #[serde(default)]
    nbf: Option<i64>,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    // Absent (None) unless every required job claim is there.
    #[serde(flatten)]
    github: Option<GithubActionsClaims>,
}

/// The test issuer: its URL and ES256 key.
pub struct OidcIssuer {
    url: String,
    kind: IssuerKind,
    key: EcKey,
    kid: String,
    encoding_key: EncodingKey,
}

impl std::fmt::Debug for OidcIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcIssuer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl OidcIssuer {
    /// The email issuer at `url` signing with `key` (which must be P-256).
    pub fn new(url: &str, key: EcKey) -> Result<OidcIssuer, TokenError> {
        Self::of_kind(url, IssuerKind::Email, key)
    }

    /// A stand-in for GitHub Actions' issuer at `url`: it mints job tokens
    /// ([`OidcIssuer::mint_github_actions`]) the CA certifies as workflows.
    pub fn github_actions(url: &str, key: EcKey) -> Result<OidcIssuer, TokenError> {
        Self::of_kind(url, IssuerKind::GithubActions, key)
    }

    fn of_kind(url: &str, kind: IssuerKind, key: EcKey) -> Result<OidcIssuer, TokenError> {
        if key.curve() != Curve::P256 {
            return Err(TokenError::Sign("ES256 needs a P-256 key".to_owned()));
        }
        let kid = hex_encode(&sigchain_core::crypto::sha256(key.spki_der())[..8]);
        let encoding_key = EncodingKey::from_ec_der(key.pkcs8());
        Ok(OidcIssuer {
            url: url.trim_end_matches('/').to_owned(),
            kind,
            key,
            kid,
            encoding_key,
        })
    }

    /// The issuer URL (tokens' `iss`).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn coordinates(&self) -> (String, String) {
        let point = self.key.public_point();
        let (x, y) = point.get(1..).unwrap_or_default().split_at(point.len() / 2);
        (base64url(x), base64url(y))
    }

    /// This issuer as a CA trusts it.
    pub fn trusted(&self) -> TrustedIssuer {
        let (x, y) = self.coordinates();
        // The coordinates come from a valid key: decoding them cannot fail.
        TrustedIssuer::es256(&self.url, self.kind, &x, &y).unwrap_or_else(|_| TrustedIssuer {
            url: self.url.clone(),
            kind: self.kind,
            key: DecodingKey::from_ec_der(self.key.public_point()),
        })
    }

    /// A signed token (JWS compact) for `request`, issued at `now`.
    pub fn mint(&self, request: &TokenRequest, now: i64) -> Result<String, TokenError> {
        let subject = &request.subject;
        if subject.is_empty()
            || subject.len() > MAX_SUBJECT_BYTES
            || subject.chars().any(char::is_control)
        {
            return Err(TokenError::BadSubject(subject.chars().take(64).collect()));
        }
        let iat = if request.expired {
            now - TOKEN_LIFETIME - 60
        } else {
            now
        };
        let claims = Claims {
            iss: self.url.clone(),
            sub: subject.clone(),
            aud: Value::String(request.audience.clone()),
            iat,
            nbf: Some(iat),
            exp: iat + TOKEN_LIFETIME,
            email: Some(subject.clone()),
            email_verified: Some(request.email_verified),
            github: None,
        };
        self.sign(&claims)
    }

    /// A GitHub Actions job's token (`sub` `repo:OWNER/REPO:ref:REF`, audience `sigstore`),
    /// issued at `now`.
    pub fn mint_github_actions(
        &self,
        job: &GithubActionsClaims,
        now: i64,
    ) -> Result<String, TokenError> {
        if let Some(field) = job.first_invalid() {
            return Err(TokenError::GithubClaims(field.to_owned()));
        }
        let claims = Claims {
            iss: self.url.clone(),
            sub: job.subject(),
            aud: Value::String(AUDIENCE.to_owned()),
            iat: now,
            nbf: Some(now),
            exp: now + TOKEN_LIFETIME,
            email: None,
            email_verified: None,
            github: Some(job.clone()),
        };
        self.sign(&claims)
    }

    fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding_key)
            .map_err(|e| TokenError::Sign(e.to_string()))
    }

    /// The JWKS document (`{"keys":[{...}]}`).
    pub fn jwks(&self) -> Value {
        let (x, y) = self.coordinates();
        json!({"keys": [{
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
            "kid": self.kid, "x": x, "y": y,
        }]})
    }

    /// The OpenID discovery document.
    pub fn discovery(&self) -> Value {
        json!({
            "issuer": self.url,
            "jwks_uri": format!("{}/jwks", self.url),
            "token_endpoint": format!("{}/token", self.url),
            "authorization_endpoint": format!("{}/auth", self.url),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "claims_supported": match self.kind {
                IssuerKind::GithubActions => json!([
                    "iss", "sub", "aud", "iat", "nbf", "exp", "repository", "repository_id",
                    "repository_owner", "repository_owner_id", "repository_visibility", "ref",
                    "sha", "workflow", "workflow_ref", "workflow_sha", "job_workflow_ref",
                    "job_workflow_sha", "event_name", "run_id", "run_attempt",
                    "runner_environment", "environment",
                ]),
                _ => json!(["iss", "sub", "aud", "iat", "nbf", "exp", "email", "email_verified"]),
            },
        })
    }
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Checks tokens against the configured issuers.
#[derive(Debug, Clone)]
pub struct TokenVerifier {
    issuers: Vec<TrustedIssuer>,
}

impl TokenVerifier {
    /// A verifier trusting exactly `issuers`.
    pub fn new(issuers: Vec<TrustedIssuer>) -> TokenVerifier {
        TokenVerifier { issuers }
    }

    /// Verify `token` at `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, now: i64) -> Result<VerifiedClaims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge(token.len()));
        }
        // The issuer picks the key, so it is read before the signature is checked; nothing
        // else from the unverified claims is used.
        let unverified = jsonwebtoken::dangerous::insecure_decode::<Claims>(token)
            .map_err(|e| TokenError::Malformed(e.to_string()))?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.url == unverified.claims.iss)
            .ok_or_else(|| TokenError::UnknownIssuer(unverified.claims.iss.clone()))?;

        let mut validation = Validation::new(Algorithm::ES256);
        // Times and audience are checked below against the caller's clock, with errors that
        // say which check failed.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Claims>(token, &issuer.key, &validation)
            .map_err(|e| TokenError::BadSignature(e.to_string()))?
            .claims;
        if claims.iss != issuer.url {
            return Err(TokenError::UnknownIssuer(claims.iss));
        }
        if now >= claims.exp {
            return Err(TokenError::Expired {
                exp: claims.exp,
                now,
            });
        }
        // A minute's leeway for clients whose clocks run behind the issuer's.
        let nbf = claims.nbf.unwrap_or(claims.iat);
        if now + 60 < nbf {
            return Err(TokenError::NotYetValid { nbf, now });
        }
        let audience_ok = match &claims.aud {
            Value::String(aud) => aud == AUDIENCE,
            Value::Array(auds) => auds.iter().any(|a| a.as_str() == Some(AUDIENCE)),
            _ => false,
        };
        if !audience_ok {
            return Err(TokenError::WrongAudience(claims.aud.to_string()));
        }
        let email = match issuer.kind {
            IssuerKind::Email => {
                let email = claims
                    .email
                    .filter(|_| claims.email_verified == Some(true))
                    .ok_or(TokenError::UnverifiedEmail)?;
                Some(email)
            }
            IssuerKind::Uri | IssuerKind::GithubActions => None,
        };
        let github = match issuer.kind {
            IssuerKind::GithubActions => {
                let job = claims
                    .github
                    .ok_or_else(|| TokenError::GithubClaims("missing".to_owned()))?;
                if let Some(field) = job.first_invalid() {
                    return Err(TokenError::GithubClaims(field.to_owned()));
                }
                Some(job)
            }
            _ => None,
        };
        Ok(VerifiedClaims {
            issuer: claims.iss,
            kind: issuer.kind,
            subject: claims.sub,
            email,
            github,
        })
    }
}

#[cfg(test)]
mod tests;
