//! Fulcio's certificate extensions (fulcio `docs/oid-info.md`) and the SAN identity.
//!
//! OIDs `1.3.6.1.4.1.57264.1.1`–`.1.6` hold raw UTF-8 bytes; `.1.8`–`.1.24` hold a DER
//! UTF8String; `.1.7` is the OtherName SAN type for username identities.

use const_oid::ObjectIdentifier;
use der::asn1::Utf8StringRef;
use der::{Decode, Tag, Tagged};
use x509_cert::ext::pkix::name::GeneralName;

use super::Certificate;

/// OtherName type-id Fulcio uses for username identities.
pub const OTHER_NAME_USERNAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");
const ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
const ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");

/// Why Fulcio claims or the SAN identity could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FulcioError {
    /// The certificate has no subjectAltName, or it is empty.
    #[error("certificate has no subject alternative name")]
    NoSubjectAlternativeName,
    /// Fulcio certificates carry exactly one SAN value.
    #[error("certificate has {count} subject alternative names, Fulcio issues exactly one")]
    MultipleSubjectAlternativeNames {
        /// How many were found.
        count: usize,
    },
    /// A SAN of a type Fulcio does not issue (DNS name, IP address, ...).
    #[error("unsupported subject alternative name type")]
    UnsupportedSanType,
    /// An OtherName SAN whose type is not Fulcio's username OID.
    #[error("OtherName SAN of unknown type {oid}")]
    UnknownOtherName {
        /// The OtherName type-id.
        oid: ObjectIdentifier,
    },
    /// A SAN or v2 extension value is not a DER UTF8String.
    #[error("extension {oid} is not a DER UTF8String")]
    NotDerUtf8String {
        /// The extension (or OtherName type-id).
        oid: ObjectIdentifier,
    },
    /// A v1 raw-string extension is not UTF-8.
    #[error("extension {oid} is not UTF-8")]
    NotUtf8 {
        /// The extension.
        oid: ObjectIdentifier,
    },
    /// Neither issuer extension is present: the certificate names no OIDC issuer.
    #[error("certificate names no OIDC issuer (1.3.6.1.4.1.57264.1.8 / .1.1)")]
    MissingIssuer,
    /// Both issuer extensions are present and say different things.
    #[error("issuer extensions disagree: v1 {v1:?}, v2 {v2:?}")]
    IssuerMismatch {
        /// The `.1.1` value.
        v1: String,
        /// The `.1.8` value.
        v2: String,
    },
}

/// The identity a Fulcio certificate was issued to, from its single SAN value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectIdentity {
    /// A URI SAN (CI workflow identities, SPIFFE IDs).
    Uri(String),
    /// An rfc822Name SAN.
    Email(String),
    /// An OtherName SAN of type `1.3.6.1.4.1.57264.1.7` (username).
    OtherName(String),
}

impl SubjectIdentity {
    /// The identity text, whatever its kind.
    pub fn as_str(&self) -> &str {
        match self {
            SubjectIdentity::Uri(s) | SubjectIdentity::Email(s) | SubjectIdentity::OtherName(s) => {
                s
            }
        }
    }
}

/// Read the single SAN value of a Fulcio certificate.
///
/// ```
/// use sigchain_core::x509::{subject_identity, Certificate};
/// # let _ = |cert: &Certificate| subject_identity(cert);
/// ```
pub fn subject_identity(cert: &Certificate) -> Result<SubjectIdentity, FulcioError> {
    let names = cert
        .subject_alt_name()
        .map(|san| san.0.as_slice())
        .unwrap_or(&[]);
    let name = match names {
        [] => return Err(FulcioError::NoSubjectAlternativeName),
        [one] => one,
        more => return Err(FulcioError::MultipleSubjectAlternativeNames { count: more.len() }),
    };
    match name {
        GeneralName::UniformResourceIdentifier(uri) => Ok(SubjectIdentity::Uri(uri.to_string())),
        GeneralName::Rfc822Name(email) => Ok(SubjectIdentity::Email(email.to_string())),
        GeneralName::OtherName(other) => {
            if other.type_id != OTHER_NAME_USERNAME {
                return Err(FulcioError::UnknownOtherName { oid: other.type_id });
            }
            if other.value.tag() != Tag::Utf8String {
                return Err(FulcioError::NotDerUtf8String { oid: other.type_id });
            }
            let text = Utf8StringRef::try_from(&other.value)
                .map_err(|_| FulcioError::NotDerUtf8String { oid: other.type_id })?;
            Ok(SubjectIdentity::OtherName(text.as_str().to_owned()))
        }
        _ => Err(FulcioError::UnsupportedSanType),
    }
}

/// Every claim Fulcio records in certificate extensions; absent extensions are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FulcioClaims {
    /// OIDC issuer: `.1.8` (v2) when present, else `.1.1` (v1).
    pub issuer: Option<String>,
    /// `.1.2` GitHub workflow trigger (deprecated).
    pub github_workflow_trigger: Option<String>,
    /// `.1.3` GitHub workflow SHA (deprecated).
    pub github_workflow_sha: Option<String>,
    /// `.1.4` GitHub workflow name (deprecated).
    pub github_workflow_name: Option<String>,
    /// `.1.5` GitHub workflow repository (deprecated).
    pub github_workflow_repository: Option<String>,
    /// `.1.6` GitHub workflow ref (deprecated).
    pub github_workflow_ref: Option<String>,
    /// `.1.9` build signer URI.
    pub build_signer_uri: Option<String>,
    /// `.1.10` build signer digest.
    pub build_signer_digest: Option<String>,
    /// `.1.11` runner environment.
    pub runner_environment: Option<String>,
    /// `.1.12` source repository URI.
    pub source_repository_uri: Option<String>,
    /// `.1.13` source repository digest.
    pub source_repository_digest: Option<String>,
    /// `.1.14` source repository ref.
    pub source_repository_ref: Option<String>,
    /// `.1.15` source repository identifier.
    pub source_repository_identifier: Option<String>,
    /// `.1.16` source repository owner URI.
    pub source_repository_owner_uri: Option<String>,
    /// `.1.17` source repository owner identifier.
    pub source_repository_owner_identifier: Option<String>,
    /// `.1.18` build config URI.
    pub build_config_uri: Option<String>,
    /// `.1.19` build config digest.
    pub build_config_digest: Option<String>,
    /// `.1.20` build trigger.
    pub build_trigger: Option<String>,
    /// `.1.21` run invocation URI.
    pub run_invocation_uri: Option<String>,
    /// `.1.22` source repository visibility at signing.
    pub source_repository_visibility_at_signing: Option<String>,
    /// `.1.23` deployment environment.
    pub deployment_environment: Option<String>,
    /// `.1.24` token subject (the raw OIDC `sub` claim).
    pub token_subject: Option<String>,
}

type Field = fn(&mut FulcioClaims) -> &mut Option<String>;

/// (last arc under 1.3.6.1.4.1.57264.1, value is a DER UTF8String, field).
const FIELDS: &[(u32, bool, Field)] = &[
    (2, false, |c| &mut c.github_workflow_trigger),
    (3, false, |c| &mut c.github_workflow_sha),
    (4, false, |c| &mut c.github_workflow_name),
    (5, false, |c| &mut c.github_workflow_repository),
    (6, false, |c| &mut c.github_workflow_ref),
    (9, true, |c| &mut c.build_signer_uri),
    (10, true, |c| &mut c.build_signer_digest),
    (11, true, |c| &mut c.runner_environment),
    (12, true, |c| &mut c.source_repository_uri),
    (13, true, |c| &mut c.source_repository_digest),
    (14, true, |c| &mut c.source_repository_ref),
    (15, true, |c| &mut c.source_repository_identifier),
    (16, true, |c| &mut c.source_repository_owner_uri),
    (17, true, |c| &mut c.source_repository_owner_identifier),
    (18, true, |c| &mut c.build_config_uri),
    (19, true, |c| &mut c.build_config_digest),
    (20, true, |c| &mut c.build_trigger),
    (21, true, |c| &mut c.run_invocation_uri),
    (22, true, |c| &mut c.source_repository_visibility_at_signing),
    (23, true, |c| &mut c.deployment_environment),
    (24, true, |c| &mut c.token_subject),
];

const FULCIO_ARCS: [u32; 8] = [1, 3, 6, 1, 4, 1, 57264, 1];

impl FulcioClaims {
    /// Decode every Fulcio extension of `cert`.
    pub fn from_certificate(cert: &Certificate) -> Result<FulcioClaims, FulcioError> {
        let mut claims = FulcioClaims::default();
        let mut issuer_v1 = None;
        let mut issuer_v2 = None;
        for ext in cert.extensions() {
            let Some(arc) = fulcio_arc(ext.extn_id) else {
                continue;
            };
            let value = ext.extn_value;
            if ext.extn_id == ISSUER_V1 {
                issuer_v1 = Some(raw_string(ext.extn_id, value)?);
            } else if ext.extn_id == ISSUER_V2 {
                issuer_v2 = Some(der_utf8(ext.extn_id, value)?);
            } else if let Some((_, is_der, field)) = FIELDS.iter().find(|(a, _, _)| *a == arc) {
                let text = if *is_der {
                    der_utf8(ext.extn_id, value)?
                } else {
                    raw_string(ext.extn_id, value)?
                };
                *field(&mut claims) = Some(text);
            }
        }
        claims.issuer = match (issuer_v1, issuer_v2) {
            (Some(v1), Some(v2)) if v1 != v2 => {
                return Err(FulcioError::IssuerMismatch { v1, v2 });
            }
            (_, Some(v2)) => Some(v2),
            (v1, None) => v1,
        };
        Ok(claims)
    }
}

/// The arc after `1.3.6.1.4.1.57264.1`, when `oid` is exactly one arc below it.
fn fulcio_arc(oid: ObjectIdentifier) -> Option<u32> {
    let mut arcs = oid.arcs();
    for want in FULCIO_ARCS {
        if arcs.next()? != want {
            return None;
        }
    }
    let last = arcs.next()?;
    arcs.next().is_none().then_some(last)
}

fn raw_string(oid: ObjectIdentifier, value: &[u8]) -> Result<String, FulcioError> {
    std::str::from_utf8(value)
        .map(str::to_owned)
        .map_err(|_| FulcioError::NotUtf8 { oid })
}

fn der_utf8(oid: ObjectIdentifier, value: &[u8]) -> Result<String, FulcioError> {
    Utf8StringRef::from_der(value)
        .map(|s| s.as_str().to_owned())
        .map_err(|_| FulcioError::NotDerUtf8String { oid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::testdata::leaf;
    use der::asn1::{Ia5String, OctetString, Utf8StringRef};
    use der::{Any, Encode};
    use x509_cert::ext::pkix::name::OtherName;
    use x509_cert::ext::pkix::SubjectAltName;

    const BEACON: &str =
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon";

    /// Re-encode `cert` with its extensions edited (signature broken; parsing does not care).
    fn with_extensions(
        cert: &Certificate,
        edit: impl FnOnce(&mut Vec<x509_cert::ext::Extension>),
    ) -> Certificate {
        let mut c = cert.x509().unwrap();
        edit(c.tbs_certificate.extensions.as_mut().unwrap());
        Certificate::from_der(&c.to_der().unwrap()).unwrap()
    }

    fn set_extension(
        exts: &mut Vec<x509_cert::ext::Extension>,
        id: ObjectIdentifier,
        value: Vec<u8>,
    ) {
        exts.retain(|e| e.extn_id != id);
        exts.push(x509_cert::ext::Extension {
            extn_id: id,
            critical: false,
            extn_value: OctetString::new(value).unwrap(),
        });
    }

    fn with_san(cert: &Certificate, names: Vec<GeneralName>) -> Certificate {
        let value = SubjectAltName(names).to_der().unwrap();
        with_extensions(cert, |exts| {
            set_extension(exts, crate::x509::oid::SUBJECT_ALT_NAME, value)
        })
    }

    #[test]
    fn decodes_every_github_claim() {
        let cert = leaf("rekor2-happy-path");
        let c = FulcioClaims::from_certificate(&cert).unwrap();
        let s = |v: &Option<String>| v.clone().unwrap();
        let workflow = format!(
            "{BEACON}/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
        );
        let sha = "9739798945b2a848e911bcf1dddb97298cade0b1";
        assert_eq!(s(&c.issuer), "https://token.actions.githubusercontent.com");
        assert_eq!(s(&c.github_workflow_trigger), "workflow_dispatch");
        assert_eq!(s(&c.github_workflow_sha), sha);
        assert_eq!(
            s(&c.github_workflow_name),
            "Extremely dangerous OIDC beacon"
        );
        assert_eq!(
            s(&c.github_workflow_repository),
            "sigstore-conformance/extremely-dangerous-public-oidc-beacon"
        );
        assert_eq!(s(&c.github_workflow_ref), "refs/heads/main");
        assert_eq!(s(&c.build_signer_uri), workflow);
        assert_eq!(s(&c.build_signer_digest), sha);
        assert_eq!(s(&c.runner_environment), "github-hosted");
        assert_eq!(s(&c.source_repository_uri), BEACON);
        assert_eq!(s(&c.source_repository_digest), sha);
        assert_eq!(s(&c.source_repository_ref), "refs/heads/main");
        assert_eq!(s(&c.source_repository_identifier), "632596897");
        assert_eq!(
            s(&c.source_repository_owner_uri),
            "https://github.com/sigstore-conformance"
        );
        assert_eq!(s(&c.source_repository_owner_identifier), "131804563");
        assert_eq!(s(&c.build_config_uri), workflow);
        assert_eq!(s(&c.build_config_digest), sha);
        assert_eq!(s(&c.build_trigger), "workflow_dispatch");
        assert_eq!(
            s(&c.run_invocation_uri),
            format!("{BEACON}/actions/runs/15609877086/attempts/1")
        );
        assert_eq!(s(&c.source_repository_visibility_at_signing), "public");
        assert_eq!(c.deployment_environment, None);
        assert_eq!(c.token_subject, None);
        assert_eq!(
            subject_identity(&cert).unwrap(),
            SubjectIdentity::Uri(workflow)
        );
    }

    #[test]
    fn happy_path_identity() {
        let cert = leaf("happy-path-v0.3");
        let claims = FulcioClaims::from_certificate(&cert).unwrap();
        assert_eq!(
            claims.issuer.as_deref(),
            Some("https://token.actions.githubusercontent.com")
        );
        assert!(subject_identity(&cert)
            .unwrap()
            .as_str()
            .starts_with(&format!("{BEACON}/.github/workflows/")));
    }

    #[test]
    fn email_identity_and_v1_issuer() {
        let cert = leaf("bundle-with-root-cert_fail");
        assert_eq!(
            subject_identity(&cert).unwrap(),
            SubjectIdentity::Email("a@tny.town".into())
        );
        let claims = FulcioClaims::from_certificate(&cert).unwrap();
        assert_eq!(
            claims.issuer.as_deref(),
            Some("https://github.com/login/oauth")
        );
        // Only the v1 issuer: still read.
        let v1_only = with_extensions(&cert, |exts| exts.retain(|e| e.extn_id != ISSUER_V2));
        let claims = FulcioClaims::from_certificate(&v1_only).unwrap();
        assert_eq!(
            claims.issuer.as_deref(),
            Some("https://github.com/login/oauth")
        );
    }

    #[test]
    fn v2_issuer_preferred_and_must_agree() {
        let cert = leaf("happy-path-v0.3");
        let other = Utf8StringRef::new("https://evil.example")
            .unwrap()
            .to_der()
            .unwrap();
        let v2_only = with_extensions(&cert, |exts| {
            exts.retain(|e| e.extn_id != ISSUER_V1);
            set_extension(exts, ISSUER_V2, other.clone());
        });
        assert_eq!(
            FulcioClaims::from_certificate(&v2_only)
                .unwrap()
                .issuer
                .as_deref(),
            Some("https://evil.example")
        );
        let disagree = with_extensions(&cert, |exts| set_extension(exts, ISSUER_V2, other));
        assert!(matches!(
            FulcioClaims::from_certificate(&disagree),
            Err(FulcioError::IssuerMismatch { .. })
        ));
    }

    #[test]
    fn encodings_are_checked() {
        let cert = leaf("happy-path-v0.3");
        // A v2 claim holding raw bytes instead of a DER UTF8String.
        let raw_v2 = with_extensions(&cert, |exts| {
            set_extension(
                exts,
                ISSUER_V2,
                b"https://token.actions.githubusercontent.com".to_vec(),
            )
        });
        assert_eq!(
            FulcioClaims::from_certificate(&raw_v2),
            Err(FulcioError::NotDerUtf8String { oid: ISSUER_V2 })
        );
        let trigger = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.2");
        let bad_utf8 =
            with_extensions(&cert, |exts| set_extension(exts, trigger, vec![0xff, 0xfe]));
        assert_eq!(
            FulcioClaims::from_certificate(&bad_utf8),
            Err(FulcioError::NotUtf8 { oid: trigger })
        );
        // Deeper OIDs under the arc are not Fulcio claims.
        let deeper = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.2.1");
        let ignored = with_extensions(&cert, |exts| set_extension(exts, deeper, vec![0xff]));
        assert!(FulcioClaims::from_certificate(&ignored).is_ok());
    }

    #[test]
    fn san_must_be_exactly_one_supported_value() {
        let cert = leaf("happy-path-v0.3");
        let no_san = with_extensions(&cert, |exts| {
            exts.retain(|e| e.extn_id != crate::x509::oid::SUBJECT_ALT_NAME)
        });
        assert_eq!(
            subject_identity(&no_san),
            Err(FulcioError::NoSubjectAlternativeName)
        );
        assert_eq!(
            subject_identity(&with_san(&cert, vec![])),
            Err(FulcioError::NoSubjectAlternativeName)
        );
        let email = GeneralName::Rfc822Name(Ia5String::new("a@b.c").unwrap());
        assert_eq!(
            subject_identity(&with_san(&cert, vec![email.clone(), email])),
            Err(FulcioError::MultipleSubjectAlternativeNames { count: 2 })
        );
        let dns = GeneralName::DnsName(Ia5String::new("example.com").unwrap());
        assert_eq!(
            subject_identity(&with_san(&cert, vec![dns])),
            Err(FulcioError::UnsupportedSanType)
        );
    }

    #[test]
    fn other_name_username() {
        let cert = leaf("happy-path-v0.3");
        let value = Any::encode_from(&Utf8StringRef::new("octocat").unwrap()).unwrap();
        let username = GeneralName::OtherName(OtherName {
            type_id: OTHER_NAME_USERNAME,
            value: value.clone(),
        });
        assert_eq!(
            subject_identity(&with_san(&cert, vec![username])).unwrap(),
            SubjectIdentity::OtherName("octocat".into())
        );
        let unknown = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.3");
        let upn = GeneralName::OtherName(OtherName {
            type_id: unknown,
            value,
        });
        assert_eq!(
            subject_identity(&with_san(&cert, vec![upn])),
            Err(FulcioError::UnknownOtherName { oid: unknown })
        );
        let ia5 = Any::encode_from(&Ia5String::new("octocat").unwrap()).unwrap();
        let wrong_type = GeneralName::OtherName(OtherName {
            type_id: OTHER_NAME_USERNAME,
            value: ia5,
        });
        assert_eq!(
            subject_identity(&with_san(&cert, vec![wrong_type])),
            Err(FulcioError::NotDerUtf8String {
                oid: OTHER_NAME_USERNAME
            })
        );
    }
}
