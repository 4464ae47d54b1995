//! Property tests: no input panics the parser, and whatever parses round-trips.

use super::*;
use crate::time::Timestamp;
use crate::trust_root::LogId;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

const SEEDS: [&str; 5] = [
    "happy-path-v0.1",
    "happy-path-v0.2",
    "happy-path-intoto-in-dsse-v3",
    "rekor2-happy-path",
    "managed-key-happy-path",
];

fn seed(index: usize) -> Vec<u8> {
    let name = SEEDS[index % SEEDS.len()];
    let path = format!(
        "{}/../../shared/conformance/bundle-verify/{name}/bundle.sigstore.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Whatever parses must serialize to something that parses to the same bundle.
fn check_round_trip(json: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(bundle) = Bundle::from_json(json, &Limits::DEFAULT) {
        let again = Bundle::from_json(bundle.to_json().as_bytes(), &Limits::DEFAULT);
        prop_assert_eq!(again.ok(), Some(bundle));
    }
    Ok(())
}

/// Every leaf (string, number, bool, null) and container, as JSON pointers.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                pointers(child, format!("{here}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(here);
}

fn arb_json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[A-Za-z0-9+/=_-]{0,12}".prop_map(Value::from),
        "-?[0-9]{0,20}".prop_map(Value::from),
        Just(Value::Array(vec![])),
        Just(Value::Object(serde_json::Map::new())),
    ]
}

fn arb_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 1..max)
}

fn arb_text() -> impl Strategy<Value = String> {
    "[ -~]{1,16}"
}

fn arb_entry(version: BundleVersion) -> impl Strategy<Value = TlogEntry> {
    let needs_promise = version == BundleVersion::V0_1;
    let needs_proof = version >= BundleVersion::V0_2;
    (
        (0..=i64::MAX as u64, arb_bytes(33), arb_text(), arb_text()),
        proptest::option::of(1..=i64::MAX),
        proptest::option::of(arb_bytes(80)),
        proptest::option::of((
            1..=i64::MAX as u64,
            any::<u64>(),
            1usize..40,
            0usize..4,
            proptest::option::of("[ -~\n]{1,64}"),
        )),
        arb_bytes(64),
    )
        .prop_map(
            move |((log_index, log_id, kind, kversion), time, set, proof, body)| {
                let set = match (set, needs_promise) {
                    (None, true) => Some(vec![1, 2, 3]),
                    (s, _) => s,
                };
                let proof = match (proof, needs_proof) {
                    (None, true) => Some((5, 3, 32, 2, None)),
                    (p, _) => p,
                };
                TlogEntry {
                    log_index,
                    log_id: LogId(log_id),
                    kind_version: KindVersion {
                        kind,
                        version: kversion,
                    },
                    integrated_time: time.map(Timestamp),
                    inclusion_promise: set.map(|s| InclusionPromise {
                        signed_entry_timestamp: s,
                    }),
                    inclusion_proof: proof.map(|(tree_size, leaf, hash_len, n, checkpoint)| {
                        let checkpoint = match (checkpoint, needs_proof) {
                            (None, true) => Some("origin\n1\nroot\n".to_owned()),
                            (c, _) => c,
                        };
                        InclusionProof {
                            log_index: leaf % tree_size,
                            root_hash: vec![7; hash_len],
                            tree_size,
                            hashes: (0..n).map(|i| vec![i as u8; hash_len]).collect(),
                            checkpoint: checkpoint.map(|envelope| Checkpoint { envelope }),
                        }
                    }),
                    canonicalized_body: body,
                }
            },
        )
}

fn arb_content() -> impl Strategy<Value = Content> {
    prop_oneof![
        (0usize..5, any::<u8>(), arb_bytes(80)).prop_map(|(alg, fill, signature)| {
            let algorithm = DigestAlgorithm::ALL[alg];
            Content::MessageSignature(MessageSignature {
                message_digest: MessageDigest {
                    algorithm,
                    digest: vec![fill; algorithm.output_len()],
                },
                signature,
            })
        }),
        (arb_bytes(200), arb_text(), arb_bytes(80), "[ -~]{0,8}").prop_map(
            |(payload, payload_type, sig, keyid)| Content::Dsse(DsseEnvelope {
                payload,
                payload_type,
                signature: DsseSignature { sig, keyid },
            })
        ),
    ]
}

fn arb_parts() -> impl Strategy<Value = BundleParts> {
    prop_oneof![
        Just(BundleVersion::V0_1),
        Just(BundleVersion::V0_2),
        Just(BundleVersion::V0_3)
    ]
    .prop_flat_map(|version| {
        let material = if version == BundleVersion::V0_3 {
            prop_oneof![
                arb_bytes(300).prop_map(VerificationMaterial::Certificate),
                "[ -~]{0,20}".prop_map(|hint| VerificationMaterial::PublicKey { hint }),
            ]
            .boxed()
        } else {
            prop_oneof![
                vec(arb_bytes(300), 1..4).prop_map(VerificationMaterial::CertificateChain),
                "[ -~]{0,20}".prop_map(|hint| VerificationMaterial::PublicKey { hint }),
            ]
            .boxed()
        };
        (
            Just(version),
            arb_content(),
            material,
            vec(arb_entry(version), 0..3),
            vec(arb_bytes(100), 0..3),
        )
    })
    .prop_map(
        |(version, content, verification_material, tlog_entries, timestamps)| BundleParts {
            version,
            content,
            verification_material,
            tlog_entries,
            timestamps,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        check_round_trip(&bytes)?;
    }

    #[test]
    fn byte_mutated_bundles_never_panic(
        which in 0usize..SEEDS.len(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut bytes = seed(which);
        for (at, byte, op) in edits {
            let i = at.index(bytes.len().max(1));
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i.min(bytes.len()), byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        check_round_trip(&bytes)?;
    }

    #[test]
    fn value_mutated_bundles_never_panic(
        which in 0usize..SEEDS.len(),
        edits in vec((any::<prop::sample::Index>(), arb_json_value(), any::<bool>()), 1..4),
    ) {
        let mut doc: Value = serde_json::from_slice(&seed(which)).unwrap();
        for (at, replacement, delete) in edits {
            let mut all = Vec::new();
            pointers(&doc, String::new(), &mut all);
            let pointer = at.get(&all).clone();
            if delete {
                if let Some((parent, key)) = pointer.rsplit_once('/') {
                    match doc.pointer_mut(parent) {
                        Some(Value::Object(map)) => { map.remove(key); }
                        Some(Value::Array(items)) => {
                            if let Ok(i) = key.parse::<usize>() {
                                if i < items.len() { items.remove(i); }
                            }
                        }
                        _ => {}
                    }
                }
            } else if let Some(slot) = doc.pointer_mut(&pointer) {
                *slot = replacement;
            }
        }
        check_round_trip(doc.to_string().as_bytes())?;
    }

    #[test]
    fn generated_bundles_round_trip(parts in arb_parts()) {
        let bundle = Bundle::from_parts(parts.clone(), &Limits::DEFAULT);
        prop_assert!(bundle.is_ok(), "{:?}", bundle.err());
        let bundle = bundle.unwrap();
        prop_assert_eq!(bundle.clone().into_parts(), parts);
        let json = bundle.to_json();
        let again = Bundle::from_json(json.as_bytes(), &Limits::DEFAULT);
        prop_assert_eq!(again.ok(), Some(bundle));
    }
}
