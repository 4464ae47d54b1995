//! DSSE envelope and in-toto statement parsers: never panic; whatever parses survives a
//! serialize/parse round trip, and the PAE of a parsed envelope is computable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::dsse::Envelope;
use sigchain_core::intoto::Statement;
use sigchain_core::limits::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::DEFAULT;
    if let Ok(envelope) = Envelope::from_json(data, &limits) {
        let pae = envelope.pae();
        assert!(pae.starts_with(b"DSSEv1 "), "PAE must start with its tag");
        assert!(pae.ends_with(envelope.payload.as_slice()));
        let json = serde_json::to_vec(&envelope).expect("an envelope always serializes");
        let again = Envelope::from_json(&json, &limits).expect("a serialized envelope must parse");
        assert_eq!(again, envelope, "serialize/parse changed the envelope");
        let _ = Statement::from_envelope(&envelope, &limits);
    }
    // The seeds include raw statements (decoded DSSE payloads), so parse the input as one too.
    if let Ok(statement) = Statement::from_json(data, &limits) {
        let json = statement.to_json();
        let again =
            Statement::from_json(&json, &limits).expect("a serialized statement must parse");
        assert_eq!(again, statement, "serialize/parse changed the statement");
        for subject in &statement.subjects {
            for (algorithm, digest) in &subject.digest {
                // Matching compares lowercase hex; only standard algorithms are forced to it,
                // so the round trip is checked only for values already in that form.
                let Some(bytes) = sigchain_core::encoding::hex_decode(digest) else {
                    continue;
                };
                if sigchain_core::encoding::hex_encode(&bytes) == *digest {
                    assert!(statement.subject_matching(algorithm, &bytes).is_some());
                }
            }
        }
    }
});
