//! The reference grammar of `distribution/reference` (`regexp.go`), as linear scans.
//!
//! Each function reads its input once, left to right, so a hostile reference costs time
//! proportional to its length.

/// Registry: a host (DNS-like name, IPv4 in decimal, or IPv6 in brackets) and an optional
/// `:port` of decimal digits.
pub(super) fn is_registry(text: &str) -> bool {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        // IPv6 between brackets: hex digits and colons only, so zone identifiers (`%eth0`)
        // and IPv4-mapped forms (dots) are refused, as upstream does.
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        (None, after)
    } else {
        match text.find(':') {
            Some(colon) => (Some(&text[..colon]), &text[colon..]),
            None => (Some(text), ""),
        }
    };
    if let Some(name) = host {
        if !is_domain_name(name) {
            return false;
        }
    }
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Dot-separated components, each alphanumeric (either case) with inner hyphens.
fn is_domain_name(name: &str) -> bool {
    name.split('.').all(|component| {
        let bytes = component.as_bytes();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                first.is_ascii_alphanumeric()
                    && last.is_ascii_alphanumeric()
                    && bytes
                        .iter()
                        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            }
            _ => false,
        }
    })
}

/// Repository path: `/`-separated components (see [`is_path_component`]).
pub(super) fn is_repository_path(path: &str) -> bool {
    path.split('/').all(is_path_component)
}

/// `[a-z0-9]+` runs joined by one separator: `.`, `_`, `__`, or any number of `-`.
fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let mut at = 0;
    loop {
        let run_start = at;
        while bytes.get(at).is_some_and(|b| is_lower_alnum(*b)) {
            at += 1;
        }
        if at == run_start {
            return false;
        }
        match bytes.get(at) {
            None => return true,
            Some(b'.') => at += 1,
            Some(b'_') => {
                at += 1;
                if bytes.get(at) == Some(&b'_') {
                    at += 1;
                }
            }
            Some(b'-') => {
                while bytes.get(at) == Some(&b'-') {
                    at += 1;
                }
            }
            Some(_) => return false,
        }
    }
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Longest tag: `[\w][\w.-]{0,127}`.
pub(super) const MAX_TAG_LEN: usize = 128;

/// Tag: a word character, then up to 127 word characters, dots and hyphens.
pub(super) fn is_tag(tag: &str) -> bool {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    bytes.len() <= MAX_TAG_LEN
        && bytes.first().is_some_and(|b| is_word(*b))
        && bytes
            .iter()
            .all(|b| is_word(*b) || *b == b'.' || *b == b'-')
}

/// A 64-digit lowercase hex string, which Docker reads as an image ID, never a name.
pub(super) fn is_image_id(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries() {
        for good in [
            "localhost",
            "localhost:5000",
            "example.com",
            "sub-dom1.foo.com",
            "xn--n3h.com",
            "LOCALDOMAIN",
            "192.168.1.1",
            "192.168.1.1:5000",
            "[2001:db8::1]",
            "[2001:db8::1]:5000",
            "[::1]:5000",
            "[fc00:1:2:3:4:5:6:7]:5000",
            "a",
        ] {
            assert!(is_registry(good), "{good}");
        }
        for bad in [
            "",
            "-docker.io",
            "docker-.io",
            "docker..io",
            ".io",
            "foo_bar.com",
            "test:",
            "test:port",
            "fc00::1:5000",
            "[fe80::1%eth0]:5000",
            "[2001:db8:3:4::192.0.2.33]:5000",
            "[]",
            "[::1",
            "[::1]x",
            "[::1]:",
            "ex ample.com",
        ] {
            assert!(!is_registry(bad), "{bad}");
        }
    }

    #[test]
    fn path_components() {
        for good in [
            "a",
            "docker",
            "docker-rules",
            "docker---rules",
            "dock__er",
            "dock_er",
            "ubuntu-12.04-base",
            "foo_bar.com",
            "1a3f",
        ] {
            assert!(is_path_component(good), "{good}");
        }
        for bad in [
            "",
            "-docker",
            "docker-",
            "_docker",
            "____",
            "dock..er",
            "dock_.er",
            "dock-.er",
            "dock___er",
            "Docker",
            "dock$er",
        ] {
            assert!(!is_path_component(bad), "{bad}");
        }
    }

    #[test]
    fn tags() {
        let longest = "a".repeat(MAX_TAG_LEN);
        for good in ["latest", "Uppercase", "_x", "5000", "v1.2-rc.1", &longest] {
            assert!(is_tag(good), "{good}");
        }
        let too_long = "a".repeat(MAX_TAG_LEN + 1);
        for bad in ["", ".x", "-x", "a:b", "a/b", "a@b", "é", &too_long] {
            assert!(!is_tag(bad), "{bad}");
        }
    }
}
