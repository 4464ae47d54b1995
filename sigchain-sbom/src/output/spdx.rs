//! SPDX 2.3 JSON on the `spdx-rs` types.
//!
//! `spdx-rs` 0.5.5 was written for SPDX 2.2 but carries the 2.3 package fields used here
//! (`primaryPackagePurpose`, the `PACKAGE-MANAGER` reference category); its output passes
//! `pyspdxtools` when three things are taken care of, which this module does:
//! - `SPDX::new` reads the clock (with nanoseconds) and makes a random namespace; both are
//!   overwritten, and `created` is whole seconds, since pyspdxtools only accepts
//!   `YYYY-MM-DDThh:mm:ssZ`;
//! - `spdxVersion` defaults to `SPDX-2.2` and is set to `SPDX-2.3`;
//! - its `PrimaryPackagePurpose::OperatingSystem` serializes as `OPERATING_SYSTEM` (the spec
//!   says `OPERATING-SYSTEM`), so it is never used;
//! - its license-expression parser accepts any identifier, so licenses are checked against the
//!   SPDX list with the `spdx` crate first ([`super::license`]).
//!
//! Where each package was found (its paths, and layer diffIDs for images) is its `sourceInfo`
//! text, as Syft and Trivy also write it; CycloneDX carries the same as properties.
//!
//! CPEs are `SECURITY`/`cpe23Type` external references (SPDX 2.3 annex F). The document has
//! no operating-system element (the distribution is named in each OS package's purl), so the
//! os-release `CPE_NAME` appears only in CycloneDX output.
//!
//! Files ([`super::DocumentInfo::files`]) are written only with real SHA-1s: SPDX 2.3 requires
//! one on every File element (§8.4, and `pyspdxtools` enforces it), and a package that
//! CONTAINS files must have `filesAnalyzed: true` with a `packageVerificationCode` made of
//! those SHA-1s. A package database records at most an MD5 per file (dpkg `md5sums`), so the
//! checksums come from the file contents themselves, computed while the source was read
//! ([`crate::source::SourceLimits::file_digests`]; `sigchain sbom --files` turns both on). A
//! package CONTAINS those of its listed files that are regular files of the final root
//! (directories, symlinks and files a later layer removed are not contained content); a
//! package with none keeps `filesAnalyzed: false`. Without digests no files are written.

use std::fmt::Write as _;

use spdx_rs::models::{
    Algorithm, Checksum, ExternalPackageReference, ExternalPackageReferenceCategory,
    FileInformation, OtherLicensingInformationDetected, PackageInformation,
    PackageVerificationCode, PrimaryPackagePurpose, Relationship, RelationshipType, SpdxExpression,
    SPDX,
};

use crate::model::FileDigest;

use super::license::License;
use super::view::{id_chars, Actor, Row, View};
use super::{OutputError, SourceKind};

const NOASSERTION: &str = "NOASSERTION";
const ROOT_ID: &str = "SPDXRef-DocumentRoot";

pub(crate) fn write(view: &View<'_>) -> Result<Vec<u8>, OutputError> {
    let mut doc = SPDX::new(&document_name(view));
    let ci = &mut doc.document_creation_information;
    ci.spdx_version = "SPDX-2.3".into();
    ci.spdx_document_namespace = namespace(view);
    ci.creation_info.created = view.created;
    ci.creation_info.creators = vec![format!(
        "Tool: {}-{}",
        view.info.tool.name, view.info.tool.version
    )];
    ci.creation_info.license_list_version = Some(license_list_version());
    ci.document_describes = Vec::new();
    let warnings = super::view::warning_lines(view.catalog);
    if !warnings.is_empty() {
        ci.document_comment = Some(format!(
            "sigchain could not read everything in the source; packages recorded there are missing:\n{}",
            warnings.join("\n")
        ));
    }

    doc.package_information.push(root_package(view));
    doc.relationships.push(Relationship::new(
        "SPDXRef-DOCUMENT",
        ROOT_ID,
        RelationshipType::Describes,
        None,
    ));

    let mut extracted: Vec<OtherLicensingInformationDetected> = Vec::new();
    let files = contained_files(view);
    for (index, row) in view.rows.iter().enumerate() {
        let mut information = package(row);
        if let Some(contained) = files.by_row.get(&index) {
            information.files_analyzed = Some(true);
            information.package_verification_code = Some(PackageVerificationCode {
                value: verification_code(contained.iter().map(|&f| &files.files[f].1.sha1)),
                excludes: Vec::new(),
            });
            for &file in contained {
                doc.relationships.push(Relationship::new(
                    &spdx_id(row),
                    &files.files[file].0.file_spdx_identifier,
                    RelationshipType::Contains,
                    None,
                ));
            }
        }
        doc.package_information.push(information);
        doc.relationships.push(Relationship::new(
            ROOT_ID,
            &spdx_id(row),
            RelationshipType::Contains,
            None,
        ));
        if let License::Other { id, text } = &row.license {
            if !extracted.iter().any(|e| &e.license_identifier == id) {
                extracted.push(OtherLicensingInformationDetected {
                    license_identifier: id.clone(),
                    extracted_text: text.clone(),
                    license_name: text.clone(),
                    license_cross_reference: Vec::new(),
                    license_comment: Some(
                        "The declared license as the package metadata writes it; it is not an SPDX license expression."
                            .into(),
                    ),
                });
            }
        }
    }
    doc.file_information = files.files.into_iter().map(|(file, _)| file).collect();
    extracted.sort_by(|a, b| a.license_identifier.cmp(&b.license_identifier));
    doc.other_licensing_information_detected = extracted;
    for row in &view.rows {
        for &dep in &row.depends_on {
            doc.relationships.push(Relationship::new(
                &spdx_id(row),
                &spdx_id(&view.rows[dep]),
                RelationshipType::DependsOn,
                None,
            ));
        }
    }
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
}

/// The File elements of the document (in path order, with their digests) and, per row, the
/// indices of the files its package contains.
struct ContainedFiles<'a> {
    files: Vec<(FileInformation, &'a FileDigest)>,
    by_row: std::collections::BTreeMap<usize, Vec<usize>>,
}

fn contained_files<'a>(view: &View<'a>) -> ContainedFiles<'a> {
    let mut by_row = std::collections::BTreeMap::new();
    let mut paths: std::collections::BTreeMap<&'a str, &'a FileDigest> = Default::default();
    if view.info.files {
        for (index, row) in view.rows.iter().enumerate() {
            let mut contained: Vec<&'a str> = row
                .package
                .files
                .iter()
                .filter_map(|path| {
                    let (path, digest) = view.catalog.file_digests.get_key_value(path)?;
                    paths.insert(path.as_str(), digest);
                    Some(path.as_str())
                })
                .collect();
            contained.sort_unstable();
            contained.dedup();
            if !contained.is_empty() {
                by_row.insert(index, contained);
            }
        }
    }
    // IDs by position in path order: the same files give the same IDs.
    let position: std::collections::BTreeMap<&str, usize> =
        paths.keys().enumerate().map(|(i, p)| (*p, i)).collect();
    let files = paths
        .into_iter()
        .enumerate()
        .map(|(i, (path, digest))| {
            let mut counter = 0;
            let mut file = FileInformation::new(&format!("./{path}"), &mut counter);
            file.file_spdx_identifier = format!("SPDXRef-File-{}", i + 1);
            file.file_checksum = vec![
                Checksum::new(Algorithm::SHA1, &digest.sha1),
                Checksum::new(Algorithm::SHA256, &digest.sha256),
            ];
            (file, digest)
        })
        .collect();
    let by_row = by_row
        .into_iter()
        .map(|(row, contained): (usize, Vec<&str>)| {
            (row, contained.iter().map(|p| position[p]).collect())
        })
        .collect();
    ContainedFiles { files, by_row }
}

/// SPDX 2.3 §7.9: the SHA-1 of the package's file SHA-1s (lower-case hex), sorted and
/// concatenated.
fn verification_code<'a>(sha1s: impl Iterator<Item = &'a String>) -> String {
    use sha1::Digest as _;
    let mut sorted: Vec<&String> = sha1s.collect();
    sorted.sort_unstable();
    let mut hasher = sha1::Sha1::new();
    for sha1 in sorted {
        hasher.update(sha1.as_bytes());
    }
    sigchain_core::encoding::hex_encode(&hasher.finalize())
}

fn document_name(view: &View<'_>) -> String {
    let name = &view.info.subject.name;
    if name.is_empty() {
        "sbom".into()
    } else {
        name.clone()
    }
}

/// A URI unique to this document (SPDX 2.3 §6.5): nobody serves it; it only names.
fn namespace(view: &View<'_>) -> String {
    let name: String = id_chars(&view.info.subject.name).chars().take(64).collect();
    let kind = match view.info.subject.kind {
        SourceKind::Image => "image",
        SourceKind::Directory => "dir",
        SourceKind::File => "file",
    };
    format!(
        "https://sigchain.invalid/spdx/{kind}/{}-{}",
        if name.is_empty() { "sbom" } else { &name },
        view.uuid()
    )
}

fn license_list_version() -> String {
    // `spdx::identifiers::VERSION` is the list the strict parse checks against ("3.29.0");
    // SPDX wants major.minor.
    let v = spdx::identifiers::VERSION;
    v.split('.').take(2).collect::<Vec<_>>().join(".")
}

fn spdx_id(row: &Row<'_>) -> String {
    format!("SPDXRef-{}", row.id)
}

fn root_package(view: &View<'_>) -> PackageInformation {
    let subject = &view.info.subject;
    let mut counter = 0;
    let mut p = PackageInformation::new(&document_name(view), &mut counter);
    p.package_spdx_identifier = ROOT_ID.into();
    p.package_download_location = NOASSERTION.into();
    p.files_analyzed = Some(false);
    p.package_supplier = Some(NOASSERTION.into());
    p.copyright_text = Some(NOASSERTION.into());
    p.concluded_license = Some(noassertion());
    p.declared_license = Some(noassertion());
    p.primary_package_purpose = Some(match subject.kind {
        SourceKind::Image => PrimaryPackagePurpose::Container,
        SourceKind::File => PrimaryPackagePurpose::File,
        SourceKind::Directory => PrimaryPackagePurpose::Other,
    });
    if let Some(hex) = &view.digest_hex {
        p.package_version = Some(format!("sha256:{hex}"));
        p.package_checksum
            .push(Checksum::new(Algorithm::SHA256, hex));
    }
    if let Some(purl) = view.subject_purl() {
        p.external_reference.push(ExternalPackageReference::new(
            ExternalPackageReferenceCategory::PackageManager,
            "purl".into(),
            purl,
            None,
        ));
    }
    p
}

fn noassertion() -> SpdxExpression {
    SpdxExpression::default()
}

fn package(row: &Row<'_>) -> PackageInformation {
    let pkg = row.package;
    let mut counter = 0;
    let mut p = PackageInformation::new(&pkg.name, &mut counter);
    p.package_spdx_identifier = spdx_id(row);
    p.package_version = (!pkg.version.is_empty()).then(|| pkg.version.clone());
    p.package_supplier = Some(
        pkg.supplier
            .as_ref()
            .and_then(Actor::from_party)
            .map_or_else(|| NOASSERTION.into(), |a| actor(&a)),
    );
    p.package_originator = pkg
        .originator
        .as_ref()
        .and_then(Actor::from_party)
        .map(|a| actor(&a));
    // A download location must be a URL the package can be fetched from; the metadata's
    // homepage is not that, so it goes into `homepage` and the location stays NOASSERTION.
    p.package_download_location = NOASSERTION.into();
    p.package_home_page = pkg.homepage.as_ref().filter(|h| is_url(h)).cloned();
    p.files_analyzed = Some(false);
    p.concluded_license = Some(noassertion());
    p.declared_license = Some(match &row.license {
        License::None => noassertion(),
        License::Expression(e) => SpdxExpression::parse(e).unwrap_or_else(|_| noassertion()),
        License::Other { id, .. } => SpdxExpression::parse(id).unwrap_or_else(|_| noassertion()),
    });
    p.copyright_text = Some(NOASSERTION.into());
    p.source_information = source_information(&pkg.locations);
    if !pkg.package_type.is_some_and(|t| t.is_os()) {
        p.primary_package_purpose = Some(PrimaryPackagePurpose::Library);
    }
    for c in &pkg.checksums {
        // A checksum of the wrong length or alphabet is the database's error; it is left out.
        if let Some((algorithm, len)) = algorithm(&c.algorithm) {
            if c.value.len() == len && c.value.bytes().all(|b| b.is_ascii_hexdigit()) {
                p.package_checksum
                    .push(Checksum::new(algorithm, &c.value.to_ascii_lowercase()));
            }
        }
    }
    if let Some(purl) = &row.purl {
        p.external_reference.push(ExternalPackageReference::new(
            ExternalPackageReferenceCategory::PackageManager,
            "purl".into(),
            purl.clone(),
            None,
        ));
    }
    for cpe in super::view::valid_cpes(pkg) {
        p.external_reference.push(ExternalPackageReference::new(
            ExternalPackageReferenceCategory::Security,
            "cpe23Type".into(),
            cpe,
            None,
        ));
    }
    p
}

/// Where the package was found, as SPDX's free-text `sourceInfo` (§7.19), which is where Syft
/// and Trivy also say it: each path from the root, with the layer's diffID for image sources.
/// A package seen in very many places (one npm module under many paths) names the first
/// [`MAX_SOURCE_LOCATIONS`] and counts the rest, so one package cannot swell the document.
fn source_information(locations: &[crate::model::Location]) -> Option<String> {
    if locations.is_empty() {
        return None;
    }
    let mut text = String::from("found at ");
    for (n, location) in locations.iter().take(MAX_SOURCE_LOCATIONS).enumerate() {
        if n > 0 {
            text.push_str("; ");
        }
        text.push('/');
        text.push_str(&location.path);
        if let Some(layer) = &location.layer {
            text.push_str(" in layer ");
            text.push_str(layer);
        }
    }
    if locations.len() > MAX_SOURCE_LOCATIONS {
        let _ = write!(
            text,
            "; and {} more places",
            locations.len() - MAX_SOURCE_LOCATIONS
        );
    }
    Some(text)
}

/// How many of a package's locations its `sourceInfo` names.
const MAX_SOURCE_LOCATIONS: usize = 16;

fn is_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The SPDX algorithm and the hex length its value must have.
fn algorithm(name: &str) -> Option<(Algorithm, usize)> {
    Some(match name.to_ascii_uppercase().replace('-', "").as_str() {
        "SHA1" => (Algorithm::SHA1, 40),
        "SHA224" => (Algorithm::SHA224, 56),
        "SHA256" => (Algorithm::SHA256, 64),
        "SHA384" => (Algorithm::SHA384, 96),
        "SHA512" => (Algorithm::SHA512, 128),
        "MD5" => (Algorithm::MD5, 32),
        _ => return None,
    })
}

/// `Person: Name (email)` / `Organization: Name (email)`. Parentheses in a name would be read
/// as the email's, so they become brackets.
fn actor(actor: &Actor) -> String {
    let kind = if actor.person {
        "Person"
    } else {
        "Organization"
    };
    let name: String = actor
        .name
        .chars()
        .map(|c| match c {
            '(' => '[',
            ')' => ']',
            c => c,
        })
        .collect();
    match &actor.email {
        Some(email) => format!("{kind}: {name} ({email})"),
        None => format!("{kind}: {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{source_information, verification_code, MAX_SOURCE_LOCATIONS};
    use crate::model::Location;

    #[test]
    fn source_information_names_the_first_places_and_counts_the_rest() {
        assert_eq!(source_information(&[]), None);
        let dir = Location {
            layer: None,
            path: "srv/app/package-lock.json".into(),
        };
        assert_eq!(
            source_information(std::slice::from_ref(&dir)).unwrap(),
            "found at /srv/app/package-lock.json"
        );
        let many: Vec<Location> = (0..MAX_SOURCE_LOCATIONS + 3)
            .map(|n| Location {
                layer: Some("sha256:ab".into()),
                path: format!("node_modules/m{n}/package.json"),
            })
            .collect();
        let text = source_information(&many).unwrap();
        assert!(text.starts_with("found at /node_modules/m0/package.json in layer sha256:ab; "));
        assert!(text.ends_with("; and 3 more places"), "{text}");
        assert_eq!(text.matches(" in layer ").count(), MAX_SOURCE_LOCATIONS);
    }

    #[test]
    fn the_verification_code_hashes_the_sorted_sha1s() {
        let (a, b) = ("a".repeat(40), "b".repeat(40));
        let code = verification_code([&b, &a].into_iter());
        assert_eq!(code, verification_code([&a, &b].into_iter()));
        // `printf '%s%s' $(printf 'a%.0s' {1..40}) $(printf 'b%.0s' {1..40}) | sha1sum`
        assert_eq!(code, "c361e706434ebcd03e8857c6c8dd2786adaeb3ef");
    }
}
