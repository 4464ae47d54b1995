//! Test helpers: read conformance bundles in place and pull out the fields the tlog layer
//! takes, with `serde_json::Value` (the bundle module is not a dependency of this one).

use serde_json::Value;

use crate::encoding::base64_decode;
use crate::trust_root::{TransparencyLog, TrustedRoot};

pub(crate) const CONFORMANCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/bundle-verify"
);

/// One conformance case's bundle, first tlog entry and trusted root.
pub(crate) struct Case {
    pub name: String,
    pub bundle: Value,
    /// `None` when the case's root is itself malformed (a trust-root case).
    pub root: Option<TrustedRoot>,
}

impl Case {
    pub fn load(name: &str) -> Case {
        let dir = format!("{CONFORMANCE}/{name}");
        let bundle = serde_json::from_slice(
            &std::fs::read(format!("{dir}/bundle.sigstore.json"))
                .unwrap_or_else(|e| panic!("{name}: {e}")),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let root_json = std::fs::read(format!("{dir}/trusted_root.json")).unwrap_or_else(|_| {
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/trust/production/trusted_root.json"
            ))
            .unwrap()
        });
        Case {
            name: name.to_owned(),
            bundle,
            root: TrustedRoot::from_json(&root_json).ok(),
        }
    }

    /// Every case directory whose name starts with one of `prefixes`.
    pub fn names_with_prefix(prefixes: &[&str]) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(CONFORMANCE)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| prefixes.iter().any(|p| n.starts_with(p)))
            .collect();
        names.sort();
        names
    }

    pub fn entry(&self) -> &Value {
        &self.bundle["verificationMaterial"]["tlogEntries"][0]
    }

    pub fn log(&self) -> &TransparencyLog {
        let id = b64(&self.entry()["logId"]["keyId"]);
        self.root
            .as_ref()
            .and_then(|r| r.tlog(&id))
            .unwrap_or_else(|| panic!("{}: log not in trusted root", self.name))
    }

    pub fn checkpoint(&self) -> &str {
        self.entry()["inclusionProof"]["checkpoint"]["envelope"]
            .as_str()
            .unwrap()
    }

    pub fn body(&self) -> Vec<u8> {
        b64(&self.entry()["canonicalizedBody"])
    }

    pub fn kind_version(&self) -> (&str, &str) {
        let kv = &self.entry()["kindVersion"];
        (
            kv["kind"].as_str().unwrap(),
            kv["version"].as_str().unwrap(),
        )
    }

    pub fn int(&self, v: &Value) -> i64 {
        v.as_str()
            .map(|s| s.parse().unwrap())
            .or_else(|| v.as_i64())
            .unwrap()
    }

    /// The leaf certificate's DER, from whichever field the bundle version uses.
    pub fn leaf_cert(&self) -> Option<Vec<u8>> {
        let vm = &self.bundle["verificationMaterial"];
        let v = if vm["certificate"].is_object() {
            &vm["certificate"]["rawBytes"]
        } else {
            &vm["x509CertificateChain"]["certificates"][0]["rawBytes"]
        };
        v.as_str().and_then(base64_decode)
    }
}

pub(crate) fn b64(v: &Value) -> Vec<u8> {
    base64_decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}
