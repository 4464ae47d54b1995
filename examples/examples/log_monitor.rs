//! Watch a transparency log: every checkpoint it serves must extend the last one seen, or the
//! monitor reports a rollback, a split view or a rewritten history.
//!
//! ```sh
//! sigchain instance serve --dir /tmp/lab --listen 127.0.0.1:3000 --trusted-root-out root.json &
//! cargo run -p sigchain-examples --example log_monitor -- \
//!     http://127.0.0.1:3000 root.json monitor-state.json [v1|v2] [rounds] [seconds between]
//! ```
//!
//! The state file keeps the last verified checkpoint of each log, so a monitor restarted later
//! still holds the log to what it showed before. It is written atomically (a new file renamed
//! over the old one), so a crash never leaves half a state.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use sigchain_core::tlog::verify_checkpoint;
use sigchain_core::trust_root::{TransparencyLog, TrustedRoot};
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_rekor::client::{RekorV1Client, RekorV2Client, TransportConfig};
use sigchain_rekor::monitor::{LogMonitor, MonitorEvent, MonitorLimits, MonitorState, Observation};
use sigchain_rekor::v1::RekorV1;
use sigchain_rekor::v2::RekorV2;

type Failure = Box<dyn std::error::Error>;

enum Client {
    V1(RekorV1Client),
    V2(RekorV2Client),
}

impl Client {
    /// The log's current checkpoint, its signature verified.
    async fn checkpoint(&self) -> Result<String, Failure> {
        Ok(match self {
            Client::V1(c) => c.log_info().await?.note,
            Client::V2(c) => c.checkpoint().await?.note().to_owned(),
        })
    }

    /// A consistency proof between two verified checkpoints, checked by the client too.
    async fn consistency(
        &self,
        old: &sigchain_core::tlog::VerifiedCheckpoint,
        new: &sigchain_core::tlog::VerifiedCheckpoint,
    ) -> Result<Vec<[u8; 32]>, Failure> {
        Ok(match self {
            Client::V1(c) => c.consistency(old, new).await?,
            Client::V2(c) => c.consistency(old, new).await?,
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, root, state, rest @ ..] = args.as_slice() else {
        eprintln!("usage: log_monitor URL TRUSTED_ROOT STATE_FILE [v1|v2] [ROUNDS] [SECONDS]");
        return ExitCode::from(2);
    };
    let api = rest.first().map_or("v1", String::as_str);
    let rounds: u32 = rest.get(1).and_then(|r| r.parse().ok()).unwrap_or(1);
    let pause = Duration::from_secs(rest.get(2).and_then(|s| s.parse().ok()).unwrap_or(10));
    match run(url, Path::new(root), Path::new(state), api, rounds, pause).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Returns whether the log behaved.
async fn run(
    url: &str,
    root_path: &Path,
    state_path: &Path,
    api: &str,
    rounds: u32,
    pause: Duration,
) -> Result<bool, Failure> {
    let root = TrustedRoot::from_json(&std::fs::read(root_path)?)?;
    let log = pick_log(&root, api)?;
    let verifier = Verifier::new(&root, VerifierConfig::default());
    let client = match api {
        "v2" => Client::V2(RekorV2Client::new(
            url,
            RekorV2::new(verifier, log.log_id.clone()),
            TransportConfig::default(),
        )?),
        _ => Client::V1(RekorV1Client::new(
            url,
            RekorV1::new(verifier, log.log_id.clone()),
            TransportConfig::default(),
        )?),
    };
    let mut monitor = match std::fs::read(state_path) {
        Ok(json) => LogMonitor::from_state(
            MonitorState::from_json(&json, &MonitorLimits::DEFAULT)?,
            MonitorLimits::DEFAULT,
        )?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            LogMonitor::new(MonitorLimits::DEFAULT)
        }
        Err(e) => return Err(e.into()),
    };
    let mut honest = true;
    for round in 0..rounds {
        if round > 0 {
            tokio::time::sleep(pause).await;
        }
        let note = client.checkpoint().await?;
        let event = match monitor.observe(&note, &log, None)? {
            Observation::NeedsConsistencyProof(request) => {
                let known = monitor
                    .latest(request.origin())
                    .ok_or("no known checkpoint for the pending request")?;
                let old = verify_checkpoint(&known.note, &log, &Default::default())?;
                let new = verify_checkpoint(&note, &log, &Default::default())?;
                let proof = client.consistency(&old, &new).await;
                match proof {
                    Ok(proof) => Some(monitor.on_consistency_proof(&request, &proof)?),
                    // A log that cannot prove its new head extends the old one: record what
                    // the monitor concludes from no proof at all.
                    Err(e) => {
                        println!("no valid consistency proof: {e}");
                        honest = false;
                        None
                    }
                }
            }
            Observation::Event(event) => Some(event),
            other => {
                println!("{other:?}");
                None
            }
        };
        if let Some(event) = event {
            println!("{event:?}");
            honest &= matches!(event, MonitorEvent::Advanced { .. });
        }
        save(state_path, &monitor.state())?;
    }
    Ok(honest)
}

fn pick_log(root: &TrustedRoot, api: &str) -> Result<TransparencyLog, Failure> {
    use sigchain_core::crypto::KeyKind;
    // Rekor v1 logs sign with ECDSA, Rekor v2 logs with Ed25519.
    let wanted = if api == "v2" {
        KeyKind::Ed25519
    } else {
        KeyKind::EcdsaP256
    };
    root.tlogs
        .iter()
        .find(|l| l.key.as_ref().is_ok_and(|k| k.kind() == wanted))
        .cloned()
        .ok_or_else(|| format!("no {api} log in the trusted root").into())
}

/// Replace the state file atomically.
fn save(path: &Path, state: &MonitorState) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, state.to_json())?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(tmp, path)
}
