//! `sigchain instance serve`: run a local Sigstore instance (transparency logs, CA with CT log,
//! timestamp authority, test OIDC issuer) for tests, demos and air-gapped labs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use sigchain_instance::misbehavior::Misbehavior;
use sigchain_instance::server::{Instance, InstanceConfig};

/// Arguments of `instance`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Serve the instance (Rekor v1 and v2 logs, Fulcio-compatible CA, RFC 3161 TSA, test
    /// OIDC issuer at /oidc) until stopped. Prints the base URL as the first line of stdout and
    /// writes trusted_root.json, signing_config.json, signing_config.rekor-v2.json and
    /// client_trust_config.json into the data folder.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Data folder (created if absent): keys, logs and the trust files.
    #[arg(long)]
    dir: PathBuf,
    /// Address to listen on; port 0 picks a free one. Anyone who can reach it can mint
    /// identity tokens from the test issuer: keep it on loopback outside labs.
    #[arg(long, alias = "listen", default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Where to write the trusted root naming this instance's logs.
    #[arg(long)]
    trusted_root_out: Option<PathBuf>,
    /// The name the logs sign their checkpoints under.
    #[arg(long, default_value = "sigchain-instance.local")]
    name: String,
    /// Test-only: make a service misbehave (ca-unknown-root, ca-wrong-san, ca-bad-sct,
    /// log-bad-inclusion-proof, tsa-wrong-hash).
    #[arg(long, hide = true, default_value = "none")]
    misbehave: Misbehavior,
}

pub fn run(args: Args) -> ExitCode {
    match args.command {
        Command::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("FAIL: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    crate::finish(runtime.block_on(serve_async(args)))
}

async fn serve_async(args: ServeArgs) -> Result<(), String> {
    let instance = Instance::open(InstanceConfig {
        dir: args.dir,
        name: args.name,
        extra_issuers: Vec::new(),
        misbehavior: args.misbehave,
    })
    .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("listen on {}: {e}", args.addr))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let base_url = format!("http://{address}");
    if let Some(path) = &args.trusted_root_out {
        let json = instance
            .trusted_root_json(&base_url)
            .map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    instance
        .write_trust_files(&base_url)
        .map_err(|e| e.to_string())?;
    if args.misbehave != Misbehavior::None {
        eprintln!("WARNING: test-only misbehaviour {:?} is on", args.misbehave);
    }
    // The first line on stdout is the base URL: scripts and tests wait for it.
    println!("{base_url}");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    instance
        .serve(listener, stop_signal())
        .await
        .map_err(|e| e.to_string())
}

/// Ctrl-C, or SIGTERM (what service managers send): stop taking requests, finish those under
/// way. Entries are durable once acknowledged, so even a SIGKILL loses nothing acknowledged.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
