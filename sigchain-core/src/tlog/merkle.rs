//! RFC 6962 / RFC 9162 Merkle tree hashing and proof verification (SHA-256).
//!
//! Every proof must have exactly the length its `(index, size)` pair calls for: a proof with
//! extra or missing hashes is rejected before any hashing, so padding tricks (extra hashes a
//! lenient verifier would skip) cannot make a proof "verify". Since tree sizes are `u64`, an
//! exact-length proof never holds more than 64 hashes, which is
//! [`Limits::max_proof_hashes`](crate::limits::Limits::max_proof_hashes) by default; bundle
//! parsing bounds the hash list before it reaches this module.

use sha2::{Digest as _, Sha256};

use crate::crypto::Sha256Digest;

/// Why a Merkle proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The leaf index is not inside the tree (this also covers an empty tree).
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The proof does not have the number of hashes the tree shape requires.
    #[error("proof has {got} hashes, the tree shape requires {expected}")]
    ProofLength {
        /// Hashes the shape requires.
        expected: usize,
        /// Hashes supplied.
        got: usize,
    },
    /// The proof leads to a different root than the one the log committed to.
    #[error("inclusion proof gives root {computed}, expected {expected}")]
    RootMismatch {
        /// The root the caller trusts (e.g. from a verified checkpoint).
        expected: Sha256Digest,
        /// The root computed from the leaf and proof.
        computed: Sha256Digest,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("consistency proof from size {size1} to smaller size {size2}")]
    SizesReversed {
        /// The older tree size.
        size1: u64,
        /// The newer tree size.
        size2: u64,
    },
    /// Consistency with an empty tree proves nothing (RFC 9162 §2.1.4 needs `0 < size1`).
    #[error("consistency from an empty tree to size {size2} proves nothing")]
    EmptyOldTree {
        /// The newer tree size.
        size2: u64,
    },
    /// The consistency proof does not reproduce the older root.
    #[error("consistency proof gives old root {computed}, expected {expected}")]
    OldRootMismatch {
        /// The older root supplied.
        expected: Sha256Digest,
        /// The older root computed from the proof.
        computed: Sha256Digest,
    },
    /// The consistency proof does not reproduce the newer root.
    #[error("consistency proof gives new root {computed}, expected {expected}")]
    NewRootMismatch {
        /// The newer root supplied.
        expected: Sha256Digest,
        /// The newer root computed from the proof.
        computed: Sha256Digest,
    },
}

/// The RFC 6962 leaf hash: `SHA-256(0x00 || data)`.
pub fn hash_leaf(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// The RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn hash_children(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Number of bits needed to write `x` (0 for 0).
fn bit_len(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

/// Split an inclusion proof for `index` in a tree of `size` leaves into its inner part (the
/// hashes below the point where the paths to `index` and to the last leaf diverge) and its
/// border part (the hashes along the right border). Requires `index < size`.
fn inclusion_shape(index: u64, size: u64) -> (u32, u32) {
    let inner = bit_len(index ^ (size - 1));
    let border = (index.checked_shr(inner).unwrap_or(0)).count_ones();
    (inner, border)
}

/// Compute the root that an inclusion proof implies (RFC 9162 §2.1.3.2).
///
/// ```
/// use sigchain_core::tlog::merkle::{hash_children, hash_leaf, root_from_inclusion_proof};
/// let (a, b) = (hash_leaf(b"a"), hash_leaf(b"b"));
/// let root = hash_children(&a, &b);
/// assert_eq!(root_from_inclusion_proof(1, 2, &b, &[a]).unwrap(), root);
/// ```
pub fn root_from_inclusion_proof(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &[u8; 32],
    proof: &[[u8; 32]],
) -> Result<[u8; 32], MerkleError> {
    if leaf_index >= tree_size {
        return Err(MerkleError::IndexOutOfRange {
            index: leaf_index,
            size: tree_size,
        });
    }
    let (inner, border) = inclusion_shape(leaf_index, tree_size);
    let expected = (inner + border) as usize;
    if proof.len() != expected {
        return Err(MerkleError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    let mut node = leaf_index;
    let mut last = tree_size - 1;
    let mut root = *leaf_hash;
    for sibling in proof {
        if node & 1 == 1 || node == last {
            root = hash_children(sibling, &root);
            // A node that is the rightmost of its level but a left child climbs without a
            // sibling until it becomes a right child.
            if node & 1 == 0 {
                while node & 1 == 0 && node != 0 {
                    node >>= 1;
                    last >>= 1;
                }
            }
        } else {
            root = hash_children(&root, sibling);
        }
        node >>= 1;
        last >>= 1;
    }
    // The exact-length check makes this unreachable for well-formed input; keep the RFC's
    // final condition anyway so a future change to the shape math cannot weaken the check.
    if last != 0 {
        return Err(MerkleError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    Ok(root)
}

/// Verify that `leaf_hash` sits at `leaf_index` in the tree of `tree_size` leaves whose root
/// is `expected_root`.
pub fn verify_inclusion(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &[u8; 32],
    proof: &[[u8; 32]],
    expected_root: &[u8; 32],
) -> Result<(), MerkleError> {
    let computed = root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, proof)?;
    if &computed != expected_root {
        return Err(MerkleError::RootMismatch {
            expected: Sha256Digest(*expected_root),
            computed: Sha256Digest(computed),
        });
    }
    Ok(())
}

/// Verify that the tree of `size2` leaves with root `root2` extends the tree of `size1`
/// leaves with root `root1` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots; an empty old tree is rejected, since
/// every tree extends it and the "proof" would vouch for nothing.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &[u8; 32],
    root2: &[u8; 32],
    proof: &[[u8; 32]],
) -> Result<(), MerkleError> {
    if size1 > size2 {
        return Err(MerkleError::SizesReversed { size1, size2 });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(MerkleError::ProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        if root1 != root2 {
            return Err(MerkleError::NewRootMismatch {
                expected: Sha256Digest(*root2),
                computed: Sha256Digest(*root1),
            });
        }
        return Ok(());
    }
    if size1 == 0 {
        return Err(MerkleError::EmptyOldTree { size2 });
    }

    // The old tree's last leaf, seen at the level where the old tree is a perfect subtree.
    let level = size1.trailing_zeros();
    let (inner, border) = inclusion_shape((size1 - 1) >> level, ((size2 - 1) >> level) + 1);
    let old_is_perfect = size1 == 1u64 << level;
    let expected = (inner + border) as usize + usize::from(!old_is_perfect);
    if proof.len() != expected {
        return Err(MerkleError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    // When the old tree is a perfect subtree its root is the proof's starting node, so the
    // proof omits it (RFC 9162: "if size1 is an exact power of 2, prepend first_hash").
    let (seed, rest) = if old_is_perfect {
        (*root1, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(MerkleError::ProofLength { expected, got: 0 }),
        }
    };
    let mut node = (size1 - 1) >> level;
    let mut last = (size2 - 1) >> level;
    let mut old_root = seed;
    let mut new_root = seed;
    for sibling in rest {
        if node & 1 == 1 || node == last {
            old_root = hash_children(sibling, &old_root);
            new_root = hash_children(sibling, &new_root);
            if node & 1 == 0 {
                while node & 1 == 0 && node != 0 {
                    node >>= 1;
                    last >>= 1;
                }
            }
        } else {
            new_root = hash_children(&new_root, sibling);
        }
        node >>= 1;
        last >>= 1;
    }
    if last != 0 {
        return Err(MerkleError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    if &old_root != root1 {
        return Err(MerkleError::OldRootMismatch {
            expected: Sha256Digest(*root1),
            computed: Sha256Digest(old_root),
        });
    }
    if &new_root != root2 {
        return Err(MerkleError::NewRootMismatch {
            expected: Sha256Digest(*root2),
            computed: Sha256Digest(new_root),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ---- a reference tree built the slow, obviously-correct way (RFC 9162 §2.1.1) ----

    fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => crate::crypto::sha256(b""),
            1 => leaves[0],
            n => {
                let k = split_point(n);
                hash_children(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn split_point(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    // RFC 9162 §2.1.3.1 PATH(m, D[n]).
    fn path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
        let n = leaves.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = split_point(n);
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    // RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b).
    fn subproof(m: usize, leaves: &[[u8; 32]], complete: bool) -> Vec<[u8; 32]> {
        let n = leaves.len();
        if m == n {
            return if complete {
                Vec::new()
            } else {
                vec![mth(leaves)]
            };
        }
        let k = split_point(n);
        if m <= k {
            let mut p = subproof(m, &leaves[..k], complete);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = subproof(m - k, &leaves[k..], false);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    fn leaves(n: usize) -> Vec<[u8; 32]> {
        (0..n)
            .map(|i| hash_leaf(&(i as u64).to_be_bytes()))
            .collect()
    }

    // ---- the shared test vectors (transparency-dev/merkle), read in place ----

    const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/merkle-vectors");

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

    fn b64(v: &serde_json::Value) -> Vec<u8> {
        crate::encoding::base64_decode(v.as_str().unwrap_or("")).unwrap()
    }

    /// A leaf hash or inclusion root: a value of the wrong length cannot be represented, so
    /// the caller decoding it rejects the case.
    fn node(v: &serde_json::Value) -> Option<[u8; 32]> {
        b64(v).try_into().ok()
    }

    /// A consistency root. Some vectors use short placeholder roots ("don't care 1") where
    /// only equality matters (two of them must verify: equal sizes, equal roots, no proof);
    /// a domain-separated hash gives a 32-byte stand-in that keeps equal values equal and
    /// unequal values unequal, and never collides with a real root.
    fn placeholder_root(v: &serde_json::Value) -> [u8; 32] {
        let bytes = b64(v);
        <[u8; 32]>::try_from(bytes.as_slice()).unwrap_or_else(|_| {
            crate::crypto::sha256(&[b"placeholder root:".as_slice(), &bytes].concat())
        })
    }

    /// Proof hashes of the wrong length cannot be represented: a caller decoding the bundle
    /// rejects them, so such a vector counts as rejected.
    fn proof(v: &serde_json::Value) -> Option<Vec<[u8; 32]>> {
        match v.as_array() {
            None => Some(Vec::new()),
            Some(items) => items.iter().map(|h| b64(h).try_into().ok()).collect(),
        }
    }

    #[test]
    fn shared_vectors() {
        let mut files = Vec::new();
        json_files(std::path::Path::new(VECTORS), &mut files);
        files.sort();
        let (mut inclusion, mut consistency) = (0, 0);
        for file in &files {
            let case: serde_json::Value =
                serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
            let want_err = case["wantErr"].as_bool().unwrap();
            let result = if case.get("leafIdx").is_some() {
                inclusion += 1;
                let inputs = (
                    proof(&case["proof"]),
                    node(&case["leafHash"]),
                    node(&case["root"]),
                );
                match inputs {
                    (Some(p), Some(leaf), Some(root)) => Some(verify_inclusion(
                        case["leafIdx"].as_u64().unwrap(),
                        case["treeSize"].as_u64().unwrap(),
                        &leaf,
                        &p,
                        &root,
                    )),
                    _ => None,
                }
            } else {
                consistency += 1;
                proof(&case["proof"]).map(|p| {
                    verify_consistency(
                        case["size1"].as_u64().unwrap(),
                        case["size2"].as_u64().unwrap(),
                        &placeholder_root(&case["root1"]),
                        &placeholder_root(&case["root2"]),
                        &p,
                    )
                })
            };
            let accepted = matches!(result, Some(Ok(())));
            assert_eq!(
                accepted,
                !want_err,
                "{}: {:?} ({})",
                file.display(),
                result,
                case["desc"]
            );
        }
        assert_eq!(files.len(), inclusion + consistency);
        assert!(
            inclusion > 50 && consistency > 50,
            "{inclusion} {consistency}"
        );
    }

    #[test]
    fn known_small_tree() {
        let l = leaves(3);
        let root = mth(&l);
        assert_eq!(root, hash_children(&hash_children(&l[0], &l[1]), &l[2]));
        verify_inclusion(2, 3, &l[2], &[hash_children(&l[0], &l[1])], &root).unwrap();
        verify_inclusion(0, 3, &l[0], &[l[1], l[2]], &root).unwrap();
    }

    #[test]
    fn rejects_shape_errors() {
        let l = leaves(4);
        let root = mth(&l);
        let p = path(1, &l);
        assert!(matches!(
            verify_inclusion(4, 4, &l[1], &p, &root),
            Err(MerkleError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            verify_inclusion(0, 0, &l[1], &[], &root),
            Err(MerkleError::IndexOutOfRange { .. })
        ));
        let mut long = p.clone();
        long.push(root);
        assert_eq!(
            verify_inclusion(1, 4, &l[1], &long, &root),
            Err(MerkleError::ProofLength {
                expected: 2,
                got: 3
            })
        );
        assert!(matches!(
            verify_inclusion(1, 4, &l[1], &p[..1], &root),
            Err(MerkleError::ProofLength { .. })
        ));
        // A proof for the right leaf checked against a size of another shape is rejected.
        assert!(matches!(
            verify_inclusion(1, 2, &l[1], &p, &root),
            Err(MerkleError::ProofLength {
                expected: 1,
                got: 2
            })
        ));
    }

    #[test]
    fn consistency_edge_cases() {
        let l = leaves(5);
        let (r3, r5) = (mth(&l[..3]), mth(&l));
        verify_consistency(3, 5, &r3, &r5, &subproof(3, &l, true)).unwrap();
        assert_eq!(
            verify_consistency(5, 3, &r5, &r3, &[]),
            Err(MerkleError::SizesReversed { size1: 5, size2: 3 })
        );
        assert_eq!(
            verify_consistency(0, 3, &r3, &r3, &[]),
            Err(MerkleError::EmptyOldTree { size2: 3 })
        );
        verify_consistency(3, 3, &r3, &r3, &[]).unwrap();
        assert!(verify_consistency(3, 3, &r3, &r5, &[]).is_err());
        assert!(verify_consistency(3, 3, &r3, &r3, &[r3]).is_err());
        assert!(matches!(
            verify_consistency(3, 5, &r5, &r5, &subproof(3, &l, true)),
            Err(MerkleError::OldRootMismatch { .. })
        ));
        assert!(matches!(
            verify_consistency(3, 5, &r3, &r3, &subproof(3, &l, true)),
            Err(MerkleError::NewRootMismatch { .. })
        ));
    }

    fn flip(hashes: &mut [[u8; 32]], bit: usize) {
        let n = hashes.len() * 256;
        let bit = bit % n;
        hashes[bit / 256][(bit % 256) / 8] ^= 1 << (bit % 8);
    }

    proptest! {
        #[test]
        fn inclusion_proofs_verify_and_bit_flips_fail(
            size in 1usize..200, index_seed in any::<usize>(), bit in any::<usize>(),
        ) {
            let l = leaves(size);
            let index = index_seed % size;
            let root = mth(&l);
            let p = path(index, &l);
            prop_assert_eq!(
                verify_inclusion(index as u64, size as u64, &l[index], &p, &root), Ok(()));
            // Flip one bit anywhere in proof, leaf or root: verification must fail.
            let mut all: Vec<[u8; 32]> = p.clone();
            all.push(l[index]);
            all.push(root);
            flip(&mut all, bit);
            let (root2, rest) = all.split_last().unwrap();
            let (leaf2, proof2) = rest.split_last().unwrap();
            prop_assert!(verify_inclusion(index as u64, size as u64, leaf2, proof2, root2).is_err());
        }

        #[test]
        fn consistency_proofs_verify_and_bit_flips_fail(
            size2 in 1usize..200, size1_seed in any::<usize>(), bit in any::<usize>(),
        ) {
            let l = leaves(size2);
            let size1 = 1 + size1_seed % size2;
            let (r1, r2) = (mth(&l[..size1]), mth(&l));
            let p = subproof(size1, &l, true);
            prop_assert_eq!(
                verify_consistency(size1 as u64, size2 as u64, &r1, &r2, &p), Ok(()));
            let mut all = p.clone();
            all.push(r1);
            all.push(r2);
            flip(&mut all, bit);
            let (r2b, rest) = all.split_last().unwrap();
            let (r1b, proof2) = rest.split_last().unwrap();
            prop_assert!(
                verify_consistency(size1 as u64, size2 as u64, r1b, r2b, proof2).is_err());
        }

        #[test]
        fn arbitrary_input_never_panics(
            index in any::<u64>(), size in any::<u64>(),
            proof in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
        ) {
            let _ = verify_inclusion(index, size, &[0; 32], &proof, &[1; 32]);
            let _ = verify_consistency(index, size, &[0; 32], &[1; 32], &proof);
        }
    }
}
