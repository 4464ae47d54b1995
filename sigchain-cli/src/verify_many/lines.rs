//! Reading a manifest one line at a time, never holding more than one line, and never more
//! than a bounded number of bytes of it: a manifest may be larger than memory, and one line of
//! it may be hostile.

use std::io::{self, BufRead, Read};

/// Bytes skipped per read while passing over the rest of an over-long line.
const SKIP_CHUNK: u64 = 64 * 1024;

/// One line of a manifest, as read.
#[derive(Debug, PartialEq, Eq)]
pub enum ManifestLine {
    /// A line with content, without its line ending.
    Entry(String),
    /// Empty or only whitespace: not an entry, gets no index.
    Blank,
    /// Longer than the limit; its bytes were skipped, not kept.
    TooLong {
        /// The limit it broke, in bytes.
        limit: usize,
    },
    /// Not UTF-8, so not JSON.
    NotUtf8,
}

impl ManifestLine {
    /// Why the line cannot be an entry, as the error reported for it.
    pub fn problem(&self) -> Option<String> {
        match self {
            ManifestLine::Entry(_) | ManifestLine::Blank => None,
            ManifestLine::TooLong { limit } => {
                Some(format!("manifest line longer than {limit} bytes"))
            }
            ManifestLine::NotUtf8 => Some("manifest line is not UTF-8".into()),
        }
    }
}

/// Read the next line (ending in `\n`, `\r\n` or the end of input) of at most `limit` bytes,
/// line ending excluded; `None` at the end of input.
pub fn read_line(reader: &mut impl BufRead, limit: usize) -> io::Result<Option<ManifestLine>> {
    let mut bytes = Vec::new();
    // One byte over the limit tells an over-long line from one that just fits.
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let n = reader.by_ref().take(cap).read_until(b'\n', &mut bytes)?;
    if n == 0 {
        return Ok(None);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    } else if bytes.len() > limit {
        drop(bytes);
        skip_rest_of_line(reader)?;
        return Ok(Some(ManifestLine::TooLong { limit }));
    }
    Ok(Some(match String::from_utf8(bytes) {
        Ok(text) if text.trim().is_empty() => ManifestLine::Blank,
        Ok(text) => ManifestLine::Entry(text),
        Err(_) => ManifestLine::NotUtf8,
    }))
}

/// Pass over the rest of the current line, through its `\n`, keeping at most one chunk.
fn skip_rest_of_line(reader: &mut impl BufRead) -> io::Result<()> {
    let mut chunk = Vec::new();
    loop {
        chunk.clear();
        let n = reader
            .by_ref()
            .take(SKIP_CHUNK)
            .read_until(b'\n', &mut chunk)?;
        if n == 0 || chunk.last() == Some(&b'\n') {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(input: &[u8], limit: usize) -> Vec<ManifestLine> {
        // A small buffer, so lines straddle buffer refills.
        let mut reader = io::BufReader::with_capacity(7, input);
        std::iter::from_fn(|| read_line(&mut reader, limit).unwrap()).collect()
    }

    fn entry(text: &str) -> ManifestLine {
        ManifestLine::Entry(text.into())
    }

    #[test]
    fn splits_on_line_endings_and_keeps_blank_lines_apart() {
        assert_eq!(
            all_lines(b"{\"a\":1}\r\n\n  \t\n{\"b\":2}\n{\"c\":3}", 100),
            [
                entry("{\"a\":1}"),
                ManifestLine::Blank,
                ManifestLine::Blank,
                entry("{\"b\":2}"),
                entry("{\"c\":3}"),
            ]
        );
        assert_eq!(all_lines(b"", 100), []);
        assert_eq!(all_lines(b"x\n", 100), [entry("x")]);
    }

    #[test]
    fn an_over_long_line_is_skipped_and_reading_goes_on() {
        let long = "y".repeat(1000);
        let input = format!(
            "{}\n{long}\n{}\n{}\n{long}",
            "x".repeat(10),
            "z".repeat(11),
            "w"
        );
        let too_long = || ManifestLine::TooLong { limit: 10 };
        assert_eq!(
            all_lines(input.as_bytes(), 10),
            [
                entry(&"x".repeat(10)),
                too_long(),
                too_long(),
                entry("w"),
                too_long()
            ]
        );
    }

    #[test]
    fn the_limit_excludes_the_line_ending() {
        assert_eq!(all_lines(b"abcd\n", 4), [entry("abcd")]);
        assert_eq!(all_lines(b"abcd", 4), [entry("abcd")]);
        assert_eq!(
            all_lines(b"abcde\nab\n", 4),
            [ManifestLine::TooLong { limit: 4 }, entry("ab")]
        );
    }

    #[test]
    fn a_line_that_is_not_utf8_is_that_lines_problem() {
        let lines = all_lines(b"{}\n\xff\xfe\n{}\n", 100);
        assert_eq!(lines, [entry("{}"), ManifestLine::NotUtf8, entry("{}")]);
        assert_eq!(
            lines[1].problem().as_deref(),
            Some("manifest line is not UTF-8")
        );
        assert_eq!(
            ManifestLine::TooLong { limit: 9 }.problem().as_deref(),
            Some("manifest line longer than 9 bytes")
        );
        assert_eq!(entry("{}").problem(), None);
    }
}
