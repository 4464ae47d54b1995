use super::*;
use crate::trust::TrustedRootBuilder;
use proptest::prelude::*;
use sigchain_core::timestamp::TimestampAuthorities;
use sigchain_core::trust_root::TrustedRoot;

const NOW: i64 = 1_760_000_000;

fn request(signature: &[u8], nonce: Option<&[u8]>, cert_req: bool) -> Vec<u8> {
    TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: spki::AlgorithmIdentifier {
                oid: ID_SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(sigchain_core::crypto::sha256(signature).to_vec())
                .unwrap(),
        },
        req_policy: None,
        nonce: nonce.map(|n| Int::new(n).unwrap()),
        cert_req,
        extensions: None,
    }
    .to_der()
    .unwrap()
}

fn authorities(tsa: &TimestampAuthority) -> TimestampAuthorities {
    let json = TrustedRootBuilder::new()
        .timestamp_authority(
            "http://127.0.0.1:1/api/v1/timestamp",
            "tsa",
            &tsa.chain_der(),
            tsa.valid_from(),
        )
        .to_json();
    let root = TrustedRoot::from_json(json.as_bytes()).unwrap();
    TimestampAuthorities::new(&root.timestamp_authorities)
}

#[test]
fn the_core_verifies_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let tsa = TimestampAuthority::open(dir.path(), Misbehavior::None, NOW - 100).unwrap();
    let authorities = authorities(&tsa);
    for cert_req in [true, false] {
        let reply = tsa
            .respond(
                &request(b"signature", Some(&[0x12, 0x34]), cert_req),
                NOW,
                &[0x42],
            )
            .unwrap();
        let verified = authorities.verify(&reply, b"signature").unwrap();
        assert_eq!(verified.time().0, NOW);
        assert!(authorities.verify(&reply, b"other signature").is_err());

        let resp = x509_tsp::TimeStampResp::from_der(&reply).unwrap();
        let signed: SignedData = resp.time_stamp_token.unwrap().content.decode_as().unwrap();
        assert_eq!(signed.certificates.is_some(), cert_req);
        let econtent = signed.encap_content_info.econtent.unwrap();
        let tst =
            TstInfo::from_der(econtent.decode_as::<OctetString>().unwrap().as_bytes()).unwrap();
        assert_eq!(tst.nonce.unwrap().as_bytes(), &[0x12, 0x34]);
        assert_eq!(tst.policy, POLICY);
        let attrs = signed
            .signer_infos
            .0
            .get(0)
            .unwrap()
            .signed_attrs
            .clone()
            .unwrap();
        assert!(attrs.iter().any(|a| a.oid == ID_SIGNING_CERTIFICATE_V2));
    }
    // A restarted TSA signs with the same chain.
    let again = TimestampAuthority::open(dir.path(), Misbehavior::None, NOW).unwrap();
    assert_eq!(again.chain_der(), tsa.chain_der());
}

#[test]
fn a_wrong_hash_tsa_is_caught_by_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let tsa = TimestampAuthority::open(dir.path(), Misbehavior::TsaWrongHash, NOW - 100).unwrap();
    let reply = tsa
        .respond(&request(b"signature", None, true), NOW, &[1])
        .unwrap();
    assert!(matches!(
        authorities(&tsa).verify(&reply, b"signature"),
        Err(sigchain_core::timestamp::TimestampError::MessageImprintMismatch { .. })
    ));
}

#[test]
fn bad_requests_are_refused() {
    assert!(matches!(
        parse_request(b"junk"),
        Err(TsaError::Malformed(_))
    ));
    assert!(matches!(
        parse_request(&vec![0; MAX_REQUEST_BYTES + 1]),
        Err(TsaError::TooLarge(_))
    ));
    let mut short = request(b"x", None, false);
    // Cut the imprint: the DER no longer parses or the length no longer fits SHA-256.
    short.truncate(short.len() - 1);
    assert!(parse_request(&short).is_err());
    let sha1 = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: spki::AlgorithmIdentifier {
                oid: ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
                parameters: None,
            },
            hashed_message: OctetString::new(vec![0; 20]).unwrap(),
        },
        req_policy: None,
        nonce: None,
        cert_req: false,
        extensions: None,
    };
    assert!(matches!(
        parse_request(&sha1.to_der().unwrap()),
        Err(TsaError::BadImprint { .. })
    ));
}

proptest! {
    #[test]
    fn arbitrary_requests_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_request(&bytes);
    }

    #[test]
    fn any_nonce_is_echoed(nonce in proptest::collection::vec(1u8..=0x7f, 1..16)) {
        let der = request(b"s", Some(&nonce), false);
        let parsed = parse_request(&der).unwrap();
        let echoed = parsed.nonce.unwrap();
        prop_assert_eq!(echoed.as_bytes(), nonce.as_slice());
    }
}

/// OpenSSL's PKCS#7 verifier (under rfc3161-client, so sigstore-python) hashes the signed
/// attributes with the SignerInfo's digest algorithm: it must be the signature's hash, and the
/// message-digest attribute a digest of the TSTInfo under it.
#[test]
fn the_signer_info_digest_is_the_signature_hash() {
    let dir = tempfile::tempdir().unwrap();
    let tsa = TimestampAuthority::open(dir.path(), Misbehavior::None, NOW - 100).unwrap();
    let reply = tsa
        .respond(&request(b"signature", None, true), NOW, &[0x42])
        .unwrap();
    let resp = x509_tsp::TimeStampResp::from_der(&reply).unwrap();
    let signed: SignedData = resp.time_stamp_token.unwrap().content.decode_as().unwrap();
    let signer = signed.signer_infos.0.get(0).unwrap();
    // The TSA key is P-384: ecdsa-with-SHA384.
    assert_eq!(
        signer.signature_algorithm.oid,
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3")
    );
    assert_eq!(signer.digest_alg.oid, ID_SHA384);
    assert_eq!(
        signed.digest_algorithms.get(0).map(|a| a.oid),
        Some(ID_SHA384)
    );
    let tst_info = signed
        .encap_content_info
        .econtent
        .unwrap()
        .decode_as::<OctetString>()
        .unwrap();
    let message_digest = signer
        .signed_attrs
        .as_ref()
        .unwrap()
        .iter()
        .find(|a| a.oid == ID_MESSAGE_DIGEST)
        .unwrap()
        .values
        .get(0)
        .unwrap()
        .decode_as::<OctetString>()
        .unwrap();
    assert_eq!(
        message_digest.as_bytes(),
        sigchain_core::crypto::sha384(tst_info.as_bytes())
    );
}
