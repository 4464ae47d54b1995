//! A read-only reader of SQLite database files held in memory: enough to list the rows of one
//! table, as the sqlite rpmdb (`rpmdb.sqlite`, one rpm header blob per row of its `Packages`
//! table) needs.
//!
//! ```
//! use sigchain_sbom::sqlite::{Database, Value};
//! let bytes = include_bytes!("../../tests/data/rpm/small.rpmdb.sqlite");
//! let db = Database::open(bytes)?;
//! let packages = db.table("Packages")?;
//! let blob = packages.column("blob").expect("rpm's schema has a blob column");
//! let mut rows = 0;
//! for row in db.rows(&packages) {
//!     let row = row?;
//!     assert!(matches!(row.value(blob)?, Value::Blob(header) if header.len() > 8));
//!     rows += 1;
//! }
//! assert_eq!(rows, 3);
//! # Ok::<(), sigchain_sbom::sqlite::SqliteError>(())
//! ```
//!
//! # Why our own reader, not the SQLite library (rusqlite)
//! - A cataloger gets the file as bytes from a tar stream. The SQLite library opens files (or
//!   needs its `deserialize` interface and a writable copy), so every image would need a
//!   temporary file or a copy handed to C code.
//! - The bytes are untrusted. SQLite is careful with corrupt files, but it is a large C library
//!   whose reading of them we cannot fuzz with our own targets or bound from here; this reader
//!   is pure Rust (`forbid(unsafe_code)`), every offset is checked, and it is fuzzed
//!   (`fuzz/fuzz_targets/sbom_rpm_sqlite.rs`).
//! - The part needed is small and fixed: the file format is documented, stable since 2004 and
//!   promised backwards compatible (<https://www.sqlite.org/fileformat2.html>); listing a table's
//!   rows needs the database header, table B-trees, overflow chains and the record format. No
//!   SQL, no indexes, no writing.
//!
//! # What it reads, and what it refuses
//! - The database header (§1.3): page sizes 512 to 65536 (65536 stored as 1), reserved bytes at
//!   each page's end, the page count (the header's when valid, else the file's length). Text
//!   must be UTF-8 (what rpm writes): UTF-16 databases are refused
//!   ([`SqliteError::UnsupportedTextEncoding`]), as are read versions above 2 and schema formats
//!   above 4.
//! - `sqlite_schema` (§2.6, the table rooted at page 1), to find a table's root page and the
//!   column names of its `CREATE TABLE` statement ([`Database::table`]). `WITHOUT ROWID` tables
//!   (stored as index B-trees) and tables with generated columns (whose values are not all in
//!   the record) are refused.
//! - Table B-trees (§1.6): interior (0x05) and leaf (0x0D) pages, walked left to right, so rows
//!   come in rowid order; overflow chains (§1.7) for payloads too large for their page, which
//!   is most rpm headers (10–200 KB against 4 KB pages); records (§2.1).
//! - Only the main file: changes still in a write-ahead log (`-wal`) or a hot rollback journal
//!   are not seen. The rpm cataloger warns when it finds such a file next to the database.
//!
//! # Safety
//! Every offset and length is checked against its page and the file; page numbers must be in
//! range; a walk reaches each page at most once (marking it when it is queued), so a B-tree or
//! overflow chain that comes back to a page is an error ([`SqliteError::PageVisitedTwice`]),
//! never a loop, and the walk's stack holds at most one entry per page; the cells of a
//! leaf may not claim more bytes than the page has (repeated cell pointers would otherwise
//! make one page yield its bytes thousands of times), so the bytes a walk yields and copies
//! are bounded by the file's size. Trees deeper than [`MAX_TREE_DEPTH`] are refused.
//! The walk has no recursion. A broken row or subtree is an `Err` item of [`Rows`]; the walk
//! goes on with the rest.

mod btree;
mod record;
mod schema;
#[cfg(test)]
mod tests;

pub use btree::{Row, Rows};
pub use record::Value;
pub use schema::Table;

/// The deepest table B-tree read (SQLite's own cursors stop at 20 levels, `BTCURSOR_MAX_DEPTH`;
/// 20 levels of 4 KB pages hold more rows than any file could).
pub const MAX_TREE_DEPTH: usize = 20;

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
const HEADER_LEN: usize = 100;
/// The smallest usable page size the format allows (§1.3.4: "usable size ... at least 480").
const MIN_USABLE_SIZE: usize = 480;

/// Why a database, table or row could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// The first 16 bytes are not `SQLite format 3\0`.
    #[error("not a SQLite 3 database (no \"SQLite format 3\" header)")]
    NotSqlite,
    /// The file is shorter than its header or its first page.
    #[error("database file truncated: {len} bytes, at least {needed} needed")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes in the file.
        len: usize,
    },
    /// The page size is not a power of two from 512 to 65536.
    #[error("invalid page size {0} in the database header")]
    BadPageSize(u32),
    /// The reserved bytes leave fewer than 480 usable bytes per page.
    #[error("{reserved} reserved bytes per page leave too little of a {page_size}-byte page")]
    BadReservedBytes {
        /// Reserved bytes per page.
        reserved: u8,
        /// The page size.
        page_size: usize,
    },
    /// The header's payload fractions are not the fixed 64, 32, 32.
    #[error("invalid payload fractions {0:?} in the database header (must be [64, 32, 32])")]
    BadPayloadFractions([u8; 3]),
    /// The file's read version is one this reader does not know (the format says such a file
    /// must not be read).
    #[error("unsupported file format read version {0}")]
    UnsupportedReadVersion(u8),
    /// Schema format above 4.
    #[error("unsupported schema format {0}")]
    UnsupportedSchemaFormat(u32),
    /// Text is stored as UTF-16 (2: little-endian, 3: big-endian) or an unknown encoding.
    #[error("unsupported text encoding {0} (only UTF-8, encoding 1, is read)")]
    UnsupportedTextEncoding(u32),
    /// The header counts more pages than the file holds.
    #[error("the header counts {header_pages} pages, the file holds only {file_pages}")]
    PageCountBeyondFile {
        /// Pages the header counts.
        header_pages: u32,
        /// Whole pages in the file.
        file_pages: u32,
    },
    /// A page number (child, overflow or root) is 0 or past the last page.
    #[error("page {page} is out of range (the database has {page_count} pages)")]
    PageOutOfRange {
        /// The page number.
        page: u64,
        /// Pages in the database.
        page_count: u32,
    },
    /// A B-tree or overflow chain reached a page already visited: a cycle or a shared page.
    #[error("page {page} is reached twice (a cycle in the B-tree or an overflow chain)")]
    PageVisitedTwice {
        /// The page number.
        page: u32,
    },
    /// The B-tree is deeper than [`MAX_TREE_DEPTH`].
    #[error("B-tree deeper than {MAX_TREE_DEPTH} levels at page {page}")]
    TreeTooDeep {
        /// The page that would be one level too deep.
        page: u32,
    },
    /// A page in a table B-tree is not a table page.
    #[error("page {page} has type {page_type:#04x}, not a table B-tree page (0x05 or 0x0d)")]
    NotATablePage {
        /// The page number.
        page: u32,
        /// Its type byte.
        page_type: u8,
    },
    /// A page's header, cell pointers or a cell lie outside its usable bytes.
    #[error("page {page}: {what} lies outside the page")]
    OutOfPage {
        /// The page number.
        page: u32,
        /// What was being read.
        what: &'static str,
    },
    /// A row's payload size is larger than the file could hold, or its overflow chain ends
    /// before the payload does.
    #[error("row {rowid}: payload of {declared} bytes {problem}")]
    PayloadSize {
        /// The row's rowid.
        rowid: i64,
        /// The payload size the cell declares.
        declared: u64,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A record's header or values do not fit its payload, or use a reserved serial type.
    #[error("row {rowid}: malformed record: {problem}")]
    BadRecord {
        /// The row's rowid.
        rowid: i64,
        /// What is wrong.
        problem: &'static str,
    },
    /// A text value is not valid UTF-8.
    #[error("a text value is not valid UTF-8")]
    TextNotUtf8,
    /// A `sqlite_schema` row does not have the schema's five columns of the right types.
    #[error("malformed sqlite_schema row {rowid}")]
    BadSchemaRow {
        /// The schema row's rowid.
        rowid: i64,
    },
    /// The schema names no table of that name.
    #[error("no table {0:?} in the database")]
    NoSuchTable(String),
    /// The table's `CREATE TABLE` statement could not be read, or declares a table this reader
    /// cannot list (`WITHOUT ROWID`, generated columns).
    #[error("table {table:?}: {problem}")]
    UnsupportedTable {
        /// The table name.
        table: String,
        /// What is wrong.
        problem: &'static str,
    },
}

/// A SQLite database file, its header checked; borrows the file's bytes.
#[derive(Debug, Clone)]
pub struct Database<'a> {
    bytes: &'a [u8],
    page_size: usize,
    usable_size: usize,
    page_count: u32,
}

impl<'a> Database<'a> {
    /// Checks the database header (§1.3) of `bytes`, a whole database file.
    pub fn open(bytes: &'a [u8]) -> Result<Self, SqliteError> {
        if bytes.len() < HEADER_LEN {
            return Err(if bytes.len() >= MAGIC.len() && !bytes.starts_with(MAGIC) {
                SqliteError::NotSqlite
            } else {
                SqliteError::Truncated {
                    needed: HEADER_LEN,
                    len: bytes.len(),
                }
            });
        }
        if !bytes.starts_with(MAGIC) {
            return Err(SqliteError::NotSqlite);
        }
        let raw_page_size = u32::from(be_u16(bytes, 16).unwrap_or(0));
        let page_size = match raw_page_size {
            1 => 65536,
            n if (512..=32768).contains(&n) && n.is_power_of_two() => n as usize,
            n => return Err(SqliteError::BadPageSize(n)),
        };
        let read_version = bytes[19];
        if !(1..=2).contains(&read_version) {
            return Err(SqliteError::UnsupportedReadVersion(read_version));
        }
        let reserved = bytes[20];
        let usable_size = page_size - usize::from(reserved);
        if usable_size < MIN_USABLE_SIZE {
            return Err(SqliteError::BadReservedBytes {
                reserved,
                page_size,
            });
        }
        let fractions = [bytes[21], bytes[22], bytes[23]];
        if fractions != [64, 32, 32] {
            return Err(SqliteError::BadPayloadFractions(fractions));
        }
        let schema_format = be_u32(bytes, 44).unwrap_or(0);
        if schema_format > 4 {
            return Err(SqliteError::UnsupportedSchemaFormat(schema_format));
        }
        // 0 is what a database without any schema yet says; its text would be UTF-8.
        let encoding = be_u32(bytes, 56).unwrap_or(0);
        if encoding > 1 {
            return Err(SqliteError::UnsupportedTextEncoding(encoding));
        }
        let file_pages = u32::try_from(bytes.len() / page_size).unwrap_or(u32::MAX);
        if file_pages == 0 {
            return Err(SqliteError::Truncated {
                needed: page_size,
                len: bytes.len(),
            });
        }
        // §1.3.9: the in-header size counts only when nonzero and written by a version that
        // kept it (the change counter equals the version-valid-for number); else the file's
        // length says. More pages than the file holds is corruption, as SQLite treats it.
        let header_pages = be_u32(bytes, 28).unwrap_or(0);
        let page_count = if header_pages != 0 && bytes[24..28] == bytes[92..96] {
            if header_pages > file_pages {
                return Err(SqliteError::PageCountBeyondFile {
                    header_pages,
                    file_pages,
                });
            }
            header_pages
        } else {
            file_pages
        };
        Ok(Database {
            bytes,
            page_size,
            usable_size,
            page_count,
        })
    }

    /// The page size in bytes (512 to 65536).
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// The bytes of each page that hold data (the page size less the reserved bytes).
    pub fn usable_size(&self) -> usize {
        self.usable_size
    }

    /// The number of pages.
    pub fn page_count(&self) -> u32 {
        self.page_count
    }

    /// The usable bytes of page `page` (1-based).
    fn page(&self, page: u64) -> Result<&'a [u8], SqliteError> {
        let out_of_range = SqliteError::PageOutOfRange {
            page,
            page_count: self.page_count,
        };
        if page == 0 || page > u64::from(self.page_count) {
            return Err(out_of_range);
        }
        let start = usize::try_from(page - 1)
            .ok()
            .and_then(|index| index.checked_mul(self.page_size))
            .ok_or(out_of_range.clone())?;
        self.bytes
            .get(start..start + self.usable_size)
            .ok_or(out_of_range)
    }
}

pub(crate) fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let raw = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([raw[0], raw[1]]))
}

pub(crate) fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]))
}
