//! `sigchain verify-many` as a whole process against the library in-process, on the same
//! manifest of inline bundles (`sigchain_benches::manifest`): how much the command adds to the
//! verification work, and how `--jobs 2` scales.
//!
//! Run (the command is timed as built, so build it first, in release):
//!
//! ```text
//! cargo build --release -p sigchain-cli
//! cargo bench -p sigchain-benches --bench verify_many [-- --rounds 7 --lines 886 --sigchain PATH]
//! ```
//!
//! `--sigchain` may be given more than once (say, a build of main and one of a branch): every
//! binary then runs in the same rounds, so they meet the same load.
//!
//! Not a criterion benchmark: one sample is a whole process run of about half a second, so this
//! runs a few rounds, each timing the library once and the command once per `--jobs`, in a
//! rotating order so a burst of load on a shared machine does not land on one contender only,
//! and prints medians, minima and their ratios.
//!
//! Besides wall time it reports CPU time, which other load on a shared machine disturbs far
//! less: for the library, the timing thread's own (`/proc/thread-self/schedstat`, in ns); for
//! the command, every thread of the process from start to exit, through `perf stat -e
//! task-clock` when `perf` is installed, else the reaped children's time in `/proc/self/stat`
//! (10 ms ticks). Linux only; elsewhere the CPU columns are left out.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sigchain_benches::cases::{load_production_happy_paths, Case};
use sigchain_benches::manifest::InlineManifest;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Artifact, Policy, SignerPolicy, Verifier, VerifierConfig};

/// Lines in the manifest: the size of the manifest the issue measured.
const DEFAULT_LINES: usize = 886;
const DEFAULT_ROUNDS: usize = 7;
/// The `--jobs` values the command is run with.
const JOBS: [usize; 2] = [1, 2];

struct Options {
    rounds: usize,
    lines: usize,
    sigchains: Vec<PathBuf>,
}

fn usage() -> String {
    "usage: verify_many [--rounds N] [--lines N] [--sigchain PATH]...".into()
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        rounds: DEFAULT_ROUNDS,
        lines: DEFAULT_LINES,
        sigchains: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(usage);
        match arg.as_str() {
            "--rounds" => options.rounds = value()?.parse().map_err(|_| usage())?,
            "--lines" => options.lines = value()?.parse().map_err(|_| usage())?,
            "--sigchain" => options.sigchains.push(value()?.into()),
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            _ => return Err(usage()),
        }
    }
    if options.rounds == 0 || options.lines == 0 {
        return Err(usage());
    }
    if options.sigchains.is_empty() {
        options.sigchains.push(default_sigchain());
    }
    Ok(options)
}

/// `$SIGCHAIN_BIN`, else the `sigchain` built into the same profile folder as this bench
/// (`target/release/deps/verify_many-*` → `target/release/sigchain`).
fn default_sigchain() -> PathBuf {
    if let Some(path) = std::env::var_os("SIGCHAIN_BIN") {
        return path.into();
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("sigchain")))
        .unwrap_or_else(|| "sigchain".into())
}

fn policy(case: &Case) -> Policy<'_> {
    Policy {
        artifact: Artifact::Sha256(case.artifact_digest),
        signer: SignerPolicy::Certificate(vec![CertificateIdentity::new(
            IdentityMatcher::exact(case.identity.as_str()),
            IdentityMatcher::exact(case.issuer.as_str()),
        )]),
    }
}

/// Wall time and CPU time of one run.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
}

/// CPU time the calling thread has run, in ns, from `/proc/thread-self/schedstat`.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// CPU time of this process's reaped children, from `/proc/self/stat` (cutime + cstime, in
/// USER_HZ ticks: 100 per second on every Linux architecture).
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name (in parentheses, may hold spaces), cutime and cstime are the
    // 14th and 15th fields.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(13);
    let mut next = || fields.next()?.parse::<u64>().ok();
    let ticks = next()? + next()?;
    Some(Duration::from_millis(ticks * 10))
}

/// How the command's CPU time is measured.
enum ProcessCpu {
    /// `perf stat -e task-clock`, writing its report to this file.
    Perf(PathBuf),
    /// The reaped children's ticks.
    Ticks,
}

impl ProcessCpu {
    fn detect(report: PathBuf) -> ProcessCpu {
        let works = Command::new("perf")
            .args(["stat", "-x,", "-e", "task-clock", "--", "true"])
            .output()
            .is_ok_and(|out| out.status.success());
        if works {
            ProcessCpu::Perf(report)
        } else {
            ProcessCpu::Ticks
        }
    }

    fn command(&self, program: &Path) -> Command {
        match self {
            ProcessCpu::Perf(report) => {
                let mut command = Command::new("perf");
                command
                    .args(["stat", "-x,", "-e", "task-clock", "-o"])
                    .arg(report)
                    .arg("--")
                    .arg(program);
                command
            }
            ProcessCpu::Ticks => Command::new(program),
        }
    }

    /// The `task-clock` line of perf's CSV report: `<msec>,msec,task-clock,...`.
    fn perf_report(report: &Path) -> Option<Duration> {
        let text = std::fs::read_to_string(report).ok()?;
        let line = text.lines().find(|l| l.contains("task-clock"))?;
        let msec: f64 = line.split(',').next()?.parse().ok()?;
        Some(Duration::from_secs_f64(msec / 1e3))
    }
}

/// The library's share: one `Verifier` (built untimed), one thread, every line's bundle.
fn library_run(manifest: &InlineManifest<'_>, now: Timestamp) -> Result<Sample, String> {
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    let cpu_before = thread_cpu();
    let started = Instant::now();
    for (bundle_json, case) in manifest.entries() {
        verifier
            .verify_json(black_box(bundle_json), &policy(case), now)
            .map_err(|e| format!("library rejects {}: {e}", case.name))?;
    }
    let wall = started.elapsed();
    let cpu = cpu_before
        .zip(thread_cpu())
        .map(|(before, after)| after.saturating_sub(before));
    Ok(Sample { wall, cpu })
}

/// The command's share: the whole process, from spawn to exit, with its output read.
fn process_run(
    cpu_meter: &ProcessCpu,
    sigchain: &Path,
    manifest: &Path,
    jobs: usize,
    lines: usize,
) -> Result<Sample, String> {
    let children_before = children_cpu();
    let started = Instant::now();
    let out = cpu_meter
        .command(sigchain)
        .args(["verify-many", "--jobs", &jobs.to_string()])
        .arg(manifest)
        .output()
        .map_err(|e| format!("{}: {e}", sigchain.display()))?;
    let wall = started.elapsed();
    let cpu = match cpu_meter {
        ProcessCpu::Perf(report) => ProcessCpu::perf_report(report),
        ProcessCpu::Ticks => children_before
            .zip(children_cpu())
            .map(|(before, after)| after.saturating_sub(before)),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ok = stdout
        .lines()
        .filter(|l| l.ends_with("\"ok\":true}"))
        .count();
    if !out.status.success() || ok != lines {
        return Err(format!(
            "sigchain verify-many --jobs {jobs}: exit {:?}, {ok} of {lines} ok; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(Sample { wall, cpu })
}

fn median(samples: impl Iterator<Item = Duration>) -> Duration {
    let mut sorted: Vec<Duration> = samples.collect();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn min(samples: impl Iterator<Item = Duration>) -> Duration {
    samples.min().unwrap_or_default()
}

fn walls(samples: &[Sample]) -> impl Iterator<Item = Duration> + '_ {
    samples.iter().map(|s| s.wall)
}

/// CPU times, if every sample has one.
fn cpus(samples: &[Sample]) -> Option<Vec<Duration>> {
    samples.iter().map(|s| s.cpu).collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-12)
}

fn main() -> Result<(), String> {
    let options = parse_options()?;
    if let Some(missing) = options.sigchains.iter().find(|p| !p.is_file()) {
        return Err(format!(
            "no sigchain binary at {}: run `cargo build --release -p sigchain-cli` first, or \
             give --sigchain PATH / SIGCHAIN_BIN",
            missing.display()
        ));
    }
    let cases = load_production_happy_paths().map_err(|e| format!("conformance cases: {e}"))?;
    let manifest = InlineManifest::build(&cases, options.lines).map_err(|e| e.to_string())?;
    let dir =
        std::env::temp_dir().join(format!("sigchain-bench-verify-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let manifest_path = dir.join("manifest.jsonl");
    let result = std::fs::write(&manifest_path, manifest.text())
        .map_err(|e| format!("{}: {e}", manifest_path.display()))
        .and_then(|()| {
            let cpu_meter = ProcessCpu::detect(dir.join("perf.csv"));
            measure(&options, &cpu_meter, &manifest, &manifest_path)
        });
    std::fs::remove_dir_all(&dir).ok();
    result
}

/// One thing timed: the library, or a `sigchain` binary with a `--jobs`.
enum Contender<'a> {
    Library,
    Process { sigchain: &'a Path, jobs: usize },
}

impl Contender<'_> {
    fn name(&self) -> String {
        match self {
            Contender::Library => "library, 1 thread".into(),
            Contender::Process { sigchain, jobs } => {
                format!("{} --jobs {jobs}", sigchain.display())
            }
        }
    }
}

fn measure(
    options: &Options,
    cpu_meter: &ProcessCpu,
    manifest: &InlineManifest<'_>,
    manifest_path: &Path,
) -> Result<(), String> {
    let now = Timestamp::now();
    let lines = manifest.len();
    println!(
        "verify-many: {lines} inline bundles ({:.1} MB manifest), {} rounds, {} cores",
        manifest.text().len() as f64 / 1e6,
        options.rounds,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    println!(
        "command CPU time from {}",
        match cpu_meter {
            ProcessCpu::Perf(_) => "perf stat -e task-clock",
            ProcessCpu::Ticks => "/proc/self/stat children ticks (10 ms)",
        }
    );
    let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average before: {}", load().trim());
    let mut contenders = vec![Contender::Library];
    for sigchain in &options.sigchains {
        for jobs in JOBS {
            contenders.push(Contender::Process { sigchain, jobs });
        }
    }
    let run = |contender: &Contender<'_>| match contender {
        Contender::Library => library_run(manifest, now),
        Contender::Process { sigchain, jobs } => {
            process_run(cpu_meter, sigchain, manifest_path, *jobs, lines)
        }
    };
    // Warm-up: page cache, lazy statics, CPU frequency.
    for contender in &contenders {
        run(contender)?;
    }
    // Every contender once per round, starting one further along each round.
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); contenders.len()];
    for round in 0..options.rounds {
        for k in 0..contenders.len() {
            let c = (round + k) % contenders.len();
            samples[c].push(run(&contenders[c])?);
        }
    }
    println!("load average after:  {}", load().trim());

    let per_second = |d: Duration| lines as f64 / d.as_secs_f64().max(1e-12);
    for (contender, runs) in contenders.iter().zip(&samples) {
        let all: Vec<String> = walls(runs).map(|d| format!("{:.0}", ms(d))).collect();
        // CPU over wall time: how many cores the run got. Below the --jobs asked for, the
        // machine was busy and the wall-time speed-up says little.
        let cpu = cpus(runs).map_or(String::new(), |cpu| {
            let cores: Vec<f64> = runs
                .iter()
                .filter_map(|s| Some(ratio(s.cpu?, s.wall)))
                .collect();
            let mut sorted = cores.clone();
            sorted.sort_by(f64::total_cmp);
            format!(
                "  cpu median {:>6.1} ms min {:>6.1} ms  cores used median {:.2}",
                ms(median(cpu.iter().copied())),
                ms(min(cpu.iter().copied())),
                sorted.get(sorted.len() / 2).copied().unwrap_or_default()
            )
        });
        println!(
            "{}\n    wall median {:>6.1} ms min {:>6.1} ms {:>5.0} bundles/s{cpu}\n    [wall: {}]",
            contender.name(),
            ms(median(walls(runs))),
            ms(min(walls(runs))),
            per_second(median(walls(runs))),
            all.join(" ")
        );
    }
    let both = |a: &[Sample], b: &[Sample], what: &str| {
        println!(
            "  {what}, wall: {:.3} (medians) {:.3} (minima)",
            ratio(median(walls(a)), median(walls(b))),
            ratio(min(walls(a)), min(walls(b)))
        );
        if let (Some(a), Some(b)) = (cpus(a), cpus(b)) {
            println!(
                "  {what}, cpu:  {:.3} (medians) {:.3} (minima)",
                ratio(median(a.iter().copied()), median(b.iter().copied())),
                ratio(min(a.iter().copied()), min(b.iter().copied()))
            );
        }
    };
    let library = &samples[0];
    for (i, sigchain) in options.sigchains.iter().enumerate() {
        // This binary's samples, in JOBS order: --jobs 1, then --jobs 2.
        let first = 1 + JOBS.len() * i;
        let (jobs1, jobs2) = (&samples[first], &samples[first + 1]);
        println!("{}:", sigchain.display());
        both(jobs1, library, "--jobs 1 / library");
        both(jobs1, jobs2, "--jobs 2 throughput / --jobs 1");
    }
    Ok(())
}
