//! The image `ci_pipeline` builds when it runs with no arguments, in place of
//! `docker build`: an OCI image manifest, a config and one gzip tar layer of a few small
//! files, all made in memory and byte for byte the same on every run (so is its digest).
//! The image has no program in it: it exists to be signed, attested and verified.

use std::io::Write as _;

use sigchain_oci::layout::oci_spec::image::{ImageManifestBuilder, MediaType};
use sigchain_oci::reference::{Digest, DigestAlgorithm, Tag};
use sigchain_oci::store::ArtifactStore;

/// What can go wrong while storing the demo image (the store, mostly).
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The name the demo image goes by (its SBOM's package name, its tag's repository in tests).
pub const DEMO_NAME: &str = "ci-pipeline-demo";

/// A file in the demo image's layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// Its path in the image, without a leading `/`.
    pub path: &'static str,
    /// Its content.
    pub content: &'static [u8],
}

/// The files in the demo image's one layer.
pub const DEMO_FILES: &[DemoFile] = &[
    DemoFile {
        path: "app/README",
        content: b"A demo image built in memory by sigchain's ci_pipeline example.\n\
                   It holds no program: it exists to be signed, attested and verified.\n",
    },
    DemoFile {
        path: "app/VERSION",
        content: b"1.0.0\n",
    },
    DemoFile {
        path: "etc/ci-pipeline-demo.conf",
        content: b"greeting = \"hello from the supply chain\"\n",
    },
    // What `npm ci` and `pip install` leave behind, for the SBOM step to find.
    DemoFile {
        path: "app/package-lock.json",
        content: br#"{
  "name": "ci-pipeline-demo",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "ci-pipeline-demo", "version": "1.0.0", "dependencies": {"ms": "2.1.3"}},
    "node_modules/ms": {
      "version": "2.1.3",
      "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz",
      "integrity": "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==",
      "license": "MIT"
    }
  }
}
"#,
    },
    DemoFile {
        path: "usr/local/lib/python3.12/site-packages/certifi-2024.8.30.dist-info/METADATA",
        content: b"Metadata-Version: 2.1\nName: certifi\nVersion: 2024.8.30\n\
                   Author: Kenneth Reitz\nAuthor-email: me@kennethreitz.com\nLicense: MPL-2.0\n",
    },
];

/// What [`write_demo_image`] stored.
#[derive(Debug, Clone)]
pub struct DemoImage {
    /// The manifest's digest: what is signed.
    pub digest: Digest,
    /// The layer's digest (of the gzip tar, as stored).
    pub layer_digest: Digest,
    /// The files in the layer.
    pub files: &'static [DemoFile],
}

/// Store the demo image in `store` (blobs, then the manifest, under `tag`).
pub async fn write_demo_image<S: ArtifactStore>(store: &S, tag: &Tag) -> Result<DemoImage, Error> {
    let tar = tar_of(DEMO_FILES);
    let diff_id = Digest::of(DigestAlgorithm::Sha256, &tar);
    let layer = store
        .put_blob(MediaType::ImageLayerGzip, gzip(&tar))
        .await?;
    // The smallest valid OCI image config: platform and the layer's uncompressed digest.
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": {"org.opencontainers.image.title": DEMO_NAME}},
        "rootfs": {"type": "layers", "diff_ids": [diff_id.to_string()]},
    });
    let config = store
        .put_blob(MediaType::ImageConfig, config.to_string().into_bytes())
        .await?;
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config)
        .layers(vec![layer.clone()])
        .build()?;
    let bytes = serde_json::to_vec(&manifest)?;
    let stored = store
        .put_manifest(MediaType::ImageManifest, bytes, Some(tag))
        .await?;
    Ok(DemoImage {
        digest: Digest::parse(stored.digest().as_ref())?,
        layer_digest: Digest::parse(layer.digest().as_ref())?,
        files: DEMO_FILES,
    })
}

/// An uncompressed tar of `files` with fixed metadata (mtime 0, root-owned, mode 0644).
fn tar_of(files: &[DemoFile]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for file in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(file.content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        // Writing into a Vec fails only on a path tar cannot hold; ours are short and ASCII.
        let _ = builder.append_data(&mut header, file.path, file.content);
    }
    builder.into_inner().unwrap_or_default()
}

/// `bytes` gzipped with no timestamp or file name, so the result depends only on the input.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    // Writes into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layer_is_a_tar_of_the_demo_files_and_the_same_every_time() {
        let tar = tar_of(DEMO_FILES);
        assert_eq!(tar, tar_of(DEMO_FILES));
        assert_eq!(gzip(&tar), gzip(&tar));
        let gzipped = gzip(&tar);
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gzipped.as_slice()));
        let paths: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|entry| entry.unwrap().path().unwrap().display().to_string())
            .collect();
        let expected: Vec<&str> = DEMO_FILES.iter().map(|f| f.path).collect();
        assert_eq!(paths, expected);
    }
}
