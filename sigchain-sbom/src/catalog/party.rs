//! `Name <email>` as package databases write maintainers and authors (dpkg `Maintainer`,
//! apk `m:`, rpm `Packager`), into a [`Party`].

use crate::model::Party;

/// Words that mark a maintainer as a group rather than a person (`Debian Python Team`,
/// `GNU Libc Maintainers`): databases do not say which, and SPDX asks.
const ORGANIZATION_WORDS: [&str; 9] = [
    "team",
    "maintainers",
    "developers",
    "project",
    "group",
    "packagers",
    "community",
    "foundation",
    "list",
];

/// The party in `Name <email>` (or a bare `Name`, or a bare `<email>` whose name is then
/// the email), or `None` for an empty value.
///
/// ```
/// use sigchain_sbom::catalog::party::parse_party;
/// use sigchain_sbom::model::Party;
/// assert_eq!(
///     parse_party("GNU Libc Maintainers <debian-glibc@lists.debian.org>"),
///     Some(Party::Organization {
///         name: "GNU Libc Maintainers".into(),
///         email: Some("debian-glibc@lists.debian.org".into()),
///     }),
/// );
/// ```
pub fn parse_party(value: &str) -> Option<Party> {
    let value = value.trim();
    let (name, email) = match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let email = value[open + 1..close].trim();
            (value[..open].trim(), Some(email).filter(|e| !e.is_empty()))
        }
        _ => (value, None),
    };
    let name = name.trim_matches(|c: char| c == '"' || c.is_whitespace());
    let name = if name.is_empty() { email? } else { name };
    let is_organization = name
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| ORGANIZATION_WORDS.contains(&word.to_lowercase().as_str()));
    let name = name.to_string();
    let email = email.map(str::to_string);
    Some(if is_organization {
        Party::Organization { name, email }
    } else {
        Party::Person { name, email }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse_party("Reinhard Tartler <siretart@tauware.de>"),
            Some(Party::Person {
                name: "Reinhard Tartler".into(),
                email: Some("siretart@tauware.de".into())
            })
        );
        assert_eq!(
            parse_party("Debian Python Team <team+python@tracker.debian.org>"),
            Some(Party::Organization {
                name: "Debian Python Team".into(),
                email: Some("team+python@tracker.debian.org".into())
            })
        );
        assert_eq!(
            parse_party("<a@b>"),
            Some(Party::Person {
                name: "a@b".into(),
                email: Some("a@b".into())
            })
        );
        assert_eq!(
            parse_party("Natanael Copa"),
            Some(Party::Person {
                name: "Natanael Copa".into(),
                email: None
            })
        );
        assert_eq!(parse_party("  "), None);
        assert_eq!(parse_party("<>"), None);
        assert!(parse_party("x > y <").is_some());
    }
}
