//! Sign a file into a Sigstore bundle (v0.3), keyless or with a managed key, against the
//! services a signing config names: the library API behind `sigchain sign-bundle`.
//!
//! ```text
//! sigchain instance serve --dir DIR --addr 127.0.0.1:0      # prints BASE; writes DIR/*.json
//! SIGSTORE_ID_TOKEN=$(curl -s "BASE/oidc/token?sub=me@example.com") \
//!   cargo run -p sigchain-examples --example sign_blob -- \
//!   DIR/trusted_root.json DIR/signing_config.json FILE [--key KEY.pem]
//! ```
//! Writes FILE.sigstore.json. Keyless needs `SIGSTORE_ID_TOKEN` (an OIDC token the config's CA
//! accepts); `--key` signs with a PEM private key instead and needs no token and no CA. Use
//! `signing_config.rekor-v2.json` for Rekor v2.

use sigchain_core::sign::config::SigningConfig;
use sigchain_core::sign::key::SigningKey;
use sigchain_core::sign::machine::Content;
use sigchain_core::time::Timestamp;
use sigchain_core::trust_root::TrustedRoot;
use sigchain_fulcio::client::{BundleSigner, TransportConfig};
use sigchain_fulcio::token::IdentityToken;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (root_path, config_path, file, key_path) = match args.as_slice() {
        [root, config, file] => (root, config, file, None),
        [root, config, file, flag, key] if flag == "--key" => (root, config, file, Some(key)),
        _ => {
            return Err("usage: sign_blob TRUSTED_ROOT SIGNING_CONFIG FILE [--key KEY.pem]".into())
        }
    };
    let trusted_root = TrustedRoot::from_json(&std::fs::read(root_path)?)?;
    let config = SigningConfig::from_json(&std::fs::read(config_path)?)?;
    // The services the config selects now; a log outside the trusted root is refused here.
    let signer = BundleSigner::from_signing_config(
        trusted_root,
        &config,
        TransportConfig::default(),
        Timestamp::now(),
    )?;
    let content = Content::Artifact(std::fs::read(file)?);

    // Every answer is checked by the signing machine, and the bundle is verified in full
    // (for the token's identity, or the key) before it is returned.
    let signed = match key_path {
        Some(path) => {
            let key = SigningKey::from_pem(&std::fs::read_to_string(path)?)?;
            signer.sign_with_key(key, content).await?
        }
        None => {
            let token = IdentityToken::parse(std::env::var("SIGSTORE_ID_TOKEN")?.trim())?;
            println!("signing as {} ({})", token.subject(), token.issuer());
            signer.sign_keyless(&token, content).await?
        }
    };

    let out = format!("{file}.sigstore.json");
    std::fs::write(&out, signed.to_json())?;
    println!("{}", signed.verified().summary());
    println!("wrote {out}");
    Ok(())
}
