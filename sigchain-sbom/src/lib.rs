//! SBOMs for sigchain: find the packages in a container image or a file system, and write them
//! as SPDX 2.3 or CycloneDX 1.6 documents that independent validators accept.
//! - [`source`]: OCI image layouts (an image chosen by tag or digest, or the layout's only
//!   image), `docker save` archives, root-filesystem directories and single files, read
//!   without extracting to disk: every layer in one streaming pass (gzip and
//!   zstd told apart by their first bytes), layers in parallel, bounded (entries, inflated
//!   bytes, header sizes, link hops), with paths that never leave the root; the squashed view
//!   honours whiteouts and opaque directories; on request every regular file's SHA-1 and
//!   SHA-256 are computed in the same pass ([`source::SourceLimits::file_digests`]);
//! - [`driver`]: [`driver::catalog_source`] runs catalogers (all of them:
//!   [`catalog::standard_catalogers`]) over a source and returns a [`model::Catalog`], each
//!   package located by (layer diffID, path), with the image's manifest and config digests;
//!   [`driver::catalog_source_with_progress`] reports layers, bytes and entries as it goes;
//! - [`catalog`]: dpkg (status and distroless `status.d`, and each package's installed files
//!   from `info/*.list`, `*.md5sums` and `Conffiles`), apk, rpm (the sqlite rpmdb; BerkeleyDB
//!   and ndb databases are reported as not yet supported), Python (dist-info, egg-info), npm
//!   (package-lock v1–v3, node_modules), Cargo.lock and cargo-auditable binaries, Ruby gems,
//!   Go build information (modules and the standard library), Java archives, os-release (with
//!   `CPE_NAME`);
//! - [`sqlite`]: a read-only reader of SQLite table B-trees from bytes (for the rpmdb): pure,
//!   bounded, every page reached at most once;
//! - [`purl`]: package URLs per the purl spec; [`cpe`]: CPE 2.3 names, written only where
//!   known rather than guessed (the Go toolchain, the distribution's own `CPE_NAME`);
//!   [`output`]: SPDX 2.3 JSON (on `spdx-rs`), CycloneDX 1.6 JSON and a table, deterministic
//!   on request; each package's installed files on request (SPDX File elements with their
//!   content's SHA-1, CycloneDX nested `file` components);
//! - [`vuln`]: vulnerability-scan attestations: a Trivy JSON report or a SARIF 2.1.0 log
//!   (Trivy's or another scanner's) read into scanner-neutral [`vuln::Finding`]s and into
//!   cosign's vulnerability predicate ([`vuln::from_trivy_report`], [`vuln::from_sarif`]),
//!   attested with `sigchain attest --type vuln`.
//!
//! The `sigchain sbom` command drives this crate; a `registry:` image is copied into a
//! temporary layout with `sigchain_oci`'s `RegistryClient::pull_image` first (the crate itself
//! does no network I/O). The SBOM is attested to the image with `sigchain attest --type
//! spdxjson` (an in-toto statement about the image digest the document describes).
//!
//! ```
//! use sigchain_sbom::catalog::dpkg::DpkgCataloger;
//! use sigchain_sbom::driver::catalog_source;
//! use sigchain_sbom::output::{cyclonedx_json, DocumentInfo, SourceKind, Subject};
//! use sigchain_sbom::source::{Source, SourceLimits};
//!
//! let root = tempfile::tempdir()?;
//! std::fs::create_dir_all(root.path().join("var/lib/dpkg"))?;
//! std::fs::create_dir_all(root.path().join("etc"))?;
//! std::fs::write(root.path().join("etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n")?;
//! std::fs::write(root.path().join("var/lib/dpkg/status"),
//!     "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n\
//!      Version: 1:1.2.13.dfsg-1\nMaintainer: Mark Brown <broonie@debian.org>\n")?;
//! let catalog = catalog_source(&Source::Dir(root.path().into()), &[&DpkgCataloger],
//!     &SourceLimits::default())?;
//! assert_eq!(catalog.packages.len(), 1);
//! assert_eq!(catalog.packages[0].purl(catalog.distro.as_ref()).as_deref(),
//!     Some("pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12"));
//! let subject = Subject::new(SourceKind::Directory, "rootfs");
//! let bom = cyclonedx_json(&catalog, &DocumentInfo::deterministic(subject, 0))?;
//! assert!(String::from_utf8(bom)?.contains("\"specVersion\": \"1.6\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalog;
pub mod cpe;
pub mod driver;
pub mod model;
pub mod output;
pub mod purl;
pub mod source;
pub mod sqlite;
pub mod vuln;

pub use sigchain_core;
