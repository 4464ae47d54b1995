//! Loading a `ClusterImagePolicy` from an already-deserialised JSON value, checked with
//! policy-controller's admission rules, so that a policy loads here exactly when policy-controller would accept it, or is
//! refused by name when it uses something we do not implement.
//!
//! Sources (sigstore/policy-controller): the schema is
//! `pkg/apis/policy/v1beta1/clusterimagepolicy_types.go` (`v1alpha1` has the same fields);
//! the rules are `clusterimagepolicy_validation.go`, `pkg/apis/policy/common/validation.go`
//! and `pkg/apis/signaturealgo/signature_digest.go`; the defaults are
//! `clusterimagepolicy_defaults.go` and `pkg/config/store.go`. Rules carried over:
//! - `spec.images` is required, each with a non-empty valid `glob` ([`Glob`]).
//! - `spec.authorities` is required (policy-controller's default
//!   `fail-on-empty-authorities: true`). Each has exactly one of `key`, `keyless`, `static`;
//!   an unnamed authority is named `authority-<index>`.
//! - `static` takes `action: pass|fail` and excludes `attestations`, `source`, `ctlog` and
//!   `rfc3161timestamp`.
//! - `key` needs one of `data`, `kms`, `secretRef`; `data` is a PEM public key;
//!   `hashAlgorithm` is `sha224|sha256|sha384|sha512` after trimming and lowercasing,
//!   `sha256` when absent.
//! - `keyless` needs `identities` (each per [`Identity`]) and at most one of `url` and
//!   `ca-cert`; with neither, `url` defaults to the public-good Fulcio.
//! - At most one `source`. `attestations[]` need `name` and `predicateType`; the
//!   deprecated short predicate types (`custom`, `slsaprovenance`, `spdx`, `spdxjson`,
//!   `cyclonedx`, `link`, `vuln`) and values that are not absolute URIs load with a warning.
//! - `spec.mode` is `enforce` (the default) or `warn`.
//! - `spec.match[]` selects resources by `group`, `version` (`*` for any), `resource`, and
//!   label `selector`; a selector needs a resource type.
//!
//! Deliberate differences, all refusals at load time naming the field:
//! - not implemented: `key.kms`, `key.secretRef`, `keyless.ca-cert`, `keyless.trustRootRef`,
//!   `ctlog.trustRootRef`, `rfc3161timestamp`, `source[].signaturePullSecrets`, CUE/Rego
//!   `policy` blocks (`spec.policy`, `attestations[].policy`) and `selector.matchExpressions`
//!   (they need cluster or network access, or a policy language, that this crate lacks);
//! - `hashAlgorithm: sha224`, PKCS#1 `RSA PUBLIC KEY` blocks, an unknown `signatureFormat`
//!   (upstream silently reads it as `legacy`), and any field the schema does not have
//!   (upstream's API server prunes those silently).
//!
//! Upstream oddity kept out: `keyless.ca-cert` is validated upstream as a `KeyRef`, whose
//! `data` must parse as a *public key* PEM, so an inline CA certificate is refused there
//! too; we refuse the field as not implemented.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use sigchain_core::crypto::{HashAlgorithm, PublicKey};
use sigchain_core::identity::IdentityMatcher;

use super::glob::Glob;
use super::identity::Identity;
use super::model::{
    ApiVersion, Attestation, Authority, CipError, ClusterImagePolicy, KeyAuthority,
    KeylessAuthority, MatchResource, Mode, SignatureFormat, Source, Spec, StaticAction,
    StaticAuthority, TransparencyLog, Verifier, MAX_LIST_LEN, PUBLIC_FULCIO_URL,
};
use super::name;

/// `ClusterImagePolicy.Validate` and `SetDefaults` upstream, over a JSON document.
pub(super) fn cluster_image_policy(value: &Value) -> Result<ClusterImagePolicy, CipError> {
    let top = object(value, "")?;
    check_fields(
        top,
        "",
        &["apiVersion", "kind", "metadata", "spec", "status"],
        &[],
    )?;
    let api_version = match required_str(top, "apiVersion", "")? {
        "policy.sigstore.dev/v1beta1" => ApiVersion::V1beta1,
        "policy.sigstore.dev/v1alpha1" => ApiVersion::V1alpha1,
        other => return Err(CipError::ApiVersion(cut(other))),
    };
    let kind = required_str(top, "kind", "")?;
    if kind != "ClusterImagePolicy" {
        return Err(CipError::Kind(cut(kind)));
    }
    let metadata = required_object(top, "metadata", "")?;
    let name = required_str(metadata, "name", "metadata")?.to_owned();
    let spec = required_object(top, "spec", "")?;
    let mut warnings = Vec::new();
    let spec = parse_spec(spec, &mut warnings)?;
    Ok(ClusterImagePolicy {
        api_version,
        name,
        spec,
        warnings,
    })
}

fn parse_spec(spec: &Map<String, Value>, warnings: &mut Vec<String>) -> Result<Spec, CipError> {
    const P: &str = "spec";
    check_fields(
        spec,
        P,
        &["images", "authorities", "mode", "match"],
        &[(
            "policy",
            "CUE/Rego policies are not implemented; express the requirement as authorities",
        )],
    )?;
    let image_values = list(spec, "images", P)?;
    if image_values.is_empty() {
        return Err(missing(&join(P, "images")));
    }
    let mut images = Vec::with_capacity(image_values.len());
    for (i, image) in image_values.iter().enumerate() {
        let path = format!("{P}.images[{i}]");
        let image = object(image, &path)?;
        check_fields(image, &path, &["glob"], &[])?;
        let glob = required_str(image, "glob", &path)?;
        images.push(Glob::compile(glob).map_err(|e| CipError::InvalidValue {
            path: join(&path, "glob"),
            value: cut(glob),
            reason: e.to_string(),
        })?);
    }
    let authority_values = list(spec, "authorities", P)?;
    if authority_values.is_empty() {
        return Err(missing(&join(P, "authorities")));
    }
    let mut authorities = Vec::with_capacity(authority_values.len());
    for (i, authority) in authority_values.iter().enumerate() {
        authorities.push(parse_authority(authority, i, warnings)?);
    }
    let mode = match optional_str(spec, "mode", P)? {
        None | Some("") | Some("enforce") => Mode::Enforce,
        Some("warn") => Mode::Warn,
        Some(other) => return Err(invalid(&join(P, "mode"), other, "unsupported mode")),
    };
    let mut match_resources = Vec::new();
    for (i, m) in list(spec, "match", P)?.iter().enumerate() {
        match_resources.push(parse_match(m, &format!("{P}.match[{i}]"))?);
    }
    Ok(Spec {
        images,
        authorities,
        mode,
        match_resources,
    })
}

fn parse_authority(
    value: &Value,
    index: usize,
    warnings: &mut Vec<String>,
) -> Result<Authority, CipError> {
    let path = format!("spec.authorities[{index}]");
    let p = path.as_str();
    let a = object(value, p)?;
    check_fields(
        a,
        p,
        &[
            "name",
            "key",
            "keyless",
            "static",
            "source",
            "ctlog",
            "attestations",
            "signatureFormat",
        ],
        &[(
            "rfc3161timestamp",
            "TrustRoot resources are not implemented; timestamp authorities come from the verifier's trusted root",
        )],
    )?;
    let key = optional_object(a, "key", p)?;
    let keyless = optional_object(a, "keyless", p)?;
    let statik = optional_object(a, "static", p)?;
    let verifier = match (key, keyless, statik) {
        (Some(key), None, None) => Verifier::Key(parse_key(key, &join(p, "key"))?),
        (None, Some(keyless), None) => {
            Verifier::Keyless(parse_keyless(keyless, &join(p, "keyless"))?)
        }
        (None, None, Some(statik)) => Verifier::Static(parse_static(statik, &join(p, "static"))?),
        (None, None, None) => {
            return Err(CipError::MissingOneOf {
                path,
                fields: "key, keyless, static",
            })
        }
        _ => {
            return Err(CipError::MultipleOneOf {
                path,
                fields: "key, keyless, static",
            })
        }
    };
    let sources = list(a, "source", p)?;
    let ctlog_value = optional_object(a, "ctlog", p)?;
    let attestation_values = list(a, "attestations", p)?;
    if matches!(verifier, Verifier::Static(_)) {
        for (field, present) in [
            ("attestations", !attestation_values.is_empty()),
            ("source", !sources.is_empty()),
            ("ctlog", ctlog_value.is_some()),
        ] {
            if present {
                return Err(CipError::MultipleOneOf {
                    path: path.clone(),
                    fields: match field {
                        "attestations" => "static, attestations",
                        "source" => "static, source",
                        _ => "static, ctlog",
                    },
                });
            }
        }
    }
    if sources.len() > 1 {
        return Err(invalid(
            &join(p, "source"),
            "source",
            "only single source is supported",
        ));
    }
    let source = match sources.first() {
        Some(s) => Some(parse_source(s, &format!("{p}.source[0]"))?),
        None => None,
    };
    let ctlog = match ctlog_value {
        Some(c) => {
            let cp = join(p, "ctlog");
            check_fields(
                c,
                &cp,
                &["url"],
                &[(
                    "trustRootRef",
                    "TrustRoot resources are not implemented; the log's key comes from the verifier's trusted root",
                )],
            )?;
            Some(TransparencyLog {
                url: non_empty(optional_str(c, "url", &cp)?).map(str::to_owned),
            })
        }
        None => None,
    };
    let mut attestations = Vec::with_capacity(attestation_values.len());
    for (i, att) in attestation_values.iter().enumerate() {
        attestations.push(parse_attestation(
            att,
            &format!("{p}.attestations[{i}]"),
            warnings,
        )?);
    }
    let signature_format = match optional_str(a, "signatureFormat", p)? {
        None | Some("") | Some("legacy") => SignatureFormat::Legacy,
        Some("bundle") => SignatureFormat::Bundle,
        Some(other) => {
            return Err(invalid(
                &join(p, "signatureFormat"),
                other,
                "expected legacy or bundle",
            ))
        }
    };
    let name = match non_empty(optional_str(a, "name", p)?) {
        Some(name) => name.to_owned(),
        None => format!("authority-{index}"),
    };
    Ok(Authority {
        name,
        verifier,
        source,
        ctlog,
        attestations,
        signature_format,
    })
}

fn parse_key(key: &Map<String, Value>, p: &str) -> Result<KeyAuthority, CipError> {
    check_fields(
        key,
        p,
        &["data", "hashAlgorithm"],
        &[
            (
                "kms",
                "KMS keys are not implemented; inline the public key as data",
            ),
            (
                "secretRef",
                "keys in Secrets are not implemented; inline the public key as data",
            ),
        ],
    )?;
    let hash_algorithm = match optional_str(key, "hashAlgorithm", p)? {
        None => HashAlgorithm::Sha256,
        Some(name) => match name.trim().to_ascii_lowercase().as_str() {
            "" | "sha256" => HashAlgorithm::Sha256,
            "sha384" => HashAlgorithm::Sha384,
            "sha512" => HashAlgorithm::Sha512,
            "sha224" => {
                return Err(CipError::Unsupported {
                    path: join(p, "hashAlgorithm"),
                    reason: "sha224 is not implemented",
                })
            }
            _ => {
                return Err(invalid(
                    &join(p, "hashAlgorithm"),
                    name,
                    "unknown digest algorithm",
                ))
            }
        },
    };
    let Some(data) = non_empty(optional_str(key, "data", p)?) else {
        return Err(CipError::MissingOneOf {
            path: p.to_owned(),
            fields: "data, kms, secretRef",
        });
    };
    let public_key = PublicKey::from_pem(data).map_err(|e| CipError::InvalidValue {
        path: join(p, "data"),
        value: cut(data),
        reason: e.to_string(),
    })?;
    Ok(KeyAuthority {
        public_key,
        public_key_pem: data.trim().to_owned(),
        hash_algorithm,
    })
}

fn parse_keyless(keyless: &Map<String, Value>, p: &str) -> Result<KeylessAuthority, CipError> {
    check_fields(
        keyless,
        p,
        &["url", "identities", "insecureIgnoreSCT"],
        &[
            (
                "ca-cert",
                "custom certificate authorities are not implemented; use the verifier's trusted root",
            ),
            (
                "trustRootRef",
                "TrustRoot resources are not implemented; use the verifier's trusted root",
            ),
        ],
    )?;
    let url = non_empty(optional_str(keyless, "url", p)?).unwrap_or(PUBLIC_FULCIO_URL);
    let values = list(keyless, "identities", p)?;
    if values.is_empty() {
        return Err(missing(&join(p, "identities")));
    }
    let mut identities = Vec::with_capacity(values.len());
    for (i, id) in values.iter().enumerate() {
        identities.push(parse_identity(id, &format!("{p}.identities[{i}]"))?);
    }
    let insecure_ignore_sct = match keyless.get("insecureIgnoreSCT") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(CipError::WrongType {
                path: join(p, "insecureIgnoreSCT"),
                expected: "a boolean",
            })
        }
    };
    Ok(KeylessAuthority {
        url: url.to_owned(),
        identities,
        insecure_ignore_sct,
    })
}

/// `Identity.Validate` upstream, then compiled (see [`super::identity`]).
pub(super) fn parse_identity(value: &Value, p: &str) -> Result<Identity, CipError> {
    let id = object(value, p)?;
    check_fields(
        id,
        p,
        &["issuer", "subject", "issuerRegExp", "subjectRegExp"],
        &[],
    )?;
    let matcher = |exact: &'static str, regexp: &'static str| {
        let exact_value = non_empty(optional_str(id, exact, p)?);
        let regexp_value = non_empty(optional_str(id, regexp, p)?);
        match (exact_value, regexp_value) {
            (Some(_), Some(_)) => Err(CipError::MultipleOneOf {
                path: p.to_owned(),
                fields: if exact == "issuer" {
                    "issuer, issuerRegExp"
                } else {
                    "subject, subjectRegExp"
                },
            }),
            (None, None) => Err(CipError::MissingOneOf {
                path: p.to_owned(),
                fields: if exact == "issuer" {
                    "issuer, issuerRegExp"
                } else {
                    "subject, subjectRegExp"
                },
            }),
            (Some(value), None) => Ok(IdentityMatcher::exact(value)),
            (None, Some(pattern)) => {
                IdentityMatcher::regex(pattern).map_err(|e| CipError::InvalidValue {
                    path: join(p, regexp),
                    value: cut(pattern),
                    reason: e.to_string(),
                })
            }
        }
    };
    let issuer = matcher("issuer", "issuerRegExp")?;
    let subject = matcher("subject", "subjectRegExp")?;
    Ok(Identity::new(issuer, subject))
}

fn parse_static(statik: &Map<String, Value>, p: &str) -> Result<StaticAuthority, CipError> {
    check_fields(statik, p, &["action", "message"], &[])?;
    let action = match non_empty(optional_str(statik, "action", p)?) {
        None => return Err(missing(&join(p, "action"))),
        Some("pass") => StaticAction::Pass,
        Some("fail") => StaticAction::Fail,
        Some(other) => return Err(invalid(&join(p, "action"), other, "unsupported action")),
    };
    Ok(StaticAuthority {
        action,
        message: non_empty(optional_str(statik, "message", p)?).map(str::to_owned),
    })
}

fn parse_source(value: &Value, p: &str) -> Result<Source, CipError> {
    let s = object(value, p)?;
    check_fields(
        s,
        p,
        &["oci", "tagPrefix"],
        &[(
            "signaturePullSecrets",
            "registry credentials from Secrets are not implemented; the evidence provider's credentials are used",
        )],
    )?;
    let oci = non_empty(optional_str(s, "oci", p)?);
    if let Some(oci) = oci {
        if !name::is_valid_oci_location(oci) {
            return Err(invalid(
                &join(p, "oci"),
                oci,
                "not a registry or registry/repository",
            ));
        }
    }
    Ok(Source {
        oci: oci.map(str::to_owned),
        // A pointer upstream: an empty prefix is still a prefix.
        tag_prefix: optional_str(s, "tagPrefix", p)?.map(str::to_owned),
    })
}

fn parse_attestation(
    value: &Value,
    p: &str,
    warnings: &mut Vec<String>,
) -> Result<Attestation, CipError> {
    const SHORT_PREDICATE_TYPES: [&str; 7] = [
        "custom",
        "slsaprovenance",
        "spdx",
        "spdxjson",
        "cyclonedx",
        "link",
        "vuln",
    ];
    let att = object(value, p)?;
    check_fields(
        att,
        p,
        &["name", "predicateType"],
        &[(
            "policy",
            "CUE/Rego policies are not implemented; the attestation's signature is still required",
        )],
    )?;
    let Some(name) = non_empty(optional_str(att, "name", p)?) else {
        return Err(missing(&join(p, "name")));
    };
    let Some(predicate_type) = non_empty(optional_str(att, "predicateType", p)?) else {
        return Err(missing(&join(p, "predicateType")));
    };
    if SHORT_PREDICATE_TYPES.contains(&predicate_type) || !looks_like_absolute_uri(predicate_type) {
        warnings.push(format!(
            "{p}.predicateType: deprecated value {:?}, please use RFC 3986 conformant values",
            cut(predicate_type)
        ));
    }
    Ok(Attestation {
        name: name.to_owned(),
        predicate_type: predicate_type.to_owned(),
    })
}

/// Roughly Go's `url.ParseRequestURI` success: an absolute URI (`scheme:...`) or an
/// absolute path. Only decides whether a warning is shown.
fn looks_like_absolute_uri(text: &str) -> bool {
    if text.starts_with('/') {
        return true;
    }
    match text.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

fn parse_match(value: &Value, p: &str) -> Result<MatchResource, CipError> {
    let m = object(value, p)?;
    check_fields(m, p, &["group", "version", "resource", "selector"], &[])?;
    let text = |key| optional_str(m, key, p).map(|v| v.unwrap_or_default().to_owned());
    let (group, version, resource) = (text("group")?, text("version")?, text("resource")?);
    let match_labels = match optional_object(m, "selector", p)? {
        None => None,
        Some(selector) => {
            let sp = join(p, "selector");
            if group.is_empty() && version.is_empty() && resource.is_empty() {
                return Err(invalid(
                    &sp,
                    "selector",
                    "selector requires a resource type to match the labels",
                ));
            }
            check_fields(
                selector,
                &sp,
                &["matchLabels"],
                &[(
                    "matchExpressions",
                    "label selector expressions are not implemented; use matchLabels",
                )],
            )?;
            let mut labels = BTreeMap::new();
            if let Some(map) = optional_object(selector, "matchLabels", &sp)? {
                if map.len() > MAX_LIST_LEN {
                    return Err(CipError::TooMany {
                        path: join(&sp, "matchLabels"),
                    });
                }
                let lp = join(&sp, "matchLabels");
                for key in map.keys() {
                    // A label value may be empty; it must be a string.
                    let value =
                        optional_str(map, key, &lp)?.ok_or_else(|| CipError::WrongType {
                            path: join(&lp, key),
                            expected: "a string",
                        })?;
                    labels.insert(key.clone(), value.to_owned());
                }
            }
            Some(labels)
        }
    };
    Ok(MatchResource {
        group,
        version,
        resource,
        match_labels,
    })
}

// --- JSON access, every failure naming its field -------------------------------------

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn cut(text: &str) -> String {
    text.chars().take(128).collect()
}

fn missing(path: &str) -> CipError {
    CipError::MissingField {
        path: path.to_owned(),
    }
}

fn invalid(path: &str, value: &str, reason: &str) -> CipError {
    CipError::InvalidValue {
        path: path.to_owned(),
        value: cut(value),
        reason: reason.to_owned(),
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// Go reads `null` and (for strings) `""` as "not set"; so do we for unsupported fields.
fn is_set(value: &Value) -> bool {
    !(value.is_null() || value.as_str() == Some(""))
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, CipError> {
    value.as_object().ok_or_else(|| CipError::WrongType {
        path: if path.is_empty() { "(document)" } else { path }.to_owned(),
        expected: "an object",
    })
}

fn check_fields(
    map: &Map<String, Value>,
    path: &str,
    known: &[&str],
    unsupported: &[(&str, &'static str)],
) -> Result<(), CipError> {
    for (key, value) in map {
        if let Some(&(_, reason)) = unsupported.iter().find(|(name, _)| name == key) {
            if is_set(value) {
                return Err(CipError::Unsupported {
                    path: join(path, key),
                    reason,
                });
            }
        } else if !known.contains(&key.as_str()) {
            return Err(CipError::UnknownField {
                path: join(path, &cut(key)),
            });
        }
    }
    Ok(())
}

fn optional_str<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, CipError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(CipError::WrongType {
            path: join(path, key),
            expected: "a string",
        }),
    }
}

fn required_str<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a str, CipError> {
    non_empty(optional_str(map, key, path)?).ok_or_else(|| missing(&join(path, key)))
}

fn optional_object<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, CipError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => object(value, &join(path, key)).map(Some),
    }
}

fn required_object<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a Map<String, Value>, CipError> {
    optional_object(map, key, path)?.ok_or_else(|| missing(&join(path, key)))
}

fn list<'a>(map: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a [Value], CipError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) if items.len() > MAX_LIST_LEN => Err(CipError::TooMany {
            path: join(path, key),
        }),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(CipError::WrongType {
            path: join(path, key),
            expected: "a list",
        }),
    }
}
