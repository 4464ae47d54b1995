//! Parse and verify one RFC 3161 `TimeStampResp` against the trusted timestamp authorities.

use cms::cert::CertificateChoices;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode, Tagged};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_tsp::{TimeStampResp, TstInfo};

use super::TimestampError;
use crate::crypto::HashAlgorithm;
use crate::limits::Limits;
use crate::time::Timestamp;
use crate::trust_root::CertificateAuthority;
use crate::x509::{oid, signature_hash, AuthorityPool, Certificate, LeafPolicy};

/// Largest `signedTimestamp` accepted, in bytes (real ones, certificates embedded, are ~5 KiB).
pub const MAX_SIGNED_TIMESTAMP_BYTES: usize = 256 * 1024;

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

/// A timestamp whose token verified under a trusted authority. Only this module makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTimestamp {
    time: Timestamp,
    authority_uri: String,
    authority_index: usize,
}

impl VerifiedTimestamp {
    /// The TSTInfo genTime (fractions of a second dropped).
    pub fn time(&self) -> Timestamp {
        self.time
    }

    /// The URI of the authority that signed it.
    pub fn authority_uri(&self) -> &str {
        &self.authority_uri
    }

    /// Index of that authority in the slice the verifier was built from.
    pub fn authority_index(&self) -> usize {
        self.authority_index
    }
}

/// The timestamp authorities of a trusted root, parsed and link-checked once.
#[derive(Debug)]
pub struct TimestampAuthorities {
    pool: AuthorityPool,
}

/// The parts of a token the checks need.
pub(crate) struct Token {
    pub(crate) gen_time: Timestamp,
    pub(crate) imprint_hash: HashAlgorithm,
    pub(crate) imprint: Vec<u8>,
    /// The TSTInfo nonce's content octets, which a signer compares with its request's.
    pub(crate) nonce: Option<Vec<u8>>,
    tst_info_der: Vec<u8>,
    signer: SignerInfo,
    embedded: Vec<Certificate>,
}

impl TimestampAuthorities {
    /// Prepare the authorities (`TrustedRoot::timestamp_authorities`).
    pub fn new(authorities: &[CertificateAuthority]) -> TimestampAuthorities {
        TimestampAuthorities {
            pool: AuthorityPool::new(authorities, Limits::DEFAULT),
        }
    }

    /// The underlying pool (see [`AuthorityPool::unusable`] for authorities set aside).
    pub fn pool(&self) -> &AuthorityPool {
        &self.pool
    }

    /// Verify a DER `TimeStampResp` over `timestamped` (the signature bytes the token is for).
    pub fn verify(
        &self,
        signed_timestamp: &[u8],
        timestamped: &[u8],
    ) -> Result<VerifiedTimestamp, TimestampError> {
        if signed_timestamp.len() > MAX_SIGNED_TIMESTAMP_BYTES {
            return Err(TimestampError::TooLarge(signed_timestamp.len()));
        }
        let token = parse_response(signed_timestamp)?;

        // The imprint binds the token to this signature: without the check a timestamp of
        // any other bytes would vouch for it (rekor2-timestamp-payload-mismatch_fail).
        let computed = token.imprint_hash.digest(timestamped);
        if computed != token.imprint {
            return Err(TimestampError::MessageImprintMismatch {
                expected: token.imprint,
                computed,
            });
        }
        let digest_hash = hash_algorithm(&token.signer.digest_alg)?;
        let signed_attrs_der = check_signed_attributes(&token, digest_hash)?;

        // The signer comes from the token when embedded, else from the trusted root; either
        // way it must validate to a trusted authority (pinned leaf or CA) at genTime.
        let embedded: Vec<&Certificate> = token
            .embedded
            .iter()
            .filter(|c| signer_matches(&token.signer.sid, c))
            .collect();
        let candidates: Vec<&Certificate> = if embedded.is_empty() {
            self.pool
                .pinned_leaves()
                .filter(|c| signer_matches(&token.signer.sid, c))
                .collect()
        } else {
            embedded
        };
        let mut first_error = None;
        for candidate in candidates {
            let result = self
                .pool
                .verify_path(candidate, &LeafPolicy::TIME_STAMPING, &[token.gen_time])
                .map_err(TimestampError::Chain)
                .and_then(|chain| {
                    verify_signature(candidate, &token.signer, digest_hash, &signed_attrs_der)?;
                    Ok(chain)
                });
            match result {
                Ok(chain) => {
                    return Ok(VerifiedTimestamp {
                        time: token.gen_time,
                        authority_uri: chain.authority_uri().to_owned(),
                        authority_index: chain.authority_index(),
                    })
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(TimestampError::SignerNotFound))
    }
}

fn decode_err(part: &'static str) -> impl Fn(der::Error) -> TimestampError {
    move |error| TimestampError::Decode { part, error }
}

/// The token of a granted response, parsed but not verified (a signer reads the nonce
/// before [`TimestampAuthorities::verify`] checks the rest).
pub(crate) fn parse_response(bytes: &[u8]) -> Result<Token, TimestampError> {
    if bytes.len() > MAX_SIGNED_TIMESTAMP_BYTES {
        return Err(TimestampError::TooLarge(bytes.len()));
    }
    let resp = TimeStampResp::from_der(bytes).map_err(decode_err("TimeStampResp"))?;
    let status = resp.status.status as u8;
    // RFC 3161 2.4.2: 0 granted, 1 grantedWithMods; anything else carries no valid token.
    if status > 1 {
        return Err(TimestampError::NotGranted { status });
    }
    let token = resp.time_stamp_token.ok_or(TimestampError::MissingToken)?;
    if token.content_type != ID_SIGNED_DATA {
        return Err(TimestampError::NotSignedData {
            content_type: token.content_type,
        });
    }
    let signed_data: SignedData = token
        .content
        .decode_as()
        .map_err(decode_err("SignedData"))?;
    let encap = &signed_data.encap_content_info;
    if encap.econtent_type != ID_CT_TST_INFO {
        return Err(TimestampError::NotTstInfo {
            content_type: encap.econtent_type,
        });
    }
    let econtent = encap
        .econtent
        .as_ref()
        .ok_or(TimestampError::MissingContent)?;
    let tst_info_der = econtent
        .decode_as::<OctetString>()
        .map_err(decode_err("eContent"))?
        .into_bytes();
    let tst_info = TstInfo::from_der(&tst_info_der).map_err(decode_err("TSTInfo"))?;
    let imprint_hash = hash_algorithm(&tst_info.message_imprint.hash_algorithm)?;
    let gen_secs = tst_info.gen_time.to_unix_duration().as_secs();
    let gen_time = Timestamp(i64::try_from(gen_secs).unwrap_or(i64::MAX));

    let signers = signed_data.signer_infos.0.as_slice();
    let signer = match signers {
        [one] => one.clone(),
        _ => {
            return Err(TimestampError::SignerCount {
                count: signers.len(),
            })
        }
    };
    let mut embedded = Vec::new();
    if let Some(set) = &signed_data.certificates {
        for choice in set.0.iter() {
            if let CertificateChoices::Certificate(cert) = choice {
                let der = cert.to_der().map_err(decode_err("embedded certificate"))?;
                // An embedded certificate sigchain cannot parse (or use) can never be the
                // trusted signer; skipping it lets another candidate be tried.
                if let Ok(parsed) = Certificate::from_der(&der) {
                    embedded.push(parsed);
                }
            }
        }
    }
    Ok(Token {
        gen_time,
        imprint_hash,
        imprint: tst_info.message_imprint.hashed_message.as_bytes().to_vec(),
        nonce: tst_info.nonce.as_ref().map(|n| n.as_bytes().to_vec()),
        tst_info_der,
        signer,
        embedded,
    })
}

/// SHA-2 digests only: digitorus/sigstore refuse SHA-1 imprints as too weak.
fn hash_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<HashAlgorithm, TimestampError> {
    // RFC 5754 2: parameters absent or NULL.
    let params_ok = alg
        .parameters
        .as_ref()
        .is_none_or(|p| p.tag() == der::Tag::Null && p.value().is_empty());
    let hash = match alg.oid {
        oid::SHA256 => HashAlgorithm::Sha256,
        oid::SHA384 => HashAlgorithm::Sha384,
        oid::SHA512 => HashAlgorithm::Sha512,
        other => return Err(TimestampError::UnsupportedHash { oid: other }),
    };
    if !params_ok {
        return Err(TimestampError::UnsupportedHash { oid: alg.oid });
    }
    Ok(hash)
}

/// RFC 5652 5.3/11: the signature covers the signed attributes, which must name the content
/// type and carry its digest; returns their DER (as a SET OF, the signed form).
fn check_signed_attributes(
    token: &Token,
    digest_hash: HashAlgorithm,
) -> Result<Vec<u8>, TimestampError> {
    let attrs = token
        .signer
        .signed_attrs
        .as_ref()
        .ok_or(TimestampError::MissingSignedAttributes)?;
    let single_value = |id: ObjectIdentifier| {
        let mut matching = attrs.iter().filter(|a| a.oid == id);
        match (matching.next(), matching.next()) {
            (Some(attr), None) => match attr.values.as_slice() {
                [value] => Ok(value),
                _ => Err(TimestampError::AttributeCount { oid: id }),
            },
            _ => Err(TimestampError::AttributeCount { oid: id }),
        }
    };
    let content_type: ObjectIdentifier = single_value(ID_CONTENT_TYPE)?
        .decode_as()
        .map_err(decode_err("content-type attribute"))?;
    if content_type != ID_CT_TST_INFO {
        return Err(TimestampError::ContentTypeAttribute);
    }
    let message_digest: OctetString = single_value(ID_MESSAGE_DIGEST)?
        .decode_as()
        .map_err(decode_err("message-digest attribute"))?;
    if message_digest.as_bytes() != digest_hash.digest(&token.tst_info_der).as_slice() {
        return Err(TimestampError::MessageDigestAttribute);
    }
    attrs.to_der().map_err(decode_err("signed attributes"))
}

fn signer_matches(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            ias.serial_number.as_bytes() == cert.serial_bytes()
                && ias
                    .issuer
                    .to_der()
                    .is_ok_and(|issuer| issuer == cert.issuer_der())
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            cert.subject_key_id() == Some(ski.0.as_bytes())
        }
    }
}

fn verify_signature(
    signer_cert: &Certificate,
    signer: &SignerInfo,
    digest_hash: HashAlgorithm,
    signed_attrs_der: &[u8],
) -> Result<(), TimestampError> {
    let key = signer_cert
        .public_key()
        .map_err(TimestampError::Signature)?;
    let alg = &signer.signature_algorithm;
    // Some CMS signers name the key algorithm instead of the signature algorithm; the
    // digest algorithm then says which hash was used.
    let hash = if alg.oid == oid::EC_PUBLIC_KEY {
        if key.kind() == crate::crypto::KeyKind::Ed25519 {
            return Err(TimestampError::Signature(
                crate::x509::CertError::KeyAlgorithmMismatch {
                    key: key.kind(),
                    oid: alg.oid,
                },
            ));
        }
        digest_hash
    } else {
        signature_hash(alg.oid, alg.parameters.is_some(), key.kind())
            .map_err(TimestampError::Signature)?
    };
    key.verify(signed_attrs_der, signer.signature.as_bytes(), hash)
        .map_err(|e| TimestampError::Signature(crate::x509::CertError::BadSignature(e)))
}

#[cfg(test)]
mod tests;
