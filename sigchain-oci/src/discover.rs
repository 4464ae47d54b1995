//! Everything a repository stores about one image: cosign tag-scheme signatures and
//! attestations, an attached SBOM, and referrers (Sigstore bundles, cosign's OCI 1.1 signature
//! and attestation referrers, other artifacts), each with where it was found (what
//! `sigchain triangulate` prints). Nothing here is verified.
//!
//! A hostile repository may list thousands of layers or referrers: at most
//! [`StorageLimits::max_layers`] layers per manifest and [`StorageLimits::max_referrers`]
//! referrers are fetched, and [`Discovery::omitted`] says how many were left.

use sigchain_core::bundle::Bundle;

use crate::cosign::sbom::{self, AttachedSbom};
use crate::cosign::tagged;
use crate::cosign::wire::WireDescriptor;
use crate::cosign::{CosignError, LayerKind, SignatureLayer, StorageLimits};
use crate::reference::{Digest, Tag};
use crate::referrers::{
    self, ReferrersSource, BUNDLE_PREDICATE_TYPE_ANNOTATION, COSIGN_ATTESTATION_ARTIFACT_TYPE,
    COSIGN_SIGNATURE_ARTIFACT_TYPE,
};
use crate::store::ArtifactStore;

/// Where something was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A layer of a cosign tag-scheme manifest.
    TagLayer {
        /// The tag (`sha256-<hex>.sig`, `.att`).
        tag: Tag,
        /// The manifest's digest.
        manifest: Digest,
        /// The layer's position.
        layer: usize,
    },
    /// The `.sbom` tag's manifest.
    SbomTag {
        /// The tag.
        tag: Tag,
        /// The manifest's digest.
        manifest: Digest,
    },
    /// A layer of a referrer manifest (cosign's OCI 1.1 signatures and attestations).
    ReferrerLayer {
        /// The referrer's digest.
        manifest: Digest,
        /// How it was listed.
        via: ReferrersSource,
        /// The layer's position.
        layer: usize,
    },
    /// A referrer manifest.
    Referrer {
        /// The referrer's digest.
        manifest: Digest,
        /// How it was listed.
        via: ReferrersSource,
    },
}

/// A found item (unverified).
#[derive(Debug, Clone)]
pub enum Item {
    /// A simple-signing layer (`.sig`, or a cosign signature referrer).
    Signature(SignatureLayer),
    /// A DSSE layer (`.att`, or a cosign attestation referrer).
    Attestation(SignatureLayer),
    /// An attached SBOM.
    Sbom(AttachedSbom),
    /// A Sigstore bundle stored as a referrer.
    Bundle {
        /// The bundle.
        bundle: Box<Bundle>,
        /// The referrer's `dev.sigstore.bundle.predicateType` annotation, if any.
        predicate_type: Option<String>,
    },
    /// A referrer of another artifact type (not fetched).
    OtherReferrer {
        /// Its artifact type.
        artifact_type: Option<String>,
    },
}

/// One thing found, and where.
#[derive(Debug, Clone)]
pub struct Found {
    /// Where.
    pub location: Location,
    /// What.
    pub item: Item,
}

/// Something that could not be read, and where (a store failure while listing is an error of
/// the whole discovery instead).
#[derive(Debug)]
pub struct Problem {
    /// What was being read (a tag, a referrer digest).
    pub location: String,
    /// Why it failed.
    pub error: CosignError,
}

/// Everything found about one image.
#[derive(Debug)]
pub struct Discovery {
    /// The image.
    pub image: Digest,
    /// What was found and read.
    pub found: Vec<Found>,
    /// What was listed but could not be read.
    pub problems: Vec<Problem>,
    /// Items listed past the limits and not fetched: (what, how many).
    pub omitted: Vec<(String, usize)>,
    /// How referrers were listed.
    pub referrers_source: ReferrersSource,
}

impl Discovery {
    /// The signatures (tag scheme) found.
    pub fn signatures(&self) -> impl Iterator<Item = (&Location, &SignatureLayer)> {
        self.found.iter().filter_map(|f| match &f.item {
            Item::Signature(layer) => Some((&f.location, layer)),
            _ => None,
        })
    }

    /// The attestations (tag scheme) found, optionally of one predicate type (by annotation).
    pub fn attestations<'a>(
        &'a self,
        predicate_type: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a Location, &'a SignatureLayer)> + 'a {
        self.found.iter().filter_map(move |f| match &f.item {
            Item::Attestation(layer)
                if predicate_type.is_none() || layer.predicate_type() == predicate_type =>
            {
                Some((&f.location, layer))
            }
            _ => None,
        })
    }

    /// The bundles stored as referrers.
    pub fn bundles(&self) -> impl Iterator<Item = (&Location, &Bundle)> {
        self.found.iter().filter_map(|f| match &f.item {
            Item::Bundle { bundle, .. } => Some((&f.location, bundle.as_ref())),
            _ => None,
        })
    }
}

/// Gather everything `store` holds about `image`.
pub async fn discover<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    limits: &StorageLimits,
) -> Result<Discovery, CosignError> {
    let mut discovery = Discovery {
        image: image.clone(),
        found: Vec::new(),
        problems: Vec::new(),
        omitted: Vec::new(),
        referrers_source: ReferrersSource::Api,
    };
    for kind in [LayerKind::Signature, LayerKind::Attestation] {
        let read = match tagged::read(store, kind, image, limits).await {
            Ok(read) => read,
            Err(error) => {
                discovery.problems.push(Problem {
                    location: tagged::tag_for(kind, image)?.to_string(),
                    error,
                });
                continue;
            }
        };
        let Some(read) = read else { continue };
        if read.omitted > 0 {
            discovery
                .omitted
                .push((format!("layers of {}", read.tag), read.omitted));
        }
        for (position, layer) in read.layers {
            let location = Location::TagLayer {
                tag: read.tag.clone(),
                manifest: read.manifest_digest.clone(),
                layer: position,
            };
            match layer {
                Ok(layer) => discovery.found.push(Found {
                    location,
                    item: match kind {
                        LayerKind::Signature => Item::Signature(layer),
                        LayerKind::Attestation => Item::Attestation(layer),
                    },
                }),
                Err(error) => discovery.problems.push(Problem {
                    location: format!("{} layer {position}", read.tag),
                    error,
                }),
            }
        }
    }
    match sbom::read(store, image, limits).await {
        Ok(Some(sbom)) => discovery.found.push(Found {
            location: Location::SbomTag {
                tag: sbom.tag.clone(),
                manifest: sbom.manifest_digest.clone(),
            },
            item: Item::Sbom(sbom),
        }),
        Ok(None) => {}
        Err(error) => discovery.problems.push(Problem {
            location: crate::cosign_tags::sbom_tag(image)?.to_string(),
            error,
        }),
    }
    let listed = referrers::list(store, image, None, limits).await?;
    discovery.referrers_source = listed.source;
    if listed.omitted > 0 {
        discovery
            .omitted
            .push(("referrers".to_owned(), listed.omitted));
    }
    for descriptor in &listed.descriptors {
        read_referrer(
            store,
            image,
            descriptor,
            listed.source,
            limits,
            &mut discovery,
        )
        .await;
    }
    Ok(discovery)
}

async fn read_referrer<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    descriptor: &WireDescriptor,
    via: ReferrersSource,
    limits: &StorageLimits,
    discovery: &mut Discovery,
) {
    let manifest = match descriptor.parsed_digest() {
        Ok(digest) => digest,
        Err(error) => {
            discovery.problems.push(Problem {
                location: format!("referrer {}", descriptor.digest),
                error,
            });
            return;
        }
    };
    let artifact_type = descriptor.artifact_type.as_deref().unwrap_or_default();
    if artifact_type == COSIGN_SIGNATURE_ARTIFACT_TYPE
        || artifact_type == COSIGN_ATTESTATION_ARTIFACT_TYPE
    {
        read_referrer_layers(store, image, descriptor, via, limits, discovery).await;
        return;
    }
    let location = Location::Referrer { manifest, via };
    let is_bundle = artifact_type.starts_with("application/vnd.dev.sigstore.bundle");
    if !is_bundle {
        discovery.found.push(Found {
            location,
            item: Item::OtherReferrer {
                artifact_type: descriptor.artifact_type.clone(),
            },
        });
        return;
    }
    match referrers::read_bundle(store, image, descriptor, limits).await {
        Ok(bundle) => discovery.found.push(Found {
            location,
            item: Item::Bundle {
                bundle: Box::new(bundle),
                predicate_type: descriptor
                    .annotation(BUNDLE_PREDICATE_TYPE_ANNOTATION)
                    .map(str::to_owned),
            },
        }),
        Err(error) => discovery.problems.push(Problem {
            location: format!("referrer {}", descriptor.digest),
            error,
        }),
    }
}

async fn read_referrer_layers<S: ArtifactStore>(
    store: &S,
    image: &Digest,
    descriptor: &WireDescriptor,
    via: ReferrersSource,
    limits: &StorageLimits,
    discovery: &mut Discovery,
) {
    let (manifest_digest, manifest) =
        match referrers::read_manifest(store, image, descriptor, limits).await {
            Ok(read) => read,
            Err(error) => {
                discovery.problems.push(Problem {
                    location: format!("referrer {}", descriptor.digest),
                    error,
                });
                return;
            }
        };
    let omitted = manifest.layers.len().saturating_sub(limits.max_layers);
    if omitted > 0 {
        discovery
            .omitted
            .push((format!("layers of referrer {manifest_digest}"), omitted));
    }
    for (position, layer) in manifest.layers.iter().take(limits.max_layers).enumerate() {
        let location = Location::ReferrerLayer {
            manifest: manifest_digest.clone(),
            via,
            layer: position,
        };
        match tagged::read_layer(store, layer, limits).await {
            Ok(layer) => discovery.found.push(Found {
                location,
                item: match layer.kind {
                    LayerKind::Signature => Item::Signature(layer),
                    LayerKind::Attestation => Item::Attestation(layer),
                },
            }),
            Err(error) => discovery.problems.push(Problem {
                location: format!("referrer {manifest_digest} layer {position}"),
                error,
            }),
        }
    }
}
