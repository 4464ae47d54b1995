//! Ruby gems from installed specifications (`specifications/*.gemspec`,
//! `specifications/default/*.gemspec`).
//!
//! A gemspec is Ruby source; it is never evaluated. RubyGems writes installed specifications
//! in one regular shape (`Gem::Specification#to_ruby`): one `s.ATTR = VALUE` assignment per
//! line, values being string literals (`"rake".freeze`, `%q{rake}`) or arrays of them, and
//! dependencies as `s.add_runtime_dependency(%q<rack>.freeze, [...])`. This reader takes those
//! lines and nothing else. Limits: values built by Ruby expressions (`File.read(...)`,
//! interpolation `#{...}`, constants, heredocs, assignments spread over several lines) are not
//! understood: such a field is left empty (or the package skipped with a warning when it is
//! the name or version; the `# stub: NAME VERSION` comment RubyGems writes is the fallback).
//! Several `licenses` are joined with `OR`: a gem lists the licenses one may choose from
//! (Ruby's own `Ruby OR BSD-2-Clause` pattern); the text is kept otherwise as written.

use crate::catalog::declared::{excerpt, location};
use crate::model::{Cataloger, Found, Package, PackageType, Party};

/// The most lines read from one gemspec.
pub const MAX_LINES: usize = 100_000;
/// The most strings read from one array value.
pub const MAX_ARRAY_ITEMS: usize = 1_000;

/// The gem specification cataloger.
///
/// ```
/// use sigchain_sbom::catalog::gem::GemCataloger;
/// use sigchain_sbom::model::Cataloger;
/// let spec = br#"Gem::Specification.new do |s|
///   s.name = "rake".freeze
///   s.version = "13.0.6"
///   s.licenses = ["MIT".freeze]
/// end
/// "#;
/// let path = "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec";
/// assert!(GemCataloger.wants(path));
/// let found = GemCataloger.catalog(path, spec);
/// assert_eq!(found.packages[0].name, "rake");
/// assert_eq!(found.packages[0].license_declared.as_deref(), Some("MIT"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct GemCataloger;

impl Cataloger for GemCataloger {
    fn name(&self) -> &'static str {
        "gem"
    }

    fn wants(&self, path: &str) -> bool {
        let Some(dir) = path
            .strip_suffix(".gemspec")
            .and_then(|p| p.rsplit_once('/'))
        else {
            return false;
        };
        dir.0.ends_with("specifications") || dir.0.ends_with("specifications/default")
    }

    fn max_file_bytes(&self) -> u64 {
        4 * 1024 * 1024
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        let text = String::from_utf8_lossy(content);
        let mut warnings = Vec::new();
        let spec = read_spec(&text, &mut warnings);
        let name = spec.name.or(spec.stub_name);
        let version = spec.version.or(spec.stub_version);
        let (Some(name), Some(version)) = (name, version) else {
            warnings.push("no literal name or version: not read".into());
            return Found {
                packages: Vec::new(),
                warnings,
            };
        };
        let supplier = spec.authors.first().map(|author| Party::Person {
            name: author.clone(),
            // Emails pair with authors only when the lists line up.
            email: (spec.emails.len() == spec.authors.len())
                .then(|| spec.emails.first().cloned())
                .flatten()
                .filter(|e| !e.is_empty()),
        });
        let license_declared = match spec.licenses.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(
                many.iter()
                    .map(|l| {
                        if l.contains(' ') {
                            format!("({l})")
                        } else {
                            l.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" OR "),
            ),
        };
        let mut depends_on = spec.dependencies;
        depends_on.sort();
        depends_on.dedup();
        Found {
            packages: vec![Package {
                name,
                version,
                package_type: Some(PackageType::Gem),
                license_declared,
                supplier,
                homepage: spec.homepage,
                locations: vec![location(path)],
                depends_on,
                ..Package::default()
            }],
            warnings,
        }
    }
}

#[derive(Default)]
struct Spec {
    name: Option<String>,
    version: Option<String>,
    stub_name: Option<String>,
    stub_version: Option<String>,
    licenses: Vec<String>,
    authors: Vec<String>,
    emails: Vec<String>,
    homepage: Option<String>,
    dependencies: Vec<String>,
}

fn read_spec(text: &str, warnings: &mut Vec<String>) -> Spec {
    let mut spec = Spec::default();
    for (number, line) in text.lines().enumerate() {
        if number >= MAX_LINES {
            warnings.push(format!("more than {MAX_LINES} lines; the rest are ignored"));
            break;
        }
        let line = line.trim();
        if let Some(stub) = line.strip_prefix("# stub:") {
            let mut words = stub.split_whitespace();
            spec.stub_name = words.next().map(str::to_string);
            spec.stub_version = words.next().map(str::to_string);
            continue;
        }
        let Some((target, value)) = attribute(line) else {
            if let Some(name) = runtime_dependency(line) {
                spec.dependencies.push(name);
            }
            continue;
        };
        match target {
            "name" | "version" | "homepage" => {
                let Some(literal) = string_literal(value).map(|(s, _)| s) else {
                    warnings.push(format!(
                        "line {}: {target} is not a string literal: {:?}",
                        number + 1,
                        excerpt(value, 60)
                    ));
                    continue;
                };
                let slot = match target {
                    "name" => &mut spec.name,
                    "version" => &mut spec.version,
                    _ => &mut spec.homepage,
                };
                *slot = Some(literal);
            }
            "license" => {
                spec.licenses = string_literal(value).map(|(s, _)| s).into_iter().collect()
            }
            "licenses" => spec.licenses = strings(value),
            "authors" => spec.authors = strings(value),
            "author" => spec.authors = string_literal(value).map(|(s, _)| s).into_iter().collect(),
            "email" => spec.emails = strings(value),
            _ => {}
        }
    }
    spec
}

/// `VAR.ATTR = VALUE` with an identifier `VAR` (RubyGems writes `s`; hand-written specs use
/// `spec` or `gem`).
fn attribute(line: &str) -> Option<(&str, &str)> {
    let (target, value) = line.split_once('=')?;
    if value.starts_with(['=', '~']) {
        return None; // `==`, `=~`
    }
    let (var, attr) = target.trim_end().split_once('.')?;
    let identifier =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (identifier(var) && identifier(attr)).then(|| (attr, value.trim_start()))
}

/// The gem a `VAR.add_runtime_dependency(NAME, ...)` or `VAR.add_dependency(NAME, ...)`
/// names; development dependencies are not installed with the gem.
fn runtime_dependency(line: &str) -> Option<String> {
    let (_, call) = line.split_once('.')?;
    let rest = call
        .strip_prefix("add_runtime_dependency")
        .or_else(|| call.strip_prefix("add_dependency"))?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('(').unwrap_or(rest);
    string_literal(rest.trim_start()).map(|(name, _)| name)
}

/// The strings of an array literal (`["a".freeze, "b"]`), or a single string literal.
fn strings(value: &str) -> Vec<String> {
    let Some(mut rest) = value.strip_prefix('[') else {
        return string_literal(value).map(|(s, _)| s).into_iter().collect();
    };
    let mut out = Vec::new();
    while out.len() < MAX_ARRAY_ITEMS {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        let Some((item, after)) = string_literal(rest) else {
            break;
        };
        out.push(item);
        rest = after.strip_prefix(".freeze").unwrap_or(after);
    }
    out
}

/// A Ruby string literal at the start of `text` (`"..."`, `'...'`, `%q{...}`, `%q<...>`,
/// `%Q(...)`, `%[...]`), without interpolation; the literal and what follows it. A literal
/// with `#{...}` interpolation is not a value this reader can know, so `None`.
fn string_literal(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    let (close, body_start, escapes) = match first {
        '"' => ('"', 1, true),
        '\'' => ('\'', 1, false),
        '%' => {
            let (index, mut next) = chars.next()?;
            let mut start = index;
            if matches!(next, 'q' | 'Q') {
                let (i, c) = chars.next()?;
                start = i;
                next = c;
            }
            let close = match next {
                '{' => '}',
                '<' => '>',
                '(' => ')',
                '[' => ']',
                '|' => '|',
                '!' => '!',
                _ => return None,
            };
            (close, start + next.len_utf8(), true)
        }
        _ => return None,
    };
    let body = text.get(body_start..)?;
    let mut out = String::new();
    let mut iter = body.char_indices();
    while let Some((index, c)) = iter.next() {
        if c == close {
            let after = body.get(index + c.len_utf8()..)?;
            return Some((out, after.strip_prefix(".freeze").unwrap_or(after)));
        }
        if c == '\\' {
            let (_, escaped) = iter.next()?;
            match escaped {
                'n' if escapes => out.push('\n'),
                't' if escapes => out.push('\t'),
                other => {
                    if other != close && other != '\\' && other != '#' {
                        out.push('\\');
                    }
                    out.push(other);
                }
            }
            continue;
        }
        if c == '#' && close == '"' && body.get(index + 1..)?.starts_with('{') {
            return None;
        }
        out.push(c);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(
            string_literal("\"rake\".freeze").map(|x| x.0).as_deref(),
            Some("rake")
        );
        assert_eq!(
            string_literal("%q{rake}").map(|x| x.0).as_deref(),
            Some("rake")
        );
        assert_eq!(
            string_literal("%q<rack>.freeze, [\">= 2\"]").map(|x| x.1),
            Some(", [\">= 2\"]")
        );
        assert_eq!(
            string_literal("'a\\'b'").map(|x| x.0).as_deref(),
            Some("a'b")
        );
        assert_eq!(string_literal("\"v#{X}\""), None);
        assert_eq!(string_literal("File.read(\"x\")"), None);
        assert_eq!(string_literal("\"unterminated"), None);
        assert_eq!(string_literal("%q"), None);
    }

    #[test]
    fn arrays() {
        assert_eq!(
            strings("[\"MIT\".freeze, \"Ruby\".freeze]"),
            ["MIT", "Ruby"]
        );
        assert_eq!(strings("[]"), Vec::<String>::new());
        assert_eq!(strings("\"MIT\""), ["MIT"]);
    }

    #[test]
    fn dependencies() {
        assert_eq!(
            runtime_dependency("s.add_runtime_dependency(%q<rack>.freeze, [\">= 2.2.4\"])")
                .as_deref(),
            Some("rack")
        );
        assert_eq!(
            runtime_dependency("s.add_dependency(%q<rack>.freeze, [\">= 2.2.4\"])").as_deref(),
            Some("rack")
        );
        assert_eq!(
            runtime_dependency("s.add_development_dependency(%q<rspec>.freeze, [\">= 0\"])"),
            None
        );
    }
}
