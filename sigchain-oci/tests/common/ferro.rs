//! A second real registry, with the OCI 1.1 referrers API: `ferro-oci-server` (crates.io),
//! started on 127.0.0.1 with a free port and blob storage in a temporary folder, killed when
//! dropped. `scripts/test-all.sh` installs it with `cargo install ferro-oci-server --locked`;
//! a missing binary fails the test, never skips it.
//!
//! It takes no arguments (any it gets are ignored: it starts serving), only the environment;
//! without `FERRO_OCI_LISTEN` it listens on 0.0.0.0:8080, so that is always set here. It has no
//! authentication. Manifests, tags and referrers are kept in memory.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use super::registry::{starting, wait_until_ready};

/// Where the binary is: `$SIGCHAIN_FERRO_OCI_SERVER`, else `ferro-oci-server` on the PATH, else
/// in `$CARGO_HOME/bin` or `~/.cargo/bin` (where `cargo install` puts it).
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SIGCHAIN_FERRO_OCI_SERVER") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|p| p.join("ferro-oci-server").is_file())
    });
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    match cargo_home {
        Some(cargo_home) if !on_path => cargo_home.join("bin/ferro-oci-server"),
        _ => PathBuf::from("ferro-oci-server"),
    }
}

/// A running ferro-oci-server.
pub struct Ferro {
    /// `127.0.0.1:PORT`, as image references name it.
    pub host: String,
    child: Child,
    _storage: tempfile::TempDir,
}

impl Ferro {
    /// Start a server with an empty store.
    pub fn start() -> Ferro {
        let _starting = starting();
        // A port that was free a moment ago; a lost race shows up as a failed start, retried.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port on 127.0.0.1");
            if let Some(ferro) = Ferro::try_start(port) {
                return ferro;
            }
        }
        panic!("ferro-oci-server did not start on 127.0.0.1 after 5 attempts");
    }

    fn try_start(port: u16) -> Option<Ferro> {
        let storage = tempfile::tempdir().unwrap();
        let host = format!("127.0.0.1:{port}");
        let mut child = Command::new(binary())
            .env("FERRO_OCI_LISTEN", &host)
            .env("FERRO_OCI_STORAGE_DIR", storage.path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} ({e}): `cargo install ferro-oci-server --locked` \
                     (scripts/test-all.sh does) or set SIGCHAIN_FERRO_OCI_SERVER",
                    binary().display()
                )
            });
        wait_until_ready(&mut child, &host, |status| status == Some(200)).then(|| Ferro {
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

impl Drop for Ferro {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
