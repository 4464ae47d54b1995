//! What a catalog holds: packages found in an image or a file system, where each was found,
//! and the warnings for what could not be read.
//!
//! Catalogers only read files: a cataloger is a pure function from one file's path and bytes
//! to the packages it records ([`Cataloger`]); which files exist, which layer they came from
//! and which are hidden by a later layer's whiteout is the source's business. The purl of an
//! OS package depends on the distribution (read from `/etc/os-release`, which may come in any
//! order in a layer), so packages carry what a purl is made from and the purl is made last
//! ([`Package::purl`] via [`crate::purl`]).

use std::collections::BTreeMap;

/// The ecosystem a package belongs to (its purl type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PackageType {
    /// Debian packages (dpkg).
    Deb,
    /// Alpine packages (apk).
    Apk,
    /// RPM packages.
    Rpm,
    /// Python distributions.
    Python,
    /// npm packages.
    Npm,
    /// Rust crates.
    Cargo,
    /// Go modules.
    Go,
    /// Maven artifacts (jar, war).
    Maven,
    /// Ruby gems.
    Gem,
}

impl PackageType {
    /// The purl type (`pkg:<type>/...`).
    pub fn purl_type(self) -> &'static str {
        match self {
            PackageType::Deb => "deb",
            PackageType::Apk => "apk",
            PackageType::Rpm => "rpm",
            PackageType::Python => "pypi",
            PackageType::Npm => "npm",
            PackageType::Cargo => "cargo",
            PackageType::Go => "golang",
            PackageType::Maven => "maven",
            PackageType::Gem => "gem",
        }
    }

    /// Whether this is an operating-system package (its purl names the distribution).
    pub fn is_os(self) -> bool {
        matches!(self, PackageType::Deb | PackageType::Apk | PackageType::Rpm)
    }
}

/// Where something was found: the layer (its diffID, `sha256:<hex>` of the uncompressed
/// layer; `None` for a directory source) and the path inside the root, without a leading `/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The layer's diffID, for image sources.
    pub layer: Option<String>,
    /// The path relative to the root (`var/lib/dpkg/status`).
    pub path: String,
}

/// Who supplied or wrote a package, as its database says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Party {
    /// A person (`Name <email>`).
    Person {
        /// The name.
        name: String,
        /// The email, if given.
        email: Option<String>,
    },
    /// An organization.
    Organization {
        /// The name.
        name: String,
        /// The email, if given.
        email: Option<String>,
    },
}

/// A checksum of a package's artifact as the database records it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Checksum {
    /// `SHA256`, `SHA1`, `MD5`, ... as SPDX names algorithms.
    pub algorithm: String,
    /// Lowercase hex.
    pub value: String,
}

/// A package found by a cataloger.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Package {
    /// The name as the ecosystem spells it.
    pub name: String,
    /// The version as the database records it (`1:2.36-9+deb12u4` for dpkg).
    pub version: String,
    /// The ecosystem; `None` only in a default value.
    pub package_type: Option<PackageType>,
    /// The purl namespace where the ecosystem has one (npm scope `@babel`, Maven group id,
    /// Go module path prefix); OS namespaces come from the distribution.
    pub namespace: Option<String>,
    /// Architecture (`amd64`, `x86_64`, `all`), for OS packages.
    pub arch: Option<String>,
    /// Extra purl qualifiers the database justifies (e.g. `upstream` for a Debian source
    /// package), besides `arch` and `distro`.
    pub qualifiers: BTreeMap<String, String>,
    /// The declared license as written (an SPDX expression when it parses as one).
    pub license_declared: Option<String>,
    /// The supplier (for OS packages the maintainer; for language packages the author or
    /// organization the metadata names). Never invented.
    pub supplier: Option<Party>,
    /// The originator (upstream author) where distinct from the supplier.
    pub originator: Option<Party>,
    /// Homepage or download URL, if recorded.
    pub homepage: Option<String>,
    /// Checksums of the package artifact, if recorded.
    pub checksums: Vec<Checksum>,
    /// Where the package was recorded (the database or metadata file).
    pub locations: Vec<Location>,
    /// Files the package installed, as its database lists them (paths without a leading `/`).
    pub files: Vec<String>,
    /// Digests of installed files as the database records them (dpkg `md5sums`), keyed by
    /// path as in [`Package::files`]; not computed from the files' content.
    pub file_checksums: BTreeMap<String, Checksum>,
    /// CPE 2.3 formatted strings that name this package reliably (see [`crate::cpe`] for
    /// which packages get one and why most do not); never guessed from the name.
    pub cpes: Vec<String>,
    /// Names of packages of the same type this one depends on (dpkg `Depends`, rpm
    /// `Requires`, npm `dependencies`, ...), resolved to found packages when the document
    /// is written.
    pub depends_on: Vec<String>,
    /// Where the package is installed, when its record says (an npm package's
    /// `.../node_modules/NAME` directory): two copies of one version installed in two places
    /// are two packages, as the peers count them.
    pub install_path: Option<String>,
}

/// Something that could not be read, and where: a warning, never a crash.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// What went wrong.
    pub message: String,
}

/// What one cataloger found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Found {
    /// Packages.
    pub packages: Vec<Package>,
    /// Warnings for records that could not be read.
    pub warnings: Vec<String>,
}

/// A cataloger: which files it reads, and a pure parse of one file.
///
/// `wants` is asked for every path in the source (relative, no leading `/`), so it must be
/// cheap; `catalog` gets the whole file (at most [`Cataloger::max_file_bytes`]; a larger file
/// is a warning) and never panics on any input.
pub trait Cataloger: Send + Sync {
    /// A short name for warnings and the document's tool section (`dpkg`, `python`).
    fn name(&self) -> &'static str;
    /// Whether the file at `path` is one this cataloger reads.
    fn wants(&self, path: &str) -> bool;
    /// The largest file it reads.
    fn max_file_bytes(&self) -> u64 {
        16 * 1024 * 1024
    }
    /// The packages recorded in `content`, the file at `path`.
    fn catalog(&self, path: &str, content: &[u8]) -> Found;
}

/// The operating system of the root, from `etc/os-release` (or `usr/lib/os-release`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Distro {
    /// `ID` (`debian`, `alpine`, `rhel`).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.20.3`), if given.
    pub version_id: Option<String>,
    /// `PRETTY_NAME`, if given.
    pub pretty_name: Option<String>,
    /// `CPE_NAME` as a CPE 2.3 formatted string (converted from the URI binding most
    /// distributions use), if given and valid.
    pub cpe: Option<String>,
}

/// The checksums of one regular file's content, computed while the source was read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileDigest {
    /// SHA-1, lower-case hex (SPDX requires it on every File element).
    pub sha1: String,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// Which image was cataloged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageIdentity {
    /// The image manifest's digest (`sha256:<hex>`), the digest a registry reference resolves
    /// to for this platform; a `docker save` archive keeps no manifest, so it has none.
    pub manifest_digest: Option<String>,
    /// The image config's digest (`sha256:<hex>`): Docker's image ID.
    pub config_digest: String,
}

/// Everything found in a source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The image, when the source is one.
    pub image: Option<ImageIdentity>,
    /// The distribution, if the root names one.
    pub distro: Option<Distro>,
    /// The packages, in a stable order (type, name, version, first location).
    pub packages: Vec<Package>,
    /// Everything that could not be read.
    pub warnings: Vec<Warning>,
    /// Every regular file of the final (squashed) root by path, with its content's digests;
    /// empty unless asked for ([`crate::source::SourceLimits::file_digests`]).
    pub file_digests: std::collections::BTreeMap<String, FileDigest>,
}
