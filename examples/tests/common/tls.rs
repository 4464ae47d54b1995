//! Test certificates for the servers the examples' tests start on 127.0.0.1 (the webhook,
//! the fake API server): a CA, and a serving certificate it issued for 127.0.0.1 and
//! localhost. Included with `#[path]` by the test files that need it.

use std::time::{SystemTime, UNIX_EPOCH};

use const_oid::db::rfc5280;
use der::asn1::{Ia5String, OctetString};
use sigchain_instance::pki::{
    ca_extensions, extension, key_id_extensions, name, pem, sign_certificate, CertificateSpec,
    Curve, EcKey,
};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};

/// A CA, and a serving certificate it issued for 127.0.0.1 and localhost.
pub struct Tls {
    /// The CA's certificate.
    pub ca_pem: String,
    /// The serving certificate.
    pub cert_pem: String,
    /// Its PKCS#8 private key.
    pub key_pem: String,
}

pub fn make_tls(ca_common_name: &str, common_name: &str) -> Tls {
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let ca_key = EcKey::generate(Curve::P256).unwrap();
    let ca_name = name(&format!("CN={ca_common_name}")).unwrap();
    let mut ca_extensions = ca_extensions(Some(0)).unwrap();
    ca_extensions.extend(key_id_extensions(ca_key.spki_der(), ca_key.spki_der()).unwrap());
    let ca_spec = CertificateSpec {
        issuer: ca_name.clone(),
        subject: ca_name.clone(),
        not_before: now - 60,
        not_after: now + 3600,
        subject_spki_der: ca_key.spki_der().to_vec(),
        extensions: ca_extensions,
    };
    let ca_der = sign_certificate(ca_spec.to_tbs(&ca_key).unwrap(), &ca_key).unwrap();

    let key = EcKey::generate(Curve::P256).unwrap();
    let names = SubjectAltName(vec![
        GeneralName::IpAddress(OctetString::new([127u8, 0, 0, 1]).unwrap()),
        GeneralName::DnsName(Ia5String::new("localhost").unwrap()),
    ]);
    let mut extensions = vec![
        extension(
            rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )
        .unwrap(),
        extension(
            rfc5280::ID_CE_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::DigitalSignature.into()),
        )
        .unwrap(),
        extension(
            rfc5280::ID_CE_EXT_KEY_USAGE,
            false,
            &ExtendedKeyUsage(vec![rfc5280::ID_KP_SERVER_AUTH]),
        )
        .unwrap(),
        extension(rfc5280::ID_CE_SUBJECT_ALT_NAME, false, &names).unwrap(),
    ];
    extensions.extend(key_id_extensions(key.spki_der(), ca_key.spki_der()).unwrap());
    let spec = CertificateSpec {
        issuer: ca_name,
        subject: name(&format!("CN={common_name}")).unwrap(),
        not_before: now - 60,
        not_after: now + 3600,
        subject_spki_der: key.spki_der().to_vec(),
        extensions,
    };
    let der = sign_certificate(spec.to_tbs(&ca_key).unwrap(), &ca_key).unwrap();
    Tls {
        ca_pem: pem(&ca_der),
        cert_pem: pem(&der),
        key_pem: pem_rfc7468::encode_string(
            "PRIVATE KEY",
            pem_rfc7468::LineEnding::LF,
            key.pkcs8(),
        )
        .unwrap(),
    }
}
