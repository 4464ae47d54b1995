//! The typed bundle contents.
//!
//! Everything here is **unverified**: it is what the bundle *claims*. A log entry's index,
//! integrated time and body, a certificate's identity, a timestamp's time — none of it means
//! anything until the verifier has checked the signatures, proofs and chains that vouch for it.
//! Parsing only guarantees the shape (see [`super::Bundle`] for the rules).

use crate::crypto::HashAlgorithm;
use crate::time::Timestamp;
use crate::trust_root::LogId;

/// What was signed: a bare message signature or a DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A signature over an artifact's digest (`hashedrekord` entries).
    MessageSignature(MessageSignature),
    /// A DSSE envelope carrying its own payload (`dsse`, `intoto`, or `hashedrekord/0.0.2`
    /// entries).
    Dsse(DsseEnvelope),
}

/// A signature over an artifact (protobuf-specs `MessageSignature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSignature {
    /// The artifact digest the signer says it signed. Unauthenticated: a hint for choosing
    /// the hash and for consistency checks, never a substitute for hashing the artifact.
    pub message_digest: MessageDigest,
    /// The signature bytes (non-empty).
    pub signature: Vec<u8>,
}

/// A digest with its algorithm (protobuf-specs `HashOutput`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDigest {
    /// The hash algorithm.
    pub algorithm: DigestAlgorithm,
    /// The digest; its length matches `algorithm`.
    pub digest: Vec<u8>,
}

/// Hash algorithms a bundle may name (protobuf-specs `HashAlgorithm`, minus `UNSPECIFIED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `SHA2_256`
    Sha2_256,
    /// `SHA2_384`
    Sha2_384,
    /// `SHA2_512`
    Sha2_512,
    /// `SHA3_256` (deprecated in protobuf-specs)
    Sha3_256,
    /// `SHA3_384` (deprecated in protobuf-specs)
    Sha3_384,
}

impl DigestAlgorithm {
    /// The protobuf enum name, as protobuf JSON writes it.
    pub const fn proto_name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha2_256 => "SHA2_256",
            DigestAlgorithm::Sha2_384 => "SHA2_384",
            DigestAlgorithm::Sha2_512 => "SHA2_512",
            DigestAlgorithm::Sha3_256 => "SHA3_256",
            DigestAlgorithm::Sha3_384 => "SHA3_384",
        }
    }

    /// The protobuf enum number.
    pub const fn proto_number(self) -> i64 {
        match self {
            DigestAlgorithm::Sha2_256 => 1,
            DigestAlgorithm::Sha2_384 => 2,
            DigestAlgorithm::Sha2_512 => 3,
            DigestAlgorithm::Sha3_256 => 4,
            DigestAlgorithm::Sha3_384 => 5,
        }
    }

    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha2_256 | DigestAlgorithm::Sha3_256 => 32,
            DigestAlgorithm::Sha2_384 | DigestAlgorithm::Sha3_384 => 48,
            DigestAlgorithm::Sha2_512 => 64,
        }
    }

    /// The crate's hash implementation for this algorithm, if it has one (SHA-3 it has not).
    pub const fn hash_algorithm(self) -> Option<HashAlgorithm> {
        match self {
            DigestAlgorithm::Sha2_256 => Some(HashAlgorithm::Sha256),
            DigestAlgorithm::Sha2_384 => Some(HashAlgorithm::Sha384),
            DigestAlgorithm::Sha2_512 => Some(HashAlgorithm::Sha512),
            DigestAlgorithm::Sha3_256 | DigestAlgorithm::Sha3_384 => None,
        }
    }

    /// All algorithms, in protobuf enum order.
    pub const ALL: [DigestAlgorithm; 5] = [
        DigestAlgorithm::Sha2_256,
        DigestAlgorithm::Sha2_384,
        DigestAlgorithm::Sha2_512,
        DigestAlgorithm::Sha3_256,
        DigestAlgorithm::Sha3_384,
    ];
}

/// A DSSE envelope (in-toto `Envelope`) as a bundle carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsseEnvelope {
    /// The payload bytes (non-empty, within `Limits::max_dsse_payload_bytes`).
    pub payload: Vec<u8>,
    /// The payload type, e.g. `application/vnd.in-toto+json` (non-empty).
    pub payload_type: String,
    /// The envelope's one signature: protobuf-specs requires exactly one in a bundle.
    pub signature: DsseSignature,
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsseSignature {
    /// The signature bytes (non-empty).
    pub sig: Vec<u8>,
    /// The key id hint; empty when unset.
    pub keyid: String,
}

/// The key material a verifier should check the signature with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationMaterial {
    /// v0.1/v0.2 `x509CertificateChain`: DER certificates, signing (leaf) certificate first.
    /// Never empty. Later members are untrusted hints for chain building.
    CertificateChain(Vec<Vec<u8>>),
    /// v0.3 `certificate`: the DER signing certificate alone.
    Certificate(Vec<u8>),
    /// `publicKey`: a hint naming a key the verifier holds out of band; may be empty.
    PublicKey {
        /// The hint, e.g. a base64 key fingerprint.
        hint: String,
    },
}

impl VerificationMaterial {
    /// The DER signing certificate, when the material is certificate-based.
    pub fn leaf_certificate_der(&self) -> Option<&[u8]> {
        match self {
            VerificationMaterial::CertificateChain(chain) => chain.first().map(Vec::as_slice),
            VerificationMaterial::Certificate(der) => Some(der),
            VerificationMaterial::PublicKey { .. } => None,
        }
    }

    /// The protobuf JSON field name of this form, for error messages.
    pub const fn field_name(&self) -> &'static str {
        match self {
            VerificationMaterial::CertificateChain(_) => "x509CertificateChain",
            VerificationMaterial::Certificate(_) => "certificate",
            VerificationMaterial::PublicKey { .. } => "publicKey",
        }
    }
}

/// A transparency-log entry as the bundle claims it (protobuf-specs `TransparencyLogEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogEntry {
    /// The entry's global index in the log (claimed).
    pub log_index: u64,
    /// Which log: the SHA-256 of its public key; look it up in the trusted root.
    pub log_id: LogId,
    /// The entry type and its version, e.g. `hashedrekord` / `0.0.1`.
    pub kind_version: KindVersion,
    /// When the log says it integrated the entry; `None` when absent (Rekor v2 logs give no
    /// time). Only the inclusion promise vouches for it.
    pub integrated_time: Option<Timestamp>,
    /// The signed entry timestamp; required in v0.1, optional later.
    pub inclusion_promise: Option<InclusionPromise>,
    /// The Merkle inclusion proof; required from v0.2 on.
    pub inclusion_proof: Option<InclusionProof>,
    /// The entry body as the log stored it (non-empty).
    pub canonicalized_body: Vec<u8>,
}

/// An entry's kind and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindVersion {
    /// e.g. `hashedrekord`, `dsse`, `intoto` (non-empty).
    pub kind: String,
    /// e.g. `0.0.1` (non-empty).
    pub version: String,
}

/// The log's signed promise to include an entry (a Signed Entry Timestamp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionPromise {
    /// The signature over the canonical entry (non-empty).
    pub signed_entry_timestamp: Vec<u8>,
}

/// A Merkle inclusion proof for an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The entry's index in the tree the proof is for (may differ from the global index in
    /// a sharded log). Always less than `tree_size`.
    pub log_index: u64,
    /// The root hash the proof leads to (non-empty).
    pub root_hash: Vec<u8>,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// Sibling hashes from leaf to root, each as long as `root_hash`.
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint committing to `root_hash`. Always present from v0.2 on; a v0.1
    /// proof may lack it, and is then unanchored and worth nothing on its own.
    pub checkpoint: Option<Checkpoint>,
}

/// A signed note (checkpoint) for the proof's tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The full note text, signatures included (non-empty).
    pub envelope: String,
}
