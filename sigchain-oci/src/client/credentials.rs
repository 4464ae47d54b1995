//! Credentials for a registry: looked up in the Docker configuration, or given; credential
//! helpers run as processes (`docker-credential-NAME get`, the registry on stdin), bounded
//! in time and output. A helper's output is never shown: it holds a secret.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::config::CredentialsSource;
use crate::auth::docker_config::{
    helper_answer, helper_program, helper_request, Credential, CredentialSource, DockerConfig,
    MAX_CONFIG_BYTES, MAX_HELPER_ANSWER_BYTES,
};
use crate::registry::RegistryError;

/// The credentials of a client, resolved per registry.
#[derive(Debug, Clone)]
pub(crate) enum Credentials {
    Anonymous,
    Docker(DockerConfig),
    Explicit(std::collections::BTreeMap<String, Credential>),
}

/// Where the Docker CLI keeps `config.json`.
fn default_docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".docker").join("config.json"))
}

fn read_docker_config(path: &PathBuf) -> Result<DockerConfig, RegistryError> {
    use std::io::Read as _;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DockerConfig::default()),
        Err(e) => {
            return Err(RegistryError::CredentialHelper {
                helper: "config.json".to_owned(),
                registry: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    };
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| RegistryError::CredentialHelper {
            helper: "config.json".to_owned(),
            registry: path.display().to_string(),
            reason: e.to_string(),
        })?;
    Ok(DockerConfig::from_json(&bytes)?)
}

impl Credentials {
    pub(crate) fn load(source: &CredentialsSource) -> Result<Credentials, RegistryError> {
        Ok(match source {
            CredentialsSource::Anonymous => Credentials::Anonymous,
            CredentialsSource::Explicit(map) => Credentials::Explicit(map.clone()),
            CredentialsSource::DockerConfig => match default_docker_config_path() {
                Some(path) => Credentials::Docker(read_docker_config(&path)?),
                None => Credentials::Anonymous,
            },
            CredentialsSource::DockerConfigFile(path) => {
                Credentials::Docker(read_docker_config(path)?)
            }
        })
    }

    /// The credential for `registry` (as image references name it; the Docker configuration
    /// is asked under `credential_key`, see [`Reference::credential_key`]), running a helper
    /// if the configuration names one.
    ///
    /// [`Reference::credential_key`]: crate::reference::Reference::credential_key
    pub(crate) async fn for_registry(
        &self,
        registry: &str,
        credential_key: &str,
        helper_timeout: Duration,
    ) -> Result<Option<Credential>, RegistryError> {
        match self {
            Credentials::Anonymous => Ok(None),
            Credentials::Explicit(map) => Ok(map.get(registry).cloned()),
            Credentials::Docker(config) => match config.lookup(credential_key)? {
                CredentialSource::Anonymous => Ok(None),
                CredentialSource::Inline(credential) => Ok(Some(credential)),
                CredentialSource::Helper(name) => {
                    run_helper(&name, credential_key, helper_timeout).await
                }
            },
        }
    }
}

/// Run `docker-credential-NAME get` for `registry`. "Not found" answers (a non-zero exit
/// whose output says so, as the Docker helpers do) mean anonymous.
async fn run_helper(
    name: &str,
    registry: &str,
    timeout: Duration,
) -> Result<Option<Credential>, RegistryError> {
    let program = helper_program(name);
    let fail = |reason: String| RegistryError::CredentialHelper {
        helper: program.clone(),
        registry: registry.to_owned(),
        reason,
    };
    let run = async {
        let mut child = tokio::process::Command::new(&program)
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| fail(format!("cannot run it: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(&helper_request(registry))
                .await
                .map_err(|e| fail(format!("writing its input: {e}")))?;
        }
        let mut stdout = Vec::new();
        if let Some(out) = child.stdout.take() {
            out.take(MAX_HELPER_ANSWER_BYTES as u64 + 1)
                .read_to_end(&mut stdout)
                .await
                .map_err(|e| fail(format!("reading its output: {e}")))?;
        }
        let status = child
            .wait()
            .await
            .map_err(|e| fail(format!("waiting for it: {e}")))?;
        Ok::<_, RegistryError>((status, stdout))
    };
    let (status, stdout) = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| fail(format!("no answer within {} s", timeout.as_secs())))??;
    if !status.success() {
        if String::from_utf8_lossy(&stdout).contains("credentials not found") {
            return Ok(None);
        }
        return Err(fail(format!("exited with {status}")));
    }
    helper_answer(&stdout)
        .map(Some)
        .map_err(|e| fail(e.to_string()))
}
