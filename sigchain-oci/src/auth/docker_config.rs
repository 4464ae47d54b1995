//! Registry credentials as the Docker CLI keeps them in `config.json` (`$DOCKER_CONFIG` or
//! `~/.docker`): inline `auths` (base64 `user:password`, identity and registry tokens), and
//! credential helpers named per registry (`credHelpers`) or for all (`credsStore`), which are
//! programs `docker-credential-<name>` speaking JSON on stdin/stdout. Parsing and lookup are
//! pure; running a helper is the caller's (the registry client's) job.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// Largest config file read.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;
/// Largest answer read from a credential helper.
pub const MAX_HELPER_ANSWER_BYTES: usize = 64 * 1024;

/// A credential for one registry. `Debug` never shows a secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// Basic authentication (also what a token endpoint is asked with).
    Basic {
        /// The user name.
        username: String,
        /// The password or personal access token.
        password: String,
    },
    /// An OAuth2 refresh token for the registry's token endpoint (`identitytoken`).
    IdentityToken(String),
    /// A bearer token to send to the registry as it is (`registrytoken`).
    RegistryToken(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<hidden>")
                .finish(),
            Credential::IdentityToken(_) => f.write_str("IdentityToken(<hidden>)"),
            Credential::RegistryToken(_) => f.write_str("RegistryToken(<hidden>)"),
        }
    }
}

/// Where the credential for a registry comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Written in the config file.
    Inline(Credential),
    /// Ask the program `docker-credential-<name>` (see [`helper_program`]).
    Helper(String),
    /// No credential: go anonymously.
    Anonymous,
}

/// Why a config file or a helper's answer could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DockerConfigError {
    /// Larger than the limit.
    #[error("{what} of {len} bytes is larger than the {limit}-byte limit")]
    TooLarge {
        /// What was read.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not the JSON expected.
    #[error("{what}: {source}")]
    Json {
        /// What was read.
        what: &'static str,
        /// The parser's reason.
        source: serde_json::Error,
    },
    /// An `auth` value that is not base64 of `user:password`.
    #[error("the auth entry for {registry} is not base64 of user:password")]
    BadAuth {
        /// The entry's key.
        registry: String,
    },
    /// A helper name that is not a plain program-name suffix.
    #[error("credential helper name {0:?} is not a plain name")]
    BadHelperName(String),
    /// The helper answered without a secret.
    #[error("the credential helper gave no secret")]
    NoSecret,
}

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
}

/// A parsed `config.json`.
#[derive(Clone, Default)]
pub struct DockerConfig {
    auths: BTreeMap<String, AuthEntry>,
    cred_helpers: BTreeMap<String, String>,
    creds_store: Option<String>,
}

impl fmt::Debug for DockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerConfig")
            .field("auths", &self.auths.keys().collect::<Vec<_>>())
            .field("cred_helpers", &self.cred_helpers)
            .field("creds_store", &self.creds_store)
            .finish()
    }
}

impl DockerConfig {
    /// Parse a `config.json`; other fields of the file are ignored.
    pub fn from_json(json: &[u8]) -> Result<DockerConfig, DockerConfigError> {
        if json.len() > MAX_CONFIG_BYTES {
            return Err(DockerConfigError::TooLarge {
                what: "docker config",
                len: json.len(),
                limit: MAX_CONFIG_BYTES,
            });
        }
        let file: ConfigFile =
            serde_json::from_slice(json).map_err(|source| DockerConfigError::Json {
                what: "docker config",
                source,
            })?;
        Ok(DockerConfig {
            auths: file.auths,
            cred_helpers: file.cred_helpers,
            creds_store: file.creds_store.filter(|s| !s.is_empty()),
        })
    }

    /// Where the credential for `registry` comes from, in the Docker CLI's order: a helper named
    /// for this registry, else the store for all registries, else an inline entry, else none.
    /// `registry` is a host (`127.0.0.1:5000`) or the key the Docker CLI uses for it (a URL);
    /// entries are matched by host, with any scheme and path of their key ignored.
    pub fn lookup(&self, registry: &str) -> Result<CredentialSource, DockerConfigError> {
        let host = hostname(registry);
        if let Some(helper) = self
            .cred_helpers
            .iter()
            .find(|(key, _)| hostname(key) == host)
            .map(|(_, name)| name)
        {
            return Ok(CredentialSource::Helper(checked_helper_name(helper)?));
        }
        if let Some(store) = &self.creds_store {
            return Ok(CredentialSource::Helper(checked_helper_name(store)?));
        }
        let entry = self.auths.get(registry).map(|e| (registry, e)).or_else(|| {
            self.auths
                .iter()
                .find(|(key, _)| hostname(key) == host)
                .map(|(key, e)| (key.as_str(), e))
        });
        match entry {
            Some((key, entry)) => inline(key, entry),
            None => Ok(CredentialSource::Anonymous),
        }
    }
}

fn inline(key: &str, entry: &AuthEntry) -> Result<CredentialSource, DockerConfigError> {
    if let Some(token) = entry.registrytoken.as_ref().filter(|t| !t.is_empty()) {
        return Ok(CredentialSource::Inline(Credential::RegistryToken(
            token.clone(),
        )));
    }
    if let Some(token) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
        return Ok(CredentialSource::Inline(Credential::IdentityToken(
            token.clone(),
        )));
    }
    if let Some(auth) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
        use base64::Engine as _;
        let bad = || DockerConfigError::BadAuth {
            registry: key.to_owned(),
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| bad())?;
        let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
        let (username, password) = decoded.split_once(':').ok_or_else(bad)?;
        return Ok(CredentialSource::Inline(Credential::Basic {
            username: username.to_owned(),
            password: password.to_owned(),
        }));
    }
    match (&entry.username, &entry.password) {
        (Some(username), Some(password)) if !username.is_empty() => {
            Ok(CredentialSource::Inline(Credential::Basic {
                username: username.clone(),
                password: password.clone(),
            }))
        }
        _ => Ok(CredentialSource::Anonymous),
    }
}

/// The host part of a registry key: scheme and path dropped, as the Docker CLI compares them.
fn hostname(key: &str) -> &str {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

/// Helper names become program names: only plain suffixes, never a path.
fn checked_helper_name(name: &str) -> Result<String, DockerConfigError> {
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !name.starts_with('.');
    if plain {
        Ok(name.to_owned())
    } else {
        Err(DockerConfigError::BadHelperName(name.to_owned()))
    }
}

/// The program a helper name stands for.
pub fn helper_program(name: &str) -> String {
    format!("docker-credential-{name}")
}

/// What to write to the helper's stdin for `get`: the server's address.
pub fn helper_request(registry: &str) -> Vec<u8> {
    registry.as_bytes().to_vec()
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// A credential helper's answer to `get`: `{"ServerURL":…, "Username":…, "Secret":…}`; the
/// user name `<token>` marks an identity token, as in the Docker CLI.
pub fn helper_answer(stdout: &[u8]) -> Result<Credential, DockerConfigError> {
    if stdout.len() > MAX_HELPER_ANSWER_BYTES {
        return Err(DockerConfigError::TooLarge {
            what: "credential helper answer",
            len: stdout.len(),
            limit: MAX_HELPER_ANSWER_BYTES,
        });
    }
    let answer: HelperAnswer =
        serde_json::from_slice(stdout).map_err(|source| DockerConfigError::Json {
            what: "credential helper answer",
            source,
        })?;
    if answer.secret.is_empty() {
        return Err(DockerConfigError::NoSecret);
    }
    Ok(if answer.username == "<token>" {
        Credential::IdentityToken(answer.secret)
    } else {
        Credential::Basic {
            username: answer.username,
            password: answer.secret,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn config(json: &str) -> DockerConfig {
        DockerConfig::from_json(json.as_bytes()).unwrap()
    }

    #[test]
    fn inline_basic_auth_by_host_whatever_the_key_form() {
        // "alice:s3cret" in base64.
        let c = config(
            r#"{"auths":{"https://127.0.0.1:5000/v1/":{"auth":"YWxpY2U6czNjcmV0"}},"psFormat":"x"}"#,
        );
        let expected = CredentialSource::Inline(Credential::Basic {
            username: "alice".into(),
            password: "s3cret".into(),
        });
        assert_eq!(c.lookup("127.0.0.1:5000").unwrap(), expected);
        assert_eq!(c.lookup("https://127.0.0.1:5000/v1/").unwrap(), expected);
        assert_eq!(
            c.lookup("127.0.0.1:5001").unwrap(),
            CredentialSource::Anonymous
        );
    }

    #[test]
    fn passwords_may_hold_colons_and_tokens_win_over_passwords() {
        // "bob:pa:ss"
        let c = config(
            r#"{"auths":{"r.local":{"auth":"Ym9iOnBhOnNz"},"t.local":{"auth":"Ym9iOnBhOnNz","identitytoken":"refresh"},"u.local":{"username":"u","password":"p"}}}"#,
        );
        assert_eq!(
            c.lookup("r.local").unwrap(),
            CredentialSource::Inline(Credential::Basic {
                username: "bob".into(),
                password: "pa:ss".into()
            })
        );
        assert_eq!(
            c.lookup("t.local").unwrap(),
            CredentialSource::Inline(Credential::IdentityToken("refresh".into()))
        );
        assert!(matches!(
            c.lookup("u.local").unwrap(),
            CredentialSource::Inline(Credential::Basic { .. })
        ));
    }

    #[test]
    fn helpers_per_registry_then_the_store_then_inline() {
        let c = config(
            r#"{"auths":{"a.local":{"auth":"YWxpY2U6czNjcmV0"}},"credHelpers":{"b.local":"pass"},"credsStore":"desktop"}"#,
        );
        assert_eq!(
            c.lookup("b.local").unwrap(),
            CredentialSource::Helper("pass".into())
        );
        // The store covers every registry, inline entries included, as in the Docker CLI.
        assert_eq!(
            c.lookup("a.local").unwrap(),
            CredentialSource::Helper("desktop".into())
        );
        assert_eq!(helper_program("pass"), "docker-credential-pass");
    }

    #[test]
    fn refusals() {
        let c = config(r#"{"auths":{"a.local":{"auth":"not base64!"}}}"#);
        assert!(matches!(
            c.lookup("a.local"),
            Err(DockerConfigError::BadAuth { .. })
        ));
        let c = config(r#"{"auths":{"a.local":{"auth":"bm9jb2xvbg=="}}}"#); // "nocolon"
        assert!(matches!(
            c.lookup("a.local"),
            Err(DockerConfigError::BadAuth { .. })
        ));
        for name in ["../../bin/sh", "/usr/bin/x", "a b", "", ".hidden"] {
            let c = config(&format!(r#"{{"credsStore":{name:?}}}"#));
            if name.is_empty() {
                assert_eq!(c.lookup("x").unwrap(), CredentialSource::Anonymous);
            } else {
                assert!(
                    matches!(c.lookup("x"), Err(DockerConfigError::BadHelperName(_))),
                    "{name}"
                );
            }
        }
        assert!(DockerConfig::from_json(b"\"a string\"").is_err());
        assert!(DockerConfig::from_json(b"{\"auths\": 1}").is_err());
        let big = vec![b' '; MAX_CONFIG_BYTES + 1];
        assert!(matches!(
            DockerConfig::from_json(&big),
            Err(DockerConfigError::TooLarge { .. })
        ));
    }

    #[test]
    fn helper_answers() {
        assert_eq!(
            helper_answer(br#"{"ServerURL":"r","Username":"u","Secret":"s"}"#).unwrap(),
            Credential::Basic {
                username: "u".into(),
                password: "s".into()
            }
        );
        assert_eq!(
            helper_answer(br#"{"ServerURL":"r","Username":"<token>","Secret":"t"}"#).unwrap(),
            Credential::IdentityToken("t".into())
        );
        assert!(matches!(
            helper_answer(br#"{"Username":"u","Secret":""}"#),
            Err(DockerConfigError::NoSecret)
        ));
        assert!(helper_answer(b"credentials not found in native keychain").is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let c = config(r#"{"auths":{"a.local":{"auth":"YWxpY2U6czNjcmV0"}}}"#);
        let source = c.lookup("a.local").unwrap();
        let shown = format!("{source:?} {c:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("YWxpY2U6"),
            "{shown}"
        );
    }

    proptest! {
        #[test]
        fn parsing_and_lookup_never_panic(json in "\\PC{0,200}", registry in "\\PC{0,40}") {
            if let Ok(c) = DockerConfig::from_json(json.as_bytes()) {
                let _ = c.lookup(&registry);
            }
            let _ = helper_answer(json.as_bytes());
        }
    }
}
