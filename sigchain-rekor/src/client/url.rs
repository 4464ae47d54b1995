//! The request URL: a checked base URL (`http`/`https`, optional path prefix) and a request's
//! `path_and_query` joined under it.

use reqwest::Url;

/// Why a base URL or a path could not make a request URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlProblem {
    /// Not a URL at all.
    #[error("not a valid URL")]
    Unparsable,
    /// Only `http` and `https` are spoken.
    #[error("the scheme is not http or https")]
    UnsupportedScheme,
    /// A base URL with a user name or password: it would be sent with every request and show
    /// up in every error and log line.
    #[error("the URL carries credentials")]
    Credentials,
    /// A base URL is a prefix; a query or fragment cannot be one.
    #[error("a base URL cannot have a query or a fragment")]
    QueryOrFragment,
    /// A request path must start with `/` and carry no fragment.
    #[error("the path must start with '/' and have no fragment")]
    NotAnAbsolutePath,
    /// After resolving dot segments (`..`, `%2e%2e`) the path left the base URL's prefix.
    #[error("the path leaves the base URL's prefix")]
    EscapesBase,
}

/// Checks a base URL and strips the trailing slash of its path, so that joining is
/// concatenation.
pub(super) fn parse_base_url(base_url: &str) -> Result<Url, UrlProblem> {
    let mut url = Url::parse(base_url).map_err(|_| UrlProblem::Unparsable)?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UrlProblem::UnsupportedScheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(UrlProblem::QueryOrFragment);
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// `base` (from [`parse_base_url`]) followed by `path_and_query`, which must stay under the
/// base's path: a builder's path with a `..` taken from user input must not reach another
/// API on the same host.
pub(super) fn join_url(base: &Url, path_and_query: &str) -> Result<Url, UrlProblem> {
    if !path_and_query.starts_with('/') || path_and_query.contains('#') {
        return Err(UrlProblem::NotAnAbsolutePath);
    }
    let prefix = base.as_str().trim_end_matches('/');
    let url =
        Url::parse(&format!("{prefix}{path_and_query}")).map_err(|_| UrlProblem::Unparsable)?;
    let base_path = base.path().trim_end_matches('/');
    let under_base = url
        .path()
        .strip_prefix(base_path)
        .is_some_and(|rest| rest.starts_with('/'));
    let same_origin = url.scheme() == base.scheme()
        && url.host() == base.host()
        && url.port_or_known_default() == base.port_or_known_default();
    if !(under_base && same_origin) {
        return Err(UrlProblem::EscapesBase);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(base: &str, path: &str) -> Result<String, UrlProblem> {
        let base = parse_base_url(base)?;
        join_url(&base, path).map(String::from)
    }

    #[test]
    fn joins_with_and_without_trailing_slash_and_prefix() {
        let cases = [
            (
                "http://127.0.0.1:8080",
                "/api/v1/log",
                "http://127.0.0.1:8080/api/v1/log",
            ),
            (
                "http://127.0.0.1:8080/",
                "/api/v1/log",
                "http://127.0.0.1:8080/api/v1/log",
            ),
            (
                "https://log.example/rekor",
                "/api/v1/log?x=1",
                "https://log.example/rekor/api/v1/log?x=1",
            ),
            (
                "https://log.example/rekor/",
                "/api/v1/log?x=1",
                "https://log.example/rekor/api/v1/log?x=1",
            ),
            (
                "https://log.example/a/b//",
                "/tile/0/000",
                "https://log.example/a/b/tile/0/000",
            ),
        ];
        for (base, path, expected) in cases {
            assert_eq!(join(base, path).as_deref(), Ok(expected), "{base} + {path}");
        }
    }

    #[test]
    fn refuses_bad_base_urls() {
        let cases = [
            ("not a url", UrlProblem::Unparsable),
            ("/api", UrlProblem::Unparsable),
            ("ftp://log.example", UrlProblem::UnsupportedScheme),
            ("file:///tmp/log", UrlProblem::UnsupportedScheme),
            ("https://user:secret@log.example", UrlProblem::Credentials),
            ("https://log.example/?x=1", UrlProblem::QueryOrFragment),
            ("https://log.example/#top", UrlProblem::QueryOrFragment),
        ];
        for (base, problem) in cases {
            assert_eq!(parse_base_url(base).err(), Some(problem), "{base}");
        }
    }

    #[test]
    fn refuses_paths_that_are_not_under_the_base() {
        let cases = [
            ("api/v1/log", UrlProblem::NotAnAbsolutePath),
            ("", UrlProblem::NotAnAbsolutePath),
            ("/api#x", UrlProblem::NotAnAbsolutePath),
            ("/../admin", UrlProblem::EscapesBase),
            ("/api/../../admin", UrlProblem::EscapesBase),
            ("/%2e%2e/admin", UrlProblem::EscapesBase),
        ];
        for (path, problem) in cases {
            assert_eq!(
                join("https://log.example/rekor", path),
                Err(problem),
                "{path}"
            );
        }
        // Dot segments that stay under the prefix are resolved, not refused.
        assert_eq!(
            join("https://log.example/rekor", "/api/../log").as_deref(),
            Ok("https://log.example/rekor/log")
        );
        // "//host" after the base is a path, never a new authority.
        assert_eq!(
            join("https://log.example", "//evil.example/x").as_deref(),
            Ok("https://log.example//evil.example/x")
        );
    }
}
