//! A container image's CI supply-chain steps as code, the way a GitHub Actions job runs them
//! with cosign and Syft, through sigchain's library API:
//!
//! 1. **resolve** the image to its manifest digest (everything after names it by digest: a tag
//!    can move);
//! 2. **sign** it keyless — an ephemeral key, a certificate from the CA for the job's OIDC
//!    identity, the signature in the transparency log — and store the signature next to the
//!    image (`cosign sign --yes IMAGE@DIGEST`);
//! 3. make its **SBOM**, an SPDX 2.3 JSON document of every package in its layers (`sigchain
//!    sbom`, or Syft's `spdx-json`), or take one given;
//! 4. **attest** the SBOM to the image (`cosign attest --predicate sbom.spdx.json --type
//!    spdxjson IMAGE@DIGEST`);
//! 5. **verify** the signature and the attestation from what is stored, for the identity the
//!    job signed as (`cosign verify` / `cosign verify-attestation --type spdxjson` with
//!    `--certificate-identity` and `--certificate-oidc-issuer`), as an admission controller
//!    would before running the image;
//!
//! then print a summary: the digest, who signed (identity and OIDC issuer), where each
//! signature is stored, its log entry and time, and the verdict.
//!
//! ```text
//! # Nothing installed, nothing running: a local Sigstore served in this process and a demo
//! # image in an OCI layout, both in a temporary folder removed at the end.
//! cargo run -p sigchain-examples --example ci_pipeline
//!
//! # A real image and real services (e.g. the files `sigchain instance serve --dir DIR` writes):
//! SIGSTORE_ID_TOKEN=... cargo run -p sigchain-examples --example ci_pipeline -- \
//!   --image REGISTRY/REPOSITORY@sha256:HEX \
//!   --trusted-root DIR/trusted_root.json --signing-config DIR/signing_config.json \
//!   [--identity-token TOKEN] [--sbom sbom.spdx.json] [--allow-insecure-registry] [--tag-scheme]
//! ```
//!
//! `--image` also takes an OCI layout (`oci:DIR`, `oci:DIR:TAG`, `oci:DIR@sha256:HEX`).
//! Signatures are stored as cosign v3 does by default: a Sigstore bundle as an OCI 1.1
//! referrer of the image. `--tag-scheme` stores them as older cosign did (`sha256-HEX.sig` /
//! `.att` tags), whose annotations keep the log's signed promise but no inclusion proof: step 5
//! fetches each one's inclusion proof from the log the trusted root names and verifies it as
//! strictly as a bundle.
//!
//! Without `--sbom`, step 3 catalogs the image with `sigchain-sbom` (a registry image is
//! first copied into a temporary OCI layout): the demo image's npm lock file and Python
//! distribution give its packages.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use sigchain_core::sign::config::SigningConfig;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{SignerPolicy, TimeSource, VerifiedSigner, Verifier, VerifierConfig};
use sigchain_examples::demo_image::write_demo_image;
use sigchain_examples::local_sigstore::LocalSigstore;
use sigchain_fulcio::client::{BundleSigner, TransportConfig};
use sigchain_fulcio::token::IdentityToken;
use sigchain_oci::client::{ClientConfig, RegistryClient};
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::flow::{
    self, PreparedAttestation, PreparedSignature, ResolvedImage, SignatureFormat, Stored,
    VerificationReport, Verifiers, Wanted,
};
use sigchain_oci::layout::OciLayout;
use sigchain_oci::location::ImageLocation;
use sigchain_oci::predicate::{PredicateKind, MAX_PREDICATE_BYTES};
use sigchain_oci::proof_source::RekorV1Proofs;
use sigchain_oci::reference::Tag;
use sigchain_oci::registry::Platform;
use sigchain_sbom::catalog::standard_catalogers;
use sigchain_sbom::driver::catalog_source;
use sigchain_sbom::model::Cataloger;
use sigchain_sbom::output::{spdx_json, DocumentInfo, SourceKind, Subject};
use sigchain_sbom::source::{Source, SourceLimits};

/// Any failure ends the pipeline: nothing after a failed step runs.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The identity the demo's CI job has (the local Sigstore's test issuer certifies emails).
pub const DEMO_IDENTITY: &str = "ci@example.com";

/// Sign, attest and verify a container image (no arguments: a local demo).
#[derive(Parser, Debug)]
pub struct Args {
    /// The image: `REGISTRY/REPOSITORY@sha256:HEX` (a tag is resolved once, with a warning),
    /// or an OCI layout `oci:DIR[:TAG|@sha256:HEX]`. Without it, the example builds a demo image
    /// and runs a local Sigstore, in a temporary folder.
    #[arg(long, requires_all = ["trusted_root", "signing_config"])]
    pub image: Option<String>,
    /// The trusted root the CA, the logs and the timestamps are checked against.
    #[arg(long, requires = "image")]
    pub trusted_root: Option<PathBuf>,
    /// The signing config naming the CA, logs and timestamp authorities to sign with.
    #[arg(long, requires = "image")]
    pub signing_config: Option<PathBuf>,
    /// The CI job's OIDC identity token (default: `SIGSTORE_ID_TOKEN`).
    #[arg(long, requires = "image")]
    pub identity_token: Option<String>,
    /// The SBOM to attest (SPDX JSON, e.g. Syft's `-o spdx-json`).
    #[arg(long)]
    pub sbom: Option<PathBuf>,
    /// Reach the image's registry over plain HTTP (a registry without TLS).
    #[arg(long)]
    pub allow_insecure_registry: bool,
    /// Store signatures in cosign's older tag scheme (`.sig` / `.att` tags) instead of
    /// Sigstore bundles as OCI 1.1 referrers.
    #[arg(long)]
    pub tag_scheme: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut out = std::io::stdout();
    match run(Args::parse(), &mut out).await {
        Ok(summary) => {
            let _ = writeln!(out, "\n{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("FAIL: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Run the pipeline on the image and services `args` name, or on the local demo without
/// `--image`; each step's outcome is written to `out` as it happens.
pub async fn run(args: Args, out: &mut dyn Write) -> Result<Summary, Error> {
    let format = if args.tag_scheme {
        SignatureFormat::TagScheme
    } else {
        SignatureFormat::Bundle
    };
    let Some(image) = &args.image else {
        return run_demo(args.sbom, format, out).await;
    };
    let read = |path: &Option<PathBuf>| -> Result<Vec<u8>, Error> {
        let path = path
            .as_ref()
            .ok_or("--image needs --trusted-root and --signing-config")?;
        std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()).into())
    };
    let token = match args.identity_token {
        Some(token) => token,
        None => std::env::var("SIGSTORE_ID_TOKEN")
            .map_err(|_| "no identity token: give --identity-token or set SIGSTORE_ID_TOKEN")?,
    };
    let pipeline = Pipeline {
        image: ImageLocation::parse(image)?,
        allow_insecure_registry: args.allow_insecure_registry,
        trusted_root: TrustedRoot::from_json(&read(&args.trusted_root)?)?,
        signing_config: SigningConfig::from_json(&read(&args.signing_config)?)?,
        token: IdentityToken::parse(token.trim())?,
        sbom: args.sbom,
        format,
    };
    pipeline.run(out).await
}

/// No `--image`: what a CI system provides, made in a temporary folder: an image, a Sigstore
/// and an OIDC identity token. Then the same pipeline as for a real image.
async fn run_demo(
    sbom: Option<PathBuf>,
    format: SignatureFormat,
    out: &mut dyn Write,
) -> Result<Summary, Error> {
    let dir = tempfile::tempdir()?;

    // The image, as `docker build` would leave it, in an OCI image layout.
    let layout_dir = dir.path().join("image");
    let demo = write_demo_image(&OciLayout::create(&layout_dir)?, &Tag::parse("v1")?).await?;
    // The Sigstore: CA, transparency log, timestamp authority and an OIDC issuer on
    // 127.0.0.1, with the trusted root and signing config that describe them; the issuer
    // gives the job its identity token.
    let sigstore = LocalSigstore::start(&dir.path().join("sigstore")).await?;
    writeln!(
        out,
        "No arguments: a local Sigstore at {} and a demo image in {} (removed at the end)",
        sigstore.base_url,
        dir.path().display()
    )?;
    // Whatever happens, the server is stopped before returning.
    let result = async {
        let pipeline = Pipeline {
            image: ImageLocation::parse(&format!("oci:{}@{}", layout_dir.display(), demo.digest))?,
            allow_insecure_registry: false,
            trusted_root: TrustedRoot::from_json(&std::fs::read(&sigstore.trusted_root)?)?,
            signing_config: SigningConfig::from_json(&std::fs::read(&sigstore.signing_config)?)?,
            token: IdentityToken::parse(&sigstore.token(DEMO_IDENTITY)?)?,
            sbom,
            format,
        };
        pipeline.run(out).await
    }
    .await;
    sigstore.stop().await?;
    result
}

/// Everything the pipeline needs: the image, the Sigstore to sign with and the trust to
/// check it by, the job's identity token, and the SBOM.
struct Pipeline {
    image: ImageLocation,
    allow_insecure_registry: bool,
    trusted_root: TrustedRoot,
    signing_config: SigningConfig,
    token: IdentityToken,
    sbom: Option<PathBuf>,
    format: SignatureFormat,
}

const LIMITS: StorageLimits = StorageLimits::DEFAULT;

impl Pipeline {
    async fn run(&self, out: &mut dyn Write) -> Result<Summary, Error> {
        // 1. Resolve the image to its digest, once.
        let (store, image) = flow::open_image(
            &self.image,
            ClientConfig::default(),
            self.allow_insecure_registry,
        )
        .await?;
        if let Some(tag) = &image.resolved_tag {
            writeln!(
                out,
                "warning: tag {tag} resolved to {}: name images by digest",
                image.digest
            )?;
        }
        writeln!(out, "1. resolve  {}@{}", image.name, image.digest)?;

        // 2. Sign keyless. The signer checks every answer (the certificate's chain and SCT,
        //    the log entry's proofs, the timestamp) and verifies the bundle before returning it.
        let signer = BundleSigner::from_signing_config(
            self.trusted_root.clone(),
            &self.signing_config,
            TransportConfig::default(),
            Timestamp::now(),
        )?;
        let signature = PreparedSignature::new(&image, self.format);
        let signed = signer
            .sign_keyless(&self.token, signature.content())
            .await?;
        let stored = flow::attach_signature(
            &store,
            &image,
            &signature,
            signed.bundle(),
            Timestamp::now(),
            &LIMITS,
        )
        .await?;
        writeln!(out, "2. sign     {}", signed.verified().summary())?;
        writeln!(out, "            stored as {}", describe_stored(&stored))?;

        // 3. The SBOM: the given file, or sigchain-sbom's catalog of the image (Syft's job).
        let sbom = match &self.sbom {
            Some(path) => read_sbom(path)?,
            None => self.catalog(&image).await?,
        };
        writeln!(
            out,
            "3. SBOM     {}",
            describe_sbom(&sbom, self.sbom.as_ref())
        )?;

        // 4. Attest the SBOM: an in-toto statement (predicate type SPDX) about the image's
        //    digest, signed as a DSSE envelope, stored next to the image.
        let kind = PredicateKind::Spdx;
        let attestation =
            PreparedAttestation::new(&image, &kind, &sbom, self.format, Timestamp::now())?;
        let signed = signer
            .sign_keyless(&self.token, attestation.content())
            .await?;
        let stored = flow::attach_attestation(
            &store,
            &image,
            &attestation,
            signed.bundle(),
            Timestamp::now(),
            &LIMITS,
        )
        .await?;
        writeln!(
            out,
            "4. attest   {} {}",
            kind.uri(),
            signed.verified().summary()
        )?;
        writeln!(out, "            stored as {}", describe_stored(&stored))?;

        // 5. Verify both from the store, as a consumer would: every stored signature is read
        //    back and checked against the trusted root, bound to this digest, for exactly the
        //    identity and issuer the token names (a consumer writes these down in its policy).
        let required = SignerPolicy::Certificate(vec![self.token.expected_identity()?]);
        let strict = Verifier::new(&self.trusted_root, VerifierConfig::default());
        let verifiers = Verifiers {
            strict: &strict,
            promise_only: None,
        };
        // cosign's tag scheme cannot carry an inclusion proof: it is fetched from the log (by
        // the index its signed promise names) and must be exactly the promised entry.
        let proofs = RekorV1Proofs::new(
            self.trusted_root.clone(),
            VerifierConfig::default(),
            TransportConfig::default(),
        );
        let signatures = flow::verify_image_fetching_proofs(
            &store,
            &image,
            &Wanted::Signatures,
            verifiers,
            &proofs,
            &required,
            Timestamp::now(),
            &LIMITS,
        )
        .await?;
        let sboms = flow::verify_image_fetching_proofs(
            &store,
            &image,
            &Wanted::Attestations(Some(kind.uri().to_owned())),
            verifiers,
            &proofs,
            &required,
            Timestamp::now(),
            &LIMITS,
        )
        .await?;
        // Others may have signed this image too (earlier runs, other identities): those are
        // listed and not accepted; the image passes when one of each is this job's.
        for (what, report) in [("signature", &signatures), ("SBOM attestation", &sboms)] {
            for rejected in &report.rejected {
                writeln!(
                    out,
                    "            not accepted: {what} at {}: {}",
                    rejected.location, rejected.reason
                )?;
            }
            if !report.passed() {
                return Err(
                    format!("no {what} of {}@{} verified", image.name, image.digest).into(),
                );
            }
        }
        writeln!(
            out,
            "5. verify   {} signature(s) and {} SBOM attestation(s) verified",
            signatures.verified.len(),
            sboms.verified.len()
        )?;
        Ok(Summary::of(&signatures, &sboms, self.format))
    }
}

impl Pipeline {
    /// The image's SBOM as SPDX 2.3 JSON: its layers read (a registry image is first copied
    /// into a temporary OCI layout) and every package found listed, described by the digest
    /// just signed.
    async fn catalog(&self, image: &ResolvedImage) -> Result<Vec<u8>, Error> {
        let pulled;
        let (source, repository) = match &self.image {
            ImageLocation::Layout { path, .. } => (
                Source::OciDir {
                    dir: path.clone(),
                    image: Some(image.digest.to_string()),
                },
                None,
            ),
            ImageLocation::Registry(reference) => {
                let config = flow::with_insecure_registry(
                    ClientConfig::default(),
                    reference,
                    self.allow_insecure_registry,
                );
                pulled = tempfile::tempdir()?;
                let layout = OciLayout::create(pulled.path())?;
                let at_digest = reference.with_digest(image.digest.clone());
                RegistryClient::new(config)?
                    .pull_image(&at_digest, &Platform::parse("linux/amd64")?, &layout)
                    .await?;
                (
                    Source::OciDir {
                        dir: pulled.path().to_owned(),
                        image: None,
                    },
                    Some(reference.name()),
                )
            }
        };
        // Reading layers is file and CPU work: off the async threads.
        let catalog = tokio::task::spawn_blocking(move || {
            let catalogers = standard_catalogers();
            let catalogers: Vec<&dyn Cataloger> = catalogers.iter().map(|c| c.as_ref()).collect();
            catalog_source(&source, &catalogers, &SourceLimits::default())
        })
        .await??;
        let mut subject = Subject::new(SourceKind::Image, image.name.clone());
        subject.digest = catalog
            .image
            .as_ref()
            .and_then(|i| i.manifest_digest.clone());
        subject.repository = repository;
        let mut nonce = [0u8; 16];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| "no random bytes")?;
        let now = Timestamp::now().as_secs();
        Ok(spdx_json(
            &catalog,
            &DocumentInfo::unique(subject, now, nonce),
        )?)
    }
}

fn read_sbom(path: &PathBuf) -> Result<Vec<u8>, Error> {
    let too_large = || format!("{}: over {MAX_PREDICATE_BYTES} bytes", path.display());
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if size > MAX_PREDICATE_BYTES as u64 {
        return Err(too_large().into());
    }
    Ok(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?)
}

fn describe_sbom(sbom: &[u8], path: Option<&PathBuf>) -> String {
    let document: serde_json::Value = serde_json::from_slice(sbom).unwrap_or_default();
    let from = match path {
        Some(path) => path.display().to_string(),
        None => "cataloged from the image's layers by sigchain-sbom".to_owned(),
    };
    // The document's own package (the image) is not one of the packages found in it.
    let found: Vec<String> = document["packages"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|p| p["SPDXID"] != "SPDXRef-DocumentRoot")
                .map(|p| {
                    format!(
                        "{} {}",
                        p["name"].as_str().unwrap_or("?"),
                        p["versionInfo"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let shown = 5;
    let mut listed = found
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if found.len() > shown {
        listed.push_str(", ...");
    }
    if !listed.is_empty() {
        listed.insert_str(0, ": ");
    }
    format!(
        "{} document {:?}, {} package(s){listed}\n            ({from})",
        document["spdxVersion"].as_str().unwrap_or("not an SPDX"),
        document["name"].as_str().unwrap_or(""),
        found.len(),
    )
}

fn describe_stored(stored: &Stored) -> String {
    match stored {
        Stored::Referrer(digest) => format!("referrer {digest}"),
        Stored::TagLayer {
            tag,
            already_present,
        } => format!(
            "a layer of tag {tag}{}",
            if *already_present {
                " (already there)"
            } else {
                ""
            }
        ),
    }
}

/// What the pipeline proved.
#[derive(Debug)]
pub struct Summary {
    /// The image, by name and digest.
    pub image: String,
    /// The storage format used.
    pub format: SignatureFormat,
    /// Each verified signature.
    pub signatures: Vec<Evidence>,
    /// Each verified SBOM attestation.
    pub attestations: Vec<Evidence>,
}

/// One verified signature or attestation.
#[derive(Debug)]
pub struct Evidence {
    /// Where it is stored.
    pub location: String,
    /// The certificate's identity (SAN).
    pub identity: String,
    /// The OIDC issuer the certificate names.
    pub issuer: String,
    /// Each verified log entry: index, integrated time (Rekor v1), whether an inclusion proof
    /// to a signed checkpoint was verified.
    pub log_entries: Vec<(u64, Option<Timestamp>, bool)>,
    /// The timestamp authorities that vouched for the signing time.
    pub timestamped_by: Vec<String>,
    /// Where the inclusion proof came from (the bundle, or fetched from the log).
    pub inclusion: String,
}

impl Summary {
    fn of(
        signatures: &VerificationReport,
        sboms: &VerificationReport,
        format: SignatureFormat,
    ) -> Summary {
        let evidence = |report: &VerificationReport| -> Vec<Evidence> {
            report
                .verified
                .iter()
                .map(|found| {
                    let proven = &found.verified;
                    let (identity, issuer) = match proven.signer() {
                        VerifiedSigner::Certificate(cert) => (
                            cert.identity().as_str().to_owned(),
                            cert.issuer().to_owned(),
                        ),
                        VerifiedSigner::PublicKey(_) => ("a managed key".to_owned(), String::new()),
                    };
                    Evidence {
                        location: flow::describe_location(&found.location),
                        identity,
                        issuer,
                        log_entries: proven
                            .log_entries()
                            .iter()
                            .map(|e| (e.log_index(), e.integrated_time(), e.inclusion_proven()))
                            .collect(),
                        timestamped_by: proven
                            .times()
                            .iter()
                            .filter_map(|t| match t.source() {
                                TimeSource::TimestampAuthority { uri } => Some(uri.clone()),
                                TimeSource::TransparencyLog { .. } => None,
                            })
                            .collect(),
                        inclusion: found.inclusion.to_string(),
                    }
                })
                .collect()
        };
        Summary {
            image: format!("{}@{}", signatures.image.name, signatures.image.digest),
            format,
            signatures: evidence(signatures),
            attestations: evidence(sboms),
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Summary")?;
        writeln!(f, "  image        {}", self.image)?;
        for (what, all) in [
            ("signature", &self.signatures),
            ("SBOM", &self.attestations),
        ] {
            for evidence in all {
                writeln!(f, "  {what:<12} {}", evidence.location)?;
                writeln!(
                    f,
                    "    signer     {} (issuer {})",
                    evidence.identity, evidence.issuer
                )?;
                for (index, integrated, proven) in &evidence.log_entries {
                    let time = integrated.map_or_else(String::new, |t| format!(", integrated {t}"));
                    let proof = if *proven {
                        "inclusion proof verified"
                    } else {
                        "inclusion promise (SET) only"
                    };
                    writeln!(f, "    log entry  index {index}{time}, {proof}")?;
                }
                writeln!(f, "    proof      {}", evidence.inclusion)?;
                for tsa in &evidence.timestamped_by {
                    writeln!(f, "    timestamp  {tsa}")?;
                }
            }
        }
        let how = match self.format {
            SignatureFormat::Bundle => "Sigstore bundles as OCI referrers",
            SignatureFormat::TagScheme => {
                "cosign tag scheme, inclusion proofs fetched from the log"
            }
        };
        write!(
            f,
            "  result       PASS: signature and SBOM attestation verified ({how})"
        )
    }
}
