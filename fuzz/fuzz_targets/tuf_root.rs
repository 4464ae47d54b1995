//! TUF root.json parser and root rotation: never panic on any document, as the initial root or
//! as the next one after the real public-good root version 15.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_core::tuf::root_chain::TrustedTufRoot;

fuzz_target!(|data: &[u8]| {
    let _ = TrustedTufRoot::initial(data);
    if let Ok(trusted) = TrustedTufRoot::initial(sigchain_core::tuf::PRODUCTION_ROOT) {
        let _ = trusted.rotate(data);
    }
});
