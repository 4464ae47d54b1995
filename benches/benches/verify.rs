//! Keyless bundle verification cost: the crypto floor, sigchain, and (feature `peer`)
//! sigstore-rust's `sigstore-verify`, on the production conformance happy paths.
//!
//! Run: `cargo bench -p sigchain-benches --bench verify` (add `--features peer` for the peer).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use sigchain_benches::cases::{load_case, load_production_happy_paths, Case};
use sigchain_benches::floor::{FloorInputs, SignedMessage};
use sigchain_core::bundle::Bundle;
use sigchain_core::crypto::aws_lc::AwsLcBackend;
use sigchain_core::crypto::rustcrypto::RustCryptoBackend;
use sigchain_core::crypto::{CryptoBackend, PreparedKey};
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Artifact, Policy, SignerPolicy, Verifier, VerifierConfig};

/// The case whose signatures make up the floor: a plain v0.3 hashedrekord bundle.
const FLOOR_CASE: &str = "happy-path-v0.3";

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

fn happy_paths() -> Vec<Case> {
    load_production_happy_paths().unwrap_or_else(|e| panic!("loading conformance cases: {e}"))
}

fn single_verify<B: CryptoBackend>(c: &mut Criterion, group: &str, id: &str, s: &SignedMessage) {
    let key = B::prepare_key(s.kind, &s.key_point)
        .unwrap_or_else(|e| panic!("{}: preparing key: {e}", s.what));
    assert!(
        key.verify(&s.message, &s.signature, s.hash).is_ok(),
        "{} does not verify with {id}",
        s.what
    );
    c.benchmark_group(group).bench_function(id, |b| {
        b.iter(|| key.verify(black_box(&s.message), black_box(&s.signature), s.hash))
    });
}

fn floor(c: &mut Criterion) {
    let case = load_case(FLOOR_CASE).unwrap_or_else(|e| panic!("{FLOOR_CASE}: {e}"));
    let inputs = FloorInputs::extract(&case).unwrap_or_else(|e| panic!("floor inputs: {e}"));
    let prepared = inputs
        .prepare_aws_lc()
        .unwrap_or_else(|e| panic!("floor keys: {e}"));
    assert_eq!(prepared.verify_all(), Ok(()));
    c.bench_function("floor_1xP384_4xP256", |b| {
        b.iter(|| black_box(&prepared).verify_all())
    });

    single_verify::<AwsLcBackend>(c, "p256_verify", "aws-lc", &inputs.artifact);
    single_verify::<RustCryptoBackend>(c, "p256_verify", "rustcrypto", &inputs.artifact);
    single_verify::<AwsLcBackend>(c, "p384_verify", "aws-lc", &inputs.leaf_certificate);
    single_verify::<RustCryptoBackend>(c, "p384_verify", "rustcrypto", &inputs.leaf_certificate);
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

fn production_verifier() -> Verifier {
    Verifier::new(TrustedRoot::production(), VerifierConfig::default())
}

fn sigchain(c: &mut Criterion) {
    let cases = happy_paths();
    let now = Timestamp::now();
    let verifier = production_verifier();
    let mut group = c.benchmark_group("verify_json");
    for case in &cases {
        let policy = policy(case);
        if let Err(e) = verifier.verify_json(&case.bundle_json, &policy, now) {
            panic!("sigchain rejects {}: {e}", case.name);
        }
        // One verifier for every iteration, as in batch use: after the first iteration its
        // checkpoint cache spares the checkpoint signature.
        group.bench_with_input(BenchmarkId::new("sigchain", &case.name), case, |b, case| {
            b.iter(|| verifier.verify_json(black_box(&case.bundle_json), &policy, now))
        });
        // A fresh verifier (built untimed) per iteration: a single bundle, nothing cached.
        // This is the figure to set against the floor and the peer.
        group.bench_with_input(
            BenchmarkId::new("sigchain-cold", &case.name),
            case,
            |b, case| {
                b.iter_batched_ref(
                    production_verifier,
                    |fresh| fresh.verify_json(black_box(&case.bundle_json), &policy, now),
                    BatchSize::SmallInput,
                )
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("parse");
    let limits = Limits::default();
    for case in &cases {
        group.bench_with_input(BenchmarkId::new("sigchain", &case.name), case, |b, case| {
            b.iter(|| Bundle::from_json(black_box(&case.bundle_json), &limits))
        });
    }
    group.finish();
}

#[cfg(feature = "peer")]
fn peer(c: &mut Criterion) {
    use sigchain_benches::peer::{PeerCase, PeerVerifier};

    let verifier = PeerVerifier::production().unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("verify_json");
    for case in happy_paths() {
        let prepared = PeerCase::new(&case);
        // Only bundles the peer accepts are comparable; say which ones it rejects.
        if let Err(e) = verifier.verify_json(&prepared) {
            eprintln!(
                "peer rejects {}: {e}; left out of the comparison",
                case.name
            );
            continue;
        }
        group.bench_with_input(BenchmarkId::new("peer", &case.name), &prepared, |b, p| {
            b.iter(|| verifier.verify_json(black_box(p)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse");
    for case in happy_paths() {
        let prepared = PeerCase::new(&case);
        group.bench_with_input(BenchmarkId::new("peer", &case.name), &prepared, |b, p| {
            b.iter(|| p.parse())
        });
    }
    group.finish();
}

#[cfg(not(feature = "peer"))]
fn peer(_: &mut Criterion) {}

criterion_group! {
    name = benches;
    config = config();
    targets = floor, sigchain, peer
}
criterion_main!(benches);
