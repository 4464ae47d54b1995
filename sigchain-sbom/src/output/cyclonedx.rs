//! CycloneDX 1.6 JSON, on serde types of our own: `cyclonedx-bom` (0.8.1) writes 1.3–1.5 only.
//!
//! Properties follow the CycloneDX property-name convention (a namespace prefix of the tool
//! that defines them, `:`-separated): `sigchain:location:<n>:path` and
//! `sigchain:location:<n>:layerID` for each place a package was recorded.
//!
//! A component holds one `cpe`; a package with more than one gets the rest as
//! `sigchain:cpe23` properties (as Syft writes `syft:cpe23`). The `operating-system`
//! component carries the os-release `CPE_NAME`.
//!
//! With [`super::DocumentInfo::files`], a package's installed files are `file` components
//! nested in its component (CycloneDX's way to say one component contains others), each with
//! the MD5 its database recorded (dpkg `md5sums`, `Conffiles`) when there is one.

use serde::Serialize;

use super::license::License;
use super::view::{Actor, Row, View};
use super::{OutputError, SourceKind};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom<'a> {
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<Dependency<'a>>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
    /// `sigchain:warning:<n>`: what could not be read (packages recorded there are missing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Entity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
}

#[derive(Serialize)]
struct Entity {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contact: Vec<Contact>,
}

#[derive(Serialize)]
struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    Expression { expression: String },
    License { license: NamedLicense },
}

#[derive(Serialize)]
struct NamedLicense {
    name: String,
}

#[derive(Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    depends_on: Vec<&'a str>,
}

pub(crate) fn write(view: &View<'_>) -> Result<Vec<u8>, OutputError> {
    let info = view.info;
    let tool = Component {
        kind: "application",
        name: info.tool.name.clone(),
        version: Some(info.tool.version.clone()),
        ..Component::default()
    };
    let bom = Bom {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{}", view.uuid()),
        version: 1,
        metadata: Metadata {
            timestamp: view
                .created
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            tools: Tools {
                components: vec![tool],
            },
            component: subject_component(view),
            properties: super::view::warning_lines(view.catalog)
                .into_iter()
                .enumerate()
                .map(|(n, value)| Property {
                    name: format!("sigchain:warning:{n}"),
                    value,
                })
                .collect(),
        },
        components: distro_component(view)
            .into_iter()
            .chain(
                view.rows
                    .iter()
                    .map(|row| component(row, info.files.then_some(&view.catalog.file_digests))),
            )
            .collect(),
        dependencies: view
            .rows
            .iter()
            .filter(|row| !row.depends_on.is_empty())
            .map(|row| Dependency {
                reference: &row.id,
                depends_on: row
                    .depends_on
                    .iter()
                    .map(|&d| view.rows[d].id.as_str())
                    .collect(),
            })
            .collect(),
    };
    let mut out = serde_json::to_vec_pretty(&bom)?;
    out.push(b'\n');
    Ok(out)
}

fn subject_component(view: &View<'_>) -> Component {
    let subject = &view.info.subject;
    Component {
        kind: match subject.kind {
            SourceKind::Image => "container",
            SourceKind::Directory | SourceKind::File => "file",
        },
        bom_ref: Some("subject".into()),
        name: if subject.name.is_empty() {
            "sbom".into()
        } else {
            subject.name.clone()
        },
        version: view.digest_hex.as_ref().map(|h| format!("sha256:{h}")),
        hashes: view
            .digest_hex
            .iter()
            .map(|h| Hash {
                alg: "SHA-256",
                content: h.clone(),
            })
            .collect(),
        purl: view.subject_purl(),
        ..Component::default()
    }
}

/// The distribution named by os-release, as CycloneDX's `operating-system` component (its
/// bom-ref cannot collide with a package's, which all start with `Package-`).
fn distro_component(view: &View<'_>) -> Option<Component> {
    let distro = view.catalog.distro.as_ref()?;
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_owned()
    };
    let name = clean(&distro.id);
    if name.is_empty() {
        return None;
    }
    Some(Component {
        kind: "operating-system",
        bom_ref: Some("distro".into()),
        name,
        version: distro
            .version_id
            .as_deref()
            .map(clean)
            .filter(|v| !v.is_empty()),
        description: distro
            .pretty_name
            .as_deref()
            .map(clean)
            .filter(|v| !v.is_empty()),
        cpe: distro
            .cpe
            .as_deref()
            .and_then(|c| crate::cpe::Cpe::parse(c).ok())
            .map(|c| c.to_string()),
        ..Component::default()
    })
}

/// `files`: list the package's files, with these content digests where known.
fn component(row: &Row<'_>, files: Option<&FileDigests>) -> Component {
    let p = row.package;
    let mut properties = Vec::new();
    for (n, location) in p.locations.iter().enumerate() {
        properties.push(Property {
            name: format!("sigchain:location:{n}:path"),
            value: location.path.clone(),
        });
        if let Some(layer) = &location.layer {
            properties.push(Property {
                name: format!("sigchain:location:{n}:layerID"),
                value: layer.clone(),
            });
        }
    }
    if let Some(t) = p.package_type {
        properties.push(Property {
            name: "sigchain:package:type".into(),
            value: t.purl_type().into(),
        });
    }
    let mut cpes = super::view::valid_cpes(p).into_iter();
    let cpe = cpes.next();
    properties.extend(cpes.map(|value| Property {
        name: "sigchain:cpe23".into(),
        value,
    }));
    Component {
        kind: "library",
        bom_ref: Some(row.id.clone()),
        supplier: p.supplier.as_ref().and_then(Actor::from_party).map(entity),
        authors: p
            .originator
            .as_ref()
            .and_then(Actor::from_party)
            .map(contact)
            .into_iter()
            .collect(),
        // npm scopes and Maven group ids are CycloneDX groups; OS namespaces are not.
        group: p
            .namespace
            .clone()
            .filter(|_| !p.package_type.is_some_and(|t| t.is_os())),
        name: p.name.clone(),
        version: (!p.version.is_empty()).then(|| p.version.clone()),
        description: None,
        hashes: p.checksums.iter().filter_map(hash).collect(),
        licenses: match &row.license {
            License::None => Vec::new(),
            License::Expression(e) => vec![LicenseChoice::Expression {
                expression: e.clone(),
            }],
            License::Other { text, .. } => vec![LicenseChoice::License {
                license: NamedLicense { name: text.clone() },
            }],
        },
        cpe,
        purl: row.purl.clone(),
        external_references: p
            .homepage
            .iter()
            .filter(|h| h.starts_with("https://") || h.starts_with("http://"))
            .filter(|h| !h.chars().any(|c| c.is_whitespace() || c.is_control()))
            .map(|h| ExternalReference {
                kind: "website",
                url: h.clone(),
            })
            .collect(),
        properties,
        components: match files {
            Some(digests) => file_components(p, digests),
            None => Vec::new(),
        },
    }
}

type FileDigests = std::collections::BTreeMap<String, crate::model::FileDigest>;

fn file_components(p: &crate::model::Package, digests: &FileDigests) -> Vec<Component> {
    let mut paths: Vec<&String> = p.files.iter().filter(|f| !f.is_empty()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|path| Component {
            kind: "file",
            name: path.clone(),
            // The content's own digests, then a recorded checksum of another algorithm
            // (dpkg's MD5): what is in the image comes first.
            hashes: {
                let mut hashes: Vec<Hash> = digests
                    .get(path)
                    .map(|d| {
                        vec![
                            Hash {
                                alg: "SHA-1",
                                content: d.sha1.clone(),
                            },
                            Hash {
                                alg: "SHA-256",
                                content: d.sha256.clone(),
                            },
                        ]
                    })
                    .unwrap_or_default();
                if let Some(recorded) = p.file_checksums.get(path).and_then(hash) {
                    if !hashes.iter().any(|h| h.alg == recorded.alg) {
                        hashes.push(recorded);
                    }
                }
                hashes
            },
            ..Component::default()
        })
        .collect()
}

fn entity(a: Actor) -> Entity {
    Entity {
        contact: if a.person {
            vec![Contact {
                name: Some(a.name.clone()),
                email: a.email,
            }]
        } else {
            a.email
                .map(|email| Contact {
                    name: None,
                    email: Some(email),
                })
                .into_iter()
                .collect()
        },
        name: a.name,
    }
}

fn contact(a: Actor) -> Contact {
    Contact {
        name: Some(a.name),
        email: a.email,
    }
}

/// CycloneDX hash algorithm names and the hex length each must have.
fn hash(c: &crate::model::Checksum) -> Option<Hash> {
    let (alg, len) = match c.algorithm.to_ascii_uppercase().replace('-', "").as_str() {
        "MD5" => ("MD5", 32),
        "SHA1" => ("SHA-1", 40),
        "SHA256" => ("SHA-256", 64),
        "SHA384" => ("SHA-384", 96),
        "SHA512" => ("SHA-512", 128),
        _ => return None,
    };
    let value = c.value.to_ascii_lowercase();
    (value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())).then_some(Hash {
        alg,
        content: value,
    })
}
