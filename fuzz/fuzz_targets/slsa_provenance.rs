//! SLSA Provenance v1 reading and checking on untrusted JSON: `Provenance::from_predicate_json`
//! and `provenance::verify` never panic; what reads writes back to JSON that reads to the same
//! value; and a key-signed check never claims a certificate binding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::intoto::Statement;
use sigchain_core::limits::Limits;
use sigchain_core::provenance::{
    self, check_against_certificate, Binding, Provenance, ProvenanceRequirements, Signer,
};
use sigchain_core::x509::FulcioClaims;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::DEFAULT;
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(provenance) = Provenance::from_predicate_json(text) {
            let json = serde_json::Value::Object(provenance.to_json_object()).to_string();
            let again = Provenance::from_predicate_json(&json)
                .expect("a written provenance must read back");
            assert_eq!(again, provenance, "write/read changed the provenance");
            let _ = check_against_certificate(&provenance, &FulcioClaims::default());
        }
    }
    // The seeds include whole statements: check them as a verifier would.
    if let Ok(statement) = Statement::from_json(data, &limits) {
        let digest = statement
            .subjects
            .iter()
            .find_map(|s| s.digest.get("sha256"))
            .and_then(|hex| sigchain_core::crypto::Sha256Digest::from_hex(hex))
            .map(|d| d.0)
            .unwrap_or([0; 32]);
        let required = ProvenanceRequirements::default();
        if let Ok(verified) = provenance::verify(&statement, &digest, Signer::Key, &required) {
            assert_eq!(verified.binding(), Binding::Key);
            let _ = verified.summary();
        }
        let claims = FulcioClaims::default();
        // No claims vouch for nothing: a certificate-bound pass is impossible.
        assert!(
            provenance::verify(&statement, &digest, Signer::Certificate(&claims), &required)
                .is_err()
        );
    }
});
