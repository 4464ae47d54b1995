//! The reader on real rpm databases (made by rpm 4.18 and the sqlite3 shell; see
//! `tests/data/rpm/make-fixtures.sh`) and on copies broken in one place each.

use super::*;
use proptest::prelude::*;

const SMALL: &[u8] = include_bytes!("../../tests/data/rpm/small.rpmdb.sqlite");
const MANY: &[u8] = include_bytes!("../../tests/data/rpm/many.rpmdb.sqlite");
const SMALL_512: &[u8] = include_bytes!("../../tests/data/rpm/small-512.rpmdb.sqlite");

/// The Packages table's root page in every fixture (an interior page: see `sqlite3 FILE
/// "select * from dbstat where name='Packages'"`).
const ROOT: u32 = 2;
/// In SMALL: the leaf holding row 3 (`bigdocs`, 129356 bytes), and its first overflow page.
const BIGDOCS_LEAF: u32 = 86;
const BIGDOCS_OVERFLOW: u32 = 55;
/// In MANY: the first leaf (rows 1 and 2, each stored whole on the page).
const MANY_FIRST_LEAF: u32 = 53;

type Item = Result<(i64, Vec<u8>), SqliteError>;

/// Every item of the Packages table: (rowid, blob) or the error in its place.
fn packages(bytes: &[u8]) -> Result<Vec<Item>, SqliteError> {
    let db = Database::open(bytes)?;
    let table = db.table("Packages")?;
    let blob = table.column("blob").expect("blob column");
    Ok(db
        .rows(&table)
        .map(|row| {
            let row = row?;
            match row.value(blob)? {
                Value::Blob(bytes) => Ok((row.rowid(), bytes.to_vec())),
                other => panic!("row {} holds {other:?}", row.rowid()),
            }
        })
        .collect())
}

fn good_rowids(items: &[Item]) -> Vec<i64> {
    items
        .iter()
        .filter_map(|item| item.as_ref().ok().map(|(rowid, _)| *rowid))
        .collect()
}

fn errors(items: &[Item]) -> Vec<SqliteError> {
    items
        .iter()
        .filter_map(|item| item.as_ref().err().cloned())
        .collect()
}

/// The file offset of page `page` of a database with `page_size`-byte pages.
fn at(page_size: usize, page: u32) -> usize {
    (page as usize - 1) * page_size
}

fn put_u32(bytes: &mut [u8], offset: usize, value: u32) {
    bytes[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
}

/// The file offset of cell `index` on page `page` (not page 1) of a 4096-byte-page database.
fn cell(bytes: &[u8], page: u32, index: usize) -> usize {
    let start = at(4096, page);
    let header = if bytes[start] == 0x05 { 12 } else { 8 };
    let pointer = start + header + 2 * index;
    start + usize::from(u16::from_be_bytes([bytes[pointer], bytes[pointer + 1]]))
}

fn varint3(value: u32) -> [u8; 3] {
    assert!(value < 1 << 21);
    [
        0x80 | (value >> 14) as u8,
        0x80 | ((value >> 7) & 0x7f) as u8,
        (value & 0x7f) as u8,
    ]
}

#[test]
fn reads_the_fixtures() {
    let small = packages(SMALL).unwrap();
    assert_eq!(good_rowids(&small), [1, 2, 3]);
    let lengths: Vec<usize> = small.iter().map(|i| i.as_ref().unwrap().1.len()).collect();
    assert_eq!(lengths, [1900, 2240, 129356]);

    let many = packages(MANY).unwrap();
    assert_eq!(good_rowids(&many), (1..=60).collect::<Vec<_>>());

    // The same rows, copied into 512-byte pages with 12 reserved bytes each.
    let db = Database::open(SMALL_512).unwrap();
    assert_eq!((db.page_size(), db.usable_size()), (512, 500));
    assert_eq!(packages(SMALL_512).unwrap(), small);
}

#[test]
fn the_schema_gives_root_page_and_columns() {
    let db = Database::open(SMALL).unwrap();
    let table = db.table("packages").unwrap();
    assert_eq!(table.name(), "Packages");
    assert_eq!(table.root_page(), ROOT);
    assert_eq!(table.columns(), ["hnum", "blob"]);
    assert!(table.sql().contains("blob BLOB NOT NULL"));
    assert_eq!(
        db.table("Nope").unwrap_err(),
        SqliteError::NoSuchTable("Nope".into())
    );
    // An index of that name is not a table.
    assert!(matches!(
        db.table("Name_key_idx"),
        Err(SqliteError::NoSuchTable(_))
    ));
}

#[test]
fn truncated_files_are_refused() {
    for len in [0, 15, 50, 99] {
        assert_eq!(
            Database::open(&SMALL[..len]).unwrap_err(),
            SqliteError::Truncated { needed: 100, len },
            "{len}"
        );
    }
    assert_eq!(
        Database::open(&SMALL[..4000]).unwrap_err(),
        SqliteError::Truncated {
            needed: 4096,
            len: 4000
        }
    );
    assert_eq!(
        Database::open(&SMALL[..10 * 4096 + 7]).unwrap_err(),
        SqliteError::PageCountBeyondFile {
            header_pages: 96,
            file_pages: 10
        }
    );
    // Without a valid page count in the header the file's length says, and pages past it are
    // out of range.
    let mut stale = SMALL[..60 * 4096].to_vec();
    put_u32(&mut stale, 92, 0);
    let items = packages(&stale).unwrap();
    assert_eq!(good_rowids(&items), [1, 2]);
    assert!(matches!(
        errors(&items)[..],
        [SqliteError::PageOutOfRange {
            page: 86,
            page_count: 60
        }]
    ));
}

#[test]
fn header_fields_are_checked() {
    assert_eq!(
        Database::open(&[b'x'; 200]).unwrap_err(),
        SqliteError::NotSqlite
    );
    let with = |offset: usize, value: &[u8]| {
        let mut bytes = SMALL.to_vec();
        bytes[offset..offset + value.len()].copy_from_slice(value);
        Database::open(&bytes).map(|db| db.page_size())
    };
    for raw in [0u16, 256, 1000, 4095, 0xffff] {
        assert_eq!(
            with(16, &raw.to_be_bytes()),
            Err(SqliteError::BadPageSize(raw.into()))
        );
    }
    // 1 stands for 65536; the file then holds 6 pages, not the header's 96.
    assert_eq!(
        with(16, &[0, 1]),
        Err(SqliteError::PageCountBeyondFile {
            header_pages: 96,
            file_pages: 6
        })
    );
    assert_eq!(with(19, &[3]), Err(SqliteError::UnsupportedReadVersion(3)));
    assert_eq!(
        with(21, &[64, 32, 33]),
        Err(SqliteError::BadPayloadFractions([64, 32, 33]))
    );
    assert_eq!(
        with(44, &5u32.to_be_bytes()),
        Err(SqliteError::UnsupportedSchemaFormat(5))
    );
    for encoding in [2u32, 3, 7] {
        assert_eq!(
            with(56, &encoding.to_be_bytes()),
            Err(SqliteError::UnsupportedTextEncoding(encoding))
        );
    }
    let mut reserved = SMALL_512.to_vec();
    reserved[20] = 33;
    assert_eq!(
        Database::open(&reserved).unwrap_err(),
        SqliteError::BadReservedBytes {
            reserved: 33,
            page_size: 512
        }
    );
}

#[test]
fn a_child_page_out_of_range_loses_only_its_subtree() {
    let mut bytes = SMALL.to_vec();
    put_u32(&mut bytes, at(4096, ROOT) + 8, 10_000);
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), [1, 2]);
    assert_eq!(
        errors(&items),
        [SqliteError::PageOutOfRange {
            page: 10_000,
            page_count: 96
        }]
    );
    put_u32(&mut bytes, at(4096, ROOT) + 8, 0);
    assert!(matches!(
        errors(&packages(&bytes).unwrap())[..],
        [SqliteError::PageOutOfRange { page: 0, .. }]
    ));
}

#[test]
fn a_btree_cycle_is_an_error_not_a_loop() {
    let mut bytes = SMALL.to_vec();
    put_u32(&mut bytes, at(4096, ROOT) + 8, ROOT);
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), [1, 2]);
    assert_eq!(
        errors(&items),
        [SqliteError::PageVisitedTwice { page: ROOT }]
    );
}

#[test]
fn repeated_children_are_one_error_and_never_queued_twice() {
    // Every cell of MANY's root (29 of them, the first pointing at leaf 53) made to point at
    // leaf 53: one error for the page, the leaf read once, the right-most child still read.
    let mut bytes = MANY.to_vec();
    for index in 1..29 {
        let child = cell(MANY, ROOT, index);
        put_u32(&mut bytes, child, MANY_FIRST_LEAF);
    }
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), [1, 2, 59, 60]);
    assert_eq!(
        errors(&items),
        [SqliteError::PageVisitedTwice {
            page: MANY_FIRST_LEAF
        }]
    );
}

#[test]
fn an_overflow_cycle_is_an_error_not_a_loop() {
    let mut bytes = SMALL.to_vec();
    put_u32(&mut bytes, at(4096, BIGDOCS_OVERFLOW), BIGDOCS_OVERFLOW);
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), [1, 2]);
    assert_eq!(
        errors(&items),
        [SqliteError::PageVisitedTwice {
            page: BIGDOCS_OVERFLOW
        }]
    );
}

#[test]
fn a_tree_too_deep_is_refused() {
    // Pages 20..=45 of SMALL_512 (overflow pages of row 3) rewritten as a chain of empty
    // interior pages below the root.
    let mut bytes = SMALL_512.to_vec();
    put_u32(&mut bytes, at(512, ROOT) + 8, 20);
    for page in 20..=45u32 {
        let start = at(512, page);
        bytes[start..start + 12].copy_from_slice(&[0x05, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0]);
        put_u32(&mut bytes, start + 8, page + 1);
    }
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), [1, 2]);
    assert_eq!(
        errors(&items),
        [SqliteError::TreeTooDeep {
            page: 20 + MAX_TREE_DEPTH as u32 - 1
        }]
    );
}

#[test]
fn payload_sizes_that_lie_are_errors() {
    let cell = cell(SMALL, BIGDOCS_LEAF, 0);
    assert_eq!(&SMALL[cell..cell + 3], varint3(129356 + 5));
    // Far more than the file could hold.
    let mut bytes = SMALL.to_vec();
    bytes[cell..cell + 3].copy_from_slice(&varint3((1 << 21) - 1));
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), [1, 2]);
    assert_eq!(
        errors(&items),
        [SqliteError::PayloadSize {
            rowid: 3,
            declared: (1 << 21) - 1,
            problem: "is larger than the database could hold"
        }]
    );
    // One overflow page more than the chain has (the same bytes stay on the leaf).
    bytes[cell..cell + 3].copy_from_slice(&varint3(129356 + 5 + 4092));
    assert_eq!(
        errors(&packages(&bytes).unwrap()),
        [SqliteError::PayloadSize {
            rowid: 3,
            declared: 129356 + 5 + 4092,
            problem: "is longer than its overflow chain"
        }]
    );
}

#[test]
fn broken_cells_and_records_lose_only_their_row() {
    let first = cell(MANY, MANY_FIRST_LEAF, 0);
    // payload size (2 bytes), rowid (1), record header size (1), hnum's serial type.
    assert_eq!(MANY[first + 3..first + 5], [4, 0]);
    let mut bytes = MANY.to_vec();
    bytes[first + 4] = 10;
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), (2..=60).collect::<Vec<_>>());
    assert_eq!(
        errors(&items),
        [SqliteError::BadRecord {
            rowid: 1,
            problem: "reserved serial type 10 or 11"
        }]
    );

    let pointer = at(4096, MANY_FIRST_LEAF) + 8;
    let mut bytes = MANY.to_vec();
    bytes[pointer..pointer + 2].copy_from_slice(&[0xff, 0xff]);
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), (2..=60).collect::<Vec<_>>());
    assert_eq!(
        errors(&items),
        [SqliteError::OutOfPage {
            page: MANY_FIRST_LEAF,
            what: "cell pointer"
        }]
    );

    let mut bytes = MANY.to_vec();
    bytes[at(4096, MANY_FIRST_LEAF) + 3..][..2].copy_from_slice(&[0xff, 0xff]);
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), (3..=60).collect::<Vec<_>>());
    assert_eq!(
        errors(&items),
        [SqliteError::OutOfPage {
            page: MANY_FIRST_LEAF,
            what: "cell pointer array"
        }]
    );
}

#[test]
fn repeated_cell_pointers_cannot_make_a_page_yield_more_than_its_bytes() {
    // MANY's first leaf: two cells of ~1777 bytes each. Two more pointers to the first cell
    // (in the free space after the array) would read it twice more.
    let start = at(4096, MANY_FIRST_LEAF);
    let mut bytes = MANY.to_vec();
    let first_pointer = [bytes[start + 8], bytes[start + 9]];
    bytes[start + 3..start + 5].copy_from_slice(&4u16.to_be_bytes());
    bytes[start + 12..start + 14].copy_from_slice(&first_pointer);
    bytes[start + 14..start + 16].copy_from_slice(&first_pointer);
    let items = packages(&bytes).unwrap();
    assert_eq!(good_rowids(&items), (1..=60).collect::<Vec<_>>());
    let overrun = SqliteError::OutOfPage {
        page: MANY_FIRST_LEAF,
        what: "cells together larger than the page",
    };
    assert_eq!(errors(&items), [overrun.clone(), overrun]);
}

#[test]
fn a_child_that_is_not_a_table_page_is_an_error() {
    let mut bytes = SMALL.to_vec();
    let first_child = cell(SMALL, ROOT, 0);
    put_u32(&mut bytes, first_child, BIGDOCS_OVERFLOW);
    let items = packages(&bytes).unwrap();
    assert_eq!(
        errors(&items)[0],
        SqliteError::NotATablePage {
            page: BIGDOCS_OVERFLOW,
            page_type: 0
        }
    );
    assert_eq!(good_rowids(&items), [2]);
}

#[test]
fn schema_problems_are_errors() {
    // sqlite_schema's rows for the Packages table, as (type, name, tbl_name) text values
    // side by side; page 1 (an interior page here) also keeps a stale copy in its free space.
    let schema_rows: Vec<usize> = SMALL
        .windows(21)
        .enumerate()
        .filter(|(_, w)| *w == b"tablePackagesPackages")
        .map(|(at, _)| at)
        .collect();
    assert_eq!(schema_rows.len(), 2);
    let mut renamed = SMALL.to_vec();
    for at in &schema_rows {
        renamed[at + 12] = b'x';
    }
    assert_eq!(
        packages(&renamed).map(|items| items.len()),
        Err(SqliteError::NoSuchTable("Packages".into()))
    );
    // The root page, an int8 right after the names.
    let mut far_root = SMALL.to_vec();
    for at in &schema_rows {
        assert_eq!(SMALL[at + 21], ROOT as u8);
        far_root[at + 21] = 120;
    }
    assert_eq!(
        packages(&far_root).map(|items| items.len()),
        Err(SqliteError::PageOutOfRange {
            page: 120,
            page_count: 96
        })
    );
}

/// Walks everything a mutated database lets the reader reach; what it reads is never more
/// than the file (each page's bytes are read once).
fn walk_all(bytes: &[u8]) {
    let Ok(db) = Database::open(bytes) else {
        return;
    };
    let Ok(table) = db.table("Packages") else {
        return;
    };
    let mut read = 0;
    for row in db.rows(&table).flatten() {
        for column in 0..row.value_count() + 1 {
            match row.value(column) {
                Ok(Value::Blob(value)) => read += value.len(),
                Ok(Value::Text(value)) => read += value.len(),
                _ => {}
            }
        }
    }
    assert!(
        read <= bytes.len(),
        "{read} bytes read from {}",
        bytes.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn mutated_databases_never_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..24),
        keep in any::<Option<usize>>(),
        which in 0usize..3,
    ) {
        let mut bytes = [SMALL_512, MANY, SMALL][which].to_vec();
        for (at, byte) in flips {
            let len = bytes.len();
            // Most flips land in the first pages (header, schema, the tree's upper levels).
            let at = if at % 2 == 0 { at % 4096.min(len) } else { at % len };
            bytes[at] = byte;
        }
        if let Some(keep) = keep {
            bytes.truncate(keep % (bytes.len() + 1));
        }
        walk_all(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut bytes = SMALL_512[..100].to_vec();
        bytes.extend(tail);
        walk_all(&bytes);
    }
}
