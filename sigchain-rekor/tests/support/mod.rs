//! Shared by the log-client tests: a scripted HTTP/1.1 server on 127.0.0.1:0, the transport
//! that reaches it, and (in `tlog`) a small tiled log signed with a test key.
// Each test file uses a different part of this module.
#![allow(dead_code)]

pub mod tlog;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sigchain_rekor::client::{Backoff, Transport, TransportConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A request as the server read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `POST`.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Seen {
    /// `"METHOD target"`, to compare a server's log with what a flow should have sent.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.target)
    }
}

/// A whole response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply::new(status, serde_json::to_vec(body).unwrap())
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} Scripted\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.status,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

type Handler = Arc<dyn Fn(usize, &Seen) -> Reply + Send + Sync>;

/// Answers the n-th request (from 0) with `handler(n, request)`, one request per connection.
/// Listening starts before `start` returns; dropping the server stops it and closes every
/// connection.
pub struct ScriptedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl ScriptedServer {
    pub async fn start(
        handler: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(serve(listener, Arc::new(handler), Arc::clone(&seen)));
        ScriptedServer { addr, seen, task }
    }

    /// Answers the n-th request with `replies[n]`, and any request past them with 599.
    pub async fn scripted(replies: Vec<Reply>) -> ScriptedServer {
        ScriptedServer::start(move |n, _| {
            replies
                .get(n)
                .cloned()
                .unwrap_or_else(|| Reply::new(599, "unscripted request"))
        })
        .await
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests seen, as `"METHOD target"` lines.
    pub fn lines(&self) -> Vec<String> {
        self.seen().iter().map(Seen::line).collect()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, handler: Handler, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let handler = Arc::clone(&handler);
        let seen = Arc::clone(&seen);
        connections.spawn(async move {
            let Some(request) = read_request(&mut stream).await else {
                return;
            };
            let n = {
                let mut seen = seen.lock().unwrap();
                seen.push(request.clone());
                seen.len() - 1
            };
            let reply = handler(n, &request);
            let _ = stream.write_all(&reply.to_bytes()).await;
            let _ = stream.shutdown().await;
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
    let length: usize = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        target,
        body,
    })
}

/// A transport to `server` with tiny waits, reaching 127.0.0.1 directly (no proxy from the
/// environment).
pub fn transport(server: &ScriptedServer) -> Transport {
    let config = TransportConfig {
        connect_timeout: Duration::from_secs(2),
        attempt_timeout: Duration::from_secs(10),
        max_attempts: 2,
        max_total_time: Duration::from_secs(30),
        backoff: Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
        ..TransportConfig::default()
    };
    Transport::with_client_builder(
        &server.base_url(),
        config,
        reqwest::Client::builder().no_proxy(),
    )
    .unwrap()
}
