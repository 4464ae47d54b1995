//! The SBOM layer reader (magic-byte decompression, raw tar headers, GNU long names, PAX
//! records, whiteouts, links) never panics and stays within its bounds; every path it hands a
//! cataloger or records is normalized and inside the root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::driver::catalog_layer;
use sigchain_sbom::model::{Cataloger, Found, Package, PackageType};
use sigchain_sbom::source::{normalize_path, SourceLimits};

/// Wants every path and records one package per file, named by its path.
struct Everything;

impl Cataloger for Everything {
    fn name(&self) -> &'static str {
        "everything"
    }
    fn wants(&self, path: &str) -> bool {
        assert_eq!(normalize_path(path.as_bytes()).as_deref(), Ok(path));
        true
    }
    fn max_file_bytes(&self) -> u64 {
        4096
    }
    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        assert!(content.len() <= 4096);
        Found {
            packages: vec![Package {
                name: path.to_owned(),
                package_type: Some(PackageType::Npm),
                ..Package::default()
            }],
            warnings: Vec::new(),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = SourceLimits {
        max_entries: 1_000,
        max_layer_bytes: 4 * 1024 * 1024,
        max_image_bytes: 4 * 1024 * 1024,
        max_header_bytes: 4096,
        ..SourceLimits::default()
    };
    if let Ok(catalog) = catalog_layer(data, &[&Everything], &limits) {
        for package in &catalog.packages {
            for location in &package.locations {
                assert_eq!(location.layer, None);
                assert!(!location.path.starts_with('/'));
                assert!(location.path.split('/').all(|c| c != ".." && c != "."));
            }
        }
    }
});
