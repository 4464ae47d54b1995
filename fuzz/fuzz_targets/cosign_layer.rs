//! cosign tag-scheme layers from a hostile repository: annotations (Rekor bundle, RFC 3161
//! timestamp, PEM certificate and chain, signature) and content turned into a bundle never
//! panic, and a bundle that comes out writes JSON that parses back to it.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use sigchain_core::bundle::Bundle;
use sigchain_core::limits::Limits;
use sigchain_oci::cosign::annotations::{parse_certificates_pem, parse_rekor_bundle, parse_rfc3161};
use sigchain_oci::cosign::{LayerKind, SignatureLayer, StorageLimits};

fuzz_target!(|data: &[u8]| {
    let limits = StorageLimits::DEFAULT;
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_rekor_bundle(text, &limits);
        let _ = parse_rfc3161(text, &limits);
        let _ = parse_certificates_pem("fuzz", text, limits.max_chain_certificates, &limits);
    }
    // Annotations JSON, a NUL byte, then the layer content.
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let Ok(annotations) = serde_json::from_slice::<BTreeMap<String, String>>(&data[..split]) else {
        return;
    };
    let content = data.get(split + 1..).unwrap_or_default().to_vec();
    for kind in [LayerKind::Signature, LayerKind::Attestation] {
        let layer = SignatureLayer {
            kind,
            content: content.clone(),
            annotations: annotations.clone(),
        };
        if let Ok(bundle) = layer.to_bundle(&limits) {
            let again = Bundle::from_json(bundle.to_json().as_bytes(), &Limits::DEFAULT)
                .expect("a converted bundle writes JSON that parses");
            assert_eq!(again, bundle);
        }
    }
});
