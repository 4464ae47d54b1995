// sigstore-js (@sigstore/verify) as an independent referee of sigchain's bundles.
//
// usage: node verify.js TRUSTED_ROOT BUNDLE ARTIFACT [SAN ISSUER]
// Prints one JSON line, {"ok":true,"san":..,"issuer":..} or {"ok":false,"error":..}, and exits
// 0 or 1. Without SAN/ISSUER no identity policy is applied (managed-key bundles). The packages
// are found through NODE_PATH (scripts/test-all.sh installs them).
'use strict';
const fs = require('fs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const crypto = require('crypto');

const [rootPath, bundlePath, artifactPath, san, issuer] = process.argv.slice(2);
try {
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath, 'utf8')));
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const artifact = fs.readFileSync(artifactPath);
  // A managed-key bundle names its key by hint; the trusted root has none, so the key comes
  // from the environment (PEM), as a caller of sigstore-js passes it.
  let keys;
  if (process.env.SIGSTORE_JS_KEY_PEM) {
    const pem = fs.readFileSync(process.env.SIGSTORE_JS_KEY_PEM, 'utf8');
    const der = crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
    keys = () => ({ publicKey: crypto.createPublicKey({ key: der, format: 'der', type: 'spki' }), validFor: () => true });
  }
  const verifier = new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 1, ctlogThreshold: keys ? 0 : 1 });
  const policy = san ? { subjectAlternativeName: san, extensions: { issuer } } : {};
  const signer = verifier.verify(toSignedEntity(bundle, artifact), policy);
  const id = signer.identity || {};
  console.log(JSON.stringify({ ok: true, san: id.subjectAlternativeName || null, issuer: (id.extensions || {}).issuer || null }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: (e && e.code ? e.code + ': ' : '') + (e && e.message ? e.message : String(e)) }));
  process.exit(1);
}
