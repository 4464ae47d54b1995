//! dpkg status and file-listing parsers: never panic, every package reported has a name and
//! a version, and a listing merges only into an installed package.
//! Also the os-release reader and the CPE parsers (os-release `CPE_NAME` is untrusted text):
//! a CPE they accept formats to a string the strict parser reads back to the same CPE.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::dpkg::{merge_file_lists, parse_file_list, parse_status};
use sigchain_sbom::catalog::os_release::parse_os_release;
use sigchain_sbom::cpe::Cpe;

fuzz_target!(|data: &[u8]| {
    let found = parse_status("var/lib/dpkg/status", data);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
    }
    let mut packages = found.packages;
    let installed = packages.len();
    for path in ["var/lib/dpkg/info/x:amd64.list", "var/lib/dpkg/info/x.md5sums"] {
        let listing = parse_file_list(path, data);
        assert!(listing.packages.iter().all(|p| p.files.iter().all(|f| !f.starts_with('/'))));
        packages.extend(listing.packages);
    }
    assert_eq!(merge_file_lists(packages, |_| false).len(), installed);
    if let Some(distro) = parse_os_release(data) {
        if let Some(cpe) = distro.cpe {
            assert!(Cpe::parse(&cpe).is_ok());
        }
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(cpe) = Cpe::from_cpe_name(&text) {
        assert_eq!(Cpe::parse(&cpe.to_string()), Ok(cpe));
    }
});
