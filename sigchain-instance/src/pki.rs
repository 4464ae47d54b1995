//! Issuing keys and X.509 certificates: what the CA, the TSA and the CT log share.
//!
//! Keys are ECDSA (P-256 or P-384) in aws-lc-rs, kept as PKCS#8 files so a restarted instance
//! signs with the same keys and its trusted root stays valid. Certificates are built as
//! `x509-cert` structures, their TBS encoded once and signed here, so the DER a verifier reads
//! is exactly what was signed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING,
};
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, GeneralizedTime, OctetString, UtcTime};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// `ecdsa-with-SHA256` (RFC 5758).
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// `ecdsa-with-SHA384` (RFC 5758).
pub const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// Why a key or certificate could not be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// The system random source failed.
    #[error("could not generate a key or serial number")]
    Random,
    /// A PKCS#8 file does not hold a key of the expected curve.
    #[error("{path}: not a valid {curve:?} PKCS#8 key")]
    BadKey {
        /// The file.
        path: PathBuf,
        /// The curve expected.
        curve: Curve,
    },
    /// A stored certificate does not parse.
    #[error("{path}: not a PEM certificate")]
    BadCertificate {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// DER encoding failed (a value out of its type's range).
    #[error("DER encoding: {0}")]
    Der(#[from] der::Error),
    /// Signing failed (should not happen with a valid key).
    #[error("signing failed")]
    Sign,
}

/// The curve of an issuing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256, signing with SHA-256.
    P256,
    /// NIST P-384, signing with SHA-384.
    P384,
}

/// An ECDSA signing key with its public key as SubjectPublicKeyInfo DER.
pub struct EcKey {
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
    spki_der: Vec<u8>,
    curve: Curve,
    rng: SystemRandom,
}

impl std::fmt::Debug for EcKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcKey")
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

impl EcKey {
    fn alg(curve: Curve) -> &'static aws_lc_rs::signature::EcdsaSigningAlgorithm {
        match curve {
            Curve::P256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
            Curve::P384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
        }
    }

    /// A new random key.
    pub fn generate(curve: Curve) -> Result<EcKey, PkiError> {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(Self::alg(curve), &SystemRandom::new())
            .map_err(|_| PkiError::Random)?;
        EcKey::from_pkcs8(curve, pkcs8.as_ref()).ok_or(PkiError::Random)
    }

    /// The key in a PKCS#8 document, if it is one of `curve`.
    pub fn from_pkcs8(curve: Curve, pkcs8: &[u8]) -> Option<EcKey> {
        let pair = EcdsaKeyPair::from_pkcs8(Self::alg(curve), pkcs8).ok()?;
        let spki_der = pair.public_key().as_der().ok()?.as_ref().to_vec();
        Some(EcKey {
            pair,
            pkcs8: pkcs8.to_vec(),
            spki_der,
            curve,
            rng: SystemRandom::new(),
        })
    }

    /// The key stored at `path`, or a new one written there (mode 0600 on Unix).
    pub fn load_or_create(path: &Path, curve: Curve) -> Result<EcKey, PkiError> {
        match std::fs::read(path) {
            Ok(bytes) => EcKey::from_pkcs8(curve, &bytes).ok_or_else(|| PkiError::BadKey {
                path: path.to_owned(),
                curve,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = EcKey::generate(curve)?;
                write_private(path, &key.pkcs8)?;
                Ok(key)
            }
            Err(source) => Err(PkiError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// The curve.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// The PKCS#8 document.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key as SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The public key as an uncompressed point (`04 || x || y`).
    pub fn public_point(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// An ASN.1 DER ECDSA signature over `message` (hashed with the curve's hash).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, PkiError> {
        self.pair
            .sign(&self.rng, message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| PkiError::Sign)
    }

    /// The X.509 signature algorithm this key signs with.
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: match self.curve {
                Curve::P256 => ECDSA_WITH_SHA256,
                Curve::P384 => ECDSA_WITH_SHA384,
            },
            parameters: None,
        }
    }
}

/// Write a secret file, readable by its owner only where the platform allows.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), PkiError> {
    let io = |source| PkiError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    std::io::Write::write_all(&mut file, bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

/// A fresh positive 16-byte serial number (RFC 5280 4.1.2.2: at most 20 octets, positive;
/// random so that two instances never collide).
pub fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| PkiError::Random)?;
    // Positive, and no leading zero octet for DER to strip.
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Ok(SerialNumber::new(&bytes)?)
}

/// An X.509 time for seconds since the epoch: UTCTime through 2049, GeneralizedTime after
/// (RFC 5280 4.1.2.5).
pub fn x509_time(secs: i64) -> Result<Time, PkiError> {
    let duration = Duration::from_secs(u64::try_from(secs).unwrap_or(0));
    if secs < 2_524_608_000 {
        Ok(Time::UtcTime(UtcTime::from_unix_duration(duration)?))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_unix_duration(
            duration,
        )?))
    }
}

/// A name from its RFC 4514 string, e.g. `CN=root,O=sigchain`.
pub fn name(rfc4514: &str) -> Result<Name, PkiError> {
    rfc4514.parse().map_err(PkiError::Der)
}

/// An extension holding `value`'s DER.
pub fn extension(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, PkiError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. Identifiers, not security:
/// it is what Go's x509 (and so Fulcio and the timestamp authority) compute.
pub fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der)?;
    let bits = spki.subject_public_key.raw_bytes();
    Ok(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, bits)
        .as_ref()
        .to_vec())
}

/// The subject and authority key identifier extensions of a certificate for `subject_spki`
/// issued by the holder of `issuer_spki`.
pub fn key_id_extensions(
    subject_spki: &[u8],
    issuer_spki: &[u8],
) -> Result<[Extension; 2], PkiError> {
    let ski = SubjectKeyIdentifier(OctetString::new(key_identifier(subject_spki)?)?);
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(key_identifier(issuer_spki)?)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    Ok([
        extension(
            const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            &ski,
        )?,
        extension(
            const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &aki,
        )?,
    ])
}

/// The extensions of a CA certificate: basicConstraints CA (critical), keyUsage certSign and
/// cRLSign (critical).
pub fn ca_extensions(path_len: Option<u8>) -> Result<Vec<Extension>, PkiError> {
    let constraints = BasicConstraints {
        ca: true,
        path_len_constraint: path_len,
    };
    let usage = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
    Ok(vec![
        extension(
            const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            &constraints,
        )?,
        extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &usage)?,
    ])
}

/// What goes into a certificate besides its signature.
#[derive(Debug, Clone)]
pub struct CertificateSpec {
    /// Issuer name (the subject of the signing certificate).
    pub issuer: Name,
    /// Subject name (empty for Fulcio leaves, whose identity is in the SAN).
    pub subject: Name,
    /// Start of validity, seconds since the epoch.
    pub not_before: i64,
    /// End of validity, seconds since the epoch.
    pub not_after: i64,
    /// The subject's public key, SubjectPublicKeyInfo DER.
    pub subject_spki_der: Vec<u8>,
    /// Extensions, in order.
    pub extensions: Vec<Extension>,
}

impl CertificateSpec {
    /// The TBSCertificate this spec describes, to be signed by `issuer_key`.
    pub fn to_tbs(&self, issuer_key: &EcKey) -> Result<TbsCertificate, PkiError> {
        Ok(TbsCertificate {
            version: Version::V3,
            serial_number: random_serial()?,
            signature: issuer_key.signature_algorithm(),
            issuer: self.issuer.clone(),
            validity: Validity {
                not_before: x509_time(self.not_before)?,
                not_after: x509_time(self.not_after)?,
            },
            subject: self.subject.clone(),
            subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&self.subject_spki_der)?,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: (!self.extensions.is_empty()).then(|| self.extensions.clone()),
        })
    }
}

/// Sign `tbs` with `issuer_key`; the certificate's DER.
pub fn sign_certificate(tbs: TbsCertificate, issuer_key: &EcKey) -> Result<Vec<u8>, PkiError> {
    let tbs_der = tbs.to_der()?;
    let signature = issuer_key.sign(&tbs_der)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: issuer_key.signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(cert.to_der()?)
}

/// A certificate as PEM.
pub fn pem(der: &[u8]) -> String {
    // Encoding a byte slice as PEM with a fixed, valid label cannot fail.
    pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, der).unwrap_or_default()
}

/// A certificate read back from a PEM file.
pub fn read_pem_certificate(path: &Path) -> Result<Vec<u8>, PkiError> {
    let text = std::fs::read_to_string(path).map_err(|source| PkiError::Io {
        path: path.to_owned(),
        source,
    })?;
    let bad = || PkiError::BadCertificate {
        path: path.to_owned(),
    };
    let (label, der) = pem_rfc7468::decode_vec(text.as_bytes()).map_err(|_| bad())?;
    if label != "CERTIFICATE" || Certificate::from_der(&der).is_err() {
        return Err(bad());
    }
    Ok(der)
}

/// Write a public file (a certificate): created with its folder, replaced if present.
pub fn write_public(path: &Path, contents: &[u8]) -> Result<(), PkiError> {
    let io = |source| PkiError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, contents).map_err(io)
}

/// A persisted two-certificate hierarchy: a self-signed root and one certificate it issued,
/// with the issued certificate's key. The root's key signs once, at creation, and is not
/// kept: nothing later needs it, and a key never written cannot leak.
#[derive(Debug)]
pub struct StoredChain {
    /// The root certificate, DER.
    pub root_der: Vec<u8>,
    /// The issued certificate, DER.
    pub leaf_der: Vec<u8>,
    /// The issued certificate's key.
    pub leaf_key: EcKey,
    /// When the root's validity starts, seconds since the epoch.
    pub not_before: i64,
}

/// How to make a [`StoredChain`] the first time.
pub struct ChainTemplate<'a> {
    /// Root subject, RFC 4514.
    pub root_name: &'a str,
    /// Issued certificate's subject, RFC 4514.
    pub leaf_name: &'a str,
    /// Issued certificate's key curve.
    pub leaf_curve: Curve,
    /// Issued certificate's extensions besides the key identifiers.
    pub leaf_extensions: Vec<Extension>,
    /// Validity of both, seconds.
    pub lifetime: i64,
    /// Now, seconds since the epoch.
    pub now: i64,
}

impl StoredChain {
    /// The chain in `dir` (`root.pem`, `<leaf>.pem`, `<leaf>.key.p8`), or a new one made from
    /// `template` and written there.
    pub fn load_or_create(
        dir: &Path,
        leaf: &str,
        template: ChainTemplate<'_>,
    ) -> Result<StoredChain, PkiError> {
        let root_path = dir.join("root.pem");
        let leaf_path = dir.join(format!("{leaf}.pem"));
        let key_path = dir.join(format!("{leaf}.key.p8"));
        if key_path.exists() {
            let root_der = read_pem_certificate(&root_path)?;
            let leaf_der = read_pem_certificate(&leaf_path)?;
            let leaf_key = EcKey::load_or_create(&key_path, template.leaf_curve)?;
            let root = Certificate::from_der(&root_der)?;
            let not_before = root
                .tbs_certificate
                .validity
                .not_before
                .to_unix_duration()
                .as_secs();
            return Ok(StoredChain {
                root_der,
                leaf_der,
                leaf_key,
                not_before: i64::try_from(not_before).unwrap_or(0),
            });
        }
        let chain = StoredChain::generate(template)?;
        write_public(&root_path, pem(&chain.root_der).as_bytes())?;
        write_public(&leaf_path, pem(&chain.leaf_der).as_bytes())?;
        // The key last: its presence says the hierarchy is complete.
        write_private(&key_path, chain.leaf_key.pkcs8())?;
        Ok(chain)
    }

    /// A new hierarchy made from `template`, in memory only.
    pub fn generate(template: ChainTemplate<'_>) -> Result<StoredChain, PkiError> {
        let root_key = EcKey::generate(Curve::P384)?;
        let leaf_key = EcKey::generate(template.leaf_curve)?;
        // A minute's margin before now: clocks of the clients that check these disagree.
        let not_before = template.now - 60;
        let not_after = template.now + template.lifetime;
        let root_name = name(template.root_name)?;
        let mut root_extensions = ca_extensions(Some(1))?;
        root_extensions.extend(key_id_extensions(root_key.spki_der(), root_key.spki_der())?);
        let root_spec = CertificateSpec {
            issuer: root_name.clone(),
            subject: root_name.clone(),
            not_before,
            not_after,
            subject_spki_der: root_key.spki_der().to_vec(),
            extensions: root_extensions,
        };
        let root_der = sign_certificate(root_spec.to_tbs(&root_key)?, &root_key)?;
        let mut leaf_extensions = template.leaf_extensions;
        leaf_extensions.extend(key_id_extensions(leaf_key.spki_der(), root_key.spki_der())?);
        let leaf_spec = CertificateSpec {
            issuer: root_name,
            subject: name(template.leaf_name)?,
            not_before,
            not_after,
            subject_spki_der: leaf_key.spki_der().to_vec(),
            extensions: leaf_extensions,
        };
        let leaf_der = sign_certificate(leaf_spec.to_tbs(&root_key)?, &root_key)?;
        Ok(StoredChain {
            root_der,
            leaf_der,
            leaf_key,
            not_before,
        })
    }
}

/// The issuer name a certificate issued by `issuer_der` names: the issuer's subject.
pub fn subject_of(issuer_der: &[u8]) -> Result<Name, PkiError> {
    Ok(Certificate::from_der(issuer_der)?.tbs_certificate.subject)
}
