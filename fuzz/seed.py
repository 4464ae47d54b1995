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
import sys

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
    counts = {}
    for target, _ in corpus.seen:
        counts[target] = counts.get(target, 0) + 1
    for target in sorted(counts):
        print(f"{target:14} {counts[target]:4} seeds")


if __name__ == "__main__":
    main()
