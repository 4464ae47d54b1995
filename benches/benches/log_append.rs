//! Appends per second to the local instance's Rekor v1 log, with 1 and with 64 concurrent
//! clients, against the fsync floor measured on the same disk around each run.
//!
//! Run: `cargo bench -p sigchain-benches --bench log_append [-- --entries N
//! --single-client-entries N --reps N]`.
//!
//! Not a criterion benchmark: one sample is a whole run of thousands of entries through a
//! server, so this main runs each variant a few times and prints medians. Every variant gets a
//! fresh instance in a fresh folder under the system temp dir (deleted at the end), served on
//! 127.0.0.1:0; nothing else is touched. Entries are signed before the clock starts, so the
//! figures are the log's and the client's checks, not the submitter's signing.
//!
//! Under `cargo test --benches` (no `--bench` argument) it runs a few entries once, to show it
//! works, and prints no figures worth reading.

use std::error::Error;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use sigchain_core::crypto::{sha256, HashAlgorithm};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Verifier, VerifierConfig};
use sigchain_instance::server::{Instance, InstanceConfig};
use sigchain_rekor::client::{Transport, TransportConfig};
use sigchain_rekor::proposal::{Proposal, Signer};
use sigchain_rekor::v1::RekorV1;

type BoxError = Box<dyn Error + Send + Sync>;

/// Concurrent clients in the batched variants.
const MANY_CLIENTS: usize = 64;
/// Submitting keys: entries are spread over them as over real signers.
const SIGNING_KEYS: usize = 64;

#[derive(Debug, Clone)]
struct Settings {
    /// Entries per run with [`MANY_CLIENTS`] clients.
    entries: usize,
    /// Entries per run with one client (each waits for its own sync, so fewer keep the run
    /// short; the figure is a rate either way).
    single_client_entries: usize,
    /// Runs of each variant; medians are reported.
    reps: usize,
    /// Syncs timed for the floor just before and just after each run.
    fsync_samples: usize,
}

impl Settings {
    const BENCH: Settings = Settings {
        entries: 5000,
        single_client_entries: 500,
        reps: 5,
        fsync_samples: 50,
    };
    const SMOKE: Settings = Settings {
        entries: 128,
        single_client_entries: 8,
        reps: 1,
        fsync_samples: 4,
    };

    /// `cargo bench` passes `--bench`; `cargo test --benches` does not (criterion's rule).
    /// A positional argument is a name filter, as for criterion: this bench runs only when
    /// it is part of `log_append`.
    fn from_args() -> Result<Option<Settings>, BoxError> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let bench = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
        let mut settings = if bench {
            Settings::BENCH
        } else {
            Settings::SMOKE
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut number = || -> Result<usize, BoxError> {
                let value = args.next().ok_or(format!("{arg} needs a number"))?;
                Ok(value.parse()?)
            };
            match arg.as_str() {
                "--entries" => settings.entries = number()?,
                "--single-client-entries" => settings.single_client_entries = number()?,
                "--reps" => settings.reps = number()?.max(1),
                "--bench" | "--test" => {}
                flag if flag.starts_with('-') => eprintln!("log_append: ignoring {flag}"),
                filter if !"log_append".contains(filter) => return Ok(None),
                _ => {}
            }
        }
        Ok(Some(settings))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every answer goes through `RekorV1::check_created`: SET, checkpoint signature,
    /// inclusion proof, and the body against the proposal.
    Check,
    /// Only the status is looked at: the server's throughput.
    SendOnly,
}

#[derive(Debug, Clone, Copy)]
struct Variant {
    clients: usize,
    mode: Mode,
}

impl Variant {
    fn name(&self) -> String {
        let mode = match self.mode {
            Mode::Check => "check",
            Mode::SendOnly => "send-only",
        };
        format!(
            "{} client{}, {mode}",
            self.clients,
            if self.clients == 1 { "" } else { "s" }
        )
    }
}

const VARIANTS: [Variant; 4] = [
    Variant {
        clients: 1,
        mode: Mode::Check,
    },
    Variant {
        clients: 1,
        mode: Mode::SendOnly,
    },
    Variant {
        clients: MANY_CLIENTS,
        mode: Mode::Check,
    },
    Variant {
        clients: MANY_CLIENTS,
        mode: Mode::SendOnly,
    },
];

/// One timed run.
#[derive(Debug, Clone, Copy)]
struct Run {
    entries: usize,
    elapsed: Duration,
    /// Distinct checkpoint sizes seen in the answers (check mode only). Each batch signs
    /// one checkpoint, but an answer may carry a later batch's, so this is at most the
    /// number of batches.
    checkpoints_seen: Option<usize>,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.entries as f64 / self.elapsed.as_secs_f64()
    }
}

/// `count` hashedrekord proposals over distinct artifacts, signed by [`SIGNING_KEYS`] keys.
fn proposals(count: usize) -> Result<Vec<Proposal>, BoxError> {
    let rng = SystemRandom::new();
    let mut keys = Vec::with_capacity(SIGNING_KEYS);
    for _ in 0..SIGNING_KEYS {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())?;
        let spki = pair.public_key().as_der()?.as_ref().to_vec();
        keys.push((pair, spki));
    }
    let mut proposals = Vec::with_capacity(count);
    for (i, (pair, spki)) in (0..count).zip(keys.iter().cycle()) {
        let artifact = format!("log_append artifact {i}");
        let signature = pair.sign(&rng, artifact.as_bytes())?;
        proposals.push(Proposal::hashed_rekord(
            HashAlgorithm::Sha256,
            sha256(artifact.as_bytes()).to_vec(),
            signature.as_ref().to_vec(),
            Signer::PublicKey(spki.clone()),
        )?);
    }
    Ok(proposals)
}

/// What the clients share in one run.
struct Clients {
    transport: Transport,
    rekor: RekorV1,
    proposals: Arc<Vec<Proposal>>,
    count: usize,
    next: AtomicUsize,
    mode: Mode,
}

/// One client: submit the next unsent proposal until `count` are sent. Returns the
/// checkpoint sizes its answers carried (check mode).
async fn client(shared: Arc<Clients>) -> Result<Vec<u64>, BoxError> {
    let mut sizes = Vec::new();
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        if i >= shared.count {
            return Ok(sizes);
        }
        let proposal = shared
            .proposals
            .get(i)
            .ok_or("fewer proposals than entries")?;
        let answer = shared
            .transport
            .execute(&shared.rekor.create_entry(proposal))
            .await?;
        match shared.mode {
            Mode::Check => {
                let entry = shared
                    .rekor
                    .check_created(proposal, &answer, Timestamp::now())?;
                sizes.extend(entry.checkpoint().map(|c| c.tree_size()));
            }
            Mode::SendOnly if answer.status != 201 => {
                return Err(format!("status {} for entry {i}", answer.status).into());
            }
            Mode::SendOnly => {}
        }
    }
}

/// A fresh instance in `dir`, served on 127.0.0.1 for the duration of one run.
async fn run(
    dir: &Path,
    variant: Variant,
    proposals: Arc<Vec<Proposal>>,
    count: usize,
) -> Result<Run, BoxError> {
    let instance = Instance::open(InstanceConfig::new(dir))?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let trusted_root = TrustedRoot::from_json(instance.trusted_root_json(&base_url)?.as_bytes())?;
    let rekor = RekorV1::new(
        Verifier::new(&trusted_root, VerifierConfig::default()),
        instance.rekor_v1.signer().log_id(),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(instance.serve(listener, async {
        let _ = stopped.await;
    }));

    let transport = Transport::new(&base_url, TransportConfig::default())?;
    // Open every client's connection before the clock starts.
    let mut warm = tokio::task::JoinSet::new();
    for _ in 0..variant.clients {
        let (transport, request) = (transport.clone(), rekor.log_info());
        warm.spawn(async move { transport.execute(&request).await });
    }
    while let Some(answer) = warm.join_next().await {
        let answer = answer??;
        if answer.status != 200 {
            return Err(format!("log info: status {}", answer.status).into());
        }
    }

    let shared = Arc::new(Clients {
        transport,
        rekor,
        proposals,
        count,
        next: AtomicUsize::new(0),
        mode: variant.mode,
    });
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..variant.clients {
        tasks.spawn(client(Arc::clone(&shared)));
    }
    let mut sizes = Vec::with_capacity(count);
    while let Some(result) = tasks.join_next().await {
        sizes.extend(result??);
    }
    let elapsed = started.elapsed();

    // Close the client connections, then stop the server and wait for it.
    drop(shared);
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), server).await???;
    sizes.sort_unstable();
    sizes.dedup();
    Ok(Run {
        entries: count,
        elapsed,
        checkpoints_seen: (variant.mode == Mode::Check).then_some(sizes.len()),
    })
}

/// `samples` appends of 512 bytes to a file in `dir`, each followed by `sync_data`, as the
/// log's storage writes a batch: the time of each sync.
fn fsync_times(dir: &Path, samples: usize) -> Result<Vec<Duration>, BoxError> {
    use std::io::Write as _;
    let path = dir.join("fsync-floor");
    let mut file = std::fs::File::create(&path)?;
    let record = [0x5a_u8; 512];
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        file.write_all(&record)?;
        let started = Instant::now();
        file.sync_data()?;
        times.push(started.elapsed());
    }
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(times)
}

fn median<T: Copy + PartialOrd>(values: &mut [T]) -> Option<T> {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values.get(values.len() / 2).copied()
}

/// One run with the fsync floor measured just before and just after it: on a shared machine
/// the disk's sync latency drifts with whatever else is being written, so each run is set
/// against its own floor, and a run during which the floor moved is pointed out.
#[derive(Debug, Clone, Copy)]
struct Measured {
    run: Run,
    fsync_before: Duration,
    fsync_after: Duration,
}

impl Measured {
    /// The floor for this run: the mean of the medians before and after.
    fn fsync(&self) -> Duration {
        (self.fsync_before + self.fsync_after) / 2
    }

    /// Whether the floor moved by more than 2× across the run.
    fn floor_moved(&self) -> bool {
        let (a, b) = (
            self.fsync_before.as_secs_f64(),
            self.fsync_after.as_secs_f64(),
        );
        a.max(b) > 2.0 * a.min(b)
    }

    /// Entries per second ÷ syncs per second: how many entries each sync's worth of time
    /// carried. One client waits for a sync per entry, so at most about 1 there.
    fn per_fsync(&self) -> f64 {
        self.run.per_second() * self.fsync().as_secs_f64()
    }
}

fn main() -> Result<(), BoxError> {
    let Some(settings) = Settings::from_args()? else {
        return Ok(());
    };
    let bench_started = Instant::now();
    let scratch = tempfile::Builder::new()
        .prefix("sigchain-log-append-")
        .tempdir_in(std::env::temp_dir())?;
    println!(
        "log_append: {} entries with {MANY_CLIENTS} clients, {} with 1, {} repetition(s), in {}",
        settings.entries,
        settings.single_client_entries,
        settings.reps,
        scratch.path().display()
    );
    let proposals = Arc::new(proposals(
        settings.entries.max(settings.single_client_entries),
    )?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;

    let mut measured: Vec<Vec<Measured>> = vec![Vec::new(); VARIANTS.len()];
    let mut all_syncs = Vec::new();
    for rep in 0..settings.reps {
        for (v, variant) in VARIANTS.iter().enumerate() {
            let count = if variant.clients == 1 {
                settings.single_client_entries
            } else {
                settings.entries
            };
            let mut floor = || -> Result<Duration, BoxError> {
                let mut syncs = fsync_times(scratch.path(), settings.fsync_samples)?;
                let fsync = median(&mut syncs).ok_or("no fsync samples")?;
                all_syncs.extend(syncs);
                Ok(fsync)
            };
            let fsync_before = floor()?;
            let dir = scratch.path().join(format!("rep{rep}-variant{v}"));
            let run = runtime.block_on(run(&dir, *variant, Arc::clone(&proposals), count))?;
            let fsync_after = floor()?;
            let m = Measured {
                run,
                fsync_before,
                fsync_after,
            };
            println!(
                "  rep {rep}: {:<22} {:>5} entries in {:>6.3} s = {:>5.0} entries/s; fsync {:.3}/{:.3} ms before/after{}; {:.2} entries per fsync time{}",
                variant.name(),
                run.entries,
                run.elapsed.as_secs_f64(),
                run.per_second(),
                fsync_before.as_secs_f64() * 1e3,
                fsync_after.as_secs_f64() * 1e3,
                if m.floor_moved() { " (moved)" } else { "" },
                m.per_fsync(),
                run.checkpoints_seen
                    .map(|n| format!("; {n} checkpoints seen"))
                    .unwrap_or_default()
            );
            if let Some(list) = measured.get_mut(v) {
                list.push(m);
            }
            // Each run's folder goes as soon as it is measured; the scratch folder at the end.
            std::fs::remove_dir_all(&dir)?;
        }
    }
    drop(runtime);

    let stat = |v: usize, f: fn(&Measured) -> f64| -> f64 {
        let mut values: Vec<f64> = measured
            .get(v)
            .map(|list| list.iter().map(f).collect())
            .unwrap_or_default();
        median(&mut values).unwrap_or(f64::NAN)
    };
    let fsync = median(&mut all_syncs).ok_or("no fsync samples")?;
    let ms = |q: usize| {
        all_syncs
            .get(all_syncs.len() * q / 100)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "\nfsync floor: sync_data after a 512-byte append, median {:.3} ms (p10 {:.3}, p90 {:.3}) over {} samples (before and after each run)",
        fsync.as_secs_f64() * 1e3,
        ms(10),
        ms(90),
        all_syncs.len()
    );
    println!("medians over the repetitions: entries/s, and entries per fsync time (each run against the floor measured around it):");
    let mut rates = [0.0; VARIANTS.len()];
    for (v, variant) in VARIANTS.iter().enumerate() {
        let rate = stat(v, |m| m.run.per_second());
        if let Some(slot) = rates.get_mut(v) {
            *slot = rate;
        }
        println!(
            "  {:<22} {rate:>6.0} entries/s  {:>6.2} entries per fsync",
            variant.name(),
            stat(v, Measured::per_fsync)
        );
    }
    let runs = measured.iter().flatten();
    let moved = runs.clone().filter(|m| m.floor_moved()).count();
    if moved > 0 {
        println!(
            "  ({moved} of {} runs saw the floor move by more than 2× across them: the disk is shared)",
            runs.count()
        );
    }
    let [one_check, one_send, many_check, many_send] = rates;
    println!("batching gain ({MANY_CLIENTS} clients ÷ 1 client, median entries/s):");
    println!("  check      {:.1}×", many_check / one_check);
    println!("  send-only  {:.1}×", many_send / one_send);
    println!(
        "cost of the client checks at {MANY_CLIENTS} clients: send-only ÷ check = {:.2}",
        many_send / many_check
    );
    println!(
        "total {:.1} s (signing the proposals, opening instances and the fsync floors included)",
        bench_started.elapsed().as_secs_f64()
    );
    scratch.close()?;
    Ok(())
}
