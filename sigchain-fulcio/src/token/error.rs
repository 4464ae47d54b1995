//! Why an identity token cannot be used.

use sigchain_core::time::Timestamp;

/// Why an identity token was refused. Errors about validity name the identity and issuer the
/// token is for, so that a user sees *which* token is stale, and never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is empty (or only whitespace).
    #[error("the identity token is empty")]
    Empty,
    /// The token is longer than [`MAX_TOKEN_BYTES`](crate::limits::MAX_TOKEN_BYTES).
    #[error("the identity token is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The token holds characters a compact JWT cannot (only base64url and `.` are allowed).
    #[error(
        "the identity token is not a compact JWT: it holds other characters than base64url and '.'"
    )]
    NotCompactCharacters,
    /// The token is not three dot-separated parts (a JWE has five; an opaque access token
    /// has one).
    #[error("the identity token is not a signed JWT: {parts} dot-separated part(s), expected 3")]
    NotCompactJws {
        /// Parts found.
        parts: usize,
    },
    /// A part is not base64url.
    #[error("the identity token's {part} is not base64url")]
    Base64 {
        /// `header` or `claims`.
        part: &'static str,
    },
    /// A part is not a JSON object.
    #[error("the identity token's {part} is not a JSON object: {source}")]
    Json {
        /// `header` or `claims`.
        part: &'static str,
        /// The parser's reason.
        #[source]
        source: serde_json::Error,
    },
    /// A required claim is absent.
    #[error("the identity token has no {claim:?} claim")]
    MissingClaim {
        /// The claim.
        claim: &'static str,
    },
    /// A claim has another JSON type than its definition.
    #[error("the identity token's {claim:?} claim is not {expected}")]
    ClaimType {
        /// The claim.
        claim: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `exp` is past.
    #[error("the identity token for {identity} (issuer {issuer}) expired at {} ({} s before now, {}); get a fresh token", .expired_at.to_rfc3339(), .now.0.saturating_sub(.expired_at.0), .now.to_rfc3339())]
    Expired {
        /// Whom the token names.
        identity: String,
        /// Who issued it.
        issuer: String,
        /// Its `exp`.
        expired_at: Timestamp,
        /// The time it was checked at.
        now: Timestamp,
    },
    /// `nbf` is still ahead, beyond the allowed clock skew.
    #[error("the identity token for {identity} (issuer {issuer}) is not valid before {} (now is {}); is a clock wrong?", .not_before.to_rfc3339(), .now.to_rfc3339())]
    NotYetValid {
        /// Whom the token names.
        identity: String,
        /// Who issued it.
        issuer: String,
        /// Its `nbf`.
        not_before: Timestamp,
        /// The time it was checked at.
        now: Timestamp,
    },
    /// `aud` does not include the audience the CA requires.
    #[error("the identity token for {identity} (issuer {issuer}) is for audience {found:?}, not {expected:?}")]
    WrongAudience {
        /// Whom the token names.
        identity: String,
        /// Who issued it.
        issuer: String,
        /// The audience required.
        expected: String,
        /// The token's audiences.
        found: Vec<String>,
    },
    /// The token names an email address its issuer does not say is verified; Fulcio refuses
    /// such a token (`email_verified` must be true).
    #[error("the identity token's email {email:?} (issuer {issuer}) is not verified (email_verified is not true)")]
    EmailNotVerified {
        /// The address.
        email: String,
        /// Who issued the token.
        issuer: String,
    },
}
