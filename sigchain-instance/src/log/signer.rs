//! The log's key: it signs checkpoints (C2SP signed notes) and, for Rekor v1 entries, signed
//! entry timestamps, in exactly the forms `sigchain-core` verifies.
//!
//! The key is an ECDSA P-256 key (what Rekor v1 uses, and the only kind that can sign an
//! entry timestamp) or an Ed25519 key (what Rekor v2 logs use). It is kept as PKCS#8 in the
//! log's folder, so a restarted log signs with the same key and its trusted root stays valid.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use sigchain_core::crypto::PublicKey;
use sigchain_core::encoding::base64_encode;
use sigchain_core::tlog::{inclusion_promise_payload, key_hash};
use sigchain_core::trust_root::LogId;

/// Which kind of key a log signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKeyKind {
    /// ECDSA P-256 with SHA-256 (Rekor v1).
    EcdsaP256,
    /// Ed25519 (Rekor v2).
    Ed25519,
}

/// Why a key could not be made or loaded.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// The PKCS#8 document is not a key of the expected kind.
    #[error("log key is not a valid {0:?} PKCS#8 key")]
    BadKey(LogKeyKind),
    /// The system random source failed.
    #[error("could not generate a key")]
    Generate,
    /// The origin is empty or has characters a signed note forbids in a key name.
    #[error("origin {0:?} cannot name a signed-note key")]
    BadOrigin(String),
    /// Signing failed (should not happen with a valid key).
    #[error("signing failed")]
    Sign,
}

enum Key {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A log's signing key, with the name it signs checkpoints under.
pub struct LogSigner {
    key: Key,
    pkcs8: Vec<u8>,
    public_key: PublicKey,
    key_name: String,
    origin: String,
    log_id: [u8; 32],
    rng: SystemRandom,
}

impl fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSigner")
            .field("origin", &self.origin)
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

impl LogSigner {
    /// A new random key of `kind`, signing as `key_name`. `tree_id`, when given, makes the
    /// origin `<key_name> - <tree_id>` as Rekor v1 shards write it; otherwise the origin is
    /// the key name (C2SP, Rekor v2).
    pub fn generate(
        kind: LogKeyKind,
        key_name: &str,
        tree_id: Option<u64>,
    ) -> Result<LogSigner, SignerError> {
        let rng = SystemRandom::new();
        let pkcs8 = match kind {
            LogKeyKind::EcdsaP256 => {
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
                    .map_err(|_| SignerError::Generate)?
            }
            LogKeyKind::Ed25519 => {
                Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| SignerError::Generate)?
            }
        };
        LogSigner::from_pkcs8(kind, pkcs8.as_ref(), key_name, tree_id)
    }

    /// The key in `pkcs8`, as [`LogSigner::generate`] would name it.
    pub fn from_pkcs8(
        kind: LogKeyKind,
        pkcs8: &[u8],
        key_name: &str,
        tree_id: Option<u64>,
    ) -> Result<LogSigner, SignerError> {
        // signed-note key names are non-empty, with no space or '+' (and no control chars).
        if key_name.is_empty()
            || key_name
                .bytes()
                .any(|b| b == b' ' || b == b'+' || b < 0x20 || b == 0x7f)
        {
            return Err(SignerError::BadOrigin(key_name.to_owned()));
        }
        let bad = || SignerError::BadKey(kind);
        let (key, spki) = match kind {
            LogKeyKind::EcdsaP256 => {
                let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8)
                    .map_err(|_| bad())?;
                let spki = pair.public_key().as_der().map_err(|_| bad())?;
                let spki = spki.as_ref().to_vec();
                (Key::Ecdsa(pair), spki)
            }
            LogKeyKind::Ed25519 => {
                let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| bad())?;
                let spki = pair.public_key().as_der().map_err(|_| bad())?;
                let spki = spki.as_ref().to_vec();
                (Key::Ed25519(pair), spki)
            }
        };
        let public_key = PublicKey::from_spki_der(&spki).map_err(|_| bad())?;
        let log_id = key_hash(&public_key, key_name).map_err(|_| bad())?;
        let origin = match tree_id {
            Some(id) => format!("{key_name} - {id}"),
            None => key_name.to_owned(),
        };
        Ok(LogSigner {
            key,
            pkcs8: pkcs8.to_vec(),
            public_key,
            key_name: key_name.to_owned(),
            origin,
            log_id,
            rng: SystemRandom::new(),
        })
    }

    /// The key's kind.
    pub fn kind(&self) -> LogKeyKind {
        match self.key {
            Key::Ecdsa(_) => LogKeyKind::EcdsaP256,
            Key::Ed25519(_) => LogKeyKind::Ed25519,
        }
    }

    /// The private key, PKCS#8 DER, to keep beside the log.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The log id, as trusted roots and entries name the log: SHA-256 of the DER public key
    /// for an ECDSA key (Rekor v1); for an Ed25519 key the C2SP note key hash over the key
    /// name, as rekor-tiles names a Rekor v2 log. The first four bytes are the checkpoint
    /// signatures' key hint, which clients such as sigstore-python match against the log id.
    pub fn log_id(&self) -> LogId {
        LogId(self.log_id.to_vec())
    }

    fn key_hint(&self) -> &[u8] {
        &self.log_id[..4]
    }

    /// The checkpoint origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The name on the checkpoint's signature line.
    pub fn key_name(&self) -> &str {
        &self.key_name
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        match &self.key {
            Key::Ecdsa(pair) => pair
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignerError::Sign),
            Key::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }

    /// The signed checkpoint (a C2SP signed note) for a tree of `tree_size` leaves with root
    /// `root_hash`.
    pub fn sign_checkpoint(
        &self,
        tree_size: u64,
        root_hash: &[u8; 32],
    ) -> Result<String, SignerError> {
        let text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            tree_size,
            base64_encode(root_hash)
        );
        let signature = self.sign(text.as_bytes())?;
        let mut hinted = Vec::with_capacity(4 + signature.len());
        hinted.extend_from_slice(self.key_hint());
        hinted.extend_from_slice(&signature);
        Ok(format!(
            "{text}\n\u{2014} {} {}\n",
            self.key_name,
            base64_encode(&hinted)
        ))
    }

    /// The signed entry timestamp (Rekor v1 inclusion promise) for an entry. Only an ECDSA
    /// log key can make one: `None` for Ed25519.
    pub fn sign_entry_timestamp(
        &self,
        canonicalized_body: &[u8],
        integrated_time: i64,
        log_index: i64,
    ) -> Result<Option<Vec<u8>>, SignerError> {
        match self.key {
            Key::Ecdsa(_) => {
                let payload = inclusion_promise_payload(
                    canonicalized_body,
                    integrated_time,
                    &self.log_id().0,
                    log_index,
                );
                self.sign(&payload).map(Some)
            }
            Key::Ed25519(_) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigchain_core::limits::Limits;
    use sigchain_core::tlog::{verify_checkpoint, verify_inclusion_promise};
    use sigchain_core::trust_root::{TransparencyLog, ValidityPeriod};

    fn trusted(signer: &LogSigner) -> TransparencyLog {
        TransparencyLog {
            base_url: "http://127.0.0.1".to_owned(),
            log_id: signer.log_id(),
            hash_algorithm: sigchain_core::crypto::HashAlgorithm::Sha256,
            key: Ok(signer.public_key().clone()),
            key_der: signer.public_key().spki_der().to_vec(),
            validity: ValidityPeriod {
                start: Some(sigchain_core::time::Timestamp(0)),
                end: None,
            },
        }
    }

    #[test]
    fn checkpoints_verify_with_the_core_for_both_key_kinds() {
        for (kind, tree_id) in [
            (LogKeyKind::EcdsaP256, Some(77)),
            (LogKeyKind::Ed25519, None),
        ] {
            let signer = LogSigner::generate(kind, "log.example", tree_id).unwrap();
            let note = signer.sign_checkpoint(5, &[9; 32]).unwrap();
            let verified = verify_checkpoint(&note, &trusted(&signer), &Limits::DEFAULT)
                .unwrap_or_else(|e| panic!("{kind:?}: {e}\n{note}"));
            assert_eq!(verified.tree_size(), 5);
            assert_eq!(verified.root_hash().0, [9; 32]);
            assert_eq!(verified.origin(), signer.origin());
            // Reloading the key gives the same log.
            let again =
                LogSigner::from_pkcs8(kind, signer.pkcs8(), "log.example", tree_id).unwrap();
            assert_eq!(again.log_id(), signer.log_id());
            verify_checkpoint(
                &again.sign_checkpoint(5, &[9; 32]).unwrap(),
                &trusted(&signer),
                &Limits::DEFAULT,
            )
            .unwrap();
        }
    }

    #[test]
    fn entry_timestamps_verify_with_the_core() {
        let signer = LogSigner::generate(LogKeyKind::EcdsaP256, "log.example", Some(1)).unwrap();
        let set = signer
            .sign_entry_timestamp(b"{}", 1_700_000_000, 3)
            .unwrap()
            .unwrap();
        verify_inclusion_promise(&set, b"{}", 1_700_000_000, 3, &trusted(&signer)).unwrap();
        assert!(
            verify_inclusion_promise(&set, b"{}", 1_700_000_000, 4, &trusted(&signer)).is_err()
        );
        let ed = LogSigner::generate(LogKeyKind::Ed25519, "log.example", None).unwrap();
        assert_eq!(ed.sign_entry_timestamp(b"{}", 1, 0).unwrap(), None);
    }

    #[test]
    fn key_names_follow_signed_note_rules() {
        for bad in ["", "a b", "a+b", "a\nb"] {
            assert!(matches!(
                LogSigner::generate(LogKeyKind::Ed25519, bad, None),
                Err(SignerError::BadOrigin(_))
            ));
        }
        assert!(matches!(
            LogSigner::from_pkcs8(LogKeyKind::EcdsaP256, b"junk", "x", None),
            Err(SignerError::BadKey(_))
        ));
    }
}
