//! What both document formats need from a catalog, computed once: each package's purl, its
//! stable identifier, its resolved dependencies, its license, and the document's identity.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::license::{self, License};
use super::{DocumentInfo, OutputError, SourceKind};
use crate::model::{Catalog, Distro, Package};

/// The purl of a package (made last, once the distribution is known).
pub(crate) fn purl_of(package: &Package, distro: Option<&Distro>) -> Option<String> {
    crate::purl::package_url(package, distro)
}

/// One package, ready to write.
pub(crate) struct Row<'a> {
    pub package: &'a Package,
    pub purl: Option<String>,
    /// Unique within the document, made of `[A-Za-z0-9.-]` only (valid in an SPDXID and a
    /// bom-ref), stable for the same package found at the same place.
    pub id: String,
    pub license: License,
    /// Indices into [`View::rows`].
    pub depends_on: Vec<usize>,
}

pub(crate) struct View<'a> {
    pub catalog: &'a Catalog,
    pub info: &'a DocumentInfo,
    pub rows: Vec<Row<'a>>,
    pub created: DateTime<Utc>,
    /// The image digest's hex, validated.
    pub digest_hex: Option<String>,
    /// 16 bytes naming this document: random per run, or derived from its content.
    pub identity: [u8; 16],
}

impl<'a> View<'a> {
    pub fn new(catalog: &'a Catalog, info: &'a DocumentInfo) -> Result<Self, OutputError> {
        let created = DateTime::<Utc>::from_timestamp(info.created, 0)
            .filter(|_| (0..=super::MAX_TIME).contains(&info.created))
            .ok_or_else(|| OutputError::InvalidTimestamp {
                value: info.created.to_string(),
            })?;
        let digest_hex = match &info.subject.digest {
            None => None,
            Some(digest) => Some(
                sha256_hex(digest).ok_or_else(|| OutputError::InvalidDigest {
                    digest: digest.clone(),
                })?,
            ),
        };
        let distro = catalog.distro.as_ref();
        let mut used = BTreeSet::new();
        let mut rows: Vec<Row<'a>> = catalog
            .packages
            .iter()
            .map(|package| {
                let purl = purl_of(package, distro);
                let id = unique_id(&mut used, package, purl.as_deref());
                Row {
                    package,
                    license: license::classify(package.license_declared.as_deref()),
                    purl,
                    id,
                    depends_on: Vec::new(),
                }
            })
            .collect();
        resolve_dependencies(&mut rows);
        let identity = match info.nonce {
            Some(random) => random,
            None => content_identity(info, catalog, &rows),
        };
        Ok(View {
            catalog,
            info,
            rows,
            created,
            digest_hex,
            identity,
        })
    }

    /// The document's identity as a UUID (version 4 layout, so it is a valid `urn:uuid`
    /// whether its bytes are random or derived).
    pub fn uuid(&self) -> String {
        let mut b = self.identity;
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex = hex(&b);
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// `pkg:oci/NAME@sha256%3AHEX?repository_url=REPO` for an image with a digest (the purl
    /// spec's OCI type: the name is the repository's last segment, lowercased).
    pub fn subject_purl(&self) -> Option<String> {
        let subject = &self.info.subject;
        if subject.kind != SourceKind::Image {
            return None;
        }
        let hex = self.digest_hex.as_ref()?;
        let repository = subject.repository.as_deref();
        let base = repository.unwrap_or(&subject.name);
        let base = base.split(['@', ':']).next().unwrap_or(base);
        let last = base.rsplit('/').next().unwrap_or(base).to_ascii_lowercase();
        if last.is_empty() {
            return None;
        }
        let mut purl = format!("pkg:oci/{}@sha256%3A{hex}", percent_encode(&last));
        if let Some(repo) = repository {
            purl.push_str("?repository_url=");
            purl.push_str(&percent_encode(&repo.to_ascii_lowercase()));
        }
        Some(purl)
    }
}

/// A package's CPEs that are valid CPE 2.3 names, in the canonical form [`crate::cpe`] writes
/// (a cataloger's or database's malformed CPE is left out, not repaired).
pub(crate) fn valid_cpes(package: &Package) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for cpe in &package.cpes {
        if let Ok(cpe) = crate::cpe::Cpe::parse(cpe) {
            let cpe = cpe.to_string();
            if !out.contains(&cpe) {
                out.push(cpe);
            }
        }
    }
    out
}

/// At most this many warnings are written into a document; the rest are counted.
pub(crate) const MAX_WARNINGS: usize = 1000;

/// The catalog's warnings as lines (`LAYER:PATH: MESSAGE`), at most [`MAX_WARNINGS`] of them
/// and, if there were more, a last line saying how many were left out.
pub(crate) fn warning_lines(catalog: &Catalog) -> Vec<String> {
    let mut lines: Vec<String> = catalog
        .warnings
        .iter()
        .take(MAX_WARNINGS)
        .map(|w| {
            let place = match &w.location.layer {
                Some(layer) => format!("{layer}:{}", w.location.path),
                None => w.location.path.clone(),
            };
            let line = format!("{place}: {}", w.message);
            line.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        })
        .collect();
    if catalog.warnings.len() > MAX_WARNINGS {
        lines.push(format!(
            "... and {} more warnings",
            catalog.warnings.len() - MAX_WARNINGS
        ));
    }
    lines
}

/// The hex of a `sha256:<64 lowercase hex>` digest.
fn sha256_hex(digest: &str) -> Option<String> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| hex.to_owned())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Keeps `[A-Za-z0-9.-]` and replaces everything else with `-`, for SPDX ids.
pub(crate) fn id_chars(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Percent-encodes all but the purl spec's unreserved characters (and `/`).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Length-prefixed fields, so different packages never hash alike by concatenation.
fn feed(hasher: &mut Sha256, field: &str) {
    hasher.update((field.len() as u64).to_be_bytes());
    hasher.update(field.as_bytes());
}

/// `Package-<type>-<name>-<16 hex>`: readable, and the hash (of the purl or the name,
/// version and locations) keeps it stable across runs and distinct between packages.
fn unique_id(used: &mut BTreeSet<String>, package: &Package, purl: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    match purl {
        Some(purl) => feed(&mut hasher, purl),
        None => {
            feed(
                &mut hasher,
                package.package_type.map_or("", |t| t.purl_type()),
            );
            feed(&mut hasher, package.namespace.as_deref().unwrap_or(""));
            feed(&mut hasher, &package.name);
            feed(&mut hasher, &package.version);
        }
    }
    for location in &package.locations {
        feed(&mut hasher, location.layer.as_deref().unwrap_or(""));
        feed(&mut hasher, &location.path);
    }
    let digest = hasher.finalize();
    let kind = package.package_type.map_or("unknown", |t| t.purl_type());
    let name: String = id_chars(&package.name).chars().take(64).collect();
    let base = format!("Package-{kind}-{name}-{}", hex(&digest[..8]));
    // Identical packages at identical places (a database listing one twice) still need
    // distinct ids; the catalog's order is stable, so the suffixes are too.
    let mut id = base.clone();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// Resolves each package's `depends_on` names to packages of the same type: preferring one
/// recorded in the same file (an npm lock file, a dpkg status), else every one of that name.
fn resolve_dependencies(rows: &mut [Row<'_>]) {
    let mut by_name: BTreeMap<(Option<crate::model::PackageType>, String), Vec<usize>> =
        BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let p = row.package;
        by_name
            .entry((p.package_type, p.name.clone()))
            .or_default()
            .push(i);
        if let Some(ns) = &p.namespace {
            by_name
                .entry((p.package_type, format!("{ns}/{}", p.name)))
                .or_default()
                .push(i);
        }
    }
    for i in 0..rows.len() {
        let p = rows[i].package;
        let mut deps = BTreeSet::new();
        for name in &p.depends_on {
            let name = name.trim();
            let found = by_name.get(&(p.package_type, name.to_owned())).or_else(|| {
                // dpkg `foo:any` / `foo:amd64`: the architecture qualifier is not the name.
                let bare = name.split(':').next().unwrap_or(name);
                by_name.get(&(p.package_type, bare.to_owned()))
            });
            let Some(candidates) = found else { continue };
            let first_path = p.locations.first().map(|l| &l.path);
            let same_file: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&c| rows[c].package.locations.first().map(|l| &l.path) == first_path)
                .collect();
            let chosen = if same_file.is_empty() {
                candidates.clone()
            } else {
                same_file
            };
            deps.extend(chosen.into_iter().filter(|&c| c != i));
        }
        rows[i].depends_on = deps.into_iter().collect();
    }
}

/// The identity of a deterministic document: a hash of the subject and everything the
/// document says about each package.
fn content_identity(info: &DocumentInfo, catalog: &Catalog, rows: &[Row<'_>]) -> [u8; 16] {
    let mut hasher = Sha256::new();
    feed(&mut hasher, "sigchain-sbom document v1");
    feed(&mut hasher, &format!("{:?}", info.subject.kind));
    feed(&mut hasher, &info.subject.name);
    feed(&mut hasher, info.subject.digest.as_deref().unwrap_or(""));
    feed(
        &mut hasher,
        info.subject.repository.as_deref().unwrap_or(""),
    );
    feed(&mut hasher, &info.tool.name);
    feed(&mut hasher, &info.tool.version);
    feed(&mut hasher, &info.created.to_string());
    if let Some(distro) = &catalog.distro {
        feed(&mut hasher, distro.pretty_name.as_deref().unwrap_or(""));
        feed(&mut hasher, distro.cpe.as_deref().unwrap_or(""));
    }
    for row in rows {
        let p = row.package;
        feed(&mut hasher, &row.id);
        feed(&mut hasher, row.purl.as_deref().unwrap_or(""));
        feed(&mut hasher, &p.name);
        feed(&mut hasher, &p.version);
        feed(&mut hasher, p.license_declared.as_deref().unwrap_or(""));
        feed(&mut hasher, &format!("{:?}", p.supplier));
        feed(&mut hasher, &format!("{:?}", p.originator));
        feed(&mut hasher, p.homepage.as_deref().unwrap_or(""));
        for c in &p.checksums {
            feed(&mut hasher, &c.algorithm);
            feed(&mut hasher, &c.value);
        }
        for cpe in &p.cpes {
            feed(&mut hasher, cpe);
        }
        if info.files {
            for file in &p.files {
                feed(&mut hasher, file);
                if let Some(c) = p.file_checksums.get(file) {
                    feed(&mut hasher, &c.value);
                }
            }
        }
        for d in &row.depends_on {
            feed(&mut hasher, &rows[*d].id);
        }
    }
    for line in warning_lines(catalog) {
        feed(&mut hasher, &line);
    }
    let digest = hasher.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// A supplier or author as a document can name it: a non-empty name without control
/// characters, and an email only when it looks like one (validators check its syntax; a
/// malformed one is dropped rather than repaired).
pub(crate) struct Actor {
    pub person: bool,
    pub name: String,
    pub email: Option<String>,
}

impl Actor {
    pub fn from_party(party: &crate::model::Party) -> Option<Actor> {
        use crate::model::Party;
        let (person, name, email) = match party {
            Party::Person { name, email } => (true, name, email),
            Party::Organization { name, email } => (false, name, email),
        };
        let name: String = name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_owned();
        if name.is_empty() {
            return None;
        }
        let email = email
            .as_deref()
            .map(str::trim)
            .filter(|e| plausible_email(e))
            .map(str::to_owned);
        Some(Actor {
            person,
            name,
            email,
        })
    }
}

fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.chars().all(|c| {
            c.is_ascii_alphanumeric() || (c.is_ascii_punctuation() && !"@()<>[]\\,;:\"".contains(c))
        } || c == '@')
        && e.matches('@').count() == 1
}
