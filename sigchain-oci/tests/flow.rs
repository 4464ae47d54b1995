//! The sign / attest / verify flows over an OCI layout and a store without the referrers API:
//! what is prepared is what is signed, stored where cosign looks, and verified back; and what
//! must not pass does not (another identity, another image, an attestation offered as a
//! signature, a tag-scheme signature without an inclusion proof under the strict verifier).

#[path = "cosign/support.rs"]
mod support;

use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::sign::machine::RekorVersion;
use sigchain_core::sign::test_double::{Services, OIDC_ISSUER};
use sigchain_core::verify::SignerPolicy;
use sigchain_oci::cosign::StorageLimits;
use sigchain_oci::flow::{
    attach_attestation, attach_signature, resolve, verify_image, FlowError, PreparedAttestation,
    PreparedSignature, ResolvedImage, SignatureFormat, Stored, Verifiers, Wanted,
    SIGN_PREDICATE_TYPE,
};
use sigchain_oci::layout::OciLayout;
use sigchain_oci::predicate::PredicateKind;
use sigchain_oci::reference::Tag;
use sigchain_oci::store::{ArtifactStore, ManifestRef};
use support::*;

const LIMITS: StorageLimits = StorageLimits::DEFAULT;
const SPDX: &[u8] = br#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app"}"#;

fn layout() -> (tempfile::TempDir, OciLayout) {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    (dir, layout)
}

fn image_in<S: ArtifactStore>(store: &S, seed: &str) -> ResolvedImage {
    put_image(store, seed);
    let tag = ManifestRef::Tag(Tag::parse(seed).unwrap());
    let image = now(resolve(store, "127.0.0.1:5000/app", &tag)).unwrap();
    assert_eq!(image.resolved_tag.as_ref().map(Tag::as_str), Some(seed));
    image
}

fn sign_image<S: ArtifactStore>(
    services: &Services,
    store: &S,
    image: &ResolvedImage,
    format: SignatureFormat,
) -> Stored {
    let prepared = PreparedSignature::new(image, format);
    let bundle = sign(services, prepared.content(), RekorVersion::V1);
    now(attach_signature(
        store,
        image,
        &prepared,
        &bundle,
        services.now(),
        &LIMITS,
    ))
    .unwrap()
}

fn attest_image<S: ArtifactStore>(
    services: &Services,
    store: &S,
    image: &ResolvedImage,
    format: SignatureFormat,
) -> Stored {
    let prepared =
        PreparedAttestation::new(image, &PredicateKind::Spdx, SPDX, format, services.now())
            .unwrap();
    let bundle = sign(services, prepared.content(), RekorVersion::V1);
    now(attach_attestation(
        store,
        image,
        &prepared,
        &bundle,
        services.now(),
        &LIMITS,
    ))
    .unwrap()
}

fn check<S: ArtifactStore>(
    services: &Services,
    store: &S,
    image: &ResolvedImage,
    wanted: Wanted,
    signer: &SignerPolicy,
    allow_promise_only: bool,
) -> sigchain_oci::flow::VerificationReport {
    let strict = verifier(services);
    let legacy = legacy_verifier(services);
    let verifiers = Verifiers {
        strict: &strict,
        promise_only: allow_promise_only.then_some(&legacy),
    };
    now(verify_image(
        store,
        image,
        &wanted,
        verifiers,
        signer,
        services.now(),
        &LIMITS,
    ))
    .unwrap()
}

#[test]
fn a_bundle_signature_is_a_referrer_and_verifies_with_inclusion_proofs_required() {
    let services = Services::new();
    for api in [true, false] {
        let (_dir, layout) = layout();
        let memory = MemoryStore::without_referrers_api();
        let (image, stored) = if api {
            let image = image_in(&layout, "app");
            let stored = sign_image(&services, &layout, &image, SignatureFormat::Bundle);
            (image, stored)
        } else {
            let image = image_in(&memory, "app");
            let stored = sign_image(&services, &memory, &image, SignatureFormat::Bundle);
            (image, stored)
        };
        assert!(matches!(stored, Stored::Referrer(_)), "{stored:?}");
        let report = if api {
            check(
                &services,
                &layout,
                &image,
                Wanted::Signatures,
                &signer(),
                false,
            )
        } else {
            check(
                &services,
                &memory,
                &image,
                Wanted::Signatures,
                &signer(),
                false,
            )
        };
        assert!(report.passed(), "{report:?}");
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        let payload = &report.verified[0].payload;
        assert_eq!(payload["critical"]["type"], SIGN_PREDICATE_TYPE);
        assert_eq!(
            payload["critical"]["image"]["docker-manifest-digest"],
            image.digest.to_string()
        );
        assert_eq!(payload["optional"]["Subject"], EMAIL);
        assert_eq!(payload["optional"]["Issuer"], OIDC_ISSUER);
    }
}

#[test]
fn a_tag_scheme_signature_needs_the_promise_only_verifier() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = image_in(&layout, "app");
    let stored = sign_image(&services, &layout, &image, SignatureFormat::TagScheme);
    assert!(matches!(
        stored,
        Stored::TagLayer {
            already_present: false,
            ..
        }
    ));

    let strict = check(
        &services,
        &layout,
        &image,
        Wanted::Signatures,
        &signer(),
        false,
    );
    assert!(!strict.passed());
    assert!(strict.rejected[0].reason.contains("inclusion promise"));

    let relaxed = check(
        &services,
        &layout,
        &image,
        Wanted::Signatures,
        &signer(),
        true,
    );
    assert!(relaxed.passed(), "{relaxed:?}");
    assert_eq!(
        relaxed.verified[0].payload["critical"]["type"],
        "cosign container image signature"
    );
}

#[test]
fn attestations_verify_by_predicate_type_and_never_count_as_signatures() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = image_in(&layout, "app");
    attest_image(&services, &layout, &image, SignatureFormat::Bundle);
    attest_image(&services, &layout, &image, SignatureFormat::TagScheme);

    let spdx = Wanted::Attestations(Some(PredicateKind::Spdx.uri().to_owned()));
    let report = check(&services, &layout, &image, spdx.clone(), &signer(), false);
    // The referrer verifies; the tag-scheme one is refused by the strict verifier.
    assert_eq!(report.verified.len(), 1, "{report:?}");
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    assert_eq!(
        report.verified[0].payload["predicateType"],
        "https://spdx.dev/Document"
    );
    assert_eq!(report.verified[0].payload["predicate"]["name"], "app");
    let relaxed = check(&services, &layout, &image, spdx, &signer(), true);
    assert_eq!(relaxed.verified.len(), 2, "{relaxed:?}");

    let other = Wanted::Attestations(Some("https://slsa.dev/provenance/v1".to_owned()));
    assert!(!check(&services, &layout, &image, other, &signer(), true).passed());
    // An attestation is not a signature of the image.
    let signatures = check(
        &services,
        &layout,
        &image,
        Wanted::Signatures,
        &signer(),
        true,
    );
    assert!(!signatures.passed(), "{signatures:?}");
}

#[test]
fn another_identity_is_rejected() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = image_in(&layout, "app");
    sign_image(&services, &layout, &image, SignatureFormat::Bundle);
    let someone_else = SignerPolicy::Certificate(vec![CertificateIdentity::new(
        IdentityMatcher::exact("other@example.com"),
        IdentityMatcher::exact(OIDC_ISSUER),
    )]);
    let report = check(
        &services,
        &layout,
        &image,
        Wanted::Signatures,
        &someone_else,
        false,
    );
    assert!(!report.passed());
    assert_eq!(report.rejected.len(), 1, "{report:?}");

    // With an attestation stored too, each kind reports only its own rejections: the
    // referrers' predicate-type annotations choose what is verified for which question.
    attest_image(&services, &layout, &image, SignatureFormat::Bundle);
    let signatures = check(
        &services,
        &layout,
        &image,
        Wanted::Signatures,
        &someone_else,
        false,
    );
    assert_eq!(signatures.rejected.len(), 1, "{signatures:?}");
    let spdx = Wanted::Attestations(Some(PredicateKind::Spdx.uri().to_owned()));
    let attestations = check(&services, &layout, &image, spdx, &someone_else, false);
    assert_eq!(attestations.rejected.len(), 1, "{attestations:?}");
    assert!(!signatures.passed() && !attestations.passed());
}

#[test]
fn a_signature_made_for_another_image_does_not_verify_for_this_one() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = image_in(&layout, "app");
    let other = image_in(&layout, "other");
    // A bundle signed for `other`, stored as a referrer of `image`.
    let prepared = PreparedSignature::new(&other, SignatureFormat::Bundle);
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
    let report = check(
        &services,
        &layout,
        &image,
        Wanted::Signatures,
        &signer(),
        false,
    );
    assert!(!report.passed());
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    assert!(report.rejected[0].reason.contains("subjects"), "{report:?}");
    // Nothing is stored under `other`, so nothing verifies there either.
    assert!(!check(
        &services,
        &layout,
        &other,
        Wanted::Signatures,
        &signer(),
        false
    )
    .passed());
}

#[test]
fn a_bundle_of_other_content_is_not_attached() {
    let services = Services::new();
    let (_dir, layout) = layout();
    let image = image_in(&layout, "app");
    let prepared = PreparedSignature::new(&image, SignatureFormat::Bundle);
    let attestation = PreparedAttestation::new(
        &image,
        &PredicateKind::Spdx,
        SPDX,
        SignatureFormat::Bundle,
        services.now(),
    )
    .unwrap();
    let bundle = sign(&services, attestation.content(), RekorVersion::V1);
    let err = now(attach_signature(
        &layout,
        &image,
        &prepared,
        &bundle,
        services.now(),
        &LIMITS,
    ))
    .unwrap_err();
    assert!(matches!(err, FlowError::BundleMismatch(_)), "{err:?}");
}

#[test]
fn an_image_that_is_not_there_is_an_error() {
    let (_dir, layout) = layout();
    let missing = ManifestRef::Tag(Tag::parse("missing").unwrap());
    let err = now(resolve(&layout, "app", &missing)).unwrap_err();
    assert!(matches!(err, FlowError::ImageNotFound { .. }), "{err:?}");
}
