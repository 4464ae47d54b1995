//! dpkg status parser: never panics, and every package it reports has a name and a version.
//! Also the os-release reader and the CPE parsers (os-release `CPE_NAME` is untrusted text):
//! a CPE they accept formats to a string the strict parser reads back to the same CPE.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::dpkg::parse_status;
use sigchain_sbom::catalog::os_release::parse_os_release;
use sigchain_sbom::cpe::Cpe;

fuzz_target!(|data: &[u8]| {
    let found = parse_status("var/lib/dpkg/status", data);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
    }
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
