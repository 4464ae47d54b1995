//! Where a registry's API is and which scheme reaches it: HTTPS, except for loopback hosts
//! and hosts the caller listed as insecure, which are spoken to in plain HTTP.

use std::net::IpAddr;

use url::Url;

use super::RegistryError;

/// The host part of `host[:port]` (`[::1]:5000` gives `::1`).
pub fn host_without_port(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

/// Whether `authority` (`host[:port]`) is this machine: `localhost`, 127.0.0.0/8 or `::1`.
///
/// ```
/// use sigchain_oci::registry::endpoint::is_loopback;
/// assert!(is_loopback("127.0.0.1:5000"));
/// assert!(is_loopback("[::1]:5000"));
/// assert!(is_loopback("localhost"));
/// assert!(!is_loopback("registry.example:5000"));
/// assert!(!is_loopback("127.0.0.1.example"));
/// ```
pub fn is_loopback(authority: &str) -> bool {
    let host = host_without_port(authority);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

/// Whether plain HTTP may be used for `authority`: a loopback host, or one on `insecure`
/// (compared as written, with or without the port).
pub fn plain_http_allowed(authority: &str, insecure: &[String]) -> bool {
    is_loopback(authority)
        || insecure.iter().any(|listed| {
            listed.eq_ignore_ascii_case(authority)
                || listed.eq_ignore_ascii_case(host_without_port(authority))
        })
}

/// The base URL of the registry API at `authority`: `http://` where plain HTTP is allowed,
/// `https://` everywhere else.
pub fn base_url(authority: &str, insecure: &[String]) -> Result<Url, RegistryError> {
    let scheme = if plain_http_allowed(authority, insecure) {
        "http"
    } else {
        "https"
    };
    let url =
        Url::parse(&format!("{scheme}://{authority}/")).map_err(|_| RegistryError::RefusedUrl {
            url: authority.chars().take(256).collect(),
            reason: "not a host and port",
        })?;
    if url.host().is_none() || !url.username().is_empty() || url.path() != "/" {
        return Err(RegistryError::RefusedUrl {
            url: authority.chars().take(256).collect(),
            reason: "not a host and port",
        });
    }
    Ok(url)
}

/// Check a URL before anything is sent to it: `https`, or `http` to a host where plain HTTP
/// is allowed; no credentials in it.
pub fn check_url(url: &Url, insecure: &[String]) -> Result<(), RegistryError> {
    let refuse = |reason| {
        let mut shown = url.clone();
        shown.set_query(None);
        Err(RegistryError::RefusedUrl {
            url: shown.to_string(),
            reason,
        })
    };
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("credentials in the URL");
    }
    let Some(host) = url.host_str() else {
        return refuse("no host");
    };
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if plain_http_allowed(&authority, insecure) => Ok(()),
        "http" => refuse("plain HTTP is only for loopback hosts and the insecure-registry list"),
        _ => refuse("not http or https"),
    }
}

/// Whether two URLs have the same scheme, host and port: a registry's pagination links and
/// upload locations must stay on the registry.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        let none: Vec<String> = Vec::new();
        assert_eq!(
            base_url("127.0.0.1:5000", &none).unwrap().as_str(),
            "http://127.0.0.1:5000/"
        );
        assert_eq!(
            base_url("[::1]:5000", &none).unwrap().as_str(),
            "http://[::1]:5000/"
        );
        assert_eq!(
            base_url("127.8.9.1", &none).unwrap().as_str(),
            "http://127.8.9.1/"
        );
        assert_eq!(
            base_url("registry.example", &none).unwrap().as_str(),
            "https://registry.example/"
        );
        let insecure = vec!["registry.example".to_owned()];
        assert_eq!(
            base_url("registry.example:5000", &insecure)
                .unwrap()
                .as_str(),
            "http://registry.example:5000/"
        );
        assert!(base_url("a/b", &none).is_err());
        assert!(base_url("u:p@h", &none).is_err());
    }

    #[test]
    fn plain_http_elsewhere_is_refused() {
        let none: Vec<String> = Vec::new();
        let ok = [
            "https://r.example/v2/",
            "http://127.0.0.1:1/t",
            "http://localhost/x",
        ];
        for url in ok {
            assert!(check_url(&Url::parse(url).unwrap(), &none).is_ok(), "{url}");
        }
        let refused = [
            "http://r.example/v2/",
            "http://128.0.0.1/",
            "http://127.0.0.1.example/",
            "ftp://127.0.0.1/",
            "https://u:p@r.example/",
        ];
        for url in refused {
            assert!(
                check_url(&Url::parse(url).unwrap(), &none).is_err(),
                "{url}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_http_only_where_allowed(authority in "[a-z0-9.:\\[\\]-]{0,30}") {
            let none: Vec<String> = Vec::new();
            if let Ok(url) = base_url(&authority, &none) {
                if url.scheme() == "http" {
                    proptest::prop_assert!(is_loopback(&authority));
                }
                proptest::prop_assert!(check_url(&url, &none).is_ok());
            }
        }
    }
}
