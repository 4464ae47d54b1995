//! `WWW-Authenticate` challenges (RFC 7235 §4.1) as registries send them with a 401: `Bearer
//! realm="…",service="…",scope="…"` for the token flow of the distribution spec, `Basic
//! realm="…"` for htpasswd. Parsed without trusting anything: the realm is only where to ask
//! for a token, and the client decides whether it may go there.

use std::fmt;

/// Longest header value parsed; real ones are a few hundred bytes.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Most parameters in one header, all challenges together.
pub const MAX_PARAMS: usize = 32;

/// One challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// The token flow: ask `realm` for a token for `service` and `scope`.
    Bearer(BearerChallenge),
    /// Basic authentication with the given realm.
    Basic {
        /// The realm, if named.
        realm: Option<String>,
    },
    /// A scheme this client does not speak.
    Other {
        /// The scheme, lowercased.
        scheme: String,
    },
}

/// The parameters of a `Bearer` challenge (distribution token authentication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerChallenge {
    /// The token endpoint.
    pub realm: String,
    /// The service the token is for.
    pub service: Option<String>,
    /// The scope asked for (`repository:NAME:pull,push`), if the registry names one.
    pub scope: Option<String>,
    /// The error the registry reports for the token it got (`insufficient_scope`,
    /// `invalid_token`), if any.
    pub error: Option<String>,
}

/// Why a header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// Longer than [`MAX_HEADER_BYTES`].
    #[error("WWW-Authenticate header of {0} bytes is longer than the limit")]
    TooLong(usize),
    /// More than [`MAX_PARAMS`] parameters.
    #[error("WWW-Authenticate header has more than {MAX_PARAMS} parameters")]
    TooManyParams,
    /// Not the RFC 7235 grammar at this byte offset.
    #[error("WWW-Authenticate header is malformed at byte {0}")]
    Malformed(usize),
    /// A `Bearer` challenge without a realm: nowhere to ask for a token.
    #[error("Bearer challenge without a realm")]
    BearerWithoutRealm,
    /// No challenge at all.
    #[error("WWW-Authenticate header names no challenge")]
    Empty,
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Challenge::Bearer(b) => write!(f, "Bearer realm={:?}", b.realm),
            Challenge::Basic { .. } => f.write_str("Basic"),
            Challenge::Other { scheme } => f.write_str(scheme),
        }
    }
}

/// The challenges of one `WWW-Authenticate` header value, in order.
///
/// ```
/// use sigchain_oci::auth::challenge::{parse, Challenge};
/// let header = r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull""#;
/// let challenges = parse(header)?;
/// let [Challenge::Bearer(bearer)] = challenges.as_slice() else { panic!("one Bearer challenge") };
/// assert_eq!(bearer.realm, "https://auth.example/token");
/// assert_eq!(bearer.scope.as_deref(), Some("repository:app:pull"));
/// # Ok::<(), sigchain_oci::auth::challenge::ChallengeError>(())
/// ```
pub fn parse(header: &str) -> Result<Vec<Challenge>, ChallengeError> {
    if header.len() > MAX_HEADER_BYTES {
        return Err(ChallengeError::TooLong(header.len()));
    }
    let mut lexer = Lexer {
        bytes: header.as_bytes(),
        at: 0,
    };
    let mut raw: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut params = 0usize;
    lexer.skip_list_separators();
    while !lexer.done() {
        let scheme = lexer.token().ok_or(ChallengeError::Malformed(lexer.at))?;
        let mut challenge = (scheme.to_ascii_lowercase(), Vec::new());
        // Parameters follow after whitespace, separated by commas; a token not followed by
        // `=` starts the next challenge.
        loop {
            let save = lexer.at;
            lexer.skip_list_separators();
            if lexer.done() {
                break;
            }
            let Some(name) = lexer.token() else {
                return Err(ChallengeError::Malformed(lexer.at));
            };
            lexer.skip_whitespace();
            if !lexer.eat(b'=') {
                // The next challenge's scheme.
                lexer.at = save;
                break;
            }
            lexer.skip_whitespace();
            let value = if lexer.peek() == Some(b'"') {
                lexer.quoted().ok_or(ChallengeError::Malformed(lexer.at))?
            } else {
                // A token, or a token68 (trailing `=` padding) for schemes that use one.
                let mut value = lexer
                    .token()
                    .ok_or(ChallengeError::Malformed(lexer.at))?
                    .to_owned();
                while lexer.eat(b'=') {
                    value.push('=');
                }
                value
            };
            params += 1;
            if params > MAX_PARAMS {
                return Err(ChallengeError::TooManyParams);
            }
            challenge.1.push((name.to_ascii_lowercase(), value));
        }
        raw.push(challenge);
        lexer.skip_list_separators();
    }
    if raw.is_empty() {
        return Err(ChallengeError::Empty);
    }
    raw.into_iter()
        .map(|(scheme, params)| build(scheme, params))
        .collect()
}

fn build(scheme: String, params: Vec<(String, String)>) -> Result<Challenge, ChallengeError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    Ok(match scheme.as_str() {
        "bearer" => Challenge::Bearer(BearerChallenge {
            realm: get("realm")
                .filter(|r| !r.is_empty())
                .ok_or(ChallengeError::BearerWithoutRealm)?,
            service: get("service"),
            scope: get("scope"),
            error: get("error"),
        }),
        "basic" => Challenge::Basic {
            realm: get("realm"),
        },
        _ => Challenge::Other { scheme },
    })
}

struct Lexer<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Lexer<'a> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.at += 1;
        }
    }

    /// RFC 9110 `token`: one or more tchar.
    fn token(&mut self) -> Option<&'a str> {
        let start = self.at;
        while let Some(b) = self.peek() {
            let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/".contains(&b);
            if !tchar {
                break;
            }
            self.at += 1;
        }
        // `/` is not a tchar, but appears in token68 values; accepting it here is lenient
        // only inside a parameter value, which is all `token` is used for after a scheme.
        (self.at > start)
            .then(|| std::str::from_utf8(&self.bytes[start..self.at]).ok())
            .flatten()
    }

    /// RFC 9110 `quoted-string`, unescaped.
    fn quoted(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut value = Vec::new();
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return String::from_utf8(value).ok();
                }
                b'\\' => {
                    self.at += 1;
                    value.push(self.peek()?);
                    self.at += 1;
                }
                b => {
                    value.push(b);
                    self.at += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bearer(header: &str) -> BearerChallenge {
        match parse(header).unwrap().as_slice() {
            [Challenge::Bearer(b)] => b.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_distribution_token_challenge() {
        let b = bearer(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:samalba/my-app:pull,push""#,
        );
        assert_eq!(b.realm, "https://auth.example/token");
        assert_eq!(b.service.as_deref(), Some("registry.example"));
        assert_eq!(
            b.scope.as_deref(),
            Some("repository:samalba/my-app:pull,push")
        );
        assert_eq!(b.error, None);
    }

    #[test]
    fn case_spacing_and_unquoted_values() {
        let b = bearer(
            r#"bearer  Realm = "http://127.0.0.1:1/t" , SERVICE=local ,error="insufficient_scope""#,
        );
        assert_eq!(b.realm, "http://127.0.0.1:1/t");
        assert_eq!(b.service.as_deref(), Some("local"));
        assert_eq!(b.error.as_deref(), Some("insufficient_scope"));
    }

    #[test]
    fn escapes_in_quoted_strings() {
        let b = bearer(r#"Bearer realm="http://a/\"b\"\\c""#);
        assert_eq!(b.realm, r#"http://a/"b"\c"#);
    }

    #[test]
    fn several_challenges_in_one_header() {
        let all =
            parse(r#"Basic realm="basic-realm", Bearer realm="http://a/t",scope="x", Negotiate"#)
                .unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(
            all[0],
            Challenge::Basic {
                realm: Some("basic-realm".into())
            }
        );
        assert!(matches!(&all[1], Challenge::Bearer(b) if b.scope.as_deref() == Some("x")));
        assert_eq!(
            all[2],
            Challenge::Other {
                scheme: "negotiate".into()
            }
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(parse(""), Err(ChallengeError::Empty));
        assert_eq!(parse(" , "), Err(ChallengeError::Empty));
        assert_eq!(
            parse(r#"Bearer service="x""#),
            Err(ChallengeError::BearerWithoutRealm)
        );
        assert_eq!(
            parse(r#"Bearer realm="""#),
            Err(ChallengeError::BearerWithoutRealm)
        );
        assert!(matches!(
            parse(r#"Bearer realm="unterminated"#),
            Err(ChallengeError::Malformed(_))
        ));
        assert!(matches!(
            parse("Bearer =x"),
            Err(ChallengeError::Malformed(_))
        ));
        assert_eq!(
            parse(&"a".repeat(MAX_HEADER_BYTES + 1)),
            Err(ChallengeError::TooLong(MAX_HEADER_BYTES + 1))
        );
        let many = (0..=MAX_PARAMS)
            .map(|i| format!("p{i}=v"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            parse(&format!("Bearer realm=r,{many}")),
            Err(ChallengeError::TooManyParams)
        );
    }

    proptest! {
        #[test]
        fn never_panics(header in "\\PC{0,300}") {
            let _ = parse(&header);
        }

        #[test]
        fn quoted_values_round_trip(realm in "[ -~]{1,60}", scope in "[ -~]{0,60}") {
            let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
            let header = format!(r#"Bearer realm="{}",scope="{}""#, quote(&realm), quote(&scope));
            let b = bearer(&header);
            prop_assert_eq!(b.realm, realm);
            prop_assert_eq!(b.scope.as_deref(), Some(scope.as_str()));
        }
    }
}
