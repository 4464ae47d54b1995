//! The authenticated test registries: docker-registry in `auth: token` mode with the in-process
//! token server, and in `auth: htpasswd` mode, driven with plain HTTP requests so the
//! harnesses are proved before a client uses them.

mod common;

use common::htpasswd::{Htpasswd, REALM};
use common::registry::Registry;
use common::token_server::{Access, TokenServer, SERVICE};
use reqwest::StatusCode;

const REPO: &str = "test/image";

fn users() -> [(&'static str, &'static str, Access); 2] {
    [
        ("alice", "alice-secret", Access::Full),
        ("reader", "reader-secret", Access::Pull),
    ]
}

/// The token the server gives for `scope` (none when empty), with Basic `credentials` if any.
async fn fetch_token(
    server: &TokenServer,
    credentials: Option<(&str, &str)>,
    scope: &str,
) -> Result<String, StatusCode> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("service", SERVICE);
    if !scope.is_empty() {
        query.append_pair("scope", scope);
    }
    let mut request = reqwest::Client::new().get(format!("{}?{}", server.realm(), query.finish()));
    if let Some((user, password)) = credentials {
        request = request.basic_auth(user, Some(password));
    }
    let response = request.send().await.unwrap();
    if response.status() != StatusCode::OK {
        return Err(response.status());
    }
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["token"], body["access_token"]);
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    assert!(body["issued_at"].is_string());
    Ok(body["token"].as_str().unwrap().to_owned())
}

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .expect("a WWW-Authenticate challenge")
        .to_str()
        .unwrap()
        .to_owned()
}

async fn start_upload(registry: &Registry, token: Option<&str>) -> reqwest::Response {
    let mut request =
        reqwest::Client::new().post(format!("{}/v2/{REPO}/blobs/uploads/", registry.url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn token_mode_challenges_then_accepts_a_token_from_the_server() {
    let server = TokenServer::start(&users(), Access::Denied);
    let registry = Registry::start_with(&server.registry_yaml());
    let client = reqwest::Client::new();

    let response = client
        .get(format!("{}/v2/", registry.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge(&response),
        format!(r#"Bearer realm="{}",service="{SERVICE}""#, server.realm())
    );

    let token = fetch_token(&server, Some(("alice", "alice-secret")), "")
        .await
        .unwrap();
    let response = client
        .get(format!("{}/v2/", registry.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!((server.requests(), server.issued()), (1, 1));
}

#[tokio::test]
async fn a_push_scoped_token_starts_an_upload_and_a_pull_token_does_not() {
    let server = TokenServer::start(&users(), Access::Denied);
    let registry = Registry::start_with(&server.registry_yaml());
    let scope = format!("repository:{REPO}:pull,push");

    let response = start_upload(&registry, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // docker-registry lists the actions in no fixed order (seen both `pull,push` and
    // `push,pull` in its challenges): compare them as a set.
    let challenged = challenge(&response);
    let actions: std::collections::BTreeSet<&str> = challenged
        .split(&format!(r#"scope="repository:{REPO}:"#))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no scope for {REPO} in {challenged}"))
        .split(',')
        .collect();
    assert_eq!(actions, ["pull", "push"].into(), "{challenged}");

    let token = fetch_token(&server, Some(("alice", "alice-secret")), &scope)
        .await
        .unwrap();
    assert_eq!(
        start_upload(&registry, Some(&token)).await.status(),
        StatusCode::ACCEPTED
    );

    // The reader asked for push too, and got a token granting pull only.
    let token = fetch_token(&server, Some(("reader", "reader-secret")), &scope)
        .await
        .unwrap();
    let response = start_upload(&registry, Some(&token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&response).contains(r#"error="insufficient_scope""#));
    assert_eq!(server.scopes(), vec![vec![scope.clone()], vec![scope]]);
}

#[tokio::test]
async fn wrong_credentials_get_401_from_the_token_server_and_no_token() {
    let server = TokenServer::start(&users(), Access::Denied);
    let scope = format!("repository:{REPO}:pull");
    for credentials in [
        Some(("alice", "wrong")),
        Some(("nobody", "alice-secret")),
        None,
    ] {
        assert_eq!(
            fetch_token(&server, credentials, &scope).await,
            Err(StatusCode::UNAUTHORIZED)
        );
    }
    assert_eq!((server.requests(), server.issued()), (3, 0));
}

#[tokio::test]
async fn anonymous_pull_only_gets_a_pull_token() {
    let server = TokenServer::start(&users(), Access::Pull);
    let registry = Registry::start_with(&server.registry_yaml());
    let token = fetch_token(&server, None, &format!("repository:{REPO}:pull,push"))
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/v2/{REPO}/tags/list", registry.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    // Allowed to look, and there is nothing there.
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        start_upload(&registry, Some(&token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_registry_refuses_a_token_signed_by_another_server() {
    let server = TokenServer::start(&users(), Access::Denied);
    let registry = Registry::start_with(&server.registry_yaml());
    let impostor = TokenServer::start(&users(), Access::Denied);
    let token = fetch_token(&impostor, Some(("alice", "alice-secret")), "")
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/v2/", registry.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&response).contains(r#"error="invalid_token""#));
}

#[tokio::test]
async fn htpasswd_mode_takes_the_right_password_only() {
    let htpasswd = Htpasswd::new(&[("alice", "alice-secret"), ("bob", "bob-secret")]);
    let registry = Registry::start_with(&htpasswd.registry_yaml());
    let client = reqwest::Client::new();
    let get = |credentials: Option<(&str, &str)>| {
        let mut request = client.get(format!("{}/v2/", registry.url()));
        if let Some((user, password)) = credentials {
            request = request.basic_auth(user, Some(password));
        }
        request.send()
    };

    let response = get(None).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&response), format!(r#"Basic realm="{REALM}""#));
    assert_eq!(
        get(Some(("alice", "alice-secret"))).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        get(Some(("bob", "bob-secret"))).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        get(Some(("alice", "bob-secret"))).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}
