//! The registry evidence provider (feature `client`): [`RegistryEvidence`] answers the
//! engine's [`EvidenceQuery`]s by fetching an image's signatures and attestations from its
//! registry with `sigchain-oci` and verifying them with the core verifier.
//!
//! # What an answer says
//!
//! Evidence is what **verified** for the image's digest, and who signed it. Every stored item
//! is verified against the provider's trusted root: certificate-signed items for *any*
//! certificate identity the root's CA issued ([`SignerPolicy::UnsafeAnyCertificateIdentity`]),
//! each reported with its certificate's OIDC issuer and subject
//! ([`Signer::keyless`]); and, for each public key in the query, key-signed items for exactly
//! that key ([`SignerPolicy::PublicKey`]), reported as [`Signer::key`] with the query's PEM.
//! Which of those signers a policy accepts is the engine's decision, not the provider's.
//! Attestations are reported with the predicate type and predicate of the verified in-toto
//! statement, for the predicate types the query asks for. Items that do not verify are left
//! out; so is keyless SLSA v1 provenance that contradicts its signing certificate's claims
//! (another workflow, commit or run than the job that signed it: see
//! [`sigchain_core::provenance::verify`]), or that cannot be held to them (a build type whose
//! fields are not known, another subject). cosign tag-scheme items carry no inclusion proof: by default their proofs are fetched
//! from the log the trusted root names ([`ProviderConfig::fetch_inclusion_proofs`]), as
//! `sigchain verify` does online.
//!
//! # Resolution, caching and coalescing
//!
//! - **Tags** are resolved to a digest by the registry (the manifest fetched and hashed).
//!   Resolutions are cached per reference for [`ProviderConfig::resolve_ttl`] (10 s by
//!   default; zero resolves every time), so a tag moved in the registry is seen at most that
//!   late. That never admits unverified content: the evidence is always for the digest the
//!   answer names, and the engine's digest pinning admits that digest. A reference with a
//!   digest is not resolved at all (a digest the registry does not hold simply has no
//!   signatures).
//! - **Verification results** are cached for [`ProviderConfig::cache_ttl`] (5 minutes by
//!   default), keyed by the repository, the image digest and the query's verification
//!   material: whether signatures are wanted, the predicate types and the set of public keys.
//!   A policy change that asks for other keys or types is a different key, never a stale
//!   answer. At most [`ProviderConfig::cache_max_entries`] (10,000) results are kept, the
//!   oldest evicted first; the same bound holds for resolutions. Each replica of a webhook
//!   has its own cache: no state is shared.
//! - **Coalescing**: concurrent queries for the same reference share one resolution, and
//!   concurrent queries for the same key share one verification lookup, so N admission
//!   requests for one image at once cause one registry round. Within a lookup, the passes
//!   (any identity, each key; signatures, attestations) read every manifest, blob and log
//!   entry once. A lookup runs as a task of its own and is not cancelled when the admission
//!   request that started it gives up: its answer still warms the cache.
//! - **Failures** (the registry unreachable or refusing, a tag that does not exist, malformed
//!   data, a lookup over [`ProviderConfig::lookup_timeout`]) are answered with
//!   [`EvidenceFailure::error`] and are **not cached**: the next query asks again (queries
//!   arriving while a failing lookup is under way share its failure). Evidence is never
//!   invented: a failure is never an empty success. The engine fails closed on it in Enforce
//!   mode and admits with a warning in Audit mode.
//!
//! [`stats`](RegistryEvidence::stats) counts lookups, resolutions, cache hits and coalesced
//! queries.
//!
//! # Deadlines
//!
//! [`answer_until`] asks a source for every query of an admission request concurrently and
//! answers each query not answered by the deadline with [`EvidenceFailure::deadline`];
//! [`evaluate_until`] does that for an engine's review and decides.
//!
//! Everything here needs a tokio runtime with its time driver (as `#[tokio::main]` makes);
//! without a runtime, queries are answered with an error, never a panic.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use sigchain_policy::evidence::{EvidenceQuery, EvidenceSource};
//! use sigchain_policy::provider::{ProviderConfig, RegistryEvidence};
//! use sigchain_policy::sigchain_core::trust_root::TrustedRoot;
//! use sigchain_policy::sigchain_core::verify::{Verifier, VerifierConfig};
//! use sigchain_oci::client::{ClientConfig, RegistryClient};
//! use sigchain_oci::reference::Reference;
//!
//! let client = RegistryClient::new(ClientConfig::default())?;
//! let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
//! let provider = RegistryEvidence::new(client, verifier, ProviderConfig::default());
//! let query = EvidenceQuery {
//!     image: "registry.example/acme/app:1.0".into(),
//!     reference: Reference::parse("registry.example/acme/app:1.0")?,
//!     signatures: true,
//!     predicate_types: Default::default(),
//!     public_keys: Default::default(),
//! };
//! match provider.evidence(&query).await {
//!     Ok(evidence) => println!("{:?}: {} signers", evidence.digest, evidence.signatures.len()),
//!     Err(failure) => println!("no evidence: {}", failure.message),
//! }
//! # Ok(()) }
//! ```

mod cache;
mod flights;
mod memo;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sigchain_core::crypto::PublicKey;
use sigchain_core::time::Timestamp;
use sigchain_core::verify::{SignerPolicy, VerifiedBundle, VerifiedSigner, Verifier};
use sigchain_oci::client::{RegistryClient, RegistryRepository};
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::flow::{self, FlowError, ResolvedImage, VerificationReport, Verifiers, Wanted};
use sigchain_oci::proof_source::{RekorV1Proofs, TransportConfig};
use sigchain_oci::reference::{Digest, Reference};
use tokio::runtime::Handle;

use crate::admission::AdmissionRequest;
use crate::engine::{Decision, Engine, RequestContext, Review};
use crate::evidence::{
    AttestationEvidence, EvidenceAnswer, EvidenceFailure, EvidenceQuery, EvidenceSource,
    ImageEvidence, Signer,
};
use cache::TtlCache;
use flights::{Flights, Outcome};
use memo::{MemoProofs, MemoStore};

/// How the provider caches and how long it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// How long a verification result is reused (default 5 minutes).
    pub cache_ttl: Duration,
    /// Most verification results (and, separately, tag resolutions) kept (default 10,000); the
    /// oldest goes first.
    pub cache_max_entries: usize,
    /// How long a tag's resolution to a digest is reused (default 10 seconds; zero resolves
    /// every time, concurrent queries still sharing one resolution).
    pub resolve_ttl: Duration,
    /// How long one resolution or one verification lookup may take before it fails (default
    /// 10 seconds). An admission request's own deadline ([`answer_until`]) is usually
    /// shorter; this bounds the work that goes on after it.
    pub lookup_timeout: Duration,
    /// Fetch the inclusion proofs cosign tag-scheme items lack from the log the trusted root
    /// names (default `true`). Without, such items verify only if the verifier's
    /// configuration accepts promise-only log entries.
    pub fetch_inclusion_proofs: bool,
    /// Bounds on what is read of an image's signature storage.
    pub storage_limits: StorageLimits,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        ProviderConfig {
            cache_ttl: Duration::from_secs(5 * 60),
            cache_max_entries: 10_000,
            resolve_ttl: Duration::from_secs(10),
            lookup_timeout: Duration::from_secs(10),
            fetch_inclusion_proofs: true,
            storage_limits: StorageLimits::DEFAULT,
        }
    }
}

/// Where the provider's cache takes the time from (tests move it by hand).
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> Instant;
}

/// The machine's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// What the provider has done since it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProviderStats {
    /// Verification lookups run (each one round of registry reads for one image and one set
    /// of verification material).
    pub lookups: u64,
    /// Tag resolutions sent to a registry.
    pub resolutions: u64,
    /// Queries answered from the verification cache.
    pub cache_hits: u64,
    /// Queries whose tag resolution came from the cache.
    pub resolution_cache_hits: u64,
    /// Queries that joined a resolution or lookup already under way instead of starting one.
    pub coalesced: u64,
    /// Queries answered with a failure.
    pub failures: u64,
    /// Verification results held now.
    pub cached_results: usize,
}

/// The cache key of a verification: the repository, the digest and the query's verification
/// material.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EvidenceKey {
    repository: String,
    digest: Digest,
    signatures: bool,
    predicate_types: BTreeSet<String>,
    public_keys: BTreeSet<String>,
}

type Verification = Result<Arc<ImageEvidence>, EvidenceFailure>;

/// Evidence from registries, verified with the core verifier (see the [module docs](self)).
/// Cheap to clone: clones share the client, the cache and the lookups under way.
#[derive(Clone)]
pub struct RegistryEvidence {
    inner: Arc<Inner>,
}

struct Inner {
    client: RegistryClient,
    verifier: Verifier,
    proofs: Option<RekorV1Proofs>,
    config: ProviderConfig,
    resolutions: Arc<Flights<Reference, Result<Digest, EvidenceFailure>>>,
    verifications: Arc<Flights<EvidenceKey, Verification>>,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    lookups: AtomicU64,
    resolutions: AtomicU64,
    cache_hits: AtomicU64,
    resolution_cache_hits: AtomicU64,
    coalesced: AtomicU64,
    failures: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl std::fmt::Debug for RegistryEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryEvidence")
            .field("client", &self.inner.client)
            .field("config", &self.inner.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl RegistryEvidence {
    /// A provider reading registries with `client` and verifying with `verifier` (its trusted
    /// root and configuration; for cosign tag-scheme items, a configuration that accepts
    /// promise-only log entries also accepts them when their proofs cannot be fetched).
    pub fn new(client: RegistryClient, verifier: Verifier, config: ProviderConfig) -> Self {
        RegistryEvidence::with_clock(client, verifier, config, Arc::new(SystemClock))
    }

    /// As [`RegistryEvidence::new`], with the cache's times taken from `clock`.
    pub fn with_clock(
        client: RegistryClient,
        verifier: Verifier,
        config: ProviderConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let proofs = config.fetch_inclusion_proofs.then(|| {
            RekorV1Proofs::new(
                verifier.trusted_root().clone(),
                verifier.config().clone(),
                TransportConfig::default(),
            )
        });
        let resolutions = Arc::new(Flights::new(
            TtlCache::new(config.resolve_ttl, config.cache_max_entries),
            Arc::clone(&clock),
        ));
        let verifications = Arc::new(Flights::new(
            TtlCache::new(config.cache_ttl, config.cache_max_entries),
            clock,
        ));
        RegistryEvidence {
            inner: Arc::new(Inner {
                client,
                verifier,
                proofs,
                config,
                resolutions,
                verifications,
                counters: Counters::default(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ProviderConfig {
        &self.inner.config
    }

    /// The counts so far.
    pub fn stats(&self) -> ProviderStats {
        let counters = &self.inner.counters;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ProviderStats {
            lookups: read(&counters.lookups),
            resolutions: read(&counters.resolutions),
            cache_hits: read(&counters.cache_hits),
            resolution_cache_hits: read(&counters.resolution_cache_hits),
            coalesced: read(&counters.coalesced),
            failures: read(&counters.failures),
            cached_results: self.inner.verifications.cached(),
        }
    }

    /// The answer to `query` (see the [module docs](self)).
    pub async fn lookup(&self, query: &EvidenceQuery) -> EvidenceAnswer {
        let answer = self.answer(query).await;
        if answer.is_err() {
            bump(&self.inner.counters.failures);
        }
        answer
    }

    async fn answer(&self, query: &EvidenceQuery) -> EvidenceAnswer {
        let Ok(runtime) = Handle::try_current() else {
            return Err(EvidenceFailure::error(
                "the registry evidence provider runs on a tokio runtime, and there is none",
            ));
        };
        let digest = match query.reference.digest() {
            Some(digest) => digest.clone(),
            None => self.resolve(&query.reference, &runtime).await?,
        };
        if !query.signatures && query.predicate_types.is_empty() {
            return Ok(ImageEvidence {
                digest: Some(digest),
                ..ImageEvidence::default()
            });
        }
        let key = EvidenceKey {
            repository: query.reference.name(),
            digest,
            signatures: query.signatures,
            predicate_types: query.predicate_types.clone(),
            public_keys: query.public_keys.clone(),
        };
        let (answer, outcome) = self
            .inner
            .verifications
            .get(&key, &runtime, || {
                let inner = Arc::clone(&self.inner);
                let key = key.clone();
                async move {
                    bump(&inner.counters.lookups);
                    let answer = inner.verify_timed(&key).await.map(Arc::new);
                    let keep = answer.is_ok();
                    (answer, keep)
                }
            })
            .await;
        self.count(outcome, &self.inner.counters.cache_hits);
        match answer {
            Some(Ok(evidence)) => Ok(ImageEvidence::clone(&evidence)),
            Some(Err(failure)) => Err(failure),
            None => Err(ended_without_answer(&query.image)),
        }
    }

    fn count(&self, outcome: Outcome, cached: &AtomicU64) {
        let counters = &self.inner.counters;
        match outcome {
            Outcome::Cached => bump(cached),
            Outcome::Joined => bump(&counters.coalesced),
            Outcome::Led => {}
        }
    }

    /// The digest `reference`'s tag names now (or as resolved within the resolve TTL).
    async fn resolve(
        &self,
        reference: &Reference,
        runtime: &Handle,
    ) -> Result<Digest, EvidenceFailure> {
        let (answer, outcome) = self
            .inner
            .resolutions
            .get(reference, runtime, || {
                let inner = Arc::clone(&self.inner);
                let reference = reference.clone();
                async move {
                    bump(&inner.counters.resolutions);
                    let timeout = inner.config.lookup_timeout;
                    let answer =
                        match tokio::time::timeout(timeout, inner.client.resolve(&reference)).await
                        {
                            Ok(Ok((digest, _media_type))) => Ok(digest),
                            Ok(Err(e)) => Err(EvidenceFailure::error(format!(
                                "resolving {reference}: {e}"
                            ))),
                            Err(_) => Err(EvidenceFailure::error(format!(
                                "resolving {reference}: no answer within {timeout:?}"
                            ))),
                        };
                    let keep = answer.is_ok();
                    (answer, keep)
                }
            })
            .await;
        self.count(outcome, &self.inner.counters.resolution_cache_hits);
        answer.unwrap_or_else(|| Err(ended_without_answer(&reference.to_string())))
    }
}

fn ended_without_answer(image: &str) -> EvidenceFailure {
    EvidenceFailure::error(format!(
        "the evidence lookup for {image} ended without an answer"
    ))
}

impl EvidenceSource for RegistryEvidence {
    async fn evidence(&self, query: &EvidenceQuery) -> EvidenceAnswer {
        self.lookup(query).await
    }
}

impl Inner {
    async fn verify_timed(&self, key: &EvidenceKey) -> Result<ImageEvidence, EvidenceFailure> {
        let timeout = self.config.lookup_timeout;
        match tokio::time::timeout(timeout, self.verify(key)).await {
            Ok(answer) => answer,
            Err(_) => Err(EvidenceFailure::error(format!(
                "{}@{}: the registry lookup took longer than {timeout:?}",
                key.repository, key.digest
            ))),
        }
    }

    /// Find and verify everything stored for the image `key` names, in one round of reads.
    async fn verify(&self, key: &EvidenceKey) -> Result<ImageEvidence, EvidenceFailure> {
        let failed = |what: &dyn std::fmt::Display| {
            EvidenceFailure::error(format!("{}@{}: {what}", key.repository, key.digest))
        };
        let reference = Reference::parse(&format!("{}@{}", key.repository, key.digest))
            .map_err(|e| failed(&e))?;
        let store = MemoStore::new(RegistryRepository::new(self.client.clone(), &reference));
        let image = ResolvedImage {
            name: key.repository.clone(),
            digest: key.digest.clone(),
            // Not used by verification.
            media_type: String::new(),
            resolved_tag: None,
        };
        let proofs = self.proofs.as_ref().map(MemoProofs::new);
        let mut signers = vec![(SignerPolicy::UnsafeAnyCertificateIdentity, None)];
        for pem in &key.public_keys {
            let public_key = PublicKey::from_pem(pem)
                .map_err(|e| failed(&format_args!("a policy's public key is unusable: {e}")))?;
            signers.push((SignerPolicy::PublicKey(public_key), Some(pem.as_str())));
        }
        let now = Timestamp::now();
        let pass = |wanted: Wanted, signer: SignerPolicy| {
            let store = &store;
            let image = &image;
            let proofs = proofs.as_ref();
            async move {
                let verifiers = Verifiers {
                    strict: &self.verifier,
                    promise_only: (!self.verifier.config().require_inclusion_proof)
                        .then_some(&self.verifier),
                };
                let limits = &self.config.storage_limits;
                match proofs {
                    Some(proofs) => {
                        flow::verify_image_fetching_proofs(
                            store, image, &wanted, verifiers, proofs, &signer, now, limits,
                        )
                        .await
                    }
                    None => {
                        flow::verify_image(store, image, &wanted, verifiers, &signer, now, limits)
                            .await
                    }
                }
            }
        };
        let mut evidence = ImageEvidence {
            digest: Some(key.digest.clone()),
            ..ImageEvidence::default()
        };
        let attestations = match key.predicate_types.len() {
            0 => None,
            1 => Some(Wanted::Attestations(key.predicate_types.first().cloned())),
            _ => Some(Wanted::Attestations(None)),
        };
        for (signer, pem) in signers {
            if key.signatures {
                let report = pass(Wanted::Signatures, signer.clone())
                    .await
                    .map_err(|e: FlowError| failed(&e))?;
                add_signatures(&mut evidence, &report, pem);
            }
            if let Some(wanted) = &attestations {
                let report = pass(wanted.clone(), signer)
                    .await
                    .map_err(|e: FlowError| failed(&e))?;
                add_attestations(
                    &mut evidence,
                    &report,
                    pem,
                    &key.predicate_types,
                    &key.digest,
                );
            }
        }
        Ok(evidence)
    }
}

/// Who signed a verified item: the certificate's issuer and subject, or the key `pem` the
/// pass verified with.
fn signer_of(verified: &VerifiedBundle, pem: Option<&str>) -> Option<Signer> {
    match verified.signer() {
        VerifiedSigner::Certificate(certificate) => Some(Signer::keyless(
            certificate.issuer(),
            certificate.identity().as_str(),
        )),
        VerifiedSigner::PublicKey(_) => pem.map(Signer::key),
    }
}

fn add_signatures(evidence: &mut ImageEvidence, report: &VerificationReport, pem: Option<&str>) {
    for verified in &report.verified {
        if let Some(signer) = signer_of(&verified.verified, pem) {
            if !evidence.signatures.contains(&signer) {
                evidence.signatures.push(signer);
            }
        }
    }
}

fn add_attestations(
    evidence: &mut ImageEvidence,
    report: &VerificationReport,
    pem: Option<&str>,
    wanted: &BTreeSet<String>,
    digest: &Digest,
) {
    for verified in &report.verified {
        // The payload of a verified attestation is its in-toto statement.
        let Some(predicate_type) = verified
            .payload
            .get("predicateType")
            .and_then(|t| t.as_str())
        else {
            continue;
        };
        if !wanted.contains(predicate_type) {
            continue;
        }
        if !provenance_agrees_with_certificate(&verified.verified, digest) {
            continue;
        }
        let Some(signer) = signer_of(&verified.verified, pem) else {
            continue;
        };
        let attestation = AttestationEvidence {
            predicate_type: predicate_type.to_owned(),
            predicate: verified
                .payload
                .get("predicate")
                .cloned()
                .unwrap_or(serde_json::Value::Null),
            issuer: signer.issuer,
            subject: signer.subject,
            public_key: signer.public_key,
        };
        if !evidence.attestations.contains(&attestation) {
            evidence.attestations.push(attestation);
        }
    }
}

/// Whether a keyless SLSA v1 provenance agrees with its certificate (anything else: yes).
fn provenance_agrees_with_certificate(verified: &VerifiedBundle, digest: &Digest) -> bool {
    use sigchain_core::provenance;
    let is_provenance = verified
        .statement()
        .is_some_and(|s| s.predicate_type == provenance::PREDICATE_TYPE);
    if !is_provenance || !matches!(verified.signer(), VerifiedSigner::Certificate(_)) {
        return true;
    }
    let Some(subject) = sigchain_core::crypto::Sha256Digest::from_hex(digest.hex()) else {
        return false;
    };
    provenance::verify_bundle(
        verified,
        &subject.0,
        &provenance::ProvenanceRequirements::default(),
    )
    .is_ok()
}

/// Ask `source` for every query at once, waiting at most `deadline` in all: a query not
/// answered by then is answered with [`EvidenceFailure::deadline`]. The answers are keyed by
/// [`EvidenceQuery::image`], as [`Review::decide`] takes them.
///
/// Needs a tokio runtime with its time driver; without a runtime every query is answered with
/// an error.
pub async fn answer_until<S: EvidenceSource + Sync>(
    queries: &[EvidenceQuery],
    source: &S,
    deadline: Duration,
) -> BTreeMap<String, EvidenceAnswer> {
    if Handle::try_current().is_err() {
        return queries
            .iter()
            .map(|query| {
                let failure = EvidenceFailure::error(
                    "evidence deadlines need a tokio runtime, and there is none",
                );
                (query.image.clone(), Err(failure))
            })
            .collect();
    }
    let until = tokio::time::Instant::now() + deadline;
    let asked = queries.iter().map(|query| async move {
        let answer = tokio::time::timeout_at(until, source.evidence(query))
            .await
            .unwrap_or_else(|_| Err(EvidenceFailure::deadline()));
        (query.image.clone(), answer)
    });
    futures_util::future::join_all(asked)
        .await
        .into_iter()
        .collect()
}

/// Review `request` with `engine`, ask `source` for every evidence query at once under
/// `deadline` ([`answer_until`]), and decide. A query still unanswered at the deadline is a
/// [`FailureKind::Deadline`](crate::evidence::FailureKind::Deadline) failure: an Enforce policy
/// denies the request, an Audit one admits it with a warning.
///
/// The deadline is the whole request's: keep it below the webhook's `timeoutSeconds`, so that
/// the webhook answers (and denies) rather than the API server giving up on it.
pub async fn evaluate_until<S: EvidenceSource + Sync>(
    engine: &Engine,
    request: &AdmissionRequest,
    context: &RequestContext,
    source: &S,
    deadline: Duration,
) -> Decision {
    let review: Review<'_> = engine.review(request, context);
    let answers = answer_until(review.queries(), source, deadline).await;
    review.decide(&answers)
}
