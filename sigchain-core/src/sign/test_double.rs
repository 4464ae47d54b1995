//! In-process stand-ins for Fulcio (with a CT log), a TSA and Rekor logs, built from the
//! core's own primitives, so the signing machine and the code that drives it can be tested
//! end to end without a network. Every key is generated fresh; nothing here is trustworthy.
//! Each service also has knobs to misbehave, for the negative tests.
//!
//! Enabled in this crate's tests and by the `test-double` feature.

use std::str::FromStr;
use std::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{
    BitString, GeneralizedTime, Ia5String, Int, OctetString, SetOfVec, UtcTime, Utf8StringRef,
};
use der::{Any, Decode, Encode, Tag};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{TbsCertificate, Version};
use x509_tsp::{TimeStampReq, TspVersion, TstInfo};

use super::key::SigningKey;
use super::machine::{LogContent, LogEntryNeeded, LogSigner, RekorVersion};
use crate::bundle::{Checkpoint, InclusionPromise, InclusionProof, KindVersion, TlogEntry};
use crate::crypto::{sha256, HashAlgorithm, PublicKey};
use crate::dsse::Envelope;
use crate::encoding::base64_encode;
use crate::limits::Limits;
use crate::sct::{encode_sct_list, precert_signed_data, SignedCertificateTimestamp, OID_SCT_LIST};
use crate::time::Timestamp;
use crate::tlog::{canonical, hash_leaf, inclusion_promise_payload, SignerMaterial};
use crate::trust_root::{
    CertificateAuthority, LogId, TransparencyLog, TrustedRoot, ValidityPeriod,
};
use crate::x509::oid;

const ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
const ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.2");

/// The OIDC issuer the double CA writes by default.
pub const OIDC_ISSUER: &str = "https://issuer.example";

/// How the CA should embed the SCT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SctMode {
    /// A valid SCT from the trusted CT log.
    Valid,
    /// No SCT extension.
    Missing,
    /// An SCT whose signature covers other bytes.
    BadSignature,
    /// An SCT from a CT log the trusted root does not know.
    UnknownLog,
}

/// What the CA puts in a leaf; [`Services::leaf_options`] gives the honest defaults.
#[derive(Debug, Clone)]
pub struct LeafOptions {
    /// The certified key, DER SPKI.
    pub spki_der: Vec<u8>,
    /// The email SAN.
    pub email: String,
    /// The OIDC issuer extension value.
    pub issuer: String,
    /// notBefore.
    pub not_before: Timestamp,
    /// notAfter.
    pub not_after: Timestamp,
    /// The SCT.
    pub sct: SctMode,
    /// Whether the leaf allows code signing (Fulcio's EKU).
    pub code_signing: bool,
}

/// A CA with a CT log, a TSA, and two Rekor logs, at a fixed time.
pub struct Services {
    now: Timestamp,
    ca_key: SigningKey,
    ca_name: Name,
    ca_der: Vec<u8>,
    ct_key: SigningKey,
    stray_ct_key: SigningKey,
    tsa_root_der: Vec<u8>,
    tsa_key: SigningKey,
    tsa_der: Vec<u8>,
    tsa_serial: SerialNumber,
    tsa_issuer: Name,
    logs: Vec<SigningKey>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

fn key() -> SigningKey {
    SigningKey::generate_p256().unwrap_or_else(|e| panic!("test key: {e}"))
}

fn ok<T, E: std::fmt::Debug>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("test double: {e:?}"))
}

fn name(text: &str) -> Name {
    ok(Name::from_str(text))
}

fn utc(t: Timestamp) -> Time {
    Time::UtcTime(ok(UtcTime::from_unix_duration(Duration::from_secs(
        t.as_secs().max(0) as u64,
    ))))
}

fn ext<T: Encode>(id: ObjectIdentifier, critical: bool, value: &T) -> Extension {
    raw_ext(id, critical, ok(value.to_der()))
}

fn raw_ext(id: ObjectIdentifier, critical: bool, value: Vec<u8>) -> Extension {
    Extension {
        extn_id: id,
        critical,
        extn_value: ok(OctetString::new(value)),
    }
}

fn ecdsa_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::ECDSA_WITH_SHA256,
        parameters: None,
    }
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::SHA256,
        parameters: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn tbs(
    serial: u8,
    issuer: &Name,
    subject: &Name,
    spki_der: &[u8],
    not_before: Timestamp,
    not_after: Timestamp,
    extensions: Vec<Extension>,
) -> TbsCertificate {
    TbsCertificate {
        version: Version::V3,
        serial_number: ok(SerialNumber::new(&[serial])),
        signature: ecdsa_sha256(),
        issuer: issuer.clone(),
        validity: Validity {
            not_before: utc(not_before),
            not_after: utc(not_after),
        },
        subject: subject.clone(),
        subject_public_key_info: ok(SubjectPublicKeyInfoOwned::from_der(spki_der)),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    }
}

fn sign_tbs(tbs: TbsCertificate, key: &SigningKey) -> Vec<u8> {
    let signature = ok(key.sign(&ok(tbs.to_der())));
    ok(x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: ok(BitString::from_bytes(&signature)),
    }
    .to_der())
}

fn ca_extensions(path_len: u8) -> Vec<Extension> {
    vec![
        ext(
            oid::BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: Some(path_len),
            },
        ),
        ext(
            oid::KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        ),
    ]
}

fn log_of(key: &SigningKey) -> TransparencyLog {
    let der = key.public_key().spki_der().to_vec();
    TransparencyLog {
        base_url: "https://log.test".into(),
        log_id: LogId(sha256(&der).to_vec()),
        hash_algorithm: HashAlgorithm::Sha256,
        key: PublicKey::from_spki_der(&der),
        key_der: der,
        validity: ValidityPeriod {
            start: None,
            end: None,
        },
    }
}

fn der_sequence(content: &[u8]) -> Vec<u8> {
    let mut out = ok(ok(der::Header::new(
        Tag::Sequence,
        ok(der::Length::try_from(content.len())),
    ))
    .to_der());
    out.extend_from_slice(content);
    out
}

impl Services {
    /// Fresh services at 2026-01-01T00:00:00Z.
    pub fn new() -> Services {
        Self::at(Timestamp(1_767_225_600))
    }

    /// Fresh services at `now`.
    pub fn at(now: Timestamp) -> Services {
        let year = 365 * 24 * 3600;
        // A CA certificate valid a year either side of `now`, signing itself.
        let self_signed = |key: &SigningKey, subject: &Name| {
            sign_tbs(
                tbs(
                    1,
                    subject,
                    subject,
                    key.public_key().spki_der(),
                    Timestamp(now.as_secs() - year),
                    Timestamp(now.as_secs() + year),
                    ca_extensions(0),
                ),
                key,
            )
        };
        let ca_key = key();
        let ca_name = name("CN=sigchain test CA,O=sigchain-test");
        let ca_der = self_signed(&ca_key, &ca_name);
        let tsa_root_key = key();
        let tsa_issuer = name("CN=sigchain test TSA root,O=sigchain-test");
        let tsa_root_der = self_signed(&tsa_root_key, &tsa_issuer);
        let tsa_key = key();
        let tsa_name = name("CN=sigchain test TSA,O=sigchain-test");

        let tsa_der = sign_tbs(
            tbs(
                2,
                &tsa_issuer,
                &tsa_name,
                tsa_key.public_key().spki_der(),
                Timestamp(now.as_secs() - year),
                Timestamp(now.as_secs() + year),
                vec![
                    ext(
                        oid::KEY_USAGE,
                        true,
                        &KeyUsage(KeyUsages::DigitalSignature.into()),
                    ),
                    ext(
                        oid::EXT_KEY_USAGE,
                        true,
                        &ExtendedKeyUsage(vec![oid::KP_TIME_STAMPING]),
                    ),
                ],
            ),
            &tsa_root_key,
        );
        Services {
            now,
            ca_key,
            ca_name,
            ca_der,
            ct_key: key(),
            stray_ct_key: key(),
            tsa_root_der,
            tsa_key,
            tsa_der,
            tsa_serial: ok(SerialNumber::new(&[2])),
            tsa_issuer,
            logs: vec![key(), key()],
        }
    }

    /// The services' time.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// A trusted root naming the CA, the CT log, the TSA and both Rekor logs.
    pub fn trusted_root(&self) -> TrustedRoot {
        let open = ValidityPeriod {
            start: None,
            end: None,
        };
        TrustedRoot {
            tlogs: self.logs.iter().map(log_of).collect(),
            ctlogs: vec![log_of(&self.ct_key)],
            certificate_authorities: vec![CertificateAuthority {
                uri: "https://ca.test".into(),
                organization: "sigchain-test".into(),
                common_name: "sigchain test CA".into(),
                chain: vec![self.ca_der.clone()],
                validity: open,
            }],
            timestamp_authorities: vec![CertificateAuthority {
                uri: "https://tsa.test".into(),
                organization: "sigchain-test".into(),
                common_name: "sigchain test TSA".into(),
                chain: vec![self.tsa_der.clone(), self.tsa_root_der.clone()],
                validity: open,
            }],
        }
    }

    /// Honest leaf contents for `public_key_pem` and `email`.
    pub fn leaf_options(&self, public_key_pem: &str, email: &str) -> LeafOptions {
        let spki_der = ok(PublicKey::from_pem(public_key_pem)).spki_der().to_vec();
        LeafOptions {
            spki_der,
            email: email.into(),
            issuer: OIDC_ISSUER.into(),
            not_before: Timestamp(self.now.as_secs() - 60),
            not_after: Timestamp(self.now.as_secs() + 600),
            sct: SctMode::Valid,
            code_signing: true,
        }
    }

    /// Fulcio: a chain `[leaf, root]` for the key, with an embedded SCT.
    pub fn issue(&self, public_key_pem: &str, email: &str) -> Vec<Vec<u8>> {
        self.issue_with(&self.leaf_options(public_key_pem, email))
    }

    /// Fulcio, misbehaving as `options` say.
    pub fn issue_with(&self, options: &LeafOptions) -> Vec<Vec<u8>> {
        let san = SubjectAltName(vec![GeneralName::Rfc822Name(ok(Ia5String::new(
            &options.email,
        )))]);
        let mut extensions = vec![
            ext(
                oid::KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            ),
            ext(
                oid::EXT_KEY_USAGE,
                false,
                &ExtendedKeyUsage(vec![if options.code_signing {
                    oid::KP_CODE_SIGNING
                } else {
                    oid::KP_TIME_STAMPING
                }]),
            ),
            ext(oid::SUBJECT_ALT_NAME, true, &san),
            raw_ext(ISSUER_V1, false, options.issuer.as_bytes().to_vec()),
            ext(ISSUER_V2, false, &ok(Utf8StringRef::new(&options.issuer))),
        ];
        let empty = Name::default();
        let make = |extensions: Vec<Extension>| {
            tbs(
                3,
                &self.ca_name,
                &empty,
                &options.spki_der,
                options.not_before,
                options.not_after,
                extensions,
            )
        };
        if options.sct != SctMode::Missing {
            let precert_tbs = ok(make(extensions.clone()).to_der());
            let (ct_key, signed_tbs) = match options.sct {
                SctMode::UnknownLog => (&self.stray_ct_key, precert_tbs.clone()),
                SctMode::BadSignature => (&self.ct_key, b"other bytes".to_vec()),
                _ => (&self.ct_key, precert_tbs.clone()),
            };
            let mut sct = SignedCertificateTimestamp {
                log_id: sha256(ct_key.public_key().spki_der()),
                timestamp_ms: self.now.as_secs() as u64 * 1000,
                extensions: Vec::new(),
                hash_algorithm: 4,
                signature_algorithm: 3,
                signature: Vec::new(),
            };
            let issuer_key_hash = sha256(self.ca_key.public_key().spki_der());
            let message = ok(precert_signed_data(&sct, &issuer_key_hash, &signed_tbs));
            sct.signature = ok(ct_key.sign(&message));
            let list = encode_sct_list(&[sct]).unwrap_or_default();
            extensions.push(ext(OID_SCT_LIST, false, &ok(OctetString::new(list))));
        }
        let leaf = sign_tbs(make(extensions), &self.ca_key);
        vec![leaf, self.ca_der.clone()]
    }

    /// A TSA: a granted reply to a DER `TimeStampReq`.
    pub fn timestamp(&self, request_der: &[u8]) -> Vec<u8> {
        self.timestamp_with(request_der, |_| {})
    }

    /// A TSA that edits the TSTInfo before signing it.
    pub fn timestamp_with(&self, request_der: &[u8], edit: impl FnOnce(&mut TstInfo)) -> Vec<u8> {
        self.reply(request_der, edit, 0)
    }

    /// A TSA reply with PKIStatus `status` (and a token anyway, which must be ignored).
    pub fn timestamp_with_status(&self, request_der: &[u8], status: u8) -> Vec<u8> {
        self.reply(request_der, |_| {}, status)
    }

    fn reply(&self, request_der: &[u8], edit: impl FnOnce(&mut TstInfo), status: u8) -> Vec<u8> {
        let request = ok(TimeStampReq::from_der(request_der));
        let mut info = TstInfo {
            version: TspVersion::V1,
            policy: TSA_POLICY,
            message_imprint: request.message_imprint,
            serial_number: ok(Int::new(&[1])),
            gen_time: ok(GeneralizedTime::from_unix_duration(Duration::from_secs(
                self.now.as_secs() as u64,
            ))),
            accuracy: None,
            ordering: false,
            nonce: request.nonce,
            tsa: None,
            extensions: None,
        };
        edit(&mut info);
        self.sign_tst_info(&info, status)
    }

    fn sign_tst_info(&self, info: &TstInfo, status: u8) -> Vec<u8> {
        let tst_der = ok(info.to_der());
        let attrs: SetOfVec<Attribute> = ok(SetOfVec::try_from(vec![
            Attribute {
                oid: ID_CONTENT_TYPE,
                values: ok(SetOfVec::try_from(vec![ok(Any::encode_from(
                    &ID_CT_TST_INFO,
                ))])),
            },
            Attribute {
                oid: ID_MESSAGE_DIGEST,
                values: ok(SetOfVec::try_from(vec![ok(Any::encode_from(&ok(
                    OctetString::new(sha256(&tst_der).to_vec()),
                )))])),
            },
        ]));
        let signature = ok(self.tsa_key.sign(&ok(attrs.to_der())));
        let tsa_cert = ok(x509_cert::Certificate::from_der(&self.tsa_der));
        let signed_data = SignedData {
            version: cms::content_info::CmsVersion::V3,
            digest_algorithms: ok(SetOfVec::try_from(vec![sha256_alg()])),
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TST_INFO,
                econtent: Some(ok(Any::encode_from(&ok(OctetString::new(tst_der))))),
            },
            certificates: Some(CertificateSet(ok(SetOfVec::try_from(vec![
                CertificateChoices::Certificate(tsa_cert),
            ])))),
            crls: None,
            signer_infos: SignerInfos(ok(SetOfVec::try_from(vec![SignerInfo {
                version: cms::content_info::CmsVersion::V1,
                sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                    issuer: self.tsa_issuer.clone(),
                    serial_number: self.tsa_serial.clone(),
                }),
                digest_alg: sha256_alg(),
                signed_attrs: Some(attrs),
                signature_algorithm: ecdsa_sha256(),
                signature: ok(OctetString::new(signature)),
                unsigned_attrs: None,
            }]))),
        };
        let token = ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: ok(Any::encode_from(&signed_data)),
        };
        let mut body = der_sequence(&[0x02, 0x01, status]);
        body.extend_from_slice(&ok(token.to_der()));
        der_sequence(&body)
    }

    /// Rekor: log `needed.index` (modulo the two logs) records the request.
    pub fn log(&self, needed: &LogEntryNeeded) -> TlogEntry {
        self.log_at(needed, needed.index % self.logs.len(), needed.rekor_version)
    }

    /// Rekor: log `log` records the request as a `version` log would.
    pub fn log_at(&self, needed: &LogEntryNeeded, log: usize, version: RekorVersion) -> TlogEntry {
        let log_key = &self.logs[log % self.logs.len()];
        let signer = match &needed.signer {
            LogSigner::Certificate(der) => SignerMaterial::Certificate(der),
            LogSigner::PublicKey(der) => SignerMaterial::PublicKey(der),
        };
        let (kind, body) = match (&needed.content, version) {
            (
                LogContent::MessageSignature {
                    digest_algorithm,
                    digest,
                    signature,
                },
                RekorVersion::V1,
            ) => (
                "hashedrekord",
                canonical::hashedrekord_v001(*digest_algorithm, digest, signature, &signer),
            ),
            (
                LogContent::MessageSignature {
                    digest_algorithm,
                    digest,
                    signature,
                },
                RekorVersion::V2,
            ) => (
                "hashedrekord",
                ok(canonical::hashedrekord_v002(
                    *digest_algorithm,
                    digest,
                    signature,
                    &signer,
                )),
            ),
            (LogContent::Dsse { envelope_json }, version) => {
                let envelope = ok(Envelope::from_json(envelope_json, &Limits::DEFAULT));
                let sig = envelope
                    .signatures
                    .first()
                    .map(|s| s.sig.0.clone())
                    .unwrap_or_default();
                match version {
                    RekorVersion::V1 => (
                        "dsse",
                        canonical::dsse_v001(envelope_json, &envelope.payload.0, &[&sig], &signer),
                    ),
                    RekorVersion::V2 => (
                        "hashedrekord",
                        ok(canonical::hashedrekord_v002_for_dsse(
                            HashAlgorithm::Sha256,
                            &envelope.payload_type,
                            &envelope.payload.0,
                            &sig,
                            &signer,
                        )),
                    ),
                }
            }
        };
        let log_id = sha256(log_key.public_key().spki_der()).to_vec();
        let origin = format!("log{log}.test");
        let root = hash_leaf(&body);
        let text = format!("{origin}\n1\n{}\n", base64_encode(&root));
        let mut line = log_id[..4].to_vec();
        line.extend(ok(log_key.sign(text.as_bytes())));
        let note = format!("{text}\n\u{2014} {origin} {}\n", base64_encode(&line));
        let (integrated_time, inclusion_promise) = match version {
            RekorVersion::V1 => {
                let payload = inclusion_promise_payload(&body, self.now.as_secs(), &log_id, 0);
                (
                    Some(self.now),
                    Some(InclusionPromise {
                        signed_entry_timestamp: ok(log_key.sign(&payload)),
                    }),
                )
            }
            RekorVersion::V2 => (None, None),
        };
        TlogEntry {
            log_index: 0,
            log_id: LogId(log_id),
            kind_version: KindVersion {
                kind: kind.into(),
                version: match version {
                    RekorVersion::V1 => "0.0.1".into(),
                    RekorVersion::V2 => "0.0.2".into(),
                },
            },
            integrated_time,
            inclusion_promise,
            inclusion_proof: Some(InclusionProof {
                log_index: 0,
                root_hash: root.to_vec(),
                tree_size: 1,
                hashes: Vec::new(),
                checkpoint: Some(Checkpoint { envelope: note }),
            }),
            canonicalized_body: body,
        }
    }
}

impl Default for Services {
    fn default() -> Self {
        Self::new()
    }
}
