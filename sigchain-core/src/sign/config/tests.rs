use super::*;

fn t(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

fn svc(url: &str, version: u32, start: &str, end: Option<&str>, operator: &str) -> Service {
    Service {
        url: url.into(),
        major_api_version: version,
        valid_for: ValidityPeriod {
            start: Some(t(start)),
            end: end.map(t),
        },
        operator: operator.into(),
    }
}

fn urls(chosen: &[&Service]) -> Vec<String> {
    chosen.iter().map(|s| s.url.clone()).collect()
}

const ANY: ServiceConfiguration = ServiceConfiguration {
    selector: ServiceSelector::Any,
    count: 0,
};
const ALL: ServiceConfiguration = ServiceConfiguration {
    selector: ServiceSelector::All,
    count: 0,
};
const fn exact(count: u32) -> ServiceConfiguration {
    ServiceConfiguration {
        selector: ServiceSelector::Exact,
        count,
    }
}

/// Three operators; `a` has an old v1 log (ended), a current v1 and a current v2 log.
fn logs() -> Vec<Service> {
    vec![
        svc(
            "a-v1-old",
            1,
            "2020-01-01T00:00:00Z",
            Some("2023-01-01T00:00:00Z"),
            "a",
        ),
        svc("a-v1", 1, "2023-01-01T00:00:00Z", None, "a"),
        svc("a-v2", 2, "2025-01-01T00:00:00Z", None, "a"),
        svc("b-v2-new", 2, "2025-06-01T00:00:00Z", None, "b"),
        svc("b-v2", 2, "2025-02-01T00:00:00Z", None, "b"),
        svc("c-v2-future", 2, "2030-01-01T00:00:00Z", None, "c"),
    ]
}

/// Name, configuration, supported versions, time, expected URLs.
type Case<'a> = (
    &'a str,
    ServiceConfiguration,
    &'a [u32],
    Timestamp,
    Result<Vec<&'a str>, SelectionError>,
);

#[test]
fn selection_table() {
    let now = t("2026-01-01T00:00:00Z");
    let cases: &[Case] = &[
        (
            "highest version, newest first",
            ANY,
            &[1, 2],
            now,
            Ok(vec!["b-v2-new"]),
        ),
        ("only v1 supported", ANY, &[1], now, Ok(vec!["a-v1"])),
        (
            "before a-v1 began, the old one",
            ANY,
            &[1],
            t("2022-06-01T00:00:00Z"),
            Ok(vec!["a-v1-old"]),
        ),
        (
            "end is inclusive",
            ANY,
            &[1],
            t("2023-01-01T00:00:00Z"),
            Ok(vec!["a-v1"]),
        ),
        (
            "all: one per operator",
            ALL,
            &[2],
            now,
            Ok(vec!["b-v2-new", "a-v2"]),
        ),
        (
            "all: future service excluded",
            ALL,
            &[2],
            t("2031-01-01T00:00:00Z"),
            Ok(vec!["c-v2-future", "b-v2-new", "a-v2"]),
        ),
        (
            "exact 2",
            exact(2),
            &[2, 1],
            now,
            Ok(vec!["b-v2-new", "a-v2"]),
        ),
        (
            "exact more than operators",
            exact(3),
            &[2],
            now,
            Err(SelectionError::NotEnoughOperators {
                count: 3,
                available: 2,
            }),
        ),
        (
            "exact zero",
            exact(0),
            &[2],
            now,
            Err(SelectionError::ZeroCount),
        ),
        (
            "v2 before any v2 service falls back to v1",
            ALL,
            &[1, 2],
            t("2024-06-01T00:00:00Z"),
            Ok(vec!["a-v1"]),
        ),
        (
            "no supported version",
            ANY,
            &[],
            now,
            Err(SelectionError::NoSupportedVersions),
        ),
        (
            "unknown version",
            ANY,
            &[3],
            now,
            Err(SelectionError::NoMatchingService {
                supported: vec![3],
                at: now,
            }),
        ),
        (
            "before everything",
            ANY,
            &[1, 2],
            t("2019-01-01T00:00:00Z"),
            Err(SelectionError::NoMatchingService {
                supported: vec![1, 2],
                at: t("2019-01-01T00:00:00Z"),
            }),
        ),
    ];
    let services = logs();
    for (name, config, supported, at, want) in cases {
        let got = select_services(&services, *config, supported, *at).map(|c| urls(&c));
        let want = want
            .clone()
            .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn single_service_selection() {
    let services = logs();
    let now = t("2026-01-01T00:00:00Z");
    assert_eq!(
        select_service(&services, &[2, 1], now).unwrap().url,
        "b-v2-new"
    );
    assert_eq!(select_service(&services, &[1], now).unwrap().url, "a-v1");
    assert!(select_service(&services, &[7], now).is_err());
    assert_eq!(
        select_service(&services, &[], now),
        Err(SelectionError::NoSupportedVersions)
    );
}

#[test]
fn published_configs_parse_and_select() {
    let now = t("2026-01-01T00:00:00Z");
    let prod = SigningConfig::production();
    assert_eq!(
        prod.select_ca(&[1], now).unwrap().url,
        "https://fulcio.sigstore.dev"
    );
    assert_eq!(
        prod.select_oidc(&[1], now).unwrap().url,
        "https://oauth2.sigstore.dev/auth"
    );
    assert_eq!(
        urls(&prod.select_rekor_tlogs(&[1, 2], now).unwrap()),
        ["https://rekor.sigstore.dev"]
    );
    assert_eq!(prod.select_tsas(&[1], now).unwrap().len(), 1);
    let staging = SigningConfig::staging();
    let logs = staging.select_rekor_tlogs(&[1, 2], now).unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].major_api_version, 2);
    assert_eq!(
        urls(&staging.select_rekor_tlogs(&[1], now).unwrap()).len(),
        1
    );
}

#[test]
fn to_json_round_trips() {
    for config in [SigningConfig::production(), SigningConfig::staging()] {
        let again = SigningConfig::from_json(config.to_json().as_bytes()).unwrap();
        assert_eq!(&again, config);
    }
}

fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<SigningConfig, SigningConfigError> {
    let mut v: serde_json::Value = serde_json::from_str(PRODUCTION_JSON).unwrap();
    edit(&mut v);
    SigningConfig::from_json(v.to_string().as_bytes())
}

#[test]
fn malformed_configs_are_rejected_with_reasons() {
    assert!(matches!(
        with(|v| v["mediaType"] = "application/vnd.dev.sigstore.signingconfig.v0.1+json".into()),
        Err(SigningConfigError::MediaType(_))
    ));
    assert!(matches!(
        with(|v| v["rekorTlogConfig"]["selector"] = "SOME".into()),
        Err(SigningConfigError::BadSelector {
            field: "rekorTlogConfig",
            ..
        })
    ));
    assert!(matches!(
        with(|v| v["caUrls"][0]["validFor"]["start"] = "yesterday".into()),
        Err(SigningConfigError::BadTime {
            field: "caUrls",
            index: 0,
            ..
        })
    ));
    assert!(matches!(
        with(|v| v["tsaUrls"][0]["url"] = "".into()),
        Err(SigningConfigError::MissingUrl {
            field: "tsaUrls",
            index: 0
        })
    ));
    assert!(matches!(
        with(|v| v["rekorTlogUrls"] = serde_json::Value::Array(vec![v["rekorTlogUrls"][0].clone(); MAX_SERVICES + 1])),
        Err(SigningConfigError::TooManyServices { count, .. }) if count == MAX_SERVICES + 1
    ));
    assert!(matches!(
        with(|v| v["caUrls"] = 5.into()),
        Err(SigningConfigError::Json(_))
    ));
    assert!(matches!(
        SigningConfig::from_json(&vec![b' '; MAX_SIGNING_CONFIG_BYTES + 1]),
        Err(SigningConfigError::TooLarge { .. })
    ));
}

#[test]
fn absent_configuration_means_any_and_exact_keeps_its_count() {
    let config = with(|v| {
        v.as_object_mut().unwrap().remove("tsaConfig");
        v["rekorTlogConfig"] = serde_json::json!({"selector": "EXACT", "count": 2});
    })
    .unwrap();
    assert_eq!(config.tsa_config.selector, ServiceSelector::Any);
    assert_eq!(config.rekor_tlog_config, exact(2));
}

#[test]
fn no_tsas_configured_selects_none() {
    let config = with(|v| v["tsaUrls"] = serde_json::json!([])).unwrap();
    assert!(config
        .select_tsas(&[1], t("2026-01-01T00:00:00Z"))
        .unwrap()
        .is_empty());
}

mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = SigningConfig::from_json(&bytes);
        }

        #[test]
        fn parser_never_panics_on_mutated_json(
            cut in 0usize..2000,
            byte in any::<u8>(),
        ) {
            let mut bytes = PRODUCTION_JSON.as_bytes().to_vec();
            let at = cut % bytes.len();
            bytes[at] = byte;
            if let Ok(config) = SigningConfig::from_json(&bytes) {
                let now = Timestamp(1_800_000_000);
                let _ = config.select_rekor_tlogs(&[1, 2], now);
                let _ = config.select_tsas(&[1], now);
                let _ = config.select_ca(&[1], now);
            }
            let _ = SigningConfig::from_json(&bytes[..at]);
        }
    }
}
