//! The signing configuration an instance writes: protobuf-specs `SigningConfig` v0.2 naming
//! its CA, OIDC issuer, log and TSA, so that a Sigstore signer (sigchain, sigstore-python,
//! cosign) signs against exactly this instance; and the `ClientTrustConfig` that bundles it
//! with the trusted root for sigstore-python's `--trust-config`.
//!
//! ```
//! use sigchain_instance::signing_config::signing_config;
//! let base = "http://127.0.0.1:3000";
//! let config = signing_config(base, &format!("{base}/local/rekor-v1"), 1, 1_700_000_000);
//! assert_eq!(config["caUrls"][0]["url"], "http://127.0.0.1:3000");
//! assert_eq!(config["rekorTlogUrls"][0]["majorApiVersion"], 1);
//! ```

use serde_json::{json, Value};

use crate::trust::rfc3339;

/// The SigningConfig media type.
pub const SIGNING_CONFIG_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.signingconfig.v0.2+json";
/// The ClientTrustConfig media type.
pub const CLIENT_TRUST_CONFIG_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json";

fn service(url: String, major: u32, valid_from: i64) -> Value {
    json!({
        "url": url,
        "majorApiVersion": major,
        "validFor": {"start": rfc3339(valid_from)},
        "operator": "sigchain-instance",
    })
}

/// The signing config for the instance at `base_url`, listing its Rekor log of API version
/// `rekor_major` served at `tlog_url`, services valid from `valid_from` (seconds since the
/// epoch).
pub fn signing_config(base_url: &str, tlog_url: &str, rekor_major: u32, valid_from: i64) -> Value {
    json!({
        "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
        "caUrls": [service(base_url.to_owned(), 1, valid_from)],
        "oidcUrls": [service(format!("{base_url}/oidc"), 1, valid_from)],
        "rekorTlogUrls": [service(tlog_url.to_owned(), rekor_major, valid_from)],
        "tsaUrls": [service(format!("{base_url}/api/v1/timestamp"), 1, valid_from)],
        "rekorTlogConfig": {"selector": "ANY"},
        "tsaConfig": {"selector": "ANY"},
    })
}

/// `{"mediaType":..., "trustedRoot":..., "signingConfig":...}`.
pub fn client_trust_config(trusted_root: Value, signing_config: Value) -> Value {
    json!({
        "mediaType": CLIENT_TRUST_CONFIG_MEDIA_TYPE,
        "trustedRoot": trusted_root,
        "signingConfig": signing_config,
    })
}
