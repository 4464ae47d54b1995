"""Build small TUF repositories (CDN layout, consistent snapshots) with python-tuf's metadata
API, one directory per scenario, for sigchain-core/tests/tuf/python.rs.

usage: make_repos.py OUT TRUSTED_ROOT_JSON SIGNING_CONFIG_JSON

OUT/good      version 1 root, timestamp v2 -> snapshot v1 -> targets v1 (trusted_root.json,
              signing_config.v0.2.json); all expire 2030-01-01.
OUT/rollback  the same but timestamp v1 (a replay of an older timestamp).
OUT/badhash   the same, but the trusted_root.json target file's bytes differ from the listed hash.
OUT/badroot   good plus 2.root.json signed by only one of its two root keys (threshold 2).
OUT/expiredsnapshot  good with the snapshot expiring 2020-01-01 (timestamp re-signed over it).
"""
import copy
import hashlib
import json
import os
import shutil
import sys
from datetime import datetime, timezone

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    Key, Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

out, trusted_root_path, signing_config_path = sys.argv[1:4]
FUTURE = datetime(2030, 1, 1, tzinfo=timezone.utc)
PAST = datetime(2020, 1, 1, tzinfo=timezone.utc)

signers = {name: CryptoSigner.generate_ecdsa() for name in
           ["root1", "root2", "timestamp", "snapshot", "targets"]}

def write(md, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(md.to_bytes(JSONSerializer(compact=False)))

def sign(md, *names):
    md.signatures.clear()
    for n in names:
        md.sign(signers[n], append=True)
    return md

def build(dirname, timestamp_version=2, snapshot_expires=FUTURE):
    d = os.path.join(out, dirname)
    shutil.rmtree(d, ignore_errors=True)
    root = Metadata(Root(expires=FUTURE, consistent_snapshot=True))
    for n in ["root1", "root2"]:
        root.signed.add_key(signers[n].public_key, "root")
    root.signed.roles["root"].threshold = 2
    for role in ["timestamp", "snapshot", "targets"]:
        root.signed.add_key(signers[role].public_key, role)
    root.signed.version = 1
    sign(root, "root1", "root2")
    write(root, os.path.join(d, "1.root.json"))

    targets = Metadata(Targets(expires=FUTURE))
    for name, path in [("trusted_root.json", trusted_root_path),
                       ("signing_config.v0.2.json", signing_config_path)]:
        data = open(path, "rb").read()
        tf = TargetFile.from_data(name, data, ["sha256"])
        targets.signed.targets[name] = tf
        digest = hashlib.sha256(data).hexdigest()
        os.makedirs(os.path.join(d, "targets"), exist_ok=True)
        with open(os.path.join(d, "targets", f"{digest}.{name}"), "wb") as f:
            f.write(data)
    sign(targets, "targets")
    write(targets, os.path.join(d, "1.targets.json"))

    snapshot = Metadata(Snapshot(expires=snapshot_expires))
    snapshot.signed.meta["targets.json"] = MetaFile(version=1)
    sign(snapshot, "snapshot")
    write(snapshot, os.path.join(d, "1.snapshot.json"))

    timestamp = Metadata(Timestamp(expires=FUTURE))
    timestamp.signed.version = timestamp_version
    timestamp.signed.snapshot_meta = MetaFile(version=1)
    sign(timestamp, "timestamp")
    write(timestamp, os.path.join(d, "timestamp.json"))
    return d, root

good, root = build("good")
build("rollback", timestamp_version=1)
build("expiredsnapshot", snapshot_expires=PAST)

# badhash: the served trusted_root.json is not what targets.json lists.
d = os.path.join(out, "badhash")
shutil.rmtree(d, ignore_errors=True)
shutil.copytree(good, d)
for f in os.listdir(os.path.join(d, "targets")):
    if f.endswith(".trusted_root.json"):
        path = os.path.join(d, "targets", f)
        data = bytearray(open(path, "rb").read())
        # Same length (so the length check passes), one byte different.
        data[-2] = ord(" ") if data[-2] != ord(" ") else ord("\n")
        open(path, "wb").write(bytes(data))

# badroot: 2.root.json signed by one of the two root keys (threshold 2 in both versions).
d = os.path.join(out, "badroot")
shutil.rmtree(d, ignore_errors=True)
shutil.copytree(good, d)
root2 = Metadata.from_bytes(root.to_bytes())
root2.signed.version = 2
sign(root2, "root1")
write(root2, os.path.join(d, "2.root.json"))
