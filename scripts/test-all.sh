#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: first installs what the tests use, then
# runs them. Tests read sigstore-conformance data in place from ../shared (beside this checkout)
# and never reach the network.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- set-up ---------------------------------------------------------------------------------
# Today's tests need only the Rust toolchain. Later suites (registry, SBOM referees) add their
# apt/pip/npm packages here, so this one command keeps working on a new machine.
if ! command -v cargo >/dev/null; then
    echo "cargo is required (https://rustup.rs)" >&2
    exit 1
fi
if [ ! -f ../shared/conformance/cases.json ]; then
    echo "expected the shared test data at ../shared (sigstore-conformance cases, trust roots, Merkle vectors)" >&2
    exit 1
fi

# --- tests ----------------------------------------------------------------------------------
# Both crypto backends are compiled in here so the aws-lc-rs and RustCrypto paths are each tested.
cargo test --workspace --all-features
# The pure-Rust build on its own (what wasm32 and C-free embedders get), with RSA so the
# conformance case signed by an RSA CA passes too.
cargo test -p sigchain-core --no-default-features --features rustcrypto-rsa
