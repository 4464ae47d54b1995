//! An RFC 3161 time-stamping authority.
//!
//! [`TimestampAuthority::respond`] answers a DER `TimeStampReq` with a DER `TimeStampResp`,
//! sans-IO (the time and serial are inputs): a granted status and a CMS SignedData token
//! whose TSTInfo copies the request's message imprint and nonce, names the policy
//! `1.3.6.1.4.1.57264.2` (the Sigstore timestamp authority's), and is signed over the signed
//! attributes content-type, message-digest and signing-certificate-v2 (RFC 5035 ESSCertIDv2,
//! which binds the token to the signing certificate). The signing certificate is embedded when
//! the request sets `certReq`. The chain is root → TSA leaf (critical extKeyUsage
//! timeStamping only, RFC 3161 2.3), keys persisted.
//!
//! [`http`] serves `POST /api/v1/timestamp` and `GET /api/v1/timestamp/certchain`.

pub mod http;

use std::path::Path;
use std::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, GeneralizedTime, Int, OctetString, SetOfVec};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::Certificate;
use x509_tsp::{Accuracy, MessageImprint, TimeStampReq, TspVersion, TstInfo};

use crate::misbehavior::Misbehavior;
use crate::pki::{extension, ChainTemplate, Curve, PkiError, StoredChain};

/// Largest `TimeStampReq` accepted (real ones are under 200 bytes).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// The TSA policy named in every token.
pub const POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.2");
/// Lifetime of the TSA's certificates, seconds (10 years).
pub const TSA_LIFETIME: i64 = 10 * 365 * 86_400;

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Why a request got no token.
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    /// The request is larger than [`MAX_REQUEST_BYTES`].
    #[error("timestamp request of {0} bytes is too large")]
    TooLarge(usize),
    /// The body is not a DER `TimeStampReq`.
    #[error("malformed timestamp request: {0}")]
    Malformed(der::Error),
    /// The imprint's hash is not SHA-256/384/512, or its length does not fit the hash.
    #[error("unsupported message imprint (hash {oid}, {len} bytes)")]
    BadImprint {
        /// The hash algorithm named.
        oid: ObjectIdentifier,
        /// The length of the hashed message.
        len: usize,
    },
    /// The request asks for a policy this TSA does not apply.
    #[error("unsupported policy {0}")]
    UnacceptedPolicy(ObjectIdentifier),
    /// Encoding or signing failed.
    #[error(transparent)]
    Pki(#[from] PkiError),
}

/// The TSA: its persisted chain and key.
#[derive(Debug)]
pub struct TimestampAuthority {
    chain: StoredChain,
    signer_cert: Certificate,
    misbehavior: Misbehavior,
}

impl TimestampAuthority {
    /// The TSA whose certificates and key are kept in `dir` (made at `now` on first use).
    pub fn open(
        dir: &Path,
        misbehavior: Misbehavior,
        now: i64,
    ) -> Result<TimestampAuthority, PkiError> {
        let eku = ExtendedKeyUsage(vec![ID_KP_TIME_STAMPING]);
        let usage = KeyUsage(KeyUsages::DigitalSignature.into());
        let template = ChainTemplate {
            root_name: "CN=sigchain-instance TSA root,O=sigchain",
            leaf_name: "CN=sigchain-instance TSA,O=sigchain",
            leaf_curve: Curve::P384,
            leaf_extensions: vec![
                extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &usage)?,
                extension(const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE, true, &eku)?,
            ],
            lifetime: TSA_LIFETIME,
            now,
        };
        let chain = StoredChain::load_or_create(dir, "tsa", template)?;
        let signer_cert = Certificate::from_der(&chain.leaf_der)?;
        Ok(TimestampAuthority {
            chain,
            signer_cert,
            misbehavior,
        })
    }

    /// The chain, signing certificate first, root last (DER).
    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        vec![self.chain.leaf_der.clone(), self.chain.root_der.clone()]
    }

    /// When the chain's validity starts, seconds since the epoch.
    pub fn valid_from(&self) -> i64 {
        self.chain.not_before
    }

    /// Answer `request_der` at `now` (seconds since the epoch) with token serial `serial`.
    pub fn respond(
        &self,
        request_der: &[u8],
        now: i64,
        serial: &[u8],
    ) -> Result<Vec<u8>, TsaError> {
        let request = parse_request(request_der)?;
        let mut imprint = request.message_imprint;
        if self.misbehavior == Misbehavior::TsaWrongHash {
            // Test-only: vouch for other bytes than those asked about.
            let other = sigchain_core::crypto::sha512(imprint.hashed_message.as_bytes());
            let len = imprint.hashed_message.as_bytes().len();
            imprint.hashed_message =
                OctetString::new(other.get(..len).unwrap_or_default()).map_err(PkiError::Der)?;
        }
        let tst_info = TstInfo {
            version: TspVersion::V1,
            policy: POLICY,
            message_imprint: imprint,
            serial_number: Int::new(serial).map_err(PkiError::Der)?,
            gen_time: GeneralizedTime::from_unix_duration(Duration::from_secs(
                u64::try_from(now).unwrap_or(0),
            ))
            .map_err(PkiError::Der)?,
            accuracy: Some(Accuracy {
                seconds: Some(1),
                millis: None,
                micros: None,
            }),
            ordering: false,
            nonce: request.nonce,
            tsa: None,
            extensions: None,
        };
        let token = self.sign(&tst_info.to_der().map_err(PkiError::Der)?, request.cert_req)?;
        Ok(granted_response(&token)?)
    }

    fn sign(&self, tst_info_der: &[u8], include_certificate: bool) -> Result<Vec<u8>, PkiError> {
        // The SignerInfo's digest algorithm is the hash of its signature algorithm: OpenSSL's
        // PKCS#7 verifier (under rfc3161-client, so sigstore-python) hashes the signed
        // attributes with the digest algorithm, and refuses an ecdsa-with-SHA384 signature
        // made over a SHA-384 hash when the SignerInfo says SHA-256.
        let (digest_oid, digest) = match self.chain.leaf_key.curve() {
            Curve::P256 => (
                ID_SHA256,
                sigchain_core::crypto::sha256(tst_info_der).to_vec(),
            ),
            Curve::P384 => (
                ID_SHA384,
                sigchain_core::crypto::sha384(tst_info_der).to_vec(),
            ),
        };
        let digest_algorithm = AlgorithmIdentifierOwned {
            oid: digest_oid,
            parameters: None,
        };
        let cert_hash = sigchain_core::crypto::sha256(&self.chain.leaf_der);
        // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with one
        // ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING } (hashAlgorithm DEFAULT sha256).
        let signing_certificate: Vec<Vec<Vec<OctetString>>> =
            vec![vec![vec![OctetString::new(cert_hash.to_vec())?]]];
        let attribute = |oid, value: Any| -> Result<Attribute, PkiError> {
            Ok(Attribute {
                oid,
                values: SetOfVec::try_from(vec![value])?,
            })
        };
        let signed_attrs = SetOfVec::try_from(vec![
            attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_CT_TST_INFO)?)?,
            attribute(
                ID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(digest)?)?,
            )?,
            attribute(
                ID_SIGNING_CERTIFICATE_V2,
                Any::encode_from(&signing_certificate)?,
            )?,
        ])?;
        let signature = self.chain.leaf_key.sign(&signed_attrs.to_der()?)?;
        let tbs = &self.signer_cert.tbs_certificate;
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer.clone(),
                serial_number: tbs.serial_number.clone(),
            }),
            digest_alg: digest_algorithm.clone(),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: self.chain.leaf_key.signature_algorithm(),
            signature: OctetString::new(signature)?,
            unsigned_attrs: None,
        };
        let certificates = if include_certificate {
            Some(CertificateSet(SetOfVec::try_from(vec![
                CertificateChoices::Certificate(self.signer_cert.clone()),
            ])?))
        } else {
            None
        };
        let signed_data = SignedData {
            // RFC 5652 5.1: v3 because the content type is not id-data.
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![digest_algorithm])?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TST_INFO,
                econtent: Some(Any::encode_from(&OctetString::new(tst_info_der.to_vec())?)?),
            },
            certificates,
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer])?),
        };
        let content_info = ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(&signed_data)?,
        };
        Ok(content_info.to_der()?)
    }
}

/// Read and check a `TimeStampReq`.
pub fn parse_request(request_der: &[u8]) -> Result<TimeStampReq, TsaError> {
    if request_der.len() > MAX_REQUEST_BYTES {
        return Err(TsaError::TooLarge(request_der.len()));
    }
    let request = TimeStampReq::from_der(request_der).map_err(TsaError::Malformed)?;
    let imprint: &MessageImprint = &request.message_imprint;
    let len = imprint.hashed_message.as_bytes().len();
    let expected = match imprint.hash_algorithm.oid {
        ID_SHA256 => 32,
        ID_SHA384 => 48,
        ID_SHA512 => 64,
        _ => 0,
    };
    if len != expected {
        return Err(TsaError::BadImprint {
            oid: imprint.hash_algorithm.oid,
            len,
        });
    }
    if let Some(policy) = request.req_policy {
        if policy != POLICY {
            return Err(TsaError::UnacceptedPolicy(policy));
        }
    }
    Ok(request)
}

/// `TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken }` with status
/// granted (`SEQUENCE { INTEGER 0 }`), around the DER `token`.
fn granted_response(token: &[u8]) -> Result<Vec<u8>, PkiError> {
    const GRANTED: [u8; 5] = [0x30, 0x03, 0x02, 0x01, 0x00];
    let len = der::Length::try_from(GRANTED.len() + token.len())?;
    let mut out = der::Header::new(der::Tag::Sequence, len)?.to_der()?;
    out.extend(GRANTED);
    out.extend(token);
    Ok(out)
}

#[cfg(test)]
mod tests;
