//! The verifier: a pipeline of small, named steps, each in its own module.
//!
//! [`Verifier::verify`] reads as the list of steps, in the order sigstore-go runs them:
//!
//! 1. `material` — who the bundle says signed, and whether the policy accepts that kind of
//!    signer (certificate or managed key);
//! 2. `signature` — the signature covers the caller's artifact (message digest or DSSE
//!    envelope with the artifact as an in-toto subject);
//! 3. `tlog` — every transparency-log entry records this content and signer, with a valid
//!    inclusion promise and/or an inclusion proof to a signed checkpoint;
//! 4. `times` — RFC 3161 timestamps over the signature, then the evidence thresholds;
//! 5. `certificate` — the leaf chains to a trusted CA at every trusted time, carries enough
//!    valid SCTs, and names the identity the policy requires.
//!
//! A [`VerifiedBundle`] is the only way to learn what was proven, and only this module can
//! make one.
//!
//! ```
//! use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
//! use sigchain_core::time::Timestamp;
//! use sigchain_core::trust_root::TrustedRoot;
//! use sigchain_core::verify::{Artifact, Policy, Verifier, VerifierConfig};
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/bundle-verify");
//! # let bundle = std::fs::read(format!("{dir}/happy-path-v0.3/bundle.sigstore.json")).unwrap();
//! # let artifact = std::fs::read(format!("{dir}/a.txt")).unwrap();
//! let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
//! let identity = CertificateIdentity::new(
//!     IdentityMatcher::exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"),
//!     IdentityMatcher::exact("https://token.actions.githubusercontent.com"),
//! );
//! let policy = Policy::identity(Artifact::Bytes(&artifact), identity);
//! let verified = verifier.verify_json(&bundle, &policy, Timestamp::now())?;
//! println!("{}", verified.summary());
//! # Ok::<(), sigchain_core::verify::VerifyError>(())
//! ```

mod certificate;
mod config;
mod error;
mod material;
mod policy;
mod result;
mod signature;
#[cfg(test)]
mod tests;
mod times;
mod tlog;

pub use config::VerifierConfig;
pub use error::{MaterialError, ThresholdError, VerifyError};
pub use policy::{Artifact, Policy, SignerPolicy};
pub use result::{TimeSource, VerifiedBundle, VerifiedCertificate, VerifiedSigner, VerifiedTime};
pub use signature::SignatureError;
pub use tlog::{TlogError, VerifiedLogEntry};

use crate::bundle::{Bundle, Content};
use crate::time::Timestamp;
use crate::timestamp::TimestampAuthorities;
use crate::tlog::{SignedContent, SignerMaterial};
use crate::trust_root::TrustedRoot;
use crate::x509::TrustAnchors;

use material::ClaimedSigner;

/// Verifies bundles against one trusted root. Build it once and share it: the trusted root's
/// certificates and keys are parsed and their own chains checked here, not per bundle.
#[derive(Debug)]
pub struct Verifier {
    config: VerifierConfig,
    root: TrustedRoot,
    anchors: TrustAnchors,
    timestamp_authorities: TimestampAuthorities,
    checkpoints: tlog::CheckpointCache,
}

impl Verifier {
    /// A verifier for `root` with verifier-wide requirements `config`.
    pub fn new(root: &TrustedRoot, config: VerifierConfig) -> Verifier {
        Verifier {
            anchors: TrustAnchors::with_limits(&root.certificate_authorities, config.limits),
            timestamp_authorities: TimestampAuthorities::new(&root.timestamp_authorities),
            root: root.clone(),
            config,
            checkpoints: tlog::CheckpointCache::default(),
        }
    }

    /// The verifier-wide requirements.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Verify one transparency-log entry on its own: step 3 of [`Verifier::verify`], for an
    /// entry a log has just returned rather than one read from a bundle.
    ///
    /// The entry must record `content` signed by `signer`, and carry the evidence this
    /// verifier's [`VerifierConfig`] requires (an inclusion proof to a checkpoint signed by a
    /// log of the trusted root, unless `require_inclusion_proof` is off; a valid inclusion
    /// promise when it carries one). The signer itself is not checked here: a log records
    /// certificates without judging them.
    pub fn verify_log_entry(
        &self,
        entry: &crate::bundle::TlogEntry,
        content: &SignedContent<'_>,
        signer: &SignerMaterial<'_>,
        now: Timestamp,
    ) -> Result<VerifiedLogEntry, TlogError> {
        tlog::verify_entry(
            entry,
            &self.root,
            content,
            signer,
            &self.config,
            &self.checkpoints,
            now,
        )
    }

    /// Verify what a log proves about one entry without binding its body to any content:
    /// the inclusion promise and the inclusion proof to a signed checkpoint, as
    /// [`Verifier::verify_log_entry`] checks them. For reading a log (an entry fetched by
    /// index, a monitor); an entry that is to vouch for a signature needs
    /// [`Verifier::verify_log_entry`].
    pub fn verify_log_entry_evidence(
        &self,
        entry: &crate::bundle::TlogEntry,
        now: Timestamp,
    ) -> Result<VerifiedLogEntry, TlogError> {
        tlog::verify_entry_with(
            entry,
            &self.root,
            None,
            &self.config,
            &self.checkpoints,
            now,
        )
    }

    /// The trusted root's CAs, parsed and checked once when this verifier was built.
    pub(crate) fn anchors(&self) -> &TrustAnchors {
        &self.anchors
    }

    /// The trusted root's timestamp authorities, parsed once when this verifier was built.
    pub(crate) fn timestamp_authorities(&self) -> &TimestampAuthorities {
        &self.timestamp_authorities
    }

    /// The trusted root this verifier was built with.
    pub fn trusted_root(&self) -> &TrustedRoot {
        &self.root
    }

    /// Parse a bundle's JSON and verify it.
    pub fn verify_json(
        &self,
        bundle_json: &[u8],
        policy: &Policy<'_>,
        now: Timestamp,
    ) -> Result<VerifiedBundle, VerifyError> {
        let bundle = Bundle::from_json(bundle_json, &self.config.limits)?;
        self.verify(&bundle, policy, now)
    }

    /// Verify a parsed bundle against `policy`, with `now` as the current time.
    pub fn verify(
        &self,
        bundle: &Bundle,
        policy: &Policy<'_>,
        now: Timestamp,
    ) -> Result<VerifiedBundle, VerifyError> {
        // 1. Who claims to have signed.
        let signer = material::claimed_signer(bundle, &policy.signer)?;
        let key = signer.public_key()?;

        // 2. The signature covers the artifact.
        let statement = match bundle.content() {
            Content::MessageSignature(sig) => {
                signature::verify_message_signature(sig, key, &policy.artifact)?;
                None
            }
            Content::Dsse(envelope) => {
                signature::verify_dsse(envelope, key, &policy.artifact, &self.config.limits)?
            }
        };

        // 3. The transparency log recorded exactly this.
        let dsse_signatures: [&[u8]; 1];
        let (content, signed_bytes): (SignedContent<'_>, &[u8]) = match bundle.content() {
            Content::MessageSignature(sig) => (
                SignedContent::MessageSignature {
                    digest: &sig.message_digest.digest,
                    // The signature step refused digests it cannot compute.
                    digest_algorithm: sig
                        .message_digest
                        .algorithm
                        .hash_algorithm()
                        .unwrap_or(crate::crypto::HashAlgorithm::Sha256),
                    signature: &sig.signature,
                },
                &sig.signature,
            ),
            Content::Dsse(envelope) => {
                dsse_signatures = [&envelope.signature.sig];
                (
                    SignedContent::Dsse {
                        payload_type: &envelope.payload_type,
                        payload: &envelope.payload,
                        signatures: &dsse_signatures,
                    },
                    &envelope.signature.sig,
                )
            }
        };
        let signer_material = match &signer {
            ClaimedSigner::Certificate { leaf, .. } => SignerMaterial::Certificate(leaf.der()),
            ClaimedSigner::Key(key) => SignerMaterial::PublicKey(key.spki_der()),
        };
        let log_entries = bundle
            .tlog_entries()
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                tlog::verify_entry(
                    entry,
                    &self.root,
                    &content,
                    &signer_material,
                    &self.config,
                    &self.checkpoints,
                    now,
                )
                .map_err(|source| VerifyError::TransparencyLog { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;

        // 4. Signed timestamps, then enough evidence.
        let stamps = times::verify_signed_timestamps(
            &self.timestamp_authorities,
            bundle.timestamps(),
            signed_bytes,
        )?;
        let trusted_times = times::trusted_times(&self.config, &log_entries, &stamps)?;

        // 5. The signer is trusted at every trusted time.
        let verified_signer = match signer {
            ClaimedSigner::Certificate { leaf, rest } => {
                VerifiedSigner::Certificate(Box::new(certificate::verify_certificate(
                    &self.anchors,
                    &self.root.ctlogs,
                    &self.config,
                    &leaf,
                    &rest,
                    &times::instants(&trusted_times),
                    &policy.signer,
                )?))
            }
            ClaimedSigner::Key(key) => VerifiedSigner::PublicKey(key),
        };

        Ok(VerifiedBundle {
            version: bundle.version(),
            signer: verified_signer,
            times: trusted_times,
            log_entries,
            statement,
        })
    }
}
