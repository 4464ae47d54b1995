use sigchain_core::crypto::Sha256Digest;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{Artifact, Policy, SignerPolicy, Verifier, VerifierConfig};
fn main() {
    let dir = "/work/shared/conformance/bundle-verify";
    let bundle = std::fs::read(format!("{dir}/happy-path-v0.3/bundle.sigstore.json")).unwrap();
    let digest = Sha256Digest::from_hex("a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf").unwrap();
    let n: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(200);
    let verifiers: Vec<Verifier> = (0..n).map(|_| Verifier::new(TrustedRoot::production(), VerifierConfig::default())).collect();
    let t = std::time::Instant::now();
    for v in &verifiers {
        let policy = Policy { artifact: Artifact::Sha256(digest), signer: SignerPolicy::Certificate(vec![CertificateIdentity::new(
            IdentityMatcher::exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"),
            IdentityMatcher::exact("https://token.actions.githubusercontent.com"))]) };
        v.verify_json(&bundle, &policy, Timestamp::now()).unwrap();
    }
    eprintln!("{:?} per bundle", t.elapsed() / n as u32);
}
