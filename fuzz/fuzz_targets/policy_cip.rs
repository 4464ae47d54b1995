//! policy-controller `ClusterImagePolicy` documents and image globs: loading never panics on
//! any bytes; a compiled glob matches any text without panicking; an image name that
//! go-containerregistry's grammar accepts normalises to a name that parses back to itself.
//! Input: a leading 0 byte means "the rest is a policy document (JSON)"; otherwise the
//! first line is a glob and the rest an image.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_policy::cip::{ClusterImagePolicy, Glob, ImageName};

fuzz_target!(|data: &[u8]| {
    if let Some((&0, document)) = data.split_first() {
        if let Ok(policy) = ClusterImagePolicy::from_json(document) {
            assert!(!policy.spec.images.is_empty());
            assert!(!policy.spec.authorities.is_empty());
            let _ = policy.selects_admitted("nginx");
        }
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (glob, image) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(name) = ImageName::parse(image) {
        let again = ImageName::parse(&name.name()).map(|n| n.name());
        assert_eq!(again.as_deref(), Ok(name.name().as_str()));
    }
    if let Ok(glob) = Glob::compile(glob) {
        let _ = glob.matches(image);
        let _ = glob.matches_admitted(image);
        let _ = glob.is_match(image);
    }
});
