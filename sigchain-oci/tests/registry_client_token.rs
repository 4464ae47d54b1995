//! The registry client against docker-registry in `auth: token` mode, with the in-process
//! token server (tests/common/token_server.rs): the Bearer flow of large public registries,
//! credentials from a test config.json. Tokens are asked once per scope and cached; a user
//! who may only pull cannot push; wrong credentials end at the token endpoint with an error
//! naming the registry, after one token request.

mod common;

use std::path::Path;

use common::client::{digest_of, make_image, push, reference};
use common::registry::Registry;
use common::token_server::{Access, TokenServer};
use sigchain_oci::client::{ClientConfig, CredentialsSource, Mount, RegistryClient};
use sigchain_oci::reference::Tag;
use sigchain_oci::registry::RegistryError;
use sigchain_oci::store::ManifestRef;

fn start() -> (TokenServer, Registry) {
    let tokens = TokenServer::start(
        &[
            ("alice", "alice-secret", Access::Full),
            ("reader", "reader-secret", Access::Pull),
        ],
        Access::Denied,
    );
    let registry = Registry::start_with(&tokens.registry_yaml());
    (tokens, registry)
}

fn client_from_config(dir: &Path, host: &str, user: &str, password: &str) -> RegistryClient {
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let path = dir.join(format!("{user}-{password}.json"));
    std::fs::write(
        &path,
        format!(r#"{{"auths":{{"{host}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
    RegistryClient::new(ClientConfig {
        credentials: CredentialsSource::DockerConfigFile(path),
        max_attempts: 1,
        ..ClientConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn push_and_pull_with_bearer_tokens() {
    let (tokens, registry) = start();
    let dir = tempfile::tempdir().unwrap();
    let alice = client_from_config(dir.path(), &registry.host, "alice", "alice-secret");
    let repository = reference(&registry.host, "team/app:v1");
    let image = make_image("token");
    let pushed = push(&alice, &repository, &image, "v1").await;
    let issued_after_push = tokens.issued();
    // One token for pull,push served the whole push: HEADs, uploads, chunks, the manifest.
    assert_eq!(issued_after_push, 1, "{:?}", tokens.scopes());
    assert_eq!(
        tokens.scopes()[0],
        vec!["repository:team/app:pull,push".to_owned()]
    );

    assert_eq!(alice.resolve(&repository).await.unwrap().0, pushed);
    assert_eq!(
        alice
            .get_blob(&repository, &image.image.layer)
            .await
            .unwrap(),
        image.layer_bytes
    );
    // Reading asks for a pull token once, then uses it.
    assert_eq!(tokens.issued(), issued_after_push + 1);

    // A mount reads one repository and writes another: one token for both scopes.
    let target = reference(&registry.host, "team/other:v1");
    assert_eq!(
        alice
            .mount_blob(&target, &image.image.layer, &repository)
            .await
            .unwrap(),
        Mount::Mounted
    );
    assert!(tokens.scopes().iter().any(|scopes| {
        scopes.contains(&"repository:team/other:pull,push".to_owned())
            && scopes.contains(&"repository:team/app:pull".to_owned())
    }));
    assert!(alice
        .blob_exists(&target, &digest_of(&image.image.layer))
        .await
        .unwrap());

    // A reader pulls, and is refused a push after one token round, not in a loop.
    let reader = client_from_config(dir.path(), &registry.host, "reader", "reader-secret");
    assert_eq!(reader.resolve(&repository).await.unwrap().0, pushed);
    let before = tokens.requests();
    let err = reader
        .put_manifest(
            &repository,
            &ManifestRef::Tag(Tag::parse("v2").unwrap()),
            "application/vnd.oci.image.manifest.v1+json",
            image.image.manifest_bytes.clone(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::Unauthorized { registry: r, .. } if *r == registry.host),
        "{err:?}"
    );
    assert_eq!(tokens.requests(), before + 1);
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_the_registry_named() {
    let (tokens, registry) = start();
    let dir = tempfile::tempdir().unwrap();
    let repository = reference(&registry.host, "team/app:v1");
    let wrong = client_from_config(dir.path(), &registry.host, "alice", "not-her-password");
    let err = wrong.resolve(&repository).await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::CredentialsRejected { registry: r, status: 401 } if *r == registry.host),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains(&registry.host) && !shown.contains("not-her-password"),
        "{shown}"
    );
    assert_eq!(tokens.requests(), 1, "one token request, no retry loop");

    // Anonymous requests get no token from this server either.
    let anonymous = RegistryClient::new(ClientConfig {
        credentials: CredentialsSource::Anonymous,
        max_attempts: 1,
        ..ClientConfig::default()
    })
    .unwrap();
    assert!(matches!(
        anonymous.resolve(&repository).await,
        Err(RegistryError::CredentialsRejected { .. })
    ));
}
