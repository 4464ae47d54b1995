//! Tag-scheme signatures verified strictly, their missing inclusion proofs fetched through an
//! `InclusionProofSource`: here one answering from memory with what the core's test log
//! recorded (honestly, tampered, or not at all). The same flow against a real Rekor v1 log is in
//! `cosign_proof_fetch.rs`.

#[path = "cosign/support.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sigchain_core::bundle::{Bundle, TlogEntry};
use sigchain_core::sign::machine::RekorVersion;
use sigchain_core::sign::test_double::Services;
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::flow::{
    attach_attestation, attach_signature, resolve, verify_image, verify_image_fetching_proofs,
    InclusionEvidence, InclusionProofSource, PreparedAttestation, PreparedSignature,
    ProofFetchError, ProofRequest, ResolvedImage, SignatureFormat, VerificationReport, Verifiers,
    Wanted,
};
use sigchain_oci::layout::OciLayout;
use sigchain_oci::predicate::PredicateKind;
use sigchain_oci::reference::Tag;
use sigchain_oci::store::ManifestRef;
use support::*;

const LIMITS: StorageLimits = StorageLimits::DEFAULT;
const SPDX: &[u8] = br#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app"}"#;

/// A log that answers every request with one entry (the test log puts every entry at index 0
/// of its first log, so one entry per test), or fails.
struct MemoryLog {
    answer: Mutex<Option<TlogEntry>>,
    /// Without an answer: whether the failure is that the log cannot be reached, or that it
    /// has no such entry.
    unreachable: bool,
    asked: AtomicUsize,
    requests: Mutex<Vec<ProofRequest>>,
}

impl MemoryLog {
    fn answering(entry: Option<TlogEntry>) -> MemoryLog {
        MemoryLog {
            answer: Mutex::new(entry),
            unreachable: true,
            asked: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        }
    }

    fn without_the_entry() -> MemoryLog {
        MemoryLog {
            unreachable: false,
            ..MemoryLog::answering(None)
        }
    }
}

impl InclusionProofSource for MemoryLog {
    fn fetch_entry(
        &self,
        request: &ProofRequest,
    ) -> impl std::future::Future<Output = Result<TlogEntry, ProofFetchError>> + Send {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.requests.lock().unwrap().push(request.clone());
        let answer = self.answer.lock().unwrap().clone();
        std::future::ready(answer.ok_or_else(|| ProofFetchError {
            log_url: request.log_url.clone(),
            log_index: request.log_index,
            log_unreachable: self.unreachable,
            source: if self.unreachable {
                "connection refused".into()
            } else {
                "404: no such entry".into()
            },
        }))
    }
}

struct Setup {
    services: Services,
    _dir: tempfile::TempDir,
    layout: OciLayout,
    image: ResolvedImage,
    /// The bundle as signed: its entry has the SET and the proof.
    signed: Bundle,
}

fn setup(attestation: bool) -> Setup {
    let services = Services::new();
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    put_image(&layout, "app");
    let tag = ManifestRef::Tag(Tag::parse("app").unwrap());
    let image = now(resolve(&layout, "127.0.0.1:5000/app", &tag)).unwrap();
    let signed = if attestation {
        let prepared = PreparedAttestation::new(
            &image,
            &PredicateKind::Spdx,
            SPDX,
            SignatureFormat::TagScheme,
            services.now(),
        )
        .unwrap();
        let bundle = sign(&services, prepared.content(), RekorVersion::V1);
        now(attach_attestation(
            &layout,
            &image,
            &prepared,
            &bundle,
            services.now(),
            &LIMITS,
        ))
        .unwrap();
        bundle
    } else {
        let prepared = PreparedSignature::new(&image, SignatureFormat::TagScheme);
        let bundle = sign(&services, prepared.content(), RekorVersion::V1);
        now(attach_signature(
            &layout,
            &image,
            &prepared,
            &bundle,
            services.now(),
            &LIMITS,
        ))
        .unwrap();
        bundle
    };
    Setup {
        services,
        _dir: dir,
        layout,
        image,
        signed,
    }
}

impl Setup {
    fn logged(&self) -> TlogEntry {
        self.signed.tlog_entries()[0].clone()
    }

    fn verify(&self, wanted: &Wanted, log: &MemoryLog, promise_only: bool) -> VerificationReport {
        let strict = verifier(&self.services);
        let legacy = legacy_verifier(&self.services);
        let verifiers = Verifiers {
            strict: &strict,
            promise_only: promise_only.then_some(&legacy),
        };
        now(verify_image_fetching_proofs(
            &self.layout,
            &self.image,
            wanted,
            verifiers,
            log,
            &signer(),
            self.services.now(),
            &LIMITS,
        ))
        .unwrap()
    }
}

#[test]
fn a_tag_scheme_signature_verifies_strictly_with_the_fetched_proof() {
    let setup = setup(false);
    let log = MemoryLog::answering(Some(setup.logged()));
    let report = setup.verify(&Wanted::Signatures, &log, false);
    assert!(report.passed(), "{report:?}");
    assert!(report.rejected.is_empty(), "{report:?}");
    assert_eq!(
        report.verified[0].inclusion,
        InclusionEvidence::Fetched {
            log_url: "https://log.test".into()
        }
    );
    assert!(report.verified[0].verified.log_entries()[0].inclusion_proven());
    assert_eq!(
        report.verified[0].payload["critical"]["type"],
        "cosign container image signature"
    );
    // The entry the SET vouches for, at the URL the trusted root gives its log.
    let requests = log.requests.lock().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].log_index, setup.logged().log_index);
    assert_eq!(requests[0].log_id, setup.logged().log_id);
}

#[test]
fn offline_the_same_signature_is_rejected_or_promise_only() {
    let setup = setup(false);
    let strict = verifier(&setup.services);
    let legacy = legacy_verifier(&setup.services);
    for promise_only in [false, true] {
        let report = now(verify_image(
            &setup.layout,
            &setup.image,
            &Wanted::Signatures,
            Verifiers {
                strict: &strict,
                promise_only: promise_only.then_some(&legacy),
            },
            &signer(),
            setup.services.now(),
            &LIMITS,
        ))
        .unwrap();
        assert_eq!(report.passed(), promise_only, "{report:?}");
        if promise_only {
            assert_eq!(report.verified[0].inclusion, InclusionEvidence::PromiseOnly);
        } else {
            assert!(report.rejected[0].reason.contains("inclusion promise"));
        }
    }
}

#[test]
fn a_log_that_answers_with_another_entry_is_refused_even_when_promises_are_allowed() {
    let setup = setup(false);
    let mut tampered = setup.logged();
    tampered.canonicalized_body.push(b' ');
    let log = MemoryLog::answering(Some(tampered));
    for promise_only in [false, true] {
        let report = setup.verify(&Wanted::Signatures, &log, promise_only);
        assert!(!report.passed(), "{report:?}");
        assert!(
            report.rejected[0].reason.contains("is not the signature's"),
            "{report:?}"
        );
    }

    let mut other_index = setup.logged();
    other_index.log_index += 5;
    let report = setup.verify(
        &Wanted::Signatures,
        &MemoryLog::answering(Some(other_index)),
        true,
    );
    assert!(!report.passed(), "{report:?}");
    assert!(report.rejected[0].reason.contains("entry 5"), "{report:?}");
}

#[test]
fn a_log_that_cannot_be_reached_leaves_the_promise_only_if_allowed() {
    let setup = setup(false);
    let log = MemoryLog::answering(None);
    let strict = setup.verify(&Wanted::Signatures, &log, false);
    assert!(!strict.passed());
    assert!(
        strict.rejected[0].reason.contains("connection refused"),
        "{strict:?}"
    );
    let relaxed = setup.verify(&Wanted::Signatures, &log, true);
    assert!(relaxed.passed(), "{relaxed:?}");
    assert_eq!(
        relaxed.verified[0].inclusion,
        InclusionEvidence::PromiseOnly
    );
}

#[test]
fn a_proof_that_does_not_verify_is_refused_by_the_strict_verifier() {
    let setup = setup(false);
    let mut wrong_root = setup.logged();
    if let Some(proof) = wrong_root.inclusion_proof.as_mut() {
        proof.root_hash = vec![0; 32];
    }
    let report = setup.verify(
        &Wanted::Signatures,
        &MemoryLog::answering(Some(wrong_root)),
        false,
    );
    assert!(!report.passed(), "{report:?}");
    assert!(
        report.rejected[0].reason.contains("verification"),
        "{report:?}"
    );
}

#[test]
fn a_tag_scheme_attestation_verifies_strictly_with_the_fetched_proof() {
    let setup = setup(true);
    let log = MemoryLog::answering(Some(setup.logged()));
    let spdx = Wanted::Attestations(Some(PredicateKind::Spdx.uri().to_owned()));
    let report = setup.verify(&spdx, &log, false);
    assert!(report.passed(), "{report:?}");
    assert!(matches!(
        report.verified[0].inclusion,
        InclusionEvidence::Fetched { .. }
    ));
    assert_eq!(report.verified[0].payload["predicate"]["name"], "app");

    // Not asked for an attestation of another type, nor for signatures.
    let asked = log.asked.load(Ordering::SeqCst);
    let other = Wanted::Attestations(Some("https://slsa.dev/provenance/v1".to_owned()));
    assert!(!setup.verify(&other, &log, false).passed());
    assert!(!setup.verify(&Wanted::Signatures, &log, false).passed());
    assert_eq!(log.asked.load(Ordering::SeqCst), asked);
}

#[test]
fn a_bundle_referrer_needs_no_fetch() {
    let services = Services::new();
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    put_image(&layout, "app");
    let tag = ManifestRef::Tag(Tag::parse("app").unwrap());
    let image = now(resolve(&layout, "127.0.0.1:5000/app", &tag)).unwrap();
    let prepared = PreparedSignature::new(&image, SignatureFormat::Bundle);
    let bundle = sign(&services, prepared.content(), RekorVersion::V1);
    now(attach_signature(
        &layout,
        &image,
        &prepared,
        &bundle,
        services.now(),
        &LIMITS,
    ))
    .unwrap();
    let log = MemoryLog::answering(None);
    let strict = verifier(&services);
    let report = now(verify_image_fetching_proofs(
        &layout,
        &image,
        &Wanted::Signatures,
        Verifiers {
            strict: &strict,
            promise_only: None,
        },
        &log,
        &signer(),
        services.now(),
        &LIMITS,
    ))
    .unwrap();
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.verified[0].inclusion, InclusionEvidence::InBundle);
    assert_eq!(log.asked.load(Ordering::SeqCst), 0);
}

#[test]
fn an_unreachable_log_is_asked_once_a_missing_entry_once_per_layer() {
    let setup = setup(false);
    // A second signature of the image: another layer under the same tag.
    let prepared = PreparedSignature::new(&setup.image, SignatureFormat::TagScheme);
    let bundle = sign(&setup.services, prepared.content(), RekorVersion::V1);
    now(attach_signature(
        &setup.layout,
        &setup.image,
        &prepared,
        &bundle,
        setup.services.now(),
        &LIMITS,
    ))
    .unwrap();

    let down = MemoryLog::answering(None);
    let report = setup.verify(&Wanted::Signatures, &down, false);
    assert_eq!(report.rejected.len(), 2, "{report:?}");
    assert_eq!(down.asked.load(Ordering::SeqCst), 1);

    // "No such entry" for one layer says nothing about the next layer's entry.
    let missing = MemoryLog::without_the_entry();
    let report = setup.verify(&Wanted::Signatures, &missing, false);
    assert_eq!(report.rejected.len(), 2, "{report:?}");
    assert!(
        report.rejected[1].reason.contains("no such entry"),
        "{report:?}"
    );
    assert_eq!(missing.asked.load(Ordering::SeqCst), 2);
}
