//! Every bound a source reader applies, in one place, so a hostile image or directory cannot
//! make the catalog run without end or allocate without limit.

/// Bounds on reading a source. The defaults fit real images (a Debian image has ~10k entries
/// per layer and a few hundred MB uncompressed) with a wide margin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceLimits {
    /// Most tar entries (or directory entries) in one layer or directory; more is an error.
    pub max_entries: u64,
    /// Most decompressed bytes in one layer; more is an error (a decompression bomb).
    pub max_layer_bytes: u64,
    /// Most decompressed bytes over all layers of an image.
    pub max_image_bytes: u64,
    /// Most layers in an image.
    pub max_layers: usize,
    /// Largest file read into memory for a cataloger (each cataloger may ask for less); a
    /// wanted file over the bound is a warning.
    pub max_file_bytes: u64,
    /// Largest GNU long name or PAX extension header.
    pub max_header_bytes: u64,
    /// Largest `manifest.json`, image config or other metadata document.
    pub max_metadata_bytes: u64,
    /// Deepest directory a directory walk descends into.
    pub max_depth: usize,
    /// Most symlinks followed to resolve one path (loops end here).
    pub max_link_hops: usize,
    /// Most layers read at once (each reading worker holds at most one wanted file).
    pub max_parallel_layers: usize,
    /// Not a bound but a choice of what the one pass reads: compute the SHA-1 and SHA-256
    /// of every regular file as it streams by ([`crate::model::Catalog::file_digests`]), so
    /// that documents can list each package's files with real checksums. Off by default: it
    /// reads every byte of every file rather than only the files catalogers want.
    pub file_digests: bool,
}

impl Default for SourceLimits {
    fn default() -> Self {
        SourceLimits {
            max_entries: 1_000_000,
            max_layer_bytes: 16 * 1024 * 1024 * 1024,
            max_image_bytes: 64 * 1024 * 1024 * 1024,
            max_layers: 1_000,
            max_file_bytes: 256 * 1024 * 1024,
            max_header_bytes: 64 * 1024,
            max_metadata_bytes: 4 * 1024 * 1024,
            max_depth: 256,
            max_link_hops: 40,
            max_parallel_layers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            file_digests: false,
        }
    }
}
