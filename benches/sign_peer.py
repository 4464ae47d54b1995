"""The peer side of the `sign` bench: sigstore-python keyless signings timed in-process.

Run by `benches/benches/sign.rs` against the instance it serves (interpreter start-up and
imports are outside the timing). Each signing is what one `sigstore sign` invocation does:
a fresh `Signer` (ephemeral P-256 key, CSR to the CA, SCT check), then `sign_artifact`
(TSA timestamp if the config names one, Rekor entry). `cache=False` is not used: in
sigstore-python 4.5 it makes a new key at each access of `_private_key`, so the CSR and the
artifact signature would come from different keys.

Usage: python sign_peer.py CLIENT_TRUST_CONFIG TOKEN_URL SAMPLES WARMUP
Prints one JSON line: {"samples_ms": [...], "version": "..."}.
"""

import json
import sys
import time
import urllib.request


def main() -> None:
    trust_config_path, token_url, samples, warmup = sys.argv[1:5]
    import sigstore
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    with open(trust_config_path, encoding="utf-8") as f:
        context = SigningContext.from_trust_config(ClientTrustConfig.from_json(f.read()))

    def token() -> IdentityToken:
        with urllib.request.urlopen(token_url, timeout=10) as answer:
            return IdentityToken(answer.read().decode().strip())

    identity = token()
    minted = time.monotonic()
    times = []
    for i in range(int(warmup) + int(samples)):
        # Tokens live 10 minutes; a fresh one well before that, outside the timing.
        if time.monotonic() - minted > 300:
            identity, minted = token(), time.monotonic()
        artifact = f"sign bench peer artifact {i}\n".encode()
        started = time.perf_counter()
        with context.signer(identity) as signer:
            bundle = signer.sign_artifact(artifact)
        elapsed = time.perf_counter() - started
        if not bundle.to_json():
            raise SystemExit("empty bundle")
        if i >= int(warmup):
            times.append(elapsed * 1e3)
    print(json.dumps({"samples_ms": times, "version": sigstore.__version__}))


if __name__ == "__main__":
    main()
