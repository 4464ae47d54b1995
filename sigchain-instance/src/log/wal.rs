//! The on-disk format of the log: a header, then records appended in batches.
//!
//! ```text
//! file   := MAGIC record*
//! record := len: u32 BE || body || SHA-256(len || body)
//! body   := flags: u8 || integrated_time: i64 BE || data
//! ```
//!
//! `flags` bit 0 marks the last record of a batch; the other bits are zero. A batch counts
//! only once its last record is read back whole with a good checksum, so a crash in the middle
//! of a batch write loses the whole batch, never part of it: the entries of one group commit
//! become visible together or not at all, as they were acknowledged together or not at all.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

/// First bytes of a log file: refuses to treat any other file as a log (and so to truncate it).
pub(crate) const MAGIC: &[u8; 16] = b"sigchain-log-v1\n";
/// Bytes a record adds to its data: length, flags, time, checksum.
pub(crate) const RECORD_OVERHEAD: usize = LEN_BYTES + BODY_HEADER + CHECKSUM_BYTES;

const LEN_BYTES: usize = 4;
const BODY_HEADER: usize = 1 + 8;
const CHECKSUM_BYTES: usize = 32;
const FLAG_BATCH_END: u8 = 1;

/// A record read back from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) data: Vec<u8>,
    pub(crate) integrated_time: i64,
    /// Whether this is the last record of its batch.
    pub(crate) batch_end: bool,
}

/// Why reading a record stopped.
#[derive(Debug)]
pub(crate) enum Defect {
    /// The file ends inside the record.
    Truncated,
    /// The length field is below the minimum or above the limit (garbage, or a torn write).
    BadLength(u32),
    /// The checksum does not match: a torn or damaged record.
    BadChecksum,
    /// Unknown flag bits.
    BadFlags(u8),
    /// Reading failed.
    Io(io::Error),
}

impl std::fmt::Display for Defect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Defect::Truncated => write!(f, "record cut short"),
            Defect::BadLength(len) => write!(f, "impossible record length {len}"),
            Defect::BadChecksum => write!(f, "record checksum mismatch"),
            Defect::BadFlags(flags) => write!(f, "unknown record flags {flags:#04x}"),
            Defect::Io(e) => write!(f, "read error: {e}"),
        }
    }
}

/// Append the record for `data` to `out`.
pub(crate) fn encode_record(out: &mut Vec<u8>, data: &[u8], integrated_time: i64, batch_end: bool) {
    // Callers bound `data` far below u32::MAX (see `MAX_ENTRY_BYTES`).
    let len = (BODY_HEADER + data.len()) as u32;
    let start = out.len();
    out.extend_from_slice(&len.to_be_bytes());
    out.push(if batch_end { FLAG_BATCH_END } else { 0 });
    out.extend_from_slice(&integrated_time.to_be_bytes());
    out.extend_from_slice(data);
    let checksum = Sha256::digest(&out[start..]);
    out.extend_from_slice(&checksum);
}

/// Read one record of at most `max_data` data bytes; `Ok(None)` at a clean end of file.
pub(crate) fn read_record(
    reader: &mut impl Read,
    max_data: usize,
) -> Result<Option<Record>, Defect> {
    let mut len_bytes = [0u8; LEN_BYTES];
    match read_full(reader, &mut len_bytes)? {
        0 => return Ok(None),
        LEN_BYTES => {}
        _ => return Err(Defect::Truncated),
    }
    let len = u32::from_be_bytes(len_bytes);
    let body_len = usize::try_from(len).map_err(|_| Defect::BadLength(len))?;
    // The bound comes before the allocation: a garbage length must not allocate 4 GiB.
    if body_len < BODY_HEADER || body_len - BODY_HEADER > max_data {
        return Err(Defect::BadLength(len));
    }
    let mut rest = vec![0u8; body_len + CHECKSUM_BYTES];
    if read_full(reader, &mut rest)? != rest.len() {
        return Err(Defect::Truncated);
    }
    let (body, checksum) = rest.split_at(body_len);
    let mut hasher = Sha256::new();
    hasher.update(len_bytes);
    hasher.update(body);
    let computed: [u8; CHECKSUM_BYTES] = hasher.finalize().into();
    if computed.as_slice() != checksum {
        return Err(Defect::BadChecksum);
    }
    decode_body(body).map(Some)
}

/// Decode one whole record held in memory (bytes of exactly one record).
pub(crate) fn decode_record(bytes: &[u8], max_data: usize) -> Result<Record, Defect> {
    let mut reader = bytes;
    let record = read_record(&mut reader, max_data)?.ok_or(Defect::Truncated)?;
    if !reader.is_empty() {
        return Err(Defect::BadLength(0));
    }
    Ok(record)
}

fn decode_body(body: &[u8]) -> Result<Record, Defect> {
    let Some((&flags, rest)) = body.split_first() else {
        return Err(Defect::Truncated);
    };
    if flags & !FLAG_BATCH_END != 0 {
        return Err(Defect::BadFlags(flags));
    }
    let (time, data) = rest.split_first_chunk::<8>().ok_or(Defect::Truncated)?;
    Ok(Record {
        data: data.to_vec(),
        integrated_time: i64::from_be_bytes(*time),
        batch_end: flags & FLAG_BATCH_END != 0,
    })
}

/// Bytes [`acknowledged_batch_in`] may hash per byte of the tail it examines.
///
/// Every offset of the tail may start a plausible record header, and checking one hashes the
/// whole record it claims, so an exhaustive search costs up to the square of the tail (which
/// may be `max_batch_bytes` long: a 64 MiB tail would take days). The budget keeps it linear.
/// A torn batch of ours rarely spends any of it (its data would have to look like record
/// headers that fit in the tail), and never more than one record's worth at its first offset.
const TAIL_HASH_BUDGET_PER_BYTE: usize = 64;

/// Whether `tail`, the bytes after the last complete batch, holds (at any offset) a whole
/// batch-end record with more bytes after it, or is too costly to search for one.
///
/// A torn write can only damage the last batch, since a batch is written only after the one
/// before it is synced: that batch's own end record may survive (the disk persisted its pages
/// out of order), but nothing can follow it. A batch end followed by more writes means the
/// damage is inside batches that were acknowledged, which must not be cut. A tail whose
/// search would hash more than [`TAIL_HASH_BUDGET_PER_BYTE`] bytes per byte is not what a
/// torn write leaves either, and is refused the same way: not cutting is the safe answer.
pub(crate) fn acknowledged_batch_in(tail: &[u8]) -> bool {
    let mut budget = tail.len().saturating_mul(TAIL_HASH_BUDGET_PER_BYTE);
    for start in 0..tail.len() {
        let Some(candidate) = tail.get(start..) else {
            return false;
        };
        let Some(len) = candidate.first_chunk::<LEN_BYTES>() else {
            return false;
        };
        let body_len = u32::from_be_bytes(*len) as usize;
        // Cheap filters first: only a plausible batch-end record is worth hashing.
        let fits = (LEN_BYTES + CHECKSUM_BYTES)
            .checked_add(body_len)
            .is_some_and(|total| total < candidate.len());
        if body_len < BODY_HEADER || !fits || candidate.get(LEN_BYTES) != Some(&FLAG_BATCH_END) {
            continue;
        }
        let hashed = LEN_BYTES + body_len;
        let Some(left) = budget.checked_sub(hashed) else {
            return true;
        };
        budget = left;
        if is_whole_record(candidate, body_len) {
            return true;
        }
    }
    false
}

/// Whether `bytes` starts with a record of `body_len` body bytes whose checksum matches,
/// hashed in place (a candidate may be as long as the tail: no copy of it is made).
fn is_whole_record(bytes: &[u8], body_len: usize) -> bool {
    let Some((record, rest)) = bytes.split_at_checked(LEN_BYTES + body_len) else {
        return false;
    };
    let Some(checksum) = rest.first_chunk::<CHECKSUM_BYTES>() else {
        return false;
    };
    let computed: [u8; CHECKSUM_BYTES] = Sha256::digest(record).into();
    &computed == checksum
}

/// Read until `buf` is full or the input ends; the number of bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, Defect> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Defect::Io(e)),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reject_damage() {
        let mut bytes = Vec::new();
        encode_record(&mut bytes, b"entry", -7, true);
        assert_eq!(bytes.len(), RECORD_OVERHEAD + 5);
        let record = decode_record(&bytes, 5).unwrap();
        assert_eq!(
            record,
            Record {
                data: b"entry".to_vec(),
                integrated_time: -7,
                batch_end: true
            }
        );
        assert!(matches!(
            decode_record(&bytes, 4),
            Err(Defect::BadLength(14))
        ));
        for cut in 0..bytes.len() {
            assert!(decode_record(&bytes[..cut], 5).is_err(), "{cut}");
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            assert!(decode_record(&flipped, 5).is_err(), "{i}");
        }
        let mut two = bytes.clone();
        two.extend_from_slice(&bytes);
        assert!(decode_record(&two, 5).is_err());
        assert!(read_record(&mut &[][..], 5).unwrap().is_none());
    }

    #[test]
    fn acknowledged_batches_are_found_behind_damage() {
        let mut batch = Vec::new();
        encode_record(&mut batch, b"a", 1, false);
        encode_record(&mut batch, b"b", 2, true);
        // Damage, then a whole batch, then more: acknowledged.
        let mut tail = vec![0xee; 7];
        tail.extend_from_slice(&batch);
        tail.push(0);
        assert!(acknowledged_batch_in(&tail));
        // The batch end is the last thing in the file: could be the torn batch's own end.
        tail.pop();
        assert!(!acknowledged_batch_in(&tail));
        // A torn batch: records without an end, or garbage only.
        let mut torn = Vec::new();
        encode_record(&mut torn, b"a", 1, false);
        torn.extend_from_slice(&batch[..batch.len() - 3]);
        assert!(!acknowledged_batch_in(&torn));
        assert!(!acknowledged_batch_in(&[0; 100]));
        assert!(!acknowledged_batch_in(&[0xff; 100]));
        assert!(!acknowledged_batch_in(&[]));
    }

    /// A tail where every fifth byte starts a plausible batch-end record half the tail long:
    /// checking each candidate's checksum hashes to the end, so the work grows with the square
    /// of the tail (up to `max_batch_bytes`, 64 MiB by default). None of them is a record.
    fn many_candidates(tail_len: usize) -> Vec<u8> {
        let len = u32::try_from(tail_len / 2).unwrap();
        let mut tail = Vec::with_capacity(tail_len + 5);
        while tail.len() < tail_len {
            tail.extend_from_slice(&len.to_be_bytes());
            tail.push(FLAG_BATCH_END);
        }
        tail.truncate(tail_len);
        tail
    }

    #[test]
    fn a_tail_too_costly_to_examine_counts_as_damage() {
        // Before the budget this took 5 s in a debug build for 64 KiB, and four times as
        // long for each doubling, to answer "no acknowledged batch".
        assert!(acknowledged_batch_in(&many_candidates(64 * 1024)));
        // A few candidates are still examined exactly.
        let mut tail = many_candidates(64 * 1024);
        tail.truncate(40);
        assert!(!acknowledged_batch_in(&tail));
        let mut batch = Vec::new();
        encode_record(&mut batch, &[0x5a; 1000], 1, true);
        batch.push(0);
        assert!(acknowledged_batch_in(&batch));
        batch.pop();
        assert!(!acknowledged_batch_in(&batch));
    }
}
