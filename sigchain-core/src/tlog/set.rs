//! Signed entry timestamps (Rekor v1 inclusion promises).
//!
//! When Rekor v1 accepts an entry it signs a promise to include it: an ECDSA signature with
//! SHA-256 (ASN.1 DER) over the RFC 8785 canonical JSON
//!
//! ```text
//! {"body":"<base64 canonicalizedBody>","integratedTime":N,"logID":"<hex log id>","logIndex":N}
//! ```
//!
//! The key order is fixed by RFC 8785 (UTF-16 code-unit order: `body`, `integratedTime`,
//! `logID`, `logIndex`); every value is a base64 or hex string or an integer, none needing
//! escapes, so the canonical bytes are written directly rather than by a general JSON
//! canonicalizer. The integrated time is only as trustworthy as this signature, and the
//! log's key only vouches for times inside its validity period in the trusted root, so that
//! period is checked here too (both ends included, as protobuf-specs `TimeRange` says).

use crate::crypto::{CryptoError, HashAlgorithm, KeyKind};
use crate::encoding::{base64_encode, hex_encode};
use crate::time::Timestamp;
use crate::trust_root::{TransparencyLog, ValidityPeriod};

/// Why an inclusion promise was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// The trusted root's key for this log could not be parsed.
    #[error("the log's trusted key is unusable: {0}")]
    LogKeyUnusable(CryptoError),
    /// Rekor signs promises with ECDSA; another key type cannot have made one.
    #[error("a {0:?} log key cannot have signed an inclusion promise")]
    UnsupportedLogKey(KeyKind),
    /// The log's key was not trusted at the integrated time.
    #[error("log key not valid at integrated time {integrated_time}")]
    OutsideLogValidity {
        /// The promised integration time.
        integrated_time: Timestamp,
        /// When the log's key is trusted.
        validity: ValidityPeriod,
    },
    /// A negative log index or integration time: Rekor never issues them.
    #[error("negative log index {log_index} or integrated time {integrated_time}")]
    Negative {
        /// The entry's log index.
        log_index: i64,
        /// The entry's integrated time.
        integrated_time: i64,
    },
    /// The signature does not verify over the canonical promise.
    #[error("signed entry timestamp does not verify")]
    BadSignature,
}

/// The exact bytes Rekor v1 signs for an inclusion promise.
pub fn inclusion_promise_payload(
    canonicalized_body: &[u8],
    integrated_time: i64,
    log_id: &[u8],
    log_index: i64,
) -> Vec<u8> {
    format!(
        r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
        base64_encode(canonicalized_body),
        integrated_time,
        hex_encode(log_id),
        log_index
    )
    .into_bytes()
}

/// Verify that `log` promised to include the entry with this body at `integrated_time`.
///
/// `canonicalized_body` is the decoded body (the bytes the bundle's base64 field carries);
/// the log id signed is `log`'s own, so the caller must have chosen `log` by the entry's
/// log id.
pub fn verify_inclusion_promise(
    set_signature: &[u8],
    canonicalized_body: &[u8],
    integrated_time: i64,
    log_index: i64,
    log: &TransparencyLog,
) -> Result<(), SetError> {
    if log_index < 0 || integrated_time < 0 {
        return Err(SetError::Negative {
            log_index,
            integrated_time,
        });
    }
    let key = log
        .key
        .as_ref()
        .map_err(|e| SetError::LogKeyUnusable(e.clone()))?;
    if !matches!(key.kind(), KeyKind::EcdsaP256 | KeyKind::EcdsaP384) {
        return Err(SetError::UnsupportedLogKey(key.kind()));
    }
    let at = Timestamp(integrated_time);
    if !log.validity.contains(at) {
        return Err(SetError::OutsideLogValidity {
            integrated_time: at,
            validity: log.validity,
        });
    }
    let payload = inclusion_promise_payload(
        canonicalized_body,
        integrated_time,
        &log.log_id.0,
        log_index,
    );
    // Rekor hashes the promise with SHA-256 whatever the curve (sigstore-go, rekor pkg/verify).
    key.verify(&payload, set_signature, HashAlgorithm::Sha256)
        .map_err(|_| SetError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::test_support::{b64, Case};
    use proptest::prelude::*;

    struct Promise {
        set: Vec<u8>,
        body: Vec<u8>,
        time: i64,
        index: i64,
    }

    fn promise(case: &Case) -> Promise {
        let e = case.entry();
        Promise {
            set: b64(&e["inclusionPromise"]["signedEntryTimestamp"]),
            body: case.body(),
            time: case.int(&e["integratedTime"]),
            index: case.int(&e["logIndex"]),
        }
    }

    fn check(case: &Case, p: &Promise) -> Result<(), SetError> {
        verify_inclusion_promise(&p.set, &p.body, p.time, p.index, case.log())
    }

    #[test]
    fn payload_is_canonical_json() {
        let p = inclusion_promise_payload(b"{}", 1, &[0xab, 0x01], 2);
        assert_eq!(
            p,
            br#"{"body":"e30=","integratedTime":1,"logID":"ab01","logIndex":2}"#
        );
    }

    #[test]
    fn real_promises_verify() {
        for name in [
            "happy-path-v0.1",
            "happy-path-v0.2",
            "happy-path-v0.3",
            "happy-path-intoto-in-dsse-v3",
            "intoto-with-custom-trust-root",
            "managed-key-happy-path",
            "trust-root-tlog-validity-end-inclusive",
        ] {
            let case = Case::load(name);
            check(&case, &promise(&case)).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn conformance_bad_set_is_rejected() {
        let case = Case::load("set-invalid-signature_fail");
        assert_eq!(check(&case, &promise(&case)), Err(SetError::BadSignature));
    }

    #[test]
    fn every_signed_field_matters() {
        let case = Case::load("happy-path-v0.1");
        let good = promise(&case);
        let mut body = good.body.clone();
        body[10] ^= 1;
        let mutations = [
            Promise {
                body,
                ..promise(&case)
            },
            Promise {
                time: good.time + 1,
                ..promise(&case)
            },
            Promise {
                index: good.index + 1,
                ..promise(&case)
            },
            Promise {
                set: {
                    let mut s = good.set.clone();
                    let n = s.len() - 1;
                    s[n] ^= 1;
                    s
                },
                ..promise(&case)
            },
        ];
        for m in &mutations {
            assert_eq!(check(&case, m), Err(SetError::BadSignature));
        }
        // The same promise checked under another log's id fails.
        let mut other = case.log().clone();
        other.log_id.0[0] ^= 1;
        assert_eq!(
            verify_inclusion_promise(&good.set, &good.body, good.time, good.index, &other),
            Err(SetError::BadSignature)
        );
    }

    #[test]
    fn validity_period_is_enforced_inclusively() {
        let case = Case::load("trust-root-tlog-validity-end-inclusive");
        let p = promise(&case);
        let end = case.log().validity.end.unwrap();
        assert_eq!(end, Timestamp(p.time), "the case sits exactly on the end");
        check(&case, &p).unwrap();
        let mut log = case.log().clone();
        log.validity.end = Some(Timestamp(p.time - 1));
        assert!(matches!(
            verify_inclusion_promise(&p.set, &p.body, p.time, p.index, &log),
            Err(SetError::OutsideLogValidity { .. })
        ));
        log.validity = ValidityPeriod {
            start: Some(Timestamp(p.time + 1)),
            end: None,
        };
        assert!(matches!(
            verify_inclusion_promise(&p.set, &p.body, p.time, p.index, &log),
            Err(SetError::OutsideLogValidity { .. })
        ));
    }

    #[test]
    fn rejects_negative_and_non_ecdsa_and_unusable() {
        let case = Case::load("happy-path-v0.1");
        let p = promise(&case);
        assert!(matches!(
            verify_inclusion_promise(&p.set, &p.body, p.time, -1, case.log()),
            Err(SetError::Negative { .. })
        ));
        let v2 = Case::load("rekor2-happy-path");
        assert!(matches!(
            verify_inclusion_promise(&p.set, &p.body, p.time, p.index, v2.log()),
            Err(SetError::UnsupportedLogKey(KeyKind::Ed25519))
        ));
        let mut broken = case.log().clone();
        broken.key = Err(CryptoError::MalformedKey("test"));
        assert!(matches!(
            verify_inclusion_promise(&p.set, &p.body, p.time, p.index, &broken),
            Err(SetError::LogKeyUnusable(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(
            set in proptest::collection::vec(any::<u8>(), 0..100),
            body in proptest::collection::vec(any::<u8>(), 0..100),
            time in any::<i64>(), index in any::<i64>(),
        ) {
            let case = Case::load("happy-path-v0.1");
            prop_assert!(verify_inclusion_promise(&set, &body, time, index, case.log()).is_err());
        }
    }
}
