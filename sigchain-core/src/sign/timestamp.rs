//! The RFC 3161 request for a signature, and the check of the TSA's reply.
//!
//! The request timestamps the signature bytes (SHA-256 message imprint), carries a random
//! nonce and asks for the TSA's certificate (`certReq`), as sigstore-go and sigstore-python
//! ask. The reply is accepted only when it is granted, answers this very request (imprint
//! and nonce), verifies under a timestamp authority of the trusted root, and its time is
//! within the clock skew of `now` — a TSA that replays an old token or dates the future
//! is refused. The accepted reply's DER goes into the bundle's
//! `rfc3161Timestamps[].signedTimestamp`, which the verifier reads as a `TimeStampResp`.
//!
//! ```
//! use sigchain_core::sign::timestamp::TimestampRequest;
//! let request = TimestampRequest::new(b"signature bytes")?;
//! assert_eq!(request.der()[0], 0x30);
//! # Ok::<(), sigchain_core::sign::key::KeyError>(())
//! ```

use der::asn1::{Int, OctetString};
use der::Encode;
use x509_cert::spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TspVersion};

use super::key::{random_bytes, KeyError};
use crate::crypto::{sha256, HashAlgorithm};
use crate::time::Timestamp;
use crate::timestamp::{parse_response, TimestampAuthorities, TimestampError, VerifiedTimestamp};
use crate::x509::oid;

/// Nonce length in bytes (sigstore-go uses 128 bits too).
const NONCE_LEN: usize = 16;

/// Why a TSA's reply was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampReplyError {
    /// The reply does not parse, is not granted, carries no token, or is too large.
    #[error("timestamp reply: {0}")]
    Response(TimestampError),
    /// The token timestamps other bytes than our signature, or with another hash.
    #[error("timestamp token does not cover the signature sent")]
    ImprintMismatch,
    /// The token's nonce is absent or not ours: an answer to another request, or a replay.
    #[error("timestamp token nonce does not match the request")]
    NonceMismatch,
    /// The token does not verify under a trusted timestamp authority.
    #[error("timestamp token not trusted: {0}")]
    Untrusted(TimestampError),
    /// The token's time is too far from the signer's clock.
    #[error("timestamp time {gen_time} is more than {skew_secs}s from now ({now})")]
    OutsideClockSkew {
        /// The token's genTime.
        gen_time: Timestamp,
        /// The signer's time.
        now: Timestamp,
        /// The allowed difference.
        skew_secs: i64,
    },
}

/// A DER `TimeStampReq` for one signature, and what its reply must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampRequest {
    der: Vec<u8>,
    signature: Vec<u8>,
    imprint: [u8; 32],
    nonce: Vec<u8>,
}

/// A reply that passed every check: the DER for the bundle, and the time it proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedTimestamp {
    response_der: Vec<u8>,
    verified: VerifiedTimestamp,
}

impl CheckedTimestamp {
    /// The DER `TimeStampResp`, for `rfc3161Timestamps[].signedTimestamp`.
    pub fn response_der(&self) -> &[u8] {
        &self.response_der
    }

    /// The verified time and authority.
    pub fn verified(&self) -> &VerifiedTimestamp {
        &self.verified
    }

    /// The DER, consumed.
    pub fn into_response_der(self) -> Vec<u8> {
        self.response_der
    }
}

impl TimestampRequest {
    /// A request for `signature` with a fresh random nonce.
    pub fn new(signature: &[u8]) -> Result<TimestampRequest, KeyError> {
        Ok(Self::with_nonce(signature, random_bytes::<NONCE_LEN>()?))
    }

    /// A request with a given nonce (tests; a signer should use [`TimestampRequest::new`]).
    pub fn with_nonce(signature: &[u8], mut nonce: [u8; NONCE_LEN]) -> TimestampRequest {
        // A positive INTEGER whose first octet is non-zero is minimal DER as it stands.
        nonce[0] = (nonce[0] & 0x7f) | 0x01;
        let imprint = sha256(signature);
        let der = encode_request(&imprint, &nonce).unwrap_or_default();
        TimestampRequest {
            der,
            signature: signature.to_vec(),
            imprint,
            nonce: nonce.to_vec(),
        }
    }

    /// The DER `TimeStampReq` to POST (`application/timestamp-query`).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The nonce's content octets.
    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }

    /// The signature this request timestamps.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Check the TSA's DER `TimeStampResp` (see the module docs for the checks).
    pub fn check_reply(
        &self,
        response_der: &[u8],
        authorities: &TimestampAuthorities,
        now: Timestamp,
        max_clock_skew_secs: i64,
    ) -> Result<CheckedTimestamp, TimestampReplyError> {
        let token = parse_response(response_der).map_err(TimestampReplyError::Response)?;
        if token.imprint_hash != HashAlgorithm::Sha256 || token.imprint != self.imprint {
            return Err(TimestampReplyError::ImprintMismatch);
        }
        if token.nonce.as_deref() != Some(self.nonce.as_slice()) {
            return Err(TimestampReplyError::NonceMismatch);
        }
        let verified = authorities
            .verify(response_der, &self.signature)
            .map_err(TimestampReplyError::Untrusted)?;
        let gen_time = verified.time();
        if gen_time.as_secs().abs_diff(now.as_secs()) > max_clock_skew_secs.unsigned_abs() {
            return Err(TimestampReplyError::OutsideClockSkew {
                gen_time,
                now,
                skew_secs: max_clock_skew_secs,
            });
        }
        Ok(CheckedTimestamp {
            response_der: response_der.to_vec(),
            verified,
        })
    }
}

fn encode_request(imprint: &[u8; 32], nonce: &[u8]) -> Result<Vec<u8>, der::Error> {
    TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifier {
                oid: oid::SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(imprint.as_slice())?,
        },
        req_policy: None,
        nonce: Some(Int::new(nonce)?),
        cert_req: true,
        extensions: None,
    }
    .to_der()
}

#[cfg(test)]
mod tests;
