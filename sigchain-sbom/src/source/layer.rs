//! One streaming pass over a tar stream (a layer, an archive): every path normalized and
//! offered to the catalogers, wanted files read (bounded) and cataloged right there, and what
//! squashing needs recorded (entries, whiteouts, opaque directories, links).
//!
//! The `tar` crate reads headers (checksums, octal and base-256 numbers, positioning) in raw
//! mode; GNU long names and PAX records are read here with a bound, because the crate's own
//! handling reads them whole whatever their declared size.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use super::error::SourceError;
use super::limits::SourceLimits;
use super::path::{normalize_path, resolve_link_target};
use crate::model::{Cataloger, FileDigest, Found, Location, Warning};

/// The paths whose content the driver reads for the distribution, whatever the catalogers
/// want.
pub(crate) use crate::catalog::os_release::OS_RELEASE_PATHS;
const OS_RELEASE_MAX_BYTES: u64 = crate::catalog::os_release::MAX_OS_RELEASE_BYTES as u64;

/// What an entry is, as far as squashing needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    Dir,
    /// A regular file (its content kept only for the os-release paths).
    File(Option<Vec<u8>>),
    /// A symlink, its target resolved inside the root (`None`: it points outside).
    Symlink(Option<String>),
    /// Hard links, devices, fifos: present, not read.
    Other,
}

/// What one cataloger found in one file of a layer.
#[derive(Debug)]
pub(crate) struct FoundAt {
    pub path: String,
    pub cataloger: &'static str,
    pub found: Found,
}

/// Everything one pass over a layer (or directory) recorded.
#[derive(Debug, Default)]
pub(crate) struct LayerScan {
    pub layer: Option<String>,
    pub entries: HashMap<String, Node>,
    /// Paths a `.wh.NAME` deletes from lower layers.
    pub whiteouts: HashSet<String>,
    /// Directories a `.wh..wh..opq` empties of lower layers' content.
    pub opaque: HashSet<String>,
    pub found: Vec<FoundAt>,
    pub warnings: Vec<Warning>,
    /// Each regular file's digests, when the limits ask for them.
    pub digests: HashMap<String, FileDigest>,
}

/// SHA-1 and SHA-256 of a stream, fed as it is read.
#[derive(Default)]
struct Digester {
    sha1: sha1::Sha1,
    sha256: sha2::Sha256,
}

impl Digester {
    fn update(&mut self, bytes: &[u8]) {
        use sha2::Digest as _;
        self.sha1.update(bytes);
        self.sha256.update(bytes);
    }

    fn finish(self) -> FileDigest {
        use sha2::Digest as _;
        FileDigest {
            sha1: sigchain_core::encoding::hex_encode(&self.sha1.finalize()),
            sha256: sigchain_core::encoding::hex_encode(&self.sha256.finalize()),
        }
    }

    /// Read `content` to its end (at most `size` bytes) through the digests.
    fn of_stream(content: &mut dyn Read, size: u64) -> std::io::Result<FileDigest> {
        let mut digester = Digester::default();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut left = content.take(size);
        loop {
            let n = match left.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            digester.update(buffer.get(..n).unwrap_or_default());
        }
        Ok(digester.finish())
    }
}

impl LayerScan {
    pub(crate) fn new(layer: Option<String>) -> Self {
        LayerScan {
            layer,
            ..LayerScan::default()
        }
    }

    pub(crate) fn warn(&mut self, path: &str, message: String) {
        self.warnings.push(Warning {
            location: Location {
                layer: self.layer.clone(),
                path: path.to_owned(),
            },
            message,
        });
    }

    /// Record a regular file: offer it to the catalogers, read it if any wants it (at most the
    /// largest bound among them), and catalog it.
    pub(crate) fn offer_file(
        &mut self,
        path: &str,
        size: u64,
        content: &mut dyn Read,
        catalogers: &[&dyn Cataloger],
        limits: &SourceLimits,
    ) -> Result<(), std::io::Error> {
        let wanting: Vec<&dyn Cataloger> = catalogers
            .iter()
            .copied()
            .filter(|c| c.wants(path))
            .collect();
        let os_release = OS_RELEASE_PATHS.contains(&path);
        let mut read_limit = 0u64;
        for cataloger in &wanting {
            let limit = cataloger.max_file_bytes().min(limits.max_file_bytes);
            if size > limit {
                self.warn(
                    path,
                    format!(
                        "{}: file is {size} bytes, over the limit of {limit}; not read",
                        cataloger.name()
                    ),
                );
            } else {
                read_limit = read_limit.max(limit);
            }
        }
        if os_release && size <= OS_RELEASE_MAX_BYTES {
            read_limit = read_limit.max(OS_RELEASE_MAX_BYTES);
        }
        if read_limit == 0 || size > read_limit {
            if limits.file_digests {
                let digest = Digester::of_stream(content, size)?;
                self.digests.insert(path.to_owned(), digest);
            }
            self.entries.insert(path.to_owned(), Node::File(None));
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        content.take(size).read_to_end(&mut bytes)?;
        if limits.file_digests {
            let mut digester = Digester::default();
            digester.update(&bytes);
            self.digests.insert(path.to_owned(), digester.finish());
        }
        for cataloger in wanting {
            if size <= cataloger.max_file_bytes().min(limits.max_file_bytes) {
                // Catalogers promise never to panic; if one does on hostile content, that
                // file becomes a warning instead of taking the whole catalog down.
                let run = std::panic::AssertUnwindSafe(|| cataloger.catalog(path, &bytes));
                match std::panic::catch_unwind(run) {
                    Ok(found) => self.found.push(FoundAt {
                        path: path.to_owned(),
                        cataloger: cataloger.name(),
                        found,
                    }),
                    Err(_) => self.warn(
                        path,
                        format!("{}: cataloger failed on this file", cataloger.name()),
                    ),
                }
            }
        }
        let kept = os_release.then_some(bytes);
        self.entries.insert(path.to_owned(), Node::File(kept));
        Ok(())
    }

    /// Record a symlink (never followed here).
    pub(crate) fn add_symlink(&mut self, path: &str, target: &[u8]) {
        let resolved = resolve_link_target(path, target).ok();
        if resolved.is_none() {
            self.warn(
                path,
                format!(
                    "symlink to {:?} points outside the root; not followed",
                    String::from_utf8_lossy(target)
                ),
            );
        }
        self.entries
            .insert(path.to_owned(), Node::Symlink(resolved));
    }
}

/// One tar member with extension headers applied.
pub(crate) struct Member {
    /// The path as the archive spells it (after long-name and PAX records).
    pub raw_path: Vec<u8>,
    pub link: Option<Vec<u8>>,
    pub kind: tar::EntryType,
    pub size: u64,
}

/// Read the next member, folding GNU long name/link and PAX path/linkpath records into it.
/// `count` counts every header against `limits.max_entries`.
pub(crate) fn next_member<'a, R: Read>(
    entries: &mut tar::Entries<'a, R>,
    layer: &Option<String>,
    limits: &SourceLimits,
    count: &mut u64,
) -> Result<Option<(Member, tar::Entry<'a, R>)>, SourceError> {
    let mut long_name: Option<Vec<u8>> = None;
    let mut long_link: Option<Vec<u8>> = None;
    let mut pax: Option<Vec<u8>> = None;
    loop {
        let Some(entry) = entries.next() else {
            return Ok(None);
        };
        let mut entry = entry.map_err(|e| read_error(layer, &e))?;
        *count = count.saturating_add(1);
        if *count > limits.max_entries {
            return Err(SourceError::TooManyEntries {
                layer: layer.clone(),
                limit: limits.max_entries,
            });
        }
        let kind = entry.header().entry_type();
        let size = entry.size();
        let slot = match kind {
            tar::EntryType::GNULongName => Some(&mut long_name),
            tar::EntryType::GNULongLink => Some(&mut long_link),
            tar::EntryType::XHeader => Some(&mut pax),
            tar::EntryType::XGlobalHeader => None,
            _ => {
                let mut raw_path = entry.header().path_bytes().into_owned();
                let mut link = entry.header().link_name_bytes().map(|l| l.into_owned());
                if let Some(name) = long_name {
                    raw_path = trim_nul(name);
                }
                if let Some(name) = long_link {
                    link = Some(trim_nul(name));
                }
                if let Some(records) = pax {
                    for record in tar::PaxExtensions::new(&records) {
                        let Ok(record) = record else {
                            return Err(SourceError::Read {
                                layer: layer.clone(),
                                reason: "malformed PAX header".to_owned(),
                            });
                        };
                        match record.key_bytes() {
                            b"path" => raw_path = record.value_bytes().to_vec(),
                            b"linkpath" => link = Some(record.value_bytes().to_vec()),
                            b"size" => {
                                let declared = record.value().ok().and_then(|v| v.parse().ok());
                                if declared != Some(size) {
                                    return Err(SourceError::PaxSizeMismatch {
                                        layer: layer.clone(),
                                    });
                                }
                            }
                            _ => {}
                        }
                    }
                }
                let member = Member {
                    raw_path,
                    link,
                    kind,
                    size,
                };
                return Ok(Some((member, entry)));
            }
        };
        if size > limits.max_header_bytes {
            return Err(SourceError::HeaderTooLarge {
                layer: layer.clone(),
                size,
                limit: limits.max_header_bytes,
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        (&mut entry)
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(layer, &e))?;
        if let Some(slot) = slot {
            *slot = Some(bytes);
        }
    }
}

fn trim_nul(mut name: Vec<u8>) -> Vec<u8> {
    while name.last() == Some(&0) {
        name.pop();
    }
    name
}

pub(crate) fn read_error(layer: &Option<String>, e: &std::io::Error) -> SourceError {
    SourceError::Read {
        layer: layer.clone(),
        reason: e.to_string(),
    }
}

/// Scan a decompressed tar stream in one pass.
pub(crate) fn scan_tar(
    reader: &mut dyn Read,
    layer: Option<String>,
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
    progress: &dyn crate::driver::Progress,
) -> Result<LayerScan, SourceError> {
    let mut scan = LayerScan::new(layer);
    let layer = scan.layer.clone();
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| read_error(&layer, &e))?
        .raw(true);
    let mut entries = entries;
    let mut count = 0u64;
    while let Some((member, mut entry)) = next_member(&mut entries, &layer, limits, &mut count)? {
        progress.entry();
        let path = match normalize_path(&member.raw_path) {
            Ok(path) => path,
            Err(e) => {
                let shown = String::from_utf8_lossy(&member.raw_path).into_owned();
                scan.warn(&shown, format!("entry skipped: {e}"));
                continue;
            }
        };
        if path.is_empty() {
            continue;
        }
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        if name == ".wh..wh..opq" {
            scan.opaque.insert(dir.to_owned());
            continue;
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            // `.wh..wh.*` other than the opaque marker are aufs bookkeeping, not whiteouts.
            if !hidden.starts_with(".wh.") && !hidden.is_empty() {
                let deleted = if dir.is_empty() {
                    hidden.to_owned()
                } else {
                    format!("{dir}/{hidden}")
                };
                scan.whiteouts.insert(deleted);
            }
            continue;
        }
        match member.kind {
            tar::EntryType::Directory => {
                scan.entries.insert(path, Node::Dir);
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                scan.offer_file(&path, member.size, &mut entry, catalogers, limits)
                    .map_err(|e| read_error(&layer, &e))?;
            }
            tar::EntryType::Symlink => {
                let target = member.link.unwrap_or_default();
                scan.add_symlink(&path, &target);
            }
            tar::EntryType::Link => {
                // A hard link's content is its target's, which came earlier in the same tar
                // and was offered to the catalogers under the target's path: nothing is lost
                // by not reading it again here.
                let target = member.link.unwrap_or_default();
                if let Err(e) = normalize_path(&target) {
                    scan.warn(&path, format!("hard link target refused: {e}"));
                }
                scan.entries.insert(path, Node::Other);
            }
            // Device nodes and fifos have no content to read.
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                scan.entries.insert(path, Node::Other);
            }
            other => {
                if catalogers.iter().any(|c| c.wants(&path)) {
                    scan.warn(&path, format!("tar entry type {other:?} not read"));
                }
                scan.entries.insert(path, Node::Other);
            }
        }
    }
    Ok(scan)
}
