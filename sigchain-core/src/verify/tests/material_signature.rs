//! Steps 1 and 2: the kind of signer the policy accepts, and the signature over the artifact.

use super::*;
use crate::bundle::{DigestAlgorithm, MessageDigest, VerificationMaterial};
use crate::crypto::Sha256Digest;
use crate::x509::CertError;

const KEY_CASE: &str = "managed-key-happy-path";
const DSSE_CASE: &str = "happy-path-intoto-in-dsse-v3";

fn message_signature(parts: &mut BundleParts) -> &mut crate::bundle::MessageSignature {
    match &mut parts.content {
        Content::MessageSignature(sig) => sig,
        Content::Dsse(_) => panic!("message signature expected"),
    }
}

fn envelope(parts: &mut BundleParts) -> &mut crate::bundle::DsseEnvelope {
    match &mut parts.content {
        Content::Dsse(env) => env,
        Content::MessageSignature(_) => panic!("DSSE envelope expected"),
    }
}

fn material_error(result: Result<VerifiedBundle, VerifyError>) -> MaterialError {
    match result {
        Err(VerifyError::Material(e)) => e,
        other => panic!("material error expected, got {other:?}"),
    }
}

fn signature_error(result: Result<VerifiedBundle, VerifyError>) -> SignatureError {
    match result {
        Err(VerifyError::Signature(e)) => e,
        other => panic!("signature error expected, got {other:?}"),
    }
}

#[test]
fn key_policy_accepts_the_bundle_signed_by_its_key() {
    let key = managed_key(KEY_CASE);
    let verified = verify_with(
        KEY_CASE,
        &bundle(KEY_CASE),
        SignerPolicy::PublicKey(key.clone()),
        VerifierConfig::default(),
        NOW,
    )
    .unwrap();
    match verified.signer() {
        VerifiedSigner::PublicKey(k) => assert_eq!(k.spki_der(), key.spki_der()),
        VerifiedSigner::Certificate(_) => panic!("key signer expected"),
    }
    assert!(verified.summary().contains("given key"));
}

#[test]
fn key_hint_cannot_satisfy_a_certificate_policy() {
    for signer in [beacon(), SignerPolicy::UnsafeAnyCertificateIdentity] {
        let result = verify_with(
            KEY_CASE,
            &bundle(KEY_CASE),
            signer,
            VerifierConfig::default(),
            NOW,
        );
        assert!(matches!(
            material_error(result),
            MaterialError::KeyHintWithoutKey
        ));
    }
}

#[test]
fn certificate_cannot_satisfy_a_key_policy() {
    // Fulcio certificate (v0.3) and chain (v0.2) alike.
    for case in ["happy-path-v0.3", "happy-path-v0.2"] {
        let result = verify_with(
            case,
            &bundle(case),
            SignerPolicy::PublicKey(managed_key(KEY_CASE)),
            VerifierConfig::default(),
            NOW,
        );
        assert!(
            matches!(material_error(result), MaterialError::CertificateNotKey),
            "{case}"
        );
    }
}

#[test]
fn undecodable_certificates_are_refused_with_their_position() {
    let garbage = vec![0x30, 0x03, 0x02, 0x01, 0x00];
    let leaf = edit(bundle("happy-path-v0.3"), |p| {
        p.verification_material = VerificationMaterial::Certificate(garbage.clone());
    });
    let result = verify_with(
        "happy-path-v0.3",
        &leaf,
        beacon(),
        VerifierConfig::default(),
        NOW,
    );
    assert!(matches!(
        material_error(result),
        MaterialError::Certificate { index: 0, .. }
    ));
    // A broken certificate after the leaf is refused too, not skipped.
    let chain = edit(bundle("happy-path-v0.2"), |p| {
        if let VerificationMaterial::CertificateChain(chain) = &mut p.verification_material {
            chain.push(garbage.clone());
        }
    });
    let result = verify_with(
        "happy-path-v0.2",
        &chain,
        beacon(),
        VerifierConfig::default(),
        NOW,
    );
    assert!(matches!(
        material_error(result),
        MaterialError::Certificate {
            index: 1,
            source: CertError::Der(_)
        }
    ));
}

#[test]
fn message_digest_must_name_the_artifact() {
    let b = bundle("happy-path-v0.3");
    let data = artifact();
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    let by_digest = Policy {
        artifact: Artifact::Sha256(Sha256Digest::of(&data)),
        signer: beacon(),
    };
    verifier.verify(&b, &by_digest, NOW).unwrap();
    for other in [
        Artifact::Bytes(b"another file"),
        Artifact::Sha256(Sha256Digest::of(b"another file")),
    ] {
        let policy = Policy {
            artifact: other,
            signer: beacon(),
        };
        let err = signature_error(verifier.verify(&b, &policy, NOW));
        assert!(
            matches!(err, SignatureError::DigestMismatch { .. }),
            "{err}"
        );
    }
}

#[test]
fn message_signature_must_verify() {
    let b = edit(bundle("happy-path-v0.3"), |p| {
        flip_last(&mut message_signature(p).signature)
    });
    let err = signature_error(verify_with(
        "happy-path-v0.3",
        &b,
        beacon(),
        VerifierConfig::default(),
        NOW,
    ));
    assert!(matches!(err, SignatureError::BadSignature(_)), "{err}");
}

#[test]
fn signature_over_another_digest_fails_even_when_the_digest_names_the_artifact() {
    // The claimed digest is unsigned: pointing it at another artifact must not help.
    let other = b"another file";
    let b = edit(bundle("happy-path-v0.3"), |p| {
        message_signature(p).message_digest.digest = Sha256Digest::of(other).0.to_vec();
    });
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    for artifact in [
        Artifact::Bytes(other),
        Artifact::Sha256(Sha256Digest::of(other)),
    ] {
        let policy = Policy {
            artifact,
            signer: beacon(),
        };
        let err = signature_error(verifier.verify(&b, &policy, NOW));
        assert!(matches!(err, SignatureError::BadSignature(_)), "{err}");
    }
}

#[test]
fn digests_that_cannot_be_computed_are_refused() {
    let data = artifact();
    let sha3 = edit(bundle("happy-path-v0.3"), |p| {
        message_signature(p).message_digest = MessageDigest {
            algorithm: DigestAlgorithm::Sha3_256,
            digest: vec![0; 32],
        };
    });
    let sha384 = edit(bundle("happy-path-v0.3"), |p| {
        message_signature(p).message_digest = MessageDigest {
            algorithm: DigestAlgorithm::Sha2_384,
            digest: crate::crypto::sha384(&data).to_vec(),
        };
    });
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    let cases: [(&Bundle, Artifact<'_>); 2] = [
        (&sha3, Artifact::Bytes(&data)),
        (&sha384, Artifact::Sha256(Sha256Digest::of(&data))),
    ];
    for (b, artifact) in cases {
        let policy = Policy {
            artifact,
            signer: beacon(),
        };
        let err = signature_error(verifier.verify(b, &policy, NOW));
        assert!(
            matches!(err, SignatureError::UncheckableDigest { .. }),
            "{err}"
        );
    }
    // SHA-384 over the bytes is computable: it gets as far as the signature (made over
    // SHA-256), which then fails.
    let policy = Policy {
        artifact: Artifact::Bytes(&data),
        signer: beacon(),
    };
    let err = signature_error(verifier.verify(&sha384, &policy, NOW));
    assert!(matches!(err, SignatureError::BadSignature(_)), "{err}");
}

#[test]
fn dsse_statement_must_name_the_artifact() {
    let verified = verify_case(DSSE_CASE).unwrap();
    let statement = verified.statement().expect("in-toto statement");
    assert!(statement
        .subject_matching("sha256", Sha256Digest::of(&artifact()).as_bytes())
        .is_some());
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    let b = bundle(DSSE_CASE);
    let by_digest = Policy {
        artifact: Artifact::Sha256(Sha256Digest::of(&artifact())),
        signer: beacon(),
    };
    verifier.verify(&b, &by_digest, NOW).unwrap();
    for other in [
        Artifact::Bytes(b"another file"),
        Artifact::Sha256(Sha256Digest::of(b"another file")),
    ] {
        let policy = Policy {
            artifact: other,
            signer: beacon(),
        };
        let err = signature_error(verifier.verify(&b, &policy, NOW));
        assert!(matches!(err, SignatureError::NotASubject { .. }), "{err}");
    }
    // A message-signature bundle has no statement.
    assert!(verify_case("happy-path-v0.3")
        .unwrap()
        .statement()
        .is_none());
}

#[test]
fn dsse_signature_covers_signature_payload_and_type() {
    let edits: [fn(&mut crate::bundle::DsseEnvelope); 3] = [
        |e| flip_last(&mut e.signature.sig),
        |e| e.payload.push(b' '),
        |e| e.payload_type.push('x'),
    ];
    for change in edits {
        let b = edit(bundle(DSSE_CASE), |p| change(envelope(p)));
        let err = signature_error(verify_with(
            DSSE_CASE,
            &b,
            beacon(),
            VerifierConfig::default(),
            NOW,
        ));
        assert!(matches!(err, SignatureError::BadSignature(_)), "{err}");
    }
}

/// Envelopes and message signatures made in the test, to reach checks real bundles cannot:
/// a non-in-toto payload, an in-toto type over a non-Statement, an Ed25519 message signature.
#[cfg(feature = "aws-lc")]
mod signed {
    use super::*;
    use crate::bundle::{DsseEnvelope, DsseSignature, MessageSignature};
    use crate::verify::signature::{verify_dsse, verify_message_signature};
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};

    fn p256() -> (EcdsaKeyPair, PublicKey) {
        let pair =
            EcdsaKeyPair::generate(&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let mut spki =
            crate::encoding::hex_decode("3059301306072a8648ce3d020106082a8648ce3d030107034200")
                .unwrap();
        spki.extend_from_slice(pair.public_key().as_ref());
        (pair, PublicKey::from_spki_der(&spki).unwrap())
    }

    fn signed_envelope(payload_type: &str, payload: &[u8]) -> (DsseEnvelope, PublicKey) {
        let (pair, key) = p256();
        let pae = crate::dsse::pae(payload_type, payload);
        let sig = pair.sign(&SystemRandom::new(), &pae).unwrap();
        let envelope = DsseEnvelope {
            payload: payload.to_vec(),
            payload_type: payload_type.to_owned(),
            signature: DsseSignature {
                sig: sig.as_ref().to_vec(),
                keyid: String::new(),
            },
        };
        (envelope, key)
    }

    #[test]
    fn non_intoto_payload_must_be_the_artifact() {
        let data = artifact();
        let (env, key) = signed_envelope("text/plain", &data);
        let limits = Limits::DEFAULT;
        assert!(verify_dsse(&env, &key, &Artifact::Bytes(&data), &limits)
            .unwrap()
            .is_none());
        verify_dsse(
            &env,
            &key,
            &Artifact::Sha256(Sha256Digest::of(&data)),
            &limits,
        )
        .unwrap();
        let err = verify_dsse(&env, &key, &Artifact::Bytes(b"another file"), &limits).unwrap_err();
        assert!(
            matches!(err, SignatureError::PayloadMismatch { ref payload_type, .. } if payload_type == "text/plain"),
            "{err}"
        );
    }

    #[test]
    fn intoto_type_requires_a_statement() {
        let data = artifact();
        let (env, key) = signed_envelope(crate::intoto::PAYLOAD_TYPE, &data);
        let err = verify_dsse(&env, &key, &Artifact::Bytes(&data), &Limits::DEFAULT).unwrap_err();
        assert!(matches!(err, SignatureError::Statement(_)), "{err}");
    }

    #[test]
    fn ed25519_message_signatures_verify_over_the_message() {
        let pair = Ed25519KeyPair::generate().unwrap();
        let mut spki = crate::encoding::hex_decode("302a300506032b6570032100").unwrap();
        spki.extend_from_slice(pair.public_key().as_ref());
        let key = PublicKey::from_spki_der(&spki).unwrap();
        let data = artifact();
        let signature = MessageSignature {
            message_digest: MessageDigest {
                algorithm: DigestAlgorithm::Sha2_256,
                digest: Sha256Digest::of(&data).0.to_vec(),
            },
            signature: pair.sign(&data).as_ref().to_vec(),
        };
        verify_message_signature(&signature, &key, &Artifact::Bytes(&data)).unwrap();
        let mut forged = signature.clone();
        flip_last(&mut forged.signature);
        let err = verify_message_signature(&forged, &key, &Artifact::Bytes(&data)).unwrap_err();
        assert!(matches!(err, SignatureError::BadSignature(_)), "{err}");
    }
}
