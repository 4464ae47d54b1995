//! Registry authentication input: `WWW-Authenticate` headers (`auth::challenge::parse`),
//! Docker `config.json` files with a lookup, and credential-helper answers never panic; a
//! parsed Bearer challenge always has a realm.
//!
//! Input: a selector byte, then the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_oci::auth::challenge::{parse, Challenge};
use sigchain_oci::auth::docker_config::{helper_answer, DockerConfig};

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 => {
            let Ok(header) = std::str::from_utf8(rest) else {
                return;
            };
            if let Ok(challenges) = parse(header) {
                for challenge in challenges {
                    if let Challenge::Bearer(bearer) = challenge {
                        assert!(!bearer.realm.is_empty());
                    }
                }
            }
        }
        1 => {
            if let Ok(config) = DockerConfig::from_json(rest) {
                for registry in ["127.0.0.1:5000", "https://127.0.0.1:5000/v1/", "", "a/b"] {
                    let _ = config.lookup(registry);
                }
            }
        }
        _ => {
            let _ = helper_answer(rest);
        }
    }
});
