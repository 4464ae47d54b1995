//! protobuf-specs `SigningConfig` v0.2: which CA, OIDC provider, logs and TSAs a signer uses,
//! and the choice among them at a given time.
//!
//! Selection follows sigstore-go (`pkg/root/signing_config.go`): only services valid at the
//! time count; among the API versions the caller supports, the highest that has a valid
//! service wins; services are tried newest `validFor.start` first; at most one service per
//! operator. The selector then says how many: `ANY` one, `EXACT` `count` (distinct
//! operators, an error if fewer exist), `ALL` one per operator. Unlike sigstore-go, which
//! picks at random, the choice here is deterministic (newest first), so a signer is
//! reproducible and testable; the published configs list one service per operator anyway.
//!
//! ```
//! use sigchain_core::sign::config::SigningConfig;
//! use sigchain_core::time::Timestamp;
//! let config = SigningConfig::production();
//! let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
//! let ca = config.select_ca(&[1], now)?;
//! let logs = config.select_rekor_tlogs(&[1, 2], now)?;
//! assert_eq!(logs.len(), 1);
//! # let _ = ca;
//! # Ok::<(), sigchain_core::sign::config::SelectionError>(())
//! ```

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::trust_root::ValidityPeriod;

/// The media type of a v0.2 signing config.
pub const MEDIA_TYPE_V0_2: &str = "application/vnd.dev.sigstore.signingconfig.v0.2+json";
/// Largest signing config accepted, in bytes (the published ones are under 4 KiB).
pub const MAX_SIGNING_CONFIG_BYTES: usize = 1024 * 1024;
/// Most services accepted in one list.
pub const MAX_SERVICES: usize = 256;

const PRODUCTION_JSON: &str = include_str!("../../trust/production_signing_config.v0.2.json");
const STAGING_JSON: &str = include_str!("../../trust/staging_signing_config.v0.2.json");

/// Why a signing config was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningConfigError {
    /// Larger than [`MAX_SIGNING_CONFIG_BYTES`].
    #[error("signing config is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Bytes given.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON of the SigningConfig shape.
    #[error("signing config JSON: {0}")]
    Json(String),
    /// A media type other than v0.2.
    #[error("unsupported signing config media type {0:?}")]
    MediaType(String),
    /// A list longer than [`MAX_SERVICES`].
    #[error("{field} lists {count} services, over the limit of {limit}")]
    TooManyServices {
        /// Which list.
        field: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A service without a URL.
    #[error("{field}[{index}] has no url")]
    MissingUrl {
        /// Which list.
        field: &'static str,
        /// Position in the list.
        index: usize,
    },
    /// A `validFor` time that is not RFC 3339.
    #[error("{field}[{index}].validFor has an unreadable time {value:?}")]
    BadTime {
        /// Which list.
        field: &'static str,
        /// Position in the list.
        index: usize,
        /// The text.
        value: String,
    },
    /// A selector other than ANY, EXACT or ALL.
    #[error("{field}.selector {value:?} is not ANY, EXACT or ALL")]
    BadSelector {
        /// Which configuration.
        field: &'static str,
        /// The text.
        value: String,
    },
}

/// Why no service could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// The caller named no API version it supports.
    #[error("no supported API versions given")]
    NoSupportedVersions,
    /// No service of a supported version is valid at the time.
    #[error("no service valid at {at} for API versions {supported:?}")]
    NoMatchingService {
        /// The versions asked for.
        supported: Vec<u32>,
        /// The time.
        at: Timestamp,
    },
    /// `EXACT` with a count of zero.
    #[error("EXACT selector needs a count above zero")]
    ZeroCount,
    /// `EXACT` asks for more distinct operators than offer a service.
    #[error("EXACT selector asks for {count} services, only {available} operators offer one")]
    NotEnoughOperators {
        /// Services required.
        count: u32,
        /// Distinct operators available.
        available: usize,
    },
}

/// One service endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Its URL (for a TSA, the full timestamp endpoint).
    pub url: String,
    /// The major API version it serves.
    pub major_api_version: u32,
    /// When it may be used.
    pub valid_for: ValidityPeriod,
    /// Who operates it.
    pub operator: String,
}

/// How many services of a kind to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceSelector {
    /// One service.
    Any,
    /// Exactly `count` services of distinct operators.
    Exact,
    /// One service per operator.
    All,
}

impl ServiceSelector {
    fn as_str(self) -> &'static str {
        match self {
            ServiceSelector::Any => "ANY",
            ServiceSelector::Exact => "EXACT",
            ServiceSelector::All => "ALL",
        }
    }
}

/// A selector and, for `EXACT`, its count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceConfiguration {
    /// How to choose.
    pub selector: ServiceSelector,
    /// How many, for [`ServiceSelector::Exact`].
    pub count: u32,
}

/// A parsed v0.2 signing config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningConfig {
    /// Fulcio certificate authorities.
    pub ca_urls: Vec<Service>,
    /// OIDC providers.
    pub oidc_urls: Vec<Service>,
    /// Rekor transparency logs.
    pub rekor_tlog_urls: Vec<Service>,
    /// RFC 3161 timestamp authorities.
    pub tsa_urls: Vec<Service>,
    /// How many logs to use.
    pub rekor_tlog_config: ServiceConfiguration,
    /// How many TSAs to use.
    pub tsa_config: ServiceConfiguration,
}

mod wire {
    use super::*;

    #[derive(Deserialize, Serialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub struct SigningConfig {
        #[serde(default)]
        pub media_type: String,
        #[serde(default)]
        pub ca_urls: Vec<Service>,
        #[serde(default)]
        pub oidc_urls: Vec<Service>,
        #[serde(default)]
        pub rekor_tlog_urls: Vec<Service>,
        #[serde(default)]
        pub tsa_urls: Vec<Service>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub rekor_tlog_config: Option<ServiceConfiguration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tsa_config: Option<ServiceConfiguration>,
    }

    #[derive(Deserialize, Serialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub struct Service {
        #[serde(default)]
        pub url: String,
        #[serde(default)]
        pub major_api_version: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub valid_for: Option<TimeRange>,
        #[serde(default)]
        pub operator: String,
    }

    #[derive(Deserialize, Serialize, Default)]
    pub struct TimeRange {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub start: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub end: Option<String>,
    }

    #[derive(Deserialize, Serialize, Default)]
    pub struct ServiceConfiguration {
        #[serde(default)]
        pub selector: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub count: Option<u32>,
    }
}

impl SigningConfig {
    /// The public-good production config compiled into this crate.
    pub fn production() -> &'static SigningConfig {
        static CONFIG: OnceLock<SigningConfig> = OnceLock::new();
        CONFIG.get_or_init(|| {
            SigningConfig::from_json(PRODUCTION_JSON.as_bytes()).unwrap_or_else(|e| {
                unreachable!("embedded production signing config is invalid: {e}")
            })
        })
    }

    /// The public-good staging config compiled into this crate.
    pub fn staging() -> &'static SigningConfig {
        static CONFIG: OnceLock<SigningConfig> = OnceLock::new();
        CONFIG.get_or_init(|| {
            SigningConfig::from_json(STAGING_JSON.as_bytes())
                .unwrap_or_else(|e| unreachable!("embedded staging signing config is invalid: {e}"))
        })
    }

    /// Parse a v0.2 signing config (untrusted input: bounded, typed errors).
    pub fn from_json(json: &[u8]) -> Result<SigningConfig, SigningConfigError> {
        if json.len() > MAX_SIGNING_CONFIG_BYTES {
            return Err(SigningConfigError::TooLarge {
                size: json.len(),
                limit: MAX_SIGNING_CONFIG_BYTES,
            });
        }
        let doc: wire::SigningConfig =
            serde_json::from_slice(json).map_err(|e| SigningConfigError::Json(e.to_string()))?;
        if doc.media_type != MEDIA_TYPE_V0_2 {
            return Err(SigningConfigError::MediaType(doc.media_type));
        }
        Ok(SigningConfig {
            ca_urls: services("caUrls", doc.ca_urls)?,
            oidc_urls: services("oidcUrls", doc.oidc_urls)?,
            rekor_tlog_urls: services("rekorTlogUrls", doc.rekor_tlog_urls)?,
            tsa_urls: services("tsaUrls", doc.tsa_urls)?,
            rekor_tlog_config: configuration("rekorTlogConfig", doc.rekor_tlog_config)?,
            tsa_config: configuration("tsaConfig", doc.tsa_config)?,
        })
    }

    /// The config as protobuf JSON (what an instance publishes as `signing_config.json`).
    pub fn to_json(&self) -> String {
        let out = |list: &[Service]| -> Vec<wire::Service> {
            list.iter()
                .map(|s| wire::Service {
                    url: s.url.clone(),
                    major_api_version: s.major_api_version,
                    valid_for: Some(wire::TimeRange {
                        start: s.valid_for.start.map(Timestamp::to_rfc3339),
                        end: s.valid_for.end.map(Timestamp::to_rfc3339),
                    }),
                    operator: s.operator.clone(),
                })
                .collect()
        };
        let conf = |c: ServiceConfiguration| wire::ServiceConfiguration {
            selector: c.selector.as_str().into(),
            count: (c.selector == ServiceSelector::Exact).then_some(c.count),
        };
        let doc = wire::SigningConfig {
            media_type: MEDIA_TYPE_V0_2.into(),
            ca_urls: out(&self.ca_urls),
            oidc_urls: out(&self.oidc_urls),
            rekor_tlog_urls: out(&self.rekor_tlog_urls),
            tsa_urls: out(&self.tsa_urls),
            rekor_tlog_config: Some(conf(self.rekor_tlog_config)),
            tsa_config: Some(conf(self.tsa_config)),
        };
        // Plain strings and numbers always serialize.
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// The CA to use: one service (sigstore-go `SelectService`).
    pub fn select_ca(&self, supported: &[u32], now: Timestamp) -> Result<&Service, SelectionError> {
        select_service(&self.ca_urls, supported, now)
    }

    /// The OIDC provider to use.
    pub fn select_oidc(
        &self,
        supported: &[u32],
        now: Timestamp,
    ) -> Result<&Service, SelectionError> {
        select_service(&self.oidc_urls, supported, now)
    }

    /// The logs to write to, per `rekorTlogConfig`.
    pub fn select_rekor_tlogs(
        &self,
        supported: &[u32],
        now: Timestamp,
    ) -> Result<Vec<&Service>, SelectionError> {
        select_services(
            &self.rekor_tlog_urls,
            self.rekor_tlog_config,
            supported,
            now,
        )
    }

    /// The TSAs to ask, per `tsaConfig`. An empty `tsaUrls` gives an empty list (no
    /// timestamps), not an error: timestamps are optional with Rekor v1.
    pub fn select_tsas(
        &self,
        supported: &[u32],
        now: Timestamp,
    ) -> Result<Vec<&Service>, SelectionError> {
        if self.tsa_urls.is_empty() {
            return Ok(Vec::new());
        }
        select_services(&self.tsa_urls, self.tsa_config, supported, now)
    }
}

fn services(
    field: &'static str,
    list: Vec<wire::Service>,
) -> Result<Vec<Service>, SigningConfigError> {
    if list.len() > MAX_SERVICES {
        return Err(SigningConfigError::TooManyServices {
            field,
            count: list.len(),
            limit: MAX_SERVICES,
        });
    }
    list.into_iter()
        .enumerate()
        .map(|(index, s)| {
            if s.url.is_empty() {
                return Err(SigningConfigError::MissingUrl { field, index });
            }
            let time =
                |t: Option<String>| match t {
                    None => Ok(None),
                    Some(text) => Timestamp::parse_rfc3339(&text).map(Some).ok_or(
                        SigningConfigError::BadTime {
                            field,
                            index,
                            value: text,
                        },
                    ),
                };
            let range = s.valid_for.unwrap_or_default();
            Ok(Service {
                url: s.url,
                major_api_version: s.major_api_version,
                valid_for: ValidityPeriod {
                    start: time(range.start)?,
                    end: time(range.end)?,
                },
                operator: s.operator,
            })
        })
        .collect()
}

fn configuration(
    field: &'static str,
    conf: Option<wire::ServiceConfiguration>,
) -> Result<ServiceConfiguration, SigningConfigError> {
    // protobuf-specs: an absent configuration is the zero value, selector UNDEFINED; like
    // sigstore-python, read that as ANY rather than refusing the published configs' CA.
    let Some(conf) = conf else {
        return Ok(ServiceConfiguration {
            selector: ServiceSelector::Any,
            count: 0,
        });
    };
    let selector = match conf.selector.as_str() {
        "ANY" => ServiceSelector::Any,
        "EXACT" => ServiceSelector::Exact,
        "ALL" => ServiceSelector::All,
        other => {
            return Err(SigningConfigError::BadSelector {
                field,
                value: other.to_owned(),
            })
        }
    };
    Ok(ServiceConfiguration {
        selector,
        count: conf.count.unwrap_or(0),
    })
}

/// Supported versions, highest first, without repeats.
fn versions_descending(supported: &[u32]) -> Result<Vec<u32>, SelectionError> {
    if supported.is_empty() {
        return Err(SelectionError::NoSupportedVersions);
    }
    let mut versions = supported.to_vec();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    versions.dedup();
    Ok(versions)
}

/// Services, newest `validFor.start` first (no start counts as oldest); stable, so list
/// order breaks ties.
fn newest_first(services: &[Service]) -> Vec<&Service> {
    let mut sorted: Vec<&Service> = services.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.valid_for.start));
    sorted
}

/// One service: the newest valid one of the highest supported version that has one.
pub fn select_service<'a>(
    services: &'a [Service],
    supported: &[u32],
    now: Timestamp,
) -> Result<&'a Service, SelectionError> {
    let sorted = newest_first(services);
    for version in versions_descending(supported)? {
        if let Some(s) = sorted
            .iter()
            .find(|s| s.major_api_version == version && s.valid_for.contains(now))
        {
            return Ok(s);
        }
    }
    Err(SelectionError::NoMatchingService {
        supported: supported.to_vec(),
        at: now,
    })
}

/// Services per the selector: from the highest supported version that has a valid one, the
/// newest per operator, then one (`ANY`), `count` (`EXACT`) or all (`ALL`) of them.
pub fn select_services<'a>(
    services: &'a [Service],
    config: ServiceConfiguration,
    supported: &[u32],
    now: Timestamp,
) -> Result<Vec<&'a Service>, SelectionError> {
    let sorted = newest_first(services);
    let mut chosen: Vec<&Service> = Vec::new();
    for version in versions_descending(supported)? {
        for s in &sorted {
            if s.major_api_version == version
                && s.valid_for.contains(now)
                && !chosen.iter().any(|c| c.operator == s.operator)
            {
                chosen.push(s);
            }
        }
        if !chosen.is_empty() {
            break;
        }
    }
    if chosen.is_empty() {
        return Err(SelectionError::NoMatchingService {
            supported: supported.to_vec(),
            at: now,
        });
    }
    match config.selector {
        ServiceSelector::All => Ok(chosen),
        ServiceSelector::Any => {
            chosen.truncate(1);
            Ok(chosen)
        }
        ServiceSelector::Exact => {
            if config.count == 0 {
                return Err(SelectionError::ZeroCount);
            }
            if config.count as usize > chosen.len() {
                return Err(SelectionError::NotEnoughOperators {
                    count: config.count,
                    available: chosen.len(),
                });
            }
            chosen.truncate(config.count as usize);
            Ok(chosen)
        }
    }
}

#[cfg(test)]
mod tests;
