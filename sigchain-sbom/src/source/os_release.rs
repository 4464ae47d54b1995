//! `os-release(5)`: newline-separated `KEY=VALUE` assignments, values optionally quoted with
//! shell-like rules, read into a [`Distro`].

use crate::model::Distro;

/// Parse an `os-release` file. `None` when it names no `ID` (the spec's default `linux` says
/// nothing a purl could use).
///
/// ```
/// use sigchain_sbom::source::parse_os_release;
/// let distro = parse_os_release(b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n").unwrap();
/// assert_eq!(distro.id, "debian");
/// assert_eq!(distro.version_id.as_deref(), Some("12"));
/// ```
pub fn parse_os_release(content: &[u8]) -> Option<Distro> {
    let text = String::from_utf8_lossy(content);
    let mut distro = Distro::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let Some(value) = unquote(raw.trim()) else {
            continue;
        };
        match key.trim() {
            "ID" => distro.id = value,
            "VERSION_ID" => distro.version_id = Some(value),
            "PRETTY_NAME" => distro.pretty_name = Some(value),
            _ => {}
        }
    }
    (!distro.id.is_empty()).then_some(distro)
}

/// A value: bare, `"double"` (with `\"`, `\\`, `` \` ``, `\$` escapes) or `'single'`.
/// An unterminated quote makes the assignment unusable.
fn unquote(raw: &str) -> Option<String> {
    let mut chars = raw.chars();
    match chars.next() {
        Some('\'') => raw.get(1..)?.strip_suffix('\'').map(str::to_owned),
        Some('"') => {
            let mut out = String::new();
            let mut rest = raw.get(1..)?.chars();
            while let Some(c) = rest.next() {
                match c {
                    '"' => return rest.as_str().is_empty().then_some(out),
                    '\\' => match rest.next()? {
                        e @ ('"' | '\\' | '`' | '$') => out.push(e),
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    },
                    other => out.push(other),
                }
            }
            None
        }
        _ => Some(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoting_rules() {
        let d = parse_os_release(b"# comment\nID='alpine'\nVERSION_ID=3.20.3\nPRETTY_NAME=\"A \\\"quoted\\\" \\$name\"\n").unwrap();
        assert_eq!(d.id, "alpine");
        assert_eq!(d.version_id.as_deref(), Some("3.20.3"));
        assert_eq!(d.pretty_name.as_deref(), Some("A \"quoted\" $name"));
        assert_eq!(parse_os_release(b"NAME=x\n"), None);
        assert_eq!(parse_os_release(b"ID=\"unterminated\n"), None);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_os_release(&bytes);
        }
    }
}
