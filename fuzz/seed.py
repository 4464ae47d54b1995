#!/usr/bin/env python3
"""Regenerate the fuzz seed corpora from the shared conformance data.

Reads only ../shared (relative to the repository root, i.e. ../../shared from this file's
directory when run from a worktree) and writes fuzz/corpus/<target>/. Standard library only.

    python3 fuzz/seed.py            # from the repository root
    python3 fuzz/seed.py --shared /path/to/shared
"""

import argparse
import base64
import glob
import hashlib
import json
import os
import struct
import sqlite3
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
CORPUS = os.path.join(HERE, "corpus")

# id-ce 1.3.6.1.4.1.11129.2.4.2 (embedded SCT list), DER-encoded OID contents.
SCT_LIST_OID = bytes.fromhex("2b06010401d679020402")

# Must match the selector table in fuzz_targets/tlog_body.rs.
BODY_KINDS = [
    ("hashedrekord", "0.0.1"),
    ("hashedrekord", "0.0.2"),
    ("dsse", "0.0.1"),
    ("dsse", "0.0.2"),
    ("intoto", "0.0.2"),
]


def b64(s):
    """Decode lenient base64; b"" for the deliberately broken values some cases carry."""
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4))
    except (ValueError, TypeError):
        return b""


def der_children(buf):
    """Yield (tag, contents) for each TLV in buf; stop quietly at anything malformed."""
    i = 0
    while i + 2 <= len(buf):
        tag = buf[i]
        length = buf[i + 1]
        i += 2
        if length & 0x80:
            n = length & 0x7F
            if n == 0 or n > 4 or i + n > len(buf):
                return
            length = int.from_bytes(buf[i : i + n], "big")
            i += n
        if i + length > len(buf):
            return
        yield tag, buf[i : i + length]
        i += length


def find_extension(der, oid):
    """Depth-first search of a certificate for the extension with `oid`; return its value."""
    stack = [der]
    while stack:
        node = stack.pop()
        for tag, body in der_children(node):
            if tag == 0x30:
                parts = list(der_children(body))
                if parts and parts[0] == (0x06, oid):
                    return parts[-1][1] if parts[-1][0] == 0x04 else None
                stack.append(body)
            elif tag in (0xA0, 0xA3):
                stack.append(body)
    return None


class Corpus:
    def __init__(self):
        self.seen = {}

    def add(self, target, data, label):
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        digest = hashlib.sha1(data).hexdigest()[:16]
        key = (target, digest)
        if key in self.seen:
            return
        self.seen[key] = label
        folder = os.path.join(CORPUS, target)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{label}-{digest}"), "wb") as f:
            f.write(data)


def certificates(material):
    if "certificate" in material:
        yield b64(material["certificate"]["rawBytes"])
    for cert in material.get("x509CertificateChain", {}).get("certificates", []):
        yield b64(cert["rawBytes"])


def seed_bundle(corpus, name, bundle):
    material = bundle.get("verificationMaterial", {})
    for der in certificates(material):
        corpus.add("certificate", der, name)
        sct = find_extension(der, SCT_LIST_OID)
        if sct is not None:
            # The extension value is an OCTET STRING wrapping the TLS-encoded list.
            inner = list(der_children(sct))
            if inner and inner[0][0] == 0x04:
                corpus.add("sct_list", inner[0][1], name)
    # The timestamp target's input is a u16 length, the timestamped signature, then the token.
    if "messageSignature" in bundle:
        covered = bundle["messageSignature"].get("signature", "")
    else:
        sigs = bundle.get("dsseEnvelope", {}).get("signatures", [{}])
        covered = sigs[0].get("sig", "") if sigs else ""
    covered = b64(covered)[:0xFFFF]
    for ts in material.get("timestampVerificationData", {}).get("rfc3161Timestamps", []):
        token = b64(ts["signedTimestamp"])
        corpus.add("timestamp", len(covered).to_bytes(2, "big") + covered + token, name)
    for entry in material.get("tlogEntries", []):
        cp = entry.get("inclusionProof", {}).get("checkpoint", {}).get("envelope")
        if cp:
            corpus.add("checkpoint", cp, name)
        body = entry.get("canonicalizedBody")
        kv = entry.get("kindVersion", {})
        if body:
            raw = b64(body)
            pair = (kv.get("kind"), kv.get("version"))
            selector = BODY_KINDS.index(pair) if pair in BODY_KINDS else 0
            # Selector byte: low bits pick kind/version, bit 7 picks the DSSE content variant.
            is_dsse = "dsseEnvelope" in bundle
            corpus.add("tlog_body", bytes([selector | (0x80 if is_dsse else 0)]) + raw, name)
    env = bundle.get("dsseEnvelope")
    if env:
        corpus.add("dsse_envelope", json.dumps(env), name)
        corpus.add("dsse_envelope", b64(env.get("payload", "")), name + "-statement")
        # The conformance DSSE payloads are SLSA v1 provenance statements.
        statement = b64(env.get("payload", ""))
        corpus.add("slsa_provenance", statement, name + "-statement")
        try:
            predicate = json.loads(statement).get("predicate")
        except (ValueError, AttributeError):
            predicate = None
        if isinstance(predicate, dict):
            corpus.add("slsa_provenance", json.dumps(predicate), name + "-predicate")


# Must match common::STATUSES in fuzz_targets/common/mod.rs.
STATUSES = [200, 201, 404, 409, 500, 503, 400, 302]
# The log file header (sigchain-instance/src/log/wal.rs); the log_file target adds it itself.
LOG_MAGIC = b"sigchain-log-v1\n"


def status(code):
    return bytes([STATUSES.index(code)])


def pem(label, der):
    text = base64.b64encode(der).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def leaf_hash(body):
    return hashlib.sha256(b"\x00" + body).digest()


def checkpoint_fields(note):
    """(origin, size, root bytes) of a checkpoint note's body, or None."""
    lines = note.split("\n")
    try:
        return lines[0], int(lines[1]), b64(lines[2])
    except (IndexError, ValueError):
        return None


def v1_answer(entry):
    """The Rekor v1 answer (`{uuid: LogEntryAnon}`) for a bundle's tlog entry, and its UUID."""
    body = b64(entry["canonicalizedBody"])
    proof = entry.get("inclusionProof", {})
    anon = {
        "body": entry["canonicalizedBody"],
        "integratedTime": int(entry.get("integratedTime", "0")),
        "logID": b64(entry["logId"]["keyId"]).hex(),
        "logIndex": int(entry.get("logIndex", "0")),
        "verification": {},
    }
    if proof:
        anon["verification"]["inclusionProof"] = {
            "checkpoint": proof.get("checkpoint", {}).get("envelope", ""),
            "hashes": [b64(h).hex() for h in proof.get("hashes", [])],
            "logIndex": int(proof.get("logIndex", "0")),
            "rootHash": b64(proof.get("rootHash", "")).hex(),
            "treeSize": int(proof.get("treeSize", "0")),
        }
    promise = entry.get("inclusionPromise", {}).get("signedEntryTimestamp")
    if promise:
        anon["verification"]["signedEntryTimestamp"] = promise
    uuid = leaf_hash(body).hex()
    return {uuid: anon}, uuid


def log_record(data, time, batch_end):
    body = bytes([1 if batch_end else 0]) + struct.pack(">q", time) + data
    head = struct.pack(">I", len(body)) + body
    return head + hashlib.sha256(head).digest()


def seed_rekor(corpus, name, bundle, root_next_to_it):
    """Seeds for the Rekor v1/v2 answer targets, the monitor and the instance's log."""
    material = bundle.get("verificationMaterial", {})
    entries = material.get("tlogEntries", [])
    if not entries:
        return
    entry = entries[0]
    kv = entry.get("kindVersion", {})
    body = b64(entry.get("canonicalizedBody", ""))
    note = entry.get("inclusionProof", {}).get("checkpoint", {}).get("envelope", "")
    is_v2 = kv.get("version") == "0.0.2" and kv.get("kind") in ("hashedrekord", "dsse")
    if body:
        corpus.add("log_submission", body, name + "-body")
    if is_v2:
        # Mode 0 of rekor_v2_answer: status 201, then the create answer (the bundle's entry).
        if root_next_to_it:
            corpus.add("rekor_v2_answer", b"\x00" + status(201) + json.dumps(entry).encode(), name)
        try:
            spec = json.loads(body)["spec"]
        except (ValueError, KeyError, TypeError):
            spec = {}
        rekord = spec.get("hashedRekordV002")
        if rekord:
            request = {
                "hashedRekordRequestV002": {
                    "digest": rekord["data"]["digest"],
                    "signature": rekord["signature"],
                }
            }
            corpus.add("log_submission", json.dumps(request), name + "-v2-request")
        cert = next(certificates(material), None)
        env = bundle.get("dsseEnvelope")
        if env and cert:
            request = {
                "dsseRequestV002": {
                    "envelope": env,
                    "verifiers": [
                        {
                            "x509Certificate": {"rawBytes": base64.b64encode(cert).decode()},
                            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                        }
                    ],
                }
            }
            corpus.add("log_submission", json.dumps(request), name + "-v2-dsse-request")
        return
    # Rekor v1: the answer to a create (201) and to a read (200); a search; a log info and a
    # consistency answer from the checkpoint.
    answer, uuid = v1_answer(entry)
    text = json.dumps(answer).encode()
    corpus.add("rekor_v1_answer", status(201) + text, name + "-created")
    corpus.add("rekor_v1_answer", status(200) + text, name + "-read")
    corpus.add("rekor_v1_answer", status(200) + json.dumps([uuid, "24296fb24b8ad77a" + uuid]).encode(), name + "-search")
    fields = checkpoint_fields(note) if note else None
    if fields:
        origin, size, root = fields
        tree_id = origin.rsplit(" - ", 1)[-1]
        info = {"rootHash": root.hex(), "signedTreeHead": note, "treeSize": size, "treeID": tree_id}
        corpus.add("rekor_v1_answer", status(200) + json.dumps(info).encode(), name + "-log-info")
        hashes = [b64(h).hex() for h in entry.get("inclusionProof", {}).get("hashes", [])]
        proof = {"rootHash": root.hex(), "hashes": hashes}
        corpus.add("rekor_v1_answer", status(200) + json.dumps(proof).encode(), name + "-consistency")
        log_id = b64(entry["logId"]["keyId"]).hex()
        state = {
            "version": 1,
            "logs": {
                origin: {
                    "logId": log_id,
                    "treeSize": size,
                    "rootHash": base64.b64encode(root).decode(),
                    "checkpoint": note,
                }
            },
        }
        corpus.add("monitor_state", json.dumps(state) + "\n---\n" + note, name)
        corpus.add("monitor_state", "\n---\n" + note, name + "-note")
    if kv.get("kind") == "dsse" and bundle.get("dsseEnvelope"):
        cert = next(certificates(material), None)
        if cert:
            request = {
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "proposedContent": {
                        "envelope": json.dumps(bundle["dsseEnvelope"]),
                        "verifiers": [base64.b64encode(pem("CERTIFICATE", cert).encode()).decode()],
                    }
                },
            }
            corpus.add("log_submission", json.dumps(request), name + "-v1-dsse-request")
    if body:
        # A log holding the entry, in a batch of one and in a batch of two, then a torn batch.
        one = log_record(body, 1_700_000_000, True)
        two = log_record(body, 1, False) + log_record(body[:40], 2, True)
        corpus.add("log_file", b"\x00" + one, name)
        corpus.add("log_file", b"\x00" + one + two + two[: len(two) // 2], name + "-torn")
        corpus.add("log_file", b"\x02" + two + one, name + "-small-batches")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims):
    """An unsigned compact JWT (the identity_token target only decodes claims)."""
    header = b64url(b'{"alg":"RS256","typ":"JWT"}')
    return f"{header}.{b64url(json.dumps(claims).encode())}.c2ln"


def seed_fulcio(corpus, name, chain_pems, ca_pems):
    """fulcio_answer: selector byte (bit 0 trust bundle, bits 1-3 status index), then the body."""
    ok = STATUSES.index(200) << 1
    embedded = {"signedCertificateEmbeddedSct": {"chain": {"certificates": chain_pems}}}
    corpus.add("fulcio_answer", bytes([ok]) + json.dumps(embedded).encode(), name)
    detached = {"signedCertificateDetachedSct": {"chain": {"certificates": chain_pems},
                                                 "signedCertificateTimestamp": "e30="}}
    corpus.add("fulcio_answer", bytes([ok]) + json.dumps(detached).encode(), name + "-detached")
    if ca_pems:
        bundle = {"chains": [{"certificates": ca_pems}]}
        corpus.add("fulcio_answer", bytes([ok | 1]) + json.dumps(bundle).encode(), name + "-bundle")


def seed_tokens(corpus):
    now = (1_700_000_000).to_bytes(8, "big", signed=True)
    github = {"iss": "https://token.actions.githubusercontent.com", "sub": "repo:acme/app:ref:refs/heads/main",
              "aud": "sigstore", "iat": 1_699_999_990, "nbf": 1_699_999_990, "exp": 1_700_000_290,
              "job_workflow_ref": "acme/app/.github/workflows/release.yml@refs/heads/main",
              "repository": "acme/app", "ref": "refs/heads/main", "sha": "0123abcd", "run_id": "42"}
    email = {"iss": "https://accounts.google.com", "sub": "1077", "aud": ["sigstore"], "iat": 1_699_999_900,
             "exp": 1_700_000_500, "email": "dev@example.com", "email_verified": True}
    federated = dict(email, iss="https://oauth2.sigstore.dev/auth", email_verified="true",
                     federated_claims={"connector_id": "https://github.com/login/oauth", "user_id": "1"})
    subject = {"iss": "https://k8s.example", "sub": "system:serviceaccount:ns:sa", "aud": "sigstore",
               "exp": 1_700_000_100.5}
    for label, claims in [("github", github), ("email", email), ("federated", federated), ("subject", subject)]:
        corpus.add("identity_token", now + jwt(claims).encode(), label)
    corpus.add("identity_token", now + (jwt(email) + "\n").encode(), "trailing-newline")


def seed_fixed(corpus):
    """Seeds that need no shared data: tile paths and reads of the fuzz targets' own log."""
    for i, path in enumerate(["tile/0/000.p/3", "tile/1/000", "tile/entries/001.p/44", "checkpoint",
                              "tile/2/x001/234.p/7", "tile/0/x123/456"]):
        corpus.add("tiles", path.encode() + b"\n\x00\x01\x00\x03\x00\x02\x00\x02" + b"\x00\x00\x02"
                   + bytes(range(96)), f"path{i}")
    # rekor_v2_answer modes 1-3: honest reads of the test log (every answer byte 0).
    for mode in (1, 2, 3):
        for size in (20, 255, 256, 299):
            corpus.add("rekor_v2_answer", bytes([mode]) + size.to_bytes(2, "big") + b"\x00\x05\x00\x03"
                       + b"\x00" * 8, f"mode{mode}-size{size}")
    corpus.add("log_file", b"\x01" + LOG_MAGIC, "empty-log")
    # vuln_report: a Trivy report and a SARIF log, each small and whole (selector 6: the
    # caller's version and time on; 7: the same for SARIF).
    trivy = {"SchemaVersion": 2, "Trivy": {"Version": "0.76.0"}, "CreatedAt": "2026-12-02T14:22:51.79Z",
             "Results": [{"Target": "app (debian 12.5)", "Class": "os-pkgs", "Vulnerabilities": [
                 {"VulnerabilityID": "CVE-2024-2961", "PkgName": "libc6", "InstalledVersion": "2.36",
                  "PkgIdentifier": {"PURL": "pkg:deb/debian/libc6@2.36"}, "FixedVersion": "2.37",
                  "Severity": "HIGH", "Title": "t"}]},
                 {"Target": "/app/.env", "Class": "secret", "Secrets": [
                     {"RuleID": "github-pat", "Severity": "CRITICAL", "Title": "GitHub PAT"}]}]}
    sarif = {"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "Trivy", "version": "0.76.0", "rules": [
            {"id": "CVE-2024-2961", "shortDescription": {"text": "t"},
             "properties": {"tags": ["vulnerability", "security", "HIGH"], "security-severity": "7.3"}}]}},
        "invocations": [{"startTimeUtc": "2026-01-01T00:00:00Z"}],
        "results": [{"ruleId": "CVE-2024-2961", "ruleIndex": 0, "level": "error",
                     "message": {"text": "Package: libc6\nInstalled Version: 2.36\nFixed Version: 2.37"},
                     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app"}}}]}]}]}
    corpus.add("vuln_report", b"\x06" + json.dumps(trivy).encode(), "trivy")
    corpus.add("vuln_report", b"\x07" + json.dumps(sarif).encode(), "sarif")
    witness = os.path.join(HERE, "regressions", "witness")
    notes = []
    for name in sorted(os.listdir(witness)) if os.path.isdir(witness) else []:
        with open(os.path.join(witness, name), encoding="utf-8") as f:
            text = f.read()
        notes.append(text.split("\n---\n", 1)[-1].removeprefix("---\n"))
    if notes:
        corpus.add("monitor_state", "\n---\n" + "\n===\n".join(notes), "sigsum-barreleye")
        corpus.add("monitor_state", "\n---\n" + "\n===\n".join(reversed(notes)), "sigsum-barreleye-rollback")


RPM_FIXTURES = os.path.join(HERE, "..", "sigchain-sbom", "tests", "data", "rpm")
PACKAGES_SQL = "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)"


def seed_rpm_sqlite(corpus):
    """The committed rpmdb fixtures (real, but 140-390 KB), and small databases SQLite writes
    with 512-byte pages from their blobs: two real headers (overflow chains), and forty cut
    ones (leaves under an interior page), so mutations start from a few KB."""
    fixtures = sorted(glob.glob(os.path.join(RPM_FIXTURES, "*.rpmdb.sqlite")))
    for path in fixtures:
        with open(path, "rb") as f:
            corpus.add("sbom_rpm_sqlite", f.read(), os.path.basename(path).split(".")[0])
    if not fixtures:
        return
    src = sqlite3.connect("file:" + fixtures[-1] + "?mode=ro&immutable=1", uri=True)
    blobs = [blob for (blob,) in src.execute("SELECT blob FROM Packages ORDER BY hnum")]
    src.close()
    small = [b for b in blobs if len(b) < 4096]
    variants = {"two-headers": small[:2], "forty-cut": [b[: 40 + i] for i in range(40) for b in small[:1]]}
    with tempfile.TemporaryDirectory() as tmp:
        for label, rows in variants.items():
            path = os.path.join(tmp, label + ".sqlite")
            db = sqlite3.connect(path)
            db.execute("PRAGMA page_size=512")
            db.execute(PACKAGES_SQL)
            db.executemany("INSERT INTO Packages (blob) VALUES (?)", [(r,) for r in rows])
            db.commit()
            db.close()
            with open(path, "rb") as f:
                corpus.add("sbom_rpm_sqlite", f.read(), label)


def seed_conditions(corpus):
    """policy_conditions: key NUL operator NUL value NUL predicate, one seed per condition
    shape a policy writes over a vulnerability predicate (paths, filters, pipes, Kyverno's
    functions, time and semver, nested and escaped substitution), each with the operator its
    policy would use."""
    predicate = json.dumps({
        "invocation": {"uri": "x"},
        "scanner": {"uri": "pkg:github/aquasecurity/trivy@0.76.0", "version": "0.76.0",
                    "result": {"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [
                        {"VulnerabilityID": "CVE-2024-1", "Severity": "CRITICAL", "PkgName": "openssl"},
                        {"VulnerabilityID": "CVE-2024-2", "Severity": "LOW"}]}]}},
        "metadata": {"scanStartedOn": "2026-12-01T10:00:00Z",
                     "scanFinishedOn": "2026-12-01T10:00:05Z"}}).encode()
    cases = [
        ("{{ scanner.result.Results[].Vulnerabilities[?Severity == 'CRITICAL'][] | length(@) }}", 0, "0"),
        ("{{ time_since('', metadata.scanFinishedOn, '') }}", 15, '"168h"'),
        ("{{ scanner.version }}", 8, '"0.70.0"'),
        ("{{ scanner.result.Results[0].Vulnerabilities[].Severity }}", 3, '["CRITICAL","HIGH"]'),
        ("{{ to_upper(scanner.result.Results[0].Target) }}", 0, '"T"'),
        ("{{ split(scanner.uri, '@')[1] }}", 9, '"0.1.0"'),
        ("{{ regex_match('^pkg:github/.*', scanner.uri) }}", 0, "true"),
        ("{{ contains(scanner.uri, 'trivy') && `true` }}", 1, "false"),
        ("{{ length(scanner.result.Results) }}", 10, "1"),
        ("{{ sum(`[1,2,3]`) }}", 11, "6"),
        ("{{ base64_decode('aGVsbG8=') }}", 0, '"hello"'),
        ("{{ truncate(scanner.uri, `5`) }}", 5, '["pkg:g"]'),
        ("{{ semver_compare(scanner.version, '>=0.50.0') }}", 0, "true"),
        ("{{ scanner.result.Results[*].Vulnerabilities[?contains(['CRITICAL','HIGH'], Severity)]"
         ".VulnerabilityID | [] }}", 6, '["CVE-2024-1"]'),
        ("{{ items(metadata, 'k', 'v') }}", 4, "[]"),
        ("{{ \\{{ escaped }} }}", 0, '"x"'),
        ("{{ {{ scanner.version }} }}", 0, '"x"'),
        ("{{ divide(`10`, `3`) }}", 12, '"3"'),
        ("{{ parse_json('{\"a\":1}').a }}", 0, "1"),
        ("{{ time_add(metadata.scanFinishedOn, '1h') }}", 13, '"2026-12-01T11:00:05Z"'),
    ]
    for n, (key, operator, value) in enumerate(cases):
        data = key.encode() + b"\0" + bytes([operator]) + b"\0" + value.encode() + b"\0" + predicate
        corpus.add("policy_conditions", data, f"condition-{n:02d}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=DEFAULT_SHARED)
    args = parser.parse_args()
    shared = args.shared
    bundles = sorted(glob.glob(os.path.join(shared, "conformance", "bundle-verify", "*", "bundle.sigstore.json")))
    if not bundles:
        sys.exit(f"no conformance bundles under {shared}")
    corpus = Corpus()
    for path in bundles:
        name = os.path.basename(os.path.dirname(path))
        with open(path, "rb") as f:
            raw = f.read()
        corpus.add("bundle_json", raw, name)
        try:
            bundle = json.loads(raw)
        except ValueError:
            continue
        if isinstance(bundle, dict):
            seed_bundle(corpus, name, bundle)
            root_here = os.path.exists(os.path.join(os.path.dirname(path), "trusted_root.json"))
            try:
                seed_rekor(corpus, name, bundle, root_here)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass
    roots = glob.glob(os.path.join(shared, "trust", "*", "trusted_root.json"))
    roots += glob.glob(os.path.join(shared, "conformance", "bundle-verify", "*", "trusted_root.json"))
    for path in sorted(roots):
        name = os.path.basename(os.path.dirname(path))
        with open(path, "rb") as f:
            raw = f.read()
        corpus.add("trusted_root", raw, name)
        try:
            root = json.loads(raw)
        except ValueError:
            continue
        for authority in root.get("certificateAuthorities", []) + root.get("timestampAuthorities", []):
            for cert in authority.get("certChain", {}).get("certificates", []):
                corpus.add("certificate", b64(cert["rawBytes"]), name + "-root")
    prod = os.path.join(shared, "trust", "production", "trusted_root.json")
    ca_pems = []
    if os.path.exists(prod):
        with open(prod, "rb") as f:
            authorities = json.loads(f.read()).get("certificateAuthorities", [])
        if authorities:
            ca_pems = [pem("CERTIFICATE", b64(c["rawBytes"]))
                       for c in authorities[-1].get("certChain", {}).get("certificates", [])]
    for path in bundles:
        name = os.path.basename(os.path.dirname(path))
        try:
            with open(path, "rb") as f:
                material = json.loads(f.read()).get("verificationMaterial", {})
            leafs = [pem("CERTIFICATE", der) for der in certificates(material)]
        except (ValueError, AttributeError, KeyError, TypeError):
            continue
        if leafs:
            seed_fulcio(corpus, name, leafs[:1] + ca_pems, ca_pems)
    seed_tokens(corpus)
    seed_fixed(corpus)
    seed_rpm_sqlite(corpus)
    seed_conditions(corpus)
    counts = {}
    for target, _ in corpus.seen:
        counts[target] = counts.get(target, 0) + 1
    for target in sorted(counts):
        print(f"{target:14} {counts[target]:4} seeds")


if __name__ == "__main__":
    main()
