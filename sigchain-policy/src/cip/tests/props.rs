//! Untrusted input never panics: globs, image names, identities and whole documents.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::cip::glob::Glob;
use crate::cip::model::ClusterImagePolicy;
use crate::cip::name::ImageName;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z*/:.@ -]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "ClusterImagePolicy",
            "policy.sigstore.dev/v1beta1",
            "images",
            "glob",
            "authorities",
            "keyless",
            "key",
            "static",
            "identities",
            "issuer",
            "subjectRegExp",
            "mode",
            "warn",
            "match",
            "selector",
            "source",
            "ctlog",
            "attestations",
            "(",
            "**",
            "pass",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "apiVersion",
                    "kind",
                    "metadata",
                    "name",
                    "spec",
                    "images",
                    "glob",
                    "authorities",
                    "keyless",
                    "key",
                    "static",
                    "action",
                    "identities",
                    "issuer",
                    "subject",
                    "issuerRegExp",
                    "subjectRegExp",
                    "url",
                    "mode",
                    "match",
                    "selector",
                    "matchLabels",
                    "source",
                    "oci",
                    "ctlog",
                    "attestations",
                    "predicateType",
                    "data",
                    "signatureFormat",
                    "resource",
                ]),
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #[test]
    fn globs_and_images_never_panic(glob in ".{0,64}", image in ".{0,96}") {
        if let Ok(g) = Glob::compile(&glob) {
            let _ = g.matches(&image);
            let _ = g.matches_admitted(&image);
            let _ = g.is_match(&image);
        }
        let _ = ImageName::parse(&image);
    }

    #[test]
    fn glob_alphabet_always_compiles(glob in "[a-zA-Z0-9_:/*.@-]{1,64}", image in "[a-z0-9./:@*-]{0,64}") {
        let g = Glob::compile(&glob).unwrap();
        let _ = g.matches(&image);
    }

    #[test]
    fn star_never_crosses_a_slash(left in "[a-z]{1,8}", right in "[a-z]{1,8}") {
        let g = Glob::compile(&format!("reg.example.com/{left}*")).unwrap();
        let image = format!("reg.example.com/{left}/{right}");
        prop_assert!(!g.matches_admitted(&image).unwrap());
        let g = Glob::compile(&format!("reg.example.com/{left}**")).unwrap();
        prop_assert!(g.matches_admitted(&image).unwrap());
    }

    #[test]
    fn parsed_names_normalise_idempotently(image in "[a-z0-9./:@-]{1,48}") {
        if let Ok(name) = ImageName::parse(&image) {
            let again = ImageName::parse(&name.name()).unwrap();
            prop_assert_eq!(again.name(), name.name());
        }
    }

    #[test]
    fn documents_never_panic(value in json_value()) {
        let _ = ClusterImagePolicy::from_value(&value);
        if let Value::Object(_) = &value {
            let doc = json!({
                "apiVersion": "policy.sigstore.dev/v1beta1",
                "kind": "ClusterImagePolicy",
                "metadata": {"name": "p"},
                "spec": value,
            });
            let _ = ClusterImagePolicy::from_value(&doc);
        }
    }

    #[test]
    fn identity_fields_never_panic(issuer in ".{0,32}", subject in ".{0,32}", san in ".{0,32}") {
        let doc = json!({
            "apiVersion": "policy.sigstore.dev/v1beta1",
            "kind": "ClusterImagePolicy",
            "metadata": {"name": "p"},
            "spec": {
                "images": [{"glob": "**"}],
                "authorities": [{"keyless": {"identities": [{"issuerRegExp": issuer, "subjectRegExp": subject}]}}],
            },
        });
        if let Ok(p) = ClusterImagePolicy::from_value(&doc) {
            if let crate::cip::Verifier::Keyless(k) = &p.spec.authorities[0].verifier {
                let _ = k.identity_matches(&san, &san);
            }
        }
    }

    #[test]
    fn json_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = ClusterImagePolicy::from_json(&bytes);
    }
}
