//! Walking a table B-tree (fileformat2 §1.6) and assembling each row's payload from its leaf
//! cell and overflow chain (§1.7), with every page visited at most once.

use std::borrow::Cow;

use super::record::{read_varint, Record, Value};
use super::{be_u16, be_u32, Database, SqliteError, MAX_TREE_DEPTH};

const INTERIOR_TABLE: u8 = 0x05;
const LEAF_TABLE: u8 = 0x0d;

/// One row of a table: its rowid and its record's values.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    rowid: i64,
    payload: Cow<'a, [u8]>,
    record: Record,
}

impl Row<'_> {
    /// The rowid (for a table with an `INTEGER PRIMARY KEY` column, that column's value,
    /// which the record itself stores as NULL).
    pub fn rowid(&self) -> i64 {
        self.rowid
    }

    /// The number of values the record holds (columns added later by `ALTER TABLE` may be
    /// missing from old rows).
    pub fn value_count(&self) -> usize {
        self.record.len()
    }

    /// The value of column `column` (0-based, in `CREATE TABLE` order); NULL for a column the
    /// record does not hold.
    pub fn value(&self, column: usize) -> Result<Value<'_>, SqliteError> {
        self.record.value(&self.payload, column, self.rowid)
    }
}

/// The rows of one table in rowid order, from [`Database::rows`].
///
/// A row or subtree that cannot be read is an `Err` item; the walk then goes on with the
/// rest of the tree. The walk ends: each page is visited at most once.
#[derive(Debug)]
pub struct Rows<'d, 'a> {
    db: &'d Database<'a>,
    visited: Visited,
    /// Pages still to visit, the next on top, each with its depth (the root is 1).
    stack: Vec<(u32, usize)>,
    leaf: Option<Leaf<'a>>,
}

#[derive(Debug)]
struct Leaf<'a> {
    number: u32,
    page: &'a [u8],
    cell_pointers: usize,
    cell_count: usize,
    next: usize,
    /// Bytes of the page not yet claimed by a cell. Cells may not share bytes, so every
    /// cell's size is taken from this; cell pointers repeated to make one page yield its
    /// bytes many times (work quadratic in the page size) run out of it.
    unclaimed: usize,
}

impl<'d, 'a> Rows<'d, 'a> {
    pub(super) fn new(db: &'d Database<'a>, root_page: u32) -> Self {
        let mut visited = Visited::new(db.page_count);
        if (1..=db.page_count).contains(&root_page) {
            // Freshly made, so this cannot fail; an out-of-range root fails when visited.
            let _ = visited.insert(root_page);
        }
        Rows {
            db,
            visited,
            stack: vec![(root_page, 1)],
            leaf: None,
        }
    }

    /// Reads page `number`'s B-tree header: a leaf becomes the current leaf, an interior
    /// page's children go on the stack (left-most on top).
    ///
    /// A page is marked visited when it is put on the stack, so the stack never holds more
    /// entries than the database has pages, whatever the interior cells repeat. A child out of
    /// range or already reached is left out; the first such is this page's error, returned
    /// once the other children are on the stack.
    fn visit(&mut self, number: u32, depth: usize) -> Result<(), SqliteError> {
        if depth > MAX_TREE_DEPTH {
            return Err(SqliteError::TreeTooDeep { page: number });
        }
        let page = self.db.page(u64::from(number))?;
        // Page 1 starts with the 100-byte database header; cell offsets still count from the
        // page's first byte.
        let header = if number == 1 { 100 } else { 0 };
        let out = |what| SqliteError::OutOfPage { page: number, what };
        let page_type = *page.get(header).ok_or(out("page header"))?;
        let cell_count = usize::from(be_u16(page, header + 3).ok_or(out("page header"))?);
        let header_len = match page_type {
            INTERIOR_TABLE => 12,
            LEAF_TABLE => 8,
            _ => {
                return Err(SqliteError::NotATablePage {
                    page: number,
                    page_type,
                })
            }
        };
        let cell_pointers = header + header_len;
        if cell_pointers + 2 * cell_count > page.len() {
            return Err(out("cell pointer array"));
        }
        if page_type == LEAF_TABLE {
            self.leaf = Some(Leaf {
                number,
                page,
                cell_pointers,
                cell_count,
                next: 0,
                unclaimed: page.len() - (cell_pointers + 2 * cell_count),
            });
            return Ok(());
        }
        let right_most = be_u32(page, header + 8).ok_or(out("page header"))?;
        let mut children = Vec::with_capacity(cell_count + 1);
        for i in 0..cell_count {
            let cell = cell_offset(page, cell_pointers, i).ok_or(out("cell pointer"))?;
            children.push(be_u32(page, cell).ok_or(out("interior cell"))?);
        }
        children.push(right_most);
        let mut first_error = None;
        for child in children.into_iter().rev() {
            let reached = if child == 0 || child > self.db.page_count {
                Err(SqliteError::PageOutOfRange {
                    page: child.into(),
                    page_count: self.db.page_count,
                })
            } else {
                self.visited.insert(child)
            };
            match reached {
                Ok(()) => self.stack.push((child, depth + 1)),
                // Children are taken right to left: the last error is the left-most.
                Err(error) => first_error = Some(error),
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Reads cell `index` of a leaf: rowid and payload, following the overflow chain.
    fn leaf_row(&mut self, leaf: &mut Leaf<'a>, index: usize) -> Result<Row<'a>, SqliteError> {
        let (page, number) = (leaf.page, leaf.number);
        let out = |what| SqliteError::OutOfPage { page: number, what };
        let cell = cell_offset(page, leaf.cell_pointers, index).ok_or(out("cell pointer"))?;
        let (declared, size_len) = page.get(cell..).and_then(read_varint).ok_or(out("cell"))?;
        let (rowid, rowid_len) = page
            .get(cell + size_len..)
            .and_then(read_varint)
            .ok_or(out("cell"))?;
        // Rowids are 64-bit two's complement; the varint holds the same bits.
        let rowid = rowid as i64;
        let local_start = cell + size_len + rowid_len;
        let usable = self.db.usable_size as u64;
        let local = local_payload(declared, usable);
        // A payload larger than every page of the file could carry is a lie; checked before
        // anything is read so the copy below stays bounded by the file.
        let most = local + u64::from(self.db.page_count) * (usable - 4);
        if declared > most {
            return Err(SqliteError::PayloadSize {
                rowid,
                declared,
                problem: "is larger than the database could hold",
            });
        }
        let local = local as usize;
        let local_bytes = page
            .get(local_start..local_start + local)
            .ok_or(out("cell payload"))?;
        let overflows = declared > local as u64;
        let cell_len = local_start - cell + local + if overflows { 4 } else { 0 };
        leaf.unclaimed = leaf
            .unclaimed
            .checked_sub(cell_len)
            .ok_or(out("cells together larger than the page"))?;
        if !overflows {
            let record = Record::parse(local_bytes, rowid)?;
            return Ok(Row {
                rowid,
                payload: Cow::Borrowed(local_bytes),
                record,
            });
        }
        let mut next = be_u32(page, local_start + local).ok_or(out("overflow page number"))?;
        let declared_len = declared as usize;
        let mut payload = Vec::with_capacity(local);
        payload.extend_from_slice(local_bytes);
        while payload.len() < declared_len {
            if next == 0 {
                return Err(SqliteError::PayloadSize {
                    rowid,
                    declared,
                    problem: "is longer than its overflow chain",
                });
            }
            let overflow = self.db.page(u64::from(next))?;
            self.visited.insert(next)?;
            let take = (declared_len - payload.len()).min(overflow.len() - 4);
            let content = overflow.get(4..4 + take).ok_or(SqliteError::OutOfPage {
                page: next,
                what: "overflow content",
            })?;
            payload.extend_from_slice(content);
            next = be_u32(overflow, 0).unwrap_or(0);
        }
        let record = Record::parse(&payload, rowid)?;
        Ok(Row {
            rowid,
            payload: Cow::Owned(payload),
            record,
        })
    }
}

impl<'a> Iterator for Rows<'_, 'a> {
    type Item = Result<Row<'a>, SqliteError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(mut leaf) = self.leaf.take() {
                if leaf.next < leaf.cell_count {
                    let index = leaf.next;
                    leaf.next += 1;
                    let row = self.leaf_row(&mut leaf, index);
                    self.leaf = Some(leaf);
                    return Some(row);
                }
            }
            let (page, depth) = self.stack.pop()?;
            if let Err(error) = self.visit(page, depth) {
                return Some(Err(error));
            }
        }
    }
}

/// The offset of cell `index` from the page's cell pointer array (checked in range by the
/// caller), if it points inside the page.
fn cell_offset(page: &[u8], cell_pointers: usize, index: usize) -> Option<usize> {
    let offset = usize::from(be_u16(page, cell_pointers + 2 * index)?);
    (offset < page.len()).then_some(offset)
}

/// How many of a table leaf cell's `payload` bytes are stored on the page (§1.6: X = U-35,
/// M = ((U-12)*32/255)-23, K = M+((P-M) % (U-4)); local is P, K or M).
fn local_payload(payload: u64, usable: u64) -> u64 {
    let max_local = usable - 35;
    if payload <= max_local {
        return payload;
    }
    let min_local = (usable - 12) * 32 / 255 - 23;
    let k = min_local + (payload - min_local) % (usable - 4);
    if k <= max_local {
        k
    } else {
        min_local
    }
}

/// The pages a walk has visited, one bit each.
#[derive(Debug)]
struct Visited(Vec<u64>);

impl Visited {
    fn new(page_count: u32) -> Self {
        Visited(vec![0; page_count as usize / 64 + 1])
    }

    /// Marks `page` visited; an error if it already was (page numbers are checked in range
    /// before this).
    fn insert(&mut self, page: u32) -> Result<(), SqliteError> {
        let (word, bit) = (page as usize / 64, page % 64);
        let slot = self
            .0
            .get_mut(word)
            .ok_or(SqliteError::PageVisitedTwice { page })?;
        if *slot & (1 << bit) != 0 {
            return Err(SqliteError::PageVisitedTwice { page });
        }
        *slot |= 1 << bit;
        Ok(())
    }
}
