//! The instance's log file: `LogStorage::open` never panics on any file content after the
//! header (or instead of it), and never allocates past its bounds; it either refuses the file
//! with a typed error or opens a log whose every entry reads back and proves.
//!
//! Input: one selector byte, then the file's bytes. Selector bit 0 clear: the bytes follow a
//! valid header; set: they are the whole file. Bit 1 picks a small `max_batch_bytes` (512), so
//! that damage beyond one batch is refused rather than cut. The file lives at a fixed path
//! under `/dev/shm` (or the temporary directory) per process, rewritten for each input.
//! Seeds (`seed.py` cannot write records; see `regressions/log_file/`): logs written by
//! `LogStorage` itself.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigchain_core::tlog::merkle::{hash_leaf, verify_inclusion};
use sigchain_instance::log::{LogStorage, StorageConfig, StorageError};

const MAGIC: &[u8; 16] = b"sigchain-log-v1\n";

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("sigchain-fuzz-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("fuzz directory");
        dir.join("log")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let mut file = Vec::with_capacity(MAGIC.len() + bytes.len());
    if selector & 1 == 0 {
        file.extend_from_slice(MAGIC);
    }
    file.extend_from_slice(bytes);
    let path = path();
    std::fs::write(path, &file).expect("write the log file");
    let config = if selector & 2 != 0 {
        StorageConfig {
            max_batch_bytes: 512,
            ..StorageConfig::DEFAULT
        }
    } else {
        StorageConfig::DEFAULT
    };
    match LogStorage::open(path, config) {
        Ok(log) => {
            let size = log.tree_size();
            let on_disk = std::fs::read(path).expect("read the log file");
            // Only a tail is ever cut, and never the header.
            assert!(on_disk.len() <= file.len().max(MAGIC.len()));
            assert_eq!(&on_disk[..MAGIC.len()], MAGIC);
            if selector & 1 == 0 {
                assert_eq!(on_disk[..], file[..on_disk.len()]);
            }
            let root = log.root(size).expect("the root of the whole tree");
            for index in 0..size.min(64) {
                let leaf = log.leaf(index).expect("a durable entry reads back");
                let proof = log.inclusion_proof(index, size).expect("a proof");
                verify_inclusion(index, size, &hash_leaf(&leaf.data), &proof, &root)
                    .expect("the entry proves");
            }
            assert!(log.leaf(size).is_err());
        }
        Err(StorageError::NotALogFile { .. } | StorageError::DamagedLog { .. }) => {}
        Err(other) => panic!("unexpected error: {other}"),
    }
});
