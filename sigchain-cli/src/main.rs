//! `sigchain`: sign and verify Sigstore bundles from the command line.
//!
//! `sign-bundle` and `verify-bundle` speak the sigstore-conformance CLI protocol; `verify-many` checks a
//! manifest of bundles in parallel for release trackers and registries; `instance serve` runs
//! a local Sigstore instance; `trust update` refreshes the trusted root over TUF.
#![forbid(unsafe_code)]

mod inputs;
mod instance;
mod options;
mod sign_bundle;
mod trust;
mod verify_bundle;
mod verify_many;

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
        Command::VerifyMany(args) => verify_many::run(args),
        Command::Instance(args) => instance::run(args),
        Command::Trust(args) => trust::run(args),
    }
}
