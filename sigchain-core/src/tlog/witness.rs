//! Witness cosignatures on checkpoints (c2sp.org/tlog-cosignature, `cosignature/v1`).
//!
//! A log's own signature says "I, the log, have this tree". It cannot stop the log from
//! showing one tree to you and another, unrelated tree to everyone else (a split view).
//! Witnesses close that gap: each one keeps the last checkpoint it saw of the log, cosigns a
//! new checkpoint only after checking a consistency proof from the old one, and so never
//! cosigns two forks. A client that requires cosignatures from `k` of `n` witnesses it trusts
//! sees the same log as everyone else unless `k` witnesses collude with the log.
//!
//! # Format
//!
//! A cosignature is an ordinary signature line of the checkpoint's signed note:
//!
//! ```text
//! — <witness name> base64(key hint || timestamp || signature)
//! ```
//!
//! - key hint: `SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 key)[:4]` (signature type
//!   0x04, "timestamped Ed25519 witness cosignature", c2sp.org/signed-note);
//! - timestamp: 8 bytes, big-endian POSIX seconds, at most 2^63 - 1;
//! - signature: 64 bytes of Ed25519 over `"cosignature/v1\ntime " || decimal(timestamp) ||
//!   "\n" || <the checkpoint text>` (the whole note text, extension lines included).
//!
//! A witness is named by a [`WitnessKey`], usually parsed from its vkey
//! (`<name>+<hex key hint>+<base64(0x04 || key)>`, c2sp.org/signed-note "verifier keys").
//!
//! # Rules
//!
//! - A line counts for a witness only if both its name and its key hint are the witness's
//!   (signed-note: the tuple identifies the key). Lines from keys the policy does not name,
//!   including the log's own, are ignored.
//! - A line that does name a policy witness must verify; one that does not rejects the whole
//!   checkpoint ([`WitnessError::InvalidCosignature`]). signed-note leaves this to clients
//!   ("SHOULD"/"MAY" reject); we reject, as the log-signature check in [`super::checkpoint`]
//!   does, because a forged line under a trusted witness's name is an attack, not noise.
//! - Each witness counts once, however many lines it has (every one of them is checked).
//! - Fewer verified witnesses than the policy's threshold rejects the checkpoint.
//!
//! # What is not accepted, and why
//!
//! - Plain Ed25519 note signatures (type 0x01) from a witness key. tlog-cosignature says the
//!   key ID of an Ed25519 cosignature MUST use type 0x04 and gives no older form to accept; a
//!   type-0x01 signature is over the bare note text, without the `cosignature/v1` domain
//!   separation or a time, so it is not a statement that the witness checked consistency. Such
//!   a line carries the type-0x01 hint, matches no witness, and is ignored like any unknown
//!   key. For the same reason [`WitnessKey::from_vkey`] refuses a type-0x01 vkey: that byte
//!   says the key makes plain note signatures, and one key making both kinds could be led to
//!   sign a note whose text starts with `cosignature/v1\ntime …` (a forged cosignature). A
//!   caller whose witness operator documents a key as a cosigner key can still name it with
//!   [`WitnessKey::from_ed25519`].
//! - ML-DSA-44 cosignatures (type 0x06): not supported; such a vkey is refused with
//!   [`VkeyError::UnsupportedSignatureType`], and such lines are ignored.
//! - Timestamps in the future: reported in [`VerifiedCosignature::timestamp`], not judged
//!   here (no clock in the core); callers with a freshness rule apply it to those values.
//!
//! ```
//! use sigchain_core::limits::Limits;
//! use sigchain_core::tlog::witness::{WitnessKey, WitnessPolicy};
//! use sigchain_core::tlog::parse_checkpoint;
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/witness");
//! # let note = std::fs::read_to_string(format!("{dir}/barreleye-930.note"))?;
//! # let vkeys = std::fs::read_to_string(format!("{dir}/witnesses.vkeys"))?;
//! // `vkeys`: one witness vkey a line; `note`: a checkpoint with cosignature lines.
//! let witnesses = vkeys
//!     .lines()
//!     .map(WitnessKey::from_vkey)
//!     .collect::<Result<Vec<_>, _>>()?;
//! let policy = WitnessPolicy::new(witnesses, 2)?;
//! let checkpoint = parse_checkpoint(&note, &Limits::DEFAULT)?;
//! let cosignatures = checkpoint.verify_cosignatures(&policy)?;
//! assert_eq!(cosignatures.len(), 3);
//! assert_eq!(cosignatures[0].timestamp().as_secs(), 1749045854);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! To require both the log's signature and the witnesses', use
//! [`SignedCheckpoint::verify_witnessed`], whose [`WitnessedCheckpoint`] cannot be confused
//! with a checkpoint only the log signed.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::crypto::{CryptoError, HashAlgorithm, KeyKind, PublicKey};
use crate::limits::Limits;
use crate::time::Timestamp;
use crate::trust_root::TransparencyLog;

use super::checkpoint::{parse_checkpoint, CheckpointError, SignedCheckpoint, VerifiedCheckpoint};

/// signed-note signature type of a timestamped Ed25519 witness cosignature.
pub const SIG_TYPE_COSIGNATURE_V1: u8 = 0x04;

/// Most witnesses one [`WitnessPolicy`] may name. Each checkpoint line is matched against
/// every witness, so this and [`Limits::max_checkpoint_signatures`] bound the work; real
/// policies name a handful.
pub const MAX_WITNESSES: usize = 64;

/// Longest vkey text accepted, in bytes. An Ed25519 vkey is its name plus 55 bytes; the
/// room left lets an ML-DSA-44 vkey (about 1,760 bytes) reach the check that names its type.
pub const MAX_VKEY_BYTES: usize = 4096;

const TIMESTAMP_LEN: usize = 8;
const ED25519_SIGNATURE_LEN: usize = 64;
const ED25519_KEY_LEN: usize = 32;
// DER SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410): the raw key follows.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why a witness key (a vkey string, or a name and raw key) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VkeyError {
    /// The vkey is longer than [`MAX_VKEY_BYTES`].
    #[error("vkey is {len} bytes, over the {max}-byte limit")]
    TooLong {
        /// Bytes supplied.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not `<name>+<hint>+<key>`.
    #[error("vkey is not <name>+<hex key hint>+<base64 key>")]
    MissingPart,
    /// The name is empty or has a space, a control character or `+` (signed-note).
    #[error("key name {name:?} is empty or has a space, control character or '+'")]
    BadName {
        /// The name as given.
        name: String,
    },
    /// The key hint is not 8 hex digits.
    #[error("key hint {hint:?} is not 8 hex digits")]
    BadHint {
        /// The hint as given.
        hint: String,
    },
    /// The key part is not standard padded base64.
    #[error("key is not standard base64")]
    BadKeyEncoding,
    /// The key part decodes to nothing (not even a signature type byte).
    #[error("key is empty")]
    EmptyKey,
    /// A signature type other than 0x04 (see the module docs for why 0x01 is refused).
    #[error("signature type {signature_type:#04x} is not an Ed25519 cosignature key (0x04)")]
    UnsupportedSignatureType {
        /// The type byte found.
        signature_type: u8,
    },
    /// The Ed25519 key is not 32 bytes.
    #[error("Ed25519 key is {len} bytes, needs 32")]
    BadKeyLength {
        /// Bytes found after the type byte.
        len: usize,
    },
    /// The stated hint is not the one the name and key give: a typo or a swapped key.
    #[error("vkey states key hint {stated:02x?}, the name and key give {computed:02x?}")]
    HintMismatch {
        /// The hint written in the vkey.
        stated: [u8; 4],
        /// The hint computed from the name and key.
        computed: [u8; 4],
    },
    /// The crypto backend refused the key.
    #[error("Ed25519 key unusable: {0}")]
    KeyUnusable(CryptoError),
}

/// Why a [`WitnessPolicy`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessPolicyError {
    /// A threshold of zero would accept a checkpoint no witness saw.
    #[error("a witness threshold of 0 checks nothing")]
    ZeroThreshold,
    /// More cosignatures required than witnesses named.
    #[error("threshold {threshold} is more than the {witnesses} witnesses named")]
    ThresholdUnreachable {
        /// The threshold asked for.
        threshold: usize,
        /// Witnesses named.
        witnesses: usize,
    },
    /// More witnesses than [`MAX_WITNESSES`].
    #[error("{count} witnesses named, the limit is {max}")]
    TooManyWitnesses {
        /// Witnesses named.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// One key listed twice. An Ed25519 cosignature does not sign the witness name, so one
    /// key under two names would let one signature count twice (tlog-cosignature requires
    /// distinct keys per cosigner).
    #[error("witnesses {first:?} and {second:?} have the same key")]
    DuplicateKey {
        /// The first witness with the key.
        first: String,
        /// The later witness with the same key.
        second: String,
    },
}

/// Why a checkpoint's cosignatures were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The log's own signature failed ([`SignedCheckpoint::verify_witnessed`] only).
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// A line from a policy witness is not 8 timestamp bytes plus a 64-byte signature.
    #[error("cosignature by {witness} is {len} bytes, needs 72")]
    MalformedCosignature {
        /// The witness's name.
        witness: String,
        /// Bytes after the key hint.
        len: usize,
    },
    /// A timestamp over 2^63 - 1, which tlog-cosignature forbids.
    #[error("cosignature by {witness} has timestamp {timestamp}, over 2^63 - 1")]
    TimestampOutOfRange {
        /// The witness's name.
        witness: String,
        /// The timestamp as written.
        timestamp: u64,
    },
    /// A line from a policy witness does not verify over this checkpoint.
    #[error("cosignature by {witness} does not verify")]
    InvalidCosignature {
        /// The witness's name.
        witness: String,
    },
    /// Fewer witnesses cosigned than the policy requires.
    #[error("{verified} of the required {required} witnesses cosigned (missing: {missing:?})")]
    TooFewCosignatures {
        /// The policy's threshold.
        required: usize,
        /// Distinct witnesses whose cosignature verified.
        verified: usize,
        /// The policy witnesses with no cosignature on the checkpoint.
        missing: Vec<String>,
    },
}

/// A witness's name and Ed25519 cosigning key.
///
/// ```
/// use sigchain_core::tlog::witness::WitnessKey;
/// let vkey = "sigsum-test1+e2ee26d4+BBwl+KRMY1RX4uOR0e+8p9TClRoK7wYiWogeRrmJYqxs";
/// let key: WitnessKey = vkey.parse()?;
/// assert_eq!(key.name(), "sigsum-test1");
/// assert_eq!(key.key_hint(), [0xe2, 0xee, 0x26, 0xd4]);
/// assert_eq!(key.to_string(), vkey);
/// # Ok::<(), sigchain_core::tlog::witness::VkeyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    name: String,
    key: PublicKey,
    raw: [u8; ED25519_KEY_LEN],
    hint: [u8; 4],
}

impl WitnessKey {
    /// Parse a vkey, `<name>+<8 hex digits of key hint>+<base64(0x04 || 32-byte key)>`, and
    /// check that the stated hint is the one the name and key give.
    pub fn from_vkey(vkey: &str) -> Result<WitnessKey, VkeyError> {
        if vkey.len() > MAX_VKEY_BYTES {
            return Err(VkeyError::TooLong {
                len: vkey.len(),
                max: MAX_VKEY_BYTES,
            });
        }
        // The key part is base64, whose alphabet has '+': split at the first two only.
        let (name, rest) = vkey.split_once('+').ok_or(VkeyError::MissingPart)?;
        let (hint_hex, key_b64) = rest.split_once('+').ok_or(VkeyError::MissingPart)?;
        check_name(name)?;
        let stated = parse_hint(hint_hex)?;
        let typed_key = STANDARD
            .decode(key_b64)
            .map_err(|_| VkeyError::BadKeyEncoding)?;
        let (&signature_type, raw) = typed_key.split_first().ok_or(VkeyError::EmptyKey)?;
        if signature_type != SIG_TYPE_COSIGNATURE_V1 {
            return Err(VkeyError::UnsupportedSignatureType { signature_type });
        }
        let raw: &[u8; ED25519_KEY_LEN] = raw
            .try_into()
            .map_err(|_| VkeyError::BadKeyLength { len: raw.len() })?;
        let key = WitnessKey::from_ed25519(name, raw)?;
        if key.hint != stated {
            return Err(VkeyError::HintMismatch {
                stated,
                computed: key.hint,
            });
        }
        Ok(key)
    }

    /// A witness from its name and raw 32-byte Ed25519 key (e.g. from a Sigsum policy, which
    /// lists keys in hex).
    ///
    /// The RustCrypto backend refuses a key that is not a curve point here; aws-lc-rs only
    /// when verifying (every cosignature by such a key then fails).
    ///
    /// ```
    /// use sigchain_core::encoding::hex_decode;
    /// use sigchain_core::tlog::witness::WitnessKey;
    /// // A Sigsum policy line: `witness test1 1c25f8a4…`.
    /// let hex = "1c25f8a44c635457e2e391d1efbca7d4c2951a0aef06225a881e46b98962ac6c";
    /// let raw: [u8; 32] = hex_decode(hex).and_then(|k| k.try_into().ok()).unwrap();
    /// let key = WitnessKey::from_ed25519("sigsum-test1", &raw)?;
    /// assert_eq!(
    ///     key.to_vkey(),
    ///     "sigsum-test1+e2ee26d4+BBwl+KRMY1RX4uOR0e+8p9TClRoK7wYiWogeRrmJYqxs"
    /// );
    /// # Ok::<(), sigchain_core::tlog::witness::VkeyError>(())
    /// ```
    pub fn from_ed25519(name: &str, raw_key: &[u8; 32]) -> Result<WitnessKey, VkeyError> {
        check_name(name)?;
        let mut spki = Vec::with_capacity(ED25519_SPKI_PREFIX.len() + ED25519_KEY_LEN);
        spki.extend_from_slice(&ED25519_SPKI_PREFIX);
        spki.extend_from_slice(raw_key);
        let key = PublicKey::from_spki_der(&spki).map_err(VkeyError::KeyUnusable)?;
        Ok(WitnessKey {
            name: name.to_owned(),
            key,
            raw: *raw_key,
            hint: cosigner_key_hint(name, raw_key),
        })
    }

    /// The witness's name, as its signature lines carry it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hint its cosignature lines carry.
    pub fn key_hint(&self) -> [u8; 4] {
        self.hint
    }

    /// The raw 32-byte Ed25519 key.
    pub fn raw_key(&self) -> &[u8; 32] {
        &self.raw
    }

    /// The vkey text form (lowercase hint, as Go's `note` package writes it).
    pub fn to_vkey(&self) -> String {
        let mut typed = Vec::with_capacity(1 + ED25519_KEY_LEN);
        typed.push(SIG_TYPE_COSIGNATURE_V1);
        typed.extend_from_slice(&self.raw);
        format!(
            "{}+{}+{}",
            self.name,
            crate::encoding::hex_encode(&self.hint),
            STANDARD.encode(typed)
        )
    }
}

impl FromStr for WitnessKey {
    type Err = VkeyError;
    fn from_str(vkey: &str) -> Result<Self, VkeyError> {
        WitnessKey::from_vkey(vkey)
    }
}

impl fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// signed-note key names: non-empty, no Unicode space, no `+`; control characters cannot
/// appear in a note either.
fn check_name(name: &str) -> Result<(), VkeyError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '+')
    {
        return Err(VkeyError::BadName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn parse_hint(text: &str) -> Result<[u8; 4], VkeyError> {
    let bad = || VkeyError::BadHint {
        hint: text.to_owned(),
    };
    if text.len() != 8 {
        return Err(bad());
    }
    let bytes = crate::encoding::hex_decode(text).ok_or_else(bad)?;
    bytes.as_slice().try_into().map_err(|_| bad())
}

/// The key hint of a cosignature/v1 line: SHA-256(name || 0x0A || 0x04 || key)\[:4\].
fn cosigner_key_hint(name: &str, raw_key: &[u8; 32]) -> [u8; 4] {
    let mut input = Vec::with_capacity(name.len() + 2 + ED25519_KEY_LEN);
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(SIG_TYPE_COSIGNATURE_V1);
    input.extend_from_slice(raw_key);
    let digest = crate::crypto::sha256(&input);
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Which witnesses to trust and how many of them must cosign.
///
/// ```
/// use sigchain_core::tlog::witness::{WitnessKey, WitnessPolicy, WitnessPolicyError};
/// let a: WitnessKey = "sigsum-test1+e2ee26d4+BBwl+KRMY1RX4uOR0e+8p9TClRoK7wYiWogeRrmJYqxs".parse()?;
/// let b: WitnessKey = "sigsum-test2+ca0a7fc5+BCjJKlo6BU0xfIb8LutqerIFTWIXEA0L5n3tW3QyPFgG".parse()?;
/// let policy = WitnessPolicy::new(vec![a.clone(), b], 2)?;
/// assert_eq!(policy.threshold(), 2);
/// assert_eq!(
///     WitnessPolicy::new(vec![a], 2),
///     Err(WitnessPolicyError::ThresholdUnreachable { threshold: 2, witnesses: 1 })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    witnesses: Vec<WitnessKey>,
    threshold: usize,
}

impl WitnessPolicy {
    /// Require cosignatures from `threshold` distinct witnesses among `witnesses`, with
    /// `1 <= threshold <= witnesses.len() <= MAX_WITNESSES` and no key listed twice.
    pub fn new(
        witnesses: Vec<WitnessKey>,
        threshold: usize,
    ) -> Result<WitnessPolicy, WitnessPolicyError> {
        if witnesses.len() > MAX_WITNESSES {
            return Err(WitnessPolicyError::TooManyWitnesses {
                count: witnesses.len(),
                max: MAX_WITNESSES,
            });
        }
        if threshold == 0 {
            return Err(WitnessPolicyError::ZeroThreshold);
        }
        if threshold > witnesses.len() {
            return Err(WitnessPolicyError::ThresholdUnreachable {
                threshold,
                witnesses: witnesses.len(),
            });
        }
        for (i, later) in witnesses.iter().enumerate() {
            if let Some(first) = witnesses[..i].iter().find(|w| w.raw == later.raw) {
                return Err(WitnessPolicyError::DuplicateKey {
                    first: first.name.clone(),
                    second: later.name.clone(),
                });
            }
        }
        Ok(WitnessPolicy {
            witnesses,
            threshold,
        })
    }

    /// The witnesses, in the order given.
    pub fn witnesses(&self) -> &[WitnessKey] {
        &self.witnesses
    }

    /// How many distinct witnesses must cosign.
    pub fn threshold(&self) -> usize {
        self.threshold
    }
}

/// A cosignature that verified: which witness made it, and when it says it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCosignature {
    witness: String,
    timestamp: Timestamp,
}

impl VerifiedCosignature {
    /// The witness's name.
    pub fn witness(&self) -> &str {
        &self.witness
    }

    /// The time in the cosignature: the witness's statement is "as of this time, this is the
    /// largest consistent tree I have seen of this log".
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }
}

/// A checkpoint the log signed and enough witnesses cosigned. Only
/// [`SignedCheckpoint::verify_witnessed`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedCheckpoint {
    checkpoint: VerifiedCheckpoint,
    cosignatures: Vec<VerifiedCosignature>,
}

impl WitnessedCheckpoint {
    /// The log-signed tree head.
    pub fn checkpoint(&self) -> &VerifiedCheckpoint {
        &self.checkpoint
    }

    /// The verified cosignatures, one per witness, in the order of their first line.
    pub fn cosignatures(&self) -> &[VerifiedCosignature] {
        &self.cosignatures
    }

    /// The tree head, for callers that go on with it alone.
    pub fn into_checkpoint(self) -> VerifiedCheckpoint {
        self.checkpoint
    }
}

impl SignedCheckpoint {
    /// Verify the cosignature lines of policy witnesses, and that at least the policy's
    /// threshold of distinct witnesses cosigned; see the module docs for the rules.
    ///
    /// This says nothing about the log's own signature: use [`Self::verify_witnessed`] for
    /// both, or call [`Self::verify`] first.
    pub fn verify_cosignatures(
        &self,
        policy: &WitnessPolicy,
    ) -> Result<Vec<VerifiedCosignature>, WitnessError> {
        let mut verified: Vec<(usize, VerifiedCosignature)> = Vec::new();
        for line in &self.signatures {
            let Some((index, witness)) = policy
                .witnesses
                .iter()
                .enumerate()
                .find(|(_, w)| w.hint == line.key_hint && w.name == line.name)
            else {
                continue;
            };
            let timestamp = verify_cosignature(witness, &self.note_text, &line.signature)?;
            // Every line of a witness is checked above; the first one that verified counts.
            if !verified.iter().any(|(i, _)| *i == index) {
                verified.push((
                    index,
                    VerifiedCosignature {
                        witness: witness.name.clone(),
                        timestamp,
                    },
                ));
            }
        }
        if verified.len() < policy.threshold {
            let missing = policy
                .witnesses
                .iter()
                .enumerate()
                .filter(|(i, _)| !verified.iter().any(|(v, _)| v == i))
                .map(|(_, w)| w.name.clone())
                .collect();
            return Err(WitnessError::TooFewCosignatures {
                required: policy.threshold,
                verified: verified.len(),
                missing,
            });
        }
        Ok(verified.into_iter().map(|(_, c)| c).collect())
    }

    /// Verify the log's signature ([`Self::verify`]) and the policy's cosignatures
    /// ([`Self::verify_cosignatures`]).
    pub fn verify_witnessed(
        &self,
        log: &TransparencyLog,
        policy: &WitnessPolicy,
    ) -> Result<WitnessedCheckpoint, WitnessError> {
        let checkpoint = self.verify(log)?;
        let cosignatures = self.verify_cosignatures(policy)?;
        Ok(WitnessedCheckpoint {
            checkpoint,
            cosignatures,
        })
    }
}

/// Parse a checkpoint and verify it against `log` and `policy`.
///
/// ```
/// use sigchain_core::limits::Limits;
/// use sigchain_core::tlog::witness::{verify_witnessed_checkpoint, WitnessError, WitnessKey, WitnessPolicy};
/// use sigchain_core::trust_root::TrustedRoot;
/// let log = &TrustedRoot::production().tlogs[0];
/// let witness: WitnessKey = "sigsum-test1+e2ee26d4+BBwl+KRMY1RX4uOR0e+8p9TClRoK7wYiWogeRrmJYqxs".parse()?;
/// let policy = WitnessPolicy::new(vec![witness], 1)?;
/// // Not even a checkpoint: the log's check fails first.
/// let err = verify_witnessed_checkpoint("x\n\n", log, &policy, &Limits::DEFAULT).unwrap_err();
/// assert!(matches!(err, WitnessError::Checkpoint(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_witnessed_checkpoint(
    note: &str,
    log: &TransparencyLog,
    policy: &WitnessPolicy,
    limits: &Limits,
) -> Result<WitnessedCheckpoint, WitnessError> {
    parse_checkpoint(note, limits)?.verify_witnessed(log, policy)
}

/// The message a cosignature/v1 signature covers.
fn cosigned_message(timestamp: u64, note_text: &str) -> Vec<u8> {
    let header = format!("cosignature/v1\ntime {timestamp}\n");
    let mut message = Vec::with_capacity(header.len() + note_text.len());
    message.extend_from_slice(header.as_bytes());
    message.extend_from_slice(note_text.as_bytes());
    message
}

/// Check one line's `timestamp || signature` bytes from `witness` over `note_text`.
fn verify_cosignature(
    witness: &WitnessKey,
    note_text: &str,
    bytes: &[u8],
) -> Result<Timestamp, WitnessError> {
    let malformed = || WitnessError::MalformedCosignature {
        witness: witness.name.clone(),
        len: bytes.len(),
    };
    if bytes.len() != TIMESTAMP_LEN + ED25519_SIGNATURE_LEN {
        return Err(malformed());
    }
    let (time_bytes, signature) = bytes.split_at(TIMESTAMP_LEN);
    let timestamp = u64::from_be_bytes(time_bytes.try_into().map_err(|_| malformed())?);
    let seconds = i64::try_from(timestamp).map_err(|_| WitnessError::TimestampOutOfRange {
        witness: witness.name.clone(),
        timestamp,
    })?;
    debug_assert_eq!(witness.key.kind(), KeyKind::Ed25519);
    witness
        .key
        .verify(
            &cosigned_message(timestamp, note_text),
            signature,
            HashAlgorithm::Sha512,
        )
        .map_err(|_| WitnessError::InvalidCosignature {
            witness: witness.name.clone(),
        })?;
    Ok(Timestamp(seconds))
}

#[cfg(test)]
#[path = "witness_tests.rs"]
mod tests;
