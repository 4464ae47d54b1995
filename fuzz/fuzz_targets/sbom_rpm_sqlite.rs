//! sqlite rpmdb: the SQLite reader and the rpm cataloger on arbitrary database files never
//! panic or loop; what a walk yields is never more than the file; every package listed has a
//! name and a version, and a broken file gives a bounded number of warnings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigchain_sbom::catalog::rpm::{RpmCataloger, MAX_ROW_WARNINGS};
use sigchain_sbom::model::Cataloger;
use sigchain_sbom::sqlite::{Database, Value};

fuzz_target!(|data: &[u8]| {
    if let Ok(db) = Database::open(data) {
        assert!((512..=65536).contains(&db.page_size()));
        assert!(db.usable_size() >= 480 && db.usable_size() <= db.page_size());
        if let Ok(table) = db.table("Packages") {
            assert!((1..=db.page_count()).contains(&table.root_page()));
            let mut read = 0;
            for row in db.rows(&table).flatten() {
                for column in 0..=row.value_count() {
                    match row.value(column) {
                        Ok(Value::Blob(value)) => read += value.len(),
                        Ok(Value::Text(value)) => read += value.len(),
                        _ => {}
                    }
                }
            }
            assert!(read <= data.len());
        }
    }
    let found = RpmCataloger.catalog("var/lib/rpm/rpmdb.sqlite", data);
    assert!(found.warnings.len() <= MAX_ROW_WARNINGS + 1);
    for package in &found.packages {
        assert!(!package.name.is_empty() && !package.version.is_empty());
    }
});
