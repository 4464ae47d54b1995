//! The image flows of `cosign sign`, `attest`, `verify` and `verify-attestation`, over any
//! [`ArtifactStore`]: resolve the image to its digest, make what is to be signed, store the
//! signed bundle where the ecosystem looks for it, and find, verify and bind stored signatures
//! to the image.
//!
//! Signing itself is the caller's: [`PreparedSignature::content`] is what a signer
//! (`sigchain_fulcio::client::BundleSigner`, or the core's signing machine) signs, and the
//! bundle it returns is handed to [`attach_signature`]. This crate never holds a key.
//!
//! Two storage forms are written:
//! - [`SignatureFormat::Bundle`] (the default, as cosign v3's `--new-bundle-format`): a
//!   Sigstore bundle v0.3 stored as an OCI 1.1 referrer of the image (through the referrers tag
//!   schema's fallback index when the registry has no referrers API). An image signature is a
//!   DSSE envelope over an in-toto statement of predicate type [`SIGN_PREDICATE_TYPE`] whose
//!   subject is the image digest; the bundle keeps the log's inclusion proof.
//! - [`SignatureFormat::TagScheme`] (cosign v2 and older, and what older admission controllers
//!   read): a simple-signing payload layer under `sha256-<hex>.sig`, attestations under `.att`.
//!   cosign's annotations carry the log's signed promise (SET) but no inclusion proof; with a
//!   Rekor v2 signing config it cannot be written at all.
//!
//! Verification reads every form and reports each stored item as verified or rejected (with
//! its reason): an image passes when at least one signature verified for the required signer.
//! A tag-scheme item, lacking its inclusion proof, is verified in one of three ways:
//! - [`verify_image`] with [`Verifiers::promise_only`] `None`: rejected, with a reason;
//! - [`verify_image_fetching_proofs`]: its entry is fetched from the log (by the log id and
//!   index the SET vouches for, at the URL the trusted root gives that log) through an
//!   [`InclusionProofSource`], held to be exactly the promised entry
//!   ([`crate::cosign::proof`]), and the completed bundle is verified by the strict verifier;
//! - with [`Verifiers::promise_only`] set: the promise alone is checked (insecure, cosign's
//!   own trade). Combined with a proof source, that is the fallback only when fetching fails,
//!   never when the log answers with another entry than the one it promised.
//!
//! Each verified item says where its proof came from ([`Verified::inclusion`]).
//!
//! `open_image` (feature `client`) turns a command line's image (a registry reference or
//! `oci:DIR[:TAG|@DIGEST]`) into the store and the resolved image every flow takes; the
//! `ci_pipeline` example in `examples/` runs all the flows in a row.

use std::collections::BTreeMap;

use sigchain_core::bundle::{Bundle, TlogEntry};
use sigchain_core::intoto::{Statement, StatementType, Subject};
use sigchain_core::sign::machine::Content;
use sigchain_core::time::Timestamp;
use sigchain_core::verify::{SignerPolicy, VerifiedBundle, VerifiedSigner, Verifier};

use crate::cosign::layer::SignatureLayer;
use crate::cosign::proof::{complete_inclusion, proof_request};
use crate::cosign::tagged::{self, Attached};
use crate::cosign::verify::{
    verify_attestation_layer, verify_bundle_for_image, verify_dsse_bundle_for_image,
    verify_signature_layer, verify_signature_layer_bundle, ImageVerifyError,
};
use crate::cosign::{CosignError, StorageLimits};
use crate::discover::{discover, Discovery, Item, Location};
use crate::predicate::{PredicateError, PredicateKind};
use crate::proof_source::Offline;
pub use crate::proof_source::{InclusionProofSource, ProofFetchError, ProofRequest};
use crate::reference::{Digest, DigestAlgorithm, Tag};
use crate::referrers;
use crate::simple_signing::SimpleSigning;
use crate::store::{ArtifactStore, ManifestRef, StoreError};

/// The predicate type of an image signature in cosign v3's bundle format: an in-toto
/// statement whose subject is the image, with an empty predicate.
pub const SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";

/// How a signature or attestation is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureFormat {
    /// A Sigstore bundle v0.3 as an OCI 1.1 referrer (cosign v3's default).
    #[default]
    Bundle,
    /// cosign's tag scheme (`.sig` / `.att` layers with annotations).
    TagScheme,
}

/// Why a flow failed as a whole (a single stored signature that does not verify is a
/// [`Rejected`] entry in the report instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The image is not in the store.
    #[error("no image {reference} in {store}")]
    ImageNotFound {
        /// What was asked for.
        reference: String,
        /// The store.
        store: String,
    },
    /// Signatures name images by SHA-256 digest.
    #[error("image digest {0} is not SHA-256")]
    UnsupportedDigest(String),
    /// Reading or writing signature storage failed.
    #[error(transparent)]
    Storage(#[from] CosignError),
    /// The predicate could not be used.
    #[error(transparent)]
    Predicate(#[from] PredicateError),
    /// The signed bundle is not of the content that was prepared.
    #[error("the signed bundle does not hold the prepared content: {0}")]
    BundleMismatch(String),
}

/// An image resolved to the digest every later step uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// What payloads and statements call the image (`registry/repository`, or a layout's
    /// `oci:DIR`).
    pub name: String,
    /// The manifest's digest.
    pub digest: Digest,
    /// The manifest's media type.
    pub media_type: String,
    /// The tag the caller named the image by, if any: it was resolved once, here, and the
    /// digest is what is signed or verified (callers should say so, since a tag can move).
    pub resolved_tag: Option<Tag>,
}

/// Resolve `reference` in `store` to the image's digest (a digest is checked to be there).
pub async fn resolve<S: ArtifactStore>(
    store: &S,
    name: &str,
    reference: &ManifestRef,
) -> Result<ResolvedImage, FlowError> {
    let stored = store
        .manifest(reference)
        .await?
        .ok_or_else(|| FlowError::ImageNotFound {
            reference: reference.to_string(),
            store: store.describe(),
        })?;
    if stored.digest.algorithm() != DigestAlgorithm::Sha256 {
        return Err(FlowError::UnsupportedDigest(stored.digest.to_string()));
    }
    Ok(ResolvedImage {
        name: name.to_owned(),
        digest: stored.digest,
        media_type: stored.media_type,
        resolved_tag: match reference {
            ManifestRef::Tag(tag) => Some(tag.clone()),
            ManifestRef::Digest(_) => None,
        },
    })
}

/// Open the store `location` names and resolve the image in it: a layout directory (its only
/// image when the location names none), or the image's repository reached with a client made
/// from `client`. With `allow_insecure_registry`, the image's registry is added to
/// [`ClientConfig::insecure_registries`](crate::client::ClientConfig::insecure_registries)
/// (plain HTTP; loopback registries are reached that way already).
///
/// A tag is resolved here, once: [`ResolvedImage::resolved_tag`] says so, and callers should
/// warn that the digest is what is signed or verified from here on.
///
/// ```no_run
/// # async fn demo() -> Result<(), sigchain_oci::flow::FlowError> {
/// use sigchain_oci::client::ClientConfig;
/// use sigchain_oci::flow::open_image;
/// use sigchain_oci::location::ImageLocation;
///
/// let location = ImageLocation::parse("oci:./build/image:v1").expect("a location");
/// let (store, image) = open_image(&location, ClientConfig::default(), false).await?;
/// println!("{} is {}@{}", location, image.name, image.digest);
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "client")]
pub async fn open_image(
    location: &crate::location::ImageLocation,
    client: crate::client::ClientConfig,
    allow_insecure_registry: bool,
) -> Result<(crate::store::AnyStore, ResolvedImage), FlowError> {
    use crate::location::ImageLocation;
    use crate::store::{layout_only_image, AnyStore};

    let (store, name, reference) = match location {
        ImageLocation::Layout { path, reference } => {
            let layout = crate::layout::OciLayout::open(path).map_err(StoreError::from)?;
            let reference = match reference {
                Some(reference) => reference.clone(),
                None => layout_only_image(&layout)?,
            };
            let name = format!("{}{}", crate::location::LAYOUT_PREFIX, path.display());
            (AnyStore::Layout(layout), name, reference)
        }
        ImageLocation::Registry(image) => {
            let client = crate::client::RegistryClient::new(with_insecure_registry(
                client,
                image,
                allow_insecure_registry,
            ))
            .map_err(StoreError::from)?;
            // A parsed reference without a digest carries a tag (`latest` by default).
            let reference = match (image.digest(), image.tag()) {
                (Some(digest), _) => ManifestRef::Digest(digest.clone()),
                (None, Some(tag)) => ManifestRef::Tag(tag.clone()),
                (None, None) => {
                    return Err(FlowError::ImageNotFound {
                        reference: image.to_string(),
                        store: image.name(),
                    })
                }
            };
            let store = AnyStore::Registry(crate::client::RegistryRepository::new(client, image));
            (store, image.name(), reference)
        }
    };
    let image = resolve(&store, &name, &reference).await?;
    Ok((store, image))
}

/// `client`, plus the image's registry among the plain-HTTP ones when `allow` (and only it:
/// other registries and token realms stay HTTPS).
#[cfg(feature = "client")]
pub fn with_insecure_registry(
    mut client: crate::client::ClientConfig,
    image: &crate::reference::Reference,
    allow: bool,
) -> crate::client::ClientConfig {
    if allow {
        client
            .insecure_registries
            .push(image.registry_host_for_api().to_owned());
    }
    client
}

fn image_subject(image: &ResolvedImage) -> Subject {
    Subject {
        name: image.name.clone(),
        digest: [("sha256".to_owned(), image.digest.hex().to_owned())].into(),
    }
}

/// What is to be signed for an image signature, in one storage format.
#[derive(Debug, Clone)]
pub struct PreparedSignature {
    format: SignatureFormat,
    payload: Vec<u8>,
}

impl PreparedSignature {
    /// The signature of `image` in `format`: for [`SignatureFormat::Bundle`] the in-toto
    /// statement of type [`SIGN_PREDICATE_TYPE`] about the image; for
    /// [`SignatureFormat::TagScheme`] cosign's simple-signing payload.
    pub fn new(image: &ResolvedImage, format: SignatureFormat) -> PreparedSignature {
        let payload = match format {
            SignatureFormat::Bundle => {
                // Statement::new fails only for a predicate that cannot serialize; `{}` can.
                Statement::new(
                    StatementType::V1,
                    vec![image_subject(image)],
                    SIGN_PREDICATE_TYPE.to_owned(),
                    serde_json::Map::new(),
                )
                .map(|statement| statement.to_json())
                .unwrap_or_default()
            }
            SignatureFormat::TagScheme => SimpleSigning {
                docker_reference: image.name.clone(),
                manifest_digest: image.digest.clone(),
                annotations: None,
            }
            .to_json(),
        };
        PreparedSignature { format, payload }
    }

    /// The content a signer signs.
    pub fn content(&self) -> Content {
        match self.format {
            SignatureFormat::Bundle => Content::InTotoStatement(self.payload.clone()),
            SignatureFormat::TagScheme => Content::Artifact(self.payload.clone()),
        }
    }

    /// The storage format.
    pub fn format(&self) -> SignatureFormat {
        self.format
    }
}

/// An attestation to be signed: an in-toto Statement v1 about the image.
#[derive(Debug, Clone)]
pub struct PreparedAttestation {
    format: SignatureFormat,
    statement: Statement,
}

impl PreparedAttestation {
    /// The attestation of the predicate in `predicate` (the file's bytes) of `kind` about
    /// `image`, stored in `format`. `now` is the `custom` predicate's timestamp.
    pub fn new(
        image: &ResolvedImage,
        kind: &PredicateKind,
        predicate: &[u8],
        format: SignatureFormat,
        now: Timestamp,
    ) -> Result<PreparedAttestation, FlowError> {
        // `resolve` made sure the digest is SHA-256.
        let statement =
            crate::predicate::statement_about(&image.name, &image.digest, kind, predicate, now)?;
        Ok(PreparedAttestation { format, statement })
    }

    /// The statement.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The content a signer signs (the statement, as a DSSE envelope).
    pub fn content(&self) -> Content {
        Content::InTotoStatement(self.statement.to_json())
    }
}

/// Where a signature or attestation was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A referrer manifest of this digest.
    Referrer(Digest),
    /// A layer in the tag-scheme manifest under this tag.
    TagLayer {
        /// The tag.
        tag: Tag,
        /// Whether the same layer was there already (nothing was written).
        already_present: bool,
    },
}

fn check_signed(bundle: &Bundle, expected: &[u8]) -> Result<(), FlowError> {
    use sigchain_core::bundle::Content as BundleContent;
    let signed = match bundle.content() {
        BundleContent::Dsse(envelope) => envelope.payload.as_slice(),
        BundleContent::MessageSignature(_) => {
            // The tag-scheme layer conversion checks the message digest against the payload.
            return Ok(());
        }
    };
    if signed != expected {
        return Err(FlowError::BundleMismatch(
            "the envelope's payload is not the prepared statement".to_owned(),
        ));
    }
    Ok(())
}

/// Store the signed `bundle` of `prepared` for `image`.
pub async fn attach_signature<S: ArtifactStore>(
    store: &S,
    image: &ResolvedImage,
    prepared: &PreparedSignature,
    bundle: &Bundle,
    now: Timestamp,
    limits: &StorageLimits,
) -> Result<Stored, FlowError> {
    check_signed(bundle, &prepared.payload)?;
    match prepared.format {
        SignatureFormat::Bundle => Ok(Stored::Referrer(
            referrers::attach_bundle(store, &image.digest, bundle, now, limits).await?,
        )),
        SignatureFormat::TagScheme => {
            let layer = SignatureLayer::signature_from_bundle(bundle, &prepared.payload)?;
            attach_layer(store, image, &layer, limits).await
        }
    }
}

/// Store the signed `bundle` of `prepared` for `image`.
pub async fn attach_attestation<S: ArtifactStore>(
    store: &S,
    image: &ResolvedImage,
    prepared: &PreparedAttestation,
    bundle: &Bundle,
    now: Timestamp,
    limits: &StorageLimits,
) -> Result<Stored, FlowError> {
    check_signed(bundle, &prepared.statement.to_json())?;
    match prepared.format {
        SignatureFormat::Bundle => Ok(Stored::Referrer(
            referrers::attach_bundle(store, &image.digest, bundle, now, limits).await?,
        )),
        SignatureFormat::TagScheme => {
            let layer = SignatureLayer::attestation_from_bundle(bundle)?;
            attach_layer(store, image, &layer, limits).await
        }
    }
}

async fn attach_layer<S: ArtifactStore>(
    store: &S,
    image: &ResolvedImage,
    layer: &SignatureLayer,
    limits: &StorageLimits,
) -> Result<Stored, FlowError> {
    let tag = tagged::tag_for(layer.kind, &image.digest)?;
    let attached = tagged::attach(store, &image.digest, layer, limits).await?;
    Ok(Stored::TagLayer {
        tag,
        already_present: attached == Attached::AlreadyPresent,
    })
}

/// The verifiers a verification uses: the strict one for bundles (and for tag-scheme
/// signatures completed with a fetched inclusion proof, see
/// [`verify_image_fetching_proofs`]), and optionally one that accepts log entries with only
/// an inclusion promise, for cosign tag-scheme signatures (whose annotations cannot carry an
/// inclusion proof).
#[derive(Debug, Clone, Copy)]
pub struct Verifiers<'a> {
    /// For bundles stored as referrers.
    pub strict: &'a Verifier,
    /// For tag-scheme signatures and attestations; `None` rejects them (with a reason that
    /// says why).
    pub promise_only: Option<&'a Verifier>,
}

/// A stored signature or attestation that verified, bound to the image.
#[derive(Debug)]
pub struct Verified {
    /// Where it was stored.
    pub location: Location,
    /// What the verifier proved (signer, times, log entries).
    pub verified: VerifiedBundle,
    /// Where the log entry's inclusion proof came from, or that there was none.
    pub inclusion: InclusionEvidence,
    /// The signed payload, as JSON: for a signature, cosign's `verify` output object
    /// (`critical` with the docker reference, manifest digest and type; `optional` with the
    /// signer's issuer and subject); for an attestation, the in-toto statement.
    pub payload: serde_json::Value,
}

/// Where a verified item's inclusion proof came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InclusionEvidence {
    /// The stored bundle carried it (a bundle stored as a referrer).
    InBundle,
    /// The stored signature carried the log's promise only (cosign's tag scheme); the entry
    /// was fetched from the log at this URL, was the promised one, and its proof verified.
    Fetched {
        /// The log's base URL, from the trusted root.
        log_url: String,
    },
    /// Only the log's promise (SET) was checked: the verifier accepted promise-only entries.
    PromiseOnly,
    /// No log entry (a key-signed item verified without one).
    NotLogged,
}

impl InclusionEvidence {
    fn of(verified: &VerifiedBundle) -> InclusionEvidence {
        let entries = verified.log_entries();
        if entries.is_empty() {
            InclusionEvidence::NotLogged
        } else if entries.iter().all(|e| e.inclusion_proven()) {
            InclusionEvidence::InBundle
        } else {
            InclusionEvidence::PromiseOnly
        }
    }

    fn fetched(verified: &VerifiedBundle, log_url: &str) -> InclusionEvidence {
        match InclusionEvidence::of(verified) {
            InclusionEvidence::InBundle => InclusionEvidence::Fetched {
                log_url: log_url.to_owned(),
            },
            other => other,
        }
    }
}

impl std::fmt::Display for InclusionEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InclusionEvidence::InBundle => f.write_str("inclusion proof in the bundle"),
            InclusionEvidence::Fetched { log_url } => {
                write!(f, "inclusion proof fetched from {log_url}")
            }
            InclusionEvidence::PromiseOnly => {
                f.write_str("inclusion promise only (no inclusion proof)")
            }
            InclusionEvidence::NotLogged => f.write_str("no log entry"),
        }
    }
}

/// A stored item that did not verify, and why.
#[derive(Debug)]
pub struct Rejected {
    /// Where it was stored.
    pub location: String,
    /// Why it was rejected.
    pub reason: String,
}

/// Everything verification found for an image.
#[derive(Debug)]
pub struct VerificationReport {
    /// The image.
    pub image: ResolvedImage,
    /// The items that verified.
    pub verified: Vec<Verified>,
    /// The items of the asked-for kind that did not.
    pub rejected: Vec<Rejected>,
    /// Items listed past the storage limits, not fetched: (what, how many).
    pub omitted: Vec<(String, usize)>,
}

impl VerificationReport {
    /// Whether at least one item verified.
    pub fn passed(&self) -> bool {
        !self.verified.is_empty()
    }
}

/// What verification looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// Image signatures.
    Signatures,
    /// Attestations of this predicate type (URI), or of any type.
    Attestations(Option<String>),
}

/// Find and verify the signatures (or attestations) stored for `image`, each for `signer`,
/// offline: tag-scheme items are verified only if [`Verifiers::promise_only`] allows.
pub async fn verify_image<S: ArtifactStore>(
    store: &S,
    image: &ResolvedImage,
    wanted: &Wanted,
    verifiers: Verifiers<'_>,
    signer: &SignerPolicy,
    now: Timestamp,
    limits: &StorageLimits,
) -> Result<VerificationReport, FlowError> {
    verify_with(
        store,
        image,
        wanted,
        verifiers,
        None::<&Offline>,
        signer,
        now,
        limits,
    )
    .await
}

/// As [`verify_image`], and each tag-scheme item's missing inclusion proof is fetched through
/// `proofs` (from the log the trusted root of [`Verifiers::strict`] names by the entry's log
/// id), so that the strict verifier can verify it. See the module docs for what happens when
/// fetching fails.
#[allow(clippy::too_many_arguments)]
pub async fn verify_image_fetching_proofs<S: ArtifactStore, P: InclusionProofSource + Sync>(
    store: &S,
    image: &ResolvedImage,
    wanted: &Wanted,
    verifiers: Verifiers<'_>,
    proofs: &P,
    signer: &SignerPolicy,
    now: Timestamp,
    limits: &StorageLimits,
) -> Result<VerificationReport, FlowError> {
    verify_with(
        store,
        image,
        wanted,
        verifiers,
        Some(proofs),
        signer,
        now,
        limits,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn verify_with<S: ArtifactStore, P: InclusionProofSource + Sync>(
    store: &S,
    image: &ResolvedImage,
    wanted: &Wanted,
    verifiers: Verifiers<'_>,
    proofs: Option<&P>,
    signer: &SignerPolicy,
    now: Timestamp,
    limits: &StorageLimits,
) -> Result<VerificationReport, FlowError> {
    let discovery = discover(store, &image.digest, limits).await?;
    let completions = match proofs {
        Some(proofs) => {
            complete_tag_scheme(&discovery, wanted, verifiers.strict, proofs, limits).await
        }
        None => Vec::new(),
    };
    let mut report = VerificationReport {
        image: image.clone(),
        verified: Vec::new(),
        rejected: Vec::new(),
        omitted: discovery.omitted.clone(),
    };
    for problem in &discovery.problems {
        report.rejected.push(Rejected {
            location: problem.location.clone(),
            reason: problem.error.to_string(),
        });
    }
    check_found(
        &discovery,
        &completions,
        image,
        wanted,
        verifiers,
        signer,
        now,
        limits,
        &mut report,
    );
    Ok(report)
}

/// A tag-scheme item's bundle after asking for its inclusion proof.
enum Completion {
    /// Completed with the proof of the promised entry, fetched from `log_url`.
    Completed { bundle: Bundle, log_url: String },
    /// Not completed; `disagreement` when the log answered with another entry than promised.
    Failed { reason: String, disagreement: bool },
}

fn wants_attestation(wanted: &Wanted, predicate_type: Option<&str>) -> bool {
    match (wanted, predicate_type) {
        (Wanted::Signatures, _) => false,
        // The annotation is unsigned: it only saves a fetch for a layer that is not wanted.
        (Wanted::Attestations(Some(wanted)), Some(annotated)) => annotated == wanted,
        _ => true,
    }
}

/// For each found item (by position), the completed bundle of a tag-scheme item of the wanted
/// kind, or why there is none; `None` for everything else.
async fn complete_tag_scheme<P: InclusionProofSource + Sync>(
    discovery: &Discovery,
    wanted: &Wanted,
    strict: &Verifier,
    proofs: &P,
    limits: &StorageLimits,
) -> Vec<Option<Completion>> {
    let mut answers = Answers::default();
    let mut completions = Vec::with_capacity(discovery.found.len());
    for found in &discovery.found {
        let layer = match &found.item {
            Item::Signature(layer) if *wanted == Wanted::Signatures => Some(layer),
            Item::Attestation(layer) if wants_attestation(wanted, layer.predicate_type()) => {
                Some(layer)
            }
            _ => None,
        };
        let completion = match layer.map(|l| l.to_bundle(limits)) {
            Some(Ok(bundle)) => complete_one(&bundle, strict, proofs, &mut answers).await,
            Some(Err(e)) => Some(Completion::Failed {
                reason: ImageVerifyError::Layer(e).to_string(),
                disagreement: false,
            }),
            None => None,
        };
        completions.push(completion);
    }
    completions
}

/// The log's answers within one verification: an entry is asked for once however many layers
/// name it, and a log that could not be reached is not asked again (an image may hold many
/// layers, and each such request may take the transport's whole retry budget). Only
/// unreachability counts: a layer naming an entry the log refuses or does not have must not
/// keep another layer's genuine entry from being fetched.
#[derive(Default)]
struct Answers {
    entries: BTreeMap<(String, u64), TlogEntry>,
    failed: BTreeMap<String, String>,
}

async fn complete_one<P: InclusionProofSource + Sync>(
    bundle: &Bundle,
    strict: &Verifier,
    proofs: &P,
    answers: &mut Answers,
) -> Option<Completion> {
    let request = match proof_request(bundle, strict.trusted_root()) {
        Ok(Some(request)) => request,
        Ok(None) => return None,
        Err(e) => {
            return Some(Completion::Failed {
                reason: format!("cannot ask for the inclusion proof: {e}"),
                disagreement: false,
            })
        }
    };
    let fetch_failed = |reason: &str| {
        Some(Completion::Failed {
            reason: format!("fetching the inclusion proof: {reason}"),
            disagreement: false,
        })
    };
    if let Some(reason) = answers.failed.get(&request.log_url) {
        return fetch_failed(reason);
    }
    let key = (request.log_url.clone(), request.log_index);
    let fetched = match answers.entries.get(&key) {
        Some(fetched) => fetched,
        None => match proofs.fetch_entry(&request).await {
            Ok(fetched) => answers.entries.entry(key).or_insert(fetched),
            Err(e) => {
                let reason = e.to_string();
                if e.log_unreachable {
                    answers
                        .failed
                        .insert(request.log_url.clone(), reason.clone());
                }
                return fetch_failed(&reason);
            }
        },
    };
    Some(match complete_inclusion(bundle, fetched) {
        Ok(bundle) => Completion::Completed {
            bundle,
            log_url: request.log_url,
        },
        Err(e) => Completion::Failed {
            reason: format!("inclusion proof from {}: {e}", request.log_url),
            disagreement: e.is_disagreement(),
        },
    })
}

/// How a tag-scheme item is to be verified, given its completion and the verifiers.
enum TagSchemeCheck<'a> {
    Completed(&'a Bundle, &'a str),
    PromiseOnly(&'a Verifier),
    Refused(String),
}

fn tag_scheme_check<'a>(
    completion: Option<&'a Completion>,
    promise_only: Option<&'a Verifier>,
) -> TagSchemeCheck<'a> {
    match (completion, promise_only) {
        (Some(Completion::Completed { bundle, log_url }), _) => {
            TagSchemeCheck::Completed(bundle, log_url)
        }
        (
            Some(Completion::Failed {
                reason,
                disagreement: true,
            }),
            _,
        )
        | (Some(Completion::Failed { reason, .. }), None) => {
            TagSchemeCheck::Refused(reason.clone())
        }
        (_, Some(verifier)) => TagSchemeCheck::PromiseOnly(verifier),
        (None, None) => TagSchemeCheck::Refused(PROMISE_ONLY_REFUSED.to_owned()),
    }
}

#[allow(clippy::too_many_arguments)]
fn check_found(
    discovery: &Discovery,
    completions: &[Option<Completion>],
    image: &ResolvedImage,
    wanted: &Wanted,
    verifiers: Verifiers<'_>,
    signer: &SignerPolicy,
    now: Timestamp,
    limits: &StorageLimits,
    report: &mut VerificationReport,
) {
    let want_type = |predicate_type: &str| match wanted {
        Wanted::Signatures => predicate_type == SIGN_PREDICATE_TYPE,
        Wanted::Attestations(None) => predicate_type != SIGN_PREDICATE_TYPE,
        Wanted::Attestations(Some(wanted)) => predicate_type == wanted,
    };
    for (position, found) in discovery.found.iter().enumerate() {
        let location = describe_location(&found.location);
        let completion = completions.get(position).and_then(Option::as_ref);
        let outcome: Option<Result<Verified, ImageVerifyError>> = match (&found.item, wanted) {
            (Item::Signature(layer), Wanted::Signatures) => {
                let checked = match tag_scheme_check(completion, verifiers.promise_only) {
                    TagSchemeCheck::Refused(reason) => {
                        report.rejected.push(Rejected { location, reason });
                        continue;
                    }
                    TagSchemeCheck::Completed(bundle, log_url) => verify_signature_layer_bundle(
                        verifiers.strict,
                        layer,
                        bundle,
                        &image.digest,
                        signer,
                        now,
                    )
                    .map(|signature| {
                        let inclusion = InclusionEvidence::fetched(&signature.verified, log_url);
                        (signature, inclusion)
                    }),
                    TagSchemeCheck::PromiseOnly(verifier) => {
                        verify_signature_layer(verifier, layer, &image.digest, signer, now, limits)
                            .map(|signature| {
                                let inclusion = InclusionEvidence::of(&signature.verified);
                                (signature, inclusion)
                            })
                    }
                };
                Some(checked.map(|(signature, inclusion)| Verified {
                    location: found.location.clone(),
                    payload: signature_output(
                        &signature.payload.docker_reference,
                        &signature.payload.manifest_digest,
                        crate::simple_signing::PAYLOAD_TYPE,
                        &signature.verified,
                    ),
                    verified: signature.verified,
                    inclusion,
                }))
            }
            (Item::Attestation(layer), Wanted::Attestations(_)) => {
                // The annotation is unsigned: it only chooses what to verify; the verified
                // statement's type decides.
                let checked = match tag_scheme_check(completion, verifiers.promise_only) {
                    TagSchemeCheck::Refused(reason) => {
                        if layer.predicate_type().is_some_and(want_type) {
                            report.rejected.push(Rejected { location, reason });
                        }
                        continue;
                    }
                    TagSchemeCheck::Completed(bundle, log_url) => verify_dsse_bundle_for_image(
                        verifiers.strict,
                        bundle,
                        &image.digest,
                        signer,
                        now,
                    )
                    .map(|attestation| {
                        let inclusion = InclusionEvidence::fetched(&attestation.verified, log_url);
                        (attestation, inclusion)
                    }),
                    TagSchemeCheck::PromiseOnly(verifier) => verify_attestation_layer(
                        verifier,
                        layer,
                        &image.digest,
                        signer,
                        now,
                        limits,
                    )
                    .map(|attestation| {
                        let inclusion = InclusionEvidence::of(&attestation.verified);
                        (attestation, inclusion)
                    }),
                };
                match checked {
                    Ok((attestation, _)) if !want_type(&attestation.statement.predicate_type) => {
                        continue
                    }
                    Ok((attestation, inclusion)) => Some(Ok(Verified {
                        location: found.location.clone(),
                        payload: statement_output(&attestation.statement),
                        verified: attestation.verified,
                        inclusion,
                    })),
                    Err(e) => Some(Err(e)),
                }
            }
            (
                Item::Bundle {
                    bundle,
                    predicate_type,
                },
                _,
            ) => {
                use sigchain_core::bundle::Content as BundleContent;
                // The referrer's annotation is unsigned: it only chooses what to verify (a
                // bundle of another kind is not reported as a rejected one of this kind); the
                // verified statement's type decides.
                if predicate_type.as_deref().is_some_and(|t| !want_type(t)) {
                    continue;
                }
                match bundle.content() {
                    BundleContent::MessageSignature(_) => {
                        if *wanted != Wanted::Signatures {
                            continue;
                        }
                        Some(
                            verify_bundle_for_image(
                                verifiers.strict,
                                bundle,
                                &image.digest,
                                signer,
                                now,
                            )
                            .map(|verified| Verified {
                                location: found.location.clone(),
                                payload: signature_output(
                                    &image.name,
                                    &image.digest,
                                    "message-signature",
                                    &verified,
                                ),
                                inclusion: InclusionEvidence::of(&verified),
                                verified,
                            }),
                        )
                    }
                    BundleContent::Dsse(_) => match verify_dsse_bundle_for_image(
                        verifiers.strict,
                        bundle,
                        &image.digest,
                        signer,
                        now,
                    ) {
                        Ok(attestation) if !want_type(&attestation.statement.predicate_type) => {
                            continue
                        }
                        Ok(attestation) => Some(Ok(Verified {
                            location: found.location.clone(),
                            payload: match wanted {
                                Wanted::Signatures => signature_output(
                                    &image.name,
                                    &image.digest,
                                    SIGN_PREDICATE_TYPE,
                                    &attestation.verified,
                                ),
                                Wanted::Attestations(_) => statement_output(&attestation.statement),
                            },
                            inclusion: InclusionEvidence::of(&attestation.verified),
                            verified: attestation.verified,
                        })),
                        Err(e) => Some(Err(e)),
                    },
                }
            }
            _ => None,
        };
        match outcome {
            Some(Ok(verified)) => report.verified.push(verified),
            Some(Err(error)) => report.rejected.push(Rejected {
                location,
                reason: error.to_string(),
            }),
            None => {}
        }
    }
}

const PROMISE_ONLY_REFUSED: &str = "a cosign tag-scheme signature carries the log's inclusion \
     promise (SET) but no inclusion proof; verify it by fetching its inclusion proof from the \
     log, or accept it only by allowing promise-only log entries";

/// Where an item was found, for messages.
pub fn describe_location(location: &Location) -> String {
    match location {
        Location::TagLayer { tag, layer, .. } => format!("tag {tag} layer {layer}"),
        Location::SbomTag { tag, .. } => format!("tag {tag}"),
        Location::ReferrerLayer {
            manifest, layer, ..
        } => format!("referrer {manifest} layer {layer}"),
        Location::Referrer { manifest, .. } => format!("referrer {manifest}"),
    }
}

fn signature_output(
    docker_reference: &str,
    digest: &Digest,
    kind: &str,
    verified: &VerifiedBundle,
) -> serde_json::Value {
    let mut optional = BTreeMap::new();
    if let VerifiedSigner::Certificate(certificate) = verified.signer() {
        optional.insert("Issuer", certificate.issuer().to_owned());
        optional.insert("Subject", certificate.identity().as_str().to_owned());
    }
    serde_json::json!({
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": digest.to_string()},
            "type": kind,
        },
        "optional": optional,
    })
}

fn statement_output(statement: &Statement) -> serde_json::Value {
    serde_json::from_slice(&statement.to_json()).unwrap_or(serde_json::Value::Null)
}

#[cfg(all(test, feature = "client"))]
mod tests {
    use super::*;
    use crate::client::ClientConfig;
    use crate::reference::Reference;

    #[test]
    fn allowing_an_insecure_registry_adds_only_the_images_registry() {
        let image = Reference::parse("registry.internal:5000/team/app:v1").unwrap();
        let given = ClientConfig {
            insecure_registries: vec!["other.internal".to_owned()],
            ..ClientConfig::default()
        };
        let kept = with_insecure_registry(given.clone(), &image, false);
        assert_eq!(kept.insecure_registries, ["other.internal"]);
        let allowed = with_insecure_registry(given, &image, true);
        assert_eq!(
            allowed.insecure_registries,
            ["other.internal", "registry.internal:5000"]
        );
        // Docker Hub's API host, not its reference name.
        let hub = Reference::parse("alpine").unwrap();
        let allowed = with_insecure_registry(ClientConfig::default(), &hub, true);
        assert_eq!(allowed.insecure_registries, [hub.registry_host_for_api()]);
    }
}
