//! `sigchain trust update|status`: refresh the trusted root and signing config over TUF into a
//! cache directory, and say how old the embedded and cached material are.

use std::path::PathBuf;
use std::process::ExitCode;

use sigchain_core::crypto::{sha256, Sha256Digest};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::EMBEDDED_SNAPSHOT_DATE;
use sigchain_core::tuf::{
    default_cache_dir, TufClient, TufConfig, PRODUCTION_ROOT, PRODUCTION_URL,
    SIGNING_CONFIG_TARGET, STAGING_ROOT, STAGING_URL, TRUSTED_ROOT_TARGET,
};

use crate::inputs;

/// Arguments of `trust`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Fetch trusted_root.json and signing_config.v0.2.json over TUF, verify, and cache them.
    Update(RepoArgs),
    /// Show the embedded snapshot's age and the cache's.
    Status(RepoArgs),
}

/// Which repository and cache (default: public-good production, its default cache).
#[derive(clap::Args)]
struct RepoArgs {
    /// The Sigstore staging TUF repository instead of production.
    #[arg(long, conflicts_with = "tuf_url")]
    staging: bool,
    /// Another TUF repository's base URL (needs --tuf-root).
    #[arg(long, requires = "tuf_root")]
    tuf_url: Option<String>,
    /// That repository's trusted root.json, obtained out of band.
    #[arg(long, requires = "tuf_url")]
    tuf_root: Option<PathBuf>,
    /// Cache directory (default: `$XDG_CACHE_HOME/sigchain/tuf/<repository>`, else
    /// `~/.cache/sigchain/tuf/<repository>`).
    #[arg(long)]
    cache: Option<PathBuf>,
}

impl RepoArgs {
    fn url(&self) -> &str {
        match &self.tuf_url {
            Some(url) => url,
            None if self.staging => STAGING_URL,
            None => PRODUCTION_URL,
        }
    }

    fn cache_dir(&self) -> Result<PathBuf, String> {
        match &self.cache {
            Some(dir) => Ok(dir.clone()),
            None => default_cache_dir(self.url())
                .ok_or_else(|| "no cache directory known: give --cache DIR".to_owned()),
        }
    }

    fn config(&self, now: Timestamp) -> Result<TufConfig, String> {
        let initial_root = match &self.tuf_root {
            Some(path) => inputs::read_limited(path, 1024 * 1024)?,
            None if self.staging => STAGING_ROOT.to_vec(),
            None => PRODUCTION_ROOT.to_vec(),
        };
        Ok(TufConfig {
            repository_url: self.url().to_owned(),
            initial_root,
            cache_dir: self.cache_dir()?,
            now,
        })
    }
}

pub fn run(args: Args) -> ExitCode {
    let result = match args.command {
        Command::Update(repo) => update(&repo),
        Command::Status(repo) => status(&repo),
    };
    crate::finish(result)
}

fn update(repo: &RepoArgs) -> Result<(), String> {
    let config = repo.config(Timestamp::now())?;
    let cache_dir = config.cache_dir.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let material = runtime
        .block_on(TufClient::new(config).update())
        .map_err(|e| e.to_string())?;
    println!("TUF repository: {}", material.repository_url);
    println!("root version: {}", material.root_version);
    println!("targets:");
    println!(
        "  {}",
        describe(TRUSTED_ROOT_TARGET, &material.trusted_root_json)
    );
    match &material.signing_config_json {
        Some(json) => println!("  {}", describe(SIGNING_CONFIG_TARGET, json)),
        None => println!("  {SIGNING_CONFIG_TARGET}: not listed by this repository"),
    }
    println!("cached in: {}", cache_dir.display());
    Ok(())
}

fn describe(name: &str, bytes: &[u8]) -> String {
    format!(
        "{name}: {} bytes, sha256:{}",
        bytes.len(),
        Sha256Digest(sha256(bytes)).to_hex()
    )
}

fn status(repo: &RepoArgs) -> Result<(), String> {
    let now = Timestamp::now();
    let embedded = Timestamp::parse_rfc3339(EMBEDDED_SNAPSHOT_DATE).unwrap_or_default();
    println!(
        "embedded trusted root ({}): snapshot of {}, {}",
        if repo.staging {
            "staging"
        } else {
            "production"
        },
        embedded,
        age(embedded, now)
    );
    let dir = repo.cache_dir()?;
    match TufClient::cached(&dir).map_err(|e| e.to_string())? {
        Some(m) => println!(
            "TUF cache {}: {} (root version {}), fetched {}, {}",
            dir.display(),
            m.repository_url,
            m.root_version,
            m.fetched_at,
            age(m.fetched_at, now)
        ),
        None => println!(
            "TUF cache {}: empty (run `sigchain trust update`)",
            dir.display()
        ),
    }
    Ok(())
}

fn age(then: Timestamp, now: Timestamp) -> String {
    let days = (now.as_secs() - then.as_secs()).div_euclid(86_400);
    match days {
        d if d < 0 => "in the future".to_owned(),
        0 => "less than a day old".to_owned(),
        1 => "1 day old".to_owned(),
        d => format!("{d} days old"),
    }
}
