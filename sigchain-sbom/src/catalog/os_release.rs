//! `os-release(5)`: the distribution a root file system belongs to, which OS package purls
//! name (`pkg:deb/<ID>/...?distro=<ID>-<VERSION_ID>`).
//!
//! ```
//! use sigchain_sbom::catalog::os_release::parse_os_release;
//! let distro = parse_os_release(b"ID=debian\nVERSION_ID=\"12\"\n").unwrap();
//! assert_eq!((distro.id.as_str(), distro.version_id.as_deref()), ("debian", Some("12")));
//! ```

use crate::model::Distro;

/// Where os-release lives, in the order `os-release(5)` says to look: `etc/os-release` wins
/// over `usr/lib/os-release` (paths relative to the root).
pub const OS_RELEASE_PATHS: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];

/// The largest os-release file read; real ones are under 1 KiB.
pub const MAX_OS_RELEASE_BYTES: usize = 64 * 1024;

/// The distribution named by an os-release file, or `None` when it names no `ID` (or is
/// larger than [`MAX_OS_RELEASE_BYTES`]).
///
/// Lines are `KEY=VALUE`; values may be double-quoted (with `\"`, `\\`, `` \` `` and `\$`
/// escapes) or single-quoted; `#` lines are comments; malformed lines are ignored, as the
/// format says readers should.
pub fn parse_os_release(content: &[u8]) -> Option<Distro> {
    if content.len() > MAX_OS_RELEASE_BYTES {
        return None;
    }
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
            "VERSION_ID" => distro.version_id = Some(value).filter(|v| !v.is_empty()),
            "PRETTY_NAME" => distro.pretty_name = Some(value).filter(|v| !v.is_empty()),
            // The distribution's own name for itself in NVD; an invalid one is left out
            // rather than repaired.
            "CPE_NAME" => {
                distro.cpe = crate::cpe::Cpe::from_cpe_name(&value)
                    .ok()
                    .map(|c| c.to_string())
            }
            _ => {}
        }
    }
    (!distro.id.is_empty()).then_some(distro)
}

fn unquote(raw: &str) -> Option<String> {
    if let Some(inner) = raw.strip_prefix('"') {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next() {
                    Some(escaped @ ('"' | '\\' | '`' | '$')) => out.push(escaped),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => return None,
                },
                c => out.push(c),
            }
        }
        None
    } else if let Some(inner) = raw.strip_prefix('\'') {
        inner.strip_suffix('\'').map(str::to_string)
    } else {
        Some(raw.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_files() {
        let debian = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";
        let d = parse_os_release(debian).unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(
            d.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        let alpine = b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n\
PRETTY_NAME=\"Alpine Linux v3.20\"\nHOME_URL=\"https://alpinelinux.org/\"\n";
        let a = parse_os_release(alpine).unwrap();
        assert_eq!(
            (a.id.as_str(), a.version_id.as_deref()),
            ("alpine", Some("3.20.3"))
        );
        assert_eq!(d.cpe, None);
        let fedora = parse_os_release(
            b"NAME=\"Fedora Linux\"\nVERSION_ID=40\nID=fedora\nCPE_NAME=\"cpe:/o:fedoraproject:fedora:40\"\n",
        )
        .unwrap();
        assert_eq!(
            fedora.cpe.as_deref(),
            Some("cpe:2.3:o:fedoraproject:fedora:40:*:*:*:*:*:*:*")
        );
        let broken = parse_os_release(b"ID=x\nCPE_NAME=\"cpe:/o:a b\"\n").unwrap();
        assert_eq!(broken.cpe, None);
        // Debian sid has no VERSION_ID.
        let sid = parse_os_release(b"ID=debian\nVERSION_CODENAME=trixie\n").unwrap();
        assert_eq!(sid.version_id, None);
    }

    #[test]
    fn quoting_and_garbage() {
        let d = parse_os_release(
            b"# c\nID='rhel'\nVERSION_ID=\"9.\\\"4\\\\\"\nnonsense\nPRETTY_NAME=\"open\n",
        )
        .unwrap();
        assert_eq!(d.id, "rhel");
        assert_eq!(d.version_id.as_deref(), Some("9.\"4\\"));
        assert_eq!(d.pretty_name, None);
        assert_eq!(parse_os_release(b"NAME=x\n"), None);
        assert_eq!(
            parse_os_release(&vec![b'#'; MAX_OS_RELEASE_BYTES + 1]),
            None
        );
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_os_release(&bytes);
        }
    }
}
