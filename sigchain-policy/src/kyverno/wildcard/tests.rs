use super::*;
use proptest::prelude::*;

/// (pattern, text, expected, why). Sources: Kyverno `ext/wildcard/match_test.go` (its cases,
/// restated), go-wildcard v1.0.3 `wildcard.go` (`deepMatchRune`), and image strings as
/// Kyverno builds them (`pkg/utils/image/infos.go`, `ImageInfo.String`).
const TABLE: &[(&str, &str, bool, &str)] = &[
    ("*", "s3:GetObject", true, "a lone star matches anything"),
    ("*", "", true, "a lone star matches the empty text"),
    ("", "s3:GetObject", false, "the empty pattern matches only empty text"),
    ("", "", true, "the empty pattern matches the empty text"),
    ("s3:*", "s3:ListMultipartUploadParts", true, "trailing star matches a suffix"),
    ("s3:ListBucketMultipartUploads", "s3:ListBucket", false, "no wildcard: exact, longer pattern"),
    ("s3:ListBucket", "s3:ListBucket", true, "no wildcard: exact equality"),
    ("s3:ListBucket", "s3:ListBucketX", false, "no wildcard: text may not be longer"),
    ("my-bucket/oo*", "my-bucket/oo", true, "star may be empty"),
    ("my-bucket/In*", "my-bucket/India/Karnataka/", true, "star crosses `/`"),
    ("my-bucket/In*", "my-bucket/Karnataka/India/", false, "literal prefix still binds"),
    ("my-bucket/In*/Ka*/Ban", "my-bucket/India/Karnataka/Ban", true, "several stars"),
    ("my-bucket/In*/Ka*/Ban", "my-bucket/India/Karnataka/Ban/Ban/Ban", true, "last star backtracks over repeats"),
    ("my-bucket/In*/Ka*/Ban", "my-bucket/India/Karnataka/Area1/Area2/Ban", true, "star spans segments"),
    ("my-bucket/In*/Ka*/Ban", "my-bucket/India/Karnataka/Bangalore", false, "literal tail must end the text"),
    ("my-bucket/In*/Ka*/Ban*", "my-bucket/India/Karnataka/Bangalore", true, "trailing star takes the rest"),
    ("my-bucket/*", "my-bucket/India", true, "star after slash"),
    ("my-bucket/oo*", "my-bucket/odo", false, "prefix mismatch before the star"),
    ("my-bucket?/abc*", "mybucket/abc", false, "`?` needs one rune"),
    ("my-bucket?/abc*", "my-bucket1/abc", true, "`?` matches a digit"),
    ("my-?-bucket/abc*", "my--bucket/abc", false, "`?` never matches empty"),
    ("my-?-bucket/abc*", "my-1-bucket/abc", true, "`?` in the middle"),
    ("my??bucket/abc*", "mybucket/abc", false, "two `?` need two runes"),
    ("my??bucket/abc*", "my4abucket/abc", true, "two `?` take two runes"),
    ("my-bucket?abc*", "my-bucket/abc", true, "`?` matches `/`"),
    ("my-bucket/abc?efg", "my-bucket/abc/efg", true, "`?` matches `/` mid-pattern"),
    ("my-bucket/abc????", "my-bucket/abcde", false, "four `?` need four runes"),
    ("my-bucket/abc????", "my-bucket/abcdefg", true, "four `?` take four runes"),
    ("my-bucket/abc?", "my-bucket/abc", false, "trailing `?` needs a rune"),
    ("my-bucket/abc?", "my-bucket/abcde", false, "trailing `?` takes only one"),
    ("my-bucket/mnop*?", "my-bucket/mnop", false, "`*?` needs at least one rune"),
    ("my-bucket/mnop*?", "my-bucket/mnopq", true, "`*?` with one rune"),
    ("my-bucket/mnop*?and", "my-bucket/mnopand", false, "`*?and` needs a rune before `and`"),
    ("my-bucket/mnop*?and", "my-bucket/mnopqand", true, "`*?and` with one rune before"),
    ("my-bucket/mnop*?and?", "my-bucket/mnopqanda", true, "star, `?`, literal, `?`"),
    ("my-bucket/mnop*?and", "my-bucket/mnopqanda", false, "literal tail must end the text"),
    ("**", "anything/at/all", true, "double star is two stars"),
    ("a**b", "ab", true, "adjacent stars may both be empty"),
    ("*a*b*", "xxaxxbxx", true, "stars around literals"),
    ("*a*b*", "xxbxxaxx", false, "order of literals matters"),
    ("[ab]", "a", false, "brackets are literal, not a class"),
    ("[ab]", "[ab]", true, "brackets match themselves"),
    ("a\\*", "a\\x", true, "backslash is literal; the star still wildcards"),
    ("a\\*", "a*", false, "no escaping: `\\` must be in the text"),
    ("ABC", "abc", false, "case sensitive"),
    ("é?", "éé", true, "`?` is one rune, not one byte"),
    ("??", "é", false, "a two-byte rune is still one rune"),
    ("*.example.com", "a.b.example.com", true, "star crosses dots"),
    // Images, as Kyverno's ImageInfo.String() writes them.
    ("registry.example/illmadecoder/*", "registry.example/illmadecoder/cicd-sample:latest", true, "ADR-007 pattern: star covers repo and tag"),
    ("registry.example/illmadecoder/*", "registry.example/illmadecoder/team/app@sha256:ab", true, "star covers nested repos and digests"),
    ("registry.example/illmadecoder/*", "registry.example/illmadecoderx/app:latest", false, "the slash after the owner is literal"),
    ("registry.example/illmadecoder/*", "registry.example/IllMadeCoder/app:latest", false, "owner comparison is case sensitive"),
    ("registry.example/illmadecoder/*", "docker.io/illmadecoder/app:latest", false, "registry is literal"),
    ("*", "docker.io/nginx:latest", true, "star matches every image"),
    ("nginx", "docker.io/nginx:latest", false, "a familiar name never matches: the image string is qualified"),
    ("nginx*", "docker.io/nginx:latest", false, "pattern must cover the registry too"),
    ("docker.io/nginx:*", "docker.io/nginx:1.25", true, "any tag of docker.io/nginx"),
    ("docker.io/nginx:*", "docker.io/library/nginx:1.25", false, "Kyverno adds no `library/`: written forms differ"),
    ("docker.io/nginx*", "docker.io/nginx-exporter:1", true, "star after the repo name widens to other repos"),
    ("docker.io/nginx:1.2?", "docker.io/nginx:1.25", true, "`?` in a tag"),
    ("docker.io/nginx:1.2?", "docker.io/nginx:1.2", false, "`?` in a tag needs a rune"),
    ("*:latest", "registry.example/acme/app:latest", true, "any image at tag latest"),
    ("*:latest", "registry.example/acme/app@sha256:ab", false, "a digest form has no tag in Kyverno's string"),
    ("*@sha256:*", "registry.example/acme/app@sha256:ab", true, "digest-pinned images"),
    ("registry.example/acme/app", "registry.example/acme/app:latest", false, "no wildcard: the tag must be written"),
    ("localhost:5000/*", "localhost:5000/team/app:v1", true, "registry with port"),
    ("*/acme/*", "registry.example/acme/app:v1", true, "any registry"),
    ("*/acme/*", "acme/app:v1", false, "the leading star needs a slash after it"),
    // Keyless subjects and issuers (pkg/image/verifiers/cpol/cosign/cosign.go matchCertificateData).
    ("https://github.com/illMadeCoder/illm-k8s-ai-labs/*", "https://github.com/illMadeCoder/illm-k8s-ai-labs/.github/workflows/ci.yaml@refs/heads/main", true, "ADR-007 subject: star covers workflow path and ref"),
    ("https://github.com/illMadeCoder/illm-k8s-ai-labs/*", "https://github.com/illMadeCoder/illm-k8s-ai-labs-fork/.github/workflows/ci.yaml@refs/heads/main", false, "the slash stops a sibling repo"),
    ("https://github.com/illMadeCoder/illm-k8s-ai-labs/*", "https://github.com/illmadecoder/illm-k8s-ai-labs/x", false, "subject is case sensitive"),
    ("https://token.actions.githubusercontent.com", "https://token.actions.githubusercontent.com", true, "issuer exact"),
    ("https://token.actions.githubusercontent.com", "https://token.actions.githubusercontent.com/", false, "issuer exact: no trailing slash"),
    ("https://accounts.google.com*", "https://accounts.google.com.evil.example", true, "a trailing star is a prefix: beware"),
    ("*@example.com", "alice@example.com", true, "email subject by domain"),
    ("*@example.com", "alice@example.com.evil", false, "email domain must end the text"),
    ("alice@example.com", "Alice@example.com", false, "email subject is case sensitive"),
];

#[test]
fn table() {
    assert!(TABLE.len() >= 60);
    for (pattern, text, expected, why) in TABLE {
        assert_eq!(
            matches(pattern, text),
            *expected,
            "{pattern:?} vs {text:?}: {why}"
        );
        assert_eq!(
            reference(pattern, text),
            *expected,
            "reference: {pattern:?} vs {text:?}: {why}"
        );
    }
}

#[test]
fn lists_and_detection() {
    assert!(
        !matches_any::<&str>(&[], "anything"),
        "an empty list matches nothing"
    );
    assert!(matches_any(&["a", "b*"], "bc"));
    assert!(!matches_any(&["a", "b"], "c"));
    assert!(contains_wildcard("a*") && contains_wildcard("a?") && !contains_wildcard("a[b]"));
}

#[test]
fn adversarial_pattern_is_fast_enough_to_finish() {
    // Exponential for the recursive original; quadratic here.
    let pattern = "*a".repeat(40) + "b";
    let text = "a".repeat(2000);
    assert!(!matches(&pattern, &text));
}

/// go-wildcard v1.0.3 `deepMatchRune(str, pattern, false)`, restated recursively, to check
/// the iterative matcher against on small inputs.
fn reference(pattern: &str, text: &str) -> bool {
    fn deep(s: &[char], p: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') => deep(s, &p[1..]) || (!s.is_empty() && deep(&s[1..], p)),
            Some('?') => !s.is_empty() && deep(&s[1..], &p[1..]),
            Some(c) => s.first() == Some(c) && deep(&s[1..], &p[1..]),
        }
    }
    if pattern.is_empty() {
        return text.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let s: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    deep(&s, &p)
}

proptest! {
    #[test]
    fn agrees_with_the_recursive_original(pattern in "[ab*?/]{0,8}", text in "[ab/]{0,10}") {
        prop_assert_eq!(matches(&pattern, &text), reference(&pattern, &text));
    }

    #[test]
    fn never_panics(pattern in ".{0,64}", text in ".{0,128}") {
        let _ = matches(&pattern, &text);
    }
}
