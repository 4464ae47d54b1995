//! Tests for the parent module, kept apart to keep that file short.

use super::*;
use crate::x509::testdata::{
    leaf, production, signed_timestamp, timestamped_signature, trusted_root,
};
use crate::x509::{ChainError, TrustAnchors};
use der::asn1::SetOfVec;
use der::Any;
use x509_cert::attr::Attribute;

fn tsas(case: &str) -> TimestampAuthorities {
    let tsas = TimestampAuthorities::new(&trusted_root(case).timestamp_authorities);
    assert_eq!(tsas.pool().unusable().count(), 0);
    tsas
}

fn verify_case(case: &str) -> Result<VerifiedTimestamp, TimestampError> {
    tsas(case).verify(&signed_timestamp(case), &timestamped_signature(case))
}

/// Re-encode the happy path's response after editing its SignedData.
fn edited(edit: impl FnOnce(&mut SignedData)) -> Result<VerifiedTimestamp, TimestampError> {
    let case = "rekor2-happy-path";
    let tsr = signed_timestamp(case);
    let mut resp = TimeStampResp::from_der(&tsr).unwrap();
    let token = resp.time_stamp_token.as_mut().unwrap();
    let mut sd: SignedData = token.content.decode_as().unwrap();
    edit(&mut sd);
    token.content = Any::encode_from(&sd).unwrap();
    tsas(case).verify(&resp.to_der().unwrap(), &timestamped_signature(case))
}

fn edited_tst_info(edit: impl FnOnce(&mut TstInfo)) -> Result<VerifiedTimestamp, TimestampError> {
    edited(|sd| {
        let econtent = sd.encap_content_info.econtent.as_mut().unwrap();
        let mut tst = TstInfo::from_der(econtent.value()).unwrap();
        edit(&mut tst);
        *econtent = Any::new(der::Tag::OctetString, tst.to_der().unwrap()).unwrap();
    })
}

fn edited_attribute(id: ObjectIdentifier, value: Any) -> Result<VerifiedTimestamp, TimestampError> {
    edited(|sd| {
        let signer = sd.signer_infos.0.as_slice()[0].clone();
        let mut signer = signer;
        let mut attrs: Vec<Attribute> = signer.signed_attrs.take().unwrap().into_vec();
        let attr = attrs.iter_mut().find(|a| a.oid == id).unwrap();
        attr.values = SetOfVec::try_from(vec![value]).unwrap();
        signer.signed_attrs = Some(SetOfVec::try_from(attrs).unwrap());
        sd.signer_infos.0 = SetOfVec::try_from(vec![signer]).unwrap();
    })
}

fn when(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

#[test]
fn rekor2_happy_path() {
    let case = "rekor2-happy-path";
    let ts = verify_case(case).unwrap();
    assert_eq!(ts.time(), when("2025-06-12T12:02:20Z"));
    assert_eq!(
        ts.authority_uri(),
        "https://timestamp.sigstage.dev/api/v1/timestamp"
    );
    assert_eq!(ts.authority_index(), 0);
    // The timestamp then anchors the signing certificate's chain.
    let anchors = TrustAnchors::new(&trusted_root(case).certificate_authorities);
    anchors.verify_leaf(&leaf(case), &[], &[ts.time()]).unwrap();
}

#[test]
fn passing_tsa_cases() {
    for (case, time) in [
        (
            "rekor2-timestamp-with-embedded-cert",
            "2025-08-06T18:51:36Z",
        ),
        (
            "rekor2-timestamp-without-embedded-cert",
            "2025-08-06T19:03:51Z",
        ),
        // The TSA chain has long expired, but was valid at genTime.
        (
            "rekor2-timestamp-with-expired-cert-chain",
            "2025-08-07T15:32:26Z",
        ),
        // genTime equals the trust root's validFor.end: closed interval.
        (
            "trust-root-tsa-validity-end-inclusive",
            "2025-06-12T12:02:20Z",
        ),
    ] {
        let ts = verify_case(case).unwrap_or_else(|e| panic!("{case}: {e:?}"));
        assert_eq!(ts.time(), when(time), "{case}");
    }
}

#[test]
fn validity_end_one_second_earlier_fails() {
    let case = "trust-root-tsa-validity-end-inclusive";
    let mut authorities = trusted_root(case).timestamp_authorities;
    authorities[0].validity.end = Some(when("2025-06-12T12:02:19Z"));
    let err = TimestampAuthorities::new(&authorities)
        .verify(&signed_timestamp(case), &timestamped_signature(case))
        .unwrap_err();
    assert!(matches!(
        err,
        TimestampError::Chain(ChainError::OutsideAuthorityValidity { .. })
    ));
}

#[test]
fn timestamp_outside_trust_root_tsa_validity() {
    let err = verify_case("rekor2-timestamp-outside-trust-root-tsa-validity_fail").unwrap_err();
    assert!(
        matches!(
            err,
            TimestampError::Chain(ChainError::OutsideAuthorityValidity { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn timestamp_outside_tsa_cert_validity() {
    let err = verify_case("rekor2-timestamp-outside-tsa-cert-validity_fail").unwrap_err();
    assert!(
        matches!(err, TimestampError::Chain(ChainError::Expired { .. })),
        "{err:?}"
    );
}

#[test]
fn payload_mismatch() {
    let err = verify_case("rekor2-timestamp-payload-mismatch_fail").unwrap_err();
    assert!(
        matches!(err, TimestampError::MessageImprintMismatch { .. }),
        "{err:?}"
    );
    // And any other bytes than the signature.
    let case = "rekor2-happy-path";
    let err = tsas(case)
        .verify(&signed_timestamp(case), b"other")
        .unwrap_err();
    assert!(matches!(err, TimestampError::MessageImprintMismatch { .. }));
}

#[test]
fn untrusted_tsa_rejected() {
    let err = verify_case("rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail").unwrap_err();
    assert!(
        matches!(
            err,
            TimestampError::Chain(ChainError::UntrustedIssuer { .. })
        ),
        "{err:?}"
    );
    let err = verify_case("rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail").unwrap_err();
    assert_eq!(err, TimestampError::SignerNotFound);
    // A trusted root with another TSA (production) does not vouch for staging's.
    let case = "rekor2-happy-path";
    let err = TimestampAuthorities::new(&production().timestamp_authorities)
        .verify(&signed_timestamp(case), &timestamped_signature(case))
        .unwrap_err();
    assert!(
        matches!(
            err,
            TimestampError::Chain(_) | TimestampError::SignerNotFound
        ),
        "{err:?}"
    );
}

#[test]
fn timestamp_valid_but_signing_cert_not() {
    // rekor2-timestamp-with-incorrect-time_fail and
    // intoto-tsa-timestamp-outside-cert-validity_fail: the timestamp itself is good; the
    // failure is the signing certificate's validity at that time (chain step).
    for case in [
        "rekor2-timestamp-with-incorrect-time_fail",
        "intoto-tsa-timestamp-outside-cert-validity_fail",
    ] {
        let ts = verify_case(case).unwrap_or_else(|e| panic!("{case}: {e:?}"));
        let anchors = TrustAnchors::new(&trusted_root(case).certificate_authorities);
        let err = anchors
            .verify_leaf(&leaf(case), &[], &[ts.time()])
            .unwrap_err();
        assert!(
            matches!(
                err,
                ChainError::Expired { .. } | ChainError::NotYetValid { .. }
            ),
            "{case}: {err:?}"
        );
    }
}

#[test]
fn status_must_be_granted() {
    let case = "rekor2-happy-path";
    let mut tsr = signed_timestamp(case);
    // 30 82 LL LL | 30 03 02 01 <status>
    assert_eq!(&tsr[4..8], &[0x30, 0x03, 0x02, 0x01]);
    tsr[8] = 2;
    assert_eq!(
        tsas(case).verify(&tsr, &timestamped_signature(case)),
        Err(TimestampError::NotGranted { status: 2 })
    );
}

#[test]
fn malformed_and_oversized_rejected() {
    let t = tsas("rekor2-happy-path");
    assert!(matches!(
        t.verify(b"\x30\x00", b"x"),
        Err(TimestampError::Decode { .. })
    ));
    let big = vec![0u8; MAX_SIGNED_TIMESTAMP_BYTES + 1];
    assert!(matches!(
        t.verify(&big, b"x"),
        Err(TimestampError::TooLarge(_))
    ));
    let mut tsr = signed_timestamp("rekor2-happy-path");
    tsr.push(0);
    assert!(matches!(
        t.verify(&tsr, b"x"),
        Err(TimestampError::Decode { .. })
    ));
}

#[test]
fn signed_attributes_checked() {
    let wrong_digest = Any::encode_from(&OctetString::new(vec![0u8; 32]).unwrap()).unwrap();
    assert_eq!(
        edited_attribute(ID_MESSAGE_DIGEST, wrong_digest),
        Err(TimestampError::MessageDigestAttribute)
    );
    let wrong_type = Any::encode_from(&ID_SIGNED_DATA).unwrap();
    assert_eq!(
        edited_attribute(ID_CONTENT_TYPE, wrong_type),
        Err(TimestampError::ContentTypeAttribute)
    );
    assert_eq!(
        edited(|sd| {
            let mut signer = sd.signer_infos.0.as_slice()[0].clone();
            signer.signed_attrs = None;
            sd.signer_infos.0 = SetOfVec::try_from(vec![signer]).unwrap();
        }),
        Err(TimestampError::MissingSignedAttributes)
    );
    // The TSTInfo is covered by the message-digest attribute.
    assert_eq!(
        edited_tst_info(|tst| tst.serial_number = der::asn1::Int::new(&[7]).unwrap()),
        Err(TimestampError::MessageDigestAttribute)
    );
}

#[test]
fn signature_checked() {
    let err = edited(|sd| {
        let mut signer = sd.signer_infos.0.as_slice()[0].clone();
        let mut sig = signer.signature.as_bytes().to_vec();
        let last = sig.len() - 1;
        sig[last] ^= 1;
        signer.signature = OctetString::new(sig).unwrap();
        sd.signer_infos.0 = SetOfVec::try_from(vec![signer]).unwrap();
    })
    .unwrap_err();
    assert!(matches!(err, TimestampError::Signature(_)), "{err:?}");
}

#[test]
fn structure_checked() {
    assert_eq!(
        edited(|sd| sd.encap_content_info.econtent_type = ID_SIGNED_DATA),
        Err(TimestampError::NotTstInfo {
            content_type: ID_SIGNED_DATA
        })
    );
    assert_eq!(
        edited(|sd| sd.encap_content_info.econtent = None),
        Err(TimestampError::MissingContent)
    );
    let err = edited(|sd| {
        let mut second = sd.signer_infos.0.as_slice()[0].clone();
        second.signature = OctetString::new(vec![1, 2, 3]).unwrap();
        sd.signer_infos.0.insert(second).unwrap();
    });
    assert_eq!(err, Err(TimestampError::SignerCount { count: 2 }));
    let sha1 = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
    assert_eq!(
        edited_tst_info(|tst| tst.message_imprint.hash_algorithm.oid = sha1),
        Err(TimestampError::UnsupportedHash { oid: sha1 })
    );
    // RFC 5754: hash parameters are absent or NULL, nothing else.
    let with_params = edited_tst_info(|tst| {
        tst.message_imprint.hash_algorithm.parameters = Some(Any::encode_from(&1u8).unwrap())
    });
    assert_eq!(
        with_params,
        Err(TimestampError::UnsupportedHash { oid: oid::SHA256 })
    );
    let with_null =
        edited_tst_info(|tst| tst.message_imprint.hash_algorithm.parameters = Some(Any::null()));
    // NULL parameters (what this TSA writes) are accepted.
    assert!(with_null.is_ok());
}

#[test]
fn embedded_certificate_optional() {
    // Dropping the embedded certificate falls back to the trusted root's pinned leaf.
    let ts = edited(|sd| sd.certificates = None).unwrap();
    assert_eq!(ts.time(), when("2025-06-12T12:02:20Z"));
}

/// Replace the single signer's `sid` in the happy path's response.
fn with_sid(
    edit: impl FnOnce(&SignerIdentifier, &Certificate) -> SignerIdentifier,
) -> Result<VerifiedTimestamp, TimestampError> {
    edited(|sd| {
        let embedded = match sd.certificates.as_ref().unwrap().0.as_slice() {
            [CertificateChoices::Certificate(cert)] => cert.to_der().unwrap(),
            other => panic!("expected one embedded certificate, found {}", other.len()),
        };
        let cert = Certificate::from_der(&embedded).unwrap();
        let mut signer = sd.signer_infos.0.as_slice()[0].clone();
        signer.sid = edit(&signer.sid, &cert);
        sd.signer_infos.0 = SetOfVec::try_from(vec![signer]).unwrap();
    })
}

#[test]
fn signer_identifier_must_name_the_certificate() {
    // Both halves of issuerAndSerialNumber must match: a token naming another certificate
    // of the same issuer, or the same serial under another issuer, has no signer here.
    let original = with_sid(|sid, _| sid.clone());
    assert!(original.is_ok(), "{original:?}");
    let other_serial = with_sid(|sid, _| {
        let SignerIdentifier::IssuerAndSerialNumber(ias) = sid else {
            panic!("expected issuerAndSerialNumber");
        };
        let mut ias = ias.clone();
        let mut serial = ias.serial_number.as_bytes().to_vec();
        let last = serial.len() - 1;
        serial[last] ^= 1;
        ias.serial_number = x509_cert::serial_number::SerialNumber::new(&serial).unwrap();
        SignerIdentifier::IssuerAndSerialNumber(ias)
    });
    assert_eq!(other_serial, Err(TimestampError::SignerNotFound));
    let other_issuer = with_sid(|sid, cert| {
        let SignerIdentifier::IssuerAndSerialNumber(ias) = sid else {
            panic!("expected issuerAndSerialNumber");
        };
        let mut ias = ias.clone();
        // The certificate's own subject differs from its issuer.
        assert_ne!(cert.subject_der(), cert.issuer_der());
        ias.issuer = x509_cert::name::Name::from_der(cert.subject_der()).unwrap();
        SignerIdentifier::IssuerAndSerialNumber(ias)
    });
    assert_eq!(other_issuer, Err(TimestampError::SignerNotFound));

    // subjectKeyIdentifier (RFC 5652 5.3): the right one finds the signer, another does not.
    let ski = |bytes: Vec<u8>| {
        SignerIdentifier::SubjectKeyIdentifier(x509_cert::ext::pkix::SubjectKeyIdentifier(
            OctetString::new(bytes).unwrap(),
        ))
    };
    let by_key_id = with_sid(|_, cert| ski(cert.subject_key_id().unwrap().to_vec()));
    assert!(by_key_id.is_ok(), "{by_key_id:?}");
    let by_other_key_id = with_sid(|_, cert| {
        let mut id = cert.subject_key_id().unwrap().to_vec();
        id[0] ^= 1;
        ski(id)
    });
    assert_eq!(by_other_key_id, Err(TimestampError::SignerNotFound));
}

#[test]
fn attributes_must_occur_once_with_one_value() {
    // Two message-digest values (or attributes) would leave it open which one was checked.
    let take_attrs = |sd: &mut SignedData| {
        let mut signer = sd.signer_infos.0.as_slice()[0].clone();
        let attrs: Vec<Attribute> = signer.signed_attrs.take().unwrap().into_vec();
        (signer, attrs)
    };
    let two_values = edited(|sd| {
        let (mut signer, mut attrs) = take_attrs(sd);
        let attr = attrs
            .iter_mut()
            .find(|a| a.oid == ID_MESSAGE_DIGEST)
            .unwrap();
        let extra = Any::encode_from(&OctetString::new(vec![0u8; 32]).unwrap()).unwrap();
        attr.values.insert(extra).unwrap();
        signer.signed_attrs = Some(SetOfVec::try_from(attrs).unwrap());
        sd.signer_infos.0 = SetOfVec::try_from(vec![signer]).unwrap();
    });
    assert_eq!(
        two_values,
        Err(TimestampError::AttributeCount {
            oid: ID_MESSAGE_DIGEST
        })
    );
    let twice = edited(|sd| {
        let (mut signer, mut attrs) = take_attrs(sd);
        let mut copy = attrs
            .iter()
            .find(|a| a.oid == ID_CONTENT_TYPE)
            .unwrap()
            .clone();
        copy.values = SetOfVec::try_from(vec![Any::encode_from(&ID_SIGNED_DATA).unwrap()]).unwrap();
        attrs.push(copy);
        signer.signed_attrs = Some(SetOfVec::try_from(attrs).unwrap());
        sd.signer_infos.0 = SetOfVec::try_from(vec![signer]).unwrap();
    });
    assert_eq!(
        twice,
        Err(TimestampError::AttributeCount {
            oid: ID_CONTENT_TYPE
        })
    );
}

#[test]
fn token_must_be_present_and_signed_data() {
    let case = "rekor2-happy-path";
    let tsr = signed_timestamp(case);
    let verify = |resp: &TimeStampResp| {
        tsas(case).verify(&resp.to_der().unwrap(), &timestamped_signature(case))
    };
    let mut resp = TimeStampResp::from_der(&tsr).unwrap();
    resp.time_stamp_token.as_mut().unwrap().content_type = ID_CT_TST_INFO;
    assert_eq!(
        verify(&resp),
        Err(TimestampError::NotSignedData {
            content_type: ID_CT_TST_INFO
        })
    );
    resp.time_stamp_token = None;
    assert_eq!(verify(&resp), Err(TimestampError::MissingToken));
}

#[test]
fn granted_with_mods_is_accepted() {
    // RFC 3161 2.4.2: status 1 (grantedWithMods) still carries a valid token.
    let case = "rekor2-happy-path";
    let mut tsr = signed_timestamp(case);
    assert_eq!(&tsr[4..9], &[0x30, 0x03, 0x02, 0x01, 0x00]);
    tsr[8] = 1;
    let ts = tsas(case).verify(&tsr, &timestamped_signature(case));
    assert_eq!(ts.map(|t| t.time()), Ok(when("2025-06-12T12:02:20Z")));
}

#[test]
fn response_of_exactly_the_size_bound_is_parsed() {
    let t = tsas("rekor2-happy-path");
    let largest = vec![0u8; MAX_SIGNED_TIMESTAMP_BYTES];
    assert!(matches!(
        t.verify(&largest, b"x"),
        Err(TimestampError::Decode { .. })
    ));
}

#[test]
fn each_sha2_hash_is_recognised() {
    // The conformance TSA uses SHA-256 imprints; SHA-384 and SHA-512 tokens must not be
    // refused nor hashed with the wrong function.
    for (id, expected) in [
        (oid::SHA256, HashAlgorithm::Sha256),
        (oid::SHA384, HashAlgorithm::Sha384),
        (oid::SHA512, HashAlgorithm::Sha512),
    ] {
        for parameters in [None, Some(Any::null())] {
            let alg = AlgorithmIdentifierOwned {
                oid: id,
                parameters,
            };
            assert_eq!(hash_algorithm(&alg), Ok(expected), "{id}");
        }
    }
}

#[test]
fn hash_parameters_must_be_an_empty_null() {
    // Both halves matter: a NULL with content, or an empty value of another type, is not the
    // absent-or-NULL RFC 5754 allows.
    for parameters in [
        Any::new(der::Tag::Null, vec![0u8]).unwrap(),
        Any::new(der::Tag::OctetString, Vec::<u8>::new()).unwrap(),
    ] {
        let alg = AlgorithmIdentifierOwned {
            oid: oid::SHA256,
            parameters: Some(parameters),
        };
        assert_eq!(
            hash_algorithm(&alg),
            Err(TimestampError::UnsupportedHash { oid: oid::SHA256 })
        );
    }
}

#[test]
fn authority_index_is_the_position_of_the_signing_authority() {
    let case = "rekor2-happy-path";
    let mut authorities = production().timestamp_authorities;
    let before = authorities.len();
    assert!(before > 0);
    authorities.extend(trusted_root(case).timestamp_authorities);
    let ts = TimestampAuthorities::new(&authorities)
        .verify(&signed_timestamp(case), &timestamped_signature(case))
        .unwrap();
    assert_eq!(ts.authority_index(), before);
    assert_eq!(
        ts.authority_uri(),
        "https://timestamp.sigstage.dev/api/v1/timestamp"
    );
}

#[test]
fn signer_naming_the_key_algorithm_uses_the_digest_algorithm() {
    // Some CMS signers write id-ecPublicKey as the signature algorithm; the hash then comes
    // from digestAlgorithm, and the signature must still verify.
    let named_by_key = edited(|sd| {
        let mut signer = sd.signer_infos.0.as_slice()[0].clone();
        assert_ne!(signer.signature_algorithm.oid, oid::EC_PUBLIC_KEY);
        signer.signature_algorithm = AlgorithmIdentifierOwned {
            oid: oid::EC_PUBLIC_KEY,
            parameters: None,
        };
        sd.signer_infos.0 = SetOfVec::try_from(vec![signer]).unwrap();
    });
    assert_eq!(
        named_by_key.map(|t| t.time()),
        Ok(when("2025-06-12T12:02:20Z"))
    );
}

proptest::proptest! {
    #[test]
    fn never_panics_on_mutated_responses(
        index in proptest::prelude::any::<proptest::sample::Index>(),
        byte in proptest::prelude::any::<u8>(),
    ) {
        let case = "rekor2-happy-path";
        let mut tsr = signed_timestamp(case);
        let i = index.index(tsr.len());
        tsr[i] = byte;
        let _ = tsas(case).verify(&tsr, &timestamped_signature(case));
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let _ = tsas("rekor2-happy-path").verify(&bytes, b"sig");
    }
}
