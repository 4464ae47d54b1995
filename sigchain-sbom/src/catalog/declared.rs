//! What language package metadata declares about licenses and people, read the same way by
//! every language cataloger: the declared license text is kept as written, and whether it is a
//! valid SPDX expression is a separate question a writer asks ([`is_spdx_expression`]);
//! `Name <email> (url)` people strings become [`Party`] values.

use crate::model::{Location, Party};

/// The longest text treated as a license expression; longer `License` fields hold a license's
/// full text, not its name.
pub const MAX_LICENSE_EXPRESSION: usize = 512;

/// Whether `text` is a valid SPDX license expression (strict: license identifiers from the
/// SPDX list, `AND`/`OR`/`WITH`, `LicenseRef-`).
///
/// ```
/// use sigchain_sbom::catalog::declared::is_spdx_expression;
/// assert!(is_spdx_expression("MIT OR Apache-2.0"));
/// assert!(!is_spdx_expression("BSD"));
/// ```
pub fn is_spdx_expression(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_LICENSE_EXPRESSION
        && spdx::Expression::parse(text).is_ok()
}

/// A person from the common `Name <email> (url)` form (npm `author`, RubyGems, Python
/// `Author-email`); either part may be missing. `None` when nothing remains.
///
/// ```
/// use sigchain_sbom::catalog::declared::parse_person;
/// use sigchain_sbom::model::Party;
/// assert_eq!(
///     parse_person("Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me)"),
///     Some(Party::Person { name: "Isaac Z. Schlueter".into(), email: Some("i@izs.me".into()) })
/// );
/// ```
pub fn parse_person(text: &str) -> Option<Party> {
    let mut rest = text.trim();
    // A trailing `(url)` is the homepage of the person, not part of the name.
    if rest.ends_with(')') {
        if let Some(open) = rest.rfind('(') {
            rest = rest[..open].trim_end();
        }
    }
    let (name, email) = match (rest.find('<'), rest.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let email = rest[open + 1..close].trim();
            let name = rest[..open].trim();
            (name, (!email.is_empty()).then(|| email.to_string()))
        }
        _ if rest.contains('@') && !rest.contains(char::is_whitespace) => {
            // A bare email: the email is all the metadata says; it also serves as the name
            // rather than inventing one.
            (rest, Some(rest.to_string()))
        }
        _ => (rest, None),
    };
    let name = name.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let name = if name.is_empty() {
        email.clone()?
    } else {
        name.to_string()
    };
    Some(Party::Person { name, email })
}

/// The location of a file a cataloger read; the layer is the source's business (the driver
/// fills it in).
pub fn location(path: &str) -> Location {
    Location {
        layer: None,
        path: path.trim_start_matches('/').to_string(),
    }
}

/// `text` cut to at most `max` bytes on a character boundary, for quoting input in warnings.
pub fn excerpt(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people() {
        assert_eq!(
            parse_person("Kenneth Reitz <me@kennethreitz.org>"),
            Some(Party::Person {
                name: "Kenneth Reitz".into(),
                email: Some("me@kennethreitz.org".into())
            })
        );
        assert_eq!(
            parse_person("\"Jane\" <jane@example.org>"),
            Some(Party::Person {
                name: "Jane".into(),
                email: Some("jane@example.org".into())
            })
        );
        assert_eq!(
            parse_person("jane@example.org"),
            Some(Party::Person {
                name: "jane@example.org".into(),
                email: Some("jane@example.org".into())
            })
        );
        assert_eq!(
            parse_person("TJ Holowaychuk"),
            Some(Party::Person {
                name: "TJ Holowaychuk".into(),
                email: None
            })
        );
        assert_eq!(parse_person("  "), None);
        assert_eq!(parse_person("<>"), None);
        assert_eq!(
            parse_person("x (url)"),
            Some(Party::Person {
                name: "x".into(),
                email: None
            })
        );
    }

    #[test]
    fn spdx_expressions() {
        assert!(is_spdx_expression("Apache-2.0 WITH LLVM-exception"));
        assert!(is_spdx_expression("(MIT OR Apache-2.0) AND BSD-3-Clause"));
        assert!(!is_spdx_expression("MIT License"));
        assert!(!is_spdx_expression(""));
    }

    #[test]
    fn excerpts_cut_on_char_boundaries() {
        assert_eq!(excerpt("héllo", 2), "h");
        assert_eq!(excerpt("abc", 10), "abc");
    }
}
