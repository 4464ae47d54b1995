//! A `sigchain verify-many` manifest of inline bundles, built from the production happy paths,
//! so the command as a whole process can be timed against the library doing the same work.
//!
//! Every line is `{"bundle": <the case's bundle as one compact JSON object>, "digest":
//! "sha256:<hex>", "identity": ..., "issuer": ...}`; the cases repeat in order until the
//! manifest has the requested number of lines. The library side verifies the very bytes each
//! line carries as its `bundle`, with the same digest and identity, so the difference between
//! the two is what the command adds: process start, trusted-root set-up, reading and splitting
//! the manifest, and writing results.
//!
//! ```no_run
//! let cases = sigchain_benches::cases::load_production_happy_paths().unwrap();
//! let manifest = sigchain_benches::manifest::InlineManifest::build(&cases, 886).unwrap();
//! assert_eq!(manifest.text().lines().count(), 886);
//! for (bundle_json, case) in manifest.entries() {
//!     // verifier.verify_json(bundle_json, &policy(case), now)
//! #   let _ = (bundle_json, case);
//! }
//! ```

use crate::cases::Case;
use crate::FixtureError;

/// The manifest text and, per line, the bundle bytes and case it names.
#[derive(Debug, Clone)]
pub struct InlineManifest<'c> {
    cases: &'c [Case],
    /// Each case's bundle as compact JSON, exactly as it appears inline in the manifest.
    compact_bundles: Vec<Vec<u8>>,
    /// For each line, the index of its case.
    order: Vec<usize>,
    text: String,
}

impl<'c> InlineManifest<'c> {
    /// `lines` lines cycling through `cases`.
    pub fn build(cases: &'c [Case], lines: usize) -> Result<InlineManifest<'c>, FixtureError> {
        if cases.is_empty() {
            return Err(FixtureError::Missing("case to build a manifest from"));
        }
        let compact_bundles = cases
            .iter()
            .map(|case| {
                let value: serde_json::Value = serde_json::from_slice(&case.bundle_json)?;
                Ok(serde_json::to_vec(&value)?)
            })
            .collect::<Result<Vec<_>, FixtureError>>()?;
        let order: Vec<usize> = (0..lines).map(|i| i % cases.len()).collect();
        let lines_text = cases
            .iter()
            .zip(&compact_bundles)
            .map(|(case, bundle)| {
                // The bundle is spliced in as text so the line holds these exact bytes.
                let bundle = std::str::from_utf8(bundle)
                    .map_err(|_| FixtureError::Malformed("bundle JSON (not UTF-8)"))?;
                let rest = serde_json::json!({
                    "digest": format!("sha256:{}", case.artifact_digest.to_hex()),
                    "identity": case.identity,
                    "issuer": case.issuer,
                })
                .to_string();
                let rest = rest.strip_prefix('{').unwrap_or(&rest);
                Ok(format!("{{\"bundle\":{bundle},{rest}\n"))
            })
            .collect::<Result<Vec<_>, FixtureError>>()?;
        let text = order.iter().map(|&c| lines_text[c].as_str()).collect();
        Ok(InlineManifest {
            cases,
            compact_bundles,
            order,
            text,
        })
    }

    /// The manifest, one JSON object per line.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the manifest has no lines.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Per line, in order: the bundle bytes it carries inline, and its case.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], &'c Case)> + '_ {
        self.order
            .iter()
            .map(|&c| (self.compact_bundles[c].as_slice(), &self.cases[c]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::load_production_happy_paths;

    #[test]
    fn lines_carry_the_bundles_the_library_is_given() {
        let cases = load_production_happy_paths().unwrap();
        let manifest = InlineManifest::build(&cases, 12).unwrap();
        assert_eq!(manifest.len(), 12);
        let lines: Vec<&str> = manifest.text().lines().collect();
        assert_eq!(lines.len(), 12);
        for (line, (bundle, case)) in lines.iter().zip(manifest.entries()) {
            let raw: std::collections::HashMap<&str, &serde_json::value::RawValue> =
                serde_json::from_str(line).unwrap();
            assert_eq!(raw["bundle"].get().as_bytes(), bundle);
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["identity"], case.identity.as_str());
            assert_eq!(
                value["digest"],
                format!("sha256:{}", case.artifact_digest.to_hex())
            );
            let original: serde_json::Value = serde_json::from_slice(&case.bundle_json).unwrap();
            assert_eq!(value["bundle"], original);
        }
    }

    #[test]
    fn no_cases_no_manifest() {
        assert!(InlineManifest::build(&[], 3).is_err());
    }
}
