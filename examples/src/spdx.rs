//! A small SPDX 2.3 JSON document about one container image, in place of Syft's (ADR-007's
//! SBOM step) until sigchain-sbom catalogues images itself.
//!
//! It says only what its caller knows: the image by name and manifest digest, and, when the
//! caller built the image, the files it put in it (with the SHA-1 and SHA-256 checksums SPDX
//! 2.3 asks of files). Without files it says the contents were not catalogued rather than
//! claim the image is empty.

use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY, SHA256};
use serde_json::{json, Value};
use sigchain_core::time::Timestamp;
use sigchain_oci::reference::Digest;

use crate::demo_image::DemoFile;

/// The creator this document names, as SPDX's `Tool: name-version`.
pub const CREATOR: &str = concat!(
    "Tool: sigchain-examples-ci_pipeline-",
    env!("CARGO_PKG_VERSION")
);

/// What the document describes.
#[derive(Debug, Clone, Copy)]
pub struct ImageDescription<'a> {
    /// The package's name (the image's repository, or the demo image's name).
    pub name: &'a str,
    /// The image's manifest digest.
    pub digest: &'a Digest,
    /// The registry repository (`registry/repository`) the image is in, if it is in one.
    pub repository: Option<&'a str>,
    /// The files in the image, when the caller built it and so knows them all; empty when it
    /// did not look inside.
    pub files: &'a [DemoFile],
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An SPDX identifier from free text: `SPDXRef-` then letters, digits, `.` and `-` only.
fn spdx_id(kind: &str, text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("SPDXRef-{kind}-{cleaned}")
}

/// The package URL of an OCI image (`pkg:oci/NAME@sha256%3AHEX`, with the repository it is in
/// as `repository_url`).
fn purl(description: &ImageDescription<'_>) -> String {
    let name = description
        .name
        .rsplit('/')
        .next()
        .unwrap_or(description.name)
        .to_ascii_lowercase();
    let version = description.digest.to_string().replace(':', "%3A");
    match description.repository {
        Some(repository) => format!(
            "pkg:oci/{name}@{version}?repository_url={}",
            repository.replace(':', "%3A")
        ),
        None => format!("pkg:oci/{name}@{version}"),
    }
}

/// The SPDX 2.3 document describing the image, created at `created`.
pub fn spdx_document(description: &ImageDescription<'_>, created: Timestamp) -> Value {
    let package_id = spdx_id("Package", description.name);
    let files: Vec<(String, &DemoFile, String, String)> = description
        .files
        .iter()
        .map(|file| {
            let sha1 = hex(digest(&SHA1_FOR_LEGACY_USE_ONLY, file.content).as_ref());
            let sha256 = hex(digest(&SHA256, file.content).as_ref());
            (spdx_id("File", file.path), file, sha1, sha256)
        })
        .collect();
    let mut package = json!({
        "name": description.name,
        "SPDXID": package_id,
        "versionInfo": description.digest.to_string(),
        "downloadLocation": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": purl(description),
        }],
    });
    if files.is_empty() {
        package["filesAnalyzed"] = json!(false);
        package["comment"] = json!(
            "Only the image's manifest digest is described: its contents were not catalogued."
        );
    } else {
        // SPDX 2.3 §7.9: SHA-1 over the files' sorted, concatenated lowercase SHA-1s.
        let mut sha1s: Vec<&str> = files.iter().map(|(_, _, sha1, _)| sha1.as_str()).collect();
        sha1s.sort_unstable();
        let code = hex(digest(&SHA1_FOR_LEGACY_USE_ONLY, sha1s.concat().as_bytes()).as_ref());
        package["filesAnalyzed"] = json!(true);
        package["packageVerificationCode"] = json!({"packageVerificationCodeValue": code});
        package["hasFiles"] = files.iter().map(|(id, ..)| json!(id)).collect();
    }
    let file_entries: Vec<Value> = files
        .iter()
        .map(|(id, file, sha1, sha256)| {
            json!({
                "fileName": format!("./{}", file.path),
                "SPDXID": id,
                "checksums": [
                    {"algorithm": "SHA1", "checksumValue": sha1},
                    {"algorithm": "SHA256", "checksumValue": sha256},
                ],
                "licenseConcluded": "NOASSERTION",
                "copyrightText": "NOASSERTION",
            })
        })
        .collect();
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("{}@{}", description.name, description.digest),
        "documentNamespace": format!(
            "https://sigchain.example/spdx/{}-{}-{}",
            description.name.replace(['/', ':'], "-"),
            description.digest.hex(),
            created.as_secs()
        ),
        "creationInfo": {
            "created": created.to_rfc3339(),
            "creators": [CREATOR],
        },
        "packages": [package],
        "files": file_entries,
        "relationships": [{
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": package_id,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo_image::DEMO_FILES;

    fn digest() -> Digest {
        Digest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap()
    }

    #[test]
    fn the_demo_document_lists_each_file_with_its_checksums() {
        let digest = digest();
        let description = ImageDescription {
            name: "ci-pipeline-demo",
            digest: &digest,
            repository: None,
            files: DEMO_FILES,
        };
        let document = spdx_document(&description, Timestamp(1_700_000_000));
        assert_eq!(document["spdxVersion"], "SPDX-2.3");
        assert_eq!(document["creationInfo"]["created"], "2023-11-14T22:13:20Z");
        let package = &document["packages"][0];
        assert_eq!(package["filesAnalyzed"], true);
        assert_eq!(
            package["externalRefs"][0]["referenceLocator"],
            format!("pkg:oci/ci-pipeline-demo@sha256%3A{}", "ab".repeat(32))
        );
        let files = document["files"].as_array().unwrap();
        assert_eq!(files.len(), DEMO_FILES.len());
        assert_eq!(files[1]["fileName"], "./app/VERSION");
        assert_eq!(files[1]["SPDXID"], "SPDXRef-File-app-VERSION");
        // sha1("1.0.0\n"), as `sha1sum` prints it.
        assert_eq!(
            files[1]["checksums"][0]["checksumValue"],
            "c538b66c7110ca3a028ccfe422d0f1fa200a9935"
        );
        assert_eq!(
            package["hasFiles"].as_array().unwrap().len(),
            DEMO_FILES.len()
        );
    }

    #[test]
    fn without_files_the_document_says_the_contents_were_not_catalogued() {
        let digest = digest();
        let description = ImageDescription {
            name: "127.0.0.1:5000/team/app",
            digest: &digest,
            repository: Some("127.0.0.1:5000/team/app"),
            files: &[],
        };
        let document = spdx_document(&description, Timestamp(0));
        let package = &document["packages"][0];
        assert_eq!(package["filesAnalyzed"], false);
        assert!(package.get("hasFiles").is_none());
        assert!(document["files"].as_array().unwrap().is_empty());
        assert_eq!(package["SPDXID"], "SPDXRef-Package-127.0.0.1-5000-team-app");
        assert_eq!(
            package["externalRefs"][0]["referenceLocator"],
            format!(
                "pkg:oci/app@sha256%3A{}?repository_url=127.0.0.1%3A5000/team/app",
                "ab".repeat(32)
            )
        );
    }
}
