//! The record format (fileformat2 §2.1): a header of serial types, then the values, and the
//! varints (§1.5) both are written with.

use super::SqliteError;

/// One value of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'r> {
    /// SQL NULL (also a column the record does not hold).
    Null,
    /// An integer (serial types 1–6, 8, 9).
    Integer(i64),
    /// A float (serial type 7).
    Real(f64),
    /// Text, checked to be UTF-8.
    Text(&'r str),
    /// A blob.
    Blob(&'r [u8]),
}

impl Value<'_> {
    /// The value's storage class, for messages (`"null"`, `"integer"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }
}

/// Where each value of a record lies in its payload: (serial type, offset), checked to fit.
#[derive(Debug, Clone)]
pub(super) struct Record(Vec<(u64, usize)>);

impl Record {
    pub(super) fn parse(payload: &[u8], rowid: i64) -> Result<Self, SqliteError> {
        let bad = |problem| SqliteError::BadRecord { rowid, problem };
        let (header_len, mut at) = read_varint(payload).ok_or(bad("no record header"))?;
        let header_len = usize::try_from(header_len)
            .ok()
            .filter(|len| (at..=payload.len()).contains(len))
            .ok_or(bad("record header size does not fit the payload"))?;
        let header = &payload[..header_len];
        let mut offset = header_len;
        let mut values = Vec::new();
        while at < header_len {
            let (serial_type, len) = header
                .get(at..)
                .and_then(read_varint)
                .ok_or(bad("serial type runs past the record header"))?;
            at += len;
            let size = value_size(serial_type).ok_or(bad("reserved serial type 10 or 11"))?;
            let end = offset
                .checked_add(size)
                .filter(|end| *end <= payload.len())
                .ok_or(bad("values run past the payload"))?;
            values.push((serial_type, offset));
            offset = end;
        }
        Ok(Record(values))
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn value<'r>(
        &self,
        payload: &'r [u8],
        column: usize,
        rowid: i64,
    ) -> Result<Value<'r>, SqliteError> {
        let Some(&(serial_type, offset)) = self.0.get(column) else {
            return Ok(Value::Null);
        };
        let bytes = value_size(serial_type)
            .and_then(|size| payload.get(offset..offset.checked_add(size)?))
            .ok_or(SqliteError::BadRecord {
                rowid,
                problem: "value outside the payload",
            })?;
        Ok(match serial_type {
            0 => Value::Null,
            1..=6 => Value::Integer(be_signed(bytes)),
            7 => {
                let mut raw = [0u8; 8];
                raw.copy_from_slice(bytes);
                Value::Real(f64::from_be_bytes(raw))
            }
            8 => Value::Integer(0),
            9 => Value::Integer(1),
            n if n % 2 == 0 => Value::Blob(bytes),
            _ => Value::Text(std::str::from_utf8(bytes).map_err(|_| SqliteError::TextNotUtf8)?),
        })
    }
}

/// The size in bytes of a value of `serial_type`; `None` for the reserved types 10 and 11.
fn value_size(serial_type: u64) -> Option<usize> {
    Some(match serial_type {
        0 | 8 | 9 => 0,
        1..=4 => serial_type as usize,
        5 => 6,
        6 | 7 => 8,
        10 | 11 => return None,
        n => usize::try_from((n - 12) / 2).ok()?,
    })
}

/// A big-endian two's-complement integer of 1 to 8 bytes.
fn be_signed(bytes: &[u8]) -> i64 {
    let mut value: i64 = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    for byte in bytes {
        value = (value << 8) | i64::from(*byte);
    }
    value
}

/// A varint (§1.5): 1 to 9 bytes, big-endian, 7 bits per byte with the high bit saying more
/// follow, all 8 bits of a ninth. Returns the value and its length; `None` if `bytes` ends first.
pub(super) fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().take(9).enumerate() {
        if i == 8 {
            return Some(((value << 8) | u64::from(*byte), 9));
        }
        value = (value << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(read_varint(&[0x00]), Some((0, 1)));
        assert_eq!(read_varint(&[0x7f]), Some((127, 1)));
        assert_eq!(read_varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(read_varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(read_varint(&[0x81]), None);
        assert_eq!(read_varint(&[]), None);
    }

    #[test]
    fn integers_are_sign_extended() {
        assert_eq!(be_signed(&[0xff]), -1);
        assert_eq!(be_signed(&[0x00, 0x80]), 128);
        assert_eq!(be_signed(&[0xff, 0xff, 0xfe]), -2);
        assert_eq!(
            be_signed(&[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff]),
            (1 << 47) - 1
        );
    }

    #[test]
    fn records() {
        // header: size 5; NULL, int8, text of 2, blob of 1
        let payload = [5, 0, 1, 17, 14, 0xfe, b'h', b'i', 0xaa];
        let record = Record::parse(&payload, 1).unwrap();
        assert_eq!(record.len(), 4);
        assert_eq!(record.value(&payload, 0, 1), Ok(Value::Null));
        assert_eq!(record.value(&payload, 1, 1), Ok(Value::Integer(-2)));
        assert_eq!(record.value(&payload, 2, 1), Ok(Value::Text("hi")));
        assert_eq!(record.value(&payload, 3, 1), Ok(Value::Blob(&[0xaa])));
        assert_eq!(record.value(&payload, 4, 1), Ok(Value::Null));
    }

    #[test]
    fn lying_records_are_errors() {
        let bad = |payload: &[u8]| match Record::parse(payload, 7) {
            Err(SqliteError::BadRecord { rowid: 7, problem }) => problem,
            other => panic!("{other:?}"),
        };
        assert_eq!(bad(&[]), "no record header");
        assert_eq!(bad(&[9, 0]), "record header size does not fit the payload");
        assert_eq!(bad(&[2, 0x81]), "serial type runs past the record header");
        assert_eq!(bad(&[2, 10]), "reserved serial type 10 or 11");
        assert_eq!(bad(&[2, 16, 1]), "values run past the payload");
        let not_utf8 = [2, 15, 0xff];
        let record = Record::parse(&not_utf8, 1).unwrap();
        assert_eq!(record.value(&not_utf8, 0, 1), Err(SqliteError::TextNotUtf8));
    }
}
