//! The registry client against a real registry (Debian's docker-registry on 127.0.0.1):
//! pushes (monolithic, chunked, cross-repository mount), pulls with every check, tags with
//! pagination, platform selection from an index, htpasswd authentication with credentials
//! from a test config.json (inline and through a credential helper), skopeo reading what we
//! pushed; and a lying registry (a local server whose bytes do not match their digests)
//! refused.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use common::client::{anonymous, digest_of, make_image, push, reference, Image};
use common::htpasswd::Htpasswd;
use common::registry::Registry;
use oci_spec::image::MediaType;
use sigchain_oci::auth::docker_config::Credential;
use sigchain_oci::client::{
    ClientConfig, CredentialsSource, Mount, RegistryClient, RegistryRepository,
};
use sigchain_oci::reference::{Digest, Reference, Tag};
use sigchain_oci::registry::{Platform, RegistryError};
use sigchain_oci::store::{ArtifactStore, ManifestRef, Referrers, StoreError};

#[tokio::test]
async fn push_and_pull_an_image() {
    let registry = Registry::start();
    let client = anonymous();
    client
        .ping(&reference(&registry.host, "team/app:v1"))
        .await
        .unwrap();
    let image = make_image("push-pull");
    let repository = reference(&registry.host, "team/app:v1");
    assert!(
        image.layer_bytes.len() > 200,
        "the layer spans several chunks"
    );
    let pushed = push(&client, &repository, &image, "v1").await;
    assert_eq!(pushed, digest_of(&image.image.manifest));

    let (resolved, media_type) = client.resolve(&repository).await.unwrap();
    assert_eq!(resolved, pushed);
    assert_eq!(media_type, "application/vnd.oci.image.manifest.v1+json");
    let by_digest = client
        .get_manifest(&repository.with_digest(resolved.clone()))
        .await
        .unwrap();
    assert_eq!(by_digest.bytes, image.image.manifest_bytes);
    // An image manifest is its own choice for any platform.
    let for_platform = client
        .get_manifest_for_platform(&repository, &Platform::parse("linux/amd64").unwrap())
        .await
        .unwrap();
    assert_eq!(for_platform.digest, resolved);

    assert_eq!(
        client
            .get_blob(&repository, &image.image.layer)
            .await
            .unwrap(),
        image.layer_bytes
    );
    let mut streamed = Vec::new();
    let written = client
        .stream_blob(&repository, &image.image.config, &mut streamed)
        .await
        .unwrap();
    assert_eq!(written as usize, image.config_bytes.len());
    assert_eq!(streamed, image.config_bytes);
    assert!(client
        .blob_exists(&repository, &digest_of(&image.image.layer))
        .await
        .unwrap());
    // Pushing again skips the blobs (HEAD) and rewrites the same manifest.
    assert_eq!(push(&client, &repository, &image, "v1").await, pushed);

    // A blob over the chunk threshold goes up in chunks through `put_blob`; pushing it
    // again only HEADs it (a HEAD's Content-Length is the blob's, over any answer limit).
    let chunky = RegistryClient::new(ClientConfig {
        credentials: CredentialsSource::Anonymous,
        chunked_upload_threshold: 100 * 1024,
        chunk_size: 64 * 1024,
        ..ClientConfig::default()
    })
    .unwrap();
    let big: Vec<u8> = (0..300 * 1024u32).map(|i| (i * 7 % 251) as u8).collect();
    let big_digest = chunky.put_blob(&repository, &big).await.unwrap();
    assert_eq!(big_digest, Digest::sha256_of(&big));
    assert!(chunky.blob_exists(&repository, &big_digest).await.unwrap());
    assert_eq!(
        chunky.put_blob(&repository, &big).await.unwrap(),
        big_digest
    );
    let big_descriptor = oci_spec::image::Descriptor::new(
        MediaType::ImageLayer,
        big.len() as u64,
        oci_spec::image::Digest::try_from(big_digest.to_string()).unwrap(),
    );
    assert_eq!(
        chunky.get_blob(&repository, &big_descriptor).await.unwrap(),
        big
    );

    // A descriptor that lies about the size is refused while streaming.
    let mut short = image.image.layer.clone();
    short.set_size(10);
    assert!(matches!(
        client.get_blob(&repository, &short).await,
        Err(RegistryError::BlobSizeMismatch { .. })
    ));
    let head = client
        .head_manifest(&repository, &ManifestRef::Tag(Tag::parse("v1").unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.digest.as_ref(), Some(&pushed));
    assert_eq!(head.size, Some(image.image.manifest_bytes.len() as u64));
    let absent = ManifestRef::Tag(Tag::parse("absent").unwrap());
    assert!(client
        .manifest(&repository, &absent)
        .await
        .unwrap()
        .is_none());
    let err = client
        .get_manifest(&reference(&registry.host, "team/app:absent"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn skopeo_reads_what_we_pushed() {
    let registry = Registry::start();
    let client = anonymous();
    let image = make_image("skopeo");
    let repository = reference(&registry.host, "skopeo/app:v1");
    let pushed = push(&client, &repository, &image, "v1").await;
    let program = std::env::var("SIGCHAIN_SKOPEO").unwrap_or_else(|_| "skopeo".to_owned());
    let output = Command::new(&program)
        .args([
            "inspect",
            "--tls-verify=false",
            &format!("docker://{}/skopeo/app:v1", registry.host),
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): install skopeo or set SIGCHAIN_SKOPEO")
        });
    assert!(
        output.status.success(),
        "skopeo inspect: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let inspected: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(inspected["Digest"], pushed.to_string());
    assert_eq!(inspected["Architecture"], "amd64");
    assert_eq!(
        inspected["Layers"][0],
        image.image.layer.digest().to_string()
    );
}

#[tokio::test]
async fn an_index_with_two_platforms_and_selection() {
    let registry = Registry::start();
    let client = anonymous();
    let repository = reference(&registry.host, "multi/app:latest");
    let amd = make_image("amd64");
    let arm = make_image("arm64");
    let amd_digest = push(&client, &repository, &amd, "amd").await;
    let arm_digest = push(&client, &repository, &arm, "arm").await;
    let entry = |image: &Image, platform: &str| {
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": image.image.manifest.digest().to_string(),
            "size": image.image.manifest_bytes.len(),
            "platform": platform_json(platform),
        })
    };
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [entry(&amd, "linux/amd64"), entry(&arm, "linux/arm64/v8")],
    });
    let index_bytes = serde_json::to_vec(&index).unwrap();
    let index_digest = client
        .put_manifest(
            &repository,
            &ManifestRef::Tag(Tag::parse("latest").unwrap()),
            "application/vnd.oci.image.index.v1+json",
            index_bytes,
        )
        .await
        .unwrap();
    let (resolved, media_type) = client.resolve(&repository).await.unwrap();
    assert_eq!(resolved, index_digest);
    assert_eq!(media_type, "application/vnd.oci.image.index.v1+json");
    for (platform, expected) in [
        ("linux/amd64", &amd_digest),
        ("linux/arm64", &arm_digest),
        ("linux/arm64/v8", &arm_digest),
    ] {
        let chosen = client
            .get_manifest_for_platform(&repository, &Platform::parse(platform).unwrap())
            .await
            .unwrap();
        assert_eq!(&chosen.digest, expected, "{platform}");
    }
    for absent in ["linux/s390x", "windows/amd64", "linux/arm64/v9"] {
        assert!(
            matches!(
                client
                    .get_manifest_for_platform(&repository, &Platform::parse(absent).unwrap())
                    .await,
                Err(RegistryError::NoPlatformMatch { .. })
            ),
            "{absent}"
        );
    }
}

fn platform_json(platform: &str) -> serde_json::Value {
    let p = Platform::parse(platform).unwrap();
    let mut value = serde_json::json!({"os": p.os, "architecture": p.architecture});
    if let Some(variant) = p.variant {
        value["variant"] = variant.into();
    }
    value
}

#[tokio::test]
async fn tags_are_listed_across_pages() {
    let registry = Registry::start();
    let client = RegistryClient::new(ClientConfig {
        credentials: CredentialsSource::Anonymous,
        tags_page_size: Some(2),
        ..ClientConfig::default()
    })
    .unwrap();
    let repository = reference(&registry.host, "paged/app:t0");
    let image = make_image("paged");
    let names = ["t0", "t1", "t2", "t3", "t4"];
    for name in names {
        push(&client, &repository, &image, name).await;
    }
    let mut tags: Vec<String> = client
        .list_tags(&repository)
        .await
        .unwrap()
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    tags.sort();
    assert_eq!(tags, names);
    assert!(client
        .list_tags(&reference(&registry.host, "paged/none:x"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn blobs_mount_across_repositories() {
    let registry = Registry::start();
    let client = anonymous();
    let source = reference(&registry.host, "mount/source:v1");
    let target = reference(&registry.host, "mount/target:v1");
    let image = make_image("mount");
    push(&client, &source, &image, "v1").await;
    let layer_digest = digest_of(&image.image.layer);
    assert!(!client.blob_exists(&target, &layer_digest).await.unwrap());
    assert_eq!(
        client
            .mount_blob(&target, &image.image.layer, &source)
            .await
            .unwrap(),
        Mount::Mounted
    );
    assert!(client.blob_exists(&target, &layer_digest).await.unwrap());
    assert_eq!(
        client
            .mount_blob(&target, &image.image.layer, &source)
            .await
            .unwrap(),
        Mount::AlreadyPresent
    );
    assert_eq!(
        client.get_blob(&target, &image.image.layer).await.unwrap(),
        image.layer_bytes
    );
}

#[tokio::test]
async fn the_registry_repository_is_an_artifact_store_without_referrers_api() {
    let registry = Registry::start();
    let image_ref = reference(&registry.host, "store/app:v1");
    let store = RegistryRepository::new(anonymous(), &image_ref);
    assert_eq!(store.describe(), format!("{}/store/app", registry.host));
    let image = make_image("store");
    let config = store
        .put_blob(MediaType::ImageConfig, image.config_bytes.clone())
        .await
        .unwrap();
    assert_eq!(config, image.image.config);
    store
        .put_blob(MediaType::ImageLayerGzip, image.layer_bytes.clone())
        .await
        .unwrap();
    let tag = Tag::parse("v1").unwrap();
    let descriptor = store
        .put_manifest(
            MediaType::ImageManifest,
            image.image.manifest_bytes.clone(),
            Some(&tag),
        )
        .await
        .unwrap();
    assert_eq!(descriptor.digest(), image.image.manifest.digest());
    let fetched = store
        .manifest(&ManifestRef::Tag(tag))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.bytes, image.image.manifest_bytes);
    assert_eq!(
        store.blob(&image.image.layer).await.unwrap(),
        image.layer_bytes
    );
    let subject = digest_of(&image.image.manifest);
    assert_eq!(
        store.referrers(&subject, None).await.unwrap(),
        Referrers::Unsupported
    );
    assert_eq!(
        store
            .referrers(
                &subject,
                Some("application/vnd.dev.sigstore.bundle.v0.3+json")
            )
            .await
            .unwrap(),
        Referrers::Unsupported
    );
}

// --- authentication -----------------------------------------------------------------------

/// A registry in `auth: htpasswd` mode knowing alice; keep the file alive with it.
fn basic_auth_registry() -> (Registry, Htpasswd) {
    let file = Htpasswd::new(&[("alice", "s3cret-pass")]);
    (Registry::start_with(&file.registry_yaml()), file)
}

fn docker_config(dir: &Path, json: &str) -> CredentialsSource {
    let path = dir.join("config.json");
    std::fs::write(&path, json).unwrap();
    CredentialsSource::DockerConfigFile(path)
}

fn auth_b64(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

fn client_with(credentials: CredentialsSource) -> RegistryClient {
    RegistryClient::new(ClientConfig {
        credentials,
        max_attempts: 1,
        ..ClientConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn htpasswd_basic_auth_with_credentials_from_config_json() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, _file) = basic_auth_registry();
    let repository = reference(&registry.host, "private/app:v1");
    let image = make_image("basic");

    let right = client_with(docker_config(
        dir.path(),
        &format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            registry.host,
            auth_b64("alice", "s3cret-pass")
        ),
    ));
    let pushed = push(&right, &repository, &image, "v1").await;
    assert_eq!(right.resolve(&repository).await.unwrap().0, pushed);

    let wrong = client_with(docker_config(
        dir.path(),
        &format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            registry.host,
            auth_b64("alice", "wrong")
        ),
    ));
    let err = wrong.resolve(&repository).await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::Unauthorized { registry: r, .. } if *r == registry.host),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(shown.contains(&registry.host), "{shown}");
    assert!(
        !shown.contains("wrong") && !format!("{err:?}").contains("wrong"),
        "{shown}"
    );

    let none = anonymous();
    assert!(matches!(
        none.resolve(&repository).await,
        Err(RegistryError::NoCredentials { .. })
    ));
    let explicit = client_with(CredentialsSource::Explicit(BTreeMap::from([(
        registry.host.clone(),
        Credential::Basic {
            username: "alice".into(),
            password: "s3cret-pass".into(),
        },
    )])));
    assert_eq!(explicit.resolve(&repository).await.unwrap().0, pushed);
}

/// A `docker-credential-sigchaintest` script answering for one registry, in its own folder
/// put in front of the PATH.
fn install_helper(dir: &Path, registry: &str, user: &str, password: &str) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("docker-credential-sigchaintest");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread server\nif [ \"$server\" = '{registry}' ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{password}\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(&path));
    std::env::set_var("PATH", std::env::join_paths(dirs).unwrap());
}

#[tokio::test]
async fn credential_helpers_are_run_for_their_registry() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, _file) = basic_auth_registry();
    install_helper(dir.path(), &registry.host, "alice", "s3cret-pass");
    let repository = reference(&registry.host, "helped/app:v1");
    let image = make_image("helper");
    let client = client_with(docker_config(
        dir.path(),
        &format!(
            r#"{{"credHelpers":{{"{}":"sigchaintest"}}}}"#,
            registry.host
        ),
    ));
    let pushed = push(&client, &repository, &image, "v1").await;
    assert_eq!(client.resolve(&repository).await.unwrap().0, pushed);

    // A helper that cannot be run is a typed error naming it.
    let missing = client_with(docker_config(
        dir.path(),
        &format!(
            r#"{{"credHelpers":{{"{}":"sigchain-absent"}}}}"#,
            registry.host
        ),
    ));
    let err = missing.resolve(&repository).await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::CredentialHelper { helper, .. } if helper == "docker-credential-sigchain-absent"),
        "{err:?}"
    );
}

// --- a lying registry -----------------------------------------------------------------------

/// A one-answer-per-connection HTTP server on 127.0.0.1 that answers every request with
/// `status`, `headers` and `body`; stops when dropped (after its next connection).
struct Liar {
    host: String,
}

fn liar(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Liar {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let mut content_length = 0usize;
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    content_length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut sink = vec![0; content_length];
            let _ = reader.read_exact(&mut sink);
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in &headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    Liar { host }
}

#[tokio::test]
async fn a_lying_registry_is_refused() {
    let image = make_image("liar");
    let other = make_image("other");
    let oci = (
        "Content-Type".to_owned(),
        "application/vnd.oci.image.manifest.v1+json".to_owned(),
    );

    // Asked by digest, served other bytes.
    let server = liar(200, vec![oci.clone()], other.image.manifest_bytes.clone());
    let wanted = reference(&server.host, "app:v1").with_digest(digest_of(&image.image.manifest));
    let err = anonymous().get_manifest(&wanted).await.unwrap_err();
    assert!(
        matches!(err, RegistryError::ManifestDigestMismatch { .. }),
        "{err:?}"
    );

    // By tag, with a Docker-Content-Digest header naming other content.
    let server = liar(
        200,
        vec![
            oci.clone(),
            (
                "Docker-Content-Digest".to_owned(),
                image.image.manifest.digest().to_string(),
            ),
        ],
        other.image.manifest_bytes.clone(),
    );
    let err = anonymous()
        .resolve(&reference(&server.host, "app:v1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::HeaderDigestMismatch { .. }),
        "{err:?}"
    );

    // A blob with other bytes of the right size.
    let mut forged = image.config_bytes.clone();
    forged[0] ^= 1;
    let server = liar(200, Vec::new(), forged);
    let err = anonymous()
        .get_blob(&reference(&server.host, "app:v1"), &image.image.config)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::BlobDigestMismatch { .. }),
        "{err:?}"
    );

    // Through the store interface the refusal is a StoreError::Registry.
    let server = liar(200, vec![oci], other.image.manifest_bytes.clone());
    let store = RegistryRepository::new(anonymous(), &reference(&server.host, "app:v1"));
    let err = store
        .manifest(&ManifestRef::Digest(digest_of(&image.image.manifest)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Registry(RegistryError::ManifestDigestMismatch { .. })
        ),
        "{err:?}"
    );

    // An error body's codes reach the error.
    let server = liar(
        403,
        vec![("Content-Type".to_owned(), "application/json".to_owned())],
        br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#
            .to_vec(),
    );
    let err = anonymous()
        .resolve(&reference(&server.host, "app:v1"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("DENIED: requested access"),
        "{err}"
    );
}

#[tokio::test]
async fn plain_http_is_refused_beyond_loopback() {
    let client = anonymous();
    // No connection is made: the scheme rule refuses first (and the name never resolves).
    let api = client
        .api(&Reference::parse("registry.invalid:5000/app:v1").unwrap())
        .unwrap();
    assert_eq!(api.base_url().scheme(), "https");
    let insecure = RegistryClient::new(ClientConfig {
        insecure_registries: vec!["registry.invalid:5000".to_owned()],
        credentials: CredentialsSource::Anonymous,
        ..ClientConfig::default()
    })
    .unwrap();
    let api = insecure
        .api(&Reference::parse("registry.invalid:5000/app:v1").unwrap())
        .unwrap();
    assert_eq!(api.base_url().scheme(), "http");
}
