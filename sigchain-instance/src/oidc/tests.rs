use super::*;
use proptest::prelude::*;

const NOW: i64 = 1_760_000_000;

fn issuer() -> OidcIssuer {
    OidcIssuer::new(
        "http://127.0.0.1:1/oidc",
        EcKey::generate(Curve::P256).unwrap(),
    )
    .unwrap()
}

#[test]
fn minted_tokens_verify_and_carry_the_claims() {
    let issuer = issuer();
    let token = issuer
        .mint(&TokenRequest::for_email("bob@example.com"), NOW)
        .unwrap();
    let claims = TokenVerifier::new(vec![issuer.trusted()])
        .verify(&token, NOW + 599)
        .unwrap();
    assert_eq!(claims.issuer, "http://127.0.0.1:1/oidc");
    assert_eq!(claims.subject, "bob@example.com");
    assert_eq!(claims.principal(), "bob@example.com");
    // The JWK published is the key that verifies.
    let jwk = &issuer.jwks()["keys"][0];
    let from_jwk = TrustedIssuer::es256(
        issuer.url(),
        IssuerKind::Email,
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap(),
    )
    .unwrap();
    assert!(TokenVerifier::new(vec![from_jwk])
        .verify(&token, NOW)
        .is_ok());
    assert_eq!(issuer.discovery()["issuer"], "http://127.0.0.1:1/oidc");
}

#[test]
fn each_check_refuses() {
    let issuer = issuer();
    let verifier = TokenVerifier::new(vec![issuer.trusted()]);
    let token = issuer
        .mint(&TokenRequest::for_email("bob@example.com"), NOW)
        .unwrap();
    assert!(matches!(
        verifier.verify(&token, NOW + TOKEN_LIFETIME),
        Err(TokenError::Expired { .. })
    ));
    assert!(matches!(
        verifier.verify(&token, NOW - 3600),
        Err(TokenError::NotYetValid { .. })
    ));
    assert!(matches!(
        TokenVerifier::new(vec![]).verify(&token, NOW),
        Err(TokenError::UnknownIssuer(_))
    ));
    // A flipped signature character.
    let mut forged = token.clone().into_bytes();
    let last = forged.len() - 2;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    assert!(matches!(
        verifier.verify(std::str::from_utf8(&forged).unwrap(), NOW),
        Err(TokenError::BadSignature(_))
    ));
    assert!(matches!(
        verifier.verify(&"a".repeat(MAX_TOKEN_BYTES + 1), NOW),
        Err(TokenError::TooLarge(_))
    ));
    assert!(matches!(
        issuer.mint(&TokenRequest::for_email(""), NOW),
        Err(TokenError::BadSubject(_))
    ));
}

proptest! {
    #[test]
    fn arbitrary_tokens_never_panic(token in ".{0,300}", parts in proptest::collection::vec("[A-Za-z0-9_-]{0,40}", 0..5)) {
        let issuer = issuer();
        let verifier = TokenVerifier::new(vec![issuer.trusted()]);
        prop_assert!(verifier.verify(&token, NOW).is_err());
        prop_assert!(verifier.verify(&parts.join("."), NOW).is_err());
    }
}

fn job() -> GithubActionsClaims {
    GithubActionsClaims {
        repository: "acme/app".into(),
        repository_id: "101".into(),
        repository_owner: "acme".into(),
        repository_owner_id: "7".into(),
        repository_visibility: "private".into(),
        git_ref: "refs/heads/main".into(),
        sha: "0123456789abcdef0123456789abcdef01234567".into(),
        workflow: "ci".into(),
        workflow_ref: "acme/app/.github/workflows/ci.yml@refs/heads/main".into(),
        workflow_sha: "0123456789abcdef0123456789abcdef01234567".into(),
        job_workflow_ref: "acme/app/.github/workflows/ci.yml@refs/heads/main".into(),
        job_workflow_sha: "0123456789abcdef0123456789abcdef01234567".into(),
        event_name: "push".into(),
        run_id: "1".into(),
        run_attempt: "1".into(),
        runner_environment: "github-hosted".into(),
        environment: Some("production".into()),
    }
}

#[test]
fn github_actions_tokens_carry_the_job_and_are_required_to() {
    let github = OidcIssuer::github_actions(
        "http://127.0.0.1:1/oidc/github-actions",
        EcKey::generate(Curve::P256).unwrap(),
    )
    .unwrap();
    let verifier = TokenVerifier::new(vec![github.trusted()]);
    let token = github.mint_github_actions(&job(), NOW).unwrap();
    let claims = verifier.verify(&token, NOW).unwrap();
    assert_eq!(claims.kind(), IssuerKind::GithubActions);
    assert_eq!(claims.subject(), "repo:acme/app:ref:refs/heads/main");
    assert_eq!(claims.github_actions(), Some(&job()));
    assert_eq!(claims.email(), None);

    // The same issuer's token without the job claims is refused, not certified bare.
    let bare = github
        .mint(&TokenRequest::for_email("bob@example.com"), NOW)
        .unwrap();
    assert!(matches!(
        verifier.verify(&bare, NOW),
        Err(TokenError::GithubClaims(_))
    ));
    // Claims no certificate may hold are refused when minting.
    let mut bad = job();
    bad.git_ref = "refs/heads/main\n".into();
    assert_eq!(
        github.mint_github_actions(&bad, NOW),
        Err(TokenError::GithubClaims("ref".into()))
    );
    bad = job();
    bad.run_id = String::new();
    assert_eq!(
        github.mint_github_actions(&bad, NOW),
        Err(TokenError::GithubClaims("run_id".into()))
    );

    // An email issuer ignores job claims: the kind is the issuer's, not the token's.
    let email = issuer();
    let with_job = email.mint_github_actions(&job(), NOW).unwrap();
    assert!(matches!(
        TokenVerifier::new(vec![email.trusted()]).verify(&with_job, NOW),
        Err(TokenError::UnverifiedEmail)
    ));
}
