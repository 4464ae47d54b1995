//! Referrers fallback indexes and signature manifests from a hostile repository: parsing never
//! panics, filtering is capped and de-duplicated, and adding a descriptor keeps digests unique.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_oci::cosign::wire::{WireDescriptor, WireIndex, WireManifest};
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::referrers::{add_to_fallback_index, filter, ReferrersSource};

fuzz_target!(|data: &[u8]| {
    let limits = StorageLimits {
        max_referrers: 8,
        ..StorageLimits::DEFAULT
    };
    let _ = WireManifest::parse(data, &limits);
    let Ok(index) = WireIndex::parse(data, &limits) else {
        return;
    };
    let listed = filter(
        ReferrersSource::FallbackTag,
        index.manifests.clone(),
        None,
        &limits,
    );
    assert!(listed.descriptors.len() <= limits.max_referrers);
    for (i, a) in listed.descriptors.iter().enumerate() {
        assert!(listed.descriptors[i + 1..].iter().all(|b| b.digest != a.digest));
    }
    let again = WireIndex::parse(&index.to_json(), &limits).expect("our own index parses");
    assert_eq!(again, index);
    let new = WireDescriptor::of("application/vnd.oci.image.manifest.v1+json", data);
    if let Some(updated) = add_to_fallback_index(Some(index.clone()), new.clone()) {
        assert_eq!(updated.manifests.len(), index.manifests.len() + 1);
        assert!(add_to_fallback_index(Some(updated), new).is_none());
    }
});
