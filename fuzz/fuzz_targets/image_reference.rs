//! Image references and digests: `Reference::parse` and `Digest::parse` never panic on any
//! text; a parsed reference prints (fully qualified and familiar) to text that parses back to
//! it, and keeps the invariants the rest of the crate relies on; cosign's tags for a parsed
//! digest are tags of the same digest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_oci::cosign_tags;
use sigchain_oci::reference::{Digest, Reference, MAX_REFERENCE_LEN, MAX_REPOSITORY_LEN};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(reference) = Reference::parse(text) {
        assert!(text.len() <= MAX_REFERENCE_LEN);
        assert!(reference.repository().len() <= MAX_REPOSITORY_LEN);
        assert!(reference.tag().is_some() || reference.digest().is_some());
        assert_eq!(Reference::parse(&reference.to_string()).as_ref(), Ok(&reference));
        assert_eq!(Reference::parse(&reference.familiar()).as_ref(), Ok(&reference));
        assert!(!reference.registry_host_for_api().is_empty());
        if let Some(digest) = reference.digest() {
            assert_eq!(reference.manifest_reference(), digest.to_string());
        }
    }
    if let Ok(digest) = Digest::parse(text) {
        assert_eq!(digest.to_string(), text);
        let fallback = cosign_tags::referrers_fallback_tag(&digest);
        assert!(fallback.as_str().starts_with(digest.algorithm().as_str()));
        if let Ok(signatures) = cosign_tags::signature_tag(&digest) {
            let expected = format!("{}-{}.sig", digest.algorithm(), digest.hex());
            assert_eq!(signatures.as_str(), expected);
        }
    }
});
