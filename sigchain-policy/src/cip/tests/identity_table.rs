//! `keyless.identities[]`: policy-controller `Identity.Validate`
//! (`pkg/apis/policy/v1beta1/clusterimagepolicy_validation.go`) and cosign's
//! `CheckCertificatePolicy` (`pkg/cosign/verify.go`: exact `==`, regexps through an
//! unanchored `regexp.MatchString`).

use serde_json::json;

use crate::cip::load::parse_identity;
use crate::cip::model::CipError;

const ISS: &str = "https://token.actions.githubusercontent.com";
const SUBJ: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1";

/// (identity, SAN, issuer, expected, reason)
fn rows() -> Vec<(
    serde_json::Value,
    &'static str,
    &'static str,
    bool,
    &'static str,
)> {
    vec![
        (
            json!({"issuer": ISS, "subject": SUBJ}),
            SUBJ,
            ISS,
            true,
            "exact issuer and subject",
        ),
        (
            json!({"issuer": ISS, "subject": SUBJ}),
            "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1x",
            ISS,
            false,
            "exact subject is not a prefix match",
        ),
        (
            json!({"issuer": ISS, "subject": SUBJ}),
            SUBJ,
            "https://token.actions.githubusercontent.com/",
            false,
            "exact issuer compares byte for byte",
        ),
        (
            json!({"issuer": ISS, "subject": SUBJ}),
            "HTTPS://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1",
            ISS,
            false,
            "exact subject is case-sensitive",
        ),
        (
            json!({"issuer": ISS, "subject": "alice@example.com"}),
            "alice@example.com",
            ISS,
            true,
            "an email SAN compares exactly",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "acme"}),
            "https://github.com/not-acme/x",
            ISS,
            true,
            "subjectRegExp is unanchored: a match anywhere passes",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^https://github\\.com/acme/"}),
            SUBJ,
            ISS,
            true,
            "anchored at the start by the author's ^",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^https://github\\.com/acme/"}),
            "https://github.com/acme-evil/app/x",
            ISS,
            false,
            "the / after acme is literal",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^https://github\\.com/acme/"}),
            "https://evil.example/https://github.com/acme/",
            ISS,
            false,
            "^ pins the start",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "https://github\\.com/acme/"}),
            "https://evil.example/https://github.com/acme/",
            ISS,
            true,
            "without ^ the pattern may sit anywhere",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "github.com/acme/"}),
            "https://githubXcom/acme/",
            ISS,
            true,
            "an unescaped . matches any character (the author's pattern)",
        ),
        (
            json!({"issuerRegExp": "githubusercontent", "subject": SUBJ}),
            SUBJ,
            "https://evil.example/githubusercontent",
            true,
            "issuerRegExp is unanchored too",
        ),
        (
            json!({"issuerRegExp": "^https://token\\.actions\\.githubusercontent\\.com$", "subject": SUBJ}),
            SUBJ,
            "https://token.actions.githubusercontent.com/",
            false,
            "^...$ pins the whole issuer",
        ),
        (
            json!({"issuerRegExp": "^https://token\\.actions\\.githubusercontent\\.com$", "subject": SUBJ}),
            SUBJ,
            ISS,
            true,
            "pinned issuer matches itself",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^[\\w.-]+@example\\.com$"}),
            "dev@example.com",
            ISS,
            true,
            "\\w covers ASCII word characters",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^[\\w.-]+@example\\.com$"}),
            "d\u{e9}v@example.com",
            ISS,
            false,
            "\\w is ASCII as in Go's RE2, not Unicode",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^\\d+$"}),
            "\u{661}\u{662}\u{663}",
            ISS,
            false,
            "\\d is ASCII as in Go's RE2",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^\\d+$"}),
            "123",
            ISS,
            true,
            "\\d matches ASCII digits",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "(?i)^ALICE@EXAMPLE\\.COM$"}),
            "alice@example.com",
            ISS,
            true,
            "(?i) folds ASCII case",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "a|b"}),
            "xbx",
            ISS,
            true,
            "an alternation matches anywhere",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^a|b$"}),
            "zzzb",
            ISS,
            true,
            "^ binds to the first alternative only, as in Go",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^(?:a|b)$"}),
            "ab",
            ISS,
            false,
            "a grouped alternation pinned at both ends",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": ".*"}),
            "anything",
            ISS,
            true,
            ".* accepts any subject",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": ".*"}),
            "anything",
            "https://accounts.example.com",
            false,
            "the issuer is still required",
        ),
        (
            json!({"issuerRegExp": ".*", "subject": "alice@example.com"}),
            "alice@example.com",
            "https://any.example",
            true,
            "issuerRegExp .* accepts any issuer",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/tags/v\\d+$"}),
            SUBJ,
            ISS,
            true,
            "a release-tag workflow identity",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": "^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/tags/v\\d+$"}),
            "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
            ISS,
            false,
            "a branch build is not a tag build",
        ),
        (
            json!({"issuer": ISS, "subject": SUBJ, "issuerRegExp": ""}),
            SUBJ,
            ISS,
            true,
            "an empty regexp field counts as unset, as Go's empty string does",
        ),
    ]
}

#[test]
fn identity_table() {
    let rows = rows();
    assert!(rows.len() >= 25);
    let mut failures = Vec::new();
    for (value, san, issuer, want, reason) in rows {
        let identity = parse_identity(&value, "id").unwrap_or_else(|e| panic!("{value}: {e}"));
        if identity.matches(san, issuer) != want {
            failures.push(format!(
                "{value} vs ({san:?}, {issuer:?}): want {want}: {reason}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn any_san_may_match() {
    let identity =
        parse_identity(&json!({"issuer": ISS, "subject": "b@example.com"}), "id").unwrap();
    assert!(identity.matches_any_san(["a@example.com", "b@example.com"], ISS));
    assert!(!identity.matches_any_san(["a@example.com"], ISS));
    assert!(!identity.matches_any_san([], ISS), "no SAN, no match");
    assert!(!identity.matches_any_san(["b@example.com"], "https://other.example"));
}

#[test]
fn identity_validation_rules() {
    let cases = [
        (
            json!({"issuer": ISS, "issuerRegExp": "x", "subject": SUBJ}),
            "issuer, issuerRegExp",
            "both issuer forms",
        ),
        (
            json!({"issuer": ISS, "subject": SUBJ, "subjectRegExp": "x"}),
            "subject, subjectRegExp",
            "both subject forms",
        ),
    ];
    for (value, fields, reason) in cases {
        match parse_identity(&value, "id") {
            Err(CipError::MultipleOneOf { fields: got, .. }) => assert_eq!(got, fields, "{reason}"),
            other => panic!("{reason}: {other:?}"),
        }
    }
    let missing = [
        (
            json!({"subject": SUBJ}),
            "issuer, issuerRegExp",
            "no issuer",
        ),
        (
            json!({"issuer": ISS}),
            "subject, subjectRegExp",
            "no subject",
        ),
        (
            json!({"issuer": "", "subject": SUBJ}),
            "issuer, issuerRegExp",
            "an empty issuer is no issuer",
        ),
        (
            json!({"issuer": ISS, "subjectRegExp": null}),
            "subject, subjectRegExp",
            "null is unset",
        ),
    ];
    for (value, fields, reason) in missing {
        match parse_identity(&value, "id") {
            Err(CipError::MissingOneOf { fields: got, .. }) => assert_eq!(got, fields, "{reason}"),
            other => panic!("{reason}: {other:?}"),
        }
    }
    for (pattern, reason) in [
        ("(", "unbalanced group"),
        (
            "\\pL+",
            "Unicode classes: regex-lite refuses them, so we fail at load time",
        ),
        ("a{2,1}", "bad repetition"),
    ] {
        let value = json!({"issuer": ISS, "subjectRegExp": pattern});
        match parse_identity(&value, "id") {
            Err(CipError::InvalidValue { path, .. }) => {
                assert_eq!(path, "id.subjectRegExp", "{reason}")
            }
            other => panic!("{reason}: {other:?}"),
        }
    }
    assert!(matches!(
        parse_identity(&json!({"issuer": ISS, "subject": SUBJ, "email": "x"}), "id"),
        Err(CipError::UnknownField { path }) if path == "id.email"
    ));
    assert!(matches!(
        parse_identity(&json!({"issuer": 1, "subject": SUBJ}), "id"),
        Err(CipError::WrongType { .. })
    ));
}

#[test]
fn converts_to_the_verifiers_identity() {
    let identity = parse_identity(
        &json!({"issuer": ISS, "subjectRegExp": "^https://github\\.com/acme/"}),
        "id",
    )
    .unwrap();
    let core = identity.to_certificate_identity();
    assert!(core.check(SUBJ, ISS).is_ok());
    assert!(core.check("https://github.com/mallory/x", ISS).is_err());
}
