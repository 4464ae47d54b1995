//! **Test-only** misbehaviour of the instance's services, so that clients' failure paths can be
//! exercised against a real server. An instance serving anything but
//! [`Misbehavior::None`] must never be trusted.

/// One way the instance breaks its promises (at most one at a time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Misbehavior {
    /// Behave.
    #[default]
    None,
    /// The CA issues under a root and intermediate that the trusted root does not name.
    CaUnknownRoot,
    /// The CA names another identity in the SAN than the token's (`not-<email>`).
    CaWrongSan,
    /// The CA embeds an SCT whose signature does not verify.
    CaBadSct,
    /// The Rekor v1 and v2 logs serve inclusion proofs that do not lead to their roots.
    LogBadInclusionProof,
    /// The TSA timestamps other bytes than the request's imprint.
    TsaWrongHash,
}

impl std::str::FromStr for Misbehavior {
    type Err = String;

    /// The kebab-case names: `none`, `ca-unknown-root`, `ca-wrong-san`, `ca-bad-sct`,
    /// `log-bad-inclusion-proof`, `tsa-wrong-hash`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "none" => Misbehavior::None,
            "ca-unknown-root" => Misbehavior::CaUnknownRoot,
            "ca-wrong-san" => Misbehavior::CaWrongSan,
            "ca-bad-sct" => Misbehavior::CaBadSct,
            "log-bad-inclusion-proof" => Misbehavior::LogBadInclusionProof,
            "tsa-wrong-hash" => Misbehavior::TsaWrongHash,
            other => return Err(format!("unknown misbehaviour {other:?}")),
        })
    }
}
