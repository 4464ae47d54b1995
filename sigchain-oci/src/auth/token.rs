//! The distribution token flow, sans-IO: what to do with a 401's challenge (ask a token
//! endpoint, or answer Basic), the token request (`GET realm?service=&scope=` with Basic
//! credentials or none; `POST` with a refresh token for an identity token), the token
//! answer (`token` or `access_token`, `expires_in`), and a cache of `Authorization` values
//! per registry and scope. The clock is a parameter.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde::Deserialize;
use url::Url;

use super::challenge::{self, BearerChallenge, Challenge};
use super::docker_config::Credential;
use crate::registry::http::{Method, Request, Response};
use crate::registry::RegistryError;

/// The client id sent with refresh-token requests (distribution requires one).
pub const CLIENT_ID: &str = "sigchain";
/// Lifetime of a token whose answer names none (the distribution spec's default).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);
/// Longest token accepted.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Access to one repository: `repository:NAME:pull` or `repository:NAME:pull,push`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    repository: String,
    push: bool,
}

impl Scope {
    /// Read access to `repository`.
    pub fn pull(repository: &str) -> Scope {
        Scope {
            repository: repository.to_owned(),
            push: false,
        }
    }

    /// Read and write access to `repository`.
    pub fn push(repository: &str) -> Scope {
        Scope {
            repository: repository.to_owned(),
            push: true,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let actions = if self.push { "pull,push" } else { "pull" };
        write!(f, "repository:{}:{actions}", self.repository)
    }
}

/// An `Authorization` header value. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthHeader(String);

impl AuthHeader {
    /// `Basic base64(user:password)`.
    pub fn basic(username: &str, password: &str) -> AuthHeader {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        AuthHeader(format!("Basic {encoded}"))
    }

    /// `Bearer <token>`.
    pub fn bearer(token: &str) -> AuthHeader {
        AuthHeader(format!("Bearer {token}"))
    }

    /// The header value, to send.
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthHeader(<hidden>)")
    }
}

/// What to do about a 401.
#[derive(Debug, Clone)]
pub enum AuthStep {
    /// Send this token request; read its answer with [`token_answer`].
    AskToken {
        /// The request to the token endpoint.
        request: Request,
        /// The realm, for messages.
        realm: String,
    },
    /// Resend the request with this header.
    Send(AuthHeader),
}

/// The step that answers the challenge of a 401 from `registry`, for `scopes`, with
/// `credential` if there is one.
pub fn answer_challenge(
    registry: &str,
    response: &Response,
    scopes: &[Scope],
    credential: Option<&Credential>,
    max_token_bytes: u64,
) -> Result<AuthStep, RegistryError> {
    let header =
        response
            .header("www-authenticate")
            .ok_or_else(|| RegistryError::NoUsableChallenge {
                registry: registry.to_owned(),
                found: "no WWW-Authenticate header".to_owned(),
            })?;
    let challenges = challenge::parse(header).map_err(|source| RegistryError::Challenge {
        registry: registry.to_owned(),
        source,
    })?;
    if let Some(Credential::RegistryToken(token)) = credential {
        return Ok(AuthStep::Send(AuthHeader::bearer(token)));
    }
    for challenge in &challenges {
        match challenge {
            Challenge::Bearer(bearer) => {
                let request = token_request(bearer, scopes, credential, max_token_bytes)?;
                return Ok(AuthStep::AskToken {
                    request,
                    realm: bearer.realm.clone(),
                });
            }
            Challenge::Basic { .. } => {
                return match credential {
                    Some(Credential::Basic { username, password }) => {
                        Ok(AuthStep::Send(AuthHeader::basic(username, password)))
                    }
                    _ => Err(RegistryError::NoCredentials {
                        registry: registry.to_owned(),
                    }),
                }
            }
            Challenge::Other { .. } => {}
        }
    }
    Err(RegistryError::NoUsableChallenge {
        registry: registry.to_owned(),
        found: challenges
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The token request for a `Bearer` challenge.
///
/// With a user name and password: `GET realm?service=…&scope=…` with Basic authentication;
/// with an identity token: the OAuth2 `POST` (`grant_type=refresh_token`); with neither: an
/// anonymous `GET`. The scopes are the client's (one per repository touched), not the
/// challenge's alone, so a cross-repository mount asks for both repositories at once.
pub fn token_request(
    challenge: &BearerChallenge,
    scopes: &[Scope],
    credential: Option<&Credential>,
    max_token_bytes: u64,
) -> Result<Request, RegistryError> {
    let mut url = Url::parse(&challenge.realm).map_err(|_| RegistryError::Token {
        realm: challenge.realm.chars().take(256).collect(),
        reason: "the realm is not a URL".to_owned(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(RegistryError::Token {
            realm: challenge.realm.chars().take(256).collect(),
            reason: "the realm is not an http(s) URL".to_owned(),
        });
    }
    let mut scope_texts: Vec<String> = scopes.iter().map(Scope::to_string).collect();
    if scope_texts.is_empty() {
        scope_texts.extend(challenge.scope.clone());
    }
    if let Some(Credential::IdentityToken(refresh)) = credential {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "refresh_token");
        if let Some(service) = &challenge.service {
            form.append_pair("service", service);
        }
        form.append_pair("client_id", CLIENT_ID);
        // The OAuth2 form takes the scopes space-separated in one parameter.
        form.append_pair("scope", &scope_texts.join(" "));
        form.append_pair("refresh_token", refresh);
        let body = form.finish().into_bytes();
        let mut request = Request::new(Method::Post, url, max_token_bytes)
            .header("content-type", "application/x-www-form-urlencoded");
        request.body = Some(body);
        return Ok(request);
    }
    {
        let mut query = url.query_pairs_mut();
        if let Some(service) = &challenge.service {
            query.append_pair("service", service);
        }
        for scope in &scope_texts {
            query.append_pair("scope", scope);
        }
    }
    let mut request = Request::new(Method::Get, url, max_token_bytes);
    if let Some(Credential::Basic { username, password }) = credential {
        request = request.header("authorization", AuthHeader::basic(username, password).0);
    }
    Ok(request)
}

/// A bearer token and when to stop using it.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken {
    /// The `Authorization` value.
    pub header: AuthHeader,
    /// When it expires.
    pub expires_at: SystemTime,
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The token endpoint's answer, read at `now`: `{"token":…}` or `{"access_token":…}`, with
/// `expires_in` seconds (default and minimum 60). 401 and 403 mean the credentials are
/// wrong: [`RegistryError::CredentialsRejected`] naming `registry`.
pub fn token_answer(
    registry: &str,
    realm: &str,
    response: &Response,
    now: SystemTime,
) -> Result<BearerToken, RegistryError> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        access_token: Option<String>,
        #[serde(default)]
        expires_in: Option<u64>,
    }
    let fail = |reason: String| RegistryError::Token {
        realm: realm.chars().take(256).collect(),
        reason,
    };
    match response.status {
        200 => {}
        401 | 403 => {
            return Err(RegistryError::CredentialsRejected {
                registry: registry.to_owned(),
                status: response.status,
            })
        }
        status => return Err(fail(format!("status {status}"))),
    }
    let answer: Answer = serde_json::from_slice(&response.body)
        .map_err(|e| fail(format!("not the JSON expected: {e}")))?;
    let token = answer
        .token
        .filter(|t| !t.is_empty())
        .or(answer.access_token.filter(|t| !t.is_empty()))
        .ok_or_else(|| fail("no token".to_owned()))?;
    // It goes into a header as it is: visible ASCII only, bounded.
    if token.len() > MAX_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(fail("the token is not a header-safe string".to_owned()));
    }
    let lifetime = Duration::from_secs(
        answer
            .expires_in
            .unwrap_or(DEFAULT_TOKEN_LIFETIME.as_secs())
            .max(DEFAULT_TOKEN_LIFETIME.as_secs()),
    );
    // A margin so that a token is not sent in its last seconds.
    let lifetime = lifetime.saturating_sub(Duration::from_secs(10));
    Ok(BearerToken {
        header: AuthHeader::bearer(&token),
        expires_at: now.checked_add(lifetime).unwrap_or(now),
    })
}

/// `Authorization` values per (registry, scope), each until its expiry.
#[derive(Debug, Default)]
pub struct AuthCache {
    entries: HashMap<(String, String), (AuthHeader, Option<SystemTime>)>,
}

/// The cache key of a set of scopes.
fn scope_key(scopes: &[Scope]) -> String {
    let mut texts: Vec<String> = scopes.iter().map(Scope::to_string).collect();
    texts.sort();
    texts.join(" ")
}

impl AuthCache {
    /// The value to send to `registry` for `scopes` at `now`, if one is cached and fresh.
    /// A Basic value cached for the registry serves every scope.
    pub fn get(&self, registry: &str, scopes: &[Scope], now: SystemTime) -> Option<AuthHeader> {
        let fresh = |(header, expires): &(AuthHeader, Option<SystemTime>)| {
            expires.is_none_or(|at| now < at).then(|| header.clone())
        };
        self.entries
            .get(&(registry.to_owned(), scope_key(scopes)))
            .and_then(fresh)
            .or_else(|| {
                self.entries
                    .get(&(registry.to_owned(), String::new()))
                    .and_then(fresh)
            })
    }

    /// Remember a token for `registry` and `scopes`.
    pub fn insert_token(&mut self, registry: &str, scopes: &[Scope], token: BearerToken) {
        self.entries.insert(
            (registry.to_owned(), scope_key(scopes)),
            (token.header, Some(token.expires_at)),
        );
    }

    /// Remember a header that serves every scope of `registry` (Basic, a registry token).
    pub fn insert_for_registry(&mut self, registry: &str, header: AuthHeader) {
        self.entries
            .insert((registry.to_owned(), String::new()), (header, None));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn challenge_401(header: &str) -> Response {
        Response::new(401, Vec::new()).with_header("www-authenticate", header)
    }

    #[test]
    fn bearer_with_basic_credentials_asks_with_them() {
        let response = challenge_401(
            r#"Bearer realm="http://127.0.0.1:9/token",service="reg",scope="repository:a:pull""#,
        );
        let credential = Credential::Basic {
            username: "alice".into(),
            password: "s3cret".into(),
        };
        let scopes = [Scope::push("team/app"), Scope::pull("team/base")];
        let AuthStep::AskToken { request, realm } =
            answer_challenge("reg", &response, &scopes, Some(&credential), 1024).unwrap()
        else {
            panic!("a token request")
        };
        assert_eq!(realm, "http://127.0.0.1:9/token");
        assert_eq!(request.method, Method::Get);
        assert_eq!(
            request.url.as_str(),
            "http://127.0.0.1:9/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull%2Cpush&scope=repository%3Ateam%2Fbase%3Apull"
        );
        assert_eq!(
            request.header_value("authorization"),
            Some("Basic YWxpY2U6czNjcmV0")
        );
        assert!(!format!("{request:?}").contains("YWxpY2U6"));
    }

    #[test]
    fn anonymous_and_refresh_token_requests() {
        let response = challenge_401(r#"Bearer realm="https://auth.example/token",service="s""#);
        let AuthStep::AskToken { request, .. } =
            answer_challenge("r", &response, &[Scope::pull("x")], None, 1024).unwrap()
        else {
            panic!()
        };
        assert!(request.header_value("authorization").is_none());
        let refresh = Credential::IdentityToken("rt".into());
        let AuthStep::AskToken { request, .. } =
            answer_challenge("r", &response, &[Scope::pull("x")], Some(&refresh), 1024).unwrap()
        else {
            panic!()
        };
        assert_eq!(request.method, Method::Post);
        let body = String::from_utf8(request.body.unwrap()).unwrap();
        assert!(body.contains("grant_type=refresh_token") && body.contains("refresh_token=rt"));
    }

    #[test]
    fn basic_challenges_need_basic_credentials() {
        let response = challenge_401(r#"Basic realm="registry""#);
        assert!(matches!(
            answer_challenge("r", &response, &[], None, 1024),
            Err(RegistryError::NoCredentials { .. })
        ));
        let credential = Credential::Basic {
            username: "u".into(),
            password: "p".into(),
        };
        let AuthStep::Send(header) =
            answer_challenge("r", &response, &[], Some(&credential), 1024).unwrap()
        else {
            panic!()
        };
        assert_eq!(header.value(), "Basic dTpw");
        assert!(matches!(
            answer_challenge("r", &Response::new(401, Vec::new()), &[], None, 1024),
            Err(RegistryError::NoUsableChallenge { .. })
        ));
        assert!(matches!(
            answer_challenge("r", &challenge_401("Negotiate"), &[], None, 1024),
            Err(RegistryError::NoUsableChallenge { .. })
        ));
    }

    #[test]
    fn token_answers() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ok = token_answer(
            "r",
            "realm",
            &Response::new(200, br#"{"token":"abc","expires_in":300}"#.to_vec()),
            now,
        )
        .unwrap();
        assert_eq!(ok.header.value(), "Bearer abc");
        assert_eq!(ok.expires_at, now + Duration::from_secs(290));
        let access = token_answer(
            "r",
            "realm",
            &Response::new(200, br#"{"access_token":"xyz","expires_in":1}"#.to_vec()),
            now,
        )
        .unwrap();
        assert_eq!(access.header.value(), "Bearer xyz");
        assert_eq!(access.expires_at, now + Duration::from_secs(50));
        assert!(matches!(
            token_answer("r", "realm", &Response::new(401, Vec::new()), now),
            Err(RegistryError::CredentialsRejected { status: 401, .. })
        ));
        for bad in [
            &br#"{"token":""}"#[..],
            br#"{"token":"a b"}"#,
            br#"{"token":"a\r\nX: y"}"#,
            br#"{}"#,
            b"not json",
        ] {
            assert!(
                matches!(
                    token_answer("r", "realm", &Response::new(200, bad.to_vec()), now),
                    Err(RegistryError::Token { .. })
                ),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn the_cache_keeps_tokens_per_scope_until_expiry() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let mut cache = AuthCache::default();
        let token = BearerToken {
            header: AuthHeader::bearer("t"),
            expires_at: now + Duration::from_secs(60),
        };
        let pull = [Scope::pull("a")];
        cache.insert_token("r", &pull, token);
        assert!(cache.get("r", &pull, now).is_some());
        assert!(cache.get("r", &[Scope::push("a")], now).is_none());
        assert!(cache.get("other", &pull, now).is_none());
        assert!(cache
            .get("r", &pull, now + Duration::from_secs(60))
            .is_none());
        cache.insert_for_registry("r", AuthHeader::basic("u", "p"));
        assert!(cache.get("r", &[Scope::push("a")], now).is_some());
    }

    proptest! {
        #[test]
        fn token_answers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), status in 100u16..600) {
            let _ = token_answer("r", "realm", &Response::new(status, body), SystemTime::UNIX_EPOCH);
        }
    }
}
