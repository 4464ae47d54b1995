//! The machine end to end against the in-process doubles, and each reply check failing.

use super::*;
use crate::identity::IdentityMatcher;
use crate::sign::test_double::{LeafOptions, SctMode, Services, OIDC_ISSUER};
use crate::sign::timestamp::TimestampReplyError;
use crate::verify::VerifiedSigner;

const EMAIL: &str = "user@example.com";

fn identity() -> CertificateIdentity {
    CertificateIdentity::new(
        IdentityMatcher::exact(EMAIL),
        IdentityMatcher::exact(OIDC_ISSUER),
    )
}

fn options(rekor_version: RekorVersion, timestamp: bool, log_entries: usize) -> SigningOptions {
    SigningOptions {
        log_entries,
        rekor_version,
        timestamps: usize::from(timestamp),
        ..SigningOptions::default()
    }
}

fn keyless(services: &Services, content: Content, options: SigningOptions) -> Signing {
    Signing::keyless(
        &services.trusted_root(),
        SigningKey::generate_p256().unwrap(),
        content,
        identity(),
        options,
        services.now(),
    )
    .unwrap()
}

/// Answer every step honestly.
fn drive(services: &Services, signing: &mut Signing) -> Result<(), SigningError> {
    loop {
        match signing.step() {
            Step::Certificate(needed) => {
                let chain = services.issue(needed.public_key_pem(), EMAIL);
                signing.provide_certificate_chain(chain)?;
            }
            Step::Timestamp(request) => {
                let reply = services.timestamp(request.der());
                signing.provide_timestamp(&reply)?;
            }
            Step::LogEntry(needed) => {
                let entry = services.log(needed);
                signing.provide_log_entry(entry)?;
            }
            Step::Done(_) => return Ok(()),
            Step::Failed { reason, .. } => panic!("{reason}"),
        }
    }
}

fn statement(subject: &[u8]) -> Vec<u8> {
    serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "a.txt", "digest": {"sha256": Sha256Digest::of(subject).to_hex()}}],
        "predicateType": "https://example.com/predicate/v1",
        "predicate": {"built": true},
    })
    .to_string()
    .into_bytes()
}

#[test]
fn keyless_signing_end_to_end_in_every_configuration() {
    let services = Services::new();
    let contents = [
        Content::Artifact(b"hello".to_vec()),
        Content::ArtifactDigest(Sha256Digest::of(b"hello")),
        Content::InTotoStatement(statement(b"hello")),
    ];
    let configs = [
        options(RekorVersion::V1, false, 1),
        options(RekorVersion::V1, true, 1),
        options(RekorVersion::V2, true, 1),
        options(RekorVersion::V1, false, 2),
        options(RekorVersion::V2, true, 2),
        SigningOptions {
            timestamps: 2,
            ..options(RekorVersion::V2, true, 1)
        },
    ];
    for content in &contents {
        for config in &configs {
            let mut signing = keyless(&services, content.clone(), config.clone());
            drive(&services, &mut signing).unwrap_or_else(|e| panic!("{config:?}: {e}"));
            let signed = signing.into_bundle().unwrap();
            let bundle = signed.bundle();
            assert_eq!(bundle.version(), BundleVersion::V0_3);
            assert!(matches!(
                bundle.verification_material(),
                VerificationMaterial::Certificate(_)
            ));
            assert_eq!(bundle.tlog_entries().len(), config.log_entries);
            assert_eq!(bundle.timestamps().len(), config.timestamps);
            assert!(matches!(
                signed.verified().signer(),
                VerifiedSigner::Certificate(_)
            ));

            // What is written is what a verifier reads back and accepts.
            let json = signed.to_json();
            assert!(json.contains("application/vnd.dev.sigstore.bundle.v0.3+json"));
            let verifier = Verifier::new(&services.trusted_root(), VerifierConfig::default());
            let artifact = match content {
                Content::InTotoStatement(_) | Content::Artifact(_) => Artifact::Bytes(b"hello"),
                Content::ArtifactDigest(d) => Artifact::Sha256(*d),
            };
            verifier
                .verify_json(
                    json.as_bytes(),
                    &Policy::identity(artifact, identity()),
                    services.now(),
                )
                .unwrap();
        }
    }
}

#[test]
fn managed_key_signing_skips_the_ca() {
    let services = Services::new();
    let key = SigningKey::generate_p256().unwrap();
    let public = key.public_key().clone();
    let mut signing = Signing::with_key(
        &services.trusted_root(),
        key,
        Content::Artifact(b"hello".to_vec()),
        options(RekorVersion::V1, true, 1),
        services.now(),
    )
    .unwrap();
    assert!(matches!(signing.step(), Step::Timestamp(_)));
    assert!(matches!(
        signing.provide_certificate_chain(vec![]),
        Err(SigningError::OutOfOrder { .. })
    ));
    // The machine ended on the misplaced answer.
    assert!(matches!(signing.step(), Step::Failed { .. }));

    let mut signing = Signing::with_key(
        &services.trusted_root(),
        SigningKey::generate_p256().unwrap(),
        Content::InTotoStatement(statement(b"x")),
        options(RekorVersion::V2, true, 1),
        services.now(),
    )
    .unwrap();
    drive(&services, &mut signing).unwrap();
    let signed = signing.into_bundle().unwrap();
    assert!(matches!(
        signed.bundle().verification_material(),
        VerificationMaterial::PublicKey { .. }
    ));
    let _ = public;
}

#[test]
fn options_are_checked_up_front() {
    let services = Services::new();
    let new = |content: Content, options: SigningOptions, key: SigningKey| {
        Signing::keyless(
            &services.trusted_root(),
            key,
            content,
            identity(),
            options,
            services.now(),
        )
    };
    let p256 = || SigningKey::generate_p256().unwrap();
    let hello = || Content::Artifact(b"hello".to_vec());
    assert!(matches!(
        new(hello(), options(RekorVersion::V2, false, 1), p256()),
        Err(SigningError::TimestampRequiredForRekorV2)
    ));
    assert!(matches!(
        new(hello(), options(RekorVersion::V1, false, 0), p256()),
        Err(SigningError::LogEntryCount(0))
    ));
    assert!(matches!(
        new(hello(), options(RekorVersion::V1, false, 33), p256()),
        Err(SigningError::LogEntryCount(33))
    ));
    assert!(matches!(
        new(
            Content::InTotoStatement(b"{}".to_vec()),
            SigningOptions::default(),
            p256()
        ),
        Err(SigningError::Statement(_))
    ));
    let no_sha256 = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "a", "digest": {"sha512": "00"}}],
        "predicateType": "x",
    });
    assert!(matches!(
        new(
            Content::InTotoStatement(no_sha256.to_string().into_bytes()),
            SigningOptions::default(),
            p256()
        ),
        Err(SigningError::StatementWithoutSha256Subject) | Err(SigningError::Statement(_))
    ));
    let p384 = SigningKey::from_pem(
        "-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDRQBe/u9yR/m80YyUb
u0MP/aCaJXcZco6iLgP2EKULE2FaBdt2MRhW3chcG4L0znehZANiAARNpzo1OZyJ
mJ7kyt9Qn5QZvoLXxFdxuMep5CWFryN/GI8q2pDQchqVuXMTwl6kCoLX2GZ4Z4+Q
Q2IwaOCOMSL7nUadBAAcRTTGcPrTH5yaYUfJlmKGuUZZMFoNRnCm2sc=
-----END PRIVATE KEY-----",
    )
    .unwrap();
    assert!(matches!(
        new(hello(), SigningOptions::default(), p384),
        Err(SigningError::KeyUnfitForMessageSignature(_))
    ));
}

/// A keyless machine at its first step with a timestamp and two v1 entries.
fn fresh(services: &Services) -> Signing {
    keyless(
        services,
        Content::Artifact(b"hello".to_vec()),
        options(RekorVersion::V1, true, 2),
    )
}

fn certify(services: &Services, signing: &mut Signing) {
    let Step::Certificate(needed) = signing.step() else {
        panic!("not at the certificate step")
    };
    let chain = services.issue(needed.public_key_pem(), EMAIL);
    signing.provide_certificate_chain(chain).unwrap();
}

fn stamp(services: &Services, signing: &mut Signing) {
    let Step::Timestamp(request) = signing.step() else {
        panic!("not at the timestamp step")
    };
    let reply = services.timestamp(request.der());
    signing.provide_timestamp(&reply).unwrap();
}

fn needed(signing: &Signing) -> LogEntryNeeded {
    match signing.step() {
        Step::LogEntry(needed) => needed.clone(),
        other => panic!("not at a log step: {other:?}"),
    }
}

fn assert_ended(signing: &mut Signing) {
    assert!(matches!(signing.step(), Step::Failed { .. }));
    assert!(matches!(
        signing.provide_timestamp(b""),
        Err(SigningError::Ended { .. })
    ));
}

#[test]
fn answers_out_of_order_end_the_machine() {
    let services = Services::new();
    let mut signing = fresh(&services);
    assert!(matches!(
        signing.provide_timestamp(b"x"),
        Err(SigningError::OutOfOrder {
            expected: "a certificate chain",
            got: "a timestamp"
        })
    ));
    assert_ended(&mut signing);

    let mut signing = fresh(&services);
    let entry = services.log(&LogEntryNeeded {
        index: 0,
        count: 1,
        rekor_version: RekorVersion::V1,
        content: LogContent::Dsse {
            envelope_json: br#"{"payload":"","payloadType":"x","signatures":[{"sig":"AA=="}]}"#
                .to_vec(),
        },
        signer: LogSigner::PublicKey(Vec::new()),
    });
    assert!(matches!(
        signing.provide_log_entry(entry),
        Err(SigningError::OutOfOrder { .. })
    ));

    let signing = fresh(&services);
    assert!(matches!(
        signing.into_bundle(),
        Err(SigningError::OutOfOrder { .. })
    ));

    let mut signing = fresh(&services);
    certify(&services, &mut signing);
    assert!(matches!(
        signing.provide_certificate_chain(vec![]),
        Err(SigningError::OutOfOrder { .. })
    ));
    assert!(matches!(
        signing.into_bundle(),
        Err(SigningError::Ended { .. })
    ));
}

#[test]
fn certificate_failures_end_the_machine() {
    let services = Services::new();
    let rogue = Services::at(services.now());
    type Issue<'a> = Box<dyn Fn(&str) -> Vec<Vec<u8>> + 'a>;
    let cases: Vec<(&str, Issue<'_>)> = vec![
        ("unknown CA", Box::new(|pem| rogue.issue(pem, EMAIL))),
        (
            "wrong SAN",
            Box::new(|pem| services.issue(pem, "mallory@example.com")),
        ),
        (
            "wrong issuer",
            Box::new(|pem| {
                services.issue_with(&LeafOptions {
                    issuer: "https://evil.example".into(),
                    ..services.leaf_options(pem, EMAIL)
                })
            }),
        ),
        (
            "other key",
            Box::new(|_| {
                services.issue(
                    &SigningKey::generate_p256().unwrap().public_key_pem(),
                    EMAIL,
                )
            }),
        ),
        (
            "no SCT",
            Box::new(|pem| {
                services.issue_with(&LeafOptions {
                    sct: SctMode::Missing,
                    ..services.leaf_options(pem, EMAIL)
                })
            }),
        ),
    ];
    for (name, issue) in cases {
        let mut signing = fresh(&services);
        let Step::Certificate(needed) = signing.step() else {
            panic!()
        };
        let chain = issue(needed.public_key_pem());
        assert!(
            matches!(
                signing.provide_certificate_chain(chain),
                Err(SigningError::Certificate(_))
            ),
            "{name}"
        );
        assert_ended(&mut signing);
    }
}

#[test]
fn timestamp_failures_end_the_machine() {
    let services = Services::new();
    let rogue = Services::at(services.now());
    type Reply<'a> = Box<dyn Fn(&[u8]) -> Vec<u8> + 'a>;
    let cases: Vec<(&str, Reply<'_>)> = vec![
        ("untrusted TSA", Box::new(|der| rogue.timestamp(der))),
        (
            "not granted",
            Box::new(|der| services.timestamp_with_status(der, 2)),
        ),
        (
            "other nonce",
            Box::new(|der| {
                services.timestamp_with(der, |i| i.nonce = Some(der::asn1::Int::new(&[5]).unwrap()))
            }),
        ),
        (
            "other imprint",
            Box::new(|der| {
                services.timestamp_with(der, |i| {
                    i.message_imprint.hashed_message =
                        der::asn1::OctetString::new(vec![0u8; 32]).unwrap()
                })
            }),
        ),
        ("garbage", Box::new(|_| b"garbage".to_vec())),
    ];
    for (name, reply) in cases {
        let mut signing = fresh(&services);
        certify(&services, &mut signing);
        let Step::Timestamp(request) = signing.step() else {
            panic!()
        };
        let answer = reply(request.der());
        assert!(
            matches!(
                signing.provide_timestamp(&answer),
                Err(SigningError::Timestamp(_))
            ),
            "{name}"
        );
        assert_ended(&mut signing);
    }
    // A timestamp from another time than the signer's clock.
    let mut signing = fresh(&services);
    certify(&services, &mut signing);
    let Step::Timestamp(request) = signing.step() else {
        panic!()
    };
    let reply = services.timestamp_with(request.der(), |i| {
        i.gen_time = der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
            services.now().as_secs() as u64 + 3600,
        ))
        .unwrap()
    });
    assert!(matches!(
        signing.provide_timestamp(&reply),
        Err(SigningError::Timestamp(
            TimestampReplyError::OutsideClockSkew { .. }
        ))
    ));
}

#[test]
fn log_entry_failures_end_the_machine() {
    let services = Services::new();
    let rogue = Services::at(services.now());

    // Wrong Rekor version.
    let mut signing = fresh(&services);
    certify(&services, &mut signing);
    stamp(&services, &mut signing);
    let n = needed(&signing);
    assert!(matches!(
        signing.provide_log_entry(services.log_at(&n, 0, RekorVersion::V2)),
        Err(SigningError::LogVersion { .. })
    ));
    assert_ended(&mut signing);

    // Unknown log.
    let mut signing = fresh(&services);
    certify(&services, &mut signing);
    stamp(&services, &mut signing);
    let n = needed(&signing);
    assert!(matches!(
        signing.provide_log_entry(rogue.log(&n)),
        Err(SigningError::LogEntry {
            index: 0,
            source: TlogError::UnknownLog(_)
        })
    ));

    // An entry recording other content.
    let mut signing = fresh(&services);
    certify(&services, &mut signing);
    stamp(&services, &mut signing);
    let mut n = needed(&signing);
    if let LogContent::MessageSignature { digest, .. } = &mut n.content {
        digest[0] ^= 1;
    }
    assert!(matches!(
        signing.provide_log_entry(services.log(&n)),
        Err(SigningError::LogEntry {
            index: 0,
            source: TlogError::Body(_)
        })
    ));

    // A tampered checkpoint.
    let mut signing = fresh(&services);
    certify(&services, &mut signing);
    stamp(&services, &mut signing);
    let mut entry = services.log(&needed(&signing));
    if let Some(proof) = &mut entry.inclusion_proof {
        proof.root_hash[0] ^= 1;
    }
    assert!(matches!(
        signing.provide_log_entry(entry),
        Err(SigningError::LogEntry { index: 0, .. })
    ));

    // The same log twice.
    let mut signing = fresh(&services);
    certify(&services, &mut signing);
    stamp(&services, &mut signing);
    let n = needed(&signing);
    signing
        .provide_log_entry(services.log_at(&n, 0, RekorVersion::V1))
        .unwrap();
    let n = needed(&signing);
    assert_eq!(n.index, 1);
    assert!(matches!(
        signing.provide_log_entry(services.log_at(&n, 0, RekorVersion::V1)),
        Err(SigningError::DuplicateLog { index: 1, .. })
    ));
    assert_ended(&mut signing);
}

#[test]
fn proof_of_possession_is_by_the_machines_key() {
    let services = Services::new();
    let signing = fresh(&services);
    let proof = signing.proof_of_possession(EMAIL.as_bytes()).unwrap();
    signing
        .public_key()
        .verify(EMAIL.as_bytes(), &proof, HashAlgorithm::Sha256)
        .unwrap();
    let Step::Certificate(needed) = signing.step() else {
        panic!()
    };
    assert_eq!(
        PublicKey::from_pem(needed.public_key_pem()).unwrap(),
        *signing.public_key()
    );
    assert!(needed.csr_pem().contains("CERTIFICATE REQUEST"));
    assert!(!needed.csr_der().is_empty());
}

/// Each timestamp asked for is its own request (its own nonce), and each reply is checked: a
/// bad second reply ends the signing as a bad first one does.
#[test]
fn several_timestamps_are_asked_for_one_by_one_and_each_is_checked() {
    let services = Services::new();
    let rogue = Services::new();
    let mut signing = keyless(
        &services,
        Content::Artifact(b"hello".to_vec()),
        SigningOptions {
            timestamps: 2,
            ..options(RekorVersion::V1, true, 1)
        },
    );
    let Step::Certificate(needed) = signing.step() else {
        panic!("certificate first")
    };
    let chain = services.issue(needed.public_key_pem(), EMAIL);
    signing.provide_certificate_chain(chain).unwrap();
    let Step::Timestamp(first) = signing.step() else {
        panic!("a timestamp next")
    };
    let first_nonce = first.nonce().to_vec();
    let reply = services.timestamp(first.der());
    signing.provide_timestamp(&reply).unwrap();
    let Step::Timestamp(second) = signing.step() else {
        panic!("a second timestamp")
    };
    assert_ne!(second.nonce(), first_nonce.as_slice());
    let reply = rogue.timestamp(second.der());
    assert!(matches!(
        signing.provide_timestamp(&reply),
        Err(SigningError::Timestamp(_))
    ));
    assert!(matches!(signing.step(), Step::Failed { .. }));
}

#[test]
fn more_timestamps_than_the_limits_allow_are_refused_up_front() {
    let services = Services::new();
    let too_many = SigningOptions {
        timestamps: Limits::DEFAULT.max_timestamps + 1,
        ..options(RekorVersion::V1, true, 1)
    };
    let result = Signing::keyless(
        &services.trusted_root(),
        SigningKey::generate_p256().unwrap(),
        Content::Artifact(b"hello".to_vec()),
        identity(),
        too_many,
        services.now(),
    );
    assert!(matches!(result, Err(SigningError::TimestampCount(_))));
}
