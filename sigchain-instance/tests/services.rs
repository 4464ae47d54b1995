//! The whole instance over its HTTP routes: a token from its issuer buys a certificate from
//! its CA that verifies under the trusted root it writes; its TSA answers verify; a restart
//! serves the same roots.

use axum::body::Body;
use axum::http::Request;
use base64::Engine as _;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::x509::{subject_identity, Certificate, TrustAnchors};
use sigchain_instance::server::{Instance, InstanceConfig};
use tower::ServiceExt as _;

const BASE: &str = "http://127.0.0.1:9";

async fn call(instance: &Instance, request: Request<Body>) -> (u16, Vec<u8>) {
    let response = instance
        .router(BASE)
        .unwrap()
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, body.to_vec())
}

async fn get(instance: &Instance, path: &str) -> (u16, Vec<u8>) {
    call(instance, Request::get(path).body(Body::empty()).unwrap()).await
}

fn post(path: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

fn pop_body(token: &str, email: &str) -> Vec<u8> {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
        .unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
    let spki = pair.public_key().as_der().unwrap();
    let pem = pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, spki.as_ref())
        .unwrap();
    let proof = pair.sign(&SystemRandom::new(), email.as_bytes()).unwrap();
    serde_json::json!({
        "credentials": {"oidcIdentityToken": token},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "ECDSA", "content": pem},
            "proofOfPossession": base64::engine::general_purpose::STANDARD.encode(proof.as_ref()),
        }
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_token_buys_a_certificate_that_verifies_under_the_written_root() {
    let dir = tempfile::tempdir().unwrap();
    let instance = Instance::open(InstanceConfig::new(dir.path())).unwrap();
    instance.write_trust_files(BASE).unwrap();
    let root =
        TrustedRoot::from_json(&std::fs::read(dir.path().join("trusted_root.json")).unwrap())
            .unwrap();

    let (status, discovery) = get(&instance, "/oidc/.well-known/openid-configuration").await;
    assert_eq!(status, 200);
    let discovery: serde_json::Value = serde_json::from_slice(&discovery).unwrap();
    assert_eq!(discovery["issuer"], format!("{BASE}/oidc"));
    let (status, jwks) = get(&instance, "/oidc/jwks").await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&jwks).unwrap()["keys"][0]["alg"],
        "ES256"
    );

    let (status, token) = get(&instance, "/oidc/token?sub=carol@example.com").await;
    assert_eq!(status, 200);
    let token = String::from_utf8(token).unwrap();
    let (status, answer) = call(
        &instance,
        post(
            "/api/v2/signingCert",
            "application/json",
            pop_body(&token, "carol@example.com"),
        ),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    let pems = answer["signedCertificateEmbeddedSct"]["chain"]["certificates"]
        .as_array()
        .unwrap();
    assert_eq!(pems.len(), 3);
    let leaf = Certificate::from_pem(pems[0].as_str().unwrap()).unwrap();
    let intermediate = Certificate::from_pem(pems[1].as_str().unwrap()).unwrap();
    TrustAnchors::new(&root.certificate_authorities)
        .verify_leaf(&leaf, &[], &[Timestamp::now()])
        .unwrap();
    sigchain_core::sct::verify_embedded_scts(leaf.der(), intermediate.spki_der(), &root.ctlogs)
        .unwrap()
        .require(1)
        .unwrap();
    assert_eq!(
        subject_identity(&leaf).unwrap().as_str(),
        "carol@example.com"
    );

    // Refusals come as Fulcio's grpc-gateway errors.
    let (status, token) = get(&instance, "/oidc/token?sub=carol@example.com&aud=other").await;
    assert_eq!(status, 200);
    let (status, error) = call(
        &instance,
        post(
            "/api/v2/signingCert",
            "application/json",
            pop_body(&String::from_utf8(token).unwrap(), "carol@example.com"),
        ),
    )
    .await;
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_slice(&error).unwrap();
    assert_eq!(error["code"], 3);
    assert_eq!(
        error["message"],
        "There was an error processing the identity token"
    );
    let (status, _) = call(
        &instance,
        post(
            "/api/v2/signingCert",
            "application/json",
            vec![b'{'; 70_000],
        ),
    )
    .await;
    assert_eq!(status, 413);

    let (status, bundle) = get(&instance, "/api/v2/trustBundle").await;
    assert_eq!(status, 200);
    let bundle: serde_json::Value = serde_json::from_slice(&bundle).unwrap();
    assert_eq!(
        bundle["chains"][0]["certificates"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn the_tsa_answers_verify_under_the_written_root() {
    use der::Encode;
    let dir = tempfile::tempdir().unwrap();
    let instance = Instance::open(InstanceConfig::new(dir.path())).unwrap();
    let root =
        TrustedRoot::from_json(instance.trusted_root_json(BASE).unwrap().as_bytes()).unwrap();
    let request = x509_tsp::TimeStampReq {
        version: x509_tsp::TspVersion::V1,
        message_imprint: x509_tsp::MessageImprint {
            hash_algorithm: spki::AlgorithmIdentifier {
                oid: const_oid::db::rfc5912::ID_SHA_256,
                parameters: None,
            },
            hashed_message: der::asn1::OctetString::new(
                sigchain_core::crypto::sha256(b"sig").to_vec(),
            )
            .unwrap(),
        },
        req_policy: None,
        nonce: None,
        cert_req: true,
        extensions: None,
    }
    .to_der()
    .unwrap();
    let response = instance
        .router(BASE)
        .unwrap()
        .oneshot(post(
            "/api/v1/timestamp",
            "application/timestamp-query",
            request,
        ))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/timestamp-reply"
    );
    let reply = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    sigchain_core::timestamp::TimestampAuthorities::new(&root.timestamp_authorities)
        .verify(&reply, b"sig")
        .unwrap();
    let (status, _) = call(
        &instance,
        post(
            "/api/v1/timestamp",
            "application/timestamp-query",
            b"junk".to_vec(),
        ),
    )
    .await;
    assert_eq!(status, 400);
    let (status, chain) = get(&instance, "/api/v1/timestamp/certchain").await;
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(chain)
            .unwrap()
            .matches("BEGIN CERTIFICATE")
            .count(),
        2
    );
}

#[tokio::test]
async fn a_restart_serves_the_same_roots_and_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let first = Instance::open(InstanceConfig::new(dir.path())).unwrap();
    first.write_trust_files(BASE).unwrap();
    let before = std::fs::read_to_string(dir.path().join("trusted_root.json")).unwrap();
    let token = first.oidc_issuer(BASE).unwrap().jwks();
    drop(first);
    let second = Instance::open(InstanceConfig::new(dir.path())).unwrap();
    second.write_trust_files(BASE).unwrap();
    let after = std::fs::read_to_string(dir.path().join("trusted_root.json")).unwrap();
    assert_eq!(before, after);
    assert_eq!(token, second.oidc_issuer(BASE).unwrap().jwks());

    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.path().join(name)).unwrap()).unwrap()
    };
    let v1 = read("signing_config.json");
    assert_eq!(
        v1["mediaType"],
        "application/vnd.dev.sigstore.signingconfig.v0.2+json"
    );
    assert_eq!(v1["caUrls"][0]["url"], BASE);
    assert_eq!(v1["oidcUrls"][0]["url"], format!("{BASE}/oidc"));
    assert_eq!(v1["rekorTlogUrls"][0]["majorApiVersion"], 1);
    assert_eq!(v1["tsaUrls"][0]["url"], format!("{BASE}/api/v1/timestamp"));
    assert_eq!(v1["rekorTlogConfig"]["selector"], "ANY");
    assert_eq!(
        read("signing_config.rekor-v2.json")["rekorTlogUrls"][0]["majorApiVersion"],
        2
    );
    let client = read("client_trust_config.json");
    assert_eq!(
        client["mediaType"],
        "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
    );
    assert_eq!(client["trustedRoot"], read("trusted_root.json"));
    assert_eq!(client["signingConfig"], v1);
    let root = TrustedRoot::from_json(after.as_bytes()).unwrap();
    assert_eq!(
        (
            root.tlogs.len(),
            root.certificate_authorities.len(),
            root.ctlogs.len(),
            root.timestamp_authorities.len()
        ),
        (2, 1, 1, 1)
    );
}

#[tokio::test]
async fn extra_issuers_are_accepted_and_others_are_not() {
    use sigchain_instance::oidc::{OidcIssuer, TokenRequest};
    use sigchain_instance::pki::{Curve, EcKey};
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let partner = OidcIssuer::new(
        "https://partner.example/oidc",
        EcKey::generate(Curve::P256).unwrap(),
    )
    .unwrap();
    let stranger = OidcIssuer::new(
        "https://stranger.example/oidc",
        EcKey::generate(Curve::P256).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = InstanceConfig::new(dir.path());
    config.extra_issuers.push(partner.trusted());
    let instance = Instance::open(config).unwrap();
    let ask = |token: String| {
        post(
            "/api/v2/signingCert",
            "application/json",
            pop_body(&token, "erin@example.com"),
        )
    };
    let from_partner = partner
        .mint(&TokenRequest::for_email("erin@example.com"), now)
        .unwrap();
    let (status, body) = call(&instance, ask(from_partner)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let from_stranger = stranger
        .mint(&TokenRequest::for_email("erin@example.com"), now)
        .unwrap();
    assert_eq!(call(&instance, ask(from_stranger)).await.0, 400);
}

/// Each log is named in the trust files at `BASE/<its checkpoint key name>` and answers there:
/// sigstore-js accepts a checkpoint only when its signature's key name is part of the log's
/// base URL.
#[tokio::test]
async fn each_log_answers_at_the_url_that_contains_its_key_name() {
    let dir = tempfile::tempdir().unwrap();
    let instance = Instance::open(InstanceConfig::new(dir.path())).unwrap();
    instance.write_trust_files(BASE).unwrap();
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.path().join(name)).unwrap()).unwrap()
    };
    let root = read("trusted_root.json");
    for (log, config, probe) in [
        (&instance.rekor_v1, "signing_config.json", "/api/v1/log"),
        (
            &instance.rekor_v2,
            "signing_config.rekor-v2.json",
            "/api/v2/checkpoint",
        ),
    ] {
        let name = log.signer().key_name();
        let url = format!("{BASE}/{name}");
        assert_eq!(read(config)["rekorTlogUrls"][0]["url"], url.as_str());
        let named: Vec<_> = root["tlogs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["baseUrl"] == url.as_str())
            .collect();
        assert_eq!(named.len(), 1, "{url} in {root}");
        let (status, _) = get(&instance, &format!("/{name}{probe}")).await;
        assert_eq!(status, 200, "{name}{probe}");
        // And at the root, as before.
        let (status, _) = get(&instance, probe).await;
        assert_eq!(status, 200, "{probe}");
    }
}
