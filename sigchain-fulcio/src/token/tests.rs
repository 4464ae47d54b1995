use std::collections::HashMap;
use std::path::Path;

use proptest::prelude::*;
use serde_json::{json, Value};
use sigchain_core::time::Timestamp;

use super::github::{check_github_actions_token, github_actions_token_request, GithubTokenError};
use super::source::{plan, token_from_file, SourceError, TokenOptions, TokenPlan, TokenSource};
use super::*;
use sigchain_rekor::http::HttpResponse;

const NOW: Timestamp = Timestamp(1_700_000_000);

fn github_claims() -> Value {
    json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:acme/app:ref:refs/heads/main",
        "aud": "sigstore",
        "iat": 1_699_999_990, "nbf": 1_699_999_990, "exp": 1_700_000_290,
        "job_workflow_ref": "acme/tools/.github/workflows/sign.yml@refs/tags/v2",
        "workflow_ref": "acme/app/.github/workflows/release.yml@refs/heads/main",
        "repository": "acme/app", "ref": "refs/heads/main", "sha": "0123abcd",
        "run_id": "42", "event_name": "push", "runner_environment": "github-hosted",
    })
}

fn email_claims() -> Value {
    json!({
        "iss": "https://accounts.google.com", "sub": "10769150350006150715113082367",
        "aud": ["sigstore", "other"], "iat": 1_699_999_900, "exp": 1_700_000_500,
        "email": "dev@example.com", "email_verified": true,
    })
}

fn parse(claims: &Value) -> IdentityToken {
    IdentityToken::parse(&unsigned_jwt(claims)).unwrap()
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

#[test]
fn decodes_github_actions_claims() {
    let token = parse(&github_claims());
    let claims = token.claims();
    assert_eq!(claims.iss, GITHUB_ACTIONS_ISSUER);
    assert_eq!(claims.aud.values(), ["sigstore"]);
    assert_eq!(claims.exp, Timestamp(1_700_000_290));
    assert_eq!(claims.iat, Some(Timestamp(1_699_999_990)));
    let github = claims.github_actions.as_ref().unwrap();
    assert_eq!(github.repository.as_deref(), Some("acme/app"));
    assert_eq!(github.run_id.as_deref(), Some("42"));
    assert_eq!(github.r#ref.as_deref(), Some("refs/heads/main"));
    assert_eq!(token.claim("event_name"), Some(&json!("push")));
}

#[test]
fn github_actions_identity_is_the_job_workflow() {
    let signer = parse(&github_claims()).signer().unwrap();
    assert_eq!(
        signer,
        SignerIdentity {
            rule: IdentityRule::GithubActions,
            // The reusable workflow the job runs, not the caller's workflow_ref.
            san: "https://github.com/acme/tools/.github/workflows/sign.yml@refs/tags/v2".to_owned(),
            issuer: GITHUB_ACTIONS_ISSUER.to_owned(),
            challenge: "repo:acme/app:ref:refs/heads/main".to_owned(),
        }
    );
    let identity = parse(&github_claims()).expected_identity().unwrap();
    assert!(identity
        .check(
            "https://github.com/acme/tools/.github/workflows/sign.yml@refs/tags/v2",
            GITHUB_ACTIONS_ISSUER
        )
        .is_ok());
    assert!(identity
        .check(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
            GITHUB_ACTIONS_ISSUER
        )
        .is_err());
    let missing = parse(&without(github_claims(), "job_workflow_ref"));
    assert!(matches!(
        missing.signer(),
        Err(TokenError::MissingClaim {
            claim: "job_workflow_ref"
        })
    ));
    // An email claim does not turn a GitHub token into an email identity.
    let with_email = parse(&with(github_claims(), "email", json!("x@example.com")));
    assert_eq!(
        with_email.signer().unwrap().rule,
        IdentityRule::GithubActions
    );
}

#[test]
fn email_identity_needs_a_verified_address() {
    let signer = parse(&email_claims()).signer().unwrap();
    assert_eq!(signer.rule, IdentityRule::Email);
    assert_eq!(signer.san, "dev@example.com");
    assert_eq!(signer.issuer, "https://accounts.google.com");
    assert_eq!(signer.challenge, "dev@example.com");
    for verified in [json!("true"), json!("True")] {
        let token = parse(&with(email_claims(), "email_verified", verified));
        assert_eq!(token.signer().unwrap().rule, IdentityRule::Email);
    }
    for unverified in [json!(false), json!("false"), json!("False"), Value::Null] {
        let token = parse(&with(email_claims(), "email_verified", unverified.clone()));
        assert!(
            matches!(token.signer(), Err(TokenError::EmailNotVerified { ref email, .. }) if email == "dev@example.com"),
            "{unverified}"
        );
        assert!(token.expected_identity().is_err());
        assert!(token.challenge().is_err());
    }
    let missing = parse(&without(email_claims(), "email_verified"));
    assert!(matches!(
        missing.signer(),
        Err(TokenError::EmailNotVerified { .. })
    ));
    assert!(matches!(
        IdentityToken::parse(&unsigned_jwt(&with(
            email_claims(),
            "email_verified",
            json!("yes")
        ))),
        Err(TokenError::ClaimType {
            claim: "email_verified",
            ..
        })
    ));
}

#[test]
fn a_federated_issuer_names_the_upstream_provider() {
    let claims = with(
        with(
            email_claims(),
            "iss",
            json!("https://oauth2.sigstore.dev/auth"),
        ),
        "federated_claims",
        json!({"connector_id": "https://github.com/login/oauth", "user_id": "1"}),
    );
    let signer = parse(&claims).signer().unwrap();
    assert_eq!(signer.issuer, "https://github.com/login/oauth");
    assert!(matches!(
        IdentityToken::parse(&unsigned_jwt(&with(
            email_claims(),
            "federated_claims",
            json!("x")
        ))),
        Err(TokenError::ClaimType {
            claim: "federated_claims",
            ..
        })
    ));
}

#[test]
fn other_tokens_are_their_subject() {
    let claims = json!({"iss": "https://k8s.example", "sub": "system:serviceaccount:ns:sa",
                        "aud": "sigstore", "exp": 1_700_000_100});
    let signer = parse(&claims).signer().unwrap();
    assert_eq!(signer.rule, IdentityRule::Subject);
    assert_eq!(signer.san, "system:serviceaccount:ns:sa");
    assert_eq!(signer.issuer, "https://k8s.example");
    assert_eq!(signer.challenge, "system:serviceaccount:ns:sa");
}

#[test]
fn usable_only_within_validity_and_for_sigstore() {
    let token = parse(&github_claims());
    assert!(token.check_usable(NOW).is_ok());
    // exp is the first second it is no longer valid.
    assert!(token.check_usable(Timestamp(1_700_000_289)).is_ok());
    let error = token.check_usable(Timestamp(1_700_000_290)).unwrap_err();
    match &error {
        TokenError::Expired {
            identity,
            issuer,
            expired_at,
            ..
        } => {
            assert_eq!(
                identity,
                "https://github.com/acme/tools/.github/workflows/sign.yml@refs/tags/v2"
            );
            assert_eq!(issuer, GITHUB_ACTIONS_ISSUER);
            assert_eq!(*expired_at, Timestamp(1_700_000_290));
        }
        other => panic!("{other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("sign.yml@refs/tags/v2"), "{message}");
    assert!(message.contains("2023-11-14T22:18:10Z"), "{message}");

    // nbf ahead by more than the skew.
    let early = parse(&with(github_claims(), "nbf", json!(1_700_000_300)));
    assert!(early.check_usable(NOW).is_ok());
    let too_early = parse(&with(github_claims(), "nbf", json!(1_700_000_301)));
    assert!(matches!(
        too_early.check_usable_with(NOW, &UsePolicy::default()),
        Err(TokenError::NotYetValid { .. })
    ));
    let strict = UsePolicy {
        clock_skew_secs: 0,
        ..UsePolicy::default()
    };
    assert!(matches!(
        early.check_usable_with(NOW, &strict),
        Err(TokenError::NotYetValid { .. })
    ));

    let other_audience = parse(&with(github_claims(), "aud", json!(["not-sigstore"])));
    let error = other_audience.check_usable(NOW).unwrap_err();
    assert!(
        matches!(&error, TokenError::WrongAudience { expected, found, .. } if expected == "sigstore" && found == &["not-sigstore"]),
        "{error:?}"
    );
    // An audience array that includes sigstore is fine.
    assert!(parse(&email_claims()).check_usable(NOW).is_ok());
    let private = UsePolicy {
        audience: "other".to_owned(),
        ..UsePolicy::default()
    };
    assert!(parse(&email_claims())
        .check_usable_with(NOW, &private)
        .is_ok());
}

#[test]
fn refuses_malformed_tokens() {
    let good = unsigned_jwt(&github_claims());
    let (header, rest) = good.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    type Expect = fn(&TokenError) -> bool;
    let cases: Vec<(String, Expect)> = vec![
        (String::new(), |e| matches!(e, TokenError::Empty)),
        (" \n".to_owned(), |e| matches!(e, TokenError::Empty)),
        ("a".repeat(MAX_TOKEN_BYTES + 1), |e| {
            matches!(e, TokenError::TooLarge { .. })
        }),
        (format!("{header}.{payload}"), |e| {
            matches!(e, TokenError::NotCompactJws { parts: 2 })
        }),
        (format!("{header}.{payload}.{signature}.x.y"), |e| {
            matches!(e, TokenError::NotCompactJws { parts: 5 })
        }),
        (format!("{header}.{payload} .{signature}"), |e| {
            matches!(e, TokenError::NotCompactCharacters)
        }),
        (format!("{header}.{payload}+.{signature}"), |e| {
            matches!(e, TokenError::NotCompactCharacters)
        }),
        (format!("{header}.a.{signature}"), |e| {
            matches!(e, TokenError::Base64 { part: "claims" })
        }),
        (format!("eyJh.{payload}.{signature}"), |e| {
            matches!(e, TokenError::Json { part: "header", .. })
        }),
        (format!("{header}.WzFd.{signature}"), |e| {
            matches!(e, TokenError::Json { part: "claims", .. })
        }),
    ];
    for (raw, expected) in cases {
        let error = IdentityToken::parse(&raw).unwrap_err();
        assert!(expected(&error), "{raw:.80}: {error:?}");
    }
    // Surrounding whitespace (a token file's newline) is not part of the token.
    assert_eq!(
        IdentityToken::parse(&format!("  {good}\n"))
            .unwrap()
            .as_str(),
        good
    );
    // Padding some encoders add is accepted.
    let padding = "=".repeat((4 - payload.len() % 4) % 4);
    assert!(IdentityToken::parse(&format!("{header}.{payload}{padding}.{signature}")).is_ok());
}

#[test]
fn required_claims_and_their_types() {
    for claim in ["iss", "sub", "aud", "exp"] {
        let error =
            IdentityToken::parse(&unsigned_jwt(&without(email_claims(), claim))).unwrap_err();
        assert!(
            matches!(error, TokenError::MissingClaim { claim: c } if c == claim),
            "{claim}: {error:?}"
        );
    }
    let wrong_types = [
        ("iss", json!(1)),
        ("sub", json!(["x"])),
        ("aud", json!(7)),
        ("aud", json!(["sigstore", 7])),
        ("exp", json!("1700000000")),
        ("exp", json!(1e300)),
        ("nbf", json!(-2e12)),
        ("iat", json!(true)),
        ("email", json!({})),
    ];
    for (claim, value) in wrong_types {
        let error =
            IdentityToken::parse(&unsigned_jwt(&with(email_claims(), claim, value.clone())))
                .unwrap_err();
        assert!(
            matches!(error, TokenError::ClaimType { claim: c, .. } if c == claim),
            "{claim}={value}: {error:?}"
        );
    }
    assert!(matches!(
        IdentityToken::parse(&unsigned_jwt(&with(email_claims(), "aud", json!([])))),
        Err(TokenError::MissingClaim { claim: "aud" })
    ));
    // Fractional NumericDates are floored: exp never grows.
    let fractional = parse(&with(email_claims(), "exp", json!(1_700_000_500.9)));
    assert_eq!(fractional.expires_at(), Timestamp(1_700_000_500));
    // GitHub claims are typed only for GitHub's issuer.
    let odd = with(email_claims(), "ref", json!({"not": "a string"}));
    assert!(IdentityToken::parse(&unsigned_jwt(&odd)).is_ok());
    let github_odd = with(github_claims(), "ref", json!(1));
    assert!(matches!(
        IdentityToken::parse(&unsigned_jwt(&github_odd)),
        Err(TokenError::ClaimType { claim: "ref", .. })
    ));
}

#[test]
fn debug_never_shows_the_token() {
    let token = parse(&email_claims());
    let shown = format!("{token:?}");
    assert!(!shown.contains(token.as_str()), "{shown}");
    assert!(shown.contains("dev@example.com"), "{shown}");
    let options = TokenOptions {
        token: Some(token.as_str().to_owned()),
        ..TokenOptions::default()
    };
    assert!(!format!("{options:?}").contains(token.as_str()));
}

// ---- sources ---------------------------------------------------------------------------

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

const GH_URL: &str = "http://127.0.0.1:9/token?api-version=2.0";

#[test]
fn sources_are_tried_in_the_documented_order() {
    let explicit = unsigned_jwt(&email_claims());
    let from_env = unsigned_jwt(&github_claims());
    let everything = env(&[
        ("SIGSTORE_ID_TOKEN", from_env.as_str()),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", GH_URL),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token"),
    ]);
    let all_options = TokenOptions {
        token: Some(explicit.clone()),
        token_file: Some("/nonexistent/token".into()),
        ..TokenOptions::default()
    };
    match plan(&all_options, &everything).unwrap() {
        TokenPlan::Ready { token, source } => {
            assert_eq!(source, TokenSource::Explicit);
            assert_eq!(token.as_str(), explicit);
        }
        other => panic!("{other:?}"),
    }
    let file_options = TokenOptions {
        token: None,
        ..all_options.clone()
    };
    assert!(matches!(
        plan(&file_options, &everything).unwrap(),
        TokenPlan::ReadFile { path } if path == Path::new("/nonexistent/token")
    ));
    match plan(&TokenOptions::default(), &everything).unwrap() {
        TokenPlan::Ready { token, source } => {
            assert_eq!(source, TokenSource::Environment);
            assert_eq!(token.as_str(), from_env);
        }
        other => panic!("{other:?}"),
    }
    let ambient_only = env(&[
        ("SIGSTORE_ID_TOKEN", " "),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", GH_URL),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token"),
    ]);
    match plan(&TokenOptions::default(), &ambient_only).unwrap() {
        TokenPlan::FetchGithubActions(to) => {
            assert_eq!(to.base_url, "http://127.0.0.1:9");
            assert_eq!(
                to.request.path_and_query,
                "/token?api-version=2.0&audience=sigstore"
            );
        }
        other => panic!("{other:?}"),
    }
    let no_ambient = TokenOptions {
        ambient: false,
        ..TokenOptions::default()
    };
    assert!(matches!(
        plan(&no_ambient, &ambient_only),
        Err(SourceError::NoToken { .. })
    ));
}

#[test]
fn a_broken_token_is_an_error_not_a_fall_through() {
    let everything = env(&[
        ("SIGSTORE_ID_TOKEN", "not-a-jwt"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", GH_URL),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token"),
    ]);
    let error = plan(&TokenOptions::default(), &everything).unwrap_err();
    assert!(
        matches!(
            error,
            SourceError::Token {
                source_name: TokenSource::Environment,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .starts_with("the SIGSTORE_ID_TOKEN variable: "));
    let explicit = TokenOptions {
        token: Some("x.y".to_owned()),
        ..TokenOptions::default()
    };
    assert!(matches!(
        plan(&explicit, &everything),
        Err(SourceError::Token {
            source_name: TokenSource::Explicit,
            ..
        })
    ));
}

#[test]
fn no_token_explains_what_to_do() {
    let error = plan(&TokenOptions::default(), env(&[])).unwrap_err();
    assert!(matches!(
        error,
        SourceError::NoToken {
            in_github_actions: false
        }
    ));
    let in_actions = env(&[
        ("GITHUB_ACTIONS", "true"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", GH_URL),
    ]);
    let error = plan(&TokenOptions::default(), in_actions).unwrap_err();
    assert!(matches!(
        error,
        SourceError::NoToken {
            in_github_actions: true
        }
    ));
    assert!(error.to_string().contains("id-token: write"));
}

#[test]
fn token_files() {
    let path = Path::new("/run/token");
    let jwt = unsigned_jwt(&email_claims());
    let token = token_from_file(path, format!("{jwt}\n").as_bytes()).unwrap();
    assert_eq!(token.as_str(), jwt);
    assert!(matches!(
        token_from_file(path, &[0xff, 0xfe]),
        Err(SourceError::FileNotText { .. })
    ));
    assert!(matches!(
        token_from_file(path, &vec![b'a'; crate::MAX_TOKEN_FILE_BYTES + 1]),
        Err(SourceError::FileTooLarge { .. })
    ));
    let error = token_from_file(path, b"garbage").unwrap_err();
    assert!(
        error.to_string().starts_with("the token file /run/token: "),
        "{error}"
    );
}

#[test]
fn github_actions_requests_and_answers() {
    let to = github_actions_token_request("https://gh.example/idtoken", "tok", "a b").unwrap();
    assert_eq!(to.request.path_and_query, "/idtoken?audience=a%20b");
    assert_eq!(to.request.header("authorization"), Some("bearer tok"));
    assert!(!format!("{to:?}").contains("tok\""), "{to:?}");
    for bad in ["", "  ", "a b", "tok\n2"] {
        assert!(matches!(
            github_actions_token_request("https://gh.example/t", bad, "sigstore"),
            Err(GithubTokenError::RequestToken)
        ));
    }
    assert!(matches!(
        github_actions_token_request("gh.example/t", "tok", "sigstore"),
        Err(GithubTokenError::Url(_))
    ));

    let jwt = unsigned_jwt(&github_claims());
    let answer = HttpResponse::new(
        200,
        serde_json::to_vec(&json!({"count": 1, "value": jwt})).unwrap(),
    );
    assert_eq!(check_github_actions_token(&answer).unwrap().as_str(), jwt);
    let denied = HttpResponse::new(403, br#"{"message":"Resource not accessible"}"#.to_vec());
    let error = check_github_actions_token(&denied).unwrap_err();
    assert!(error.to_string().contains("id-token: write"), "{error}");
    assert!(
        error.to_string().contains("Resource not accessible"),
        "{error}"
    );
    assert!(matches!(
        check_github_actions_token(&HttpResponse::new(200, br#"{"token":"x"}"#.to_vec())),
        Err(GithubTokenError::Json(_))
    ));
    assert!(matches!(
        check_github_actions_token(&HttpResponse::new(200, br#"{"value":"x"}"#.to_vec())),
        Err(GithubTokenError::Token(_))
    ));
    assert!(matches!(
        check_github_actions_token(&HttpResponse::new(
            200,
            vec![b' '; crate::MAX_TOKEN_ANSWER_BYTES + 1]
        )),
        Err(GithubTokenError::TooLarge { .. })
    ));
}

// ---- properties ------------------------------------------------------------------------

fn claim_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        ".{0,24}".prop_map(Value::from),
        prop::collection::vec(".{0,8}".prop_map(Value::from), 0..3).prop_map(Value::from),
        Just(json!({"connector_id": "https://github.com/login/oauth"})),
    ]
}

fn claim_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("iss"),
        Just("sub"),
        Just("aud"),
        Just("exp"),
        Just("iat"),
        Just("nbf"),
        Just("email"),
        Just("email_verified"),
        Just("federated_claims"),
        Just("job_workflow_ref"),
        Just("ref"),
        Just("run_id"),
    ]
    .prop_map(str::to_owned)
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(raw in ".{0,300}") {
        if let Ok(token) = IdentityToken::parse(&raw) {
            let _ = token.signer();
            let _ = token.check_usable(NOW);
        }
    }

    #[test]
    fn arbitrary_claims_never_panic(
        base in prop_oneof![Just(github_claims()), Just(email_claims())],
        changes in prop::collection::vec((claim_name(), claim_value()), 0..6),
        now in any::<i64>(),
    ) {
        let mut claims = base;
        for (name, value) in changes {
            claims[name.as_str()] = value;
        }
        if let Ok(token) = IdentityToken::parse(&unsigned_jwt(&claims)) {
            let _ = token.signer();
            let _ = token.check_usable(Timestamp(now));
            let _ = token.expected_identity();
        }
    }

    #[test]
    fn claims_round_trip(
        sub in "[ -~]{1,40}",
        email in "[a-z]{1,10}@[a-z]{1,10}\\.example",
        exp in 0i64..4_000_000_000,
        audiences in prop::collection::vec("[a-z]{1,10}", 1..4),
    ) {
        let claims = json!({"iss": "https://issuer.example", "sub": sub, "aud": audiences,
                            "exp": exp, "email": email, "email_verified": true});
        let token = parse(&claims);
        prop_assert_eq!(&token.claims().sub, &sub);
        prop_assert_eq!(token.claims().aud.values(), audiences.as_slice());
        prop_assert_eq!(token.expires_at(), Timestamp(exp));
        let signer = token.signer().unwrap();
        prop_assert_eq!(&signer.san, &email);
        prop_assert_eq!(&signer.challenge, &email);
        prop_assert_eq!(token.check_usable(Timestamp(exp)).is_err(), true);
    }

    #[test]
    fn github_answers_never_panic(
        status in prop_oneof![Just(200u16), 100u16..600],
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let _ = check_github_actions_token(&HttpResponse::new(status, body));
    }

    #[test]
    fn token_files_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = token_from_file(Path::new("t"), &bytes);
    }
}
