//! Any catalog (package metadata is untrusted) gives documents that parse as JSON, whose
//! identifiers are well-formed and unique, and whose references all resolve.

use std::collections::BTreeSet;

use proptest::prelude::*;
use sigchain_sbom::model::{Catalog, Checksum, Distro, Location, Package, PackageType, Party};
use sigchain_sbom::output::{self, DocumentInfo, SourceKind, Subject};

const TYPES: [PackageType; 9] = [
    PackageType::Deb,
    PackageType::Apk,
    PackageType::Rpm,
    PackageType::Python,
    PackageType::Npm,
    PackageType::Cargo,
    PackageType::Go,
    PackageType::Maven,
    PackageType::Gem,
];

/// Short strings from a small alphabet (so names collide and dependencies resolve) with the
/// characters that break naive writers.
fn text() -> impl Strategy<Value = String> {
    prop::string::string_regex("[a-c()<>@ ./:\"\\\\\u{0}\u{1b}é+-]{0,8}").unwrap()
}

fn party() -> impl Strategy<Value = Option<Party>> {
    prop::option::of((any::<bool>(), text(), prop::option::of(text())).prop_map(
        |(person, name, email)| {
            if person {
                Party::Person { name, email }
            } else {
                Party::Organization { name, email }
            }
        },
    ))
}

fn package() -> impl Strategy<Value = Package> {
    (
        (0..TYPES.len(), text(), text(), prop::option::of(text())),
        (
            prop::option::of(text()),
            party(),
            party(),
            prop::option::of(text()),
        ),
        (
            prop::collection::vec((text(), text()), 0..2),
            prop::collection::vec((prop::option::of(text()), text()), 0..3),
            prop::collection::vec(text(), 0..4),
        ),
    )
        .prop_map(
            |(
                (t, name, version, namespace),
                (license_declared, supplier, originator, homepage),
                (checksums, locations, depends_on),
            )| Package {
                name,
                version,
                package_type: Some(TYPES[t]),
                namespace,
                license_declared,
                supplier,
                originator,
                homepage,
                checksums: checksums
                    .into_iter()
                    .map(|(algorithm, value)| Checksum { algorithm, value })
                    .collect(),
                locations: locations
                    .into_iter()
                    .map(|(layer, path)| Location { layer, path })
                    .collect(),
                depends_on,
                ..Package::default()
            },
        )
}

fn valid_spdx_id(id: &str) -> bool {
    id.strip_prefix("SPDXRef-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn documents_are_well_formed(
        packages in prop::collection::vec(package(), 0..12),
        name in text(),
        distro in prop::option::of(text()),
        kind in 0..3usize,
    ) {
        let catalog = Catalog {
            image: None,
            distro: distro.map(|id| Distro { id, ..Distro::default() }),
            packages,
            warnings: Vec::new(),
            file_digests: Default::default(),
        };
        let kind = [SourceKind::Image, SourceKind::Directory, SourceKind::File][kind];
        let info = DocumentInfo::deterministic(Subject::new(kind, name), 1_700_000_000);

        let spdx: serde_json::Value =
            serde_json::from_slice(&output::spdx_json(&catalog, &info).unwrap()).unwrap();
        let mut ids = BTreeSet::new();
        for p in spdx["packages"].as_array().unwrap() {
            let id = p["SPDXID"].as_str().unwrap();
            prop_assert!(valid_spdx_id(id), "{id}");
            prop_assert!(ids.insert(id.to_owned()), "duplicate {id}");
            for actor in [&p["supplier"], &p["originator"]] {
                if let Some(actor) = actor.as_str() {
                    // `Kind: name (email)`: at most one parenthesized part, at the end.
                    prop_assert!(actor.matches('(').count() <= 1, "{actor}");
                    prop_assert!(!actor.chars().any(char::is_control), "{actor}");
                }
            }
        }
        prop_assert_eq!(ids.len(), catalog.packages.len() + 1);
        let licenses: BTreeSet<&str> = spdx["hasExtractedLicensingInfos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["licenseId"].as_str().unwrap())
            .collect();
        for p in spdx["packages"].as_array().unwrap() {
            let declared = p["licenseDeclared"].as_str().unwrap();
            if declared.starts_with("LicenseRef-") {
                prop_assert!(licenses.contains(declared), "{declared} is not defined");
            }
        }
        for r in spdx["relationships"].as_array().unwrap() {
            let from = r["spdxElementId"].as_str().unwrap();
            prop_assert!(from == "SPDXRef-DOCUMENT" || ids.contains(from), "{from}");
            prop_assert!(ids.contains(r["relatedSpdxElement"].as_str().unwrap()));
        }

        let cdx: serde_json::Value =
            serde_json::from_slice(&output::cyclonedx_json(&catalog, &info).unwrap()).unwrap();
        let mut refs = BTreeSet::new();
        for c in cdx["components"].as_array().unwrap() {
            prop_assert!(refs.insert(c["bom-ref"].as_str().unwrap().to_owned()));
        }
        prop_assert!(!refs.contains("subject"));
        let libraries = cdx["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "library")
            .count();
        prop_assert_eq!(libraries, catalog.packages.len());
        if let Some(deps) = cdx["dependencies"].as_array() {
            for d in deps {
                prop_assert!(refs.contains(d["ref"].as_str().unwrap()));
                for on in d["dependsOn"].as_array().unwrap() {
                    prop_assert!(refs.contains(on.as_str().unwrap()));
                }
            }
        }
        let table = output::table(&catalog);
        prop_assert_eq!(table.lines().count(), catalog.packages.len() + 1);
        prop_assert!(!table.chars().any(|c| c.is_control() && c != '\n'));
    }
}
