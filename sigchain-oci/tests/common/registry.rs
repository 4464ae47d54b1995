//! A real OCI registry for the tests: Debian's `docker-registry` (distribution 2.8), started on
//! 127.0.0.1 with a free port and storage in a temporary folder, killed when dropped.
//! `scripts/test-all.sh` installs it; a missing binary fails the test, never skips it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the binary is: `$SIGCHAIN_DOCKER_REGISTRY`, else `docker-registry` on the PATH.
fn binary() -> PathBuf {
    std::env::var_os("SIGCHAIN_DOCKER_REGISTRY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("docker-registry"))
}

/// A running registry.
pub struct Registry {
    /// `127.0.0.1:PORT`, as image references name it.
    pub host: String,
    child: Child,
    _storage: tempfile::TempDir,
}

impl Registry {
    /// Start a registry with no authentication and deletes enabled.
    pub fn start() -> Registry {
        Registry::start_with("")
    }

    /// Start a registry with `extra` appended to its configuration (YAML, top level), e.g. an
    /// `auth:` section.
    pub fn start_with(extra: &str) -> Registry {
        let _starting = starting();
        // A port that was free a moment ago; a lost race shows up as a failed start, retried.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port on 127.0.0.1");
            if let Some(registry) = Registry::try_start(port, extra) {
                return registry;
            }
        }
        panic!("docker-registry did not start on 127.0.0.1 after 5 attempts");
    }

    fn try_start(port: u16, extra: &str) -> Option<Registry> {
        let storage = tempfile::tempdir().unwrap();
        let config = storage.path().join("config.yml");
        let data = storage.path().join("data");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\n\
                 log:\n  level: warn\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                 http:\n  addr: 127.0.0.1:{port}\n\
                 {extra}\n",
                data.display()
            ),
        )
        .unwrap();
        let mut child = Command::new(binary())
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} ({e}): install Debian's docker-registry \
                     (scripts/test-all.sh does) or set SIGCHAIN_DOCKER_REGISTRY",
                    binary().display()
                )
            });
        let host = format!("127.0.0.1:{port}");
        // Any answer at all: with `auth:` configured, `/v2/` answers 401.
        wait_until_ready(&mut child, &host, |status| status.is_some()).then(|| Registry {
            host,
            child,
            _storage: storage,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.host)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Held while a test server picks a port and comes up: two servers of one test process never
/// race for the same free port (the readiness check cannot tell whose server answered).
pub fn starting() -> std::sync::MutexGuard<'static, ()> {
    static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    STARTING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Poll `GET /v2/` on `host` until `ready` accepts the answer (true), `child` exits, or 10 s
/// pass; a server that never got ready is killed (false). A lost port race shows up here.
pub fn wait_until_ready(
    child: &mut Child,
    host: &str,
    ready: impl Fn(Option<u16>) -> bool,
) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if ready(http_status(host, "/v2/")) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// The status of a plain `GET path` (HTTP/1.1, connection closed), or `None` when nothing
/// answers: enough to see the registry is up without an HTTP client in the harness.
pub fn http_status(host: &str, path: &str) -> Option<u16> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(host).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}
