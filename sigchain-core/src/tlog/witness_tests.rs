use super::*;
use crate::crypto::Sha256Digest;
use crate::trust_root::{LogId, ValidityPeriod};
use ed25519_dalek::{Signer as _, SigningKey};
use proptest::prelude::*;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/witness");
const ROOT: &str = "rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=";
const TIME: u64 = 1_700_000_000;

/// An Ed25519 key from a fixed seed, signing as a log (type 0x01) or a witness (0x04).
struct Signer {
    name: String,
    key: SigningKey,
}

impl Signer {
    fn new(name: &str, seed: u8) -> Signer {
        Signer {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&[seed; 32]),
        }
    }

    fn raw(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    fn witness(&self) -> WitnessKey {
        WitnessKey::from_ed25519(&self.name, &self.raw()).unwrap()
    }

    fn log(&self) -> TransparencyLog {
        ed25519_log(&self.raw())
    }

    /// A cosignature/v1 line over `text`, stating `time`.
    fn cosign(&self, text: &str, time: u64) -> String {
        self.cosign_with(&self.name, self.witness().key_hint(), time, time, text)
    }

    /// A cosignature line with every part chosen by the test: the name and hint written, the
    /// time written and the time actually signed, and the text signed.
    fn cosign_with(
        &self,
        name: &str,
        hint: [u8; 4],
        written_time: u64,
        signed_time: u64,
        text: &str,
    ) -> String {
        let signature = self.key.sign(&cosigned_message(signed_time, text));
        let mut bytes = hint.to_vec();
        bytes.extend_from_slice(&written_time.to_be_bytes());
        bytes.extend_from_slice(&signature.to_bytes());
        format!("— {name} {}\n", STANDARD.encode(bytes))
    }

    /// A plain Ed25519 signed-note line (type 0x01) over `text`, as a log signs.
    fn note_line(&self, text: &str) -> String {
        let hint = crate::tlog::key_hint(&self.log().key.unwrap(), &self.name).unwrap();
        let mut bytes = hint.to_vec();
        bytes.extend_from_slice(&self.key.sign(text.as_bytes()).to_bytes());
        format!("— {} {}\n", self.name, STANDARD.encode(bytes))
    }
}

fn ed25519_log(raw: &[u8; 32]) -> TransparencyLog {
    let mut der = ED25519_SPKI_PREFIX.to_vec();
    der.extend_from_slice(raw);
    TransparencyLog {
        base_url: "https://log.example".into(),
        log_id: LogId(crate::crypto::sha256(&der).to_vec()),
        hash_algorithm: HashAlgorithm::Sha256,
        key: PublicKey::from_spki_der(&der),
        key_der: der,
        validity: ValidityPeriod {
            start: None,
            end: None,
        },
    }
}

fn body(size: u64) -> String {
    format!("log.example\n{size}\n{ROOT}\n")
}

fn checkpoint(text: &str, lines: &[String]) -> SignedCheckpoint {
    parse_checkpoint(&format!("{text}\n{}", lines.concat()), &Limits::DEFAULT).unwrap()
}

struct Setup {
    log: Signer,
    w: [Signer; 3],
}

fn setup() -> Setup {
    Setup {
        log: Signer::new("log.example", 1),
        w: [
            Signer::new("w1.example", 11),
            Signer::new("w2.example", 12),
            Signer::new("w3.example/witness", 13),
        ],
    }
}

impl Setup {
    fn policy(&self, threshold: usize) -> WitnessPolicy {
        WitnessPolicy::new(self.w.iter().map(Signer::witness).collect(), threshold).unwrap()
    }
}

fn names(cosignatures: &[VerifiedCosignature]) -> Vec<&str> {
    cosignatures.iter().map(|c| c.witness()).collect()
}

#[test]
fn two_of_three_cosigned_with_the_log_signature() {
    let s = setup();
    let text = body(42);
    let cp = checkpoint(
        &text,
        &[
            s.log.note_line(&text),
            s.w[2].cosign(&text, TIME),
            s.w[0].cosign(&text, TIME + 5),
        ],
    );
    let witnessed = cp.verify_witnessed(&s.log.log(), &s.policy(2)).unwrap();
    assert_eq!(witnessed.checkpoint().tree_size(), 42);
    assert_eq!(
        names(witnessed.cosignatures()),
        ["w3.example/witness", "w1.example"]
    );
    assert_eq!(
        witnessed.cosignatures()[1].timestamp(),
        Timestamp(TIME as i64 + 5)
    );
    // One more than cosigned: rejected, naming who is missing.
    assert_eq!(
        cp.verify_cosignatures(&s.policy(3)),
        Err(WitnessError::TooFewCosignatures {
            required: 3,
            verified: 2,
            missing: vec!["w2.example".into()],
        })
    );
}

#[test]
fn log_signature_is_still_required() {
    let s = setup();
    let text = body(42);
    let cosigs: Vec<String> = s.w.iter().map(|w| w.cosign(&text, TIME)).collect();
    let cp = checkpoint(&text, &cosigs);
    assert_eq!(cp.verify_cosignatures(&s.policy(3)).unwrap().len(), 3);
    assert!(matches!(
        cp.verify_witnessed(&s.log.log(), &s.policy(1)),
        Err(WitnessError::Checkpoint(
            CheckpointError::NoLogSignature { .. }
        ))
    ));
    let note = format!("{text}\n{}", cosigs.concat());
    assert!(matches!(
        verify_witnessed_checkpoint(&note, &s.log.log(), &s.policy(1), &Limits::DEFAULT),
        Err(WitnessError::Checkpoint(_))
    ));
}

#[test]
fn a_bad_line_from_a_named_witness_rejects() {
    let s = setup();
    let text = body(42);
    let other = body(43);
    let hint = s.w[1].witness().key_hint();
    let invalid = |line: String| {
        let cp = checkpoint(&text, &[s.w[0].cosign(&text, TIME), line]);
        assert_eq!(
            cp.verify_cosignatures(&s.policy(1)),
            Err(WitnessError::InvalidCosignature {
                witness: "w2.example".into()
            })
        );
    };
    // Over another checkpoint's text.
    invalid(s.w[1].cosign(&other, TIME));
    // The time written is not the time signed.
    invalid(s.w[1].cosign_with("w2.example", hint, TIME + 1, TIME, &text));
    // Made by another key under w2's name and hint.
    invalid(s.w[2].cosign_with("w2.example", hint, TIME, TIME, &text));
    // A plain note signature (no cosignature/v1 header) under the cosignature hint.
    let mut bytes = hint.to_vec();
    bytes.extend_from_slice(&TIME.to_be_bytes());
    bytes.extend_from_slice(&s.w[1].key.sign(text.as_bytes()).to_bytes());
    invalid(format!("— w2.example {}\n", STANDARD.encode(bytes)));
}

#[test]
fn lines_not_matching_name_and_hint_are_ignored() {
    let s = setup();
    let text = body(42);
    let w1 = &s.w[0];
    // Hint of w1 under another name; w1's name with w2's hint; w1's plain Ed25519 (type 0x01)
    // note signature, whose hint differs; and a key the policy does not name.
    let stranger = Signer::new("w1.example", 99);
    let lines = [
        w1.cosign_with("w9.example", w1.witness().key_hint(), TIME, TIME, &text),
        w1.cosign_with("w1.example", s.w[1].witness().key_hint(), TIME, TIME, &text),
        w1.note_line(&text),
        stranger.cosign(&text, TIME),
        s.log.note_line(&text),
    ];
    let cp = checkpoint(&text, &lines);
    assert_eq!(
        cp.verify_cosignatures(&s.policy(1)),
        Err(WitnessError::TooFewCosignatures {
            required: 1,
            verified: 0,
            missing: vec![
                "w1.example".into(),
                "w2.example".into(),
                "w3.example/witness".into()
            ],
        })
    );
}

#[test]
fn a_witness_counts_once() {
    let s = setup();
    let text = body(42);
    let cp = checkpoint(
        &text,
        &[s.w[0].cosign(&text, TIME), s.w[0].cosign(&text, TIME + 60)],
    );
    assert_eq!(
        cp.verify_cosignatures(&s.policy(2)),
        Err(WitnessError::TooFewCosignatures {
            required: 2,
            verified: 1,
            missing: vec!["w2.example".into(), "w3.example/witness".into()],
        })
    );
    let got = cp.verify_cosignatures(&s.policy(1)).unwrap();
    assert_eq!(names(&got), ["w1.example"]);
    assert_eq!(got[0].timestamp(), Timestamp(TIME as i64));
    // Every line of a counted witness is still checked.
    let hint = s.w[0].witness().key_hint();
    let cp = checkpoint(
        &text,
        &[
            s.w[0].cosign(&text, TIME),
            s.w[0].cosign_with("w1.example", hint, TIME + 1, TIME, &text),
        ],
    );
    assert!(matches!(
        cp.verify_cosignatures(&s.policy(1)),
        Err(WitnessError::InvalidCosignature { .. })
    ));
}

#[test]
fn cosignature_bytes_are_checked() {
    let s = setup();
    let text = body(42);
    let w1 = &s.w[0];
    let hint = w1.witness().key_hint();
    let with_bytes = |payload: Vec<u8>| {
        let mut bytes = hint.to_vec();
        bytes.extend_from_slice(&payload);
        checkpoint(
            &text,
            &[format!("— w1.example {}\n", STANDARD.encode(bytes))],
        )
        .verify_cosignatures(&s.policy(1))
    };
    for len in [1, 8, 64, 71, 73, 200] {
        assert_eq!(
            with_bytes(vec![0; len]),
            Err(WitnessError::MalformedCosignature {
                witness: "w1.example".into(),
                len
            })
        );
    }
    // A timestamp over 2^63 - 1, validly signed: refused for its range, not its signature.
    let huge = 1u64 << 63;
    let line = w1.cosign_with("w1.example", hint, huge, huge, &text);
    assert_eq!(
        checkpoint(&text, &[line]).verify_cosignatures(&s.policy(1)),
        Err(WitnessError::TimestampOutOfRange {
            witness: "w1.example".into(),
            timestamp: huge
        })
    );
    let max = i64::MAX as u64;
    let line = w1.cosign_with("w1.example", hint, max, max, &text);
    let got = checkpoint(&text, &[line])
        .verify_cosignatures(&s.policy(1))
        .unwrap();
    assert_eq!(got[0].timestamp(), Timestamp(i64::MAX));
}

#[test]
fn extension_lines_are_cosigned() {
    let s = setup();
    let text = format!("{}Timestamp: 1\n", body(42));
    let line = s.w[0].cosign(&text, TIME);
    checkpoint(&text, std::slice::from_ref(&line))
        .verify_cosignatures(&s.policy(1))
        .unwrap();
    let edited = format!("{}Timestamp: 2\n", body(42));
    assert!(matches!(
        checkpoint(&edited, &[line]).verify_cosignatures(&s.policy(1)),
        Err(WitnessError::InvalidCosignature { .. })
    ));
}

#[test]
fn policy_bounds() {
    let s = setup();
    let keys: Vec<WitnessKey> = s.w.iter().map(Signer::witness).collect();
    assert_eq!(
        WitnessPolicy::new(keys.clone(), 0),
        Err(WitnessPolicyError::ZeroThreshold)
    );
    assert_eq!(
        WitnessPolicy::new(keys.clone(), 4),
        Err(WitnessPolicyError::ThresholdUnreachable {
            threshold: 4,
            witnesses: 3
        })
    );
    assert_eq!(
        WitnessPolicy::new(Vec::new(), 1),
        Err(WitnessPolicyError::ThresholdUnreachable {
            threshold: 1,
            witnesses: 0
        })
    );
    // One key under two names: one signature would count for both (the name is not signed).
    let alias = WitnessKey::from_ed25519("alias.example", &s.w[0].raw()).unwrap();
    assert_eq!(
        WitnessPolicy::new(vec![keys[0].clone(), keys[1].clone(), alias], 2),
        Err(WitnessPolicyError::DuplicateKey {
            first: "w1.example".into(),
            second: "alias.example".into()
        })
    );
    let many: Vec<WitnessKey> = (0..=MAX_WITNESSES)
        .map(|i| Signer::new(&format!("w{i}"), i as u8).witness())
        .collect();
    assert_eq!(
        WitnessPolicy::new(many[..MAX_WITNESSES].to_vec(), 1)
            .unwrap()
            .witnesses()
            .len(),
        MAX_WITNESSES
    );
    assert_eq!(
        WitnessPolicy::new(many, 1),
        Err(WitnessPolicyError::TooManyWitnesses {
            count: MAX_WITNESSES + 1,
            max: MAX_WITNESSES
        })
    );
}

#[test]
fn vkey_round_trips_and_rejects_malformed_forms() {
    let w = Signer::new("witness.example/w1", 21).witness();
    let vkey = w.to_vkey();
    assert_eq!(WitnessKey::from_vkey(&vkey).unwrap(), w);
    let (name, rest) = vkey.split_once('+').unwrap();
    let (hint, key) = rest.split_once('+').unwrap();
    // Go writes the hint in lowercase; its parser takes either case, so do we.
    let upper = format!("{name}+{}+{key}", hint.to_uppercase());
    assert_eq!(WitnessKey::from_vkey(&upper).unwrap(), w);

    let typed = |t: u8, len: usize| STANDARD.encode([vec![t], vec![7; len]].concat());
    let cases: Vec<(String, VkeyError)> = vec![
        (String::new(), VkeyError::MissingPart),
        (name.to_owned(), VkeyError::MissingPart),
        (format!("{name}+{hint}"), VkeyError::MissingPart),
        (
            format!("+{hint}+{key}"),
            VkeyError::BadName {
                name: String::new(),
            },
        ),
        (
            format!("w 1+{hint}+{key}"),
            VkeyError::BadName { name: "w 1".into() },
        ),
        (
            format!("w\u{a0}1+{hint}+{key}"),
            VkeyError::BadName {
                name: "w\u{a0}1".into(),
            },
        ),
        (
            format!("w\u{7}+{hint}+{key}"),
            VkeyError::BadName {
                name: "w\u{7}".into(),
            },
        ),
        (
            format!("{name}+{}+{key}", &hint[..7]),
            VkeyError::BadHint {
                hint: hint[..7].into(),
            },
        ),
        (
            format!("{name}+{hint}0+{key}"),
            VkeyError::BadHint {
                hint: format!("{hint}0"),
            },
        ),
        (
            format!("{name}+zzzzzzzz+{key}"),
            VkeyError::BadHint {
                hint: "zzzzzzzz".into(),
            },
        ),
        (format!("{name}+{hint}+{key}!"), VkeyError::BadKeyEncoding),
        (
            // Padding is required: 0x04 and 31 key bytes would need one '='.
            format!("{name}+{hint}+{}", typed(0x04, 31).trim_end_matches('=')),
            VkeyError::BadKeyEncoding,
        ),
        (format!("{name}+{hint}+"), VkeyError::EmptyKey),
        (
            format!("{name}+{hint}+{}", typed(0x01, 32)),
            VkeyError::UnsupportedSignatureType {
                signature_type: 0x01,
            },
        ),
        (
            format!("{name}+{hint}+{}", typed(0x06, 1312)),
            VkeyError::UnsupportedSignatureType {
                signature_type: 0x06,
            },
        ),
        (
            format!("{name}+{hint}+{}", typed(0x04, 31)),
            VkeyError::BadKeyLength { len: 31 },
        ),
        (
            format!("{name}+{hint}+{}", typed(0x04, 33)),
            VkeyError::BadKeyLength { len: 33 },
        ),
        (
            format!("other.example+{hint}+{key}"),
            VkeyError::HintMismatch {
                stated: w.key_hint(),
                computed: WitnessKey::from_ed25519("other.example", w.raw_key())
                    .unwrap()
                    .key_hint(),
            },
        ),
        (
            format!("{}+{hint}+{key}", "n".repeat(MAX_VKEY_BYTES)),
            VkeyError::TooLong {
                len: MAX_VKEY_BYTES + hint.len() + key.len() + 2,
                max: MAX_VKEY_BYTES,
            },
        ),
    ];
    for (text, want) in cases {
        assert_eq!(WitnessKey::from_vkey(&text), Err(want), "{text:?}");
    }
    assert!(matches!(
        WitnessKey::from_ed25519("a+b", &[1; 32]),
        Err(VkeyError::BadName { .. })
    ));
}

/// Real cosignatures by the Sigsum test witnesses on two tree heads of the Sigsum test log
/// (tests/data/witness/README.md says where they come from).
#[test]
fn known_answer_sigsum_test_witnesses() {
    let read = |file: &str| std::fs::read_to_string(format!("{DATA}/{file}")).unwrap();
    let witnesses: Vec<WitnessKey> = read("witnesses.vkeys")
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    // The log's key is a plain Ed25519 note key (type 0x01): a log key, not a cosigner key.
    let log_vkey = read("log.vkey");
    assert_eq!(
        WitnessKey::from_vkey(log_vkey.trim_end()),
        Err(VkeyError::UnsupportedSignatureType {
            signature_type: 0x01
        })
    );
    // Its key part has a '+' of its own: the key is everything after the second '+'.
    let log_key = STANDARD
        .decode(log_vkey.trim_end().splitn(3, '+').nth(2).unwrap())
        .unwrap();
    let log = ed25519_log(log_key[1..].try_into().unwrap());
    let policy = WitnessPolicy::new(witnesses, 3).unwrap();
    for (file, size, time) in [
        ("barreleye-930.note", 930, 1749045854),
        ("barreleye-1329.note", 1329, 1750089614),
    ] {
        let witnessed =
            verify_witnessed_checkpoint(&read(file), &log, &policy, &Limits::DEFAULT).unwrap();
        assert_eq!(witnessed.checkpoint().tree_size(), size, "{file}");
        assert_eq!(
            names(witnessed.cosignatures()),
            ["sigsum-test1", "sigsum-test2", "sigsum-test3"]
        );
        assert!(witnessed
            .cosignatures()
            .iter()
            .all(|c| c.timestamp() == Timestamp(time)));
    }
    // The 930 cosignatures moved onto the 1329 checkpoint: valid lines, wrong text.
    let old = parse_checkpoint(&read("barreleye-930.note"), &Limits::DEFAULT).unwrap();
    let mut moved = parse_checkpoint(&read("barreleye-1329.note"), &Limits::DEFAULT).unwrap();
    moved.signatures = old.signatures;
    assert_eq!(
        moved.verify_cosignatures(&policy),
        Err(WitnessError::InvalidCosignature {
            witness: "sigsum-test1".into()
        })
    );
    // The same signatures still verify once the root is back to the 930 tree.
    moved.note_text = old.note_text;
    moved.root_hash = Sha256Digest(old.root_hash.0);
    assert_eq!(moved.verify_cosignatures(&policy).unwrap().len(), 3);
}

proptest! {
    #[test]
    fn vkey_parser_never_panics(text in "(?s).{0,200}") {
        let _ = WitnessKey::from_vkey(&text);
    }

    #[test]
    fn vkey_parser_never_panics_on_near_valid(
        name in "[ -~]{0,12}", hint in "[0-9a-fA-Fg]{0,10}", key in "[A-Za-z0-9+/=]{0,60}",
    ) {
        let _ = WitnessKey::from_vkey(&format!("{name}+{hint}+{key}"));
    }

    #[test]
    fn cosignature_decoding_never_panics(
        payload in proptest::collection::vec(any::<u8>(), 1..120),
        text_size in any::<u64>(),
    ) {
        // A line that matches a policy witness, so its bytes reach the decoder.
        let s = setup();
        let mut bytes = s.w[0].witness().key_hint().to_vec();
        bytes.extend_from_slice(&payload);
        let text = body(text_size);
        let line = format!("— w1.example {}\n", STANDARD.encode(bytes));
        let result = checkpoint(&text, &[line]).verify_cosignatures(&s.policy(1));
        prop_assert!(result.is_err());
    }

    #[test]
    fn vkeys_round_trip(name in "[!-*,-~]{1,30}", raw in any::<[u8; 32]>()) {
        // Any 32 bytes may not be a valid point for every backend: only keys it takes.
        if let Ok(key) = WitnessKey::from_ed25519(&name, &raw) {
            prop_assert_eq!(WitnessKey::from_vkey(&key.to_vkey()), Ok(key));
        }
    }
}
