//! Merkle proof costs: inclusion and consistency verification in a tree of 2^40 leaves, each
//! against its SHA-256 floor measured in the same run, and proof generation on the local
//! log's in-memory tree of 10^6 leaves.
//!
//! Run: `cargo bench -p sigchain-benches --bench tlog`. After criterion's own output it prints
//! the sigchain ÷ floor ratios of this run.
//!
//! The floors hash exactly what an RFC 6962 verifier must hash, with the `sha2` crate
//! sigchain-core uses and nothing else: the order of left and right is decided beforehand, so
//! the floor spends no time on the tree-shape arithmetic or the checks that sigchain does.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use criterion::{BenchmarkId, Criterion};
use sha2::{Digest as _, Sha256};
use sigchain_benches::cases::load_case;
use sigchain_core::bundle::Bundle;
use sigchain_core::limits::Limits;
use sigchain_core::tlog::merkle::{
    hash_children, hash_leaf, root_from_inclusion_proof, verify_consistency, verify_inclusion,
};
use sigchain_core::tlog::{verify_checkpoint, VerifiedCheckpoint};
use sigchain_core::trust_root::TrustedRoot;
use sigchain_instance::log::signer::{LogKeyKind, LogSigner};
use sigchain_instance::log::tree::MerkleTree;
use sigchain_instance::trust::TrustedRootBuilder;

/// 2^40 leaves: a full-depth proof of 40 hashes, beyond any public log today.
const TREE_SIZE: u64 = 1 << 40;
/// In the right half (the top step has its sibling on the left), and 12345 = 0b11000000111001
/// puts both left and right siblings in the lower levels.
const LEAF_INDEX: u64 = (1 << 39) + 12345;
/// Leaves in the local log's tree for the proof-generation benchmarks.
const LOCAL_TREE_SIZE: u64 = 1_000_000;

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

/// A pseudo-random node hash: SHA-256 of a label and a counter, so runs are repeatable.
fn random_node(label: &str, n: u64) -> [u8; 32] {
    Sha256::new()
        .chain_update(label.as_bytes())
        .chain_update(n.to_be_bytes())
        .finalize()
        .into()
}

// ---- the floors ------------------------------------------------------------------------------

/// One interior node, `SHA-256(0x01 || left || right)`: a single 65-byte message.
fn floor_node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut message = [0u8; 65];
    message[0] = 0x01;
    message[1..33].copy_from_slice(left);
    message[33..].copy_from_slice(right);
    Sha256::digest(message).into()
}

/// One sibling on the path to the root, with its side decided ahead of time.
#[derive(Clone, Copy)]
struct PathStep {
    sibling: [u8; 32],
    sibling_on_left: bool,
}

/// The inclusion floor: one leaf hash over `0x00 || leaf`, then one node hash per step.
fn floor_inclusion(leaf: &[u8], path: &[PathStep]) -> [u8; 32] {
    let mut node: [u8; 32] = Sha256::new()
        .chain_update([0x00])
        .chain_update(leaf)
        .finalize()
        .into();
    for step in path {
        node = if step.sibling_on_left {
            floor_node(&step.sibling, &node)
        } else {
            floor_node(&node, &step.sibling)
        };
    }
    node
}

/// One proof hash of a consistency proof, as the verifier uses it.
#[derive(Clone, Copy)]
enum ConsistencyStep {
    /// A left sibling: both the old root and the new root climb through it (two hashes).
    Both([u8; 32]),
    /// A right sibling beyond the old tree: only the new root climbs through it (one hash).
    NewOnly([u8; 32]),
}

impl ConsistencyStep {
    fn hashes(&self) -> usize {
        match self {
            ConsistencyStep::Both(_) => 2,
            ConsistencyStep::NewOnly(_) => 1,
        }
    }
}

/// The consistency floor: from the seed, the node hashes that rebuild both roots.
fn floor_consistency(seed: [u8; 32], steps: &[ConsistencyStep]) -> ([u8; 32], [u8; 32]) {
    let (mut old_root, mut new_root) = (seed, seed);
    for step in steps {
        match step {
            ConsistencyStep::Both(left) => {
                old_root = floor_node(left, &old_root);
                new_root = floor_node(left, &new_root);
            }
            ConsistencyStep::NewOnly(right) => new_root = floor_node(&new_root, right),
        }
    }
    (old_root, new_root)
}

// ---- inclusion ---------------------------------------------------------------------------

/// An inclusion proof for a real Rekor v1 leaf at [`LEAF_INDEX`] of [`TREE_SIZE`], with
/// pseudo-random siblings.
struct InclusionCase {
    leaf: Vec<u8>,
    proof: Vec<[u8; 32]>,
    path: Vec<PathStep>,
    root: [u8; 32],
}

impl InclusionCase {
    fn new() -> InclusionCase {
        // The canonicalized hashedrekord body of a production bundle: a real leaf's length.
        let case = load_case("happy-path-v0.3").unwrap_or_else(|e| panic!("happy-path-v0.3: {e}"));
        let bundle = Bundle::from_json(&case.bundle_json, &Limits::default())
            .unwrap_or_else(|e| panic!("happy-path-v0.3: {e}"));
        let leaf = bundle
            .tlog_entries()
            .first()
            .map(|entry| entry.canonicalized_body.clone())
            .unwrap_or_else(|| panic!("happy-path-v0.3 has no tlog entry"));

        // A perfect tree: level i's sibling is on the left exactly when bit i of the index
        // is set; no border steps.
        let depth = TREE_SIZE.trailing_zeros();
        let path: Vec<PathStep> = (0..depth)
            .map(|level| PathStep {
                sibling: random_node("inclusion sibling", u64::from(level)),
                sibling_on_left: (LEAF_INDEX >> level) & 1 == 1,
            })
            .collect();
        assert!(path.iter().any(|s| s.sibling_on_left) && path.iter().any(|s| !s.sibling_on_left));
        let proof: Vec<[u8; 32]> = path.iter().map(|s| s.sibling).collect();
        let root = root_from_inclusion_proof(LEAF_INDEX, TREE_SIZE, &hash_leaf(&leaf), &proof)
            .unwrap_or_else(|e| panic!("building the proof: {e}"));
        // The floor hashes the same messages: it reaches the same root.
        assert_eq!(floor_inclusion(&leaf, &path), root);
        verify_inclusion(LEAF_INDEX, TREE_SIZE, &hash_leaf(&leaf), &proof, &root)
            .unwrap_or_else(|e| panic!("the proof does not verify: {e}"));
        InclusionCase {
            leaf,
            proof,
            path,
            root,
        }
    }

    /// The same tree head as a checkpoint signed by a fresh P-256 log key and verified, the
    /// way a bundle's inclusion proof is checked against its checkpoint.
    fn checkpoint(&self) -> VerifiedCheckpoint {
        let signer = LogSigner::generate(LogKeyKind::EcdsaP256, "bench.sigchain.local", None)
            .unwrap_or_else(|e| panic!("log key: {e}"));
        let note = signer
            .sign_checkpoint(TREE_SIZE, &self.root)
            .unwrap_or_else(|e| panic!("signing the checkpoint: {e}"));
        let root_json = TrustedRootBuilder::new()
            .tlog("http://127.0.0.1", &signer, 0)
            .to_json();
        let trusted_root = TrustedRoot::from_json(root_json.as_bytes())
            .unwrap_or_else(|e| panic!("trusted root: {e}"));
        let log = trusted_root
            .tlog(&signer.log_id().0)
            .unwrap_or_else(|| panic!("the trusted root lacks the log"));
        let checkpoint = verify_checkpoint(&note, log, &Limits::default())
            .unwrap_or_else(|e| panic!("checkpoint: {e}"));
        checkpoint
            .verify_inclusion(LEAF_INDEX, &hash_leaf(&self.leaf), &self.proof)
            .unwrap_or_else(|e| panic!("checkpoint inclusion: {e}"));
        checkpoint
    }
}

fn inclusion(c: &mut Criterion, case: &InclusionCase, checkpoint: &VerifiedCheckpoint) {
    let mut group = c.benchmark_group("tlog_inclusion_2pow40");
    group.bench_function("floor", |b| {
        b.iter(|| floor_inclusion(black_box(&case.leaf), black_box(&case.path)))
    });
    // The leaf hash is part of every inclusion check (a bundle carries the body, not its
    // hash), so it is timed on both sides.
    group.bench_function("merkle", |b| {
        b.iter(|| {
            verify_inclusion(
                LEAF_INDEX,
                TREE_SIZE,
                &hash_leaf(black_box(&case.leaf)),
                black_box(&case.proof),
                black_box(&case.root),
            )
        })
    });
    group.bench_function("checkpoint", |b| {
        b.iter(|| {
            black_box(checkpoint).verify_inclusion(
                LEAF_INDEX,
                &hash_leaf(black_box(&case.leaf)),
                black_box(&case.proof),
            )
        })
    });
    group.finish();
}

// ---- consistency -------------------------------------------------------------------------

/// A consistency proof from `size1` to `size2` with pseudo-random subtree hashes, built from
/// the RFC 9162 §2.1.4.1 definition (SUBPROOF), not from sigchain's verifier.
struct ConsistencyCase {
    name: &'static str,
    size1: u64,
    size2: u64,
    root1: [u8; 32],
    root2: [u8; 32],
    proof: Vec<[u8; 32]>,
    seed: [u8; 32],
    steps: Vec<ConsistencyStep>,
}

/// What [`subproof`] builds: the proof, bottom-up, and the verifier's view of it.
#[derive(Default)]
struct Built {
    proof: Vec<[u8; 32]>,
    seed: [u8; 32],
    steps: Vec<ConsistencyStep>,
    nodes: u64,
}

impl Built {
    fn next_node(&mut self) -> [u8; 32] {
        self.nodes += 1;
        random_node("consistency subtree", self.nodes)
    }
}

/// SUBPROOF(m, D[0:n], complete) of RFC 9162 §2.1.4.1, where every MTH of a subtree the proof
/// names is a fresh pseudo-random hash. Returns the roots of D[0:m] and D[0:n] the proof
/// implies. Depth is at most 64 (n halves at least every call).
fn subproof(m: u64, n: u64, complete: bool, built: &mut Built) -> ([u8; 32], [u8; 32]) {
    if m == n {
        let subtree = built.next_node();
        if !complete {
            built.proof.push(subtree);
        }
        built.seed = subtree;
        return (subtree, subtree);
    }
    // The largest power of two smaller than n.
    let k = 1u64 << (u64::BITS - 1 - (n - 1).leading_zeros());
    if m <= k {
        let (old, new) = subproof(m, k, complete, built);
        let right = built.next_node();
        built.proof.push(right);
        built.steps.push(ConsistencyStep::NewOnly(right));
        (old, hash_children(&new, &right))
    } else {
        let (old, new) = subproof(m - k, n - k, false, built);
        let left = built.next_node();
        built.proof.push(left);
        built.steps.push(ConsistencyStep::Both(left));
        (hash_children(&left, &old), hash_children(&left, &new))
    }
}

impl ConsistencyCase {
    fn new(name: &'static str, size1: u64, size2: u64) -> ConsistencyCase {
        assert!(0 < size1 && size1 < size2);
        let mut built = Built::default();
        let (root1, root2) = subproof(size1, size2, true, &mut built);
        verify_consistency(size1, size2, &root1, &root2, &built.proof)
            .unwrap_or_else(|e| panic!("{name}: the proof does not verify: {e}"));
        assert_eq!(floor_consistency(built.seed, &built.steps), (root1, root2));
        ConsistencyCase {
            name,
            size1,
            size2,
            root1,
            root2,
            proof: built.proof,
            seed: built.seed,
            steps: built.steps,
        }
    }

    fn floor_hashes(&self) -> usize {
        self.steps.iter().map(ConsistencyStep::hashes).sum()
    }
}

/// The two consistency cases and the number of `hash_children` calls `verify_consistency`
/// makes for each, derived by reading `sigchain-core/src/tlog/merkle.rs`:
///
/// The verifier starts at `level = trailing_zeros(size1)`, `node = (size1 - 1) >> level`,
/// `last = (size2 - 1) >> level`; the proof has `inner = bit_len(node ^ last)` plus
/// `border = popcount(node >> inner)` hashes after the seed (plus the seed itself when the old
/// tree is not a perfect subtree). Each hash after the seed costs two `hash_children` calls
/// (old and new root) when `node` is odd or `node == last`, and one (new root only) otherwise.
///
/// - `2^40 - 12345 → 2^40`: size1 is odd, so level 0, `node = 2^40 - 12346`,
///   `last = 2^40 - 1`; `inner = bit_len(12345) = 14`, and the low 14 bits of `node` are
///   `16384 - 12346 = 4038 = 0b00111111000110`, 8 ones: 8 × 2 + 6 × 1 = 22 calls. Then
///   `node = last = 2^26 - 1`: `border = 26` steps of 2 calls = 52. Total 74 (41 proof hashes).
/// - `10^6 → 2^40`: `10^6 = 2^6 × 15625`, so level 6, `node = 999999 >> 6 = 15624`,
///   `last = 2^34 - 1`; `inner = 34`, `border = 0`. 15624 = 0b11110100001000 has 6 ones, the
///   other 28 steps are even and below `last`: 6 × 2 + 28 × 1 = 40 calls (35 proof hashes).
///
/// The RFC construction in [`subproof`] counts the same (a `Both` step is 2, a `NewOnly` step
/// 1), and setup asserts both numbers.
const CONSISTENCY_CASES: [(&str, u64, u64, usize); 2] = [
    ("2pow40-12345", TREE_SIZE - 12345, TREE_SIZE, 74),
    ("1000000", 1_000_000, TREE_SIZE, 40),
];

fn consistency_cases() -> Vec<ConsistencyCase> {
    CONSISTENCY_CASES
        .iter()
        .map(|&(name, size1, size2, hash_calls)| {
            let case = ConsistencyCase::new(name, size1, size2);
            assert_eq!(case.floor_hashes(), hash_calls, "{name}: floor hash count");
            case
        })
        .collect()
}

fn consistency(c: &mut Criterion, cases: &[ConsistencyCase]) {
    let mut group = c.benchmark_group("tlog_consistency_to_2pow40");
    for case in cases {
        group.bench_with_input(BenchmarkId::new("floor", case.name), case, |b, case| {
            b.iter(|| floor_consistency(black_box(case.seed), black_box(&case.steps)))
        });
        group.bench_with_input(BenchmarkId::new("merkle", case.name), case, |b, case| {
            b.iter(|| {
                verify_consistency(
                    case.size1,
                    case.size2,
                    black_box(&case.root1),
                    black_box(&case.root2),
                    black_box(&case.proof),
                )
            })
        });
    }
    group.finish();
}

// ---- proof generation on the local log's tree --------------------------------------------

fn proof_generation(c: &mut Criterion) {
    let mut tree = MerkleTree::new();
    for i in 0..LOCAL_TREE_SIZE {
        tree.push(hash_leaf(&i.to_be_bytes()));
    }
    let root = tree
        .root(LOCAL_TREE_SIZE)
        .unwrap_or_else(|e| panic!("root: {e}"));
    // Spread over the tree, so the timings include the memory traffic of a real server
    // answering for arbitrary entries rather than one cached path.
    let points: Vec<u64> = (0..1024)
        .map(|i| {
            let n = random_node("proof point", i);
            u64::from_be_bytes([n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]])
                % (LOCAL_TREE_SIZE - 1)
                + 1
        })
        .collect();
    for &point in points.iter().take(16) {
        let proof = tree
            .inclusion_proof(point, LOCAL_TREE_SIZE)
            .unwrap_or_else(|e| panic!("inclusion proof: {e}"));
        verify_inclusion(
            point,
            LOCAL_TREE_SIZE,
            &hash_leaf(&point.to_be_bytes()),
            &proof,
            &root,
        )
        .unwrap_or_else(|e| panic!("inclusion proof for {point}: {e}"));
        let old_root = tree.root(point).unwrap_or_else(|e| panic!("root: {e}"));
        let proof = tree
            .consistency_proof(point, LOCAL_TREE_SIZE)
            .unwrap_or_else(|e| panic!("consistency proof: {e}"));
        verify_consistency(point, LOCAL_TREE_SIZE, &old_root, &root, &proof)
            .unwrap_or_else(|e| panic!("consistency proof from {point}: {e}"));
    }

    let mut group = c.benchmark_group("tlog_proofs_local_1e6");
    let mut next = points.iter().cycle();
    group.bench_function("inclusion_proof", |b| {
        b.iter(|| tree.inclusion_proof(*next.next().unwrap_or(&1), LOCAL_TREE_SIZE))
    });
    let mut next = points.iter().cycle();
    group.bench_function("consistency_proof", |b| {
        b.iter(|| tree.consistency_proof(*next.next().unwrap_or(&1), LOCAL_TREE_SIZE))
    });
    group.finish();
}

// ---- this run's ratios -------------------------------------------------------------------

/// Where criterion writes its estimates (its own lookup, short of asking `cargo metadata`).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion")
}

/// A benchmark's median and fastest-sample time per iteration, in ns, if it ran in this
/// process (files from an earlier run, e.g. one filtered out now, are not used).
fn this_run(id: &str, since: SystemTime) -> Option<(f64, f64)> {
    let dir = criterion_dir().join(id).join("new");
    let fresh = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= since)
    };
    let (estimates, sample) = (dir.join("estimates.json"), dir.join("sample.json"));
    if !fresh(&estimates) || !fresh(&sample) {
        return None;
    }
    let read = |path: &Path| -> Option<serde_json::Value> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    };
    let median = read(&estimates)?["median"]["point_estimate"].as_f64()?;
    let sample = read(&sample)?;
    let (iters, times) = (sample["iters"].as_array()?, sample["times"].as_array()?);
    let fastest = iters
        .iter()
        .zip(times)
        .filter_map(|(i, t)| Some(t.as_f64()? / i.as_f64()?))
        .fold(f64::INFINITY, f64::min);
    Some((median, fastest))
}

fn report(since: SystemTime) {
    let pairs = [
        (
            "tlog_inclusion_2pow40/merkle",
            "tlog_inclusion_2pow40/floor",
        ),
        (
            "tlog_inclusion_2pow40/checkpoint",
            "tlog_inclusion_2pow40/floor",
        ),
        (
            "tlog_consistency_to_2pow40/merkle/2pow40-12345",
            "tlog_consistency_to_2pow40/floor/2pow40-12345",
        ),
        (
            "tlog_consistency_to_2pow40/merkle/1000000",
            "tlog_consistency_to_2pow40/floor/1000000",
        ),
    ];
    let mut printed = false;
    for (measured, floor) in pairs {
        let (Some((m, m_fast)), Some((f, f_fast))) =
            (this_run(measured, since), this_run(floor, since))
        else {
            continue;
        };
        if !printed {
            println!("\nsigchain ÷ floor, this run (median; fastest sample):");
            printed = true;
        }
        println!(
            "  {measured}: {m:.0} ns ÷ {f:.0} ns = {:.3}; {m_fast:.0} ns ÷ {f_fast:.0} ns = {:.3}",
            m / f,
            m_fast / f_fast
        );
    }
    for id in [
        "tlog_proofs_local_1e6/inclusion_proof",
        "tlog_proofs_local_1e6/consistency_proof",
    ] {
        if let Some((median, fastest)) = this_run(id, since) {
            println!("  {id}: median {median:.0} ns; fastest sample {fastest:.0} ns (no floor)");
        }
    }
}

/// The ratios again, measured in alternating batches of the two calls: slow drifts in the
/// machine's load hit both sides of each pair alike, where criterion's benchmarks, run one
/// after the other, can each catch a different load. Runs in a `cargo bench` without a name
/// filter, or with the filter `paired` (which skips the criterion benchmarks).
fn paired(inclusion: &InclusionCase, checkpoint: &VerifiedCheckpoint, cases: &[ConsistencyCase]) {
    const BATCH: u32 = 32;
    const ROUNDS: usize = 4000;
    fn time(f: &mut dyn FnMut()) -> f64 {
        let started = Instant::now();
        for _ in 0..BATCH {
            f();
        }
        started.elapsed().as_secs_f64()
    }
    fn ratio(name: &str, mut measured: impl FnMut(), mut floor: impl FnMut()) {
        time(&mut measured);
        time(&mut floor);
        let mut ratios: Vec<f64> = (0..ROUNDS)
            .map(|round| {
                let (m, f) = if round % 2 == 0 {
                    let m = time(&mut measured);
                    (m, time(&mut floor))
                } else {
                    let f = time(&mut floor);
                    (time(&mut measured), f)
                };
                m / f
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        let at = |q: usize| ratios.get(ROUNDS * q / 100).copied().unwrap_or(f64::NAN);
        println!(
            "  {name}: median {:.3} (p10 {:.3}, p90 {:.3})",
            at(50),
            at(10),
            at(90)
        );
    }

    println!("\nsigchain ÷ floor, paired ({ROUNDS} rounds of {BATCH} calls each, alternating):");
    let merkle = || {
        let _ = black_box(verify_inclusion(
            LEAF_INDEX,
            TREE_SIZE,
            &hash_leaf(black_box(&inclusion.leaf)),
            black_box(&inclusion.proof),
            black_box(&inclusion.root),
        ));
    };
    let floor = || {
        black_box(floor_inclusion(
            black_box(&inclusion.leaf),
            black_box(&inclusion.path),
        ));
    };
    ratio("tlog_inclusion_2pow40/merkle", merkle, floor);
    ratio(
        "tlog_inclusion_2pow40/checkpoint",
        || {
            let _ = black_box(black_box(checkpoint).verify_inclusion(
                LEAF_INDEX,
                &hash_leaf(black_box(&inclusion.leaf)),
                black_box(&inclusion.proof),
            ));
        },
        floor,
    );
    for case in cases {
        ratio(
            &format!("tlog_consistency_to_2pow40/merkle/{}", case.name),
            || {
                let _ = black_box(verify_consistency(
                    case.size1,
                    case.size2,
                    black_box(&case.root1),
                    black_box(&case.root2),
                    black_box(&case.proof),
                ));
            },
            || {
                black_box(floor_consistency(
                    black_box(case.seed),
                    black_box(&case.steps),
                ));
            },
        );
    }
}

/// `cargo bench` passes `--bench`; the paired ratios run unless a name filter excludes them.
fn paired_wanted() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    has("--bench")
        && !has("--test")
        && !has("--list")
        && (filters.is_empty() || filters.iter().any(|f| "paired".contains(f.as_str())))
}

fn main() {
    let started = SystemTime::now();
    let inclusion_case = InclusionCase::new();
    let checkpoint = inclusion_case.checkpoint();
    let consistency_cases = consistency_cases();

    let mut c = config();
    inclusion(&mut c, &inclusion_case, &checkpoint);
    consistency(&mut c, &consistency_cases);
    proof_generation(&mut c);
    c.final_summary();
    report(started);
    if paired_wanted() {
        paired(&inclusion_case, &checkpoint, &consistency_cases);
    }
}
