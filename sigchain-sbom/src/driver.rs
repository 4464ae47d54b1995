//! The catalog driver: read a source (layers in parallel, one streaming pass each), squash
//! the layers, read the distribution, and return the packages in a stable order.
//!
//! Purls are not made here: they depend on the distribution, which is known only after the
//! squash, so a writer makes them from the finished [`Catalog`] (`Catalog::distro` and each
//! [`crate::model::Package`]).

use std::cell::Cell;
use std::fs::File;
use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::catalog::os_release::parse_os_release;
use crate::model::{Catalog, Cataloger, Location, Warning};
use crate::source::decompress::{decompressed, BytesExceeded, Compression, Counted};
use crate::source::image::{docker_archive_layers, oci_layout_layers, BlobReader, LayerBlob};
use crate::source::layer::{scan_tar, LayerScan};
use crate::source::squash::squash;
use crate::source::{Source, SourceError, SourceLimits};

/// Catalog `source` with `catalogers`: every package found in a file visible in the final
/// root, each located by (layer diffID, path), sorted by type, name, version and first
/// location; `distro` from `etc/os-release` (else `usr/lib/os-release`).
///
/// A hostile or broken source (decompression bomb, too many entries, malformed layer, a blob
/// not matching its digest) stops the catalog with an error; a problem with one file is a
/// warning in the catalog.
pub fn catalog_source(
    source: &Source,
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
) -> Result<Catalog, SourceError> {
    catalog_source_with_progress(source, catalogers, limits, &NoProgress)
}

/// [`catalog_source`], telling `progress` what it reads as it goes (for a progress bar).
pub fn catalog_source_with_progress(
    source: &Source,
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
    progress: &dyn Progress,
) -> Result<Catalog, SourceError> {
    let (image, scans) = match source {
        Source::OciDir { dir, image } => {
            let image = oci_layout_layers(dir, image.as_deref(), limits)?;
            let scans = scan_layers(&image.layers, catalogers, limits, progress)?;
            (Some(image.identity), scans)
        }
        Source::DockerArchive(path) => {
            let image = docker_archive_layers(path, limits)?;
            let scans = scan_layers(&image.layers, catalogers, limits, progress)?;
            (Some(image.identity), scans)
        }
        Source::Dir(dir) => {
            progress.start(0, 0);
            let scan = crate::source::dir_scan(dir, catalogers, limits, progress)?;
            (None, vec![scan])
        }
        Source::File(path) => (None, vec![scan_file(path, catalogers, limits, progress)?]),
        Source::Registry(reference) => {
            return Err(SourceError::RegistryNotSupported {
                reference: reference.clone(),
            })
        }
    };
    let mut catalog = assemble(scans, limits);
    catalog.image = image;
    Ok(catalog)
}

/// What the driver reports while it reads, for a progress display. Layers are read in
/// parallel, so the calls come from several threads; every method has an empty default.
pub trait Progress: Sync {
    /// Reading starts: `layers` layer blobs of `stored_bytes` bytes in all (0 and 0 for a
    /// directory or a single file).
    fn start(&self, layers: usize, stored_bytes: u64) {
        let _ = (layers, stored_bytes);
    }
    /// `bytes` more stored (compressed) bytes of a layer were read.
    fn read(&self, bytes: u64) {
        let _ = bytes;
    }
    /// One more file-system entry (file, directory, link) was seen.
    fn entry(&self) {}
    /// One more layer was read to its end.
    fn layer_done(&self) {}
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Tells `progress` how many stored bytes pass.
struct ReadProgress<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for ReadProgress<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.read(n as u64);
        Ok(n)
    }
}

/// Catalog one tar stream (gzip, zstd or uncompressed, told apart by its first bytes) as a
/// root of its own, without a diffID: a layer or archive from anywhere, read in one pass.
///
/// ```
/// use sigchain_sbom::driver::catalog_layer;
/// use sigchain_sbom::source::SourceLimits;
/// let mut builder = tar::Builder::new(Vec::new());
/// let os_release = b"ID=alpine\nVERSION_ID=3.20.3\n";
/// let mut header = tar::Header::new_gnu();
/// header.set_size(os_release.len() as u64);
/// builder.append_data(&mut header, "etc/os-release", &os_release[..])?;
/// let layer = builder.into_inner()?;
/// let catalog = catalog_layer(&layer[..], &[], &SourceLimits::default())?;
/// assert_eq!(catalog.distro.map(|d| d.id).as_deref(), Some("alpine"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn catalog_layer(
    reader: impl Read,
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
) -> Result<Catalog, SourceError> {
    let image_read = AtomicU64::new(0);
    let scan = scan_stream(reader, None, catalogers, limits, &image_read, &NoProgress)?;
    Ok(assemble(vec![scan], limits))
}

/// Read each layer in one pass, up to `limits.max_parallel_layers` at once; the scans come
/// back in layer order whatever order the workers finished in.
fn scan_layers(
    layers: &[LayerBlob],
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
    progress: &dyn Progress,
) -> Result<Vec<LayerScan>, SourceError> {
    progress.start(layers.len(), layers.iter().map(|l| l.size).sum());
    let image_read = AtomicU64::new(0);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<LayerScan, SourceError>>>> =
        Mutex::new((0..layers.len()).map(|_| None).collect());
    let workers = limits.max_parallel_layers.clamp(1, layers.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(blob) = layers.get(index) else {
                    break;
                };
                let result = scan_blob(blob, catalogers, limits, &image_read, progress);
                progress.layer_done();
                let failed = result.is_err();
                if let Ok(mut slots) = results.lock() {
                    if let Some(slot) = slots.get_mut(index) {
                        *slot = Some(result);
                    }
                }
                if failed {
                    // Other workers stop taking layers: the catalog fails anyway.
                    next.store(layers.len(), Ordering::Relaxed);
                    break;
                }
            });
        }
    });
    let slots = results.into_inner().unwrap_or_default();
    let mut scans = Vec::with_capacity(slots.len());
    let mut first_error = None;
    for slot in slots {
        match slot {
            Some(Ok(scan)) => scans.push(scan),
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
            None => {}
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(scans),
    }
}

fn scan_blob(
    blob: &LayerBlob,
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
    image_read: &AtomicU64,
    progress: &dyn Progress,
) -> Result<LayerScan, SourceError> {
    let layer = Some(blob.diff_id.clone());
    let mut reader = BlobReader::open(blob)?;
    let scan = scan_stream(
        BufReader::with_capacity(
            256 * 1024,
            ReadProgress {
                inner: &mut reader,
                progress,
            },
        ),
        layer,
        catalogers,
        limits,
        image_read,
        progress,
    )?;
    reader.finish(blob)?;
    Ok(scan)
}

/// Decompress (by magic bytes), count, and scan one tar stream; the decompressed stream is
/// read to its end so the whole blob passes the counters (and the digest check after).
fn scan_stream(
    reader: impl Read,
    layer: Option<String>,
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
    image_read: &AtomicU64,
    progress: &dyn Progress,
) -> Result<LayerScan, SourceError> {
    let exceeded = Cell::new(None);
    let (_, stream) =
        decompressed(reader).map_err(|e| crate::source::layer::read_error(&layer, &e))?;
    let mut counted = Counted {
        inner: stream,
        read: 0,
        layer_limit: limits.max_layer_bytes,
        image_read,
        image_limit: limits.max_image_bytes,
        exceeded: &exceeded,
    };
    let over = |layer: &Option<String>| match exceeded.get() {
        Some(BytesExceeded::Layer) => Some(SourceError::TooManyBytes {
            layer: layer.clone(),
            limit: limits.max_layer_bytes,
        }),
        Some(BytesExceeded::Image) => Some(SourceError::ImageTooLarge {
            limit: limits.max_image_bytes,
        }),
        None => None,
    };
    let scan = scan_tar(&mut counted, layer.clone(), catalogers, limits, progress)
        .map_err(|e| over(&layer).unwrap_or(e))?;
    std::io::copy(&mut counted, &mut std::io::sink()).map_err(|e| {
        over(&layer).unwrap_or_else(|| crate::source::layer::read_error(&layer, &e))
    })?;
    Ok(scan)
}

/// A single file: a tar (compressed or not) is read as one layer without a diffID; any other
/// file is offered to the catalogers under its file name.
fn scan_file(
    path: &std::path::Path,
    catalogers: &[&dyn Cataloger],
    limits: &SourceLimits,
    progress: &dyn Progress,
) -> Result<LayerScan, SourceError> {
    let io = |source| SourceError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let mut head = Vec::new();
    (&mut file).take(512).read_to_end(&mut head).map_err(io)?;
    let is_tar = head.get(257..262) == Some(b"ustar".as_slice());
    let compressed = crate::source::decompress::sniff(&head) != Compression::None;
    let file = File::open(path).map_err(io)?;
    if is_tar || compressed {
        let image_read = AtomicU64::new(0);
        progress.start(1, size);
        let reader = ReadProgress {
            inner: file,
            progress,
        };
        let scan = scan_stream(
            BufReader::new(reader),
            None,
            catalogers,
            limits,
            &image_read,
            progress,
        );
        progress.layer_done();
        return scan;
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let mut scan = LayerScan::new(None);
    scan.offer_file(&name, size, &mut BufReader::new(file), catalogers, limits)
        .map_err(io)?;
    Ok(scan)
}

/// Squash, read the distribution, locate, merge what two files record of one package, and
/// sort.
fn assemble(mut scans: Vec<LayerScan>, limits: &SourceLimits) -> Catalog {
    let squashed = squash(&mut scans, limits.max_link_hops);
    let distro = squashed.os_release.as_deref().and_then(parse_os_release);
    let mut packages = Vec::new();
    let mut warnings = squashed.warnings;
    for (layer, found_at) in squashed.found {
        let here = Location {
            layer: layer.clone(),
            path: found_at.path.clone(),
        };
        for mut package in found_at.found.packages {
            for location in &mut package.locations {
                if location.layer.is_none() {
                    location.layer.clone_from(&layer);
                }
            }
            if package.locations.is_empty() {
                package.locations.push(here.clone());
            }
            packages.push(package);
        }
        for message in found_at.found.warnings {
            warnings.push(Warning {
                location: here.clone(),
                message: format!("{}: {message}", found_at.cataloger),
            });
        }
    }
    // One package recorded by two files: a dist-info's METADATA and RECORD, an npm package in
    // the lock and in node_modules.
    let packages = crate::catalog::python::merge_records(packages);
    // dpkg's per-package file listings (info/*.list, *.md5sums); an empty directory a package
    // ships is told from a file by the squashed root.
    let packages = crate::catalog::dpkg::merge_file_lists(packages, |path| {
        crate::source::squash::is_visible_dir(&scans, path)
    });
    let file_digests = crate::source::squash::visible_digests(&mut scans);
    drop(scans);
    let mut packages = crate::catalog::npm::dedupe(packages);
    packages.sort_by(|a, b| {
        (a.package_type, &a.name, &a.version, a.locations.first()).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            b.locations.first(),
        ))
    });
    warnings.sort();
    Catalog {
        image: None,
        distro,
        packages,
        warnings,
        file_digests,
    }
}
