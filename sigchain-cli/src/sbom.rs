//! `sigchain sbom SOURCE`: catalog an image or a file system and write an SPDX 2.3 or
//! CycloneDX 1.6 document (or a table for people), with a progress bar when stderr is a
//! terminal.
//!
//! Sources use Syft's scheme prefixes: `oci-dir:PATH`, `docker-archive:PATH`, `dir:PATH`,
//! `file:PATH` and `registry:REF`. A registry image is first copied (its manifest for the
//! platform, config and layers, every blob checked) into a temporary OCI layout, which is
//! then read like `oci-dir:`; the layout is deleted afterwards.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use sigchain_oci::client::{ClientConfig, RegistryClient};
use sigchain_oci::flow;
use sigchain_oci::layout::OciLayout;
use sigchain_oci::reference::Reference;
use sigchain_oci::registry::Platform;
use sigchain_sbom::catalog::{catalogers, CatalogerSettings};
use sigchain_sbom::driver::{catalog_source_with_progress, Progress};
use sigchain_sbom::model::{Catalog, Cataloger};
use sigchain_sbom::output::{self, DocumentInfo, Subject};
use sigchain_sbom::source::{Source, SourceLimits};

/// The document formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// SPDX 2.3 JSON.
    SpdxJson,
    /// CycloneDX 1.6 JSON.
    CyclonedxJson,
    /// A table for people: type, name, version, purl, where found.
    Table,
}

/// `sigchain sbom`.
#[derive(clap::Args)]
pub struct Args {
    /// What to catalog: `oci-dir:PATH` (an OCI image layout), `docker-archive:PATH` (a
    /// `docker save` tar), `dir:PATH` (a root file system), `file:PATH` (one file or layer
    /// tar), `registry:REF` (an image in a registry).
    source: String,
    /// The document format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    format: Format,
    /// Write the document to this file instead of stdout.
    #[arg(long, value_name = "OUT")]
    file: Option<PathBuf>,
    /// Same input, same bytes: the document's time is `SOURCE_DATE_EPOCH` (0 when unset) and
    /// its namespace / serial number are derived from the subject and the packages instead of
    /// being random.
    #[arg(long)]
    deterministic: bool,
    /// List each package's installed files (dpkg's file lists, Python's RECORD): SPDX File
    /// elements that the package CONTAINS, CycloneDX nested `file` components; each with the
    /// SHA-1 and SHA-256 of its content, computed as the layers stream by. Off by default: it
    /// hashes every byte of the source and makes documents about ten times larger.
    #[arg(long)]
    files: bool,
    /// List the development dependencies of npm lock files too (`"dev": true` entries), as
    /// Trivy's flag of the same name does. Off by default, as in both peers: an image ships
    /// what a production install put there.
    #[arg(long)]
    include_dev_deps: bool,
    /// The platform to take from a multi-platform registry image (`os/arch[/variant]`).
    #[arg(long, default_value = "linux/amd64")]
    platform: String,
    /// Reach the source's registry over plain HTTP (a registry without TLS, e.g. on loopback).
    #[arg(long)]
    allow_insecure_registry: bool,
    /// No progress bar, even on a terminal.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// `sigchain sbom SOURCE`.
pub fn run(args: Args) -> ExitCode {
    crate::finish(sbom(&args))
}

fn sbom(args: &Args) -> Result<(), String> {
    let source = Source::parse(&args.source).map_err(|e| e.to_string())?;
    // Read before the catalog runs, so that a bad value fails fast.
    let info_time = document_time(args.deterministic)?;
    let bar = Bar::new(args.quiet);
    let boxed = catalogers(&CatalogerSettings::default().with_include_dev(args.include_dev_deps));
    let catalogers: Vec<&dyn Cataloger> = boxed.iter().map(|c| c.as_ref()).collect();
    let limits = SourceLimits {
        file_digests: args.files,
        ..SourceLimits::default()
    };

    // A registry image is read from a local copy; `_pulled` keeps it until the catalog is done.
    let (readable, _pulled) = match &source {
        Source::Registry(reference) => {
            bar.message(&format!("pulling {reference}"));
            let (dir, digest) = pull(reference, &args.platform, args.allow_insecure_registry)?;
            bar.message(&format!("pulled {reference} ({digest})"));
            (
                Source::OciDir {
                    dir: dir.path().to_owned(),
                    image: None,
                },
                Some(dir),
            )
        }
        other => (other.clone(), None),
    };
    let catalog = catalog_source_with_progress(&readable, &catalogers, &limits, &bar)
        .map_err(|e| format!("{}: {e}", args.source))?;
    bar.finish();

    let subject = Subject::of(&source, &catalog);
    let info = match info_time {
        Timing::Deterministic(created) => DocumentInfo::deterministic(subject, created),
        Timing::Unique(now) => DocumentInfo::unique(subject, now, random_bytes()?),
    }
    .with_files(args.files);
    let document = match args.format {
        Format::SpdxJson => output::spdx_json(&catalog, &info).map_err(|e| e.to_string())?,
        Format::CyclonedxJson => {
            output::cyclonedx_json(&catalog, &info).map_err(|e| e.to_string())?
        }
        Format::Table => output::table(&catalog).into_bytes(),
    };
    crate::inputs::write_output(args.file.as_deref(), &document)?;
    report(&catalog, args.file.as_deref());
    Ok(())
}

enum Timing {
    Deterministic(i64),
    Unique(i64),
}

/// The document's time: `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention,
/// honoured in both modes), else 0 for a deterministic document and now for a unique one.
fn document_time(deterministic: bool) -> Result<Timing, String> {
    let epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => Some(output::source_date_epoch(&value).map_err(|e| e.to_string())?),
        Err(_) => None,
    };
    Ok(if deterministic {
        Timing::Deterministic(epoch.unwrap_or(0))
    } else {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| format!("system clock: {e}"))?
            .as_secs();
        Timing::Unique(epoch.unwrap_or(i64::try_from(now).unwrap_or(i64::MAX)))
    })
}

fn random_bytes() -> Result<[u8; 16], String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| "no random bytes from the system".to_owned())?;
    Ok(bytes)
}

/// Copy `reference` into a new temporary OCI layout; the directory and the manifest digest.
fn pull(
    reference: &str,
    platform: &str,
    allow_insecure_registry: bool,
) -> Result<(tempfile::TempDir, String), String> {
    let parsed = Reference::parse(reference).map_err(|e| format!("{reference}: {e}"))?;
    let platform = Platform::parse(platform).map_err(|e| e.to_string())?;
    let config =
        flow::with_insecure_registry(ClientConfig::default(), &parsed, allow_insecure_registry);
    let client = RegistryClient::new(config).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let layout = OciLayout::create(dir.path()).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let pulled = runtime
        .block_on(client.pull_image(&parsed, &platform, &layout))
        .map_err(|e| format!("{reference}: {e}"))?;
    Ok((dir, pulled.manifest_digest.to_string()))
}

/// A line on stderr: how many packages, and what could not be read (the documents carry the
/// warnings too; this makes them visible to whoever runs the command).
fn report(catalog: &Catalog, file: Option<&Path>) {
    let shown = 20;
    for warning in catalog.warnings.iter().take(shown) {
        let layer = warning.location.layer.as_deref().unwrap_or("");
        let at = if layer.is_empty() {
            warning.location.path.clone()
        } else {
            format!("{layer}:{}", warning.location.path)
        };
        eprintln!("WARNING: {at}: {}", warning.message);
    }
    if catalog.warnings.len() > shown {
        eprintln!(
            "WARNING: ... and {} more (all are in the document)",
            catalog.warnings.len() - shown
        );
    }
    if let Some(path) = file {
        eprintln!(
            "{} packages, {} warnings: {}",
            catalog.packages.len(),
            catalog.warnings.len(),
            path.display()
        );
    }
}

/// The progress bar: stored bytes of the layers read so far, with the layers done and the
/// entries seen; a spinner with the entry count for a directory. Drawn on stderr only when it
/// is a terminal (indicatif hides itself otherwise) and not `--quiet`.
struct Bar {
    bar: ProgressBar,
    layers: AtomicUsize,
    layers_done: AtomicUsize,
    entries: AtomicU64,
}

impl Bar {
    fn new(quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new_spinner()
        };
        bar.enable_steady_tick(Duration::from_millis(120));
        Bar {
            bar,
            layers: AtomicUsize::new(0),
            layers_done: AtomicUsize::new(0),
            entries: AtomicU64::new(0),
        }
    }

    fn message(&self, text: &str) {
        self.bar.set_message(text.to_owned());
    }

    fn show_counts(&self) {
        let entries = self.entries.load(Ordering::Relaxed);
        let layers = self.layers.load(Ordering::Relaxed);
        let message = if layers == 0 {
            format!("{entries} files")
        } else {
            format!(
                "layers {}/{layers}, {entries} files",
                self.layers_done.load(Ordering::Relaxed)
            )
        };
        self.bar.set_message(message);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, layers: usize, stored_bytes: u64) {
        self.layers.store(layers, Ordering::Relaxed);
        if stored_bytes > 0 {
            self.bar.set_length(stored_bytes);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {bar:30} {bytes}/{total_bytes} {msg} [{elapsed}]",
            ) {
                self.bar.set_style(style);
            }
        }
        self.show_counts();
    }

    fn read(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn entry(&self) {
        // The message is rebuilt every 512 entries, not for each one: cheap on big layers.
        if self.entries.fetch_add(1, Ordering::Relaxed) % 512 == 0 {
            self.show_counts();
        }
    }

    fn layer_done(&self) {
        self.layers_done.fetch_add(1, Ordering::Relaxed);
        self.show_counts();
    }
}
