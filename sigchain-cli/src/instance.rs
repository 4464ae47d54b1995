//! `sigchain instance serve`: run a local Sigstore instance (today its transparency logs) for
//! tests, demos and air-gapped labs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use sigchain_instance::server::{Instance, InstanceConfig};

/// Arguments of `instance`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Serve the instance's logs (Rekor v1 API, Rekor v2 write API and tiles) until stopped.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Data folder (created if absent): the logs and their keys.
    #[arg(long)]
    dir: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Where to write the trusted root naming this instance's logs.
    #[arg(long)]
    trusted_root_out: Option<PathBuf>,
    /// The name the logs sign their checkpoints under.
    #[arg(long, default_value = "sigchain-instance.local")]
    name: String,
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
    match runtime.block_on(serve_async(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("FAIL: {reason}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_async(args: ServeArgs) -> Result<(), String> {
    let instance = Instance::open(InstanceConfig {
        dir: args.dir,
        name: args.name,
    })
    .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let base_url = format!("http://{address}");
    if let Some(path) = &args.trusted_root_out {
        let json = instance
            .trusted_root_json(&base_url)
            .map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // The first line on stdout says where the instance is: scripts and tests wait for it.
    println!("listening on {base_url}");
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
