//! The client's HTTP behaviour against scripted servers on 127.0.0.1: the Bearer token flow
//! (one token request, cached; wrong credentials and refused tokens end after one round,
//! never a loop), retries of 5xx for reads but not for upload steps, and redirects of blob
//! reads that drop the `Authorization` header off-origin.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sigchain_oci::auth::docker_config::Credential;
use sigchain_oci::client::{ClientConfig, CredentialsSource, RegistryClient};
use sigchain_oci::reference::{Digest, Reference};
use sigchain_oci::registry::RegistryError;

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);
type Handler = Arc<dyn Fn(&Seen, &str) -> Answer + Send + Sync>;

/// An HTTP/1.1 server, one request per connection, answering with `handler(request, host)`.
struct Scripted {
    host: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    fn start(handler: impl Fn(&Seen, &str) -> Answer + Send + Sync + 'static) -> Scripted {
        let handler: Handler = Arc::new(handler);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (record, me) = (seen.clone(), host.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or("").to_owned();
                let target = parts.next().unwrap_or("").to_owned();
                let mut content_length = 0usize;
                let mut authorization = None;
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                    match name.to_ascii_lowercase().as_str() {
                        "content-length" => content_length = value.trim().parse().unwrap_or(0),
                        "authorization" => authorization = Some(value.trim().to_owned()),
                        _ => {}
                    }
                }
                let mut body = vec![0; content_length];
                let _ = reader.read_exact(&mut body);
                let request = Seen {
                    method,
                    target,
                    authorization,
                    body,
                };
                record.lock().unwrap().push(request.clone());
                let (status, headers, body) = handler(&request, &me);
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Scripted { host, seen }
    }

    fn count(&self, prefix: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.target.starts_with(prefix))
            .count()
    }
}

const MANIFEST: &str =
    r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;

fn manifest_answer() -> Answer {
    (
        200,
        vec![(
            "Content-Type".into(),
            "application/vnd.oci.image.index.v1+json".into(),
        )],
        MANIFEST.as_bytes().to_vec(),
    )
}

/// A registry that wants `Bearer good`, with its token endpoint at `/token` giving `good` to
/// alice (Basic `alice:pw`) and `weak` to anyone else without credentials.
fn token_registry() -> Scripted {
    Scripted::start(|request, host| {
        if request.target.starts_with("/token") {
            assert!(
                request.target.contains("service=svc")
                    && request.target.contains("scope=repository%3Aapp%3Apull"),
                "{}",
                request.target
            );
            return match request.authorization.as_deref() {
                // alice:pw
                Some("Basic YWxpY2U6cHc=") => (
                    200,
                    vec![],
                    br#"{"access_token":"good","expires_in":300}"#.to_vec(),
                ),
                Some(_) => (
                    401,
                    vec![],
                    br#"{"errors":[{"code":"UNAUTHORIZED","message":"bad"}]}"#.to_vec(),
                ),
                None => (200, vec![], br#"{"token":"weak"}"#.to_vec()),
            };
        }
        if request.authorization.as_deref() == Some("Bearer good") {
            return manifest_answer();
        }
        (
            401,
            vec![(
                "WWW-Authenticate".into(),
                format!(
                    r#"Bearer realm="http://{host}/token",service="svc",scope="repository:app:pull""#
                ),
            )],
            br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_vec(),
        )
    })
}

fn client(credentials: CredentialsSource) -> RegistryClient {
    RegistryClient::new(ClientConfig {
        credentials,
        backoff_initial: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        ..ClientConfig::default()
    })
    .unwrap()
}

fn alice(host: &str, password: &str) -> CredentialsSource {
    CredentialsSource::Explicit(BTreeMap::from([(
        host.to_owned(),
        Credential::Basic {
            username: "alice".into(),
            password: password.into(),
        },
    )]))
}

#[tokio::test]
async fn the_token_flow_asks_once_and_caches() {
    let server = token_registry();
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let client = client(alice(&server.host, "pw"));
    let first = client.get_manifest(&image).await.unwrap();
    let second = client.get_manifest(&image).await.unwrap();
    assert_eq!(first.digest, Digest::sha256_of(MANIFEST.as_bytes()));
    assert_eq!(first, second);
    assert_eq!(server.count("/token"), 1, "the token is cached");
    assert_eq!(
        server.count("/v2/"),
        3,
        "401, then two answers with the token"
    );
}

#[tokio::test]
async fn wrong_credentials_end_at_the_token_endpoint() {
    let server = token_registry();
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let err = client(alice(&server.host, "wrong"))
        .get_manifest(&image)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::CredentialsRejected { registry, status: 401 } if *registry == server.host),
        "{err:?}"
    );
    assert!(err.to_string().contains(&server.host));
    assert_eq!(server.count("/token"), 1);
    assert_eq!(server.count("/v2/"), 1);
}

#[tokio::test]
async fn a_token_the_registry_refuses_ends_after_one_retry() {
    let server = token_registry();
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let err = client(CredentialsSource::Anonymous)
        .get_manifest(&image)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::Unauthorized { registry, .. } if *registry == server.host),
        "{err:?}"
    );
    assert!(err.to_string().contains("UNAUTHORIZED"), "{err}");
    assert_eq!(server.count("/token"), 1);
    assert_eq!(server.count("/v2/"), 2, "one retry, no loop");
}

#[tokio::test]
async fn reads_are_retried_on_5xx() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = Scripted::start(move |request, _| {
        if request.method == "GET" && counter.fetch_add(1, Ordering::SeqCst) < 2 {
            return (503, vec![], Vec::new());
        }
        if request.method == "GET" {
            return manifest_answer();
        }
        (503, vec![], Vec::new())
    });
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let client = client(CredentialsSource::Anonymous);
    client.get_manifest(&image).await.unwrap();
    assert_eq!(server.count("/v2/app/manifests"), 3);

    // A HEAD is a read: resent up to the attempt budget, then its 503 is the error.
    let err = client
        .put_blob_monolithic(&image, b"content")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::Status { status: 503, .. }),
        "{err:?}"
    );
    let heads = server
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.method == "HEAD")
        .count();
    assert_eq!(heads, 3);
}

#[tokio::test]
async fn upload_steps_are_sent_once() {
    let server = Scripted::start(|request, _| match request.method.as_str() {
        "HEAD" => (404, vec![], Vec::new()),
        "POST" => (
            202,
            vec![(
                "Location".into(),
                "/v2/app/blobs/uploads/u1?_state=s".into(),
            )],
            Vec::new(),
        ),
        _ => (503, vec![], Vec::new()),
    });
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let err = client(CredentialsSource::Anonymous)
        .put_blob_monolithic(&image, b"content")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::Status { status: 503, .. }),
        "{err:?}"
    );
    let puts: Vec<Seen> = server
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.method == "PUT")
        .cloned()
        .collect();
    assert_eq!(puts.len(), 1, "{puts:?}");
    assert!(puts[0]
        .target
        .starts_with("/v2/app/blobs/uploads/u1?_state=s&digest=sha256%3A"));
}

#[tokio::test]
async fn blob_redirects_drop_the_authorization_off_origin() {
    let blob = b"blob bytes".to_vec();
    let storage_blob = blob.clone();
    let storage = Scripted::start(move |_, _| (200, vec![], storage_blob.clone()));
    let storage_host = storage.host.clone();
    let registry = Scripted::start(move |request, _| {
        if request.authorization.is_none() {
            return (
                401,
                vec![("WWW-Authenticate".into(), r#"Basic realm="r""#.into())],
                Vec::new(),
            );
        }
        (
            307,
            vec![(
                "Location".into(),
                format!("http://{storage_host}/data/blob"),
            )],
            Vec::new(),
        )
    });
    let image = Reference::parse(&format!("{}/app:v1", registry.host)).unwrap();
    let descriptor = oci_spec::image::Descriptor::new(
        oci_spec::image::MediaType::ImageLayerGzip,
        blob.len() as u64,
        oci_spec::image::Digest::try_from(Digest::sha256_of(&blob).to_string()).unwrap(),
    );
    let got = client(alice(&registry.host, "pw"))
        .get_blob(&image, &descriptor)
        .await
        .unwrap();
    assert_eq!(got, blob);
    let seen = storage.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].authorization, None,
        "no credentials sent to the storage host"
    );
}

#[tokio::test]
async fn an_endless_tag_list_stops_at_the_page_limit() {
    let server = Scripted::start(|request, _| {
        (
            200,
            vec![(
                "Link".into(),
                format!(r#"<{}&x=1>; rel="next""#, request.target),
            )],
            br#"{"name":"app","tags":["a"]}"#.to_vec(),
        )
    });
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let client = RegistryClient::new(ClientConfig {
        credentials: CredentialsSource::Anonymous,
        tags_page_size: Some(1),
        limits: sigchain_oci::registry::RegistryLimits {
            max_tag_pages: 3,
            ..Default::default()
        },
        ..ClientConfig::default()
    })
    .unwrap();
    let err = client.list_tags(&image).await.unwrap_err();
    assert!(
        matches!(err, RegistryError::TooManyPages { limit: 3, .. }),
        "{err:?}"
    );
    assert_eq!(server.count("/v2/app/tags/list"), 3);
}

#[tokio::test]
async fn answers_over_their_limit_are_refused() {
    let server = Scripted::start(|_, _| {
        (
            200,
            vec![(
                "Content-Type".into(),
                "application/vnd.oci.image.index.v1+json".into(),
            )],
            vec![b' '; 4 * 1024 * 1024 + 1],
        )
    });
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let err = client(CredentialsSource::Anonymous)
        .get_manifest(&image)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::TooLarge {
                what: "manifest",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_ends_the_retries() {
    let server = Scripted::start(|_, _| {
        (
            429,
            vec![("Retry-After".into(), "3600".into())],
            br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#.to_vec(),
        )
    });
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let err = client(CredentialsSource::Anonymous)
        .get_manifest(&image)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::Status { status: 429, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("TOOMANYREQUESTS"), "{err}");
    assert_eq!(server.count("/v2/"), 1, "no wait of an hour, no resend");
}

#[tokio::test]
async fn an_identity_token_is_exchanged_by_the_refresh_token_post() {
    let server = Scripted::start(|request, host| {
        if request.target.starts_with("/token") {
            assert_eq!(request.method, "POST");
            let form = String::from_utf8(request.body.clone()).unwrap();
            let ok = form.contains("grant_type=refresh_token")
                && form.contains("refresh_token=the-refresh-token")
                && form.contains("service=svc")
                && form.contains("scope=repository%3Aapp%3Apull");
            return if ok {
                (
                    200,
                    vec![],
                    br#"{"access_token":"good","expires_in":300}"#.to_vec(),
                )
            } else {
                (401, vec![], Vec::new())
            };
        }
        if request.authorization.as_deref() == Some("Bearer good") {
            return manifest_answer();
        }
        (
            401,
            vec![(
                "WWW-Authenticate".into(),
                format!(r#"Bearer realm="http://{host}/token",service="svc""#),
            )],
            Vec::new(),
        )
    });
    let image = Reference::parse(&format!("{}/app:v1", server.host)).unwrap();
    let client = client(CredentialsSource::Explicit(BTreeMap::from([(
        server.host.clone(),
        Credential::IdentityToken("the-refresh-token".into()),
    )])));
    client.get_manifest(&image).await.unwrap();
    assert_eq!(server.count("/token"), 1);
}
