//! Tests for the parent module, kept apart to keep that file short.

use super::*;
use crate::x509::testdata::{
    bundle_certs, integrated_time, leaf, production, staging, synthetic, synthetic_authority,
    trusted_root,
};

fn prod_anchors() -> TrustAnchors {
    TrustAnchors::new(&production().certificate_authorities)
}

fn synthetic_pool(chains: &[&[&str]]) -> AuthorityPool {
    let cas: Vec<_> = chains.iter().map(|c| synthetic_authority(c)).collect();
    let pool = AuthorityPool::new(&cas, Limits::DEFAULT);
    assert_eq!(pool.unusable().count(), 0, "{:?}", pool.unusable);
    pool
}

fn at_start(cert: &Certificate) -> Vec<Timestamp> {
    vec![Timestamp(cert.not_before().0 + 1)]
}

#[test]
fn production_authorities_all_prepare() {
    assert_eq!(prod_anchors().unusable().count(), 0);
    assert_eq!(
        TrustAnchors::new(&staging().certificate_authorities)
            .unusable()
            .count(),
        0
    );
    let tsas = AuthorityPool::new(&production().timestamp_authorities, Limits::DEFAULT);
    assert_eq!(tsas.unusable().count(), 0);
    assert_eq!(tsas.pinned_leaves().count(), 1);
}

#[test]
fn happy_path_leaf_valid_at_integrated_time() {
    let leaf = leaf("happy-path-v0.3");
    let t = integrated_time("happy-path-v0.3");
    let chain = prod_anchors().verify_leaf(&leaf, &[], &[t]).unwrap();
    assert_eq!(chain.leaf(), &leaf);
    assert_eq!(
        chain.issuer().subject_string(),
        "CN=sigstore-intermediate,O=sigstore.dev"
    );
    assert_eq!(chain.path().len(), 2);
    assert_eq!(chain.authority_uri(), "https://fulcio.sigstore.dev");
    assert_eq!(chain.authority_index(), 1);
    let inter = Certificate::from_der(&production().certificate_authorities[1].chain[0]).unwrap();
    assert_eq!(chain.issuer().spki_der(), inter.spki_der());
    // Both ends of the leaf's validity are inclusive.
    let anchors = prod_anchors();
    anchors
        .verify_leaf(&leaf, &[], &[leaf.not_before(), leaf.not_after()])
        .unwrap();
}

#[test]
fn leaf_outside_its_validity_rejected() {
    let leaf = leaf("happy-path-v0.3");
    let anchors = prod_anchors();
    let before = Timestamp(leaf.not_before().0 - 1);
    let after = Timestamp(leaf.not_after().0 + 1);
    assert!(matches!(
        anchors.verify_leaf(&leaf, &[], &[before]),
        Err(ChainError::NotYetValid { .. })
    ));
    assert!(matches!(
        anchors.verify_leaf(&leaf, &[], &[after]),
        Err(ChainError::Expired { .. })
    ));
    // Every time must be inside, not just one.
    let t = integrated_time("happy-path-v0.3");
    assert!(matches!(
        anchors.verify_leaf(&leaf, &[], &[t, after]),
        Err(ChainError::Expired { .. })
    ));
    assert_eq!(
        anchors.verify_leaf(&leaf, &[], &[]).unwrap_err(),
        ChainError::NoVerificationTime
    );
}

#[test]
fn wrong_instance_rejected() {
    // bundle-from-wrong-instance_fail: a staging certificate under the production root.
    // Staging's intermediate has the same name, so the failure is the signature.
    let case = "bundle-from-wrong-instance_fail";
    let leaf = leaf(case);
    let t = integrated_time(case);
    assert!(matches!(
        prod_anchors().verify_leaf(&leaf, &[], &[t]),
        Err(ChainError::LeafSignature { .. })
    ));
    let staging_anchors = TrustAnchors::new(&staging().certificate_authorities);
    assert_eq!(
        staging_anchors
            .verify_leaf(&leaf, &[], &[t])
            .unwrap()
            .authority_uri(),
        "https://fulcio.sigstage.dev"
    );
}

#[test]
fn bundle_chain_with_root_rejected() {
    // bundle-with-root-cert_fail. sigstore-python only warns about the root and fails the
    // case elsewhere (its inclusion proof has no checkpoint; its identity is not the
    // expected one); protobuf-specs says the chain MUST NOT hold a root, so we refuse it.
    let case = "bundle-with-root-cert_fail";
    let certs = bundle_certs(case);
    let t = integrated_time(case);
    let anchors = prod_anchors();
    assert_eq!(
        anchors
            .verify_leaf(&certs[0], &certs[1..], &[t])
            .unwrap_err(),
        ChainError::BundleChainContainsRoot {
            index: 1,
            subject: "CN=sigstore,O=sigstore.dev".into()
        }
    );
    // The leaf alone is a good production certificate: the root is the only objection.
    anchors.verify_leaf(&certs[0], &[], &[t]).unwrap();
    // A bundle intermediate that is not a root is ignored, as sigstore-go does.
    anchors.verify_leaf(&certs[0], &certs[2..], &[t]).unwrap();
}

#[test]
fn certificate_issued_after_signing_time_rejected() {
    // intoto-expired-certificate_fail: the leaf's validity (2030) does not contain the
    // log's integrated time (2023), though its CA's trusted-root period does.
    let case = "intoto-expired-certificate_fail";
    let anchors = TrustAnchors::new(&trusted_root(case).certificate_authorities);
    let leaf = leaf(case);
    let err = anchors
        .verify_leaf(&leaf, &[], &[integrated_time(case)])
        .unwrap_err();
    assert!(matches!(err, ChainError::NotYetValid { .. }), "{err:?}");
    // Inside the leaf's own window, the CA (valid 2023 only) has expired instead.
    assert!(matches!(
        anchors.verify_leaf(&leaf, &[], &at_start(&leaf)),
        Err(ChainError::Expired { .. })
    ));
}

#[test]
fn authority_validity_end_is_inclusive() {
    let leaf = leaf("happy-path-v0.3");
    let t = integrated_time("happy-path-v0.3");
    let mut cas = production().certificate_authorities;
    cas[1].validity.end = Some(t);
    TrustAnchors::new(&cas)
        .verify_leaf(&leaf, &[], &[t])
        .unwrap();
    cas[1].validity.end = Some(Timestamp(t.0 - 1));
    assert!(matches!(
        TrustAnchors::new(&cas).verify_leaf(&leaf, &[], &[t]),
        Err(ChainError::OutsideAuthorityValidity { .. })
    ));
    cas[1].validity.start = Some(Timestamp(t.0 + 1));
    cas[1].validity.end = None;
    assert!(matches!(
        TrustAnchors::new(&cas).verify_leaf(&leaf, &[], &[t]),
        Err(ChainError::OutsideAuthorityValidity { .. })
    ));
}

#[test]
fn ca_certificate_as_leaf_rejected() {
    let inter = Certificate::from_der(&production().certificate_authorities[1].chain[0]).unwrap();
    let t = Timestamp(inter.not_before().0 + 1);
    assert!(matches!(
        prod_anchors().verify_leaf(&inter, &[], &[t]),
        Err(ChainError::LeafIsCa { .. })
    ));
}

#[test]
fn leaf_needs_code_signing_eku() {
    // A real TSA certificate: not a CA, digitalSignature, but timeStamping only.
    let tsa = Certificate::from_der(&production().timestamp_authorities[0].chain[0]).unwrap();
    let cas = [production().timestamp_authorities[0].clone()];
    let err = TrustAnchors::new(&cas)
        .verify_leaf(&tsa, &[], &at_start(&tsa))
        .unwrap_err();
    assert_eq!(
        err,
        ChainError::LeafExtKeyUsage {
            subject: "CN=sigstore-tsa,O=sigstore.dev".into(),
            required: oid::KP_CODE_SIGNING
        }
    );
}

#[test]
fn untrusted_issuer_rejected() {
    let leaf = synthetic("leaf-direct");
    assert!(matches!(
        prod_anchors().verify_leaf(&leaf, &[], &at_start(&leaf)),
        Err(ChainError::UntrustedIssuer { .. })
    ));
}

#[test]
fn synthetic_positive_controls() {
    let pool = synthetic_pool(&[&["root-pathlen0"], &["root-ed25519"]]);
    for name in ["leaf-direct", "leaf-under-ed25519"] {
        let leaf = synthetic(name);
        pool.verify_path(&leaf, &LeafPolicy::CODE_SIGNING, &at_start(&leaf))
            .unwrap();
    }
}

#[test]
fn path_len_constraint_honoured() {
    let pool = synthetic_pool(&[&["inter", "root-pathlen0"]]);
    let leaf = synthetic("leaf-via-inter");
    let t = Timestamp(leaf.not_before().0 + 5);
    assert_eq!(
        pool.verify_path(&leaf, &LeafPolicy::CODE_SIGNING, &[t])
            .unwrap_err(),
        ChainError::PathLenExceeded {
            subject: "CN=root-pathlen0,O=sigchain-test".into(),
            path_len: 0,
            intermediates: 1
        }
    );
}

#[test]
fn issuer_constraints_checked() {
    let cases = [
        ("root-no-certsign", "leaf-under-no-certsign"),
        ("root-eku-server", "leaf-under-eku-server"),
    ];
    let errors: Vec<ChainError> = cases
        .iter()
        .map(|(root, leaf)| {
            let pool = synthetic_pool(&[&[root]]);
            let leaf = synthetic(leaf);
            pool.verify_path(&leaf, &LeafPolicy::CODE_SIGNING, &at_start(&leaf))
                .unwrap_err()
        })
        .collect();
    assert!(
        matches!(errors[0], ChainError::IssuerKeyUsage { .. }),
        "{errors:?}"
    );
    assert!(
        matches!(errors[1], ChainError::IssuerExtKeyUsage { .. }),
        "{errors:?}"
    );
    // A non-CA issuer inside an authority's chain is caught when the pool is built; a
    // non-CA first certificate is a pinned end-entity and cannot issue anything.
    let pool = AuthorityPool::new(
        &[
            synthetic_authority(&["leaf-under-not-ca", "root-not-ca"]),
            synthetic_authority(&["root-not-ca"]),
        ],
        Limits::DEFAULT,
    );
    let unusable: Vec<_> = pool.unusable().map(|(_, e)| e.clone()).collect();
    assert!(
        matches!(&unusable[0], ChainError::AuthorityLink { source, .. }
            if matches!(**source, ChainError::IssuerNotCa { .. })),
        "{unusable:?}"
    );
    assert!(matches!(
        unusable[1],
        ChainError::AuthorityWithoutIssuer { .. }
    ));
}

#[test]
fn leaf_constraints_checked() {
    let pool = synthetic_pool(&[&["root-pathlen0"]]);
    let check = |name: &str, policy: &LeafPolicy| {
        let leaf = synthetic(name);
        pool.verify_path(&leaf, policy, &at_start(&leaf))
            .unwrap_err()
    };
    assert!(matches!(
        check("leaf-critical-ext", &LeafPolicy::CODE_SIGNING),
        ChainError::UnhandledCriticalExtension { .. }
    ));
    assert!(matches!(
        check("leaf-no-ku", &LeafPolicy::CODE_SIGNING),
        ChainError::LeafKeyUsage { .. }
    ));
    assert!(matches!(
        check("tsa-noncritical-eku", &LeafPolicy::TIME_STAMPING),
        ChainError::LeafExtKeyUsageNotExclusive { .. }
    ));
    assert!(matches!(
        check("leaf-direct", &LeafPolicy::TIME_STAMPING),
        ChainError::LeafExtKeyUsage { .. }
    ));
}

#[test]
fn chain_length_limited() {
    let limits = Limits {
        max_chain_len: 2,
        ..Limits::DEFAULT
    };
    let leaf = leaf("happy-path-v0.3");
    let t = integrated_time("happy-path-v0.3");
    let anchors = TrustAnchors::with_limits(&production().certificate_authorities, limits);
    assert_eq!(
        anchors.verify_leaf(&leaf, &[], &[t]).unwrap_err(),
        ChainError::ChainTooLong { len: 3, max: 2 }
    );
    let rest = vec![leaf.clone(); 2];
    assert_eq!(
        anchors.verify_leaf(&leaf, &rest, &[t]).unwrap_err(),
        ChainError::ChainTooLong { len: 3, max: 2 }
    );
    // Exactly at the limit is allowed, for the path built and for the bundle's chain alike.
    let limits = Limits {
        max_chain_len: 3,
        ..Limits::DEFAULT
    };
    let anchors = TrustAnchors::with_limits(&production().certificate_authorities, limits);
    anchors.verify_leaf(&leaf, &[], &[t]).unwrap();
    anchors.verify_leaf(&leaf, &rest, &[t]).unwrap();
    let three = vec![leaf.clone(); 3];
    assert_eq!(
        anchors.verify_leaf(&leaf, &three, &[t]).unwrap_err(),
        ChainError::ChainTooLong { len: 4, max: 3 }
    );
    let limits = Limits {
        max_chain_len: 1,
        ..Limits::DEFAULT
    };
    let anchors = TrustAnchors::with_limits(&production().certificate_authorities, limits);
    assert!(anchors
        .unusable()
        .any(|(_, e)| matches!(e, ChainError::ChainTooLong { .. })));
}

#[test]
fn broken_authorities_set_aside() {
    let mut cas = production().certificate_authorities;
    // Swap the chain order: the root did not issue... itself from the intermediate.
    cas[1].chain.reverse();
    cas[0].chain[0].push(0);
    let anchors = TrustAnchors::new(&cas);
    let errors: Vec<_> = anchors.unusable().map(|(_, e)| e.clone()).collect();
    assert!(matches!(
        errors[0],
        ChainError::AuthorityCertificate { index: 0, .. }
    ));
    assert!(matches!(
        errors[1],
        ChainError::AuthorityLink { index: 0, .. }
    ));
    // A lone end-entity has nothing vouching for it.
    let tsa_leaf_only = CertificateAuthority {
        chain: vec![production().timestamp_authorities[0].chain[0].clone()],
        ..production().timestamp_authorities[0].clone()
    };
    let pool = AuthorityPool::new(&[tsa_leaf_only], Limits::DEFAULT);
    assert!(matches!(
        pool.unusable().next(),
        Some((_, ChainError::AuthorityWithoutIssuer { .. }))
    ));
}

#[test]
fn pinned_leaf_only_accepts_itself() {
    // A TSA authority lists its signing certificate: another end-entity issued by the same
    // root is not accepted (sigstore-go pins the trusted TSA leaf the same way).
    let pool = synthetic_pool(&[&["leaf-direct", "root-pathlen0"]]);
    let pinned = synthetic("leaf-direct");
    pool.verify_path(&pinned, &LeafPolicy::CODE_SIGNING, &at_start(&pinned))
        .unwrap();
    let sibling = synthetic("leaf-critical-ext");
    let sibling_no_ext = synthetic("leaf-under-ed25519");
    assert!(pool
        .verify_path(
            &sibling_no_ext,
            &LeafPolicy::CODE_SIGNING,
            &at_start(&sibling_no_ext)
        )
        .is_err());
    assert!(pool
        .verify_path(&sibling, &LeafPolicy::CODE_SIGNING, &at_start(&sibling))
        .is_err());
}
