//! `client::Transport` against a scripted HTTP/1.1 server on 127.0.0.1:0: retries, the
//! create rule, timeouts, body limits, and URL joining.
#![cfg(feature = "client")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use sigchain_rekor::client::{
    Ambiguity, Backoff, Transport, TransportConfig, TransportError, USER_AGENT,
};
use sigchain_rekor::http::{HttpRequest, HttpResponse, Idempotency, Method};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What the server does with the n-th request it reads.
#[derive(Clone)]
enum Step {
    /// Write these bytes (a whole response) and close.
    Reply(Vec<u8>),
    /// Write these bytes (a response cut short) and keep the connection open, silent.
    ReplyPartly(Vec<u8>),
    /// Never answer; keep the connection open until the server stops.
    Hang,
    /// Close the connection without answering.
    Close,
}

/// A response with a `Content-Length`.
fn reply(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Step {
    let mut head = format!("HTTP/1.1 {status} Scripted\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    Step::Reply(bytes)
}

/// A 200 response in 100-byte chunks, declaring no length.
fn reply_chunked(body: &[u8]) -> Step {
    let mut bytes =
        b"HTTP/1.1 200 Scripted\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for chunk in body.chunks(100) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    Step::Reply(bytes)
}

/// A request as the server read it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Answers the n-th request with `script[n]` (the last step repeats), one request per
/// connection. Listening starts before `start` returns, so a client can connect at once;
/// dropping the server stops it and closes every connection.
struct ScriptedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl ScriptedServer {
    async fn start(script: Vec<Step>) -> ScriptedServer {
        assert!(!script.is_empty());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(serve(listener, script, Arc::clone(&seen)));
        ScriptedServer { addr, seen, task }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, script: Vec<Step>, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let script = script.clone();
        let seen = Arc::clone(&seen);
        connections.spawn(async move {
            let mut stream = stream;
            let Some(request) = read_request(&mut stream).await else {
                return;
            };
            let step = {
                let mut seen = seen.lock().unwrap();
                seen.push(request);
                script[(seen.len() - 1).min(script.len() - 1)].clone()
            };
            match step {
                Step::Reply(bytes) => {
                    let _ = stream.write_all(&bytes).await;
                    let _ = stream.shutdown().await;
                }
                Step::ReplyPartly(bytes) => {
                    let _ = stream.write_all(&bytes).await;
                    std::future::pending::<()>().await;
                }
                Step::Hang => std::future::pending::<()>().await,
                Step::Close => drop(stream),
            }
        });
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

/// Tiny waits so the suite runs in seconds; three attempts.
fn fast_config() -> TransportConfig {
    TransportConfig {
        connect_timeout: Duration::from_secs(2),
        attempt_timeout: Duration::from_secs(5),
        max_attempts: 3,
        max_total_time: Duration::from_secs(20),
        backoff: Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
        max_retry_after: Duration::from_secs(2),
        ..TransportConfig::default()
    }
}

fn transport(base_url: &str, config: TransportConfig) -> Transport {
    // No proxy from the environment: these requests must reach 127.0.0.1 directly.
    let builder = reqwest::Client::builder().no_proxy();
    Transport::with_client_builder(base_url, config, builder).unwrap()
}

fn get(path: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        path_and_query: path.to_owned(),
        headers: Vec::new(),
        body: None,
        idempotency: Idempotency::Safe,
        max_response_bytes: 1024,
    }
}

fn create(path: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        path_and_query: path.to_owned(),
        headers: Vec::new(),
        body: Some(br#"{"kind":"hashedrekord"}"#.to_vec()),
        idempotency: Idempotency::Create,
        max_response_bytes: 1024,
    }
}

#[tokio::test]
async fn safe_503_then_200_is_retried() {
    let server = ScriptedServer::start(vec![
        reply(503, &[], b"busy"),
        reply(200, &[], b"{\"treeSize\":3}"),
    ])
    .await;
    let response = transport(&server.base_url(), fast_config())
        .execute(&get("/api/v1/log"))
        .await
        .unwrap();
    assert_eq!(
        response,
        HttpResponse::new(200, b"{\"treeSize\":3}".to_vec())
    );
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn create_429_with_retry_after_zero_is_retried() {
    let server = ScriptedServer::start(vec![
        reply(429, &[("Retry-After", "0")], b""),
        reply(201, &[("Location", "/api/v1/log/entries/ab")], b"{}"),
    ])
    .await;
    let response = transport(&server.base_url(), fast_config())
        .execute(&create("/api/v1/log/entries"))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(response.header("location"), Some("/api/v1/log/entries/ab"));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request.method, "POST");
        assert_eq!(request.body, br#"{"kind":"hashedrekord"}"#);
        assert_eq!(request.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let server = ScriptedServer::start(vec![
        reply(503, &[("Retry-After", "1")], b""),
        reply(200, &[], b"ok"),
    ])
    .await;
    let started = Instant::now();
    let response = transport(&server.base_url(), fast_config())
        .execute(&get("/api/v1/log"))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn retry_after_over_the_cap_returns_the_answer_at_once() {
    let in_an_hour = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    for retry_after in ["3600", in_an_hour.as_str()] {
        let server =
            ScriptedServer::start(vec![reply(503, &[("Retry-After", retry_after)], b"later")])
                .await;
        let started = Instant::now();
        let response = transport(&server.base_url(), fast_config())
            .execute(&get("/api/v1/log"))
            .await
            .unwrap();
        assert_eq!(response.status, 503, "{retry_after}");
        assert_eq!(response.body, b"later");
        assert_eq!(server.seen().len(), 1, "{retry_after}");
        assert!(started.elapsed() < Duration::from_secs(2), "{retry_after}");
    }
}

#[tokio::test]
async fn unbounded_limits_do_not_overflow() {
    let config = TransportConfig {
        max_total_time: Duration::MAX,
        max_retry_after: Duration::MAX,
        ..fast_config()
    };
    let forever = u64::MAX.to_string();
    let server = ScriptedServer::start(vec![
        reply(503, &[("Retry-After", "0")], b""),
        reply(503, &[("Retry-After", &forever)], b"never"),
    ])
    .await;
    let response = transport(&server.base_url(), config)
        .execute(&get("/api/v1/log"))
        .await
        .unwrap();
    // Retried once; then a wait past any clock ends the retries with the answer.
    assert_eq!((response.status, response.body), (503, b"never".to_vec()));
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn server_errors_forever_give_up_with_the_last_status() {
    let server = ScriptedServer::start(vec![reply(502, &[], b"bad gateway")]).await;
    let response = transport(&server.base_url(), fast_config())
        .execute(&get("/api/v1/log"))
        .await
        .unwrap();
    assert_eq!(response.status, 502);
    assert_eq!(response.body, b"bad gateway");
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn final_statuses_are_answers_not_errors() {
    let server = ScriptedServer::start(vec![reply(
        409,
        &[("Location", "/api/v1/log/entries/cd")],
        b"{\"code\":409}",
    )])
    .await;
    let response = transport(&server.base_url(), fast_config())
        .execute(&create("/api/v1/log/entries"))
        .await
        .unwrap();
    assert_eq!(response.status, 409);
    assert_eq!(response.header("location"), Some("/api/v1/log/entries/cd"));
    assert_eq!(server.seen().len(), 1);

    let server = ScriptedServer::start(vec![reply(404, &[], b"")]).await;
    let response = transport(&server.base_url(), fast_config())
        .execute(&get("/api/v1/log/entries/ef"))
        .await
        .unwrap();
    assert_eq!(response.status, 404);
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn create_answered_500_may_have_been_created_and_is_sent_once() {
    let server =
        ScriptedServer::start(vec![reply(500, &[], b"trillian"), reply(201, &[], b"")]).await;
    let error = transport(&server.base_url(), fast_config())
        .execute(&create("/api/v1/log/entries"))
        .await
        .unwrap_err();
    match error {
        TransportError::MaybeCreated {
            attempts: 1,
            ambiguity: Ambiguity::Status { response },
            ..
        } => assert_eq!(
            (response.status, response.body),
            (500, b"trillian".to_vec())
        ),
        other => panic!("expected MaybeCreated(500), got {other:?}"),
    }
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn create_503_with_retry_after_is_not_resent() {
    let server = ScriptedServer::start(vec![
        reply(503, &[("Retry-After", "0")], b""),
        reply(201, &[], b""),
    ])
    .await;
    let error = transport(&server.base_url(), fast_config())
        .execute(&create("/api/v1/log/entries"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            TransportError::MaybeCreated { ambiguity: Ambiguity::Status { response }, .. }
                if response.status == 503
        ),
        "{error:?}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn create_to_a_closed_port_is_a_connect_error_after_retries() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let error = transport(&format!("http://{closed}"), fast_config())
        .execute(&create("/api/v1/log/entries"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::Connect { attempts: 3, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_reset_connection_retries_a_read_and_makes_a_create_ambiguous() {
    let server = ScriptedServer::start(vec![Step::Close, reply(200, &[], b"ok")]).await;
    let response = transport(&server.base_url(), fast_config())
        .execute(&get("/api/v1/log"))
        .await
        .unwrap();
    assert_eq!(response.body, b"ok");
    assert_eq!(server.seen().len(), 2);

    let server = ScriptedServer::start(vec![Step::Close, reply(201, &[], b"")]).await;
    let error = transport(&server.base_url(), fast_config())
        .execute(&create("/api/v1/log/entries"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::MaybeCreated {
                attempts: 1,
                ambiguity: Ambiguity::ConnectionFailed { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_or_without_a_length() {
    let limit = get("/").max_response_bytes;
    let exact = vec![b'a'; limit];
    let over = vec![b'a'; limit + 1];

    for (step, declared) in [
        (reply(200, &[], &exact), true),
        (reply_chunked(&exact), false),
    ] {
        let server = ScriptedServer::start(vec![step]).await;
        let response = transport(&server.base_url(), fast_config())
            .execute(&get("/api/v1/log"))
            .await
            .unwrap();
        assert_eq!(response.body.len(), limit, "declared length: {declared}");
    }

    for (step, declared) in [
        (reply(200, &[], &over), true),
        (reply_chunked(&over), false),
    ] {
        let server = ScriptedServer::start(vec![step]).await;
        let error = transport(&server.base_url(), fast_config())
            .execute(&get("/api/v1/log"))
            .await
            .unwrap_err();
        match error {
            TransportError::ResponseTooLarge {
                status: 200,
                limit: l,
                at_least,
                ..
            } => {
                assert_eq!(l, limit);
                assert!(at_least > limit as u64, "declared length: {declared}");
            }
            other => panic!("declared length: {declared}: {other:?}"),
        }
        // The same request would get the same body: not retried.
        assert_eq!(server.seen().len(), 1, "declared length: {declared}");
    }

    let server = ScriptedServer::start(vec![reply(201, &[], &over)]).await;
    let error = transport(&server.base_url(), fast_config())
        .execute(&create("/api/v1/log/entries"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::MaybeCreated {
                ambiguity: Ambiguity::ResponseTooLarge { status: 201, .. },
                ..
            }
        ),
        "{error:?}"
    );
}

fn impatient_config() -> TransportConfig {
    TransportConfig {
        attempt_timeout: Duration::from_millis(200),
        ..fast_config()
    }
}

#[tokio::test]
async fn a_silent_server_times_out_a_read_after_retries() {
    let server = ScriptedServer::start(vec![Step::Hang]).await;
    let error = transport(&server.base_url(), impatient_config())
        .execute(&get("/api/v1/log"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::TimedOut { attempts: 3, .. }),
        "{error:?}"
    );
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_body_cut_short_times_out_then_the_retry_succeeds() {
    let partial = b"HTTP/1.1 200 Scripted\r\nContent-Length: 100\r\n\r\nonly ten b".to_vec();
    let server =
        ScriptedServer::start(vec![Step::ReplyPartly(partial), reply(200, &[], b"whole")]).await;
    let response = transport(&server.base_url(), impatient_config())
        .execute(&get("/api/v1/log"))
        .await
        .unwrap();
    assert_eq!(response.body, b"whole");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_silent_server_makes_a_create_ambiguous_after_one_request() {
    let server = ScriptedServer::start(vec![Step::Hang]).await;
    let error = transport(&server.base_url(), impatient_config())
        .execute(&create("/api/v1/log/entries"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::MaybeCreated {
                attempts: 1,
                ambiguity: Ambiguity::TimedOut { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn the_total_time_cuts_the_attempt_short() {
    let server = ScriptedServer::start(vec![Step::Hang]).await;
    let config = TransportConfig {
        attempt_timeout: Duration::from_secs(30),
        max_total_time: Duration::from_millis(300),
        max_attempts: 10,
        ..fast_config()
    };
    let started = Instant::now();
    let error = transport(&server.base_url(), config)
        .execute(&get("/api/v1/log"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    match error {
        TransportError::TimedOut {
            attempts: 1,
            timeout,
            ..
        } => assert!(timeout <= Duration::from_millis(300)),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn paths_join_under_the_base_url_prefix() {
    let server = ScriptedServer::start(vec![reply(200, &[], b"")]).await;
    for base in [
        format!("{}/prefix", server.base_url()),
        format!("{}/prefix/", server.base_url()),
    ] {
        transport(&base, fast_config())
            .execute(&get("/api/v1/log/entries?logIndex=3"))
            .await
            .unwrap();
    }
    transport(&format!("{}/", server.base_url()), fast_config())
        .execute(&get("/api/v1/log"))
        .await
        .unwrap();
    let targets: Vec<String> = server.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets,
        [
            "/prefix/api/v1/log/entries?logIndex=3",
            "/prefix/api/v1/log/entries?logIndex=3",
            "/api/v1/log",
        ]
    );

    let error = transport(&format!("{}/prefix", server.base_url()), fast_config())
        .execute(&get("/../admin"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::InvalidPath { .. }),
        "{error:?}"
    );
    assert_eq!(server.seen().len(), 3, "a refused path is never sent");
}

#[tokio::test]
async fn requests_name_sigchain_as_the_user_agent() {
    let server = ScriptedServer::start(vec![reply(200, &[], b"")]).await;
    transport(&server.base_url(), fast_config())
        .execute(&get("/api/v1/log"))
        .await
        .unwrap();
    let user_agent = server.seen()[0].header("user-agent").map(str::to_owned);
    assert_eq!(user_agent.as_deref(), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("sigchain/"));
}

#[test]
fn bad_base_urls_are_refused() {
    for base in ["ftp://log.example", "https://user:pw@log.example", "nope"] {
        let error = Transport::new(base, TransportConfig::default()).unwrap_err();
        assert!(
            matches!(error, TransportError::InvalidBaseUrl { .. }),
            "{base}: {error:?}"
        );
    }
}
