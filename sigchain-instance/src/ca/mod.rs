//! A Fulcio-v2-compatible certificate authority with embedded SCTs.
//!
//! [`CertificateAuthority::issue`] is the whole of `CreateSigningCertificate`, sans-IO: verify
//! the identity token, check the proof of key possession ([`request`]), build a
//! precertificate (poisoned), have the instance's CT log ([`crate::ct`]) sign an SCT for it,
//! and sign the final certificate with the SCT list in place of the poison. The chain is
//! root → intermediate (ECDSA P-384, persisted) → leaf; the leaf is what Fulcio issues:
//! 10 minutes, keyUsage digitalSignature (critical), extKeyUsage codeSigning, the identity in
//! a critical SAN (the subject is empty), SKI/AKI, and the OIDC issuer in extensions
//! `1.3.6.1.4.1.57264.1.1` (raw) and `.1.8` (DER UTF8String).
//!
//! [`http`] serves `POST /api/v2/signingCert` and `GET /api/v2/trustBundle`.

pub mod http;
pub mod request;

use std::path::Path;

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5String, Utf8StringRef};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::ext::Extension;

use crate::ct::{poison_extension, sct_list_extension, CtError, CtLog, Sct};
use crate::misbehavior::Misbehavior;
use crate::oidc::{IssuerKind, TokenError, TokenVerifier, VerifiedClaims};
use crate::pki::{
    extension, key_id_extensions, sign_certificate, subject_of, CertificateSpec, ChainTemplate,
    Curve, PkiError, StoredChain,
};
use request::{verified_key, SigningCertRequest};

mod ci_extensions;

/// Lifetime of an issued certificate, seconds (Fulcio's 10 minutes).
pub const LEAF_LIFETIME: i64 = 600;
/// Lifetime of the root and intermediate, seconds (10 years).
pub const CA_LIFETIME: i64 = 10 * 365 * 86_400;

const OID_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
const OID_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
const OID_KP_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");

/// Why a certificate was not issued. [`CaError::status`] and [`CaError::client_message`] give
/// Fulcio's answer for each.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// The body is larger than [`request::MAX_REQUEST_BYTES`].
    #[error("request of {0} bytes is too large")]
    TooLarge(usize),
    /// The body is not a `CreateSigningCertificateRequest`.
    #[error("malformed request: {0}")]
    MalformedRequest(String),
    /// Neither `credentials` nor an `Authorization` header carries a token.
    #[error("no identity token")]
    MissingToken,
    /// The token was refused.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The public key does not parse.
    #[error("the public key supplied in the request could not be parsed")]
    InvalidPublicKey,
    /// The key is of a kind the CA does not certify.
    #[error("the public key supplied in the request is insecure")]
    InsecurePublicKey,
    /// The CSR does not parse.
    #[error("the certificate signing request could not be parsed")]
    InvalidCsr,
    /// The proof of possession or the CSR's signature does not verify.
    #[error("the signature supplied in the request could not be verified")]
    InvalidSignature,
    /// The CT log refused the precertificate (a bug).
    #[error("CT log: {0}")]
    Ct(#[from] CtError),
    /// Building or signing a certificate failed.
    #[error(transparent)]
    Pki(#[from] PkiError),
}

impl CaError {
    /// The gRPC code Fulcio answers with (3 InvalidArgument, 13 Internal), as grpc-gateway
    /// puts it in the JSON error body.
    pub fn grpc_code(&self) -> u16 {
        match self {
            CaError::Ct(_) | CaError::Pki(_) => 13,
            _ => 3,
        }
    }

    /// The HTTP status grpc-gateway maps the code to.
    pub fn status(&self) -> u16 {
        match self.grpc_code() {
            3 => 400,
            _ => 500,
        }
    }

    /// Fulcio's client-facing message (details go to the server log only, as in Fulcio).
    pub fn client_message(&self) -> &'static str {
        match self {
            CaError::TooLarge(_) | CaError::MalformedRequest(_) => "invalid request body",
            CaError::MissingToken | CaError::Token(_) => {
                "There was an error processing the identity token"
            }
            CaError::InvalidPublicKey => {
                "The public key supplied in the request could not be parsed"
            }
            CaError::InsecurePublicKey => "The public key supplied in the request is insecure",
            CaError::InvalidCsr => "The certificate signing request could not be parsed",
            CaError::InvalidSignature => {
                "The signature supplied in the request could not be verified"
            }
            CaError::Ct(_) => "Error entering certificate in CTL",
            CaError::Pki(_) => "error communicating with CA backend",
        }
    }
}

/// An issued certificate with its chain, DER, leaf first, root last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedChain(pub Vec<Vec<u8>>);

impl IssuedChain {
    /// The chain as PEM strings, leaf first.
    pub fn pem(&self) -> Vec<String> {
        self.0.iter().map(|der| crate::pki::pem(der)).collect()
    }
}

/// The CA: its persisted hierarchy, its CT log and the issuers it trusts.
#[derive(Debug)]
pub struct CertificateAuthority {
    chain: StoredChain,
    ct: CtLog,
    misbehavior: Misbehavior,
    /// For [`Misbehavior::CaUnknownRoot`]: a hierarchy no trusted root names.
    rogue: Option<StoredChain>,
}

impl CertificateAuthority {
    /// The CA whose root and intermediate are kept in `dir` (made at `now` on first use),
    /// logging to `ct`.
    pub fn open(
        dir: &Path,
        ct: CtLog,
        misbehavior: Misbehavior,
        now: i64,
    ) -> Result<CertificateAuthority, PkiError> {
        let template = || -> Result<ChainTemplate<'static>, PkiError> {
            Ok(ChainTemplate {
                root_name: "CN=sigchain-instance root,O=sigchain",
                leaf_name: "CN=sigchain-instance intermediate,O=sigchain",
                leaf_curve: Curve::P384,
                leaf_extensions: crate::pki::ca_extensions(Some(0))?,
                lifetime: CA_LIFETIME,
                now,
            })
        };
        let chain = StoredChain::load_or_create(dir, "intermediate", template()?)?;
        let rogue = match misbehavior {
            Misbehavior::CaUnknownRoot => Some(StoredChain::generate(template()?)?),
            _ => None,
        };
        Ok(CertificateAuthority {
            chain,
            ct,
            misbehavior,
            rogue,
        })
    }

    /// The root certificate, DER.
    pub fn root_der(&self) -> &[u8] {
        &self.chain.root_der
    }

    /// The intermediate certificate, DER.
    pub fn intermediate_der(&self) -> &[u8] {
        &self.chain.leaf_der
    }

    /// When the hierarchy's validity starts, seconds since the epoch.
    pub fn valid_from(&self) -> i64 {
        self.chain.not_before
    }

    /// The CT log.
    pub fn ct_log(&self) -> &CtLog {
        &self.ct
    }

    /// The trust bundle: one chain, intermediate then root.
    pub fn trust_bundle(&self) -> Vec<Vec<u8>> {
        vec![self.chain.leaf_der.clone(), self.chain.root_der.clone()]
    }

    /// Issue a certificate for `request` at `now` (seconds since the epoch), accepting the
    /// tokens `tokens` accepts.
    pub fn issue(
        &self,
        request: &SigningCertRequest,
        tokens: &TokenVerifier,
        now: i64,
    ) -> Result<IssuedChain, CaError> {
        // 1. Who is asking: a token from a trusted issuer, unexpired, for us.
        let claims = tokens.verify(&request.token, now)?;
        // 2. That they hold the key the certificate will name.
        let key = verified_key(&request.proof, claims.principal())?;
        // 3. The precertificate, logged; 4. the final certificate with its SCT.
        let issuing = match (&self.misbehavior, &self.rogue) {
            (Misbehavior::CaUnknownRoot, Some(rogue)) => rogue,
            _ => &self.chain,
        };
        let spec = CertificateSpec {
            issuer: subject_of(&issuing.leaf_der)?,
            subject: x509_cert::name::Name::default(),
            not_before: now,
            not_after: now + LEAF_LIFETIME,
            subject_spki_der: key.spki_der().to_vec(),
            extensions: self.leaf_extensions(&claims, key.spki_der(), issuing)?,
        };
        let mut tbs = spec.to_tbs(&issuing.leaf_key)?;
        let mut precert_tbs = tbs.clone();
        precert_tbs
            .extensions
            .get_or_insert_with(Vec::new)
            .push(poison_extension()?);
        let precert = sign_certificate(precert_tbs, &issuing.leaf_key)?;
        let timestamp_ms = u64::try_from(now).unwrap_or(0).saturating_mul(1000);
        let mut sct = self
            .ct
            .add_pre_chain(&precert, issuing.leaf_key.spki_der(), timestamp_ms)?;
        if self.misbehavior == Misbehavior::CaBadSct {
            corrupt_sct(&mut sct);
        }
        tbs.extensions
            .get_or_insert_with(Vec::new)
            .push(sct_list_extension(&[sct])?);
        let leaf = sign_certificate(tbs, &issuing.leaf_key)?;
        Ok(IssuedChain(vec![
            leaf,
            issuing.leaf_der.clone(),
            issuing.root_der.clone(),
        ]))
    }

    fn leaf_extensions(
        &self,
        claims: &VerifiedClaims,
        subject_spki: &[u8],
        issuing: &StoredChain,
    ) -> Result<Vec<Extension>, CaError> {
        let principal = if self.misbehavior == Misbehavior::CaWrongSan {
            format!("not-{}", claims.principal())
        } else {
            claims.principal().to_owned()
        };
        let ia5 = |s: String| Ia5String::new(&s).map_err(|_| CaError::InvalidSignature);
        let (san, ci_extensions) = match (claims.kind, claims.github_actions()) {
            (IssuerKind::Email, _) => (GeneralName::Rfc822Name(ia5(principal)?), Vec::new()),
            (IssuerKind::Uri, _) => (
                GeneralName::UniformResourceIdentifier(ia5(principal)?),
                Vec::new(),
            ),
            // A job is certified as its workflow, not as the token's `sub`.
            (IssuerKind::GithubActions, Some(job)) => {
                let workflow = if self.misbehavior == Misbehavior::CaWrongSan {
                    format!("{}-not", job.build_signer_uri())
                } else {
                    job.build_signer_uri()
                };
                (
                    GeneralName::UniformResourceIdentifier(ia5(workflow)?),
                    ci_extensions::github_actions(job)?,
                )
            }
            (IssuerKind::GithubActions, None) => {
                return Err(TokenError::GithubClaims("missing".to_owned()).into())
            }
        };
        let [ski, aki] = key_id_extensions(subject_spki, issuing.leaf_key.spki_der())?;
        let issuer_v2 = Utf8StringRef::new(&claims.issuer).map_err(PkiError::Der)?;
        Ok([
            extension(
                const_oid::db::rfc5280::ID_CE_KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            )?,
            extension(
                const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
                false,
                &ExtendedKeyUsage(vec![OID_KP_CODE_SIGNING]),
            )?,
            ski,
            aki,
            // RFC 5280 4.2.1.6: critical, because the subject is empty.
            extension(
                const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME,
                true,
                &SubjectAltName(vec![san]),
            )?,
            // The legacy issuer extension holds the raw string, not DER.
            Extension {
                extn_id: OID_ISSUER_V1,
                critical: false,
                extn_value: der::asn1::OctetString::new(claims.issuer.as_bytes().to_vec())
                    .map_err(PkiError::Der)?,
            },
            extension(OID_ISSUER_V2, false, &issuer_v2)?,
        ]
        .into_iter()
        .chain(ci_extensions)
        .collect())
    }
}

/// Test-only: an SCT whose signature cannot verify (its last byte flipped keeps the DER
/// well-formed, so only the signature check can catch it).
fn corrupt_sct(sct: &mut Sct) {
    if let Some(last) = sct.0.last_mut() {
        *last ^= 0x01;
    }
}

#[cfg(test)]
mod tests;
