use super::*;
use crate::tlog::merkle::hash_leaf;
use crate::tlog::test_support::{b64, Case};
use proptest::prelude::*;

fn verify_case(case: &Case) -> Result<VerifiedCheckpoint, CheckpointError> {
    verify_checkpoint(case.checkpoint(), case.log(), &Limits::DEFAULT)
}

/// Checkpoint signature, then inclusion of the entry's body in the signed tree.
fn verify_case_inclusion(case: &Case) -> Result<(), String> {
    let checkpoint = verify_case(case).map_err(|e| format!("checkpoint: {e}"))?;
    let proof = &case.entry()["inclusionProof"];
    let hashes: Vec<[u8; 32]> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| b64(h).try_into().unwrap())
        .collect();
    let index = case.int(&proof["logIndex"]) as u64;
    checkpoint
        .verify_inclusion(index, &hash_leaf(&case.body()), &hashes)
        .map_err(|e| format!("inclusion: {e}"))
}

#[test]
fn conformance_checkpoint_cases() {
    let names = Case::names_with_prefix(&["checkpoint-", "rekor2-checkpoint-"]);
    assert_eq!(names.len(), 12, "{names:?}");
    for name in names {
        let case = Case::load(&name);
        let result = verify_case(&case);
        match name.as_str() {
            "checkpoint-bad-keyhint_fail" | "rekor2-checkpoint-no-matching-signature_fail" => {
                assert!(
                    matches!(result, Err(CheckpointError::NoLogSignature { .. })),
                    "{name}: {result:?}"
                )
            }
            "rekor2-checkpoint-missing-log-signature_fail" => {
                assert_eq!(result, Err(CheckpointError::NoSignatures), "{name}")
            }
            "rekor2-checkpoint-missing-origin_fail" => {
                assert_eq!(result, Err(CheckpointError::MissingOrigin), "{name}")
            }
            "rekor2-checkpoint-missing-root-hash_fail" => {
                assert_eq!(result, Err(CheckpointError::MissingRootHash), "{name}")
            }
            "rekor2-checkpoint-missing-size_fail" => {
                assert_eq!(result, Err(CheckpointError::MissingTreeSize), "{name}")
            }
            // Self-consistent and validly signed: it fails only when the entry's inclusion
            // proof is checked against the signed root.
            "checkpoint-wrong-roothash_fail" => {
                assert!(result.is_ok(), "{name}: {result:?}");
                let err = verify_case_inclusion(&case).unwrap_err();
                assert!(err.starts_with("inclusion"), "{name}: {err}");
            }
            _ => {
                assert!(!name.ends_with("_fail"), "{name} not classified");
                let cp = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(cp.origin(), "log2025-alpha1.rekor.sigstage.dev");
                assert_eq!(cp.tree_size(), 736);
                verify_case_inclusion(&case).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}

/// Every conformance bundle with a checkpoint: which ones this layer rejects.
#[test]
fn conformance_sweep() {
    // Starred cases fail here because their body was edited after logging (its leaf is not
    // in the tree), and are rejected by the body/bundle layers too.
    let rejected_here = [
        "bundle-invalid-base64-signature_fail", // *
        "checkpoint-bad-keyhint_fail",
        "checkpoint-wrong-roothash_fail",
        "inclusion-proof-corrupted-hash_fail",
        "incorrect-public-key_fail", // *
        "invalid-checkpoint-signature_fail",
        "invalid-inclusion-proof_fail",
        "rekor2-checkpoint-missing-log-signature_fail",
        "rekor2-checkpoint-missing-origin_fail",
        "rekor2-checkpoint-missing-root-hash_fail",
        "rekor2-checkpoint-missing-size_fail",
        "rekor2-checkpoint-no-matching-signature_fail",
    ];
    let mut checked = 0;
    let mut wrong = Vec::new();
    for name in Case::names_with_prefix(&[""]) {
        if name == "bundle-malformed-json_fail" {
            continue;
        }
        let case = Case::load(&name);
        let id = b64(&case.entry()["logId"]["keyId"]);
        let known_log = case.root.as_ref().is_some_and(|r| r.tlog(&id).is_some());
        if case.entry()["inclusionProof"]["checkpoint"].is_null() || !known_log {
            // No checkpoint, or a log the root does not know: decided by other layers.
            continue;
        }
        checked += 1;
        let result = verify_case_inclusion(&case);
        if result.is_err() != rejected_here.contains(&name.as_str()) {
            wrong.push(format!("{name}: {result:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(checked > 50, "{checked}");
}

#[test]
fn invalid_signature_from_log_key_is_rejected() {
    let case = Case::load("invalid-checkpoint-signature_fail");
    assert!(matches!(
        verify_case(&case),
        Err(CheckpointError::InvalidLogSignature { .. })
    ));
}

#[test]
fn rekor_v1_checkpoint_has_tree_id_origin_and_extension() {
    let case = Case::load("happy-path-v0.3");
    let parsed = parse_checkpoint(case.checkpoint(), &Limits::DEFAULT).unwrap();
    assert_eq!(parsed.signatures.len(), 1);
    let cp = parsed.verify(case.log()).unwrap();
    assert_eq!(cp.origin(), "rekor.sigstore.dev - 2605736670972794746");
    assert_eq!(cp.key_name(), "rekor.sigstore.dev");
    let ext = Case::load("invalid-checkpoint-signature_fail");
    let parsed = parse_checkpoint(ext.checkpoint(), &Limits::DEFAULT).unwrap();
    assert_eq!(parsed.extension_lines, ["Timestamp: 1689177396617352539"]);
}

#[test]
fn editing_the_signed_text_breaks_the_signature() {
    let case = Case::load("rekor2-happy-path");
    let edited = case.checkpoint().replacen("\n736\n", "\n737\n", 1);
    assert!(matches!(
        verify_checkpoint(&edited, case.log(), &Limits::DEFAULT),
        Err(CheckpointError::InvalidLogSignature { .. })
    ));
}

#[test]
fn wrong_log_finds_no_signature() {
    let v1 = Case::load("happy-path-v0.3");
    let v2 = Case::load("rekor2-happy-path");
    assert!(matches!(
        verify_checkpoint(v1.checkpoint(), v2.log(), &Limits::DEFAULT),
        Err(CheckpointError::NoLogSignature { .. })
    ));
    assert!(matches!(
        verify_checkpoint(v2.checkpoint(), v1.log(), &Limits::DEFAULT),
        Err(CheckpointError::NoLogSignature { .. })
    ));
}

#[test]
fn unusable_log_key_is_reported() {
    let case = Case::load("rekor2-happy-path");
    let mut log = case.log().clone();
    log.key = Err(CryptoError::MalformedKey("test"));
    assert!(matches!(
        verify_checkpoint(case.checkpoint(), &log, &Limits::DEFAULT),
        Err(CheckpointError::LogKeyUnusable(_))
    ));
}

#[test]
fn ed25519_hint_follows_c2sp() {
    // The Rekor v2 staging log: its log id is the full C2SP key hash under its host name.
    let case = Case::load("rekor2-happy-path");
    let log = case.log();
    let key = log.key.as_ref().unwrap();
    let hint = key_hint(key, "log2025-alpha1.rekor.sigstage.dev").unwrap();
    assert_eq!(&hint[..], &log.log_id.0[..4]);
    assert_ne!(
        key_hint(key, "log2025-alpha1.rekor.github.dev").unwrap(),
        hint
    );
    // ECDSA: the first bytes of the log id (SHA-256 of the SPKI), whatever the name.
    let v1 = Case::load("happy-path-v0.3");
    let key = v1.log().key.as_ref().unwrap();
    assert_eq!(&key_hint(key, "any").unwrap()[..], &v1.log().log_id.0[..4]);
}

const SIG: &str = "— log.example AAAAAAE=\n";
const ROOT: &str = "rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=";

fn parse(text: &str) -> Result<SignedCheckpoint, CheckpointError> {
    parse_checkpoint(text, &Limits::DEFAULT)
}

#[test]
fn parse_rejects_malformed_notes() {
    use CheckpointError::*;
    let ok = format!("log.example\n7\n{ROOT}\n\n{SIG}");
    parse(&ok).unwrap();
    let cases: Vec<(String, CheckpointError)> = vec![
        (ok.replace('7', "7\r"), ControlCharacter { offset: 13 }),
        (ok.replace("\n\n", "\n"), NoSeparator),
        (ok.trim_end().to_owned(), MissingFinalNewline),
        (format!("log.example\n7\n{ROOT}\n\n"), NoSignatures),
        (ok.replace("— ", "- "), MalformedSignatureLine { line: 1 }),
        (
            ok.replace("AAAAAAE=", "AAAAAAE= x"),
            MalformedSignatureLine { line: 1 },
        ),
        (ok.replace("— log.", "— +log."), BadKeyName { line: 1 }),
        (ok.replace("— log.example", "— "), BadKeyName { line: 1 }),
        (
            ok.replace("AAAAAAE=", "AAAA"),
            BadSignatureEncoding { line: 1 },
        ),
        (
            ok.replace("AAAAAAE=", "AAAAAAE"),
            BadSignatureEncoding { line: 1 },
        ),
        (
            ok.replace("AAAAAAE=", "!!!!"),
            BadSignatureEncoding { line: 1 },
        ),
        (ok.replace("\n7\n", "\n07\n"), BadTreeSize("07".into())),
        (ok.replace("\n7\n", "\n-7\n"), BadTreeSize("-7".into())),
        (
            ok.replace("\n7\n", "\n18446744073709551616\n"),
            BadTreeSize("18446744073709551616".into()),
        ),
        (ok.replace(ROOT, "AAAA"), BadRootHash("AAAA".into())),
        (format!("\n7\n{ROOT}\n\n{SIG}"), MissingOrigin),
        (format!("log.example\n\n{ROOT}\n\n{SIG}"), MissingTreeSize),
        (format!("7\n{ROOT}\n\n{SIG}"), MissingOrigin),
        (format!("log.example\n{ROOT}\n\n{SIG}"), MissingTreeSize),
        (format!("log.example\n7\n\n{SIG}"), MissingRootHash),
        (format!("log.example\n\n{SIG}"), TooFewLines { got: 1 }),
        // Two lines that are neither size nor hash: a count, not a named part.
        (format!("log.example\nx\n\n{SIG}"), TooFewLines { got: 2 }),
        (format!("\n\n{SIG}"), MissingOrigin),
        // Rust's integer parser takes a leading '+'; tlog-checkpoint does not.
        (ok.replace("\n7\n", "\n+7\n"), BadTreeSize("+7".into())),
    ];
    for (text, want) in cases {
        assert_eq!(parse(&text), Err(want), "{text:?}");
    }
    // The blank line that ends the text is the last one: an empty line inside the text makes
    // the text fail the checkpoint shape rather than move the split.
    let inner_blank = format!("log.example\n7\n{ROOT}\nx\n\nx\n\n{SIG}");
    assert_eq!(
        parse(&inner_blank),
        Err(CheckpointError::EmptyExtensionLine { line: 5 })
    );
}

#[test]
fn tree_size_is_plain_decimal() {
    // An empty tree is a tree: "0" is the one size that may start with a zero.
    assert_eq!(parse_size("0"), Some(0));
    assert_eq!(parse_size("10"), Some(10));
    for bad in ["", "00", "01", "+1", " 1", "1a"] {
        assert_eq!(parse_size(bad), None, "{bad:?}");
    }
}

#[test]
fn parse_enforces_limits() {
    let limits = Limits {
        max_checkpoint_signatures: 2,
        ..Limits::DEFAULT
    };
    let two = format!("log.example\n7\n{ROOT}\n\n{SIG}{SIG}");
    parse_checkpoint(&two, &limits).unwrap();
    let three = format!("log.example\n7\n{ROOT}\n\n{SIG}{SIG}{SIG}");
    assert_eq!(
        parse_checkpoint(&three, &limits),
        Err(CheckpointError::TooManySignatures { max: 2 })
    );
    let ext_at_limit = format!("log.example\n7\n{ROOT}\na\nb\n\n{SIG}");
    assert_eq!(
        parse_checkpoint(&ext_at_limit, &limits)
            .unwrap()
            .extension_lines,
        ["a", "b"]
    );
    let ext = format!("log.example\n7\n{ROOT}\na\nb\nc\n\n{SIG}");
    assert_eq!(
        parse_checkpoint(&ext, &limits),
        Err(CheckpointError::TooManyExtensionLines { max: 2 })
    );
    let huge = "x".repeat(MAX_CHECKPOINT_BYTES + 1);
    assert!(matches!(
        parse(&huge),
        Err(CheckpointError::TooLarge { .. })
    ));
    // Room for 64 post-quantum signature lines (a few KiB each): 256 KiB is not too large.
    let large = "x".repeat(256 * 1024);
    assert_eq!(parse(&large), Err(CheckpointError::NoSeparator));
    let at_limit = "x".repeat(MAX_CHECKPOINT_BYTES);
    assert_eq!(parse(&at_limit), Err(CheckpointError::NoSeparator));
}

#[test]
fn origin_binding() {
    assert!(origin_belongs_to("log.example", "log.example"));
    assert!(origin_belongs_to(
        "rekor.sigstore.dev - 123",
        "rekor.sigstore.dev"
    ));
    assert!(!origin_belongs_to(
        "rekor.sigstore.dev - ",
        "rekor.sigstore.dev"
    ));
    assert!(!origin_belongs_to(
        "rekor.sigstore.dev - 12a",
        "rekor.sigstore.dev"
    ));
    assert!(!origin_belongs_to(
        "rekor.sigstore.devx",
        "rekor.sigstore.dev"
    ));
    assert!(!origin_belongs_to("other.example", "log.example"));
}

/// Checkpoints signed in the test, to reach checks real data cannot (aws-lc signs).
#[cfg(feature = "aws-lc")]
mod signed {
    use super::*;
    use crate::trust_root::{LogId, ValidityPeriod};
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};

    enum Signer {
        Ed(Ed25519KeyPair),
        Ec(EcdsaKeyPair),
    }

    impl Signer {
        fn ed25519() -> Signer {
            Signer::Ed(Ed25519KeyPair::generate().unwrap())
        }
        fn p256() -> Signer {
            Signer::Ec(EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap())
        }
        fn spki(&self) -> Vec<u8> {
            match self {
                Signer::Ed(k) => {
                    let mut der = hex("302a300506032b6570032100");
                    der.extend_from_slice(k.public_key().as_ref());
                    der
                }
                Signer::Ec(k) => {
                    let mut der = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
                    der.extend_from_slice(k.public_key().as_ref());
                    der
                }
            }
        }
        fn log(&self) -> TransparencyLog {
            let der = self.spki();
            TransparencyLog {
                base_url: "https://log.example".into(),
                log_id: LogId(crate::crypto::sha256(&der).to_vec()),
                hash_algorithm: crate::crypto::HashAlgorithm::Sha256,
                key: PublicKey::from_spki_der(&der),
                key_der: der,
                validity: ValidityPeriod {
                    start: None,
                    end: None,
                },
            }
        }
        fn hint(&self, name: &str) -> [u8; 4] {
            key_hint(&PublicKey::from_spki_der(&self.spki()).unwrap(), name).unwrap()
        }
        fn line(&self, name: &str, text: &str) -> String {
            self.line_with_hint(name, text, self.hint(name))
        }
        fn line_with_hint(&self, name: &str, text: &str, hint: [u8; 4]) -> String {
            let mut bytes = hint.to_vec();
            match self {
                Signer::Ed(k) => bytes.extend_from_slice(k.sign(text.as_bytes()).as_ref()),
                Signer::Ec(k) => bytes.extend_from_slice(
                    k.sign(&SystemRandom::new(), text.as_bytes())
                        .unwrap()
                        .as_ref(),
                ),
            }
            format!("— {name} {}\n", STANDARD.encode(bytes))
        }
    }

    fn hex(s: &str) -> Vec<u8> {
        crate::encoding::hex_decode(s).unwrap()
    }

    fn body(origin: &str) -> String {
        format!("{origin}\n42\n{ROOT}\n")
    }

    #[test]
    fn ed25519_origin_must_be_the_key_name() {
        let signer = Signer::ed25519();
        let text = body("log.example");
        let note = format!("{text}\n{}", signer.line("log.example", &text));
        let cp = verify_checkpoint(&note, &signer.log(), &Limits::DEFAULT).unwrap();
        assert_eq!((cp.origin(), cp.tree_size()), ("log.example", 42));
        assert_eq!(cp.root_hash(), &parse_hash(ROOT).unwrap());

        let text = body("other.example");
        let note = format!("{text}\n{}", signer.line("log.example", &text));
        assert_eq!(
            verify_checkpoint(&note, &signer.log(), &Limits::DEFAULT),
            Err(CheckpointError::OriginMismatch {
                origin: "other.example".into(),
                key_name: "log.example".into()
            })
        );
    }

    #[test]
    fn ecdsa_accepts_rekor_v1_shard_origin_only() {
        let signer = Signer::p256();
        let text = body("log.example - 1193050959916656506");
        let note = format!("{text}\n{}", signer.line("log.example", &text));
        verify_checkpoint(&note, &signer.log(), &Limits::DEFAULT).unwrap();
        let text = body("elsewhere.example - 1");
        let note = format!("{text}\n{}", signer.line("log.example", &text));
        assert!(matches!(
            verify_checkpoint(&note, &signer.log(), &Limits::DEFAULT),
            Err(CheckpointError::OriginMismatch { .. })
        ));
    }

    #[test]
    fn foreign_lines_are_ignored_but_bad_log_lines_reject() {
        let log_signer = Signer::ed25519();
        let witness = Signer::ed25519();
        let text = body("log.example");
        let good = log_signer.line("log.example", &text);
        let cosig = witness.line("witness.example", &text);
        // A witness line first, the log's second: still accepted.
        let note = format!("{text}\n{cosig}{good}");
        verify_checkpoint(&note, &log_signer.log(), &Limits::DEFAULT).unwrap();
        // Only the witness signed: no log signature.
        let note = format!("{text}\n{cosig}");
        assert!(matches!(
            verify_checkpoint(&note, &log_signer.log(), &Limits::DEFAULT),
            Err(CheckpointError::NoLogSignature { .. })
        ));
        // A line with the log's name and hint whose signature is wrong rejects the note even
        // next to a good one.
        let forged = witness.line_with_hint("log.example", &text, log_signer.hint("log.example"));
        let note = format!("{text}\n{good}{forged}");
        assert!(matches!(
            verify_checkpoint(&note, &log_signer.log(), &Limits::DEFAULT),
            Err(CheckpointError::InvalidLogSignature { .. })
        ));
    }
}

proptest! {
    #[test]
    fn parse_never_panics(text in "(?s).{0,300}") {
        let _ = parse(&text);
    }

    #[test]
    fn parse_never_panics_on_near_valid(
        origin in "[ -~]{0,20}", size in "[0-9]{0,22}", ext in "[ -~\n]{0,30}",
        name in "[ -~]{0,12}", sig in "[A-Za-z0-9+/=]{0,16}",
    ) {
        let _ = parse(&format!("{origin}\n{size}\n{ROOT}\n{ext}\n\n— {name} {sig}\n"));
    }

    #[test]
    fn round_trips(
        origin in "[a-z.]{1,20}( - [0-9]{1,19})?", size in any::<u64>(),
        root in any::<[u8; 32]>(), ext in proptest::collection::vec("[!-~]{1,10}", 0..4),
        sigs in proptest::collection::vec(("[a-z./]{1,12}", any::<[u8; 4]>(),
            proptest::collection::vec(any::<u8>(), 1..80)), 1..5),
    ) {
        let mut text = format!("{origin}\n{size}\n{}\n", STANDARD.encode(root));
        for line in &ext {
            text.push_str(line);
            text.push('\n');
        }
        let mut note = format!("{text}\n");
        for (name, hint, sig) in &sigs {
            let mut bytes = hint.to_vec();
            bytes.extend_from_slice(sig);
            note.push_str(&format!("— {name} {}\n", STANDARD.encode(bytes)));
        }
        let parsed = parse(&note).unwrap();
        prop_assert_eq!(parsed.note_text, text);
        prop_assert_eq!(parsed.origin, origin);
        prop_assert_eq!(parsed.tree_size, size);
        prop_assert_eq!(parsed.root_hash.0, root);
        prop_assert_eq!(parsed.extension_lines, ext);
        let got: Vec<_> = parsed.signatures.iter()
            .map(|s| (s.name.clone(), s.key_hint, s.signature.clone())).collect();
        let want: Vec<_> = sigs.iter().map(|(n, h, s)| (n.clone(), *h, s.clone())).collect();
        prop_assert_eq!(got, want);
    }
}
