//! Kyverno's wildcard matching, exactly.
//!
//! Kyverno matches `imageReferences`, `skipImageReferences`, keyless `subject` and `issuer`,
//! and the namespaces of `validationFailureActionOverrides` with one function:
//! `ext/wildcard/match.go` `Match(pattern, name)`, a thin wrapper around
//! `github.com/IGLOU-EU/go-wildcard` **v1.0.3** (pinned in Kyverno's `go.mod`), whose
//! `Match` is MinIO's `deepMatchRune` with `simple == false`. Its rules:
//!
//! - The text is compared **rune by rune** (Unicode scalar values); there is no escaping, no
//!   character class and no case folding.
//! - `*` matches any sequence of runes, **including the empty one and including `/` and `:`**:
//!   the name is a flat string, not a path. `registry.example/acme/*` matches
//!   `registry.example/acme/team/app:v1`.
//! - `?` matches **exactly one** rune, any rune, `/` included; it never matches the empty
//!   string.
//! - Every other rune matches itself only.
//! - The whole text must be consumed: a pattern without wildcards is an exact comparison.
//! - The empty pattern matches only the empty text; the pattern `*` matches everything.
//!
//! The original is a recursive backtracking search, exponential in the number of `*`s on
//! adversarial input. [`matches()`] gives the same answer for every pattern and text (the
//! classic single-backtrack-point glob algorithm is exact when the only wildcards are `*` and
//! `?`), in `O(pattern × text)` time and no allocation.

/// Whether `text` matches the Kyverno wildcard `pattern` (see the [module docs](self)).
///
/// ```
/// use sigchain_policy::kyverno::wildcard::matches;
/// assert!(matches("registry.example/acme/*", "registry.example/acme/team/app:v1")); // `*` crosses `/`
/// assert!(matches("registry.example/acme/app:v?", "registry.example/acme/app:v1"));
/// assert!(!matches("registry.example/acme/app:v?", "registry.example/acme/app:v10")); // `?` is one rune
/// assert!(!matches("nginx", "docker.io/nginx:latest")); // no wildcard: exact
/// ```
pub fn matches(pattern: &str, text: &str) -> bool {
    if pattern.is_empty() {
        return text.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let mut p = pattern.chars().peekable();
    let mut t = text.chars();
    // After a `*`: where the pattern resumes, and where in the text that attempt started.
    let mut star: Option<(
        std::iter::Peekable<std::str::Chars<'_>>,
        std::str::Chars<'_>,
    )> = None;
    loop {
        let text_before = t.clone();
        match (p.peek().copied(), t.next()) {
            (Some('*'), _) => {
                p.next();
                // Try the star as empty first; remember how to let it eat one more rune.
                t = text_before.clone();
                star = Some((p.clone(), text_before));
                continue;
            }
            (Some('?'), Some(_)) => {
                p.next();
                continue;
            }
            (Some(pc), Some(tc)) if pc == tc => {
                p.next();
                continue;
            }
            (None, None) => return true,
            _ => {}
        }
        // Mismatch (or one side ran out): let the last `*` swallow one more rune.
        match star.as_mut() {
            Some((star_pattern, star_text)) => {
                if star_text.next().is_none() {
                    return false;
                }
                p = star_pattern.clone();
                t = star_text.clone();
            }
            None => return false,
        }
    }
}

/// Whether any of `patterns` matches `text`: Kyverno's `ImageMatches`
/// (`pkg/engine/utils/image.go`) and `matchReferences` (`pkg/engine/internal/utils.go`).
/// An empty list matches nothing.
pub fn matches_any<S: AsRef<str>>(patterns: &[S], text: &str) -> bool {
    patterns.iter().any(|p| matches(p.as_ref(), text))
}

/// Whether `s` holds a wildcard (`*` or `?`), as Kyverno's `ContainsWildcard`
/// (`ext/wildcard/utils.go`).
pub fn contains_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

#[cfg(test)]
mod tests;
