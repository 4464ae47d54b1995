//! The tree against the RFC 6962 edge cases and the transparency-dev vectors.

use super::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sigchain_core::crypto::sha256;
use sigchain_core::tlog::merkle::{hash_leaf, verify_consistency, verify_inclusion};

#[test]
fn empty_and_one_leaf_trees() {
    let mut tree = MerkleTree::new();
    assert_eq!(tree.size(), 0);
    // RFC 6962 §2.1: the hash of an empty list is the hash of an empty string.
    assert_eq!(tree.root(0).unwrap(), sha256(b""));
    assert!(matches!(
        tree.root(1),
        Err(StorageError::SizeBeyondTree {
            size: 1,
            tree_size: 0
        })
    ));
    assert!(tree.inclusion_proof(0, 0).is_err());
    assert!(tree.consistency_proof(0, 0).unwrap().is_empty());
    tree.push(hash_leaf(b""));
    // One leaf: the root is the leaf hash; the proof is empty.
    assert_eq!(tree.root(1).unwrap(), hash_leaf(b""));
    assert!(tree.inclusion_proof(0, 1).unwrap().is_empty());
    assert!(tree.consistency_proof(1, 1).unwrap().is_empty());
    assert!(matches!(
        tree.consistency_proof(0, 1),
        Err(StorageError::Tiles(TileError::EmptyOldTree { new_size: 1 }))
    ));
    assert!(matches!(
        tree.inclusion_proof(1, 1),
        Err(StorageError::Tiles(TileError::IndexOutOfRange { .. }))
    ));
    assert_eq!(tree.leaf_hash(0), Some(hash_leaf(b"")));
    assert_eq!(tree.leaf_hash(1), None);
}

#[test]
fn levels_hold_complete_subtrees_only() {
    let mut tree = MerkleTree::new();
    for i in 0u32..7 {
        tree.push(hash_leaf(&i.to_be_bytes()));
    }
    let count = |level: u8| {
        (0..8)
            .filter(|i| tree.node_hash(level, *i).is_some())
            .count()
    };
    assert_eq!([count(0), count(1), count(2), count(3)], [7, 3, 1, 0]);
    assert_eq!(
        tree.tile(TileId::new(0, 0, 7).unwrap())
            .unwrap()
            .hashes()
            .len(),
        7
    );
    assert!(matches!(
        tree.tile(TileId::new(0, 0, 8).unwrap()),
        Err(StorageError::Tiles(TileError::TileNotInTree {
            tree_size: 7,
            ..
        }))
    ));
    assert!(tree.tile(TileId::new(1, 0, 1).unwrap()).is_err());
}

// ---- the shared test vectors (transparency-dev/merkle testdata), read in place ----

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/merkle-vectors");

/// The leaves the vectors' tree was built from: RFC 6962's reference test inputs, as in
/// transparency-dev/merkle `testonly.LeafInputs()`.
const LEAVES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];

fn decode(v: &serde_json::Value) -> Option<Vec<u8>> {
    STANDARD.decode(v.as_str().unwrap_or("")).ok()
}

fn hashes(v: &serde_json::Value) -> Option<Vec<[u8; 32]>> {
    match v.as_array() {
        None => Some(Vec::new()),
        Some(items) => items.iter().map(|h| decode(h)?.try_into().ok()).collect(),
    }
}

fn json_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Every vector built on the reference tree (folders 0 to 4) is reproduced exactly when it
/// is a valid proof, and is never what the tree serves when it is a broken one.
#[test]
fn reproduces_the_shared_vectors() {
    let mut tree = MerkleTree::new();
    for leaf in LEAVES {
        tree.push(hash_leaf(leaf));
    }
    let mut files = Vec::new();
    for kind in ["inclusion", "consistency"] {
        for folder in ["0", "1", "2", "3", "4"] {
            json_files(
                &std::path::Path::new(VECTORS).join(kind).join(folder),
                &mut files,
            );
        }
    }
    files.sort();
    let (mut reproduced, mut refused) = (0, 0);
    for file in &files {
        let case: serde_json::Value =
            serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let int = |key: &str| case[key].as_u64().unwrap();
        let proof = hashes(&case["proof"]);
        let served = if case.get("leafIdx").is_some() {
            let (index, size) = (int("leafIdx"), int("treeSize"));
            let ours = tree
                .inclusion_proof(index, size)
                .ok()
                .map(|p| (p, tree.root(size).unwrap(), tree.leaf_hash(index).unwrap()));
            let theirs = proof.map(|p| (p, decode(&case["root"]), decode(&case["leafHash"])));
            match (ours, theirs) {
                (Some((p, root, leaf)), Some((q, r, l))) => {
                    p == q && Some(root.to_vec()) == r && Some(leaf.to_vec()) == l
                }
                _ => false,
            }
        } else {
            let (size1, size2) = (int("size1"), int("size2"));
            let ours = tree
                .consistency_proof(size1, size2)
                .ok()
                .map(|p| (p, tree.root(size1).unwrap(), tree.root(size2).unwrap()));
            let theirs = proof.map(|p| (p, decode(&case["root1"]), decode(&case["root2"])));
            match (ours, theirs) {
                (Some((p, r1, r2)), Some((q, s1, s2))) => {
                    p == q && Some(r1.to_vec()) == s1 && Some(r2.to_vec()) == s2
                }
                _ => false,
            }
        };
        let want_err = case["wantErr"].as_bool().unwrap();
        assert_eq!(served, !want_err, "{}: {}", file.display(), case["desc"]);
        if served {
            reproduced += 1;
        } else {
            refused += 1;
        }
    }
    assert_eq!(reproduced, 10, "the happy paths of folders 0 to 4");
    assert!(refused > 150, "{refused}");
}

#[test]
fn known_roots_of_the_reference_tree() {
    // transparency-dev/merkle testonly.RootHashes(): the roots of sizes 1 to 8.
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let mut tree = MerkleTree::new();
    for (leaf, root) in LEAVES.iter().zip(roots) {
        tree.push(hash_leaf(leaf));
        let size = tree.size();
        assert_eq!(hex(&tree.root(size).unwrap()), root, "size {size}");
        for index in 0..size {
            let proof = tree.inclusion_proof(index, size).unwrap();
            let leaf = tree.leaf_hash(index).unwrap();
            verify_inclusion(index, size, &leaf, &proof, &tree.root(size).unwrap()).unwrap();
        }
        for old in 1..=size {
            let proof = tree.consistency_proof(old, size).unwrap();
            let (r1, r2) = (tree.root(old).unwrap(), tree.root(size).unwrap());
            verify_consistency(old, size, &r1, &r2, &proof).unwrap();
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
