//! OIDC identity tokens: what a signer shows the CA to prove who it is.
//!
//! [`IdentityToken::parse`] decodes a compact JWT's claims **without verifying its
//! signature**: the CA does that, against the issuer's published keys, and a client that
//! checked it too would add nothing but a second copy of the issuer list. What the client can
//! usefully do before contacting the CA is refuse a token the CA would refuse anyway
//! ([`IdentityToken::check_usable`]: expired, not yet valid, wrong audience), and predict the
//! identity the certificate will name ([`IdentityToken::expected_identity`]) so that the
//! issued certificate can be held to it.
//!
//! - [`claims`]: the typed claims;
//! - [`identity`](IdentityToken::signer): Fulcio's rules from token to certificate identity;
//! - [`source`]: where a token comes from (a string, `SIGSTORE_ID_TOKEN`, a file, GitHub
//!   Actions' ambient credentials), and [`github`]: the ambient GitHub Actions request.
//!
//! A token is a bearer credential: [`IdentityToken`]'s `Debug` form never shows it, and no
//! error of this crate contains it.

pub mod claims;
mod error;
pub mod github;
mod identity;
pub mod source;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{Map, Value};
use sigchain_core::time::Timestamp;

pub use claims::{Audience, Claims, GithubActionsClaims, GITHUB_ACTIONS_ISSUER};
pub use error::TokenError;
pub use identity::{IdentityRule, SignerIdentity, UsePolicy, SIGSTORE_AUDIENCE};

use crate::limits::MAX_TOKEN_BYTES;

/// base64url as JWS writes it (no padding), also taking padding, which some encoders add.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// An OIDC identity token whose claims were decoded, not verified.
///
/// ```
/// use sigchain_fulcio::token::{IdentityRule, IdentityToken};
/// use sigchain_fulcio::sigchain_core::time::Timestamp;
/// # let jwt = sigchain_fulcio::token::unsigned_jwt(&serde_json::json!({
/// #     "iss": "https://token.actions.githubusercontent.com",
/// #     "sub": "repo:acme/app:ref:refs/tags/v1", "aud": "sigstore",
/// #     "iat": 1_700_000_000, "nbf": 1_700_000_000, "exp": 1_700_000_300,
/// #     "job_workflow_ref": "acme/app/.github/workflows/release.yml@refs/tags/v1"}));
/// // `jwt`: e.g. the value of SIGSTORE_ID_TOKEN.
/// let token = IdentityToken::parse(&jwt)?;
/// token.check_usable(Timestamp(1_700_000_100))?;
/// let signer = token.signer()?;
/// assert_eq!(signer.rule, IdentityRule::GithubActions);
/// assert_eq!(signer.san, "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1");
/// assert_eq!(signer.challenge, "repo:acme/app:ref:refs/tags/v1");
/// let expired = token.check_usable(Timestamp(1_700_000_400)).unwrap_err();
/// assert!(expired.to_string().contains("expired at 2023-11-14T22:18:20Z"));
/// # Ok::<(), sigchain_fulcio::token::TokenError>(())
/// ```
#[derive(Clone)]
pub struct IdentityToken {
    raw: String,
    claims: Claims,
    all_claims: Map<String, Value>,
}

impl IdentityToken {
    /// Decode a compact JWT (`header.claims.signature`, base64url), surrounding whitespace
    /// ignored. Checks the shape and the types of the claims it knows, and that `iss`, `sub`,
    /// `aud` and `exp` are present (OpenID Connect requires them, and Fulcio reads them);
    /// verifies nothing.
    pub fn parse(raw: &str) -> Result<IdentityToken, TokenError> {
        if raw.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge {
                len: raw.len(),
                max: MAX_TOKEN_BYTES,
            });
        }
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(TokenError::Empty);
        }
        // Only base64url and dots: the token goes into JSON and HTTP headers as it is.
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
        {
            return Err(TokenError::NotCompactCharacters);
        }
        let parts: Vec<&str> = raw.split('.').collect();
        let [header, payload, _signature] = parts.as_slice() else {
            return Err(TokenError::NotCompactJws { parts: parts.len() });
        };
        json_object("header", header)?;
        let all_claims = json_object("claims", payload)?;
        let claims = Claims::from_map(&all_claims)?;
        Ok(IdentityToken {
            raw: raw.to_owned(),
            claims,
            all_claims,
        })
    }

    /// The token itself, to send to the CA. A secret: do not log it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The typed claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Any claim by name, as JSON (for claims [`Claims`] does not type).
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.all_claims.get(name)
    }

    /// `iss`.
    pub fn issuer(&self) -> &str {
        &self.claims.iss
    }

    /// `sub`.
    pub fn subject(&self) -> &str {
        &self.claims.sub
    }

    /// `exp`.
    pub fn expires_at(&self) -> Timestamp {
        self.claims.exp
    }
}

impl std::fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityToken")
            .field("raw", &format_args!("<{} bytes>", self.raw.len()))
            .field("claims", &self.claims)
            .finish()
    }
}

fn json_object(part: &'static str, text: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = BASE64URL
        .decode(text)
        .map_err(|_| TokenError::Base64 { part })?;
    serde_json::from_slice(&bytes).map_err(|source| TokenError::Json { part, source })
}

/// An **unsigned** compact JWT with `claims` (header `{"alg":"none"}`, signature `x`): for
/// tests and examples that need a token to parse. No CA accepts it.
#[doc(hidden)]
pub fn unsigned_jwt(claims: &Value) -> String {
    let header = BASE64URL_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = BASE64URL_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.eA")
}

const BASE64URL_NO_PAD: GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[cfg(test)]
mod tests;
