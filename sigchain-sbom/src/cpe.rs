//! CPE 2.3 names (NISTIR 7695, the CPE 2.3 naming specification): formatted-string binding
//! (`cpe:2.3:a:golang:go:1.22.1:-:*:*:*:*:*:*`) with its quoting, a parser that validates
//! names, and the conversion of the older URI binding (`cpe:/o:fedoraproject:fedora:40`) that
//! `os-release` `CPE_NAME` often uses.
//!
//! # Which packages get a CPE
//!
//! Few, on purpose. A CPE is what vulnerability matchers look up in NVD; a CPE that names the
//! wrong product produces false matches, and one that names no NVD product matches nothing and
//! only costs space. Syft *guesses* (vendor and product candidates from the package name, e.g.
//! `cpe:2.3:a:libc6:libc6:2.36-9\+deb12u4:...`, several per package: 1996 CPEs for 372
//! packages of a Debian image); NVD names glibc `gnu:glibc`, so those guesses match nothing
//! or, for a name shared with an unrelated product, the wrong thing. Trivy writes none for
//! packages. A CPE is written here only when it is known, not guessed:
//! - the Go standard library: NVD names the Go toolchain `golang:go`, and the build info
//!   records the exact release (`go1.22.1` → `cpe:2.3:a:golang:go:1.22.1:-:*:*:*:*:*:*`, the
//!   form Syft also writes); pre-releases and development builds get none, since NVD's
//!   version for them cannot be told from the string;
//! - the operating system, from `os-release` `CPE_NAME`, which the distribution itself sets
//!   (Fedora, RHEL, SUSE, Amazon Linux; Debian, Ubuntu and Alpine set none);
//! - any CPE a package database itself declares ([`crate::model::Package::cpes`]; no database
//!   read today declares one).
//!
//! OS packages are matched by their purl (distribution security trackers key on the source
//! package name and distribution release), language packages by purl against their
//! ecosystem's advisories, so leaving their CPE out loses no match a correct CPE would give.
//!
//! ```
//! use sigchain_sbom::cpe::{Attribute, Cpe};
//! let go = Cpe::application("golang", "go", "1.22.1")?.with_update(Attribute::NotApplicable);
//! assert_eq!(go.to_string(), "cpe:2.3:a:golang:go:1.22.1:-:*:*:*:*:*:*");
//! let odd = Cpe::application("acme", "c++_tools", "1.0")?;
//! assert_eq!(odd.to_string(), "cpe:2.3:a:acme:c\\+\\+_tools:1.0:*:*:*:*:*:*:*");
//! assert!(Cpe::application("acme", "c++ tools", "1.0").is_err()); // no spaces in a name
//! assert_eq!(Cpe::parse(&odd.to_string())?, odd);
//! let fedora = Cpe::from_cpe_name("cpe:/o:fedoraproject:fedora:40")?;
//! assert_eq!(fedora.to_string(), "cpe:2.3:o:fedoraproject:fedora:40:*:*:*:*:*:*:*");
//! # Ok::<(), sigchain_sbom::cpe::CpeError>(())
//! ```

use std::fmt;

/// The longest CPE string read or written; real ones are under 200 bytes.
pub const MAX_CPE_LEN: usize = 1024;

/// What a CPE names (`a`, `o`, `h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// `a`: an application.
    Application,
    /// `o`: an operating system.
    OperatingSystem,
    /// `h`: hardware.
    Hardware,
}

impl Part {
    fn letter(self) -> char {
        match self {
            Part::Application => 'a',
            Part::OperatingSystem => 'o',
            Part::Hardware => 'h',
        }
    }

    fn from_letter(s: &str) -> Option<Part> {
        match s {
            "a" | "A" => Some(Part::Application),
            "o" | "O" => Some(Part::OperatingSystem),
            "h" | "H" => Some(Part::Hardware),
            _ => None,
        }
    }
}

/// One attribute's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Attribute {
    /// `*`: any value.
    #[default]
    Any,
    /// `-`: not applicable.
    NotApplicable,
    /// A value, unquoted (`c++_tools`): printable ASCII without spaces, lowercase, never
    /// empty and never a lone `-`.
    Value(String),
}

impl Attribute {
    /// A value (lowercased), checked: printable ASCII without spaces, not empty, not `-`.
    pub fn value(name: &'static str, value: &str) -> Result<Attribute, CpeError> {
        if value.is_empty() || value == "-" {
            return Err(CpeError::EmptyValue { attribute: name });
        }
        if let Some(c) = value.chars().find(|c| !('!'..='~').contains(c)) {
            return Err(CpeError::BadCharacter { attribute: name, c });
        }
        Ok(Attribute::Value(value.to_ascii_lowercase()))
    }

    fn write(&self, out: &mut String) {
        match self {
            Attribute::Any => out.push('*'),
            Attribute::NotApplicable => out.push('-'),
            Attribute::Value(v) => {
                for c in v.chars() {
                    // Formatted-string binding: letters, digits, `_`, `-` and `.` stand bare;
                    // every other printable character is quoted with a backslash, so `*` and
                    // `?` never read as wildcards and `:` never splits an attribute.
                    if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
        }
    }
}

/// The attributes after the part, in binding order.
const NAMES: [&str; 10] = [
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
];
const LANGUAGE: usize = 5;

/// A CPE 2.3 name: a part and ten attributes. [`fmt::Display`] writes the formatted-string
/// binding, which [`Cpe::parse`] reads back to an equal value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cpe {
    part: Part,
    attributes: [Attribute; 10],
}

/// Why a string is not a CPE name this module accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CpeError {
    /// Longer than [`MAX_CPE_LEN`].
    #[error("CPE longer than {MAX_CPE_LEN} bytes")]
    TooLong,
    /// Neither `cpe:2.3:` nor (where accepted) `cpe:/`.
    #[error("not a CPE 2.3 formatted string")]
    NotCpe,
    /// Not 13 `:`-separated components (formatted string).
    #[error("expected 13 components, found {found}")]
    ComponentCount {
        /// How many there were.
        found: usize,
    },
    /// The part is not `a`, `o` or `h`.
    #[error("unknown part {part:?}")]
    BadPart {
        /// What was there.
        part: String,
    },
    /// An attribute is empty (or, when building, a lone `-`).
    #[error("empty {attribute}")]
    EmptyValue {
        /// Which attribute.
        attribute: &'static str,
    },
    /// A character a CPE value cannot hold (or an unquoted wildcard inside a value: names
    /// have none).
    #[error("{attribute}: character {c:?} not allowed")]
    BadCharacter {
        /// Which attribute.
        attribute: &'static str,
        /// The character.
        c: char,
    },
    /// A backslash at the end, or before a character that is never quoted.
    #[error("{attribute}: bad quoting")]
    BadQuoting {
        /// Which attribute.
        attribute: &'static str,
    },
    /// A language that is not an RFC 5646 tag of the form CPE allows (`en`, `en-us`).
    #[error("bad language {value:?}")]
    BadLanguage {
        /// What was there.
        value: String,
    },
}

impl Cpe {
    /// An application `vendor:product:version`, every other attribute ANY.
    pub fn application(vendor: &str, product: &str, version: &str) -> Result<Cpe, CpeError> {
        Ok(Cpe {
            part: Part::Application,
            attributes: [
                Attribute::value("vendor", vendor)?,
                Attribute::value("product", product)?,
                Attribute::value("version", version)?,
                Attribute::Any,
                Attribute::Any,
                Attribute::Any,
                Attribute::Any,
                Attribute::Any,
                Attribute::Any,
                Attribute::Any,
            ],
        })
    }

    /// The same CPE with `update` set.
    pub fn with_update(mut self, update: Attribute) -> Cpe {
        self.attributes[3] = update;
        self
    }

    /// The part.
    pub fn part(&self) -> Part {
        self.part
    }

    /// The vendor.
    pub fn vendor(&self) -> &Attribute {
        &self.attributes[0]
    }

    /// The product.
    pub fn product(&self) -> &Attribute {
        &self.attributes[1]
    }

    /// The version.
    pub fn version(&self) -> &Attribute {
        &self.attributes[2]
    }

    /// Parses a formatted string (`cpe:2.3:` and 11 more components). Names only: a value
    /// holding an unquoted `*` or `?` (a match pattern, not a name) is refused.
    pub fn parse(s: &str) -> Result<Cpe, CpeError> {
        Self::parse_formatted(s, false)
    }

    /// A CPE as a system names itself, e.g. in `os-release` `CPE_NAME`: the URI binding
    /// (`cpe:/o:redhat:enterprise_linux:9::baseos`), or a formatted string whose trailing
    /// attributes may be left out (`cpe:2.3:o:amazon:amazon_linux:2023`). Missing or empty
    /// attributes are ANY, as the URI binding defines them.
    pub fn from_cpe_name(s: &str) -> Result<Cpe, CpeError> {
        let s = s.trim();
        if s.len() > MAX_CPE_LEN {
            return Err(CpeError::TooLong);
        }
        if s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("cpe:/")) {
            return parse_uri(&s[5..]);
        }
        Self::parse_formatted(s, true)
    }

    fn parse_formatted(s: &str, allow_short: bool) -> Result<Cpe, CpeError> {
        if s.len() > MAX_CPE_LEN {
            return Err(CpeError::TooLong);
        }
        let rest = s
            .get(..8)
            .filter(|p| p.eq_ignore_ascii_case("cpe:2.3:"))
            .map(|_| &s[8..])
            .ok_or(CpeError::NotCpe)?;
        let components = split_unquoted_colons(rest);
        let count = components.len() + 2;
        if count > 13 || (count < 13 && !(allow_short && count >= 5)) {
            return Err(CpeError::ComponentCount { found: count });
        }
        let part = components.first().copied().unwrap_or_default();
        let part = Part::from_letter(part).ok_or_else(|| CpeError::BadPart {
            part: part.chars().take(16).collect(),
        })?;
        let mut attributes: [Attribute; 10] = Default::default();
        for (index, raw) in components.iter().skip(1).enumerate() {
            let name = NAMES[index];
            attributes[index] = match *raw {
                "*" => Attribute::Any,
                "-" => Attribute::NotApplicable,
                "" => return Err(CpeError::EmptyValue { attribute: name }),
                raw => Attribute::Value(unquote(name, raw)?),
            };
        }
        let cpe = Cpe { part, attributes };
        cpe.check_language()?;
        Ok(cpe)
    }

    fn check_language(&self) -> Result<(), CpeError> {
        if let Attribute::Value(v) = &self.attributes[LANGUAGE] {
            if !valid_language(v) {
                return Err(CpeError::BadLanguage { value: v.clone() });
            }
        }
        Ok(())
    }
}

impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(64);
        out.push_str("cpe:2.3:");
        out.push(self.part.letter());
        for attribute in &self.attributes {
            out.push(':');
            attribute.write(&mut out);
        }
        f.write_str(&out)
    }
}

/// Splits at `:` not preceded by a quoting backslash.
fn split_unquoted_colons(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A formatted-string value without its quoting.
fn unquote(name: &'static str, raw: &str) -> Result<String, CpeError> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(q)
                    if ('!'..='~').contains(&q)
                        && !q.is_ascii_alphanumeric()
                        && !matches!(q, '_' | '-' | '.') =>
                {
                    out.push(q)
                }
                _ => return Err(CpeError::BadQuoting { attribute: name }),
            },
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') => {
                out.push(c.to_ascii_lowercase())
            }
            c => return Err(CpeError::BadCharacter { attribute: name, c }),
        }
    }
    Ok(out)
}

/// RFC 5646 as CPE 2.3 restricts it: a 2–3 letter language, optionally `-` and a 2-letter
/// region or 3-digit area code.
fn valid_language(v: &str) -> bool {
    let (language, region) = match v.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (v, None),
    };
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && region.is_none_or(|r| {
            (r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
                || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The URI binding after `cpe:/`: `part:vendor:product:version:update:edition:language`,
/// percent-encoded, the edition possibly packing five attributes (`~ed~sw~tsw~thw~other`).
fn parse_uri(rest: &str) -> Result<Cpe, CpeError> {
    let components: Vec<&str> = rest.split(':').collect();
    if components.len() > 7 {
        return Err(CpeError::ComponentCount {
            found: components.len() + 1,
        });
    }
    let part = components.first().copied().unwrap_or_default();
    let part = Part::from_letter(part).ok_or_else(|| CpeError::BadPart {
        part: part.chars().take(16).collect(),
    })?;
    let mut attributes: [Attribute; 10] = Default::default();
    for (index, raw) in components.iter().skip(1).enumerate() {
        if index == 4 && raw.starts_with('~') {
            let packed: Vec<&str> = raw[1..].split('~').collect();
            if packed.len() != 5 {
                return Err(CpeError::BadQuoting {
                    attribute: "edition",
                });
            }
            for (slot, value) in [4, 6, 7, 8, 9].into_iter().zip(packed) {
                attributes[slot] = uri_value(NAMES[slot], value)?;
            }
        } else {
            attributes[index] = uri_value(NAMES[index], raw)?;
        }
    }
    let cpe = Cpe { part, attributes };
    cpe.check_language()?;
    Ok(cpe)
}

fn uri_value(name: &'static str, raw: &str) -> Result<Attribute, CpeError> {
    match raw {
        "" => return Ok(Attribute::Any),
        "-" => return Ok(Attribute::NotApplicable),
        _ => {}
    }
    let mut out = String::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let decoded = raw
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .filter(|d| d.is_ascii_graphic() && !d.is_ascii_alphanumeric())
                .ok_or(CpeError::BadQuoting { attribute: name })?;
            out.push(char::from(decoded));
            i += 3;
        } else if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            out.push(char::from(b.to_ascii_lowercase()));
            i += 1;
        } else {
            return Err(CpeError::BadCharacter {
                attribute: name,
                c: char::from(b),
            });
        }
    }
    Attribute::value(name, &out)
}

/// The NVD CPE of the Go toolchain (and so its standard library) a binary was built with,
/// from the build info's Go version: `go1.22.1` → `cpe:2.3:a:golang:go:1.22.1:-:*:*:*:*:*:*`.
/// Releases only (`goN.M` or `goN.M.P`, optionally followed by a space and build flags such
/// as `X:boringcrypto`); pre-releases and `devel` builds give `None`.
pub fn go_toolchain(go_version: &str) -> Option<Cpe> {
    let release = crate::catalog::go::go_release(go_version)?;
    if !release.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Some(
        Cpe::application("golang", "go", release)
            .ok()?
            .with_update(Attribute::NotApplicable),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoting_round_trips() {
        let cpe = Cpe::application("ACME", "a:b*c?d\\e", "1.0-rc.1_x").unwrap();
        let s = cpe.to_string();
        assert_eq!(
            s,
            "cpe:2.3:a:acme:a\\:b\\*c\\?d\\\\e:1.0-rc.1_x:*:*:*:*:*:*:*"
        );
        assert_eq!(Cpe::parse(&s).unwrap(), cpe);
    }

    #[test]
    fn refuses_what_is_not_a_name() {
        assert_eq!(
            Cpe::application("a", "b c", "1"),
            Err(CpeError::BadCharacter {
                attribute: "product",
                c: ' '
            })
        );
        assert!(Cpe::application("", "b", "1").is_err());
        assert!(Cpe::application("a", "b", "-").is_err());
        assert!(Cpe::application("a", "b", "é").is_err());
        for bad in [
            "cpe:2.3:a:b:c:1:*:*:*:*:*:*",       // 12 components
            "cpe:2.3:a:b:c:1:*:*:*:*:*:*:*:*",   // 14
            "cpe:2.3:x:b:c:1:*:*:*:*:*:*:*",     // part
            "cpe:2.3:a:b:c*d:1:*:*:*:*:*:*:*",   // wildcard inside
            "cpe:2.3:a:b::1:*:*:*:*:*:*:*",      // empty
            "cpe:2.3:a:b:c\\.d:1:*:*:*:*:*:*:*", // `.` is never quoted
            "cpe:2.3:a:b:c\\:1:*:*:*:*:*:*:*",   // quoted colon eats a separator
            "cpe:2.3:a:b:c:1:*:*:english:*:*:*:*",
            "cpe:/a:b:c",
        ] {
            assert!(Cpe::parse(bad).is_err(), "{bad}");
        }
        assert!(Cpe::parse("cpe:2.3:a:b:c:1:*:*:en-us:*:*:*:*").is_ok());
        assert!(Cpe::parse(&"x".repeat(2000)).is_err());
    }

    #[test]
    fn os_release_names() {
        // CPE_NAME values as the distributions ship them.
        for (name, expected) in [
            (
                "cpe:/o:fedoraproject:fedora:40",
                "cpe:2.3:o:fedoraproject:fedora:40:*:*:*:*:*:*:*",
            ),
            (
                "cpe:/o:redhat:enterprise_linux:9::baseos",
                "cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*",
            ),
            (
                "cpe:/o:suse:sles:15:sp5",
                "cpe:2.3:o:suse:sles:15:sp5:*:*:*:*:*:*",
            ),
            (
                "cpe:2.3:o:amazon:amazon_linux:2023",
                "cpe:2.3:o:amazon:amazon_linux:2023:*:*:*:*:*:*:*",
            ),
            (
                "cpe:/a:acme:x%2b%2b:1.0:-:~~~linux~x64~",
                "cpe:2.3:a:acme:x\\+\\+:1.0:-:*:*:*:linux:x64:*",
            ),
        ] {
            let cpe = Cpe::from_cpe_name(name).unwrap();
            assert_eq!(cpe.to_string(), expected, "{name}");
            assert_eq!(Cpe::parse(expected).unwrap(), cpe);
        }
        for bad in [
            "cpe:/x:a:b",
            "cpe:/o:a:b%01",
            "cpe:/o:a:b c",
            "cpe:/o:a:b:1:2:~x~y",
            "cpe:2.3:o:a",
            "fedora",
        ] {
            assert!(Cpe::from_cpe_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn go_toolchains() {
        let s = |v: &str| go_toolchain(v).map(|c| c.to_string());
        assert_eq!(
            s("go1.22.1").as_deref(),
            Some("cpe:2.3:a:golang:go:1.22.1:-:*:*:*:*:*:*")
        );
        assert_eq!(
            s("go1.20 X:boringcrypto").as_deref(),
            Some("cpe:2.3:a:golang:go:1.20:-:*:*:*:*:*:*")
        );
        assert_eq!(s("go1.21rc2"), None);
        assert_eq!(s("devel go1.23-abcdef"), None);
        assert_eq!(s("1.22.1"), None);
    }

    proptest! {
        /// Whatever the values, a CPE that can be built formats to a string the parser reads
        /// back to the same CPE, with only the characters CPE 2.3 allows.
        #[test]
        fn formatting_is_always_valid(
            vendor in "\\PC{1,12}",
            product in "[ -~]{1,12}",
            version in "[!-~]{1,12}",
        ) {
            if let Ok(cpe) = Cpe::application(&vendor, &product, &version) {
                let s = cpe.to_string();
                prop_assert!(s.bytes().all(|b| b.is_ascii_graphic()));
                prop_assert_eq!(Cpe::parse(&s), Ok(cpe));
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,80}", t in "cpe:(2\\.3|/):[aoh*-]:[!-~]{0,60}") {
            let _ = Cpe::parse(&s);
            let _ = Cpe::from_cpe_name(&s);
            if let Ok(cpe) = Cpe::from_cpe_name(&t) {
                prop_assert_eq!(Cpe::parse(&cpe.to_string()), Ok(cpe));
            }
        }
    }
}
