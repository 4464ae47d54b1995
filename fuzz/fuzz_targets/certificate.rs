//! X.509 certificate parser and Fulcio claim extraction: never panic on any DER (or PEM), and
//! every accessor and the path check against the real Fulcio authorities are safe to call on
//! whatever parses.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::x509::{subject_identity, Certificate, FulcioClaims, TrustAnchors};

fn anchors() -> &'static [TrustAnchors; 2] {
    static ANCHORS: OnceLock<[TrustAnchors; 2]> = OnceLock::new();
    ANCHORS.get_or_init(|| {
        [
            TrustAnchors::new(&TrustedRoot::production().certificate_authorities),
            TrustAnchors::new(&TrustedRoot::staging().certificate_authorities),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    // Text that looks like PEM goes through the PEM path too (it ends in `from_der`).
    if let Ok(text) = std::str::from_utf8(data) {
        if text.contains("-----BEGIN") {
            if let Ok(cert) = Certificate::from_pem(text) {
                exercise(&cert);
            }
            return;
        }
    }
    let Ok(cert) = Certificate::from_der(data) else {
        return;
    };
    assert_eq!(cert.der(), data, "a certificate keeps its DER as given");
    // The borrowed parser is at least as strict as x509-cert's owned one, and sees the same
    // extensions.
    let full = cert.x509().expect("x509-cert accepts what sigchain accepts");
    let owned = full.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
    assert_eq!(cert.extensions().len(), owned.len());
    for (mine, theirs) in cert.extensions().zip(owned) {
        assert_eq!(mine.extn_id, theirs.extn_id);
        assert_eq!(mine.critical, theirs.critical);
        assert_eq!(mine.extn_value, theirs.extn_value.as_bytes());
    }
    exercise(&cert);
});

fn exercise(cert: &Certificate) {
    let _ = cert.subject_string();
    let _ = cert.issuer_string();
    let _ = cert.public_key();
    let _ = (cert.spki_der(), cert.tbs_der(), cert.serial_bytes());
    let (not_before, not_after) = (cert.not_before(), cert.not_after());
    let _ = cert.is_valid_at(not_before);
    let _ = (cert.is_ca(), cert.key_usage(), cert.ext_key_usage());
    let _ = (cert.subject_alt_name(), cert.subject_key_id());
    if cert.is_self_issued() {
        let _ = cert.verify_issued_by(cert);
    }
    let _ = subject_identity(cert);
    let _ = FulcioClaims::from_certificate(cert);
    for anchors in anchors() {
        let _ = anchors.verify_leaf(cert, &[], &[not_before, not_after]);
        let _ = anchors.verify_leaf(cert, std::slice::from_ref(cert), &[not_before]);
    }
}
