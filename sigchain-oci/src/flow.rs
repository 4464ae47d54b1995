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
//!   cosign's annotations carry the log's signed promise (SET) but no inclusion proof, so such
//!   a signature verifies only with a verifier that accepts promise-only entries
//!   ([`Verifiers::promise_only`]); with a Rekor v2 signing config it cannot be written at all.
//!
//! Verification reads every form and reports each stored item as verified or rejected (with
//! its reason): an image passes when at least one signature verified for the required signer.
//!
//! `open_image` (feature `client`) turns a command line's image (a registry reference or
//! `oci:DIR[:TAG|@DIGEST]`) into the store and the resolved image every flow takes; the
//! `ci_pipeline` example in `examples/` runs all the flows in a row.

use std::collections::BTreeMap;

use sigchain_core::bundle::Bundle;
use sigchain_core::intoto::{Statement, StatementType, Subject};
use sigchain_core::sign::machine::Content;
use sigchain_core::time::Timestamp;
use sigchain_core::verify::{SignerPolicy, VerifiedBundle, VerifiedSigner, Verifier};

use crate::cosign::layer::SignatureLayer;
use crate::cosign::tagged::{self, Attached};
use crate::cosign::verify::{
    verify_attestation_layer, verify_bundle_for_image, verify_dsse_bundle_for_image,
    verify_signature_layer, ImageVerifyError,
};
use crate::cosign::{CosignError, StorageLimits};
use crate::discover::{discover, Discovery, Item, Location};
use crate::predicate::{PredicateError, PredicateKind};
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
fn with_insecure_registry(
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
        let predicate = kind.predicate(predicate, now)?;
        let statement = Statement::new(
            StatementType::V1,
            vec![image_subject(image)],
            kind.uri().to_owned(),
            predicate,
        )
        .map_err(PredicateError::from)?;
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

/// The verifiers a verification uses: the strict one for bundles, and optionally one that
/// accepts log entries with only an inclusion promise, for cosign tag-scheme signatures (whose
/// annotations cannot carry an inclusion proof).
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
    /// The signed payload, as JSON: for a signature, cosign's `verify` output object
    /// (`critical` with the docker reference, manifest digest and type; `optional` with the
    /// signer's issuer and subject); for an attestation, the in-toto statement.
    pub payload: serde_json::Value,
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

/// Find and verify the signatures (or attestations) stored for `image`, each for `signer`.
pub async fn verify_image<S: ArtifactStore>(
    store: &S,
    image: &ResolvedImage,
    wanted: &Wanted,
    verifiers: Verifiers<'_>,
    signer: &SignerPolicy,
    now: Timestamp,
    limits: &StorageLimits,
) -> Result<VerificationReport, FlowError> {
    let discovery = discover(store, &image.digest, limits).await?;
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

#[allow(clippy::too_many_arguments)]
fn check_found(
    discovery: &Discovery,
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
    for found in &discovery.found {
        let location = describe_location(&found.location);
        let outcome: Option<Result<Verified, ImageVerifyError>> = match (&found.item, wanted) {
            (Item::Signature(layer), Wanted::Signatures) => Some(match verifiers.promise_only {
                None => {
                    report.rejected.push(Rejected {
                        location,
                        reason: PROMISE_ONLY_REFUSED.to_owned(),
                    });
                    continue;
                }
                Some(verifier) => {
                    verify_signature_layer(verifier, layer, &image.digest, signer, now, limits).map(
                        |signature| Verified {
                            location: found.location.clone(),
                            payload: signature_output(
                                &signature.payload.docker_reference,
                                &signature.payload.manifest_digest,
                                crate::simple_signing::PAYLOAD_TYPE,
                                &signature.verified,
                            ),
                            verified: signature.verified,
                        },
                    )
                }
            }),
            (Item::Attestation(layer), Wanted::Attestations(_)) => {
                // The annotation is unsigned: it only chooses what to verify; the verified
                // statement's type decides.
                match verifiers.promise_only {
                    None => {
                        if layer.predicate_type().is_some_and(want_type) {
                            report.rejected.push(Rejected {
                                location,
                                reason: PROMISE_ONLY_REFUSED.to_owned(),
                            });
                        }
                        continue;
                    }
                    Some(verifier) => match verify_attestation_layer(
                        verifier,
                        layer,
                        &image.digest,
                        signer,
                        now,
                        limits,
                    ) {
                        Ok(attestation) if !want_type(&attestation.statement.predicate_type) => {
                            continue
                        }
                        Ok(attestation) => Some(Ok(Verified {
                            location: found.location.clone(),
                            payload: statement_output(&attestation.statement),
                            verified: attestation.verified,
                        })),
                        Err(e) => Some(Err(e)),
                    },
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
     promise (SET) but no inclusion proof; accept it only by allowing promise-only log entries";

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
