//! Real certificates for the unit tests, read in place from the shared conformance data.

use sigchain_core::encoding::base64_decode;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared");

fn json(path: &str) -> serde_json::Value {
    let bytes = std::fs::read(format!("{SHARED}/{path}")).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn pem(der: &[u8]) -> String {
    pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, der).unwrap()
}

/// The leaf of the conformance suite's happy-path v0.3 bundle (a GitHub Actions identity).
pub fn leaf_der() -> Vec<u8> {
    let bundle = json("conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json");
    let raw = bundle["verificationMaterial"]["certificate"]["rawBytes"]
        .as_str()
        .unwrap();
    base64_decode(raw).unwrap()
}

/// [`leaf_der`] as PEM.
pub fn leaf_pem() -> String {
    pem(&leaf_der())
}

/// The public-good Fulcio intermediate and root, as PEM.
pub fn ca_pems() -> Vec<String> {
    let root = json("trust/production/trusted_root.json");
    let cas = root["certificateAuthorities"].as_array().unwrap();
    let current = cas.last().unwrap();
    current["certChain"]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| pem(&base64_decode(c["rawBytes"].as_str().unwrap()).unwrap()))
        .collect()
}

/// Leaf, intermediate, root.
pub fn chain_pems() -> Vec<String> {
    let mut pems = vec![leaf_pem()];
    pems.extend(ca_pems());
    pems
}
