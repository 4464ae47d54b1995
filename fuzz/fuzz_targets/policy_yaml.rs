//! Kyverno policy files: `load_policies` never panics and stays within its budgets on any
//! bytes; a loaded policy's checks, warnings and matchers run without panicking, and the
//! image patterns it holds can be matched against the image strings Kyverno builds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_policy::kyverno::{image::KyvernoImage, load_policies, KeylessIdentity};
use sigchain_policy::yaml::YamlLimits;

fuzz_target!(|data: &[u8]| {
    let limits = YamlLimits::default();
    let Ok(policies) = load_policies(data, &limits) else {
        return;
    };
    let image = KyvernoImage::parse("registry.example/acme/app:v1").expect("a valid image");
    for policy in &policies {
        assert!(policy.check().is_ok());
        let _ = policy.warnings();
        for rule in &policy.spec.rules {
            let _ = policy.failure_action(rule, "default", &Default::default());
            for entry in &rule.verify_images {
                let _ = entry.applies_to(&image);
                for set in &entry.attestors {
                    assert!(set.required_count() <= set.entries.len());
                    for attestor in &set.entries {
                        if let Some(keyless) = &attestor.keyless {
                            let identity = KeylessIdentity::new(keyless).expect("checked at load");
                            let _ = identity.matches("subject", "issuer");
                        }
                    }
                }
            }
        }
    }
});
