#!/usr/bin/env bash
# Builds the targets that `compare.py` catalogs with sigchain, Trivy and Syft.
#
#   benches/sbom/build-targets.sh OUT_DIR
#
# NEEDS NETWORK on the first run: debootstrap fetches Debian bookworm packages (from its
# default mirror, or $DEBIAN_MIRROR), pip fetches the Python packages and npm the npm ones
# (from their configured indexes). Later runs reuse what is there: every step is skipped when
# its output exists, so delete a target (or OUT_DIR) to rebuild it.
# Needs: python3 (with venv), npm, debootstrap, umoci, skopeo (apt-get install -y umoci
# debootstrap skopeo), and root for debootstrap (file ownership in the rootfs).
#
# Produces in OUT_DIR:
#   parts/venv            a Python virtualenv with the pinned packages below (and pip)
#   parts/npm-app         an npm project (package.json, package-lock.json, node_modules)
#   parts/rust/Cargo.lock this repository's Cargo.lock
#   dir-dpkg/             this machine's /var/lib/dpkg/status and /etc/os-release, plus the
#                         three parts under opt/venv, srv/app, srv/rust
#   rootfs-bookworm/      debootstrap --variant=minbase bookworm (not a target itself)
#   image-bookworm/       OCI image layout, tag `latest`: layer 1 the rootfs, layer 2 the parts
#   image-bookworm.tar    the same image as a docker-archive (skopeo; layers uncompressed)
#
# Reproducibility: versions are pinned (direct Python and npm dependencies exactly; npm's
# transitive ones are what the registry resolves on the first run, recorded in the lock file);
# debootstrap takes whatever bookworm holds today. Files keep their install mtimes, so layer
# digests differ between machines; package sets do not.
set -euo pipefail
# Markers (OUT_DIR/.NAME.done) sit outside the targets so no cataloger sees them.

out=${1:?usage: build-targets.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
parts="$out/parts"
mkdir -p "$parts"

log() { printf '== %s\n' "$*" >&2; }

# The tools the image target needs, installed as scripts/test-all.sh installs its own.
missing=()
for tool in debootstrap umoci skopeo; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "build-targets.sh needs ${missing[*]} (Debian: apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- the parts --------------------------------------------------------------------------
# About a dozen Python distributions: these five and their dependencies, all pinned.
python_reqs=(
  requests==2.32.3 certifi==2024.8.30 charset-normalizer==3.4.0 idna==3.10 urllib3==2.2.3
  flask==3.0.3 werkzeug==3.0.6 jinja2==3.1.4 markupsafe==3.0.2 itsdangerous==2.2.0
  click==8.1.7 blinker==1.9.0 pyyaml==6.0.2 six==1.16.0 python-dateutil==2.9.0.post0
)
if [[ ! -f "$parts/.venv.done" ]]; then
  log "python venv"
  rm -rf "$parts/venv"
  python3 -m venv "$parts/venv"
  "$parts/venv/bin/pip" install --quiet --no-deps --disable-pip-version-check "${python_reqs[@]}"
  touch "$parts/.venv.done"
fi

# A few popular npm packages, exact versions; their trees come to a few hundred modules.
if [[ ! -f "$parts/.npm-app.done" ]]; then
  log "npm app"
  rm -rf "$parts/npm-app"
  mkdir -p "$parts/npm-app"
  cat >"$parts/npm-app/package.json" <<'EOF'
{
  "name": "sbom-bench-app",
  "version": "1.0.0",
  "private": true,
  "description": "npm project for the SBOM comparison",
  "license": "MIT",
  "dependencies": {
    "express": "4.21.2",
    "axios": "1.7.9",
    "lodash": "4.17.21",
    "moment": "2.30.1",
    "eslint": "8.57.1",
    "webpack": "5.97.1"
  }
}
EOF
  (cd "$parts/npm-app" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
    --cache "$out/cache/npm")
  touch "$parts/.npm-app.done"
fi

if [[ ! -f "$parts/rust/Cargo.lock" ]]; then
  mkdir -p "$parts/rust"
  cp "$repo/Cargo.lock" "$parts/rust/Cargo.lock"
fi

# Copies the parts into ROOT at the places a real image would have them.
place_parts() {
  local root=$1
  mkdir -p "$root/opt" "$root/srv"
  cp -a "$parts/venv" "$root/opt/venv"
  cp -a "$parts/npm-app" "$root/srv/app"
  cp -a "$parts/rust" "$root/srv/rust"
}

# --- dir-dpkg -----------------------------------------------------------------------------
if [[ ! -f "$out/.dir-dpkg.done" ]]; then
  log "dir-dpkg"
  rm -rf "$out/dir-dpkg"
  mkdir -p "$out/dir-dpkg/var/lib/dpkg" "$out/dir-dpkg/etc"
  cp /var/lib/dpkg/status "$out/dir-dpkg/var/lib/dpkg/status"
  cp -L /etc/os-release "$out/dir-dpkg/etc/os-release"
  place_parts "$out/dir-dpkg"
  touch "$out/.dir-dpkg.done"
fi

# --- image-bookworm -----------------------------------------------------------------------
if [[ ! -f "$out/.rootfs-bookworm.done" ]]; then
  log "debootstrap bookworm minbase"
  rm -rf "$out/rootfs-bookworm"
  mkdir -p "$out/cache/debs"
  debootstrap --variant=minbase --cache-dir="$out/cache/debs" bookworm \
    "$out/rootfs-bookworm" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$out/debootstrap.log" 2>&1 ||
    { tail -20 "$out/debootstrap.log" >&2; exit 1; }
  touch "$out/.rootfs-bookworm.done"
fi

if [[ ! -f "$out/.image-bookworm.done" ]]; then
  log "OCI image (umoci)"
  rm -rf "$out/image-bookworm" "$out/bundle"
  created=${SOURCE_DATE_EPOCH:+$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)}
  created=${created:-2024-01-01T00:00:00Z}
  umoci init --layout "$out/image-bookworm"
  umoci new --image "$out/image-bookworm:latest"
  umoci config --image "$out/image-bookworm:latest" --created "$created" \
    --config.cmd /bin/bash --os linux --architecture "$(dpkg --print-architecture)"
  umoci unpack --image "$out/image-bookworm:latest" "$out/bundle"
  # Layer 1: the Debian rootfs.
  # debootstrap leaves the downloaded .debs in the rootfs; images are shipped without them.
  cp -a "$out/rootfs-bookworm/." "$out/bundle/rootfs/"
  find "$out/bundle/rootfs/var/cache/apt/archives" -name '*.deb' -delete
  # --refresh-bundle: the next repack then diffs against this layer, giving a second layer.
  umoci repack --image "$out/image-bookworm:latest" --history.created "$created" \
    --history.created_by "debootstrap --variant=minbase bookworm" --refresh-bundle "$out/bundle"
  # Layer 2: the Python venv, the npm app and the Cargo.lock.
  place_parts "$out/bundle/rootfs"
  umoci repack --image "$out/image-bookworm:latest" --history.created "$created" \
    --history.created_by "python venv, npm app, Cargo.lock" "$out/bundle"
  umoci gc --layout "$out/image-bookworm"
  rm -rf "$out/bundle"
  touch "$out/.image-bookworm.done"
fi

if [[ ! -f "$out/image-bookworm.tar" ]]; then
  log "docker-archive (skopeo)"
  skopeo copy --quiet "oci:$out/image-bookworm:latest" \
    "docker-archive:$out/image-bookworm.tar.tmp:sbom-bench/bookworm:latest"
  mv "$out/image-bookworm.tar.tmp" "$out/image-bookworm.tar"
fi

log "done: $out"
du -sh "$out/dir-dpkg" "$out/image-bookworm" "$out/image-bookworm.tar" >&2
