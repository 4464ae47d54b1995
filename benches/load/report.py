#!/usr/bin/env python3
"""run.sh's bookkeeping: read hey's summaries, and write the results table.

    report.py hey FILE            one TSV line from a hey summary:
                                  total_s rps ok_rps p50_ms p99_ms max_ms ok errors
    report.py table RESULTS_DIR   the markdown report from the files run.sh wrote there
                                  (results.tsv, deny-*.json, rss.txt, meta.txt); exits 2
                                  when a target of issue 10 is missed
"""
import json
import re
import statistics
import sys


def parse_hey(path):
    text = open(path).read()

    def number(pattern):
        match = re.search(pattern, text, re.M)
        return float(match.group(1)) if match else None

    total = number(r"^\s*Total:\s+([\d.]+) secs")
    rps = number(r"^\s*Requests/sec:\s+([\d.]+)")
    p50 = number(r"^\s*50%+ in ([\d.]+) secs")
    p99 = number(r"^\s*99%+ in ([\d.]+) secs")
    slowest = number(r"^\s*Slowest:\s+([\d.]+) secs")
    ok = 0
    errors = 0
    section = None
    for line in text.splitlines():
        if line.startswith("Status code distribution"):
            section = "status"
            continue
        if line.startswith("Error distribution"):
            section = "errors"
            continue
        match = re.match(r"^\s*\[(\d+)\]\s+(\d+)?", line)
        if not match:
            if line.strip() == "":
                continue
            if not line.startswith(" "):
                section = None
            continue
        if section == "status":
            code, responses = int(match.group(1)), int(match.group(2) or 0)
            if code == 200:
                ok += responses
            else:
                errors += responses
        elif section == "errors":
            errors += int(match.group(1))
    ok_rps = ok / total if total else 0.0

    def ms(seconds):
        return "" if seconds is None else f"{seconds * 1000:.1f}"

    return [f"{total or 0:.3f}", f"{rps or 0:.0f}", f"{ok_rps:.0f}", ms(p50), ms(p99), ms(slowest), str(ok), str(errors)]


def table(directory):
    meta = open(f"{directory}/meta.txt").read().strip()
    rows = []
    for line in open(f"{directory}/results.tsv"):
        fields = line.rstrip("\n").split("\t")
        round_, phase, server = fields[:3]
        total, rps, ok_rps, p50, p99, slowest, ok, errors, cpu = fields[3:]
        rows.append(dict(round=int(round_), phase=phase, server=server, total=float(total), rps=float(rps),
                         ok_rps=float(ok_rps), p50=float(p50) if p50 else None, p99=float(p99) if p99 else None,
                         max=float(slowest) if slowest else None, ok=int(ok), errors=int(errors), cpu=float(cpu)))
    rss = dict(line.split("\t") for line in open(f"{directory}/rss.txt").read().split("\n") if line)
    out = [meta, ""]
    misses = []
    rounds = sorted({row["round"] for row in rows})

    def get(round_, phase, server):
        return next(row for row in rows if (row["round"], row["phase"], row["server"]) == (round_, phase, server))

    def fmt(value, digits=1):
        return "–" if value is None else f"{value:.{digits}f}"

    for phase, title in [("saturation", "Saturation: `hey -n 10000 -c 500`, POST /mutate (webhook) vs the constant answer (nginx)"),
                         ("fixed", "Fixed rate: `hey -q 50 -c 20 -z 5s` (1,000 reviews/s from 20 clients)")]:
        out += [f"### {title}", "",
                "| round | server | 200/s | p50 ms | p99 ms | max ms | 200s | errors | CPU µs/review |",
                "|---|---|---|---|---|---|---|---|---|"]
        for round_ in rounds:
            for server in ("nginx", "webhook"):
                row = get(round_, phase, server)
                cpu_per = row["cpu"] / row["ok"] * 1e6 if row["ok"] else None
                out.append(f"| {round_} | {server} | {row['ok_rps']:.0f} | {fmt(row['p50'])} | {fmt(row['p99'])} | "
                           f"{fmt(row['max'])} | {row['ok']} | {row['errors']} | {fmt(cpu_per, 0)} |")
        out.append("")
    out += ["### Ratios per round (targets: throughput ≥ 0.5, p99 ≤ 2, 0 errors)", "",
            "| round | webhook/nginx throughput (saturation) | webhook p99 / nginx p99 (saturation) | webhook p99 / nginx p99 (fixed rate) | webhook errors (saturation) |",
            "|---|---|---|---|---|"]
    throughput_ratios, fixed_ratios = [], []
    for round_ in rounds:
        wsat, nsat = get(round_, "saturation", "webhook"), get(round_, "saturation", "nginx")
        wfix, nfix = get(round_, "fixed", "webhook"), get(round_, "fixed", "nginx")
        throughput = wsat["ok_rps"] / nsat["ok_rps"] if nsat["ok_rps"] else None
        sat_p99 = wsat["p99"] / nsat["p99"] if wsat["p99"] and nsat["p99"] else None
        fixed_p99 = wfix["p99"] / nfix["p99"] if wfix["p99"] and nfix["p99"] else None
        throughput_ratios.append(throughput)
        fixed_ratios.append(fixed_p99)
        out.append(f"| {round_} | {fmt(throughput, 2)} | {fmt(sat_p99, 2)} | {fmt(fixed_p99, 2)} | {wsat['errors']} |")
        if wsat["errors"]:
            misses.append(f"round {round_}: {wsat['errors']} webhook errors at saturation")
        if throughput is None or throughput < 0.5:
            misses.append(f"round {round_}: webhook throughput {fmt(throughput, 2)}× nginx's (< 0.5)")
        if fixed_p99 is None or fixed_p99 > 2:
            misses.append(f"round {round_}: webhook p99 at fixed rate {fmt(fixed_p99, 2)}× nginx's (> 2)")
    out.append("")
    for name, values in [("throughput ratio", throughput_ratios), ("fixed-rate p99 ratio", fixed_ratios)]:
        values = [v for v in values if v is not None]
        if values:
            out.append(f"- {name}: min {min(values):.2f}, median {statistics.median(values):.2f}, max {max(values):.2f}")
    peak = int(rss["webhook_vmhwm_kib"])
    out += [f"- webhook peak RSS (VmHWM after all rounds): {peak / 1024:.1f} MiB (target < 64 MiB); "
            f"nginx: master {int(rss['nginx_master_vmhwm_kib']) / 1024:.1f} MiB, largest worker "
            f"{int(rss['nginx_worker_vmhwm_kib']) / 1024:.1f} MiB", ""]
    if peak >= 64 * 1024:
        misses.append(f"webhook peak RSS {peak / 1024:.1f} MiB (≥ 64 MiB)")

    out += ["### Enforce with a registry that never answers (`--deadline-ms 200`, no `--evidence`)", "",
            "| endpoint | requests | allowed=true | allowed=false | non-200 | connection errors | denials without \"deadline\" | p50 ms | p99 ms | max ms | took s |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for endpoint in ("mutate", "validate"):
        deny = json.load(open(f"{directory}/deny-{endpoint}.json"))
        out.append(f"| /{endpoint} | {deny['requests']} | {deny['allowed_true']} | {deny['allowed_false']} | {deny['non_200']} | "
                   f"{deny['errors']} | {deny['no_deadline_message']} | {deny['p50_ms']} | {deny['p99_ms']} | {deny['max_ms']} | {deny['seconds']} |")
        if deny["allowed_true"] or deny["allowed_false"] != deny["requests"]:
            misses.append(f"Enforce under timeouts, /{endpoint}: {deny['allowed_true']} admitted, "
                          f"{deny['requests'] - deny['allowed_false'] - deny['allowed_true']} not answered with a decision"
                          + (f" (first: {deny['first_problem']})" if deny.get("first_problem") else ""))
    out.append(f"- deadline webhook peak RSS: {int(rss['deadline_vmhwm_kib']) / 1024:.1f} MiB")
    out.append("")
    out += ["### Targets (issue 10)", ""]
    out += [f"- MISS: {miss}" for miss in misses] or ["- all met"]
    print("\n".join(out))
    return 2 if misses else 0


if __name__ == "__main__":
    if sys.argv[1] == "hey":
        print("\t".join(parse_hey(sys.argv[2])))
    elif sys.argv[1] == "table":
        sys.exit(table(sys.argv[2]))
    else:
        sys.exit(__doc__)
