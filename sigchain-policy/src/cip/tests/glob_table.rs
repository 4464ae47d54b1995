//! `spec.images[].glob` against images: policy-controller `pkg/apis/glob/glob.go` and
//! `glob_test.go` (cases marked "upstream" restate that test's facts with our hosts), and the
//! admission path of `pkg/webhook/validator.go` (normalised name, no fallback).

use crate::cip::glob::{Glob, GlobError};
use crate::cip::name::ImageNameError;

/// `y` matches, `n` does not, `e` the image is refused, `g` the glob is refused.
type Row = (&'static str, &'static str, char, char, &'static str);

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // glob, image, glob.Match, webhook, reason
    ("index.docker.io/library/foo:latest", "foo", 'y', 'y', "upstream: a bare name is Docker Hub's library/ with tag latest"),
    ("index.docker.io/library/foo:*", "foo", 'y', 'y', "upstream: * matches the default tag"),
    ("index.docker.io/library/*", "foo", 'y', 'y', "upstream: * covers name and tag in the last segment"),
    ("index.docker.io/library/*:latest", "foo", 'y', 'y', "upstream: * then a literal tag"),
    ("index.docker.io/*/*", "foo", 'y', 'y', "upstream: library is a path segment of its own"),
    ("index.docker.io/**", "foo", 'y', 'y', "upstream: ** crosses /"),
    ("index.docker.**", "foo", 'y', 'y', "upstream: ** may start mid-segment"),
    ("inde**", "foo", 'y', 'y', "upstream: ** after a registry prefix"),
    ("**", "foo", 'y', 'y', "upstream: ** matches everything parseable"),
    ("foo", "foo", 'y', 'n', "upstream: only glob.Match's deprecated fallback to the text as written matches; the webhook passes the normalised name"),
    ("foo*", "foo", 'y', 'n', "upstream: fallback again; * matches zero characters"),
    ("foo**", "foo", 'y', 'n', "upstream: fallback again; ** matches zero characters"),
    ("index.docker.io/myuser/myapp:latest", "myuser/myapp", 'y', 'y', "upstream: a two-part name is a Docker Hub user image"),
    ("index.docker.io/myuser/myapp:*", "myuser/myapp", 'y', 'y', "upstream: * over the default tag"),
    ("index.docker.io/myuser/*", "myuser/myapp", 'y', 'y', "upstream: * over name and tag"),
    ("index.docker.io/myuser/*:latest", "myuser/myapp", 'y', 'y', "upstream: * then the tag"),
    ("index.docker.io/*/*", "myuser/myapp", 'y', 'y', "upstream: user/name is two segments"),
    ("index.docker.io/**", "myuser/myapp", 'y', 'y', "upstream: ** over the whole path"),
    ("index.docker.**", "myuser/myapp", 'y', 'y', "upstream: ** from inside the registry"),
    ("inde**", "myuser/myapp", 'y', 'y', "upstream: prefix then **"),
    ("**", "myuser/myapp", 'y', 'y', "upstream: ** alone"),
    ("myuser/myapp", "myuser/myapp", 'y', 'n', "upstream: fallback only; no library/ is added because the name has a /"),
    ("myuser/myapp*", "myuser/myapp", 'y', 'n', "upstream: fallback, * matches zero characters"),
    ("myuser/myapp**", "myuser/myapp", 'y', 'n', "upstream: fallback, ** matches zero characters"),
    ("reg.example.com/*/*", "reg.example.com/foo/bar", 'y', 'y', "upstream: one * per segment"),
    ("reg.example.com/**", "reg.example.com/foo/bar", 'y', 'y', "upstream: ** over both segments"),
    ("reg.example.com/*/*", "reg.example.com/foo", 'n', 'n', "upstream: foo:latest is one segment, the second * has none"),
    ("reg.example.com/**", "reg.example.com/foo", 'y', 'y', "upstream: ** over one segment"),
    ("reg.ex**", "reg.example.com/foo", 'y', 'y', "upstream: ** from inside the registry"),
    ("**", "reg.example.com/foo", 'y', 'y', "upstream: ** alone"),
    ("*/**", "reg.example.com/foo", 'y', 'y', "upstream: the first * is the registry segment"),
    ("reg.example.com/foo*", "reg.example.com/foo", 'y', 'y', "upstream: * covers :latest"),
    ("reg.example.com/foo**", "reg.example.com/foo", 'y', 'y', "upstream: ** covers :latest"),
    ("reg.example.com/foo", "prefix-reg.example.com/foo", 'n', 'n', "upstream: anchored at the start"),
    ("reg.example.com/foo", "reg.example.com/foo-suffix", 'n', 'n', "upstream: anchored at the end"),
    ("reg.example.com/**", "regxexample.com/foo", 'n', 'n', "upstream: . in a glob is a literal dot, not any character"),
    ("**", "invalid&name", 'e', 'e', "upstream: an unparseable image is an error, never a match"),
    (".+", "invalid-glob", 'g', 'g', "upstream: + is not a glob character"),
    ("[a-z]*", "invalid-glob", 'g', 'g', "upstream: character classes are not glob syntax"),
    ("*", "foo", 'y', 'y', "upstream: the glob * is rewritten to index.docker.io/library/*"),
    ("*/*", "myuser/myapp", 'y', 'y', "upstream: the glob */* is rewritten to index.docker.io/*/*"),
    (concat!("reg.example.com/foo@sha256:", hex64!()), concat!("reg.example.com/foo@sha256:", hex64!()), 'y', 'y', "upstream: a digest reference matches its exact glob"),
    ("*", "myuser/myapp", 'n', 'n', "* means official images: a user image has two segments after the registry"),
    ("*/*", "foo", 'y', 'y', "*/* covers official images too (library/foo)"),
    ("*", "reg.example.com/foo", 'n', 'n', "* is Docker Hub only, even by fallback"),
    ("*/*", "reg.example.com/foo", 'n', 'n', "*/* is rewritten to Docker Hub, not any two segments"),
    ("*/*/*", "foo", 'y', 'y', "only the exact globs * and */* are rewritten; */*/* matches index.docker.io/library/foo:latest"),
    ("*/*/*", "reg.example.com/foo", 'n', 'n', "*/*/* needs three segments"),
    ("docker.io/library/nginx", "nginx", 'n', 'n', "a glob must say index.docker.io: docker.io never appears in a normalised name"),
    ("docker.io/library/nginx:*", "docker.io/library/nginx:1.27", 'y', 'n', "docker.io in a glob matches only the text as written, which the webhook never uses"),
    ("index.docker.io/library/nginx*", "docker.io/library/nginx:1.27", 'y', 'y', "docker.io in an image is rewritten to index.docker.io"),
    ("index.docker.io/library/nginx:*", "index.docker.io/nginx", 'y', 'y', "an explicit index.docker.io still gets library/"),
    ("index.docker.io/library/*", "docker.io/nginx", 'y', 'y', "docker.io/nginx is the official nginx"),
    ("index.docker.io/library/*", "index.docker.io/library/nginx", 'y', 'y', "an already qualified name is unchanged but for the tag"),
    ("*", "index.docker.io/nginx", 'y', 'y', "* matches a qualified official image"),
    ("*", "library/nginx", 'y', 'y', "library/ written out is the same image"),
    ("index.docker.io/library/nginx:latest", "nginx:1.27", 'n', 'n', "the tag is compared literally"),
    ("index.docker.io/library/nginx:latest", concat!("nginx@sha256:", hex64!()), 'n', 'n', "a digest reference has no tag, not even latest"),
    ("index.docker.io/library/nginx@sha256:*", concat!("nginx@sha256:", hex64!()), 'y', 'y', "* covers the digest's hex"),
    ("index.docker.io/library/nginx:*", concat!("nginx:1.27@sha256:", hex64!()), 'n', 'n', "a tag written before a digest is dropped from the name"),
    ("index.docker.io/library/nginx*", concat!("nginx:1.27@sha256:", hex64!()), 'y', 'y', "* covers @sha256:... (no / in it)"),
    ("index.docker.io/library/nginx:**", "nginx:1.27", 'y', 'y', ":** is any tag"),
    ("index.docker.io/library/nginx:1.27", concat!("index.docker.io/library/nginx:1.27@sha256:", hex64!()), 'n', 'n', "policy-controller's mutating webhook pins tags this way; the digest name drops the tag"),
    ("index.docker.io/library/nginx@**", concat!("index.docker.io/library/nginx:1.27@sha256:", hex64!()), 'y', 'y', "a pinned image is selected by a digest glob"),
    ("index.docker.io/library/nginx:**", concat!("index.docker.io/library/nginx:1.27@sha256:", hex64!()), 'y', 'n', "only glob.Match's fallback sees the written tag; the webhook's digest name has none"),
    ("reg.example.com/app:v1", "reg.example.com/app:v1", 'y', 'y', "an exact tag"),
    ("reg.example.com/app", "reg.example.com/app:v1", 'n', 'n', "a glob without a tag does not match a tagged name"),
    ("reg.example.com/app", "reg.example.com/app", 'y', 'n', "the name gains :latest; only the fallback to the written text matches"),
    ("reg.example.com/app:latest", "reg.example.com/app", 'y', 'y', "the default tag is latest"),
    ("reg.example.com/*", "reg.example.com/team/app", 'n', 'n', "* does not cross /"),
    ("reg.example.com/**", "reg.example.com/team/sub/app:v1", 'y', 'y', "** crosses any number of /"),
    ("reg.example.com/team/*", "reg.example.com/team/app:v1", 'y', 'y', "* over the last segment"),
    ("reg.example.com/team/*", "reg.example.com/team/sub/app:v1", 'n', 'n', "* stops at the next /"),
    ("reg.example.com:5000/app:*", "reg.example.com:5000/app:v1", 'y', 'y', "a port is part of the registry; : is literal"),
    ("localhost:5000/**", "localhost:5000/app", 'y', 'y', "host:port is a registry"),
    ("localhost/**", "localhost/app", 'y', 'y', "localhost alone is a registry (go-containerregistry)"),
    ("index.docker.io/**", "localhost/app", 'n', 'n', "localhost/app is not a Docker Hub image"),
    ("*:5000/**", "localhost:5000/app", 'y', 'y', "* within the registry segment"),
    ("**/app:*", "reg.example.com/team/app:v1", 'y', 'y', "** then a literal last segment"),
    ("**/app:*", "reg.example.com/team/myapp:v1", 'n', 'n', "/app needs the / right before app"),
    ("**app*", "reg.example.com/team/myapp:v1", 'y', 'y', "** then a literal inside the segment"),
    ("***", "reg.example.com/a/b", 'y', 'y', "*** is ** then *: .*[^/]* matches anything"),
    ("r*g.example.com/**", "reg.example.com/x", 'y', 'y', "* inside the registry"),
    ("reg.example.com/app:v1.2", "reg.example.com/app:v1x2", 'n', 'n', "a dot in a tag is literal"),
    ("reg.example.com/app:V1", "reg.example.com/app:V1", 'y', 'y', "tags keep their case, and globs may hold upper case"),
    ("REG.example.com/**", "reg.example.com/app", 'n', 'n', "matching is case-sensitive"),
    ("reg.example.com/app:*", "REG.EXAMPLE.COM/app:v1", 'n', 'n', "a registry's case is kept, not folded"),
    ("**", "[::1]:5000/app", 'y', 'y', "a bracketed IPv6 registry parses"),
    ("**", "Foo/bar", 'e', 'e', "Foo is not a registry (no . or :) and a repository is lower case"),
    ("**", "", 'e', 'e', "an empty image is refused"),
    ("**", "app:", 'e', 'e', "a colon must be followed by a tag"),
    ("**", concat!("reg.example.com/app@sha512:", hex64!(), hex64!()), 'e', 'e', "only sha256 digests parse"),
    ("**", "reg.example.com/app@sha256:abc", 'e', 'e', "a sha256 digest has 64 hex digits"),
    ("**", "reg.example.com/app@sha256:5504F2A95018E3D8A52D80D9E1A128C6EA337581808FF9FE96F5628CE2336350", 'e', 'e', "digest hex is lower case"),
    ("**", "a@b@c", 'e', 'e', "a digest reference has exactly one @"),
    ("**", "reg.example.com:port/app", 'e', 'e', "a port is digits"),
    ("**", "reg.example.com/app:-bad!", 'e', 'e', "a tag is [A-Za-z0-9_.-]"),
    ("", "foo", 'g', 'g', "an empty glob is refused"),
    ("reg.example.com/app?", "reg.example.com/app", 'g', 'g', "? is not a glob character"),
    ("reg.example.com/app:{v1,v2}", "reg.example.com/app:v1", 'g', 'g', "braces are not glob syntax"),
    ("reg.example.com/app+", "reg.example.com/app", 'g', 'g', "+ is refused rather than read as a regexp"),
    ("reg.example.com/a b", "reg.example.com/a", 'g', 'g', "spaces are refused"),
    ("reg.example.com/app$", "reg.example.com/app", 'g', 'g', "$ would change the regexp; refused"),
];

fn outcome(result: Result<Result<bool, ImageNameError>, GlobError>) -> char {
    match result {
        Err(_) => 'g',
        Ok(Err(_)) => 'e',
        Ok(Ok(true)) => 'y',
        Ok(Ok(false)) => 'n',
    }
}

#[test]
fn glob_table() {
    assert!(ROWS.len() >= 70, "{} rows", ROWS.len());
    let mut failures = Vec::new();
    for &(glob, image, want_match, want_webhook, reason) in ROWS {
        let compiled = Glob::compile(glob);
        let got_match = outcome(compiled.clone().map(|g| g.matches(image)));
        let got_webhook = outcome(compiled.map(|g| g.matches_admitted(image)));
        if (got_match, got_webhook) != (want_match, want_webhook) {
            failures.push(format!(
                "glob {glob:?} image {image:?}: got ({got_match}, {got_webhook}), want ({want_match}, {want_webhook}): {reason}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn compiled_expressions_are_upstreams() {
    for (glob, regex) in [
        ("*", r"^index\.docker\.io/library/[^/]*$"),
        ("*/*", r"^index\.docker\.io/[^/]*/[^/]*$"),
        ("reg.example.com/**", r"^reg\.example\.com/.*$"),
        ("a/*/b:**", r"^a/[^/]*/b:.*$"),
        ("***", r"^.*[^/]*$"),
        ("****", r"^.*.*$"),
        ("a-b_c@sha256:*", r"^a-b_c@sha256:[^/]*$"),
    ] {
        assert_eq!(Glob::compile(glob).unwrap().regex_source(), regex, "{glob}");
    }
}

#[test]
fn glob_errors_say_why() {
    assert_eq!(Glob::compile(""), Err(GlobError::Empty));
    assert!(matches!(
        Glob::compile("a?b"),
        Err(GlobError::InvalidCharacter { character: '?', .. })
    ));
    assert!(matches!(
        Glob::compile(&"a".repeat(crate::cip::glob::MAX_GLOB_LEN + 1)),
        Err(GlobError::TooLong { .. })
    ));
    // The rewrite happens before the character check, on the exact text only.
    assert!(Glob::compile(" *").is_err());
}

#[test]
fn a_long_glob_of_stars_compiles_and_matches_in_bounded_work() {
    let glob = Glob::compile(&"*".repeat(crate::cip::glob::MAX_GLOB_LEN)).unwrap();
    assert!(glob.is_match("index.docker.io/library/nginx:latest"));
    // An even run of stars is all `**`, which matches anything.
    assert!(glob.is_match(&"a/".repeat(500)));
}
