"""sigstore-python as the referee of a `sigchain instance serve` log.

Run by sigchain-cli/tests/sigstore_python.rs against a server it started on 127.0.0.1, with
the trusted root that server wrote. Everything goes through sigstore-python's own Rekor
clients, models and checks (the private `sigstore._internal` ones where the public API has
none), so what passes here is what sigstore-python accepts from a real Rekor:

  1. a hashedrekord entry for a managed key, proposed as sigstore-python's signer builds one
     (rekor_types models), created through `RekorClient.create_entry`, parsed into its
     `TransparencyLogEntry`, its body compared with the proposal;
  2. the same entry read back by UUID (64- and 80-digit), by log index and by
     `entries/retrieve` with the proposed entry;
  3. sigstore-python's own checks: Merkle inclusion, the checkpoint signature, the signed entry
     timestamp, all against the trusted root the server wrote; and a complete bundle through
     `sigstore.verify.Verifier`. sigstore-python 4.x verifies certificate bundles only (no
     managed keys), so that bundle is signed by a certificate this script issues from a CA and
     CT log it adds to the trusted root; the log parts are the server's alone;
  4. the log info (`GET /api/v1/log`) as `RekorClient.log.get()` parses it, its checkpoint
     verified;
  5. Rekor v2: `RekorV2Client.create_entry` for a certificate and a managed key, the answers
     parsed and their inclusion proofs and checkpoints verified;
  6. the reverse: a managed-key bundle made by sigchain's Rust client, read by sigstore's bundle
     models and its log entry checked as above.

Never reaches past the loopback interface: sockets to any other address are refused, and no
TUF (trust-root update) path is taken; the trusted root is read from a file.
Exits non-zero with a traceback on the first refusal.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import ipaddress
import json
import socket
import struct
import sys
from pathlib import Path


def refuse_non_loopback() -> None:
    """Make any connection to an address outside 127.0.0.0/8 or ::1 fail loudly."""
    connect = socket.socket.connect

    def guarded(self: socket.socket, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6):
            if not ipaddress.ip_address(address[0]).is_loopback:
                raise OSError(f"referee: refusing to connect to {address[0]} (not loopback)")
        return connect(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]


refuse_non_loopback()

# Imported after the guard, so nothing they do at import time can go out either.
import rekor_types  # noqa: E402
import sigstore  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402
from sigstore._internal.merkle import verify_merkle_inclusion  # noqa: E402
from sigstore._internal.rekor import EntryRequestBody, RekorClientError  # noqa: E402
from sigstore._internal.rekor.checkpoint import (  # noqa: E402
    SignedCheckpoint,
    verify_checkpoint,
)
from sigstore._internal.rekor.client import RekorClient  # noqa: E402
from sigstore._internal.rekor.client_v2 import RekorV2Client  # noqa: E402
from sigstore._internal.trust import KeyringPurpose  # noqa: E402
from sigstore._utils import KeyID  # noqa: E402
from sigstore.errors import VerificationError  # noqa: E402
from sigstore.hashes import Hashed  # noqa: E402
from sigstore.models import Bundle, InvalidBundle, TransparencyLogEntry, TrustedRoot  # noqa: E402
from sigstore.verify import Verifier, policy  # noqa: E402
from sigstore_models.bundle import v1 as bundle_v1  # noqa: E402
from sigstore_models.common import v1 as common_v1  # noqa: E402
from sigstore_models.rekor import v2 as rekor_v2  # noqa: E402
from sigstore_models.trustroot import v1 as trustroot_v1  # noqa: E402

SHA256 = common_v1.HashAlgorithm.SHA2_256
ISSUER = "https://issuer.sigchain.test"
IDENTITY = "referee@sigchain.test"


def ok(step: str) -> None:
    print(f"ok: {step}", flush=True)


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


def leaf_hash(body: bytes) -> str:
    return hashlib.sha256(b"\x00" + body).hexdigest()


def pem_of(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def hashedrekord_for_key(
    digest: bytes, signature: bytes, public_key: ec.EllipticCurvePublicKey
) -> rekor_types.Hashedrekord:
    """A hashedrekord proposal as sigstore-python's signer builds one, with a key's PEM in
    place of the certificate's."""
    return rekor_types.Hashedrekord(
        spec=rekor_types.hashedrekord.HashedrekordV001Schema(
            signature=rekor_types.hashedrekord.Signature(
                content=base64.b64encode(signature).decode(),
                public_key=rekor_types.hashedrekord.PublicKey(
                    content=base64.b64encode(pem_of(public_key)).decode()
                ),
            ),
            data=rekor_types.hashedrekord.Data(
                hash=rekor_types.hashedrekord.Hash(
                    algorithm=rekor_types.hashedrekord.Algorithm.SHA256,
                    value=digest.hex(),
                )
            ),
        )
    )


def check_log_entry(entry: TransparencyLogEntry, keyring, with_set: bool) -> None:  # type: ignore[no-untyped-def]
    """sigstore-python's checks of a log entry, one by one and then as its verifier runs them."""
    verify_merkle_inclusion(entry)
    verify_checkpoint(keyring, entry)
    if with_set:
        expect(entry._inner.inclusion_promise is not None, "a Rekor v1 entry has a SET")
        expect(bool(entry._inner.integrated_time), "a Rekor v1 entry has an integrated time")
        entry._verify_set(keyring)
    entry._verify(keyring)


def same_entry(a: TransparencyLogEntry, b: TransparencyLogEntry) -> bool:
    """The same entry at the same tree head. The SETs may differ: like Rekor, the log signs one
    per answer, and an ECDSA signature is randomized."""
    fields = ["log_index", "log_id", "kind_version", "integrated_time", "inclusion_proof"]
    fields.append("canonicalized_body")
    return all(getattr(a._inner, f) == getattr(b._inner, f) for f in fields)


# --- a CA and a CT log of our own, for a certificate bundle sigstore's Verifier accepts -------


class Issuer:
    """A root CA and a CT log whose keys this script holds; added to the server's trusted root."""

    def __init__(self) -> None:
        now = datetime.datetime.now(datetime.timezone.utc)
        self.not_before = now - datetime.timedelta(minutes=5)
        self.not_after = now + datetime.timedelta(hours=1)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sigchain referee CA")])
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()),
                critical=False,
            )
            .sign(self.ca_key, hashes.SHA256())
        )

    def spki(self, key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def leaf(self, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
        """A Fulcio-shaped leaf for `key` with one embedded SCT from our CT log (RFC 6962 §3.2:
        the SCT signs the certificate's TBS without the SCT list)."""
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(IDENTITY)]), critical=True
            )
            .add_extension(
                x509.UnrecognizedExtension(
                    x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), ISSUER.encode()
                ),
                critical=False,
            )
        )
        precert = builder.sign(self.ca_key, hashes.SHA256())
        sct_list = self.sct_list(precert.tbs_certificate_bytes)
        sct_ext = x509.UnrecognizedExtension(
            x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), der_octet_string(sct_list)
        )
        cert = builder.add_extension(sct_ext, critical=False).sign(self.ca_key, hashes.SHA256())
        expect(
            cert.tbs_precertificate_bytes == precert.tbs_certificate_bytes,
            "the leaf's TBS without its SCT list is the one the SCT signs",
        )
        return cert

    def sct_list(self, tbs: bytes) -> bytes:
        timestamp = int(datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000)
        issuer_key_hash = hashlib.sha256(self.spki(self.ca_key)).digest()
        signed = (
            struct.pack("!BBQH", 0, 0, timestamp, 1)  # v1, certificate_timestamp, precert_entry
            + issuer_key_hash
            + len(tbs).to_bytes(3, "big")
            + tbs
            + struct.pack("!H", 0)  # no extensions
        )
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        log_id = hashlib.sha256(self.spki(self.ct_key)).digest()
        sct = (
            struct.pack("!B", 0)
            + log_id
            + struct.pack("!QH", timestamp, 0)
            + struct.pack("!BBH", 4, 3, len(signature))  # sha256, ecdsa
            + signature
        )
        entry = struct.pack("!H", len(sct)) + sct
        return struct.pack("!H", len(entry)) + entry

    def add_to(self, root_json: dict) -> dict:
        """The server's trusted root plus this CA and CT log; its tlogs are untouched."""
        root = json.loads(json.dumps(root_json))
        start = self.not_before.strftime("%Y-%m-%dT%H:%M:%SZ")
        root["certificateAuthorities"] = [
            {
                "subject": {"organization": "sigchain", "commonName": "sigchain referee CA"},
                "uri": "https://ca.sigchain.test",
                "certChain": {
                    "certificates": [
                        {
                            "rawBytes": base64.b64encode(
                                self.ca.public_bytes(serialization.Encoding.DER)
                            ).decode()
                        }
                    ]
                },
                "validFor": {"start": start},
            }
        ]
        root["ctlogs"] = [
            {
                "baseUrl": "https://ct.sigchain.test",
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": base64.b64encode(self.spki(self.ct_key)).decode(),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": start},
                },
                "logId": {
                    "keyId": base64.b64encode(
                        hashlib.sha256(self.spki(self.ct_key)).digest()
                    ).decode()
                },
            }
        ]
        return root


def der_octet_string(content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return b"\x04" + length + content


# --- the steps ---------------------------------------------------------------------------------


def v1_managed_key(client: RekorClient, keyring, tree_id: str) -> dict:  # type: ignore[no-untyped-def]
    key = ec.generate_private_key(ec.SECP256R1())
    artifact = b"referee: managed-key artifact"
    digest = hashlib.sha256(artifact).digest()
    signature = key.sign(artifact, ec.ECDSA(hashes.SHA256()))
    proposed = hashedrekord_for_key(digest, signature, key.public_key())

    entry = client.create_entry(EntryRequestBody(proposed.model_dump(mode="json", by_alias=True)))
    expect(
        (entry._inner.kind_version.kind, entry._inner.kind_version.version)
        == ("hashedrekord", "0.0.1"),
        f"kind/version of the created entry: {entry._inner.kind_version}",
    )
    logged = rekor_types.Hashedrekord.model_validate_json(entry._inner.canonicalized_body)
    expect(logged == proposed, "the logged body is the proposed hashedrekord")
    ok("v1 create: hashedrekord (managed key) parsed into TransparencyLogEntry")
    check_log_entry(entry, keyring, with_set=True)
    ok("v1 create: inclusion proof, checkpoint signature and SET verify")

    # A duplicate is refused with Rekor's 409 error body, which sigstore's error class reads.
    try:
        client.create_entry(EntryRequestBody(proposed.model_dump(mode="json", by_alias=True)))
        raise AssertionError("a duplicate entry was accepted")
    except RekorClientError as e:
        expect(str(e).startswith("409: an equivalent entry already exists"), f"409: {e}")
    ok("v1 create: a duplicate gets Rekor's 409 error body")

    uuid = leaf_hash(entry._inner.canonicalized_body)
    entry_id = f"{int(tree_id):016x}{uuid}"
    index = entry._inner.log_index
    # sigstore-python's `entries.get` tests `bool(log_index)`, so it cannot ask for index 0;
    # the Rust side logs entries first, so this one is past it.
    expect(index > 0, "the entry is not the log's first")
    for how, got in [
        ("UUID (64 digits)", client.log.entries.get(uuid=uuid)),
        ("entry ID (80 digits)", client.log.entries.get(uuid=entry_id)),
        ("log index", client.log.entries.get(log_index=index)),
        ("retrieve (proposed entry)", client.log.entries.retrieve.post(proposed)),
    ]:
        expect(got is not None, f"found by {how}")
        expect(same_entry(got, entry), f"the entry found by {how} is the created one")
        check_log_entry(got, keyring, with_set=True)
        ok(f"v1 read by {how}: same entry, verifies")
    other = hashedrekord_for_key(
        hashlib.sha256(b"never logged").digest(),
        key.sign(b"never logged", ec.ECDSA(hashes.SHA256())),
        key.public_key(),
    )
    expect(client.log.entries.retrieve.post(other) is None, "retrieve finds no unlogged entry")
    ok("v1 retrieve: an entry never logged is not found")
    return {"uuid": entry_id, "logIndex": index}


def v1_certificate_bundle(
    client: RekorClient, issuer: Issuer, verifier_root: TrustedRoot
) -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issuer.leaf(key)
    artifact = b"referee: certificate artifact"
    hashed = Hashed(algorithm=SHA256, digest=hashlib.sha256(artifact).digest())
    signature = key.sign(artifact, ec.ECDSA(hashes.SHA256()))
    # Exactly what sigstore-python's signer submits to a Rekor v1 log.
    request = client._build_hashed_rekord_request(hashed, signature, cert)
    entry = client.create_entry(request)
    bundle = Bundle.from_json(Bundle.from_parts(cert, signature, entry).to_json())
    verifier = Verifier(trusted_root=verifier_root)
    verifier.verify_artifact(
        artifact, bundle, policy.Identity(identity=IDENTITY, issuer=ISSUER)
    )
    ok("v1 bundle (certificate): sigstore.verify.Verifier accepts it")
    try:
        verifier.verify_artifact(
            b"another artifact", bundle, policy.Identity(identity=IDENTITY, issuer=ISSUER)
        )
        raise AssertionError("the bundle verified for another artifact")
    except VerificationError:
        pass
    ok("v1 bundle (certificate): refused for another artifact")
    uuid = leaf_hash(entry._inner.canonicalized_body)
    return {"uuid": uuid, "logIndex": entry._inner.log_index}


def v2_entries(url: str, issuer: Issuer, keyring, v2_log_id: bytes) -> None:  # type: ignore[no-untyped-def]
    client = RekorV2Client(url)
    # A managed key first: on a fresh v2 log this is entry 0 in a one-leaf tree, the answer
    # whose zero-valued fields a protobuf-JSON writer would leave out.
    key = ec.generate_private_key(ec.SECP256R1())
    artifact = b"referee: v2 managed-key artifact"
    signature = key.sign(artifact, ec.ECDSA(hashes.SHA256()))
    request = rekor_v2.entry.CreateEntryRequest(
        hashed_rekord_request_v002=rekor_v2.hashedrekord.HashedRekordRequestV002(
            digest=base64.b64encode(hashlib.sha256(artifact).digest()),
            signature=rekor_v2.verifier.Signature(
                content=base64.b64encode(signature),
                verifier=rekor_v2.verifier.Verifier(
                    public_key=rekor_v2.verifier.PublicKey(
                        raw_bytes=base64.b64encode(issuer.spki(key))
                    ),
                    key_details=common_v1.PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
                ),
            ),
        )
    )
    first = client.create_entry(EntryRequestBody(request.to_dict()))
    # The certificate request exactly as sigstore-python's signer builds it for Rekor v2.
    cert_key = ec.generate_private_key(ec.SECP256R1())
    cert = issuer.leaf(cert_key)
    artifact = b"referee: v2 certificate artifact"
    hashed = Hashed(algorithm=SHA256, digest=hashlib.sha256(artifact).digest())
    signature = cert_key.sign(artifact, ec.ECDSA(hashes.SHA256()))
    second = client.create_entry(
        RekorV2Client._build_hashed_rekord_request(hashed, signature, cert)
    )
    for name, entry in [("managed key", first), ("certificate", second)]:
        expect(
            (entry._inner.kind_version.kind, entry._inner.kind_version.version)
            == ("hashedrekord", "0.0.2"),
            f"v2 kind/version: {entry._inner.kind_version}",
        )
        expect(entry._inner.log_id.key_id == v2_log_id, "the v2 entry names the v2 log")
        check_log_entry(entry, keyring, with_set=False)
        ok(f"v2 create ({name}): parsed, inclusion proof and checkpoint verify")
    # A v2 bundle has no signed time without a timestamp authority, which this instance does
    # not have yet; sigstore's Verifier needs one, so the v2 bundle stops at the entry checks.


def rust_bundle(
    client: RekorClient, keyring, bundle_path: Path, artifact_path: Path, key_path: Path, uuid: str  # type: ignore[no-untyped-def]
) -> None:
    raw = bundle_path.read_bytes()
    artifact = artifact_path.read_bytes()
    public_key = serialization.load_pem_public_key(key_path.read_bytes())
    assert isinstance(public_key, ec.EllipticCurvePublicKey)

    # sigstore-python 4.x verifies certificate bundles only; a managed-key bundle is refused
    # before any check, for its verification material alone.
    try:
        Bundle.from_json(raw)
        ok("Rust bundle: sigstore.models.Bundle accepts a managed-key bundle")
    except InvalidBundle as e:
        expect("expected certificate in bundle" in str(e), f"Bundle.from_json: {e}")
        ok("Rust bundle: sigstore.models.Bundle refuses it only for having no certificate")

    # Its protobuf models read the whole bundle (strictly: unknown fields are errors).
    inner = bundle_v1.Bundle.from_json(raw)
    expect(inner.verification_material.public_key is not None, "a managed-key bundle")
    entries = inner.verification_material.tlog_entries
    expect(len(entries) == 1, "one log entry")
    entry = TransparencyLogEntry(entries[0])
    check_log_entry(entry, keyring, with_set=True)
    ok("Rust bundle: parsed by sigstore_models; inclusion proof, checkpoint and SET verify")

    signature = inner.message_signature.signature
    try:
        public_key.verify(signature, artifact, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the bundle's signature does not verify with the key")
    expected = hashedrekord_for_key(hashlib.sha256(artifact).digest(), signature, public_key)
    logged = rekor_types.Hashedrekord.model_validate_json(entry._inner.canonicalized_body)
    expect(logged == expected, "the logged body is the bundle's key, signature and digest")
    ok("Rust bundle: signature and log entry body agree with the artifact and key")

    fetched = client.log.entries.get(uuid=uuid)
    expect(
        fetched._inner.canonicalized_body == entry._inner.canonicalized_body,
        "the log serves the bundle's entry under its UUID",
    )
    check_log_entry(fetched, keyring, with_set=True)
    ok("Rust entry: read by sigstore's client under the UUID the Rust client got")


def log_info(client: RekorClient, keyring, v1_log_id: bytes) -> None:  # type: ignore[no-untyped-def]
    info = client.log.get()
    expect(isinstance(info.tree_size, int) and info.tree_size > 0, f"treeSize {info.tree_size!r}")
    expect(isinstance(info.tree_id, str) and info.tree_id.isdigit(), f"treeID {info.tree_id!r}")
    expect(len(bytes.fromhex(info.root_hash)) == 32, f"rootHash {info.root_hash!r}")
    signed = SignedCheckpoint.from_text(info.signed_tree_head)
    signed.signed_note.verify(keyring, KeyID(v1_log_id))
    expect(signed.checkpoint.log_size == info.tree_size, "checkpoint size is treeSize")
    expect(signed.checkpoint.log_hash == info.root_hash, "checkpoint root is rootHash")
    expect(
        signed.checkpoint.origin.endswith(f" - {info.tree_id}"),
        f"origin {signed.checkpoint.origin!r} names tree {info.tree_id}",
    )
    ok("v1 log info: parsed by RekorClient.log.get(), its checkpoint verifies")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--trusted-root", type=Path, required=True)
    parser.add_argument("--rust-bundle", type=Path, required=True)
    parser.add_argument("--rust-artifact", type=Path, required=True)
    parser.add_argument("--rust-key", type=Path, required=True)
    parser.add_argument("--rust-uuid", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(f"sigstore-python {sigstore.__version__}", flush=True)

    root_json = json.loads(args.trusted_root.read_text())
    server_root = TrustedRoot(trustroot_v1.TrustedRoot.from_json(args.trusted_root.read_bytes()))
    keyring = server_root.rekor_keyring(KeyringPurpose.VERIFY)
    log_ids = {
        t["publicKey"]["keyDetails"]: base64.b64decode(t["logId"]["keyId"])
        for t in root_json["tlogs"]
    }
    v1_log_id = log_ids["PKIX_ECDSA_P256_SHA_256"]
    v2_log_id = log_ids["PKIX_ED25519"]
    issuer = Issuer()
    verifier_root = TrustedRoot(
        trustroot_v1.TrustedRoot.from_json(json.dumps(issuer.add_to(root_json)))
    )

    client = RekorClient(args.url)
    tree_id = client.log.get().tree_id
    created = [v1_managed_key(client, keyring, tree_id)]
    created.append(v1_certificate_bundle(client, issuer, verifier_root))
    v2_entries(args.url, issuer, keyring, v2_log_id)
    rust_bundle(
        client, keyring, args.rust_bundle, args.rust_artifact, args.rust_key, args.rust_uuid
    )
    log_info(client, keyring, v1_log_id)
    args.out.write_text(json.dumps(created))
    return 0


if __name__ == "__main__":
    sys.exit(main())
