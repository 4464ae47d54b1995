//! The TUF client against repositories served on 127.0.0.1: the real public-good repository
//! (`../shared/tuf/`) and repositories built by python-tuf for each attack.

mod python;
mod real;
mod server;

use std::collections::BTreeMap;
use std::path::Path;

use sigchain_core::time::Timestamp;

/// The reference time the real repository's metadata was all valid at.
pub fn reference_time() -> Timestamp {
    Timestamp::parse_rfc3339("2026-08-22T00:00:00Z").unwrap()
}

/// Every file under `dir` with its bytes, to show a failed update changed nothing.
pub fn snapshot_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() {
                out.insert(
                    entry.file_name().to_string_lossy().into_owned(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}
