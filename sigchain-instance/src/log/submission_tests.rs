use super::*;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use sigchain_core::crypto::sha256;
use sigchain_core::encoding::{base64_encode, hex_encode};
use sigchain_rekor::proposal::{Proposal, Signer as ProposalSigner, V2DsseKind};

struct Key {
    pair: EcdsaKeyPair,
    spki: Vec<u8>,
}

fn key() -> Key {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
    let spki = pair.public_key().as_der().unwrap().as_ref().to_vec();
    Key { pair, spki }
}

impl Key {
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    fn hashed_rekord(&self, artifact: &[u8]) -> Proposal {
        Proposal::hashed_rekord(
            HashAlgorithm::Sha256,
            sha256(artifact).to_vec(),
            self.sign(artifact),
            ProposalSigner::PublicKey(self.spki.clone()),
        )
        .unwrap()
    }

    fn envelope(&self, payload: &[u8]) -> Vec<u8> {
        let payload_type = "application/vnd.in-toto+json";
        let pae = sigchain_core::dsse::pae(payload_type, payload);
        serde_json::to_vec(&serde_json::json!({
            "payload": base64_encode(payload),
            "payloadType": payload_type,
            "signatures": [{"sig": base64_encode(&self.sign(&pae)), "keyid": ""}],
        }))
        .unwrap()
    }

    fn dsse(&self, payload: &[u8]) -> Proposal {
        Proposal::dsse(
            self.envelope(payload),
            ProposalSigner::PublicKey(self.spki.clone()),
            &Limits::DEFAULT,
        )
        .unwrap()
    }
}

/// The log writes, for each kind, exactly the body a client predicts from its proposal.
#[test]
fn accepted_entries_have_the_bodies_clients_predict() {
    let key = key();
    let limits = Limits::DEFAULT;
    let hr = key.hashed_rekord(b"artifact");
    let accepted = accept_v1(&hr.v1_request_json(), &limits).unwrap();
    assert_eq!(accepted.body, hr.v1_canonical_body());
    assert_eq!(
        accepted.index_keys,
        vec![
            format!("sha256:{}", hex_encode(&sha256(b"artifact"))),
            crate::log::index::signer_key(&key.spki)
        ]
    );
    let dsse = key.dsse(b"{\"_type\":\"statement\"}");
    assert_eq!(
        accept_v1(&dsse.v1_request_json(), &limits).unwrap().body,
        dsse.v1_canonical_body()
    );
    for kind in [V2DsseKind::HashedRekord, V2DsseKind::Dsse] {
        for proposal in [&hr, &dsse] {
            let request = proposal.v2_request_json(kind).unwrap();
            assert_eq!(
                accept_v2(&request, &limits).unwrap().body,
                proposal.v2_canonical_body(kind).unwrap(),
                "{kind:?}"
            );
        }
    }
}

/// A real production submission: the body this log writes for it is, byte for byte, the one
/// the public-good Rekor wrote (sigstore-conformance happy-path-v0.3).
#[test]
fn a_real_submission_gets_the_body_rekor_wrote() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/bundle-verify/happy-path-v0.3"
    );
    let b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{dir}/bundle.sigstore.json")).unwrap())
            .unwrap();
    let logged = base64_decode(
        b["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let sig = &b["messageSignature"];
    let proposal = Proposal::hashed_rekord(
        HashAlgorithm::Sha256,
        base64_decode(sig["messageDigest"]["digest"].as_str().unwrap()).unwrap(),
        base64_decode(sig["signature"].as_str().unwrap()).unwrap(),
        ProposalSigner::Certificate(
            base64_decode(
                b["verificationMaterial"]["certificate"]["rawBytes"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap(),
        ),
    )
    .unwrap();
    let accepted = accept_v1(&proposal.v1_request_json(), &Limits::DEFAULT).unwrap();
    assert_eq!(accepted.body, logged);
}

#[test]
fn bad_submissions_are_refused_with_a_reason() {
    let key = key();
    let other = self::key();
    let limits = Limits::DEFAULT;
    let json =
        |p: &Proposal| serde_json::from_slice::<serde_json::Value>(&p.v1_request_json()).unwrap();
    let v1 =
        |v: serde_json::Value| accept_v1(&serde_json::to_vec(&v).unwrap(), &limits).unwrap_err();

    // A signature by another key.
    let mut forged = json(&key.hashed_rekord(b"a"));
    forged["spec"]["signature"]["content"] =
        json(&other.hashed_rekord(b"a"))["spec"]["signature"]["content"].clone();
    assert!(matches!(v1(forged), SubmissionError::BadSignature));
    // The signature over another artifact.
    let mut swapped = json(&key.hashed_rekord(b"a"));
    swapped["spec"]["data"] = json(&key.hashed_rekord(b"b"))["spec"]["data"].clone();
    assert!(matches!(v1(swapped), SubmissionError::BadSignature));
    let mut short = json(&key.hashed_rekord(b"a"));
    short["spec"]["data"]["hash"]["value"] = "abcd".into();
    assert!(matches!(v1(short), SubmissionError::Digest(_)));
    let mut md5 = json(&key.hashed_rekord(b"a"));
    md5["spec"]["data"]["hash"]["algorithm"] = "md5".into();
    assert!(matches!(v1(md5), SubmissionError::Digest(_)));
    let mut extra = json(&key.hashed_rekord(b"a"));
    extra["spec"]["data"]["content"] = "inline artifact".into();
    assert!(matches!(v1(extra), SubmissionError::Json(_)));
    let mut not_pem = json(&key.hashed_rekord(b"a"));
    not_pem["spec"]["signature"]["publicKey"]["content"] = base64_encode(b"hello").into();
    assert!(matches!(v1(not_pem), SubmissionError::Malformed(_)));
    for (kind, version) in [
        ("intoto", "0.0.2"),
        ("rekord", "0.0.1"),
        ("hashedrekord", "0.0.2"),
    ] {
        let mut unknown = json(&key.hashed_rekord(b"a"));
        unknown["kind"] = kind.into();
        unknown["apiVersion"] = version.into();
        assert!(matches!(v1(unknown), SubmissionError::UnsupportedKind(_)));
    }
    assert!(matches!(
        accept_v1(b"not json", &limits),
        Err(SubmissionError::Json(_))
    ));
    assert!(matches!(
        accept_v1(&vec![b' '; MAX_SUBMISSION_BYTES + 1], &limits),
        Err(SubmissionError::TooLarge(_))
    ));

    // DSSE: one verifier, and it must have made every signature.
    let mut two = json(&key.dsse(b"x"));
    let verifier = two["spec"]["proposedContent"]["verifiers"][0].clone();
    two["spec"]["proposedContent"]["verifiers"] = serde_json::json!([verifier, verifier]);
    assert!(matches!(v1(two), SubmissionError::Verifier(_)));
    let mut wrong_signer = json(&key.dsse(b"x"));
    wrong_signer["spec"]["proposedContent"]["verifiers"] =
        json(&other.dsse(b"x"))["spec"]["proposedContent"]["verifiers"].clone();
    assert!(matches!(v1(wrong_signer), SubmissionError::BadSignature));

    // Rekor v2: key details must fit the key; exactly one request kind.
    let hr = key.hashed_rekord(b"a");
    let mut v2: serde_json::Value =
        serde_json::from_slice(&hr.v2_request_json(V2DsseKind::HashedRekord).unwrap()).unwrap();
    v2["hashedRekordRequestV002"]["signature"]["verifier"]["keyDetails"] =
        "PKIX_ECDSA_P384_SHA_384".into();
    assert!(matches!(
        accept_v2(&serde_json::to_vec(&v2).unwrap(), &limits),
        Err(SubmissionError::Verifier(_))
    ));
    assert!(matches!(
        accept_v2(b"{}", &limits),
        Err(SubmissionError::UnsupportedKind(_))
    ));
    let mut bad_sig: serde_json::Value =
        serde_json::from_slice(&hr.v2_request_json(V2DsseKind::HashedRekord).unwrap()).unwrap();
    bad_sig["hashedRekordRequestV002"]["digest"] = base64_encode(&[0; 32]).into();
    assert!(matches!(
        accept_v2(&serde_json::to_vec(&bad_sig).unwrap(), &limits),
        Err(SubmissionError::BadSignature)
    ));
}

/// Real Rekor v2 submissions (sigstore-conformance rekor2-happy-path and
/// rekor2-dsse-happy-path, staging): verified with the submitted certificate, they get the body
/// rekor-tiles wrote, byte for byte.
#[test]
fn real_rekor_v2_submissions_with_certificates_get_the_bodies_rekor_wrote() {
    for case in ["rekor2-happy-path", "rekor2-dsse-happy-path"] {
        let (proposal, logged) = conformance_v2(case);
        let kind = if logged.windows(4).any(|w| w == b"dsse") {
            V2DsseKind::Dsse
        } else {
            V2DsseKind::HashedRekord
        };
        let request = proposal.v2_request_json(kind).unwrap();
        let accepted =
            accept_v2(&request, &Limits::DEFAULT).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(accepted.body, logged, "{case}");
    }
}

/// The proposal a conformance bundle's entry records, and the body the log wrote for it.
fn conformance_v2(case: &str) -> (Proposal, Vec<u8>) {
    let dir = format!(
        "{}/../../shared/conformance/bundle-verify/{case}",
        env!("CARGO_MANIFEST_DIR")
    );
    let b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{dir}/bundle.sigstore.json")).unwrap())
            .unwrap();
    let logged = base64_decode(
        b["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let cert = ProposalSigner::Certificate(
        base64_decode(
            b["verificationMaterial"]["certificate"]["rawBytes"]
                .as_str()
                .unwrap(),
        )
        .unwrap(),
    );
    let proposal = if b["dsseEnvelope"].is_object() {
        Proposal::dsse(
            b["dsseEnvelope"].to_string().into_bytes(),
            cert,
            &Limits::DEFAULT,
        )
        .unwrap()
    } else {
        let sig = &b["messageSignature"];
        Proposal::hashed_rekord(
            HashAlgorithm::Sha256,
            base64_decode(sig["messageDigest"]["digest"].as_str().unwrap()).unwrap(),
            base64_decode(sig["signature"].as_str().unwrap()).unwrap(),
            cert,
        )
        .unwrap()
    };
    (proposal, logged)
}

/// A Rekor v2 verifier is a key or a certificate, never both nor neither.
#[test]
fn rekor_v2_verifiers_are_one_key_or_one_certificate() {
    let key = key();
    let limits = Limits::DEFAULT;
    let (with_cert, _) = conformance_v2("rekor2-happy-path");
    let cert_request: serde_json::Value =
        serde_json::from_slice(&with_cert.v2_request_json(V2DsseKind::HashedRekord).unwrap())
            .unwrap();
    let cert_verifier = &cert_request["hashedRekordRequestV002"]["signature"]["verifier"];
    let hr = key.hashed_rekord(b"a");
    let request: serde_json::Value =
        serde_json::from_slice(&hr.v2_request_json(V2DsseKind::HashedRekord).unwrap()).unwrap();
    assert!(accept_v2(&serde_json::to_vec(&request).unwrap(), &limits).is_ok());
    let mut both = request.clone();
    both["hashedRekordRequestV002"]["signature"]["verifier"]["x509Certificate"] =
        cert_verifier["x509Certificate"].clone();
    let mut neither = request.clone();
    neither["hashedRekordRequestV002"]["signature"]["verifier"]
        .as_object_mut()
        .unwrap()
        .remove("publicKey");
    // The certificate's key did not make this signature.
    let mut other_signer = request.clone();
    other_signer["hashedRekordRequestV002"]["signature"]["verifier"] = cert_verifier.clone();
    for (name, bad, refusal) in [
        ("both", both, "Verifier"),
        ("neither", neither, "Verifier"),
        ("another certificate", other_signer, "BadSignature"),
    ] {
        let err = accept_v2(&serde_json::to_vec(&bad).unwrap(), &limits).unwrap_err();
        assert!(format!("{err:?}").starts_with(refusal), "{name}: {err:?}");
    }
}

/// Rekor v2 DSSE entries name exactly one verifier, and every signature is its.
#[test]
fn rekor_v2_dsse_needs_one_verifier_that_made_every_signature() {
    let key = key();
    let other = self::key();
    let limits = Limits::DEFAULT;
    let dsse = key.dsse(b"x");
    let good: serde_json::Value =
        serde_json::from_slice(&dsse.v2_request_json(V2DsseKind::Dsse).unwrap()).unwrap();
    assert!(accept_v2(&serde_json::to_vec(&good).unwrap(), &limits).is_ok());
    let verifier = good["dsseRequestV002"]["verifiers"][0].clone();
    let accept = |v: &serde_json::Value| accept_v2(&serde_json::to_vec(v).unwrap(), &limits);
    for verifiers in [
        serde_json::json!([]),
        serde_json::json!([verifier, verifier]),
    ] {
        let mut bad = good.clone();
        bad["dsseRequestV002"]["verifiers"] = verifiers;
        assert!(matches!(accept(&bad), Err(SubmissionError::Verifier(_))));
    }
    // A second signature by another key: the one verifier does not account for it.
    let mut extra = good.clone();
    let foreign = serde_json::from_slice::<serde_json::Value>(&other.envelope(b"x")).unwrap();
    extra["dsseRequestV002"]["envelope"]["signatures"]
        .as_array_mut()
        .unwrap()
        .push(foreign["signatures"][0].clone());
    assert!(matches!(accept(&extra), Err(SubmissionError::BadSignature)));
    let mut unsigned = good.clone();
    unsigned["dsseRequestV002"]["envelope"]["signatures"] = serde_json::json!([]);
    assert!(matches!(
        accept(&unsigned),
        Err(SubmissionError::Malformed(_))
    ));
    // The same for Rekor v1.
    let mut v1: serde_json::Value = serde_json::from_slice(&dsse.v1_request_json()).unwrap();
    let mut envelope: serde_json::Value =
        serde_json::from_str(v1["spec"]["proposedContent"]["envelope"].as_str().unwrap()).unwrap();
    envelope["signatures"]
        .as_array_mut()
        .unwrap()
        .push(foreign["signatures"][0].clone());
    v1["spec"]["proposedContent"]["envelope"] = envelope.to_string().into();
    assert!(matches!(
        accept_v1(&serde_json::to_vec(&v1).unwrap(), &limits),
        Err(SubmissionError::BadSignature)
    ));
}

/// The request bound is 32 MiB, for both APIs: a request of exactly that size is read (and
/// refused as JSON here), one byte more is refused unread.
#[test]
fn requests_up_to_32_mib_are_read() {
    let limits = Limits::DEFAULT;
    let at_limit = vec![b' '; 32 * 1024 * 1024];
    assert!(matches!(
        accept_v1(&at_limit, &limits),
        Err(SubmissionError::Json(_))
    ));
    assert!(matches!(
        accept_v2(&at_limit, &limits),
        Err(SubmissionError::Json(_))
    ));
    let over = vec![b' '; 32 * 1024 * 1024 + 1];
    assert!(matches!(
        accept_v1(&over, &limits),
        Err(SubmissionError::TooLarge(_))
    ));
    assert!(matches!(
        accept_v2(&over, &limits),
        Err(SubmissionError::TooLarge(_))
    ));
}

#[test]
fn bodies_too_large_for_an_entry_bundle_are_refused() {
    assert!(AcceptedEntry::new(vec![b'x'; MAX_ENTRY_BODY_BYTES]).is_ok());
    assert!(matches!(
        AcceptedEntry::new(vec![b'x'; MAX_ENTRY_BODY_BYTES + 1]),
        Err(SubmissionError::BodyTooLarge(_))
    ));
}

// ---- nothing a client submits panics ----

mod never_panic {
    use super::*;
    use crate::log::index::{keys_of_body, kind_version, pem_der};
    use proptest::prelude::*;
    use sigchain_rekor::mutate::{byte_edits, edit_bytes, mutated_document};

    fn check(accepted: &AcceptedEntry) -> Result<(), TestCaseError> {
        prop_assert_eq!(&accepted.index_keys, &keys_of_body(&accepted.body));
        prop_assert!(kind_version(&accepted.body).is_some());
        Ok(())
    }

    #[test]
    fn any_request_is_accepted_or_refused() {
        let key = key();
        let hr = key.hashed_rekord(b"artifact");
        let dsse = key.dsse(b"{\"_type\":\"statement\"}");
        let real = |bytes: Vec<u8>| serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
        let requests = vec![
            real(hr.v1_request_json()),
            real(dsse.v1_request_json()),
            real(hr.v2_request_json(V2DsseKind::HashedRekord).unwrap()),
            real(dsse.v2_request_json(V2DsseKind::HashedRekord).unwrap()),
            real(dsse.v2_request_json(V2DsseKind::Dsse).unwrap()),
        ];
        let any_request = proptest::strategy::Union::new(
            requests.into_iter().map(|r| mutated_document(r).boxed()),
        );
        let config = ProptestConfig::with_cases(160);
        proptest!(config, |(request in any_request)| {
            if let Ok(accepted) = accept_v1(&request, &Limits::DEFAULT) {
                check(&accepted)?;
            }
            if let Ok(accepted) = accept_v2(&request, &Limits::DEFAULT) {
                check(&accepted)?;
            }
        });
    }

    #[test]
    fn any_body_gives_keys_or_none() {
        let key = key();
        let bodies: Vec<serde_json::Value> = [
            key.hashed_rekord(b"a").v1_canonical_body(),
            key.dsse(b"x").v1_canonical_body(),
            key.hashed_rekord(b"a")
                .v2_canonical_body(V2DsseKind::HashedRekord)
                .unwrap(),
            key.dsse(b"x").v2_canonical_body(V2DsseKind::Dsse).unwrap(),
        ]
        .iter()
        .map(|b| serde_json::from_slice(b).unwrap())
        .collect();
        let any_body =
            proptest::strategy::Union::new(bodies.into_iter().map(|b| mutated_document(b).boxed()));
        let config = ProptestConfig::with_cases(160);
        proptest!(config, |(body in any_body)| {
            for key in keys_of_body(&body) {
                prop_assert!(key.starts_with("sha") || key.starts_with("signer:"), "{}", key);
            }
            let _ = kind_version(&body);
        });
    }

    fn pem_text() -> impl Strategy<Value = String> {
        let real = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64_encode(&key().spki)
        );
        prop_oneof![
            byte_edits().prop_map(move |edits| {
                String::from_utf8_lossy(&edit_bytes(real.as_bytes(), &edits)).into_owned()
            }),
            "(-----(BEGIN|END) [A-Z ]{0,12}-----|[A-Za-z0-9+/=]{0,8}|\\s){0,8}",
            ".{0,64}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_pem_text_gives_der_or_none(text in pem_text()) {
            if let Some(der) = pem_der(&text) {
                prop_assert!(der.len() <= text.len());
            }
        }
    }
}
