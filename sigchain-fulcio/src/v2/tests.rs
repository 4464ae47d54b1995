use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::chain::PemChainError;
use crate::testdata;

fn token() -> IdentityToken {
    IdentityToken::parse(&crate::token::unsigned_jwt(&json!({
        "iss": "https://issuer.example", "sub": "s", "aud": "sigstore", "exp": 2_000_000_000,
        "email": "a@example.com", "email_verified": true,
    })))
    .unwrap()
}

fn ok(body: &serde_json::Value) -> HttpResponse {
    HttpResponse::new(200, serde_json::to_vec(body).unwrap())
}

fn embedded(certificates: &[String]) -> serde_json::Value {
    json!({"signedCertificateEmbeddedSct": {"chain": {"certificates": certificates}}})
}

#[test]
fn builds_both_request_forms() {
    let fulcio = FulcioV2::new();
    let proof = vec![0xde, 0xad];
    let spki = [0x30, 0x03, 0x02, 0x01, 0x00];
    let request =
        CertificateRequest::public_key_der(PublicKeyAlgorithm::Ecdsa, &spki, proof).unwrap();
    let http = fulcio.signing_certificate(&token(), &request);
    assert_eq!(http.method, Method::Post);
    assert_eq!(http.path_and_query, "/api/v2/signingCert");
    assert_eq!(http.idempotency, Idempotency::Safe);
    let body: serde_json::Value = serde_json::from_slice(http.body.as_ref().unwrap()).unwrap();
    assert_eq!(body["credentials"]["oidcIdentityToken"], token().as_str());
    assert_eq!(body["publicKeyRequest"]["publicKey"]["algorithm"], "ECDSA");
    assert_eq!(
        body["publicKeyRequest"]["publicKey"]["content"],
        "-----BEGIN PUBLIC KEY-----\nMAMCAQA=\n-----END PUBLIC KEY-----\n"
    );
    assert_eq!(body["publicKeyRequest"]["proofOfPossession"], "3q0=");
    assert!(body.get("certificateSigningRequest").is_none());

    let csr = CertificateRequest::csr_der(&spki).unwrap();
    let http = fulcio.signing_certificate(&token(), &csr);
    let body: serde_json::Value = serde_json::from_slice(http.body.as_ref().unwrap()).unwrap();
    let csr_pem =
        sigchain_core::encoding::base64_decode(body["certificateSigningRequest"].as_str().unwrap())
            .unwrap();
    assert_eq!(
        String::from_utf8(csr_pem).unwrap(),
        "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n"
    );
    assert!(body.get("publicKeyRequest").is_none());
    // The request's Debug form must not show the token that its body carries.
    assert!(!format!("{http:?}").contains(token().as_str()));
}

#[test]
fn refuses_to_build_empty_requests() {
    assert_eq!(
        CertificateRequest::public_key_der(PublicKeyAlgorithm::Ecdsa, &[1], Vec::new()),
        Err(RequestError::EmptyProof)
    );
    assert_eq!(
        CertificateRequest::public_key_der(PublicKeyAlgorithm::Ecdsa, &[], vec![1]),
        Err(RequestError::Empty { what: "public key" })
    );
    assert_eq!(
        CertificateRequest::csr_der(&[]),
        Err(RequestError::Empty { what: "CSR" })
    );
    assert_eq!(
        CertificateRequest::csr_pem(" \n".to_owned()),
        Err(RequestError::Empty { what: "CSR" })
    );
}

#[test]
fn accepts_an_embedded_sct_chain() {
    let pems = testdata::chain_pems();
    let chain = FulcioV2::new()
        .check_signing_certificate(&ok(&embedded(&pems)))
        .unwrap();
    assert_eq!(chain.len(), 3);
    assert_eq!(chain.leaf().der(), testdata::leaf_der().as_slice());
    let created = HttpResponse::new(201, serde_json::to_vec(&embedded(&pems)).unwrap());
    assert!(FulcioV2::new().check_signing_certificate(&created).is_ok());
}

#[test]
fn a_detached_sct_is_refused_with_a_reason() {
    let body = json!({"signedCertificateDetachedSct": {
        "chain": {"certificates": testdata::chain_pems()},
        "signedCertificateTimestamp": "eyJ9"
    }});
    let error = FulcioV2::new()
        .check_signing_certificate(&ok(&body))
        .unwrap_err();
    assert!(matches!(error, FulcioError::DetachedSct), "{error:?}");
    assert!(error.to_string().contains("embedded"));
}

#[test]
fn refuses_answers_of_the_wrong_shape() {
    let pems = testdata::chain_pems();
    let both = json!({
        "signedCertificateEmbeddedSct": {"chain": {"certificates": pems}},
        "signedCertificateDetachedSct": {"chain": {"certificates": pems}},
    });
    let fulcio = FulcioV2::new();
    let check = |body: &serde_json::Value| fulcio.check_signing_certificate(&ok(body)).unwrap_err();
    assert!(matches!(check(&both), FulcioError::BothCertificateForms));
    assert!(matches!(check(&json!({})), FulcioError::NoCertificate));
    assert!(matches!(
        check(&json!({"signedCertificateEmbeddedSct": {}})),
        FulcioError::Chain(PemChainError::Empty)
    ));
    assert!(matches!(
        check(&json!({"signedCertificateEmbeddedSct": {"chain": {"certificates": ["x"]}}})),
        FulcioError::Chain(PemChainError::NotPem { index: 0 })
    ));
    assert!(matches!(check(&json!([1])), FulcioError::Json(_)));
    let not_json = HttpResponse::new(200, b"<html>".to_vec());
    assert!(matches!(
        fulcio.check_signing_certificate(&not_json),
        Err(FulcioError::Json(_))
    ));
}

#[test]
fn status_errors_carry_the_ca_message() {
    let fulcio = FulcioV2::new();
    let body =
        br#"{"code":16,"message":"There was an error processing the identity token","details":[]}"#;
    let error = fulcio
        .check_signing_certificate(&HttpResponse::new(401, body.to_vec()))
        .unwrap_err();
    match error {
        FulcioError::Status {
            status,
            code,
            message,
        } => {
            assert_eq!((status, code), (401, Some(16)));
            assert_eq!(message, "There was an error processing the identity token");
        }
        other => panic!("{other:?}"),
    }
    let error = fulcio
        .check_signing_certificate(&HttpResponse::new(502, b"bad gateway".to_vec()))
        .unwrap_err();
    assert!(matches!(
        error,
        FulcioError::Status { status: 502, code: None, ref message } if message == "bad gateway"
    ));
    // A 2xx other than 200/201 is not a certificate.
    let pems = testdata::chain_pems();
    let accepted = HttpResponse::new(202, serde_json::to_vec(&embedded(&pems)).unwrap());
    assert!(matches!(
        fulcio.check_signing_certificate(&accepted),
        Err(FulcioError::Status { status: 202, .. })
    ));
}

#[test]
fn answers_over_the_limit_are_refused_before_parsing() {
    let fulcio = FulcioV2::with_limits(FulcioLimits {
        max_answer_bytes: 100,
        ..FulcioLimits::DEFAULT
    });
    let pems = testdata::chain_pems();
    let big = ok(&embedded(&pems));
    assert!(matches!(
        fulcio.check_signing_certificate(&big),
        Err(FulcioError::TooLarge { max: 100, .. })
    ));
    assert!(matches!(
        fulcio.check_trust_bundle(&big),
        Err(FulcioError::TooLarge { max: 100, .. })
    ));
    assert_eq!(
        fulcio
            .signing_certificate(&token(), &CertificateRequest::csr_der(&[1]).unwrap())
            .max_response_bytes,
        100
    );
}

#[test]
fn trust_bundles() {
    let fulcio = FulcioV2::new();
    let request = fulcio.trust_bundle();
    assert_eq!(
        (
            request.method,
            request.path_and_query.as_str(),
            request.body.is_none()
        ),
        (Method::Get, "/api/v2/trustBundle", true)
    );
    let cas = testdata::ca_pems();
    let body = json!({"chains": [{"certificates": cas}, {"certificates": [cas[1]]}]});
    let bundle = fulcio.check_trust_bundle(&ok(&body)).unwrap();
    assert_eq!(bundle.chains().len(), 2);
    assert_eq!(bundle.chains()[0].len(), 2);

    assert!(matches!(
        fulcio.check_trust_bundle(&ok(&json!({}))),
        Err(FulcioError::EmptyTrustBundle)
    ));
    assert!(matches!(
        fulcio.check_trust_bundle(&ok(&json!({"chains": [{"certificates": cas}, {}]}))),
        Err(FulcioError::TrustBundleChain {
            index: 1,
            source: PemChainError::Empty
        })
    ));
    let few = FulcioV2::with_limits(FulcioLimits {
        max_trust_bundle_chains: 1,
        ..FulcioLimits::DEFAULT
    });
    assert!(matches!(
        few.check_trust_bundle(&ok(&body)),
        Err(FulcioError::TooManyChains { count: 2, max: 1 })
    ));
    assert!(matches!(
        fulcio.check_trust_bundle(&HttpResponse::new(500, Vec::new())),
        Err(FulcioError::Status { status: 500, .. })
    ));
    let created = HttpResponse::new(201, serde_json::to_vec(&body).unwrap());
    assert!(matches!(
        fulcio.check_trust_bundle(&created),
        Err(FulcioError::Status { status: 201, .. })
    ));
}

/// A JSON value of bounded depth and size.
fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("signedCertificateEmbeddedSct".to_owned()),
                    Just("signedCertificateDetachedSct".to_owned()),
                    Just("chain".to_owned()),
                    Just("chains".to_owned()),
                    Just("certificates".to_owned()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn answer_checks_never_panic_on_arbitrary_bytes(
        status in prop_oneof![Just(200u16), Just(201u16), 100u16..600],
        body in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let response = HttpResponse::new(status, body);
        let fulcio = FulcioV2::new();
        let _ = fulcio.check_signing_certificate(&response);
        let _ = fulcio.check_trust_bundle(&response);
    }

    #[test]
    fn answer_checks_never_panic_on_json_of_about_the_right_shape(value in arbitrary_json()) {
        let response = ok(&value);
        let fulcio = FulcioV2::new();
        let _ = fulcio.check_signing_certificate(&response);
        let _ = fulcio.check_trust_bundle(&response);
    }

    #[test]
    fn a_mutated_certificate_never_panics_and_the_leaf_is_what_was_sent(
        index in 0usize..3,
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut pems = testdata::chain_pems();
        let mut bytes = pems[index].clone().into_bytes();
        let at = position.index(bytes.len());
        bytes[at] = byte;
        pems[index] = String::from_utf8_lossy(&bytes).into_owned();
        if let Ok(chain) = FulcioV2::new().check_signing_certificate(&ok(&embedded(&pems))) {
            prop_assert_eq!(chain.len(), 3);
            let decoded = pem_rfc7468::decode_vec(pems[0].trim().as_bytes()).unwrap().1;
            prop_assert_eq!(chain.leaf().der(), decoded.as_slice());
        }
    }

    #[test]
    fn requests_round_trip_through_the_wire_types(
        proof in prop::collection::vec(any::<u8>(), 1..128),
        spki in prop::collection::vec(any::<u8>(), 1..256),
        csr in any::<bool>(),
    ) {
        let request = if csr {
            CertificateRequest::csr_der(&spki).unwrap()
        } else {
            CertificateRequest::public_key_der(PublicKeyAlgorithm::Ed25519, &spki, proof.clone()).unwrap()
        };
        let http = FulcioV2::new().signing_certificate(&token(), &request);
        let wire: crate::wire::CreateSigningCertificateRequest =
            serde_json::from_slice(http.body.as_ref().unwrap()).unwrap();
        prop_assert_eq!(&wire, &request.to_wire(&token()));
        if let Some(key) = wire.public_key_request {
            prop_assert_eq!(
                sigchain_core::encoding::base64_decode(&key.proof_of_possession).unwrap(),
                proof
            );
            let (label, der) = pem_rfc7468::decode_vec(key.public_key.content.as_bytes()).unwrap();
            prop_assert_eq!((label, der), ("PUBLIC KEY", spki));
        }
    }
}
