//! Log checkpoints: C2SP signed notes (c2sp.org/signed-note) whose text is a tree head
//! (c2sp.org/tlog-checkpoint), as Rekor v1 and Rekor v2 put them in inclusion proofs.
//!
//! ```text
//! log2025-alpha1.rekor.sigstage.dev           <- origin
//! 736                                         <- tree size
//! rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI= <- root hash (base64)
//!                                             <- blank line ends the signed text
//! — log2025-alpha1.rekor.sigstage.dev 8w1amdbj…  <- key name, base64(key hint || signature)
//! ```
//!
//! # Which signature line is the log's
//!
//! A line belongs to the trusted log when its 4-byte key hint equals the hint the log's key
//! has *under that line's name*, computed the way the Sigstore logs compute it:
//!
//! - ECDSA keys (Rekor v1, and rekor-tiles with an ECDSA key): the first 4 bytes of
//!   SHA-256 of the DER SubjectPublicKeyInfo (the log id). The name does not enter the hint.
//! - Ed25519 keys (Rekor v2): the C2SP hint, SHA-256(name || 0x0A || 0x01 || 32-byte key)\[:4\],
//!   so the hint binds the name: a line naming another host does not match.
//!
//! Every line from the log's key must verify over the note text (C2SP: a failing signature
//! from a known key rejects the note); lines from other keys, such as witness cosignatures,
//! are ignored; at least one line from the log's key is required.
//!
//! # Which origin is expected
//!
//! The expected origin is taken from the verified signature line, not from configuration:
//! the name is whatever the log's key signed, and the origin line must be that name (the
//! C2SP form, used by Rekor v2) or that name followed by ` - <tree id>` (the form Rekor v1
//! shards use, e.g. `rekor.sigstore.dev - 2605736670972794746`). A trusted root carries no
//! origin, and a log's URL need not equal its name (private deployments), so deriving it
//! from the URL as sigstore-go does for Rekor v2 would reject valid checkpoints; binding the
//! origin to the signed name still stops a checkpoint of one log being passed off under
//! another log's name. For Ed25519 the hint already binds the name to the key.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::crypto::{CryptoError, KeyKind, PublicKey, Sha256Digest};
use crate::limits::Limits;
use crate::trust_root::TransparencyLog;

use super::merkle::{verify_inclusion, MerkleError};

/// Largest checkpoint text accepted, in bytes (room for 64 post-quantum signatures).
pub const MAX_CHECKPOINT_BYTES: usize = 512 * 1024;

const EM_DASH_SPACE: &str = "\u{2014} ";
// C2SP signed-note signature type for Ed25519.
const SIG_TYPE_ED25519: u8 = 0x01;

/// Why a checkpoint was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note is larger than [`MAX_CHECKPOINT_BYTES`].
    #[error("checkpoint is {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Bytes supplied.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An ASCII control character other than newline (signed-note forbids them).
    #[error("control character at byte {offset}")]
    ControlCharacter {
        /// Byte offset in the note.
        offset: usize,
    },
    /// No blank line separating the text from the signatures.
    #[error("no blank line between checkpoint text and signatures")]
    NoSeparator,
    /// The signature block does not end in a newline.
    #[error("signature block does not end with a newline")]
    MissingFinalNewline,
    /// The blank line is followed by no signature.
    #[error("checkpoint has no signature lines")]
    NoSignatures,
    /// More signature lines than the limit allows.
    #[error("more than {max} signature lines")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// A signature line is not `— <name> <base64>`.
    #[error("signature line {line} is malformed")]
    MalformedSignatureLine {
        /// 1-based position among the signature lines.
        line: usize,
    },
    /// A key name is empty or has a space or `+` (forbidden by signed-note).
    #[error("signature line {line} has an invalid key name")]
    BadKeyName {
        /// 1-based position among the signature lines.
        line: usize,
    },
    /// A signature is not standard base64 of a 4-byte hint plus at least one byte.
    #[error("signature line {line} does not hold base64(key hint || signature)")]
    BadSignatureEncoding {
        /// 1-based position among the signature lines.
        line: usize,
    },
    /// The origin line is missing or empty.
    #[error("checkpoint has no origin line")]
    MissingOrigin,
    /// The tree size line is missing.
    #[error("checkpoint has no tree size line")]
    MissingTreeSize,
    /// The root hash line is missing.
    #[error("checkpoint has no root hash line")]
    MissingRootHash,
    /// The text has too few lines to tell which is missing.
    #[error("checkpoint text has {got} lines, needs at least 3")]
    TooFewLines {
        /// Lines found.
        got: usize,
    },
    /// The tree size is not a decimal `u64` without leading zeros.
    #[error("tree size {0:?} is not a canonical decimal number")]
    BadTreeSize(String),
    /// The root hash is not base64 of 32 bytes.
    #[error("root hash {0:?} is not base64 of a SHA-256 hash")]
    BadRootHash(String),
    /// An extension line is empty (tlog-checkpoint requires them non-empty).
    #[error("extension line {line} is empty")]
    EmptyExtensionLine {
        /// 1-based line number in the text.
        line: usize,
    },
    /// More extension lines than the limit allows.
    #[error("more than {max} extension lines")]
    TooManyExtensionLines {
        /// The limit.
        max: usize,
    },
    /// The trusted root's key for this log could not be parsed.
    #[error("the log's trusted key is unusable: {0}")]
    LogKeyUnusable(CryptoError),
    /// No signature line carries the log key's hint.
    #[error("no signature from the log's key (hint {expected_hint:02x?} for an ECDSA key, or name-dependent for Ed25519)")]
    NoLogSignature {
        /// The log's hint for an ECDSA key; for Ed25519 the hint of the first line's name.
        expected_hint: [u8; 4],
    },
    /// A line from the log's key does not verify over the note text.
    #[error("signature by {name} does not verify")]
    InvalidLogSignature {
        /// The key name on the failing line.
        name: String,
    },
    /// The origin line is not the name the log signed under.
    #[error("origin {origin:?} does not belong to key name {key_name:?}")]
    OriginMismatch {
        /// The checkpoint's origin line.
        origin: String,
        /// The name on the log's verified signature line.
        key_name: String,
    },
}

/// One signature line of a signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 4-byte key hint (key ID).
    pub key_hint: [u8; 4],
    /// The signature bytes after the hint.
    pub signature: Vec<u8>,
}

/// A parsed but unverified checkpoint. Its numbers mean nothing until
/// [`SignedCheckpoint::verify`] turns it into a [`VerifiedCheckpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The signed text, final newline included.
    pub note_text: String,
    /// The origin line.
    pub origin: String,
    /// The tree size line.
    pub tree_size: u64,
    /// The root hash line.
    pub root_hash: Sha256Digest,
    /// Lines after the root hash (e.g. Rekor v1's `Timestamp: …`).
    pub extension_lines: Vec<String>,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

/// A tree head the trusted log signed. Only [`SignedCheckpoint::verify`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    origin: String,
    key_name: String,
    tree_size: u64,
    root_hash: Sha256Digest,
}

impl VerifiedCheckpoint {
    /// The log's origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The name on the log's verified signature line.
    pub fn key_name(&self) -> &str {
        &self.key_name
    }

    /// The number of leaves in the signed tree.
    pub fn tree_size(&self) -> u64 {
        self.tree_size
    }

    /// The signed Merkle root.
    pub fn root_hash(&self) -> &Sha256Digest {
        &self.root_hash
    }

    /// Verify that `leaf_hash` is leaf `leaf_index` of this signed tree.
    pub fn verify_inclusion(
        &self,
        leaf_index: u64,
        leaf_hash: &[u8; 32],
        proof: &[[u8; 32]],
    ) -> Result<(), MerkleError> {
        verify_inclusion(
            leaf_index,
            self.tree_size,
            leaf_hash,
            proof,
            &self.root_hash.0,
        )
    }
}

/// Parse a checkpoint and verify it against `log`: see the module docs for the rules.
pub fn verify_checkpoint(
    note: &str,
    log: &TransparencyLog,
    limits: &Limits,
) -> Result<VerifiedCheckpoint, CheckpointError> {
    parse_checkpoint(note, limits)?.verify(log)
}

/// The key hint a signature line from `key` carries when signed under `name`: the first four
/// bytes of [`key_hash`].
pub fn key_hint(key: &PublicKey, name: &str) -> Result<[u8; 4], CryptoError> {
    let digest = key_hash(key, name)?;
    let mut hint = [0u8; 4];
    hint.copy_from_slice(&digest[..4]);
    Ok(hint)
}

/// The untruncated key id of `key` signing notes under `name`, which is also the log id a
/// Sigstore log with that key goes by: SHA-256 of the SPKI for ECDSA and RSA keys, and for
/// Ed25519 the C2SP signed-note key hash `SHA-256(name || "\n" || 0x01 || key)`, as
/// rekor-tiles names its logs (and Sigstore's trusted roots list them).
pub fn key_hash(key: &PublicKey, name: &str) -> Result<[u8; 32], CryptoError> {
    let digest = match key.kind() {
        // Sigstore's non-Ed25519 log keys are hinted by their log id, SHA-256 of the SPKI.
        KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::RsaPkcs1 => {
            crate::crypto::sha256(key.spki_der())
        }
        KeyKind::Ed25519 => {
            let raw = key.raw_key_bytes();
            let mut input = Vec::with_capacity(name.len() + 2 + raw.len());
            input.extend_from_slice(name.as_bytes());
            input.push(b'\n');
            input.push(SIG_TYPE_ED25519);
            input.extend_from_slice(raw);
            crate::crypto::sha256(&input)
        }
    };
    Ok(digest)
}

impl SignedCheckpoint {
    /// Verify the checkpoint's signature by `log` and return the tree head it vouches for.
    pub fn verify(&self, log: &TransparencyLog) -> Result<VerifiedCheckpoint, CheckpointError> {
        let key = log
            .key
            .as_ref()
            .map_err(|e| CheckpointError::LogKeyUnusable(e.clone()))?;
        let mut verified_name: Option<&str> = None;
        for sig in &self.signatures {
            let hint = key_hint(key, &sig.name).map_err(CheckpointError::LogKeyUnusable)?;
            if hint != sig.key_hint {
                continue;
            }
            key.verify(
                self.note_text.as_bytes(),
                &sig.signature,
                key.kind().default_hash(),
            )
            .map_err(|_| CheckpointError::InvalidLogSignature {
                name: sig.name.clone(),
            })?;
            verified_name.get_or_insert(&sig.name);
        }
        let Some(key_name) = verified_name else {
            let first_name = self.signatures.first().map_or("", |s| s.name.as_str());
            return Err(CheckpointError::NoLogSignature {
                expected_hint: key_hint(key, first_name)
                    .map_err(CheckpointError::LogKeyUnusable)?,
            });
        };
        if !origin_belongs_to(&self.origin, key_name) {
            return Err(CheckpointError::OriginMismatch {
                origin: self.origin.clone(),
                key_name: key_name.to_owned(),
            });
        }
        Ok(VerifiedCheckpoint {
            origin: self.origin.clone(),
            key_name: key_name.to_owned(),
            tree_size: self.tree_size,
            root_hash: self.root_hash,
        })
    }
}

/// The origin is the key name (C2SP) or `<key name> - <tree id>` (Rekor v1 shards).
fn origin_belongs_to(origin: &str, key_name: &str) -> bool {
    match origin.strip_prefix(key_name) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix(" - ")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

/// Parse a checkpoint strictly, without verifying it.
pub fn parse_checkpoint(note: &str, limits: &Limits) -> Result<SignedCheckpoint, CheckpointError> {
    if note.len() > MAX_CHECKPOINT_BYTES {
        return Err(CheckpointError::TooLarge {
            len: note.len(),
            max: MAX_CHECKPOINT_BYTES,
        });
    }
    if let Some(offset) = note.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(CheckpointError::ControlCharacter { offset });
    }
    // signed-note: the text is separated from the signatures by the *last* blank line.
    let split = note.rfind("\n\n").ok_or(CheckpointError::NoSeparator)?;
    let (note_text, sig_block) = (&note[..split + 1], &note[split + 2..]);
    if sig_block.is_empty() {
        return Err(CheckpointError::NoSignatures);
    }
    let sig_block = sig_block
        .strip_suffix('\n')
        .ok_or(CheckpointError::MissingFinalNewline)?;
    let signatures = parse_signature_lines(sig_block, limits)?;
    let (origin, tree_size, root_hash, extension_lines) = parse_body(note_text, limits)?;
    Ok(SignedCheckpoint {
        note_text: note_text.to_owned(),
        origin,
        tree_size,
        root_hash,
        extension_lines,
        signatures,
    })
}

fn parse_signature_lines(
    block: &str,
    limits: &Limits,
) -> Result<Vec<NoteSignature>, CheckpointError> {
    let max = limits.max_checkpoint_signatures;
    let mut signatures = Vec::new();
    for (i, text) in block.split('\n').enumerate() {
        let line = i + 1;
        if signatures.len() == max {
            return Err(CheckpointError::TooManySignatures { max });
        }
        let rest = text
            .strip_prefix(EM_DASH_SPACE)
            .ok_or(CheckpointError::MalformedSignatureLine { line })?;
        let mut parts = rest.split(' ');
        let (Some(name), Some(encoded), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CheckpointError::MalformedSignatureLine { line });
        };
        if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') {
            return Err(CheckpointError::BadKeyName { line });
        }
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| CheckpointError::BadSignatureEncoding { line })?;
        let (Some(hint), Some(signature)) = (bytes.get(..4), bytes.get(4..)) else {
            return Err(CheckpointError::BadSignatureEncoding { line });
        };
        if signature.is_empty() {
            return Err(CheckpointError::BadSignatureEncoding { line });
        }
        let mut key_hint = [0u8; 4];
        key_hint.copy_from_slice(hint);
        signatures.push(NoteSignature {
            name: name.to_owned(),
            key_hint,
            signature: signature.to_vec(),
        });
    }
    Ok(signatures)
}

type Body = (String, u64, Sha256Digest, Vec<String>);

fn parse_body(text: &str, limits: &Limits) -> Result<Body, CheckpointError> {
    // `text` ends with the newline that precedes the blank line.
    let lines: Vec<&str> = text
        .strip_suffix('\n')
        .unwrap_or(text)
        .split('\n')
        .collect();
    if lines.len() < 3 {
        // A short body is classified by which line shapes are present, so the error names
        // the missing part rather than a count.
        return Err(match lines.as_slice() {
            [size, hash] if parse_size(size).is_some() && parse_hash(hash).is_some() => {
                CheckpointError::MissingOrigin
            }
            [_, hash] if parse_hash(hash).is_some() => CheckpointError::MissingTreeSize,
            [_, size] if parse_size(size).is_some() => CheckpointError::MissingRootHash,
            [""] => CheckpointError::MissingOrigin,
            _ => CheckpointError::TooFewLines { got: lines.len() },
        });
    }
    let (origin, size_line, hash_line) = (lines[0], lines[1], lines[2]);
    if origin.is_empty() {
        return Err(CheckpointError::MissingOrigin);
    }
    if size_line.is_empty() {
        return Err(CheckpointError::MissingTreeSize);
    }
    if hash_line.is_empty() {
        return Err(CheckpointError::MissingRootHash);
    }
    let tree_size =
        parse_size(size_line).ok_or_else(|| CheckpointError::BadTreeSize(size_line.to_owned()))?;
    let root_hash =
        parse_hash(hash_line).ok_or_else(|| CheckpointError::BadRootHash(hash_line.to_owned()))?;
    let extensions = &lines[3..];
    let max = limits.max_checkpoint_signatures;
    if extensions.len() > max {
        return Err(CheckpointError::TooManyExtensionLines { max });
    }
    if let Some(i) = extensions.iter().position(|l| l.is_empty()) {
        return Err(CheckpointError::EmptyExtensionLine { line: i + 4 });
    }
    Ok((
        origin.to_owned(),
        tree_size,
        root_hash,
        extensions.iter().map(|l| (*l).to_owned()).collect(),
    ))
}

/// ASCII decimal with no sign and no leading zero (tlog-checkpoint), fitting `u64`.
fn parse_size(line: &str) -> Option<u64> {
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if line.len() > 1 && line.starts_with('0') {
        return None;
    }
    line.parse().ok()
}

fn parse_hash(line: &str) -> Option<Sha256Digest> {
    Sha256Digest::from_slice(&STANDARD.decode(line).ok()?)
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
