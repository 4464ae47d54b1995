use super::request::{parse_request, KeyProof, SigningCertRequest};
use super::*;
use crate::oidc::{OidcIssuer, TokenRequest};
use crate::pki::EcKey;
use crate::trust::TrustedRootBuilder;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use der::asn1::BitString;
use der::{Decode, Encode};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::x509::{subject_identity, Certificate, FulcioClaims, TrustAnchors};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::request::{CertReq, CertReqInfo};

const NOW: i64 = 1_760_000_000;
const EMAIL: &str = "alice@example.com";

struct Fixture {
    _dir: tempfile::TempDir,
    ca: CertificateAuthority,
    issuer: OidcIssuer,
    tokens: TokenVerifier,
    root: TrustedRoot,
}

fn fixture(misbehavior: Misbehavior) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let ct = CtLog::new(EcKey::generate(Curve::P256).unwrap());
    let ca =
        CertificateAuthority::open(&dir.path().join("ca"), ct, misbehavior, NOW - 100).unwrap();
    let issuer = OidcIssuer::new(
        "http://127.0.0.1:1/oidc",
        EcKey::generate(Curve::P256).unwrap(),
    )
    .unwrap();
    let tokens = TokenVerifier::new(vec![issuer.trusted()]);
    let json = TrustedRootBuilder::new()
        .certificate_authority(
            "http://127.0.0.1:1",
            "ca",
            &ca.trust_bundle(),
            ca.valid_from(),
        )
        .ctlog("http://127.0.0.1:1", ca.ct_log().spki_der(), NOW - 100)
        .to_json();
    let root = TrustedRoot::from_json(json.as_bytes()).unwrap();
    Fixture {
        _dir: dir,
        ca,
        issuer,
        tokens,
        root,
    }
}

fn p256() -> EcdsaKeyPair {
    let alg = &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new()).unwrap();
    EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).unwrap()
}

fn spki_pem(pair: &EcdsaKeyPair) -> String {
    use aws_lc_rs::encoding::AsDer;
    let der = pair.public_key().as_der().unwrap();
    pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, der.as_ref()).unwrap()
}

fn pop_request(token: String, pair: &EcdsaKeyPair, challenge: &str) -> SigningCertRequest {
    let proof = pair
        .sign(&SystemRandom::new(), challenge.as_bytes())
        .unwrap()
        .as_ref()
        .to_vec();
    let body = serde_json::json!({
        "credentials": {"oidcIdentityToken": token},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "ECDSA", "content": spki_pem(pair)},
            "proofOfPossession": base64::engine::general_purpose::STANDARD.encode(proof),
        }
    });
    parse_request(body.to_string().as_bytes(), None).unwrap()
}

fn csr_pem(pair: &EcdsaKeyPair, corrupt: bool) -> String {
    use aws_lc_rs::encoding::AsDer;
    let spki = pair.public_key().as_der().unwrap();
    let info = CertReqInfo {
        version: x509_cert::request::Version::V1,
        subject: crate::pki::name("CN=alice").unwrap(),
        public_key: SubjectPublicKeyInfoOwned::from_der(spki.as_ref()).unwrap(),
        attributes: Default::default(),
    };
    let mut signature = pair
        .sign(&SystemRandom::new(), &info.to_der().unwrap())
        .unwrap()
        .as_ref()
        .to_vec();
    if corrupt {
        *signature.last_mut().unwrap() ^= 1;
    }
    let csr = CertReq {
        info,
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: crate::pki::ECDSA_WITH_SHA256,
            parameters: None,
        },
        signature: BitString::from_bytes(&signature).unwrap(),
    };
    pem_rfc7468::encode_string(
        "CERTIFICATE REQUEST",
        pem_rfc7468::LineEnding::LF,
        &csr.to_der().unwrap(),
    )
    .unwrap()
}

fn csr_request(token: String, pem: &str) -> SigningCertRequest {
    let body = serde_json::json!({
        "credentials": {"oidcIdentityToken": token},
        "certificateSigningRequest": base64::engine::general_purpose::STANDARD.encode(pem),
    });
    parse_request(body.to_string().as_bytes(), None).unwrap()
}

/// Everything a Sigstore verifier checks of a Fulcio certificate, with the core.
fn verify_with_core(f: &Fixture, chain: &IssuedChain) -> Result<Certificate, String> {
    let leaf = Certificate::from_der(&chain.0[0]).map_err(|e| e.to_string())?;
    let intermediate = Certificate::from_der(&chain.0[1]).map_err(|e| e.to_string())?;
    TrustAnchors::new(&f.root.certificate_authorities)
        .verify_leaf(&leaf, &[], &[Timestamp(NOW + 1)])
        .map_err(|e| format!("chain: {e}"))?;
    sigchain_core::sct::verify_embedded_scts(&chain.0[0], intermediate.spki_der(), &f.root.ctlogs)
        .map_err(|e| e.to_string())?
        .require(1)
        .map_err(|e| format!("sct: {e}"))?;
    Ok(leaf)
}

fn token(f: &Fixture) -> String {
    f.issuer.mint(&TokenRequest::for_email(EMAIL), NOW).unwrap()
}

#[test]
fn a_proof_of_possession_request_gets_a_certificate_the_core_accepts() {
    let f = fixture(Misbehavior::None);
    let pair = p256();
    let chain =
        f.ca.issue(&pop_request(token(&f), &pair, EMAIL), &f.tokens, NOW)
            .unwrap();
    assert_eq!(chain.0.len(), 3);
    let leaf = verify_with_core(&f, &chain).unwrap();
    assert_eq!(subject_identity(&leaf).unwrap().as_str(), EMAIL);
    assert_eq!(
        FulcioClaims::from_certificate(&leaf)
            .unwrap()
            .issuer
            .as_deref(),
        Some("http://127.0.0.1:1/oidc")
    );
    assert_eq!(leaf.not_after().0 - leaf.not_before().0, LEAF_LIFETIME);
    assert!(leaf.extension(crate::ct::OID_CT_POISON).is_none());
}

#[test]
fn a_csr_request_gets_a_certificate_the_core_accepts() {
    let f = fixture(Misbehavior::None);
    let pair = p256();
    let chain =
        f.ca.issue(
            &csr_request(token(&f), &csr_pem(&pair, false)),
            &f.tokens,
            NOW,
        )
        .unwrap();
    let leaf = verify_with_core(&f, &chain).unwrap();
    use aws_lc_rs::encoding::AsDer;
    assert_eq!(
        leaf.spki_der(),
        pair.public_key().as_der().unwrap().as_ref()
    );
}

#[test]
fn ed25519_keys_are_certified() {
    let f = fixture(Misbehavior::None);
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    use aws_lc_rs::encoding::AsDer;
    let spki = pair.public_key().as_der().unwrap();
    let request = SigningCertRequest {
        token: token(&f),
        proof: KeyProof::PublicKey {
            content: pem_rfc7468::encode_string(
                "PUBLIC KEY",
                pem_rfc7468::LineEnding::LF,
                spki.as_ref(),
            )
            .unwrap(),
            proof: pair.sign(EMAIL.as_bytes()).as_ref().to_vec(),
        },
    };
    let chain = f.ca.issue(&request, &f.tokens, NOW).unwrap();
    verify_with_core(&f, &chain).unwrap();
}

#[test]
fn p384_proofs_over_sha384_are_accepted() {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::ECDSA_P384_SHA384_ASN1_SIGNING;
    let f = fixture(Misbehavior::None);
    // (P-384 over SHA-256, what older Fulcio clients send, takes the SHA-256 path the P-256
    // tests cover; aws-lc-rs cannot sign it.)
    let alg = &ECDSA_P384_SHA384_ASN1_SIGNING;
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new()).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).unwrap();
    let spki = pair.public_key().as_der().unwrap();
    let request = SigningCertRequest {
        token: token(&f),
        proof: KeyProof::PublicKey {
            content: pem_rfc7468::encode_string(
                "PUBLIC KEY",
                pem_rfc7468::LineEnding::LF,
                spki.as_ref(),
            )
            .unwrap(),
            proof: pair
                .sign(&SystemRandom::new(), EMAIL.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
        },
    };
    let chain = f.ca.issue(&request, &f.tokens, NOW).unwrap();
    verify_with_core(&f, &chain).unwrap();
}

#[test]
fn refusals_say_what_fulcio_says() {
    let f = fixture(Misbehavior::None);
    let pair = p256();
    let refuse = |request: SigningCertRequest| f.ca.issue(&request, &f.tokens, NOW).unwrap_err();

    // A proof over something else than the principal.
    let e = refuse(pop_request(token(&f), &pair, "mallory@example.com"));
    assert!(matches!(e, CaError::InvalidSignature), "{e}");
    assert_eq!((e.status(), e.grpc_code()), (400, 3));
    assert_eq!(
        e.client_message(),
        "The signature supplied in the request could not be verified"
    );
    // A CSR whose signature does not verify.
    let e = refuse(csr_request(token(&f), &csr_pem(&pair, true)));
    assert!(matches!(e, CaError::InvalidSignature), "{e}");
    // Garbage instead of a CSR, or a public key.
    let e = refuse(csr_request(
        token(&f),
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    ));
    assert!(matches!(e, CaError::InvalidCsr), "{e}");
    let e = refuse(SigningCertRequest {
        token: token(&f),
        proof: KeyProof::PublicKey {
            content: "not a key".into(),
            proof: vec![],
        },
    });
    assert!(matches!(e, CaError::InvalidPublicKey), "{e}");

    // Tokens: unknown issuer, expired, another audience, unverified email, bad signature.
    let stranger = OidcIssuer::new(
        "https://elsewhere.example/oidc",
        EcKey::generate(Curve::P256).unwrap(),
    )
    .unwrap();
    let foreign = stranger.mint(&TokenRequest::for_email(EMAIL), NOW).unwrap();
    let e = refuse(pop_request(foreign, &pair, EMAIL));
    assert!(
        matches!(e, CaError::Token(TokenError::UnknownIssuer(_))),
        "{e}"
    );
    assert_eq!(
        e.client_message(),
        "There was an error processing the identity token"
    );

    let expired = f
        .issuer
        .mint(
            &TokenRequest {
                expired: true,
                ..TokenRequest::for_email(EMAIL)
            },
            NOW,
        )
        .unwrap();
    let e = refuse(pop_request(expired, &pair, EMAIL));
    assert!(
        matches!(e, CaError::Token(TokenError::Expired { .. })),
        "{e}"
    );

    let other_aud = f
        .issuer
        .mint(
            &TokenRequest {
                audience: "other".into(),
                ..TokenRequest::for_email(EMAIL)
            },
            NOW,
        )
        .unwrap();
    let e = refuse(pop_request(other_aud, &pair, EMAIL));
    assert!(
        matches!(e, CaError::Token(TokenError::WrongAudience(_))),
        "{e}"
    );

    let unverified = f
        .issuer
        .mint(
            &TokenRequest {
                email_verified: false,
                ..TokenRequest::for_email(EMAIL)
            },
            NOW,
        )
        .unwrap();
    let e = refuse(pop_request(unverified, &pair, EMAIL));
    assert!(
        matches!(e, CaError::Token(TokenError::UnverifiedEmail)),
        "{e}"
    );

    // Same issuer URL, another key: the signature check is what refuses it.
    let impostor = OidcIssuer::new(
        "http://127.0.0.1:1/oidc",
        EcKey::generate(Curve::P256).unwrap(),
    )
    .unwrap();
    let forged = impostor.mint(&TokenRequest::for_email(EMAIL), NOW).unwrap();
    let e = refuse(pop_request(forged, &pair, EMAIL));
    assert!(
        matches!(e, CaError::Token(TokenError::BadSignature(_))),
        "{e}"
    );
}

#[test]
fn misbehaving_cas_are_caught_by_the_core() {
    let pair = p256();
    for (mode, expect) in [
        (Misbehavior::CaUnknownRoot, "chain"),
        (Misbehavior::CaBadSct, "sct"),
    ] {
        let f = fixture(mode);
        let chain =
            f.ca.issue(&pop_request(token(&f), &pair, EMAIL), &f.tokens, NOW)
                .unwrap();
        let error = verify_with_core(&f, &chain).unwrap_err();
        assert!(error.starts_with(expect), "{mode:?}: {error}");
    }
    let f = fixture(Misbehavior::CaWrongSan);
    let chain =
        f.ca.issue(&pop_request(token(&f), &pair, EMAIL), &f.tokens, NOW)
            .unwrap();
    let leaf = verify_with_core(&f, &chain).unwrap();
    assert_ne!(subject_identity(&leaf).unwrap().as_str(), EMAIL);
}

#[test]
fn the_hierarchy_persists() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        let ct = CtLog::new(EcKey::generate(Curve::P256).unwrap());
        CertificateAuthority::open(dir.path(), ct, Misbehavior::None, NOW).unwrap()
    };
    let first = open();
    let second = open();
    assert_eq!(first.trust_bundle(), second.trust_bundle());
    assert_eq!(first.valid_from(), second.valid_from());
}

/// A job of `acme/app`'s release workflow on main, as GitHub's token describes it.
fn release_job() -> crate::oidc::GithubActionsClaims {
    crate::oidc::GithubActionsClaims {
        repository: "acme/app".into(),
        repository_id: "101".into(),
        repository_owner: "acme".into(),
        repository_owner_id: "7".into(),
        repository_visibility: "public".into(),
        git_ref: "refs/heads/main".into(),
        sha: "0123456789abcdef0123456789abcdef01234567".into(),
        workflow: "release".into(),
        workflow_ref: "acme/app/.github/workflows/release.yml@refs/heads/main".into(),
        workflow_sha: "0123456789abcdef0123456789abcdef01234567".into(),
        job_workflow_ref: "acme/ci/.github/workflows/build.yml@refs/tags/v1".into(),
        job_workflow_sha: "89abcdef0123456789abcdef0123456789abcdef".into(),
        event_name: "push".into(),
        run_id: "4242".into(),
        run_attempt: "2".into(),
        runner_environment: "github-hosted".into(),
        environment: None,
    }
}

#[test]
fn a_github_actions_job_is_certified_as_its_workflow_with_fulcios_ci_extensions() {
    let mut f = fixture(Misbehavior::None);
    let github = OidcIssuer::github_actions(
        "http://127.0.0.1:1/oidc/github-actions",
        EcKey::generate(Curve::P256).unwrap(),
    )
    .unwrap();
    f.tokens = TokenVerifier::new(vec![f.issuer.trusted(), github.trusted()]);
    let job = release_job();
    let job_token = github.mint_github_actions(&job, NOW).unwrap();
    let pair = p256();
    let chain =
        f.ca.issue(
            &csr_request(job_token, &csr_pem(&pair, false)),
            &f.tokens,
            NOW,
        )
        .unwrap();
    let leaf = verify_with_core(&f, &chain).unwrap();
    // The reusable workflow the job ran, not the caller's workflow or the token's `sub`.
    let workflow = "https://github.com/acme/ci/.github/workflows/build.yml@refs/tags/v1";
    assert_eq!(subject_identity(&leaf).unwrap().as_str(), workflow);
    let claims = FulcioClaims::from_certificate(&leaf).unwrap();
    let expected = FulcioClaims {
        issuer: Some("http://127.0.0.1:1/oidc/github-actions".into()),
        github_workflow_trigger: Some("push".into()),
        github_workflow_sha: Some(job.sha.clone()),
        github_workflow_name: Some("release".into()),
        github_workflow_repository: Some("acme/app".into()),
        github_workflow_ref: Some("refs/heads/main".into()),
        build_signer_uri: Some(workflow.into()),
        build_signer_digest: Some(job.job_workflow_sha.clone()),
        runner_environment: Some("github-hosted".into()),
        source_repository_uri: Some("https://github.com/acme/app".into()),
        source_repository_digest: Some(job.sha.clone()),
        source_repository_ref: Some("refs/heads/main".into()),
        source_repository_identifier: Some("101".into()),
        source_repository_owner_uri: Some("https://github.com/acme".into()),
        source_repository_owner_identifier: Some("7".into()),
        build_config_uri: Some(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main".into(),
        ),
        build_config_digest: Some(job.workflow_sha.clone()),
        build_trigger: Some("push".into()),
        run_invocation_uri: Some("https://github.com/acme/app/actions/runs/4242/attempts/2".into()),
        source_repository_visibility_at_signing: Some("public".into()),
        ..FulcioClaims::default()
    };
    assert_eq!(claims, expected);

    // An email issuer's token never gets CI extensions, whatever claims it carries.
    let chain =
        f.ca.issue(
            &csr_request(token(&f), &csr_pem(&pair, false)),
            &f.tokens,
            NOW,
        )
        .unwrap();
    let leaf = verify_with_core(&f, &chain).unwrap();
    assert_eq!(
        FulcioClaims::from_certificate(&leaf)
            .unwrap()
            .build_signer_uri,
        None
    );
}
