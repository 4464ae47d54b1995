//! Verify a bundle and print what it proves: signer identity, every Fulcio claim, trusted
//! times, log entries and, for attestations, the in-toto subjects.
//!
//! ```text
//! cargo run -p sigchain-examples --example inspect -- BUNDLE (ARTIFACT | sha256:HEX) [IDENTITY ISSUER]
//! ```
//! Without IDENTITY and ISSUER any certificate identity is accepted (and printed): use that to
//! learn who signed, never to decide whether to trust it.

use sigchain_core::crypto::Sha256Digest;
use sigchain_core::identity::{CertificateIdentity, IdentityMatcher};
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_core::verify::{
    Artifact, Policy, SignerPolicy, VerifiedSigner, Verifier, VerifierConfig,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (bundle_path, input) = match args.as_slice() {
        [bundle, input, ..] => (bundle, input),
        _ => return Err("usage: inspect BUNDLE (ARTIFACT | sha256:HEX) [IDENTITY ISSUER]".into()),
    };
    let bundle = std::fs::read(bundle_path)?;
    let bytes;
    let artifact = match input
        .strip_prefix("sha256:")
        .and_then(Sha256Digest::from_hex)
    {
        Some(digest) => Artifact::Sha256(digest),
        None => {
            bytes = std::fs::read(input)?;
            Artifact::Bytes(&bytes)
        }
    };
    let signer = match &args[2..] {
        [identity, issuer] => SignerPolicy::Certificate(vec![CertificateIdentity::new(
            IdentityMatcher::exact(identity.as_str()),
            IdentityMatcher::exact(issuer.as_str()),
        )]),
        _ => SignerPolicy::UnsafeAnyCertificateIdentity,
    };
    let verifier = Verifier::new(TrustedRoot::production(), VerifierConfig::default());
    let verified = verifier.verify_json(&bundle, &Policy { artifact, signer }, Timestamp::now())?;
    println!("{}", verified.summary());
    if let VerifiedSigner::Certificate(cert) = verified.signer() {
        println!("claims: {:#?}", cert.claims());
    }
    for time in verified.times() {
        println!("time {} from {:?}", time.time(), time.source());
    }
    if let Some(statement) = verified.statement() {
        println!("predicate type {}", statement.predicate_type);
        for subject in &statement.subjects {
            println!("subject {} {:?}", subject.name, subject.digest);
        }
    }
    Ok(())
}
