//! OCI image layout documents: `oci-layout`, `index.json` and manifests never panic the
//! parsers; what parses round-trips through its JSON, and no descriptor it lists is matched by
//! the document itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_oci::layout::oci_spec::image::MediaType;
use sigchain_oci::layout::{
    check_content, parse_index, parse_manifest, parse_oci_layout, LayoutLimits, Manifest,
    DOCKER_MANIFEST_LIST_V2, DOCKER_MANIFEST_V2,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let limits = LayoutLimits::default();
    match selector % 3 {
        0 => {
            let _ = parse_oci_layout(bytes, &limits);
        }
        1 => {
            let Ok(index) = parse_index(bytes, &limits) else {
                return;
            };
            let again = parse_index(&serde_json::to_vec(&index).expect("serialize"), &limits);
            assert_eq!(again.as_ref().ok(), Some(&index));
            for descriptor in index.manifests() {
                // Listing its own digest would take a SHA-256 fixed point.
                assert!(check_content(descriptor, bytes).is_err());
            }
        }
        _ => {
            let expected = match (selector / 3) % 6 {
                0 => None,
                1 => Some(MediaType::ImageManifest),
                2 => Some(MediaType::ImageIndex),
                3 => Some(MediaType::Other(DOCKER_MANIFEST_V2.to_owned())),
                4 => Some(MediaType::Other(DOCKER_MANIFEST_LIST_V2.to_owned())),
                _ => Some(MediaType::ImageConfig),
            };
            let Ok(manifest) = parse_manifest(bytes, expected.as_ref(), &limits) else {
                return;
            };
            let json = match &manifest {
                Manifest::Image { manifest, .. } => serde_json::to_vec(manifest),
                Manifest::Index { index, .. } => serde_json::to_vec(index),
            }
            .expect("serialize");
            let media_type = manifest.kind().media_type();
            let again = parse_manifest(&json, Some(&media_type), &limits);
            assert_eq!(again.as_ref().ok(), Some(&manifest));
            for descriptor in manifest.references() {
                assert!(check_content(descriptor, bytes).is_err());
            }
        }
    }
});
