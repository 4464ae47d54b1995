//! The request's shape, and each check of the reply against a TSA double.

use super::*;
use crate::sign::test_double::Services;
use der::Decode;
use x509_tsp::TimeStampReq;

const SIGNATURE: &[u8] = b"the signature bytes";

fn setup() -> (Services, TimestampAuthorities, TimestampRequest) {
    let services = Services::new();
    let tsas = TimestampAuthorities::new(&services.trusted_root().timestamp_authorities);
    let request = TimestampRequest::new(SIGNATURE).unwrap();
    (services, tsas, request)
}

#[test]
fn request_asks_for_the_signature_with_nonce_and_certificate() {
    let request = TimestampRequest::with_nonce(SIGNATURE, [0xff; 16]);
    let parsed = TimeStampReq::from_der(request.der()).unwrap();
    assert_eq!(parsed.message_imprint.hash_algorithm.oid, oid::SHA256);
    assert_eq!(
        parsed.message_imprint.hashed_message.as_bytes(),
        sha256(SIGNATURE)
    );
    assert!(parsed.cert_req);
    let nonce = parsed.nonce.unwrap();
    assert_eq!(nonce.as_bytes(), request.nonce());
    // Positive and minimal whatever the random bytes were.
    assert_eq!(request.nonce()[0], 0x7f);
    assert_ne!(
        TimestampRequest::new(SIGNATURE).unwrap().nonce(),
        TimestampRequest::new(SIGNATURE).unwrap().nonce()
    );
}

#[test]
fn honest_reply_is_accepted() {
    let (services, tsas, request) = setup();
    let reply = services.timestamp(request.der());
    let checked = request
        .check_reply(&reply, &tsas, services.now(), 60)
        .unwrap();
    assert_eq!(checked.verified().time(), services.now());
    assert_eq!(checked.response_der(), reply.as_slice());
    // What the bundle carries verifies with the verifier's own code.
    tsas.verify(checked.response_der(), SIGNATURE).unwrap();
}

#[test]
fn reply_not_granted_is_refused() {
    let (services, tsas, request) = setup();
    let reply = services.timestamp_with_status(request.der(), 2);
    assert!(matches!(
        request.check_reply(&reply, &tsas, services.now(), 60),
        Err(TimestampReplyError::Response(TimestampError::NotGranted {
            status: 2
        }))
    ));
}

#[test]
fn garbage_and_oversized_replies_are_refused() {
    let (services, tsas, request) = setup();
    assert!(matches!(
        request.check_reply(b"junk", &tsas, services.now(), 60),
        Err(TimestampReplyError::Response(TimestampError::Decode { .. }))
    ));
    let big = vec![0u8; crate::timestamp::MAX_SIGNED_TIMESTAMP_BYTES + 1];
    assert!(matches!(
        request.check_reply(&big, &tsas, services.now(), 60),
        Err(TimestampReplyError::Response(TimestampError::TooLarge(_)))
    ));
}

#[test]
fn reply_for_other_bytes_is_refused() {
    let (services, tsas, request) = setup();
    let other = TimestampRequest::new(b"another signature").unwrap();
    let reply = services.timestamp_with(other.der(), |info| {
        info.nonce = Some(Int::new(request.nonce()).unwrap());
    });
    assert_eq!(
        request.check_reply(&reply, &tsas, services.now(), 60),
        Err(TimestampReplyError::ImprintMismatch)
    );
}

#[test]
fn reply_with_other_or_no_nonce_is_refused() {
    let (services, tsas, request) = setup();
    let reply = services.timestamp_with(request.der(), |info| {
        info.nonce = Some(Int::new(&[0x01, 0x02]).unwrap());
    });
    assert_eq!(
        request.check_reply(&reply, &tsas, services.now(), 60),
        Err(TimestampReplyError::NonceMismatch)
    );
    let reply = services.timestamp_with(request.der(), |info| info.nonce = None);
    assert_eq!(
        request.check_reply(&reply, &tsas, services.now(), 60),
        Err(TimestampReplyError::NonceMismatch)
    );
}

#[test]
fn reply_from_untrusted_tsa_is_refused() {
    let (services, _, request) = setup();
    let rogue = Services::at(services.now());
    let tsas = TimestampAuthorities::new(&services.trusted_root().timestamp_authorities);
    let reply = rogue.timestamp(request.der());
    assert!(matches!(
        request.check_reply(&reply, &tsas, services.now(), 60),
        Err(TimestampReplyError::Untrusted(_))
    ));
}

#[test]
fn reply_far_from_now_is_refused() {
    let (services, tsas, request) = setup();
    let reply = services.timestamp(request.der());
    for now in [services.now().as_secs() + 61, services.now().as_secs() - 61] {
        assert!(matches!(
            request.check_reply(&reply, &tsas, Timestamp(now), 60),
            Err(TimestampReplyError::OutsideClockSkew { .. })
        ));
    }
    request
        .check_reply(&reply, &tsas, Timestamp(services.now().as_secs() + 60), 60)
        .unwrap();
}

mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn reply_check_never_panics_on_mutations(at in any::<usize>(), byte in any::<u8>(), cut in any::<usize>()) {
            let (services, tsas, request) = setup();
            let mut reply = services.timestamp(request.der());
            let i = at % reply.len();
            reply[i] = byte;
            let _ = request.check_reply(&reply, &tsas, services.now(), 60);
            let _ = request.check_reply(&reply[..cut % reply.len()], &tsas, services.now(), 60);
        }

        #[test]
        fn reply_check_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let request = TimestampRequest::with_nonce(SIGNATURE, [7; 16]);
            let tsas = TimestampAuthorities::new(&[]);
            let _ = request.check_reply(&bytes, &tsas, Timestamp(0), 60);
        }
    }
}
