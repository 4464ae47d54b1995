//! The image commands, cosign's flags: `sign`, `attest`, `verify`, `verify-attestation`,
//! `triangulate`. An image is a registry reference or an OCI layout (`oci:DIR[:TAG|@DIGEST]`);
//! it is resolved to its digest once, and everything after uses that digest.

use std::path::PathBuf;
use std::process::ExitCode;

use sigchain_core::time::Timestamp;
use sigchain_core::verify::Verifier;
use sigchain_oci::client::ClientConfig;
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::cosign_tags;
use sigchain_oci::discover::{discover, Item, Location};
use sigchain_oci::flow::{
    self, PreparedAttestation, PreparedSignature, ResolvedImage, SignatureFormat, Stored,
    Verifiers, Wanted,
};
use sigchain_oci::location::ImageLocation;
use sigchain_oci::predicate::PredicateKind;
use sigchain_oci::proof_source::{RekorV1Proofs, TransportConfig};
use sigchain_oci::store::AnyStore;

use crate::inputs;
use crate::options::{IdentityOptions, VerifierOptions};
use crate::signing::{SignerArgs, SigningIdentity};

/// The image and how to reach its registry.
#[derive(clap::Args)]
pub struct ImageArgs {
    /// The image: a registry reference (`registry/repository:tag`, `...@sha256:<hex>`) or an
    /// OCI image layout (`oci:DIR`, `oci:DIR:TAG`, `oci:DIR@sha256:<hex>`). Give a digest:
    /// a tag is resolved once, with a warning, and the digest is what is signed or verified.
    pub image: String,
    /// Reach the image's registry over plain HTTP (a registry without TLS, e.g. on loopback).
    #[arg(long)]
    pub allow_insecure_registry: bool,
}

/// Where the signatures go: cosign v3's bundle referrers, or the older tag scheme.
#[derive(clap::Args)]
pub struct FormatArgs {
    /// Store a Sigstore bundle as an OCI 1.1 referrer (cosign v3's default); `false` stores
    /// cosign's tag-scheme layers (`sha256-<hex>.sig` / `.att`), which carry no inclusion proof.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub new_bundle_format: bool,
    /// Accepted for cosign compatibility: sigchain never prompts.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

impl FormatArgs {
    fn format(&self) -> SignatureFormat {
        if self.new_bundle_format {
            SignatureFormat::Bundle
        } else {
            SignatureFormat::TagScheme
        }
    }
}

/// The trust a verifying command uses.
#[derive(clap::Args)]
pub struct TrustArgs {
    /// Use the Sigstore staging instance's trusted root.
    #[arg(long)]
    pub(crate) staging: bool,
    /// Trusted root JSON to use instead of the built-in one.
    #[arg(long)]
    pub(crate) trusted_root: Option<PathBuf>,
    /// Use the trusted root that `sigchain trust update` cached in this directory.
    #[arg(long, conflicts_with_all = ["trusted_root", "staging"])]
    pub(crate) tuf_cache: Option<PathBuf>,
}

/// `sigchain sign`.
#[derive(clap::Args)]
pub struct SignArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    signer: SignerArgs,
    #[command(flatten)]
    format: FormatArgs,
}

/// `sigchain attest`.
#[derive(clap::Args)]
pub struct AttestArgs {
    /// The image: a registry reference or an OCI image layout, as for `sign` (not with
    /// `--blob`).
    #[arg(required_unless_present = "blob", conflicts_with = "blob")]
    image: Option<String>,
    /// Reach the image's registry over plain HTTP (a registry without TLS, e.g. on loopback).
    #[arg(long)]
    allow_insecure_registry: bool,
    #[command(flatten)]
    signer: SignerArgs,
    #[command(flatten)]
    format: FormatArgs,
    /// The predicate file (JSON; any text for `--type custom`).
    #[arg(
        long,
        required_unless_present = "generate",
        conflicts_with = "generate"
    )]
    predicate: Option<PathBuf>,
    /// Generate the predicate: the SLSA v1 provenance of the GitHub Actions job this runs in
    /// (with `--type slsaprovenance` or `slsaprovenance1`), read from the variables GitHub
    /// sets; signing keyless as the job, its builder is the workflow the certificate names
    /// (the reusable workflow, when the job runs one). It must agree with the signing
    /// certificate's claims, or nothing is stored.
    #[arg(long)]
    generate: bool,
    /// The predicate type: spdxjson, spdx, cyclonedx, slsaprovenance, slsaprovenance02,
    /// slsaprovenance1, link, vuln, openvex, custom, or a URI.
    #[arg(long = "type", default_value = "custom")]
    predicate_type: String,
    /// Attest this file instead of an image: the statement is about its SHA-256, and the
    /// signed Sigstore bundle (a DSSE envelope) is written to `--bundle`.
    #[arg(long, requires = "bundle", value_name = "FILE")]
    blob: Option<PathBuf>,
    /// Where `--blob` writes the bundle (only when signing succeeded).
    #[arg(long, requires = "blob", value_name = "FILE")]
    bundle: Option<PathBuf>,
}

impl AttestArgs {
    /// The predicate kind, and the predicate's bytes (read, or generated). A generated
    /// provenance's builder is `signing_workflow` when the signer is a GitHub Actions job (the
    /// workflow its certificate will name, a reusable one included), else the run's workflow.
    fn predicate(
        &self,
        signing_workflow: Option<String>,
    ) -> Result<(PredicateKind, Vec<u8>), String> {
        if !self.generate {
            let kind = PredicateKind::parse(&self.predicate_type).map_err(|e| e.to_string())?;
            let path = self
                .predicate
                .as_deref()
                .ok_or("give --predicate or --generate")?;
            let predicate =
                inputs::read_limited(path, sigchain_oci::predicate::MAX_PREDICATE_BYTES as u64)?;
            return Ok((kind, predicate));
        }
        // cosign's `slsaprovenance` names v0.2; what is generated is v1, so with `--generate`
        // the short name means v1, and asking for v0.2 explicitly is an error.
        let v1 = sigchain_core::provenance::PREDICATE_TYPE;
        match self.predicate_type.as_str() {
            "slsaprovenance" | "slsaprovenance1" => {}
            uri if uri == v1 => {}
            "slsaprovenance02" | "https://slsa.dev/provenance/v0.2" => {
                return Err(
                    "--generate makes SLSA provenance v1: give --type slsaprovenance1, not v0.2"
                        .into(),
                )
            }
            other => {
                return Err(format!(
                    "--generate makes SLSA provenance: give --type slsaprovenance (not {other})"
                ))
            }
        }
        let run = crate::provenance::github_run()?;
        let mut provenance = run.provenance();
        if let Some(workflow) = signing_workflow {
            provenance.run_details.builder.id = workflow;
        }
        let predicate = serde_json::to_vec(&provenance.to_json_object())
            .map_err(|e| format!("provenance: {e}"))?;
        Ok((PredicateKind::SlsaProvenance1, predicate))
    }

    fn predicate_name(&self) -> String {
        match &self.predicate {
            Some(path) => path.display().to_string(),
            None => "generated".into(),
        }
    }
}

/// `sigchain verify` and `sigchain verify-attestation`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    identity: IdentityOptions,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    verifier: VerifierOptions,
    /// Do not ask the transparency log for the inclusion proofs cosign tag-scheme signatures
    /// (`sha256-<hex>.sig` / `.att`) do not store: such signatures are then rejected, unless
    /// `--insecure-allow-inclusion-promise-only` accepts the log's promise alone. Online (the
    /// default), the proof is fetched from the log the trusted root names, must be for exactly
    /// the entry the signature carries, and is verified like a stored one.
    #[arg(long)]
    offline: bool,
}

/// `sigchain verify-attestation`.
#[derive(clap::Args)]
pub struct VerifyAttestationArgs {
    #[command(flatten)]
    verify: VerifyArgs,
    /// The predicate type to verify (a short name as for `attest`, or a URI); all types when
    /// absent. SLSA v1 provenance is always checked against the image and, when signed
    /// keyless, against its certificate's claims.
    #[arg(long = "type")]
    predicate_type: Option<String>,
    #[command(flatten)]
    provenance: crate::provenance::RequirementArgs,
}

/// `sigchain triangulate`.
#[derive(clap::Args)]
pub struct TriangulateArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// Print only cosign's tag for this kind (`signature`, `attestation`, `sbom`) or the
    /// referrers fallback tag (`referrers`), as `cosign triangulate --type` does.
    #[arg(long = "type")]
    kind: Option<String>,
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

/// The opened store, the image resolved in it.
struct Opened {
    store: AnyStore,
    image: ResolvedImage,
}

async fn open(args: &ImageArgs) -> Result<Opened, String> {
    let location = ImageLocation::parse(&args.image).map_err(|e| e.to_string())?;
    let (store, image) = flow::open_image(
        &location,
        ClientConfig::default(),
        args.allow_insecure_registry,
    )
    .await
    .map_err(|e| e.to_string())?;
    if let Some(tag) = &image.resolved_tag {
        eprintln!(
            "WARNING: {} names the image by tag {tag}; using its digest {} from here on \
             (name images by digest: a tag can move)",
            args.image, image.digest
        );
    }
    Ok(Opened { store, image })
}

/// `sigchain sign IMAGE`.
pub fn sign(args: SignArgs) -> ExitCode {
    crate::finish(runtime().and_then(|rt| rt.block_on(sign_image(&args))))
}

async fn sign_image(args: &SignArgs) -> Result<(), String> {
    let Opened { store, image } = open(&args.image).await?;
    let prepared = PreparedSignature::new(&image, args.format.format());
    let (signed, summary) = args.signer.sign(prepared.content()).await?;
    let stored = flow::attach_signature(
        &store,
        &image,
        &prepared,
        signed.bundle(),
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .await
    .map_err(|e| e.to_string())?;
    eprintln!("OK: signed {}@{}: {summary}", image.name, image.digest);
    eprintln!("stored as {}", describe_stored(&store, &stored));
    Ok(())
}

/// `sigchain attest IMAGE --predicate FILE --type T`.
pub fn attest(args: AttestArgs) -> ExitCode {
    crate::finish(runtime().and_then(|rt| rt.block_on(attest_image(&args))))
}

async fn attest_image(args: &AttestArgs) -> Result<(), String> {
    // Who signs is known first, so a generated provenance names the workflow the
    // certificate will.
    let identity = args.signer.identity().await?;
    let (kind, predicate) = args.predicate(identity.github_workflow())?;
    if let Some(blob) = &args.blob {
        return attest_blob(args, identity, blob, &kind, &predicate).await;
    }
    let image_args = ImageArgs {
        image: args.image.clone().unwrap_or_default(),
        allow_insecure_registry: args.allow_insecure_registry,
    };
    let Opened { store, image } = open(&image_args).await?;
    let prepared = PreparedAttestation::new(
        &image,
        &kind,
        &predicate,
        args.format.format(),
        Timestamp::now(),
    )
    .map_err(|e| format!("predicate {}: {e}", args.predicate_name()))?;
    let (signed, summary) = args.signer.sign_as(identity, prepared.content()).await?;
    if args.generate {
        let digest = image_sha256(&image)?;
        let checked = crate::provenance::check_signed(signed.verified(), &digest)?;
        eprintln!("provenance: {checked}");
    }
    let stored = flow::attach_attestation(
        &store,
        &image,
        &prepared,
        signed.bundle(),
        Timestamp::now(),
        &StorageLimits::DEFAULT,
    )
    .await
    .map_err(|e| e.to_string())?;
    eprintln!(
        "OK: attested {} ({}) for {}@{}: {summary}",
        kind.uri(),
        args.predicate_name(),
        image.name,
        image.digest
    );
    eprintln!("stored as {}", describe_stored(&store, &stored));
    Ok(())
}

/// `attest --blob FILE --bundle OUT`: the statement about the file, signed as DSSE into a
/// Sigstore bundle, as `sign-bundle --in-toto` would sign it.
async fn attest_blob(
    args: &AttestArgs,
    identity: SigningIdentity,
    blob: &std::path::Path,
    kind: &PredicateKind,
    predicate: &[u8],
) -> Result<(), String> {
    let given = blob.to_str().ok_or("--blob: the path is not UTF-8")?;
    let (subject, digest) = crate::provenance::subject(given)?;
    let statement =
        sigchain_oci::predicate::statement_for_subject(subject, kind, predicate, Timestamp::now())
            .map_err(|e| format!("predicate {}: {e}", args.predicate_name()))?;
    let content = sigchain_core::sign::machine::Content::InTotoStatement(statement.to_json());
    let (signed, summary) = args.signer.sign_as(identity, content).await?;
    if args.generate {
        let checked = crate::provenance::check_signed(signed.verified(), &digest)?;
        eprintln!("provenance: {checked}");
    }
    let out = args.bundle.as_deref().ok_or("--blob needs --bundle")?;
    crate::sign_bundle::write_atomically(out, signed.to_json().as_bytes())
        .map_err(|e| format!("bundle {}: {e}", out.display()))?;
    eprintln!(
        "OK: attested {} ({}) for {}: {summary}; bundle written to {}",
        kind.uri(),
        args.predicate_name(),
        blob.display(),
        out.display()
    );
    Ok(())
}

/// The image digest's SHA-256 bytes (`open` resolved it to SHA-256).
fn image_sha256(image: &ResolvedImage) -> Result<[u8; 32], String> {
    sigchain_core::crypto::Sha256Digest::from_hex(image.digest.hex())
        .map(|d| d.0)
        .ok_or_else(|| format!("image digest {} is not SHA-256", image.digest))
}

fn describe_stored(store: &AnyStore, stored: &Stored) -> String {
    use sigchain_oci::store::ArtifactStore as _;
    match stored {
        Stored::Referrer(digest) => format!("referrer {digest} in {}", store.describe()),
        Stored::TagLayer {
            tag,
            already_present,
        } => format!(
            "a layer of {tag} in {}{}",
            store.describe(),
            if *already_present {
                " (already there)"
            } else {
                ""
            }
        ),
    }
}

/// `sigchain verify IMAGE`.
pub fn verify(args: VerifyArgs) -> ExitCode {
    crate::finish(
        runtime().and_then(|rt| rt.block_on(verify_image(&args, Wanted::Signatures, None))),
    )
}

/// `sigchain verify-attestation IMAGE`.
pub fn verify_attestation(args: VerifyAttestationArgs) -> ExitCode {
    let wanted = match args.predicate_type.as_deref().map(PredicateKind::parse) {
        None => Wanted::Attestations(None),
        Some(Ok(kind)) => Wanted::Attestations(Some(kind.uri().to_owned())),
        Some(Err(e)) => return crate::finish(Err(e.to_string())),
    };
    let v1 = sigchain_core::provenance::PREDICATE_TYPE;
    if args.provenance.any() {
        if let Wanted::Attestations(Some(other)) = &wanted {
            if other != v1 {
                return crate::finish(Err(format!(
                    "--provenance-* requirements apply to --type slsaprovenance1, not {other}"
                )));
            }
        }
    }
    let required = match args.provenance.requirements() {
        Ok(required) => required,
        Err(e) => return crate::finish(Err(e)),
    };
    crate::finish(
        runtime().and_then(|rt| rt.block_on(verify_image(&args.verify, wanted, Some(&required)))),
    )
}

async fn verify_image(
    args: &VerifyArgs,
    wanted: Wanted,
    provenance: Option<&sigchain_core::provenance::ProvenanceRequirements>,
) -> Result<(), String> {
    let signer = args.identity.signer_policy()?;
    let root = inputs::trusted_root(
        args.trust.trusted_root.as_deref(),
        args.trust.tuf_cache.as_deref(),
        args.trust.staging,
    )?;
    let config = args.verifier.config();
    let promise_only_allowed = !config.require_inclusion_proof;
    let strict = Verifier::new(&root, config.clone());
    // Tag-scheme signatures carry the log's promise only. Online, their proofs are fetched
    // and checked like stored ones; the promise alone is accepted only when the flag allowed
    // promise-only entries (then `config` already does), and only as a fallback when the log
    // cannot be asked, never when it answers with another entry.
    let verifiers = Verifiers {
        strict: &strict,
        promise_only: promise_only_allowed.then_some(&strict),
    };
    let Opened { store, image } = open(&args.image).await?;
    let mut report = if args.offline {
        flow::verify_image(
            &store,
            &image,
            &wanted,
            verifiers,
            &signer,
            Timestamp::now(),
            &StorageLimits::DEFAULT,
        )
        .await
    } else {
        // Answers are held to an inclusion proof to a signed checkpoint whatever `config`
        // says (sigchain-rekor's rule for every entry it reads).
        let proofs = RekorV1Proofs::new(root.clone(), config, TransportConfig::default());
        flow::verify_image_fetching_proofs(
            &store,
            &image,
            &wanted,
            verifiers,
            &proofs,
            &signer,
            Timestamp::now(),
            &StorageLimits::DEFAULT,
        )
        .await
    }
    .map_err(|e| e.to_string())?;
    for rejected in &report.rejected {
        eprintln!("rejected: {}: {}", rejected.location, rejected.reason);
    }
    let mut rejected = report.rejected.len();
    let mut provenance_lines = Vec::new();
    if let Some(required) = provenance {
        let digest = image_sha256(&image)?;
        let mut kept = Vec::new();
        for verified in std::mem::take(&mut report.verified) {
            let at = flow::describe_location(&verified.location);
            match crate::provenance::check_attestation(&verified.verified, &digest, required) {
                Ok(None) => kept.push(verified),
                Ok(Some(summary)) => {
                    provenance_lines.push(format!("  {at}: provenance {summary}"));
                    kept.push(verified);
                }
                Err(reason) => {
                    eprintln!("rejected: {at}: SLSA provenance: {reason}");
                    rejected += 1;
                }
            }
        }
        report.verified = kept;
        // Requirements were given: at least one provenance must meet them.
        if !required.is_empty() && provenance_lines.is_empty() && !report.verified.is_empty() {
            return Err(format!(
                "no SLSA v1 provenance meeting the --provenance-* requirements for {}@{} \
                 ({rejected} rejected)",
                image.name, image.digest
            ));
        }
    }
    for (what, count) in &report.omitted {
        eprintln!("not read (over the limit): {count} {what}");
    }
    let what = match &wanted {
        Wanted::Signatures => "signatures".to_owned(),
        Wanted::Attestations(None) => "attestations".to_owned(),
        Wanted::Attestations(Some(uri)) => format!("{uri} attestations"),
    };
    if !report.passed() {
        return Err(format!(
            "no valid {what} for {}@{} ({rejected} rejected)",
            image.name, image.digest,
        ));
    }
    eprintln!(
        "Verified {} {what} for {}@{}:",
        report.verified.len(),
        image.name,
        image.digest
    );
    for verified in &report.verified {
        eprintln!(
            "  {}: {} ({})",
            flow::describe_location(&verified.location),
            verified.verified.summary(),
            verified.inclusion
        );
    }
    for line in &provenance_lines {
        eprintln!("{line}");
    }
    match wanted {
        // As `cosign verify`: one JSON array of the verified payloads.
        Wanted::Signatures => {
            let payloads: Vec<&serde_json::Value> =
                report.verified.iter().map(|v| &v.payload).collect();
            println!("{}", serde_json::to_string(&payloads).unwrap_or_default());
        }
        // One verified statement per line.
        Wanted::Attestations(_) => {
            for verified in &report.verified {
                println!("{}", verified.payload);
            }
        }
    }
    Ok(())
}

/// `sigchain triangulate IMAGE`.
pub fn triangulate(args: TriangulateArgs) -> ExitCode {
    crate::finish(runtime().and_then(|rt| rt.block_on(triangulate_image(&args))))
}

async fn triangulate_image(args: &TriangulateArgs) -> Result<(), String> {
    let Opened { store, image } = open(&args.image).await?;
    let base = image_base(&args.image.image, &image);
    if let Some(kind) = &args.kind {
        let tag = match kind.as_str() {
            "signature" => cosign_tags::signature_tag(&image.digest),
            "attestation" => cosign_tags::attestation_tag(&image.digest),
            "sbom" => cosign_tags::sbom_tag(&image.digest),
            "referrers" => Ok(cosign_tags::referrers_fallback_tag(&image.digest)),
            other => {
                return Err(format!(
                    "--type {other}: give signature, attestation, sbom or referrers"
                ))
            }
        }
        .map_err(|e| e.to_string())?;
        println!("{base}:{tag}");
        return Ok(());
    }
    let discovery = discover(&store, &image.digest, &StorageLimits::DEFAULT)
        .await
        .map_err(|e| e.to_string())?;
    for found in &discovery.found {
        let (what, detail) = match &found.item {
            Item::Signature(_) => ("signature", String::new()),
            Item::Attestation(layer) => (
                "attestation",
                layer.predicate_type().unwrap_or("").to_owned(),
            ),
            Item::Sbom(sbom) => ("sbom", format!("{:?}", sbom.format)),
            Item::Bundle { predicate_type, .. } => (
                "bundle",
                predicate_type
                    .clone()
                    .unwrap_or_else(|| "message-signature".into()),
            ),
            Item::OtherReferrer { artifact_type } => {
                ("referrer", artifact_type.clone().unwrap_or_default())
            }
        };
        let at = match &found.location {
            Location::TagLayer { tag, layer, .. } => format!("{base}:{tag} layer {layer}"),
            Location::SbomTag { tag, .. } => format!("{base}:{tag}"),
            Location::ReferrerLayer {
                manifest, layer, ..
            } => format!("{base}@{manifest} layer {layer}"),
            Location::Referrer { manifest, .. } => format!("{base}@{manifest}"),
        };
        println!("{what}\t{at}\t{detail}");
    }
    for problem in &discovery.problems {
        eprintln!("unreadable: {}: {}", problem.location, problem.error);
    }
    for (what, count) in &discovery.omitted {
        eprintln!("not read (over the limit): {count} {what}");
    }
    Ok(())
}

/// The image's repository as the user named it, without tag or digest.
fn image_base(given: &str, image: &ResolvedImage) -> String {
    match ImageLocation::parse(given) {
        Ok(ImageLocation::Registry(reference)) => reference.name(),
        _ => image.name.clone(),
    }
}
