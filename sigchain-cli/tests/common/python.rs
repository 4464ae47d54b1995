//! sigstore-python as a referee: the Python is `$SIGCHAIN_PYTHON` (scripts/test-all.sh points it
//! at the venv it makes, with the pinned PyPI `sigstore`), else that venv at `<target>/py` if
//! present, else `python3`. Without sigstore-python a test fails and says how to get it; it
//! never skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The Python that has sigstore-python.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("SIGCHAIN_PYTHON") {
        return python.into();
    }
    // CARGO_TARGET_TMPDIR is `<target>/tmp`; scripts/test-all.sh makes its venv at `<target>/py`.
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../py/bin/python");
    if venv.exists() {
        return venv;
    }
    "python3".into()
}

/// `python` with the environment the referee runs in: no proxy for the loopback server, no
/// ambient identity token.
pub fn command(python: &Path) -> Command {
    let mut command = Command::new(python);
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "SIGSTORE_ID_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    ] {
        command.env_remove(var);
    }
    command
        .env("NO_PROXY", "127.0.0.1,localhost,::1")
        .env("no_proxy", "127.0.0.1,localhost,::1")
        .stdin(Stdio::null());
    command
}

/// Panics, saying how to get it, when `python` cannot import sigstore.
pub fn require_sigstore_python(python: &Path) {
    let probe = command(python)
        .args(["-c", "import sigstore; print(sigstore.__version__)"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "sigstore-python is not importable by {}: run scripts/test-all.sh (it installs the \
             pinned PyPI `sigstore` into a venv at <target>/py), or set SIGCHAIN_PYTHON to a \
             Python that has it.\n{}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "cannot run {}: {e}; run scripts/test-all.sh (it makes a venv with sigstore-python \
             at <target>/py) or set SIGCHAIN_PYTHON",
            python.display()
        ),
    }
}

/// The `sigstore` command line of sigstore-python (checked to be there), as
/// `python -m sigstore --trust-config CLIENT_TRUST_CONFIG ...`.
pub fn sigstore_cli(client_trust_config: &Path) -> Command {
    let python = python();
    require_sigstore_python(&python);
    let mut command = command(&python);
    command
        .args(["-m", "sigstore", "--trust-config"])
        .arg(client_trust_config);
    command
}

/// `sigstore verify identity`: did sigstore-python accept `bundle` for `artifact` signed by
/// `email` at `issuer`?
pub fn sigstore_python_verify(
    client_trust_config: &Path,
    bundle: &Path,
    artifact: &Path,
    email: &str,
    issuer: &str,
) -> Output {
    sigstore_cli(client_trust_config)
        .args(["verify", "identity", "--bundle"])
        .arg(bundle)
        .args(["--cert-identity", email, "--cert-oidc-issuer", issuer])
        .arg(artifact)
        .output()
        .unwrap()
}

/// `sigstore sign`: sigstore-python signs `artifact` into `bundle` with `token`.
pub fn sigstore_python_sign(
    client_trust_config: &Path,
    token: &str,
    bundle: &Path,
    artifact: &Path,
) -> Output {
    sigstore_cli(client_trust_config)
        .args(["sign", "--identity-token", token, "--bundle"])
        .arg(bundle)
        .arg(artifact)
        .output()
        .unwrap()
}
