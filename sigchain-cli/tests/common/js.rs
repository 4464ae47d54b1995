//! sigstore-js (`@sigstore/verify`) as a referee: `tests/js/verify.js` run with the Node
//! modules `scripts/test-all.sh` installs, found through `SIGCHAIN_NODE_PATH`.

use std::path::Path;
use std::process::Command;

/// What sigstore-js said about one bundle.
#[derive(Debug)]
pub enum JsVerdict {
    /// Verified; the certificate identity it read (both `None` for a managed key).
    Verified {
        san: Option<String>,
        issuer: Option<String>,
    },
    /// Refused, with sigstore-js's error.
    Refused(String),
}

/// What the referee needs to know besides the bundle.
pub enum JsPolicy<'a> {
    /// A certificate bundle whose SAN and issuer must be exactly these.
    Identity { san: &'a str, issuer: &'a str },
    /// A managed-key bundle verified with this PEM public key.
    Key(&'a Path),
}

/// Run sigstore-js on `bundle` for `artifact`. Panics (fails the test) when the referee itself
/// cannot run: a missing referee is an error, never a skip.
pub fn sigstore_js_verify(
    trusted_root: &Path,
    bundle: &Path,
    artifact: &Path,
    policy: JsPolicy<'_>,
) -> JsVerdict {
    let node_path = std::env::var_os("SIGCHAIN_NODE_PATH").expect(
        "SIGCHAIN_NODE_PATH is not set: run scripts/test-all.sh, which installs sigstore-js",
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/verify.js");
    let mut command = Command::new("node");
    command
        .env("NODE_PATH", node_path)
        .arg(script)
        .arg(trusted_root)
        .arg(bundle)
        .arg(artifact);
    match policy {
        JsPolicy::Identity { san, issuer } => {
            command.args([san, issuer]);
        }
        JsPolicy::Key(pem) => {
            command.env("SIGSTORE_JS_KEY_PEM", pem);
        }
    }
    let output = command
        .output()
        .expect("node must be installed (scripts/test-all.sh)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_else(|| {
        panic!(
            "sigstore-js printed nothing; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let verdict: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("sigstore-js printed {line:?}: {e}"));
    let text = |key: &str| verdict[key].as_str().map(str::to_owned);
    match (verdict["ok"].as_bool(), output.status.success()) {
        (Some(true), true) => JsVerdict::Verified {
            san: text("san"),
            issuer: text("issuer"),
        },
        (Some(false), false) => JsVerdict::Refused(text("error").unwrap_or_default()),
        _ => panic!(
            "sigstore-js: inconsistent verdict {line:?} with {}",
            output.status
        ),
    }
}
