//! Layer decompression chosen by the stream's first bytes (gzip `1f 8b`, zstd `28 b5 2f fd`,
//! else an uncompressed tar), and a byte counter that stops a decompression bomb.
//!
//! Media types are not trusted for this: a registry's `tar+gzip` label and the bytes can
//! disagree, and the bytes are what the tar reader sees.

use std::cell::Cell;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

/// How a stream is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// gzip (one or more members).
    Gzip,
    /// zstd.
    Zstd,
    /// None: the bytes are the tar stream.
    None,
}

/// The compression the first bytes of a stream announce.
pub fn sniff(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// zstd frames can ask for windows up to 2 GiB; 128 MiB (the library's default) is what
/// encoders use without `--long`, so a larger request is refused rather than allocated.
const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// Peek the first bytes of `reader` and return its decompressed stream.
pub(crate) fn decompressed<'a>(
    mut reader: impl Read + 'a,
) -> io::Result<(Compression, Box<dyn Read + 'a>)> {
    let mut head = [0u8; 4];
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(head.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = head.get(..filled).unwrap_or_default().to_vec();
    let compression = sniff(&head);
    let whole = io::Cursor::new(head).chain(reader);
    let stream: Box<dyn Read + 'a> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(whole)),
        Compression::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::new(whole)?;
            decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
            Box::new(decoder)
        }
        Compression::None => Box::new(whole),
    };
    Ok((compression, stream))
}

/// Which byte bound a stream crossed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BytesExceeded {
    Layer,
    Image,
}

/// Counts decompressed bytes against the layer's bound and the image's shared budget; past
/// either, reads fail and `exceeded` says which bound it was.
pub(crate) struct Counted<'a, R> {
    pub inner: R,
    pub read: u64,
    pub layer_limit: u64,
    pub image_read: &'a AtomicU64,
    pub image_limit: u64,
    pub exceeded: &'a Cell<Option<BytesExceeded>>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(which) = self.exceeded.get() {
            return Err(io::Error::other(format!("{which:?} byte limit exceeded")));
        }
        let n = self.inner.read(buf)?;
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        self.read = self.read.saturating_add(n64);
        let image_total = self
            .image_read
            .fetch_add(n64, Ordering::Relaxed)
            .saturating_add(n64);
        let which = if self.read > self.layer_limit {
            Some(BytesExceeded::Layer)
        } else if image_total > self.image_limit {
            Some(BytesExceeded::Image)
        } else {
            None
        };
        if let Some(which) = which {
            self.exceeded.set(Some(which));
            return Err(io::Error::other(format!("{which:?} byte limit exceeded")));
        }
        Ok(n)
    }
}
