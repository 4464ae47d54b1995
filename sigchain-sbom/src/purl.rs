//! Package URLs (purls) as the purl specification (ECMA-427, package-url/purl-spec) builds
//! them: `pkg:type/namespace/name@version?qualifiers#subpath`.
//!
//! Two layers: [`PurlParts`] builds the canonical string from components (percent-encoding,
//! qualifier order, key checks), and [`package_url`] maps a [`Package`] and the [`Distro`] onto
//! components with the per-type rules of the spec's type definitions (lowercasing, PyPI `_`→`-`,
//! the OS vendor namespace, npm scopes).
//!
//! The encoding is written here rather than taken from the `packageurl` crate because the
//! spec defines an *allow-list* (only `A-Z a-z 0-9 . - _ ~` and `:` stay unencoded) while that
//! crate encodes from a deny-list, leaving characters such as `!`, `*`, `(`, `'`, `$` bare; and
//! the per-type mapping from our model is ours to write either way.
//!
//! ```
//! use sigchain_sbom::model::{Distro, Package, PackageType};
//! use sigchain_sbom::purl::package_url;
//! let libc = Package {
//!     name: "libc6".into(),
//!     version: "2.36-9+deb12u4".into(),
//!     package_type: Some(PackageType::Deb),
//!     arch: Some("amd64".into()),
//!     ..Package::default()
//! };
//! let debian = Distro { id: "debian".into(), version_id: Some("12".into()), ..Distro::default() };
//! assert_eq!(
//!     package_url(&libc, Some(&debian)).as_deref(),
//!     Some("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"),
//! );
//! ```

use std::fmt::Write as _;

use crate::model::{Distro, Package, PackageType};

/// The components of a purl, before encoding.
///
/// Components are given decoded (as the ecosystem spells them, after any type-specific
/// normalization); [`PurlParts::to_canonical`] encodes them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PurlParts<'a> {
    /// The type (`deb`, `npm`); lowercased on output.
    pub ty: &'a str,
    /// The namespace, `/`-separated segments (empty segments are dropped).
    pub namespace: Option<&'a str>,
    /// The name.
    pub name: &'a str,
    /// The version.
    pub version: Option<&'a str>,
    /// Qualifiers as (key, value); pairs with an empty value are dropped, keys lowercased,
    /// the result sorted by key.
    pub qualifiers: Vec<(&'a str, &'a str)>,
    /// The subpath, `/`-separated (empty, `.` and `..` segments are dropped).
    pub subpath: Option<&'a str>,
}

impl PurlParts<'_> {
    /// The canonical purl string, or `None` when the components cannot form a valid purl
    /// (empty or malformed type, empty name, malformed or repeated qualifier key).
    pub fn to_canonical(&self) -> Option<String> {
        if !valid_type(self.ty) || self.name.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(16 + self.name.len());
        out.push_str("pkg:");
        out.push_str(&self.ty.to_ascii_lowercase());
        out.push('/');
        if let Some(namespace) = self.namespace {
            for segment in namespace.split('/').filter(|s| !s.is_empty()) {
                percent_encode_into(segment, &mut out);
                out.push('/');
            }
        }
        percent_encode_into(self.name, &mut out);
        if let Some(version) = self.version.filter(|v| !v.is_empty()) {
            out.push('@');
            percent_encode_into(version, &mut out);
        }
        let mut qualifiers: Vec<(String, &str)> = Vec::with_capacity(self.qualifiers.len());
        for (key, value) in &self.qualifiers {
            if value.is_empty() {
                continue;
            }
            if !valid_qualifier_key(key) {
                return None;
            }
            qualifiers.push((key.to_ascii_lowercase(), value));
        }
        qualifiers.sort();
        if qualifiers.windows(2).any(|w| w[0].0 == w[1].0) {
            return None;
        }
        for (i, (key, value)) in qualifiers.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(key);
            out.push('=');
            percent_encode_into(value, &mut out);
        }
        if let Some(subpath) = self.subpath {
            let mut first = true;
            for segment in subpath
                .split('/')
                .filter(|s| !s.is_empty() && *s != "." && *s != "..")
            {
                out.push(if first { '#' } else { '/' });
                first = false;
                percent_encode_into(segment, &mut out);
            }
        }
        Some(out)
    }
}

/// The purl of `package`, or `None` when the spec's rules for its type cannot be met from
/// what the database recorded (no type or name; an OS package without a known distribution,
/// whose namespace the spec requires; a Maven or Go package without a namespace).
///
/// OS packages get `arch` and `distro=<ID>-<VERSION_ID>` qualifiers (the form Syft writes
/// and the spec's rpm example uses); an rpm version recorded as `epoch:version-release`
/// moves its epoch to the `epoch` qualifier (a Debian epoch stays in the version, as the
/// spec's deb examples keep it).
pub fn package_url(package: &Package, distro: Option<&Distro>) -> Option<String> {
    let package_type = package.package_type?;
    if package.name.is_empty() {
        return None;
    }
    let mut name = package.name.as_str();
    let mut namespace: Option<String> = package.namespace.clone().filter(|n| !n.is_empty());
    let mut version = package.version.as_str();
    let mut qualifiers: Vec<(&str, &str)> = package
        .qualifiers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let lowered_name;
    let distro_qualifier;
    match package_type {
        PackageType::Deb | PackageType::Apk | PackageType::Rpm => {
            let distro = distro.filter(|d| !d.id.is_empty())?;
            namespace = Some(distro.id.to_ascii_lowercase());
            if package_type != PackageType::Rpm {
                lowered_name = package.name.to_ascii_lowercase();
                name = &lowered_name;
            }
            if let Some(arch) = package.arch.as_deref() {
                qualifiers.retain(|(k, _)| *k != "arch");
                qualifiers.push(("arch", arch));
            }
            if let Some(version_id) = distro.version_id.as_deref().filter(|v| !v.is_empty()) {
                distro_qualifier = format!("{}-{}", distro.id.to_ascii_lowercase(), version_id);
                qualifiers.retain(|(k, _)| *k != "distro");
                qualifiers.push(("distro", &distro_qualifier));
            }
            if package_type == PackageType::Rpm {
                if let Some((epoch, rest)) = version.split_once(':') {
                    if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) {
                        version = rest;
                        qualifiers.retain(|(k, _)| *k != "epoch");
                        qualifiers.push(("epoch", epoch));
                    }
                }
            }
        }
        PackageType::Python => {
            lowered_name = package.name.to_ascii_lowercase().replace('_', "-");
            name = &lowered_name;
            namespace = None;
        }
        PackageType::Npm => {
            // A scoped name may come whole (`@babel/core`) from a lock file key.
            if namespace.is_none() {
                if let Some((scope, rest)) = name.split_once('/') {
                    if scope.starts_with('@') && !rest.is_empty() {
                        namespace = Some(scope.to_string());
                        name = rest;
                    }
                }
            }
        }
        PackageType::Go => {
            if namespace.is_none() && name == crate::catalog::go::STDLIB {
                // The standard library: `pkg:golang/stdlib@1.22.1`, the release without the
                // `go` prefix (Syft's form, and how the Go vulnerability database spells
                // stdlib versions); a development toolchain names no release, so no purl.
                version = crate::catalog::go::go_release(version)?;
            } else if namespace.is_none() {
                // A module path is namespace/name: `github.com/gorilla/context`.
                let (prefix, last) = name.rsplit_once('/')?;
                namespace = Some(prefix.to_string());
                name = last;
            }
        }
        PackageType::Maven => {
            namespace.as_ref()?;
        }
        PackageType::Cargo | PackageType::Gem => namespace = None,
    }
    PurlParts {
        ty: package_type.purl_type(),
        namespace: namespace.as_deref(),
        name,
        version: Some(version),
        qualifiers,
        subpath: None,
    }
    .to_canonical()
}

impl Package {
    /// This package's purl; see [`package_url`].
    pub fn purl(&self, distro: Option<&Distro>) -> Option<String> {
        package_url(self, distro)
    }
}

/// Percent-encodes everything but the spec's unreserved set: ASCII letters and digits,
/// `.-_~`, and `:` (which the spec says is never encoded).
fn percent_encode_into(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

fn valid_type(ty: &str) -> bool {
    ty.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && ty
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

fn valid_qualifier_key(key: &str) -> bool {
    key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts<'a>(
        ty: &'a str,
        namespace: Option<&'a str>,
        name: &'a str,
        version: Option<&'a str>,
        qualifiers: &[(&'a str, &'a str)],
        subpath: Option<&'a str>,
    ) -> PurlParts<'a> {
        PurlParts {
            ty,
            namespace,
            name,
            version,
            qualifiers: qualifiers.to_vec(),
            subpath,
        }
    }

    /// The `build` cases of purl-spec's `tests/types/*-test.json` and
    /// `tests/spec/specification-test.json` for the types we emit (inputs already normalized
    /// as the type definitions require).
    #[test]
    fn spec_build_cases() {
        let cases: &[(PurlParts<'_>, Option<&str>)] = &[
            (parts("deb", Some("debian"), "curl", Some("7.50.3-1"), &[("arch", "i386"), ("distro", "jessie")], None),
             Some("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie")),
            (parts("deb", Some("ubuntu"), "dpkg", Some("1.19.0.4"), &[("arch", "amd64")], None),
             Some("pkg:deb/ubuntu/dpkg@1.19.0.4?arch=amd64")),
            (parts("deb", Some("debian"), "attr", Some("1:2.4.47-2"), &[("arch", "source")], None),
             Some("pkg:deb/debian/attr@1:2.4.47-2?arch=source")),
            (parts("deb", Some("debian"), "attr", Some("1:2.4.47-2+b1"), &[("arch", "amd64")], None),
             Some("pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64")),
            (parts("apk", Some("alpine"), "curl", Some("7.83.0-r0"), &[("arch", "x86")], None),
             Some("pkg:apk/alpine/curl@7.83.0-r0?arch=x86")),
            (parts("rpm", Some("fedora"), "curl", Some("7.50.3-1.fc25"), &[("arch", "i386"), ("distro", "fedora-25")], None),
             Some("pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25")),
            (parts("rpm", Some("fedora"), "centerim", Some("4.22.10-1.el6"), &[("epoch", "1"), ("distro", "fedora-25"), ("arch", "i686")], None),
             Some("pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1")),
            (parts("npm", Some("@angular"), "animation", Some("12.3.1"), &[], None),
             Some("pkg:npm/%40angular/animation@12.3.1")),
            (parts("npm", None, "foobar", Some("12.3.1"), &[], None), Some("pkg:npm/foobar@12.3.1")),
            (parts("npm", None, "mypackage", Some("12.4.5"), &[("vcs_url", "git://host.com/path/to/repo.git@4345abcd34343")], None),
             Some("pkg:npm/mypackage@12.4.5?vcs_url=git:%2F%2Fhost.com%2Fpath%2Fto%2Frepo.git%404345abcd34343")),
            (parts("npm", None, "myartifact", Some("1.0.0"), &[("in production", "true")], None), None),
            (parts("pypi", None, "django-package", Some("1.11.1.dev1"), &[], None),
             Some("pkg:pypi/django-package@1.11.1.dev1")),
            (parts("pypi", None, "django", Some("1.11.1"), &[("file_name", "Django-1.11.1-py2.py3-none-any.whl")], None),
             Some("pkg:pypi/django@1.11.1?file_name=Django-1.11.1-py2.py3-none-any.whl")),
            (parts("maven", Some("org.apache.commons"), "io", None, &[], None), Some("pkg:maven/org.apache.commons/io")),
            (parts("maven", Some("org.apache.xmlgraphics"), "batik-anim", Some("1.9.1"), &[("repository_url", "repo.spring.io/release"), ("classifier", "sources")], None),
             Some("pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repository_url=repo.spring.io%2Frelease")),
            (parts("maven", Some("HTTPClient"), "HTTPClient", Some("0.3-3"), &[], None), Some("pkg:maven/HTTPClient/HTTPClient@0.3-3")),
            (parts("maven", Some("mygroup"), "myartifact", Some("1.0.0 Final"), &[("mykey", "my value")], None),
             Some("pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value")),
            (parts("maven", Some("groovy"), "groovy", Some("1.0"), &[("repository_url", "https://maven.google.com")], None),
             Some("pkg:maven/groovy/groovy@1.0?repository_url=https:%2F%2Fmaven.google.com")),
            (parts("maven", None, "", None, &[], None), None),
            (parts("golang", Some("google.golang.org"), "genproto", Some("abcdedf"), &[], Some("googleapis/api/annotations")),
             Some("pkg:golang/google.golang.org/genproto@abcdedf#googleapis/api/annotations")),
            (parts("golang", Some("github.com/gorilla"), "context", Some("234fd47e07d1004f0aed9c"), &[], Some("api")),
             Some("pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c#api")),
            (parts("cargo", None, "rand", Some("0.7.2"), &[], None), Some("pkg:cargo/rand@0.7.2")),
            (parts("gem", None, "jruby-launcher", Some("1.1.2"), &[("platform", "java")], None),
             Some("pkg:gem/jruby-launcher@1.1.2?platform=java")),
            (parts("generic", None, "openssl", Some("1.1.10g"), &[("checksum", "sha1:ad9503c3e994a4f,sha256:41bf9088b3a1e6c1ef1d")], None),
             Some("pkg:generic/openssl@1.1.10g?checksum=sha1:ad9503c3e994a4f%2Csha256:41bf9088b3a1e6c1ef1d")),
            (parts("", None, "nginx", Some("0.8.9"), &[], None), None),
        ];
        for (input, expected) in cases {
            assert_eq!(input.to_canonical().as_deref(), *expected, "{input:?}");
        }
    }

    #[test]
    fn empty_values_subpath_dots_and_duplicate_keys() {
        let p = parts(
            "generic",
            None,
            "x",
            Some(""),
            &[("a", ""), ("b", "1")],
            Some("./a/../b/"),
        );
        assert_eq!(p.to_canonical().as_deref(), Some("pkg:generic/x?b=1#a/b"));
        let dup = parts("generic", None, "x", None, &[("a", "1"), ("A", "2")], None);
        assert_eq!(dup.to_canonical(), None);
        let utf8 = parts("generic", None, "café/x", None, &[], None);
        assert_eq!(
            utf8.to_canonical().as_deref(),
            Some("pkg:generic/caf%C3%A9%2Fx")
        );
    }

    fn package(ty: PackageType, name: &str, version: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            package_type: Some(ty),
            ..Package::default()
        }
    }

    fn distro(id: &str, version_id: Option<&str>) -> Distro {
        Distro {
            id: id.into(),
            version_id: version_id.map(Into::into),
            ..Distro::default()
        }
    }

    #[test]
    fn os_packages_take_namespace_and_distro_from_the_root() {
        let mut deb = package(PackageType::Deb, "libc6", "2.36-9+deb12u4");
        deb.arch = Some("amd64".into());
        deb.qualifiers.insert("upstream".into(), "glibc".into());
        assert_eq!(
            deb.purl(Some(&distro("debian", Some("12")))).as_deref(),
            Some(
                "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
            )
        );
        // Without a distribution the required namespace is unknown: no purl, nothing invented.
        assert_eq!(deb.purl(None), None);
        assert_eq!(deb.purl(Some(&distro("", None))), None);
        assert_eq!(
            deb.purl(Some(&distro("Ubuntu", None))).as_deref(),
            Some("pkg:deb/ubuntu/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc")
        );

        let mut apk = package(PackageType::Apk, "musl", "1.2.5-r0");
        apk.arch = Some("x86_64".into());
        assert_eq!(
            apk.purl(Some(&distro("alpine", Some("3.20.3")))).as_deref(),
            Some("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3")
        );

        let mut rpm = package(PackageType::Rpm, "openssl-libs", "1:3.0.7-27.el9");
        rpm.arch = Some("x86_64".into());
        assert_eq!(
            rpm.purl(Some(&distro("rhel", Some("9.4")))).as_deref(),
            Some("pkg:rpm/rhel/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1")
        );
        // rpm names are case sensitive; deb and apk names are lowercased.
        let rpm_upper = package(PackageType::Rpm, "GConf2", "3.2.6-8.el7");
        assert_eq!(
            rpm_upper.purl(Some(&distro("centos", None))).as_deref(),
            Some("pkg:rpm/centos/GConf2@3.2.6-8.el7")
        );
    }

    #[test]
    fn language_packages_follow_their_type_rules() {
        let d = Some(distro("debian", Some("12")));
        let py = package(PackageType::Python, "Typing_Extensions", "4.12.2");
        assert_eq!(
            py.purl(d.as_ref()).as_deref(),
            Some("pkg:pypi/typing-extensions@4.12.2")
        );

        let mut npm = package(PackageType::Npm, "core", "7.24.0");
        npm.namespace = Some("@babel".into());
        assert_eq!(
            npm.purl(None).as_deref(),
            Some("pkg:npm/%40babel/core@7.24.0")
        );
        let whole = package(PackageType::Npm, "@babel/core", "7.24.0");
        assert_eq!(
            whole.purl(None).as_deref(),
            Some("pkg:npm/%40babel/core@7.24.0")
        );

        let go = package(
            PackageType::Go,
            "github.com/Azure/go-autorest",
            "v14.2.0+incompatible",
        );
        assert_eq!(
            go.purl(None).as_deref(),
            Some("pkg:golang/github.com/Azure/go-autorest@v14.2.0%2Bincompatible")
        );
        // The standard library has no module path; its version is the toolchain's.
        assert_eq!(
            package(PackageType::Go, "stdlib", "go1.22.0")
                .purl(None)
                .as_deref(),
            Some("pkg:golang/stdlib@1.22.0")
        );
        assert_eq!(
            package(PackageType::Go, "stdlib", "devel go1.23-abc").purl(None),
            None
        );
        assert_eq!(package(PackageType::Go, "tool", "v1.0.0").purl(None), None);

        let mut maven = package(PackageType::Maven, "commons-io", "2.16.1");
        assert_eq!(maven.purl(None), None);
        maven.namespace = Some("commons-io".into());
        assert_eq!(
            maven.purl(None).as_deref(),
            Some("pkg:maven/commons-io/commons-io@2.16.1")
        );

        assert_eq!(
            package(PackageType::Cargo, "serde_json", "1.0.128")
                .purl(None)
                .as_deref(),
            Some("pkg:cargo/serde_json@1.0.128")
        );
        assert_eq!(
            package(PackageType::Gem, "rack", "3.1.7")
                .purl(None)
                .as_deref(),
            Some("pkg:gem/rack@3.1.7")
        );
        assert_eq!(Package::default().purl(None), None);
        assert_eq!(package(PackageType::Cargo, "", "1").purl(None), None);
    }

    proptest! {
        /// Whatever the components, the output uses only the spec's permitted characters and
        /// every component decodes back to what went in.
        #[test]
        fn output_is_canonical_ascii(name in "\\PC{1,20}", version in "\\PC{0,20}", value in "\\PC{0,20}") {
            let p = parts("generic", Some("a/b"), &name, Some(&version), &[("k", &value)], None);
            let purl = p.to_canonical().expect("valid components");
            prop_assert!(purl.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_~%:/@?=&#".contains(&b)));
            let rest = purl.strip_prefix("pkg:generic/a/b/").expect("prefix");
            let (name_part, _) = rest.split_once(['@', '?']).unwrap_or((rest, ""));
            prop_assert_eq!(decode(name_part), name);
        }
    }

    fn decode(s: &str) -> String {
        let mut bytes = Vec::new();
        let mut iter = s.bytes();
        while let Some(b) = iter.next() {
            if b == b'%' {
                let hi = iter.next().unwrap_or(b'0');
                let lo = iter.next().unwrap_or(b'0');
                let hex = [hi, lo];
                let text = std::str::from_utf8(&hex).unwrap_or("00");
                bytes.push(u8::from_str_radix(text, 16).unwrap_or(0));
            } else {
                bytes.push(b);
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
