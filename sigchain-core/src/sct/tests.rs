//! SCT checks against the conformance bundles' real Fulcio leaves, and mutations of them.

use der::asn1::OctetString;
use der::{Decode, Encode};
use x509_cert::Certificate;

use super::parse::encode_sct_list;
use super::*;
use crate::encoding::base64_decode;
use crate::encoding::subslice_range;
use crate::trust_root::TrustedRoot;
use der::{AnyRef, Tagged};

fn shared(path: &str) -> Vec<u8> {
    let full = format!("{}/../../shared/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The leaf certificate of a conformance case's bundle.
fn leaf_of(case: &str) -> Vec<u8> {
    let json = shared(&format!(
        "conformance/bundle-verify/{case}/bundle.sigstore.json"
    ));
    let bundle: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let material = &bundle["verificationMaterial"];
    let raw = material["certificate"]["rawBytes"]
        .as_str()
        .or_else(|| material["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())
        .unwrap();
    base64_decode(raw).unwrap()
}

/// The case's own trusted root, or the production one.
fn root_of(case: &str) -> TrustedRoot {
    let own = format!(
        "{}/../../shared/conformance/bundle-verify/{case}/trusted_root.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let json = std::fs::read(own).unwrap_or_else(|_| shared("trust/production/trusted_root.json"));
    TrustedRoot::from_json(&json).unwrap()
}

/// SPKIs of the trusted CA certificates whose subject is the leaf's issuer.
fn issuer_spkis(leaf_der: &[u8], root: &TrustedRoot) -> Vec<Vec<u8>> {
    let leaf = Certificate::from_der(leaf_der).unwrap();
    root.certificate_authorities
        .iter()
        .flat_map(|ca| ca.chain.iter())
        .filter_map(|der| Certificate::from_der(der).ok())
        .filter(|ca| ca.tbs_certificate.subject == leaf.tbs_certificate.issuer)
        .map(|ca| ca.tbs_certificate.subject_public_key_info.to_der().unwrap())
        .collect()
}

/// Verify a case's leaf with each candidate issuer; the best outcome.
fn check(leaf_der: &[u8], root: &TrustedRoot, ctlogs: &[TransparencyLog]) -> SctVerification {
    let spkis = issuer_spkis(leaf_der, root);
    assert!(!spkis.is_empty(), "no trusted CA issued this leaf");
    let outcomes: Vec<SctVerification> = spkis
        .iter()
        .map(|spki| verify_embedded_scts(leaf_der, spki, ctlogs).unwrap())
        .collect();
    outcomes
        .iter()
        .max_by_key(|o| o.verified_count())
        .cloned()
        .unwrap()
}

fn happy(case: &str) -> (Vec<u8>, TrustedRoot) {
    let leaf = leaf_of(case);
    let root = root_of(case);
    let report = check(&leaf, &root, &root.ctlogs);
    assert_eq!(
        report.verified_count(),
        1,
        "{case}: {:?}",
        report.rejected()
    );
    (leaf, root)
}

/// Rebuild `leaf_der` with its SCT-list extension value replaced by `list` (the certificate's
/// own signature is then stale, which SCT checks do not look at).
fn with_sct_list(leaf_der: &[u8], list: &[u8]) -> Vec<u8> {
    let mut cert = Certificate::from_der(leaf_der).unwrap();
    let wrapped = OctetString::new(list.to_vec()).unwrap().to_der().unwrap();
    for ext in cert.tbs_certificate.extensions.as_mut().unwrap() {
        if ext.extn_id == OID_SCT_LIST {
            ext.extn_value = OctetString::new(wrapped.clone()).unwrap();
        }
    }
    cert.to_der().unwrap()
}

/// The (OID, value) pairs `embedded_sct_list` reads, from an `x509-cert` certificate.
fn extensions_of(cert: &Certificate) -> impl Iterator<Item = (ObjectIdentifier, &[u8])> {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .map(|e| (e.extn_id, e.extn_value.as_bytes()))
}

fn scts_of(leaf_der: &[u8]) -> Vec<SignedCertificateTimestamp> {
    let cert = Certificate::from_der(leaf_der).unwrap();
    parse_sct_list(embedded_sct_list(extensions_of(&cert)).unwrap()).unwrap()
}

const HAPPY: &[&str] = &[
    "happy-path-v0.1",
    "happy-path-v0.2",
    "happy-path-v0.3",
    "happy-path-v0.3-new-mediaType",
    "happy-path-intoto-in-dsse-v3",
    "intoto-with-custom-trust-root",
    "rekor2-happy-path",
    "rekor2-dsse-happy-path",
    "trust-root-tlog-validity-end-inclusive",
    "trust-root-tsa-validity-end-inclusive",
    "bundle-with-sct-with-extensions",
];

#[test]
fn conformance_happy_paths_verify() {
    for case in HAPPY {
        let (leaf, root) = happy(case);
        let report = check(&leaf, &root, &root.ctlogs);
        let verified = report.require(1).unwrap();
        let sct = &verified[0];
        assert!(root.ctlog(&sct.log_id().0).is_some());
        assert_eq!(sct.timestamp().0, (sct.timestamp_ms() / 1000) as i64);
    }
}

#[test]
fn sct_with_extensions_is_signed_over_them() {
    let (leaf, root) = happy("bundle-with-sct-with-extensions");
    let mut scts = scts_of(&leaf);
    assert!(!scts[0].extensions.is_empty());
    // The extensions are part of the signed data: changing them breaks the signature.
    scts[0].extensions[0] ^= 1;
    let leaf = with_sct_list(&leaf, &encode_sct_list(&scts).unwrap());
    let report = check(&leaf, &root, &root.ctlogs);
    assert!(matches!(
        report.rejected()[0].reason,
        SctError::BadSignature { .. }
    ));
}

#[test]
fn invalid_ct_key_case_is_rejected() {
    let case = "invalid-ct-key_fail";
    let leaf = leaf_of(case);
    let root = root_of(case);
    let report = check(&leaf, &root, &root.ctlogs);
    assert_eq!(report.verified_count(), 0);
    assert!(matches!(
        report.clone().require(1),
        Err(SctError::BelowThreshold {
            verified: 0,
            threshold: 1,
            ..
        })
    ));
    assert!(matches!(
        report.rejected()[0].reason,
        SctError::UnknownLog { .. }
    ));
}

#[test]
fn wrong_key_under_the_right_log_id_is_rejected() {
    let (leaf, root) = happy("happy-path-v0.3");
    let mut ctlogs = root.ctlogs.clone();
    let other = root.tlogs[0].key.clone();
    for log in &mut ctlogs {
        log.key = other.clone();
    }
    let report = check(&leaf, &root, &ctlogs);
    assert_eq!(report.verified_count(), 0);
    assert!(matches!(
        report.rejected()[0].reason,
        SctError::BadSignature { .. }
    ));
}

#[test]
fn unusable_log_key_is_rejected() {
    let (leaf, root) = happy("happy-path-v0.3");
    let mut ctlogs = root.ctlogs.clone();
    for log in &mut ctlogs {
        log.key = Err(CryptoError::MalformedKey("test"));
    }
    let report = check(&leaf, &root, &ctlogs);
    assert!(matches!(
        report.rejected()[0].reason,
        SctError::LogKeyUnusable { .. }
    ));
}

#[test]
fn tampered_signature_is_rejected() {
    let (leaf, root) = happy("happy-path-v0.3");
    let mut scts = scts_of(&leaf);
    let last = scts[0].signature.len() - 1;
    scts[0].signature[last] ^= 1;
    let leaf = with_sct_list(&leaf, &encode_sct_list(&scts).unwrap());
    let report = check(&leaf, &root, &root.ctlogs);
    assert_eq!(report.verified_count(), 0);
    assert!(matches!(
        report.rejected()[0].reason,
        SctError::BadSignature { .. }
    ));
}

#[test]
fn tampered_timestamp_is_rejected() {
    let (leaf, root) = happy("happy-path-v0.3");
    let mut scts = scts_of(&leaf);
    scts[0].timestamp_ms += 1;
    let leaf = with_sct_list(&leaf, &encode_sct_list(&scts).unwrap());
    assert_eq!(check(&leaf, &root, &root.ctlogs).verified_count(), 0);
}

#[test]
fn wrong_issuer_key_is_rejected() {
    let (leaf, root) = happy("happy-path-v0.3");
    let some_other_spki = root.ctlogs[0].key_der.clone();
    let report = verify_embedded_scts(&leaf, &some_other_spki, &root.ctlogs).unwrap();
    assert_eq!(report.verified_count(), 0);
}

#[test]
fn unknown_log_id_is_rejected() {
    let (leaf, root) = happy("happy-path-v0.3");
    let mut ctlogs = root.ctlogs.clone();
    for log in &mut ctlogs {
        log.log_id.0[0] ^= 1;
    }
    let report = check(&leaf, &root, &ctlogs);
    assert!(matches!(
        report.rejected()[0].reason,
        SctError::UnknownLog { .. }
    ));
}

#[test]
fn algorithm_not_fitting_the_key_is_rejected() {
    let (leaf, root) = happy("happy-path-v0.3");
    let mut scts = scts_of(&leaf);
    scts[0].signature_algorithm = TLS_SIG_ED25519;
    let leaf = with_sct_list(&leaf, &encode_sct_list(&scts).unwrap());
    let report = check(&leaf, &root, &root.ctlogs);
    assert!(matches!(
        report.rejected()[0].reason,
        SctError::AlgorithmMismatch { signature: 7, .. }
    ));
}

#[test]
fn time_outside_log_validity_is_rejected_and_end_is_inclusive() {
    let (leaf, root) = happy("happy-path-v0.3");
    let sct_time = sct_seconds(scts_of(&leaf)[0].timestamp_ms);
    let with_validity = |start: Option<i64>, end: Option<i64>| {
        let mut ctlogs = root.ctlogs.clone();
        for log in &mut ctlogs {
            log.validity = ValidityPeriod {
                start: start.map(Timestamp),
                end: end.map(Timestamp),
            };
        }
        check(&leaf, &root, &ctlogs)
    };
    let t = sct_time.0;
    let ended = with_validity(None, Some(t - 1));
    assert!(matches!(
        ended.rejected()[0].reason,
        SctError::OutsideLogValidity { .. }
    ));
    let not_started = with_validity(Some(t + 1), None);
    assert!(matches!(
        not_started.rejected()[0].reason,
        SctError::OutsideLogValidity { .. }
    ));
    assert_eq!(with_validity(None, Some(t)).verified_count(), 1);
    assert_eq!(with_validity(Some(t), Some(t)).verified_count(), 1);
}

#[test]
fn duplicated_sct_counts_once() {
    let (leaf, root) = happy("happy-path-v0.3");
    let sct = scts_of(&leaf).remove(0);
    let leaf = with_sct_list(&leaf, &encode_sct_list(&[sct.clone(), sct]).unwrap());
    let report = check(&leaf, &root, &root.ctlogs);
    assert_eq!(report.verified().len(), 2);
    assert_eq!(report.verified_count(), 1);
    assert!(report.clone().require(2).is_err());
    assert!(report.require(1).is_ok());
}

#[test]
fn truncated_list_and_trailing_bytes_are_rejected() {
    let (leaf, _) = happy("happy-path-v0.3");
    let list = encode_sct_list(&scts_of(&leaf)).unwrap();
    let spki = [0u8; 4];

    let truncated = with_sct_list(&leaf, &list[..list.len() - 1]);
    assert!(matches!(
        verify_embedded_scts(&truncated, &spki, &[]),
        Err(SctError::MalformedSctList { .. })
    ));

    let mut longer = list.clone();
    longer.push(0);
    let trailing = with_sct_list(&leaf, &longer);
    assert!(matches!(
        verify_embedded_scts(&trailing, &spki, &[]),
        Err(SctError::MalformedSctList {
            reason: "trailing bytes",
            ..
        })
    ));
}

#[test]
fn extension_that_is_not_an_octet_string_is_rejected() {
    let (leaf, _) = happy("happy-path-v0.3");
    let mut cert = Certificate::from_der(&leaf).unwrap();
    for ext in cert.tbs_certificate.extensions.as_mut().unwrap() {
        if ext.extn_id == OID_SCT_LIST {
            ext.extn_value = OctetString::new(vec![0x05, 0x00]).unwrap();
        }
    }
    let leaf = cert.to_der().unwrap();
    assert!(matches!(
        verify_embedded_scts(&leaf, &[], &[]),
        Err(SctError::MalformedSctExtension(_))
    ));
}

#[test]
fn missing_and_duplicate_extension_are_rejected() {
    let (leaf, _) = happy("happy-path-v0.3");
    let mut cert = Certificate::from_der(&leaf).unwrap();
    let exts = cert.tbs_certificate.extensions.as_mut().unwrap();
    let sct_ext = exts
        .iter()
        .find(|e| e.extn_id == OID_SCT_LIST)
        .cloned()
        .unwrap();
    exts.push(sct_ext);
    let duplicated = cert.to_der().unwrap();
    // The certificate parser already refuses duplicate extensions (RFC 5280 4.2) ...
    assert!(matches!(
        verify_embedded_scts(&duplicated, &[], &[]),
        Err(SctError::MalformedCertificate(
            crate::x509::CertError::DuplicateExtension { .. }
        ))
    ));
    // ... and the SCT lookup refuses them on its own too.
    assert_eq!(
        embedded_sct_list(extensions_of(&cert)),
        Err(SctError::DuplicateSctExtension { count: 2 })
    );

    let mut cert = Certificate::from_der(&leaf).unwrap();
    let exts = cert.tbs_certificate.extensions.as_mut().unwrap();
    exts.retain(|e| e.extn_id != OID_SCT_LIST);
    let without = cert.to_der().unwrap();
    assert_eq!(
        verify_embedded_scts(&without, &[], &[]),
        Err(SctError::NoEmbeddedScts)
    );

    assert!(matches!(
        verify_embedded_scts(b"not a certificate", &[], &[]),
        Err(SctError::MalformedCertificate(_))
    ));
}

#[test]
fn precert_tbs_round_trips_the_rest_of_the_certificate() {
    // The rebuilt TBS must equal the leaf's own TBS bytes minus exactly the SCT extension;
    // check by re-adding it and comparing with the original encoding.
    let (leaf, _) = happy("happy-path-v0.3");
    let cert = Certificate::from_der(&leaf).unwrap();
    let original_tbs = cert.tbs_certificate.to_der().unwrap();
    assert!(leaf
        .windows(original_tbs.len())
        .any(|w| w == original_tbs.as_slice()));
    let precert = precert_tbs_der(&original_tbs).unwrap();
    assert!(precert.len() < original_tbs.len());
}

/// The reference the byte-splicing `precert_tbs_der` must equal: decode the TBSCertificate,
/// drop the SCT extension (and the field if nothing is left), re-encode.
fn precert_tbs_by_reencoding(leaf_der: &[u8]) -> Vec<u8> {
    let mut tbs = Certificate::from_der(leaf_der).unwrap().tbs_certificate;
    if let Some(extensions) = tbs.extensions.as_mut() {
        extensions.retain(|e| e.extn_id != OID_SCT_LIST);
        if extensions.is_empty() {
            tbs.extensions = None;
        }
    }
    tbs.to_der().unwrap()
}

#[test]
fn spliced_precert_tbs_equals_reencoded_tbs() {
    let dir = format!(
        "{}/../../shared/conformance/bundle-verify",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_type().unwrap().is_dir() {
            continue;
        }
        let case = entry.file_name().into_string().unwrap();
        let json = shared(&format!(
            "conformance/bundle-verify/{case}/bundle.sigstore.json"
        ));
        let Ok(bundle) = serde_json::from_slice::<serde_json::Value>(&json) else {
            continue;
        };
        let material = &bundle["verificationMaterial"];
        let Some(raw) = material["certificate"]["rawBytes"]
            .as_str()
            .or_else(|| material["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())
        else {
            continue;
        };
        let leaf_der = base64_decode(raw).unwrap();
        let leaf = crate::x509::Certificate::from_der(&leaf_der).unwrap();
        assert_eq!(
            precert_tbs_der(leaf.tbs_der()).unwrap(),
            precert_tbs_by_reencoding(&leaf_der),
            "{case}"
        );
        // The verifier takes the places from the leaf's parser instead of walking again.
        assert_eq!(
            leaf.extension_in_tbs(OID_SCT_LIST),
            locate_sct_extension(leaf.tbs_der()).unwrap(),
            "{case}"
        );
        checked += 1;
    }
    assert!(checked > 40, "{checked}");
}

#[test]
fn spliced_precert_tbs_drops_an_extensions_field_left_empty() {
    // A TBS whose only extension is the SCT list loses the whole [3] field.
    let leaf_der = leaf_of("happy-path-v0.3");
    let mut cert = Certificate::from_der(&leaf_der).unwrap();
    cert.tbs_certificate
        .extensions
        .as_mut()
        .unwrap()
        .retain(|e| e.extn_id == OID_SCT_LIST);
    let only_sct = cert.tbs_certificate.to_der().unwrap();
    let mut expected = cert.tbs_certificate.clone();
    expected.extensions = None;
    assert_eq!(
        precert_tbs_der(&only_sct).unwrap(),
        expected.to_der().unwrap()
    );
    assert!(precert_tbs_der(b"\x30\x03\x02\x01").is_err());
}

/// An SCT with the given TLS algorithm codes and nothing else of interest.
fn sct_with_algorithms(hash_algorithm: u8, signature_algorithm: u8) -> SignedCertificateTimestamp {
    SignedCertificateTimestamp {
        log_id: [0; 32],
        timestamp_ms: 0,
        extensions: Vec::new(),
        hash_algorithm,
        signature_algorithm,
        signature: Vec::new(),
    }
}

#[test]
fn each_supported_algorithm_pair_selects_its_hash() {
    // The conformance logs all sign ECDSA P-256 / SHA-256, so each other accepted pair is
    // checked here: dropping one would refuse SCTs from a log that uses it, and mapping it to
    // the wrong hash would make every one of its signatures fail.
    let ecdsa = [KeyKind::EcdsaP256, KeyKind::EcdsaP384];
    for key in ecdsa {
        for (hash, expected) in [
            (TLS_HASH_SHA256, HashAlgorithm::Sha256),
            (TLS_HASH_SHA384, HashAlgorithm::Sha384),
            (TLS_HASH_SHA512, HashAlgorithm::Sha512),
        ] {
            let sct = sct_with_algorithms(hash, TLS_SIG_ECDSA);
            assert_eq!(signature_hash(&sct, key), Ok(expected), "{key:?} {hash}");
        }
        for (hash, signature) in [(TLS_HASH_INTRINSIC, TLS_SIG_ECDSA), (2, TLS_SIG_ECDSA)] {
            let sct = sct_with_algorithms(hash, signature);
            assert!(matches!(
                signature_hash(&sct, key),
                Err(SctError::AlgorithmMismatch { .. })
            ));
        }
    }
    let ed25519 = sct_with_algorithms(TLS_HASH_INTRINSIC, TLS_SIG_ED25519);
    assert_eq!(
        signature_hash(&ed25519, KeyKind::Ed25519),
        Ok(HashAlgorithm::Sha512)
    );
    // Each half of the pair must fit the key: ECDSA codes under an Ed25519 key, Ed25519 with a
    // separate hash, and any pair under an RSA key (no Sigstore CT log uses one) are refused.
    for (key, hash, signature) in [
        (KeyKind::Ed25519, TLS_HASH_SHA256, TLS_SIG_ECDSA),
        (KeyKind::Ed25519, TLS_HASH_SHA512, TLS_SIG_ED25519),
        (KeyKind::EcdsaP256, TLS_HASH_INTRINSIC, TLS_SIG_ED25519),
        (KeyKind::RsaPkcs1, TLS_HASH_SHA256, TLS_SIG_ECDSA),
        (KeyKind::RsaPkcs1, TLS_HASH_SHA256, 1),
    ] {
        let sct = sct_with_algorithms(hash, signature);
        assert_eq!(
            signature_hash(&sct, key),
            Err(SctError::AlgorithmMismatch {
                hash,
                signature,
                key
            })
        );
    }
}

/// A DER SEQUENCE of `total` bytes holding one OCTET STRING: a TBS-shaped value whose only
/// field `precert_tbs_der` copies through unchanged.
fn tbs_of_length(total: usize) -> Vec<u8> {
    // 5-byte headers (tag, 0x83, three length bytes) for both the SEQUENCE and the field.
    let content = total - 10;
    let mut der = vec![0x30, 0x83];
    der.extend(&((content + 5) as u32).to_be_bytes()[1..]);
    der.extend([0x04, 0x83]);
    der.extend(&(content as u32).to_be_bytes()[1..]);
    der.resize(total, 0);
    der
}

#[test]
fn precert_tbs_at_the_entry_size_bound_is_kept_and_larger_refused() {
    // `opaque tbs_certificate<1..2^24-1>`: a longer TBS cannot be encoded in the signed data.
    let largest = tbs_of_length(MAX_TBS_LEN);
    assert_eq!(precert_tbs_der(&largest).unwrap(), largest);
    assert_eq!(
        precert_tbs_der(&tbs_of_length(MAX_TBS_LEN + 1)),
        Err(SctError::TbsEncoding(None))
    );
}

#[test]
fn signed_data_refuses_what_its_length_fields_cannot_hold() {
    let sct = sct_with_algorithms(TLS_HASH_SHA256, TLS_SIG_ECDSA);
    let largest = vec![0u8; MAX_TBS_LEN];
    let data = precert_signed_data(&sct, &[0; 32], &largest).unwrap();
    assert_eq!(&data[44..47], &[0xFF, 0xFF, 0xFF]);
    assert_eq!(
        precert_signed_data(&sct, &[0; 32], &vec![0u8; MAX_TBS_LEN + 1]),
        Err(SctError::TbsEncoding(None))
    );

    let mut long_extensions = sct.clone();
    long_extensions.extensions = vec![0; 0x1_0000];
    assert!(matches!(
        precert_signed_data(&long_extensions, &[0; 32], b"\x30\x00"),
        Err(SctError::MalformedSctList { .. })
    ));
    long_extensions.extensions.pop();
    assert!(precert_signed_data(&long_extensions, &[0; 32], b"\x30\x00").is_ok());
}

#[test]
fn oid_bytes_comparison_matches_only_the_exact_encoding() {
    let sct_oid = OID_SCT_LIST.to_der().unwrap();
    assert!(is_oid(&sct_oid, &OID_SCT_LIST));
    let other = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.3")
        .to_der()
        .unwrap();
    assert!(!is_oid(&other, &OID_SCT_LIST));
    let mut wrong_tag = sct_oid.clone();
    wrong_tag[0] = 0x04;
    assert!(!is_oid(&wrong_tag, &OID_SCT_LIST));
    let mut wrong_len = sct_oid.clone();
    wrong_len[1] += 1;
    assert!(!is_oid(&wrong_len, &OID_SCT_LIST));
    assert!(!is_oid(&sct_oid[..sct_oid.len() - 1], &OID_SCT_LIST));
    assert!(!is_oid(&[], &OID_SCT_LIST));
}

/// [`splice_precert_tbs`] for a raw TBSCertificate, finding the SCT extension by walking it.
fn precert_tbs_der(raw_tbs: &[u8]) -> Result<Vec<u8>, SctError> {
    splice_precert_tbs(raw_tbs, locate_sct_extension(raw_tbs)?)
}

/// In a raw TBSCertificate, the range of the SCT list extension and of the `[3] extensions`
/// field holding it; `None` without one: what the leaf's parser tells the verifier.
fn locate_sct_extension(raw_tbs: &[u8]) -> Result<Option<SctSpans>, SctError> {
    let bad = |e: der::Error| SctError::TbsEncoding(Some(e));
    let tbs = AnyRef::from_der(raw_tbs).map_err(bad)?;
    let mut reader = SliceReader::new(tbs.value()).map_err(bad)?;
    while !reader.is_finished() {
        let field = reader.tlv_bytes().map_err(bad)?;
        let any = AnyRef::from_der(field).map_err(bad)?;
        if any.tag() != EXTENSIONS_TAG {
            continue;
        }
        let extensions = AnyRef::from_der(any.value()).map_err(bad)?;
        let mut ext_reader = SliceReader::new(extensions.value()).map_err(bad)?;
        while !ext_reader.is_finished() {
            let extension = ext_reader.tlv_bytes().map_err(bad)?;
            let id = AnyRef::from_der(extension)
                .and_then(|ext| SliceReader::new(ext.value())?.tlv_bytes())
                .map_err(bad)?;
            if is_oid(id, &OID_SCT_LIST) {
                return Ok(Some((
                    subslice_range(raw_tbs, extension),
                    subslice_range(raw_tbs, field),
                )));
            }
        }
    }
    Ok(None)
}

/// Whether `tlv` is the DER encoding of `oid`. Comparing bytes instead of decoding every
/// extension's OID is sound because DER gives each OID exactly one encoding, and the
/// certificates here were validated by `Certificate::from_der` already.
fn is_oid(tlv: &[u8], oid: &ObjectIdentifier) -> bool {
    let content = oid.as_bytes();
    match tlv {
        [0x06, len, rest @ ..] => usize::from(*len) == content.len() && rest == content,
        _ => false,
    }
}

#[test]
fn splicing_checks_the_places_it_is_given() {
    // TBS { [3] { SEQUENCE { e1, e2 } } }: the extensions field may even come first.
    let e1 = [0x30, 0x03, 0x06, 0x01, 0x00];
    let e2 = [0x30, 0x03, 0x06, 0x01, 0x01];
    let mut tbs = vec![0x30, 0x0e, 0xa3, 0x0c, 0x30, 0x0a];
    tbs.extend_from_slice(&e1);
    tbs.extend_from_slice(&e2);
    let (sct, field) = (6..11, 2..16);
    let mut expected = vec![0x30, 0x09, 0xa3, 0x07, 0x30, 0x05];
    expected.extend_from_slice(&e2);
    assert_eq!(
        splice_precert_tbs(&tbs, Some((sct.clone(), field.clone()))).unwrap(),
        expected
    );
    // Places that do not nest (extension outside the list, field inside the TBS header) are
    // refused rather than spliced or allowed to underflow.
    for (sct, field) in [
        (6..17, field.clone()),
        (0..16, field.clone()),
        (4..11, field.clone()),
        (6..11, 1..16),
        (6..11, 2..17),
        (Range { start: 11, end: 6 }, field.clone()),
    ] {
        assert!(
            matches!(
                splice_precert_tbs(&tbs, Some((sct.clone(), field.clone()))),
                Err(SctError::TbsEncoding(_))
            ),
            "{sct:?} {field:?}"
        );
    }
    assert_eq!(splice_precert_tbs(&tbs, None).unwrap(), tbs);
}
