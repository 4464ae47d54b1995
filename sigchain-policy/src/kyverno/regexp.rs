//! `subjectRegExp` and `issuerRegExp`: Go `regexp` semantics on the Rust `regex` crate.
//!
//! Kyverno compiles them with Go's `regexp.Compile` and tests with `MatchString`
//! (`pkg/image/verifiers/cpol/cosign/cosign.go`, `matchCertificateData` and
//! `matchExtensions`). **`MatchString` is unanchored**: `github\.com/acme` matches any text
//! that *contains* it. Only `^`/`$` (or `\A`/`\z`) in the pattern anchor it. The Rust `regex`
//! crate's `is_match` is unanchored in the same way, and both are RE2-style (linear time,
//! no backreferences, no lookaround).
//!
//! The two syntaxes differ in a few places, bridged by a rewrite before compiling:
//! - Go's Perl classes are ASCII-only (`\d` = `[0-9]`, `\w` = `[0-9A-Za-z_]`,
//!   `\s` = `[\t\n\f\r ]`, `\b` an ASCII word boundary); Rust's are Unicode. They are
//!   rewritten to the ASCII forms.
//! - Go reads `\Q…\E` as a literal; Rust has no such syntax. The literal is escaped.
//! - Inside a bracket class Go reads `[`, `&&`, `--` and `~~` as literal characters; Rust
//!   reads them as nested classes and set operations. They are escaped.
//!
//! Kyverno reports an invalid expression only when an image is verified; here it is a
//! load-time error. Go also refuses repetition counts above 1000 (`a{1001}`), which Rust
//! accepts; such patterns are refused here too.

use regex::{Regex, RegexBuilder};

/// Compiled size bound: far above any identity pattern, far below what exhausts memory.
const SIZE_LIMIT: usize = 1 << 20;
/// Longest pattern text accepted.
pub const MAX_PATTERN_LEN: usize = 4096;
/// Go's `syntax.maxRepeat`.
const GO_MAX_REPEAT: u32 = 1000;

/// A Go-compatible, unanchored regular expression.
#[derive(Debug, Clone)]
pub struct GoRegex {
    source: String,
    regex: Regex,
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegexError {
    /// The pattern is longer than [`MAX_PATTERN_LEN`].
    #[error("regular expression of {len} bytes exceeds the limit of {max}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The pattern does not compile.
    #[error("invalid regular expression {pattern:?}: {reason}")]
    Invalid {
        /// The pattern as written.
        pattern: String,
        /// The compiler's complaint.
        reason: String,
    },
}

impl GoRegex {
    /// Compile `pattern` as Go's `regexp.Compile` would read it.
    ///
    /// ```
    /// use sigchain_policy::kyverno::regexp::GoRegex;
    /// let re = GoRegex::new(r"github\.com/acme/")?;
    /// assert!(re.is_match("https://github.com/acme/app/.github/workflows/x.yml@refs/heads/main"));
    /// let anchored = GoRegex::new(r"^https://github\.com/acme/")?;
    /// assert!(!anchored.is_match("https://evil.example/https://github.com/acme/"));
    /// # Ok::<(), sigchain_policy::kyverno::regexp::RegexError>(())
    /// ```
    pub fn new(pattern: &str) -> Result<Self, RegexError> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(RegexError::TooLong {
                len: pattern.len(),
                max: MAX_PATTERN_LEN,
            });
        }
        let invalid = |reason: String| RegexError::Invalid {
            pattern: pattern.to_owned(),
            reason,
        };
        let translated = translate(pattern).map_err(invalid)?;
        let regex = RegexBuilder::new(&translated)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        Ok(GoRegex {
            source: pattern.to_owned(),
            regex,
        })
    }

    /// Go's `MatchString`: whether the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl PartialEq for GoRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for GoRegex {}

/// Rewrite Go syntax into the Rust syntax with the same meaning (see the module docs).
fn translate(pattern: &str) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    // Inside `[...]`: whether the next char is the first of the class (where `]` is literal),
    // and the previous class char (to spot `--`, `&&`, `~~`).
    let mut in_class = false;
    let mut class_start = false;
    let mut prev_in_class: Option<char> = None;
    // Outside a class: what the last item was, to refuse Go's nested repetitions (`a**`).
    let mut repeat = Repeat::None;
    while let Some(c) = chars.next() {
        if c == '\\' {
            repeat = Repeat::None;
            let Some(e) = chars.next() else {
                return Err("trailing backslash".into());
            };
            class_start = false;
            prev_in_class = None;
            match e {
                'd' => out.push_str("[0-9]"),
                'D' => out.push_str("[^0-9]"),
                'w' => out.push_str("[0-9A-Za-z_]"),
                'W' => out.push_str("[^0-9A-Za-z_]"),
                's' => out.push_str(r"[\t\n\x0C\r ]"),
                'S' => out.push_str(r"[^\t\n\x0C\r ]"),
                'b' if !in_class => out.push_str(r"(?-u:\b)"),
                'B' if !in_class => out.push_str(r"(?-u:\B)"),
                'Q' => {
                    let mut literal = String::new();
                    loop {
                        match chars.next() {
                            None => break,
                            Some('\\') if chars.peek() == Some(&'E') => {
                                chars.next();
                                break;
                            }
                            Some(ch) => literal.push(ch),
                        }
                    }
                    for ch in literal.chars() {
                        push_escaped(&mut out, ch);
                    }
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
            continue;
        }
        if in_class {
            match c {
                ']' if !class_start => {
                    in_class = false;
                    out.push(']');
                }
                '[' if chars.peek() == Some(&':') => {
                    // An ASCII class `[:alpha:]`: both syntaxes agree; copy to its `:]`.
                    out.push('[');
                    let mut closed = false;
                    for ch in chars.by_ref() {
                        out.push(ch);
                        if ch == ']' {
                            closed = true;
                            break;
                        }
                    }
                    if !closed {
                        return Err("missing closing ]".into());
                    }
                    prev_in_class = None;
                    class_start = false;
                    continue;
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '-' if prev_in_class == Some('-') => out.push_str("\\-"),
                ']' => out.push_str("\\]"),
                _ => out.push(c),
            }
            class_start = false;
            prev_in_class = Some(c);
            continue;
        }
        match c {
            '[' => {
                repeat = Repeat::None;
                in_class = true;
                class_start = true;
                prev_in_class = None;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            '*' | '+' | '?' => {
                match (c, repeat) {
                    ('?', Repeat::Greedy) => repeat = Repeat::Lazy,
                    (_, Repeat::None) => repeat = Repeat::Greedy,
                    _ => return Err(format!("invalid nested repetition operator `{c}`")),
                }
                out.push(c);
            }
            '{' => match counted_repetition(&chars) {
                Some((text, counts)) => {
                    if repeat != Repeat::None {
                        return Err("invalid nested repetition operator `{`".into());
                    }
                    for n in counts {
                        if n > GO_MAX_REPEAT {
                            return Err(format!(
                                "repetition count {n} exceeds Go's limit of {GO_MAX_REPEAT}"
                            ));
                        }
                    }
                    for _ in 0..text.chars().count() {
                        chars.next();
                    }
                    out.push('{');
                    out.push_str(&text);
                    repeat = Repeat::Greedy;
                }
                // Go reads a brace that does not start `{n}`, `{n,}` or `{n,m}` literally.
                None => {
                    out.push_str("\\{");
                    repeat = Repeat::None;
                }
            },
            '}' => {
                out.push_str("\\}");
                repeat = Repeat::None;
            }
            '(' => {
                out.push('(');
                repeat = Repeat::None;
                // `(?flags)` / `(?:`: the `?` is not a repetition.
                if chars.peek() == Some(&'?') {
                    chars.next();
                    out.push('?');
                }
            }
            _ => {
                out.push(c);
                repeat = Repeat::None;
            }
        }
    }
    if in_class {
        return Err("missing closing ]".into());
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    None,
    Greedy,
    Lazy,
}

/// If `chars` (just after a `{`) holds `n}`, `n,}` or `n,m}`, that text and its numbers.
fn counted_repetition(
    chars: &std::iter::Peekable<std::str::Chars<'_>>,
) -> Option<(String, Vec<u32>)> {
    let mut text = String::new();
    let mut numbers = Vec::new();
    let mut current = String::new();
    let mut commas = 0;
    for ch in chars.clone() {
        text.push(ch);
        match ch {
            '0'..='9' => current.push(ch),
            ',' if commas == 0 && !current.is_empty() => {
                commas += 1;
                numbers.push(current.parse().unwrap_or(u32::MAX));
                current.clear();
            }
            '}' => {
                if current.is_empty() && commas == 0 {
                    return None;
                }
                if !current.is_empty() {
                    numbers.push(current.parse().unwrap_or(u32::MAX));
                }
                return Some((text, numbers));
            }
            _ => return None,
        }
        if text.len() > 32 {
            return None;
        }
    }
    None
}

fn push_escaped(out: &mut String, ch: char) {
    if regex_syntax_meta(ch) {
        out.push('\\');
    }
    out.push(ch);
}

fn regex_syntax_meta(ch: char) -> bool {
    matches!(
        ch,
        '\\' | '.'
            | '+'
            | '*'
            | '?'
            | '('
            | ')'
            | '|'
            | '['
            | ']'
            | '{'
            | '}'
            | '^'
            | '$'
            | '#'
            | '&'
            | '-'
            | '~'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (pattern, text, expected, why): Go `regexp.MatchString` behaviour.
    const TABLE: &[(&str, &str, bool, &str)] = &[
        (
            r"github\.com/acme",
            "https://github.com/acme/app",
            true,
            "unanchored: a substring suffices",
        ),
        (
            r"^github\.com/acme",
            "https://github.com/acme/app",
            false,
            "^ anchors at the start",
        ),
        (
            r"^https://github\.com/acme/",
            "https://github.com/acme/app",
            true,
            "anchored prefix",
        ),
        (
            r"^https://github\.com/acme/$",
            "https://github.com/acme/app",
            false,
            "$ anchors at the end",
        ),
        (
            r"acme/app$",
            "https://github.com/acme/app",
            true,
            "only the end anchored",
        ),
        (r"\Ahttps://x\z", "https://x", true, r"\A and \z anchor"),
        (
            r"\Ahttps://x\z",
            "https://x\n",
            false,
            r"\z is the very end",
        ),
        (
            r"github.com",
            "githubXcom",
            true,
            "an unescaped dot is any char",
        ),
        (
            r"github\.com",
            "githubXcom",
            false,
            "an escaped dot is a dot",
        ),
        (r"^\d+$", "123", true, r"\d matches ASCII digits"),
        (r"^\d+$", "١٢٣", false, r"Go's \d is ASCII-only"),
        (r"^\w+$", "héllo", false, r"Go's \w is ASCII-only"),
        (r"^\s$", "\u{0B}", false, r"Go's \s excludes vertical tab"),
        (
            r"^\s$",
            "\u{A0}",
            false,
            r"Go's \s excludes non-breaking space",
        ),
        (r"\bacme\b", "x acme y", true, r"\b at ASCII word edges"),
        (
            r"\bacme\b",
            "éacmeé",
            true,
            r"Go's \b treats é as a non-word char",
        ),
        (r"^[\d]+$", "42", true, r"\d inside a class"),
        (
            r"^[[]$",
            "[",
            true,
            "a bracket inside a class is literal in Go",
        ),
        (
            r"^[a&&b]+$",
            "&",
            true,
            "&& inside a class is literal in Go",
        ),
        (
            r"^[a~~b]+$",
            "~",
            true,
            "~~ inside a class is literal in Go",
        ),
        (r"^[]a]$", "]", true, "] first in a class is literal"),
        (
            r"^[^]a]$",
            "b",
            true,
            "] first in a negated class is literal",
        ),
        (r"^[[:alpha:]]+$", "abc", true, "ASCII classes agree"),
        (r"^\Qa.b\E$", "a.b", true, r"\Q..\E is literal"),
        (r"^\Qa.b\E$", "axb", false, r"\Q..\E dot is not a wildcard"),
        (r"(?i)^ACME$", "acme", true, "case-insensitive flag"),
        (r"^a{2,3}$", "aaa", true, "counted repetition"),
        (r".*", "", true, "matches the empty text"),
        (
            r"",
            "anything",
            true,
            "the empty pattern matches everything (unanchored)",
        ),
        (r"^a{,5}$", "a{,5}", true, "Go reads {,n} literally"),
        (
            r"^a{x}$",
            "a{x}",
            true,
            "a brace not starting a count is literal",
        ),
        (r"^a*?b$", "aab", true, "a lazy star is one repetition"),
        (r"^a{2}?$", "aa", true, "a lazy count"),
        (r"^(a*)*$", "aaa", true, "a group may repeat a repetition"),
        (
            r"^(?:ab)+$",
            "abab",
            true,
            "(?: is a group, not a repetition",
        ),
    ];

    #[test]
    fn table() {
        for (pattern, text, expected, why) in TABLE {
            let re = GoRegex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(
                re.is_match(text),
                *expected,
                "{pattern:?} vs {text:?}: {why}"
            );
        }
    }

    #[test]
    fn refusals() {
        for bad in [
            r"a{1001}",
            r"a{2,1001}",
            r"(",
            r"[a",
            r"\",
            r"a**",
            r"a*??",
            r"a+*",
            r"a{2}{3}",
            r"a*{2}",
            r"(?<=a)b",
            r"(a)\1",
        ] {
            assert!(GoRegex::new(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(matches!(
            GoRegex::new(&"a".repeat(MAX_PATTERN_LEN + 1)),
            Err(RegexError::TooLong { .. })
        ));
        assert!(GoRegex::new("a{1000}").is_ok(), "Go's bound is inclusive");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(pattern in ".{0,64}", text in ".{0,64}") {
            if let Ok(re) = GoRegex::new(&pattern) {
                let _ = re.is_match(&text);
            }
        }
    }
}
