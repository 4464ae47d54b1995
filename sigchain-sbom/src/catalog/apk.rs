//! apk's database, `lib/apk/db/installed`: records of `K:value` lines separated by blank
//! lines (`P` name, `V` version, `A` arch, `L` license, `m` maintainer, `U` url, `o` origin,
//! `D` depends, `p` provides, `C` checksum, `F` directory and `R` file lines).
//!
//! ```
//! use sigchain_sbom::catalog::apk::ApkCataloger;
//! use sigchain_sbom::model::Cataloger;
//! let db = b"P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\nF:lib\nR:ld-musl-x86_64.so.1\n";
//! let found = ApkCataloger.catalog("lib/apk/db/installed", db);
//! assert_eq!(found.packages[0].files, ["lib/ld-musl-x86_64.so.1"]);
//! ```

use std::collections::HashMap;

use sigchain_core::encoding::{base64_decode, hex_encode};

use crate::catalog::party::parse_party;
use crate::model::{Cataloger, Checksum, Found, Location, Package, PackageType};

/// The most records read from one file.
pub const MAX_RECORDS: usize = 200_000;

const INSTALLED: &str = "lib/apk/db/installed";

/// Reads apk's installed database.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApkCataloger;

impl Cataloger for ApkCataloger {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, path: &str) -> bool {
        path == INSTALLED
    }

    fn catalog(&self, path: &str, content: &[u8]) -> Found {
        parse_installed(path, content)
    }
}

/// The packages in an apk `installed` database at `path`, with a warning per record that
/// cannot be read. `D:` dependencies on virtual names (`so:libc.musl-x86_64.so.1`,
/// `cmd:sh`, `/bin/sh`) are resolved to the package that provides them in the same file;
/// conflicts (`!name`) are not dependencies.
pub fn parse_installed(path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let text = String::from_utf8_lossy(content);
    // Raw depends and provides per package, resolved once all records are read.
    let mut raw_depends: Vec<Vec<String>> = Vec::new();
    let mut provider: HashMap<String, String> = HashMap::new();
    let mut record_index = 0usize;
    let mut lines = text.lines().enumerate().peekable();
    loop {
        while lines.peek().is_some_and(|(_, l)| l.trim().is_empty()) {
            lines.next();
        }
        let Some(&(first, _)) = lines.peek() else {
            break;
        };
        record_index += 1;
        if record_index > MAX_RECORDS {
            found.warnings.push(format!(
                "more than {MAX_RECORDS} records; the rest are skipped"
            ));
            break;
        }
        let mut record = Record::default();
        let mut error: Option<String> = None;
        while let Some((_, line)) = lines.next_if(|(_, l)| !l.trim().is_empty()) {
            if error.is_none() {
                if let Err(e) = record.add_line(line) {
                    error = Some(e);
                }
            }
        }
        let result = error.map_or_else(|| record.into_package(path), Err);
        match result {
            Ok((package, depends, provides)) => {
                for name in provides.into_iter().chain([package.name.clone()]) {
                    provider.entry(name).or_insert_with(|| package.name.clone());
                }
                raw_depends.push(depends);
                found.packages.push(package);
            }
            Err(message) => found.warnings.push(format!(
                "record {record_index} (line {}): {message}",
                first + 1
            )),
        }
    }
    for (package, depends) in found.packages.iter_mut().zip(raw_depends) {
        for dependency in depends {
            if let Some(name) = provider.get(&dependency) {
                if *name != package.name && !package.depends_on.contains(name) {
                    package.depends_on.push(name.clone());
                }
            }
        }
    }
    found
}

#[derive(Default)]
struct Record {
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    license: Option<String>,
    maintainer: Option<String>,
    url: Option<String>,
    origin: Option<String>,
    checksum: Option<String>,
    depends: Vec<String>,
    provides: Vec<String>,
    directory: String,
    files: Vec<String>,
}

impl Record {
    fn add_line(&mut self, line: &str) -> Result<(), String> {
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!(
                "line without a key: {:?}",
                line.chars().take(60).collect::<String>()
            ));
        };
        let value = value.trim();
        let set =
            |slot: &mut Option<String>| *slot = Some(value.to_string()).filter(|v| !v.is_empty());
        match key {
            "P" => set(&mut self.name),
            "V" => set(&mut self.version),
            "A" => set(&mut self.arch),
            "L" => set(&mut self.license),
            "m" => set(&mut self.maintainer),
            "U" => set(&mut self.url),
            "o" => set(&mut self.origin),
            "C" => set(&mut self.checksum),
            "D" => self
                .depends
                .extend(value.split_whitespace().filter_map(dependency_key)),
            "p" => self
                .provides
                .extend(value.split_whitespace().filter_map(dependency_key)),
            "F" => self.directory = value.trim_matches('/').to_string(),
            "R" if !value.is_empty() => self.files.push(if self.directory.is_empty() {
                value.to_string()
            } else {
                format!("{}/{value}", self.directory)
            }),
            // Other keys (size, install time, owner, modes, file checksums) are not needed.
            _ => {}
        }
        Ok(())
    }

    fn into_package(self, path: &str) -> Result<(Package, Vec<String>, Vec<String>), String> {
        let name = self.name.ok_or("no P: (name) line")?;
        let version = self
            .version
            .ok_or_else(|| format!("package {name:?} has no V: line"))?;
        let mut package = Package {
            package_type: Some(PackageType::Apk),
            arch: self.arch,
            license_declared: self.license,
            supplier: self.maintainer.as_deref().and_then(parse_party),
            homepage: self.url,
            locations: vec![Location {
                layer: None,
                path: path.to_string(),
            }],
            files: self.files,
            ..Package::default()
        };
        if let Some(origin) = self.origin.filter(|o| *o != name) {
            // The source package, as Syft's `upstream` qualifier names it.
            package.qualifiers.insert("upstream".into(), origin);
        }
        if let Some(checksum) = self.checksum.as_deref().and_then(decode_checksum) {
            package.checksums.push(checksum);
        }
        package.name = name;
        package.version = version;
        Ok((package, self.depends, self.provides))
    }
}

/// `so:libc.musl-x86_64.so.1=1` → `so:libc.musl-x86_64.so.1`; `busybox>=1.36` → `busybox`;
/// `!conflict` → none.
fn dependency_key(token: &str) -> Option<String> {
    if token.starts_with('!') {
        return None;
    }
    let end = token.find(['=', '<', '>', '~']).unwrap_or(token.len());
    let key = &token[..end];
    (!key.is_empty()).then(|| key.to_string())
}

/// `C:Q1<base64 sha1>` is the SHA-1 of the package's control section; other prefixes
/// (`Q2` sha256 in apk-tools 3) are decoded by their length.
fn decode_checksum(value: &str) -> Option<Checksum> {
    let encoded = value
        .strip_prefix("Q1")
        .or_else(|| value.strip_prefix("Q2"))?;
    let bytes = base64_decode(encoded)?;
    let algorithm = match bytes.len() {
        20 => "SHA1",
        32 => "SHA256",
        _ => return None,
    };
    Some(Checksum {
        algorithm: algorithm.into(),
        value: hex_encode(&bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Party;
    use proptest::prelude::*;

    // Facts from an Alpine 3.20 `installed` database, trimmed.
    const INSTALLED_FIXTURE: &str = "C:Q1jowi0VYzCqCV7/Ll+LhAsZL3X9o=
P:musl
V:1.2.5-r0
A:x86_64
S:411323
I:667648
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1712240130
c:87cf8d0f84e3e5c5e2b2e2c7d1e8a8a8b7e0e2f1
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1pUjHeJ8PuArX4X4Pr3nKbRX4JsE=
R:libc.musl-x86_64.so.1
a:0:0:777

C:Q1OcxhXJzeMLYOtI4D8mUYGyx5d1E=
P:busybox-binsh
V:1.36.1-r29
A:x86_64
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
D:busybox=1.36.1-r29 so:libc.musl-x86_64.so.1 !busybox-static
p:/bin/sh cmd:sh=1.36.1-r29
F:bin
R:sh

P:alpine-baselayout
V:3.6.5-r0
A:x86_64
L:GPL-2.0-only
D:/bin/sh
";

    #[test]
    fn installed_fixture() {
        let found = ApkCataloger.catalog(INSTALLED, INSTALLED_FIXTURE.as_bytes());
        assert_eq!(found.warnings, Vec::<String>::new());
        assert_eq!(found.packages.len(), 3);
        let musl = &found.packages[0];
        assert_eq!(
            (musl.name.as_str(), musl.version.as_str()),
            ("musl", "1.2.5-r0")
        );
        assert_eq!(musl.license_declared.as_deref(), Some("MIT"));
        assert_eq!(
            musl.files,
            ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(musl.checksums[0].algorithm, "SHA1");
        assert_eq!(musl.checksums[0].value.len(), 40);
        assert!(
            musl.qualifiers.is_empty(),
            "origin equal to the name is not an upstream"
        );
        assert_eq!(
            musl.supplier,
            Some(Party::Person {
                name: "Natanael Copa".into(),
                email: Some("ncopa@alpinelinux.org".into())
            })
        );
        let binsh = &found.packages[1];
        assert_eq!(
            binsh.qualifiers.get("upstream").map(String::as_str),
            Some("busybox")
        );
        // busybox itself is not in this file: only resolvable names are kept.
        assert_eq!(binsh.depends_on, ["musl"]);
        assert_eq!(found.packages[2].depends_on, ["busybox-binsh"]);
    }

    #[test]
    fn bad_records_warn_and_the_rest_still_count() {
        let text = "P:a\n\nV:1\n\nP:b\nnonsense\n\nP:c\nV:2\nC:Q1notbase64!\n";
        let found = parse_installed(INSTALLED, text.as_bytes());
        assert_eq!(found.packages.len(), 1);
        assert!(found.packages[0].checksums.is_empty());
        assert_eq!(found.warnings.len(), 3, "{:?}", found.warnings);
        assert!(ApkCataloger.wants(INSTALLED));
        assert!(!ApkCataloger.wants("lib/apk/db/scripts.tar"));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let _ = parse_installed(INSTALLED, &bytes);
        }

        #[test]
        fn fields_round_trip(name in "[a-z0-9][a-z0-9._+-]{0,20}", version in "[0-9][0-9a-z._-]{0,15}") {
            let text = format!("P:{name}\nV:{version}\nD:{name} so:x\np:so:x\n");
            let found = parse_installed(INSTALLED, text.as_bytes());
            prop_assert_eq!(found.packages.len(), 1);
            prop_assert_eq!(&found.packages[0].name, &name);
            prop_assert_eq!(&found.packages[0].version, &version);
            prop_assert!(found.packages[0].depends_on.is_empty(), "no self-dependency");
        }
    }
}
