#!/usr/bin/env python3
"""Post one AdmissionReview many times over HTTPS from concurrent clients and check every
answer's body: how many came back allowed=true, allowed=false, not 200, or not at all.

    deny_check.py URL BODY_FILE --requests N --concurrency C [--timeout S]

Each client thread keeps one keep-alive connection (reconnecting after an error). The
server's certificate is not checked (the load test's is self-signed, as with hey). Prints a
one-line JSON summary on stdout; exits 0 whatever the counts (run.sh judges them).
"""
import argparse
import http.client
import json
import ssl
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("url")
parser.add_argument("body")
parser.add_argument("--requests", type=int, default=2000)
parser.add_argument("--concurrency", type=int, default=100)
parser.add_argument("--timeout", type=float, default=20.0)
args = parser.parse_args()

url = urllib.parse.urlsplit(args.url)
body = open(args.body, "rb").read()
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

lock = threading.Lock()
next_request = 0
counts = {"allowed_true": 0, "allowed_false": 0, "non_200": 0, "errors": 0, "no_deadline_message": 0}
latencies = []
first_error = []


def take():
    global next_request
    with lock:
        if next_request >= args.requests:
            return False
        next_request += 1
        return True


def count(name, latency=None, error=None):
    with lock:
        counts[name] += 1
        if latency is not None:
            latencies.append(latency)
        if error is not None and not first_error:
            first_error.append(error)


def client():
    conn = None
    while take():
        if conn is None:
            conn = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=args.timeout)
        start = time.monotonic()
        try:
            conn.request("POST", url.path, body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
        except Exception as error:  # a connection error: count it, reconnect
            count("errors", error=repr(error))
            conn.close()
            conn = None
            continue
        latency = time.monotonic() - start
        if response.status != 200:
            count("non_200", latency, error=f"HTTP {response.status}: {data[:200]!r}")
            continue
        try:
            answer = json.loads(data)["response"]
            allowed = answer["allowed"]
        except Exception as error:
            count("errors", latency, error=f"bad body {error!r}: {data[:200]!r}")
            continue
        if allowed is True:
            count("allowed_true", latency)
        else:
            count("allowed_false", latency)
            message = answer.get("status", {}).get("message", "")
            if "deadline" not in message:
                count("no_deadline_message", error=f"denied without a deadline message: {message[:300]}")
    if conn is not None:
        conn.close()


started = time.monotonic()
threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
took = time.monotonic() - started
latencies.sort()


def pct(p):
    if not latencies:
        return None
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]


summary = dict(counts)
summary.update(
    requests=args.requests,
    seconds=round(took, 3),
    p50_ms=round(pct(50) * 1000, 1) if latencies else None,
    p99_ms=round(pct(99) * 1000, 1) if latencies else None,
    max_ms=round(latencies[-1] * 1000, 1) if latencies else None,
    first_problem=first_error[0] if first_error else None,
)
print(json.dumps(summary))
