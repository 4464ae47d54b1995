//! Certificates as a CA sends them: lists of PEM blocks, turned into parsed certificates
//! with bounds on their count and size, and nothing believed about them yet.

use sigchain_core::x509::{CertError, Certificate};

use crate::limits::FulcioLimits;

/// Why a list of PEM certificates was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemChainError {
    /// The list holds no certificate.
    #[error("the chain holds no certificate")]
    Empty,
    /// More certificates than [`FulcioLimits::max_chain_certificates`].
    #[error("the chain holds {count} certificates, over the limit of {max}")]
    TooManyCertificates {
        /// Certificates sent.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// One certificate is over [`FulcioLimits::max_certificate_bytes`].
    #[error("certificate {index} is {len} bytes, over the limit of {max}")]
    CertificateTooLarge {
        /// Position in the chain (0 is the first).
        index: usize,
        /// Its length (PEM text, or DER once decoded).
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An element is not exactly one PEM block.
    #[error("certificate {index} is not one PEM block")]
    NotPem {
        /// Position in the chain.
        index: usize,
    },
    /// A PEM block is labelled otherwise than `CERTIFICATE`.
    #[error("certificate {index} is a PEM {label:?} block, not a CERTIFICATE")]
    PemLabel {
        /// Position in the chain.
        index: usize,
        /// The label found.
        label: String,
    },
    /// The DER inside is not an X.509 certificate.
    #[error("certificate {index} does not parse: {source}")]
    NotACertificate {
        /// Position in the chain.
        index: usize,
        /// Why.
        #[source]
        source: CertError,
    },
}

/// A certificate chain a CA answered with: leaf first, then intermediates, then (usually) the
/// root. Parsed and bounded, **not verified**: nothing says yet that it chains to a trusted
/// root, that the leaf certifies the caller's key, names the expected identity, or carries a
/// valid SCT. Those checks belong to `sigchain_core` (the signer's issued-chain check), which
/// takes the DER this type holds.
///
/// ```
/// use sigchain_fulcio::{FulcioLimits, UnverifiedCertificateChain};
/// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/bundle-verify/happy-path-v0.3");
/// # let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(format!("{dir}/bundle.sigstore.json"))?)?;
/// # let leaf_der = sigchain_fulcio::sigchain_core::encoding::base64_decode(
/// #     bundle["verificationMaterial"]["certificate"]["rawBytes"].as_str().unwrap()).unwrap();
/// # let pem = pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &leaf_der).unwrap();
/// // `pem`: a PEM certificate as a CA sends it.
/// let chain = UnverifiedCertificateChain::from_pem_list(&[pem], &FulcioLimits::DEFAULT)?;
/// assert_eq!(chain.len(), 1);
/// assert_eq!(chain.der_list(), [leaf_der.as_slice()]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedCertificateChain {
    /// Never empty.
    certificates: Vec<Certificate>,
}

impl UnverifiedCertificateChain {
    /// Parse PEM certificates, one per element, within `limits`.
    pub fn from_pem_list(
        pems: &[String],
        limits: &FulcioLimits,
    ) -> Result<UnverifiedCertificateChain, PemChainError> {
        if pems.is_empty() {
            return Err(PemChainError::Empty);
        }
        if pems.len() > limits.max_chain_certificates {
            return Err(PemChainError::TooManyCertificates {
                count: pems.len(),
                max: limits.max_chain_certificates,
            });
        }
        let certificates = pems
            .iter()
            .enumerate()
            .map(|(index, pem)| certificate_from_pem(index, pem, limits))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(UnverifiedCertificateChain { certificates })
    }

    /// Wrap DER certificates (e.g. from another transport), within `limits`.
    pub fn from_der_list(
        ders: &[&[u8]],
        limits: &FulcioLimits,
    ) -> Result<UnverifiedCertificateChain, PemChainError> {
        if ders.is_empty() {
            return Err(PemChainError::Empty);
        }
        if ders.len() > limits.max_chain_certificates {
            return Err(PemChainError::TooManyCertificates {
                count: ders.len(),
                max: limits.max_chain_certificates,
            });
        }
        let certificates = ders
            .iter()
            .enumerate()
            .map(|(index, der)| certificate_from_der(index, der, limits))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(UnverifiedCertificateChain { certificates })
    }

    /// The first certificate: for a signing-certificate answer, the leaf issued to the caller.
    pub fn leaf(&self) -> &Certificate {
        // `from_*_list` refuse an empty list, so there is a first one.
        &self.certificates[0]
    }

    /// Every certificate, in the order the CA sent them.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The certificates after the first one.
    pub fn rest(&self) -> &[Certificate] {
        &self.certificates[1..]
    }

    /// The DER of every certificate, in order.
    pub fn der_list(&self) -> Vec<&[u8]> {
        self.certificates.iter().map(Certificate::der).collect()
    }

    /// How many certificates (at least one).
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// Always false: a chain holds at least one certificate.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    /// The certificates, for the checker that decides whether to believe them.
    pub fn into_certificates(self) -> Vec<Certificate> {
        self.certificates
    }
}

fn certificate_from_pem(
    index: usize,
    pem: &str,
    limits: &FulcioLimits,
) -> Result<Certificate, PemChainError> {
    // Base64 is 4/3 of the DER plus line breaks and the armour; twice the DER bound is ample
    // and refuses a huge string before any decoding work.
    let max_pem = limits
        .max_certificate_bytes
        .saturating_mul(2)
        .saturating_add(256);
    if pem.len() > max_pem {
        return Err(PemChainError::CertificateTooLarge {
            index,
            len: pem.len(),
            max: max_pem,
        });
    }
    let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes())
        .map_err(|_| PemChainError::NotPem { index })?;
    if label != "CERTIFICATE" {
        return Err(PemChainError::PemLabel {
            index,
            label: label.to_owned(),
        });
    }
    certificate_from_der(index, &der, limits)
}

fn certificate_from_der(
    index: usize,
    der: &[u8],
    limits: &FulcioLimits,
) -> Result<Certificate, PemChainError> {
    if der.len() > limits.max_certificate_bytes {
        return Err(PemChainError::CertificateTooLarge {
            index,
            len: der.len(),
            max: limits.max_certificate_bytes,
        });
    }
    Certificate::from_der(der).map_err(|source| PemChainError::NotACertificate { index, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn parses_a_real_chain_in_order() {
        let pems = testdata::chain_pems();
        let chain =
            UnverifiedCertificateChain::from_pem_list(&pems, &FulcioLimits::DEFAULT).unwrap();
        assert_eq!(chain.len(), pems.len());
        assert_eq!(chain.leaf().der(), testdata::leaf_der().as_slice());
        assert_eq!(chain.rest().len(), pems.len() - 1);
    }

    #[test]
    fn refuses_empty_long_and_large_chains() {
        let limits = FulcioLimits::DEFAULT;
        assert_eq!(
            UnverifiedCertificateChain::from_pem_list(&[], &limits),
            Err(PemChainError::Empty)
        );
        let pems = testdata::chain_pems();
        let short = FulcioLimits {
            max_chain_certificates: pems.len() - 1,
            ..limits
        };
        assert!(matches!(
            UnverifiedCertificateChain::from_pem_list(&pems, &short),
            Err(PemChainError::TooManyCertificates { .. })
        ));
        let small = FulcioLimits {
            max_certificate_bytes: 100,
            ..limits
        };
        assert!(matches!(
            UnverifiedCertificateChain::from_pem_list(&pems, &small),
            Err(PemChainError::CertificateTooLarge { index: 0, .. })
        ));
        // Just under the PEM bound but over the DER one: caught after decoding.
        let der_len = testdata::leaf_der().len();
        let tight = FulcioLimits {
            max_certificate_bytes: der_len - 1,
            ..limits
        };
        assert!(matches!(
            UnverifiedCertificateChain::from_pem_list(&pems[..1], &tight),
            Err(PemChainError::CertificateTooLarge { index: 0, len, .. }) if len == der_len
        ));
    }

    #[test]
    fn refuses_what_is_not_one_pem_certificate() {
        let limits = FulcioLimits::DEFAULT;
        let leaf = testdata::leaf_pem();
        type Expect = fn(&PemChainError) -> bool;
        let cases: Vec<(String, Expect)> = vec![
            ("not pem".to_owned(), |e| {
                matches!(e, PemChainError::NotPem { index: 1 })
            }),
            (format!("{leaf}{leaf}"), |e| {
                matches!(e, PemChainError::NotPem { index: 1 })
            }),
            (leaf.replace("CERTIFICATE", "PUBLIC KEY"), |e| {
                matches!(e, PemChainError::PemLabel { index: 1, .. })
            }),
            (
                pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, b"junk")
                    .unwrap(),
                |e| matches!(e, PemChainError::NotACertificate { index: 1, .. }),
            ),
        ];
        for (second, expected) in cases {
            let error =
                UnverifiedCertificateChain::from_pem_list(&[leaf.clone(), second.clone()], &limits)
                    .unwrap_err();
            assert!(expected(&error), "{second:?}: {error:?}");
        }
    }
}
