//! Services named by a full URL (a timestamp authority's endpoint, GitHub's token URL) as a
//! base URL for the transport plus the request's path and query.

use sigchain_rekor::http::HttpRequest;

/// A request and the base URL it goes to, for services the caller names by a full URL.
///
/// `base_url` is the scheme and authority; `request.path_and_query` the rest. A
/// transport for `base_url` (e.g. sigchain-rekor's `Transport`) executes `request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTo {
    /// `scheme://authority`, no path.
    pub base_url: String,
    /// The request, its path relative to `base_url`.
    pub request: HttpRequest,
}

/// Why a URL cannot name an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not `http://` or `https://` followed by a host.
    #[error("{url:?} is not an http or https URL with a host")]
    NotHttp {
        /// The URL (credentials, if any, removed).
        url: String,
    },
    /// A fragment has no meaning for a request.
    #[error("{url:?} has a fragment")]
    Fragment {
        /// The URL.
        url: String,
    },
    /// Credentials in a URL end up in logs and error messages.
    #[error("the URL carries credentials (user:password@)")]
    Credentials,
}

/// Split `url` into `scheme://authority` and a path and query starting with `/`.
///
/// ```
/// # use sigchain_fulcio::endpoint::split_url;
/// assert_eq!(
///     split_url("https://tsa.example/api/v1/timestamp")?,
///     ("https://tsa.example".to_owned(), "/api/v1/timestamp".to_owned())
/// );
/// assert_eq!(
///     split_url("http://127.0.0.1:8080?x=1")?,
///     ("http://127.0.0.1:8080".to_owned(), "/?x=1".to_owned())
/// );
/// # Ok::<(), sigchain_fulcio::endpoint::EndpointError>(())
/// ```
pub fn split_url(url: &str) -> Result<(String, String), EndpointError> {
    let url = url.trim();
    let not_http = || EndpointError::NotHttp {
        url: url.chars().take(256).collect(),
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(not_http)?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(not_http());
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err(EndpointError::Credentials);
    }
    if authority.is_empty() {
        return Err(not_http());
    }
    if tail.contains('#') {
        return Err(EndpointError::Fragment {
            url: url.chars().take(256).collect(),
        });
    }
    let path_and_query = if tail.starts_with('/') {
        tail.to_owned()
    } else {
        format!("/{tail}")
    };
    Ok((format!("{scheme}://{authority}"), path_and_query))
}

/// `text` percent-encoded for a query value (RFC 3986 unreserved characters kept).
pub(crate) fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_refuses() {
        let ok = [
            ("http://h", ("http://h", "/")),
            ("https://h:1/a/b?c=d&e", ("https://h:1", "/a/b?c=d&e")),
            ("HTTPS://h/", ("HTTPS://h", "/")),
        ];
        for (url, (base, path)) in ok {
            assert_eq!(
                split_url(url),
                Ok((base.to_owned(), path.to_owned())),
                "{url}"
            );
        }
        for url in [
            "",
            "h/a",
            "ftp://h/a",
            "https://",
            "https:///a",
            "file:///etc",
        ] {
            assert!(
                matches!(split_url(url), Err(EndpointError::NotHttp { .. })),
                "{url}"
            );
        }
        assert_eq!(
            split_url("https://u:p@h/a"),
            Err(EndpointError::Credentials)
        );
        assert!(matches!(
            split_url("https://h/a#frag"),
            Err(EndpointError::Fragment { .. })
        ));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(query_value("sigstore"), "sigstore");
        assert_eq!(query_value("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    proptest::proptest! {
        #[test]
        fn split_never_panics_and_rejoins(url in ".{0,80}") {
            if let Ok((base, path)) = split_url(&url) {
                proptest::prop_assert!(path.starts_with('/'));
                proptest::prop_assert!(!base[base.find("://").unwrap() + 3..].contains(['/', '?', '#', '@']));
                let rejoined = format!("{base}{path}");
                let trimmed = url.trim();
                proptest::prop_assert!(
                    rejoined == trimmed || rejoined == format!("{}/{}", base, &trimmed[base.len()..]),
                    "{} + {} from {:?}", base, path, url
                );
            }
        }

        #[test]
        fn query_values_are_unreserved_ascii(text in ".{0,40}") {
            let encoded = query_value(&text);
            proptest::prop_assert!(encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        }
    }
}
