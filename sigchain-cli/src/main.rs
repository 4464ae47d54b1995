//! `sigchain`: sign and verify Sigstore bundles from the command line.
//!
//! `sign-bundle` and `verify-bundle` speak the sigstore-conformance CLI protocol; `verify-many` checks a
//! manifest of bundles in parallel for release trackers and registries; `instance serve` runs
//! a local Sigstore instance; `trust update` refreshes the trusted root over TUF; `sbom`
//! catalogs an image or a file system into an SPDX or CycloneDX document; `policy` decides
//! admission requests by Kyverno and ClusterImagePolicy policies; `vuln predicate` turns a
//! Trivy JSON report or a SARIF log into cosign's vulnerability predicate for `attest --type
//! vuln`; `provenance generate` prints the SLSA v1 provenance of the GitHub Actions job it
//! runs in.
#![forbid(unsafe_code)]

mod image;
mod inputs;
mod instance;
mod options;
mod policy;
mod provenance;
mod sbom;
mod sign_bundle;
mod signing;
mod trust;
mod verify_bundle;
mod verify_many;
mod vuln;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "sigchain",
    version,
    about = "Sigstore supply-chain verification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a file or an in-toto statement into a Sigstore bundle (sigstore-conformance CLI
    /// protocol), keyless or with a managed key.
    SignBundle(sign_bundle::Args),
    /// Verify one bundle against an artifact (sigstore-conformance CLI protocol).
    VerifyBundle(verify_bundle::Args),
    /// Sign a container image (registry or OCI layout), keyless or with a managed key, and
    /// store the signature where cosign looks for it.
    Sign(image::SignArgs),
    /// Sign an in-toto attestation (SBOM, provenance, scan results...) about an image and
    /// store it beside the image, or (`--blob FILE --bundle OUT`) about a file into a bundle;
    /// `--type slsaprovenance --generate` makes this GitHub Actions job's SLSA v1 provenance.
    Attest(image::AttestArgs),
    /// Verify an image's signatures for an identity or key; prints the verified payloads.
    Verify(image::VerifyArgs),
    /// Verify an image's attestations (of one predicate type); prints the verified statements.
    VerifyAttestation(image::VerifyAttestationArgs),
    /// Show where an image's signatures, attestations and SBOMs are stored.
    Triangulate(image::TriangulateArgs),
    /// Catalog an image or a file system: an SBOM as SPDX 2.3 or CycloneDX 1.6 JSON, or a
    /// table.
    Sbom(sbom::Args),
    /// Admission decisions by Kyverno verifyImages policies and ClusterImagePolicies:
    /// evaluate an AdmissionReview, or run Kyverno-CLI-style policy tests.
    Policy(policy::Args),
    /// Vulnerability scans: a Trivy JSON report or a SARIF 2.1.0 log as cosign's
    /// vulnerability predicate, for `attest --type vuln`.
    Vuln(vuln::Args),
    /// SLSA provenance: print the unsigned statement of this GitHub Actions job's provenance.
    Provenance(provenance::Args),
    /// Verify every bundle listed in a JSON-lines manifest, in parallel.
    VerifyMany(verify_many::Args),
    /// A local Sigstore instance for tests, demos and air-gapped labs.
    Instance(instance::Args),
    /// Trust material over TUF: refresh the cached trusted root, or show how old it is.
    Trust(trust::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::SignBundle(args) => sign_bundle::run(args),
        Command::VerifyBundle(args) => verify_bundle::run(args),
        Command::Sign(args) => image::sign(args),
        Command::Attest(args) => image::attest(args),
        Command::Verify(args) => image::verify(args),
        Command::VerifyAttestation(args) => image::verify_attestation(args),
        Command::Triangulate(args) => image::triangulate(args),
        Command::Sbom(args) => sbom::run(args),
        Command::Policy(args) => policy::run(args),
        Command::Vuln(args) => vuln::run(args),
        Command::Provenance(args) => provenance::run(args),
        Command::VerifyMany(args) => verify_many::run(args),
        Command::Instance(args) => instance::run(args),
        Command::Trust(args) => trust::run(args),
    }
}

/// A command's exit: success, or `FAIL: <reason>` on stderr and a failing status.
fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("FAIL: {reason}");
            ExitCode::FAILURE
        }
    }
}
